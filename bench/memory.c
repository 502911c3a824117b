// SPDX-License-Identifier: GPL-2.0
/* Memory and process helpers shared by the benchmark families. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cowbench.h"

static const char thp_enabled_path[] = "/sys/kernel/mm/transparent_hugepage/enabled";

const char *cb_thp_unsupported(const struct cb_params *p)
{
	static char why[160];
	char buf[128] = "";
	int fd;
	ssize_t n;

	if (p->thp == CB_THP_OFF)
		return NULL;
	if (p->size < CB_PMD_SIZE)
		return "size is smaller than one PMD-sized THP";
	fd = open(thp_enabled_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "kernel without CONFIG_TRANSPARENT_HUGEPAGE";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && strstr(buf, "[never]")) {
		snprintf(why, sizeof(why), "THP disabled: %s reads [never]",
			 thp_enabled_path);
		return why;
	}
	return NULL;
}

void *cb_map_anon(struct cb_ctx *ctx, const struct cb_params *p)
{
	/* Over-allocate so the range can start on a PMD boundary. */
	size_t len = p->size + CB_PMD_SIZE;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *mem;
	int advice = p->thp == CB_THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	if (raw == MAP_FAILED) {
		cb_fail(ctx, "mmap %zu bytes: %s", len, strerror(errno));
		return NULL;
	}
	mem = (char *)(((uintptr_t)raw + CB_PMD_SIZE - 1) & ~(CB_PMD_SIZE - 1));
	if (mem > raw)
		munmap(raw, (size_t)(mem - raw));
	munmap(mem + p->size, (size_t)(raw + len - (mem + p->size)));

	/*
	 * EINVAL means a kernel without THP: "off" is then what we get anyway,
	 * and "on" was already refused by cb_thp_unsupported().
	 */
	if (madvise(mem, p->size, advice) && !(errno == EINVAL && p->thp == CB_THP_OFF)) {
		cb_fail(ctx, "madvise(%s): %s (kernel without CONFIG_ADVISE_SYSCALLS?)",
			p->thp == CB_THP_ON ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			strerror(errno));
		munmap(mem, p->size);
		return NULL;
	}
	return mem;
}

void *cb_map_populated(struct cb_ctx *ctx, const struct cb_params *p)
{
	char *mem = cb_map_anon(ctx, p);

	if (mem)
		cb_touch_pages(mem, p->size, 1);
	return mem;
}

void cb_unmap(void *addr, size_t size)
{
	if (addr)
		munmap(addr, size);
}

void cb_touch_pages(volatile char *addr, size_t size, char value)
{
	for (size_t off = 0; off < size; off += CB_PAGE_SIZE)
		addr[off] = value;
}

int cb_child_wait(struct cb_ctx *ctx, int pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cb_fail(ctx, "waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return cb_fail(ctx, "child killed by signal %d (%s)",
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status))
		return cb_fail(ctx, "child exited with status %d", WEXITSTATUS(status));
	return 0;
}

int cb_fork_and_reap(struct cb_ctx *ctx)
{
	int pid = fork();

	if (pid < 0)
		return cb_fail(ctx, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	return cb_child_wait(ctx, pid);
}

int cb_child_hold(struct cb_ctx *ctx, struct cb_child *child)
{
	int hold[2], ready[2];
	char c;

	if (pipe2(hold, O_CLOEXEC))
		return cb_fail(ctx, "pipe: %s", strerror(errno));
	if (pipe2(ready, O_CLOEXEC)) {
		close(hold[0]);
		close(hold[1]);
		return cb_fail(ctx, "pipe: %s", strerror(errno));
	}
	child->pid = fork();
	if (child->pid < 0) {
		close(hold[0]);
		close(hold[1]);
		close(ready[0]);
		close(ready[1]);
		return cb_fail(ctx, "fork: %s", strerror(errno));
	}
	if (child->pid == 0) {
		close(hold[1]);
		close(ready[0]);
		/* Say so once our own post-fork COW faults (stack) are done. */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Returns 0 at EOF, when the parent releases us. */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	/*
	 * Wait for the child to have run: otherwise its first steps (and the
	 * COW faults on the stack pages it shares with us) land inside our
	 * measured region or not, depending on when the scheduler runs it.
	 */
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	child->release_fd = hold[1];
	return 0;
}

int cb_child_release(struct cb_ctx *ctx, struct cb_child *child)
{
	close(child->release_fd);
	return cb_child_wait(ctx, child->pid);
}

static int pipe_open(struct cb_ctx *ctx, int fd[2], size_t *capacity)
{
	int got;

	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK))
		return cb_fail(ctx, "pipe: %s", strerror(errno));
	/* 1 MiB is the default pipe-max-size, allowed without privilege. */
	fcntl(fd[1], F_SETPIPE_SZ, (int)CB_MIB);
	got = fcntl(fd[1], F_GETPIPE_SZ);
	if (got <= 0)
		return cb_fail(ctx, "F_GETPIPE_SZ: %s", strerror(errno));
	*capacity = (size_t)got;
	return 0;
}

int cb_pipes_vmsplice(struct cb_ctx *ctx, struct cb_pipes *pipes, char *mem, size_t size)
{
	size_t off = 0;

	pipes->nr = 0;
	while (off < size) {
		size_t cap = 0, chunk;
		int *fd = pipes->fd[pipes->nr];

		if (pipes->nr == CB_PIPES_MAX)
			return cb_fail(ctx, "%zu bytes need more than %d pipes", size,
				       CB_PIPES_MAX);
		if (pipe_open(ctx, fd, &cap))
			return -1;
		pipes->nr++;
		chunk = size - off < cap ? size - off : cap;
		while (chunk) {
			struct iovec iov = { .iov_base = mem + off, .iov_len = chunk };
			ssize_t n = vmsplice(fd[1], &iov, 1, SPLICE_F_NONBLOCK);

			if (n <= 0)
				return cb_fail(ctx, "vmsplice: %s",
					       n < 0 ? strerror(errno) : "pipe full");
			off += (size_t)n;
			chunk -= (size_t)n;
		}
	}
	return 0;
}

void cb_pipes_close(struct cb_pipes *pipes)
{
	for (int i = 0; i < pipes->nr; i++) {
		close(pipes->fd[i][0]);
		close(pipes->fd[i][1]);
	}
	pipes->nr = 0;
}
