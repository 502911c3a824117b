// SPDX-License-Identifier: GPL-2.0
/*
 * The pieces of a VM run that can be checked without booting: console
 * verdicts on recorded logs, the result stream, kernel definitions and the
 * matrix, the Kconfig check, ldd parsing and the QEMU command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "console.h"
#include "frames.h"
#include "initramfs.h"
#include "kconfig.h"
#include "kbuild.h"
#include "kdef.h"
#include "run_opts.h"
#include "testutil.h"
#include "util.h"
#include "vm.h"

static void scan(const char *file, struct cb_console *c)
{
	char *path = cb_strdup_printf("%s/console/%s", TEST_DATA, file);
	char *text = cb_read_file(path, NULL);

	if (!text)
		fail_msg("cannot read %s", path);
	cb_console_scan(text, c);
	free(text);
	free(path);
}

static void test_console_panic(void **state)
{
	struct cb_console c;

	(void)state;
	scan("panic.log", &c);
	assert_int_equal(c.outcome, CB_GUEST_PANIC);
	assert_non_null(strstr(c.panic, "Attempted to kill init"));
	assert_false(c.up);
	assert_true(cb_console_line_is_fatal("[ 1.9] Kernel panic - not syncing: x"));
	assert_false(cb_console_line_is_fatal("cowbench-guest: up 1.0"));
}

static void test_console_oops_is_recorded_but_run_finishes(void **state)
{
	struct cb_console c;

	(void)state;
	scan("oops.log", &c);
	assert_int_equal(c.outcome, CB_GUEST_DONE);
	assert_int_equal(c.nr_bugs, 2);	/* the BUG line and the Oops line */
	assert_int_equal(c.nr_warnings, 1);
	assert_non_null(strstr(c.first_bug, "NULL pointer dereference"));
	assert_int_equal(c.nr_suites, 1);
	assert_string_equal(c.suites[0].name, "micro");
	assert_string_equal(c.suites[0].end, "signal 9 Killed");
}

static void test_console_hang_and_no_userspace(void **state)
{
	struct cb_console c;

	(void)state;
	scan("hang.log", &c);
	assert_int_equal(c.outcome, CB_GUEST_STOPPED);
	assert_int_equal(c.nr_suites, 3);
	assert_string_equal(c.suites[0].end, "exit 0");
	assert_string_equal(c.suites[2].name, "selftest.cow");
	assert_string_equal(c.suites[2].end, "");

	scan("no-init.log", &c);
	assert_int_equal(c.outcome, CB_GUEST_NO_USERSPACE);

	scan("ok.log", &c);	/* \r\n line ends */
	assert_int_equal(c.outcome, CB_GUEST_DONE);
	assert_string_equal(c.suites[0].end, "exit 0");
}

static void test_frames(void **state)
{
	static const char stream[] =
		"COWBENCH-FILE guest/version 5\nLinux\nCOWBENCH-END guest/version\n"
		"COWBENCH-FILE micro.json 13\n{\"a\":\n\"b\\n\"}\n\nCOWBENCH-END micro.json\n"
		"COWBENCH-DONE\n";
	char *dir = cb_path(tmpdir, "frames");
	struct cb_frames f;
	char *path, *text;

	(void)state;
	assert_int_equal(cb_frames_extract(stream, sizeof(stream) - 1, dir, &f), 0);
	assert_true(f.done);
	assert_int_equal(f.nr_files, 2);
	path = cb_path(dir, "guest/version");
	text = cb_read_file(path, NULL);
	assert_string_equal(text, "Linux");
	free(text);
	free(path);
	path = cb_path(dir, "micro.json");
	text = cb_read_file(path, NULL);
	assert_string_equal(text, "{\"a\":\n\"b\\n\"}\n");	/* bytes as sent */
	free(text);
	free(path);

	/* Cut in the middle of a file: that file is reported, not written. */
	assert_int_equal(cb_frames_extract(stream, 100, dir, &f), 0);
	assert_false(f.done);
	assert_int_equal(f.nr_files, 1);
	assert_string_equal(f.truncated, "micro.json");

	/* Lies about sizes and hostile names are errors. */
	static const char bad_size[] = "COWBENCH-FILE x 2\nabc\nCOWBENCH-END x\n";
	static const char bad_name[] = "COWBENCH-FILE ../../etc/passwd 1\nx\nCOWBENCH-END ../../etc/passwd\n";
	static const char garbage[] = "hello\n";

	assert_int_equal(cb_frames_extract(bad_size, sizeof(bad_size) - 1, dir, &f), -1);
	assert_non_null(strstr(f.error, "does not match"));
	assert_int_equal(cb_frames_extract(bad_name, sizeof(bad_name) - 1, dir, &f), -1);
	assert_non_null(strstr(f.error, "unsafe"));
	assert_int_equal(cb_frames_extract(garbage, sizeof(garbage) - 1, dir, &f), -1);
	free(dir);
}

static void test_kdef_parse(void **state)
{
	static const char text[] =
		"# comment\n"
		"description = test kernel\n"
		"source = debian:linux-source-6.12\n"
		"series = patches/6.12/series\n"
		"config = kernels/base.config kernels/debug.config\n"
		"variant default =\n"
		"variant refcount = cowbench.reuse=refcount\n";
	struct cb_kdef k;
	char err[256];

	(void)state;
	assert_int_equal(cb_kdef_parse(text, "t", "/src", &k, err, sizeof(err)), 0);
	assert_string_equal(k.source, "debian:linux-source-6.12");
	assert_string_equal(k.series, "/src/patches/6.12/series");
	assert_int_equal(k.nr_configs, 2);
	assert_string_equal(k.configs[1], "/src/kernels/debug.config");
	assert_int_equal(k.nr_variants, 2);
	assert_string_equal(cb_kdef_variant(&k, "refcount")->cmdline, "cowbench.reuse=refcount");
	assert_string_equal(cb_kdef_variant(&k, "default")->cmdline, "");
	assert_null(cb_kdef_variant(&k, "mapcount"));

	static const struct {
		const char *text, *expect;
	} bad[] = {
		{ "source = x\n", "needs at least" },
		{ "source = x\nconfig = y\nfrobnicate = 1\n", "unknown key 'frobnicate'" },
		{ "source = x\nconfig = y\njust words\n", "line 3" },
		{ "source = x\nconfig = y\nvariant a =\nvariant a = b\n", "defined twice" },
		{ "source = x\nconfig = y\nvariant a/b = c\n", "not [A-Za-z0-9._-]+" },
		/* Names become path components: the one rule, cb_dataset_name_ok(). */
		{ "source = x\nconfig = y\nvariant .. = c\n", "not [A-Za-z0-9._-]+" },
		{ "source = x\nconfig = y\nvariant .hidden = c\n", "not starting with '.'" },
		/* Nothing is cut to fit its field. */
		{ "source = x\nconfig = y\nvariant "
		  "a23456789012345678901234567890123456789012345678 = c\n",
		  "longer than 47 characters" },
		{ "source = x\nconfig = y\nvariant a = c\033[2J\n", "line 3: control character 0x1b" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cb_kdef_parse(bad[i].text, "t", "/src", &k, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].expect);
	}
	/* A value, or a path resolved against the root, too long for its field. */
	char *long_desc = cb_strdup_printf("source = x\nconfig = y\ndescription = %0300d\n", 0);
	char *long_root = cb_strdup_printf("/%0600d", 0), *long_name;

	assert_int_equal(cb_kdef_parse(long_desc, "t", "/src", &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 3: description is longer than 255 characters"));
	assert_int_equal(cb_kdef_parse(text, "t", long_root, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "series is longer than 511 characters"));
	free(long_root);
	free(long_desc);
	/* Kernel names: the same rule, and no escape sequence in the message. */
	assert_int_equal(cb_kdef_load("/src", "..", &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad kernel name '..'"));
	assert_int_equal(cb_kdef_load("/src", "x\033[2Jy", &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad kernel name 'x?[2Jy'"));
	long_name = cb_strdup_printf("k%063d", 0);	/* 64 characters */
	assert_int_equal(cb_kdef_load("/src", long_name, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 63 characters"));
	free(long_name);
}

static void test_matrix(void **state)
{
	char *kdir = cb_path(tmpdir, "kernels");
	char *a = cb_path(kdir, "a.kernel"), *b = cb_path(kdir, "b.kernel");
	const char *ta = "source = debian:x\nconfig = c\nvariant one =\nvariant two = x=2\n";
	const char *tb = "source = debian:x\nconfig = c\n";
	struct cb_cell cells[8];
	char err[512];

	(void)state;
	cb_mkdir_p(kdir);
	assert_int_equal(cb_write_file_atomic(a, ta, strlen(ta)), 0);
	assert_int_equal(cb_write_file_atomic(b, tb, strlen(tb)), 0);

	assert_int_equal(cb_matrix_parse("a", tmpdir, cells, 8, err, sizeof(err)), 2);
	assert_string_equal(cells[1].variant, "two");
	/* Named twice: run once.  A kernel without variants has "default". */
	assert_int_equal(cb_matrix_parse("a:two,b,a:two", tmpdir, cells, 8, err, sizeof(err)), 2);
	assert_string_equal(cells[0].kernel, "a");
	assert_string_equal(cells[1].kernel, "b");
	assert_string_equal(cells[1].variant, "default");

	assert_int_equal(cb_matrix_parse("a:three", tmpdir, cells, 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown variant 'three'"));
	assert_non_null(strstr(err, "one, two"));
	assert_int_equal(cb_matrix_parse("zzz", tmpdir, cells, 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown kernel 'zzz'"));
	assert_non_null(strstr(err, "known: "));
	assert_int_equal(cb_matrix_parse("a", tmpdir, cells, 1, err, sizeof(err)), -1);
	free(a);
	free(b);
	free(kdir);
}

static void test_kconfig_check(void **state)
{
	static const char fragment[] =
		"# comment\n"
		"CONFIG_GUP_TEST=y\n"
		"CONFIG_NR_CPUS=8\n"
		"# CONFIG_MODULES is not set\n"
		"CONFIG_LOCALVERSION=\"-cb\"\n"
		"CONFIG_SWAP=n\n";
	static const char good[] =
		"CONFIG_GUP_TEST=y\nCONFIG_NR_CPUS=8\n# CONFIG_MODULES is not set\n"
		"CONFIG_LOCALVERSION=\"-cb\"\n";
	static const char dropped[] =
		"# CONFIG_GUP_TEST is not set\nCONFIG_NR_CPUS=64\nCONFIG_MODULES=y\n"
		"CONFIG_LOCALVERSION=\"-cb\"\nCONFIG_SWAP=y\n";
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_int_equal(cb_kconfig_check(fragment, good, "base: ", out), 0);
	assert_int_equal(cb_kconfig_check(fragment, dropped, "base: ", out), 4);
	fclose(out);
	assert_non_null(strstr(text, "base: CONFIG_GUP_TEST: wanted y, got unset"));
	assert_non_null(strstr(text, "CONFIG_NR_CPUS: wanted 8, got 64"));
	assert_non_null(strstr(text, "CONFIG_MODULES: wanted unset, got y"));
	assert_non_null(strstr(text, "CONFIG_SWAP: wanted unset, got y"));
	free(text);

	/*
	 * No value is too long to check: a request for a 300-character
	 * string is compared whole, not skipped, and not cut to a buffer.
	 */
	char *val = cb_strdup_printf("\"%0300d\"", 0);
	char *frag = cb_strdup_printf("CONFIG_CMDLINE=%s\n", val);
	char *same = cb_strdup_printf("CONFIG_CMDLINE=%s\n", val);
	char *longer = cb_strdup_printf("CONFIG_CMDLINE=%.301s1\"\n", val);

	text = NULL;
	out = open_memstream(&text, &len);
	assert_int_equal(cb_kconfig_check(frag, same, "", out), 0);
	assert_int_equal(cb_kconfig_check(frag, "# CONFIG_CMDLINE is not set\n", "", out), 1);
	assert_int_equal(cb_kconfig_check(frag, longer, "", out), 1);
	fclose(out);
	assert_non_null(strstr(text, "got unset"));
	free(text);
	free(longer);
	free(same);
	free(frag);
	free(val);
}

static void test_ldd_and_job(void **state)
{
	static const char ldd[] =
		"\tlinux-vdso.so.1 (0x00007ffc4d5f2000)\n"
		"\tlibbenchmark.so.1.7 => /lib/x86_64-linux-gnu/libbenchmark.so.1.7 (0x00007f1)\n"
		"\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)\n"
		"\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)\n";
	char *paths[8];
	struct cb_job job = { "micro,selftests", "quick", 1, "^fault/", 0, 10000 };
	char *text, err[256];

	(void)state;
	assert_int_equal(cb_ldd_parse(ldd, paths, 8), 3);
	assert_string_equal(paths[0], "/lib/x86_64-linux-gnu/libbenchmark.so.1.7");
	assert_string_equal(paths[2], "/lib64/ld-linux-x86-64.so.2");
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	/* More libraries than the table: refused, not cut (the guest would miss one). */
	assert_int_equal(cb_ldd_parse(ldd, paths, 2), -1);
	text = cb_job_text(&job, err, sizeof(err));
	assert_string_equal(text, "suites=micro,selftests\nprofile=quick\nrepetitions=1\n"
				  "filter=^fault/\nsettle_us=10000\n");
	free(text);
}

/*
 * The job file is one "key=value" line per key: a value that would break
 * a line (--filter $'x\nrepetitions=1', a filter or suite list read from a
 * dataset by --resume) is refused where the job is written, naming the
 * key, and no archive is made of it.
 */
static void test_job_refuses_control_characters(void **state)
{
	static const struct {
		struct cb_job job;
		const char *expect;
	} bad[] = {
		{ { "micro", "quick", 5, "^fault/\nrepetitions=1", 0, 0 }, "filter '^fault/?repetitions=1'" },
		{ { "micro", "quick", 5, "x\ry", 0, 0 }, "(0x0d)" },
		{ { "micro\nrepetitions=1", "quick", 5, NULL, 0, 0 }, "suites 'micro?repetitions=1'" },
		{ { "micro", "quick\033[2J", 5, NULL, 0, 0 }, "profile 'quick?[2J'" },
		{ { "micro", "quick", 0, NULL, 0, 0 }, "repetitions 0 is not a count" },
		{ { "micro", "quick", -5, NULL, 0, 0 }, "repetitions -5" },
		{ { "micro", "quick", 5, NULL, 0, -1 }, "settle_us -1 is negative" },
	};
	char *bindir = strdup(COWBENCH_BIN), err[512];

	(void)state;
	*strrchr(bindir, '/') = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *work = cb_strdup_printf("%s/badjob-%zu", tmpdir, i);
		char *out = cb_strdup_printf("%s.cpio", work), *stage = cb_path(work, "stage");

		err[0] = '\0';
		assert_null(cb_job_text(&bad[i].job, err, sizeof(err)));
		if (!strstr(err, bad[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].expect);
		assert_int_equal(cb_job_check(&bad[i].job, err, sizeof(err)), -1);
		err[0] = '\0';
		assert_int_equal(cb_initramfs_build(bindir, NULL, &bad[i].job, out, err,
						    sizeof(err)), -1);
		if (!strstr(err, bad[i].expect))
			fail_msg("case %zu: initramfs: '%s' lacks '%s'", i, err, bad[i].expect);
		assert_int_equal(access(out, F_OK), -1);
		assert_int_equal(access(stage, F_OK), -1);
		free(stage);
		free(out);
		free(work);
	}
	free(bindir);
}

/*
 * The guest's side: guest_init is a static program of its own, so its
 * parser is compiled in here (main renamed) and run on job files.  What
 * the harness writes reads back as written; every other line is refused
 * with what is wrong, instead of a guessed job (atoi read "5x" as 5).
 */
#define main guest_init_main
#include "guest_init.c"
#undef main

static bool guest_reads(const char *text, struct job *job, char *why, size_t len)
{
	char *path = cb_path(tmpdir, "job");

	assert_int_equal(cb_write_file_atomic(path, text, strlen(text)), 0);
	bool ok = read_job(path, job, why, len);

	free(path);
	return ok;
}

static void test_guest_reads_job_strictly(void **state)
{
	static const struct {
		const char *text, *expect;
	} bad[] = {
		{ "suites=micro\nprofile=quick\nrepetitions=5x\nfilter=\n", "repetitions '5x'" },
		{ "suites=micro\nprofile=quick\nrepetitions=0\nfilter=\n", "repetitions '0'" },
		{ "suites=micro\nprofile=quick\nrepetitions=-3\nfilter=\n", "repetitions '-3'" },
		{ "suites=micro\nprofile=quick\nrepetitions= 5\nfilter=\n", "repetitions ' 5'" },
		{ "suites=micro\nprofile=quick\nrepetitions=\nfilter=\n", "repetitions ''" },
		{ "suites=micro\nprofile=quick\nrepetitions=99999999999\nfilter=\n",
		  "not a count from 1 to 2147483647" },
		{ "suites=micro\nprofile=quick\nrepetitions=5\n", "job has no filter line" },
		{ "suites=micro\nprofile=quick\nrepetitions=5\nfilter=", "line 4 has no newline" },
		{ "suites=micro\nprofile=quick\nrepetitions=5\nfilter=\nrepetitions=1\n",
		  "line 5: repeated key 'repetitions'" },
		{ "suites=micro\nprofile=quick\nreps=5\nfilter=\n", "line 3: unknown key 'reps'" },
		{ "suites=micro\nprofile=quick\nrepetitions=5\nfilter\n", "line 4 is not key=value" },
		{ "suites=micro\nprofile=quick\r\nrepetitions=5\nfilter=\n",
		  "line 2 holds a control character (0x0d)" },
	};
	struct cb_job written = { "micro,probes", "quick", 7, "^fault/(anon|reuse)", 0, 0 };
	struct job job;
	char why[160], err[256], *text;

	(void)state;
	text = cb_job_text(&written, err, sizeof(err));
	assert_true(guest_reads(text, &job, why, sizeof(why)));
	free(text);
	assert_string_equal(job.suites, "micro,probes");
	assert_string_equal(job.profile, "quick");
	assert_int_equal(job.repetitions, 7);
	assert_string_equal(job.filter, "^fault/(anon|reuse)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (guest_reads(bad[i].text, &job, why, sizeof(why)))
			fail_msg("case %zu: read as a job", i);
		if (!strstr(why, bad[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, why, bad[i].expect);
	}
	assert_false(read_job("/nonexistent/job", &job, why, sizeof(why)));
	assert_non_null(strstr(why, "no /nonexistent/job"));
}

/*
 * The archive is a function of its inputs: two packs of one job are the
 * same bytes (the bytes decide the guest's instruction counts), and a
 * perturbation boot's archive differs only by its padding file.
 */
static void test_initramfs_reproducible(void **state)
{
	struct cb_job job = { "micro", "quick", 3, NULL, 0, 0 };
	char *bindir = strdup(COWBENCH_BIN), *a[3], err[1024];
	size_t len[3];
	char *text[3];

	(void)state;
	*strrchr(bindir, '/') = '\0';
	for (int i = 0; i < 3; i++) {
		char *work = cb_strdup_printf("%s/pack-%d", tmpdir, i);

		a[i] = cb_strdup_printf("%s.cpio", work);
		job.perturb = i == 2 ? 1 : 0;
		if (cb_initramfs_build(bindir, NULL, &job, a[i], err, sizeof(err)))
			fail_msg("initramfs: %s", err);
		text[i] = cb_read_file(a[i], &len[i]);
		assert_non_null(text[i]);
		free(work);
	}
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(text[0], text[1], len[0]);
	{
		/* nor by the caller's umask: modes are the archive's, not the disk's */
		char *work = cb_strdup_printf("%s/pack-umask", tmpdir);
		char *path = cb_strdup_printf("%s.cpio", work), *other;
		mode_t saved = umask(077);
		size_t other_len;
		int r;

		job.perturb = 0;
		r = cb_initramfs_build(bindir, NULL, &job, path, err, sizeof(err));
		umask(saved);
		if (r)
			fail_msg("initramfs: %s", err);
		other = cb_read_file(path, &other_len);
		assert_non_null(other);
		assert_int_equal(other_len, len[0]);
		assert_memory_equal(other, text[0], len[0]);
		free(other);
		free(path);
		free(work);
	}
	assert_true(len[2] > len[0] + 4000);
	assert_non_null(memmem(text[2], len[2], "cowbench/perturb", 16));
	assert_null(memmem(text[0], len[0], "cowbench/perturb", 16));
	for (int i = 0; i < 3; i++) {
		free(text[i]);
		free(a[i]);
	}
	free(bindir);
}

/*
 * The newc writer makes, byte for byte, what the archive was made with
 * before it was written in-process: the golden hash is of
 *   cd tree && find . -mindepth 1 -exec touch -h -d @1577836800 {} + &&
 *   find . -mindepth 1 | LC_ALL=C sort |
 *   cpio --quiet -o -H newc --reproducible -R 0:0     (GNU cpio 2.13)
 * of this tree (the modes as listed; "b.txt" sorts before "b/c": whole
 * names are sorted, not each directory's entries).  The entries go in
 * shuffled: the order they are given in does not matter.
 */
static void test_newc_golden(void **state)
{
	struct cb_newc_entry e[] = {
		{ "b/g", S_IFREG | 0644, "abc", 3 },
		{ "b/c", S_IFDIR | 0755, NULL, 0 },
		{ "a-x/run", S_IFREG | 0755, "#!x\n12345", 9 },
		{ "b.txt", S_IFREG | 0600, "", 0 },
		{ "b", S_IFDIR | 0755, NULL, 0 },
		{ "b/c/f", S_IFREG | 0644, "hello\n", 6 },
		{ "a-x", S_IFDIR | 0755, NULL, 0 },
	};
	char *out = NULL, hash[65];
	size_t len = 0;

	(void)state;
	assert_int_equal(cb_newc_archive(e, sizeof(e) / sizeof(e[0]), &out, &len), 0);
	assert_int_equal(len, 1024);
	/* "a-x": inode 0, a directory 0755, uid/gid 0, 2 links, mtime 2020-01-01 */
	assert_memory_equal(out, "070701" "00000000" "000041ED" "00000000" "00000000"
			    "00000002" "5E0BE100", 54);
	assert_non_null(memmem(out, len, "TRAILER!!!", 11));
	cb_sha256_hex(out, len, hash);
	assert_string_equal(hash, "0a4e584cc2b0843fdb8d2e9920cdb5720fd5297e3512635675ad0b9dbbfa26de");
	free(out);
}

/*
 * The guest userland's hash is of content: the same binaries hash alike
 * wherever they lie, one changed byte in the probes changes it, and a
 * directory without the programs is an error naming the file.
 */
static void test_guest_userland_hash(void **state)
{
	char *bindir = strdup(COWBENCH_BIN), *copy = cb_path(tmpdir, "userland"), *cmd;
	char a[65], b[65], c[65], err[1024];

	(void)state;
	*strrchr(bindir, '/') = '\0';
	if (cb_guest_userland_hash(bindir, a, err, sizeof(err)))
		fail_msg("userland hash: %s", err);
	assert_int_equal(strlen(a), 64);
	cmd = cb_strdup_printf("mkdir -p '%s' && cp '%s'/cowbench-guest-init '%s'/cowbench-bench "
			       "'%s'/cowbench-probes '%s'/cowbench-attack '%s'/", copy, bindir,
			       bindir, bindir, bindir, copy);
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	if (cb_guest_userland_hash(copy, b, err, sizeof(err)))
		fail_msg("userland hash of a copy: %s", err);
	assert_string_equal(a, b);
	cmd = cb_strdup_printf("printf x >>'%s'/cowbench-probes", copy);
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	if (cb_guest_userland_hash(copy, c, err, sizeof(err)))
		fail_msg("userland hash of a changed copy: %s", err);
	assert_string_not_equal(a, c);
	assert_int_equal(cb_guest_userland_hash(tmpdir, c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cowbench-guest-init: build cowbench first"));
	free(copy);
	free(bindir);
}

static bool has_args(char **argv, const char *a, const char *b)
{
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], a) && (!b || (argv[i + 1] && !strcmp(argv[i + 1], b))))
			return true;
	return false;
}

static void test_qemu_argv(void **state)
{
	struct cb_vm_config cfg = {
		.qemu = "qemu-system-x86_64", .kernel = "bz", .initrd = "rd", .append = "a b",
		.accel = "tcg", .icount = true, .smp = 2, .mem_mib = 3072, .timeout_s = 5,
		.console_path = "c", .data_path = "/d/results.stream",
	};
	char *argv[64];

	(void)state;
	cb_vm_argv(&cfg, argv, 64);
	assert_true(has_args(argv, "-accel", "tcg"));
	assert_true(has_args(argv, "-icount", "shift=0,align=off,sleep=off"));
	assert_true(has_args(argv, "-rtc", "base=2020-01-01T00:00:00,clock=vm"));
	assert_true(has_args(argv, "-append", "a b"));
	assert_true(has_args(argv, "-serial", "file:/d/results.stream"));
	assert_true(has_args(argv, "-no-reboot", NULL));
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
	/* KVM never gets -icount. */
	cfg.accel = "kvm";
	cb_vm_argv(&cfg, argv, 64);
	assert_true(has_args(argv, "-accel", "kvm"));
	assert_false(has_args(argv, "-icount", NULL));
	assert_false(has_args(argv, "-rtc", NULL));
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

/*
 * The artifact key: the same inputs give the same key; any byte of a patch
 * or a fragment gives another.  Needs Debian's linux-source-6.12 installed
 * (scripts/deps.sh does) for the source identity, but builds nothing.
 */
static void test_cache_keys(void **state)
{
	char *root = cb_path(tmpdir, "keys");
	char *cmd = cb_strdup_printf(
		"mkdir -p '%s/kernels' '%s/patches' && printf 'CONFIG_GUP_TEST=y\n' > "
		"'%s/kernels/a.config' && printf 'p1.patch\n' > '%s/patches/series' && "
		"printf 'diff one\n' > '%s/patches/p1.patch'", root, root, root, root, root);
	static const char def[] = "source = debian:linux-source-6.12\n"
				  "series = patches/series\nconfig = kernels/a.config\n";
	struct cb_kernel_artifact a1, a2, a3, a4;
	struct cb_kdef k;
	char err[512];

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cb_kdef_parse(def, "k", root, &k, err, sizeof(err)), 0);
	if (cb_kbuild_key(&k, &a1, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(cb_kbuild_key(&k, &a2, err, sizeof(err)), 0);
	assert_string_equal(a1.key, a2.key);
	assert_non_null(strstr(a1.source_id, "debian:linux-source-6.12="));

	cmd = cb_strdup_printf("printf 'diff two\n' > '%s/patches/p1.patch'", root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cb_kbuild_key(&k, &a3, err, sizeof(err)), 0);
	assert_string_not_equal(a1.key, a3.key);
	assert_string_not_equal(a1.series_hash, a3.series_hash);
	assert_string_equal(a1.config_hash, a3.config_hash);

	cmd = cb_strdup_printf("printf 'CONFIG_GUP_TEST=n\n' > '%s/kernels/a.config'", root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cb_kbuild_key(&k, &a4, err, sizeof(err)), 0);
	assert_string_not_equal(a3.key, a4.key);
	assert_string_not_equal(a3.config_hash, a4.config_hash);
	assert_string_equal(a3.series_hash, a4.series_hash);

	/* A series naming a patch that is not there is an error naming it. */
	cmd = cb_strdup_printf("printf 'p2.patch\n' >> '%s/patches/series'", root);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(cb_kbuild_key(&k, &a4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "p2.patch"));
	free(root);
}

static void put(const char *dir, const char *name, const char *text)
{
	char *path = cb_path(dir, name);

	assert_int_equal(cb_write_file_atomic(path, text, strlen(text)), 0);
	free(path);
}

static char *got(const char *dir, const char *name)
{
	char *path = cb_path(dir, name), *text = cb_read_file(path, NULL);

	free(path);
	return text;
}

static size_t nr_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/*
 * The guest reads /sys/kernel/mm/cowbench/ as a directory: every regular
 * file whose name is 1-40 of [a-z0-9_] becomes guest/policy.<name> -- a
 * knob no code names too -- and nothing else (a subdirectory, a link, a
 * name that would be a path or not fit); again after the suites as
 * .after, so the tainted count is what the suites left.  The frames carry
 * them all to the host, which records the active value per knob and the
 * tainted count in the cell's meta.json.
 */
static void test_guest_records_policy_dir(void **state)
{
	static const char *const sent[] = {
		"fork_pinned", "fork_pinned.after", "label", "label.after", "reuse",
		"reuse.after", "ro_pin", "ro_pin.after", "tainted", "tainted.after",
		"zz_later", "zz_later.after",
	};
	char *sys = cb_path(tmpdir, "sys-cowbench"), *root = cb_path(tmpdir, "gout");
	char *out = cb_path(root, "guest"), *sub = cb_path(sys, "sub"), *link, *text;
	char *names[POLICY_MAX], *stream_path = cb_path(tmpdir, "policy.stream");
	char *cell = cb_path(tmpdir, "policy-cell"), *none = cb_path(tmpdir, "policy-none");
	json_t *s, *want;
	struct cb_frames f;
	size_t n, len;
	int fd;

	(void)state;
	assert_int_equal(cb_mkdir_p(sub), 0);
	assert_int_equal(cb_mkdir_p(out), 0);
	put(sys, "reuse", "anon-exclusive [refcount] mapcount\n");
	put(sys, "ro_pin", "unshare [ignore] fail\n");
	put(sys, "fork_pinned", "[copy] wp-noreuse\n");
	put(sys, "tainted", "0\n");
	put(sys, "zz_later", "[on] off\n");
	put(sys, "label", "hello\n");
	put(sys, "Bad-Name", "[x]\n");
	put(sys, "dot.name", "[x]\n");
	put(sys, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "[x]\n");	/* 41 */
	put(sub, "inner", "[x]\n");
	link = cb_path(sys, "link");
	assert_int_equal(symlink("reuse", link), 0);
	free(link);

	assert_int_equal(record_policies(sys, out, ""), 6);
	assert_int_equal(nr_entries(out), 6);
	text = got(out, "policy.reuse");
	assert_string_equal(text, "anon-exclusive [refcount] mapcount\n");
	free(text);
	text = got(out, "policy.zz_later");
	assert_string_equal(text, "[on] off\n");
	free(text);
	/* the suites moved the counter: the .after copy has it */
	put(sys, "tainted", "3\n");
	assert_int_equal(record_policies(sys, out, ".after"), 6);
	assert_int_equal(nr_entries(out), 12);
	text = got(out, "policy.tainted");
	assert_string_equal(text, "0\n");
	free(text);
	text = got(out, "policy.tainted.after");
	assert_string_equal(text, "3\n");
	free(text);
	/* what goes to the host: sorted, whatever the directory's order */
	n = policy_names(out, "policy.", names, true);
	assert_int_equal(n, sizeof(sent) / sizeof(sent[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(names[i], sent[i]);
		free(names[i]);
	}
	/* an unpatched kernel: no directory, nothing recorded */
	assert_int_equal(record_policies("/nonexistent/cowbench", cell, ""), 0);
	assert_int_equal(access(cell, F_OK), -1);

	/* through the frames to the host, as send_results() sends its tree */
	fd = open(stream_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	send_tree(fd, root, "");
	cb_write_all(fd, "COWBENCH-DONE\n", 14);
	close(fd);
	text = cb_read_file(stream_path, &len);
	assert_non_null(text);
	if (cb_frames_extract(text, len, cell, &f))
		fail_msg("frames: %s", f.error);
	free(text);
	assert_true(f.done);
	assert_int_equal(f.nr_files, 12);
	s = json_object();
	cb_policy_record(cell, s);
	want = json_pack("{s:s, s:s, s:s, s:s}", "fork_pinned", "copy", "reuse", "refcount",
			 "ro_pin", "ignore", "zz_later", "on");
	if (!json_equal(json_object_get(s, "policies"), want))
		fail_msg("policies: %s", json_dumps(s, JSON_COMPACT));
	json_decref(want);
	assert_int_equal(json_integer_value(json_object_get(s, "tainted")), 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "policy_files"),
							      "label")), "hello");
	json_decref(s);

	/*
	 * Untrusted on the host too: a value that is no plain word is "?", a
	 * tainted that is no count is null, a name outside the rule is not
	 * read; no guest files at all is "policies": {} and no tainted.
	 */
	char *guest = cb_path(none, "guest");

	assert_int_equal(cb_mkdir_p(guest), 0);
	put(guest, "policy.reuse", "[re fcount] x\n");
	put(guest, "policy.tainted", "12x\n");
	put(guest, "policy.Bad", "[x]\n");
	s = json_object();
	cb_policy_record(none, s);
	want = json_pack("{s:s}", "reuse", "?");
	if (!json_equal(json_object_get(s, "policies"), want))
		fail_msg("policies: %s", json_dumps(s, JSON_COMPACT));
	json_decref(want);
	assert_true(json_is_null(json_object_get(s, "tainted")));
	json_decref(s);
	free(guest);
	s = json_object();
	cb_policy_record(sys, s);	/* a directory without guest/ */
	assert_int_equal(json_object_size(json_object_get(s, "policies")), 0);
	assert_null(json_object_get(s, "tainted"));
	json_decref(s);
	free(none);
	free(cell);
	free(stream_path);
	free(sub);
	free(out);
	free(root);
	free(sys);
}

/* --rounds: every boot's count, a round run again counted once, null poisons. */
static void test_rounds_tainted(void **state)
{
	json_t *s = json_object();
	json_t *list = json_pack("[{s:i, s:i}, {s:i, s:i}, {s:i, s:i}]", "round", 1, "tainted", 2,
				 "round", 2, "tainted", 40, "round", 2, "tainted", 5);

	(void)state;
	cb_rounds_tainted(s, list);
	assert_int_equal(json_integer_value(json_object_get(s, "tainted")), 7);
	json_array_append_new(list, json_pack("{s:i, s:n}", "round", 3, "tainted"));
	cb_rounds_tainted(s, list);
	assert_true(json_is_null(json_object_get(s, "tainted")));
	json_decref(list);
	/* kernels without the counter: nothing recorded */
	json_object_del(s, "tainted");
	list = json_pack("[{s:i}, {s:i}]", "round", 1, "round", 2);
	cb_rounds_tainted(s, list);
	assert_null(json_object_get(s, "tainted"));
	json_decref(list);
	json_decref(s);
}

static void test_policy_check(void **state)
{
	char *cell = cb_path(tmpdir, "cell");
	char *guest = cb_path(cell, "guest");
	char *file = cb_path(guest, "policy.reuse");
	const char *active = "anon-exclusive [refcount] mapcount\n";
	char why[256] = "";

	(void)state;
	cb_mkdir_p(guest);
	assert_int_equal(cb_write_file_atomic(file, active, strlen(active)), 0);
	assert_int_equal(cb_policy_check("console=ttyS0 cowbench.reuse=refcount", cell, why,
					 sizeof(why)), 0);
	/* No policy asked for, or only the init's own switches: nothing to check. */
	assert_int_equal(cb_policy_check("console=ttyS0 cowbench.test=hang", cell, why,
					 sizeof(why)), 0);
	assert_int_equal(cb_policy_check("cowbench.reuse=mapcount", cell, why, sizeof(why)), -1);
	assert_string_equal(why, "policy reuse=mapcount requested, refcount active");
	assert_int_equal(cb_policy_check("cowbench.ro_pin=fail", cell, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "has no /sys/kernel/mm/cowbench/ro_pin"));
	/* the part-2 knobs, and the tainted counter beside them */
	put(guest, "policy.ro_pin", "unshare ignore [fail]\n");
	put(guest, "policy.fork_pinned", "copy [wp-noreuse]\n");
	put(guest, "policy.tainted", "5\n");
	assert_int_equal(cb_policy_check("console=ttyS0 cowbench.reuse=refcount cowbench.ro_pin=fail "
					 "cowbench.fork_pinned=wp-noreuse", cell, why,
					 sizeof(why)), 0);
	/* knobs the command line leaves at their default, and tainted, ask nothing */
	assert_int_equal(cb_policy_check("console=ttyS0", cell, why, sizeof(why)), 0);
	assert_int_equal(cb_policy_check("cowbench.ro_pin=fail cowbench.fork_pinned=copy", cell,
					 why, sizeof(why)), -1);
	assert_string_equal(why, "policy fork_pinned=copy requested, wp-noreuse active");
	assert_int_equal(cb_policy_check("cowbench.ro_pin=unshare", cell, why, sizeof(why)), -1);
	assert_string_equal(why, "policy ro_pin=unshare requested, fail active");
	/* a counter is no knob to ask for */
	assert_int_equal(cb_policy_check("cowbench.tainted=0", cell, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cowbench/tainted is not a knob"));
	/* a name that would be a path is refused before any file is read */
	assert_int_equal(cb_policy_check("cowbench.../policy.reuse=x", cell, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "not a knob name"));
	free(file);
	free(guest);
	free(cell);
}

/*
 * One header for what guest and kernel speak: bench/cowbench_gmem.h is
 * the file patch 0015 creates as include/uapi/linux/cowbench_gmem.h, line
 * for line, so a change to one that misses the other fails here.
 */
static void test_gmem_uapi_is_the_kernels(void **state)
{
	char *series = cb_path(COWBENCH_SOURCE_TREE, "patches/6.12/"
			       "0015-mm-a-guest_memfd-like-file-with-host-mmap-and-in-pla.patch");
	char *header = cb_path(COWBENCH_SOURCE_TREE, "bench/cowbench_gmem.h");
	char *patch = cb_read_file(series, NULL), *ours = cb_read_file(header, NULL);
	const char *hunk, *l;
	size_t at = 0;

	(void)state;
	assert_non_null(patch);
	assert_non_null(ours);
	hunk = strstr(patch, "+++ b/include/uapi/linux/cowbench_gmem.h\n");
	assert_non_null(hunk);
	hunk = strstr(hunk, "\n@@ ");
	assert_non_null(hunk);
	l = strchr(hunk + 1, '\n') + 1;
	/* the new file's lines, each "+..." up to the next file's diff */
	for (; *l == '+'; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l + 1, "\n");

		if (strncmp(ours + at, l + 1, len) || ours[at + len] != '\n')
			fail_msg("bench/cowbench_gmem.h differs from patch 0015's at byte %zu", at);
		at += len + 1;
	}
	assert_int_equal(at, strlen(ours));
	free(patch);
	free(ours);
	free(series);
	free(header);
}

/* What `cowbench build` counts its progress in: kbuild's quiet compile lines. */
static void test_kbuild_objects_done(void **state)
{
	static const char log[] =
		"make[1]: Entering directory '/obj'\n"
		"  GEN     Makefile\n"
		"  CC      mm/memory.o\n"
		"  CC      mm/cowbench_gmem.o\n"
		"  AS      arch/x86/entry/entry_64.o\n"
		"  AR      mm/built-in.a\n"
		"mm/memory.c:1: warning: CC is not a line of kbuild's\n"
		"  CC      kernel/fork.o";	/* the last line, cut short of its newline */

	(void)state;
	assert_int_equal(cb_kbuild_objects_done(log, strlen(log)), 4);
	assert_int_equal(cb_kbuild_objects_done(log, 0), 0);
	/* a line cut by the read: "  CC" alone is no object yet */
	assert_int_equal(cb_kbuild_objects_done("  CC", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_panic),
		cmocka_unit_test(test_console_oops_is_recorded_but_run_finishes),
		cmocka_unit_test(test_console_hang_and_no_userspace),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_kdef_parse),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_kconfig_check),
		cmocka_unit_test(test_ldd_and_job),
		cmocka_unit_test(test_job_refuses_control_characters),
		cmocka_unit_test(test_guest_reads_job_strictly),
		cmocka_unit_test(test_initramfs_reproducible),
		cmocka_unit_test(test_newc_golden),
		cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_cache_keys),
		cmocka_unit_test(test_policy_check),
		cmocka_unit_test(test_guest_records_policy_dir),
		cmocka_unit_test(test_rounds_tainted),
		cmocka_unit_test(test_guest_userland_hash),
		cmocka_unit_test(test_gmem_uapi_is_the_kernels),
		cmocka_unit_test(test_kbuild_objects_done),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
