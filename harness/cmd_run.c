// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench run: run the suite and write a dataset -- in QEMU-booted
 * kernels (run_vm.c, cb_run_vm()) or on the running kernel (--host:
 * run_host.c, cb_run_host()).  This file parses the arguments and calls
 * one of them.
 *
 * Every argument is checked before any work: integers strictly and within
 * stated limits, lists non-empty, and no control character in what goes
 * into the guest's line-based job file.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cowbench.h"
#include "dataset.h"
#include "jobs.h"
#include "results.h"
#include "run_opts.h"
#include "util.h"

static const char run_usage_head[] =
	"usage: cowbench run [options]          in QEMU-booted kernels (the default)\n"
	"       cowbench run --host [options]   on the running kernel\n"
	"\n"
	"Run the suites and write a dataset directory.\n"
	"\n";
static const char run_usage_tail[] =
	"\n"
	"Exit status: 0 every benchmark has a result or a recorded skip; 1 a benchmark\n"
	"failed, crashed or is missing, or a guest panicked or hung; 2 bad arguments\n"
	"or input (unknown kernel or variant, patch that does not apply, ...);\n"
	"130 interrupted by SIGINT or SIGTERM, something left unrun (what finished is\n"
	"kept; continue with --resume).\n";

enum { OPT_REPS = 256, OPT_FILTER, OPT_CPU, OPT_OUT, OPT_BENCH, OPT_KERNEL,
       OPT_SUITES, OPT_ACCEL, OPT_MODE, OPT_TIMEOUT, OPT_SMP, OPT_MEM, OPT_JOBS, OPT_RESUME,
       OPT_ROUNDS, OPT_PERTURB };
static const char *const accels[] = { "auto", "kvm", "tcg", NULL };
static const char *const modes[] = { "auto", "icount", "wall", NULL };
/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_run_opts[] = {
	{ "kernel", OPT_KERNEL, false, required_argument, "MATRIX",
	  "kernels and variants: KERNEL (all its variants) or\n"
	  "KERNEL:VARIANT, comma-separated (default: default)" },
	{ "suites", OPT_SUITES, false, required_argument, "LIST",
	  "micro, probes, selftests, attack (default: micro);\n"
	  "attack: how far pins of one page go before the\n"
	  "kernel refuses them (refusal points)" },
	{ "accel", OPT_ACCEL, false, required_argument, "A",
	  "auto (probe-boot KVM, else TCG), kvm, tcg (default auto)" },
	{ "mode", OPT_MODE, false, required_argument, "M",
	  "icount: TCG with -icount, the guest clock counts\n"
	  "instructions (deterministic); wall: real time;\n"
	  "auto: icount under TCG, wall under KVM (default)" },
	{ "perturb", OPT_PERTURB, false, required_argument, "N",
	  "perturbation boot N: pads the initramfs so timer\n"
	  "interrupts land elsewhere, as after a kernel change on\n"
	  "an unexercised path (for baselines' noise floors)" },
	{ "timeout", OPT_TIMEOUT, false, required_argument, "S",
	  "hard limit per boot in seconds (default by profile)" },
	{ "smp", OPT_SMP, false, required_argument, "N", "guest CPUs (default 1 under icount, where a second\n"
	  "vCPU lets host timing in, else 2)" },
	{ "mem", OPT_MEM, false, required_argument, "MIB", "guest memory (default 3072)" },
	{ "jobs", OPT_JOBS, false, required_argument, "N",
	  "cells booted at once, 1 to 16; default (or 0): under\n"
	  "icount as many as the host holds, one CPU and the\n"
	  "guest's --mem plus 512 MiB each (results stay\n"
	  "bit-identical); 1 in a wall-clock mode, where cells\n"
	  "would disturb each other's timing, with 2+ rounds and\n"
	  "with --host" },
	{ "resume", OPT_RESUME, false, required_argument, "DIR",
	  "continue an interrupted dataset (VM or host) with its own\n"
	  "job: run only what has no complete result" },
	{ "host", 'H', false, no_argument, NULL, "measure the running kernel (no VM)" },
	{ "quick", 'q', false, no_argument, NULL, "smallest size of each benchmark, a smaller\nbudget of guest time per repetition" },
	{ "repetitions", OPT_REPS, false, required_argument, "N",
	  "repetitions of each benchmark, 1 to 64 (default 5; in a\n"
	  "wall-clock mode with two or more cells, 9)" },
	{ "rounds", OPT_ROUNDS, false, required_argument, "N",
	  "boot every cell N times, interleaved (A B A B, not\n"
	  "A A B B), the repetitions spread over the boots\n"
	  "(default: one per repetition in a wall-clock mode with\n"
	  "two or more cells, else 1)" },
	{ "filter", OPT_FILTER, false, required_argument, "REGEX",
	  "only benchmarks whose name matches (POSIX ERE)" },
	{ "cpu", OPT_CPU, false, required_argument, "N",
	  "CPU to pin the benchmarks to (default: the highest)" },
	{ "out", OPT_OUT, false, required_argument, "DIR",
	  "parent directory of the dataset\n"
	  "(default: datasets/runs, or $COWBENCH_RUNS)" },
	{ "bench", OPT_BENCH, false, required_argument, "PATH",
	  "benchmark runner (default: cowbench-bench beside cowbench)" },
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_run_usage(FILE *out)
{
	fputs(run_usage_head, out);
	cb_opts_usage(out, cmd_run_opts);
	fputs(run_usage_tail, out);
}

const char *const cb_guest_suites[] = { "micro", "probes", "selftests", "attack", NULL };

/*
 * A comma-separated list of at least one item, none of them empty ("",
 * ",", "a,,b" are refused), each one of @choices when given.  Checked in
 * place: no copy, so no length limit.
 */
static int list_arg(const char *opt, const char *value, const char *what,
		    const char *const *choices, char *err, size_t errlen)
{
	const char *p = value;

	if (cb_run_text_arg(opt, value, err, errlen))
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
#define MAX_TIMEOUT_S (7 * 24 * 3600)
#define MAX_SMP 255
#define MAX_MEM_MIB (1 << 20)
#define MAX_PERTURB 1000

int cb_run_parse_args(int argc, char **argv, struct cb_run_opts *o, char *err,
		      size_t errlen)
{
	struct cb_getopt g;
	int c, reps = -1;

	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->kernels = "default";
	o->suites = "micro";
	o->accel = "auto";
	o->mode = "auto";
	o->smp = 0;	/* by mode (run_vm.c) */
	o->jobs = 0;	/* by mode and host (jobs.h) */
	o->mem_mib = 3072;
	cb_opts_getopt(cmd_run_opts, "+", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
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
			if (cb_run_text_arg("filter", optarg, err, errlen))
				return -1;
			o->filter = optarg;
			break;
		case OPT_CPU:
			if (int_arg("cpu", 0, CB_RUN_MAX_CPU, &o->cpu, err, errlen))
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
		case OPT_JOBS:
			if (int_arg("jobs", 0, CB_JOBS_MAX, &o->jobs, err, errlen))
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

int cmd_run(int argc, char **argv)
{
	struct cb_run_opts o;
	char err[4096];
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
	err[0] = '\0';
	ret = o.host ? cb_run_host(&o, err, sizeof(err)) : cb_run_vm(&o, err, sizeof(err));
	if (ret == CB_EXIT_USAGE && err[0])
		cb_usage_error("run", "%s", err);
	return ret;
}

