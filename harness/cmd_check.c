// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench check: the CI gate.  Compares one dataset cell with a baseline,
 * per benchmark, and prints regressions the way the 0-day bot does:
 *
 *   fault/reuse/2MiB/thp:off: +1.3% instructions (baseline 2102, now 2129)
 *
 * A benchmark regresses when its value (icount: the minimum over the
 * repetitions; otherwise the median) grew by more than its limit: the
 * threshold, or twice the noise floor the baseline measured across boots,
 * whichever is larger -- a benchmark that moves 1% between boots of one
 * kernel cannot be gated at 0.5%.  Numbers from another mode, QEMU, kernel
 * config or job (profile, repetitions, CPUs, memory) are refused, not
 * compared.
 *
 * --write-baseline FILE DATASET... makes the baseline from boots of one
 * kernel (several datasets give the noise floors).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cli.h"

#define DEFAULT_THRESHOLD_ICOUNT 0.5
#define DEFAULT_THRESHOLD_WALL 5.0
#define MAX_LISTED 8

static void usage(FILE *out)
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
		"boots (run --perturb 0, 1, 2, 3) -- and with fewer than 3, the wider of\n"
		"that and the spread of the repetitions within any one of them.  specref/*,\n"
		"whose cost a race decides, is gated no tighter than 5%%.\n\n"
		"  --threshold PCT   default %.1f%% in icount mode (guest instructions),\n"
		"                    %.1f%% otherwise\n"
		"  --cell CELL       kernel.variant to compare (default: the only cell)\n\n"
		"Exit status: 0 no regression, 1 regression, 2 unusable input (corrupt or\n"
		"empty dataset, missing benchmarks, a baseline from another mode, QEMU\n"
		"version, kernel config or job: profile, repetitions, CPUs, memory).\n",
		CB_NOISE_FACTOR, DEFAULT_THRESHOLD_ICOUNT, DEFAULT_THRESHOLD_WALL);
}

static int write_baseline(const char *file, const char *cell, char **datasets, int n)
{
	struct cb_baseline b;
	char err[1024];

	if (cb_baseline_build((const char *const *)datasets, (size_t)n, cell, &b, err,
			      sizeof(err)))
		return cb_usage_error("check", "%s", err);
	if (cb_baseline_write(&b, file, err, sizeof(err))) {
		cb_baseline_free(&b);
		return cb_usage_error("check", "%s", err);
	}
	printf("baseline %s: cell %s, %zu benchmarks, %s mode, %d boot%s\n", file, b.cell, b.n,
	       b.id.mode, n, n == 1 ? " (no noise floor: give several datasets)" : "s");
	cb_baseline_free(&b);
	return CB_EXIT_OK;
}

static int check(const char *file, const char *cell, const char *dataset, double threshold)
{
	struct cb_baseline base, now;
	const char *unit;
	char err[1024], why[512];
	size_t missing = 0, regressed = 0, improved = 0;
	int ret = CB_EXIT_USAGE;

	if (cb_baseline_read(file, &base, err, sizeof(err)))
		return cb_usage_error("check", "%s", err);
	if (cb_cell_load(dataset, cell ? cell : base.cell, &now, err, sizeof(err))) {
		cb_baseline_free(&base);
		return cb_usage_error("check", "%s", err);
	}
	if (cb_identity_incomparable(&base.id, &now.id, why, sizeof(why))) {
		cb_usage_error("check", "%s: cannot compare with %s: %s", dataset, file, why);
		goto out;
	}
	for (size_t i = 0; i < base.n; i++) {
		if (cb_baseline_find(&now, base.e[i].name))
			continue;
		if (missing++ < MAX_LISTED)
			fprintf(stderr, "cowbench check: %s: no result for %s (in the baseline)\n",
				dataset, base.e[i].name);
	}
	if (missing) {
		cb_usage_error("check", "%s lacks %zu benchmark%s of %s: rerun with the job the "
			       "baseline was made with", dataset, missing, missing == 1 ? "" : "s",
			       file);
		goto out;
	}
	if (isnan(threshold))
		threshold = strcmp(base.id.mode, "icount") ? DEFAULT_THRESHOLD_WALL
							   : DEFAULT_THRESHOLD_ICOUNT;
	unit = strcmp(base.id.mode, "icount") ? "time" : "instructions";
	printf("check %s (cell %s) against %s: %s mode, threshold %.2f%%\n", dataset, now.cell,
	       file, base.id.mode, threshold);
	if (strcmp(base.id.series_hash, now.id.series_hash) || strcmp(base.id.cmdline, now.id.cmdline))
		printf("  (the patch series or command line differs from the baseline's: "
		       "that is what is being checked)\n");
	/*
	 * A note, not a refusal: a change to the benchmarks or a library
	 * update can move the numbers as a kernel change does, but whether
	 * that was meant only the person who made it knows.
	 */
	if (*base.id.userland && *now.id.userland && strcmp(base.id.userland, now.id.userland))
		printf("  note: the guest userland differs from the baseline's (guest init, "
		       "benchmark runner, probes or a library they load): a change below may be "
		       "the benchmarks' own; remake the baseline when that change is meant "
		       "(datasets/baselines/README.md)\n");
	for (size_t i = 0; i < base.n; i++) {
		const struct cb_base_entry *b = &base.e[i];
		const struct cb_base_entry *n = cb_baseline_find(&now, b->name);
		double change = b->value > 0 ? (n->value - b->value) / b->value * 100 : 0;
		const char *race_why = NULL;
		double floor_limit = fmax(threshold, CB_NOISE_FACTOR * b->floor_pct);
		double limit = fmax(floor_limit, cb_race_limit(b->name, &race_why));

		if (fabs(change) <= limit)
			continue;
		if (change > 0)
			regressed++;
		else
			improved++;
		printf("%s: %+.1f%% %s (baseline %.1f, now %.1f)%s\n", b->name, change, unit,
		       b->value, n->value, change > 0 ? "" : " improvement");
		if (limit > floor_limit)
			printf("  limit %.2f%%: %s\n", limit, race_why);
		else if (limit > threshold)
			printf("  limit %.2f%%: %.0f x the noise floor measured over %zu boot%s\n",
			       limit, CB_NOISE_FACTOR, b->boots, b->boots == 1 ? "" : "s");
	}
	printf("%s: %zu of %zu benchmarks regressed, %zu improved beyond their limit\n",
	       regressed ? "REGRESSION" : "clean", regressed, base.n, improved);
	ret = regressed ? CB_EXIT_FAIL : CB_EXIT_OK;
out:
	cb_baseline_free(&base);
	cb_baseline_free(&now);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "write-baseline", required_argument, NULL, 'w' },
		{ "threshold", required_argument, NULL, 't' },
		{ "cell", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *baseline = NULL, *write = NULL, *cell = NULL;
	double threshold = NAN;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'w':
			write = optarg;
			break;
		case 'c':
			cell = optarg;
			break;
		case 't':
			threshold = strtod(optarg, &end);
			if (*end || end == optarg || !(threshold >= 0))
				return cb_usage_error("check", "--threshold '%s': expected a "
						      "percentage >= 0, e.g. 0.5", optarg);
			break;
		case 'h':
			usage(stdout);
			return CB_EXIT_OK;
		default:
			usage(stderr);
			return CB_EXIT_USAGE;
		}
	}
	if (!baseline == !write)
		return cb_usage_error("check", "give --baseline FILE (to check) or "
				      "--write-baseline FILE (to make one)");
	if (write)
		return optind < argc ? write_baseline(write, cell, argv + optind, argc - optind)
				     : cb_usage_error("check", "--write-baseline: no dataset given");
	if (argc - optind != 1)
		return cb_usage_error("check", "expected one DATASET directory, got %d",
				      argc - optind);
	return check(baseline, cell, argv[optind], threshold);
}
