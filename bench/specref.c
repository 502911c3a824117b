// SPDX-License-Identifier: GPL-2.0
/*
 * specref family: write faults that go through the reuse decision (as
 * fault/reuse: the pages lost AnonExclusive at a fork whose child has
 * exited) while the kernel's speculative-reference generator (patch 0006,
 * /sys/kernel/debug/cowbench/specref) takes short-lived references on the
 * same pages at a given rate.  A reuse decision that reads the refcount
 * (upstream for non-exclusive pages, and "refcount") copies a page it finds
 * referenced; one that reads the mapcount does not.  The numbers to read are
 * the vmstat events per page: cow_copy and cow_copy_spurious per 1000 write
 * faults, beside specref_refs (references the generator took per fault).
 *
 * Each reference is held SPECREF_HOLD_NS, plus up to one generator tick
 * (20-30 us of guest time), so about rate * (hold + tick) references are in
 * flight over the 512 pages of the region.
 *
 * specref/fork-N: one fork() of the same region (the child exits at once,
 * without touching it) while the generator runs at N references/s (fork-0:
 * not started).  Nothing in the region is pinned, but the mm is marked
 * MMF_HAS_PINNED, as any process that ever pinned a page is, so fork asks
 * each exclusive page whether it may be pinned and copies it for the child
 * if so.  With the pin bias (upstream) a page needs 1024 references for
 * that; under cowbench.pin_bias=nobias one reference its mappings do not
 * explain is enough: a speculative one, or a per-CPU LRU batch's (fork-0
 * counts those alone).  fork_copy_pinned and fork_copy_unexplained per
 * 1000 pages are then spurious copies, beside specref_refs.  While fork
 * holds the mmap lock for writing the generator takes no reference
 * (specref_busy counts those it skipped): a fork meets the ones in flight
 * when it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cowbench.h"

#define SPECREF_PATH "/sys/kernel/debug/cowbench/specref"
#define SPECREF_HOLD_NS 20000

struct specref_bench {
	struct cb_params p;
	char *mem;
	char value;
	int running;		/* the generator was started: stop it */
	int batch;		/* SCHED_BATCH was set: restore SCHED_OTHER */
};

static const size_t specref_sizes[] = { 2 * CB_MIB, 0 };

static const char *specref_unsupported(const struct cb_params *p)
{
	/* A rate-0 row runs without the generator, so on any kernel. */
	if (p->arg && access(SPECREF_PATH, W_OK))
		return "no " SPECREF_PATH " (kernel without cowbench patch 0006?)";
	return cb_thp_unsupported(p);
}

/* Write a command to the generator: 0 or -errno. */
static int specref_write(const char *cmd)
{
	int fd = open(SPECREF_PATH, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* What the generator did since it started (see patch 0006). */
struct specref_counts {
	long wakeups, taken, missed, busy;
};

static int specref_read(struct cb_ctx *ctx, struct specref_counts *c)
{
	FILE *f = fopen(SPECREF_PATH, "re");
	char key[32];
	long value;
	int found = 0;

	if (!f)
		return cb_fail(ctx, "%s: %s", SPECREF_PATH, strerror(errno));
	while (fscanf(f, "%31s %li", key, &value) == 2) {
		long *field = !strcmp(key, "wakeups") ? &c->wakeups :
			      !strcmp(key, "taken") ? &c->taken :
			      !strcmp(key, "missed") ? &c->missed :
			      !strcmp(key, "busy") ? &c->busy : NULL;

		if (field) {
			*field = value;
			found++;
		}
	}
	fclose(f);
	if (found != 4)
		return cb_fail(ctx, "%s: expected wakeups, taken, missed and busy lines",
			       SPECREF_PATH);
	return 0;
}

static int specref_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct specref_bench *b = calloc(1, sizeof(*b));
	char cmd[128];
	int ret;

	if (!b)
		return cb_fail(ctx, "out of memory");
	b->p = *p;
	*priv = b;
	b->mem = cb_map_populated(ctx, p);
	if (!b->mem)
		return -1;
	/* The kernel refuses a rate of 0: a 0 row runs without the generator. */
	if (!p->arg)
		return 0;
	snprintf(cmd, sizeof(cmd), "%d 0x%lx %zu %" PRIu64 " %d", (int)getpid(),
		 (unsigned long)b->mem, p->size, p->arg, SPECREF_HOLD_NS);
	ret = specref_write(cmd);
	if (ret)
		return cb_fail(ctx, "%s: writing \"%s\": %s", SPECREF_PATH, cmd,
			       strerror(-ret));
	b->running = 1;
	return 0;
}

/*
 * Mark the mm MMF_HAS_PINNED, as the first FOLL_PIN pin of a process does:
 * process_vm_readv() of our own memory pins the pages it reads
 * (pin_user_pages_remote() on the mm it reads from, ours).  It reads one
 * scratch page outside the region into another, and has unpinned it when
 * it returns; the mark stays for the life of the mm.
 */
static int specref_mark_has_pinned(struct cb_ctx *ctx)
{
	const struct cb_params scratch_p = { .size = 2 * CB_PAGE_SIZE, .thp = CB_THP_OFF };
	char *scratch = cb_map_populated(ctx, &scratch_p);
	struct iovec local = { .iov_base = scratch + CB_PAGE_SIZE, .iov_len = CB_PAGE_SIZE };
	struct iovec remote = { .iov_base = scratch, .iov_len = CB_PAGE_SIZE };
	ssize_t n;
	int err;

	if (!scratch)
		return -1;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	err = errno;
	cb_unmap(scratch, scratch_p.size);
	if (n < 0 && err == ENOSYS)
		return cb_skip(ctx, "kernel without CONFIG_CROSS_MEMORY_ATTACH: no "
			       "process_vm_readv() to mark the mm MMF_HAS_PINNED");
	if (n != CB_PAGE_SIZE)
		return cb_fail(ctx, "process_vm_readv of our own page: %s",
			       n < 0 ? strerror(err) : "short read");
	return 0;
}

/*
 * As fork/call, SCHED_BATCH (bench/fork.c says why), on the populated
 * region of the reuse rows in an mm marked MMF_HAS_PINNED.
 */
static int specref_fork_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct specref_bench *b;

	if (specref_setup(ctx, p, priv))
		return -1;
	b = *priv;
	if (sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 }))
		return cb_fail(ctx, "sched_setscheduler(SCHED_BATCH): %s", strerror(errno));
	b->batch = 1;
	return specref_mark_has_pinned(ctx);
}

static void specref_teardown(void *priv)
{
	struct specref_bench *b = priv;

	if (b->batch)
		sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	/* Stop before unmapping: the generator drops what it holds. */
	if (b->running)
		specref_write("0");
	cb_unmap(b->mem, b->p.size);
	free(b);
}

/* The generator's counts before a measured region: all 0 if it is not running. */
static int specref_snapshot(struct cb_ctx *ctx, const struct specref_bench *b,
			    struct specref_counts *c)
{
	*c = (struct specref_counts){ 0 };
	return b->running ? specref_read(ctx, c) : 0;
}

/*
 * Right after cb_measure_end(): what the generator did since @before, as
 * extras of that sample -- proof it ran inside the region, and how well.
 */
static int specref_record(struct cb_ctx *ctx, const struct specref_bench *b,
			  const struct specref_counts *before)
{
	struct specref_counts after;

	if (specref_snapshot(ctx, b, &after))
		return -1;
	cb_measure_extra(ctx, "specref_wakeups", (double)(after.wakeups - before->wakeups));
	cb_measure_extra(ctx, "specref_refs", (double)(after.taken - before->taken));
	cb_measure_extra(ctx, "specref_missed", (double)(after.missed - before->missed));
	cb_measure_extra(ctx, "specref_busy", (double)(after.busy - before->busy));
	return 0;
}

static int specref_reuse(struct cb_ctx *ctx, void *priv)
{
	struct specref_bench *b = priv;
	struct specref_counts before;

	if (cb_fork_and_reap(ctx) || specref_snapshot(ctx, b, &before))
		return -1;
	b->value++;
	cb_measure_begin(ctx);
	cb_touch_pages(b->mem, b->p.size, b->value);
	cb_measure_end(ctx, b->p.size / CB_PAGE_SIZE);
	return specref_record(ctx, b, &before);
}

static int specref_fork(struct cb_ctx *ctx, void *priv)
{
	struct specref_bench *b = priv;
	struct specref_counts before;
	int pid, err;

	/*
	 * The last iteration's fork left the pages shared (write-protected,
	 * not PageAnonExclusive), and fork asks only an exclusive page whether
	 * it may be pinned: write each page again (a reuse, untimed) first.
	 * A page the generator holds then is copied instead (the reuse rows'
	 * cow_copy), and a new copy waits in an LRU batch, with its reference,
	 * when fork asks about it.
	 */
	b->value++;
	cb_touch_pages(b->mem, b->p.size, b->value);
	if (specref_snapshot(ctx, b, &before))
		return -1;
	cb_measure_begin(ctx);
	pid = fork();
	if (pid == 0)
		_exit(0);	/* without touching the region */
	err = errno;	/* before the runner's own calls replace it */
	cb_measure_end(ctx, b->p.size / CB_PAGE_SIZE);
	if (pid < 0)
		return cb_fail(ctx, "fork: %s", strerror(err));
	if (specref_record(ctx, b, &before)) {
		cb_child_wait(ctx, pid);
		return -1;
	}
	return cb_child_wait(ctx, pid);
}

#define SPECREF_CASE(_name, _summary, _setup, _fn, _rate)		\
	{								\
		.name = _name, .summary = _summary,			\
		.item = "page", .sizes = specref_sizes,			\
		.thp_modes = CB_THP_MASK(CB_THP_OFF),			\
		.unsupported = specref_unsupported,			\
		.setup = _setup, .iteration = _fn,			\
		.teardown = specref_teardown, .arg = _rate,		\
	}
#define SPECREF_REUSE(_name, _rate)					\
	SPECREF_CASE(_name, "fault/reuse while the kernel takes " #_rate \
		     " speculative page references/s on the region",	\
		     specref_setup, specref_reuse, _rate)
#define SPECREF_FORK(_name, _rate)					\
	SPECREF_CASE(_name, "fork() of a region nothing pins, mm marked MMF_HAS_PINNED, " \
		     "while the kernel takes " #_rate " speculative page references/s on it", \
		     specref_fork_setup, specref_fork, _rate)

static const struct cb_case specref_cases[] = {
	SPECREF_REUSE("specref/reuse-10k", 10000),
	SPECREF_REUSE("specref/reuse-100k", 100000),
	SPECREF_REUSE("specref/reuse-1M", 1000000),
	SPECREF_FORK("specref/fork-0", 0),
	SPECREF_FORK("specref/fork-10k", 10000),
	SPECREF_FORK("specref/fork-100k", 100000),
	SPECREF_FORK("specref/fork-1M", 1000000),
};

const struct cb_family cb_family_specref = {
	"specref", specref_cases, sizeof(specref_cases) / sizeof(specref_cases[0]),
};
