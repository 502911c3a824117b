// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench run: run the suite and write a dataset.
 *
 * Host mode runs the benchmark runner (cowbench-bench) on the running kernel.
 * Everything it measured stays on disk whatever happens next: the raw JSON
 * and logs are files, meta.json records how the suite ended (crash signal,
 * Ctrl-C), and the exit code says whether every benchmark has a result or a
 * recorded reason for having none.  SIGINT and SIGTERM are passed on to the
 * runner, which ends with whole JSON; --resume runs what was left.
 *
 * Every argument is checked before any work: integers strictly and within
 * stated limits, lists non-empty, and no control character in what goes
 * into the guest's line-based job file.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cowbench.h"
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
	"  --suites LIST       micro, probes, selftests, attack (default: micro);\n"
	"                      attack: how far pins of one page go before the\n"
	"                      kernel refuses them (refusal points)\n"
	"  --accel A           auto (probe-boot KVM, else TCG), kvm, tcg (default auto)\n"
	"  --mode M            icount: TCG with -icount, the guest clock counts\n"
	"                      instructions (deterministic); wall: real time;\n"
	"                      auto: icount under TCG, wall under KVM (default)\n"
	"  --perturb N         perturbation boot N: pads the initramfs so timer\n"
	"                      interrupts land elsewhere, as after a kernel change on\n"
	"                      an unexercised path (for baselines' noise floors)\n"
	"  --timeout S         hard limit per boot in seconds (default by profile)\n"
	"  --smp N, --mem MIB  guest CPUs (default 2) and memory (default 3072)\n"
	"  --resume DIR        continue an interrupted dataset (VM or host) with its own\n"
	"                      job: run only what has no complete result\n"
	"  --host              measure the running kernel (no VM)\n"
	"  --quick             smallest size of each benchmark, 2 iterations\n"
	"  --repetitions N     repetitions of each benchmark, 1 to 64 (default 5; in a\n"
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
	"130 interrupted by SIGINT or SIGTERM, something left unrun (what finished is\n"
	"kept; continue with --resume).\n";

/* The options, beside their usage text above. */
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

void cmd_run_usage(FILE *out)
{
	fputs(run_usage, out);
}

const char *const cb_guest_suites[] = { "micro", "probes", "selftests", "attack", NULL };

/*
 * A value that ends up in a line-based file (the guest's job, one
 * "key=value" line each) and on terminals: no control character, or a
 * newline would start a line of its own.
 */
static int text_arg(const char *opt, const char *value, char *err, size_t errlen)
{
	const char *p = cb_find_control(value);
	char *shown;

	if (!p)
		return 0;
	shown = cb_printable(value);
	snprintf(err, errlen, "--%s '%.80s': a control character (0x%02x) is refused: the "
		 "value goes into the guest's line-based job file", opt, shown, (unsigned char)*p);
	free(shown);
	return -1;
}

/*
 * A comma-separated list of at least one item, none of them empty ("",
 * ",", "a,,b" are refused), each one of @choices when given.  Checked in
 * place: no copy, so no length limit.
 */
static int list_arg(const char *opt, const char *value, const char *what,
		    const char *const *choices, char *err, size_t errlen)
{
	const char *p = value;

	if (text_arg(opt, value, err, errlen))
		return -1;
	do {
		size_t n = strcspn(p, ",");
		int i;

		if (!n) {
			snprintf(err, errlen, "--%s '%.80s': an empty %s: want a comma-separated "
				 "list of %ss", opt, value, what, what);
			return -1;
		}
		for (i = 0; choices && choices[i]; i++)
			if (strlen(choices[i]) == n && !strncmp(p, choices[i], n))
				break;
		if (choices && !choices[i]) {
			int used = snprintf(err, errlen, "unknown %s '%.*s' (known:", what,
					    (int)(n > 80 ? 80 : n), p);

			for (i = 0; choices[i] && used >= 0 && (size_t)used < errlen; i++)
				used += snprintf(err + used, errlen - (size_t)used, "%s %s%s",
						 i ? "," : "", choices[i],
						 choices[i + 1] ? "" : ")");
			return -1;
		}
		p += n;
	} while (*p++ == ',');
	return 0;
}

/* An integer option in [@min, @max], strictly parsed; the limits are in the message. */
static int int_arg(const char *opt, long min, long max, int *out, char *err, size_t errlen)
{
	char name[32];
	long v;

	snprintf(name, sizeof(name), "--%s", opt);
	if (cb_opt_uint(name, optarg, min, max, &v, err, errlen))
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * The integer options' limits.  Repetitions and rounds: the most
 * repetitions a dataset's reader keeps per benchmark (CB_MAX_REPS); CPUs:
 * what a cpu_set_t holds; the guest: QEMU's x86 machine has at most 255
 * CPUs; perturbation pads 4 KiB per step, so 1000 is 4 MB of initramfs.
 */
#define MAX_CPU (CPU_SETSIZE - 1)
#define MAX_TIMEOUT_S (7 * 24 * 3600)
#define MAX_SMP 255
#define MAX_MEM_MIB (1 << 20)
#define MAX_PERTURB 1000

int cb_run_parse_args(int argc, char **argv, struct cb_run_opts *o, char *err,
		      size_t errlen)
{
	int c, reps = -1;

	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->kernels = "default";
	o->suites = "micro";
	o->accel = "auto";
	o->mode = "auto";
	o->smp = 2;
	o->mem_mib = 3072;
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o->host = true;
			break;
		case 'q':
			o->quick = true;
			break;
		case OPT_REPS:
			if (int_arg("repetitions", 1, CB_MAX_REPS, &reps, err, errlen))
				return -1;
			break;
		case OPT_FILTER:
			if (text_arg("filter", optarg, err, errlen))
				return -1;
			o->filter = optarg;
			break;
		case OPT_CPU:
			if (int_arg("cpu", 0, MAX_CPU, &o->cpu, err, errlen))
				return -1;
			break;
		case OPT_OUT:
			o->out = optarg;
			break;
		case OPT_BENCH:
			o->bench = optarg;
			break;
		case OPT_KERNEL:
			if (list_arg("kernel", optarg, "kernel", NULL, err, errlen))
				return -1;
			o->kernels = optarg;
			break;
		case OPT_SUITES:
			if (list_arg("suites", optarg, "suite", cb_guest_suites, err, errlen))
				return -1;
			o->suites = optarg;
			break;
		case OPT_ACCEL:
			if (cb_opt_choice("accelerator", optarg, accels, err, errlen) < 0)
				return -1;
			o->accel = optarg;
			break;
		case OPT_MODE:
			if (cb_opt_choice("mode", optarg, modes, err, errlen) < 0)
				return -1;
			o->mode = optarg;
			break;
		case OPT_TIMEOUT:
			if (int_arg("timeout", 10, MAX_TIMEOUT_S, &o->timeout_s, err, errlen))
				return -1;
			break;
		case OPT_SMP:
			if (int_arg("smp", 1, MAX_SMP, &o->smp, err, errlen))
				return -1;
			break;
		case OPT_MEM:
			if (int_arg("mem", 256, MAX_MEM_MIB, &o->mem_mib, err, errlen))
				return -1;
			break;
		case OPT_RESUME:
			o->resume = optarg;
			break;
		case OPT_PERTURB:
			if (int_arg("perturb", 0, MAX_PERTURB, &o->perturb, err, errlen))
				return -1;
			break;
		case OPT_ROUNDS:
			if (int_arg("rounds", 1, CB_MAX_REPS, &o->rounds, err, errlen))
				return -1;
			break;
		case 'h':
			cmd_run_usage(stdout);
			return 1;
		default:
			snprintf(err, errlen, "unknown or incomplete option '%s' (see --help)",
				 cb_getopt_bad(argc, argv));
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
			snprintf(err, errlen, "--filter '%.80s' %s (names: cowbench list --names%s)",
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

/* The run's table, on stdout and in <dir>/summary.txt.  -1 when the file could not be written. */
static int print_summary(const struct cb_results *res, const char *dir)
{
	char *path = cb_path(dir, "summary.txt");
	FILE *summary = fopen(path, "w");
	int ret = 0;

	printf("\n");
	cb_results_print(res, stdout);
	errno = 0;
	if (summary)
		cb_results_print(res, summary);
	if (!summary || ferror(summary) | fclose(summary)) {
		fprintf(stderr, "cowbench run: cannot write %s: %s\n", path,
			strerror(errno ? errno : EIO));
		ret = -1;
	}
	free(path);
	return ret;
}

int cb_run_summarise(const struct cb_run_opts *o, const char *dir, const char *json_path,
		     json_t *suite)
{
	struct cb_results res;
	struct cb_completeness c;
	char err[512];
	int ret, written;

	if (cb_results_load(json_path, &res, err, sizeof(err))) {
		fprintf(stderr, "cowbench run: results unreadable: %s\n", err);
		json_object_set_new(suite, "results_error", json_string(err));
		return CB_EXIT_FAIL;
	}
	written = print_summary(&res, dir);
	ret = cb_results_check(&res, o->quick, o->filter, &c, stderr);
	json_object_set_new(suite, "completeness",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
				      "expected", (json_int_t)c.expected, "ok", (json_int_t)c.ok,
				      "skipped", (json_int_t)c.skipped,
				      "interrupted", (json_int_t)c.interrupted,
				      "errors", (json_int_t)c.errors,
				      "missing", (json_int_t)c.missing));
	printf("\n%zu benchmarks: %zu measured, %zu skipped with a reason, ", c.expected, c.ok,
	       c.skipped);
	if (c.interrupted)
		printf("%zu not run (interrupted), ", c.interrupted);
	printf("%zu failed, %zu missing\n", c.errors, c.missing);
	cb_results_free(&res);
	return ret || written ? CB_EXIT_FAIL : CB_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct cb_run_opts o;
	char err[512];
	int ret = cb_run_parse_args(argc, argv, &o, err, sizeof(err));

	if (ret)
		return ret > 0 ? CB_EXIT_OK : cb_usage_error("run", "%s", err);
	if (o.resume && !o.host) {
		/* The mode is part of the job a dataset records: a host dataset resumes as one. */
		json_t *meta = cb_dataset_read_meta(o.resume, err, sizeof(err));

		o.host = meta && !strcmp(json_string_value(json_object_get(meta, "mode")) ?: "",
					 "host");
		json_decref(meta);
	}
	return o.host ? cb_run_host(&o) : cb_run_vm(&o);
}

/*
 * Host mode: one runner, one suite record in meta.json ("host"), its files
 * under <dataset>/host/.  Interrupted (SIGINT, SIGTERM: passed on to the
 * runner, which finishes the benchmark it is in and records every later
 * one as "interrupted: ..."), the JSON stays whole; --resume runs again
 * only the benchmarks without a complete result and merges their rows in.
 */

/* Prefix of the rows the runner did not run because a signal came (bench/shim.cc). */

/* The runner binary: --bench, else cowbench-bench beside cowbench.  malloc'd. */
static char *runner_path(const struct cb_run_opts *o)
{
	char *self_dir = cb_self_dir(), *bench;

	bench = o->bench ? strdup(o->bench) : cb_path(self_dir ? self_dir : ".", "cowbench-bench");
	free(self_dir);
	return bench;
}

/* Google benchmark JSON, read as a dataset's file (untrusted, bounded); NULL + @err. */
static json_t *load_raw(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *raw = cb_read_input(path, CB_INPUT_MAX_BYTES, &len, err, errlen);
	char *text = raw ? cb_json_nonfinite_to_null(raw) : NULL;
	json_error_t jerr;
	json_t *doc = text ? json_loads(text, 0, &jerr) : NULL;

	if (text && !doc)
		snprintf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
	else if (doc && !json_is_array(json_object_get(doc, "benchmarks"))) {
		snprintf(err, errlen, "%s: no \"benchmarks\" array", path);
		json_decref(doc);
		doc = NULL;
	}
	free(text);
	free(raw);
	return doc;
}

/* The cowbench name of a row ("fault/anon/2MiB/thp:off"), in @buf; NULL if none. */
static const char *row_base(json_t *row, char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(row, "run_name")) ?:
			   json_string_value(json_object_get(row, "name"));

	if (!name || strlen(name) >= len)
		return NULL;
	snprintf(buf, len, "%s", name);
	cb_result_base_name(buf);
	return buf;
}

static bool row_interrupted(json_t *row)
{
	const char *msg = json_string_value(json_object_get(row, "error_message"));

	return json_is_true(json_object_get(row, "error_occurred")) && msg &&
	       !strncmp(msg, CB_RESULT_INTERRUPTED_PREFIX, strlen(CB_RESULT_INTERRUPTED_PREFIX));
}

struct unfinished_walk {
	regex_t *re;
	json_t *seen;	/* name -> repetitions recorded, -1: one was interrupted */
	int repetitions;
	json_t *left;	/* names, in the registry's order */
	size_t expected;
};

static void unfinished_one(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct unfinished_walk *w = arg;
	char name[160];

	cb_benchmark_name(c, p, name, sizeof(name));
	if (w->re && regexec(w->re, name, 0, NULL, 0))
		return;
	w->expected++;
	json_int_t reps = json_integer_value(json_object_get(w->seen, name));

	if (reps < w->repetitions)
		json_array_append_new(w->left, json_string(name));
}

/*
 * The benchmarks of @o's job without a complete result in @doc (NULL: all
 * of them): none of their repetitions may be interrupted, and each needs
 * every repetition -- a recorded skip or failure is a result, and stays.
 * *expected gets the job's count.  A JSON array of names.
 */
static json_t *unfinished(json_t *doc, const struct cb_run_opts *o, size_t *expected)
{
	regex_t re;
	struct unfinished_walk w = { NULL, json_object(), o->repetitions, json_array(), 0 };
	char base[160];
	size_t i;
	json_t *row;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, row) {
		const char *type = json_string_value(json_object_get(row, "run_type"));
		json_int_t reps;

		if ((type && strcmp(type, "iteration")) || !row_base(row, base, sizeof(base)))
			continue;	/* Google benchmark's aggregates */
		reps = json_integer_value(json_object_get(w.seen, base));
		if (reps >= 0)
			json_object_set_new(w.seen, base, json_integer(row_interrupted(row) ? -1 :
								       reps + 1));
	}
	/* the filter was checked when the job was made (or read back) */
	if (o->filter && !regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB))
		w.re = &re;
	cb_for_each_benchmark(o->quick, unfinished_one, &w);
	if (w.re)
		regfree(&re);
	json_decref(w.seen);
	*expected = w.expected;
	return w.left;
}

/* "^(a|b)$" over @names, each with ERE's special characters escaped.  malloc'd. */
static char *names_regex(json_t *names)
{
	size_t i, len = 8;
	json_t *n;
	char *re, *p;

	json_array_foreach(names, i, n)
		len += 2 * strlen(json_string_value(n)) + 1;
	p = re = malloc(len);
	if (!re)
		abort();
	p += sprintf(p, "^(");
	json_array_foreach(names, i, n) {
		if (i)
			*p++ = '|';
		for (const char *c = json_string_value(n); *c; c++) {
			if (strchr(".[]()*+?{}|^$\\", *c))
				*p++ = '\\';
			*p++ = *c;
		}
	}
	strcpy(p, ")$");
	return re;
}

/* How the runner ended, and what cowbench could not write of its output. */
struct runner_end {
	int status;		/* wait status, -1 not started */
	char exit_text[700];	/* "exit 0", "killed by signal 9 (Killed)" */
	char write_error[600];	/* "<console log>: <errno text>", or "" */
};

static void run_runner(char **rargv, const char *log_path, const char *err_path,
		       struct runner_end *end)
{
	end->write_error[0] = '\0';
	if (cb_signal_seen()) {
		/* before it started: nothing of it ran */
		end->status = -1;
		snprintf(end->exit_text, sizeof(end->exit_text), "not started: %s came first",
			 cb_signal_name(cb_signal_seen()));
		return;
	}
	end->status = cb_spawn_logged(rargv, log_path, err_path, tty_width(), end->write_error,
				      sizeof(end->write_error));
	if (end->status < 0)
		snprintf(end->exit_text, sizeof(end->exit_text), "could not start: %s",
			 end->write_error);
	else
		cb_describe_status(end->status, end->exit_text, sizeof(end->exit_text));
	if (end->write_error[0])
		fprintf(stderr, "cowbench run: cannot write %s\n", end->write_error);
}

/*
 * SIGINT or SIGTERM when the runner stopped because of one: its own exit
 * (128 + it: what it left is recorded) or death by it (a second one); else 0.
 */
static int runner_stopped(int status)
{
	int sig = status < 0 ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) - 128 :
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	return sig == SIGINT || sig == SIGTERM ? sig : 0;
}

/* The summary of a run whose runner ended on its own; the status by it. */
static int summarise_host(const struct cb_run_opts *o, const char *dir, const char *json_path,
			  json_t *suite)
{
	int ret = cb_run_summarise(o, dir, json_path, suite);

	json_object_set_new(suite, "status", json_string(ret == CB_EXIT_OK ? "ok" : "incomplete"));
	return ret;
}

/*
 * How a host run (or resume) ended, from the runner's end and the rows in
 * @json_path, recorded in @suite.  A run whose every benchmark has its
 * result is summarised as any other, whatever signal came at the end;
 * "interrupted" (130) only when something was left unrun because one came.
 */
static int host_verdict(const struct cb_run_opts *o, const char *dir, json_t *suite,
			const char *json_path, const char *err_path, const struct runner_end *end)
{
	int stopped_by = runner_stopped(end->status), ret;
	/* not started because a signal came first counts as stopped by it */
	int sig = stopped_by ?: end->status < 0 ? cb_signal_seen() : 0;
	bool ran = end->status >= 0 && WIFEXITED(end->status) &&
		   (!WEXITSTATUS(end->status) || stopped_by);
	char why[600];
	json_t *doc = load_raw(json_path, why, sizeof(why)), *left;
	size_t expected;

	left = unfinished(doc, o, &expected);
	if (end->write_error[0])
		json_object_set_new(suite, "write_error", json_string(end->write_error));
	if (doc && ran && (!json_array_size(left) || !sig)) {
		/* done, or ended on its own with benchmarks missing: the summary names them */
		ret = summarise_host(o, dir, json_path, suite);
	} else if (sig) {
		struct cb_results res;
		char err[512];

		json_object_set_new(suite, "status", json_string("interrupted"));
		json_object_set_new(suite, "interrupted_by", json_string(cb_signal_name(sig)));
		json_object_set_new(suite, "left", json_integer((json_int_t)json_array_size(left)));
		if (!doc)
			printf("the runner's results are not whole (%s): every benchmark runs again "
			       "on --resume\n", why);
		else if (cb_results_load(json_path, &res, err, sizeof(err)))
			printf("cannot summarise what finished: %s\n", err);
		else {
			print_summary(&res, dir);
			cb_results_free(&res);
		}
		fprintf(stderr, "cowbench run: interrupted (%s): %zu of %zu benchmarks have no "
			"complete result; what finished is in %s; continue with 'cowbench run "
			"--host --resume %s'\n", cb_signal_name(sig), json_array_size(left),
			expected, dir, dir);
		ret = CB_EXIT_INTERRUPTED;
	} else {
		char *tail = cb_read_file(err_path, NULL);

		json_object_set_new(suite, "status", json_string("crashed"));
		fprintf(stderr, "cowbench run: benchmark runner %s (stderr: %s)\n%s",
			end->exit_text, err_path, tail ? tail : "");
		free(tail);
		if (doc)
			cb_run_summarise(o, dir, json_path, suite);
		ret = CB_EXIT_FAIL;
	}
	if (end->write_error[0] && ret == CB_EXIT_OK)
		ret = CB_EXIT_FAIL;
	json_decref(left);
	json_decref(doc);
	return ret;
}

/* meta.json once more: a failure (full disk) keeps the last one and fails the run. */
static int host_write_meta(const char *dir, json_t *meta, int ret)
{
	if (cb_dataset_write_meta(dir, meta))
		return ret == CB_EXIT_INTERRUPTED ? ret : CB_EXIT_FAIL;
	return ret;
}

/*
 * The job of a host dataset, from its meta.json: the profile, repetitions,
 * filter and CPU it was made with (nothing of the command line is mixed
 * in, or one dataset would hold two jobs).  The suite record in *suite.
 */
static int host_job(const char *dir, json_t *meta, const struct cb_run_opts *given,
		    struct cb_run_opts *o, json_t **suite)
{
	const char *mode = json_string_value(json_object_get(meta, "mode"));
	const char *profile, *filter;
	json_int_t reps, cpu;
	json_t *cpu_j;
	char err[512];

	*suite = json_array_get(json_object_get(meta, "cells"), 0);
	if (strcmp(mode ?: "", "host") || !json_is_object(*suite) ||
	    strcmp(json_string_value(json_object_get(*suite, "cell")) ?: "", "host")) {
		char *shown = cb_printable(mode ?: "none");

		fprintf(stderr, "cowbench run: --host --resume %s: not a host dataset (its "
			"meta.json records mode '%.40s'%s)\n", dir, shown,
			mode ? "; resume it without --host" : "");
		free(shown);
		return CB_EXIT_USAGE;
	}
	profile = json_string_value(json_object_get(*suite, "profile")) ?: "";
	reps = json_integer_value(json_object_get(*suite, "repetitions"));
	filter = json_string_value(json_object_get(*suite, "filter"));
	cpu_j = json_object_get(*suite, "cpu");
	cpu = cpu_j ? json_integer_value(cpu_j) : -1;
	*o = *given;
	o->quick = !strcmp(profile, "quick");
	o->repetitions = (int)reps;
	o->filter = filter;
	o->cpu = (int)cpu;
	if ((!o->quick && strcmp(profile, "default")) || reps < 1 || reps > CB_MAX_REPS ||
	    (cpu_j && !json_is_integer(cpu_j)) || cpu < -1 || cpu > MAX_CPU ||
	    (json_object_get(*suite, "filter") && !filter)) {
		fprintf(stderr, "cowbench run: cannot resume %s: its meta.json records no usable "
			"job (profile quick or default, repetitions 1 to %d, cpu -1 to %d, filter a "
			"string)\n", dir, CB_MAX_REPS, MAX_CPU);
		return CB_EXIT_USAGE;
	}
	if (filter && (text_arg("filter", filter, err, sizeof(err)) ||
		       cb_filter_count(o->quick, filter) < 0)) {
		fprintf(stderr, "cowbench run: cannot resume %s: its meta.json's filter: %s\n", dir,
			err[0] ? err : "not a valid POSIX regex");
		return CB_EXIT_USAGE;
	}
	printf("cowbench run: resuming %s with its own job: host, %s profile, %d repetition%s%s"
	       "%s, cpu %lld (-1: the highest)\n", dir, profile, o->repetitions,
	       o->repetitions > 1 ? "s" : "", filter ? ", filter " : "", filter ?: "",
	       (long long)cpu);
	return 0;
}

/*
 * Rows of @old, but for each benchmark in @rerun those of @new, in @old's
 * order (a benchmark @old has no row of goes at the end); @old's context,
 * noting the resume.  A new document.
 */
static json_t *merge_rows(json_t *old, json_t *new, json_t *rerun, int resume_nr)
{
	json_t *doc = json_deep_copy(old ? old : new), *rows = json_array(), *done = json_object();
	json_t *ctx = json_object_get(doc, "context"), *row, *nrow;
	char base[160], nbase[160];
	size_t i, j;

	json_array_foreach(json_object_get(old, "benchmarks"), i, row) {
		if (!row_base(row, base, sizeof(base)) || !json_object_get(rerun, base)) {
			json_array_append(rows, row);
			continue;
		}
		if (json_object_get(done, base))
			continue;
		json_object_set_new(done, base, json_true());
		json_array_foreach(json_object_get(new, "benchmarks"), j, nrow)
			if (row_base(nrow, nbase, sizeof(nbase)) && !strcmp(base, nbase))
				json_array_append(rows, nrow);
	}
	json_array_foreach(json_object_get(new, "benchmarks"), j, nrow)
		if (row_base(nrow, nbase, sizeof(nbase)) && !json_object_get(done, nbase))
			json_array_append(rows, nrow);
	json_object_set_new(doc, "benchmarks", rows);
	if (json_is_object(ctx))
		json_object_set_new(ctx, "cowbench.resumes", json_sprintf("%d", resume_nr));
	json_decref(done);
	return doc;
}

/*
 * The resume's rows into <dir>/host/micro.json: the file as it was is kept
 * first as micro.interrupted-N.json, then the merged one replaces it
 * atomically.  On a failure (full disk) micro.json stays as it was.
 */
static int merge_results(const char *json_path, json_t *old, json_t *new, json_t *rerun,
			 int resume_nr)
{
	int stem = (int)(strlen(json_path) - strlen(".json"));
	char *kept = cb_strdup_printf("%.*s.interrupted-%d.json", stem, json_path, resume_nr);
	char err[600], *raw = NULL, *text;
	size_t len = 0;
	json_t *doc = merge_rows(old, new, rerun, resume_nr);
	int ret = 0;

	if (!access(json_path, F_OK)) {
		raw = cb_read_input(json_path, CB_INPUT_MAX_BYTES, &len, err, sizeof(err));
		if (!raw || cb_write_file_atomic(kept, raw, len)) {
			fprintf(stderr, "cowbench run: cannot keep %s as %s: %s\n", json_path, kept,
				raw ? strerror(errno) : err);
			ret = -1;
		}
	}
	text = ret ? NULL : json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text && cb_write_file_atomic(json_path, text, strlen(text))) {
		fprintf(stderr, "cowbench run: cannot write %s: %s\n", json_path, strerror(errno));
		ret = -1;
	}
	free(text);
	free(raw);
	free(kept);
	json_decref(doc);
	return ret;
}

static int host_resume(const struct cb_run_opts *given)
{
	struct cb_run_opts o, ro;
	struct runner_end end;
	char err[600];
	char *dir, *bench, *json_path, *out, *log_path, *err_path;
	json_t *meta, *suite = NULL, *old, *new, *left, *rerun, *record, *resumes;
	size_t expected;
	int ret, nr;

	meta = cb_dataset_read_meta(given->resume, err, sizeof(err));
	if (!meta)
		return cb_usage_error("run", "cannot resume: %s", err);
	dir = realpath(given->resume, NULL);
	ret = dir ? host_job(dir, meta, given, &o, &suite) :
		    cb_usage_error("run", "--resume %s: %s", given->resume, strerror(errno));
	if (ret) {
		json_decref(meta);
		free(dir);
		return ret;
	}
	json_path = cb_path(dir, "host/micro.json");
	old = load_raw(json_path, err, sizeof(err));
	if (!old && !access(json_path, F_OK))
		printf("%s: every benchmark runs again\n", err);
	left = unfinished(old, &o, &expected);
	if (!json_array_size(left)) {
		printf("cowbench run: %s: every benchmark of its job has a complete result: "
		       "nothing to resume\n", dir);
		ret = CB_EXIT_OK;
		if (strcmp(json_string_value(json_object_get(suite, "status")) ?: "", "ok")) {
			/* a record that says otherwise is put right */
			ret = host_write_meta(dir, meta, summarise_host(&o, dir, json_path, suite));
		}
		goto out_early;
	}
	bench = runner_path(given);
	if (access(bench, X_OK)) {
		ret = cb_usage_error("run", "benchmark runner %s: %s", bench, strerror(errno));
		free(bench);
		goto out_early;
	}
	resumes = json_object_get(suite, "resumes");
	if (!json_is_array(resumes)) {
		resumes = json_array();
		json_object_set_new(suite, "resumes", resumes);
	}
	nr = (int)json_array_size(resumes) + 1;
	out = cb_strdup_printf("%s/host/micro.resume-%d.json", dir, nr);
	log_path = cb_strdup_printf("%s/host/micro.resume-%d.console", dir, nr);
	err_path = cb_strdup_printf("%s/host/micro.resume-%d.stderr", dir, nr);
	ro = o;
	ro.filter = names_regex(left);
	char **rargv = runner_argv(&ro, bench, out);

	record = json_pack("{s:i, s:O, s:o, s:o, s:o, s:o}", "resume", nr, "rerun", left,
			   "results", json_sprintf("host/micro.resume-%d.json", nr),
			   "console", json_sprintf("host/micro.resume-%d.console", nr),
			   "stderr", json_sprintf("host/micro.resume-%d.stderr", nr),
			   "command", argv_json(rargv));
	json_array_append_new(resumes, record);
	printf("cowbench run: %zu of %zu benchmarks to run again\n", json_array_size(left),
	       expected);
	fflush(stdout);

	cb_signals_catch();
	run_runner(rargv, log_path, err_path, &end);
	json_object_set_new(record, "exit", json_string(end.exit_text));
	new = load_raw(out, err, sizeof(err));
	rerun = json_object();
	{
		size_t i;
		json_t *n;

		json_array_foreach(left, i, n)
			json_object_set_new(rerun, json_string_value(n), json_true());
	}
	/* a failed merge (full disk) leaves micro.json and the record as they were */
	if (new && merge_results(json_path, old, new, rerun, nr))
		ret = CB_EXIT_FAIL;
	else
		ret = host_verdict(&o, dir, suite, json_path, err_path, &end);
	cb_signals_restore();
	ret = host_write_meta(dir, meta, ret);
	printf("dataset: %s\n", dir);
	json_decref(rerun);
	json_decref(new);
	free((char *)ro.filter);
	free(err_path);
	free(log_path);
	free(out);
	free(bench);
out_early:
	json_decref(left);
	json_decref(old);
	free(json_path);
	free(dir);
	json_decref(meta);
	return ret;
}

int cb_run_host(const struct cb_run_opts *opts)
{
	const struct cb_run_opts o = *opts;
	struct runner_end end;
	char *bench, *dir, *vdir, *json_path, *log_path, *err_path;
	json_t *meta, *suite;
	int ret;

	if (o.resume)
		return host_resume(&o);
	bench = runner_path(&o);
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
	suite = cb_dataset_add_cell(meta, "host", "micro");
	json_object_update(suite, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:o}",
					    "profile", o.quick ? "quick" : "default",
					    "repetitions", o.repetitions, "cpu", o.cpu,
					    "results", "host/micro.json",
					    "console", "host/micro.console",
					    "stderr", "host/micro.stderr",
					    "command", argv_json(rargv)));
	if (o.filter)
		json_object_set_new(suite, "filter", json_string(o.filter));
	if (cb_dataset_write_meta(dir, meta)) {
		/* nothing ran: nothing to keep */
		rmdir(vdir);
		rmdir(dir);
		json_decref(meta);
		return CB_EXIT_FAIL;
	}
	printf("cowbench run: host mode, %s profile, %d repetition%s -> %s\n",
	       o.quick ? "quick" : "default", o.repetitions, o.repetitions > 1 ? "s" : "",
	       dir);
	fflush(stdout);

	cb_signals_catch();
	run_runner(rargv, log_path, err_path, &end);
	json_object_set_new(suite, "exit", json_string(end.exit_text));
	ret = host_verdict(&o, dir, suite, json_path, err_path, &end);
	cb_signals_restore();
	ret = host_write_meta(dir, meta, ret);
	printf("dataset: %s\n", dir);
	json_decref(meta);
	return ret;
}
