/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Baselines: per benchmark, the value of one dataset cell -- or the median
 * of the values of several boots of the same kernel, with their spread as
 * that benchmark's noise floor -- plus everything that must match before
 * two numbers may be compared (mode, QEMU, kernel config).
 *
 * A cell's value is, in icount mode, the minimum over its repetitions:
 * there the same work executes the same instructions, and whatever else
 * lands in a repetition -- a timer interrupt, a kworker, a tick -- only
 * adds to it, so the minimum is the cost of the work alone.  A change that
 * costs instructions on every execution moves the minimum by all of it;
 * a disturbance in one repetition, or two, does not move it.  In
 * wall-clock modes noise goes both ways, and the value is the median.
 */
#ifndef CB_BASELINE_H
#define CB_BASELINE_H

#include <stddef.h>

#include <jansson.h>

struct cb_base_entry {
	char name[160];		/* "fault/reuse/2MiB/thp:off" */
	char item[16];		/* "page" */
	double value;		/* per item: ns, or guest instructions in icount mode */
	/*
	 * Noise floor, %: the range of the per-boot values over the value;
	 * with fewer than 3 boots, the wider of that and the range of the
	 * repetitions within any one boot.
	 */
	double floor_pct;
	size_t boots;
};

/* What a number was measured on: two sides must agree to be compared. */
struct cb_identity {
	char mode[16];		/* icount, kvm, tcg, host */
	char qemu[128];
	char kernel[64];	/* definition name */
	char config_hash[72];
	char series_hash[72];
	char cmdline[512];
	char job[128];		/* "quick profile, 5 repetitions, 2 CPUs, 3072 MiB" */
	char userland[72];	/* sha256 of the guest's programs and libraries */
	char commit[64];	/* cowbench's */
};

/* check flags a change beyond max(threshold, this x the noise floor) */
#define CB_NOISE_FACTOR 2.0
/*
 * check's default threshold in icount mode (%), and the boots a baseline
 * needs for it: fewer give floors too rough to trust below the coarse
 * one.  Settled median regions (bench/measure.c) keep the fault and pin
 * paths of twenty perturbation boots within 0.015% (two pins 0.08%):
 * 0.05% flags a change of 0.1% there (docs/ci.md has the measurements).
 */
#define CB_CHECK_THRESHOLD_ICOUNT 0.05
#define CB_CHECK_THRESHOLD_ICOUNT_COARSE 0.5
#define CB_CHECK_SHARP_BOOTS 8
/*
 * Benchmarks whose spread perturbation boots do not bound -- a race decides
 * specref's cost, the code layout a fork's allocations -- are gated no
 * tighter than a fixed limit of their class (%).  0 for every other
 * benchmark; *@why (if @why) says why.
 */
double cb_class_limit(const char *name, const char **why);

/* What set a benchmark's limit (cb_gate_limit()). */
enum cb_limit_by { CB_LIMIT_THRESHOLD, CB_LIMIT_FLOOR, CB_LIMIT_CLASS };

/*
 * The gate's one rule, for check and for a report with --floors: a change
 * of benchmark @name is flagged beyond max(@threshold, CB_NOISE_FACTOR x
 * @floor_pct, its class limit), in %.  What set it in *@by (if @by).
 */
double cb_gate_limit(const char *name, double threshold, double floor_pct,
		     enum cb_limit_by *by);
/* check's default icount threshold for a benchmark measured over @boots boots. */
double cb_icount_threshold(size_t boots);

struct cb_baseline {
	char cell[128];		/* "default.default" */
	struct cb_identity id;
	size_t n;
	struct cb_base_entry *e;
	char floors_from[512];	/* "" or how the floors were widened (--keep-floors) */
};

/*
 * One dataset cell's values (see above).  @cell NULL picks the dataset's only cell (or
 * fails naming them).  Fails -- naming the file and the problem -- on a
 * missing or corrupt meta.json or micro.json, an unknown cell, a cell that
 * did not end ok, or a cell with no measured benchmark.
 */
/*
 * The identity of dataset cell @cell (its record in @meta, the dataset's
 * meta.json); -1 with @err when a string does not fit its field or holds a
 * control byte (refused, never cut: cut strings could compare equal).
 */
int cb_identity_of(struct cb_identity *id, json_t *meta, json_t *cell, char *err,
		   size_t errlen);
int cb_cell_load(const char *dataset, const char *cell, struct cb_baseline *out, char *err,
		 size_t errlen);
/*
 * A baseline from @n datasets of one kernel (boots): medians of the
 * per-boot values and their spread.  The datasets must share identity.
 */
int cb_baseline_build(const char *const *datasets, size_t n, const char *cell,
		      struct cb_baseline *out, char *err, size_t errlen);
/*
 * Widen @b's floors to those of the baseline in @old_file where they are
 * wider (same mode, QEMU, kernel config and job, or -1 with @err); records
 * where the floors came from in @b->floors_from.
 */
int cb_baseline_keep_floors(struct cb_baseline *b, const char *old_file, char *err,
			    size_t errlen);
int cb_baseline_write(const struct cb_baseline *b, const char *path, char *err, size_t errlen);
int cb_baseline_read(const char *path, struct cb_baseline *b, char *err, size_t errlen);
/*
 * Why numbers measured on @now cannot be compared with @base (another
 * mode, QEMU version or kernel config), in @why; NULL if they can.
 */
const char *cb_identity_incomparable(const struct cb_identity *base,
				     const struct cb_identity *now, char *why, size_t len);
const struct cb_base_entry *cb_baseline_find(const struct cb_baseline *b, const char *name);
void cb_baseline_free(struct cb_baseline *b);

#endif
