// SPDX-License-Identifier: GPL-2.0
/*
 * The comparison behind every line of a report: one value per side, CV, a
 * 95% bootstrap interval of the change of the value, and whether the
 * change is marked.
 *
 * In icount mode the numbers are guest instructions.  The same work
 * executes the same instructions; an interrupt or a kworker landing in a
 * repetition only adds.  So the value (cb_series_value(), value.h) is the
 * minimum over the repetitions (as `check` gates) and a threshold marks a
 * change: 0.5%, or twice the gap between either side's two lowest
 * repetitions where they are not exact.  In wall-clock modes noise goes
 * both ways: the value is the median, and a two-sided Mann-Whitney U test
 * on the repetitions, p < 0.05, marks it.
 *
 * The bootstrap resamples both sides' repetitions (GSL, Mersenne twister
 * with a fixed seed: the same dataset gives the same report, byte for
 * byte, which a checked-in reference report needs).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "report.h"
#include "value.h"

#define BOOTSTRAP_RESAMPLES 2000
#define BOOTSTRAP_SEED 29374

bool report_icount(const struct report *r)
{
	return cb_value_mode_of(r->mode) == CB_VALUE_ICOUNT;
}

double report_icount_limit(const struct report *r, const char *name, double gap_pct)
{
	const struct cb_base_entry *e = cb_baseline_find(&r->floors, name);

	/* with floors, check's rule; the repetitions' gap only widens it */
	if (e)
		return fmax(cb_gate_limit(name, cb_icount_threshold(e->boots), e->floor_pct, NULL),
			    2 * gap_pct);
	return fmax(cb_gate_limit(name, CB_REPORT_ICOUNT_THRESHOLD, 0, NULL), 2 * gap_pct);
}

const char *report_method(const struct report *r)
{
	if (r->floors.n && report_icount(r))
		return r->method;
	return report_icount(r) ?
	       CB_REPORT_ICOUNT_METHOD " and beyond twice the gap between either side's "
	       "two lowest repetitions." :
	       "the numbers are nanoseconds per item, the median of the repetitions; a "
	       "change is marked when a two-sided Mann-Whitney U test on the repetitions "
	       "gives p < 0.05.";
}

const char *report_statistic(const struct report *r)
{
	return cb_value_name(cb_value_mode_of(r->mode));
}

/*
 * Two-sided Mann-Whitney U p-value, normal approximation with tie
 * correction (GSL's normal tail); 1 when either side has fewer than 2.
 */
static double mann_whitney_p(const struct cb_series *a, const struct cb_series *b)
{
	double pooled[2 * CB_MAX_REPS], u = 0, ties = 0, mu, sigma, z;
	double n1 = (double)a->n, n2 = (double)b->n;
	size_t n = a->n + b->n;

	if (a->n < 2 || b->n < 2)
		return 1;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			u += a->v[i] > b->v[j] ? 1 : a->v[i] == b->v[j] ? 0.5 : 0;
	/* tie groups: runs of equal values in the sorted pooled sample */
	memcpy(pooled, a->v, a->n * sizeof(double));
	memcpy(pooled + a->n, b->v, b->n * sizeof(double));
	gsl_sort(pooled, 1, n);
	for (size_t i = 0, j; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && pooled[j] == pooled[i]; j++)
			;
		t = (double)(j - i);
		ties += t * t * t - t;
	}
	mu = n1 * n2 / 2;
	sigma = sqrt(n1 * n2 / 12 * ((double)n + 1 - ties / ((double)n * ((double)n - 1))));
	if (sigma == 0)
		return 1;
	z = (fabs(u - mu) - 0.5) / sigma;
	return fmin(1, 2 * gsl_cdf_ugaussian_Q(z > 0 ? z : 0));
}

/*
 * How far apart the two lowest of the @n sorted repetitions are, in %: 0
 * on an exact path, where undisturbed repetitions agree to the instruction
 * and a hit one only reads higher.  Fork is not exact -- which task runs
 * first decides how much work lands in the measured window, both ways
 * (fork/call/64MiB: 65897 to 83969 within one boot) -- and a single boot
 * cannot tell its noise from a change.
 */
static double low_spread_pct(const double *sorted, size_t n)
{
	return n > 1 && sorted[0] > 0 ? (sorted[1] - sorted[0]) / sorted[0] * 100 : 0;
}

/* The two lowest repetitions' gap of @s, in % (low_spread_pct()). */
static double series_low_spread_pct(const struct cb_series *s)
{
	double sorted[CB_MAX_REPS];

	memcpy(sorted, s->v, s->n * sizeof(double));
	gsl_sort(sorted, 1, s->n);
	return low_spread_pct(sorted, s->n);
}

/* The value of a resample (with replacement) of @s. */
static double resampled(gsl_rng *rng, const struct cb_series *s, struct cb_series *scratch,
			enum cb_value_mode mode)
{
	scratch->n = s->n;
	gsl_ran_sample(rng, scratch->v, s->n, (void *)s->v, s->n, sizeof(double));
	return cb_series_value(scratch, mode);
}

/* 95% percentile-bootstrap interval of the change of the value, in %. */
static void bootstrap_change(const struct cb_series *base, const struct cb_series *now,
			     enum cb_value_mode mode, double *lo, double *hi)
{
	static double change[BOOTSTRAP_RESAMPLES];
	struct cb_series scratch;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t k = 0;

	gsl_rng_set(rng, BOOTSTRAP_SEED);
	for (size_t i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
		double mb = resampled(rng, base, &scratch, mode);
		double mn = resampled(rng, now, &scratch, mode);

		if (mb > 0)
			change[k++] = (mn - mb) / mb * 100;
	}
	gsl_rng_free(rng);
	if (!k) {
		*lo = *hi = NAN;
		return;
	}
	gsl_sort(change, 1, k);
	*lo = gsl_stats_quantile_from_sorted_data(change, 1, k, 0.025);
	*hi = gsl_stats_quantile_from_sorted_data(change, 1, k, 0.975);
}

bool report_compare(const struct report *r, size_t c, size_t i, struct report_row *row)
{
	const struct report_cell *b = &r->cell[r->base], *n = &r->cell[c];
	enum cb_value_mode mode = cb_value_mode_of(r->mode);
	struct cb_stat sb, sn;

	memset(row, 0, sizeof(*row));
	if (i >= b->res.n)
		return false;
	row->base = &b->res.r[i];
	row->name = row->base->name;
	row->now = cb_results_find(&n->res, row->name);
	if (row->base->kind != CB_RES_OK || !row->now || row->now->kind != CB_RES_OK ||
	    !row->base->ns_per_item.n || !row->now->ns_per_item.n)
		return false;
	cb_stat_compute(&row->base->ns_per_item, &sb);
	cb_stat_compute(&row->now->ns_per_item, &sn);
	row->base_value = cb_series_value(&row->base->ns_per_item, mode);
	row->now_value = cb_series_value(&row->now->ns_per_item, mode);
	row->cv_base = sb.cv * 100;
	row->cv_now = sn.cv * 100;
	row->change = row->base_value > 0 ?
		      (row->now_value - row->base_value) / row->base_value * 100 : 0;
	bootstrap_change(&row->base->ns_per_item, &row->now->ns_per_item, mode, &row->ci_lo,
			 &row->ci_hi);
	if (mode == CB_VALUE_ICOUNT) {
		double spread = fmax(series_low_spread_pct(&row->base->ns_per_item),
				     series_low_spread_pct(&row->now->ns_per_item));

		row->p = NAN;
		row->significant = fabs(row->change) > report_icount_limit(r, row->name, spread);
	} else {
		row->p = mann_whitney_p(&row->base->ns_per_item, &row->now->ns_per_item);
		row->significant = row->p < CB_REPORT_P_LIMIT;
	}
	return true;
}

size_t report_fewest_repetitions(const struct report *r)
{
	size_t fewest = SIZE_MAX;

	for (size_t c = 0; c < r->n; c++)
		for (size_t i = 0; i < r->cell[c].res.n; i++)
			if (r->cell[c].res.r[i].kind == CB_RES_OK &&
			    r->cell[c].res.r[i].ns_per_item.n < fewest)
				fewest = r->cell[c].res.r[i].ns_per_item.n;
	return fewest;
}
