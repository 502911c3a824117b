// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "vmstat.h"

static struct cb_vmstat *snap(const char *text)
{
	struct cb_vmstat *s = malloc(sizeof(*s));

	assert_non_null(s);
	assert_true(cb_vmstat_parse(text, s) >= 0);
	return s;
}

static void test_parse(void **state)
{
	struct cb_vmstat *s = snap("nr_free_pages 100\npgfault 12345\npgreuse 7\n");

	(void)state;
	assert_int_equal(s->nr, 3);
	assert_string_equal(s->name[1], "pgfault");
	assert_int_equal(s->value[1], 12345);
	assert_int_equal(cb_vmstat_find(s, "pgreuse", 0), 2);
	assert_int_equal(cb_vmstat_find(s, "absent", 0), -1);
	free(s);
}

static void test_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"pgfault\n", "pgfault x\n", "pgfault 12 13\n", " 12\n",
		"a_name_far_longer_than_any_vmstat_line_could_ever_be 1\n",
	};
	struct cb_vmstat *s = malloc(sizeof(*s));

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cb_vmstat_parse(bad[i], s) != -1)
			fail_msg("accepted '%s'", bad[i]);
	free(s);
}

static void test_delta_matches_by_name(void **state)
{
	/* The after snapshot has a new event and a different order. */
	struct cb_vmstat *before = snap("pgfault 100\nnr_anon_pages 50\npgreuse 10\n");
	struct cb_vmstat *after = snap("pgreuse 13\ncow_copy 4\npgfault 160\nnr_anon_pages 40\n");
	int64_t delta[CB_VMSTAT_MAX];

	(void)state;
	cb_vmstat_delta(after, before, after, delta);
	assert_int_equal(delta[0], 3);		/* pgreuse */
	assert_int_equal(delta[1], 4);		/* cow_copy: absent before = 0 */
	assert_int_equal(delta[2], 60);		/* pgfault */
	assert_int_equal(delta[3], -10);	/* a gauge can shrink */
	free(before);
	free(after);
}

static void test_is_event(void **state)
{
	(void)state;
	assert_true(cb_vmstat_is_event("pgfault"));
	assert_true(cb_vmstat_is_event("thp_fault_alloc"));
	assert_true(cb_vmstat_is_event("nr_foll_pin_acquired"));
	assert_true(cb_vmstat_is_event("nr_foll_pin_released"));
	assert_false(cb_vmstat_is_event("nr_free_pages"));
	assert_false(cb_vmstat_is_event("nr_anon_pages"));
}

static void test_read_proc(void **state)
{
	struct cb_vmstat *s = malloc(sizeof(*s));

	(void)state;
	assert_true(cb_vmstat_read(NULL, s) > 10);
	assert_true(cb_vmstat_find(s, "pgfault", 0) >= 0);
	assert_int_equal(cb_vmstat_read("/nonexistent/vmstat", s), -1);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_rejects_malformed),
		cmocka_unit_test(test_delta_matches_by_name),
		cmocka_unit_test(test_is_event),
		cmocka_unit_test(test_read_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
