// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report DATASET... [--baseline CELL] [--out DIR]: what reviewers
 * read.  Writes, into DIR:
 *
 *   report.md   per benchmark: baseline and each other cell, medians,
 *               % change, its 95% bootstrap interval, the mark, CV, key
 *               events per item; the correctness matrix beside the numbers;
 *               provenance
 *   index.html  the same, self-contained with the plots inline (report_html.c)
 *   email.txt   the 0-day bot's %change idiom, within 72 columns
 *   *.svg       gnuplot plots from plots/ templates, with their data (*.dat)
 *
 * The statistics are in report_stats.c.  Everything is written into a
 * scratch directory first and moved into DIR only when every part is
 * done: an input that does not read, or a plot that fails, leaves no
 * partial report behind.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "dataset.h"
#include "matrix.h"
#include "report.h"
#include "results.h"
#include "util.h"

#define EMAIL_WIDTH 72
#define MAX_PLOTS 24

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cowbench report DATASET... [--baseline CELL] [--floors FILE] [--out DIR]\n\n"
		"Write report.md, index.html, email.txt and plots comparing every cell of the\n"
		"datasets with a baseline cell (default: the first; CELL is kernel.variant or a\n"
		"variant name).  --out DIR defaults to reports/<name of the first dataset>.\n\n"
		"In icount mode a change is marked beyond 0.5%% and beyond twice the gap\n"
		"between either side's two lowest repetitions.  --floors FILE, a baseline\n"
		"from 'cowbench check --write-baseline' of perturbation boots with the same\n"
		"mode, QEMU, kernel config and job, also asks for twice each benchmark's\n"
		"noise floor, as check does: a single boot per cell cannot show how far a\n"
		"benchmark moves when code elsewhere moves.\n\n"
		"Exit status: 0 written, 2 unusable input (nothing is written).\n");
}

void report_events_text(const struct report_row *row, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < cb_nr_key_events && used < len; k++) {
		const char *ev = cb_key_events[k];
		double eb = cb_result_event_median(row->base, ev);
		double en = cb_result_event_median(row->now, ev);

		if (eb != 0 || en != 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s %.3g → %.3g",
						 used ? " " : "",
						 strncmp(ev, "vm.", 3) ? ev : ev + 3, eb, en);
	}
}

const char *report_noise_warning(const struct report *r)
{
	size_t fewest = report_fewest_repetitions(r);

	if (fewest < 3)
		return "Fewer than 3 repetitions: the marks cannot allow for noise. "
		       "Rerun with --repetitions 3 or more.";
	if (!report_icount(r) && fewest < CB_REPORT_WALL_MIN_REPS)
		return "Wall-clock mode with fewer than 9 repetitions: the test has "
		       "little power. Rerun with --repetitions 9 or more "
		       "(run interleaves them across cells).";
	return NULL;
}

static int load(struct report *r, char **datasets, int nr, char *err, size_t errlen)
{
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
		if (!json_array_size(json_object_get(meta, "suites"))) {
			snprintf(err, errlen, "%s: empty dataset: meta.json lists no cells",
				 datasets[d]);
			return -1;
		}
		json_array_foreach(json_object_get(meta, "suites"), i, s) {
			struct report_cell *c = &r->cell[r->n];
			const char *name = json_string_value(json_object_get(s, "variant")) ?: "?";
			char *dir = cb_path(datasets[d], name), *path = cb_path(dir, "micro.json");
			int ret = 0;

			if (r->n == CB_REPORT_MAX_CELLS) {
				snprintf(err, errlen, "more than %d cells", CB_REPORT_MAX_CELLS);
				ret = -1;
			} else if (access(path, R_OK)) {
				snprintf(err, errlen, "%s: missing (cell %s, status %s)", path, name,
					 json_string_value(json_object_get(s, "status")) ?: "?");
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
static int load_floors(struct report *r, const char *file, char *err, size_t errlen)
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
	snprintf(r->method, sizeof(r->method),
		 "%s, beyond twice the gap between either side's two lowest repetitions and "
		 "beyond twice the benchmark's noise floor, measured over %zu perturbation "
		 "boots (%s).", CB_REPORT_ICOUNT_METHOD, r->floors_boots, file);
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


static void comparison_md(const struct report *r, size_t c, FILE *out)
{
	const struct report_cell *b = &r->cell[r->base], *n = &r->cell[c];

	fprintf(out, "\n## %s against %s\n\n", n->name, b->name);
	fprintf(out, "| benchmark | %s | %s | change | 95%% interval | CV %s | CV %s | | "
		"events per item (%s → %s) |\n", b->name, n->name, b->name, n->name, b->name,
		n->name);
	fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < b->res.n; i++) {
		struct report_row row;
		char events[512];

		if (!report_compare(r, c, i, &row))
			continue;
		report_events_text(&row, events, sizeof(events));
		fprintf(out, "| %s | %.1f | %.1f | %+.2f%% | %+.2f%% .. %+.2f%% | %.2f%% | %.2f%% "
			"| %s | %s |\n", row.name, row.base_value, row.now_value, row.change,
			row.ci_lo, row.ci_hi, row.cv_base, row.cv_now,
			row.significant ? "**\\***" : "", events);
	}
}

size_t report_provenance(const struct report *r, char **keys, char **vals, size_t max)
{
	size_t n = 0;

#define ADD(k, ...)							\
	do {								\
		if (n < max) {						\
			keys[n] = strdup(k);				\
			vals[n++] = cb_strdup_printf(__VA_ARGS__);	\
		}							\
	} while (0)
	for (size_t d = 0; d < r->nr_metas; d++) {
		json_t *m = r->metas[d], *k, *host = json_object_get(m, "host");
		const char *name;

		ADD("dataset", "%s (%s)", r->datasets[d],
		    json_string_value(json_object_get(m, "date")) ?: "?");
		ADD("mode, accelerator", "%s, %s",
		    json_string_value(json_object_get(m, "mode")) ?: "?",
		    json_string_value(json_object_get(m, "accelerator")) ?: "host");
		ADD("QEMU", "%s", json_string_value(json_object_get(m, "qemu")) ?: "-");
		if (json_is_string(json_object_get(m, "userland_hash")))
			ADD("guest userland", "sha256 %.16s (init, runner, probes, libraries)",
			    json_string_value(json_object_get(m, "userland_hash")));
		ADD("host", "%s, %lld CPUs, kernel %s",
		    json_string_value(json_object_get(host, "cpu_model")) ?: "?",
		    json_integer_value(json_object_get(host, "nr_cpus")),
		    json_string_value(json_object_get(json_object_get(m, "kernel"), "release")) ?:
		    "?");
		ADD("cowbench", "%s",
		    json_string_value(json_object_get(json_object_get(m, "cowbench"), "commit")) ?:
		    "?");
		json_object_foreach(json_object_get(m, "kernels"), name, k) {
			char *label = cb_strdup_printf("kernel %s", name);

			ADD(label, "%s; series %.16s; config %.16s",
			    json_string_value(json_object_get(k, "source")) ?: "?",
			    json_string_value(json_object_get(k, "series_hash")) ?: "?",
			    json_string_value(json_object_get(k, "config_hash")) ?: "?");
			free(label);
		}
	}
	for (size_t c = 0; c < r->n; c++) {
		char *label = cb_strdup_printf("%s command line", r->cell[c].name);

		ADD(label, "%s", json_string_value(json_object_get(r->cell[c].meta, "cmdline")) ?:
		    "-");
		free(label);
	}
	if (r->floors.n)
		ADD("noise floors", "%s (%s mode, %zu boots, cowbench %s)", r->floors_file,
		    r->floors.id.mode, r->floors_boots, r->floors.id.commit);
#undef ADD
	return n;
}

static void provenance_md(const struct report *r, FILE *out)
{
	char *keys[64], *vals[64];
	size_t n = report_provenance(r, keys, vals, 64);

	fprintf(out, "\n## Provenance\n\n| | |\n|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		bool code = strstr(keys[i], "command line") != NULL;

		fprintf(out, "| %s | %s%s%s |\n", keys[i], code ? "`" : "", vals[i], code ? "`" : "");
		free(keys[i]);
		free(vals[i]);
	}
}

static void report_md(const struct report *r, char *const *svgs, char *const *titles,
		      FILE *f)
{
	const char *warning = report_noise_warning(r);

	fprintf(f, "# cowbench report\n\nBaseline: **%s**. Mode: **%s** — %s "
		"Intervals: 95%% bootstrap of the change of the %s.\n",
		r->cell[r->base].name, r->mode, report_method(r), report_statistic(r));
	if (warning)
		fprintf(f, "\n%s\n", warning);
	if (svgs[0])
		fprintf(f, "\n## Plots\n\n");
	for (size_t i = 0; svgs[i]; i++)
		fprintf(f, "![%s](%s)\n\n", titles[i], svgs[i]);
	for (size_t c = 0; c < r->n; c++)
		if (c != r->base)
			comparison_md(r, c, f);
	for (size_t d = 0; d < r->nr_metas; d++)
		cb_matrix_print(r->metas[d], r->datasets[d], f, true);
	provenance_md(r, f);
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

	fprintf(out, "cowbench: %zu cell%s against %.*s\n", r->n - 1, r->n == 2 ? "" : "s",
		EMAIL_WIDTH - 30, b->name);
	fprintf(out, "%s mode: %s, %s of the repetitions\n", r->mode, unit,
		report_statistic(r));
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

			if (!report_compare(r, c, i, &row) || !row.significant)
				continue;
			/* 12+1+9+1+12+2 = 37 columns before the name */
			fprintf(out, "%12.1f %+8.1f%% %12.1f  %.*s\n", row.base_value, row.change,
				row.now_value, EMAIL_WIDTH - 37, row.name);
			shown++;
		}
		if (!shown)
			fprintf(out, "%s\n", !report_icount(r) ? "(no change with p < 0.05)" :
				r->floors.n ? "(no change beyond 0.5%, the gap and the floors)" :
				"(no change beyond 0.5% and the repetitions' gap)");
	}
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

/* Every file of @scratch into @dir (rename: same file system), then @scratch away. */
static int publish(const char *scratch, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	int ret = 0;

	if (!d) {
		snprintf(err, errlen, "%s: %s", scratch, strerror(errno));
		return -1;
	}
	while (!ret && (e = readdir(d))) {
		char *from, *to;

		if (e->d_name[0] == '.')
			continue;
		from = cb_path(scratch, e->d_name);
		to = cb_path(dir, e->d_name);
		if (rename(from, to)) {
			snprintf(err, errlen, "%s: %s", to, strerror(errno));
			ret = -1;
		}
		free(from);
		free(to);
	}
	closedir(d);
	return ret;
}

static void remove_scratch(const char *scratch)
{
	char *q = cb_shell_quote(scratch), *cmd = cb_strdup_printf("rm -rf %s", q);

	if (system(cmd))
		fprintf(stderr, "cowbench report: could not remove %s\n", scratch);
	free(cmd);
	free(q);
}

static int write_report(const struct report *r, const char *dir, char *err, size_t errlen)
{
	char *scratch = cb_strdup_printf("%s/.partial-%d", dir, (int)getpid());
	char *svgs[MAX_PLOTS] = { NULL }, *titles[MAX_PLOTS] = { NULL };
	FILE *f;
	int ret = -1;

	if (cb_mkdir_p(scratch)) {
		snprintf(err, errlen, "%s: cannot create: %s", scratch, strerror(errno));
		goto out;
	}
	if (report_plots(r, scratch, svgs, titles, MAX_PLOTS, err, errlen))
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
	report_md(r, svgs, titles, f);
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
	if (report_html(r, scratch, svgs, titles, f, err, errlen)) {
		fclose(f);
		goto out;
	}
	if (finish(f, dir, "index.html", err, errlen))
		goto out;
	ret = publish(scratch, dir, err, errlen);
out:
	remove_scratch(scratch);
	for (size_t i = 0; svgs[i]; i++) {
		free(svgs[i]);
		free(titles[i]);
	}
	free(scratch);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "floors", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report *r = calloc(1, sizeof(*r));
	const char *baseline = NULL, *out = NULL, *floors = NULL;
	char err[1024], *dir = NULL;
	int c, ret = CB_EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			floors = optarg;
			break;
		case 'h':
			usage(stdout);
			free(r);
			return CB_EXIT_OK;
		default:
			usage(stderr);
			free(r);
			return CB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(r);
		return cb_usage_error("report", "no DATASET given");
	}
	if (r)
		r->datasets = argv + optind;
	if (!r || load(r, argv + optind, argc - optind, err, sizeof(err)) ||
	    pick_baseline(r, baseline, err, sizeof(err))) {
		cb_usage_error("report", "%s", r ? err : "out of memory");
		goto out;
	}
	if (r->n < 2) {
		cb_usage_error("report", "%s: one cell (%s): nothing to compare it with",
			       argv[optind], r->cell[0].name);
		goto out;
	}
	if (floors && load_floors(r, floors, err, sizeof(err))) {
		cb_usage_error("report", "%s", err);
		goto out;
	}
	if (out) {
		dir = strdup(out);
	} else {
		char base[256], *slash;
		size_t len;

		/* reports/<name of the first dataset>, trailing slashes ignored */
		snprintf(base, sizeof(base), "%s", argv[optind]);
		for (len = strlen(base); len > 1 && base[len - 1] == '/'; len--)
			base[len - 1] = '\0';
		slash = strrchr(base, '/');
		if (slash && slash[1])
			memmove(base, slash + 1, strlen(slash + 1) + 1);
		/* reports/reference and reports/README.md are checked in */
		if (!strcmp(base, "reference") || !strcmp(base, "README.md")) {
			cb_usage_error("report", "%s: its name would overwrite the checked-in "
				       "reports/%s: give --out DIR", argv[optind], base);
			goto out;
		}
		dir = cb_strdup_printf("%s/reports/%s", COWBENCH_SOURCE_DIR, base);
	}
	if (write_report(r, dir, err, sizeof(err))) {
		cb_usage_error("report", "%s", err);
		goto out;
	}
	printf("report: %s/report.md\nhtml:   %s/index.html\n\n", dir, dir);
	{
		char *mail = cb_path(dir, "email.txt"), *text = cb_read_file(mail, NULL);

		fputs(text ?: "", stdout);
		free(text);
		free(mail);
	}
	ret = CB_EXIT_OK;
out:
	for (size_t i = 0; r && i < r->n; i++)
		cb_results_free(&r->cell[i].res);
	for (size_t i = 0; r && i < r->nr_metas; i++)
		json_decref(r->metas[i]);
	if (r)
		cb_baseline_free(&r->floors);
	free(r);
	free(dir);
	return ret;
}
