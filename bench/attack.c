// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench-attack: the overflow attack load on the refcount of ONE small
 * page, to compare pin accountings (cowbench.pin_bias=): with bias a pin
 * adds GUP_PIN_COUNTING_BIAS (1024) to a small page's refcount, so 2^21
 * pins wrap it past 2^31; with nobias a pin adds 1, so pins need 2^31,
 * and "maybe pinned" is guessed from references nothing explains.
 *
 * Each attack is a row of a table (name, summary, function), like the
 * probes.  Each is bounded and stops by itself at the first of: the kernel
 * refusing; the reference budget (--refs, 2^22 references or pins added);
 * the kernel-memory budget (--kernel-mib, a MemAvailable drop of 512 MiB);
 * the guest-time budget (--seconds, 60 s of CLOCK_MONOTONIC per attack);
 * or a limit of the system (RLIMIT_NOFILE, fs.file-max, the per-user pipe
 * limits, fork, memory).  Around each, the page's refcount is read with
 * gup_test's PAGE_STATE_TEST (cowbench patch 0014) before, at the peak and
 * after everything was released, and the page is written and read back:
 * "intact" is that, and the refcount back where it was.  Without the
 * ioctl (an older kernel) the refcounts are null and intact is the page
 * alone; pin-one-page, which is nothing but that ioctl, is unsupported.
 *
 *   pin-one-page   PIN_ONE_PAGE_TEST: the kernel pins one small anonymous
 *                  page until try_grab_folio() refuses (it gallops, so
 *                  2^32 pins are asked for unless --refs was given).
 *   vmsplice       "lots of processes, lots of pipe file descriptors, lots
 *                  of vmsplice() operations on the same page" (Linus
 *                  Torvalds, 2021): unprivileged children fill pipes with
 *                  plain references (FOLL_GET) to one shared page.
 *   iouring-fixed  io_uring rings, each registering 16384 fixed buffers
 *                  that are all the same page (FOLL_PIN|FOLL_LONGTERM), as
 *                  root: CAP_IPC_LOCK, so no memlock accounting stops it.
 *
 * Output: attack.json (argv[1], default ./attack.json; schema in
 * /work/shared/issue14/interface.md), rewritten after every attack so an
 * attack that never returns still leaves the others; a line per attack
 * on stdout.  Exit 0: every attack was intact or unsupported; 1: one was
 * not, or broke.  An alarm() is the safety net against a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup_test.h"
#include "guest_util.h"

#define PAGE 4096
#define FILL 0x5a
/* The unprivileged attacker: nobody/nogroup. */
#define NOBODY 65534
/* What PIN_ONE_PAGE_TEST may pin when --refs does not say: past 2^31 + c0. */
#define PIN_ONE_PAGE_MAX (1ULL << 32)
/* IORING_MAX_REG_BUFFERS of Linux 5.13+ (older kernels take fewer). */
#define RING_BUFFERS 16384
#define PIPE_WANTED (1 << 20)
/* A child's report, a release, a compaction: beyond an attack's own budget. */
#define GRACE_SECONDS 60
#define CHECK_MEMORY_EVERY 16	/* pipes between MemAvailable reads */

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

enum status { ST_OK, ST_UNSUPPORTED, ST_BROKEN };
static const char *const status_name[] = { "ok", "unsupported", "broken" };

enum stop {
	STOP_NONE, STOP_REFUSED, STOP_BUDGET_REFS, STOP_BUDGET_MEMORY, STOP_BUDGET_TIME,
	STOP_FD_LIMIT, STOP_FILE_LIMIT, STOP_PIPE_LIMIT, STOP_PROCESS_LIMIT, STOP_MEMORY,
	STOP_ERROR,
};
static const char *const stop_name[] = {
	NULL, "refused", "budget-refs", "budget-memory", "budget-time", "fd-limit",
	"file-limit", "pipe-limit", "process-limit", "memory", "error",
};

struct budget {
	uint64_t refs;		/* references or pins an attack may add */
	bool refs_given;	/* --refs: pin-one-page keeps to it too */
	uint64_t kernel_mib;	/* MemAvailable drop */
	uint64_t seconds;	/* guest CLOCK_MONOTONIC per attack */
};

/* One attack's budget as absolute bounds, shared with its children. */
struct limits {
	uint64_t refs;
	double deadline;		/* CLOCK_MONOTONIC seconds */
	long long mem_base_kib;		/* MemAvailable at the start, -1 unknown */
	long long mem_kib;		/* the drop allowed */
};

struct refcount {
	bool known;
	int64_t value;
};

/*
 * What an attack found: the JSON row.  Plain data, so a child can send
 * it whole over a pipe (it fits in PIPE_BUF: one atomic write).
 */
struct outcome {
	enum status status;
	enum stop stop;
	char stop_detail[512];
	uint64_t refs_added, processes, fds;
	struct refcount before, peak, after;
	bool mem_known;
	double kernel_mib;
	double guest_seconds;
	int intact;		/* 1, 0, or -1: not looked at */
	char intact_detail[256];
};

struct attack {
	const char *name;
	const char *summary;
	void (*run)(const struct budget *b, struct outcome *o);
};

static int gup_fd = -1;			/* /sys/kernel/debug/gup_test, or -1 */
static bool page_state_ok;		/* PAGE_STATE_TEST answers */
static char page_state_why[160];	/* why not */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long mem_available_kib(void)
{
	return cb_proc_value("/proc/meminfo", "MemAvailable:");
}

/* A vm event of /proc/vmstat, -1 when the kernel does not count it. */
static long long vm_event(const char *name)
{
	return cb_proc_value("/proc/vmstat", name);
}

static long long read_ll(const char *path, int field)
{
	FILE *f = fopen(path, "re");
	long long v = -1;

	for (int i = 0; f && i <= field; i++)
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
	if (f)
		fclose(f);
	return v;
}

/*
 * /proc/sys/fs/file-nr, opened before any attack: an attacker that met
 * ENFILE cannot open it any more (that open would need a file too), but
 * can still read a file it holds.
 */
static int file_nr_fd = -1;

static long long read_file_nr(int field)
{
	char text[128];
	long long v[3];
	ssize_t n = file_nr_fd < 0 ? -1 : pread(file_nr_fd, text, sizeof(text) - 1, 0);

	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (sscanf(text, "%lld %lld %lld", &v[0], &v[1], &v[2]) != 3)
		return -1;
	return v[field];
}

/* An attacker takes every file descriptor its hard limit allows. */
static rlim_t raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

/* --- budgets --- */

static void limits_start(struct limits *lim, const struct budget *b, uint64_t refs)
{
	lim->refs = refs;
	lim->deadline = now() + (double)b->seconds;
	lim->mem_base_kib = mem_available_kib();
	lim->mem_kib = (long long)b->kernel_mib * 1024;
}

static double mem_drop_mib(const struct limits *lim)
{
	long long avail = mem_available_kib();

	if (lim->mem_base_kib < 0 || avail < 0)
		return 0;
	return (double)(lim->mem_base_kib - avail) / 1024;
}

/* Which budget @refs (and, if @memory, MemAvailable) ran out of, or STOP_NONE. */
static enum stop limits_check(const struct limits *lim, uint64_t refs, bool memory,
			      char *detail, size_t len)
{
	double drop;

	if (refs >= lim->refs) {
		snprintf(detail, len, "%llu added: the budget", (unsigned long long)refs);
		return STOP_BUDGET_REFS;
	}
	if (now() >= lim->deadline) {
		snprintf(detail, len, "%llu added when the guest-time budget ran out",
			 (unsigned long long)refs);
		return STOP_BUDGET_TIME;
	}
	if (!memory || lim->mem_base_kib < 0)
		return STOP_NONE;
	drop = mem_drop_mib(lim);
	if (drop * 1024 >= (double)lim->mem_kib) {
		snprintf(detail, len, "%llu added when MemAvailable had dropped %.1f MiB: "
			 "the budget", (unsigned long long)refs, drop);
		return STOP_BUDGET_MEMORY;
	}
	return STOP_NONE;
}

/*
 * A reference or pin the kernel did not grant where there was room (a
 * pipe not full, a ring's registration): the refcount refused it
 * (try_grab_folio()'s ENOMEM, or EFAULT from a caller that turns a short
 * pin into it), or memory ran out.  The kernel's own count of refusals
 * for a wrapped refcount (@event, patch 0013) tells them apart where it
 * exists; without it, ENOMEM and EFAULT are taken for a refusal.
 */
static enum stop refusal(const char *what, int err, const char *event, long long before,
			 char *detail, size_t len)
{
	long long count = vm_event(event);

	if (err != ENOMEM && err != EFAULT) {
		snprintf(detail, len, "%s: %s (%s)", what, cb_errname(err), strerror(err));
		return STOP_ERROR;
	}
	if (count < 0) {
		snprintf(detail, len, "%s: %s (no %s count to tell a refusal from memory)",
			 what, cb_errname(err), event);
		return STOP_REFUSED;
	}
	if (count > before) {
		snprintf(detail, len, "%s: %s; %s +%lld", what, cb_errname(err), event,
			 count - before);
		return STOP_REFUSED;
	}
	snprintf(detail, len, "%s: %s; %s did not move", what, cb_errname(err), event);
	return err == ENOMEM ? STOP_MEMORY : STOP_ERROR;
}

/* A file could not be made (pipe, io_uring): which limit that is. */
static enum stop file_failure(const char *what, int err, char *detail, size_t len)
{
	long long nr = read_file_nr(0);
	long long max = read_file_nr(2);
	long long pipe_hard = read_ll("/proc/sys/fs/pipe-user-pages-hard", 0);

	snprintf(detail, len, "%s: %s", what, cb_errname(err));
	switch (err) {
	case EMFILE:
		cb_append(detail, len, " (RLIMIT_NOFILE %llu)", (unsigned long long)raise_nofile());
		return STOP_FD_LIMIT;
	case ENFILE:
		cb_append(detail, len, " (file-nr %lld of file-max %lld)", nr, max);
		/*
		 * file-nr is a per-CPU counter read without summing: near
		 * the maximum is at it.  A pipe past fs.pipe-user-pages-hard
		 * is ENFILE too, and so is one whose inode found no memory.
		 */
		if (nr >= 0 && max > 0 && nr + 1024 >= max)
			return STOP_FILE_LIMIT;
		if (pipe_hard > 0) {
			cb_append(detail, len, "; pipe-user-pages-hard %lld", pipe_hard);
			return STOP_PIPE_LIMIT;
		}
		return STOP_MEMORY;
	case ENOMEM:
		return STOP_MEMORY;
	default:
		return STOP_ERROR;
	}
}

/* --- the page --- */

static char *page_map(bool shared)
{
	char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			  (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return NULL;
	/* A small page whatever THP is set to (a 4 KiB VMA holds none anyway). */
	madvise(page, PAGE, MADV_NOHUGEPAGE);
	memset(page, FILL, PAGE);
	return page;
}

static int page_state(const void *addr, struct page_state *st)
{
	struct page_state_test t = { .addr = (uintptr_t)addr };

	if (ioctl(gup_fd, PAGE_STATE_TEST, &t))
		return -errno;
	*st = t.state;
	return 0;
}

/*
 * Empty every CPU's LRU batches: a page waiting in one (just faulted in,
 * or marked accessed by a GUP) holds a reference of the batch's, which
 * goes when the batch drains, whenever that is -- the refcount before and
 * after would differ by it.  move_pages() to the node the page is on moves
 * nothing but starts with lru_cache_disable(); without NUMA (the guest's
 * kernel) compaction starts with lru_add_drain_all().
 */
static void lru_drain(const void *addr)
{
	void *pages[1] = { (void *)addr };
	int node, status = -1;

	cb_lru_settle();
	if (!syscall(SYS_move_pages, 0, 1UL, pages, NULL, &status, 0) && status >= 0) {
		node = status;
		if (!syscall(SYS_move_pages, 0, 1UL, pages, &node, &status, MPOL_MF_MOVE))
			return;
	}
	cb_write_text("/proc/sys/vm/compact_memory", "1");
}

/*
 * The refcount before or after (@drain: exact, for comparing them), or at
 * the peak (no drain: under bias the refcount may be wrapped negative
 * there, and compaction is no thing to run over such a page).
 */
static int refcount_read(const void *addr, struct refcount *rc, bool drain)
{
	struct page_state st;
	int ret;

	rc->known = false;
	if (!page_state_ok)
		return 0;
	if (drain)
		lru_drain(addr);
	ret = page_state(addr, &st);
	if (!ret) {
		rc->known = true;
		rc->value = st.refcount;
	}
	return ret;
}

/*
 * At the peak: PAGE_STATE_TEST takes a reference with get_user_pages, which
 * a wrapped refcount refuses as it refuses a pin -- worth saying.
 */
static void refcount_read_peak(const void *addr, struct outcome *o)
{
	int ret = refcount_read(addr, &o->peak, false);

	if (ret)
		cb_append(o->stop_detail, sizeof(o->stop_detail),
		       "; refcount at the peak unreadable: PAGE_STATE_TEST %s "
		       "(get_user_pages refuses the page too)", cb_errname(-ret));
}

/* The refcount after release: given a few seconds to come back to @before. */
static void refcount_settle(const void *addr, const struct refcount *before,
			    struct refcount *after)
{
	double until = now() + 3;

	for (;;) {
		refcount_read(addr, after, true);
		if (!after->known || !before->known || after->value == before->value ||
		    now() >= until)
			return;
		usleep(50 * 1000);
	}
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 131 + 7);
}

/*
 * The page kept the fill written before the attack, takes a write and
 * gives it back; with the refcount back to @before it is intact.
 */
static void page_check(char *page, struct outcome *o)
{
	char *d = o->intact_detail;
	size_t len = sizeof(o->intact_detail);

	o->intact = 0;
	if (!page) {
		snprintf(d, len, "no page to check");
		return;
	}
	for (size_t i = 0; i < PAGE; i++) {
		if ((unsigned char)page[i] != FILL) {
			snprintf(d, len, "byte %zu reads 0x%02x, not the 0x%02x written before",
				 i, (unsigned char)page[i], FILL);
			return;
		}
	}
	for (size_t i = 0; i < PAGE; i++)
		page[i] = (char)pattern(i);
	for (size_t i = 0; i < PAGE; i++) {
		if ((unsigned char)page[i] != pattern(i)) {
			snprintf(d, len, "wrote a pattern; byte %zu reads 0x%02x, not 0x%02x", i,
				 (unsigned char)page[i], pattern(i));
			return;
		}
	}
	snprintf(d, len, "kept its fill; wrote and read back %d bytes; ", PAGE);
	if (!o->before.known || !o->after.known) {
		cb_append(d, len, "refcount not read (%s)", page_state_why);
		o->intact = 1;
	} else if (o->after.value == o->before.value) {
		cb_append(d, len, "refcount back to %lld", (long long)o->after.value);
		o->intact = 1;
	} else {
		cb_append(d, len, "refcount %lld before, %lld after", (long long)o->before.value,
		       (long long)o->after.value);
	}
}

/* --- children --- */

static int outcome_send(int fd, const struct outcome *o)
{
	return cb_write_all(fd, o, sizeof(*o));
}

/* A child's outcome by @deadline (CLOCK_MONOTONIC); -1 if none came whole. */
static int outcome_recv(int fd, struct outcome *o, double deadline)
{
	size_t got = 0;

	while (got < sizeof(*o)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fd, (char *)o + got, sizeof(*o) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Reap @pid; its exit status, or -1 if it did not exit 0. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* --- pin-one-page --- */

static void attack_pin_one_page(const struct budget *b, struct outcome *o)
{
	struct pin_one_page_test t = { .flags = PIN_ONE_PAGE_FLAG_WRITE };
	const struct page_state *s = &t.before, *h = &t.held, *a = &t.after;
	bool answered = false;
	char *page;
	int err;

	if (gup_fd < 0) {
		o->status = ST_UNSUPPORTED;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "%s", page_state_why);
		return;
	}
	page = page_map(false);
	if (!page) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "mmap: %s", strerror(errno));
		return;
	}
	refcount_read(page, &o->before, true);
	o->processes = 1;
	/*
	 * A write pin, as io_uring's and a driver's DMA pins are.  The kernel
	 * gallops (batches of 2^16, 2^8, 1 pins): 2^32 is seconds, not hours.
	 */
	t.addr = (uintptr_t)page;
	t.max_pins = b->refs_given ? b->refs : PIN_ONE_PAGE_MAX;
	if (ioctl(gup_fd, PIN_ONE_PAGE_TEST, &t)) {
		err = errno;
		if (err == EINVAL || err == ENOTTY) {
			o->status = ST_UNSUPPORTED;
			snprintf(o->stop_detail, sizeof(o->stop_detail), "PIN_ONE_PAGE_TEST: %s: "
				 "kernel without patch 0014", cb_errname(err));
		} else {
			o->stop = STOP_ERROR;
			snprintf(o->stop_detail, sizeof(o->stop_detail), "PIN_ONE_PAGE_TEST: %s (%s)",
				 cb_errname(err), strerror(err));
		}
		goto out;
	}
	answered = true;
	o->refs_added = t.pins;
	/* With no pin granted the kernel had nothing held to look at. */
	o->peak = (struct refcount){ t.pins > 0, h->refcount };
	if (!o->before.known)
		o->before = (struct refcount){ true, s->refcount };
	if (t.refused) {
		o->stop = STOP_REFUSED;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "%s: %s after %llu pins",
			 t.pins ? "try_grab_folio" : "pin_user_pages_fast", cb_errname(-t.refused),
			 (unsigned long long)t.pins);
	} else if (t.pins >= t.max_pins) {
		o->stop = STOP_BUDGET_REFS;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "%llu pins granted: the budget",
			 (unsigned long long)t.pins);
	} else {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "stopped at %llu of %llu pins "
			 "without a refusal (a fatal signal?)", (unsigned long long)t.pins,
			 (unsigned long long)t.max_pins);
	}
	cb_append(o->stop_detail, sizeof(o->stop_detail), "; max_pins %llu, %.1f ms in the "
	       "kernel; its states: before ref %lld map %d flags 0x%x, held ref %lld map %d "
	       "pin %d flags 0x%x, after ref %lld map %d flags 0x%x",
	       (unsigned long long)t.max_pins, (double)t.nsec / 1e6,
	       (long long)s->refcount, s->mapcount, s->flags, (long long)h->refcount,
	       h->mapcount, h->pincount, h->flags, (long long)a->refcount, a->mapcount,
	       a->flags);
out:
	refcount_settle(page, &o->before, &o->after);
	if (answered && !o->after.known)
		o->after = (struct refcount){ true, a->refcount };
	page_check(page, o);
	if (o->intact == 1 && answered && a->refcount != s->refcount) {
		o->intact = 0;
		cb_append(o->intact_detail, sizeof(o->intact_detail), "; but the kernel saw "
		       "ref %lld before its pins and %lld after", (long long)s->refcount,
		       (long long)a->refcount);
	}
	munmap(page, PAGE);
}

/* --- vmsplice --- */

/*
 * One attacker: as nobody, vmsplice() the page into pipe after pipe, each
 * until it is full, until a limit.  A full pipe's write end is closed: the
 * read end keeps the pipe and its references, for half the descriptors.
 * Reports to @report_fd, then holds everything until @release_fd ends.
 */
static void vmsplice_child(char *page, const struct limits *lim, int report_fd,
			   int release_fd)
{
	struct outcome o = { .stop = STOP_NONE };
	struct iovec iov = { .iov_base = page, .iov_len = PAGE };
	long long refused_before = vm_event("get_refused_overflow");
	pid_t parent = getppid();
	uint64_t small_pipes = 0;
	char c;

	close(gup_fd);
	raise_nofile();
	/* The per-user pipe limits, RLIMIT_NOFILE and fs.file-max apply to nobody. */
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
		o.stop = STOP_ERROR;
		snprintf(o.stop_detail, sizeof(o.stop_detail), "setuid(%d): %s", NOBODY,
			 strerror(errno));
	}
	/* After setuid, which clears it: no attacker outlives the parent. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	while (o.stop == STOP_NONE) {
		uint64_t in_pipe = 0;
		int p[2];

		o.stop = limits_check(lim, o.refs_added, !(o.fds % CHECK_MEMORY_EVERY),
				      o.stop_detail, sizeof(o.stop_detail));
		if (o.stop)
			break;
		if (pipe2(p, O_CLOEXEC)) {
			o.stop = file_failure("pipe", errno, o.stop_detail, sizeof(o.stop_detail));
			break;
		}
		o.fds++;
		/* Past pipe-max-size or the per-user soft limit: the pipe stays as it is. */
		if (fcntl(p[1], F_SETPIPE_SZ, PIPE_WANTED) < PIPE_WANTED)
			small_pipes++;
		while (o.refs_added < lim->refs) {
			ssize_t n = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
			int err = errno;

			if (n == PAGE) {
				o.refs_added++;
				in_pipe++;
				continue;
			}
			if (n < 0 && err == EAGAIN && in_pipe)
				break;	/* full */
			if (n < 0 && err == EAGAIN) {
				o.stop = STOP_PIPE_LIMIT;
				snprintf(o.stop_detail, sizeof(o.stop_detail), "vmsplice: EAGAIN "
					 "on an empty pipe: it has no room at all");
			} else {
				o.stop = refusal("vmsplice into a pipe with room", n < 0 ? err : EIO,
						 "get_refused_overflow", refused_before,
						 o.stop_detail, sizeof(o.stop_detail));
			}
			break;
		}
		close(p[1]);
	}
	if (small_pipes)
		cb_append(o.stop_detail, sizeof(o.stop_detail), "; %llu pipes not enlarged to 1 MiB",
		       (unsigned long long)small_pipes);
	o.processes = 1;
	if (outcome_send(report_fd, &o))
		_exit(1);
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void attack_vmsplice(const struct budget *b, struct outcome *o)
{
	char *page = page_map(true), child_detail[sizeof(o->stop_detail)] = "";
	uint64_t fd_limited = 0, fd_limit = 0;
	pid_t *pids = NULL;
	size_t nr = 0, cap = 0, failed = 0;
	struct limits lim;
	int release[2];

	if (!page || pipe2(release, O_CLOEXEC)) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "setup: %s", strerror(errno));
		goto out;
	}
	refcount_read(page, &o->before, true);
	limits_start(&lim, b, b->refs);
	while (!o->stop) {
		struct limits child_lim = lim;
		struct outcome child;
		int report[2];
		pid_t pid;

		o->stop = limits_check(&lim, o->refs_added, true, o->stop_detail,
				       sizeof(o->stop_detail));
		if (o->stop)
			break;
		if (nr == cap) {
			pid_t *grown = realloc(pids, (cap = cap ? 2 * cap : 64) * sizeof(*pids));

			if (!grown) {
				o->stop = STOP_MEMORY;
				snprintf(o->stop_detail, sizeof(o->stop_detail), "out of memory");
				break;
			}
			pids = grown;
		}
		if (pipe2(report, O_CLOEXEC)) {
			o->stop = file_failure("the parent's report pipe", errno, o->stop_detail,
					       sizeof(o->stop_detail));
			break;
		}
		child_lim.refs = lim.refs - o->refs_added;
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			close(release[1]);
			close(report[0]);
			vmsplice_child(page, &child_lim, report[1], release[0]);
		}
		close(report[1]);
		if (pid < 0) {
			int err = errno;

			snprintf(o->stop_detail, sizeof(o->stop_detail), "fork: %s", cb_errname(err));
			o->stop = err == EAGAIN ? STOP_PROCESS_LIMIT : err == ENOMEM ? STOP_MEMORY :
				  STOP_ERROR;
			close(report[0]);
			break;
		}
		pids[nr++] = pid;
		if (outcome_recv(report[0], &child, lim.deadline + GRACE_SECONDS)) {
			o->stop = STOP_ERROR;
			snprintf(o->stop_detail, sizeof(o->stop_detail), "child %zu sent no report",
				 nr);
			kill(pid, SIGKILL);
			close(report[0]);
			break;
		}
		close(report[0]);
		o->refs_added += child.refs_added;
		o->fds += child.fds;
		/* One attacker's descriptors are spent: the next one goes on. */
		if (child.stop == STOP_FD_LIMIT && child.refs_added) {
			fd_limited++;
			fd_limit = child.fds;
			continue;
		}
		o->stop = child.stop;
		snprintf(child_detail, sizeof(child_detail), "%s", child.stop_detail);
		snprintf(o->stop_detail, sizeof(o->stop_detail), "child %zu: %s", nr,
			 child_detail);
	}
	if (fd_limited)
		cb_append(o->stop_detail, sizeof(o->stop_detail), "; %llu children before it "
		       "stopped at their fd limit (the last with %llu pipes)",
		       (unsigned long long)fd_limited, (unsigned long long)fd_limit);
	o->processes = nr;
	refcount_read_peak(page, o);
	o->mem_known = lim.mem_base_kib >= 0;
	o->kernel_mib = mem_drop_mib(&lim);
	close(release[1]);
	for (size_t i = 0; i < nr; i++)
		if (reap(pids[i]))
			failed++;
	if (failed)
		cb_append(o->stop_detail, sizeof(o->stop_detail), "; %zu children did not exit 0",
		       failed);
	refcount_settle(page, &o->before, &o->after);
out:
	page_check(page, o);
	free(pids);
	if (page)
		munmap(page, PAGE);
}

/* --- iouring-fixed --- */

/*
 * Register @want buffers, all the page, in @ring.  If the kernel takes
 * fewer at once than asked (EINVAL: an older kernel's maximum), halve
 * @per_ring until it does.  If it refuses, a failed registration gave
 * back what it had pinned: find by bisection how many it still takes,
 * register those, and say the refusal's errno in @err.  Returns the pins
 * the ring holds.
 */
static unsigned int ring_register(struct io_uring *ring, const struct iovec *iovs,
				  unsigned int want, unsigned int *per_ring, int *err)
{
	unsigned int lo = 0, hi;
	int ret;

	*err = 0;
	while ((ret = io_uring_register_buffers(ring, iovs, want)) == -EINVAL && want > 1)
		*per_ring = want /= 2;
	if (!ret)
		return want;
	*err = -ret;
	if (ret == -EINVAL)
		return 0;
	for (hi = want; hi - lo > 1; ) {
		unsigned int mid = lo + (hi - lo) / 2;

		ret = io_uring_register_buffers(ring, iovs, mid);
		if (ret) {
			hi = mid;
			*err = -ret;
			continue;
		}
		io_uring_unregister_buffers(ring);
		lo = mid;
	}
	if (lo && io_uring_register_buffers(ring, iovs, lo))
		lo = 0;
	return lo;
}

/* The whole attack, in a child of its own: its rings close when it exits. */
static void iouring_child(const struct limits *lim, struct outcome *o)
{
	long long refused_before = vm_event("pin_refused_overflow");
	unsigned int per_ring = RING_BUFFERS;
	struct io_uring *rings = NULL;
	struct iovec *iovs = calloc(RING_BUFFERS, sizeof(*iovs));
	char *page = page_map(false);
	size_t nr = 0, cap = 0;

	o->processes = 1;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	raise_nofile();
	if (!iovs || !page) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "setup: out of memory");
		goto out;
	}
	for (size_t i = 0; i < RING_BUFFERS; i++)
		iovs[i] = (struct iovec){ .iov_base = page, .iov_len = PAGE };
	refcount_read(page, &o->before, true);
	while (!o->stop) {
		unsigned int want, got;
		int ret, err;

		o->stop = limits_check(lim, o->refs_added, true, o->stop_detail,
				       sizeof(o->stop_detail));
		if (o->stop)
			break;
		if (nr == cap) {
			struct io_uring *grown = realloc(rings, (cap = cap ? 2 * cap : 64) *
							 sizeof(*rings));

			if (!grown) {
				o->stop = STOP_MEMORY;
				snprintf(o->stop_detail, sizeof(o->stop_detail), "out of memory");
				break;
			}
			rings = grown;
		}
		ret = io_uring_queue_init(1, &rings[nr], 0);
		if (ret && !nr && (ret == -ENOSYS || ret == -EPERM)) {
			o->status = ST_UNSUPPORTED;
			snprintf(o->stop_detail, sizeof(o->stop_detail), "io_uring_queue_init: %s "
				 "(no CONFIG_IO_URING, or kernel.io_uring_disabled)", cb_errname(-ret));
			break;
		}
		if (ret) {
			o->stop = file_failure("io_uring_queue_init", -ret, o->stop_detail,
					       sizeof(o->stop_detail));
			break;
		}
		want = per_ring;
		if (lim->refs - o->refs_added < want)
			want = (unsigned int)(lim->refs - o->refs_added);
		got = ring_register(&rings[nr], iovs, want, &per_ring, &err);
		o->refs_added += got;
		if (got)
			nr++;
		else
			io_uring_queue_exit(&rings[nr]);
		if (err) {
			char what[96];

			snprintf(what, sizeof(what), "io_uring_register_buffers on ring %zu "
				 "(it took %u of %u)", nr + !got, got, want);
			o->stop = refusal(what, err, "pin_refused_overflow", refused_before,
					  o->stop_detail, sizeof(o->stop_detail));
		}
	}
	o->fds = nr;
	refcount_read_peak(page, o);
	o->mem_known = lim->mem_base_kib >= 0;
	o->kernel_mib = mem_drop_mib(lim);
	/* Unregistering unpins at once; the ring's own teardown is deferred. */
	for (size_t i = 0; i < nr; i++) {
		io_uring_unregister_buffers(&rings[i]);
		io_uring_queue_exit(&rings[i]);
	}
	refcount_settle(page, &o->before, &o->after);
out:
	page_check(page, o);
	free(rings);
	free(iovs);
}

static void attack_iouring(const struct budget *b, struct outcome *o)
{
	struct limits lim;
	int report[2];
	pid_t pid;

	limits_start(&lim, b, b->refs);
	if (pipe2(report, O_CLOEXEC)) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		iouring_child(&lim, o);
		_exit(outcome_send(report[1], o) ? 1 : 0);
	}
	close(report[1]);
	if (pid < 0) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "fork: %s", strerror(errno));
	} else if (outcome_recv(report[0], o, lim.deadline + GRACE_SECONDS)) {
		o->stop = STOP_ERROR;
		snprintf(o->stop_detail, sizeof(o->stop_detail), "the attacking child sent no "
			 "report");
		kill(pid, SIGKILL);
	}
	close(report[0]);
	if (pid > 0 && reap(pid) && o->stop != STOP_ERROR)
		cb_append(o->stop_detail, sizeof(o->stop_detail), "; the child did not exit 0");
}

static const struct attack attacks[] = {
	{ "pin-one-page", "gup_test PIN_ONE_PAGE_TEST: pins of one small page until refused",
	  attack_pin_one_page },
	{ "vmsplice", "unprivileged processes vmsplice one shared page into pipe after pipe: "
	  "plain references (FOLL_GET) until a limit", attack_vmsplice },
	{ "iouring-fixed", "io_uring rings of 16384 fixed buffers, all one small page: "
	  "FOLL_PIN|FOLL_LONGTERM pins until registration fails", attack_iouring },
};
#define NR_ATTACKS (sizeof(attacks) / sizeof(attacks[0]))

/* --- output --- */

/* @x to @scale (10: one decimal), without libm in a static binary. */
static double rounded(double x, double scale)
{
	return (double)(long long)(x * scale + (x < 0 ? -0.5 : 0.5)) / scale;
}

static json_t *refcount_json(const struct refcount *rc)
{
	return rc->known ? json_integer(rc->value) : json_null();
}

static json_t *outcome_json(const struct attack *a, const struct outcome *o)
{
	json_t *row = json_object();

	json_object_set_new(row, "name", json_string(a->name));
	json_object_set_new(row, "summary", json_string(a->summary));
	json_object_set_new(row, "status", json_string(status_name[o->status]));
	json_object_set_new(row, "stop", o->stop ? json_string(stop_name[o->stop]) :
			    json_null());
	json_object_set_new(row, "stop_detail", json_string(o->stop_detail));
	json_object_set_new(row, "refs_added", json_integer((json_int_t)o->refs_added));
	json_object_set_new(row, "refcount_before", refcount_json(&o->before));
	json_object_set_new(row, "refcount_peak", refcount_json(&o->peak));
	json_object_set_new(row, "refcount_after", refcount_json(&o->after));
	json_object_set_new(row, "processes", json_integer((json_int_t)o->processes));
	json_object_set_new(row, "fds", json_integer((json_int_t)o->fds));
	json_object_set_new(row, "kernel_mib", o->mem_known ?
			    json_real(rounded(o->kernel_mib, 10)) : json_null());
	json_object_set_new(row, "guest_seconds",
			    json_real(rounded(o->guest_seconds, 1000)));
	json_object_set_new(row, "intact", o->intact < 0 ? json_null() :
			    json_boolean(o->intact));
	json_object_set_new(row, "intact_detail", json_string(o->intact_detail));
	return row;
}

/* Whole or not at all: a reader never sees half a file. */
static int json_write(json_t *root, const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(root, tmp, JSON_INDENT(2)) || rename(tmp, path)) {
		fprintf(stderr, "cowbench-attack: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The active value of /sys/kernel/mm/cowbench/pin_bias ("[bias] nobias"), or null. */
static json_t *pin_bias_json(void)
{
	FILE *f = fopen("/sys/kernel/mm/cowbench/pin_bias", "re");
	char text[128] = "", *open, *close_;

	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
	}
	open = strchr(text, '[');
	close_ = open ? strchr(open, ']') : NULL;
	if (!close_ || close_ == open + 1 || close_ - open > 32)
		return json_null();
	for (char *c = open + 1; c < close_; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '-' || *c == '_'))
			return json_null();
	*close_ = '\0';
	return json_string(open + 1);
}

static void refcount_text(const struct refcount *rc, char *buf, size_t len)
{
	if (rc->known)
		snprintf(buf, len, "%lld", (long long)rc->value);
	else
		snprintf(buf, len, "?");
}

static void print_summary(const struct attack *a, const struct outcome *o)
{
	char before[24], peak[24], after[24];

	refcount_text(&o->before, before, sizeof(before));
	refcount_text(&o->peak, peak, sizeof(peak));
	refcount_text(&o->after, after, sizeof(after));
	printf("%s: %s", a->name, status_name[o->status]);
	if (o->stop)
		printf(", stop %s", stop_name[o->stop]);
	printf(": refs_added %llu, refcount %s -> %s -> %s, %llu processes, %llu fds, ",
	       (unsigned long long)o->refs_added, before, peak, after,
	       (unsigned long long)o->processes, (unsigned long long)o->fds);
	if (o->mem_known)
		printf("%.1f MiB, ", o->kernel_mib);
	printf("%.2f s; %s (%s) [%s]\n", o->guest_seconds,
	       o->intact < 0 ? "not checked" : o->intact ? "intact" : "NOT INTACT",
	       o->intact_detail, o->stop_detail);
	fflush(stdout);
}

/* --- main --- */

static void safety_net(int sig)
{
	static const char msg[] = "cowbench-attack: the safety-net alarm fired: an attack "
				  "did not stop by itself\n";

	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Can PAGE_STATE_TEST read a page here?  Says why not in page_state_why. */
static void page_state_probe(void)
{
	struct page_state st;
	char *page;
	int ret;

	gup_fd = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (gup_fd < 0) {
		snprintf(page_state_why, sizeof(page_state_why), "no %s: %s (kernel without "
			 "CONFIG_GUP_TEST, debugfs not mounted, or not root)", GUP_TEST_PATH,
			 strerror(errno));
		return;
	}
	page = page_map(false);
	ret = page ? page_state(page, &st) : -ENOMEM;
	if (page)
		munmap(page, PAGE);
	page_state_ok = !ret;
	if (ret)
		snprintf(page_state_why, sizeof(page_state_why), "PAGE_STATE_TEST: %s%s",
			 cb_errname(-ret), ret == -EINVAL || ret == -ENOTTY ?
			 ": kernel without patch 0014" : "");
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out > 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cowbench-attack [--refs N] [--kernel-mib N] [--seconds N] "
		"[--only NAME] [OUT.json]\n"
		"  --refs N        references/pins an attack may add (default 4194304;\n"
		"                  pin-one-page asks for 2^32 pins unless this is given)\n"
		"  --kernel-mib N  MemAvailable drop an attack may cause (default 512)\n"
		"  --seconds N     guest seconds per attack (default 60)\n"
		"  --only NAME     run one attack: pin-one-page, vmsplice or iouring-fixed\n"
		"  OUT.json        where the results go (default ./attack.json)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "refs", required_argument, NULL, 'r' },
		{ "kernel-mib", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct budget b = { .refs = 1ULL << 22, .kernel_mib = 512, .seconds = 60 };

	file_nr_fd = open("/proc/sys/fs/file-nr", O_RDONLY);
	const char *out = "attack.json", *only = NULL;
	json_t *root, *rows;
	bool failed = false;
	size_t ran = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		uint64_t *value = opt == 'r' ? &b.refs : opt == 'm' ? &b.kernel_mib :
				  opt == 's' ? &b.seconds : NULL;

		if (opt == 'o') {
			only = optarg;
			continue;
		}
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (!value || !parse_u64(optarg, value) || (opt != 'r' && *value > 1 << 20)) {
			usage(stderr);
			return 2;
		}
		b.refs_given |= opt == 'r';
	}
	if (optind + 1 < argc) {
		usage(stderr);
		return 2;
	}
	if (optind < argc)
		out = argv[optind];

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, safety_net);
	alarm((unsigned int)(NR_ATTACKS * (b.seconds + 2 * GRACE_SECONDS) + 60));
	page_state_probe();

	root = json_object();
	rows = json_array();
	json_object_set_new(root, "schema", json_integer(1));
	json_object_set_new(root, "pin_bias", pin_bias_json());
	json_object_set_new(root, "budget", json_pack("{s:I, s:I, s:I}",
			    "refs", (json_int_t)b.refs, "kernel_mib", (json_int_t)b.kernel_mib,
			    "seconds", (json_int_t)b.seconds));
	json_object_set(root, "attacks", rows);
	json_write(root, out);
	for (size_t i = 0; i < NR_ATTACKS; i++) {
		struct outcome o = { .status = ST_OK, .stop = STOP_NONE, .intact = -1 };
		const struct attack *a = &attacks[i];
		double start;

		if (only && strcmp(only, a->name))
			continue;
		ran++;
		start = now();
		a->run(&b, &o);
		o.guest_seconds = now() - start;
		if (o.status == ST_OK && o.stop == STOP_ERROR)
			o.status = ST_BROKEN;
		if (o.status == ST_UNSUPPORTED) {
			o.stop = STOP_NONE;
			o.intact = -1;
			snprintf(o.intact_detail, sizeof(o.intact_detail), "not run");
		}
		failed |= o.status == ST_BROKEN ||
			  (o.status != ST_UNSUPPORTED && o.intact != 1);
		print_summary(a, &o);
		json_array_append_new(rows, outcome_json(a, &o));
		if (json_write(root, out))
			failed = true;
	}
	json_decref(rows);
	json_decref(root);
	if (!ran) {
		fprintf(stderr, "cowbench-attack: no attack named '%s'\n", only);
		return 2;
	}
	return failed ? 1 : 0;
}
