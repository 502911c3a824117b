/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of `cowbench report`: the loaded cells, the comparison of one
 * benchmark between the baseline cell and another (statistics, GSL), and
 * the writers of each output (report.md and email.txt in report.c, the
 * gnuplot plots in report_plot.c with report_gnuplot.c, index.html in
 * report_html.c), what every writer shows the same way (report_text.c),
 * and the guest_memfd section in all of them (report_gmem.c).
 */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "baseline.h"
#include "results.h"
#include "util.h"

/* The most cells one report compares (a larger count is refused, saying so). */
#define CB_REPORT_MAX_CELLS 64
/*
 * The file `cowbench report` writes into every report directory: a
 * directory holding it (or an empty one) may be replaced by a new report,
 * any other is refused -- the report never deletes what it did not write.
 */
#define CB_REPORT_MARKER ".cowbench-report"
/* icount mode: a change beyond this (and the repetitions' range) is marked */
#define CB_REPORT_ICOUNT_THRESHOLD 0.5
/* report_method()'s icount sentence up to the limits beyond the threshold */
#define CB_REPORT_ICOUNT_METHOD \
	"the numbers are guest instructions per item (icount: the guest clock " \
	"counts instructions), the minimum over the repetitions (interrupts and " \
	"other disturbances only add instructions); a change is marked beyond 0.5% " \
	"(specref, whose cost a race decides, beyond 5%)"
/* wall-clock modes: Mann-Whitney p below this is marked */
#define CB_REPORT_P_LIMIT 0.05
/* wall-clock modes: fewer repetitions than this and the report says so */
#define CB_REPORT_WALL_MIN_REPS 9

struct report_cell {
	char name[160];
	const char *dataset;
	json_t *meta;		/* the cell's record (borrowed from its dataset's meta) */
	struct cb_results res;
};

struct report {
	const char *mode;
	char **datasets;
	json_t *metas[CB_REPORT_MAX_CELLS];
	size_t nr_metas;
	struct report_cell cell[CB_REPORT_MAX_CELLS];
	size_t n;
	size_t base;
	/*
	 * --floors FILE (icount mode): a baseline whose per-benchmark noise
	 * floors, measured by perturbation boots, widen the marks as check's
	 * limits do.  floors.n is 0 without it.
	 */
	const char *floors_file;
	struct cb_baseline floors;
	size_t floors_boots;	/* the most boots any floor was measured over */
	char *method;		/* report_method()'s sentence when it depends on them */
};

/*
 * Load @nr datasets' cells into @r (zeroed; @datasets must outlive it) and
 * pick the baseline cell: @baseline, kernel.variant or a variant name, or
 * the first when NULL.  -1 with the reason in @err (it may quote a dataset:
 * cb_printable() it for a terminal).  report_free() frees @r whatever.
 */
int report_load(struct report *r, char **datasets, int nr, const char *baseline, char *err,
		size_t errlen);
/* --floors @file (icount mode, measured for the baseline cell's identity); -1 + @err. */
int report_load_floors(struct report *r, const char *file, char *err, size_t errlen);
/*
 * Where a report of @first (the first dataset) goes without --out:
 * reports/<its name> in the source tree, malloc'd; NULL with the reason in
 * @err when that name would overwrite a checked-in file or leave reports/.
 */
char *report_default_dir(const char *first, char *err, size_t errlen);
/*
 * Write the report into @dir: report.md, email.txt, index.html, the plots,
 * the marker, all or nothing (a scratch directory renamed into place);
 * refused where @dir is, holds or is inside an input or is not a report.
 * -1 with the reason in @err.
 */
int report_write(const struct report *r, const char *dir, char *err, size_t errlen);
/* What report_load() and report_load_floors() hold, and @r itself (calloc'd). */
void report_free(struct report *r);

/* One benchmark of one cell against the baseline cell. */
struct report_row {
	const char *name;
	const struct cb_result *base, *now;
	double base_value, now_value;	/* report_statistic() of the repetitions */
	double change;		/* (now - base) / base, in % */
	double ci_lo, ci_hi;	/* 95% bootstrap interval of the change, in % */
	double cv_base, cv_now;	/* in % */
	double p;		/* Mann-Whitney (wall modes); NAN in icount mode */
	bool significant;
};

/*
 * Compare benchmark @i of the baseline with the same benchmark of cell
 * @c.  False when either side has no measurement (skipped, failed, absent).
 */
bool report_compare(const struct report *r, size_t c, size_t i, struct report_row *row);

bool report_icount(const struct report *r);
/* Fewest repetitions any measured benchmark of any cell has. */
size_t report_fewest_repetitions(const struct report *r);
/*
 * The limit beyond which a change of benchmark @name is marked in icount
 * mode: CB_REPORT_ICOUNT_THRESHOLD, twice the gap between either side's two
 * lowest repetitions (@gap_pct, the wider), and with --floors twice the
 * benchmark's noise floor.
 */
double report_icount_limit(const struct report *r, const char *name, double gap_pct);
/* What the numbers are and when a change is marked, one sentence. */
const char *report_method(const struct report *r);
/*
 * "minimum" in icount mode (disturbances only add instructions, so the
 * minimum over the repetitions is what the work costs -- what `check`
 * gates), "median" otherwise.
 */
const char *report_statistic(const struct report *r);

/* "pgfault 1 → 1 cow_copy 0 → 1": the key events that moved, for a row. */
void report_events_text(const struct report_row *row, char *buf, size_t len);
/* Why the marks cannot be trusted (too few repetitions), or NULL. */
const char *report_noise_warning(const struct report *r);
/* One line of the provenance table; @code: shown as code (a command line). */
struct report_kv {
	char *key, *val;
	bool code;
};

/*
 * Provenance as label/value pairs: datasets, mode, QEMU, host, cowbench
 * commit, kernels (source, series, config), command lines.  Every value
 * is as the dataset has it (untrusted: escape it for the sink).  *@kv is
 * malloc'd, report_provenance_free() frees it; returns how many.
 */
size_t report_provenance(const struct report *r, struct report_kv **kv);
void report_provenance_free(struct report_kv *kv, size_t n);

/*
 * @c as every sink shows a byte of a dataset's string: a control character
 * (a newline would end a table row or a gnuplot command, an escape would
 * reach a terminal) as '?'.
 */
static inline char report_shown(char c)
{
	return cb_is_control(c) ? '?' : c;
}

/*
 * @s as Markdown text fit for a table cell: |, backslash, `, *, _, [, ],
 * ~ (strikethrough) and $ (GitHub's math) backslash-escaped, <, > and & as
 * HTML entities, control characters (a newline would end the row) as '?'.
 * The one escape for every string a dataset puts into report.md, the
 * side-by-side tables' included.
 */
void report_md_text(FILE *out, const char *s);

/* A drawn plot: the SVG's file name in the report directory, and its title. */
struct report_plot {
	char *svg, *title;
};

/*
 * The plots, as SVG files in @dir, made by gnuplot from the templates in
 * plots/.  *@plots (malloc'd, report_plots_free()) gets what was drawn;
 * returns how many, or -1 with a message when gnuplot is missing or fails.
 */
int report_plots(const struct report *r, const char *dir, struct report_plot **plots,
		 char *err, size_t errlen);
void report_plots_free(struct report_plot *plots, size_t n);

/*
 * gnuplot (report_gnuplot.c), for report_plot.c's plots and a section's
 * own: <dir>/<name>.dat opened and closed (-1 with the reason), a string
 * field of it (report_dat_string(): quoted, '"' and control characters replaced),
 * and gnuplot on plots/<template>.gp making <name>.svg (@name of
 * [a-z0-9_-]; @numbers made of numbers; @strs name, value pairs,
 * NULL-terminated, each value passed as a quoted literal).
 */
FILE *report_plot_data(const char *dir, const char *name, char *err, size_t errlen);
int report_plot_data_close(FILE *f, const char *name, char *err, size_t errlen);
void report_dat_string(FILE *f, const char *s);
int report_gnuplot(const char *dir, const char *template, const char *name,
		   const char *numbers, const char *const *strs, char *err, size_t errlen);

/* @s as HTML text: &, <, >, " as entities, control characters but '\n' as '?'. */
void report_html_text(FILE *out, const char *s);

/*
 * The guest_memfd section (report_gmem.c): cost of the gmem/ benchmarks
 * per cell with the policy's refusals shown as "refused", the vm.gmem_
 * events, the gmem- probes' outcomes.  Absent -- nothing written, 0
 * returned, no plot -- when no cell has a gmem/ benchmark, a vm.gmem_
 * event or a gmem- probe.  -1 with the reason when a cell's probes.tap
 * does not read (a link, a FIFO).  report_gmem_plot(): gmem-to-private,
 * 1 drawn, 0 nothing to draw, -1 failed (as report_plots()).
 */
int report_gmem_md(const struct report *r, const struct report_plot *plots, size_t nr_plots,
		   FILE *out, char *err, size_t errlen);
int report_gmem_html(const struct report *r, const struct report_plot *plots,
		     size_t nr_plots, FILE *out, char *err, size_t errlen);
void report_gmem_email(const struct report *r, FILE *out);
int report_gmem_plot(const struct report *r, const char *dir, char *err, size_t errlen);
/*
 * Whether the policy refused @r's call in a repetition (bench/gmem.c's
 * per-item counter "refused" moved): its cost is no conversion's, and the
 * comparisons show "refused" in its place.
 */
bool report_refused(const struct cb_result *r);

/* index.html: the report with the plots' SVG inline; -1 on a write error. */
int report_html(const struct report *r, const char *dir, const struct report_plot *plots,
		size_t nr_plots, FILE *out, char *err, size_t errlen);

#endif
