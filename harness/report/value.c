// SPDX-License-Identifier: GPL-2.0
/* The value of a series of repetitions, by mode: see value.h. */
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "results.h"
#include "value.h"

enum cb_value_mode cb_value_mode_of(const char *mode)
{
	return mode && !strcmp(mode, "icount") ? CB_VALUE_ICOUNT : CB_VALUE_WALL;
}

double cb_series_value(const struct cb_series *s, enum cb_value_mode m)
{
	struct cb_stat st;

	cb_stat_compute(s, &st);
	return m == CB_VALUE_ICOUNT ? st.min : st.median;
}

const char *cb_value_name(enum cb_value_mode m)
{
	return m == CB_VALUE_ICOUNT ? "minimum" : "median";
}

void cb_stat_compute(const struct cb_series *s, struct cb_stat *st)
{
	double sorted[CB_MAX_REPS];

	memset(st, 0, sizeof(*st));
	st->n = s->n;
	if (!s->n)
		return;
	memcpy(sorted, s->v, s->n * sizeof(double));
	gsl_sort(sorted, 1, s->n);
	st->median = gsl_stats_median_from_sorted_data(sorted, 1, s->n);
	st->mean = gsl_stats_mean(sorted, 1, s->n);
	st->sd = s->n > 1 ? gsl_stats_sd_m(sorted, 1, s->n, st->mean) : 0.0;
	st->cv = st->mean != 0.0 ? st->sd / st->mean : 0.0;
	st->min = sorted[0];
	st->max = sorted[s->n - 1];
}
