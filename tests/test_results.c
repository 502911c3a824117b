// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

static void load(const char *file, struct cb_results *res)
{
	char err[512], path[512];

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, file);
	if (cb_results_load(path, res, err, sizeof(err)))
		fail_msg("%s: %s", file, err);
}

static void test_base_name(void **state)
{
	char a[] = "fault/anon/2MiB/thp:off/iterations:64/manual_time";
	char b[] = "fork/call/1GiB/thp:on";
	char c[] = "x/repeats:3/threads:1/real_time";

	(void)state;
	cb_result_base_name(a);
	cb_result_base_name(b);
	cb_result_base_name(c);
	assert_string_equal(a, "fault/anon/2MiB/thp:off");
	assert_string_equal(b, "fork/call/1GiB/thp:on");
	assert_string_equal(c, "x");
}

static void test_nonfinite_to_null(void **state)
{
	char *out = cb_json_nonfinite_to_null(
		"{\"a\": NaN, \"b\": -nan, \"c\": inf, \"NaN\": \"keep NaN\", \"d\": 1}");

	(void)state;
	assert_string_equal(out, "{\"a\": null, \"b\": null, \"c\": null, "
				 "\"NaN\": \"keep NaN\", \"d\": 1}");
	free(out);
}

static void test_load_sample(void **state)
{
	struct cb_results res;
	const struct cb_result *r;
	struct cb_stat st;

	(void)state;
	load("bench-sample.json", &res);
	assert_int_equal(res.n, 3);

	r = cb_results_find(&res, "fault/anon/2MiB/thp:off");
	assert_non_null(r);
	assert_int_equal(r->kind, CB_RES_OK);
	assert_string_equal(r->item, "page");
	/* Aggregates are Google benchmark's; we keep only repetitions. */
	assert_int_equal(r->ns_per_item.n, 3);
	cb_stat_compute(&r->ns_per_item, &st);
	assert_float_equal(st.median, 1200.0, 1e-9);
	assert_float_equal(st.min, 1000.0, 1e-9);
	assert_float_equal(st.max, 1400.0, 1e-9);
	assert_float_equal(st.sd, 200.0, 1e-9);
	assert_float_equal(st.cv, 200.0 / 1200.0, 1e-9);

	/* pgreuse appeared in one repetition only: the others count as 0. */
	assert_int_equal(r->nr_events, 2);
	for (size_t e = 0; e < r->nr_events; e++) {
		assert_int_equal(r->events[e].s.n, 3);
		if (!strcmp(r->events[e].name, "vm.pgreuse")) {
			assert_float_equal(r->events[e].s.v[0], 0.0, 0);
			assert_float_equal(r->events[e].s.v[1], 0.5, 0);
			assert_float_equal(r->events[e].s.v[2], 0.0, 0);
		}
	}

	r = cb_results_find(&res, "pin/gup-fast/64MiB/thp:off");
	assert_non_null(r);
	assert_int_equal(r->kind, CB_RES_SKIPPED);
	assert_string_equal(r->message, "no /sys/kernel/debug/gup_test");

	r = cb_results_find(&res, "fork/call/4MiB/thp:off");
	assert_non_null(r);
	assert_int_equal(r->kind, CB_RES_ERROR);
	assert_string_equal(r->message, "error: fork: Cannot allocate memory");
	cb_results_free(&res);
}

static void test_load_errors_name_the_file(void **state)
{
	static const char *const files[] = {
		TEST_DATA "/truncated.json", TEST_DATA "/not-benchmark.json",
		TEST_DATA "/does-not-exist.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct cb_results res;
		char err[512] = "";

		assert_int_equal(cb_results_load(files[i], &res, err, sizeof(err)), -1);
		if (strncmp(err, files[i], strlen(files[i])))
			fail_msg("error '%s' does not name %s", err, files[i]);
	}
}

static void test_completeness(void **state)
{
	struct cb_results res;
	struct cb_completeness c;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	load("bench-sample.json", &res);
	/* Only fault/anon/2MiB/thp:off of the quick profile is selected. */
	assert_int_equal(cb_results_check(&res, true, "^fault/anon/2MiB/thp:off$", &c, out), 0);
	assert_int_equal(c.expected, 1);
	assert_int_equal(c.ok, 1);

	/* The whole quick profile: the sample has one row of 28. */
	assert_int_equal(cb_results_check(&res, true, NULL, &c, out), 1);
	assert_int_equal(c.ok, 1);
	assert_int_equal(c.skipped, 1);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.missing, c.expected - 3);
	fclose(out);
	assert_non_null(strstr(text, "missing: fault/anon/2MiB/thp:on"));
	assert_non_null(strstr(text, "failed: fork/call/4MiB/thp:off"));
	free(text);
	cb_results_free(&res);
}

static void test_summary_lists_skips(void **state)
{
	struct cb_results res;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	load("bench-sample.json", &res);
	cb_results_print(&res, out);
	fclose(out);
	assert_non_null(strstr(text, "1200.0 ns/page"));
	assert_non_null(strstr(text, "pgfault=1.1"));
	assert_non_null(strstr(text, "skipped: no /sys/kernel/debug/gup_test"));
	assert_non_null(strstr(text, "FAILED: error: fork"));
	free(text);
	cb_results_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_name),
		cmocka_unit_test(test_nonfinite_to_null),
		cmocka_unit_test(test_load_sample),
		cmocka_unit_test(test_load_errors_name_the_file),
		cmocka_unit_test(test_completeness),
		cmocka_unit_test(test_summary_lists_skips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
