// SPDX-License-Identifier: GPL-2.0
/*
 * gmem family: what host mmap of guest_memfd pages that can become private
 * costs, under the three conversion policies (cowbench.gmem_convert=, read
 * from /sys/kernel/mm/cowbench/gmem_convert), on the file of
 * bench/cowbench_gmem.h (patches/6.12/0015, /sys/kernel/debug/cowbench_gmem).
 * Every file is created with CB_GMEM_FLAG_MMAP and the exact safety check.
 *
 * gmem/to-private-mN: one CB_GMEM_TO_PRIVATE of the whole range while N
 *   forked processes map the file and have faulted in every page, per page.
 *   This is where sigbus pays: the conversion first unmaps each page from N
 *   page tables (vm event gmem_unmapped), then checks the refcount.  Under
 *   rmap-check and no-mmap a mapped range is refused with EBUSY: the refused
 *   ioctl is still what is measured (the cost of saying no), and the extra
 *   counter refused_per_item reads 1 (it reads 0 where the range converted).
 *   With N = 0 every policy converts: the cost of the state change and the
 *   refcount check alone.  Untimed, after a conversion: CB_GMEM_TO_SHARED
 *   and the mappers fault every page in again, so every iteration converts
 *   mapped pages.  N x size is bounded (GMEM_PTE_BOUND PTEs an iteration)
 *   so that a default run stays reasonable under TCG.
 * gmem/to-shared: CB_GMEM_TO_SHARED of a private range nobody maps, per
 *   page; untimed CB_GMEM_TO_PRIVATE after each.  No policy refuses it.
 * gmem/fault-shared: the first write of each page of the file through a
 *   fresh MAP_SHARED mapping, per page: the fault handler's cost on a shared
 *   page already in the page cache (setup populates the file; an untimed
 *   munmap + mmap after each iteration makes the next fault again).
 * gmem/mmap-private-N: one mmap() + munmap() of a whole 4 MiB file whose
 *   first N pages are private, per call.  This is where rmap-check (a
 *   private page in the range) and no-mmap (a private page in the file) pay,
 *   and refuse: mmap fails EPERM for N > 0, the failing call is what is
 *   measured, and refused_per_item reads 1.  sigbus maps and pays at fault
 *   time instead (a host fault on a private page is SIGBUS), so N is free.
 * gmem/host-upstream-fault: as gmem/fault-shared on the running kernel's
 *   own guest_memfd (KVM_CREATE_GUEST_MEMFD with GUEST_MEMFD_FLAG_MMAP |
 *   GUEST_MEMFD_FLAG_INIT_SHARED, upstream since 6.18) of a VM it creates:
 *   the upstream fault path beside ours.  6.12 has no guest_memfd mmap, and
 *   the case says so and skips.
 *
 * Mappers block on a socket and touch their mapping only when told to, after
 * the range is shared again: no mapper ever faults a private page.  The
 * to-private cases run as SCHED_BATCH (see bench/fork.c): a mapper woken by
 * a command does not preempt the parent, and one that acked has blocked
 * again by the time the parent runs on, so no mapper runs inside the
 * measured region.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cowbench.h"
#include "guest_util.h"
#include "cowbench_gmem.h"

#define GMEM_DEV "/sys/kernel/debug/cowbench_gmem"
#define GMEM_POLICY "/sys/kernel/mm/cowbench/gmem_convert"
#define GMEM_MAPPERS_MAX 64
/* mappers x pages faulted in again per iteration: 8 x 64 MiB, 64 x 2 MiB */
#define GMEM_PTE_BOUND (128UL << 10)
#define GMEM_MMAP_FILE (4 * CB_MIB)

/* Upstream guest_memfd (6.8+; mmap 6.18+), for headers older than that. */
#define CB_KVM_X86_DEFAULT_VM 0
#define CB_KVM_X86_SW_PROTECTED_VM 1
#define CB_GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#define CB_GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
struct cb_kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define CB_KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct cb_kvm_create_guest_memfd)

enum gmem_policy { GMEM_SIGBUS, GMEM_RMAP_CHECK, GMEM_NO_MMAP };

static const char *const policy_names[] = { "sigbus", "rmap-check", "no-mmap" };

/* A forked process that maps the file; the parent holds its pipe ends. */
struct mapper {
	int pid;
	int cmd_w;		/* a byte: fault every page in again; EOF: exit */
	int ack_r;		/* a byte back: 0 done, else the errno */
};

struct gmem {
	struct cb_ctx *ctx;	/* teardown reports a mapper that died */
	struct cb_params p;
	int failed;		/* an error is recorded: teardown keeps it */
	enum gmem_policy policy;
	int fd;			/* the file */
	char *mem;		/* the parent's own mapping (fault cases) */
	char value;
	int batch;		/* SCHED_BATCH was set: restore SCHED_OTHER */
	int nr_mappers;
	struct mapper mappers[GMEM_MAPPERS_MAX];
	int kvm_fd, vm_fd;	/* host-upstream-fault */
};

static const size_t gmem_convert_sizes[] = { 4096, 2 * CB_MIB, 64 * CB_MIB, 0 };
static const size_t gmem_fault_sizes[] = { 2 * CB_MIB, 64 * CB_MIB, 0 };
static const size_t gmem_mmap_sizes[] = { GMEM_MMAP_FILE, 0 };

static uint64_t pages(const struct gmem *g)
{
	return g->p.size / CB_PAGE_SIZE;
}

static int gfail(struct gmem *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int gfail(struct gmem *g, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->failed = 1;
	return cb_fail(g->ctx, "%s", msg);
}

/* --- when a case cannot run --- */

static const char *gmem_unsupported(const struct cb_params *p)
{
	static char why[160];

	(void)p;
	if (!access(GMEM_DEV, R_OK | W_OK))
		return NULL;
	if (errno == ENOENT)
		return "no " GMEM_DEV ": kernel without patches/6.12/0015";
	snprintf(why, sizeof(why), "%s: %s (debugfs not mounted, or not root?)", GMEM_DEV,
		 strerrorname_np(errno));
	return why;
}

/* "1M", "128K": a count of PTEs as the bound reads it. */
static void format_count(uint64_t n, char *buf, size_t len)
{
	if (n >= (1UL << 20) && !(n % (1UL << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(n >> 20));
	else if (n >= 1024 && !(n % 1024))
		snprintf(buf, len, "%lluK", (unsigned long long)(n >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

static const char *to_private_unsupported(const struct cb_params *p)
{
	static char why[160];
	uint64_t ptes = p->arg * (p->size / CB_PAGE_SIZE);
	char size[32], n[32], bound[32];

	if (ptes > GMEM_PTE_BOUND) {
		cb_format_size(p->size, size, sizeof(size));
		format_count(ptes, n, sizeof(n));
		format_count(GMEM_PTE_BOUND, bound, sizeof(bound));
		snprintf(why, sizeof(why),
			 "bounded: %llu mappers x %s faults %s PTEs per iteration (over %s)",
			 (unsigned long long)p->arg, size, n, bound);
		return why;
	}
	return gmem_unsupported(p);
}

/* --- the file --- */

/* The case's state in *@priv (teardown frees it), or NULL with a failure. */
static struct gmem *gmem_new(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = calloc(1, sizeof(*g));

	if (!g) {
		cb_fail(ctx, "out of memory");
		return NULL;
	}
	g->ctx = ctx;
	g->p = *p;
	g->fd = g->kvm_fd = g->vm_fd = -1;
	*priv = g;
	return g;
}

static int gmem_create(struct gmem *g, size_t size, uint64_t flags)
{
	struct cb_gmem_create create = { .size = size, .flags = flags };
	int dev = open(GMEM_DEV, O_RDWR | O_CLOEXEC);

	if (dev < 0)
		return gfail(g, "open %s: %s", GMEM_DEV, strerrorname_np(errno));
	g->fd = ioctl(dev, CB_GMEM_CREATE, &create);
	if (g->fd < 0) {
		int err = errno;

		close(dev);
		return gfail(g, "CB_GMEM_CREATE of %zu bytes, flags %#llx: %s", size,
			     (unsigned long long)flags, strerrorname_np(err));
	}
	close(dev);
	return 0;
}

static int read_policy(struct gmem *g)
{
	char buf[128] = "";
	int fd = open(GMEM_POLICY, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return gfail(g, "open %s: %s", GMEM_POLICY, strerrorname_np(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (int i = 0; n > 0 && i < 3; i++) {
		char active[32];

		snprintf(active, sizeof(active), "[%s]", policy_names[i]);
		if (strstr(buf, active)) {
			g->policy = (enum gmem_policy)i;
			return 0;
		}
	}
	buf[strcspn(buf, "\n")] = 0;
	return gfail(g, "%s reads \"%s\": no policy I know in brackets", GMEM_POLICY, buf);
}

/* TO_PRIVATE / TO_SHARED of [0, len): 0 or the errno. */
static int convert(struct gmem *g, unsigned long cmd, size_t len)
{
	struct cb_gmem_range r = { .offset = 0, .len = len };

	return ioctl(g->fd, cmd, &r) ? errno : 0;
}

static int convert_or_fail(struct gmem *g, unsigned long cmd, size_t len)
{
	int err = convert(g, cmd, len);

	if (err)
		return gfail(g, "%s of %zu bytes: %s",
			     cmd == CB_GMEM_TO_PRIVATE ? "CB_GMEM_TO_PRIVATE" : "CB_GMEM_TO_SHARED",
			     len, strerrorname_np(err));
	return 0;
}

/* The guest writes a byte to each page: every page present, whatever its state. */
static int populate(struct gmem *g, size_t size)
{
	char c = 1;

	for (size_t off = 0; off < size; off += CB_PAGE_SIZE) {
		struct cb_gmem_io io = { .offset = off, .len = 1, .buf = (uintptr_t)&c };

		if (ioctl(g->fd, CB_GMEM_WRITE, &io))
			return gfail(g, "CB_GMEM_WRITE at %zu: %s", off, strerrorname_np(errno));
	}
	return 0;
}

/*
 * Where nobody faults pages back in (no mappers): if a conversion dropped
 * the folios (the interface does not say it keeps them), populate again, so
 * that every iteration converts present pages.  The first page stands for all.
 */
static int keep_present(struct gmem *g)
{
	struct cb_gmem_page_state st = { .offset = 0 };

	if (ioctl(g->fd, CB_GMEM_PAGE_STATE, &st))
		return gfail(g, "CB_GMEM_PAGE_STATE: %s", strerrorname_np(errno));
	return st.present ? 0 : populate(g, g->p.size);
}

static char *map_file(struct gmem *g, int *err)
{
	char *mem = mmap(NULL, g->p.size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);

	*err = mem == MAP_FAILED ? errno : 0;
	return mem == MAP_FAILED ? NULL : mem;
}

static int remap(struct gmem *g)
{
	int err;

	cb_unmap(g->mem, g->p.size);
	g->mem = map_file(g, &err);
	if (!g->mem)
		return gfail(g, "mmap of %zu bytes of the file: %s", g->p.size,
			     strerrorname_np(err));
	return 0;
}

/* --- mappers --- */

static void mapper_main(struct gmem *g, int cmd_r, int ack_w)
{
	char c;
	int err;
	char *mem = map_file(g, &err);

	if (mem)
		cb_touch_pages(mem, g->p.size, 1);
	c = (char)(unsigned char)err;
	if (write(ack_w, &c, 1) != 1 || !mem)
		_exit(1);
	for (;;) {
		ssize_t n = read(cmd_r, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		cb_touch_pages(mem, g->p.size, c);
		c = 0;
		if (write(ack_w, &c, 1) != 1)
			_exit(1);
	}
	munmap(mem, g->p.size);
	_exit(0);
}

/* Why mapper @m stopped answering: reap it and say how it ended. */
static int mapper_lost(struct gmem *g, struct mapper *m, const char *when)
{
	int status, pid = m->pid;

	m->pid = 0;
	if (waitpid(pid, &status, 0) < 0)
		return gfail(g, "mapper %d %s: no answer, waitpid: %s", pid, when,
			     strerrorname_np(errno));
	if (WIFSIGNALED(status))
		return gfail(g, "mapper %d %s: killed by SIG%s", pid, when,
			     sigabbrev_np(WTERMSIG(status)));
	return gfail(g, "mapper %d %s: exited with status %d", pid, when,
		     WEXITSTATUS(status));
}

static int mapper_ack(struct gmem *g, struct mapper *m, const char *when)
{
	unsigned char c;
	ssize_t n;

	while ((n = read(m->ack_r, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return mapper_lost(g, m, when);
	if (c)
		return gfail(g, "mapper %d %s: mmap of the file: %s", m->pid, when,
			     strerrorname_np(c));
	return 0;
}

static int mapper_start(struct gmem *g)
{
	struct mapper *m = &g->mappers[g->nr_mappers];
	int cmd[2], ack[2];

	/* A socket: a send to a mapper that died fails EPIPE without SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cmd))
		return gfail(g, "socketpair: %s", strerrorname_np(errno));
	if (pipe2(ack, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return gfail(g, "pipe: %s", strerrorname_np(errno));
	}
	m->pid = fork();
	if (m->pid == 0) {
		/* The earlier mappers' ends: their EOFs must not wait for us. */
		for (int i = 0; i < g->nr_mappers; i++) {
			close(g->mappers[i].cmd_w);
			close(g->mappers[i].ack_r);
		}
		close(cmd[1]);
		close(ack[0]);
		mapper_main(g, cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	if (m->pid < 0) {
		close(cmd[1]);
		close(ack[0]);
		return gfail(g, "fork: %s", strerrorname_np(errno));
	}
	m->cmd_w = cmd[1];
	m->ack_r = ack[0];
	g->nr_mappers++;
	return mapper_ack(g, m, "starting");
}

/* Every mapper writes every page of its mapping again, and says so. */
static int mappers_fault(struct gmem *g)
{
	char c = ++g->value;

	for (int i = 0; i < g->nr_mappers; i++)
		if (send(g->mappers[i].cmd_w, &c, 1, MSG_NOSIGNAL) != 1)
			return mapper_lost(g, &g->mappers[i], "told to fault");
	for (int i = 0; i < g->nr_mappers; i++)
		if (mapper_ack(g, &g->mappers[i], "faulting pages in"))
			return -1;
	return 0;
}

static void mappers_stop(struct gmem *g)
{
	for (int i = 0; i < g->nr_mappers; i++)
		close(g->mappers[i].cmd_w);
	for (int i = 0; i < g->nr_mappers; i++) {
		struct mapper *m = &g->mappers[i];
		int status = 0, ret;

		close(m->ack_r);
		if (!m->pid)
			continue;
		while ((ret = waitpid(m->pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (!g->failed && ret < 0)
			gfail(g, "mapper %d: waitpid: %s", m->pid, strerrorname_np(errno));
		else if (!g->failed && (!WIFEXITED(status) || WEXITSTATUS(status)))
			gfail(g, "mapper %d did not exit cleanly (status %#x)", m->pid, status);
	}
	g->nr_mappers = 0;
}

static void gmem_teardown(void *priv)
{
	struct gmem *g = priv;

	mappers_stop(g);
	if (g->batch)
		sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	cb_unmap(g->mem, g->p.size);
	if (g->fd >= 0)
		close(g->fd);
	if (g->vm_fd >= 0)
		close(g->vm_fd);
	if (g->kvm_fd >= 0)
		close(g->kvm_fd);
	free(g);
}

/* --- gmem/to-private-mN --- */

static int to_private_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = gmem_new(ctx, p, priv);

	if (!g)
		return -1;
	if (p->arg > GMEM_MAPPERS_MAX)
		return gfail(g, "%llu mappers: at most %d", (unsigned long long)p->arg,
			     GMEM_MAPPERS_MAX);
	if (read_policy(g) || gmem_create(g, p->size, CB_GMEM_FLAG_MMAP))
		return -1;
	/* Every mapper count alike, before the forks: the mappers inherit it. */
	if (sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 }))
		return gfail(g, "sched_setscheduler(SCHED_BATCH): %s", strerrorname_np(errno));
	g->batch = 1;
	if (!p->arg && populate(g, p->size))
		return -1;
	while ((uint64_t)g->nr_mappers < p->arg)
		if (mapper_start(g))
			return -1;
	/*
	 * New folios wait in per-CPU LRU batches, one reference more than the
	 * exact check explains: drained here, untimed, or the first conversion
	 * of each repetition pays for lru_add_drain_all() (gmem_drain_saved).
	 */
	cb_lru_settle();
	return 0;
}

static int gmem_to_private(struct cb_ctx *ctx, void *priv)
{
	struct gmem *g = priv;
	int mapped = g->nr_mappers > 0;
	int refusing = mapped && g->policy != GMEM_SIGBUS;
	int err;

	/* Our writes after the forks: COW faults of the runner's state, untimed. */
	if (mapped)
		cb_parent_prepare(ctx);
	cb_measure_begin(ctx);
	err = convert(g, CB_GMEM_TO_PRIVATE, g->p.size);
	cb_measure_end(ctx, pages(g));
	/* refused_per_item: 1 for a refused iteration, 0 for a converted one. */
	if (err == EBUSY && refusing) {
		cb_measure_extra(ctx, "refused", (double)pages(g));
		return 0;
	}
	if (err)
		return gfail(g, "CB_GMEM_TO_PRIVATE of %zu bytes, %d mappers, gmem_convert=%s: %s",
			     g->p.size, g->nr_mappers, policy_names[g->policy],
			     strerrorname_np(err));
	if (refusing)
		return gfail(g, "CB_GMEM_TO_PRIVATE converted %zu bytes that %d mappers map "
			     "under gmem_convert=%s: EBUSY expected", g->p.size, g->nr_mappers,
			     policy_names[g->policy]);
	cb_measure_extra(ctx, "refused", 0.0);
	if (convert_or_fail(g, CB_GMEM_TO_SHARED, g->p.size))
		return -1;
	return mapped ? mappers_fault(g) : keep_present(g);
}

/* --- gmem/to-shared --- */

static int to_shared_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = gmem_new(ctx, p, priv);

	if (!g)
		return -1;
	if (gmem_create(g, p->size, CB_GMEM_FLAG_MMAP) || populate(g, p->size))
		return -1;
	return convert_or_fail(g, CB_GMEM_TO_PRIVATE, p->size);
}

static int gmem_to_shared(struct cb_ctx *ctx, void *priv)
{
	struct gmem *g = priv;
	int err;

	cb_measure_begin(ctx);
	err = convert(g, CB_GMEM_TO_SHARED, g->p.size);
	cb_measure_end(ctx, pages(g));
	if (err)
		return gfail(g, "CB_GMEM_TO_SHARED of %zu private bytes: %s", g->p.size,
			     strerrorname_np(err));
	if (convert_or_fail(g, CB_GMEM_TO_PRIVATE, g->p.size))
		return -1;
	return keep_present(g);
}

/* --- gmem/fault-shared, gmem/host-upstream-fault --- */

/* Every page in the page cache, and a fresh mapping of them. */
static int fault_prepare(struct gmem *g)
{
	if (remap(g))
		return -1;
	cb_touch_pages(g->mem, g->p.size, 1);
	return remap(g);
}

static int fault_shared_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = gmem_new(ctx, p, priv);

	if (!g)
		return -1;
	if (gmem_create(g, p->size, CB_GMEM_FLAG_MMAP))
		return -1;
	return fault_prepare(g);
}

static int gmem_fault(struct cb_ctx *ctx, void *priv)
{
	struct gmem *g = priv;

	g->value++;
	cb_measure_begin(ctx);
	cb_touch_pages(g->mem, g->p.size, g->value);
	cb_measure_end(ctx, pages(g));
	return remap(g);
}

/* --- gmem/mmap-private-N --- */

static const char *mmap_private_unsupported(const struct cb_params *p)
{
	if (p->arg * CB_PAGE_SIZE > p->size)
		return "more private pages than the file has";
	return gmem_unsupported(p);
}

static int mmap_private_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = gmem_new(ctx, p, priv);

	if (!g)
		return -1;
	if (read_policy(g) || gmem_create(g, p->size, CB_GMEM_FLAG_MMAP) ||
	    populate(g, p->size))
		return -1;
	return p->arg ? convert_or_fail(g, CB_GMEM_TO_PRIVATE, p->arg * CB_PAGE_SIZE) : 0;
}

static int gmem_mmap_private(struct cb_ctx *ctx, void *priv)
{
	struct gmem *g = priv;
	/* rmap-check: a private page in the range; no-mmap: in the file.  Both here. */
	int refusing = g->p.arg && g->policy != GMEM_SIGBUS;
	char *mem;
	int err;

	cb_measure_begin(ctx);
	mem = mmap(NULL, g->p.size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	err = errno;
	if (mem != MAP_FAILED)
		munmap(mem, g->p.size);
	cb_measure_end(ctx, 1);
	if (mem == MAP_FAILED && err == EPERM && refusing) {
		cb_measure_extra(ctx, "refused", 1.0);
		return 0;
	}
	if (mem == MAP_FAILED)
		return gfail(g, "mmap of %zu bytes, %llu private pages, gmem_convert=%s: %s",
			     g->p.size, (unsigned long long)g->p.arg, policy_names[g->policy],
			     strerrorname_np(err));
	if (refusing)
		return gfail(g, "mmap of %zu bytes with %llu private pages succeeded under "
			     "gmem_convert=%s: EPERM expected", g->p.size,
			     (unsigned long long)g->p.arg, policy_names[g->policy]);
	cb_measure_extra(ctx, "refused", 0.0);
	return 0;
}

/* --- gmem/host-upstream-fault: the running kernel's own guest_memfd --- */

/* A VM of @type and a guest_memfd of @size with host mmap: 0 or the errno of the step. */
static int upstream_open(int *kvm_fd, int *vm_fd, int *gmem_fd, unsigned long type,
			 size_t size, uint64_t flags, const char **step)
{
	struct cb_kvm_create_guest_memfd create = { .size = size, .flags = flags };

	*vm_fd = *gmem_fd = -1;
	*step = "open /dev/kvm";
	*kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm_fd < 0)
		return errno;
	*step = "KVM_CREATE_VM";
	*vm_fd = ioctl(*kvm_fd, KVM_CREATE_VM, type);
	if (*vm_fd < 0)
		return errno;
	*step = "KVM_CREATE_GUEST_MEMFD";
	*gmem_fd = ioctl(*vm_fd, CB_KVM_CREATE_GUEST_MEMFD, &create);
	return *gmem_fd < 0 ? errno : 0;
}

static void upstream_close(int kvm_fd, int vm_fd, int gmem_fd)
{
	if (gmem_fd >= 0)
		close(gmem_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	if (kvm_fd >= 0)
		close(kvm_fd);
}

#define UPSTREAM_FLAGS (CB_GUEST_MEMFD_FLAG_MMAP | CB_GUEST_MEMFD_FLAG_INIT_SHARED)

/*
 * The VM type to use, or -1 with the reason in @why.  x86 upstream (6.18)
 * allows INIT_SHARED only on a VM without private memory, the default type;
 * KVM_X86_SW_PROTECTED_VM is tried too, for kernels that track shared and
 * private in guest_memfd itself.
 */
static long upstream_probe(char *why, size_t len)
{
	static const unsigned long types[] = { CB_KVM_X86_DEFAULT_VM, CB_KVM_X86_SW_PROTECTED_VM };
	int kvm, vm, fd, err, first = 0;
	const char *step;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		err = upstream_open(&kvm, &vm, &fd, types[i], CB_PMD_SIZE, UPSTREAM_FLAGS, &step);
		upstream_close(kvm, vm, fd);
		if (!err)
			return (long)types[i];
		if (i == 0)
			first = err;
		if (kvm < 0) {
			snprintf(why, len, err == ENOENT ?
				 "no /dev/kvm (kernel without CONFIG_KVM, or no VMX/SVM for it)" :
				 "open /dev/kvm: %s", strerrorname_np(err));
			return -1;
		}
		if (i == 0 && vm < 0) {
			snprintf(why, len, "KVM_CREATE_VM (default type): %s", strerrorname_np(err));
			return -1;
		}
	}
	/* Not with host mmap: is there a guest_memfd at all? */
	err = upstream_open(&kvm, &vm, &fd, CB_KVM_X86_DEFAULT_VM, CB_PMD_SIZE, 0, &step);
	upstream_close(kvm, vm, fd);
	if (err)
		snprintf(why, len, "%s without flags: %s: kernel without guest_memfd "
			 "(6.8+, CONFIG_KVM_PRIVATE_MEM / CONFIG_KVM_GUEST_MEMFD)", step,
			 strerrorname_np(err));
	else if (first == EINVAL)
		snprintf(why, len, "KVM_CREATE_GUEST_MEMFD with GUEST_MEMFD_FLAG_MMAP | "
			 "GUEST_MEMFD_FLAG_INIT_SHARED: EINVAL = kernel without upstream "
			 "guest_memfd mmap (6.18+; 6.12 has none)");
	else
		snprintf(why, len, "KVM_CREATE_GUEST_MEMFD with GUEST_MEMFD_FLAG_MMAP | "
			 "GUEST_MEMFD_FLAG_INIT_SHARED: %s", strerrorname_np(first));
	return -1;
}

static long upstream_type = -2;	/* not probed yet */
static char upstream_why[224];

static const char *upstream_unsupported(const struct cb_params *p)
{
	(void)p;
	if (upstream_type == -2)
		upstream_type = upstream_probe(upstream_why, sizeof(upstream_why));
	return upstream_type < 0 ? upstream_why : NULL;
}

static int upstream_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct gmem *g = gmem_new(ctx, p, priv);
	const char *step;
	int err;

	if (!g)
		return -1;
	err = upstream_open(&g->kvm_fd, &g->vm_fd, &g->fd, (unsigned long)upstream_type,
			    p->size, UPSTREAM_FLAGS, &step);
	if (err)
		return gfail(g, "%s (VM type %ld, %zu bytes): %s", step, upstream_type, p->size,
			     strerrorname_np(err));
	return fault_prepare(g);
}

#define GMEM_CASE(_name, _summary, _item, _sizes, _unsupported, _setup, _fn, _arg) \
	{								\
		.name = _name, .summary = _summary, .item = _item,	\
		.sizes = _sizes, .thp_modes = CB_THP_MASK(CB_THP_OFF),	\
		.unsupported = _unsupported, .setup = _setup,		\
		.iteration = _fn, .teardown = gmem_teardown, .arg = _arg, \
	}

#define TO_PRIVATE_CASE(_n)						\
	GMEM_CASE("gmem/to-private-m" #_n,				\
		  "CB_GMEM_TO_PRIVATE of a range mapped by mapper processes: " #_n " (refused: EBUSY)", \
		  "page", gmem_convert_sizes, to_private_unsupported,	\
		  to_private_setup, gmem_to_private, _n)

#define MMAP_PRIVATE_CASE(_n)						\
	GMEM_CASE("gmem/mmap-private-" #_n,				\
		  "mmap + munmap of a 4MiB file, private pages at its start: " #_n " (refused: EPERM)", \
		  "mmap", gmem_mmap_sizes, mmap_private_unsupported,	\
		  mmap_private_setup, gmem_mmap_private, _n)

static const struct cb_case gmem_cases[] = {
	TO_PRIVATE_CASE(0),
	TO_PRIVATE_CASE(1),
	TO_PRIVATE_CASE(8),
	TO_PRIVATE_CASE(64),
	GMEM_CASE("gmem/to-shared", "CB_GMEM_TO_SHARED of a private range nobody maps",
		  "page", gmem_convert_sizes, gmem_unsupported, to_shared_setup,
		  gmem_to_shared, 0),
	GMEM_CASE("gmem/fault-shared",
		  "first write through a fresh mapping of a shared page in the page cache",
		  "page", gmem_fault_sizes, gmem_unsupported, fault_shared_setup, gmem_fault, 0),
	MMAP_PRIVATE_CASE(0),
	MMAP_PRIVATE_CASE(1),
	MMAP_PRIVATE_CASE(512),
	GMEM_CASE("gmem/host-upstream-fault",
		  "as gmem/fault-shared on the kernel's own guest_memfd (GUEST_MEMFD_FLAG_MMAP, 6.18+)",
		  "page", gmem_fault_sizes, upstream_unsupported, upstream_setup, gmem_fault, 0),
};

const struct cb_family cb_family_gmem = {
	"gmem", gmem_cases, sizeof(gmem_cases) / sizeof(gmem_cases[0]),
};
