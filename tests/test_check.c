// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench check, the CI gate, run as CI runs it, on the datasets in
 * tests/data/check (written by make-fixtures.py there): a baseline from two
 * boots, a rerun inside the noise, a +1% change on an exact fault path, and
 * every kind of unusable input, each of which must exit 2 naming the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "testutil.h"

#define DATA TEST_DATA "/check"

static char *baseline;

/* Run cowbench check with @args; its output in @out (malloc'd). */
static int check(const char *args, char **out)
{
	char *log = cb_path(tmpdir, "check.log");
	int rc = run_capture(NULL, log, out, "check %s", args);

	free(log);
	return rc;
}

/*
 * Run cowbench check with the arguments @fmt makes, fail unless it exits
 * @rc, and return its output (malloc'd).
 */
static char *check_exits(int rc, const char *fmt, ...)
{
	va_list ap;
	char *args, *out;
	int got;

	va_start(ap, fmt);
	if (vasprintf(&args, fmt, ap) < 0)
		fail_msg("out of memory");
	va_end(ap);
	got = check(args, &out);
	if (got != rc)
		fail_msg("check %s: exit %d, expected %d:\n%s", args, got, rc, out);
	free(args);
	return out;
}

static int make_baseline(void **state)
{
	char *args, *out;

	if (tmpdir_setup(state))
		return -1;
	baseline = cb_path(tmpdir, "baseline.json");
	args = cb_strdup_printf("--write-baseline '%s' " DATA "/boot1 " DATA "/boot2", baseline);
	if (check(args, &out)) {
		fprintf(stderr, "%s", out);
		return -1;
	}
	free(out);
	free(args);
	return 0;
}

static void expect(const char *dataset, int rc, const char *needle)
{
	char *args = cb_strdup_printf("--baseline '%s' " DATA "/%s", baseline, dataset);
	char *out;
	int got = check(args, &out);

	if (got != rc || !strstr(out, needle))
		fail_msg("check %s: exit %d (expected %d), output lacks \"%s\":\n%s", dataset, got,
			 rc, needle, out);
	free(out);
	free(args);
}

static void test_rerun_is_clean(void **state)
{
	(void)state;
	/* fork moved 1% between the baseline's boots: -1% now is inside that */
	expect("rerun", 0, "clean: 0 of 3 benchmarks regressed");
	expect("boot1", 0, "clean");
}

static void test_one_percent_on_reuse_is_flagged(void **state)
{
	(void)state;
	expect("reuse-plus-1pct", 1,
	       "fault/reuse/2MiB/thp:off: +1.00% instructions (baseline 1629.3, now 1645.6)");
	expect("reuse-plus-1pct", 1, "REGRESSION: 1 of 3");
}

static void test_threshold_option(void **state)
{
	char *args = cb_strdup_printf("--baseline '%s' --threshold 2 " DATA "/reuse-plus-1pct",
				      baseline);
	char *out;

	(void)state;
	assert_int_equal(check(args, &out), 0);
	free(out);
	free(args);
}

/*
 * Another guest userland (runner, probes, init or a library) is refused:
 * the instrument changed with the kernel.  --allow-userland-change gates
 * it anyway, with a note; boots of one baseline must share it.
 */
static void test_userland_change_is_refused(void **state)
{
	char *out;

	(void)state;
	expect("other-userland", 2, "the guest userland differs (sha256 d1ff, baseline u5er");
	out = check_exits(0, "--allow-userland-change --baseline '%s' " DATA "/other-userland",
			  baseline);
	if (!strstr(out, "note: the guest userland differs from the baseline's"))
		fail_msg("--allow-userland-change without a note:\n%s", out);
	free(out);
	out = check_exits(2, "--write-baseline '%s/mixed.json' " DATA "/boot1 " DATA
			  "/other-userland", tmpdir);
	if (!strstr(out, "differ in guest userland: not boots of one kernel"))
		fail_msg("a baseline from two userlands:\n%s", out);
	free(out);
	out = check_exits(0, "--baseline '%s' " DATA "/boot1", baseline);
	if (strstr(out, "guest userland"))
		fail_msg("the same userland, noted as another:\n%s", out);
	free(out);
}

/*
 * specref's cost is decided by a race (how many of the generator's
 * references a fault meets): +1.9% on it, ten times its floor, passes; +5.9%
 * is flagged, saying why the limit is 5%.
 */
static void test_race_driven_limit(void **state)
{
	char *file = cb_path(tmpdir, "specref.json");
	char *out;

	(void)state;
	free(check_exits(0, "--write-baseline '%s' " DATA "/specref-boot1 " DATA
			 "/specref-boot2", file));
	free(check_exits(0, "--baseline '%s' " DATA "/specref-plus-2pct", file));
	out = check_exits(1, "--baseline '%s' " DATA "/specref-plus-6pct", file);
	if (!strstr(out, "specref/reuse-10k/2MiB/thp:off: +5.89% instructions "
			 "(baseline 2473.2, now 2618.9)") ||
	    !strstr(out, "limit 5.00%: race-driven"))
		fail_msg("+6%% on specref:\n%s", out);
	free(out);
	free(file);
}

/*
 * The floor of a baseline from three or more boots is the spread of their
 * medians: an outlier repetition (+2.7%) that left its boot's median alone
 * does not widen it, so +1% on the reuse fault is still flagged.  From two
 * boots the repetitions' range stands in, and the same +1% passes.
 */
static void test_floor_from_medians(void **state)
{
	char *three = cb_path(tmpdir, "three.json"), *two = cb_path(tmpdir, "two.json");
	char *out;

	(void)state;
	free(check_exits(0, "--write-baseline '%s' " DATA "/boot1 " DATA "/boot2 " DATA
			 "/boot3-outlier", three));
	out = check_exits(1, "--baseline '%s' " DATA "/reuse-plus-1pct", three);
	assert_non_null(strstr(out, "fault/reuse/2MiB/thp:off: +1.00% instructions"));
	free(out);

	free(check_exits(0, "--write-baseline '%s' " DATA "/boot1 " DATA "/boot3-outlier",
			 two));
	free(check_exits(0, "--baseline '%s' " DATA "/reuse-plus-1pct", two));
	free(three);
	free(two);
}

/*
 * icount: disturbances only add instructions, so the gate compares the
 * minimum over the repetitions.  Two repetitions of three hit moved the
 * median +1.9% but not the minimum: clean.  The baseline says which.
 */
static void test_icount_gates_the_minimum(void **state)
{
	char *text = cb_read_file(baseline, NULL);

	(void)state;
	assert_non_null(strstr(text, "\"statistic\": \"minimum\""));
	free(text);
	expect("two-of-three-hit", 0, "clean: 0 of 3 benchmarks regressed");
}

static void test_unusable_inputs(void **state)
{
	(void)state;
	expect("other-mode", 2, "mode differs: baseline 'icount', dataset 'tcg'");
	expect("other-config", 2, "kernel config differs");
	expect("other-job", 2, "job differs: baseline 'quick profile, 3 repetitions, 2 CPUs, "
	       "3072 MiB', dataset 'quick profile, 5 repetitions, 2 CPUs, 3072 MiB': rerun with "
	       "the baseline's --quick, --repetitions, --smp and --mem");
	expect("panicked", 2, "cell k.v ended 'panic'");
	expect("empty", 2, "empty dataset");
	expect("missing-benchmark", 2, "no result for fault/anon/2MiB/thp:off");
	expect("truncated", 2, "check/truncated/k.v/micro.json");
	expect("corrupt-meta", 2, "check/corrupt-meta/meta.json");
	expect("no-such-dataset", 2, "no-such-dataset/meta.json");
}

/*
 * --keep-floors: a new baseline's floors are never narrower than an older
 * one's of the same job (a floor is an estimate from a few boots); the
 * values are the new boots'.  From another job it is refused.
 */
static void test_keep_floors(void **state)
{
	char *wide = cb_path(tmpdir, "wide.json"), *kept = cb_path(tmpdir, "kept.json");
	char *other = cb_path(tmpdir, "other-job.json"), *out, *text;
	struct cb_baseline b, w, plain;
	char err[512];
	size_t widened = 0;

	(void)state;
	free(check_exits(0, "--write-baseline '%s' " DATA "/boot1 " DATA "/boot3-outlier", wide));
	out = check_exits(0, "--write-baseline '%s' --keep-floors '%s' " DATA "/boot1 " DATA
			  "/boot2", kept, wide);
	assert_non_null(strstr(out, "noise floors: the wider of the spread of these boots"));
	free(out);
	assert_int_equal(cb_baseline_read(kept, &b, err, sizeof(err)), 0);
	assert_int_equal(cb_baseline_read(wide, &w, err, sizeof(err)), 0);
	/* the same boots without --keep-floors: the setup's baseline */
	assert_int_equal(cb_baseline_read(baseline, &plain, err, sizeof(err)), 0);
	for (size_t i = 0; i < w.n; i++) {
		const struct cb_base_entry *k = cb_baseline_find(&b, w.e[i].name);
		const struct cb_base_entry *p = cb_baseline_find(&plain, w.e[i].name);

		assert_non_null(k);
		assert_non_null(p);
		assert_true(k->floor_pct >= w.e[i].floor_pct && k->floor_pct >= p->floor_pct);
		assert_true(k->value == p->value);
		widened += k->floor_pct > p->floor_pct;
	}
	assert_true(widened > 0);
	cb_baseline_free(&b);
	cb_baseline_free(&w);
	cb_baseline_free(&plain);
	text = cb_read_file(kept, NULL);
	assert_non_null(strstr(text, "\"noise_floors_from\""));
	free(text);
	free(check_exits(0, "--write-baseline '%s' " DATA "/other-job", other));
	out = check_exits(2, "--write-baseline '%s' --keep-floors '%s' " DATA "/boot1", kept,
			  other);
	assert_non_null(strstr(out, "not measured for these boots: job differs"));
	free(out);
	free(check_exits(2, "--baseline '%s' --keep-floors '%s' " DATA "/boot1", kept, wide));
	free(other);
	free(kept);
	free(wide);
}

static void test_bad_baseline(void **state)
{
	char *old = cb_path(tmpdir, "format-2.json"), *text = cb_read_file(baseline, NULL), *at;
	char *out;

	(void)state;
	/* A baseline from before the job was recorded is refused, not half-checked. */
	assert_non_null(text);
	assert_non_null(strstr(text, "\"job\": \"quick profile, 3 repetitions, 2 CPUs, 3072 MiB\""));
	at = strstr(text, "\"format\": 3");
	assert_non_null(at);
	at[strlen("\"format\": ")] = '2';
	assert_int_equal(cb_write_file_atomic(old, text, strlen(text)), 0);
	out = cb_strdup_printf("--baseline '%s' " DATA "/boot1", old);
	free(text);
	assert_int_equal(check(out, &text), 2);
	assert_non_null(strstr(text, "not a cowbench baseline of format 3"));
	free(text);
	free(out);
	free(old);

	assert_int_equal(check("--baseline " DATA "/boot1/meta.json " DATA "/boot1", &out), 2);
	assert_non_null(strstr(out, "not a cowbench baseline"));
	free(out);
	assert_int_equal(check(DATA "/boot1", &out), 2);
	assert_non_null(strstr(out, "give --baseline FILE"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rerun_is_clean),
		cmocka_unit_test(test_one_percent_on_reuse_is_flagged),
		cmocka_unit_test(test_threshold_option),
		cmocka_unit_test(test_userland_change_is_refused),
		cmocka_unit_test(test_race_driven_limit),
		cmocka_unit_test(test_floor_from_medians),
		cmocka_unit_test(test_icount_gates_the_minimum),
		cmocka_unit_test(test_unusable_inputs),
		cmocka_unit_test(test_bad_baseline),
		cmocka_unit_test(test_keep_floors),
	};

	return cmocka_run_group_tests(tests, make_baseline, tmpdir_teardown);
}
