// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts, resume, a full disk and careless arguments of `cowbench run`,
 * with the real binaries in host mode (issue 12).
 *
 * A signal "mid-run" is made exact, not a race: the test waits for the
 * first benchmark's line, stops the runner (SIGSTOP), sends the signal,
 * waits until the runner has it pending -- proof that it was passed on
 * -- and only then lets the runner go on.  The quick '^fault/' suite has
 * ten benchmarks of a few milliseconds each, so at least eight are left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <poll.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cowbench.h"
#include "frames.h"
#include "testutil.h"
#include "util.h"
#include "vm.h"

extern char **environ;

#define FILTER "^fault/"
#define REPS 5
#define REPS_ARG "5"
/* Bounds of the waits (a run takes about a second): one that outlives them did not stop. */
#define WAIT_S 30.0

/* A running cowbench: its pid (and process group), its stdout so far. */
struct run {
	pid_t pid;
	int out;	/* read end of its stdout */
	char *text;
	size_t len;
};

/*
 * posix_spawn cowbench ARGV... in a process group of its own, SIGINT and
 * SIGTERM at their defaults whatever ctest left us; stdout to a pipe,
 * stderr to @log.  @env: one more "NAME=value", or NULL.
 */
static void start(struct run *r, char *const args[], const char *log, const char *env)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def, none;
	char *argv[32], *envp[256];
	int fds[2], n = 0, e = 0;

	argv[n++] = COWBENCH_BIN;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	for (char **v = environ; *v && e < 254; v++)
		envp[e++] = *v;
	if (env)
		envp[e++] = (char *)env;
	envp[e] = NULL;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	assert_int_equal(posix_spawn(&r->pid, COWBENCH_BIN, &fa, &attr, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	r->out = fds[0];
	r->text = NULL;
	r->len = 0;
}

/* Read its stdout until @needle shows (true) or it ends or time runs out (false). */
static bool read_until(struct run *r, const char *needle, double timeout_s)
{
	double until = cb_now_s() + timeout_s;

	while (!(r->text && strstr(r->text, needle ?: "\1"))) {
		struct pollfd p = { .fd = r->out, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (cb_now_s() >= until || poll(&p, 1, 100) < 0)
			return false;
		if (!p.revents)
			continue;
		n = read(r->out, buf, sizeof(buf));
		if (n <= 0)
			return false;
		r->text = realloc(r->text, r->len + (size_t)n + 1);
		memcpy(r->text + r->len, buf, (size_t)n);
		r->len += (size_t)n;
		r->text[r->len] = '\0';
	}
	return true;
}

/* Its exit code; a run that does not end in time is killed and fails the test. */
static int finish(struct run *r, const char *log)
{
	double until;
	int status;

	read_until(r, NULL, WAIT_S);	/* to the end of its output */
	until = cb_now_s() + 5;
	while (waitpid(r->pid, &status, WNOHANG) == 0) {
		if (cb_now_s() > until) {
			kill(-r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
			fail_msg("cowbench did not stop within %.0f s of the signal (log %s); "
				 "stdout:\n%s", WAIT_S, log, r->text ?: "");
		}
		usleep(10000);
	}
	close(r->out);
	if (!WIFEXITED(status))
		fail_msg("cowbench died: wait status 0x%x", status);
	return WEXITSTATUS(status);
}

/* A run's one child (the runner), from /proc; 0 if none. */
static pid_t child_of(pid_t parent)
{
	char path[64];
	char *text;
	long pid = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", parent, parent);
	for (int tries = 0; tries < 500 && !pid; tries++) {
		text = cb_read_file(path, NULL);
		if (text)
			pid = strtol(text, NULL, 10);
		free(text);
		if (!pid)
			usleep(10000);
	}
	return (pid_t)pid;
}

/* The value of "<key>\t..." in /proc/<pid>/status. */
static unsigned long long proc_status(pid_t pid, const char *key, int base)
{
	char path[64], *text, *at;
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = cb_read_file(path, NULL);
	at = text ? strstr(text, key) : NULL;
	if (at)
		v = strtoull(at + strlen(key), NULL, base);
	free(text);
	return v;
}

static bool stopped(pid_t pid)
{
	char path[64], *text, *state;
	bool ret;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = cb_read_file(path, NULL);
	state = text ? strstr(text, "State:\t") : NULL;
	ret = state && state[7] == 'T';
	free(text);
	return ret;
}

static bool pending(pid_t pid, int sig)
{
	unsigned long long bit = 1ULL << (sig - 1);

	return (proc_status(pid, "SigPnd:\t", 16) | proc_status(pid, "ShdPnd:\t", 16)) & bit;
}

/* Poll @cond(pid[, sig]) for a while. */
static bool eventually(bool (*cond)(pid_t, int), pid_t pid, int sig)
{
	for (int tries = 0; tries < 1000; tries++) {
		if (cond(pid, sig))
			return true;
		usleep(10000);
	}
	return false;
}

static bool is_stopped(pid_t pid, int sig)
{
	(void)sig;
	return stopped(pid);
}

/*
 * `cowbench run --host --quick --filter ^fault/ --repetitions 5 --out
 * @parent`, @sig sent once its first benchmark finished -- to its process
 * group (the terminal's Ctrl-C) when @group, else to cowbench alone --
 * while the runner is held still.  Fails unless the runner got the signal.
 * Returns cowbench's exit code.
 */
static int interrupt_mid_run(const char *parent, int sig, bool group)
{
	char *args[] = { "run", "--host", "--quick", "--filter", FILTER, "--repetitions",
			 REPS_ARG, "--out", (char *)parent, NULL };
	char *log = cb_strdup_printf("%s.stderr", parent);
	struct run r;
	pid_t runner;
	int ret;

	start(&r, args, log, NULL);
	if (!read_until(&r, "fault/anon/2MiB/thp:off/iterations", WAIT_S))
		fail_msg("no first benchmark in cowbench's output:\n%s", r.text ?: "");
	runner = child_of(r.pid);
	assert_true(runner > 0);
	assert_int_equal(kill(runner, SIGSTOP), 0);
	assert_true(eventually(is_stopped, runner, 0));
	assert_int_equal(kill(group ? -r.pid : r.pid, sig), 0);
	if (!eventually(pending, runner, sig)) {
		kill(runner, SIGCONT);
		kill(-r.pid, SIGKILL);
		fail_msg("%s to cowbench%s never reached the runner", strsignal(sig),
			 group ? "'s process group" : "");
	}
	kill(runner, SIGCONT);
	ret = finish(&r, log);
	if (ret != CB_EXIT_INTERRUPTED) {
		char *err = cb_read_file(log, NULL);

		/* not print_message(): cmocka cuts its messages at 1 KiB */
		fprintf(stderr, "---- stdout\n%s\n---- stderr\n%s\n", r.text ?: "", err ?: "");
		fail_msg("cowbench exited %d, not %d (interrupted)", ret, CB_EXIT_INTERRUPTED);
	}
	free(r.text);
	free(log);
	return ret;
}

/* A benchmark's rows in a runner's JSON: repetitions measured or skipped, interrupted. */
struct count {
	json_t *rows;
	regex_t re;
	int complete, partial, interrupted;	/* benchmarks */
};

static void count_one(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct count *k = arg;
	char name[160], base[160];
	int reps = 0, stopped_rows = 0;
	size_t i;
	json_t *row;

	cb_benchmark_name(c, p, name, sizeof(name));
	if (regexec(&k->re, name, 0, NULL, 0))
		return;
	json_array_foreach(k->rows, i, row) {
		const char *msg = json_string_value(json_object_get(row, "error_message")) ?: "";

		snprintf(base, sizeof(base), "%s",
			 json_string_value(json_object_get(row, "run_name")) ?: "");
		cb_result_base_name(base);
		if (strcmp(base, name) ||
		    strcmp(json_string_value(json_object_get(row, "run_type")) ?: "", "iteration"))
			continue;
		if (!strncmp(msg, "interrupted: ", 13))
			stopped_rows++;
		else if (!json_is_true(json_object_get(row, "error_occurred")) ||
			 !strncmp(msg, "skipped: ", 9))
			reps++;
		else
			fail_msg("%s: failed: %s", name, msg);
	}
	if (reps == REPS && !stopped_rows)
		k->complete++;
	else if (stopped_rows)
		k->interrupted++;
	else
		k->partial++;
}

/* Per benchmark of the job, how the dataset's host/micro.json holds it. */
static struct count count_rows(const char *dir)
{
	json_t *doc = load_json(dir, "host/micro.json");
	struct count k = { .rows = json_object_get(doc, "benchmarks") };

	assert_int_equal(regcomp(&k.re, FILTER, REG_EXTENDED | REG_NOSUB), 0);
	cb_for_each_benchmark(1, count_one, &k);
	regfree(&k.re);
	json_decref(doc);
	return k;
}

static const char *suite_str(json_t *meta, const char *key)
{
	json_t *suite = json_array_get(json_object_get(meta, "cells"), 0);

	return json_string_value(json_object_get(suite, key)) ?: "";
}

/* The dataset says interrupted by @sig and its JSON holds what finished, whole. */
static void assert_interrupted(const char *dir, int sig)
{
	json_t *meta = load_json(dir, "meta.json");
	struct count k = count_rows(dir);

	assert_string_equal(suite_str(meta, "status"), "interrupted");
	assert_string_equal(suite_str(meta, "interrupted_by"), cb_signal_name(sig));
	/*
	 * The first one finished before the signal, and the one running then
	 * ran all its repetitions; the eight or more after it could not have.
	 */
	if (k.complete < 1 || k.interrupted < 1 || k.partial || k.complete + k.interrupted != 10)
		fail_msg("%s: %d complete, %d interrupted, %d partial of 10", dir, k.complete,
			 k.interrupted, k.partial);
	print_message("%s after the first benchmark: %d of 10 complete, %d interrupted\n",
		      cb_signal_name(sig), k.complete, k.interrupted);
	json_decref(meta);
}

/*
 * `cowbench ARGS...` to the end, its stderr in @log: its exit code, and in
 * *@output (when given, malloc'd) what it said on stdout and stderr.
 */
static int run_args(char *const args[], const char *log, char **output)
{
	struct run r;
	int ret;

	start(&r, args, log, NULL);
	ret = finish(&r, log);
	if (output) {
		char *err = cb_read_file(log, NULL);

		*output = cb_strdup_printf("%s%s", r.text ?: "", err ?: "");
		free(err);
	}
	free(r.text);
	return ret;
}

static char *resume(const char *dir, const char *log, int expect)
{
	char *args[] = { "run", "--host", "--resume", (char *)dir, NULL };
	char *text;
	int ret = run_args(args, log, &text);

	if (ret != expect)
		fail_msg("--resume %s exited %d, not %d:\n%s", dir, ret, expect, text ?: "");
	return text;
}

static void test_ctrl_c_to_the_group_keeps_what_finished_and_resumes(void **state)
{
	char *parent = cb_path(tmpdir, "group"), *dir, *log = cb_path(tmpdir, "group.resume");
	json_t *meta, *kept;
	struct count k;

	(void)state;
	assert_int_equal(interrupt_mid_run(parent, SIGINT, true), CB_EXIT_INTERRUPTED);
	dir = only_dataset(parent);
	assert_interrupted(dir, SIGINT);

	free(resume(dir, log, 0));
	k = count_rows(dir);
	assert_int_equal(k.complete, 10);
	meta = load_json(dir, "meta.json");
	assert_string_equal(suite_str(meta, "status"), "ok");
	json_decref(meta);
	/* the interrupted file is kept beside, whole */
	kept = load_json(dir, "host/micro.interrupted-1.json");
	json_decref(kept);
	/* a second resume finds nothing to do */
	char *text = resume(dir, log, 0);

	assert_non_null(strstr(text, "nothing to resume"));
	free(text);
	free(log);
	free(dir);
	free(parent);
}

static void test_signal_to_cowbench_alone_reaches_the_runner(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM };

	(void)state;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char *parent = cb_strdup_printf("%s/alone-%s", tmpdir, cb_signal_name(sigs[i]));
		char *dir;

		assert_int_equal(interrupt_mid_run(parent, sigs[i], false), CB_EXIT_INTERRUPTED);
		dir = only_dataset(parent);
		assert_interrupted(dir, sigs[i]);
		free(dir);
		free(parent);
	}
}

/*
 * A signal after the runner wrote every result: the run is complete, not
 * interrupted.  The stand-in runner writes a whole JSON (a real runner's,
 * of the same job) and waits for the signal, so "after" holds every time.
 */
static void test_signal_after_the_last_benchmark_is_not_an_interrupt(void **state)
{
	char *src_parent = cb_path(tmpdir, "real"), *parent = cb_path(tmpdir, "late");
	char *log = cb_path(tmpdir, "late.stderr"), *src, *env;
	char *real[] = { "run", "--host", "--quick", "--filter", FILTER, "--repetitions",
			 REPS_ARG, "--out", src_parent, NULL };
	char *args[] = { "run", "--host", "--quick", "--filter", FILTER, "--repetitions",
			 REPS_ARG, "--bench", CRASHING_RUNNER, "--out", parent, NULL };
	struct run r;
	json_t *meta;

	(void)state;
	assert_int_equal(run_args(real, log, NULL), 0);
	src = only_dataset(src_parent);
	env = cb_strdup_printf("COWBENCH_STANDIN_RESULTS=%s/host/micro.json", src);
	free(src);

	start(&r, args, log, env);
	if (!read_until(&r, "stand-in: every benchmark written", WAIT_S))
		fail_msg("the stand-in runner did not start:\n%s", r.text ?: "");
	assert_int_equal(kill(r.pid, SIGINT), 0);
	assert_int_equal(finish(&r, log), 0);
	free(r.text);
	src = only_dataset(parent);
	meta = load_json(src, "meta.json");
	assert_string_equal(suite_str(meta, "status"), "ok");
	assert_string_equal(suite_str(meta, "exit"), "exit 0");
	json_decref(meta);
	free(src);
	free(src_parent);
	free(log);
	free(parent);
	free(env);
}

static void test_bad_arguments_are_refused_before_any_work(void **state)
{
	char suites[400] = "";
	static const struct {
		const char *opt, *value, *expect;
	} cases[] = {
		{ "--suites", "", "--suites '': an empty suite" },
		{ "--suites", ",", "an empty suite" },
		{ "--suites", "micro,,probes", "an empty suite" },
		{ "--suites", NULL, "unknown suite 'bogus'" },	/* past 256 bytes */
		{ "--kernel", "", "--kernel '': an empty kernel" },
		{ "--kernel", "default,", "an empty kernel" },
		{ "--repetitions", "5x", "--repetitions wants an integer from 1 to 64, got '5x'" },
		{ "--repetitions", "65", "from 1 to 64" },
		{ "--rounds", "1e3", "--rounds wants an integer from 1 to 64" },
		{ "--cpu", "99999", "--cpu wants an integer from 0 to" },
		{ "--timeout", "5", "--timeout wants an integer from 10 to" },
		{ "--filter", "^overhead/|x\ny", "--filter '^overhead/|x?y': a control character" },
		{ "--kernel", "default\r", "a control character (0x0d)" },
	};
	char *log = cb_path(tmpdir, "args.log");

	(void)state;
	for (int i = 0; i < 50; i++)
		strcat(suites, "micro,");
	strcat(suites, "bogus");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = cb_strdup_printf("%s/args-%zu", tmpdir, i);
		/* the old parser accepted some: they ran on the host at once */
		char *args[] = { "run", "--host", "--quick", "--filter", "^overhead/",
				 (char *)cases[i].opt, (char *)(cases[i].value ?: suites), "--out",
				 out, NULL };
		char *text;
		int ret = run_args(args, log, &text);
		struct stat st;

		if (ret != 2 || !text || !strstr(text, cases[i].expect))
			fail_msg("%s '%s' exited %d, said: %s (wanted \"%s\")", cases[i].opt,
				 cases[i].value ?: "micro,...,bogus", ret, text ?: "",
				 cases[i].expect);
		if (!lstat(out, &st))
			fail_msg("%s '%s': %s was created", cases[i].opt, cases[i].value ?: "...",
				 out);
		free(text);
		free(out);
	}
	free(log);
}

/*
 * --host --resume of what is not a host dataset, or of one whose job is not
 * usable: exit 2 naming it, nothing run.
 */
static void test_resume_refuses_what_it_cannot_continue(void **state)
{
	static const struct {
		const char *meta, *expect;
	} cases[] = {
		{ "{\"format\": 1, \"mode\": \"icount\", \"suites\": []}",
		  "not a host dataset (its meta.json records mode 'icount'" },
		{ "{\"format\": 1, \"mode\": \"host\", \"suites\": [{\"variant\": \"host\", "
		  "\"profile\": \"quick\", \"repetitions\": 1000}]}", "repetitions 1 to 64" },
		{ "{\"format\": 1, \"mode\": \"host\", \"suites\": [{\"variant\": \"host\", "
		  "\"profile\": \"quick\", \"repetitions\": 5, \"filter\": \"a\\nb\"}]}",
		  "a control character" },
	};
	char *log = cb_path(tmpdir, "refuse.log");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = cb_strdup_printf("%s/refuse-%zu", tmpdir, i);
		char *meta = cb_path(dir, "meta.json"), *host = cb_path(dir, "host"), *text;
		struct stat st;

		assert_int_equal(cb_mkdir_p(dir), 0);
		assert_int_equal(cb_write_file_atomic(meta, cases[i].meta, strlen(cases[i].meta)),
				 0);
		text = resume(dir, log, 2);
		if (!strstr(text, cases[i].expect) || !strstr(text, dir))
			fail_msg("case %zu said: %s", i, text);
		/* nothing ran, nothing was written */
		assert_int_equal(lstat(host, &st), -1);
		free(text);
		free(host);
		free(meta);
		free(dir);
	}
	free(log);
}

/* Fill the file system of @dir: every write after this fails with ENOSPC. */
static char *fill(const char *dir)
{
	char *path = cb_path(dir, "filler"), buf[65536] = { 0 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	while (write(fd, buf, 1) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	return path;
}

static void assert_same_file(const char *path, const char *before)
{
	char *now = cb_read_file(path, NULL);

	assert_non_null(now);
	if (strcmp(now, before))
		fail_msg("%s changed on a full disk", path);
	free(now);
}

/* A failed write says which file and why, and what was there stays. */
static void assert_full_disk_said(const char *text, const char *file)
{
	if (!text || !strstr(text, file) || !strstr(text, strerror(ENOSPC)))
		fail_msg("no \"%s ... %s\" in: %s", file, strerror(ENOSPC), text ?: "");
}

static void full_disk_runner(const char *full)
{
	char *bin = strdup(COWBENCH_BIN);
	char *runner = cb_path(dirname(bin), "cowbench-bench");
	char *out = cb_path(full, "runner.json"), *log = cb_path(tmpdir, "runner.stderr");
	char *cmd = cb_strdup_printf("'%s' --cb_profile=quick --cb_filter='^fault/anon/' "
				     "--benchmark_out='%s' >/dev/null 2>'%s'", runner, out, log);
	char *text;

	assert_int_equal(sh_status(cmd), 1);
	text = cb_read_file(log, NULL);
	assert_full_disk_said(text, out);
	free(text);
	free(cmd);
	free(log);
	free(out);
	free(runner);
	free(bin);
}

/* A VM cell's writers, in @cell (made before the disk filled: micro.json holds "old"). */
static void full_disk_frames_and_console(const char *cell)
{
	static const char stream[] = "COWBENCH-FILE micro.json 3\nnew\nCOWBENCH-END micro.json\n"
				     "COWBENCH-DONE\n";
	char *old = cb_path(cell, "micro.json"), *console = cb_path(cell, "console.log");
	struct cb_frames frames;
	struct cb_vm_config cfg = {
		.qemu = "echo", .kernel = "k", .initrd = "i", .append = "a", .accel = "tcg",
		.smp = 1, .mem_mib = 256, .timeout_s = 30, .data_path = "results.stream",
	};
	struct cb_vm_result res;

	/* the guest's files, from the result stream */
	assert_int_equal(cb_frames_extract(stream, sizeof(stream) - 1, cell, &frames), -1);
	assert_full_disk_said(frames.error, "micro.json");
	assert_same_file(old, "old");
	/* the console log, live (echo stands in for QEMU: one line of output) */
	cfg.console_path = console;
	assert_int_equal(cb_vm_boot(&cfg, &res), 0);
	assert_full_disk_said(res.write_error, console);
	free(console);
	free(old);
}

static void test_full_disk_loses_nothing(void **state)
{
	char *full = cb_path(tmpdir, "full"), *parent, *dir, *filler, *log, *text, *cell, *old;
	char *meta_path, *json_path, *meta_before, *json_before;
	char *fresh = NULL;

	(void)state;
	/* a tmpfs of our own, in a mount namespace of our own: root only (as in CI) */
	if (unshare(CLONE_NEWNS) || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		print_message("skipped: no private mount namespace for a small tmpfs (%s); "
			      "CI runs this as root\n", strerror(errno));
		skip();
	}
	assert_int_equal(cb_mkdir_p(full), 0);
	assert_int_equal(mount("tmpfs", full, "tmpfs", 0, "size=8m"), 0);

	/* an interrupted dataset, then the disk fills up */
	parent = cb_path(full, "runs");
	assert_int_equal(interrupt_mid_run(parent, SIGINT, false), CB_EXIT_INTERRUPTED);
	dir = only_dataset(parent);
	meta_path = cb_path(dir, "meta.json");
	json_path = cb_path(dir, "host/micro.json");
	meta_before = cb_read_file(meta_path, NULL);
	json_before = cb_read_file(json_path, NULL);
	cell = cb_path(full, "cell");
	old = cb_path(cell, "micro.json");
	assert_int_equal(cb_mkdir_p(cell), 0);
	assert_int_equal(cb_write_file_atomic(old, "old", 3), 0);
	filler = fill(full);

	full_disk_runner(full);
	full_disk_frames_and_console(cell);

	/* resuming on a full disk: said, exit 1, the dataset as it was */
	log = cb_path(tmpdir, "full.resume");
	text = resume(dir, log, 1);
	assert_full_disk_said(text, dir);
	free(text);
	assert_same_file(meta_path, meta_before);
	assert_same_file(json_path, json_before);

	/* a new run on a full disk: refused at its meta.json, nothing left behind */
	{
		char *out = cb_path(full, "fresh");
		char *args[] = { "run", "--host", "--quick", "--filter", "^overhead/", "--out", out,
				 NULL };

		assert_int_equal(run_args(args, log, &fresh), 1);
		assert_full_disk_said(fresh, "meta.json");
		assert_int_equal(rmdir(out), 0);	/* empty */
		free(out);
	}

	/* room again: the same dataset resumes to the end */
	assert_int_equal(unlink(filler), 0);
	free(resume(dir, log, 0));
	assert_int_equal(count_rows(dir).complete, 10);

	assert_int_equal(umount2(full, MNT_DETACH), 0);
	free(fresh);
	free(log);
	free(filler);
	free(old);
	free(cell);
	free(json_before);
	free(meta_before);
	free(json_path);
	free(meta_path);
	free(dir);
	free(parent);
	free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctrl_c_to_the_group_keeps_what_finished_and_resumes),
		cmocka_unit_test(test_signal_to_cowbench_alone_reaches_the_runner),
		cmocka_unit_test(test_signal_after_the_last_benchmark_is_not_an_interrupt),
		cmocka_unit_test(test_bad_arguments_are_refused_before_any_work),
		cmocka_unit_test(test_resume_refuses_what_it_cannot_continue),
		cmocka_unit_test(test_full_disk_loses_nothing),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
