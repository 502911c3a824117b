// SPDX-License-Identifier: GPL-2.0
/*
 * fork*: fork latency against resident anonymous memory, per MiB.
 *
 * fork/call times fork() as the parent sees it.  fork/exit-wait times fork,
 * the child's exit and the parent's wait: its total does not depend on which
 * task the scheduler runs first, which keeps it stable under icount.
 *
 * Both run as SCHED_BATCH.  The child shares the parent's CPU (it inherits
 * the pinning) and, as a SCHED_OTHER task, EEVDF let it preempt the parent
 * inside fork() on some wakeups and not on others: under icount fork/call
 * of 4 MiB without THP read 554 us in most repetitions and 303 us in a few,
 * so its minimum over 5 repetitions jumped by 45% from boot to boot.  A
 * SCHED_BATCH task never preempts on wakeup (check_preempt_wakeup_fair()),
 * and the child inherits the policy, so the parent returns from fork() first.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowbench.h"

struct forker {
	struct cb_params p;
	char *mem;
};

static const size_t fork_sizes[] = {
	4 * CB_MIB, 16 * CB_MIB, 64 * CB_MIB, 256 * CB_MIB, 1024 * CB_MIB, 0,
};

static int fork_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct forker *f = calloc(1, sizeof(*f));

	if (!f)
		return cb_fail(ctx, "out of memory");
	f->p = *p;
	*priv = f;
	if (sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 }))
		return cb_fail(ctx, "sched_setscheduler(SCHED_BATCH): %s", strerror(errno));
	f->mem = cb_map_populated(ctx, p);
	return f->mem ? 0 : -1;
}

static void fork_teardown(void *priv)
{
	struct forker *f = priv;

	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	cb_unmap(f->mem, f->p.size);
	free(f);
}

static int fork_call(struct cb_ctx *ctx, void *priv)
{
	struct forker *f = priv;
	int pid;

	cb_measure_begin(ctx);
	pid = fork();
	if (pid == 0)
		_exit(0);
	cb_measure_end(ctx, f->p.size / CB_MIB);
	if (pid < 0)
		return cb_fail(ctx, "fork: %s", strerror(errno));
	return cb_child_wait(ctx, pid);
}

static int fork_exit_wait(struct cb_ctx *ctx, void *priv)
{
	struct forker *f = priv;
	int pid, ret;

	cb_measure_begin(ctx);
	pid = fork();
	if (pid == 0)
		_exit(0);
	ret = pid < 0 ? cb_fail(ctx, "fork: %s", strerror(errno)) : cb_child_wait(ctx, pid);
	cb_measure_end(ctx, f->p.size / CB_MIB);
	return ret;
}

#define FORK_CASE(_name, _summary, _fn)					\
	{								\
		.name = _name, .summary = _summary, .item = "MiB",	\
		.sizes = fork_sizes, .thp_modes = CB_THP_BOTH,		\
		.unsupported = cb_thp_unsupported, .setup = fork_setup,	\
		.iteration = _fn, .teardown = fork_teardown,		\
	}

static const struct cb_case fork_cases[] = {
	FORK_CASE("fork/call", "fork() as the parent sees it, per MiB resident", fork_call),
	FORK_CASE("fork/exit-wait",
		  "fork + child exit + wait, per MiB resident (order-independent total)",
		  fork_exit_wait),
};

const struct cb_family cb_family_fork = {
	"fork", fork_cases, sizeof(fork_cases) / sizeof(fork_cases[0]),
};
