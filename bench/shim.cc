// SPDX-License-Identifier: GPL-2.0
/*
 * The thin C++ layer between the C case tables and Google benchmark.
 *
 * It registers every (case, size, THP mode) as one benchmark with manual
 * timing, runs each case's setup once for all its repetitions, sizes the
 * repetitions by a budget of guest time (cb_iterations(), from one
 * calibrating iteration that is also the warm-up), runs the iterations and
 * the teardown, and turns the runner's totals into per-item counters.
 * Google benchmark sees one iteration per repetition, which holds the
 * case's iterations ("case_iterations" in the JSON): its own count must be
 * fixed at registration, before anything is known of a case's cost.  Skips and
 * errors become SkipWithError() with a "skipped: " or "error: " prefix, so the
 * JSON keeps a row and a reason for every benchmark.
 *
 * Flags of our own (stripped before Google benchmark sees argv):
 *   --cb_profile=default|quick   quick: smallest size, smaller budget
 *   --cb_settle_us=N             sleep before each measured region (measure.c)
 *   --cb_cpu=N                   CPU to pin to (default: the highest allowed)
 *   --cb_filter=REGEX            register only benchmarks whose cowbench name
 *                                ("fault/anon/2MiB/thp:off") matches this POSIX
 *                                ERE: the same names and regex dialect the
 *                                harness checks completeness with (Google
 *                                benchmark's own filter sees decorated names)
 * and --benchmark_out=FILE (JSON only), which we write ourselves: Google
 * benchmark never says when its file could not be written (a full disk
 * leaves a truncated file and exit 0).  Each benchmark's rows are flushed
 * as it ends, and a failed write is an error naming the file (exit 1).
 *
 * SIGINT and SIGTERM stop the run without losing it: the benchmark that
 * is running finishes its repetitions, every repetition of the benchmarks
 * after it is recorded as SkipWithError("interrupted: not run (SIGINT)"),
 * and Google benchmark writes a complete JSON document.  The exit status is
 * then 128 + the signal.  The first signal puts the default action back, so
 * a second one kills at once.  A signal once the last benchmark has started
 * changes nothing: exit 0.
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex.h>
#include <string>
#include <vector>

extern "C" {
#include "cowbench.h"
#include "measure.h"
#include "placement.h"
}

namespace {

// The first SIGINT or SIGTERM, 0 before.
volatile std::sig_atomic_t stop_signal;
// Repetitions recorded as interrupted (only main's thread writes it).
unsigned long not_run;
// The benchmark (registration number) whose repetition started last.
int last_started = -1;

const char *stop_signal_name()
{
	return stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
}

// Which of SIGINT, SIGTERM we caught (not ignored from the start).
bool caught[NSIG];

extern "C" void on_stop_signal(int sig)
{
	stop_signal = sig;
	// A second Ctrl-C means "now": it finds the default action.
	for (int s : { SIGINT, SIGTERM })
		if (caught[s])
			std::signal(s, SIG_DFL);
}

void catch_stop_signals()
{
	struct sigaction sa = {};

	sa.sa_handler = on_stop_signal;
	// Restart: a benchmark's own waitpid() or read() must not see EINTR.
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (int sig : { SIGINT, SIGTERM }) {
		struct sigaction old = {};

		// ignored when we started (nohup, a background job): stays ignored
		sigaction(sig, nullptr, &old);
		caught[sig] = old.sa_handler != SIG_IGN;
		if (caught[sig])
			sigaction(sig, &sa, nullptr);
	}
}

// The display reporter plus our own JSON file, write errors kept.
class tee_reporter : public benchmark::BenchmarkReporter {
public:
	tee_reporter(benchmark::BenchmarkReporter *display, const char *json_path)
		: display_(display), path_(json_path ? json_path : "")
	{
		if (!json_path)
			return;
		out_.open(path_, std::ios::out | std::ios::trunc);
		if (!out_.is_open()) {
			errno_ = errno ? errno : EIO;
			return;
		}
		json_.SetOutputStream(&out_);
		json_.SetErrorStream(&out_);
	}

	bool ReportContext(const Context &context) override
	{
		bool ok = display_->ReportContext(context);

		if (writing()) {
			json_.ReportContext(context);
			check();
		}
		return ok;
	}

	void ReportRuns(const std::vector<Run> &runs) override
	{
		display_->ReportRuns(runs);
		if (writing()) {
			json_.ReportRuns(runs);
			check();
		}
	}

	void Finalize() override
	{
		display_->Finalize();
		if (writing()) {
			json_.Finalize();
			check();
		}
		if (out_.is_open()) {
			out_.close();
			if (out_.fail() && !errno_)
				errno_ = errno ? errno : EIO;
		}
	}

	// 0, or the errno of the first write to the JSON file that failed.
	int error() const { return errno_; }
	const std::string &path() const { return path_; }

private:
	bool writing() const { return out_.is_open() && !errno_; }

	// Flushed per benchmark: what finished is on disk, and errors show.
	void check()
	{
		errno = 0;
		out_.flush();
		if (out_.fail())
			errno_ = errno ? errno : EIO;
	}

	// Google benchmark's own (a function-static in 1.7: not ours to free)
	benchmark::BenchmarkReporter *display_;
	benchmark::JSONReporter json_;
	std::ofstream out_;
	std::string path_;
	int errno_ = 0;
};

void report_counters(benchmark::State &st, const cb_ctx &ctx)
{
	const cb_totals &t = ctx.total;

	// The cost: the median region (measure.h says why); the mean beside it.
	st.counters["ns_per_item"] = cb_sample_cost_median(&t);
	st.counters["ns_per_item_mean"] = cb_per_item(&t, t.ns);
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

/*
 * The benchmark whose setup is alive: kept from its first repetition to
 * its last, so that a 1 GiB region is populated once, not once a
 * repetition.  One at a time; the next benchmark's first repetition (or
 * the end of main) tears it down.
 */
struct live_case {
	int id = -1;
	const cb_case *c = nullptr;
	cb_ctx *ctx = nullptr;
	void *priv = nullptr;
	unsigned int iterations = 0;	// 0: setup or calibration failed
	double setup_ns = 0;		// guest time of the setup
	double iteration_ns = 0;	// guest time of the calibrating iteration, all of it
};
live_case live;

void live_end()
{
	if (live.priv)
		live.c->teardown(live.priv);
	if (live.ctx) {
		cb_ctx_fini(live.ctx);
		std::free(live.ctx);
	}
	live = live_case();
}

// Guest time (under icount, instructions), ns.
double guest_now_ns()
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

// One iteration into ctx's totals; false when the case failed.
bool one_iteration(cb_ctx *ctx, const cb_case *c, void *priv)
{
	cb_ctx_iteration_start(ctx);
	return !c->iteration(ctx, priv) && !cb_ctx_iteration_done(ctx);
}

/*
 * Setup and one calibrating iteration, whose cost sizes the repetitions;
 * it is the warm-up too (first-touch of the runner's own state, a cold
 * per-CPU page list), and its sample is dropped.
 *
 * Which cost: the quick profile's budget counts the measured region, the
 * default profile's the whole iteration -- the settle, and the untimed
 * work that puts the case back (reaping a forked child, repopulating),
 * which at 41e57b7 was 13 times the regions of a full cell (212 s of
 * guest time for 14.9 s measured).  The quick profile's counts stay as
 * its baseline was made with.
 */
void live_begin(const cb_case *c, const cb_params &p, int id, bool quick)
{
	live_end();
	live.id = id;
	live.c = c;
	// Large (vmstat snapshots): on the heap, allocated before any timing.
	live.ctx = static_cast<cb_ctx *>(std::malloc(sizeof(cb_ctx)));
	if (!live.ctx)
		return;
	cb_ctx_init(live.ctx);

	double t0 = guest_now_ns(), t1;

	if (c->setup(live.ctx, &p, &live.priv))
		return;
	t1 = guest_now_ns();
	live.setup_ns = t1 - t0;
	if (!one_iteration(live.ctx, c, live.priv))
		return;
	live.iteration_ns = guest_now_ns() - t1;
	live.iterations = cb_iterations(quick ? live.ctx->last.ns : live.iteration_ns, quick);
}

void run_case(benchmark::State &st, const cb_case *c, cb_params p, int id, bool quick)
{
	const char *why = c->unsupported ? c->unsupported(&p) : nullptr;

	st.SetLabel(std::string("item=") + c->item);
	/*
	 * The benchmark running when the signal came runs its remaining
	 * repetitions: Google benchmark aborts on a benchmark whose
	 * repetitions ran different iteration counts (an interrupted one runs
	 * none), and its rows are whole.
	 */
	if (stop_signal && id != last_started) {
		not_run++;
		st.SkipWithError((std::string("interrupted: not run (") + stop_signal_name() +
				  ")").c_str());
		return;
	}
	last_started = id;
	if (why) {
		st.SkipWithError((std::string("skipped: ") + why).c_str());
		return;
	}
	if (live.id != id)
		live_begin(c, p, id, quick);
	if (!live.ctx) {
		st.SkipWithError("error: out of memory for the runner's context");
		return;
	}

	cb_ctx *ctx = live.ctx;

	// A case that failed (setup, calibration, an earlier repetition) stays failed.
	if (ctx->outcome != CB_OK) {
		st.SkipWithError(ctx->message);
		return;
	}
	std::memset(&ctx->total, 0, sizeof(ctx->total));

	const double rep_start = guest_now_ns();

	for (auto _ : st) {
		double ns = 0;

		for (unsigned int i = 0; i < live.iterations && one_iteration(ctx, c, live.priv);
		     i++)
			ns += ctx->last.ns;
		st.SetIterationTime(ns / 1e9);
	}
	if (ctx->outcome != CB_OK) {
		st.SkipWithError(ctx->message);
		return;
	}
	report_counters(st, *ctx);
	st.counters["case_iterations"] = live.iterations;
	// Where a cell's guest time goes, measured regions or not (README, "Measured").
	st.counters["guest_ms"] = (guest_now_ns() - rep_start) / 1e6;
	st.counters["setup_guest_ms"] = live.setup_ns / 1e6;
	st.counters["calibration_guest_ms"] = live.iteration_ns / 1e6;
}

struct registration {
	bool quick;
	regex_t *filter;
	int count;	// registered so far: each benchmark's number
};

void register_one(const cb_case *c, const cb_params *p, void *arg)
{
	registration *r = static_cast<registration *>(arg);
	const bool quick = r->quick;
	char name[128];

	cb_benchmark_name(c, p, name, sizeof(name));
	if (r->filter && regexec(r->filter, name, 0, nullptr, 0))
		return;
	benchmark::RegisterBenchmark(name, run_case, c, *p, r->count++, quick)
		->UseManualTime()
		->Iterations(1)
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
	const char *json_path = nullptr;
	regex_t filter;
	registration reg = { false, nullptr, 0 };

	// First: a signal from now on is caught, none is lost before the run.
	catch_stop_signals();
	for (int i = 1; i < argc; i++) {
		if (!std::strncmp(argv[i], "--benchmark_out=", 16)) {
			json_path = argv[i] + 16;
		} else if (!std::strncmp(argv[i], "--benchmark_out_format=", 23)) {
			if (std::strcmp(argv[i] + 23, "json")) {
				std::fprintf(stderr, "cowbench-bench: %s: only json is written\n",
					     argv[i]);
				return 2;
			}
		} else if (!std::strcmp(argv[i], "--cb_profile=quick")) {
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
		} else if (!std::strncmp(argv[i], "--cb_settle_us=", 15)) {
			char *end;
			long us = std::strtol(argv[i] + 15, &end, 10);
			if (*end || us < 0 || us > 10 * 1000 * 1000) {
				std::fprintf(stderr, "cowbench-bench: bad %s: want --cb_settle_us=N "
					     "(0 to 10000000)\n", argv[i]);
				return 2;
			}
			cb_settle_set_us(us);
		} else if (!std::strncmp(argv[i], "--cb_filter=", 12)) {
			if (regcomp(&filter, argv[i] + 12, REG_EXTENDED | REG_NOSUB)) {
				std::fprintf(stderr, "cowbench-bench: bad regex in %s\n", argv[i]);
				return 2;
			}
			reg.filter = &filter;
		} else if (!std::strncmp(argv[i], "--cb_", 5)) {
			std::fprintf(stderr, "cowbench-bench: unknown option %s "
				     "(known: --cb_profile=default|quick, --cb_settle_us=N, --cb_cpu=N, "
				     "--cb_filter=REGEX)\n", argv[i]);
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

	tee_reporter tee(benchmark::CreateDefaultDisplayReporter(), json_path);

	if (tee.error()) {
		std::fprintf(stderr, "cowbench-bench: cannot write %s: %s\n", tee.path().c_str(),
			     std::strerror(tee.error()));
		return 1;
	}
	benchmark::RunSpecifiedBenchmarks(&tee);
	live_end();
	benchmark::Shutdown();
	if (tee.error()) {
		std::fprintf(stderr, "cowbench-bench: cannot write %s: %s; its results are "
			     "incomplete\n", tee.path().c_str(), std::strerror(tee.error()));
		return 1;
	}
	if (not_run) {
		std::fprintf(stderr, "cowbench-bench: %s: %lu repetition%s not run (recorded as "
			     "\"interrupted: ...\"); what ran is complete\n", stop_signal_name(),
			     not_run, not_run > 1 ? "s" : "");
		return 128 + stop_signal;
	}
	return 0;
}
