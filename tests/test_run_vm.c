// SPDX-License-Identifier: GPL-2.0
/*
 * End to end, with real kernels: build the default kernel (cached after the
 * first time), boot it in QEMU (KVM if a probe boot proves it works, else
 * TCG in icount mode), run the quick suite and the kernel's own selftests
 * inside, and check the dataset from its raw files.  Then the failure
 * drills (panic, hang, crashed benchmark) and the build's bad inputs.
 * Slow: labelled e2e in ctest.
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

/* `cowbench ARGS`, output in <log>; returns the exit code. */
static int cowbench(const char *env, const char *args, const char *log)
{
	char *cmd = cb_strdup_printf("%s '%s' %s >'%s' 2>&1", env ? env : "", COWBENCH_BIN,
				     args, log);
	int ret = sh_status(cmd);

	free(cmd);
	return ret;
}

static json_t *cell(json_t *meta, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(meta, "suites"), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "variant")), name))
			return s;
	fail_msg("no cell %s in meta.json", name);
	return NULL;
}

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static char *file_text(const char *dir, const char *name)
{
	char *path = cb_path(dir, name);
	char *text = cb_read_file(path, NULL);

	if (!text)
		fail_msg("missing %s", path);
	free(path);
	return text;
}

static void dump_log(const char *log)
{
	char *text = cb_read_file(log, NULL);

	print_message("---- %s ----\n%s\n", log, text ? text : "(none)");
	free(text);
}

static void check_row(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	json_t *rows = arg;
	json_t *row = NULL, *run;
	char name[160];
	size_t i;

	cb_benchmark_name(c, p, name, sizeof(name));
	json_array_foreach(rows, i, run)
		if (!strncmp(str(run, "run_name"), name, strlen(name)) &&
		    str(run, "run_name")[strlen(name)] == '/')
			row = run;
	if (!row)
		fail_msg("%s: no row in the guest's micro.json", name);
	if (json_is_true(json_object_get(row, "error_occurred")) &&
	    strncmp(str(row, "error_message"), "skipped: ", 9))
		fail_msg("%s: %s", name, str(row, "error_message"));
}

static void test_quick_suite_in_the_default_kernel(void **state)
{
	char *out = cb_path(tmpdir, "quick"), *log = cb_path(tmpdir, "quick.log");
	/* Five repetitions, as datasets/baselines/ were made with. */
	char *args = cb_strdup_printf("run --quick --repetitions 5 --kernel default:default "
				      "--suites micro,probes,selftests --out '%s'", out);
	char *dir, *cdir, *text;
	json_t *meta, *c, *bench;

	(void)state;
	if (cowbench(NULL, args, log)) {
		dump_log(log);
		fail_msg("cowbench run failed");
	}
	dir = only_dataset(out);
	meta = load_json(dir, "meta.json");
	/* No usable KVM here: deterministic mode. */
	if (strcmp(str(meta, "mode"), "icount") && strcmp(str(meta, "mode"), "kvm"))
		fail_msg("mode %s", str(meta, "mode"));
	assert_non_null(strstr(str(meta, "qemu"), "QEMU"));
	c = cell(meta, "default.default");
	assert_string_equal(str(c, "status"), "ok");
	assert_true(json_number_value(json_object_get(c, "up_s")) > 0);

	cdir = cb_path(dir, "default.default");
	text = file_text(cdir, "guest/version");
	assert_non_null(strstr(text, "Linux version 6.12"));
	free(text);
	text = file_text(cdir, "guest/cmdline");
	assert_non_null(strstr(text, "nohz_full=1"));
	free(text);

	/* Every quick benchmark ran or says why not; gup_test is built in. */
	bench = load_json(cdir, "micro.json");
	cb_for_each_benchmark(1, check_row, json_object_get(bench, "benchmarks"));
	size_t i;
	json_t *run;
	bool gup_measured = false;
	double specref_refs = 0;

	json_array_foreach(json_object_get(bench, "benchmarks"), i, run) {
		if (!strncmp(str(run, "run_name"), "pin/pin-longterm/", 17) &&
		    !json_is_true(json_object_get(run, "error_occurred")))
			gup_measured = true;
		/* The generator (patch 0006) took references inside the region. */
		if (!strncmp(str(run, "run_name"), "specref/reuse-1M/", 17) &&
		    !strcmp(str(run, "run_type"), "iteration"))
			specref_refs = json_number_value(json_object_get(run,
							 "specref_refs_per_item"));
	}
	assert_true(gup_measured);
	assert_true(specref_refs > 0.1);

	/* High-resolution timers were on from the start (tsc=reliable). */
	text = file_text(cdir, "guest/clock_res_ns");
	assert_string_equal(text, "1\n");
	free(text);

	/* The kernel's own selftests ran from the same tree and spoke TAP. */
	text = file_text(cdir, "selftest.cow.tap");
	assert_non_null(strstr(text, "TAP version"));
	free(text);
	text = file_text(cdir, "selftest.gup_longterm.tap");
	assert_non_null(strstr(text, "TAP version"));
	free(text);

	/*
	 * The upstream policy neither leaks through vmsplice (CVE-2020-29374),
	 * directly or through swap-in, nor lets a R/O pin go stale; every probe
	 * ran (gup_test is built in, zram swap is on).
	 */
	text = file_text(cdir, "probes.tap");
	assert_non_null(strstr(text, "ok 1 CVE-2020-29374 vmsplice after fork"));
	assert_non_null(strstr(text, "ok 2 CVE-2020-29374 via swap-in"));
	assert_non_null(strstr(text, "ok 3 R/O long-term pin coherent"));
	assert_null(strstr(text, "not ok"));
	assert_null(strstr(text, "# SKIP"));
	free(text);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		json_object_get(c, "tap_totals"), "probes"), "pass")), 3);

	/*
	 * The CI gate: no benchmark moved beyond its limit from the checked-in
	 * deterministic baseline, made with this very job from perturbation
	 * boots (datasets/baselines/README.md).  Only comparable in icount
	 * mode; a KVM machine gets no gate.
	 */
	if (!strcmp(str(meta, "mode"), "icount")) {
		char *gate = cb_strdup_printf("check --baseline '%s/datasets/baselines/"
					      "default-icount-quick.json' '%s'",
					      COWBENCH_SOURCE_TREE, dir);

		if (cowbench(NULL, gate, log)) {
			dump_log(log);
			fail_msg("cowbench check flagged the unchanged default kernel");
		}
		free(gate);
	}

	/* --resume alone takes the job from meta.json; nothing is left to run. */
	{
		char *resume = cb_strdup_printf("run --resume '%s'", dir);

		if (cowbench(NULL, resume, log)) {
			dump_log(log);
			fail_msg("cowbench run --resume of a finished dataset failed");
		}
		text = cb_read_file(log, NULL);
		assert_non_null(strstr(text, "with its own job: kernels default:default, suites "
					     "micro,probes,selftests, quick profile, 5 repetitions"));
		assert_non_null(strstr(text, "[run default.default] done before: skipped"));
		free(text);
		free(resume);
	}

	json_decref(bench);
	json_decref(meta);
	free(cdir);
	free(dir);
	free(args);
	free(log);
	free(out);
}

/*
 * Wall-clock mode with two cells: one boot per repetition, interleaved
 * A B A B (the order of the boot lines says so), each cell's rounds merged
 * into one micro.json with every repetition, and a report that says two
 * repetitions are too few for a wall-clock test.
 */
static void test_wall_mode_interleaves(void **state)
{
	char *out = cb_path(tmpdir, "wall"), *log = cb_path(tmpdir, "wall.log");
	char *args = cb_strdup_printf("run --quick --mode wall --repetitions 2 "
				      "--kernel default:default,default:mapcount "
				      "--filter '^fault/anon/2MiB/thp:off$' --out '%s'", out);
	static const char *const order[] = {
		"[run default.default] booting, round 1", "[run default.mapcount] booting, round 1",
		"[run default.default] booting, round 2", "[run default.mapcount] booting, round 2",
	};
	char *dir, *text, *report, *rlog;
	const char *at;
	json_t *meta, *micro, *rows;

	(void)state;
	if (cowbench(NULL, args, log)) {
		dump_log(log);
		fail_msg("cowbench run --mode wall failed");
	}
	text = cb_read_file(log, NULL);
	at = text;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		at = strstr(at, order[i]);
		if (!at) {
			dump_log(log);
			fail_msg("boots not interleaved: \"%s\" missing or out of order", order[i]);
		}
	}
	free(text);
	dir = only_dataset(out);
	meta = load_json(dir, "meta.json");
	assert_string_equal(str(meta, "mode"), "tcg");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(meta, "job"),
							    "rounds")), 2);
	assert_string_equal(str(cell(meta, "default.mapcount"), "status"), "ok");
	assert_int_equal(json_array_size(json_object_get(cell(meta, "default.mapcount"),
							 "rounds")), 2);
	{
		char *cdir = cb_path(dir, "default.mapcount");

		micro = load_json(cdir, "micro.json");
		rows = json_object_get(micro, "benchmarks");
		assert_int_equal(json_array_size(rows), 2);
		assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 1),
								    "cowbench_round")), 2);
		json_decref(micro);
		free(cdir);
	}
	report = cb_strdup_printf("report '%s' --out '%s/report'", dir, tmpdir);
	rlog = cb_path(tmpdir, "wall-report.log");
	if (cowbench(NULL, report, rlog)) {
		dump_log(rlog);
		fail_msg("report on the wall-clock dataset failed");
	}
	text = cb_read_file(rlog, NULL);
	assert_non_null(strstr(text, "Fewer than 3 repetitions"));
	free(text);
	free(rlog);
	free(report);
	json_decref(meta);
	free(dir);
	free(args);
	free(log);
	free(out);
}

static void test_failure_drills(void **state)
{
	char *out = cb_path(tmpdir, "drills"), *log = cb_path(tmpdir, "drills.log");
	char *args = cb_strdup_printf("run --quick --kernel testing --timeout 90 "
				      "--filter '^fault/anon/2MiB/thp:off$' --out '%s'", out);
	char *dir;
	json_t *meta, *c;

	(void)state;
	/* A panic, a hang and a crash are failures: exit 1, everything kept. */
	assert_int_equal(cowbench(NULL, args, log), 1);
	dir = only_dataset(out);
	meta = load_json(dir, "meta.json");

	assert_string_equal(str(cell(meta, "testing.ok"), "status"), "ok");

	c = cell(meta, "testing.panic");
	assert_string_equal(str(c, "status"), "panic");
	assert_non_null(strstr(str(c, "panic"), "Kernel panic - not syncing"));

	c = cell(meta, "testing.hang");
	assert_string_equal(str(c, "status"), "timeout");

	c = cell(meta, "testing.segv");
	assert_non_null(strstr(str(c, "status"), "suite-failed: micro signal 11"));

	/* Logs of every boot are kept beside the results. */
	char *console = cb_path(dir, "testing.panic/console.log");
	char *text = cb_read_file(console, NULL);

	assert_non_null(text);
	assert_non_null(strstr(text, "Kernel panic"));
	free(text);
	free(console);
	json_decref(meta);
	free(dir);
	free(args);
	free(log);
	free(out);
}

/* Kernel definitions of our own, pointing at the repository's fragments. */
static char *write_defs(void)
{
	char *root = cb_path(tmpdir, "defs");
	char *cmd = cb_strdup_printf(
		"set -e; r='%s'; mkdir -p \"$r/kernels\" \"$r/patches/bad\"; "
		"cp '%s'/kernels/base.config '%s'/defs/drop.config '%s'/defs/*.kernel "
		"\"$r/kernels/\"; cp '%s'/defs/empty.series \"$r/patches/\"; "
		"cp '%s'/defs/series \"$r/patches/bad/\"; "
		"cp '%s'/defs/bad.patch \"$r/patches/bad/0001-bad.patch\"",
		root, COWBENCH_SOURCE_TREE, TEST_DATA, TEST_DATA, TEST_DATA, TEST_DATA, TEST_DATA);

	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	return root;
}

static void test_build_bad_inputs(void **state)
{
	char *root = write_defs();
	char *env = cb_strdup_printf("COWBENCH_DEFS_DIR='%s'", root);
	char *log = cb_path(tmpdir, "bad.log");
	static const struct {
		const char *args, *expect[2];
	} cases[] = {
		{ "build nosource", { "linux-source-0.0.tar.xz is missing",
				      "apt-get install linux-source-0.0" } },
		{ "build badpatch", { "0001-bad.patch does not apply", "mm/memory.c" } },
		{ "build dropped", { "Kconfig dropped", "CONFIG_GUP_TEST: wanted y, got unset" } },
		{ "build nosuchkernel", { "unknown kernel 'nosuchkernel'", "known: " } },
		{ "run --kernel badpatch:nosuchvariant", { "unknown variant 'nosuchvariant'",
							   "defines: default" } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = cowbench(env, cases[i].args, log);
		char *text = cb_read_file(log, NULL);

		if (ret != 2 || !text || !strstr(text, cases[i].expect[0]) ||
		    !strstr(text, cases[i].expect[1]))
			fail_msg("'%s' exited %d, said: %s", cases[i].args, ret, text ? text : "");
		free(text);
	}
	free(log);
	free(env);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_suite_in_the_default_kernel),
		cmocka_unit_test(test_wall_mode_interleaves),
		cmocka_unit_test(test_failure_drills),
		cmocka_unit_test(test_build_bad_inputs),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
