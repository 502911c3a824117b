// SPDX-License-Identifier: GPL-2.0
#include "util.h"
#include "cb_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *check_alloc(void *p)
{
	if (!p) {
		fprintf(stderr, "cowbench: out of memory\n");
		abort();
	}
	return p;
}

char *cb_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_alloc(n < 0 ? NULL : s);
}

char *cb_path(const char *a, const char *b)
{
	return cb_strdup_printf("%s/%s", a, b);
}

int cb_mkdir_p(const char *path)
{
	char *dup = check_alloc(strdup(path));
	int ret = 0;

	for (char *p = dup + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(dup, 0777) && errno != EEXIST) {
			ret = -1;
			break;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(dup);
	return ret;
}

char *cb_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t used = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = check_alloc(realloc(buf, cap));
		}
		size_t n = fread(buf + used, 1, cap - used - 1, f);

		used += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		free(buf);
		errno = err;
		return NULL;
	}
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

char *cb_read_input(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t used = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
			 "a symbolic link: a dataset's files are read only as regular files" :
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file: refused", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, over the limit of %zu bytes for one input "
			 "file: refused", path, (long long)st.st_size, max);
		goto fail;
	}
	buf = check_alloc(malloc((size_t)st.st_size + 1));
	/* read to the size fstat gave, and one byte more: a file that grows is cut off */
	while (used <= (size_t)st.st_size) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > (size_t)st.st_size) {
		snprintf(err, errlen, "%s: grew while it was read: refused", path);
		goto fail;
	}
	close(fd);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

int cb_parse_long(const char *s, long min, long max, long *out)
{
	const char *p = s;
	char *end;
	long v;

	if (*p == '-')
		p++;
	if (!*p)
		return -1;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* realpath() of @path, or of its directory joined with its last component */
static char *resolved(const char *path)
{
	char *full = realpath(path, NULL), *dup, *dir;

	if (full || errno != ENOENT)
		return full;
	dup = check_alloc(strdup(path));
	dir = realpath(dirname(dup), NULL);
	free(dup);
	if (dir) {
		dup = check_alloc(strdup(path));
		full = cb_path(dir, basename(dup));
		free(dup);
		free(dir);
	}
	return full;
}

bool cb_path_within(const char *path, const char *dir)
{
	char *p = resolved(path), *d = realpath(dir, NULL);
	size_t n = d ? strlen(d) : 0;
	bool within = p && d && !strncmp(p, d, n) && (p[n] == '/' || !p[n] || !strcmp(d, "/"));

	free(p);
	free(d);
	return within;
}

const char *cb_find_control(const char *s)
{
	for (; *s; s++)
		if (cb_is_control(*s))
			return s;
	return NULL;
}

char *cb_printable(const char *s)
{
	char *out = check_alloc(strdup(s));

	for (char *p = out; *p; p++)
		if (cb_is_control(*p))
			*p = '?';
	return out;
}

int cb_write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = cb_strdup_printf("%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	int ret = -1;

	if (f) {
		if (fwrite(data, 1, len, f) == len && fflush(f) == 0 &&
		    fsync(fileno(f)) == 0)
			ret = 0;
		if (fclose(f))
			ret = -1;
		if (ret == 0)
			ret = rename(tmp, path);
		if (ret)
			unlink(tmp);
	}
	free(tmp);
	return ret;
}

char *cb_self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return check_alloc(strdup(dirname(buf)));
}

char *cb_command_line_output(char *const argv[])
{
	struct cb_spawn_opts o = { .quiet = true };	/* stderr to /dev/null */
	int status;
	char *out = cb_spawn_capture(argv, &o, 511, NULL, NULL, &status);

	if (!out)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) || !out[0]) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * The signals that stop a run.  While a run is on they are caught, so that
 * cowbench keeps what was measured instead of dying, and passed on to the
 * child that runs (the benchmark runner, QEMU).  The child has a process
 * group of its own, so it hears them from us alone: exactly once, whether
 * they were sent to cowbench or to its whole group by the terminal.
 */
static const int stop_signals[] = { SIGINT, SIGTERM };
#define NR_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))
static struct sigaction saved_actions[NR_STOP_SIGNALS];
static volatile sig_atomic_t got_signal, forward_pid;
static int catch_depth;

static void on_stop_signal(int sig)
{
	int saved_errno = errno;

	got_signal = sig;
	if (forward_pid > 0)
		kill((pid_t)forward_pid, sig);
	errno = saved_errno;
}

static void stop_signals_mask(int how, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(how, &set, old);
}

void cb_signals_catch(void)
{
	/* No SA_RESTART: a blocking poll() or read() returns, and its loop looks. */
	struct sigaction sa = { .sa_handler = on_stop_signal };

	if (catch_depth++)
		return;
	got_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++) {
		sigaction(stop_signals[i], NULL, &saved_actions[i]);
		/* ignored from the start (nohup, a background job): stays ignored */
		if (saved_actions[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

int cb_signal_seen(void)
{
	return got_signal;
}

void cb_signals_restore(void)
{
	if (!catch_depth || --catch_depth)
		return;
	forward_pid = 0;
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved_actions[i], NULL);
}

const char *cb_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

pid_t cb_spawn_child(char *const argv[], int out_fd, int err_fd, bool path_search)
{
	pid_t parent = getpid(), pid;
	sigset_t old;

	/*
	 * Blocked across fork(): a signal that comes now reaches the child
	 * only after it has its own dispositions, and reaches us only once
	 * we know whom to pass it on to.
	 */
	stop_signals_mask(SIG_BLOCK, &old);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (catch_depth)
			for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
				sigaction(stop_signals[i], &saved_actions[i], NULL);
		setpgid(0, 0);
		/* cowbench gone (SIGKILL) means stop, not run on unwatched */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		dup2(null, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (path_search)
			execvp(argv[0], argv);
		else
			execv(argv[0], argv);
		fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0 && catch_depth) {
		forward_pid = pid;
		if (got_signal)
			kill(pid, got_signal);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

int cb_wait_child(pid_t pid)
{
	siginfo_t info;
	sigset_t old;
	int status = -1;

	/*
	 * Not reaped yet (WNOWAIT): until the pid is no longer passed on to,
	 * it must not be free for another process to get.
	 */
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	stop_signals_mask(SIG_BLOCK, &old);
	if (forward_pid == pid)
		forward_pid = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

double cb_now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

char *cb_shell_quote(const char *s)
{
	size_t n = 2;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *out = check_alloc(malloc(n + 1)), *o = out;

	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* "@path: <errno text>" into @err, once: the first failure is the one to tell. */
static void note_write_error(char *err, size_t errlen, const char *path)
{
	if (!err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
}

/*
 * Copy the child's stdout to its log, and to the terminal cut to width.
 * The log is flushed per read: it is on disk as the run goes, and a full
 * disk shows at once.  A failed write is noted and the copying goes on, or
 * the child would block on a full pipe.
 */
static void tee_lines(int from, FILE *log, const char *log_path, int tty_width, char *err,
		      size_t errlen)
{
	char buf[4096];
	int col = 0;
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		errno = 0;
		if (!err[0] && (fwrite(buf, 1, (size_t)n, log) != (size_t)n || fflush(log)))
			note_write_error(err, errlen, log_path);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				col = 0;
				putchar('\n');
			} else if (tty_width <= 0 || col < tty_width) {
				col++;
				putchar(buf[i]);
			}
		}
		fflush(stdout);
	}
}

int cb_spawn_logged(char *const argv[], const char *stdout_path, const char *stderr_path,
		    int tty_width, char *err, size_t errlen)
{
	FILE *log = fopen(stdout_path, "w");
	int err_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int fds[2], status = -1;
	pid_t pid;

	err[0] = '\0';
	if (!log || err_fd < 0 || pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "%s: %s", !log ? stdout_path : err_fd < 0 ? stderr_path :
			 "pipe", strerror(errno));
		if (log)
			fclose(log);
		if (err_fd >= 0)
			close(err_fd);
		return -1;
	}
	cb_signals_catch();
	pid = cb_spawn_child(argv, fds[1], err_fd, false);
	close(fds[1]);
	close(err_fd);
	if (pid > 0) {
		tee_lines(fds[0], log, stdout_path, tty_width, err, errlen);
		status = cb_wait_child(pid);
	} else {
		snprintf(err, errlen, "fork: %s", strerror(errno));
	}
	close(fds[0]);
	errno = 0;
	if (fclose(log))
		note_write_error(err, errlen, stdout_path);
	cb_signals_restore();
	return pid < 0 ? -1 : status;
}

void cb_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status 0x%x", status);
}
