/* SPDX-License-Identifier: GPL-2.0 */
/* Runner side of the measured region: struct cb_ctx and its totals. */
#ifndef CB_MEASURE_H
#define CB_MEASURE_H

#include <stdbool.h>
#include <time.h>

#include "cowbench.h"
#include "perfcount.h"
#include "vmstat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CB_EXTRA_MAX 4

/* One measured region.  Plain data: a child sends it to its parent as bytes. */
struct cb_sample {
	double ns;
	uint64_t items;
	uint64_t perf[CB_PERF_NR];
	int64_t vm[CB_VMSTAT_MAX];	/* indexed like cb_ctx.vm_ref */
	double extra[CB_EXTRA_MAX];
};

struct cb_totals {
	uint64_t samples;
	double ns;
	uint64_t items;
	/* each sample's ns per item, in order (the first CB_ITERATIONS_MAX) */
	double sample_cost[CB_ITERATIONS_MAX];
	unsigned int nr_sample_cost;
	double perf[CB_PERF_NR];
	double vm[CB_VMSTAT_MAX];
	double extra[CB_EXTRA_MAX];
};

enum cb_region { CB_IDLE, CB_BEGUN, CB_ENDED };

enum cb_outcome { CB_OK, CB_FAILED, CB_SKIPPED };

struct cb_ctx {
	struct cb_perf perf;
	struct cb_vmstat vm_ref;	/* names the vm[] arrays are indexed by */
	struct cb_vmstat vm_before, vm_after;
	bool vm_ok;			/* /proc/vmstat readable */
	uint64_t perf_before[CB_PERF_NR];
	struct timespec t0;
	enum cb_region region;
	struct cb_sample last;
	struct cb_totals total;
	const char *extra_name[CB_EXTRA_MAX];
	enum cb_outcome outcome;
	char message[256];
};

/*
 * How long cb_measure_begin() sleeps before its region (measure.c says
 * why); the runner's --cb_settle_us, 1000 when not given.
 */
void cb_settle_set_us(long us);

/* Both allocate nothing the measured region could touch. */
void cb_ctx_init(struct cb_ctx *ctx);
void cb_ctx_fini(struct cb_ctx *ctx);
/* Before an iteration; after it, fold the sample into the totals. */
void cb_ctx_iteration_start(struct cb_ctx *ctx);
int cb_ctx_iteration_done(struct cb_ctx *ctx);
/*
 * Add a sample to totals.  Pure arithmetic, unit tested: the per-item
 * numbers in every dataset come from here.
 */
void cb_totals_add(struct cb_totals *t, const struct cb_sample *s, size_t nr_vm);
/* Per-item average of a total; 0 when nothing was counted. */
double cb_per_item(const struct cb_totals *t, double sum);
/*
 * The median over the samples of each one's ns per item: what the runner
 * reports as a repetition's cost.  Work that lands in a region without
 * being its own (an exited child's RCU callbacks, a kworker) comes in some
 * regions, not all, and only adds: the median leaves it out where the mean
 * takes a share of it into every repetition (+1.5% on a 2 MiB fork from
 * callbacks in a few of 32 regions).  0 when nothing was counted.
 */
double cb_sample_cost_median(const struct cb_totals *t);

#ifdef __cplusplus
}
#endif

#endif
