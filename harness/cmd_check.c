// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench check: the CI gate.  Compares one dataset cell with a baseline,
 * per benchmark, and prints regressions the way the 0-day bot does:
 *
 *   fault/reuse/2MiB/thp:off: +1.3% instructions (baseline 2102, now 2129)
 *
 * A benchmark regresses when its value (cb_series_value(), as
 * cb_cell_load() reads it: icount, the minimum over the repetitions;
 * otherwise the median) grew by more than its limit: the
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "cli.h"
#include "util.h"
#include "value.h"

#define DEFAULT_THRESHOLD_ICOUNT 0.5
#define DEFAULT_THRESHOLD_WALL 5.0
#define MAX_LISTED 8
/* a wider threshold is no gate at all */
#define MAX_THRESHOLD 100.0

/* The options and their usage text, side by side. */
static const struct option check_opts[] = {
	{ "baseline", required_argument, NULL, 'b' },
	{ "write-baseline", required_argument, NULL, 'w' },
	{ "keep-floors", required_argument, NULL, 'k' },
	{ "threshold", required_argument, NULL, 't' },
	{ "cell", required_argument, NULL, 'c' },
	{ "allow-userland-change", no_argument, NULL, 'u' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
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
		"boots (run --perturb 0, 1, 2, 3) -- and with fewer than 3, the wider of\n"
		"that and the spread of the repetitions within any one of them.  specref/*,\n"
		"whose cost a race decides, is gated no tighter than 5%%.\n\n"
		"  --threshold PCT   default %.1f%% in icount mode (guest instructions),\n"
		"                    %.1f%% otherwise; at most %.0f\n"
		"  --cell CELL       kernel.variant to compare (default: the only cell)\n"
		"  --keep-floors OLD with --write-baseline: each benchmark's floor is the\n"
		"                    wider of the new boots' spread and OLD's (a baseline of\n"
		"                    the same mode, QEMU, config and job): a floor is an\n"
		"                    estimate from a handful of boots, and a new draw can\n"
		"                    come out narrower than the noise is\n"
		"  --allow-userland-change\n"
		"                    gate even though the guest userland (init, benchmark\n"
		"                    runner, probes, their libraries) differs from the\n"
		"                    baseline's: only when that change is meant\n\n"
		"Datasets and baselines are untrusted input: a cost that is not finite and\n"
		"positive, a name that is not printable, a file that is not a regular file\n"
		"or is over the size limit is refused, naming the file.\n\n"
		"Exit status: 0 no regression, 1 regression, 2 unusable input (corrupt or\n"
		"empty dataset, missing benchmarks, a baseline from another mode, QEMU\n"
		"version, kernel config, job -- profile, repetitions, CPUs, memory -- or\n"
		"guest userland).\n",
		CB_NOISE_FACTOR, DEFAULT_THRESHOLD_ICOUNT, DEFAULT_THRESHOLD_WALL, MAX_THRESHOLD);
}

/*
 * --write-baseline FILE may replace an older baseline, never one of the
 * datasets it is made from, nor a file that is not a baseline (a
 * micro.json given by mistake).
 */
static int baseline_target_ok(const char *file, char **datasets, int n)
{
	struct cb_baseline old;
	char err[1024];

	for (int d = 0; d < n; d++)
		if (cb_path_within(file, datasets[d]))
			return cb_usage_error("check", "--write-baseline %s: inside the dataset %s "
					      "it is made from: write it elsewhere", file,
					      datasets[d]);
	if (access(file, F_OK))
		return 0;
	if (cb_baseline_read(file, &old, err, sizeof(err)))
		return cb_usage_error("check", "--write-baseline %s: exists and is not a "
				      "cowbench baseline (%s): not overwritten", file, err);
	cb_baseline_free(&old);
	return 0;
}

static int write_baseline(const char *file, const char *cell, char **datasets, int n,
			  const char *keep_floors)
{
	struct cb_baseline b;
	char err[1024];

	if (baseline_target_ok(file, datasets, n))
		return CB_EXIT_USAGE;
	if (cb_baseline_build((const char *const *)datasets, (size_t)n, cell, &b, err,
			      sizeof(err)))
		return cb_usage_error("check", "%s", err);
	if (keep_floors && cb_baseline_keep_floors(&b, keep_floors, err, sizeof(err))) {
		cb_baseline_free(&b);
		return cb_usage_error("check", "%s", err);
	}
	if (cb_baseline_write(&b, file, err, sizeof(err))) {
		cb_baseline_free(&b);
		return cb_usage_error("check", "%s", err);
	}
	printf("baseline %s: cell %s, %zu benchmarks, %s mode, %d boot%s\n", file, b.cell, b.n,
	       b.id.mode, n, n == 1 ? " (no noise floor: give several datasets)" : "s");
	if (*b.floors_from)
		printf("  noise floors: %s\n", b.floors_from);
	cb_baseline_free(&b);
	return CB_EXIT_OK;
}

/*
 * The guest userland is the measuring instrument: a changed benchmark or a
 * library update moves the numbers as a kernel change does, so numbers of
 * two userlands are not gated against each other unless the user says the
 * change is meant.  A baseline that records none (made before the hash
 * existed) cannot tell: noted.
 */
static int userland_comparable(const struct cb_baseline *base, const struct cb_baseline *now,
			       const char *file, const char *dataset, bool allow)
{
	if (!*base->id.userland || !*now->id.userland) {
		printf("  note: %s records no guest userland hash: whether the benchmarks "
		       "themselves changed cannot be told\n", *base->id.userland ? dataset : file);
		return 0;
	}
	if (!strcmp(base->id.userland, now->id.userland))
		return 0;
	if (!allow)
		return cb_usage_error("check", "%s: cannot compare with %s: the guest userland "
				      "differs (sha256 %.16s, baseline %.16s: guest init, benchmark "
				      "runner, probes or a library they load); a change would be the "
				      "benchmarks' own as much as the kernel's.  Remake the baseline "
				      "(datasets/baselines/README.md), or pass "
				      "--allow-userland-change when the change is meant", dataset,
				      file, now->id.userland, base->id.userland);
	printf("  note: the guest userland differs from the baseline's (--allow-userland-change): "
	       "a change below may be the benchmarks' own\n");
	return 0;
}

static int check(const char *file, const char *cell, const char *dataset, double threshold,
		 bool allow_userland)
{
	struct cb_baseline base, now;
	bool icount;
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
	icount = cb_value_mode_of(base.id.mode) == CB_VALUE_ICOUNT;
	if (isnan(threshold))
		threshold = icount ? DEFAULT_THRESHOLD_ICOUNT : DEFAULT_THRESHOLD_WALL;
	unit = icount ? "instructions" : "time";
	printf("check %s (cell %s) against %s: %s mode, threshold %.2f%%\n", dataset, now.cell,
	       file, base.id.mode, threshold);
	if (strcmp(base.id.series_hash, now.id.series_hash) || strcmp(base.id.cmdline, now.id.cmdline))
		printf("  (the patch series or command line differs from the baseline's: "
		       "that is what is being checked)\n");
	if (userland_comparable(&base, &now, file, dataset, allow_userland))
		goto out;
	for (size_t i = 0; i < base.n; i++) {
		const struct cb_base_entry *b = &base.e[i];
		const struct cb_base_entry *n = cb_baseline_find(&now, b->name);
		/* both positive: cb_results_load() and cb_baseline_read() refuse others */
		double change = (n->value - b->value) / b->value * 100;
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
	const char *baseline = NULL, *write = NULL, *cell = NULL, *keep_floors = NULL;
	double threshold = NAN;
	bool allow_userland = false;
	int c;

	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", check_opts, NULL)) != -1) {
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
			if (cb_parse_decimal(optarg, 0, MAX_THRESHOLD, &threshold))
				return cb_usage_error("check", "--threshold '%s': expected a "
						      "percentage from 0 to %.0f, e.g. 0.5", optarg,
						      MAX_THRESHOLD);
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
	if (write)
		return optind < argc ? write_baseline(write, cell, argv + optind, argc - optind,
						      keep_floors)
				     : cb_usage_error("check", "--write-baseline: no dataset given");
	if (argc - optind != 1)
		return cb_usage_error("check", "expected one DATASET directory, got %d",
				      argc - optind);
	return check(baseline, cell, argv[optind], threshold, allow_userland);
}
