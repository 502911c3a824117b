// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cowbench.h"
#include "measure.h"

static struct cb_ctx *new_ctx(void)
{
	struct cb_ctx *ctx = malloc(sizeof(*ctx));

	assert_non_null(ctx);
	cb_ctx_init(ctx);
	return ctx;
}

static void free_ctx(struct cb_ctx *ctx)
{
	cb_ctx_fini(ctx);
	free(ctx);
}

/*
 * perf_event_open refused here (no PMU, paranoid setting, seccomp): the
 * test checked everything else, and is counted skipped, not passed.
 */
static void skip_no_perf(void)
{
	print_message("perf events unavailable: the per-task fault count was not checked\n");
	skip();
}

static int vm_index(const struct cb_ctx *ctx, const char *name)
{
	return cb_vmstat_find(&ctx->vm_ref, name, 0);
}

static void test_totals_and_per_item(void **state)
{
	struct cb_totals t = { 0 };
	struct cb_sample a = { .ns = 1000, .items = 10 }, b = { .ns = 3000, .items = 30 };

	(void)state;
	a.vm[0] = 10;
	b.vm[0] = 20;
	a.vm[1] = -5;
	a.perf[0] = 7;
	b.perf[0] = 9;
	cb_totals_add(&t, &a, 2);
	cb_totals_add(&t, &b, 2);
	assert_int_equal(t.samples, 2);
	assert_int_equal(t.items, 40);
	/* Per item over all samples, not a mean of per-sample ratios. */
	assert_float_equal(cb_per_item(&t, t.ns), 100.0, 1e-9);
	assert_float_equal(cb_per_item(&t, t.vm[0]), 0.75, 1e-9);
	assert_float_equal(cb_per_item(&t, t.vm[1]), -0.125, 1e-9);
	assert_float_equal(cb_per_item(&t, t.perf[0]), 0.4, 1e-9);

	struct cb_totals empty = { 0 };

	assert_float_equal(cb_per_item(&empty, 5.0), 0.0, 0);
	assert_float_equal(cb_sample_cost_median(&empty), 0.0, 0);
}

/*
 * A repetition's cost is its median region: one region in five that a
 * kworker landed in (+50%) moves the mean by 10% and the median not at
 * all; an even count takes the middle two's mean.
 */
static void test_sample_cost_median(void **state)
{
	struct cb_totals t = { 0 };
	struct cb_sample s = { .items = 100 };
	const double ns[] = { 10000, 10000, 15000, 10000, 10000 };

	(void)state;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		s.ns = ns[i];
		cb_totals_add(&t, &s, 0);
	}
	assert_float_equal(cb_per_item(&t, t.ns), 110.0, 1e-9);
	assert_float_equal(cb_sample_cost_median(&t), 100.0, 1e-9);
	/* a region of no items has no cost per item: left out */
	s.items = 0;
	cb_totals_add(&t, &s, 0);
	assert_int_equal(t.nr_sample_cost, 5);

	struct cb_totals two = { 0 };

	s.items = 100;
	s.ns = 10000;
	cb_totals_add(&two, &s, 0);
	s.ns = 12000;
	cb_totals_add(&two, &s, 0);
	assert_float_equal(cb_sample_cost_median(&two), 110.0, 1e-9);
}

/* A real measured region: 64 first-touch faults must show up as such. */
static void test_region_counts_faults(void **state)
{
	struct cb_ctx *ctx = new_ctx();
	struct cb_params p = { .size = 64 * CB_PAGE_SIZE, .thp = CB_THP_OFF };
	char *mem = cb_map_anon(ctx, &p);
	int pgfault = vm_index(ctx, "pgfault");
	bool perf;

	(void)state;
	assert_non_null(mem);
	cb_ctx_iteration_start(ctx);
	cb_measure_begin(ctx);
	cb_touch_pages(mem, p.size, 1);
	cb_measure_end(ctx, 64);
	assert_int_equal(cb_ctx_iteration_done(ctx), 0);
	assert_int_equal(ctx->last.items, 64);
	assert_true(ctx->last.ns > 0);
	assert_true(pgfault >= 0);
	/* vmstat is system-wide: at least our 64. */
	assert_true(ctx->last.vm[pgfault] >= 64);
	/* perf page-faults is per task: exactly ours. */
	perf = ctx->perf.fd[0] >= 0;
	if (perf)
		assert_int_equal(ctx->last.perf[0], 64);
	assert_int_equal(ctx->total.items, 64);
	cb_unmap(mem, p.size);
	free_ctx(ctx);
	/* The rest held; the perf count was not checked, and the count says so. */
	if (!perf)
		skip_no_perf();
}

static void test_region_misuse_is_an_error(void **state)
{
	struct cb_ctx *ctx = new_ctx();

	(void)state;
	cb_ctx_iteration_start(ctx);
	assert_int_equal(cb_ctx_iteration_done(ctx), -1);
	assert_int_equal(ctx->outcome, CB_FAILED);
	assert_non_null(strstr(ctx->message, "unopened"));

	cb_ctx_iteration_start(ctx);
	cb_measure_begin(ctx);
	assert_int_equal(cb_ctx_iteration_done(ctx), -1);
	assert_non_null(strstr(ctx->message, "unclosed"));
	free_ctx(ctx);
}

static void test_skip_and_fail_messages(void **state)
{
	struct cb_ctx *ctx = new_ctx();

	(void)state;
	assert_int_equal(cb_skip(ctx, "no %s", "gup_test"), -1);
	assert_int_equal(ctx->outcome, CB_SKIPPED);
	assert_string_equal(ctx->message, "skipped: no gup_test");
	assert_int_equal(cb_fail(ctx, "fork: %d", 12), -1);
	assert_int_equal(ctx->outcome, CB_FAILED);
	assert_string_equal(ctx->message, "error: fork: 12");
	free_ctx(ctx);
}

/* The child measures COW faults and hands the sample to the parent. */
static void test_child_sample_round_trip(void **state)
{
	struct cb_ctx *ctx = new_ctx();
	struct cb_params p = { .size = 16 * CB_PAGE_SIZE, .thp = CB_THP_OFF };
	char *mem = cb_map_anon(ctx, &p);
	int fds[2], status;
	bool perf;
	pid_t pid;

	(void)state;
	assert_non_null(mem);
	cb_touch_pages(mem, p.size, 1);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cb_child_prepare(ctx);
		cb_measure_begin(ctx);
		cb_touch_pages(mem, p.size, 2);
		cb_measure_end(ctx, 16);
		_exit(cb_sample_send(ctx, fds[1]) ? 1 : 0);
	}
	close(fds[1]);
	cb_ctx_iteration_start(ctx);
	assert_int_equal(cb_sample_recv(ctx, fds[0]), 0);
	assert_int_equal(cb_ctx_iteration_done(ctx), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(ctx->last.items, 16);
	assert_true(ctx->last.ns > 0);
	perf = ctx->perf.fd[0] >= 0;
	if (perf)	/* the child's own faults: 16 COW copies */
		assert_int_equal(ctx->last.perf[0], 16);
	/* A child that dies without sending is an error, not a zero sample. */
	assert_int_equal(cb_sample_recv(ctx, fds[0]), -1);
	assert_int_equal(ctx->outcome, CB_FAILED);
	close(fds[0]);
	cb_unmap(mem, p.size);
	free_ctx(ctx);
	if (!perf)
		skip_no_perf();
}

static void test_names_and_sizes(void **state)
{
	const struct cb_case c = { .name = "fault/anon" };
	struct cb_params p = { .size = 2 * CB_MIB, .thp = CB_THP_ON };
	char buf[64];

	(void)state;
	cb_benchmark_name(&c, &p, buf, sizeof(buf));
	assert_string_equal(buf, "fault/anon/2MiB/thp:on");
	cb_format_size(1UL << 30, buf, sizeof(buf));
	assert_string_equal(buf, "1GiB");
	cb_format_size(64 * 1024, buf, sizeof(buf));
	assert_string_equal(buf, "64KiB");
}

/*
 * Iterations fill the budget as a power of two: a fault case of 2 MiB
 * (3.6 M instructions an iteration) gets the quick profile's least, 3, a
 * 4 MiB fork (300 k) 16, the costliest the profile's least, the cheapest
 * the profile's most; a cost change short of a power of two changes
 * nothing.
 */
static void test_iterations_by_budget(void **state)
{
	(void)state;
	assert_int_equal(cb_iterations(3.6e6, 1), 3);
	assert_int_equal(cb_iterations(3e5, 1), 16);
	assert_int_equal(cb_iterations(3e5 * 1.01, 1), 16);
	assert_int_equal(cb_iterations(CB_BUDGET_QUICK_NS / 16, 1), 16);
	assert_int_equal(cb_iterations(CB_BUDGET_QUICK_NS / 16 * 1.001, 1), 8);
	assert_int_equal(cb_iterations(5e8, 1), 3);
	assert_int_equal(cb_iterations(5e8, 0), 1);
	assert_int_equal(cb_iterations(74, 1), CB_ITERATIONS_MAX);
	assert_int_equal(cb_iterations(74, 0), CB_ITERATIONS_MAX);
	/* a failed or empty calibration costs nothing: the most */
	assert_int_equal(cb_iterations(0, 0), CB_ITERATIONS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_and_per_item),
		cmocka_unit_test(test_region_counts_faults),
		cmocka_unit_test(test_region_misuse_is_an_error),
		cmocka_unit_test(test_skip_and_fail_messages),
		cmocka_unit_test(test_child_sample_round_trip),
		cmocka_unit_test(test_names_and_sizes),
		cmocka_unit_test(test_iterations_by_budget),
		cmocka_unit_test(test_sample_cost_median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
