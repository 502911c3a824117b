// SPDX-License-Identifier: GPL-2.0
/*
 * The side-by-side table, from a recorded two-cell dataset
 * (tests/data/matrix): one cell safe, one leaking, with copies, a skip and
 * selftest totals.  Each assertion names a row a reviewer relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "matrix.h"

static json_t *matrix_meta(void)
{
	char err[512];
	json_t *meta = cb_dataset_read_meta(TEST_DATA "/matrix", err, sizeof(err));

	if (!meta)
		fail_msg("%s", err);
	return meta;
}

/* cb_matrix_write() of @meta with tests/data/matrix's cells, which must return @rc. */
static char *matrix_of(json_t *meta, bool markdown, int rc, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_int_equal(cb_matrix_write(meta, TEST_DATA "/matrix", out, markdown, err, errlen),
			 rc);
	fclose(out);
	return text;
}

static char *matrix_text(bool markdown)
{
	char err[512];
	json_t *meta = matrix_meta();
	char *text = matrix_of(meta, markdown, 0, err, sizeof(err));

	json_decref(meta);
	return text;
}

/* @text has a line matching the POSIX ERE @pattern. */
static void assert_line(const char *text, const char *pattern)
{
	regex_t re;
	int found;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	found = !regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (!found)
		fail_msg("no line matches /%s/ in:\n%s", pattern, text);
}

static void test_matrix_rows(void **state)
{
	char *text = matrix_text(false);

	(void)state;
	assert_line(text, "^median, guest instructions per item +k\\.safe +k\\.unsafe$");
	assert_line(text, "^fault/reuse/2MiB/thp:off +1600\\.0 +1610\\.0$");
	/* median of 6500 and 6501 */
	assert_line(text, "^specref/reuse-1M/2MiB/thp:off +6500\\.5 +4900\\.0$");
	/* a benchmark only one cell has, skipped there */
	assert_line(text, "^pin/longterm/2MiB/thp:off +- +skipped$");
	/* copies per 1000 items: 0.1 per page is 100 */
	assert_line(text, "^specref/reuse-1M/2MiB/thp:off +100 \\(100\\) +0 \\(0\\)$");
	assert_line(text, "^specref/reuse-1M/2MiB/thp:off +7\\.5 +6$");
	assert_line(text, "^probe 1: CVE-2020-29374 vmsplice after fork +ok +NOT OK$");
	assert_line(text, "^probe 2: R/O long-term pin coherent after fo +ok +ok$");
	/* a refused pin is told from a leak; a skip is not an ok; names end at " # " */
	assert_line(text, "^probe 3: ro-pin caller O_DIRECT write +ok +REFUSED$");
	assert_line(text, "^probe 4: fork-pinned hugetlb +skip +ok$");
	assert_line(text, "^selftest\\.cow pass/fail/skip +743/0/18 +560/183/18$");
	/* the failing tests, by what they ran (memory kinds folded in) */
	assert_line(text, "^  fails: R/O GUP pin on R/O-mapped shared pa +0 +2$");
	assert_null(strstr(text, "fails: vmsplice"));
	assert_line(text, "^selftest\\.gup_longterm pass/fail/skip +- +-$");
	assert_line(text, "^kernel BUG/Oops / WARNING lines +0 / 0 +1 / 2$");
	free(text);
}

/*
 * What really ran, per cell, from meta.json: each knob any cell's kernel
 * exported ("-" where a kernel had none), and the tainted count, marked
 * where a policy took a path upstream's DEBUG_VM checks forbid.
 */
static void test_matrix_policies(void **state)
{
	char err[512], *text = matrix_text(false);
	json_t *meta;

	(void)state;
	assert_line(text, "^policy fork_pinned +copy +-$");
	assert_line(text, "^policy reuse +anon-exclusive +refcount$");
	assert_line(text, "^policy ro_pin +unshare +ignore$");
	/* a knob only the second cell's kernel has: no code names it */
	assert_line(text, "^policy pin_later +- +on$");
	assert_line(text, "^policy tainted \\(DEBUG_VM checks skipped\\) +0 +TAINTED 7$");
	/* the knobs beside BUG/WARNING, the tainted count after them */
	assert_non_null(strstr(text, "policy ro_pin"));
	assert_true(strstr(text, "policy ro_pin") < strstr(text, "kernel BUG/Oops"));
	assert_true(strstr(text, "kernel BUG/Oops") < strstr(text, "policy tainted"));
	free(text);
	/* a dataset from before the counter: no tainted row; a non-count: "?" */
	meta = matrix_meta();
	json_object_del(json_array_get(json_object_get(meta, "suites"), 0), "tainted");
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 1), "tainted",
			    json_null());
	text = matrix_of(meta, false, 0, err, sizeof(err));
	assert_line(text, "^policy tainted \\(DEBUG_VM checks skipped\\) +- +\\?$");
	free(text);
	json_object_del(json_array_get(json_object_get(meta, "suites"), 1), "tainted");
	text = matrix_of(meta, false, 0, err, sizeof(err));
	assert_null(strstr(text, "policy tainted"));
	free(text);
	json_decref(meta);
}

/*
 * The series' events beyond the copies get a table each, read from the
 * results, not from a list: vm.ro_pin_shared (in cb_key_events) and
 * vm.cow_later_event (in no list) alike; a name that is not a plain word
 * (it would reach gnuplot and Markdown as it is) is not shown.
 */
static void test_matrix_series_events(void **state)
{
	char *text = matrix_text(false);

	(void)state;
	assert_line(text, "^ro_pin_shared per 1000 items +k\\.safe +k\\.unsafe$");
	assert_line(text, "^cow_later_event per 1000 items +k\\.safe +k\\.unsafe$");
	assert_line(text, "^fault/reuse/2MiB/thp:off +0 +500$");
	assert_line(text, "^fault/reuse/2MiB/thp:off +0 +250$");
	assert_null(strstr(text, "bad"));
	/* pgfault is no series event, and the copies have their own table */
	assert_null(strstr(text, "pgfault per 1000"));
	assert_null(strstr(text, "cow_copy per 1000"));
	free(text);
}

/* The same tables as Markdown, for reports. */
static void test_matrix_markdown(void **state)
{
	char *text = matrix_text(true);

	(void)state;
	assert_line(text, "^## Side by side \\(icount mode\\)$");
	assert_line(text, "^\\| median, guest instructions per item \\| k\\.safe \\| k\\.unsafe \\|$");
	assert_line(text, "^\\|---\\|---:\\|---:\\|$");
	assert_line(text, "^\\| probe 1: CVE-2020-29374 vmsplice after fork \\| ok \\| NOT OK \\|$");
	assert_line(text, "^\\| selftest\\.cow pass/fail/skip \\| 743/0/18 \\| 560/183/18 \\|$");
	free(text);
}

/*
 * Strings from a dataset may hold any byte: a status with an escape
 * sequence, a newline and a '|' reaches neither a terminal nor a Markdown
 * row as it is.
 */
static void test_matrix_untrusted_strings(void **state)
{
	char err[512], *text;
	json_t *meta = matrix_meta();

	(void)state;
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 1), "status",
			    json_string("ok\033[2J\n| x_*"));
	text = matrix_of(meta, false, 0, err, sizeof(err));
	assert_line(text, "^status +ok +ok\\?\\[2J\\?\\| x_\\*$");
	free(text);
	text = matrix_of(meta, true, 0, err, sizeof(err));
	assert_line(text, "^\\| status \\| ok \\| ok\\?\\\\\\[2J\\?\\\\\\| x\\\\_\\\\\\* \\|$");
	free(text);
	json_decref(meta);
}

/*
 * A cell name that would be a path is refused before anything is written:
 * the table never reads <dataset>/../x.
 */
static void test_matrix_refuses_a_path(void **state)
{
	char err[512], *text;
	json_t *meta = matrix_meta();

	(void)state;
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 0), "variant",
			    json_string("../x"));
	text = matrix_of(meta, true, -1, err, sizeof(err));
	assert_string_equal(text, "");
	if (!strstr(err, "matrix/meta.json: cell name '../x' is not"))
		fail_msg("%s", err);
	free(text);
	json_decref(meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_rows),
		cmocka_unit_test(test_matrix_markdown),
		cmocka_unit_test(test_matrix_policies),
		cmocka_unit_test(test_matrix_series_events),
		cmocka_unit_test(test_matrix_untrusted_strings),
		cmocka_unit_test(test_matrix_refuses_a_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
