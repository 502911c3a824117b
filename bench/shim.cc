// SPDX-License-Identifier: GPL-2.0
/*
 * The thin C++ layer between the C case tables and Google benchmark.
 *
 * It registers every (case, size, THP mode) as one benchmark with manual
 * timing and a fixed iteration count, runs each case's setup, iterations and
 * teardown, and turns the runner's totals into per-item counters.  Skips and
 * errors become SkipWithError() with a "skipped: " or "error: " prefix, so the
 * JSON keeps a row and a reason for every benchmark.
 *
 * Flags of our own (stripped before Google benchmark sees argv):
 *   --cb_profile=default|quick   quick: smallest size, 2 iterations
 *   --cb_cpu=N                   CPU to pin to (default: the highest allowed)
 *   --cb_filter=REGEX            register only benchmarks whose cowbench name
 *                                ("fault/anon/2MiB/thp:off") matches this POSIX
 *                                ERE: the same names and regex dialect the
 *                                harness checks completeness with (Google
 *                                benchmark's own filter sees decorated names)
 */
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex.h>
#include <string>

extern "C" {
#include "cowbench.h"
#include "measure.h"
#include "placement.h"
}

namespace {

void report_counters(benchmark::State &st, const cb_ctx &ctx)
{
	const cb_totals &t = ctx.total;

	st.counters["ns_per_item"] = cb_per_item(&t, t.ns);
	st.counters["items"] = static_cast<double>(t.items);
	// Zero-valued counters are left out: Google benchmark's CV of an
	// all-zero series is NaN, which is not JSON.  The context records
	// which perf events were counting, so "absent" then means zero.
	for (int i = 0; i < CB_PERF_NR; i++)
		if (ctx.perf.fd[i] >= 0 && t.perf[i] != 0)
			st.counters[std::string("perf.") + cb_perf_events[i].name +
				    "_per_item"] = cb_per_item(&t, t.perf[i]);
	for (size_t i = 0; i < ctx.vm_ref.nr; i++)
		if (t.vm[i] != 0 && cb_vmstat_is_event(ctx.vm_ref.name[i]))
			st.counters[std::string("vm.") + ctx.vm_ref.name[i] + "_per_item"] =
				cb_per_item(&t, t.vm[i]);
	for (int i = 0; i < CB_EXTRA_MAX && ctx.extra_name[i]; i++)
		st.counters[std::string(ctx.extra_name[i]) + "_per_item"] =
			cb_per_item(&t, t.extra[i]);
}

void run_case(benchmark::State &st, const cb_case *c, cb_params p)
{
	const char *why = c->unsupported ? c->unsupported(&p) : nullptr;

	st.SetLabel(std::string("item=") + c->item);
	if (why) {
		st.SkipWithError((std::string("skipped: ") + why).c_str());
		return;
	}

	// Large (vmstat snapshots): on the heap, allocated before any timing.
	cb_ctx *ctx = static_cast<cb_ctx *>(std::malloc(sizeof(cb_ctx)));
	void *priv = nullptr;

	if (!ctx) {
		st.SkipWithError("error: out of memory for the runner's context");
		return;
	}
	cb_ctx_init(ctx);
	if (!c->setup(ctx, &p, &priv)) {
		for (auto _ : st) {
			cb_ctx_iteration_start(ctx);
			if (c->iteration(ctx, priv) || cb_ctx_iteration_done(ctx))
				break;
			st.SetIterationTime(ctx->last.ns / 1e9);
		}
	}
	if (priv)
		c->teardown(priv);
	if (ctx->outcome != CB_OK)
		st.SkipWithError(ctx->message);
	else
		report_counters(st, *ctx);
	cb_ctx_fini(ctx);
	std::free(ctx);
}

struct registration {
	bool quick;
	regex_t *filter;
};

void register_one(const cb_case *c, const cb_params *p, void *arg)
{
	const registration *r = static_cast<const registration *>(arg);
	const bool quick = r->quick;
	char name[128];

	cb_benchmark_name(c, p, name, sizeof(name));
	if (r->filter && regexec(r->filter, name, 0, nullptr, 0))
		return;
	benchmark::RegisterBenchmark(name, run_case, c, *p)
		->UseManualTime()
		->Iterations(cb_iterations(c, p->size, quick))
		->Unit(benchmark::kMicrosecond);
}

void add_context(const cb_placement &pl)
{
	cb_perf perf;

	benchmark::AddCustomContext("cowbench.placement", pl.note);
	benchmark::AddCustomContext("cowbench.cpu", std::to_string(pl.cpu));
	benchmark::AddCustomContext("cowbench.node", std::to_string(pl.node));
	cb_perf_open(&perf);
	for (int i = 0; i < CB_PERF_NR; i++)
		benchmark::AddCustomContext(std::string("perf.") + cb_perf_events[i].name,
					    perf.status[i]);
	cb_perf_close(&perf);
}

}  // namespace

int main(int argc, char **argv)
{
	bool quick = false;
	int cpu = -1, out = 1;
	regex_t filter;
	registration reg = { false, nullptr };

	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--cb_profile=quick")) {
			quick = true;
		} else if (!std::strcmp(argv[i], "--cb_profile=default")) {
			quick = false;
		} else if (!std::strncmp(argv[i], "--cb_cpu=", 9)) {
			char *end;
			cpu = static_cast<int>(std::strtol(argv[i] + 9, &end, 10));
			if (*end || cpu < 0) {
				std::fprintf(stderr, "cowbench-bench: bad %s: want --cb_cpu=N\n",
					     argv[i]);
				return 2;
			}
		} else if (!std::strncmp(argv[i], "--cb_filter=", 12)) {
			if (regcomp(&filter, argv[i] + 12, REG_EXTENDED | REG_NOSUB)) {
				std::fprintf(stderr, "cowbench-bench: bad regex in %s\n", argv[i]);
				return 2;
			}
			reg.filter = &filter;
		} else if (!std::strncmp(argv[i], "--cb_", 5)) {
			std::fprintf(stderr, "cowbench-bench: unknown option %s "
				     "(known: --cb_profile=default|quick, --cb_cpu=N, --cb_filter=REGEX)\n", argv[i]);
			return 2;
		} else {
			argv[out++] = argv[i];
		}
	}
	argc = out;

	cb_placement pl;
	if (cb_place(cpu, &pl)) {
		std::fprintf(stderr, "cowbench-bench: %s\n", pl.note);
		return 1;
	}
	add_context(pl);
	benchmark::AddCustomContext("cowbench.profile", quick ? "quick" : "default");
	reg.quick = quick;
	cb_for_each_benchmark(quick, register_one, &reg);

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
