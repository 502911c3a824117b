// SPDX-License-Identifier: GPL-2.0
/*
 * fork-pinned family: fork against a region part of which is long-term
 * pinned, the case the kernel's fork_pinned policy decides.  Upstream
 * (copy) copies every maybe-pinned anonymous page at fork
 * (fork_copy_pinned); wp-noreuse shares it write-protected
 * (fork_share_pinned) and leaves the cost to the first writes after fork.
 *
 * Before fork, the first 0, 1, 10 or 100% of the pages of a populated
 * region (at least one page if any) carry a gup_test long-term R/W pin
 * (PIN_LONGTERM_TEST_START with FOLL_WRITE, held while it is forked).  gup_test
 * holds one such range at a time for the whole system, hence one prefix.
 * The 0% row takes and drops a pin of one page, so that its mm is marked
 * MMF_HAS_PINNED as every other row's is: fork then asks about each page,
 * and none is pinned.  fork/call is the control without that mark.
 *
 *   call-N          fork() as the parent sees it (the child exits at once,
 *                   the wait is outside the region), per MiB of the region
 *   parent-write-N  the parent's first write to each pinned page after
 *                   fork, while the child still maps the region (10, 100%)
 *   child-write-N   the child's first write to each pinned page, measured
 *                   in the child while the parent waits (10, 100%)
 *
 * Every iteration forks the region as it is right after pinning: an
 * iteration after the first unpins, unmaps, maps, populates and pins it
 * anew (untimed).  After a fork the region is not what it was: under
 * wp-noreuse the parent's pinned pages stay marked shared even once the
 * parent reused them, and a second fork shares them as ordinary pages
 * (fork_share_pinned counted the first fork only); with THP the fork split
 * the PMD of each THP that holds a pinned page (under both policies).
 *
 * Run as SCHED_BATCH, as the fork family (bench/fork.c says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cowbench.h"
#include "gup_test.h"

struct fpin {
	struct cb_params p;
	char *mem;
	size_t nr_pinned;	/* pages pinned from mem on */
	int gup_fd;
	int pinned;		/* we hold gup_test's long-term range */
	int used;		/* an iteration forked the region as it is */
	char value;		/* changes per write: every write stores news */
};

/*
 * The quick profile forks 2 MiB (every iteration populates and pins anew:
 * under icount the whole family costs ~1G guest instructions there), the
 * default profile also 64 MiB.
 */
static const size_t fpin_sizes[] = { 2 * CB_MIB, 64 * CB_MIB, 0 };

static size_t pinned_bytes(const struct fpin *f)
{
	return f->nr_pinned * CB_PAGE_SIZE;
}

static int pin_range(struct cb_ctx *ctx, struct fpin *f, size_t nr)
{
	struct pin_longterm_test pin = {
		.addr = (uintptr_t)f->mem,
		.size = nr * CB_PAGE_SIZE,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};

	if (ioctl(f->gup_fd, PIN_LONGTERM_TEST_START, &pin)) {
		int err = errno;

		return cb_fail(ctx, "gup_test PIN_LONGTERM_TEST_START of %zu pages: %s (%s)%s",
			       nr, strerrorname_np(err), strerror(err),
			       err == EINVAL ? ": another gup_test long-term range held?" : "");
	}
	f->pinned = 1;
	return 0;
}

static int unpin_range(struct cb_ctx *ctx, struct fpin *f)
{
	if (!f->pinned)
		return 0;
	f->pinned = 0;
	if (ioctl(f->gup_fd, PIN_LONGTERM_TEST_STOP))
		return ctx ? cb_fail(ctx, "gup_test PIN_LONGTERM_TEST_STOP: %s",
				     strerror(errno)) : -1;
	return 0;
}

/* Map and populate the region, pin its first nr_pinned pages. */
static int fpin_prepare(struct cb_ctx *ctx, struct fpin *f)
{
	f->mem = cb_map_populated(ctx, &f->p);
	if (!f->mem)
		return -1;
	if (pin_range(ctx, f, f->nr_pinned ? f->nr_pinned : 1))
		return -1;
	return f->nr_pinned ? 0 : unpin_range(ctx, f);
}

/* Before an iteration: the region as fpin_prepare() left it. */
static int fpin_fresh(struct cb_ctx *ctx, struct fpin *f)
{
	if (!f->used) {
		f->used = 1;
		return 0;
	}
	if (unpin_range(ctx, f))
		return -1;
	cb_unmap(f->mem, f->p.size);
	f->mem = NULL;
	return fpin_prepare(ctx, f);
}

static int fpin_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct fpin *f = calloc(1, sizeof(*f));

	if (!f)
		return cb_fail(ctx, "out of memory");
	f->p = *p;
	f->gup_fd = -1;
	*priv = f;
	if (sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 }))
		return cb_fail(ctx, "sched_setscheduler(SCHED_BATCH): %s", strerror(errno));
	f->gup_fd = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (f->gup_fd < 0)
		return cb_skip(ctx, "open %s: %s", GUP_TEST_PATH, strerror(errno));
	f->nr_pinned = p->size / CB_PAGE_SIZE * p->arg / 100;
	if (p->arg && !f->nr_pinned)
		f->nr_pinned = 1;
	return fpin_prepare(ctx, f);
}

static void fpin_teardown(void *priv)
{
	struct fpin *f = priv;

	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	if (f->gup_fd >= 0) {
		unpin_range(NULL, f);
		close(f->gup_fd);
	}
	cb_unmap(f->mem, f->p.size);
	free(f);
}

static int fpin_call(struct cb_ctx *ctx, void *priv)
{
	struct fpin *f = priv;
	int pid, err;

	if (fpin_fresh(ctx, f))
		return -1;
	cb_measure_begin(ctx);
	pid = fork();
	if (pid == 0)
		_exit(0);
	err = errno;	/* before the runner's own calls replace it */
	cb_measure_end(ctx, f->p.size / CB_MIB);
	if (pid < 0)
		return cb_fail(ctx, "fork: %s", strerror(err));
	return cb_child_wait(ctx, pid);
}

static int fpin_parent_write(struct cb_ctx *ctx, void *priv)
{
	struct fpin *f = priv;
	struct cb_child child;

	if (fpin_fresh(ctx, f) || cb_child_hold(ctx, &child))
		return -1;
	/* The runner's own pages are shared with the child too. */
	cb_parent_prepare(ctx);
	f->value++;
	cb_measure_begin(ctx);
	cb_touch_pages(f->mem, pinned_bytes(f), f->value);
	cb_measure_end(ctx, f->nr_pinned);
	return cb_child_release(ctx, &child);
}

static int fpin_child_write(struct cb_ctx *ctx, void *priv)
{
	struct fpin *f = priv;
	int fds[2];
	int pid, ret;

	if (fpin_fresh(ctx, f))
		return -1;
	if (pipe2(fds, O_CLOEXEC))
		return cb_fail(ctx, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return cb_fail(ctx, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		cb_child_prepare(ctx);
		cb_measure_begin(ctx);
		cb_touch_pages(f->mem, pinned_bytes(f), (char)(f->value + 1));
		cb_measure_end(ctx, f->nr_pinned);
		_exit(cb_sample_send(ctx, fds[1]) ? 1 : 0);
	}
	close(fds[1]);
	ret = cb_sample_recv(ctx, fds[0]);
	close(fds[0]);
	return cb_child_wait(ctx, pid) ? -1 : ret;
}

#define FPIN_CASE(_name, _summary, _item, _fn, _pct)			\
	{								\
		.name = _name, .summary = _summary, .item = _item,	\
		.sizes = fpin_sizes, .thp_modes = CB_THP_BOTH,		\
		.unsupported = cb_gup_test_unsupported, .setup = fpin_setup, \
		.iteration = _fn, .teardown = fpin_teardown, .arg = _pct, \
	}

#define FPIN_CALL(_pct)							\
	FPIN_CASE("fork-pinned/call-" #_pct "pct",			\
		  "fork() with " #_pct "% of the region long-term pinned, per MiB", \
		  "MiB", fpin_call, _pct)
#define FPIN_PARENT_WRITE(_pct)						\
	FPIN_CASE("fork-pinned/parent-write-" #_pct "pct",		\
		  "parent's first write per pinned page after fork (" #_pct \
		  "% pinned), child alive", "page", fpin_parent_write, _pct)
#define FPIN_CHILD_WRITE(_pct)						\
	FPIN_CASE("fork-pinned/child-write-" #_pct "pct",		\
		  "child's first write per pinned page after fork (" #_pct \
		  "% pinned), measured in the child", "page", fpin_child_write, _pct)

static const struct cb_case fpin_cases[] = {
	FPIN_CALL(0),
	FPIN_CALL(1),
	FPIN_CALL(10),
	FPIN_CALL(100),
	/* A write's cost per page does not depend on the share: two rows do. */
	FPIN_PARENT_WRITE(10),
	FPIN_PARENT_WRITE(100),
	FPIN_CHILD_WRITE(10),
	FPIN_CHILD_WRITE(100),
};

const struct cb_family cb_family_fork_pinned = {
	"fork-pinned", fpin_cases, sizeof(fpin_cases) / sizeof(fpin_cases[0]),
};
