// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke run of the real suite on the running kernel (quick profile), checked
 * from the raw files with jansson alone, and the harness's behaviour when the
 * runner crashes or is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cowbench.h"
#include "testutil.h"
#include "util.h"


/* Run cowbench with @args into a fresh parent dir; returns the exit code. */
static int run_cowbench(const char *out, const char *args)
{
	char *log = cb_strdup_printf("%s.log", out);
	int ret = run_capture(NULL, log, NULL, "run --host --out '%s' %s", out, args);

	free(log);
	return ret;
}

struct expect {
	json_t *rows;	/* name -> row */
	int checked, measured, skipped;
	bool fault_measured;
};

static void expect_row(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct expect *x = arg;
	char name[160];
	json_t *row;

	cb_benchmark_name(c, p, name, sizeof(name));
	row = json_object_get(x->rows, name);
	if (!row)
		fail_msg("%s: no row in the runner's JSON", name);
	x->checked++;
	if (json_is_true(json_object_get(row, "error_occurred"))) {
		const char *msg = json_string_value(json_object_get(row, "error_message"));

		if (!msg || strncmp(msg, "skipped: ", 9) || strlen(msg) < 15)
			fail_msg("%s: failed or skipped without a reason: %s", name,
				 msg ? msg : "(none)");
		x->skipped++;
		return;
	}
	if (json_number_value(json_object_get(row, "ns_per_item")) <= 0)
		fail_msg("%s: no positive ns_per_item", name);
	x->measured++;
}

static void test_quick_suite_has_a_row_for_every_benchmark(void **state)
{
	char *parent = cb_path(tmpdir, "quick");
	char *dir;
	json_t *meta, *bench, *runs, *run, *suite;
	struct expect x = { .rows = json_object() };
	size_t i;

	(void)state;
	assert_int_equal(run_cowbench(parent, "--quick"), 0);
	dir = only_dataset(parent);
	meta = load_json(dir, "meta.json");
	assert_string_equal(json_string_value(json_object_get(meta, "mode")), "host");
	suite = json_array_get(json_object_get(meta, "cells"), 0);
	assert_string_equal(json_string_value(json_object_get(suite, "status")), "ok");
	assert_string_equal(json_string_value(json_object_get(suite, "exit")), "exit 0");

	bench = load_json(dir, "host/micro.json");
	runs = json_object_get(bench, "benchmarks");
	json_array_foreach(runs, i, run) {
		char name[160];

		/*
		 * Repetitions only: the aggregates (mean, median, stddev, cv)
		 * share the run_name and come last, and a stddev or cv is 0
		 * whenever every repetition measured the same.
		 */
		if (strcmp(json_string_value(json_object_get(run, "run_type")) ?: "",
			   "iteration"))
			continue;
		snprintf(name, sizeof(name), "%s",
			 json_string_value(json_object_get(run, "run_name")));
		char *deco = strstr(name, "/iterations:");

		if (deco)
			*deco = '\0';
		json_object_set(x.rows, name, run);
	}
	cb_for_each_benchmark(1, expect_row, &x);
	assert_true(x.checked >= 28);
	/* Every Linux kernel can take first-touch and COW faults. */
	assert_true(json_is_object(json_object_get(x.rows, "fault/anon/2MiB/thp:off")));
	assert_false(json_is_true(json_object_get(
		json_object_get(x.rows, "fault/anon/2MiB/thp:off"), "error_occurred")));
	assert_false(json_is_true(json_object_get(
		json_object_get(x.rows, "fault/cow-parent/2MiB/thp:off"), "error_occurred")));
	/* Placement and perf availability are recorded, never silently dropped. */
	json_t *ctx = json_object_get(bench, "context");

	assert_non_null(json_object_get(ctx, "cowbench.placement"));
	assert_non_null(json_object_get(ctx, "perf.instructions"));
	print_message("quick suite: %d benchmarks, %d measured, %d skipped with a reason\n",
		      x.checked, x.measured, x.skipped);
	json_decref(x.rows);
	json_decref(bench);
	json_decref(meta);
	free(dir);
	free(parent);
}

static void test_crashing_runner_keeps_dataset(void **state)
{
	char *parent = cb_path(tmpdir, "crash");
	char *args = cb_strdup_printf("--quick --bench '%s'", CRASHING_RUNNER);
	char *dir, *console;
	json_t *meta, *suite;

	(void)state;
	assert_int_equal(run_cowbench(parent, args), 1);
	dir = only_dataset(parent);
	meta = load_json(dir, "meta.json");
	suite = json_array_get(json_object_get(meta, "cells"), 0);
	assert_string_equal(json_string_value(json_object_get(suite, "status")), "crashed");
	assert_non_null(strstr(json_string_value(json_object_get(suite, "exit")), "signal 11"));
	console = cb_path(dir, "host/micro.console");
	char *text = cb_read_file(console, NULL);

	assert_non_null(text);
	assert_non_null(strstr(text, "about to crash"));
	free(text);
	free(console);
	json_decref(meta);
	free(dir);
	free(args);
	free(parent);
}

static void test_missing_runner_is_a_usage_error(void **state)
{
	char *parent = cb_path(tmpdir, "missing");

	(void)state;
	assert_int_equal(run_cowbench(parent, "--bench /nonexistent/cowbench-bench"), 2);
	free(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_suite_has_a_row_for_every_benchmark),
		cmocka_unit_test(test_crashing_runner_keeps_dataset),
		cmocka_unit_test(test_missing_runner_is_a_usage_error),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
