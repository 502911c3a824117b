// SPDX-License-Identifier: GPL-2.0
/*
 * fault family: the cost of one write fault, per 4 KiB page, by the path the
 * kernel takes: first touch, COW copy (parent or child side), reuse after the
 * child exited, and reuse with one extra reference held, where reuse by
 * mapcount and reuse by refcount disagree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowbench.h"

struct fault {
	struct cb_params p;
	char *mem;
	struct cb_pipes pipes;
	char value;		/* changes per iteration: every write stores news */
};

static const size_t fault_sizes[] = { 2 * CB_MIB, 64 * CB_MIB, 0 };

static uint64_t pages(const struct fault *f)
{
	return f->p.size / CB_PAGE_SIZE;
}

static int fault_setup_common(struct cb_ctx *ctx, const struct cb_params *p,
			      void **priv, int populate)
{
	struct fault *f = calloc(1, sizeof(*f));

	if (!f)
		return cb_fail(ctx, "out of memory");
	f->p = *p;
	*priv = f;
	if (!populate)
		return 0;
	f->mem = cb_map_populated(ctx, p);
	return f->mem ? 0 : -1;
}

static int fault_setup_empty(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	return fault_setup_common(ctx, p, priv, 0);
}

static int fault_setup_populated(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	return fault_setup_common(ctx, p, priv, 1);
}

static void fault_teardown(void *priv)
{
	struct fault *f = priv;

	cb_pipes_close(&f->pipes);
	cb_unmap(f->mem, f->p.size);
	free(f);
}

static void measured_touch(struct cb_ctx *ctx, struct fault *f)
{
	f->value++;
	cb_measure_begin(ctx);
	cb_touch_pages(f->mem, f->p.size, f->value);
	cb_measure_end(ctx, pages(f));
}

/* First touch of fresh anonymous memory: allocate and map (zeroed) pages. */
static int fault_anon(struct cb_ctx *ctx, void *priv)
{
	struct fault *f = priv;

	f->mem = cb_map_anon(ctx, &f->p);
	if (!f->mem)
		return -1;
	measured_touch(ctx, f);
	cb_unmap(f->mem, f->p.size);
	f->mem = NULL;
	return 0;
}

/* The parent writes while a child still maps every page: a COW copy each. */
static int fault_cow_parent(struct cb_ctx *ctx, void *priv)
{
	struct fault *f = priv;
	struct cb_child child;

	if (cb_child_hold(ctx, &child))
		return -1;
	measured_touch(ctx, f);
	return cb_child_release(ctx, &child);
}

/* The child writes while the parent still maps every page. */
static int fault_cow_child(struct cb_ctx *ctx, void *priv)
{
	struct fault *f = priv;
	int fds[2];
	int pid;

	if (pipe(fds))
		return cb_fail(ctx, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return cb_fail(ctx, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		cb_child_prepare(ctx);
		measured_touch(ctx, f);
		_exit(cb_sample_send(ctx, fds[1]) ? 1 : 0);
	}
	close(fds[1]);
	int ret = cb_sample_recv(ctx, fds[0]);

	close(fds[0]);
	return cb_child_wait(ctx, pid) ? -1 : ret;
}

static int fault_reuse(struct cb_ctx *ctx, void *priv)
{
	struct fault *f = priv;

	if (cb_fork_and_reap(ctx))
		return -1;
	measured_touch(ctx, f);
	return 0;
}

/*
 * As fault/reuse, but a pipe holds one extra reference on every page
 * (vmsplice).  Mapped once, referenced twice: reuse by mapcount reuses,
 * reuse by refcount (and upstream, since the page lost AnonExclusive at
 * fork) copies.
 */
static int fault_reuse_extra_ref(struct cb_ctx *ctx, void *priv)
{
	struct fault *f = priv;

	cb_pipes_close(&f->pipes);
	if (cb_fork_and_reap(ctx) ||
	    cb_pipes_vmsplice(ctx, &f->pipes, f->mem, f->p.size))
		return -1;
	measured_touch(ctx, f);
	return 0;
}

#define FAULT_CASE(_name, _summary, _setup, _fn)			\
	{								\
		.name = _name, .summary = _summary, .item = "page",	\
		.sizes = fault_sizes, .thp_modes = CB_THP_BOTH,		\
		.unsupported = cb_thp_unsupported, .setup = _setup,	\
		.iteration = _fn, .teardown = fault_teardown,		\
	}

static const struct cb_case fault_cases[] = {
	FAULT_CASE("fault/anon", "first-touch write fault on fresh anonymous memory",
		   fault_setup_empty, fault_anon),
	FAULT_CASE("fault/cow-parent",
		   "parent write fault on a page a live child maps (COW copy)",
		   fault_setup_populated, fault_cow_parent),
	FAULT_CASE("fault/cow-child",
		   "child write fault on a page the live parent maps (COW copy)",
		   fault_setup_populated, fault_cow_child),
	FAULT_CASE("fault/reuse",
		   "parent write fault after the child exited (reuse decision)",
		   fault_setup_populated, fault_reuse),
	FAULT_CASE("fault/reuse-extra-ref",
		   "as fault/reuse with a pipe reference on each page (mapcount 1, refcount 2)",
		   fault_setup_populated, fault_reuse_extra_ref),
};

const struct cb_family cb_family_fault = {
	"fault", fault_cases, sizeof(fault_cases) / sizeof(fault_cases[0]),
};
