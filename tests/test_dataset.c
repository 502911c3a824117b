// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "sysinfo.h"
#include "testutil.h"
#include "util.h"


static void test_create_is_unique(void **state)
{
	char *a = cb_dataset_create(tmpdir, "host");
	char *b = cb_dataset_create(tmpdir, "host");
	struct stat st;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(a, b);
	assert_int_equal(stat(a, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_non_null(strstr(a, "-host"));
	free(a);
	free(b);
}

/* A relative --out gives an absolute dataset path (initramfs packing cd's). */
static void test_create_is_absolute(void **state)
{
	char cwd[4096], *dir;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	dir = cb_dataset_create("relative/runs", "vm");
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(dir);
	assert_int_equal(dir[0], '/');
	assert_non_null(strstr(dir, "/relative/runs/"));
	free(dir);
}

static void test_meta_round_trip(void **state)
{
	char *dir = cb_dataset_create(tmpdir, "meta");
	json_t *meta = cb_dataset_meta_new("host"), *back, *suite;
	char err[512] = "";

	(void)state;
	suite = cb_dataset_add_cell(meta, "host", "micro");
	json_object_set_new(suite, "status", json_string("ok"));
	assert_int_equal(cb_dataset_write_meta(dir, meta), 0);

	back = cb_dataset_read_meta(dir, err, sizeof(err));
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "mode")), "host");
	assert_true(json_is_string(json_object_get(json_object_get(back, "kernel"), "release")));
	assert_true(json_is_string(json_object_get(json_object_get(back, "cowbench"), "version")));
	assert_true(json_is_integer(json_object_get(json_object_get(back, "host"), "nr_cpus")));
	suite = json_array_get(json_object_get(back, "cells"), 0);
	assert_string_equal(json_string_value(json_object_get(suite, "cell")), "host");
	assert_string_equal(json_string_value(json_object_get(suite, "status")), "ok");
	/* The atomic write left no temporary file behind. */
	char *listing[] = { "sh", "-c", "ls \"$0\" | grep -c tmp || true", dir, NULL };
	char *count = cb_command_line_output(listing);

	assert_string_equal(count, "0");
	free(count);
	json_decref(meta);
	json_decref(back);
	free(dir);
}

static void test_read_meta_errors_name_the_file(void **state)
{
	char *dir = cb_dataset_create(tmpdir, "bad");
	char *path = cb_path(dir, "meta.json");
	char err[512] = "";

	(void)state;
	assert_null(cb_dataset_read_meta(dir, err, sizeof(err)));
	assert_non_null(strstr(err, path));

	assert_int_equal(cb_write_file_atomic(path, "{\"format\": 1, \"suites\"", 22), 0);
	assert_null(cb_dataset_read_meta(dir, err, sizeof(err)));
	assert_non_null(strstr(err, path));

	assert_int_equal(cb_write_file_atomic(path, "{\"format\": 99, \"suites\": []}", 28), 0);
	assert_null(cb_dataset_read_meta(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a cowbench dataset"));
	free(path);
	free(dir);
}

static void test_sysinfo_helpers(void **state)
{
	const char *cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n"
			      "model\t\t: 17\n";
	char *v;

	(void)state;
	v = cb_cpuinfo_field(cpuinfo, "model name");
	assert_string_equal(v, "Example CPU @ 2.0GHz");
	free(v);
	v = cb_cpuinfo_field(cpuinfo, "model");
	assert_string_equal(v, "17");
	free(v);
	assert_null(cb_cpuinfo_field(cpuinfo, "flags"));
}

static void test_shell_quote(void **state)
{
	char *q = cb_shell_quote("it's a /path");
	char *argv[] = { "sh", "-c", NULL, NULL };
	char *back;

	(void)state;
	assert_string_equal(q, "'it'\\''s a /path'");
	argv[2] = cb_strdup_printf("printf '%%s' %s", q);
	back = cb_command_line_output(argv);
	assert_string_equal(back, "it's a /path");	/* the shell agrees */
	free(back);
	free(argv[2]);
	free(q);
}

/*
 * Format 1 (until issue 16) named the cells "suites", a cell's name
 * "variant" and its variant "variant_name": read as format 2's "cells",
 * "cell" and "variant", so every reader sees one set of names.
 */
static void test_meta_format_1_is_read_as_2(void **state)
{
	char *dir = cb_dataset_create(tmpdir, "format1"), *path = cb_path(dir, "meta.json");
	static const char old[] =
		"{\"format\": 1, \"mode\": \"icount\", \"suites\": ["
		"{\"variant\": \"default.gmem-rmap\", \"variant_name\": \"gmem-rmap\", "
		"\"status\": \"ok\"}, {\"variant\": \"host\", \"status\": \"ok\"}]}";
	char err[512] = "";
	json_t *meta, *c;

	(void)state;
	assert_int_equal(cb_write_file_atomic(path, old, strlen(old)), 0);
	meta = cb_dataset_read_meta(dir, err, sizeof(err));
	if (!meta)
		fail_msg("%s", err);
	assert_int_equal(json_integer_value(json_object_get(meta, "format")), CB_DATASET_FORMAT);
	assert_null(json_object_get(meta, "suites"));
	c = json_array_get(json_object_get(meta, "cells"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "cell")), "default.gmem-rmap");
	assert_string_equal(json_string_value(json_object_get(c, "variant")), "gmem-rmap");
	assert_null(json_object_get(c, "variant_name"));
	c = json_array_get(json_object_get(meta, "cells"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "cell")), "host");
	assert_null(json_object_get(c, "variant"));
	json_decref(meta);
	/* a format it does not know is refused, naming the file */
	assert_int_equal(cb_write_file_atomic(path, "{\"format\": 3, \"cells\": []}", 26), 0);
	assert_null(cb_dataset_read_meta(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a cowbench dataset of format 1 or 2"));
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_format_1_is_read_as_2),
		cmocka_unit_test(test_create_is_unique),
		cmocka_unit_test(test_create_is_absolute),
		cmocka_unit_test(test_meta_round_trip),
		cmocka_unit_test(test_read_meta_errors_name_the_file),
		cmocka_unit_test(test_sysinfo_helpers),
		cmocka_unit_test(test_shell_quote),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
