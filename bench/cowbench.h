/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of the cowbench microbenchmark suite.
 *
 * A benchmark case is a row in a table (struct cb_case): a name, a one-line
 * summary, the unit it counts ("page", "MiB"), its sizes and THP modes, and
 * three functions.  The runner (bench/shim.cc, a thin Google benchmark shim)
 * owns timing, CPU placement, perf counters, /proc/vmstat deltas and output;
 * a case body never parses arguments or prints results.  It marks its measured
 * region with cb_measure_begin()/cb_measure_end(); everything outside that
 * region (mmap, populate, fork, wait) is setup and is not timed.
 */
#ifndef COWBENCH_H
#define COWBENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cb_thp { CB_THP_OFF, CB_THP_ON, CB_THP_NR };

#define CB_THP_MASK(m) (1u << (m))
#define CB_THP_BOTH (CB_THP_MASK(CB_THP_OFF) | CB_THP_MASK(CB_THP_ON))

struct cb_params {
	size_t size;		/* bytes of memory the case works on */
	enum cb_thp thp;	/* THP off: MADV_NOHUGEPAGE; on: MADV_HUGEPAGE */
	uint64_t arg;		/* the case's own parameter (cb_case.arg) */
};

/* Runner-owned measurement state.  Cases only pass it around. */
struct cb_ctx;

struct cb_case {
	const char *name;	/* "fault/anon" */
	const char *summary;	/* one line for `cowbench list` and reports */
	const char *item;	/* the counted unit: "page" (4 KiB), "MiB" */
	const size_t *sizes;	/* 0-terminated; the quick profile uses sizes[0] */
	unsigned int thp_modes;	/* CB_THP_MASK() bits */
	/*
	 * Why the case cannot run here (missing kernel feature, THP disabled),
	 * or NULL.  Checked before setup; the reason is recorded as a skip.
	 */
	const char *(*unsupported)(const struct cb_params *p);
	/* Once per repetition, untimed.  Returns 0 or cb_fail()/cb_skip(). */
	int (*setup)(struct cb_ctx *ctx, const struct cb_params *p, void **priv);
	/* One measured iteration: must call begin/end exactly once. */
	int (*iteration)(struct cb_ctx *ctx, void *priv);
	void (*teardown)(void *priv);
	/* A parameter rows of one table differ by (a rate): cb_params.arg. */
	uint64_t arg;
};

struct cb_family {
	const char *name;
	const struct cb_case *cases;
	size_t nr_cases;
};

/* bench/registry.c: every family, in report order. */
extern const struct cb_family *const cb_families[];
extern const size_t cb_nr_families;

/* Measured region.  Nothing but the work itself may sit between these. */
void cb_measure_begin(struct cb_ctx *ctx);
void cb_measure_end(struct cb_ctx *ctx, uint64_t items);
/*
 * Replace the wall time of the last sample by a time the kernel measured
 * itself (gup_test reports its own get/put times).
 */
void cb_measure_override_ns(struct cb_ctx *ctx, double ns);
/* An extra per-item quantity of the last sample, e.g. "kernel_put_ns". */
void cb_measure_extra(struct cb_ctx *ctx, const char *name, double value);

/*
 * Measuring in a forked child: the child calls cb_child_prepare() (reopens
 * the perf counters for itself, untimed), measures, and sends its sample to
 * the parent, which receives it as if it had measured it.
 */
int cb_child_prepare(struct cb_ctx *ctx);
/*
 * The parent's half: measuring while a child it forked still shares its
 * memory, it writes the runner's own state first (untimed), so the COW
 * faults of that state stay out of the region's vmstat deltas.
 */
int cb_parent_prepare(struct cb_ctx *ctx);
int cb_sample_send(struct cb_ctx *ctx, int fd);
int cb_sample_recv(struct cb_ctx *ctx, int fd);

/* Return -1 with a message: an error (benchmark broken) or a skip (kernel lacks it). */
int cb_fail(struct cb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cb_skip(struct cb_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Iterations per repetition, from what one iteration cost (@iteration_ns
 * of guest time, under icount its instruction count): as many as fill the
 * profile's budget (CB_BUDGET_*_NS), a power of two between the profile's
 * least and CB_ITERATIONS_MAX.  The power of two keeps the count of a head and its base
 * equal unless the iteration's cost changed by tens of %, and under icount
 * the cost, and so the count, is the same on every boot of one kernel.
 */
#define CB_BUDGET_QUICK_NS	8e6
#define CB_BUDGET_DEFAULT_NS	16e6
/* every region costs a settle (measure.c), however cheap its work */
#define CB_ITERATIONS_MAX	16
unsigned int cb_iterations(double iteration_ns, int quick);
/* "2MiB", "1GiB": how sizes appear in benchmark names. */
void cb_format_size(size_t size, char *buf, size_t len);
/* "fault/anon/2MiB/thp:off": the one spelling of a benchmark's name. */
void cb_benchmark_name(const struct cb_case *c, const struct cb_params *p,
		       char *buf, size_t len);
/*
 * Call @fn for every benchmark a profile runs, in registration order; the
 * runner registers from this and the harness checks completeness with it.
 */
void cb_for_each_benchmark(int quick,
			   void (*fn)(const struct cb_case *c, const struct cb_params *p,
				      void *arg),
			   void *arg);

/* bench/memory.c: helpers shared by the families. */
#define CB_PAGE_SIZE 4096UL
#define CB_PMD_SIZE (2UL << 20)
#define CB_MIB (1UL << 20)

const char *cb_thp_unsupported(const struct cb_params *p);
/* mmap anonymous private memory, aligned for THP, with the THP advice applied. */
void *cb_map_anon(struct cb_ctx *ctx, const struct cb_params *p);
/* The same, with every page written once (resident, exclusive). */
void *cb_map_populated(struct cb_ctx *ctx, const struct cb_params *p);
void cb_unmap(void *addr, size_t size);
/* Write one byte to each 4 KiB page. */
void cb_touch_pages(volatile char *addr, size_t size, char value);

/*
 * A child that keeps the parent's memory mapped until released: fork, the
 * child blocks on a pipe, cb_child_release() lets it exit and reaps it.
 */
struct cb_child {
	int pid;
	int release_fd;
};
int cb_child_hold(struct cb_ctx *ctx, struct cb_child *child);
int cb_child_release(struct cb_ctx *ctx, struct cb_child *child);
/* Reap a child, failing the case if it did not exit 0. */
int cb_child_wait(struct cb_ctx *ctx, int pid);
/*
 * fork() a child that exits at once, and reap it.  fork() write-protected
 * the parent's PTEs and cleared PageAnonExclusive; once the child is gone
 * the parent's next write fault goes through the reuse decision.
 */
int cb_fork_and_reap(struct cb_ctx *ctx);

/*
 * Extra page references held by pipes: vmsplice() every page of a range into
 * as many pipes as it takes.  These are plain references (FOLL_GET), not pins.
 */
#define CB_PIPES_MAX 256
struct cb_pipes {
	int nr;
	int fd[CB_PIPES_MAX][2];
};
int cb_pipes_vmsplice(struct cb_ctx *ctx, struct cb_pipes *pipes, char *mem, size_t size);
/* Drop the references: close every pipe. */
void cb_pipes_close(struct cb_pipes *pipes);

#ifdef __cplusplus
}
#endif

#endif
