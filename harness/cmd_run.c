// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench run: run the suite and write a dataset.
 *
 * Host mode runs the benchmark runner (cowbench-bench) on the running kernel.
 * Everything it measured stays on disk whatever happens next: the raw JSON
 * and logs are files, meta.json records how the suite ended (crash signal,
 * Ctrl-C), and the exit code says whether every benchmark has a result or a
 * recorded reason for having none.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "results.h"
#include "run_opts.h"
#include "util.h"

static const char run_usage[] =
	"usage: cowbench run [options]          in QEMU-booted kernels (the default)\n"
	"       cowbench run --host [options]   on the running kernel\n"
	"\n"
	"Run the suites and write a dataset directory.\n"
	"\n"
	"  --kernel MATRIX     kernels and variants: KERNEL (all its variants) or\n"
	"                      KERNEL:VARIANT, comma-separated (default: default)\n"
	"  --suites LIST       micro, probes, selftests (default: micro)\n"
	"  --accel A           auto (probe-boot KVM, else TCG), kvm, tcg (default auto)\n"
	"  --mode M            icount: TCG with -icount, the guest clock counts\n"
	"                      instructions (deterministic); wall: real time;\n"
	"                      auto: icount under TCG, wall under KVM (default)\n"
	"  --perturb N         perturbation boot N: pads the initramfs so timer\n"
	"                      interrupts land elsewhere, as after a kernel change on\n"
	"                      an unexercised path (for baselines' noise floors)\n"
	"  --timeout S         hard limit per boot in seconds (default by profile)\n"
	"  --smp N, --mem MIB  guest CPUs (default 2) and memory (default 3072)\n"
	"  --resume DIR        continue an interrupted dataset: skip what finished\n"
	"  --host              measure the running kernel (no VM)\n"
	"  --quick             smallest size of each benchmark, 2 iterations\n"
	"  --repetitions N     repetitions of each benchmark (default 5; in a\n"
	"                      wall-clock mode with two or more cells, 9)\n"
	"  --rounds N          boot every cell N times, interleaved (A B A B, not\n"
	"                      A A B B), the repetitions spread over the boots\n"
	"                      (default: one per repetition in a wall-clock mode with\n"
	"                      two or more cells, else 1)\n"
	"  --filter REGEX      only benchmarks whose name matches (POSIX ERE)\n"
	"  --cpu N             CPU to pin the benchmarks to (default: the highest)\n"
	"  --out DIR           parent directory of the dataset\n"
	"                      (default: datasets/runs, or $COWBENCH_RUNS)\n"
	"  --bench PATH        benchmark runner (default: cowbench-bench beside cowbench)\n"
	"\n"
	"Exit status: 0 every benchmark has a result or a recorded skip; 1 a benchmark\n"
	"failed, crashed or is missing, or a guest panicked or hung; 2 bad arguments\n"
	"or input (unknown kernel or variant, patch that does not apply, ...);\n"
	"130 interrupted (what finished is kept; continue with --resume).\n";

const char *const cb_guest_suites[] = { "micro", "probes", "selftests", NULL };

static int check_choice(const char *what, const char *value, const char *const *choices,
			char *err, size_t errlen)
{
	for (int i = 0; choices[i]; i++)
		if (!strcmp(value, choices[i]))
			return 0;
	snprintf(err, errlen, "unknown %s '%s'", what, value);
	return -1;
}

static int check_suites(const char *list, char *err, size_t errlen)
{
	char copy[256], *save;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
		if (check_choice("suite", s, cb_guest_suites, err, errlen)) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, " (known: micro, probes, selftests)");
			return -1;
		}
	return 0;
}

/* An integer option >= @min; otherwise -1 with "--opt wants <what>, got '...'". */
static int int_arg(const char *opt, const char *what, int min, int *out, char *err,
		   size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(optarg, &end, 10);
	if (errno || *end || end == optarg || v < min || v > 10000) {
		snprintf(err, errlen, "--%s wants %s, got '%s'", opt, what, optarg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cb_run_parse_args(int argc, char **argv, struct cb_run_opts *o, char *err,
		      size_t errlen)
{
	enum { OPT_REPS = 256, OPT_FILTER, OPT_CPU, OPT_OUT, OPT_BENCH, OPT_KERNEL,
	       OPT_SUITES, OPT_ACCEL, OPT_MODE, OPT_TIMEOUT, OPT_SMP, OPT_MEM, OPT_RESUME,
	       OPT_ROUNDS, OPT_PERTURB };
	static const char *const accels[] = { "auto", "kvm", "tcg", NULL };
	static const char *const modes[] = { "auto", "icount", "wall", NULL };
	static const struct option longopts[] = {
		{ "host", no_argument, NULL, 'H' },
		{ "quick", no_argument, NULL, 'q' },
		{ "repetitions", required_argument, NULL, OPT_REPS },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "bench", required_argument, NULL, OPT_BENCH },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "suites", required_argument, NULL, OPT_SUITES },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "smp", required_argument, NULL, OPT_SMP },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "perturb", required_argument, NULL, OPT_PERTURB },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, reps = -1;

	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->kernels = "default";
	o->suites = "micro";
	o->accel = "auto";
	o->mode = "auto";
	o->smp = 2;
	o->mem_mib = 3072;
	optind = 0;	/* glibc: full reinitialisation, parsing may run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o->host = true;
			break;
		case 'q':
			o->quick = true;
			break;
		case OPT_REPS:
			if (int_arg("repetitions", "a count >= 1", 1, &reps, err, errlen))
				return -1;
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_CPU:
			if (int_arg("cpu", "a CPU number", 0, &o->cpu, err, errlen))
				return -1;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_BENCH:
			o->bench = optarg;
			break;
		case OPT_KERNEL:
			o->kernels = optarg;
			break;
		case OPT_SUITES:
			if (check_suites(optarg, err, errlen))
				return -1;
			o->suites = optarg;
			break;
		case OPT_ACCEL:
			if (check_choice("accelerator", optarg, accels, err, errlen))
				return -1;
			o->accel = optarg;
			break;
		case OPT_MODE:
			if (check_choice("mode", optarg, modes, err, errlen))
				return -1;
			o->mode = optarg;
			break;
		case OPT_TIMEOUT:
			if (int_arg("timeout", "seconds >= 10", 10, &o->timeout_s, err, errlen))
				return -1;
			break;
		case OPT_SMP:
			if (int_arg("smp", "a CPU count", 1, &o->smp, err, errlen))
				return -1;
			break;
		case OPT_MEM:
			if (int_arg("mem", "MiB >= 256", 256, &o->mem_mib, err, errlen))
				return -1;
			break;
		case OPT_RESUME:
			o->resume = optarg;
			break;
		case OPT_PERTURB:
			if (int_arg("perturb", "a number >= 0", 0, &o->perturb, err, errlen))
				return -1;
			break;
		case OPT_ROUNDS:
			if (int_arg("rounds", "a count >= 1", 1, &o->rounds, err, errlen))
				return -1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		default:
			snprintf(err, errlen, "unknown or incomplete option '%s' (see --help)",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (!strcmp(o->accel, "kvm") && !strcmp(o->mode, "icount")) {
		snprintf(err, errlen, "--mode icount needs TCG: drop --accel kvm or use --mode wall");
		return -1;
	}
	/*
	 * Five, quick or not: the gate's value is the minimum, and with three
	 * repetitions all three of a fork benchmark's were hit by interrupts
	 * about once in thirty boots (datasets/baselines/README.md).
	 */
	o->repetitions = reps > 0 ? reps : 5;
	o->repetitions_given = reps > 0;
	if (o->rounds && reps > 0 && reps % o->rounds) {
		snprintf(err, errlen, "--repetitions %d is not a multiple of --rounds %d: every "
			 "boot runs the same number", reps, o->rounds);
		return -1;
	}
	if (o->filter) {
		int n = cb_filter_count(o->quick, o->filter);

		if (n <= 0) {
			snprintf(err, errlen, "--filter '%s' %s (names: cowbench list --names%s)",
				 o->filter, n < 0 ? "is not a valid POSIX regex" :
				 "matches no benchmark", o->quick ? " --quick" : "");
			return -1;
		}
	}
	return 0;
}

static int tty_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO))
		return 0;
	return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col ? 120 : ws.ws_col;
}

/* The runner's argv; strings are malloc'd and live until exit. */
static char **runner_argv(const struct cb_run_opts *o, const char *bench,
			  const char *json_path)
{
	static char *argv[16];
	int n = 0;

	argv[n++] = (char *)bench;
	argv[n++] = cb_strdup_printf("--benchmark_out=%s", json_path);
	argv[n++] = "--benchmark_out_format=json";
	argv[n++] = cb_strdup_printf("--benchmark_repetitions=%d", o->repetitions);
	argv[n++] = o->quick ? "--cb_profile=quick" : "--cb_profile=default";
	if (o->filter)
		argv[n++] = cb_strdup_printf("--cb_filter=%s", o->filter);
	if (o->cpu >= 0)
		argv[n++] = cb_strdup_printf("--cb_cpu=%d", o->cpu);
	argv[n] = NULL;
	return argv;
}

static json_t *argv_json(char *const argv[])
{
	json_t *a = json_array();

	for (int i = 0; argv[i]; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

int cb_run_summarise(const struct cb_run_opts *o, const char *dir, const char *json_path,
		     json_t *suite)
{
	struct cb_results res;
	struct cb_completeness c;
	char err[512];
	char *summary_path = cb_path(dir, "summary.txt");
	FILE *summary = fopen(summary_path, "w");
	int ret;

	if (cb_results_load(json_path, &res, err, sizeof(err))) {
		fprintf(stderr, "cowbench run: results unreadable: %s\n", err);
		json_object_set_new(suite, "results_error", json_string(err));
		free(summary_path);
		if (summary)
			fclose(summary);
		return CB_EXIT_FAIL;
	}
	printf("\n");
	cb_results_print(&res, stdout);
	if (summary)
		cb_results_print(&res, summary);
	ret = cb_results_check(&res, o->quick, o->filter, &c, stderr);
	json_object_set_new(suite, "completeness",
			    json_pack("{s:I, s:I, s:I, s:I, s:I}",
				      "expected", (json_int_t)c.expected, "ok", (json_int_t)c.ok,
				      "skipped", (json_int_t)c.skipped,
				      "errors", (json_int_t)c.errors,
				      "missing", (json_int_t)c.missing));
	printf("\n%zu benchmarks: %zu measured, %zu skipped with a reason, %zu failed, "
	       "%zu missing\n", c.expected, c.ok, c.skipped, c.errors, c.missing);
	if (summary)
		fclose(summary);
	free(summary_path);
	cb_results_free(&res);
	return ret ? CB_EXIT_FAIL : CB_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct cb_run_opts o;
	char err[512];
	int ret = cb_run_parse_args(argc, argv, &o, err, sizeof(err));

	if (ret)
		return ret > 0 ? CB_EXIT_OK : cb_usage_error("run", "%s", err);
	return o.host ? cb_run_host(&o) : cb_run_vm(&o);
}

int cb_run_host(const struct cb_run_opts *opts)
{
	const struct cb_run_opts o = *opts;
	char status_text[96];
	char *self_dir, *bench, *dir, *vdir, *json_path, *log_path, *err_path;
	bool interrupted = false;
	json_t *meta, *suite;
	int status, ret;

	self_dir = cb_self_dir();
	bench = o.bench ? strdup(o.bench) : cb_path(self_dir ? self_dir : ".", "cowbench-bench");
	if (access(bench, X_OK))
		return cb_usage_error("run", "benchmark runner %s: %s; build it with "
				      "'cmake -B build && cmake --build build' or pass --bench",
				      bench, strerror(errno));

	dir = cb_dataset_create(o.out ? o.out : cb_dataset_default_base(), "host");
	if (!dir)
		return cb_usage_error("run", "cannot create a dataset under %s: %s",
				      o.out ? o.out : cb_dataset_default_base(), strerror(errno));
	vdir = cb_path(dir, "host");
	json_path = cb_path(vdir, "micro.json");
	log_path = cb_path(vdir, "micro.console");
	err_path = cb_path(vdir, "micro.stderr");
	if (cb_mkdir_p(vdir))
		return cb_usage_error("run", "cannot create %s: %s", vdir, strerror(errno));

	char **rargv = runner_argv(&o, bench, json_path);

	meta = cb_dataset_meta_new("host");
	suite = cb_dataset_add_suite(meta, "host", "micro");
	json_object_update(suite, json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}",
					    "profile", o.quick ? "quick" : "default",
					    "repetitions", o.repetitions,
					    "results", "host/micro.json",
					    "console", "host/micro.console",
					    "stderr", "host/micro.stderr",
					    "command", argv_json(rargv)));
	if (o.filter)
		json_object_set_new(suite, "filter", json_string(o.filter));
	cb_dataset_write_meta(dir, meta);
	printf("cowbench run: host mode, %s profile, %d repetition%s -> %s\n",
	       o.quick ? "quick" : "default", o.repetitions, o.repetitions > 1 ? "s" : "",
	       dir);
	fflush(stdout);

	status = cb_spawn_logged(rargv, log_path, err_path, tty_width(), &interrupted);
	if (status < 0) {
		snprintf(status_text, sizeof(status_text), "could not start: %s", strerror(errno));
		ret = CB_EXIT_FAIL;
	} else {
		cb_describe_status(status, status_text, sizeof(status_text));
		ret = CB_EXIT_OK;
	}
	json_object_set_new(suite, "exit", json_string(status_text));

	if (interrupted) {
		json_object_set_new(suite, "status", json_string("interrupted"));
		fprintf(stderr, "cowbench run: interrupted; what finished is in %s\n", dir);
		ret = CB_EXIT_INTERRUPTED;
	} else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		char *tail = cb_read_file(err_path, NULL);

		json_object_set_new(suite, "status", json_string("crashed"));
		fprintf(stderr, "cowbench run: benchmark runner %s (stderr: %s)\n%s",
			status_text, err_path, tail ? tail : "");
		free(tail);
		ret = CB_EXIT_FAIL;
		if (!access(json_path, R_OK))
			cb_run_summarise(&o, dir, json_path, suite);
	} else {
		ret = cb_run_summarise(&o, dir, json_path, suite);
		json_object_set_new(suite, "status",
				    json_string(ret == CB_EXIT_OK ? "ok" : "incomplete"));
	}
	cb_dataset_write_meta(dir, meta);
	printf("dataset: %s\n", dir);
	json_decref(meta);
	return ret;
}
