// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench-probes: correctness probes of the COW/GUP policies, in the
 * kselftest TAP format (so a run stores and totals them like the kernel's
 * own selftests).  A probe observes; it never asserts from a table what a
 * policy is supposed to do.  Exit status: 0 all safe, 1 a probe saw a leak.
 *
 * CVE-2020-29374 (vmsplice): the parent fills a page and forks; the child
 * vmsplice()s the page into a pipe and unmaps it; the parent writes a secret
 * into its page; the child reads the pipe.  If the write fault reused the
 * page in place (mapped once, but still referenced by the pipe), the secret
 * comes out of the pipe.
 *
 * The same through swap: after the child unmapped, the parent pushes the page
 * out with MADV_PAGEOUT (the pipe's reference keeps it in the swapcache) and
 * then writes, so the decision is do_swap_page()'s.  If the page leaks and no
 * write-fault reuse was counted (vm event cow_reuse_checked, patch 0002), the
 * swap-in mapped it writable by itself.
 *
 * R/O pin coherency: fork while a child keeps the page mapped, take a
 * long-term read-only pin of the (shared) page in the parent (gup_test's
 * PIN_LONGTERM_TEST_*), let the child exit, then write to the page.  If the
 * write fault copied the page instead of reusing it, the pin holds a page
 * the process no longer maps: what the pin reads is not what was written.
 * (Pinning first and forking after is no test: fork copies pinned pages
 * for the child and leaves the parent's writable.)
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gup_test.h"

#define PAGE 4096
static const char secret[] = "cowbench-secret: the parent wrote this after fork";

enum verdict { SAFE, LEAKED, BROKEN, SKIPPED };

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static int send_byte(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -1;
}

/* The child's side; returns its verdict as an exit code. */
static int vmsplice_child(char *page, int to_parent, int from_parent)
{
	struct iovec iov = { .iov_base = page, .iov_len = PAGE };
	char buf[PAGE];
	int pipefd[2];

	if (pipe(pipefd) || vmsplice(pipefd[1], &iov, 1, 0) != PAGE)
		return BROKEN;
	if (munmap(page, PAGE) || send_byte(to_parent) || wait_byte(from_parent))
		return BROKEN;
	if (read(pipefd[0], buf, PAGE) != PAGE)
		return BROKEN;
	return memmem(buf, PAGE, secret, sizeof(secret) - 1) ? LEAKED : SAFE;
}

/* /proc/vmstat's counter @name, or -1 (an unpatched kernel lacks it). */
static long long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	long long value, found = -1;

	while (f && found < 0 && fscanf(f, "%63s %lld", key, &value) == 2)
		if (!strcmp(key, name))
			found = value;
	if (f)
		fclose(f);
	return found;
}

/* Push @page out to swap; SKIPPED if it stayed resident (no swap). */
static enum verdict page_out(char *page, char *detail, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t entry = 0;
	off_t off = (off_t)((uintptr_t)page / PAGE * sizeof(entry));

	if (madvise(page, PAGE, MADV_PAGEOUT)) {
		snprintf(detail, len, "MADV_PAGEOUT: %s", strerror(errno));
		close(fd);
		return errno == EINVAL ? SKIPPED : BROKEN;
	}
	if (fd < 0 || pread(fd, &entry, sizeof(entry), off) != sizeof(entry)) {
		snprintf(detail, len, "/proc/self/pagemap: %s", strerror(errno));
		close(fd);
		return BROKEN;
	}
	close(fd);
	if (!(entry & (1ULL << 62))) {	/* PM_SWAP */
		snprintf(detail, len, "MADV_PAGEOUT left the page resident (no swap?)");
		return SKIPPED;
	}
	return SAFE;
}

static enum verdict cve_2020_29374(char *detail, size_t len, bool via_swap)
{
	long long reused_before = -1;
	enum verdict out;
	int up[2], down[2], status;
	char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (page == MAP_FAILED || pipe(up) || pipe(down)) {
		snprintf(detail, len, "setup: %s", strerror(errno));
		return BROKEN;
	}
	memset(page, 'A', PAGE);
	pid = fork();
	if (pid < 0) {
		snprintf(detail, len, "fork: %s", strerror(errno));
		return BROKEN;
	}
	if (pid == 0)
		_exit(vmsplice_child(page, up[1], down[0]));
	if (wait_byte(up[0])) {
		snprintf(detail, len, "child did not get to vmsplice");
		waitpid(pid, &status, 0);
		return BROKEN;
	}
	if (via_swap) {
		out = page_out(page, detail, len);
		if (out != SAFE) {
			send_byte(down[1]);
			waitpid(pid, &status, 0);
			return out;
		}
		reused_before = vmstat("cow_reuse_checked");
	}
	/* The write fault: reuse in place or copy? */
	memcpy(page, secret, sizeof(secret));
	send_byte(down[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		snprintf(detail, len, "child did not exit normally");
		return BROKEN;
	}
	switch (WEXITSTATUS(status)) {
	case SAFE:
		snprintf(detail, len, "the pipe still holds the page as it was at fork");
		return SAFE;
	case LEAKED:
		if (reused_before >= 0 && vmstat("cow_reuse_checked") == reused_before)
			snprintf(detail, len, "the parent's write came out of the child's pipe; "
				 "no write fault reused the page: the swap-in mapped it writable");
		else
			snprintf(detail, len, "the parent's write after fork came out of the "
				 "child's pipe");
		return LEAKED;
	default:
		snprintf(detail, len, "child setup failed");
		return BROKEN;
	}
}

static enum verdict probe_cve_2020_29374(char *detail, size_t len)
{
	return cve_2020_29374(detail, len, false);
}

static enum verdict probe_cve_2020_29374_swap(char *detail, size_t len)
{
	return cve_2020_29374(detail, len, true);
}

static enum verdict probe_ro_pin_after_fork(char *detail, size_t len)
{
	int fd = open(GUP_TEST_PATH, O_RDWR);
	char *page, *pinned;
	struct pin_longterm_test pin = { .size = PAGE, .flags = 0 /* read-only */ };
	uint64_t into;
	enum verdict v = BROKEN;
	int status, hold[2];
	pid_t pid;

	if (fd < 0) {
		snprintf(detail, len, "no %s (CONFIG_GUP_TEST, debugfs, root)", GUP_TEST_PATH);
		return SKIPPED;
	}
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pinned = malloc(PAGE);
	if (page == MAP_FAILED || !pinned) {
		snprintf(detail, len, "setup: %s", strerror(errno));
		close(fd);
		return BROKEN;
	}
	memset(page, 'A', PAGE);
	if (pipe(hold)) {
		snprintf(detail, len, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(hold[1]);
		wait_byte(hold[0]);	/* EOF when the parent lets go */
		_exit(0);
	}
	close(hold[0]);
	if (pid < 0) {
		snprintf(detail, len, "fork: %s", strerror(errno));
		goto out;
	}
	/* The page is shared with the child: the R/O pin must unshare it. */
	pin.addr = (uintptr_t)page;
	if (ioctl(fd, PIN_LONGTERM_TEST_START, &pin)) {
		snprintf(detail, len, "PIN_LONGTERM_TEST_START: %s", strerror(errno));
		close(hold[1]);
		waitpid(pid, &status, 0);
		goto out;
	}
	close(hold[1]);
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(detail, len, "waitpid: %s", strerror(errno));
		goto stop;
	}
	memset(page, 'B', PAGE);	/* the write fault: reuse or copy? */
	into = (uintptr_t)pinned;
	if (ioctl(fd, PIN_LONGTERM_TEST_READ, &into)) {
		snprintf(detail, len, "PIN_LONGTERM_TEST_READ: %s", strerror(errno));
		goto stop;
	}
	if (pinned[0] == 'B') {
		snprintf(detail, len, "the pinned page is the page the process wrote");
		v = SAFE;
	} else {
		snprintf(detail, len, "the pin still reads '%c' after the process wrote 'B': "
			 "the write fault replaced the pinned page", pinned[0]);
		v = LEAKED;
	}
stop:
	ioctl(fd, PIN_LONGTERM_TEST_STOP);
out:
	free(pinned);
	munmap(page, PAGE);
	close(fd);
	return v;
}

static const struct {
	const char *name;
	enum verdict (*run)(char *detail, size_t len);
} probes[] = {
	{ "CVE-2020-29374 vmsplice after fork", probe_cve_2020_29374 },
	{ "CVE-2020-29374 via swap-in", probe_cve_2020_29374_swap },
	{ "R/O long-term pin coherent after fork and write", probe_ro_pin_after_fork },
};

int main(void)
{
	int pass = 0, fail = 0, error = 0, skip = 0;
	size_t n = sizeof(probes) / sizeof(probes[0]);

	printf("TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		char detail[160] = "";
		enum verdict v = probes[i].run(detail, sizeof(detail));

		fflush(stdout);
		if (v == SKIPPED) {
			skip++;
			printf("ok %zu %s # SKIP %s\n", i + 1, probes[i].name, detail);
			continue;
		}
		if (v == SAFE)
			pass++;
		else if (v == LEAKED)
			fail++;
		else
			error++;
		printf("%s %zu %s: %s: %s\n", v == SAFE ? "ok" : "not ok", i + 1, probes[i].name,
		       v == SAFE ? "safe" : v == LEAKED ? "UNSAFE" : "error", detail);
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:%d\n", pass, fail, skip,
	       error);
	return fail || error ? 1 : 0;
}
