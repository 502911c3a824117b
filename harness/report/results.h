/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One suite's Google benchmark JSON, read back: per benchmark, the per-item
 * time and per-item events of every repetition, or why it was skipped or
 * failed.  Plus the statistics the run summary prints (GSL).
 */
#ifndef CB_RESULTS_H
#define CB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "value.h"

/*
 * Limits of what one suite's JSON may hold.  A file beyond any of them is
 * refused with the limit in the message, never cut to fit: a dataset is
 * untrusted input (it travels as a CI artifact or a mail attachment).
 */
#define CB_MAX_REPS 64		/* repetitions of one benchmark */
#define CB_MAX_EVENTS 48	/* event counters of one benchmark (real: up to 14) */
#define CB_MAX_RESULTS 1024	/* benchmarks in one file (the default profile: ~100) */
/*
 * A cost or an event count per item beyond this is not a measurement
 * (1e15 ns is eleven days per page); it would overflow the statistics.
 */
#define CB_MAX_VALUE 1e15

struct cb_series {
	size_t n;
	double v[CB_MAX_REPS];
};

struct cb_event_series {
	char name[64];		/* counter name without "_per_item": "vm.pgfault" */
	struct cb_series s;
};

/*
 * How a benchmark's rows ended: measured, skipped with a reason
 * ("skipped: ..."), not run because the runner was interrupted before it
 * ("interrupted: ...", bench/shim.cc; run --resume runs it), or failed.
 */
enum cb_result_kind { CB_RES_OK, CB_RES_SKIPPED, CB_RES_INTERRUPTED, CB_RES_ERROR };
#define CB_RESULT_SKIPPED_PREFIX "skipped: "
#define CB_RESULT_INTERRUPTED_PREFIX "interrupted: "

struct cb_result {
	char name[160];		/* "fault/anon/2MiB/thp:off" */
	char item[16];		/* "page", "MiB" */
	enum cb_result_kind kind;
	char message[512];	/* reason of a skip or error */
	struct cb_series ns_per_item;
	size_t nr_events;
	struct cb_event_series events[CB_MAX_EVENTS];
};

struct cb_results {
	size_t n;
	struct cb_result *r;
};

struct cb_stat {
	size_t n;
	double median, mean, sd, cv, min, max;
};

/*
 * Google benchmark decorates names ("/iterations:64/manual_time"); strip
 * that back to the cowbench name, in place.
 */
void cb_result_base_name(char *name);
/* A copy of JSON text with bare NaN/inf tokens replaced by null. */
char *cb_json_nonfinite_to_null(const char *text);
/*
 * Whether @name may be a benchmark name: 1 to 159 bytes of printable ASCII
 * (0x20-0x7e).  Names reach terminals, Markdown, HTML and gnuplot: those
 * escape what is special to them, and no control byte reaches any of them.
 */
bool cb_result_name_ok(const char *name);
/*
 * Parse a suite's JSON; -1 with a message naming the file and the problem.
 * The file is untrusted: it must be a regular file within the input size
 * limit; every name must pass cb_result_name_ok(); every cost per item must
 * be finite, positive and below CB_MAX_VALUE, every event count finite
 * and within +-CB_MAX_VALUE; nothing beyond the CB_MAX_* tables.
 */
int cb_results_load(const char *path, struct cb_results *out, char *err, size_t errlen);
void cb_results_free(struct cb_results *res);
const struct cb_result *cb_results_find(const struct cb_results *res, const char *name);
/* Median, mean, sd, cv, min, max of @s (value.c, beside the value rule). */
void cb_stat_compute(const struct cb_series *s, struct cb_stat *st);

struct cb_completeness {
	size_t expected, ok, skipped, interrupted, errors, missing;
};
/*
 * Check that every benchmark the profile runs (and @filter, a POSIX ERE or
 * NULL, selects) has a result or an explicit skip; print the missing and the
 * failed to @out.
 */
int cb_results_check(const struct cb_results *res, bool quick, const char *filter,
		     struct cb_completeness *c, FILE *out);
/* How many benchmarks of the profile @filter selects; -1 for a bad regex. */
int cb_filter_count(bool quick, const char *filter);
/* The vm events summaries show beside time per item. */
extern const char *const cb_key_events[];
extern const size_t cb_nr_key_events;
/*
 * Whether @name ("vm.ro_pin_shared") is one of the cowbench series' own
 * events, by its family's prefix (vm.cow_*, vm.ro_pin_*, vm.fork_*,
 * vm.gmem_*, ...): what
 * a later patch adds is shown as a key event without a change here.  Only
 * a plain word of [a-z0-9_.], at most 48 bytes: the names come from a
 * dataset and reach gnuplot and Markdown as they are.
 */
bool cb_series_event(const char *name);
/*
 * The events a table shows: cb_key_events, then each series event a
 * result has that they do not list, in the order first met.  The names
 * are borrowed (static, or the results'), valid while the results are.
 */
#define CB_EVENT_LIST_MAX 128
struct cb_event_list {
	size_t n;
	const char *name[CB_EVENT_LIST_MAX];
};
void cb_event_list_init(struct cb_event_list *l);
void cb_event_list_add(struct cb_event_list *l, const struct cb_result *r);
/*
 * Median per item of event @name over @r's repetitions: 0 when it never
 * moved (counters are written only when non-zero), NAN for no measurement
 * (@r NULL, skipped or failed).
 */
double cb_result_event_median(const struct cb_result *r, const char *name);
/*
 * The run's summary table: per benchmark its value in @mode
 * (cb_series_value(), the column named by cb_value_name()), CV, key
 * events per item, then the skips.
 */
void cb_results_print_value(const struct cb_results *res, enum cb_value_mode mode, FILE *out);
/* cb_results_print_value() of the median (wall-clock modes). */
void cb_results_print(const struct cb_results *res, FILE *out);

#endif
