// SPDX-License-Identifier: GPL-2.0
#include "cb_spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Our environment with @add set over it; malloc'd array of borrowed
 * strings but for the PWD a shell's `cd @cwd` would have set (kept in *@pwd).
 */
static char **merged_env(char *const *add, const char *cwd, char **pwd)
{
	size_t n = 0, a = 0, used = 0;
	char **env;

	while (environ[n])
		n++;
	while (add && add[a])
		a++;
	*pwd = NULL;
	env = calloc(n + a + 2, sizeof(*env));
	if (!env)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t name = strcspn(environ[i], "=");
		bool replaced = false;

		for (size_t j = 0; j < a && !replaced; j++)
			replaced = !strncmp(add[j], environ[i], name) && add[j][name] == '=';
		if (!replaced)
			env[used++] = environ[i];
	}
	for (size_t j = 0; j < a; j++)
		env[used++] = add[j];
	if (cwd && cwd[0] == '/') {
		for (size_t i = 0; i < used; i++)
			if (!strncmp(env[i], "PWD=", 4)) {
				if (asprintf(pwd, "PWD=%s", cwd) < 0)
					abort();
				env[i] = *pwd;
			}
	}
	env[used] = NULL;
	return env;
}

/* @capture_fd >= 0: the write end of the pipe stdout goes to. */
static pid_t start(char *const argv[], const struct cb_spawn_opts *o, int capture_fd)
{
	static const struct cb_spawn_opts none;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t empty;
	char **env, *pwd;
	pid_t pid = -1;
	int rc;

	if (!o)
		o = &none;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (o->stdin_fd > 0)
		posix_spawn_file_actions_adddup2(&fa, o->stdin_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (capture_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, capture_fd, 1);
	else if (o->log)
		posix_spawn_file_actions_addopen(&fa, 1, o->log, O_WRONLY | O_CREAT | O_APPEND,
						 0644);
	else if (o->quiet)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	else if (o->stdout_fd > 0)
		posix_spawn_file_actions_adddup2(&fa, o->stdout_fd, 1);
	if (o->stderr_to_stdout || (o->log && capture_fd < 0))
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (o->log)
		posix_spawn_file_actions_addopen(&fa, 2, o->log, O_WRONLY | O_CREAT | O_APPEND,
						 0644);
	else if (o->quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	else if (o->stderr_fd > 0)
		posix_spawn_file_actions_adddup2(&fa, o->stderr_fd, 2);
	/* last: a relative log path is ours, not the child's */
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	sigemptyset(&empty);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	env = merged_env(o->env_add, o->cwd, &pwd);
	fflush(NULL);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
	free(env);
	free(pwd);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		errno = rc;
		return -1;
	}
	return pid;
}

pid_t cb_spawn_start(char *const argv[], const struct cb_spawn_opts *o)
{
	return start(argv, o, -1);
}

int cb_spawn_wait(pid_t pid, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int status = -1;
	pid_t got;

	if (pid < 0)
		return -1;
	for (;;) {
		got = waitpid(pid, &status, timeout_s > 0 ? WNOHANG : 0);
		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR)
			return -1;
		if (got == 0) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			if (now_s() >= deadline) {
				kill(pid, SIGKILL);
				timeout_s = 0;	/* now wait for it to go */
				continue;
			}
			nanosleep(&ts, NULL);
		}
	}
}

int cb_spawn(char *const argv[], const struct cb_spawn_opts *o)
{
	pid_t pid = start(argv, o, -1);

	return pid < 0 ? -1 : cb_spawn_wait(pid, o ? o->timeout_s : 0);
}

char *cb_spawn_capture(char *const argv[], const struct cb_spawn_opts *o, size_t max,
		       size_t *len, bool *truncated, int *status)
{
	double timeout_s = o ? o->timeout_s : 0, deadline = now_s() + timeout_s;
	char *buf = malloc(max + 1), chunk[4096];
	size_t used = 0;
	int fds[2];
	pid_t pid;

	if (!buf)
		abort();
	*status = -1;
	if (truncated)
		*truncated = false;
	if (pipe2(fds, O_CLOEXEC)) {
		free(buf);
		return NULL;
	}
	pid = start(argv, o, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		int saved = errno;

		close(fds[0]);
		free(buf);
		errno = saved;
		return NULL;
	}
	/* Read to the end (keeping what fits): a child cut off would die of SIGPIPE. */
	for (;;) {
		ssize_t n;

		if (timeout_s > 0) {
			struct pollfd p = { .fd = fds[0], .events = POLLIN };
			double left = deadline - now_s();

			if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) == 0) {
				kill(pid, SIGKILL);
				break;
			}
		}
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t keep = max - used < (size_t)n ? max - used : (size_t)n;

		if (keep < (size_t)n && truncated)
			*truncated = true;
		memcpy(buf + used, chunk, keep);
		used += keep;
	}
	close(fds[0]);
	*status = cb_spawn_wait(pid, 0);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

int cb_spawn_exit_code(int status)
{
	if (status == -1)
		return 127;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

/* nftw(3): each entry, a directory after what it holds (FTW_DEPTH) */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int cb_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) ? -1 : 0;
}

int cb_copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = -1, saved;
	struct stat st;
	char buf[1 << 16];
	ssize_t n;

	if (in < 0)
		return -1;
	if (fstat(in, &st))
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		for (ssize_t done = 0, w; done < n; done += w) {
			w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				goto out;
		}
	}
	ret = 0;
out:
	saved = errno;
	if (out >= 0 && close(out) && !ret) {
		saved = errno;
		ret = -1;
	}
	close(in);
	errno = saved;
	return ret;
}

/* @dst's mode and times as @st's (a symbolic link keeps its own mode). */
static int copy_attrs(const char *dst, const struct stat *st)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777))
		return -1;
	return utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
}

int cb_copy_tree(const char *src, const char *dst)
{
	struct stat st;
	int ret = 0;

	if (lstat(src, &st))
		return -1;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return -1;
		target[n] = '\0';
		if (unlink(dst) && errno != ENOENT)
			return -1;
		if (symlink(target, dst))
			return -1;
	} else if (S_ISDIR(st.st_mode)) {
		DIR *d;
		struct dirent *e;

		if (mkdir(dst, 0700) && errno != EEXIST)
			return -1;
		d = opendir(src);
		if (!d)
			return -1;
		while (!ret && (e = readdir(d))) {
			char *s, *t;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (asprintf(&s, "%s/%s", src, e->d_name) < 0 ||
			    asprintf(&t, "%s/%s", dst, e->d_name) < 0)
				abort();
			ret = cb_copy_tree(s, t);
			free(s);
			free(t);
		}
		closedir(d);
	} else if (S_ISREG(st.st_mode)) {
		ret = cb_copy_file(src, dst);
	} else {
		errno = EINVAL;	/* no FIFOs or devices in what cowbench copies */
		return -1;
	}
	return ret ? -1 : copy_attrs(dst, &st);
}
