// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench-probes: correctness probes of the COW/GUP policies, in the
 * kselftest TAP format (so a run stores and totals them like the kernel's
 * own selftests).  A probe observes; it never asserts from a table what a
 * policy is supposed to do.
 *
 * Verdicts and their TAP lines ("<name>" never holds a ':', the matrix
 * takes the name from before the first one):
 *   SAFE     "ok N <name>: safe: <detail>"
 *   LEAKED   "not ok N <name>: UNSAFE: <detail>" -- data crossed where it
 *            must not: a pin diverged from what its process maps, or a
 *            process saw another's write after fork
 *   REFUSED  "not ok N <name>: refused: <ERRNO> <detail>" -- the kernel
 *            refused a pin and the caller broke (errno or short count
 *            recorded); safe, but a real caller does not work
 *   BROKEN   "not ok N <name>: error: <detail>" -- the probe itself failed
 *   SKIPPED  "ok N <name> # SKIP <detail>"
 * A negative control (a probe of a check known to be too weak) that leaks
 * is TAP's expected failure, "not ok N <name>: UNSAFE: <detail> # TODO
 * <why>" (xfail); one that does not leak is an xpass, "ok N ... # TODO",
 * and means the probe is blind.  A '#' in a detail becomes '_'.
 * The "# Totals:" line counts LEAKED and REFUSED as fail, BROKEN as error;
 * a "# cowbench verdicts:" comment before it splits them.  "# cowbench
 * knob" comments record /sys/kernel/mm/cowbench/ (every file) before the
 * first probe and after the last.  Probes 1-3 keep their numbers and names;
 * new probes are appended.
 *
 * Exit status: 0 every probe safe or skipped; 1 a probe saw a leak,
 * broke, or a negative control saw none; 2 nothing unsafe, but a pin was refused (a caller broke).
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
 * R/O pin coherency (cowbench.ro_pin=): fork while a child keeps the page
 * mapped, take a long-term read-only pin of the (shared) page in the parent
 * (gup_test's PIN_LONGTERM_TEST_*, the slow path, or GUP-fast with
 * PIN_LONGTERM_TEST_FLAG_USE_FAST), let the child exit, then write to the
 * page.  If the write fault copied the page instead of reusing it, the pin
 * holds a page the process no longer maps: what the pin reads is not what
 * was written.  (Pinning first and forking after is no test of ro_pin: fork
 * copies pinned pages for the child and leaves the parent's writable.)  The
 * "child alive" twin writes while the child still maps the page: a pin that
 * reads the old data, as the child's page does, is on the child's page.
 *
 * The real callers a refused R/O pin breaks, each on a buffer shared with a
 * live child after fork: process_vm_readv() of the child's page (a remote
 * R/O pin), an O_DIRECT write from the buffer to /dev/nullb0 (the block
 * layer pins a write's source R/O), io_uring fixed-buffer registration
 * (a FOLL_WRITE|FOLL_LONGTERM pin: it breaks COW by a write fault instead).
 *
 * Fork of pinned pages (cowbench.fork_pinned=): pin first (an io_uring
 * fixed buffer, or a gup_test FOLL_WRITE long-term pin), then fork, then
 *   a) the parent writes: the pin must read what the parent wrote, and the
 *      child must not see it;
 *   b) the child writes: neither the parent's page nor the pin may see it;
 *   c) a write through the pin (io_uring READ_FIXED from a memfd, a DMA-like
 *      write) while the child only reads: the parent must see it, the child
 *      must not;
 *   d) the parent unmaps (the pin keeps the page), a write through the pin,
 *      then the child reads and writes: the child must neither see the
 *      write through the pin nor write into the pinned page;
 *   e) the parent unpins and unmaps, the child writes: no one else can see
 *      the page, so only the events of the child's write (given apart)
 *      tell a reuse from a copy.
 * A pin read through io_uring is an IORING_OP_WRITE_FIXED into a memfd,
 * through gup_test a PIN_LONGTERM_TEST_READ.
 *
 * The pin probes run on a 4 KiB page, a THP (MADV_HUGEPAGE; SKIP if the
 * fault did not give one) and a hugetlb page (SKIP if none can be
 * reserved), like the kernel's mm/cow.c.  Each probe's line ends with the
 * vm events that moved while it ran, "[ev name+N ...]", system-wide (a
 * fork's and its child's own stack copies are in them too).
 *
 * pin-rw-fork-coherent: a R/W long-term pin (gup_test), fork, the child
 * writes its copy, then the parent writes: the pin must read the parent's
 * write and the child its own.  (fork-pinned (a) has the parent write while
 * the child still shares; here the child's write came first, so the
 * parent's write fault finds the page mapped once but, if fork shared it,
 * not exclusive.)
 *
 * Pin accounting (cowbench.pin_bias=): pin-refcount-balance puts one page
 * through a mix of reference and pin traffic -- gup_test's
 * get and pin calls (slow path, GUP-fast, long-term), vmsplice() and a
 * drained pipe, an io_uring fixed buffer, process_vm_readv(), a fork whose
 * child reads the page, a fork under a R/W long-term pin -- and after each
 * reads the page's refcount, mapcount and (THP) _pincount with gup_test's
 * PAGE_STATE_TEST (patch 0014; SKIP without it): each must be what it was
 * before, or a get or pin leaked (refcount up) or was dropped twice (down).
 * The -thp twin runs on a page of a PMD-mapped THP, whose pins count in
 * _pincount.  reclaim-anon: MADV_PAGEOUT of 4 MiB of exclusive, unpinned
 * small pages must send at least 90% of them to swap; a "maybe pinned"
 * check that counts references the kernel should expect keeps them (vmscan
 * asks it of every page, MMF_HAS_PINNED or not).
 *
 * guest_memfd conversion (cowbench.gmem_convert=, patches/6.12/0015),
 * probes 46-54 in bench/probes_gmem.c (its top comment tells each): a
 * vmsplice() reference or a long-term pin must block a shared page's
 * conversion to private (the weak check's vmsplice twin is the negative
 * control: it leaks, with the bytes shown); a converted page must give
 * SIGBUS, not data, to a touch, /proc/self/mem, process_vm_readv() and an
 * mmap() racing the conversion; and what the active policy refuses is
 * recorded, errno by errno.  All SKIP without /sys/kernel/debug/cowbench_gmem.
 * The table (probes.h, struct probe) is one ordered list; a family in its
 * own file adds its block at the end (GMEM_PROBES).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gup_test.h"
#include "guest_util.h"
#include "probes.h"

static const char secret[] = "cowbench-secret: the parent wrote this after fork";


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
long long vmstat(const char *name)
{
	return cb_proc_value("/proc/vmstat", name);
}

#define PM_PFN_MASK ((1ULL << 55) - 1)	/* 0 without CAP_SYS_ADMIN */
#define PM_SWAP (1ULL << 62)

/* The /proc/self/pagemap entries of @nr pages from @addr: 0, or -1 with errno. */
static int pagemap_read(const void *addr, size_t nr, uint64_t *entries)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t bytes = nr * sizeof(*entries);
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	n = pread(fd, entries, bytes, (off_t)((uintptr_t)addr / PAGE * sizeof(*entries)));
	err = n < 0 ? errno : EIO;
	close(fd);
	if (n != (ssize_t)bytes) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Push @page out to swap; SKIPPED if it stayed resident (no swap). */
static enum verdict page_out(char *page, char *detail, size_t len)
{
	uint64_t entry = 0;

	if (madvise(page, PAGE, MADV_PAGEOUT)) {
		snprintf(detail, len, "MADV_PAGEOUT: %s", strerror(errno));
		return errno == EINVAL ? SKIPPED : BROKEN;
	}
	if (pagemap_read(page, 1, &entry)) {
		snprintf(detail, len, "/proc/self/pagemap: %s", strerror(errno));
		return BROKEN;
	}
	if (!(entry & PM_SWAP)) {
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

/* --- helpers of the pin probes --- */

/* The vm events a probe reports the moves of (absent on a stock kernel). */
const char *const events[] = {
	"cow_copy", "cow_unshare", "cow_reuse_exclusive", "cow_reuse_checked",
	"fork_copy_pinned", "ro_pin_unshare", "ro_pin_shared", "ro_pin_refused",
	"fork_share_pinned", "cow_reuse_pinned", "cow_copy_noreuse", "thp_split_pmd",
	"fork_copy_unexplained", "pin_refused_overflow", "get_refused_overflow",
	/* guest_memfd conversion (patches/6.12/0015) */
	"gmem_to_private", "gmem_to_shared", "gmem_unmapped", "gmem_refused_mapped",
	"gmem_refused_refs", "gmem_drain_saved", "gmem_sigbus", "gmem_mmap_refused",
};
_Static_assert(sizeof(events) / sizeof(events[0]) == NR_EVENTS, "NR_EVENTS in probes.h");

void ev_take(struct evsnap *s)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	long long value;

	for (size_t i = 0; i < NR_EVENTS; i++)
		s->v[i] = -1;
	while (f && fscanf(f, "%63s %lld", key, &value) == 2)
		for (size_t i = 0; i < NR_EVENTS; i++)
			if (!strcmp(key, events[i]))
				s->v[i] = value;
	if (f)
		fclose(f);
}

/* " [ev cow_copy+1 ...]": the events that moved since @before. */
void ev_append(const struct evsnap *before, char *detail, size_t len)
{
	struct evsnap now;
	bool any = false, known = false;

	ev_take(&now);
	for (size_t i = 0; i < NR_EVENTS; i++) {
		if (before->v[i] < 0 || now.v[i] < 0)
			continue;
		known = true;
		if (now.v[i] == before->v[i])
			continue;
		cb_append(detail, len, "%s%s%+lld", any ? " " : " [ev ", events[i],
		       now.v[i] - before->v[i]);
		any = true;
	}
	if (any)
		cb_append(detail, len, "]");
	else
		cb_append(detail, len, known ? " [ev none]" : " [ev: no cowbench events]");
}

static const char *const kind_name[] = { "4KiB", "THP", "hugetlb" };

static char hugetlb_saved[32];	/* nr_hugepages before this run raised it */

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static void hugetlb_restore(void)
{
	if (hugetlb_saved[0])
		cb_write_text("/proc/sys/vm/nr_hugepages", hugetlb_saved);
}

/* At least 8 free 2 MiB hugetlb pages (a probe, its fork and COW copies). */
static void hugetlb_reserve(void)
{
	static const char free_path[] = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
	long nr = read_long("/proc/sys/vm/nr_hugepages"), free = read_long(free_path);
	char text[32];

	if (nr < 0 || free < 0 || free >= 8)
		return;
	if (!hugetlb_saved[0]) {
		snprintf(hugetlb_saved, sizeof(hugetlb_saved), "%ld", nr);
		atexit(hugetlb_restore);
	}
	snprintf(text, sizeof(text), "%ld", nr + 8 - free);
	cb_write_text("/proc/sys/vm/nr_hugepages", text);
}

/* Is @mem the start of a PMD-mapped THP?  From its smaps AnonHugePages. */
static bool is_thp(const char *mem)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	bool in = false, thp = false;
	unsigned long lo, hi, kb;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)mem >= lo && (uintptr_t)mem < hi;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			thp = kb >= HUGE / 1024;
	}
	if (f)
		fclose(f);
	return thp;
}

/* Map one page of @kind filled with @fill; SKIPPED or BROKEN with @detail. */
static enum verdict region_map(struct region *r, enum kind kind, char fill, char *detail,
			       size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	memset(r, 0, sizeof(*r));
	r->size = kind == K_SMALL ? PAGE : HUGE;
	r->maplen = kind == K_THP ? 2 * HUGE : r->size;
	if (kind == K_HUGETLB) {
		hugetlb_reserve();
		flags |= MAP_HUGETLB;
	}
	r->base = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		snprintf(detail, len, "mmap %s: %s", kind_name[kind], strerror(errno));
		return kind == K_HUGETLB ? SKIPPED : BROKEN;
	}
	r->mem = r->base;
	if (kind == K_THP) {
		r->mem = (char *)(((uintptr_t)r->base + HUGE - 1) & ~(HUGE - 1));
		if (madvise(r->mem, HUGE, MADV_HUGEPAGE)) {
			snprintf(detail, len, "MADV_HUGEPAGE: %s", strerror(errno));
			return SKIPPED;
		}
	}
	memset(r->mem, fill, r->size);
	if (kind == K_THP && !is_thp(r->mem)) {
		snprintf(detail, len, "MADV_HUGEPAGE did not give a THP");
		return SKIPPED;
	}
	return SAFE;
}

static void region_unmap(struct region *r)
{
	if (r->base)
		munmap(r->base, r->maplen);
	r->base = NULL;
}

/* The byte all of @mem holds, or '?' if it is not uniform. */
static char view(const char *mem, size_t size)
{
	for (size_t i = 1; i < size; i++)
		if (mem[i] != mem[0])
			return '?';
	return mem[0];
}

/*
 * A forked peer that maps the region and answers: 'r' -> the byte its
 * mapping holds, 'w' -> writes 'C' over it and answers 'C'; EOF -> exit.
 */
struct peer {
	pid_t pid;
	int cmd, rep;
};

static enum verdict peer_start(struct peer *p, struct region *r, char *detail, size_t len)
{
	int down[2], up[2];

	p->pid = -1;
	if (pipe(down) || pipe(up)) {
		snprintf(detail, len, "pipe: %s", strerror(errno));
		return BROKEN;
	}
	fflush(stdout);
	p->pid = fork();
	if (p->pid == 0) {
		char c, answer;

		close(down[1]);
		close(up[0]);
		while (read(down[0], &c, 1) == 1) {
			if (c == 'w')
				memset(r->mem, 'C', r->size);
			answer = view(r->mem, r->size);
			if (write(up[1], &answer, 1) != 1)
				break;
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	p->cmd = down[1];
	p->rep = up[0];
	if (p->pid < 0) {
		snprintf(detail, len, "fork: %s", strerror(errno));
		return BROKEN;
	}
	return SAFE;
}

/* The peer's answer to @cmd, or 0 if it did not answer (killed?). */
static char peer_ask(struct peer *p, char cmd)
{
	char c;

	if (write(p->cmd, &cmd, 1) != 1 || read(p->rep, &c, 1) != 1)
		return 0;
	return c;
}

/* Let the peer exit; -1 with @detail if it died otherwise. */
static int peer_end(struct peer *p, char *detail, size_t len)
{
	int status;

	if (p->pid < 0)
		return 0;
	close(p->cmd);
	close(p->rep);
	if (waitpid(p->pid, &status, 0) != p->pid) {
		snprintf(detail, len, "waitpid: %s", strerror(errno));
		return -1;
	}
	p->pid = -1;
	if (WIFSIGNALED(status)) {
		snprintf(detail, len, "the child was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		return -1;
	}
	return 0;
}

/* A "# SKIP" or error of a region, as the probe's verdict. */
#define REGION_OR_RETURN(r, kind, fill, detail, len)                          \
	do {                                                                  \
		enum verdict v_ = region_map(r, kind, fill, detail, len);     \
		if (v_ != SAFE) {                                             \
			region_unmap(r);                                      \
			return v_;                                            \
		}                                                             \
	} while (0)

/* --- long-term pins: gup_test or an io_uring fixed buffer --- */

enum verdict pin_open(struct pin *p, enum pinner how, struct region *r, char *detail,
		      size_t len)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->how = how;
	p->r = r;
	p->gup = p->memfd = -1;
	if (how == PIN_GUP) {
		p->gup = open(GUP_TEST_PATH, O_RDWR);
		if (p->gup < 0) {
			snprintf(detail, len, "no %s (CONFIG_GUP_TEST, debugfs, root)",
				 GUP_TEST_PATH);
			return SKIPPED;
		}
		return SAFE;
	}
	ret = io_uring_queue_init(4, &p->ring, 0);
	if (ret) {
		snprintf(detail, len, "io_uring_queue_init: %s", strerror(-ret));
		return ret == -ENOSYS || ret == -EPERM ? SKIPPED : BROKEN;
	}
	p->ring_ok = true;
	p->memfd = memfd_create("cowbench-probe", MFD_CLOEXEC);
	if (p->memfd < 0 || ftruncate(p->memfd, (off_t)r->size)) {
		snprintf(detail, len, "memfd: %s", strerror(errno));
		return BROKEN;
	}
	return SAFE;
}

/* Pin the region: 0, or -errno (the pin call failed). */
int pin_take(struct pin *p, uint32_t gup_flags)
{
	struct pin_longterm_test t = { .addr = (uintptr_t)p->r->mem, .size = p->r->size,
				       .flags = gup_flags };
	struct iovec iov = { .iov_base = p->r->mem, .iov_len = p->r->size };
	int ret;

	if (p->how == PIN_GUP)
		ret = ioctl(p->gup, PIN_LONGTERM_TEST_START, &t) ? -errno : 0;
	else
		ret = io_uring_register_buffers(&p->ring, &iov, 1);
	p->pinned = !ret;
	return ret;
}

int ring_fixed(struct pin *p, bool to_file)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&p->ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	if (to_file)
		io_uring_prep_write_fixed(sqe, p->memfd, p->r->mem, p->r->size, 0, 0);
	else
		io_uring_prep_read_fixed(sqe, p->memfd, p->r->mem, p->r->size, 0, 0);
	ret = io_uring_submit(&p->ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(&p->ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&p->ring, cqe);
	return ret == (int)p->r->size ? 0 : ret < 0 ? ret : -EIO;
}

/* What the pinned pages hold, as view() does; 0 with @detail on failure. */
static char pin_read(struct pin *p, char *detail, size_t len)
{
	char *buf = malloc(p->r->size), c = 0;
	uint64_t into = (uintptr_t)buf;
	int ret;

	if (!buf) {
		snprintf(detail, len, "malloc: %s", strerror(errno));
		return 0;
	}
	if (p->how == PIN_GUP) {
		if (ioctl(p->gup, PIN_LONGTERM_TEST_READ, &into))
			snprintf(detail, len, "PIN_LONGTERM_TEST_READ: %s", strerror(errno));
		else
			c = view(buf, p->r->size);
	} else {
		ret = ring_fixed(p, true);
		if (ret)
			snprintf(detail, len, "IORING_OP_WRITE_FIXED: %s", strerror(-ret));
		else if (pread(p->memfd, buf, p->r->size, 0) != (ssize_t)p->r->size)
			snprintf(detail, len, "pread memfd: %s", strerror(errno));
		else
			c = view(buf, p->r->size);
	}
	free(buf);
	return c;
}

/* A write of @fill through the pin (io_uring READ_FIXED), not the page tables. */
static int pin_write(struct pin *p, char fill, char *detail, size_t len)
{
	char *buf = malloc(p->r->size);
	int ret = -1;

	if (!buf) {
		snprintf(detail, len, "malloc: %s", strerror(errno));
		return -1;
	}
	memset(buf, fill, p->r->size);
	if (pwrite(p->memfd, buf, p->r->size, 0) != (ssize_t)p->r->size)
		snprintf(detail, len, "pwrite memfd: %s", strerror(errno));
	else if ((ret = ring_fixed(p, false)))
		snprintf(detail, len, "IORING_OP_READ_FIXED: %s", strerror(-ret));
	free(buf);
	return ret ? -1 : 0;
}

/* Unpin; 0 or -errno. */
int pin_release(struct pin *p)
{
	int ret = 0;

	if (p->pinned && p->how == PIN_GUP)
		ret = ioctl(p->gup, PIN_LONGTERM_TEST_STOP) ? -errno : 0;
	if (p->pinned && p->how == PIN_URING)
		ret = io_uring_unregister_buffers(&p->ring);
	p->pinned = false;
	return ret;
}

void pin_close(struct pin *p)
{
	pin_release(p);
	if (p->ring_ok)
		io_uring_queue_exit(&p->ring);
	if (p->gup >= 0)
		close(p->gup);
	if (p->memfd >= 0)
		close(p->memfd);
	p->pinned = p->ring_ok = false;
	p->gup = p->memfd = -1;
}

/* A failed pin call: REFUSED unless it was the probe's own misuse. */
enum verdict refused(int err, const char *call, char *detail, size_t len)
{
	snprintf(detail, len, "%s from %s", cb_errname(err), call);
	return err == EINVAL || err == ENOTTY ? BROKEN : REFUSED;
}

/* --- cowbench.ro_pin=: R/O pins of a page shared after fork --- */

/*
 * Fork, R/O pin in the parent while the child maps the page, let the child
 * exit, write: the pin must read the write.
 */
static enum verdict probe_ro_pin_after_fork(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct pin p;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	const char *call = pr->arg & PIN_LONGTERM_TEST_FLAG_USE_FAST ?
				   "PIN_LONGTERM_TEST_START (GUP-fast)" : "PIN_LONGTERM_TEST_START";
	char seen;
	int ret;

	v = pin_open(&p, PIN_GUP, &r, detail, len);
	if (v != SAFE)
		return v;
	v = region_map(&r, pr->kind, 'A', detail, len);
	if (v != SAFE)
		goto out;
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	ev_take(&ev);
	/* The page is shared with the child: the R/O pin must unshare it. */
	ret = pin_take(&p, (uint32_t)pr->arg);
	if (peer_end(&child, detail, len)) {
		v = BROKEN;
		goto out;
	}
	if (ret) {
		v = refused(-ret, call, detail, len);
		goto events;
	}
	memset(r.mem, 'B', r.size);	/* the write fault: reuse or copy? */
	seen = pin_read(&p, detail, len);
	if (!seen) {
		v = BROKEN;
	} else if (seen == 'B') {
		snprintf(detail, len, "the pinned page is the page the process wrote");
		v = SAFE;
	} else {
		snprintf(detail, len, "the pin still reads '%c' after the process wrote 'B': "
			 "the write fault replaced the pinned page", seen);
		v = LEAKED;
	}
events:
	ev_append(&ev, detail, len);
out:
	pin_close(&p);
	region_unmap(&r);
	return v;
}

/*
 * Fork, R/O pin in the parent, the parent writes while the child still
 * maps the page: a pin that reads the old data, as the child's page does,
 * is on the child's page.
 */
static enum verdict probe_ro_pin_child_alive(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct pin p;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	char pinned, theirs;
	int ret;

	v = pin_open(&p, PIN_GUP, &r, detail, len);
	if (v != SAFE)
		return v;
	v = region_map(&r, pr->kind, 'A', detail, len);
	if (v != SAFE)
		goto out;
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	ev_take(&ev);
	ret = pin_take(&p, (uint32_t)pr->arg);
	if (ret) {
		v = refused(-ret, "PIN_LONGTERM_TEST_START", detail, len);
		goto end;
	}
	memset(r.mem, 'B', r.size);
	pinned = pin_read(&p, detail, len);
	theirs = peer_ask(&child, 'r');
	if (!pinned || !theirs) {
		if (!theirs)
			snprintf(detail, len, "the child did not answer");
		v = BROKEN;
	} else if (pinned == 'B' && theirs == 'A') {
		snprintf(detail, len, "the pin reads the parent's 'B', the child reads 'A'");
		v = SAFE;
	} else if (pinned == theirs) {
		snprintf(detail, len, "the pin reads '%c' after the parent wrote 'B', as the "
			 "child's page does: the pin is on the child's page", pinned);
		v = LEAKED;
	} else {
		snprintf(detail, len, "the pin reads '%c', the child '%c', after the parent "
			 "wrote 'B'", pinned, theirs);
		v = LEAKED;
	}
end:
	ev_append(&ev, detail, len);
	if (peer_end(&child, detail, len))
		v = BROKEN;
out:
	pin_close(&p);
	region_unmap(&r);
	return v;
}

/* process_vm_readv() of the page a live child shares with us (remote R/O pin). */
static enum verdict probe_caller_readv(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	char *dst;
	ssize_t n;

	REGION_OR_RETURN(&r, pr->kind, 'A', detail, len);
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	/* After the fork: the destination is not shared. */
	dst = mmap(NULL, r.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED) {
		snprintf(detail, len, "mmap: %s", strerror(errno));
		v = BROKEN;
		goto end;
	}
	{
		struct iovec local = { .iov_base = dst, .iov_len = r.size };
		struct iovec remote = { .iov_base = r.mem, .iov_len = r.size };

		ev_take(&ev);
		n = process_vm_readv(child.pid, &local, 1, &remote, 1, 0);
	}
	if (n < 0 && errno == ENOSYS) {
		snprintf(detail, len, "kernel without CONFIG_CROSS_MEMORY_ATTACH");
		v = SKIPPED;
	} else if (n < 0) {
		v = refused(errno, "process_vm_readv of the child's shared page", detail, len);
	} else if (n != (ssize_t)r.size) {
		snprintf(detail, len, "short read: %zd of %zu bytes of the child's shared page",
			 n, r.size);
		v = REFUSED;
	} else if (view(dst, r.size) != 'A') {
		snprintf(detail, len, "read %zd bytes, not the child's 'A'", n);
		v = LEAKED;
	} else {
		snprintf(detail, len, "read the child's %zu bytes", r.size);
		v = SAFE;
	}
	if (v != SKIPPED)
		ev_append(&ev, detail, len);
	munmap(dst, r.size);
end:
	if (peer_end(&child, detail, len))
		v = BROKEN;
out:
	region_unmap(&r);
	return v;
}

/* O_DIRECT write to a block device from a buffer shared with a live child. */
static enum verdict probe_caller_odirect(const struct probe *pr, char *detail, size_t len)
{
	static const char dev[] = "/dev/nullb0";
	struct region r;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	int fd = open(dev, O_WRONLY | O_DIRECT | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(detail, len, "%s: %s (kernel without CONFIG_BLK_DEV_NULL_BLK?)", dev,
			 strerror(errno));
		return errno == ENOENT || errno == ENXIO || errno == ENODEV ? SKIPPED : BROKEN;
	}
	v = region_map(&r, pr->kind, 'A', detail, len);
	if (v != SAFE)
		goto out;
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	ev_take(&ev);
	n = pwrite(fd, r.mem, r.size, 0);
	if (n < 0)
		v = refused(errno, "O_DIRECT pwrite to /dev/nullb0", detail, len);
	else if (n != (ssize_t)r.size) {
		snprintf(detail, len, "short O_DIRECT write: %zd of %zu bytes", n, r.size);
		v = REFUSED;
	} else {
		snprintf(detail, len, "wrote %zd bytes O_DIRECT to %s", n, dev);
		v = SAFE;
	}
	ev_append(&ev, detail, len);
	if (peer_end(&child, detail, len))
		v = BROKEN;
out:
	region_unmap(&r);
	close(fd);
	return v;
}

/*
 * io_uring fixed-buffer registration of a buffer shared with a live child:
 * a FOLL_WRITE long-term pin.  If it is taken, the pin must be the
 * parent's page, and the child's page untouched.
 */
static enum verdict probe_caller_uring(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct pin p;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	char pinned, theirs;
	int ret;

	REGION_OR_RETURN(&r, pr->kind, 'A', detail, len);
	v = pin_open(&p, PIN_URING, &r, detail, len);
	if (v != SAFE)
		goto out;
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	ev_take(&ev);
	ret = pin_take(&p, 0);
	if (ret) {
		v = ret == -ENOMEM ? BROKEN : REFUSED;
		snprintf(detail, len, "%s from io_uring_register_buffers", cb_errname(-ret));
		goto end;
	}
	memset(r.mem, 'B', r.size);
	pinned = pin_read(&p, detail, len);
	theirs = peer_ask(&child, 'r');
	if (!pinned || !theirs) {
		if (!theirs)
			snprintf(detail, len, "the child did not answer");
		v = BROKEN;
	} else if (pinned == 'B' && theirs == 'A') {
		snprintf(detail, len, "registered; the parent's later write is in the fixed "
			 "buffer, the child reads 'A'");
		v = SAFE;
	} else {
		snprintf(detail, len, "registered; after the parent wrote 'B' the fixed buffer "
			 "reads '%c', the child '%c'", pinned, theirs);
		v = LEAKED;
	}
end:
	ev_append(&ev, detail, len);
	if (peer_end(&child, detail, len))
		v = BROKEN;
out:
	pin_close(&p);
	region_unmap(&r);
	return v;
}

/* --- cowbench.fork_pinned=: fork of pages pinned before it --- */

enum step {
	STEP_PARENT_WRITES, STEP_CHILD_WRITES, STEP_PIN_WRITES, STEP_UNMAP_CHILD_WRITES,
	STEP_UNPIN_CHILD_WRITES, STEP_CHILD_THEN_PARENT_WRITES,
};

static enum verdict probe_fork_pinned(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct pin p;
	struct peer child;
	struct evsnap ev;
	enum verdict v;
	enum pinner how = (enum pinner)pr->arg2;
	char pinned = 0, theirs = 0, ours, dma = 'A', wev_text[200] = "";
	struct evsnap wev;
	int ret;

	REGION_OR_RETURN(&r, pr->kind, 'A', detail, len);
	v = pin_open(&p, how, &r, detail, len);
	if (v != SAFE)
		goto out;
	ret = pin_take(&p, PIN_LONGTERM_TEST_FLAG_USE_WRITE);
	if (ret) {
		snprintf(detail, len, "%s from %s (an exclusive page, before fork)",
			 cb_errname(-ret), how == PIN_GUP ? "PIN_LONGTERM_TEST_START" :
			 "io_uring_register_buffers");
		v = BROKEN;
		goto out;
	}
	ev_take(&ev);
	v = peer_start(&child, &r, detail, len);
	if (v != SAFE)
		goto out;
	v = BROKEN;	/* until a step has seen all it looks at */
	switch ((enum step)pr->arg) {
	case STEP_PARENT_WRITES:
		memset(r.mem, 'P', r.size);
		pinned = pin_read(&p, detail, len);
		theirs = peer_ask(&child, 'r');
		if (!pinned || !theirs)
			break;
		if (pinned == 'P' && theirs == 'A') {
			snprintf(detail, len, "the pin reads the parent's 'P', the child 'A'");
			v = SAFE;
			break;
		}
		v = LEAKED;
		snprintf(detail, len, "after the parent wrote 'P': ");
		if (pinned != 'P')
			cb_append(detail, len, "the pin reads '%c' (it is not the parent's page); ",
			       pinned);
		if (theirs == 'P')
			cb_append(detail, len, "the child sees the parent's post-fork write");
		else
			cb_append(detail, len, "the child reads '%c'", theirs);
		break;
	case STEP_CHILD_WRITES:
		theirs = peer_ask(&child, 'w');
		pinned = pin_read(&p, detail, len);
		ours = view(r.mem, r.size);
		if (!pinned || !theirs)
			break;
		if (pinned == 'A' && ours == 'A' && theirs == 'C') {
			snprintf(detail, len, "the child wrote 'C'; the parent and the pin read 'A'");
			v = SAFE;
		} else {
			snprintf(detail, len, "the child wrote 'C' and reads '%c'; the parent "
				 "reads '%c', the pin '%c'", theirs, ours, pinned);
			v = LEAKED;
		}
		break;
	case STEP_PIN_WRITES:
		if (pin_write(&p, 'D', detail, len))
			break;
		ours = view(r.mem, r.size);
		theirs = peer_ask(&child, 'r');
		pinned = ours;
		if (!theirs)
			break;
		if (ours == 'D' && theirs == 'A') {
			snprintf(detail, len, "a write 'D' through the pin: the parent sees it, the "
				 "child reads 'A'");
			v = SAFE;
			break;
		}
		v = LEAKED;
		snprintf(detail, len, "after a write 'D' through the pin: ");
		if (ours != 'D')
			cb_append(detail, len, "the parent reads '%c' (the pin is not its page); ",
			       ours);
		if (theirs == 'D')
			cb_append(detail, len, "the child sees the write through the parent's pin");
		else
			cb_append(detail, len, "the child reads '%c'", theirs);
		break;
	case STEP_UNMAP_CHILD_WRITES:
		if (munmap(r.mem, r.size)) {
			snprintf(detail, len, "munmap: %s", strerror(errno));
			break;
		}
		if (how == PIN_URING) {
			if (pin_write(&p, 'D', detail, len))
				break;
			dma = 'D';
		}
		theirs = peer_ask(&child, 'r');
		if (!theirs)
			break;
		ours = theirs;	/* what the child read before it wrote */
		ev_take(&wev);
		theirs = peer_ask(&child, 'w');
		ev_append(&wev, wev_text, sizeof(wev_text));
		pinned = pin_read(&p, detail, len);
		if (!pinned || !theirs)
			break;
		if (pinned == dma && ours == 'A' && theirs == 'C') {
			snprintf(detail, len, "the parent unmapped%s; the child read 'A', wrote "
				 "'C'%s; the pin reads '%c'", dma == 'D' ? ", wrote 'D' through the pin" :
				 "", wev_text, pinned);
			v = SAFE;
			break;
		}
		v = LEAKED;
		snprintf(detail, len, "the parent unmapped%s; the child read '%c'%s, wrote 'C'%s; "
			 "the pin reads '%c'%s", dma == 'D' ? ", wrote 'D' through the pin" : "",
			 ours, ours == 'D' ? " (the write through the parent's pin)" : "", wev_text,
			 pinned, pinned == 'C' ? " (the child wrote into the pinned page)" : "");
		break;
	case STEP_UNPIN_CHILD_WRITES:
		/* Nobody can see the page any more: only the events tell reuse from copy. */
		ret = pin_release(&p);
		if (ret) {
			snprintf(detail, len, "unpin: %s", strerror(-ret));
			break;
		}
		if (munmap(r.mem, r.size)) {
			snprintf(detail, len, "munmap: %s", strerror(errno));
			break;
		}
		ours = peer_ask(&child, 'r');
		ev_take(&wev);
		theirs = peer_ask(&child, 'w');
		ev_append(&wev, wev_text, sizeof(wev_text));
		if (!ours || !theirs)
			break;
		snprintf(detail, len, "the parent unpinned and unmapped; the child read '%c', "
			 "wrote 'C' and reads '%c'; its write:%s; in all:", ours, theirs, wev_text);
		v = ours == 'A' && theirs == 'C' ? SAFE : LEAKED;
		break;
	case STEP_CHILD_THEN_PARENT_WRITES:
		ours = peer_ask(&child, 'w');	/* what the child's write left it */
		memset(r.mem, 'P', r.size);
		pinned = pin_read(&p, detail, len);
		theirs = peer_ask(&child, 'r');
		if (!ours || !pinned || !theirs)
			break;
		if (ours == 'C' && pinned == 'P' && theirs == 'C') {
			snprintf(detail, len, "the child wrote 'C', then the parent 'P': the pin "
				 "reads 'P', the child 'C'");
			v = SAFE;
			break;
		}
		v = LEAKED;
		snprintf(detail, len, "the child wrote 'C' (and read '%c'), then the parent 'P': ",
			 ours);
		if (pinned != 'P')
			cb_append(detail, len, "the pin reads '%c'%s; ", pinned, pinned == 'C' ?
			       " (the child's page)" : " (not the parent's page)");
		cb_append(detail, len, "the child reads '%c'%s", theirs, theirs == 'P' ?
		       " (the parent's write)" : "");
		break;
	}
	if (v == BROKEN && !detail[0])
		snprintf(detail, len, "the child did not answer");
	ev_append(&ev, detail, len);
	if (peer_end(&child, detail, len))
		v = BROKEN;
out:
	pin_close(&p);
	region_unmap(&r);
	return v;
}

/* --- cowbench.pin_bias=: pin accounting and reclaim --- */

/* The page at @addr as the kernel sees it (PAGE_STATE_TEST): 0 or -errno. */
static int page_state_read(int gup, const void *addr, struct page_state *st)
{
	struct page_state_test t = { .addr = (uintptr_t)addr };

	if (ioctl(gup, PAGE_STATE_TEST, &t))
		return -errno;
	*st = t.state;
	return 0;
}

static bool page_state_same(const struct page_state *a, const struct page_state *b)
{
	return a->refcount == b->refcount && a->mapcount == b->mapcount &&
	       a->pincount == b->pincount;
}

/*
 * The page's state once the LRU batches are drained.  A reference some
 * other kernel code holds for a moment is not a leak: read again (up to
 * three times, 10 ms apart) until it matches @want; a leak stays.
 */
static int page_state_settled(int gup, const void *addr, const struct page_state *want,
			      struct page_state *st)
{
	int ret = 0;

	for (int tries = 0; tries < 3; tries++) {
		if (tries)
			usleep(10000);
		cb_lru_settle();
		ret = page_state_read(gup, addr, st);
		if (ret || !want || page_state_same(st, want))
			break;
	}
	return ret;
}

static void page_state_append(const struct page_state *st, char *detail, size_t len)
{
	cb_append(detail, len, "refcount %lld, mapcount %d", (long long)st->refcount,
	       (int)st->mapcount);
	if (st->pincount >= 0)
		cb_append(detail, len, ", pincount %d", (int)st->pincount);
}

/* The page the traffic of pin-refcount-balance is on, and how it is reached. */
struct balance {
	struct region *r;
	char *page;		/* a 4 KiB page of r (for a THP, in its middle) */
	int gup;
};

enum traffic_result { TRAFFIC_DONE, TRAFFIC_UNAVAILABLE, TRAFFIC_BROKEN };

struct traffic {
	const char *what;
	enum traffic_result (*run)(const struct traffic *t, struct balance *b, char *detail,
				   size_t len);
	unsigned long cmd;	/* a gup_test ioctl */
	bool small_only;	/* would split a THP's PMD (not a leak, but no comparison) */
};

/* gup_test gets or pins the page and puts or unpins it before it returns. */
static enum traffic_result traffic_gup_test(const struct traffic *t, struct balance *b,
					    char *detail, size_t len)
{
	struct gup_test g = { .addr = (uintptr_t)b->page, .size = PAGE, .nr_pages_per_call = 1 };

	if (ioctl(b->gup, t->cmd, &g)) {
		snprintf(detail, len, "%s: %s", t->what, cb_errname(errno));
		return TRAFFIC_BROKEN;
	}
	if (g.size != PAGE) {
		snprintf(detail, len, "%s: got no page", t->what);
		return TRAFFIC_BROKEN;
	}
	return TRAFFIC_DONE;
}

/* The pipe takes a reference (FOLL_GET), reading it out drops it. */
static enum traffic_result traffic_vmsplice(const struct traffic *t, struct balance *b,
					    char *detail, size_t len)
{
	static char buf[PAGE];
	struct iovec iov = { .iov_base = b->page, .iov_len = PAGE };
	enum traffic_result res = TRAFFIC_BROKEN;
	int fd[2];

	if (pipe2(fd, O_CLOEXEC)) {
		snprintf(detail, len, "%s: pipe: %s", t->what, strerror(errno));
		return TRAFFIC_BROKEN;
	}
	if (vmsplice(fd[1], &iov, 1, 0) != PAGE)
		snprintf(detail, len, "%s: vmsplice: %s", t->what, strerror(errno));
	else if (read(fd[0], buf, PAGE) != PAGE)
		snprintf(detail, len, "%s: read: %s", t->what, strerror(errno));
	else
		res = TRAFFIC_DONE;
	close(fd[0]);
	close(fd[1]);
	return res;
}

/* io_uring_register_buffers() pins it FOLL_WRITE | FOLL_LONGTERM, unregistering unpins. */
static enum traffic_result traffic_uring(const struct traffic *t, struct balance *b,
					 char *detail, size_t len)
{
	struct iovec iov = { .iov_base = b->page, .iov_len = PAGE };
	struct io_uring ring;
	int ret = io_uring_queue_init(4, &ring, 0);

	if (ret) {
		snprintf(detail, len, "%s: io_uring_queue_init: %s", t->what, cb_errname(-ret));
		return ret == -ENOSYS || ret == -EPERM ? TRAFFIC_UNAVAILABLE : TRAFFIC_BROKEN;
	}
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret)
		snprintf(detail, len, "%s: io_uring_register_buffers: %s", t->what,
			 cb_errname(-ret));
	else if ((ret = io_uring_unregister_buffers(&ring)))
		snprintf(detail, len, "%s: io_uring_unregister_buffers: %s", t->what,
			 cb_errname(-ret));
	io_uring_queue_exit(&ring);
	return ret ? TRAFFIC_BROKEN : TRAFFIC_DONE;
}

/* process_vm_readv() of our own page: a remote R/O FOLL_PIN, unpinned after the copy. */
static enum traffic_result traffic_readv(const struct traffic *t, struct balance *b,
					 char *detail, size_t len)
{
	static char buf[PAGE];
	struct iovec local = { .iov_base = buf, .iov_len = PAGE };
	struct iovec remote = { .iov_base = b->page, .iov_len = PAGE };
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	if (n < 0 && errno == ENOSYS) {
		snprintf(detail, len, "%s: kernel without CONFIG_CROSS_MEMORY_ATTACH", t->what);
		return TRAFFIC_UNAVAILABLE;
	}
	if (n != PAGE) {
		snprintf(detail, len, "%s: %s", t->what, n < 0 ? cb_errname(errno) : "short read");
		return TRAFFIC_BROKEN;
	}
	return TRAFFIC_DONE;
}

/* fork: the child maps the page (or, if fork copied it, its copy), reads it and exits. */
static enum traffic_result traffic_fork(const struct traffic *t, struct balance *b,
					char *detail, size_t len)
{
	struct peer child;
	char seen;

	if (peer_start(&child, b->r, detail, len) != SAFE)
		return TRAFFIC_BROKEN;
	seen = peer_ask(&child, 'r');
	if (peer_end(&child, detail, len))
		return TRAFFIC_BROKEN;
	if (seen != 'A') {
		snprintf(detail, len, "%s: the child read '%c', not 'A'", t->what, seen ? seen : '0');
		return TRAFFIC_BROKEN;
	}
	return TRAFFIC_DONE;
}

/*
 * The same fork under a R/W long-term pin of the page (fork copies it for
 * the child, or shares it under fork_pinned=wp-noreuse), unpinned after.
 */
static enum traffic_result traffic_fork_pinned(const struct traffic *t, struct balance *b,
					       char *detail, size_t len)
{
	struct pin_longterm_test pin = { .addr = (uintptr_t)b->page, .size = PAGE,
					 .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	enum traffic_result res;

	if (ioctl(b->gup, PIN_LONGTERM_TEST_START, &pin)) {
		snprintf(detail, len, "%s: PIN_LONGTERM_TEST_START: %s", t->what, cb_errname(errno));
		return TRAFFIC_BROKEN;
	}
	res = traffic_fork(t, b, detail, len);
	if (ioctl(b->gup, PIN_LONGTERM_TEST_STOP) && res == TRAFFIC_DONE) {
		snprintf(detail, len, "%s: PIN_LONGTERM_TEST_STOP: %s", t->what, cb_errname(errno));
		res = TRAFFIC_BROKEN;
	}
	return res;
}

/*
 * In this order: every pin is of an exclusive page, before a fork made it
 * shared, so that no R/O pin unshares it (a copy: the comparison would be
 * of another page), and the process never writes it.
 */
static const struct traffic traffic[] = {
	{ "GUP_BASIC_TEST", traffic_gup_test, GUP_BASIC_TEST, false },
	{ "PIN_BASIC_TEST", traffic_gup_test, PIN_BASIC_TEST, false },
	{ "GUP_FAST_BENCHMARK", traffic_gup_test, GUP_FAST_BENCHMARK, false },
	{ "PIN_FAST_BENCHMARK", traffic_gup_test, PIN_FAST_BENCHMARK, false },
	{ "PIN_LONGTERM_BENCHMARK", traffic_gup_test, PIN_LONGTERM_BENCHMARK, false },
	{ "vmsplice and read", traffic_vmsplice, 0, false },
	{ "io_uring fixed buffer", traffic_uring, 0, false },
	{ "process_vm_readv", traffic_readv, 0, false },
	/* fork splits a pinned THP's PMD to copy it: refcount and mapcount change */
	{ "fork under a R/W pin", traffic_fork_pinned, 0, true },
	{ "fork", traffic_fork, 0, false },
};
#define NR_TRAFFIC (sizeof(traffic) / sizeof(traffic[0]))

/* The page's PFN (0 if pagemap shows none: no CAP_SYS_ADMIN). */
static uint64_t page_pfn(const void *page)
{
	uint64_t entry = 0;

	return pagemap_read(page, 1, &entry) ? 0 : entry & PM_PFN_MASK;
}

static enum verdict probe_pin_balance(const struct probe *pr, char *detail, size_t len)
{
	struct region r;
	struct balance b = { .r = &r, .gup = -1 };
	struct page_state before, now;
	struct evsnap ev;
	enum verdict v = SAFE;
	char unavailable[200] = "";
	uint64_t pfn;
	size_t done = 0;
	int ret;

	b.gup = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (b.gup < 0) {
		snprintf(detail, len, "no %s (CONFIG_GUP_TEST, debugfs, root)", GUP_TEST_PATH);
		return SKIPPED;
	}
	v = region_map(&r, pr->kind, 'A', detail, len);
	if (v != SAFE)
		goto out;
	b.page = r.mem + (r.size / 2 & ~(PAGE - 1));
	ret = page_state_settled(b.gup, b.page, NULL, &before);
	if (ret) {
		snprintf(detail, len, "PAGE_STATE_TEST: %s", cb_errname(-ret));
		if (ret == -EINVAL || ret == -ENOTTY) {
			cb_append(detail, len, " (kernel without cowbench patch 0014)");
			v = SKIPPED;
		} else {
			v = BROKEN;
		}
		goto out;
	}
	pfn = page_pfn(b.page);
	ev_take(&ev);
	for (size_t i = 0; i < NR_TRAFFIC && v == SAFE; i++) {
		const struct traffic *t = &traffic[i];

		if (t->small_only && pr->kind != K_SMALL)
			continue;
		switch (t->run(t, &b, detail, len)) {
		case TRAFFIC_UNAVAILABLE:
			cb_append(unavailable, sizeof(unavailable), "; not run: %s", detail);
			detail[0] = 0;
			continue;
		case TRAFFIC_BROKEN:
			v = BROKEN;
			continue;
		case TRAFFIC_DONE:
			break;
		}
		done++;
		ret = page_state_settled(b.gup, b.page, &before, &now);
		if (ret) {
			snprintf(detail, len, "PAGE_STATE_TEST after %s: %s", t->what, cb_errname(-ret));
			v = BROKEN;
		} else if (pfn && page_pfn(b.page) != pfn) {
			snprintf(detail, len, "the page moved (pfn 0x%llx -> 0x%llx) by %s: the "
				 "comparison is not of one page", (unsigned long long)pfn,
				 (unsigned long long)page_pfn(b.page), t->what);
			v = BROKEN;
		} else if (pr->kind == K_THP && !is_thp(r.mem)) {
			snprintf(detail, len, "%s split the THP's PMD: refcount and mapcount "
				 "changed for that", t->what);
			v = BROKEN;
		} else if (!page_state_same(&now, &before)) {
			snprintf(detail, len, "after %s: ", t->what);
			page_state_append(&now, detail, len);
			cb_append(detail, len, "; before the traffic: ");
			page_state_append(&before, detail, len);
			cb_append(detail, len, " (refcount %+lld: %s)", (long long)(now.refcount -
			       before.refcount), now.refcount > before.refcount ?
			       "a reference or pin leaked" : now.refcount < before.refcount ?
			       "one was dropped twice" : "mapped or pinned differently");
			v = LEAKED;
		}
	}
	if (v == SAFE) {
		snprintf(detail, len, "after each of %zu kinds of get/pin traffic: ", done);
		page_state_append(&before, detail, len);
		cb_append(detail, len, " as before%s%s", before.flags & PAGE_STATE_NOBIAS ?
		       " (pin_bias=nobias)" : "", unavailable);
	}
	ev_append(&ev, detail, len);
out:
	close(b.gup);
	region_unmap(&r);
	return v;
}

/* Whether /proc/swaps lists a swap device or file (the line after its header). */
static bool swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "re");
	char line[256];
	int lines = 0;

	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	return lines > 1;
}

static enum verdict probe_reclaim_anon(const struct probe *pr, char *detail, size_t len)
{
	const size_t size = 4UL << 20, nr = size / PAGE;
	unsigned char *resident = malloc(nr);
	uint64_t *entries = malloc(nr * sizeof(*entries));
	long long swapped_before = vmstat("pswpout");
	enum verdict v = BROKEN;
	size_t out = 0;
	char *mem;

	(void)pr;
	if (!resident || !entries) {
		snprintf(detail, len, "malloc: %s", strerror(errno));
		goto free;
	}
	if (!swap_active()) {
		snprintf(detail, len, "no swap: /proc/swaps lists no device");
		v = SKIPPED;
		goto free;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		snprintf(detail, len, "mmap: %s", strerror(errno));
		goto free;
	}
	/* Small pages: their "maybe pinned" is the one pin_bias= decides (EINVAL: no THP). */
	madvise(mem, size, MADV_NOHUGEPAGE);
	memset(mem, 'R', size);
	/* The pages in a batch cannot be isolated, whatever the accounting. */
	cb_lru_settle();
	if (madvise(mem, size, MADV_PAGEOUT)) {
		snprintf(detail, len, "MADV_PAGEOUT: %s", strerror(errno));
		v = errno == EINVAL ? SKIPPED : BROKEN;
		goto unmap;
	}
	if (mincore(mem, size, resident) || pagemap_read(mem, nr, entries)) {
		snprintf(detail, len, "mincore or /proc/self/pagemap: %s", strerror(errno));
		goto unmap;
	}
	for (size_t i = 0; i < nr; i++)
		out += (entries[i] & PM_SWAP) || !(resident[i] & 1);
	if (out * 10 >= nr * 9) {
		snprintf(detail, len, "MADV_PAGEOUT sent %zu of %zu pages out (%.1f%%)", out, nr,
			 100.0 * (double)out / (double)nr);
		v = SAFE;
	} else {
		snprintf(detail, len, "MADV_PAGEOUT sent only %zu of %zu exclusive, unpinned pages "
			 "out (%.1f%%): the kernel kept pages it should reclaim: a maybe-pinned "
			 "check that counts references it should expect", out, nr,
			 100.0 * (double)out / (double)nr);
		v = REFUSED;
	}
	if (swapped_before >= 0)
		cb_append(detail, len, "; pswpout %+lld", vmstat("pswpout") - swapped_before);
	/* What went out must come back as it was (the swap-in faults). */
	if (view(mem, size) != 'R') {
		snprintf(detail, len, "after MADV_PAGEOUT of %zu of %zu pages, the region no longer "
			 "holds the 'R' written into it", out, nr);
		v = LEAKED;
	}
unmap:
	munmap(mem, size);
free:
	free(resident);
	free(entries);
	return v;
}

/* --- the table --- */

static enum verdict probe_cve_2020_29374_tab(const struct probe *pr, char *detail, size_t len)
{
	return pr->arg ? probe_cve_2020_29374_swap(detail, len) : probe_cve_2020_29374(detail, len);
}

#define RO_SLOW 0
#define RO_FAST PIN_LONGTERM_TEST_FLAG_USE_FAST
#define FP(step, kind, how, what) \
	{ "fork-pinned " what, probe_fork_pinned, kind, STEP_##step, how }

static const struct probe probes[] = {
	/* 1-3: the numbers and names the datasets and tests know */
	{ "CVE-2020-29374 vmsplice after fork", probe_cve_2020_29374_tab, K_SMALL, 0, 0 },
	{ "CVE-2020-29374 via swap-in", probe_cve_2020_29374_tab, K_SMALL, 1, 0 },
	{ "R/O long-term pin coherent after fork and write", probe_ro_pin_after_fork, K_SMALL,
	  RO_SLOW, 0 },
	/* ro_pin: the pinner's write, after the child exited / while it lives */
	{ "ro-pin THP pin, child exits, pinner writes", probe_ro_pin_after_fork, K_THP,
	  RO_SLOW, 0 },
	{ "ro-pin hugetlb pin, child exits, pinner writes", probe_ro_pin_after_fork, K_HUGETLB,
	  RO_SLOW, 0 },
	{ "ro-pin 4KiB GUP-fast pin, child exits, pinner writes", probe_ro_pin_after_fork,
	  K_SMALL, RO_FAST, 0 },
	{ "ro-pin THP GUP-fast pin, child exits, pinner writes", probe_ro_pin_after_fork, K_THP,
	  RO_FAST, 0 },
	{ "ro-pin hugetlb GUP-fast pin, child exits, pinner writes", probe_ro_pin_after_fork,
	  K_HUGETLB, RO_FAST, 0 },
	{ "ro-pin 4KiB pin, child alive, parent writes", probe_ro_pin_child_alive, K_SMALL,
	  RO_SLOW, 0 },
	{ "ro-pin THP pin, child alive, parent writes", probe_ro_pin_child_alive, K_THP,
	  RO_SLOW, 0 },
	{ "ro-pin hugetlb pin, child alive, parent writes", probe_ro_pin_child_alive, K_HUGETLB,
	  RO_SLOW, 0 },
	{ "ro-pin 4KiB GUP-fast pin, child alive, parent writes", probe_ro_pin_child_alive,
	  K_SMALL, RO_FAST, 0 },
	/* the callers of R/O pins, on a buffer shared with a live child */
	{ "ro-pin caller 4KiB process_vm_readv of the child", probe_caller_readv, K_SMALL, 0, 0 },
	{ "ro-pin caller THP process_vm_readv of the child", probe_caller_readv, K_THP, 0, 0 },
	{ "ro-pin caller hugetlb process_vm_readv of the child", probe_caller_readv, K_HUGETLB,
	  0, 0 },
	{ "ro-pin caller 4KiB O_DIRECT write to nullb0", probe_caller_odirect, K_SMALL, 0, 0 },
	{ "ro-pin caller THP O_DIRECT write to nullb0", probe_caller_odirect, K_THP, 0, 0 },
	{ "ro-pin caller hugetlb O_DIRECT write to nullb0", probe_caller_odirect, K_HUGETLB, 0,
	  0 },
	{ "ro-pin caller 4KiB io_uring buffer registration", probe_caller_uring, K_SMALL, 0, 0 },
	{ "ro-pin caller THP io_uring buffer registration", probe_caller_uring, K_THP, 0, 0 },
	{ "ro-pin caller hugetlb io_uring buffer registration", probe_caller_uring, K_HUGETLB, 0,
	  0 },
	/* fork_pinned: (a) parent writes, (b) child writes, (c) write through the pin,
	 * (d) parent unmaps, child writes */
	FP(PARENT_WRITES, K_SMALL, PIN_URING, "(a) 4KiB io_uring, parent writes"),
	FP(PARENT_WRITES, K_THP, PIN_URING, "(a) THP io_uring, parent writes"),
	FP(PARENT_WRITES, K_HUGETLB, PIN_URING, "(a) hugetlb io_uring, parent writes"),
	FP(PARENT_WRITES, K_SMALL, PIN_GUP, "(a) 4KiB gup_test, parent writes"),
	FP(PARENT_WRITES, K_THP, PIN_GUP, "(a) THP gup_test, parent writes"),
	FP(PARENT_WRITES, K_HUGETLB, PIN_GUP, "(a) hugetlb gup_test, parent writes"),
	FP(CHILD_WRITES, K_SMALL, PIN_URING, "(b) 4KiB io_uring, child writes"),
	FP(CHILD_WRITES, K_THP, PIN_URING, "(b) THP io_uring, child writes"),
	FP(CHILD_WRITES, K_HUGETLB, PIN_URING, "(b) hugetlb io_uring, child writes"),
	FP(CHILD_WRITES, K_SMALL, PIN_GUP, "(b) 4KiB gup_test, child writes"),
	FP(PIN_WRITES, K_SMALL, PIN_URING, "(c) 4KiB io_uring, write through pin"),
	FP(PIN_WRITES, K_THP, PIN_URING, "(c) THP io_uring, write through pin"),
	FP(PIN_WRITES, K_HUGETLB, PIN_URING, "(c) hugetlb io_uring, write through pin"),
	FP(UNMAP_CHILD_WRITES, K_SMALL, PIN_URING, "(d) 4KiB io_uring, unmap, child writes"),
	FP(UNMAP_CHILD_WRITES, K_THP, PIN_URING, "(d) THP io_uring, unmap, child writes"),
	FP(UNMAP_CHILD_WRITES, K_HUGETLB, PIN_URING, "(d) hugetlb io_uring, unmap, child writes"),
	FP(UNMAP_CHILD_WRITES, K_SMALL, PIN_GUP, "(d) 4KiB gup_test, unmap, child writes"),
	/* (e) the parent unpins and unmaps, the child writes: reuse or copy (events) */
	FP(UNPIN_CHILD_WRITES, K_SMALL, PIN_URING, "(e) 4KiB io_uring, unpin, unmap, child writes"),
	FP(UNPIN_CHILD_WRITES, K_THP, PIN_URING, "(e) THP io_uring, unpin, unmap, child writes"),
	/* appended: R/W pin, fork, the child writes, then the parent */
	{ "pin-rw-fork-coherent", probe_fork_pinned, K_SMALL, STEP_CHILD_THEN_PARENT_WRITES,
	  PIN_GUP },
	{ "pin-rw-fork-coherent-thp", probe_fork_pinned, K_THP, STEP_CHILD_THEN_PARENT_WRITES,
	  PIN_GUP },
	/* pin_bias: refcounts after get/pin traffic, anonymous reclaim */
	{ "pin-refcount-balance", probe_pin_balance, K_SMALL, 0, 0 },
	{ "pin-refcount-balance-thp", probe_pin_balance, K_THP, 0, 0 },
	{ "reclaim-anon", probe_reclaim_anon, K_SMALL, 0, 0 },
	/* 46-54: guest_memfd conversion (cowbench.gmem_convert=), bench/probes_gmem.c */
	GMEM_PROBES,
};

/* "# cowbench events absent: ..." -- an event not counted, not one that did not move. */
static void print_absent_events(void)
{
	struct evsnap s;
	bool any = false;

	ev_take(&s);
	for (size_t i = 0; i < NR_EVENTS; i++)
		if (s.v[i] < 0) {
			printf("%s %s", any ? "" : "# cowbench events absent from /proc/vmstat:",
			       events[i]);
			any = true;
		}
	printf(any ? "\n" : "# cowbench events: all present\n");
}

/* "# cowbench knob NAME: TEXT" for every file in /sys/kernel/mm/cowbench/. */
static void print_knobs(const char *when)
{
	static const char dir_path[] = "/sys/kernel/mm/cowbench";
	DIR *dir = opendir(dir_path);
	struct dirent *e;

	if (!dir) {
		printf("# cowbench knobs %s: none (%s: %s)\n", when, dir_path, strerror(errno));
		return;
	}
	while ((e = readdir(dir))) {
		char path[512], text[256] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir_path, e->d_name);
		f = fopen(path, "re");
		if (f && fgets(text, sizeof(text), f))
			text[strcspn(text, "\n")] = 0;
		if (f)
			fclose(f);
		for (char *c = text; *c; c++)
			if ((unsigned char)*c < ' ')
				*c = ' ';
		printf("# cowbench knob %s %s: %s\n", when, e->d_name, text);
	}
	closedir(dir);
}

int main(void)
{
	int pass = 0, leaked = 0, refusals = 0, error = 0, skip = 0, xfail = 0, xpass = 0;
	size_t n = sizeof(probes) / sizeof(probes[0]);

	printf("TAP version 13\n1..%zu\n", n);
	print_knobs("before");
	print_absent_events();
	for (size_t i = 0; i < n; i++) {
		char detail[480] = "";
		enum verdict v;

		fflush(stdout);
		v = probes[i].run(&probes[i], detail, sizeof(detail));
		for (char *c = detail; *c; c++)
			if (*c == '\n' || *c == '#')
				*c = *c == '#' ? '_' : ' ';
		if (v == SKIPPED) {
			skip++;
			printf("ok %zu %s # SKIP %s\n", i + 1, probes[i].name, detail);
			continue;
		}
		if (v == CONTROL_LEAKED || v == CONTROL_BLIND) {
			v == CONTROL_LEAKED ? xfail++ : xpass++;
			printf("%s %zu %s: %s: %s # TODO negative control: %s\n",
			       v == CONTROL_LEAKED ? "not ok" : "ok", i + 1, probes[i].name,
			       v == CONTROL_LEAKED ? "UNSAFE" : "safe", detail,
			       v == CONTROL_LEAKED ? "it must leak, and did" :
			       "it must leak and did not: the probe is blind");
			continue;
		}
		if (v == SAFE)
			pass++;
		else if (v == LEAKED)
			leaked++;
		else if (v == REFUSED)
			refusals++;
		else
			error++;
		printf("%s %zu %s: %s: %s\n", v == SAFE ? "ok" : "not ok", i + 1, probes[i].name,
		       v == SAFE ? "safe" : v == LEAKED ? "UNSAFE" : v == REFUSED ? "refused" :
		       "error", detail);
	}
	print_knobs("after");
	printf("# cowbench verdicts: safe:%d unsafe:%d refused:%d error:%d skip:%d "
	       "expected-unsafe:%d control-blind:%d\n", pass, leaked, refusals, error, skip, xfail,
	       xpass);
	printf("# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d error:%d\n", pass,
	       leaked + refusals, xfail, xpass, skip, error);
	fflush(stdout);
	return leaked || error || xpass ? 1 : refusals ? 2 : 0;
}
