// SPDX-License-Identifier: GPL-2.0
/*
 * The CI gate's library (cmd_check.c parses the arguments and calls it):
 * one dataset cell against a baseline, per benchmark, regressions printed
 * the way the 0-day bot does:
 *
 *   fault/reuse/2MiB/thp:off: +1.3% instructions (baseline 2102, now 2129)
 *
 * A benchmark regresses when its value (cb_series_value(), as
 * cb_cell_load() reads it: icount, the minimum over the repetitions;
 * otherwise the median) grew by more than its limit, cb_gate_limit(): the
 * threshold, or twice the noise floor the baseline measured across boots,
 * whichever is larger -- a benchmark that moves 1% between boots of one
 * kernel cannot be gated at 0.05%.  In icount mode the default threshold
 * is 0.05% for a benchmark whose floor comes from CB_CHECK_SHARP_BOOTS
 * boots or more, 0.5% for fewer (cb_icount_threshold()).  Numbers from another mode, QEMU, kernel
 * config or job (profile, repetitions, CPUs, memory) are refused, not
 * compared.
 *
 * cb_check_write_baseline() makes the baseline from boots of one kernel
 * (several datasets give the noise floors).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "check.h"
#include "exit.h"
#include "util.h"
#include "value.h"

/*
 * --write-baseline FILE may replace an older baseline, never one of the
 * datasets it is made from, nor a file that is not a baseline (a
 * micro.json given by mistake).
 */
static int baseline_target_ok(const char *file, char **datasets, int n, char *err,
			      size_t errlen)
{
	struct cb_baseline old;
	char why[1024];

	for (int d = 0; d < n; d++)
		if (cb_path_within(file, datasets[d])) {
			snprintf(err, errlen, "--write-baseline %s: inside the dataset %s it is made "
				 "from: write it elsewhere", file, datasets[d]);
			return CB_EXIT_USAGE;
		}
	if (access(file, F_OK))
		return 0;
	if (cb_baseline_read(file, &old, why, sizeof(why))) {
		snprintf(err, errlen, "--write-baseline %s: exists and is not a cowbench baseline "
			 "(%s): not overwritten", file, why);
		return CB_EXIT_USAGE;
	}
	cb_baseline_free(&old);
	return 0;
}

int cb_check_write_baseline(const char *file, const char *cell, char **datasets, int n,
			    const char *keep_floors, char *err, size_t errlen)
{
	struct cb_baseline b;

	if (baseline_target_ok(file, datasets, n, err, errlen))
		return CB_EXIT_USAGE;
	if (cb_baseline_build((const char *const *)datasets, (size_t)n, cell, &b, err, errlen))
		return CB_EXIT_USAGE;
	if (keep_floors && cb_baseline_keep_floors(&b, keep_floors, err, errlen)) {
		cb_baseline_free(&b);
		return CB_EXIT_USAGE;
	}
	if (cb_baseline_write(&b, file, err, errlen)) {
		cb_baseline_free(&b);
		return CB_EXIT_USAGE;
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
			       const char *file, const char *dataset, bool allow, char *err,
			       size_t errlen)
{
	if (!*base->id.userland || !*now->id.userland) {
		printf("  note: %s records no guest userland hash: whether the benchmarks "
		       "themselves changed cannot be told\n", *base->id.userland ? dataset : file);
		return 0;
	}
	if (!strcmp(base->id.userland, now->id.userland))
		return 0;
	if (!allow) {
		snprintf(err, errlen, "%s: cannot compare with %s: the guest userland differs "
			 "(sha256 %.16s, baseline %.16s: guest init, benchmark runner, probes or a "
			 "library they load); a change would be the benchmarks' own as much as the "
			 "kernel's.  Remake the baseline (datasets/baselines/README.md), or pass "
			 "--allow-userland-change when the change is meant", dataset, file,
			 now->id.userland, base->id.userland);
		return CB_EXIT_USAGE;
	}
	printf("  note: the guest userland differs from the baseline's (--allow-userland-change): "
	       "a change below may be the benchmarks' own\n");
	return 0;
}

int cb_check(const char *file, const char *cell, const char *dataset, double threshold,
	     bool allow_userland, char *err, size_t errlen)
{
	struct cb_baseline base, now;
	bool icount;
	const char *unit;
	char why[512];
	size_t missing = 0, regressed = 0, improved = 0;
	int ret = CB_EXIT_USAGE;

	if (cb_baseline_read(file, &base, err, errlen))
		return CB_EXIT_USAGE;
	if (cb_cell_load(dataset, cell ? cell : base.cell, &now, err, errlen)) {
		cb_baseline_free(&base);
		return CB_EXIT_USAGE;
	}
	if (cb_identity_incomparable(&base.id, &now.id, why, sizeof(why))) {
		snprintf(err, errlen, "%s: cannot compare with %s: %s", dataset, file, why);
		goto out;
	}
	for (size_t i = 0; i < base.n; i++) {
		if (cb_baseline_find(&now, base.e[i].name))
			continue;
		if (missing++ < CB_CHECK_MAX_LISTED)
			fprintf(stderr, "cowbench check: %s: no result for %s (in the baseline)\n",
				dataset, base.e[i].name);
	}
	if (missing) {
		snprintf(err, errlen, "%s lacks %zu benchmark%s of %s: rerun with the job the "
			 "baseline was made with", dataset, missing, missing == 1 ? "" : "s", file);
		goto out;
	}
	icount = cb_value_mode_of(base.id.mode) == CB_VALUE_ICOUNT;
	unit = icount ? "instructions" : "time";
	if (!isnan(threshold))
		printf("check %s (cell %s) against %s: %s mode, threshold %.2f%%\n", dataset,
		       now.cell, file, base.id.mode, threshold);
	else if (!icount)
		printf("check %s (cell %s) against %s: %s mode, threshold %.2f%%\n", dataset,
		       now.cell, file, base.id.mode, CB_CHECK_THRESHOLD_WALL);
	else
		printf("check %s (cell %s) against %s: %s mode, threshold %.2f%% (%.1f%% where "
		       "the floor comes from fewer than %d boots)\n", dataset, now.cell, file,
		       base.id.mode, CB_CHECK_THRESHOLD_ICOUNT, CB_CHECK_THRESHOLD_ICOUNT_COARSE,
		       CB_CHECK_SHARP_BOOTS);
	if (strcmp(base.id.series_hash, now.id.series_hash) || strcmp(base.id.cmdline, now.id.cmdline))
		printf("  (the patch series or command line differs from the baseline's: "
		       "that is what is being checked)\n");
	if (userland_comparable(&base, &now, file, dataset, allow_userland, err, errlen))
		goto out;
	for (size_t i = 0; i < base.n; i++) {
		const struct cb_base_entry *b = &base.e[i];
		const struct cb_base_entry *n = cb_baseline_find(&now, b->name);
		/* both positive: cb_results_load() and cb_baseline_read() refuse others */
		double change = (n->value - b->value) / b->value * 100;
		const char *class_why = NULL;
		double t = !isnan(threshold) ? threshold :
			   icount ? cb_icount_threshold(b->boots) : CB_CHECK_THRESHOLD_WALL;
		enum cb_limit_by by;
		double limit = cb_gate_limit(b->name, t, b->floor_pct, &by);

		if (fabs(change) <= limit)
			continue;
		if (change > 0)
			regressed++;
		else
			improved++;
		printf("%s: %+.2f%% %s (baseline %.1f, now %.1f)%s\n", b->name, change, unit,
		       b->value, n->value, change > 0 ? "" : " improvement");
		if (by == CB_LIMIT_CLASS) {
			cb_class_limit(b->name, &class_why);
			printf("  limit %.2f%%: %s\n", limit, class_why);
		} else if (by == CB_LIMIT_FLOOR) {
			printf("  limit %.2f%%: %.0f x the noise floor measured over %zu boot%s\n",
			       limit, CB_NOISE_FACTOR, b->boots, b->boots == 1 ? "" : "s");
		}
	}
	printf("%s: %zu of %zu benchmarks regressed, %zu improved beyond their limit\n",
	       regressed ? "REGRESSION" : "clean", regressed, base.n, improved);
	ret = regressed ? CB_EXIT_FAIL : CB_EXIT_OK;
out:
	cb_baseline_free(&base);
	cb_baseline_free(&now);
	return ret;
}

