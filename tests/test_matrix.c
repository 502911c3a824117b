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
#include "util.h"

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

/*
 * icount mode: a benchmark's row is the minimum over its repetitions, the
 * value report's comparison and check use (cb_series_value()), and the
 * header says so.
 */
static void test_matrix_rows(void **state)
{
	char *text = matrix_text(false);

	(void)state;
	assert_line(text, "^minimum, guest instructions per item +k\\.safe +k\\.unsafe$");
	assert_line(text, "^fault/reuse/2MiB/thp:off +1600\\.0 +1610\\.0$");
	/* the minimum of 6500 and 6501 */
	assert_line(text, "^specref/reuse-1M/2MiB/thp:off +6500\\.0 +4900\\.0$");
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
	/* a negative control's expected leak, and its blindness */
	assert_line(text, "^probe 5: weak-check-control +xfail +XPASS$");
	assert_line(text, "^selftest\\.cow pass/fail/skip +743/0/18 +560/183/18$");
	/* the failing tests, by what they ran (memory kinds folded in) */
	assert_line(text, "^  fails: R/O GUP pin on R/O-mapped shared pa +0 +2$");
	assert_null(strstr(text, "fails: vmsplice"));
	/* no row for a selftest no cell has (a dataset from before it ran) */
	assert_null(strstr(text, "gup_longterm"));
	/* a KVM test's exit status, one TAP line: failing, it names itself */
	assert_line(text, "^selftest\\.guest_memfd_test pass/fail/skip +1/0/0 +0/1/0$");
	assert_line(text, "^  fails: guest_memfd_test: exit 254 +0 +1$");
	assert_null(strstr(text, "(no test named)"));
	/* a label cut without "selftest."; a whole-test skip says why */
	assert_line(text, "^private_mem_conversions_test pass/fail/skip +1/0/0 "
		    "+skip no /dev/kvm \\(ENOENT\\)$");
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
	json_object_del(json_array_get(json_object_get(meta, "cells"), 0), "tainted");
	json_object_set_new(json_array_get(json_object_get(meta, "cells"), 1), "tainted",
			    json_null());
	text = matrix_of(meta, false, 0, err, sizeof(err));
	assert_line(text, "^policy tainted \\(DEBUG_VM checks skipped\\) +- +\\?$");
	free(text);
	json_object_del(json_array_get(json_object_get(meta, "cells"), 1), "tainted");
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

/* A wall-clock dataset's rows are the median of the repetitions, and say so. */
static void test_matrix_rows_wall(void **state)
{
	char err[512];
	json_t *meta = matrix_meta();
	char *text;

	(void)state;
	json_object_set_new(meta, "mode", json_string("kvm"));
	text = matrix_of(meta, false, 0, err, sizeof(err));
	assert_line(text, "^median, ns per item +k\\.safe +k\\.unsafe$");
	/* the median of 6500 and 6501 */
	assert_line(text, "^specref/reuse-1M/2MiB/thp:off +6500\\.5 +4900\\.0$");
	json_decref(meta);
	free(text);
}

/* The same tables as Markdown, for reports (icount: the minimum). */
static void test_matrix_markdown(void **state)
{
	char *text = matrix_text(true);

	(void)state;
	assert_line(text, "^## Side by side \\(icount mode\\)$");
	assert_line(text, "^\\| minimum, guest instructions per item \\| k\\.safe \\| k\\.unsafe \\|$");
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
	json_object_set_new(json_array_get(json_object_get(meta, "cells"), 1), "status",
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
	json_object_set_new(json_array_get(json_object_get(meta, "cells"), 0), "cell",
			    json_string("../x"));
	text = matrix_of(meta, true, -1, err, sizeof(err));
	assert_string_equal(text, "");
	if (!strstr(err, "matrix/meta.json: cell name '../x' is not"))
		fail_msg("%s", err);
	free(text);
	json_decref(meta);
}

/* tests/data/attack: cells with a good, a hostile, a cut and no attack.json. */
static char *attack_matrix(bool markdown)
{
	char err[512], *text = NULL;
	size_t len = 0;
	json_t *meta = cb_dataset_read_meta(TEST_DATA "/attack", err, sizeof(err));
	FILE *out = open_memstream(&text, &len);

	if (!meta)
		fail_msg("%s", err);
	if (cb_matrix_write(meta, TEST_DATA "/attack", out, markdown, err, sizeof(err)))
		fail_msg("%s", err);
	fclose(out);
	json_decref(meta);
	return text;
}

/* The Markdown row whose label cell is @label, malloc'd; fails when there is none. */
static char *md_row(const char *md, const char *label)
{
	char *start = cb_strdup_printf("\n| %s | ", label);
	const char *row = strstr(md, start);

	if (!row)
		fail_msg("no row %s in:\n%s", start + 1, md);
	free(start);
	row++;
	return strndup(row, strcspn(row, "\n"));
}

/*
 * Refusal points from attack.json, read as untrusted input: how far each
 * attack got per cell, "?" for what is out of range or of the wrong type;
 * a cut file, or none where the suite ran, said in its column.
 */
static void test_matrix_refusal_points(void **state)
{
	static const char *const pin =
		"pin-one-page\n"
		"  k.bias    refused ENOMEM at 2,097,152 pins (12.5 MiB); "
		"refcount 1 -> -2147483647 -> 1; 1.25 s; intact\n"
		"  k.nobias  budget-refs at 4,194,304 pins (0.2 MiB); "
		"refcount 1 -> 4194305 -> 1; 2.5 s; intact\n"
		"  k.hostile ? ENOSPC at ? pins (? MiB, ? procs, ? fds); "
		"refcount ? -> ? -> ?; ? s; intact ?\n"
		"  k.cut     ? attack.json: not JSON (line 11)\n"
		"  k.none    no attack.json\n";
	char *text = attack_matrix(false), *plain = matrix_text(false);

	(void)state;
	assert_line(text, "^refusal points \\(attack\\.json\\)$");
	assert_line(text, "^  k\\.bias    4,194,304 refs, 512 MiB, 60 s$");
	assert_line(text, "^  k\\.hostile \\? refs, \\? MiB, \\? s$");
	if (!strstr(text, pin))
		fail_msg("no block\n%s\nin:\n%s", pin, text);
	assert_line(text, "^  k\\.bias    budget-memory at 1,234,567 refs \\(512 MiB, 812 procs, "
			  "1,624 fds\\); refcount 2 -> 1234569 -> 2; 48\\.3 s; intact$");
	assert_line(text, "^  k\\.bias    unsupported$");
	/* a leak leads its text */
	assert_line(text, "^  k\\.nobias  NOT intact: refcount 3 after release, 1 before; "
			  "fd-limit EMFILE at 65,536 pins \\(3 MiB, 1,024 fds\\); "
			  "refcount 1 -> 65537 -> 3; 0\\.75 s$");
	assert_line(text, "^  k\\.hostile status \\?; refused at 5 pins; intact \\?$");
	/* a number past 2^53, a name that is none */
	assert_line(text, "^  k\\.hostile refused at \\? refs; intact$");
	assert_line(text, "^\\?$");
	/* hostile strings: no control byte, cut (at a character) */
	assert_null(strchr(text, '\033'));
	assert_null(strchr(text, '\007'));
	assert_line(text, "^<b>x</b>\\|`y`\\?\\[5m\\*z\\*_w_\\[l\\]\\(u\\)~~\\$\xc3\xa9$");
	assert_line(text, "^(\xc3\xa9){20}\\.\\.\\.$");
	assert_line(text, "^  k\\.hostile NOT intact: <script>alert\\(2\\)</script>\\|\\?\\[31mA{30}"
			  "\\.\\.\\.; BROKEN: \\| x \\| y \\|\\?<img src=x onerror=alert\\(1\\)>"
			  "\\?\\]0;pwn\\? `c` \\*b\\* \\[l\\]\\(ht\\.\\.\\.$");
	/* what ran, from meta.json */
	assert_line(text, "^policy pin_bias +bias +nobias +nobias +- +-$");
	/* the section before correctness; none where no cell has an attack.json */
	assert_true(strstr(text, "refusal points") < strstr(text, "\ncorrectness"));
	assert_null(strstr(plain, "refusal points"));
	free(plain);
	free(text);
}

/* The same as a Markdown table, every dataset string escaped, every row whole. */
static void test_matrix_refusal_points_markdown(void **state)
{
	char *md = attack_matrix(true), *row, *section, *end;

	(void)state;
	assert_line(md, "^\\| refusal points \\| k\\.bias \\| k\\.nobias \\| k\\.hostile \\| k\\.cut \\| "
			"k\\.none \\|$");
	row = md_row(md, "pin-one-page");
	assert_string_equal(row, "| pin-one-page | refused ENOMEM at 2,097,152 pins (12.5 MiB); "
			    "refcount 1 -&gt; -2147483647 -&gt; 1; 1.25 s; intact | budget-refs at "
			    "4,194,304 pins (0.2 MiB); refcount 1 -&gt; 4194305 -&gt; 1; 2.5 s; "
			    "intact | ? ENOSPC at ? pins (? MiB, ? procs, ? fds); refcount ? -&gt; ? "
			    "-&gt; ?; ? s; intact ? | ? attack.json: not JSON (line 11) | "
			    "no attack.json |");
	free(row);
	row = md_row(md, "vmsplice");
	if (!strstr(row, " | NOT intact: &lt;script&gt;alert(2)&lt;/script&gt;\\|?\\[31mAAA") ||
	    !strstr(row, "; BROKEN: \\| x \\| y \\|?&lt;img src=x onerror=alert(1)&gt;?\\]0;pwn? "
			 "\\`c\\` \\*b\\* \\[l\\](ht... | "))
		fail_msg("vmsplice, hostile details not escaped: %s", row);
	free(row);
	free(md_row(md, "&lt;b&gt;x&lt;/b&gt;\\|\\`y\\`?\\[5m\\*z\\*\\_w\\_\\[l\\](u)\\~\\~\\$\xc3\xa9"));
	section = strstr(md, "| refusal points |");
	end = strstr(section, "\n\n");
	assert_non_null(end);
	for (const char *l = section; l < end; l = strchr(l, '\n') + 1) {
		size_t bars = 0;

		for (const char *p = l; *p != '\n'; p++)
			bars += *p == '|' && p[-1] != '\\';
		if (bars != 7)
			fail_msg("a row of %zu cells: %.*s", bars - 1, (int)strcspn(l, "\n"), l);
	}
	assert_null(strstr(md, "<script"));
	assert_null(strstr(md, "<img"));
	assert_null(strstr(md, "<b>"));
	assert_null(strchr(md, '\033'));
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_rows),
		cmocka_unit_test(test_matrix_rows_wall),
		cmocka_unit_test(test_matrix_markdown),
		cmocka_unit_test(test_matrix_policies),
		cmocka_unit_test(test_matrix_series_events),
		cmocka_unit_test(test_matrix_untrusted_strings),
		cmocka_unit_test(test_matrix_refuses_a_path),
		cmocka_unit_test(test_matrix_refusal_points),
		cmocka_unit_test(test_matrix_refusal_points_markdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
