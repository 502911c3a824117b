// SPDX-License-Identifier: GPL-2.0
/*
 * The comparison behind every line of a report: medians, CV, a 95%
 * bootstrap interval of the change of the median, and whether the change
 * is marked.
 *
 * In icount mode the numbers are guest instructions and repeat exactly, so
 * a plain threshold marks a change (beyond 0.5% and beyond twice the range
 * of either side's repetitions, as `check` gates: fork's repetitions move
 * by several % even in icount mode).  In wall-clock modes a two-sided
 * Mann-Whitney U test on the repetitions, p < 0.05.
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

#define BOOTSTRAP_RESAMPLES 2000
#define BOOTSTRAP_SEED 29374

bool report_icount(const struct report *r)
{
	return !strcmp(r->mode, "icount");
}

const char *report_method(const struct report *r)
{
	return report_icount(r) ?
	       "the numbers are guest instructions per item (icount: the guest clock "
	       "counts instructions); a change is marked beyond 0.5% and beyond twice "
	       "the range of either side's repetitions." :
	       "the numbers are nanoseconds per item; a change is marked when a "
	       "two-sided Mann-Whitney U test on the repetitions gives p < 0.05.";
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

/* (max - min) / median of the repetitions, in %. */
static double range_pct(const struct cb_series *s)
{
	struct cb_stat st;

	cb_stat_compute(s, &st);
	return st.median > 0 ? (st.max - st.min) / st.median * 100 : 0;
}

static double resampled_median(gsl_rng *rng, const struct cb_series *s, double *scratch)
{
	gsl_ran_sample(rng, scratch, s->n, (void *)s->v, s->n, sizeof(double));
	gsl_sort(scratch, 1, s->n);
	return gsl_stats_median_from_sorted_data(scratch, 1, s->n);
}

/* 95% percentile-bootstrap interval of the change of the median, in %. */
static void bootstrap_change(const struct cb_series *base, const struct cb_series *now,
			     double *lo, double *hi)
{
	static double change[BOOTSTRAP_RESAMPLES];
	double scratch[CB_MAX_REPS];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t k = 0;

	gsl_rng_set(rng, BOOTSTRAP_SEED);
	for (size_t i = 0; i < BOOTSTRAP_RESAMPLES; i++) {
		double mb = resampled_median(rng, base, scratch);
		double mn = resampled_median(rng, now, scratch);

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
	row->base_median = sb.median;
	row->now_median = sn.median;
	row->cv_base = sb.cv * 100;
	row->cv_now = sn.cv * 100;
	row->change = sb.median > 0 ? (sn.median - sb.median) / sb.median * 100 : 0;
	bootstrap_change(&row->base->ns_per_item, &row->now->ns_per_item, &row->ci_lo,
			 &row->ci_hi);
	if (report_icount(r)) {
		row->p = NAN;
		row->significant = fabs(row->change) >
				   fmax(CB_REPORT_ICOUNT_THRESHOLD,
					2 * fmax(range_pct(&row->base->ns_per_item),
						 range_pct(&row->now->ns_per_item)));
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
