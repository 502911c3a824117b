/* SPDX-License-Identifier: GPL-2.0 */
/* The CI gate (check.c): a dataset cell against a baseline, and making baselines. */
#ifndef CB_CHECK_H
#define CB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The default threshold in %, wall-clock modes; icount mode's
 * (CB_CHECK_THRESHOLD_ICOUNT, guest instructions) is in baseline.h.
 */
#define CB_CHECK_THRESHOLD_WALL 5.0
/* a wider threshold is no gate at all */
#define CB_CHECK_MAX_THRESHOLD 100.0
/* missing benchmarks named on stderr before the count */
#define CB_CHECK_MAX_LISTED 8

/*
 * Gate cell @cell (NULL: the baseline's) of @dataset against the baseline
 * @file, printing what moved beyond its limit; @threshold NAN: the mode's
 * default.  CB_EXIT_OK clean, CB_EXIT_FAIL a regression, CB_EXIT_USAGE
 * unusable input (another mode, QEMU, config, job or userland; missing
 * benchmarks) with the message in @err.
 */
int cb_check(const char *file, const char *cell, const char *dataset, double threshold,
	     bool allow_userland, char *err, size_t errlen);
/*
 * Make the baseline @file from @n boots (@datasets) of cell @cell, the noise
 * floors widened to those of @keep_floors when given; it may replace an
 * older baseline, never an input or a file that is not a baseline.
 * CB_EXIT_OK, or CB_EXIT_USAGE with the message in @err.
 */
int cb_check_write_baseline(const char *file, const char *cell, char **datasets, int n,
			    const char *keep_floors, char *err, size_t errlen);

#endif
