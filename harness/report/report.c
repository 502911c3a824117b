// SPDX-License-Identifier: GPL-2.0
/*
 * The report's library (cmd_report.c parses the arguments and calls it):
 * loading the datasets' cells and picking the baseline cell, --floors,
 * report.md and email.txt, the provenance and events text every writer
 * shows (report_html.c's too), and putting the report in place.  Writes,
 * into DIR:
 *
 *   report.md   per benchmark: baseline and each other cell, medians,
 *               % change, its 95% bootstrap interval, the mark, CV, key
 *               events per item; the correctness matrix beside the numbers;
 *               the guest_memfd section where a cell has gmem data
 *               (report_gmem.c); provenance
 *   index.html  the same, self-contained with the plots inline (report_html.c)
 *   email.txt   the 0-day bot's %change idiom, within 72 columns
 *   *.svg       gnuplot plots from plots/ templates, with their data (*.dat)
 *
 * The statistics are in report_stats.c.  Everything is written into a
 * scratch directory beside DIR and put in its place in one rename only
 * when every part is done: an input that does not read, or a plot that
 * fails, leaves no partial report behind, and a new report replaces an
 * old one whole (no stale plots).
 *
 * Datasets are untrusted input (CI artifacts, mail attachments): every
 * string from one is escaped for the sink it reaches -- report_md_text()
 * for Markdown, control characters replaced in plain text -- a cell name
 * becomes a path only through cb_dataset_cell_dir(), and no shell runs.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "dataset.h"
#include "matrix.h"
#include "report.h"
#include "results.h"
#include "util.h"

#define EMAIL_WIDTH 72

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

static int load(struct report *r, char **datasets, int nr, char *err, size_t errlen)
{
	/* every dataset has a cell at least */
	if (nr > CB_REPORT_MAX_CELLS) {
		snprintf(err, errlen, "%d datasets: a report compares at most %d cells", nr,
			 CB_REPORT_MAX_CELLS);
		return -1;
	}
	for (int d = 0; d < nr; d++) {
		json_t *meta = cb_dataset_read_meta(datasets[d], err, errlen), *s;
		const char *mode;
		size_t i;

		if (!meta)
			return -1;
		r->metas[r->nr_metas++] = meta;
		mode = json_string_value(json_object_get(meta, "mode")) ?: "?";
		if (!r->mode)
			r->mode = mode;
		if (strcmp(r->mode, mode)) {
			snprintf(err, errlen, "%s: %s mode, but %s is %s mode: numbers of two modes "
				 "are not compared", datasets[d], mode, datasets[0], r->mode);
			return -1;
		}
		if (!json_array_size(json_object_get(meta, "cells"))) {
			snprintf(err, errlen, "%s: empty dataset: meta.json lists no cells",
				 datasets[d]);
			return -1;
		}
		json_array_foreach(json_object_get(meta, "cells"), i, s) {
			struct report_cell *c = &r->cell[r->n];
			const char *name = json_string_value(json_object_get(s, "cell"));
			const char *status = json_string_value(json_object_get(s, "status")) ?: "?";
			char *dir, *path;
			struct stat st;
			int ret;

			if (r->n == CB_REPORT_MAX_CELLS) {
				snprintf(err, errlen, "%s: more cells than the %d a report compares",
					 datasets[d], CB_REPORT_MAX_CELLS);
				return -1;
			}
			dir = cb_dataset_cell_dir(datasets[d], name, err, errlen);
			if (!dir) {
				/* a cell that did not run has no directory: say how it ended */
				if (cb_dataset_name_ok(name))
					snprintf(err + strlen(err), errlen - strlen(err),
						 " (cell %s, status %s)", name, status);
				return -1;
			}
			path = cb_path(dir, "micro.json");
			if (lstat(path, &st) && errno == ENOENT) {
				snprintf(err, errlen, "%s: missing (cell %s, status %s)", path, name,
					 status);
				ret = -1;
			} else {
				ret = cb_results_load(path, &c->res, err, errlen);
			}
			free(path);
			free(dir);
			if (ret)
				return -1;
			/* The same cell in two datasets: name them apart. */
			snprintf(c->name, sizeof(c->name), "%s", name);
			for (size_t k = 0; k < r->n; k++)
				if (!strcmp(r->cell[k].name, name))
					snprintf(c->name, sizeof(c->name), "%s@%d", name, d + 1);
			c->dataset = datasets[d];
			c->meta = s;
			r->n++;
		}
	}
	return 0;
}

/*
 * --floors: a baseline's noise floors, only where they were measured for
 * what the report compares (mode, QEMU, kernel config and job of the
 * baseline cell); the series and command line may differ, they are what
 * the cells compare.
 */
int report_load_floors(struct report *r, const char *file, char *err, size_t errlen)
{
	const struct report_cell *b = &r->cell[r->base];
	struct cb_identity id;
	char why[512];
	size_t d = 0;

	if (!report_icount(r)) {
		snprintf(err, errlen, "--floors %s: only in icount mode (this report is %s mode, "
			 "where Mann-Whitney marks)", file, r->mode);
		return -1;
	}
	if (cb_baseline_read(file, &r->floors, err, errlen))
		return -1;
	while (d + 1 < r->nr_metas && r->datasets[d] != b->dataset)
		d++;
	if (cb_identity_of(&id, r->metas[d], b->meta, why, sizeof(why))) {
		snprintf(err, errlen, "%s/meta.json: cell %s: %s", b->dataset, b->name, why);
		cb_baseline_free(&r->floors);
		return -1;
	}
	if (cb_identity_incomparable(&r->floors.id, &id, why, sizeof(why))) {
		snprintf(err, errlen, "--floors %s: not measured for %s (cell %s): %s", file,
			 b->dataset, b->name, why);
		cb_baseline_free(&r->floors);
		return -1;
	}
	r->floors_file = file;
	for (size_t i = 0; i < r->floors.n; i++)
		if (r->floors.e[i].boots > r->floors_boots)
			r->floors_boots = r->floors.e[i].boots;
	/* malloc'd: it names the file, whatever the length of its path */
	r->method = cb_strdup_printf("the numbers are guest instructions per item (icount: the "
				     "guest clock counts instructions), the minimum over the "
				     "repetitions; a change is marked by check's rule: beyond "
				     "%.2f%% (%.1f%% where the floor comes from fewer than %d "
				     "boots), twice the benchmark's noise floor, measured over %zu "
				     "perturbation boots (%s), and twice the gap between either "
				     "side's two lowest repetitions; specref, whose cost a race "
				     "decides, beyond 5%%.", CB_CHECK_THRESHOLD_ICOUNT,
				     CB_CHECK_THRESHOLD_ICOUNT_COARSE, CB_CHECK_SHARP_BOOTS,
				     r->floors_boots, file);
	return 0;
}

static int pick_baseline(struct report *r, const char *want, char *err, size_t errlen)
{
	char names[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < r->n; i++) {
		const char *dot = strchr(r->cell[i].name, '.');

		if (!want || !strcmp(r->cell[i].name, want) || (dot && !strcmp(dot + 1, want))) {
			r->base = i;
			return 0;
		}
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
					 "%s%s", i ? ", " : "", r->cell[i].name);
	}
	snprintf(err, errlen, "--baseline %s: no such cell (cells: %s)", want, names);
	return -1;
}


/* report_md_text() of @s, malloc'd: for the strings a format uses several times. */
static char *md(const char *s)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	report_md_text(f, s);
	fclose(f);
	return text;
}

/*
 * @s as a Markdown code span in a table cell (a command line reads best
 * verbatim): fenced by one backtick more than its longest run of them, so
 * nothing in it can close the span, and padded with a space on each side
 * when it starts or ends with a backtick or a space (CommonMark takes one
 * off each side).  Inside a span only '|' needs escaping -- GFM splits a
 * row into cells before it looks for code -- and a control character (a
 * newline would end the row) becomes '?'.
 */
static void md_code(FILE *out, const char *s)
{
	size_t run = 0, fence = 1, len = strlen(s);
	bool pad = len && (strchr("` ", s[0]) || strchr("` ", s[len - 1]));

	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		fence = run + 1 > fence ? run + 1 : fence;
	}
	for (size_t i = 0; len && i < fence; i++)
		fputc('`', out);
	fputs(pad ? " " : "", out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(report_shown(*s), out);
	}
	fputs(pad ? " " : "", out);
	for (size_t i = 0; len && i < fence; i++)
		fputc('`', out);
}

static void comparison_md(const struct report *r, size_t c, FILE *out)
{
	char *b = md(r->cell[r->base].name), *n = md(r->cell[c].name);

	fprintf(out, "\n## %s against %s\n\n", n, b);
	fprintf(out, "| benchmark | %s | %s | change | 95%% interval | CV %s | CV %s | | "
		"events per item (%s → %s) |\n", b, n, b, n, b, n);
	fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < r->cell[r->base].res.n; i++) {
		struct report_row row;
		char events[512], *name;

		if (!report_compare(r, c, i, &row))
			continue;
		/* the events' names are cowbench's own, the numbers printed here */
		report_events_text(&row, events, sizeof(events));
		name = md(row.name);
		if (report_refused(row.base) || report_refused(row.now)) {
			/* a refused call's cost is no conversion's: no change to show */
			fprintf(out, "| %s | ", name);
			fprintf(out, report_refused(row.base) ? "refused" : "%.1f", row.base_value);
			fputs(" | ", out);
			fprintf(out, report_refused(row.now) ? "refused" : "%.1f", row.now_value);
			fprintf(out, " | - | - | %.2f%% | %.2f%% |  | %s |\n", row.cv_base,
				row.cv_now, events);
			free(name);
			continue;
		}
		fprintf(out, "| %s | %.1f | %.1f | %+.2f%% | %+.2f%% .. %+.2f%% | %.2f%% | %.2f%% "
			"| %s | %s |\n", name, row.base_value, row.now_value, row.change,
			row.ci_lo, row.ci_hi, row.cv_base, row.cv_now,
			row.significant ? "**\\***" : "", events);
		free(name);
	}
	free(b);
	free(n);
}

static void provenance_md(const struct report *r, FILE *out)
{
	struct report_kv *kv;
	size_t n = report_provenance(r, &kv);

	fprintf(out, "\n## Provenance\n\n| | |\n|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		fputs("| ", out);
		report_md_text(out, kv[i].key);
		fputs(" | ", out);
		if (kv[i].code)
			md_code(out, kv[i].val);
		else
			report_md_text(out, kv[i].val);
		fputs(" |\n", out);
	}
	report_provenance_free(kv, n);
}

static int report_md(const struct report *r, const struct report_plot *plots, size_t nr_plots,
		     FILE *f, char *err, size_t errlen)
{
	const char *warning = report_noise_warning(r);

	fputs("# cowbench report\n\nBaseline: **", f);
	report_md_text(f, r->cell[r->base].name);
	fputs("**. Mode: **", f);
	report_md_text(f, r->mode);
	fputs("** — ", f);
	/* with --floors it names the file: the user's path */
	report_md_text(f, report_method(r));
	fprintf(f, " Intervals: 95%% bootstrap of the change of the %s.\n", report_statistic(r));
	if (warning)
		fprintf(f, "\n%s\n", warning);
	if (nr_plots)
		fprintf(f, "\n## Plots\n\n");
	for (size_t i = 0; i < nr_plots; i++) {
		fputs("![", f);
		report_md_text(f, plots[i].title);
		fprintf(f, "](%s)\n\n", plots[i].svg);
	}
	for (size_t c = 0; c < r->n; c++)
		if (c != r->base)
			comparison_md(r, c, f);
	if (report_gmem_md(r, plots, nr_plots, f, err, errlen))
		return -1;
	for (size_t d = 0; d < r->nr_metas; d++)
		if (cb_matrix_write(r->metas[d], r->datasets[d], f, true, err, errlen))
			return -1;
	provenance_md(r, f);
	return 0;
}

/* Word-wrapped to EMAIL_WIDTH. */
static void wrapped(const char *text, FILE *out)
{
	size_t col = 0;
	char *copy = strdup(text), *save, *word;

	for (word = strtok_r(copy, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(word);

		if (col && col + 1 + len > EMAIL_WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		col += (size_t)fprintf(out, "%s%s", col ? " " : "", word);
	}
	fputc('\n', out);
	free(copy);
}

/* The 0-day table: only what moved, within EMAIL_WIDTH columns. */
static void email(const struct report *r, FILE *out)
{
	const struct report_cell *b = &r->cell[r->base];
	const char *unit = report_icount(r) ? "guest instructions per item" : "ns per item";
	const char *warning = report_noise_warning(r);
	/* plain text for a mail or a terminal: no control character from a dataset */
	char *mode = cb_printable(r->mode);

	fprintf(out, "cowbench: %zu cell%s against %.*s\n", r->n - 1, r->n == 2 ? "" : "s",
		EMAIL_WIDTH - 30, b->name);
	fprintf(out, "%s mode: %s, %s of the repetitions\n", mode, unit, report_statistic(r));
	free(mode);
	if (warning) {
		fputc('\n', out);
		wrapped(warning, out);
	}
	for (size_t c = 0; c < r->n; c++) {
		const struct report_cell *n = &r->cell[c];
		size_t shown = 0;

		if (c == r->base)
			continue;
		fprintf(out, "\n%.*s\n", EMAIL_WIDTH, n->name);
		fprintf(out, "%12s %9s %12s  %s\n", "base", "%change", "now", "benchmark");
		fprintf(out, "%12s %9s %12s  %s\n", "------------", "---------", "------------",
			"---------");
		for (size_t i = 0; i < b->res.n; i++) {
			struct report_row row;
			char *name;

			if (!report_compare(r, c, i, &row))
				continue;
			if (report_refused(row.base) || report_refused(row.now)) {
				char base[16], now[16];

				/* refused on one side: shown, with no %change; on both: not */
				if (report_refused(row.base) && report_refused(row.now))
					continue;
				/* 12 columns each, whatever the number */
				snprintf(base, sizeof(base), report_refused(row.base) ? "refused" :
					 row.base_value < 1e9 ? "%.1f" : "%.4g", row.base_value);
				snprintf(now, sizeof(now), report_refused(row.now) ? "refused" :
					 row.now_value < 1e9 ? "%.1f" : "%.4g", row.now_value);
				name = cb_printable(row.name);
				fprintf(out, "%12s %9s %12s  %.*s\n", base, "-", now,
					EMAIL_WIDTH - 37, name);
				free(name);
				shown++;
				continue;
			}
			if (!row.significant)
				continue;
			name = cb_printable(row.name);
			/* 12+1+9+1+12+2 = 37 columns before the name */
			fprintf(out, "%12.1f %+8.1f%% %12.1f  %.*s\n", row.base_value, row.change,
				row.now_value, EMAIL_WIDTH - 37, name);
			free(name);
			shown++;
		}
		if (!shown)
			fprintf(out, "%s\n", !report_icount(r) ? "(no change with p < 0.05)" :
				r->floors.n ? "(no change beyond check's limits and the gap)" :
				"(no change beyond 0.5% and the repetitions' gap)");
	}
	report_gmem_email(r, out);
}

/* Open <dir>/<name> for writing, or say why not. */
static FILE *create(const char *dir, const char *name, char *err, size_t errlen)
{
	char *path = cb_path(dir, name);
	FILE *f = fopen(path, "w");

	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	free(path);
	return f;
}

static int finish(FILE *f, const char *dir, const char *name, char *err, size_t errlen)
{
	if (fclose(f)) {
		snprintf(err, errlen, "%s/%s: write failed", dir, name);
		return -1;
	}
	return 0;
}

/* nftw(3): each entry, a directory after what it holds (FTW_DEPTH) */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * Remove the tree at @path without a shell, never following a symbolic
 * link (FTW_PHYS: the link goes, not what it points to) nor leaving the
 * file system (FTW_MOUNT).
 */
static void remove_tree(const char *path)
{
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		fprintf(stderr, "cowbench report: could not remove %s: %s\n", path,
			strerror(errno));
}

/*
 * What a report may replace: 0 when @dir does not exist, 1 when it is a
 * report (it holds CB_REPORT_MARKER) or an empty directory, -1 for anything
 * else -- a file, a symbolic link, a directory of something else.
 */
static int report_dir_state(const char *dir)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int ret = 1;

	if (lstat(dir, &st))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(dir)))
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, CB_REPORT_MARKER)) {
			ret = !fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
			      S_ISREG(st.st_mode) ? 1 : -1;
			break;
		}
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = -1;
	}
	closedir(d);
	return ret;
}

/*
 * The longest part of @path that exists: @path itself or an ancestor, which
 * decides where a path that does not exist yet lands.  NULL when the part
 * that does not exist holds "." or ".." -- only creating it would tell.
 */
static char *existing_part(const char *path)
{
	char *part = strdup(path);
	struct stat st;

	while (part && stat(part, &st)) {
		char *slash = strrchr(part, '/');
		const char *last = slash ? slash + 1 : part;

		if (errno != ENOENT || !strcmp(last, ".") || !strcmp(last, "..")) {
			free(part);
			return NULL;
		}
		if (!slash) {
			free(part);
			return strdup(".");
		}
		if (slash == part)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return part;
}

/*
 * Whether a report may go to @dir: refused (-1, saying why) where it would
 * replace or write into an input -- @dir is, holds or is inside a dataset,
 * or holds the --floors file -- or replace what is not a report.  Else
 * report_dir_state(): 0, @dir does not exist; 1, an old report is there.
 */
static int report_target(const struct report *r, const char *dir, char *err, size_t errlen)
{
	char *landing = existing_part(dir);
	int state;

	if (!landing) {
		snprintf(err, errlen, "--out %s: a path whose part that does not exist yet holds "
			 "'.' or '..', or that cannot be looked up: give a plain one", dir);
		return -1;
	}
	for (size_t d = 0; d < r->nr_metas; d++) {
		if (cb_path_within(landing, r->datasets[d]) ||
		    cb_path_within(r->datasets[d], dir)) {
			snprintf(err, errlen, "%s: it is, holds or is inside the dataset %s, an "
				 "input of the report: refused, give --out another directory",
				 dir, r->datasets[d]);
			free(landing);
			return -1;
		}
	}
	free(landing);
	if (r->floors_file && cb_path_within(r->floors_file, dir)) {
		snprintf(err, errlen, "%s: it holds the --floors file %s: refused, give --out "
			 "another directory", dir, r->floors_file);
		return -1;
	}
	state = report_dir_state(dir);
	if (state < 0)
		snprintf(err, errlen, "%s exists and is not a cowbench report (no %s in it): "
			 "refusing to replace it", dir, CB_REPORT_MARKER);
	return state;
}

/*
 * @scratch, complete, becomes @dir in one step: rename(2) where there is
 * nothing, else an exchange with the old report (renameat2 RENAME_EXCHANGE:
 * a reader sees the old report or the new one, never a mix), which is then
 * removed.  -1 with the reason; 1 when @scratch holds what was at @dir and
 * must be left alone.
 */
static int put_in_place(const char *scratch, const char *dir, int state, char *err,
			size_t errlen)
{
	if (!state && !rename(scratch, dir))
		return 0;
	if (state && !renameat2(AT_FDCWD, scratch, AT_FDCWD, dir, RENAME_EXCHANGE)) {
		/* checked again: it may have changed since report_target() looked */
		if (report_dir_state(scratch) == 1) {
			remove_tree(scratch);
			return 0;
		}
		snprintf(err, errlen, "%s exists and is not a cowbench report (no %s in it): "
			 "refusing to replace it", dir, CB_REPORT_MARKER);
		if (!renameat2(AT_FDCWD, scratch, AT_FDCWD, dir, RENAME_EXCHANGE))
			return -1;
		snprintf(err, errlen, "%s: was replaced by a report while it changed, and "
			 "could not be put back: what was there is now %s", dir, scratch);
		return 1;
	}
	snprintf(err, errlen, "%s: cannot put the report in place: %s", dir, strerror(errno));
	return -1;
}

/* The new report's directory, beside @dir: rename(2) needs one file system. */
static char *make_scratch(const char *dir, char *err, size_t errlen)
{
	char *parent = strdup(dir), *slash, *scratch;
	mode_t mask = umask(0);

	umask(mask);
	for (size_t len = strlen(parent); len > 1 && parent[len - 1] == '/'; len--)
		parent[len - 1] = '\0';
	slash = strrchr(parent, '/');
	if (slash)
		slash[slash == parent] = '\0';	/* "/x" is in "/" */
	scratch = cb_path(slash ? parent : ".", ".cowbench-report-XXXXXX");
	/* the parent too, as DIR was made before: --out a/new/dir works */
	if (cb_mkdir_p(slash ? parent : ".") || !mkdtemp(scratch)) {
		snprintf(err, errlen, "%s: cannot create: %s", scratch, strerror(errno));
		free(scratch);
		scratch = NULL;
	} else if (chmod(scratch, 0777 & ~mask)) {
		/* mkdtemp's 0700 would make the report private: mkdir's mode, as before */
		snprintf(err, errlen, "%s: %s", scratch, strerror(errno));
		rmdir(scratch);
		free(scratch);
		scratch = NULL;
	}
	free(parent);
	return scratch;
}

int report_write(const struct report *r, const char *dir, char *err, size_t errlen)
{
	int state = report_target(r, dir, err, errlen), placed = -1, nr_plots = 0;
	char *scratch = state < 0 ? NULL : make_scratch(dir, err, errlen);
	struct report_plot *plots = NULL;
	FILE *f;

	if (!scratch)
		return -1;
	nr_plots = report_plots(r, scratch, &plots, err, errlen);
	if (nr_plots < 0)
		goto out;
	{
		/* gnuplot's warnings, kept only when there are some */
		char *log = cb_path(scratch, "gnuplot.log");
		struct stat st;

		if (!stat(log, &st) && !st.st_size)
			unlink(log);
		free(log);
	}
	f = create(scratch, "report.md", err, errlen);
	if (!f)
		goto out;
	if (report_md(r, plots, (size_t)nr_plots, f, err, errlen)) {
		fclose(f);
		goto out;
	}
	if (finish(f, dir, "report.md", err, errlen))
		goto out;
	f = create(scratch, "email.txt", err, errlen);
	if (!f)
		goto out;
	email(r, f);
	if (finish(f, dir, "email.txt", err, errlen))
		goto out;
	f = create(scratch, "index.html", err, errlen);
	if (!f)
		goto out;
	if (report_html(r, scratch, plots, (size_t)nr_plots, f, err, errlen)) {
		fclose(f);
		goto out;
	}
	if (finish(f, dir, "index.html", err, errlen))
		goto out;
	f = create(scratch, CB_REPORT_MARKER, err, errlen);
	if (!f)
		goto out;
	fputs("Written by cowbench report: the next report written here replaces this "
	      "directory whole.\n", f);
	if (finish(f, dir, CB_REPORT_MARKER, err, errlen))
		goto out;
	placed = put_in_place(scratch, dir, state, err, errlen);
out:
	if (placed < 0)
		remove_tree(scratch);
	report_plots_free(plots, nr_plots > 0 ? (size_t)nr_plots : 0);
	free(scratch);
	return placed ? -1 : 0;
}


int report_load(struct report *r, char **datasets, int nr, const char *baseline, char *err,
		size_t errlen)
{
	r->datasets = datasets;
	if (load(r, datasets, nr, err, errlen) || pick_baseline(r, baseline, err, errlen))
		return -1;
	return 0;
}

char *report_default_dir(const char *first, char *err, size_t errlen)
{
	char *base = strdup(first), *slash, *shown = cb_printable(first), *dir = NULL;
	size_t len;

	/* reports/<name of the first dataset>, trailing slashes ignored */
	for (len = strlen(base); len > 1 && base[len - 1] == '/'; len--)
		base[len - 1] = '\0';
	slash = strrchr(base, '/');
	if (slash && slash[1])
		memmove(base, slash + 1, strlen(slash + 1) + 1);
	/* reports/reference and reports/README.md are checked in */
	if (!strcmp(base, "reference") || !strcmp(base, "README.md"))
		snprintf(err, errlen, "%s: its name would overwrite the checked-in reports/%s: "
			 "give --out DIR", shown, base);
	/* "..", "/", ".": the name must keep the report inside reports/ */
	else if (!cb_dataset_name_ok(base))
		snprintf(err, errlen, "%s: its name is not 1-%d of [A-Za-z0-9._-] (not starting "
			 "with '.'), so not a directory of reports/: give --out DIR", shown,
			 CB_CELL_NAME_MAX);
	else
		dir = cb_strdup_printf("%s/reports/%s", COWBENCH_SOURCE_DIR, base);
	free(shown);
	free(base);
	return dir;
}

void report_free(struct report *r)
{
	for (size_t i = 0; r && i < r->n; i++)
		cb_results_free(&r->cell[i].res);
	for (size_t i = 0; r && i < r->nr_metas; i++)
		json_decref(r->metas[i]);
	if (r) {
		cb_baseline_free(&r->floors);
		free(r->method);
	}
	free(r);
}
