// SPDX-License-Identifier: GPL-2.0
/*
 * The report's plots: this file writes each plot's data (<name>.dat) and
 * runs gnuplot on a template from plots/ to make <name>.svg.  The
 * templates hold the look; here is only what to draw.
 *
 *   change     per benchmark, each cell's change against the baseline with
 *              the 95% bootstrap interval (report_stats.c)
 *   fork-size  fork latency against resident size (fork/call/<size>)
 *   fault-size fault cost per page against region size (fault/<case>/<size>)
 *   events     kernel events per item that moved, per benchmark and cell
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include "report.h"
#include "util.h"

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

#define MAX_SERIES 256

/* A gnuplot string literal's content: no quote can end it early. */
static void gp_clean(char *s)
{
	for (; *s; s++)
		if (*s == '\'' || *s == '"' || *s == '\\')
			*s = '_';
}

/*
 * gnuplot -e "dir='plots'; data='...'; out='...'; <vars>" plots/<template>.gp
 * with its messages in <dir>/gnuplot.log.
 */
static int gnuplot(const char *dir, const char *template, const char *name, const char *vars,
		   char *err, size_t errlen)
{
	char *plots = cb_path(COWBENCH_SOURCE_DIR, "plots");
	char *script = cb_strdup_printf("%s/%s.gp", plots, template);
	char *data = cb_strdup_printf("%s/%s.dat", dir, name);
	char *svg = cb_strdup_printf("%s/%s.svg", dir, name);
	char *log = cb_path(dir, "gnuplot.log");
	char *setup = cb_strdup_printf("dir='%s'; data='%s'; out='%s'; %s", plots, data, svg,
				       vars);
	char *argv[] = { "gnuplot", "-e", setup, script, NULL };
	int status = -1, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(err, errlen, "gnuplot not found: install it (scripts/deps.sh "
				 "installs gnuplot-nox)");
		else
			snprintf(err, errlen, "gnuplot failed on %s with %s: see %s", script, data,
				 log);
		status = -1;
	} else {
		status = 0;
	}
	free(plots);
	free(script);
	free(data);
	free(svg);
	free(log);
	free(setup);
	return status;
}

static FILE *open_data(const char *dir, const char *name, char *err, size_t errlen)
{
	char *path = cb_strdup_printf("%s/%s.dat", dir, name);
	FILE *f = fopen(path, "w");

	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	free(path);
	return f;
}

static int close_data(FILE *f, const char *name, char *err, size_t errlen)
{
	if (fclose(f)) {
		snprintf(err, errlen, "%s.dat: write failed", name);
		return -1;
	}
	return 0;
}

static const char *unit(const struct report *r)
{
	return report_icount(r) ? "guest instructions" : "ns";
}

/* change.dat: benchmark, then change, low, high per non-baseline cell. */
static int plot_change(const struct report *r, const char *dir, char *err, size_t errlen)
{
	const struct report_cell *b = &r->cell[r->base];
	size_t rows = 0;
	FILE *f = open_data(dir, "change", err, errlen);
	char vars[512], title[256];

	if (!f)
		return -1;
	fprintf(f, "benchmark");
	for (size_t c = 0; c < r->n; c++)
		if (c != r->base)
			fprintf(f, " \"%s\" lo hi", r->cell[c].name);
	fprintf(f, "\n");
	for (size_t i = 0; i < b->res.n; i++) {
		struct report_row row;
		bool any = false;
		char line[2048];
		size_t used = (size_t)snprintf(line, sizeof(line), "\"%s\"", b->res.r[i].name);

		for (size_t c = 0; c < r->n; c++) {
			if (c == r->base)
				continue;
			if (report_compare(r, c, i, &row)) {
				any = true;
				used += (size_t)snprintf(line + used, sizeof(line) - used,
							 " %.4f %.4f %.4f", row.change,
							 row.ci_lo, row.ci_hi);
			} else {
				used += (size_t)snprintf(line + used, sizeof(line) - used,
							 " NaN NaN NaN");
			}
			if (used >= sizeof(line))
				used = sizeof(line) - 1;
		}
		if (any) {
			fprintf(f, "%s\n", line);
			rows++;
		}
	}
	if (close_data(f, "change", err, errlen))
		return -1;
	if (!rows)
		return 0;
	snprintf(title, sizeof(title), "Change of the %s against %s (95%% bootstrap interval)",
		 report_statistic(r), b->name);
	gp_clean(title);
	snprintf(vars, sizeof(vars),
		 "title='%s'; width=%zu; height=560; ncells=%zu; ylabel='%% change in %s per item'",
		 title, 600 + rows * 18 * (r->n - 1), r->n - 1, unit(r));
	return gnuplot(dir, "change", "change", vars, err, errlen) ?: 1;
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
	static char keys[MAX_SERIES][160];
	size_t nr_keys = 0, blocks = 0;
	FILE *f;
	char vars[768], ylabel[160], title[256];

	/* series in the baseline's order */
	for (size_t i = 0; i < r->cell[r->base].res.n; i++) {
		char key[160];
		double mib;
		size_t k;

		if (strncmp(r->cell[r->base].res.r[i].name, prefix, strlen(prefix)) ||
		    !split_size(r->cell[r->base].res.r[i].name, &mib, key, sizeof(key)))
			continue;
		for (k = 0; k < nr_keys && strcmp(keys[k], key); k++)
			;
		if (k == nr_keys && nr_keys < MAX_SERIES)
			snprintf(keys[nr_keys++], sizeof(keys[0]), "%s", key);
	}
	if (!nr_keys)
		return 0;
	f = open_data(dir, name, err, errlen);
	if (!f)
		return -1;
	for (size_t c = 0; c < r->n; c++) {
		const struct cb_results *res = &r->cell[c].res;

		for (size_t k = 0; k < nr_keys; k++) {
			double sizes[CB_MAX_REPS * 4];
			size_t idx[CB_MAX_REPS * 4], rows = 0;

			for (size_t i = 0; i < res->n && rows < sizeof(idx) / sizeof(idx[0]); i++) {
				char key[160];
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
			fprintf(f, "%s\"%s%s\"\n", blocks ? "\n\n" : "", r->cell[c].name,
				strchr(keys[k], ' ') ?: "");
			for (size_t a = 0; a < rows; a++) {
				struct cb_stat st;
				double scale = per_mib ? sizes[a] / 1e6 : 1;

				cb_stat_compute(&res->r[idx[a]].ns_per_item, &st);
				fprintf(f, "%g %.6g %.6g %.6g\n", sizes[a],
					(report_icount(r) ? st.min : st.median) * scale,
					st.min * scale, st.max * scale);
			}
			blocks++;
		}
	}
	if (close_data(f, name, err, errlen))
		return -1;
	if (!blocks)
		return 0;
	if (per_mib)
		snprintf(ylabel, sizeof(ylabel), "%s per %s", report_icount(r) ?
			 "million guest instructions" : "ms", what);
	else
		snprintf(ylabel, sizeof(ylabel), "%s per %s", unit(r), what);
	snprintf(title, sizeof(title), "%.*s: %s against size (%s, min..max of the "
		 "repetitions)", (int)strlen(prefix) - 1, prefix, ylabel, report_statistic(r));
	gp_clean(title);
	snprintf(vars, sizeof(vars), "title='%s'; width=1100; height=520; nseries=%zu; "
		 "xlabel='size (MiB)'; ylabel='%s'; logy=%d", title, blocks, ylabel, !per_mib);
	return gnuplot(dir, "vs-size", name, vars, err, errlen) ?: 1;
}

/* events.dat: per key event that moved, benchmark rows, one column per cell. */
static int plot_events(const struct report *r, const char *dir, char *err, size_t errlen)
{
	const struct report_cell *b = &r->cell[r->base];
	char names[1024] = "", cells[2048] = "", vars[4096];
	size_t used = 0, nevents = 0, cells_used = 0;
	FILE *f = open_data(dir, "events", err, errlen);

	if (!f)
		return -1;
	for (size_t e = 0; e < cb_nr_key_events; e++) {
		const char *ev = cb_key_events[e];
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
				for (size_t c = 0; c < r->n; c++)
					fprintf(f, " \"%s\"", r->cell[c].name);
				fprintf(f, "\n");
			}
			fprintf(f, "\"%s\"", b->res.r[i].name);
			for (size_t c = 0; c < r->n; c++)
				fprintf(f, isfinite(v[c]) ? " %.6g" : " NaN", v[c]);
			fprintf(f, "\n");
		}
		if (rows) {
			nevents++;
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? " " : "", ev);
			if (used >= sizeof(names))
				used = sizeof(names) - 1;
		}
	}
	if (close_data(f, "events", err, errlen))
		return -1;
	if (!nevents)
		return 0;
	for (size_t c = 0; c < r->n; c++) {
		char cell[160];

		snprintf(cell, sizeof(cell), "%s", r->cell[c].name);
		gp_clean(cell);
		cells_used += (size_t)snprintf(cells + cells_used, sizeof(cells) - cells_used,
					       "%s%s", c ? " " : "", cell);
		if (cells_used >= sizeof(cells))
			cells_used = sizeof(cells) - 1;
	}
	snprintf(vars, sizeof(vars), "title='Kernel events per item (median of the "
		 "repetitions)'; width=1100; height=%zu; nevents=%zu; ncells=%zu; events='%s'; "
		 "cells='%s'", 260 + 340 * nevents, nevents, r->n, names, cells);
	return gnuplot(dir, "events", "events", vars, err, errlen) ?: 1;
}

/* Record a drawn plot (@ret > 0) in the caller's lists; pass errors on. */
static int drawn(int ret, const char *name, char *title, char **svgs, char **titles, size_t *n,
		 size_t max)
{
	if (ret > 0 && *n + 1 < max) {
		titles[*n] = title;
		svgs[(*n)++] = cb_strdup_printf("%s.svg", name);
		svgs[*n] = titles[*n] = NULL;
	} else {
		free(title);
	}
	return ret < 0 ? -1 : 0;
}

int report_plots(const struct report *r, const char *dir, char **svgs, char **titles,
		 size_t max, char *err, size_t errlen)
{
	const struct cb_results *base = &r->cell[r->base].res;
	char cases[16][64];
	size_t n = 0, nr_cases = 0;

	svgs[0] = titles[0] = NULL;
	if (drawn(plot_change(r, dir, err, errlen), "change",
		  strdup("Change against the baseline, per benchmark"), svgs, titles, &n, max) ||
	    drawn(plot_vs_size(r, dir, "fork-size", "fork/call/", true, "fork", err, errlen),
		  "fork-size", strdup("Fork latency against resident size"), svgs, titles, &n,
		  max))
		return -1;
	/* fault cost against size: one plot per fault case, in the profile's order */
	for (size_t i = 0; i < base->n; i++) {
		const char *name = base->r[i].name, *end;
		size_t k, len;

		if (strncmp(name, "fault/", 6) || !(end = strchr(name + 6, '/')))
			continue;
		len = (size_t)(end - (name + 6));
		for (k = 0; k < nr_cases && (strlen(cases[k]) != len ||
					     strncmp(cases[k], name + 6, len)); k++)
			;
		if (k == nr_cases && nr_cases < 16 && len < sizeof(cases[0]))
			snprintf(cases[nr_cases++], sizeof(cases[0]), "%.*s", (int)len, name + 6);
	}
	for (size_t k = 0; k < nr_cases; k++) {
		char *prefix = cb_strdup_printf("fault/%s/", cases[k]);
		char *file = cb_strdup_printf("fault-%s", cases[k]);
		int ret = drawn(plot_vs_size(r, dir, file, prefix, false, "page", err, errlen),
				file, cb_strdup_printf("Fault cost against size: %s", cases[k]),
				svgs, titles, &n, max);

		free(prefix);
		free(file);
		if (ret)
			return -1;
	}
	return drawn(plot_events(r, dir, err, errlen), "events",
		     strdup("Kernel events per item"), svgs, titles, &n, max);
}
