// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench check: the CI gate -- a dataset cell against a baseline, or
 * --write-baseline FILE DATASET... to make one (check.c).  This file parses
 * the arguments, calls it, and prints what it refused.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "baseline.h"
#include "check.h"
#include "cli.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_check_opts[] = {
	{ "baseline", 'b', false, required_argument, "FILE",
	  "the baseline to gate DATASET against" },
	{ "write-baseline", 'w', false, required_argument, "FILE",
	  "write a baseline made from the DATASETs to FILE" },
	{ "threshold", 't', false, required_argument, "PCT",
	  "default " STR(CB_CHECK_THRESHOLD_ICOUNT) "% in icount mode (guest instructions)\n"
	  "for a floor of " STR(CB_CHECK_SHARP_BOOTS) " boots or more, "
	  STR(CB_CHECK_THRESHOLD_ICOUNT_COARSE) "% for fewer;\n"
	  STR(CB_CHECK_THRESHOLD_WALL) "% otherwise; at most " STR(CB_CHECK_MAX_THRESHOLD) },
	{ "cell", 'c', false, required_argument, "CELL",
	  "kernel.variant to compare (default: the only cell)" },
	{ "keep-floors", 'k', false, required_argument, "OLD",
	  "with --write-baseline: each benchmark's floor is the\n"
	  "wider of the new boots' spread and OLD's (a baseline of\n"
	  "the same mode, QEMU, config and job): a floor is an\n"
	  "estimate from a handful of boots, and a new draw can\n"
	  "come out narrower than the noise is" },
	{ "allow-userland-change", 'u', false, no_argument, NULL,
	  "gate even though the guest userland (init, benchmark\n"
	  "runner, probes, their libraries) differs from the\n"
	  "baseline's: only when that change is meant" },
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_check_usage(FILE *out)
{
	fprintf(out,
		"usage: cowbench check --baseline FILE [--threshold PCT] [--cell CELL] DATASET\n"
		"       cowbench check --write-baseline FILE [--cell CELL] DATASET...\n\n"
		"Gate a dataset against a baseline: per benchmark, the value per item must\n"
		"not grow by more than max(threshold, %.0f x the baseline's noise floor).\n"
		"The value is, in icount mode, the minimum over the repetitions (what the\n"
		"work costs: interrupts and other disturbances only add instructions),\n"
		"otherwise the median.  The noise floor is the spread of the values across\n"
		"the datasets (boots) the baseline was made from -- make them perturbation\n"
		"boots (run --perturb 0 ... 19) -- and with fewer than 3, the wider of\n"
		"that and the spread of the repetitions within any one of them.  specref/*,\n"
		"whose cost a race decides, is gated no tighter than 5%%; fork/* and\n"
		"fork-pinned/call-*, whose allocations move with the code layout, no\n"
		"tighter than 0.15%%.\n\n",
		CB_NOISE_FACTOR);
	cb_opts_usage(out, cmd_check_opts);
	fputs("\n"
		"Datasets and baselines are untrusted input: a cost that is not finite and\n"
		"positive, a name that is not printable, a file that is not a regular file\n"
		"or is over the size limit is refused, naming the file.\n\n"
		"Exit status: 0 no regression, 1 regression, 2 unusable input (corrupt or\n"
		"empty dataset, missing benchmarks, a baseline from another mode, QEMU\n"
		"version, kernel config, job -- profile, repetitions, CPUs, memory -- or\n"
		"guest userland).\n", out);
}

int cmd_check(int argc, char **argv)
{
	const char *baseline = NULL, *write = NULL, *cell = NULL, *keep_floors = NULL;
	double threshold = NAN;
	bool allow_userland = false;
	struct cb_getopt g;
	char err[4096];
	int c, ret;

	cb_opts_getopt(cmd_check_opts, "", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'w':
			write = optarg;
			break;
		case 'k':
			keep_floors = optarg;
			break;
		case 'c':
			cell = optarg;
			break;
		case 'u':
			allow_userland = true;
			break;
		case 't':
			/* no "inf", "nan" or hex, as strtod would take: a gate must not */
			if (cb_parse_decimal(optarg, 0, CB_CHECK_MAX_THRESHOLD, &threshold))
				return cb_usage_error("check", "--threshold '%s': expected a "
						      "percentage from 0 to %.0f, e.g. 0.5", optarg,
						      CB_CHECK_MAX_THRESHOLD);
			break;
		case 'h':
			cmd_check_usage(stdout);
			return CB_EXIT_OK;
		default:
			return cb_usage_error("check", "unknown or incomplete option '%s' (see --help)",
					      cb_getopt_bad(argc, argv));
		}
	}
	if (keep_floors && !write)
		return cb_usage_error("check", "--keep-floors goes with --write-baseline");
	if (!baseline == !write)
		return cb_usage_error("check", "give --baseline FILE (to check) or "
				      "--write-baseline FILE (to make one)");
	if (write && optind >= argc)
		return cb_usage_error("check", "--write-baseline: no dataset given");
	if (!write && argc - optind != 1)
		return cb_usage_error("check", "expected one DATASET directory, got %d",
				      argc - optind);
	ret = write ? cb_check_write_baseline(write, cell, argv + optind, argc - optind,
					      keep_floors, err, sizeof(err))
		    : cb_check(baseline, cell, argv[optind], threshold, allow_userland, err,
			       sizeof(err));
	return ret == CB_EXIT_USAGE ? cb_usage_error("check", "%s", err) : ret;
}
