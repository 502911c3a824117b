/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The value of a benchmark: one number from its repetitions, decided here
 * and nowhere else.  Every table, plot, check and baseline asks
 * cb_series_value() and names the statistic with cb_value_name().
 *
 * In icount mode the numbers are guest instructions.  The same work
 * executes the same instructions; an interrupt or a kworker landing in a
 * repetition only adds.  So the value is the minimum over the repetitions:
 * what the work costs.  In wall-clock modes noise goes both ways, and the
 * value is the median.
 */
#ifndef CB_VALUE_H
#define CB_VALUE_H

struct cb_series;		/* results.h */

enum cb_value_mode {
	CB_VALUE_WALL,		/* wall clock (a dataset's "kvm", "tcg", "wall"): the median */
	CB_VALUE_ICOUNT,	/* guest instructions ("icount"): the minimum */
};

/* The value mode of a dataset's or baseline's mode name: "icount" or another. */
enum cb_value_mode cb_value_mode_of(const char *mode);
/* The value of @s in mode @m: 0 for no repetition. */
double cb_series_value(const struct cb_series *s, enum cb_value_mode m);
/* What cb_series_value() takes in mode @m: "minimum" or "median". */
const char *cb_value_name(enum cb_value_mode m);

#endif
