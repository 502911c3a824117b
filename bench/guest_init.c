// SPDX-License-Identifier: GPL-2.0
/*
 * /init of a cowbench guest: a static program in the initramfs.
 *
 * It mounts what the suites need, reads its job from /cowbench/job (written
 * into the initramfs by the harness), records the kernel it runs on, runs each
 * suite with its output in tmpfs, and only after all suites sends the files
 * to the host over the second serial port (/dev/ttyS1) — so no host I/O
 * happens in or near a measured region, which keeps icount runs exact.
 * Progress goes to the console (ttyS0) as "cowbench-guest:" lines that the
 * harness watches.  Then it powers the machine off.
 *
 * The job's, the console's and ttyS1's formats: bench/cb_protocol.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cb_protocol.h"
#include "guest_util.h"
#include "selftests.h"

#define OUT_DIR "/tmp/out"

static bool crash_drill;	/* cowbench.test=segv */
#define MAX_ARGS 32

struct job {
	const char *suites;	/* "micro,selftests" */
	const char *profile;	/* default | quick */
	int repetitions;
	const char *filter;	/* "" = every benchmark */
	int settle_us;		/* the runner's sleep before each region */
};

static void say(const char *fmt, ...)
{
	va_list ap;

	printf(CB_PROTO_TAG);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void mount_fs(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		say("warning: mount %s on %s: %s", type, dir, strerror(errno));
}

/* All of @s, decimal digits, within @min..INT_MAX: "5x" is not 5 (no atoi). */
static bool parse_number(const char *s, long min, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

static const char *const job_keys[] = { CB_PROTO_JOB_KEYS };
#define NR_JOB_KEYS (sizeof(job_keys) / sizeof(job_keys[0]))

/* One line's "key=value" into @job; false with @why. */
static bool job_line(struct job *job, char *line, int lineno, bool seen[NR_JOB_KEYS],
		     char *why, size_t len)
{
	/* The strings, in job_keys' order; NULL for the numbers. */
	const char **text[NR_JOB_KEYS] = { &job->suites, &job->profile, NULL, &job->filter, NULL };
	char *eq = strchr(line, '='), *value;
	size_t key;

	for (const char *c = line; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(why, len, "job line %d holds a control character (0x%02x)",
				 lineno, (unsigned char)*c);
			return false;
		}
	}
	if (!eq) {
		snprintf(why, len, "job line %d is not key=value: '%.40s'", lineno, line);
		return false;
	}
	*eq = '\0';
	value = eq + 1;
	for (key = 0; key < NR_JOB_KEYS; key++)
		if (!strcmp(line, job_keys[key]))
			break;
	if (key == NR_JOB_KEYS || seen[key]) {
		snprintf(why, len, "job line %d: %s key '%.40s'", lineno,
			 key == NR_JOB_KEYS ? "unknown" : "repeated", line);
		return false;
	}
	seen[key] = true;
	if (!text[key] && !strcmp(line, "settle_us")) {
		if (parse_number(value, 0, &job->settle_us))
			return true;
		snprintf(why, len, "job line %d: settle_us '%.40s' is not a number of "
			 "microseconds from 0 to %d", lineno, value, INT_MAX);
		return false;
	}
	if (!text[key]) {
		if (parse_number(value, 1, &job->repetitions))
			return true;
		snprintf(why, len, "job line %d: repetitions '%.40s' is not a count from 1 to %d",
			 lineno, value, INT_MAX);
		return false;
	}
	*text[key] = strdup(value);
	if (!*text[key]) {
		snprintf(why, len, "job line %d: out of memory", lineno);
		return false;
	}
	return true;
}

/*
 * The job exactly as the harness writes it (harness/initramfs.c): one
 * "key=value" line, newline-terminated, for each of suites, profile,
 * repetitions, filter and settle_us.  Anything else -- no job file, a line cut short,
 * a missing, unknown or repeated key, a control character, repetitions
 * that are not a count -- is refused with what is wrong in @why: a
 * guessed job would measure what nobody asked for under the name of what
 * was asked.
 */
static bool read_job(const char *path, struct job *job, char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	bool seen[NR_JOB_KEYS] = { false }, ok = true;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;

	if (!f) {
		snprintf(why, len, "no %s: %s", path, strerror(errno));
		return false;
	}
	while (ok && (n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n') {
			snprintf(why, len, "job line %d has no newline: the file is cut short",
				 lineno);
			ok = false;
		} else if (strlen(line) != (size_t)n) {
			snprintf(why, len, "job line %d holds a NUL byte", lineno);
			ok = false;
		} else {
			line[n - 1] = '\0';
			ok = job_line(job, line, lineno, seen, why, len);
		}
	}
	if (ok && ferror(f)) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
		ok = false;
	}
	for (size_t key = 0; ok && key < NR_JOB_KEYS; key++) {
		if (!seen[key]) {
			snprintf(why, len, "job has no %s line", job_keys[key]);
			ok = false;
		}
	}
	free(line);
	fclose(f);
	return ok;
}

static void save_clock_res(const char *name);

/* Copy the file @from to the path @to. */
static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	ssize_t n;
	int in = open(from, O_RDONLY), out;

	if (in < 0)
		return;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	if (out >= 0)
		close(out);
}

/* Copy a file into the output directory under another name. */
static void save_file(const char *from, const char *name)
{
	char to[256];

	snprintf(to, sizeof(to), OUT_DIR "/%s", name);
	copy_file(from, to);
}

/*
 * The policy files: every regular file of /sys/kernel/mm/cowbench/ (the
 * cowbench series' knobs, "[active] other", and its counters such as
 * tainted), read as a directory so a knob a later patch adds is recorded
 * without a change here.  Their names become file names here and on the
 * host: 1..POLICY_NAME_MAX of [a-z0-9_], anything else is left out (and
 * said).  An unpatched kernel has no directory: nothing is recorded.
 */
#define POLICY_DIR "/sys/kernel/mm/cowbench"
#define POLICY_NAME_MAX 40
#define POLICY_MAX 64		/* files recorded at most (the series has 4) */

static bool policy_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > POLICY_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @name is a policy name, or one followed by ".after" when @after may be. */
static bool policy_entry_ok(const char *name, bool after)
{
	char copy[POLICY_NAME_MAX + sizeof(".after")];
	size_t len = strlen(name);

	if (after && len > 6 && !strcmp(name + len - 6, ".after") && len < sizeof(copy)) {
		memcpy(copy, name, len - 6);
		copy[len - 6] = '\0';
		return policy_name_ok(copy);
	}
	return policy_name_ok(name);
}

/*
 * The names in @dir that start with @prefix and, after it, pass
 * policy_entry_ok(), that are regular files (not followed: a link is left
 * out), sorted bytewise: @names[0..returned) malloc'd, free_names() frees
 * them.  0 when @dir does not exist.  The kernel's directory (@after false,
 * its entries said on the console when left out) and the guest's record of
 * it (@after: also the ".after" copies).
 */
static size_t policy_names(const char *dir, const char *prefix, char *names[POLICY_MAX],
			   bool after)
{
	size_t n = 0, plen = strlen(prefix);
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strncmp(e->d_name, prefix, plen))
			continue;
		if (!policy_entry_ok(e->d_name + plen, after) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || n == POLICY_MAX) {
			if (!after)
				say("warning: %s/%.60s not recorded (%s)", dir, e->d_name,
				    n == POLICY_MAX ? "more than 64 files" :
				    !policy_name_ok(e->d_name + plen) ?
				    "name not 1-40 of [a-z0-9_]" : "not a regular file");
			continue;
		}
		names[n] = strdup(e->d_name + plen);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

static void free_names(char *names[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

/*
 * Each policy file of @sysdir into @outdir/policy.<name>, and after the
 * suites (@suffix ".after") again: a counter (tainted) has moved by then.
 */
static size_t record_policies(const char *sysdir, const char *outdir, const char *suffix)
{
	char *names[POLICY_MAX];
	size_t n = policy_names(sysdir, "", names, false);

	for (size_t i = 0; i < n; i++) {
		char from[256], as[256];

		snprintf(from, sizeof(from), "%s/%s", sysdir, names[i]);
		snprintf(as, sizeof(as), "%s/policy.%s%s", outdir, names[i], suffix);
		copy_file(from, as);
	}
	free_names(names, n);
	return n;
}

/* The kernel's own account of itself and of the policy knobs it runs with. */
static void record_kernel(const char *when)
{
	char name[64];

	snprintf(name, sizeof(name), "guest/vmstat.%s", when);
	save_file("/proc/vmstat", name);
	if (strcmp(when, "before")) {
		record_policies(POLICY_DIR, OUT_DIR "/guest", ".after");
		return;
	}
	save_file("/proc/version", "guest/version");
	save_file("/proc/cmdline", "guest/cmdline");
	save_file("/proc/cpuinfo", "guest/cpuinfo");
	save_file("/proc/meminfo", "guest/meminfo");
	save_file("/sys/kernel/mm/transparent_hugepage/enabled", "guest/thp_enabled");
	save_file("/sys/devices/system/cpu/nohz_full", "guest/nohz_full");
	save_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  "guest/clocksource");
	save_clock_res("guest/clock_res_ns");
	/* The cowbench series' knobs and counters (none on an unpatched kernel). */
	record_policies(POLICY_DIR, OUT_DIR "/guest", "");
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv with stdout/stderr to files in OUT_DIR; report how it ended.
 * With @timeout_s, the program (in a process group of its own, with
 * whatever it forked) is killed after that many seconds and *@timed_out
 * set; the console then says "end timeout <N> s".  *@seconds (if given):
 * how long it ran.
 */
static int run_program_timed(const char *suite, char *const argv[], const char *out_name,
			     const char *err_name, int timeout_s, bool *timed_out,
			     double *seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	char out[256], err[256];
	double start = now_s();
	bool killed = false;
	int status = 0, r = 0;
	pid_t pid;

	snprintf(out, sizeof(out), OUT_DIR "/%s", out_name);
	snprintf(err, sizeof(err), OUT_DIR "/%s", err_name);
	pid = fork();
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (timeout_s > 0)
			setpgid(0, 0);
		dup2(o, 1);
		dup2(e, 2);
		/* Selftests make scratch files in their working directory. */
		if (chdir("/tmp"))
			_exit(126);
		execv(argv[0], argv);
		fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0 && crash_drill) {
		/* At once: a filtered quick suite can be over within a second. */
		say("test: sending SIGSEGV to %s", argv[0]);
		kill(pid, SIGSEGV);
	}
	if (pid > 0 && timeout_s > 0) {
		setpgid(pid, pid);	/* as the child does: whichever runs first */
		alarm_fired = 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, &old_sa);	/* no SA_RESTART: waitpid returns */
		alarm((unsigned int)timeout_s);
	}
	while (pid > 0 && (r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
		if (alarm_fired && !killed) {
			killed = true;
			kill(-pid, SIGKILL);
		}
	}
	if (pid > 0 && timeout_s > 0) {
		alarm(0);
		sigaction(SIGALRM, &old_sa, NULL);
		if (killed)
			kill(-pid, SIGKILL);	/* what it forked, if still there */
	}
	if (timed_out)
		*timed_out = killed;
	if (seconds)
		*seconds = now_s() - start;
	if (pid < 0 || r < 0) {
		say("suite %s end error %s", suite, strerror(errno));
		return -1;
	}
	if (killed)
		say("suite %s end timeout %d s", suite, timeout_s);
	else if (WIFSIGNALED(status))
		say("suite %s end signal %d %s", suite, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		say("suite %s end exit %d", suite, WEXITSTATUS(status));
	return status;
}

static int run_program(const char *suite, char *const argv[], const char *out_name,
		       const char *err_name)
{
	return run_program_timed(suite, argv, out_name, err_name, 0, NULL, NULL);
}

static void suite_micro(const struct job *job)
{
	char reps[48], settle[48], *profile, *filter = NULL;
	char *argv[MAX_ARGS] = {
		"/cowbench/cowbench-bench", "--benchmark_out=" OUT_DIR "/micro.json",
		"--benchmark_out_format=json", reps, settle,
	};
	int n = 5;

	/* Allocated: a profile or filter of any length is passed whole. */
	snprintf(reps, sizeof(reps), "--benchmark_repetitions=%d", job->repetitions);
	snprintf(settle, sizeof(settle), "--cb_settle_us=%d", job->settle_us);
	if (asprintf(&profile, "--cb_profile=%s", job->profile) < 0 ||
	    (job->filter[0] && asprintf(&filter, "--cb_filter=%s", job->filter) < 0)) {
		say("suite micro end error %s", strerror(errno));
		return;
	}
	argv[n++] = profile;
	if (filter)
		argv[n++] = filter;
	argv[n] = NULL;
	run_program("micro", argv, "micro.console", "micro.stderr");
	free(filter);
	free(profile);
}

/*
 * 1 when high-resolution timers are active, the tick length (4000000 at
 * HZ=250) when they are not: then hrtimers fire on ticks and nohz_full
 * cannot stop the tick, which a dataset must be able to show.
 */
static void save_clock_res(const char *name)
{
	struct timespec res;
	char path[256], text[32];
	int fd;

	if (clock_getres(CLOCK_MONOTONIC, &res))
		return;
	snprintf(path, sizeof(path), OUT_DIR "/%s", name);
	snprintf(text, sizeof(text), "%lld\n",
		 (long long)res.tv_sec * 1000000000LL + res.tv_nsec);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		say("warning: %s: %s", path, strerror(errno));
	close(fd);
}

/*
 * Swap on zram, as mkswap + swapon would set it up: cow.c tests swapped-out
 * pages and skips ~250 cases without swap; a probe swaps a page out.  Only
 * for those: the benchmarks run without swap.  Once per boot.
 */
static void zram_swap_on(void)
{
	static bool done;

	static const size_t size = 256UL << 20;
	static char header[4096];
	struct {
		char bootbits[1024];
		uint32_t version, last_page, nr_badpages;
	} info = { .version = 1, .last_page = (uint32_t)(size / sizeof(header) - 1) };
	int fd;

	if (done)
		return;
	done = true;
	if (cb_write_text("/sys/block/zram0/disksize", "256M")) {
		say("warning: no zram swap (%s): selftests skip their swap cases",
		    strerror(errno));
		return;
	}
	memcpy(header, &info, sizeof(info));
	memcpy(header + sizeof(header) - 10, "SWAPSPACE2", 10);
	fd = open("/dev/zram0", O_WRONLY);
	if (fd < 0 || write(fd, header, sizeof(header)) != (ssize_t)sizeof(header) ||
	    fsync(fd) || swapon("/dev/zram0", 0))
		say("warning: swapon /dev/zram0: %s", strerror(errno));
	else
		say("swap on /dev/zram0 (256 MiB)");
	if (fd >= 0)
		close(fd);
}

/*
 * The TAP counts of a file: results, passes, fails, skips ("ok N ...
 * # SKIP"), whether it has kselftest's "# Totals:" line, and the text
 * after its last "# SKIP" (kselftest's ksft_exit_skip() says why there).
 */
struct tap_count {
	int results, pass, fail, skip;
	bool totals;
	char skip_why[128];
};

static void tap_count(const char *path, struct tap_count *tc)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *hash;
	size_t cap = 0;

	memset(tc, 0, sizeof(*tc));
	while (f && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		hash = strstr(line, "# SKIP");
		if (hash)
			snprintf(tc->skip_why, sizeof(tc->skip_why), "%s",
				 hash + 6 + strspn(hash + 6, " -"));
		if (!strncmp(line, "# Totals: ", 10))
			tc->totals = true;
		else if (!strncmp(line, "not ok ", 7)) {
			tc->results++;
			tc->fail++;
		} else if (!strncmp(line, "ok ", 3)) {
			tc->results++;
			if (hash)
				tc->skip++;
			else
				tc->pass++;
		}
	}
	free(line);
	if (f)
		fclose(f);
}

/* Append printf text to the file @path. */
static void append_text(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append_text(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "a");
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Each line of the file @path, as "# " TAP comments, to @f (at most 200). */
static void comment_lines(FILE *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	while (in && getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (++n <= 200)
			fprintf(f, "# %s\n", line);
	}
	if (n > 200)
		fprintf(f, "# (%d more lines)\n", n - 200);
	free(line);
	if (in)
		fclose(in);
}

/*
 * One selftest's result as one TAP line with kselftest totals, in @tap:
 * @result "ok", "not ok" or "skip" (an ok with "# SKIP @why"); before it,
 * the test's stdout (@stdout_path, if any) as comments.
 */
static void write_one_result(const char *tap, const char *name, const char *result,
			     const char *why, const char *stdout_path)
{
	FILE *f = fopen(tap, "w");
	bool skip = !strcmp(result, "skip");

	if (!f) {
		say("warning: %s: %s", tap, strerror(errno));
		return;
	}
	fprintf(f, "TAP version 13\n");
	if (stdout_path)
		comment_lines(f, stdout_path);
	fprintf(f, "1..1\n%s 1 %s%s%s\n", skip ? "ok" : result, name,
		skip ? " # SKIP " : why[0] ? ": " : "", why);
	fprintf(f, "# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
		!strcmp(result, "ok"), !strcmp(result, "not ok"), skip);
	fclose(f);
}

/* Why @t cannot run here, or NULL: a test of KVM needs a /dev/kvm that opens. */
static const char *selftest_unusable(const struct cb_selftest *t, char *why, size_t len)
{
	int fd;

	if (!t->needs_kvm)
		return NULL;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	snprintf(why, len, "no /dev/kvm (%s)", cb_errname(errno));
	return why;
}

/*
 * One row of bench/selftests.h: its TAP in selftest.<name>.tap (its own,
 * or its exit status made one TAP line), "# cowbench: ..." at the end
 * saying how it ended and after how many seconds.  A timeout, or a
 * signal, that cut a TAP test short adds one failed result (and the
 * totals its output then lacks).
 */
static void run_selftest(const struct cb_selftest *t)
{
	char path[128], out[96], err[96], suite[96], tap[192], raw[192], why[128];
	char *argv[CB_SELFTEST_MAX_ARGS + 2] = { path };
	struct tap_count tc;
	bool timed_out;
	double secs;
	int status, n = 1;

	snprintf(path, sizeof(path), "/cowbench/selftests/%s", t->name);
	snprintf(out, sizeof(out), "selftest.%s.%s", t->name,
		 t->output == CB_SELFTEST_TAP ? "tap" : "stdout");
	snprintf(err, sizeof(err), "selftest.%s.stderr", t->name);
	snprintf(suite, sizeof(suite), "selftest.%s", t->name);
	snprintf(tap, sizeof(tap), OUT_DIR "/selftest.%s.tap", t->name);
	snprintf(raw, sizeof(raw), OUT_DIR "/%s", out);
	for (size_t i = 0; i < CB_SELFTEST_MAX_ARGS && t->args[i]; i++)
		argv[n++] = (char *)t->args[i];
	argv[n] = NULL;
	if (access(path, X_OK)) {
		say("suite %s end missing %s", suite, path);
		return;
	}
	say("suite %s begin", suite);
	if (selftest_unusable(t, why, sizeof(why))) {
		write_one_result(tap, t->name, "skip", why, NULL);
		say("suite %s end skip %s", suite, why);
		return;
	}
	status = run_program_timed(suite, argv, out, err, t->timeout_s, &timed_out, &secs);
	if (timed_out)
		snprintf(why, sizeof(why), "timeout after %d s (killed)", t->timeout_s);
	else if (status < 0)
		snprintf(why, sizeof(why), "not run (%s)", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "signal %d %s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
	if (t->output == CB_SELFTEST_STATUS) {
		/*
		 * kselftest's exit codes: 0 pass, 4 skip (KSFT_SKIP); anything
		 * else fails (1 KSFT_FAIL, 254 a KVM TEST_ASSERT; 2 and 3,
		 * xfail and xpass, these tests do not use).
		 */
		bool exited = !timed_out && status >= 0 && WIFEXITED(status);
		int code = exited ? WEXITSTATUS(status) : -1;

		tap_count(raw, &tc);
		if (code == 0)
			write_one_result(tap, t->name, "ok", "", raw);
		else if (code == 4)
			write_one_result(tap, t->name, "skip",
					 tc.skip_why[0] ? tc.skip_why : "exit 4 (KSFT_SKIP)", raw);
		else
			write_one_result(tap, t->name, "not ok", why, raw);
	} else if (timed_out || status < 0 || WIFSIGNALED(status)) {
		tap_count(tap, &tc);
		if (!tc.totals) {
			append_text(tap, "# [RUN] %s\nnot ok %d %s: %s\n", why, tc.results + 1,
				    t->name, why);
			append_text(tap, "# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d "
				    "error:0\n", tc.pass, tc.fail + 1, tc.skip);
		}
	}
	append_text(tap, "# cowbench: %s after %.2f s\n", timed_out ? "killed at its timeout" : why,
		    secs);
}

/* The kernel's own selftests, built from the same tree: bench/selftests.h. */
static void suite_selftests(const struct job *job)
{
	(void)job;
	zram_swap_on();
	/* cow.c's hugetlb cases skip without free huge pages: reserve 64 MiB. */
	if (cb_write_text("/proc/sys/vm/nr_hugepages", "32"))
		say("warning: cannot reserve hugetlb pages: %s", strerror(errno));
	for (size_t i = 0; i < CB_NR_SELFTESTS; i++)
		run_selftest(&cb_selftests[i]);
	say("suite selftests end done");
}

/* cowbench's own correctness probes (bench/probes.c), TAP like the selftests. */
static void suite_probes(const struct job *job)
{
	char *argv[] = { "/cowbench/cowbench-probes", NULL };

	(void)job;
	zram_swap_on();
	run_program("probes", argv, "probes.tap", "probes.stderr");
}

/*
 * The refcount overflow attacks on one page (bench/attack.c): not in the
 * default job, their load is nothing a benchmark should run beside.
 */
static void suite_attack(const struct job *job)
{
	char *argv[] = { "/cowbench/cowbench-attack", OUT_DIR "/attack.json", NULL };

	(void)job;
	run_program("attack", argv, "attack.console", "attack.stderr");
}

static const struct {
	const char *name;
	void (*run)(const struct job *job);
} suites[] = {
	{ CB_SUITE_MICRO, suite_micro },
	{ CB_SUITE_PROBES, suite_probes },
	{ CB_SUITE_SELFTESTS, suite_selftests },
	{ CB_SUITE_ATTACK, suite_attack },
};

static void run_suites(const struct job *job)
{
	char *list = strdup(job->suites);

	if (!list || !list[0])
		say("no suites to run");
	for (char *save, *name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
			if (!strcmp(suites[i].name, name))
				break;
		if (i == sizeof(suites) / sizeof(suites[0])) {
			say("suite %s end unknown", name);
			continue;
		}
		say("suite %s begin", name);
		suites[i].run(job);
	}
	free(list);
}

static void send_file(int tty, const char *dir, const char *name)
{
	char path[512], head[600], buf[65536];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(head, sizeof(head), CB_PROTO_FILE " %s %lld\n", name, (long long)st.st_size);
	cb_write_all(tty, head, strlen(head));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		cb_write_all(tty, buf, (size_t)n);
	close(fd);
	snprintf(head, sizeof(head), "\n" CB_PROTO_END " %s\n", name);
	cb_write_all(tty, head, strlen(head));
}

/*
 * Every regular file under @dir, in name order, and those of its
 * subdirectories (one level: guest/): the host gets whatever the suites
 * and record_kernel() wrote, with no list to keep in step (harness/frames.c
 * takes any name of [A-Za-z0-9._-] with at most one '/').
 */
static void send_tree(int tty, const char *dir, const char *sub)
{
	struct dirent **entries;
	char path[512];
	int n;

	snprintf(path, sizeof(path), "%s%s%s", dir, sub[0] ? "/" : "", sub);
	n = scandir(path, &entries, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *d = entries[i]->d_name;
		char name[512], full[1040];
		struct stat st;

		snprintf(name, sizeof(name), "%s%s%s", sub, sub[0] ? "/" : "", d);
		snprintf(full, sizeof(full), "%s/%s", dir, name);
		if (d[0] != '.' && !lstat(full, &st)) {
			if (S_ISDIR(st.st_mode) && !sub[0])
				send_tree(tty, dir, name);
			else if (S_ISREG(st.st_mode))
				send_file(tty, dir, name);
		}
		free(entries[i]);
	}
	if (n >= 0)
		free(entries);
}

static void send_results(void)
{
	struct termios t;
	int tty = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);

	if (tty < 0) {
		say("error: no /dev/ttyS1 to send results: %s", strerror(errno));
		return;
	}
	/* Raw: no "\n" -> "\r\n" translation of the bytes we send. */
	if (!tcgetattr(tty, &t)) {
		cfmakeraw(&t);
		tcsetattr(tty, TCSANOW, &t);
	}
	send_tree(tty, OUT_DIR, "");
	cb_write_all(tty, CB_PROTO_DONE "\n", sizeof(CB_PROTO_DONE));
	tcdrain(tty);
	close(tty);
}

int main(void)
{
	struct job job = { .suites = "", .profile = "", .filter = "" };
	char uptime[64] = "?", why[160];
	bool job_ok;
	FILE *f;

	mount_fs("proc", "/proc", "proc");
	mount_fs("sysfs", "/sys", "sysfs");
	mount_fs("devtmpfs", "/dev", "devtmpfs");
	mount_fs("debugfs", "/sys/kernel/debug", "debugfs");
	mount_fs("tmpfs", "/tmp", "tmpfs");
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%63s", uptime) != 1)
			snprintf(uptime, sizeof(uptime), "?");
		fclose(f);
	}
	say("up %s", uptime);
	mkdir(OUT_DIR, 0755);
	mkdir(OUT_DIR "/guest", 0755);
	job_ok = read_job(CB_PROTO_JOB_PATH, &job, why, sizeof(why));
	/* An accelerator probe boot only has to reach userspace and power off. */
	char *cmdline = NULL;
	size_t cmdline_len = 0;
	FILE *c = fopen("/proc/cmdline", "r");

	if (c && getline(&cmdline, &cmdline_len, c) > 0) {
		if (strstr(cmdline, "cowbench.probe"))
			job.suites = "";
		/*
		 * Failure drills for the harness's own tests: a guest that hangs,
		 * and a benchmark runner that dies of SIGSEGV mid-suite.
		 */
		if (strstr(cmdline, "cowbench.test=hang")) {
			say("test: hanging on purpose");
			for (;;)
				pause();
		}
		crash_drill = strstr(cmdline, "cowbench.test=segv") != NULL;
	}
	if (c)
		fclose(c);
	free(cmdline);
	if (job_ok) {
		say("job suites=%s profile=%s repetitions=%d filter=%s settle_us=%d", job.suites,
		    job.profile, job.repetitions, job.filter[0] ? job.filter : "(none)",
		    job.settle_us);
	} else {
		/*
		 * A failed "suite" the harness records as the cell's status
		 * (suite-failed: job error ...); nothing runs, the kernel's
		 * record still goes back.
		 */
		say("suite job end error %s", why);
		job.suites = "";
	}
	record_kernel("before");
	run_suites(&job);
	record_kernel("after");
	say("sending results");
	send_results();
	say("done");
	sync();
	reboot(RB_POWER_OFF);
	say("error: reboot(RB_POWER_OFF): %s", strerror(errno));
	return 1;
}
