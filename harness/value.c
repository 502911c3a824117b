// SPDX-License-Identifier: GPL-2.0
/* The value of a series of repetitions, by mode: see value.h. */
#include <string.h>

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
