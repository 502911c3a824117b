// SPDX-License-Identifier: GPL-2.0
/*
 * The report's plots: this file writes each plot's data (<name>.dat) and
 * runs gnuplot on a template from plots/ to make <name>.svg (both with
 * report_gnuplot.c's helpers).  The templates hold the look; here is only
 * what to draw.
 *
 *   change     per benchmark, each cell's change against the baseline with
 *              the 95% bootstrap interval (report_stats.c)
 *   fork-size  fork latency against resident size (fork/call/<size>)
 *   fault-size fault cost per page against region size (fault/<case>/<size>)
 *   events     kernel events per item that moved, per benchmark and cell
 *   gmem-to-private  guest_memfd conversion cost against size and mappers
 *              (report_gmem.c, with the same helpers)
 */
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"
#include "value.h"


static const char *unit(const struct report *r)
{
	return report_icount(r) ? "guest instructions" : "ns";
}

/*
 * change.dat: benchmark, then change, low, high per non-baseline cell that
 * has a change to show (gnuplot refuses a histogram column with no valid
 * point: a cell whose every benchmark failed or was skipped, say).
 */
static int plot_change(const struct report *r, const char *dir, char *err, size_t errlen)
{
	const struct report_cell *b = &r->cell[r->base];
	bool shown[CB_REPORT_MAX_CELLS] = { false };
	size_t rows = 0, ncells = 0;
	FILE *f;
	char numbers[128], *title, *ylabel;
	int ret;

	for (size_t i = 0; i < b->res.n; i++) {
		for (size_t c = 0; c < r->n; c++) {
			struct report_row row;

			/* a refused call's cost is no conversion's: no change (report_gmem.c) */
			if (c != r->base && !shown[c] && report_compare(r, c, i, &row) &&
			    !report_refused(row.base) && !report_refused(row.now)) {
				shown[c] = true;
				ncells++;
			}
		}
	}
	f = report_plot_data(dir, "change", err, errlen);
	if (!f)
		return -1;
	fprintf(f, "benchmark");
	for (size_t c = 0; c < r->n; c++) {
		if (shown[c]) {
			fputc(' ', f);
			report_dat_string(f, r->cell[c].name);
			fputs(" lo hi", f);
		}
	}
	fprintf(f, "\n");
	for (size_t i = 0; i < b->res.n && ncells; i++) {
		struct report_row row[CB_REPORT_MAX_CELLS];
		bool ok[CB_REPORT_MAX_CELLS], any = false;

		for (size_t c = 0; c < r->n; c++) {
			ok[c] = shown[c] && report_compare(r, c, i, &row[c]) &&
				!report_refused(row[c].base) && !report_refused(row[c].now);
			any |= ok[c];
		}
		if (!any)
			continue;
		report_dat_string(f, b->res.r[i].name);
		for (size_t c = 0; c < r->n; c++) {
			if (ok[c])
				fprintf(f, " %.4f %.4f %.4f", row[c].change, row[c].ci_lo,
					row[c].ci_hi);
			else if (shown[c])
				fprintf(f, " NaN NaN NaN");
		}
		fprintf(f, "\n");
		rows++;
	}
	if (report_plot_data_close(f, "change", err, errlen))
		return -1;
	if (!rows)
		return 0;
	title = cb_strdup_printf("Change of the %s against %s (95%% bootstrap interval)",
				 report_statistic(r), b->name);
	ylabel = cb_strdup_printf("%% change in %s per item", unit(r));
	snprintf(numbers, sizeof(numbers), "width=%zu; height=560; ncells=%zu",
		 600 + rows * 18 * ncells, ncells);
	ret = report_gnuplot(dir, "change", "change", numbers,
		      (const char *const[]){ "title", title, "ylabel", ylabel, NULL }, err,
		      errlen);
	free(title);
	free(ylabel);
	return ret ?: 1;
}

/* "fork/call/64MiB/thp:off": 64 (MiB), and "fork/call" + "thp:off" as the series. */
static bool split_size(const char *name, double *mib, char *series, size_t len)
{
	const char *a = strchr(name, '/'), *b = a ? strchr(a + 1, '/') : NULL, *c;
	char *end;
	double v;

	if (!b)
		return false;
	c = strchr(b + 1, '/');
	v = strtod(b + 1, &end);
	if (end == b + 1 || v <= 0)
		return false;
	if (!strncmp(end, "KiB", 3))
		v /= 1024;
	else if (!strncmp(end, "GiB", 3))
		v *= 1024;
	else if (strncmp(end, "MiB", 3))
		return false;
	*mib = v;
	snprintf(series, len, "%.*s%s%s", (int)(b - name), name, c ? " " : "", c ? c + 1 : "");
	return true;
}

/*
 * <name>.dat: one block per (cell, THP) of the benchmarks under @prefix
 * ("fault/reuse/": the case, so one plot per case),
 * rows by size.  @per_mib: the item is a MiB and the plot wants the whole
 * operation (per item x size), in millions.
 */
static int plot_vs_size(const struct report *r, const char *dir, const char *name,
			const char *prefix, bool per_mib, const char *what, char *err,
			size_t errlen)
{
	const struct cb_results *base = &r->cell[r->base].res;
	/* a series per benchmark at most: sized by the dataset, nothing dropped */
	char (*keys)[sizeof(base->r[0].name)] = calloc(base->n + 1, sizeof(*keys));
	size_t nr_keys = 0, blocks = 0;
	FILE *f;
	char numbers[128], *ylabel, *title;
	int ret;

	if (!keys) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* series in the baseline's order */
	for (size_t i = 0; i < base->n; i++) {
		char key[sizeof(keys[0])];
		double mib;
		size_t k;

		if (strncmp(base->r[i].name, prefix, strlen(prefix)) ||
		    !split_size(base->r[i].name, &mib, key, sizeof(key)))
			continue;
		for (k = 0; k < nr_keys && strcmp(keys[k], key); k++)
			;
		if (k == nr_keys)
			memcpy(keys[nr_keys++], key, sizeof(key));
	}
	if (!nr_keys) {
		free(keys);
		return 0;
	}
	f = report_plot_data(dir, name, err, errlen);
	if (!f) {
		free(keys);
		return -1;
	}
	for (size_t c = 0; c < r->n; c++) {
		const struct cb_results *res = &r->cell[c].res;
		double *sizes = calloc(res->n + 1, sizeof(*sizes));
		size_t *idx = calloc(res->n + 1, sizeof(*idx));

		for (size_t k = 0; k < nr_keys && sizes && idx; k++) {
			size_t rows = 0;
			char *series;

			for (size_t i = 0; i < res->n; i++) {
				char key[sizeof(keys[0])];
				double mib;

				if (res->r[i].kind == CB_RES_OK && res->r[i].ns_per_item.n &&
				    !strncmp(res->r[i].name, prefix, strlen(prefix)) &&
				    split_size(res->r[i].name, &mib, key, sizeof(key)) &&
				    !strcmp(key, keys[k])) {
					sizes[rows] = mib;
					idx[rows++] = i;
				}
			}
			if (!rows)
				continue;
			/* insertion sort by size: a handful of rows */
			for (size_t a = 1; a < rows; a++)
				for (size_t z = a; z > 0 && sizes[z] < sizes[z - 1]; z--) {
					double t = sizes[z];
					size_t u = idx[z];

					sizes[z] = sizes[z - 1];
					sizes[z - 1] = t;
					idx[z] = idx[z - 1];
					idx[z - 1] = u;
				}
			series = cb_strdup_printf("%s%s", r->cell[c].name,
						  strchr(keys[k], ' ') ?: "");
			fputs(blocks ? "\n\n" : "", f);
			report_dat_string(f, series);
			fputc('\n', f);
			free(series);
			for (size_t a = 0; a < rows; a++) {
				struct cb_stat st;
				double scale = per_mib ? sizes[a] / 1e6 : 1;

				cb_stat_compute(&res->r[idx[a]].ns_per_item, &st);
				fprintf(f, "%g %.6g %.6g %.6g\n", sizes[a],
					cb_series_value(&res->r[idx[a]].ns_per_item,
							cb_value_mode_of(r->mode)) * scale,
					st.min * scale, st.max * scale);
			}
			blocks++;
		}
		free(sizes);
		free(idx);
	}
	free(keys);
	if (report_plot_data_close(f, name, err, errlen))
		return -1;
	if (!blocks)
		return 0;
	if (per_mib)
		ylabel = cb_strdup_printf("%s per %s", report_icount(r) ?
					  "million guest instructions" : "ms", what);
	else
		ylabel = cb_strdup_printf("%s per %s", unit(r), what);
	title = cb_strdup_printf("%.*s: %s against size (%s, min..max of the repetitions)",
				 (int)strlen(prefix) - 1, prefix, ylabel, report_statistic(r));
	snprintf(numbers, sizeof(numbers), "width=1100; height=520; nseries=%zu; logy=%d",
		 blocks, !per_mib);
	ret = report_gnuplot(dir, "vs-size", name, numbers,
		      (const char *const[]){ "title", title, "xlabel", "size (MiB)", "ylabel",
					     ylabel, NULL }, err, errlen);
	free(title);
	free(ylabel);
	return ret ?: 1;
}

/* events.dat: per key event that moved, benchmark rows, one column per cell. */
static int plot_events(const struct report *r, const char *dir, char *err, size_t errlen)
{
	const struct report_cell *b = &r->cell[r->base];
	char *names = NULL, *cells = NULL, numbers[128];
	size_t nevents = 0, len;
	FILE *f = report_plot_data(dir, "events", err, errlen), *list;
	int ret;

	if (!f)
		return -1;
	struct cb_event_list all;

	cb_event_list_init(&all);
	for (size_t c = 0; c < r->n; c++)
		for (size_t i = 0; i < r->cell[c].res.n; i++)
			cb_event_list_add(&all, &r->cell[c].res.r[i]);
	list = open_memstream(&names, &len);
	for (size_t e = 0; e < all.n; e++) {
		const char *ev = all.name[e];
		size_t rows = 0;

		for (size_t i = 0; i < b->res.n; i++) {
			bool moved = false;
			double v[CB_REPORT_MAX_CELLS];

			for (size_t c = 0; c < r->n; c++) {
				const struct cb_result *res = cb_results_find(&r->cell[c].res,
									      b->res.r[i].name);

				v[c] = cb_result_event_median(res, ev);
				moved |= isfinite(v[c]) && v[c] != 0;
			}
			if (!moved)
				continue;
			if (!rows++) {
				fprintf(f, "%s# %s: benchmark", nevents ? "\n\n" : "", ev);
				for (size_t c = 0; c < r->n; c++) {
					fputc(' ', f);
					report_dat_string(f, r->cell[c].name);
				}
				fprintf(f, "\n");
			}
			report_dat_string(f, b->res.r[i].name);
			for (size_t c = 0; c < r->n; c++)
				fprintf(f, isfinite(v[c]) ? " %.6g" : " NaN", v[c]);
			fprintf(f, "\n");
		}
		/* cowbench's own event names: words without quotes or spaces */
		if (rows && list)
			fprintf(list, "%s%s", nevents++ ? " " : "", ev);
	}
	if (list)
		fclose(list);
	if (report_plot_data_close(f, "events", err, errlen) || !list) {
		free(names);
		return -1;
	}
	if (!nevents) {
		free(names);
		return 0;
	}
	/*
	 * events.gp picks the key titles with word(): cell names passed
	 * cb_dataset_name_ok() (no space, no quote), so each is one word.
	 */
	list = open_memstream(&cells, &len);
	if (!list) {
		free(names);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t c = 0; c < r->n; c++)
		fprintf(list, "%s%s", c ? " " : "", r->cell[c].name);
	fclose(list);
	snprintf(numbers, sizeof(numbers), "width=1100; height=%zu; nevents=%zu; ncells=%zu",
		 260 + 340 * nevents, nevents, r->n);
	ret = report_gnuplot(dir, "events", "events", numbers,
		      (const char *const[]){ "title", "Kernel events per item (median of the "
					     "repetitions)", "events", names, "cells", cells,
					     NULL }, err, errlen);
	free(names);
	free(cells);
	return ret ?: 1;
}

/* Record a drawn plot (@ret > 0) in @list (room made by the caller); pass errors on. */
static int drawn(int ret, const char *name, char *title, struct report_plot *list, size_t *n)
{
	if (ret > 0) {
		list[*n].svg = cb_strdup_printf("%s.svg", name);
		list[(*n)++].title = title;
	} else {
		free(title);
	}
	return ret < 0 ? -1 : 0;
}

/*
 * The file name of fault case @k, @len bytes at @name: fault-<case> when
 * the case is [a-z0-9-]+ (every case cowbench has), else fault-case_<k>,
 * which no such name can be -- a name from a dataset becomes a file name
 * only when it cannot be anything but a plain one.
 */
static char *fault_plot_name(const char *name, size_t len, size_t k)
{
	size_t plain = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-");

	if (len && plain >= len)
		return cb_strdup_printf("fault-%.*s", (int)len, name);
	return cb_strdup_printf("fault-case_%zu", k + 1);
}

void report_plots_free(struct report_plot *plots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(plots[i].svg);
		free(plots[i].title);
	}
	free(plots);
}

int report_plots(const struct report *r, const char *dir, struct report_plot **plots,
		 char *err, size_t errlen)
{
	const struct cb_results *base = &r->cell[r->base].res;
	/* a fault case per benchmark at most: sized by the dataset, nothing dropped */
	struct { const char *name; size_t len; } *cases = calloc(base->n + 1, sizeof(*cases));
	struct report_plot *list = NULL;
	size_t n = 0, nr_cases = 0;

	if (!cases) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* fault cost against size: one plot per fault case, in the profile's order */
	for (size_t i = 0; i < base->n; i++) {
		const char *name = base->r[i].name + 6, *end;
		size_t k, len;

		if (strncmp(base->r[i].name, "fault/", 6) || !(end = strchr(name, '/')))
			continue;
		len = (size_t)(end - name);
		for (k = 0; k < nr_cases && (cases[k].len != len ||
					     strncmp(cases[k].name, name, len)); k++)
			;
		if (k == nr_cases) {
			cases[nr_cases].name = name;
			cases[nr_cases++].len = len;
		}
	}
	/* change, fork-size, the cases, gmem-to-private, events */
	list = calloc(nr_cases + 4, sizeof(*list));
	if (!list) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (drawn(plot_change(r, dir, err, errlen), "change",
		  strdup("Change against the baseline, per benchmark"), list, &n) ||
	    drawn(plot_vs_size(r, dir, "fork-size", "fork/call/", true, "fork", err, errlen),
		  "fork-size", strdup("Fork latency against resident size"), list, &n))
		goto out;
	for (size_t k = 0; k < nr_cases; k++) {
		int len = (int)cases[k].len;
		char *prefix = cb_strdup_printf("fault/%.*s/", len, cases[k].name);
		char *file = fault_plot_name(cases[k].name, cases[k].len, k);
		int bad = drawn(plot_vs_size(r, dir, file, prefix, false, "page", err, errlen),
				file, cb_strdup_printf("Fault cost against size: %.*s", len,
						       cases[k].name), list, &n);

		free(prefix);
		free(file);
		if (bad)
			goto out;
	}
	if (drawn(report_gmem_plot(r, dir, err, errlen), "gmem-to-private",
		  strdup("guest_memfd conversion to private against size and mappers"), list,
		  &n) ||
	    drawn(plot_events(r, dir, err, errlen), "events", strdup("Kernel events per item"),
		  list, &n))
		goto out;
	*plots = list;
	free(cases);
	return (int)n;
out:
	report_plots_free(list, n);
	free(cases);
	return -1;
}
