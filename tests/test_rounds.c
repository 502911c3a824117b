// SPDX-License-Identifier: GPL-2.0
/*
 * Interleaved rounds merged back into a cell: every round's repetitions,
 * in round order, numbered across rounds; round 1's other files beside;
 * a round that did not finish left out and counted; a corrupt one named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "rounds.h"
#include "testutil.h"

static void write_round(const char *cell, int round, const char *text)
{
	char *dir = cb_round_dir(cell, round), *path = cb_path(dir, "micro.json");

	assert_int_equal(cb_mkdir_p(dir), 0);
	assert_int_equal(cb_write_file_atomic(path, text, strlen(text)), 0);
	free(path);
	free(dir);
}

/* One benchmark, @reps repetitions of @values (Google benchmark's shape). */
static char *micro(const double *values, int reps)
{
	char *text = strdup("{\"context\": {\"host_name\": \"guest\"}, \"benchmarks\": [");

	for (int i = 0; i < reps; i++) {
		char *next = cb_strdup_printf(
			"%s%s{\"name\": \"fault/reuse/2MiB/thp:off/iterations:2/manual_time\", "
			"\"run_name\": \"fault/reuse/2MiB/thp:off/iterations:2/manual_time\", "
			"\"run_type\": \"iteration\", \"repetitions\": %d, \"repetition_index\": %d, "
			"\"ns_per_item\": %g, \"vm.pgfault_per_item\": 1, \"cpu_time\": NaN, \"label\": \"item=page\"}",
			text, i ? ", " : "", reps, i, values[i]);

		free(text);
		text = next;
	}
	{
		/* an aggregate row: dropped, the readers recompute */
		char *next = cb_strdup_printf(
			"%s, {\"name\": \"fault/reuse/2MiB/thp:off_median\", \"run_name\": "
			"\"fault/reuse/2MiB/thp:off/iterations:2/manual_time\", \"run_type\": "
			"\"aggregate\", \"ns_per_item\": 1}]}", text);

		free(text);
		text = next;
	}
	return text;
}

static void test_merge_in_round_order(void **state)
{
	static const double r1[] = { 100, 101 }, r2[] = { 110, 111 }, r3[] = { 120, 121 };
	char *cell = cb_path(tmpdir, "k.a"), *t, err[512], *tap, *first_tap;
	struct cb_results res;
	int merged;

	(void)state;
	write_round(cell, 1, t = micro(r1, 2));
	free(t);
	write_round(cell, 2, t = micro(r2, 2));
	free(t);
	write_round(cell, 3, t = micro(r3, 2));
	free(t);
	first_tap = cb_strdup_printf("%s/round-1/probes.tap", cell);
	assert_int_equal(cb_write_file_atomic(first_tap, "ok 1\n", 5), 0);

	if (cb_rounds_merge(cell, 3, &merged, err, sizeof(err)))
		fail_msg("merge: %s", err);
	assert_int_equal(merged, 3);
	t = cb_path(cell, "micro.json");
	if (cb_results_load(t, &res, err, sizeof(err)))
		fail_msg("load: %s", err);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.r[0].ns_per_item.n, 6);
	for (int i = 0; i < 6; i++)
		assert_true(res.r[0].ns_per_item.v[i] == (i < 2 ? r1 : i < 4 ? r2 : r3)[i % 2]);
	cb_results_free(&res);
	free(t);
	t = cb_read_file(cb_path(cell, "micro.json"), NULL);
	assert_non_null(strstr(t, "\"repetition_index\": 5"));
	assert_non_null(strstr(t, "\"cowbench_rounds\": 3"));
	assert_null(strstr(t, "_median"));
	free(t);
	tap = cb_path(cell, "probes.tap");
	assert_int_equal(access(tap, R_OK), 0);
	free(tap);
	free(first_tap);
	free(cell);
}

static void test_unfinished_and_corrupt_rounds(void **state)
{
	static const double r1[] = { 100 };
	char *cell = cb_path(tmpdir, "k.b"), *t, err[512];
	int merged;

	(void)state;
	write_round(cell, 1, t = micro(r1, 1));
	free(t);
	/* round 2 never wrote micro.json (the guest hung): left out, counted */
	if (cb_rounds_merge(cell, 2, &merged, err, sizeof(err)))
		fail_msg("merge: %s", err);
	assert_int_equal(merged, 1);
	/* a truncated round: refused, the file named */
	write_round(cell, 2, "{\"benchmarks\": [");
	assert_int_equal(cb_rounds_merge(cell, 2, &merged, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "k.b/round-2/micro.json"));
	free(cell);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_in_round_order),
		cmocka_unit_test(test_unfinished_and_corrupt_rounds),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
