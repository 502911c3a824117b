// SPDX-License-Identifier: GPL-2.0
/*
 * `cowbench build` given careless input, or racing another build: arguments
 * are refused before any work (nothing appears in the cache), and a second
 * build touches no shared tree, object directory or log before it holds
 * their locks.  The kernel definition is a throwaway one under a temporary
 * COWBENCH_DEFS_DIR whose source is a one-file git tree: after the locks it
 * fails within a second (no kernel Makefile), which is all these need --
 * the point is what happens, or does not, before that.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kbuild.h"
#include "kdef.h"
#include "testutil.h"
#include "util.h"

static const char running_log[] = "the log of the build that holds the lock\n";

/* A fresh cache for each test: COWBENCH_CACHE=<tmpdir>/<name>. */
static char *use_cache(const char *name)
{
	char *cache = cb_path(tmpdir, name);

	setenv("COWBENCH_CACHE", cache, 1);
	return cache;
}

/* kernels/t.kernel: a git source of one file, an empty series, one fragment. */
static int defs_setup(void **state)
{
	char *cmd, *defs;

	if (tmpdir_setup(state))
		return -1;
	cmd = cb_strdup_printf(
		"cd '%s' && mkdir -p src defs/kernels && echo x > src/README && "
		"git -C src init -q && git -C src add README && "
		"git -C src -c user.name=t -c user.email=t@localhost commit -qm one && "
		": > defs/series && echo CONFIG_SWAP=y > defs/t.config && "
		"printf 'source = git:%s/src@HEAD\\nseries = series\\nconfig = t.config\\n' "
		"> defs/kernels/t.kernel", tmpdir, tmpdir);
	if (system(cmd))
		return -1;
	free(cmd);
	defs = cb_path(tmpdir, "defs");
	setenv("COWBENCH_DEFS_DIR", defs, 1);
	free(defs);
	return 0;
}

static void load_t(struct cb_kdef *k)
{
	char err[1024];

	if (cb_kdef_load(cb_defs_root(), "t", k, err, sizeof(err)))
		fail_msg("%s", err);
}

/* `cowbench build ARGS 2>&1`: its exit code, its output in *@out. */
static int build(const char *args, char **out)
{
	char *cmd = cb_strdup_printf("'%s' build %s 2>&1", COWBENCH_BIN, args);
	FILE *p = popen(cmd, "r");
	size_t len = 0;
	FILE *mem = open_memstream(out, &len);
	char buf[4096];
	size_t n;
	int status;

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	status = pclose(p);
	free(cmd);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool file_is(const char *path, const char *want)
{
	char *have = cb_read_file(path, NULL);
	bool same = have && !strcmp(have, want);

	free(have);
	return same;
}

/* Whether the kernel lists @pid as blocked on an flock (/proc/locks "->"). */
static bool blocked_on_flock(pid_t pid)
{
	char *locks = cb_read_file("/proc/locks", NULL);
	char *mark = cb_strdup_printf(" %d ", (int)pid);
	bool blocked = false;

	for (char *save, *l = locks ? strtok_r(locks, "\n", &save) : NULL; l && !blocked;
	     l = strtok_r(NULL, "\n", &save))
		blocked = strstr(l, "-> FLOCK") && strstr(l, mark);
	free(mark);
	free(locks);
	return blocked;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Take @lock as a running build holds it; close the fd to release it. */
static int hold_lock(const char *lock)
{
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	return fd;
}

/* `cowbench build t` in the background, its output into @out_path. */
static pid_t start_build_t(const char *out_path)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(o, 2);
		execl(COWBENCH_BIN, "cowbench", "build", "t", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * Hold @lock as a running build would, start a second build of t, and
 * check that while it waits the running build's log is intact and no
 * object directory or tree of its own has appeared; then let it go.
 */
static void second_build_waits(const char *cache, const char *lock, const char *says)
{
	char *objs = cb_path(cache, "objs"), *trees = cb_path(cache, "trees");
	char *log = cb_path(objs, "t.log"), *obj = cb_path(objs, "t");
	char *out_path = cb_strdup_printf("%s.out", cache), *out;
	struct cb_kdef k;
	char err[1024], id[256], *tree_lock, *tree;
	bool waiting = false, exited = false;
	int fd, status = 0;
	pid_t pid;

	load_t(&k);
	assert_int_equal(cb_kbuild_source_id(&k, id, sizeof(id), err, sizeof(err)), 0);
	tree_lock = cb_kbuild_tree_lock(id);
	tree = strndup(tree_lock, strlen(tree_lock) - strlen(".lock"));
	free(tree_lock);
	assert_int_equal(cb_mkdir_p(objs), 0);
	assert_int_equal(cb_mkdir_p(trees), 0);
	assert_int_equal(cb_write_file_atomic(log, running_log, strlen(running_log)), 0);
	fd = hold_lock(lock);
	pid = start_build_t(out_path);
	/*
	 * Waiting: it says so, or at least the kernel lists it as blocked on
	 * the lock (a build that does not flush its message still counts).
	 */
	for (int i = 0; i < 600 && !waiting; i++) {
		char *text = cb_read_file(out_path, NULL);

		waiting = (text && strstr(text, says)) || blocked_on_flock(pid);
		free(text);
		if (!waiting && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (!waiting && !exited)
			sleep_ms(100);
		if (exited)
			break;
	}
	bool log_kept = file_is(log, running_log);
	bool obj_made = !access(obj, F_OK), tree_made = !access(tree, F_OK);

	close(fd);	/* the running build ends */
	for (int i = 0; i < 600 && !exited; i++) {
		exited = waitpid(pid, &status, WNOHANG) == pid;
		if (!exited)
			sleep_ms(100);
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the second build did not end within a minute of the lock's release");
	}
	out = cb_read_file(out_path, NULL);
	if (!waiting)
		fail_msg("the second build did not wait for %s: %s", lock, out ? out : "");
	if (!log_kept)
		fail_msg("the second build changed %s before it held %s", log, lock);
	assert_false(obj_made);
	assert_false(tree_made);
	/* Then it ran: said why it had waited, started its own log, failed fast. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CB_EXIT_FAIL);
	assert_non_null(out);
	assert_non_null(strstr(out, says));
	assert_non_null(strstr(out, "configuring failed"));
	assert_false(file_is(log, running_log));
	free(out);
	free(tree);
	free(out_path);
	free(obj);
	free(log);
	free(trees);
	free(objs);
}

/* The tree of a source is shared by every kernel built from it. */
static void test_second_build_waits_for_the_tree(void **state)
{
	char *cache = use_cache("cache-tree"), *lock, err[1024], id[256];
	struct cb_kdef k;

	(void)state;
	load_t(&k);
	assert_int_equal(cb_kbuild_source_id(&k, id, sizeof(id), err, sizeof(err)), 0);
	lock = cb_kbuild_tree_lock(id);
	second_build_waits(cache, lock, "waiting for another build of this source");
	free(lock);
	free(cache);
}

/*
 * objs/<kernel> and its log are shared by definitions of one name with
 * different sources (another COWBENCH_DEFS_DIR): the kernel's own lock.
 */
static void test_second_build_waits_for_the_kernel(void **state)
{
	char *cache = use_cache("cache-kernel"), *lock = cb_kbuild_obj_lock("t");

	(void)state;
	second_build_waits(cache, lock, "waiting for another build of this kernel");
	free(lock);
	free(cache);
}

/*
 * A build that waited for the tree builds what the patch series says once
 * it holds the lock, under that series' key: here the series is emptied
 * while the build waits, and the artifact of the empty series is already
 * in the cache, so the build must find it instead of building (and failing
 * at configure, as t does) under the key of the series it first read.
 */
static void test_key_is_taken_under_the_lock(void **state)
{
	char *cache = use_cache("cache-rekey"), *series = cb_path(tmpdir, "defs/series");
	char *patch = cb_path(tmpdir, "defs/x.patch"), *out_path, *out, *lock, *cow, *dir;
	struct cb_kernel_artifact a;
	struct cb_kdef k;
	char err[1024], id[256];
	bool waiting = false;
	int fd, status;
	pid_t pid;

	(void)state;
	load_t(&k);
	assert_int_equal(cb_kbuild_key(&k, &a, err, sizeof(err)), 0);	/* empty series */
	cow = cb_strdup_printf("%s/selftests/cow", a.dir);
	dir = cb_strdup_printf("%s/selftests", a.dir);
	assert_int_equal(cb_mkdir_p(dir), 0);
	assert_int_equal(cb_write_file_atomic(a.bzimage, "k", 1), 0);
	assert_int_equal(cb_write_file_atomic(cow, "#!/bin/sh\n", 10), 0);
	assert_int_equal(chmod(cow, 0755), 0);
	assert_int_equal(cb_write_file_atomic(patch, "not a patch\n", 12), 0);
	assert_int_equal(cb_write_file_atomic(series, "x.patch\n", 8), 0);

	assert_int_equal(cb_kbuild_source_id(&k, id, sizeof(id), err, sizeof(err)), 0);
	lock = cb_kbuild_tree_lock(id);
	dir = cb_path(cache, "trees");
	assert_int_equal(cb_mkdir_p(dir), 0);
	fd = hold_lock(lock);
	out_path = cb_strdup_printf("%s.out", cache);
	pid = start_build_t(out_path);
	for (int i = 0; i < 600 && !waiting; i++) {
		waiting = blocked_on_flock(pid);
		if (!waiting)
			sleep_ms(100);
	}
	assert_int_equal(cb_write_file_atomic(series, "", 0), 0);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	out = cb_read_file(out_path, NULL);
	if (!waiting)
		fail_msg("the build did not wait for %s: %s", lock, out ? out : "");
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("the build did not find the artifact of the series it applies: %s",
			 out ? out : "");
	free(out);
	free(out_path);
	free(lock);
	free(dir);
	free(cow);
	free(patch);
	free(series);
	free(cache);
}

/* A lock that cannot be had is an error naming it, not a build without it. */
static void test_unopenable_lock_is_an_error(void **state)
{
	char *cache = use_cache("cache-nolock"), *lock, *objs, *log, *out, err[1024], id[256];
	struct cb_kdef k;

	(void)state;
	load_t(&k);
	assert_int_equal(cb_kbuild_source_id(&k, id, sizeof(id), err, sizeof(err)), 0);
	lock = cb_kbuild_tree_lock(id);
	objs = cb_path(cache, "objs");
	log = cb_path(objs, "t.log");
	assert_int_equal(cb_mkdir_p(lock), 0);	/* a directory: open(O_RDWR) fails */
	assert_int_equal(cb_mkdir_p(objs), 0);
	assert_int_equal(cb_write_file_atomic(log, running_log, strlen(running_log)), 0);
	assert_int_equal(build("t", &out), CB_EXIT_FAIL);
	if (!strstr(out, "cannot open the lock file") || !strstr(out, lock))
		fail_msg("no error naming %s: %s", lock, out);
	assert_true(file_is(log, running_log));
	free(out);
	free(log);
	free(objs);
	free(lock);
	free(cache);
}

/* Bad arguments: exit 2 with the limit in the message, and no work at all. */
static void test_bad_arguments_are_refused_first(void **state)
{
	static const struct {
		const char *args, *expect;
	} bad[] = {
		{ "-j 5x t", "-j wants a count of make jobs, 1 to 1024, got '5x'" },
		{ "-j", "-j wants a count of make jobs, 1 to 1024" },
		{ "t -j", "-j wants a count of make jobs, 1 to 1024" },
		{ "-j 0 t", "got '0'" },
		{ "-j -3 t", "got '-3'" },
		{ "-j 1025 t", "got '1025'" },
		{ "-j '' t", "got ''" },
		{ "--frobnicate t", "unknown option '--frobnicate'" },
		/* Every definition is loaded before the first build starts. */
		{ "t nosuch", "unknown kernel 'nosuch'" },
		{ "t ..", "bad kernel name '..'" },
	};
	char *cache = use_cache("cache-args"), *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int code = build(bad[i].args, &out);

		if (code != CB_EXIT_USAGE || !strstr(out, bad[i].expect))
			fail_msg("build %s: exit %d, '%s' lacks '%s'", bad[i].args, code, out,
				 bad[i].expect);
		if (!access(cache, F_OK))
			fail_msg("build %s worked in %s before refusing", bad[i].args, cache);
		free(out);
	}
	free(cache);
}

/*
 * No hidden cap on the kernels named: seventeen names are seventeen
 * builds (here found in the cache), and a bad seventeenth is refused.
 */
static void test_no_cap_on_kernels(void **state)
{
	char *cache = use_cache("cache-many"), *out, *cmd, err[1024];
	char args[512] = "";
	struct cb_kernel_artifact a;
	struct cb_kdef k;
	int lines = 0;

	(void)state;
	load_t(&k);
	assert_int_equal(cb_kbuild_key(&k, &a, err, sizeof(err)), 0);
	cmd = cb_strdup_printf("mkdir -p '%s/selftests' && : > '%s' && cp /bin/true '%s/selftests/cow'",
			       a.dir, a.bzimage, a.dir);
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	for (int i = 0; i < 17; i++)
		strcat(args, "t ");
	assert_int_equal(build(args, &out), CB_EXIT_OK);
	for (const char *p = out; (p = strstr(p, "(cached)")); p++)
		lines++;
	assert_int_equal(lines, 17);
	free(out);
	strcpy(args + 16 * 2, "nosuch");
	assert_int_equal(build(args, &out), CB_EXIT_USAGE);
	assert_non_null(strstr(out, "unknown kernel 'nosuch'"));
	assert_null(strstr(out, "(cached)"));
	free(out);
	free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_build_waits_for_the_tree),
		cmocka_unit_test(test_second_build_waits_for_the_kernel),
		cmocka_unit_test(test_key_is_taken_under_the_lock),
		cmocka_unit_test(test_unopenable_lock_is_an_error),
		cmocka_unit_test(test_bad_arguments_are_refused_first),
		cmocka_unit_test(test_no_cap_on_kernels),
	};

	return cmocka_run_group_tests(tests, defs_setup, tmpdir_teardown);
}
