// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

char *cb_printable(const char *s)
{
	char *out = check_alloc(strdup(s));

	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
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
	int fds[2];
	char buf[512];
	size_t used = 0;
	ssize_t n;
	int status;
	pid_t pid;

	if (pipe(fds))
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (used < sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	buf[used] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !buf[0])
		return NULL;
	return check_alloc(strdup(buf));
}

static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

void cb_sigint_catch(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_sigint };

	got_sigint = 0;
	sigaction(SIGINT, &sa, old);
}

bool cb_sigint_seen(void)
{
	return got_sigint;
}

void cb_sigint_restore(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
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

/* Copy the child's stdout to its log, and to the terminal cut to width. */
static void tee_lines(int from, FILE *log, int tty_width)
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
		fwrite(buf, 1, (size_t)n, log);
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

int cb_spawn_logged(char *const argv[], const char *stdout_path,
		    const char *stderr_path, int tty_width, bool *interrupted)
{
	struct sigaction old;
	FILE *log = fopen(stdout_path, "w");
	int err_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int fds[2], status = -1;
	pid_t pid;

	if (!log || err_fd < 0 || pipe2(fds, O_CLOEXEC)) {
		if (log)
			fclose(log);
		if (err_fd >= 0)
			close(err_fd);
		return -1;
	}
	cb_sigint_catch(&old);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old, NULL);
		dup2(fds[1], 1);
		dup2(err_fd, 2);
		execv(argv[0], argv);
		fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	close(err_fd);
	if (pid > 0) {
		tee_lines(fds[0], log, tty_width);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	fclose(log);
	cb_sigint_restore(&old);
	*interrupted = cb_sigint_seen();
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
