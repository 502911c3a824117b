// SPDX-License-Identifier: GPL-2.0
/*
 * A suite's results read back, summarised and recorded: the table on
 * stdout and in <dir>/summary.txt, the completeness in the suite's
 * meta.json record.  The host runner's (run_host.c) and the VM runner's
 * (run_vm.c).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "results.h"
#include "run_opts.h"
#include "util.h"

/*
 * The run's table, on stdout and in <dir>/summary.txt, with the value of
 * @mode's statistic (icount: the minimum).  -1 when the file could not be
 * written.
 */
int cb_run_print_summary(const struct cb_results *res, const char *mode, const char *dir)
{
	char *path = cb_path(dir, "summary.txt");
	FILE *summary = fopen(path, "w");
	int ret = 0;

	printf("\n");
	cb_results_print_value(res, cb_value_mode_of(mode), stdout);
	errno = 0;
	if (summary)
		cb_results_print_value(res, cb_value_mode_of(mode), summary);
	if (!summary || ferror(summary) | fclose(summary)) {
		fprintf(stderr, "cowbench run: cannot write %s: %s\n", path,
			strerror(errno ? errno : EIO));
		ret = -1;
	}
	free(path);
	return ret;
}

int cb_run_summarise(const struct cb_run_opts *o, const char *dir, const char *json_path,
		     json_t *suite)
{
	struct cb_results res;
	struct cb_completeness c;
	char err[512];
	int ret, written;

	if (cb_results_load(json_path, &res, err, sizeof(err))) {
		fprintf(stderr, "cowbench run: results unreadable: %s\n", err);
		json_object_set_new(suite, "results_error", json_string(err));
		return CB_EXIT_FAIL;
	}
	written = cb_run_print_summary(&res, o->mode, dir);
	ret = cb_results_check(&res, o->quick, o->filter, &c, stderr);
	json_object_set_new(suite, "completeness",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
				      "expected", (json_int_t)c.expected, "ok", (json_int_t)c.ok,
				      "skipped", (json_int_t)c.skipped,
				      "interrupted", (json_int_t)c.interrupted,
				      "errors", (json_int_t)c.errors,
				      "missing", (json_int_t)c.missing));
	printf("\n%zu benchmarks: %zu measured, %zu skipped with a reason, ", c.expected, c.ok,
	       c.skipped);
	if (c.interrupted)
		printf("%zu not run (interrupted), ", c.interrupted);
	printf("%zu failed, %zu missing\n", c.errors, c.missing);
	cb_results_free(&res);
	return ret || written ? CB_EXIT_FAIL : CB_EXIT_OK;
}
