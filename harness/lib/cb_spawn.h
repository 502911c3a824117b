/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way cowbench starts a short-lived program: an argv (never a shell
 * string), posix_spawnp(3), with a working directory, its output appended
 * to a log or captured, a timeout, and environment additions.  No shell
 * stands between cowbench and a path it did not write.
 *
 * (Not "spawn.h": harness/ is on the include path, and that name would
 * hide the system's <spawn.h> from every file that includes it.)
 *
 * (cb_spawn_child() in util.h stays the supervised start of the runner and
 * QEMU: it needs PR_SET_PDEATHSIG in the child, which posix_spawn cannot do.)
 */
#ifndef CB_SPAWN_H
#define CB_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cb_spawn_opts {
	/* NULL: ours; else PWD, when we have one, says it too, as after `cd` */
	const char *cwd;
	/* stdout and stderr appended to this file (created 0644); captured: stderr only */
	const char *log;
	/* "NAME=value" entries set over our environment, NULL-terminated; may be NULL */
	char *const *env_add;
	double timeout_s;		/* > 0: SIGKILL after this long (status says so) */
	/* > 0 (not 0, our stdin: none is ever passed on): fds the child gets */
	int stdin_fd, stdout_fd, stderr_fd;
	bool stderr_to_stdout;		/* 2>&1 (onto the log, capture or stdout_fd) */
	bool quiet;			/* what no log, capture or fd takes: to /dev/null */
};

/*
 * Start @argv[0] (found through PATH) with @o (may be NULL).  stdin is
 * /dev/null unless @o->stdin_fd.  The pid, or -1 with errno.
 */
pid_t cb_spawn_start(char *const argv[], const struct cb_spawn_opts *o);
/*
 * Wait for @pid: its wait status.  @timeout_s > 0: killed (SIGKILL) when
 * it runs longer, and the status then says killed by SIGKILL.
 */
int cb_spawn_wait(pid_t pid, double timeout_s);
/* Start and wait: the wait status, or -1 when it could not be started. */
int cb_spawn(char *const argv[], const struct cb_spawn_opts *o);
/*
 * Start and wait, its stdout (and stderr with @o->stderr_to_stdout)
 * captured: at most @max bytes, NUL-terminated, malloc'd, *@len its length
 * (@len may be NULL), *@status the wait status (-1: not started).  More than
 * @max bytes: *@truncated (may be NULL) is set and the rest is read and
 * dropped.  NULL only when it could not be started.
 */
char *cb_spawn_capture(char *const argv[], const struct cb_spawn_opts *o, size_t max,
		       size_t *len, bool *truncated, int *status);
/* A shell-like exit code of a wait status: the exit code, 128 + signal, -1 -> 127. */
int cb_spawn_exit_code(int status);

/*
 * Remove @path and everything under it (nftw, depth first, no symbolic link
 * followed, not leaving its file system); a @path that does not exist is
 * not an error.  0, or -1 with errno.
 */
int cb_remove_tree(const char *path);
/*
 * Copy the file @src (symbolic links followed) to @dst, replacing it, with
 * @src's permission bits (umask applied, as cp does).  0, or -1 with errno.
 */
int cb_copy_file(const char *src, const char *dst);
/*
 * @src copied to @dst as `cp -a` does: a directory with what it holds
 * (merged into an existing @dst), symbolic links as links, modes and times
 * kept.  0, or -1 with errno.
 */
int cb_copy_tree(const char *src, const char *dst);

#endif
