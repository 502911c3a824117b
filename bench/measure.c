// SPDX-License-Identifier: GPL-2.0
#include "measure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double ts_ns(const struct timespec *t)
{
	return (double)t->tv_sec * 1e9 + (double)t->tv_nsec;
}

void cb_ctx_init(struct cb_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	cb_perf_open(&ctx->perf);
	ctx->vm_ok = cb_vmstat_read(NULL, &ctx->vm_ref) >= 0;
}

void cb_ctx_fini(struct cb_ctx *ctx)
{
	cb_perf_close(&ctx->perf);
}

void cb_ctx_iteration_start(struct cb_ctx *ctx)
{
	ctx->region = CB_IDLE;
	memset(&ctx->last, 0, sizeof(ctx->last));
}

int cb_ctx_iteration_done(struct cb_ctx *ctx)
{
	if (ctx->region != CB_ENDED) {
		snprintf(ctx->message, sizeof(ctx->message),
			 "error: case left its measured region %s",
			 ctx->region == CB_IDLE ? "unopened" : "unclosed");
		ctx->outcome = CB_FAILED;
		return -1;
	}
	cb_totals_add(&ctx->total, &ctx->last, ctx->vm_ref.nr);
	return 0;
}

void cb_totals_add(struct cb_totals *t, const struct cb_sample *s, size_t nr_vm)
{
	t->samples++;
	t->ns += s->ns;
	t->items += s->items;
	if (s->items && t->nr_sample_cost < CB_ITERATIONS_MAX)
		t->sample_cost[t->nr_sample_cost++] = s->ns / (double)s->items;
	for (int i = 0; i < CB_PERF_NR; i++)
		t->perf[i] += (double)s->perf[i];
	for (size_t i = 0; i < nr_vm; i++)
		t->vm[i] += (double)s->vm[i];
	for (int i = 0; i < CB_EXTRA_MAX; i++)
		t->extra[i] += s->extra[i];
}

double cb_per_item(const struct cb_totals *t, double sum)
{
	return t->items ? sum / (double)t->items : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double cb_sample_cost_median(const struct cb_totals *t)
{
	double sorted[CB_ITERATIONS_MAX];
	unsigned int n = t->nr_sample_cost;

	if (!n)
		return 0.0;
	memcpy(sorted, t->sample_cost, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/*
 * Let the guest settle before a region: whatever the setup started
 * finishes outside the clock instead of inside it.  A held child that
 * said "ready" may still be on its way to block (the parent's wakeup
 * preempted it), and an exited child's mm, page tables and task are
 * freed by RCU callbacks that the housekeeping CPU runs (nohz_full puts
 * them there) some milliseconds later.  Under icount the guest clock
 * counts the instructions of every vCPU, so either landed in the region
 * of some boots and not of others: the 0.3-0.6% noise floors of every
 * benchmark with a second process.  Asleep, the benchmark CPU lets them
 * run first.  How long: the harness's cb_settle_us(), by mode, in the job.
 */
static long settle_us = 1000;

void cb_settle_set_us(long us)
{
	settle_us = us;
}

static void settle(void)
{
	struct timespec t = { settle_us / 1000000, settle_us % 1000000 * 1000 };

	if (!settle_us)
		return;
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * Order matters: counters are read outside the clock, so the timed window
 * holds the work and two vDSO clock reads, nothing else.
 */
void cb_measure_begin(struct cb_ctx *ctx)
{
	settle();
	if (ctx->vm_ok)
		cb_vmstat_read(NULL, &ctx->vm_before);
	cb_perf_read(&ctx->perf, ctx->perf_before);
	ctx->region = CB_BEGUN;
	clock_gettime(CLOCK_MONOTONIC, &ctx->t0);
}

void cb_measure_end(struct cb_ctx *ctx, uint64_t items)
{
	struct timespec t1;
	uint64_t perf_after[CB_PERF_NR];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	cb_perf_read(&ctx->perf, perf_after);
	if (ctx->vm_ok)
		cb_vmstat_read(NULL, &ctx->vm_after);

	ctx->last.ns = ts_ns(&t1) - ts_ns(&ctx->t0);
	ctx->last.items = items;
	for (int i = 0; i < CB_PERF_NR; i++)
		ctx->last.perf[i] = perf_after[i] - ctx->perf_before[i];
	if (ctx->vm_ok)
		cb_vmstat_delta(&ctx->vm_ref, &ctx->vm_before, &ctx->vm_after,
				ctx->last.vm);
	ctx->region = CB_ENDED;
}

void cb_measure_override_ns(struct cb_ctx *ctx, double ns)
{
	ctx->last.ns = ns;
}

void cb_measure_extra(struct cb_ctx *ctx, const char *name, double value)
{
	for (int i = 0; i < CB_EXTRA_MAX; i++) {
		if (!ctx->extra_name[i])
			ctx->extra_name[i] = name;
		if (!strcmp(ctx->extra_name[i], name)) {
			ctx->last.extra[i] += value;
			return;
		}
	}
}

/*
 * Everything the child writes while measuring is shared with the parent
 * until the child's first write to it: write it all now, so that no COW fault
 * of the runner's own state lands inside the measured region or its deltas.
 */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char below[16384];

	for (size_t i = 0; i < sizeof(below); i += 512)
		below[i] = 0;
}

int cb_child_prepare(struct cb_ctx *ctx)
{
	/* The inherited fds count the parent; the child needs its own. */
	cb_perf_close(&ctx->perf);
	cb_perf_open(&ctx->perf);
	return cb_parent_prepare(ctx);
}

int cb_parent_prepare(struct cb_ctx *ctx)
{
	/* Every page of the context, not just the fields we think of. */
	for (volatile char *p = (volatile char *)ctx; p < (volatile char *)(ctx + 1);
	     p += CB_PAGE_SIZE)
		*p = *p;
	*((volatile char *)(ctx + 1) - 1) = *((volatile char *)(ctx + 1) - 1);
	/* And the static buffer /proc/vmstat is read into. */
	if (ctx->vm_ok)
		cb_vmstat_read(NULL, &ctx->vm_before);
	touch_stack();
	/*
	 * fork() does not copy the vDSO's page tables: the first clock read
	 * in the child faults its code (and data) pages in.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ctx->t0);
	return 0;
}

int cb_sample_send(struct cb_ctx *ctx, int fd)
{
	const char *p = (const char *)&ctx->last;
	size_t left = sizeof(ctx->last);

	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int cb_sample_recv(struct cb_ctx *ctx, int fd)
{
	char *p = (char *)&ctx->last;
	size_t left = sizeof(ctx->last);

	while (left) {
		ssize_t n = read(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cb_fail(ctx, "child sent no sample (it died or measured nothing)");
		p += n;
		left -= (size_t)n;
	}
	ctx->region = CB_ENDED;
	return 0;
}

static int set_outcome(struct cb_ctx *ctx, enum cb_outcome o, const char *kind,
		       const char *fmt, va_list ap)
{
	int n = snprintf(ctx->message, sizeof(ctx->message), "%s: ", kind);

	vsnprintf(ctx->message + n, sizeof(ctx->message) - (size_t)n, fmt, ap);
	ctx->outcome = o;
	return -1;
}

int cb_fail(struct cb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_outcome(ctx, CB_FAILED, "error", fmt, ap);
	va_end(ap);
	return -1;
}

int cb_skip(struct cb_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_outcome(ctx, CB_SKIPPED, "skipped", fmt, ap);
	va_end(ap);
	return -1;
}
