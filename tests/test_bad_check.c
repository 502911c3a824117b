// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench check against hostile and careless input (issue 12).  Datasets
 * and baselines arrive as CI artifacts and mail attachments: the gate must
 * never pass garbage, never read outside what it was given, never write
 * over an input.  Every case is generated here from the recorded boot in
 * tests/data/check/boot1, then the real binary runs on it; each refusal
 * must exit 2 naming the file, and write nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define DATA TEST_DATA "/check"

static char *baseline;
static char *log_path;	/* cowbench's output, the one file a refusal may write */

/* Run cowbench with @args (a shell fragment); exit code, output in *@out. */
static int cowbench(const char *args, char **out)
{
	char *log = log_path;
	/* timeout: a FIFO or device that blocks the reader must fail the test, not hang it */
	char *cmd = cb_strdup_printf("timeout 60 '%s' %s >'%s' 2>&1 </dev/null", COWBENCH_BIN,
				     args, log);
	int rc = sh_status(cmd);

	*out = cb_read_file(log, NULL);
	assert_non_null(*out);
	unlink(log);
	free(cmd);
	return rc;
}

/* cowbench @args must exit 2, print @needle and leave @tmpdir as it was. */
static void refused(const char *needle, const char *fmt, ...)
{
	char *args, *out, *before, *after;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&args, fmt, ap) >= 0);
	va_end(ap);
	before = tree_snapshot(log_path);
	rc = cowbench(args, &out);
	after = tree_snapshot(log_path);
	if (rc != 2 || !strstr(out, needle))
		fail_msg("cowbench %s: exit %d (expected 2), output lacks \"%s\":\n%s", args, rc,
			 needle, out);
	if (strcmp(before, after))
		fail_msg("cowbench %s was refused but changed files:\nbefore:\n%s\nafter:\n%s",
			 args, before, after);
	free(before);
	free(after);
	free(out);
	free(args);
}

static json_t *load_file(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		fail_msg("%s: %s", path, err.text);
	return j;
}

static void dump_file(json_t *j, const char *path)
{
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

/* Each repetition row of a micro.json: @fn(row, @arg). */
typedef void (*row_fn)(json_t *row, const void *arg);

/*
 * <tmpdir>/<name>: a copy of boot1 with @fn applied to every row of its
 * micro.json and @meta_fn (if any) to its meta.json.  Returns the path.
 */
static char *hostile_dataset(const char *name, row_fn fn, const void *arg,
			     void (*meta_fn)(json_t *meta, const void *arg))
{
	char *dir = cb_path(tmpdir, name), *cell = cb_path(dir, "k.v");
	char *path = cb_path(cell, "micro.json"), *meta_path = cb_path(dir, "meta.json");
	json_t *micro = load_file(DATA "/boot1/k.v/micro.json");
	json_t *meta = load_file(DATA "/boot1/meta.json"), *row;
	size_t i;

	assert_int_equal(cb_mkdir_p(cell), 0);
	json_array_foreach(json_object_get(micro, "benchmarks"), i, row)
		if (fn)
			fn(row, arg);
	if (meta_fn)
		meta_fn(meta, arg);
	dump_file(micro, path);
	dump_file(meta, meta_path);
	json_decref(micro);
	json_decref(meta);
	free(meta_path);
	free(path);
	free(cell);
	return dir;
}

static void set_cost(json_t *row, const void *arg)
{
	json_object_set_new(row, "ns_per_item", json_real(*(const double *)arg));
}

static void set_null_cost(json_t *row, const void *arg)
{
	(void)arg;
	json_object_set_new(row, "ns_per_item", json_null());
}

static void set_event(json_t *row, const void *arg)
{
	json_object_set_new(row, "vm.pgfault_per_item", json_real(*(const double *)arg));
}

static void set_name(json_t *row, const void *arg)
{
	json_object_set_new(row, "run_name", json_string(arg));
	json_object_set_new(row, "name", json_string(arg));
}

static void set_cmdline(json_t *meta, const void *arg)
{
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 0), "cmdline",
			    json_string(arg));
}

static void set_cell_name(json_t *meta, const void *arg)
{
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 0), "variant",
			    json_string(arg));
}

static int setup(void **state)
{
	char *out, *args;

	if (tmpdir_setup(state))
		return -1;
	log_path = cb_path(tmpdir, "cowbench.log");
	baseline = cb_path(tmpdir, "baseline.json");
	args = cb_strdup_printf("check --write-baseline '%s' " DATA "/boot1 " DATA "/boot2",
				baseline);
	if (cowbench(args, &out)) {
		fprintf(stderr, "%s", out);
		return -1;
	}
	free(out);
	free(args);
	return 0;
}

/*
 * A cost that is zero, negative, not a number or absurd is refused, in
 * the dataset and when a baseline is made of it: at 30d0a80 all zeros
 * checked clean, a negative dataset read as a -200% improvement (exit 0),
 * and a baseline written from zeros passed anything.
 */
static void test_costs_finite_and_positive(void **state)
{
	static const double bad[] = { 0.0, -1629.3, 1e300 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *name = cb_strdup_printf("cost-%zu", i);
		char *ds = hostile_dataset(name, set_cost, &bad[i], NULL);
		char *file = cb_path(tmpdir, "from-bad.json");

		refused("k.v/micro.json: entry 0: benchmark fault/reuse/2MiB/thp:off: ns_per_item "
			"is", "check --baseline '%s' '%s'", baseline, ds);
		refused("k.v/micro.json: entry 0", "check --write-baseline '%s' '%s'", file, ds);
		assert_int_equal(access(file, F_OK), -1);
		free(file);
		free(ds);
		free(name);
	}
	{
		/* NaN: Google benchmark writes it bare, the reader makes it null */
		char *ds = hostile_dataset("cost-nan", set_null_cost, NULL, NULL);

		refused("has no ns_per_item counter", "check --baseline '%s' '%s'", baseline, ds);
		free(ds);
	}
	{
		/* events may be negative (a level's delta), not absurd */
		static const double huge = -1e300;
		char *ds = hostile_dataset("event-huge", set_event, &huge, NULL);

		refused("counter vm.pgfault_per_item is -1e+300", "check --baseline '%s' '%s'",
			baseline, ds);
		free(ds);
	}
}

/* A baseline's numbers are checked the same way: one bad value, exit 2. */
static void test_baseline_values(void **state)
{
	static const struct {
		const char *field, *json, *needle;
	} cases[] = {
		{ "value", "0", "value 0: a cost per item is finite, positive" },
		{ "value", "-1629.3", "value -1629.3" },
		{ "value", "1e300", "value 1e+300" },
		{ "value", "\"1629.3\"", "has no value" },
		{ "noise_floor_pct", "-1", "noise_floor_pct is not a number from 0 to" },
		{ "noise_floor_pct", "1e9", "noise_floor_pct is not a number from 0 to" },
		{ "boots", "0", "boots is not a count from 1" },
	};
	char *file = cb_path(tmpdir, "hostile-baseline.json");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *b = load_file(baseline), *e, *v;
		json_error_t jerr;

		e = json_object_get(json_object_get(b, "benchmarks"), "fault/reuse/2MiB/thp:off");
		assert_non_null(e);
		v = json_loads(cases[i].json, JSON_DECODE_ANY, &jerr);
		assert_non_null(v);
		json_object_set_new(e, cases[i].field, v);
		dump_file(b, file);
		json_decref(b);
		refused(cases[i].needle, "check --baseline '%s' " DATA "/boot1", file);
		/* the path, so a CI log says which attachment was bad */
		refused("hostile-baseline.json", "check --baseline '%s' " DATA "/boot1", file);
	}
	unlink(file);
	free(file);
}

/*
 * Names: a control byte (a newline would forge lines in every line-based
 * output, an escape sequence would drive the reviewer's terminal), or a
 * name past the table's limit, is refused, not cut.
 */
static void test_names(void **state)
{
	char long_name[200];

	(void)state;
	{
		char *ds = hostile_dataset("name-newline", set_name,
					   "fault/reuse/2MiB/thp:off\nclean: 0 of 3", NULL);

		refused("is not 1-159 bytes of printable ASCII", "check --baseline '%s' '%s'",
			baseline, ds);
		free(ds);
	}
	{
		char *ds = hostile_dataset("name-escape", set_name, "fault/\033[2Jreuse", NULL);
		char *out, *args = cb_strdup_printf("check --baseline '%s' '%s'", baseline, ds);

		assert_int_equal(cowbench(args, &out), 2);
		if (strchr(out, '\033'))
			fail_msg("an escape byte from the dataset reached the terminal:\n%s", out);
		free(out);
		free(args);
		free(ds);
	}
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	{
		char *ds = hostile_dataset("name-long", set_name, long_name, NULL);

		refused("(199 bytes) is not 1-159 bytes", "check --baseline '%s' '%s'", baseline,
			ds);
		free(ds);
	}
	{
		/* two command lines equal in their first 511 bytes must not compare equal */
		char cmdline[700];
		char *ds;

		memset(cmdline, 'x', sizeof(cmdline) - 1);
		cmdline[sizeof(cmdline) - 1] = '\0';
		ds = hostile_dataset("cmdline-long", NULL, NULL, set_cmdline);
		{
			char *meta = cb_path(ds, "meta.json");
			json_t *m = load_file(meta);

			set_cmdline(m, cmdline);
			dump_file(m, meta);
			json_decref(m);
			free(meta);
		}
		refused("cmdline is 699 bytes, over the limit of 511", "check --baseline '%s' '%s'",
			baseline, ds);
		free(ds);
	}
}

/* A cell name from meta.json becomes a path only when it is one component. */
static void test_cell_paths(void **state)
{
	static const char *const names[] = { "../boot2/k.v", "/etc", "..", ".", ".k.v",
					     "k.v/../../boot2/k.v" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *tag = cb_strdup_printf("cell-%zu", i);
		char *ds = hostile_dataset(tag, NULL, NULL, NULL);
		char *meta = cb_path(ds, "meta.json");
		json_t *m = load_file(meta);

		set_cell_name(m, names[i]);
		dump_file(m, meta);
		json_decref(m);
		refused("is not 1-127 of [A-Za-z0-9._-]", "check --cell '%s' --baseline '%s' '%s'",
			names[i], baseline, ds);
		refused("meta.json: cell name", "check --write-baseline '%s/b.json' '%s'", tmpdir,
			ds);
		free(meta);
		free(ds);
		free(tag);
	}
	{
		/* a cell directory that is a symlink out of the dataset */
		char *ds = hostile_dataset("cell-symlink", NULL, NULL, NULL);
		char *cell = cb_path(ds, "k.v"), *cmd;

		cmd = cb_strdup_printf("rm -rf '%s' && ln -s '%s/k.v' '%s'", cell, DATA "/boot2",
				       cell);
		assert_int_equal(sh_status(cmd), 0);
		refused("not a directory of the dataset", "check --baseline '%s' '%s'", baseline,
			ds);
		free(cmd);
		free(cell);
		free(ds);
	}
}

/*
 * Only regular files within the size limit are read: a symlink (to a
 * file outside the dataset), a FIFO (which would block the reader
 * forever), a device, a sparse 65 MiB file.
 */
static void test_special_files(void **state)
{
	static const char *const makes[] = {
		"ln -s /etc/passwd '%s'",
		"mkfifo '%s'",
		"ln -s /dev/zero '%s'",
		"truncate -s 65M '%s'",
	};
	static const char *const needles[] = {
		"a symbolic link", "not a regular file", "a symbolic link", "over the limit of",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(makes) / sizeof(makes[0]); i++) {
		char *tag = cb_strdup_printf("special-%zu", i);
		char *ds = hostile_dataset(tag, NULL, NULL, NULL);
		char *micro = cb_path(ds, "k.v/micro.json"), *meta = cb_path(ds, "meta.json");
		char *file = cb_path(tmpdir, "special-baseline.json");
		char *make = cb_strdup_printf(makes[i], micro);
		char *cmd = cb_strdup_printf("rm -f '%s' && %s", micro, make);
		assert_int_equal(sh_status(cmd), 0);
		refused(needles[i], "check --baseline '%s' '%s'", baseline, ds);
		refused("k.v/micro.json", "check --baseline '%s' '%s'", baseline, ds);
		free(make);
		free(cmd);

		/* the same for meta.json and for the baseline itself */
		make = cb_strdup_printf(makes[i], meta);
		cmd = cb_strdup_printf("rm -f '%s' && %s", meta, make);
		assert_int_equal(sh_status(cmd), 0);
		refused(needles[i], "check --baseline '%s' '%s'", baseline, ds);
		free(make);
		free(cmd);
		make = cb_strdup_printf(makes[i], file);
		cmd = cb_strdup_printf("rm -f '%s' && %s", file, make);
		assert_int_equal(sh_status(cmd), 0);
		refused(needles[i], "check --baseline '%s' " DATA "/boot1", file);
		free(make);
		free(cmd);
		cmd = cb_strdup_printf("rm -f '%s'", file);
		assert_int_equal(sh_status(cmd), 0);
		free(cmd);
		free(file);
		free(meta);
		free(micro);
		free(ds);
		free(tag);
	}
}

/* Beyond a fixed table: refused with the limit, not cut to fit. */
static void test_limits(void **state)
{
	char *ds = hostile_dataset("many-reps", NULL, NULL, NULL);
	char *path = cb_path(ds, "k.v/micro.json");
	json_t *micro = load_file(path), *rows = json_object_get(micro, "benchmarks");
	json_t *first = json_deep_copy(json_array_get(rows, 0));

	(void)state;
	for (int i = 0; i < 70; i++)
		json_array_append(rows, first);
	json_decref(first);
	dump_file(micro, path);
	json_decref(micro);
	refused("has more than 64 repetitions (the limit)", "check --baseline '%s' '%s'",
		baseline, ds);
	free(path);
	free(ds);
}

/*
 * --write-baseline never writes over what it reads (a dataset's own
 * files) nor over a file that is not a baseline.
 */
static void test_write_baseline_targets(void **state)
{
	char *ds = hostile_dataset("target", NULL, NULL, NULL);
	char *notes = cb_path(tmpdir, "notes.txt");

	(void)state;
	refused("inside the dataset", "check --write-baseline '%s/meta.json' '%s'", ds, ds);
	refused("inside the dataset", "check --write-baseline '%s/k.v/micro.json' '%s'", ds, ds);
	refused("inside the dataset", "check --write-baseline '%s/new.json' '%s'", ds, ds);
	assert_int_equal(cb_write_file_atomic(notes, "mine\n", 5), 0);
	refused("exists and is not a cowbench baseline", "check --write-baseline '%s' '%s'",
		notes, ds);
	/* an older baseline is what it is for */
	{
		char *out, *args = cb_strdup_printf("check --write-baseline '%s' '%s'", baseline, ds);

		assert_int_equal(cowbench(args, &out), 0);
		free(out);
		free(args);
	}
	free(notes);
	free(ds);
}

/* A threshold is a finite percentage: "inf" would pass anything. */
static void test_threshold(void **state)
{
	static const char *const bad[] = { "inf", "nan", "1e9", "0x10", "-0.5", "", "5%" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused("--threshold", "check --threshold '%s' --baseline '%s' " DATA "/boot1",
			bad[i], baseline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_costs_finite_and_positive),
		cmocka_unit_test(test_baseline_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cell_paths),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_write_baseline_targets),
		cmocka_unit_test(test_threshold),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
