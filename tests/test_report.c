// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report on recorded datasets: what report.md and email.txt say,
 * the 72-column limit, and bad inputs -- exit 2, a message naming the file,
 * and no report written.
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

#include "testutil.h"

/* Run cowbench report with @args into <tmpdir>/@out; its output (malloc'd). */
static int report(const char *args, const char *out, char **log_text)
{
	char *log = cb_path(tmpdir, "report.log"), *dir = cb_path(tmpdir, out);
	char *cmd = cb_strdup_printf("'%s' report %s --out '%s' >'%s' 2>&1", COWBENCH_BIN, args,
				     dir, log);
	int rc = sh_status(cmd);

	*log_text = cb_read_file(log, NULL);
	assert_non_null(*log_text);
	free(cmd);
	free(dir);
	free(log);
	return rc;
}

static char *out_file(const char *out, const char *name)
{
	char *dir = cb_path(tmpdir, out), *path = cb_path(dir, name);
	char *text = cb_read_file(path, NULL);

	free(path);
	free(dir);
	return text;
}

static void test_two_cells(void **state)
{
	char *log, *md, *mail, *line, *save;

	(void)state;
	if (report("'" TEST_DATA "/matrix'", "ok", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("ok", "report.md");
	mail = out_file("ok", "email.txt");
	assert_non_null(md);
	assert_non_null(mail);
	assert_non_null(strstr(md, "## k.unsafe against k.safe"));
	assert_non_null(strstr(md, "| fault/reuse/2MiB/thp:off | 1600.0 | 1610.0 | +0.62% |"));
	assert_non_null(strstr(md, "| probe 1: CVE-2020-29374 vmsplice after fork | ok | NOT OK |"));
	assert_non_null(strstr(md, "## Provenance"));
	/* 0-day style lines: base, %change, now, name; the unchanged row absent */
	assert_non_null(strstr(mail, "      1600.0     +0.6%       1610.0  fault/reuse/2MiB/thp:off"));
	assert_non_null(strstr(mail, "      6500.5    -24.6%       4900.0  specref/reuse-1M/2MiB/thp:off"));
	/* the report prints the email table too */
	assert_non_null(strstr(log, "specref/reuse-1M/2MiB/thp:off"));
	for (line = strtok_r(mail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 72)
			fail_msg("email line over 72 columns: %s", line);
	free(md);
	free(mail);
	free(log);
}

/* Bad input: exit 2, the file or the problem named, nothing written. */
static void expect_refused(const char *args, const char *needle)
{
	char *log, *md;

	if (report(args, "refused", &log) != 2 || !strstr(log, needle))
		fail_msg("report %s: expected exit 2 and \"%s\":\n%s", args, needle, log);
	md = out_file("refused", "report.md");
	assert_null(md);
	free(log);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	expect_refused("'" TEST_DATA "/check/corrupt-meta'", "check/corrupt-meta/meta.json");
	expect_refused("'" TEST_DATA "/check/empty'", "empty dataset");
	expect_refused("'" TEST_DATA "/check/truncated'", "check/truncated/k.v/micro.json");
	expect_refused("'" TEST_DATA "/check/boot1'", "nothing to compare it with");
	expect_refused("'" TEST_DATA "/check/boot1' '" TEST_DATA "/check/other-mode'",
		       "numbers of two modes are not compared");
	expect_refused("--baseline nosuch '" TEST_DATA "/matrix'",
		       "--baseline nosuch: no such cell (cells: k.safe, k.unsafe)");
	expect_refused("'" TEST_DATA "/no-such-dataset'", "no-such-dataset/meta.json");
}

static void test_baseline_by_variant(void **state)
{
	char *log, *md;

	(void)state;
	if (report("--baseline unsafe '" TEST_DATA "/matrix'", "by-variant", &log))
		fail_msg("report failed:\n%s", log);
	md = out_file("by-variant", "report.md");
	assert_non_null(strstr(md, "## k.safe against k.unsafe"));
	free(md);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_cells),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_baseline_by_variant),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
