// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report DATASET... [--baseline CELL] [--out DIR]: what reviewers
 * read.  Writes report.md (per benchmark: baseline and each other cell,
 * medians, % change, CV, a significance mark, key events per item; the
 * side-by-side tables with the correctness matrix; provenance) and
 * email.txt (the 0-day bot's %change idiom, within 72 columns).
 *
 * Significance: in icount mode the numbers are guest instructions and
 * repeat exactly, so a plain threshold (0.5%) marks a change; otherwise a
 * two-sided Mann-Whitney U test (GSL normal CDF) at p < 0.05 on the
 * repetitions.  Nothing is written unless every input reads cleanly.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <jansson.h>

#include "cli.h"
#include "dataset.h"
#include "matrix.h"
#include "results.h"
#include "util.h"

#define ICOUNT_THRESHOLD 0.5
#define P_LIMIT 0.05
#define EMAIL_WIDTH 72
#define MAX_CELLS 64

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

struct report_cell {
	char name[160];
	const char *dataset;
	json_t *meta;		/* the cell's record (borrowed from its dataset's meta) */
	struct cb_results res;
};

struct report {
	const char *mode;
	json_t *metas[MAX_CELLS];
	size_t nr_metas;
	struct report_cell cell[MAX_CELLS];
	size_t n;
	size_t base;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cowbench report DATASET... [--baseline CELL] [--out DIR]\n\n"
		"Write report.md and email.txt comparing every cell of the datasets with a\n"
		"baseline cell (default: the first; CELL is kernel.variant or a variant name).\n"
		"--out DIR defaults to reports/local/<name of the first dataset>.\n\n"
		"Exit status: 0 written, 2 unusable input (nothing is written).\n");
}

/*
 * Two-sided Mann-Whitney U p-value, normal approximation with tie
 * correction; 1 when either side has fewer than 2 values.
 */
static double mann_whitney_p(const struct cb_series *a, const struct cb_series *b)
{
	double u = 0, n1 = (double)a->n, n2 = (double)b->n, ties = 0, mu, sigma, z;
	size_t n = a->n + b->n;

	if (a->n < 2 || b->n < 2)
		return 1;
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			u += a->v[i] > b->v[j] ? 1 : a->v[i] == b->v[j] ? 0.5 : 0;
	/* tie groups over the pooled sample */
	for (size_t i = 0; i < n; i++) {
		double x = i < a->n ? a->v[i] : b->v[i - a->n], t = 0;
		bool first = true;

		for (size_t j = 0; j < n; j++) {
			double y = j < a->n ? a->v[j] : b->v[j - a->n];

			if (y == x) {
				t++;
				if (j < i)
					first = false;
			}
		}
		if (first && t > 1)
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

/*
 * icount: beyond the threshold and beyond twice the repetitions' own
 * range on either side (as `check` gates: fork's repetitions move by
 * several % even in icount mode).  Otherwise Mann-Whitney.
 */
static bool significant(const struct report *r, const struct cb_series *base,
			const struct cb_series *now, double change)
{
	if (!strcmp(r->mode, "icount"))
		return fabs(change) > fmax(ICOUNT_THRESHOLD,
					   2 * fmax(range_pct(base), range_pct(now)));
	return mann_whitney_p(base, now) < P_LIMIT;
}

static double median_of(const struct cb_series *s, double *cv)
{
	struct cb_stat st;

	cb_stat_compute(s, &st);
	if (cv)
		*cv = st.cv * 100;
	return st.median;
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

			if (r->n == MAX_CELLS) {
				snprintf(err, errlen, "more than %d cells", MAX_CELLS);
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
	fprintf(out, "| benchmark | %s | %s | change | CV %s | CV %s | | events per item (%s → %s) |\n",
		b->name, n->name, b->name, n->name, b->name, n->name);
	fprintf(out, "|---|---:|---:|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < b->res.n; i++) {
		const struct cb_result *rb = &b->res.r[i];
		const struct cb_result *rn = cb_results_find(&n->res, rb->name);
		double cvb, cvn, mb, mn, change;

		if (rb->kind != CB_RES_OK || !rn || rn->kind != CB_RES_OK)
			continue;
		mb = median_of(&rb->ns_per_item, &cvb);
		mn = median_of(&rn->ns_per_item, &cvn);
		change = mb > 0 ? (mn - mb) / mb * 100 : 0;
		fprintf(out, "| %s | %.1f | %.1f | %+.2f%% | %.2f%% | %.2f%% | %s |", rb->name, mb,
			mn, change, cvb, cvn,
			significant(r, &rb->ns_per_item, &rn->ns_per_item, change) ? "**\\***" : "");
		for (size_t k = 0; k < cb_nr_key_events; k++) {
			const char *ev = cb_key_events[k];
			double eb = cb_result_event_median(rb, ev), en = cb_result_event_median(rn, ev);

			if (eb != 0 || en != 0)
				fprintf(out, " %s %.3g → %.3g", strncmp(ev, "vm.", 3) ? ev : ev + 3,
					eb, en);
		}
		fprintf(out, " |\n");
	}
}

static void provenance_md(const struct report *r, char **datasets, FILE *out)
{
	fprintf(out, "\n## Provenance\n\n| | |\n|---|---|\n");
	for (size_t d = 0; d < r->nr_metas; d++) {
		json_t *m = r->metas[d], *k;
		const char *name;

		fprintf(out, "| dataset | `%s` (%s) |\n", datasets[d],
			json_string_value(json_object_get(m, "date")) ?: "?");
		fprintf(out, "| mode, accelerator | %s, %s |\n",
			json_string_value(json_object_get(m, "mode")) ?: "?",
			json_string_value(json_object_get(m, "accelerator")) ?: "host");
		fprintf(out, "| QEMU | %s |\n", json_string_value(json_object_get(m, "qemu")) ?: "-");
		fprintf(out, "| host | %s, %lld CPUs, kernel %s |\n",
			json_string_value(json_object_get(json_object_get(m, "host"), "cpu_model")) ?: "?",
			json_integer_value(json_object_get(json_object_get(m, "host"), "nr_cpus")),
			json_string_value(json_object_get(json_object_get(m, "kernel"), "release")) ?: "?");
		fprintf(out, "| cowbench | %s |\n",
			json_string_value(json_object_get(json_object_get(m, "cowbench"), "commit")) ?: "?");
		json_object_foreach(json_object_get(m, "kernels"), name, k)
			fprintf(out, "| kernel %s | %s; series %.16s; config %.16s |\n", name,
				json_string_value(json_object_get(k, "source")) ?: "?",
				json_string_value(json_object_get(k, "series_hash")) ?: "?",
				json_string_value(json_object_get(k, "config_hash")) ?: "?");
	}
	for (size_t c = 0; c < r->n; c++)
		fprintf(out, "| %s command line | `%s` |\n", r->cell[c].name,
			json_string_value(json_object_get(r->cell[c].meta, "cmdline")) ?: "-");
}

/* Fewest repetitions any measured benchmark of any cell has. */
static size_t fewest_repetitions(const struct report *r)
{
	size_t fewest = SIZE_MAX;

	for (size_t c = 0; c < r->n; c++)
		for (size_t i = 0; i < r->cell[c].res.n; i++)
			if (r->cell[c].res.r[i].kind == CB_RES_OK &&
			    r->cell[c].res.r[i].ns_per_item.n < fewest)
				fewest = r->cell[c].res.r[i].ns_per_item.n;
	return fewest;
}

/* Said in both files: with one or two repetitions the noise is unknown. */
static void noise_warning(const struct report *r, FILE *out)
{
	if (fewest_repetitions(r) < 3)
		fprintf(out, "\nFewer than 3 repetitions: the marks cannot allow\n"
			"for noise. Rerun with --repetitions 3 or more.\n");
}

/* The 0-day table: only what moved, within EMAIL_WIDTH columns. */
static void email(const struct report *r, FILE *out)
{
	const struct report_cell *b = &r->cell[r->base];
	const char *unit = strcmp(r->mode, "icount") ? "ns per item" : "guest instructions per item";

	fprintf(out, "cowbench: %zu cell%s against %.*s\n", r->n - 1, r->n == 2 ? "" : "s",
		EMAIL_WIDTH - 30, b->name);
	fprintf(out, "%s mode: %s\n", r->mode, unit);
	noise_warning(r, out);
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
			const struct cb_result *rb = &b->res.r[i];
			const struct cb_result *rn = cb_results_find(&n->res, rb->name);
			double mb, mn, change;

			if (rb->kind != CB_RES_OK || !rn || rn->kind != CB_RES_OK)
				continue;
			mb = median_of(&rb->ns_per_item, NULL);
			mn = median_of(&rn->ns_per_item, NULL);
			change = mb > 0 ? (mn - mb) / mb * 100 : 0;
			if (!significant(r, &rb->ns_per_item, &rn->ns_per_item, change))
				continue;
			/* 12+1+9+1+12+2 = 37 columns before the name */
			fprintf(out, "%12.1f %+8.1f%% %12.1f  %.*s\n", mb, change, mn,
				EMAIL_WIDTH - 37, rb->name);
			shown++;
		}
		if (!shown)
			fprintf(out, "%s\n", strcmp(r->mode, "icount") ?
				"(no change with p < 0.05)" :
				"(no change beyond 0.5% and the repetitions' range)");
	}
}

static int write_report(const struct report *r, char **datasets, const char *dir, char *err,
			size_t errlen)
{
	char *md = cb_path(dir, "report.md"), *mail = cb_path(dir, "email.txt");
	char *md_tmp = cb_strdup_printf("%s.tmp", md), *mail_tmp = cb_strdup_printf("%s.tmp", mail);
	FILE *f = NULL, *g = NULL;
	int ret = -1;

	if (cb_mkdir_p(dir)) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	f = fopen(md_tmp, "w");
	g = fopen(mail_tmp, "w");
	if (!f || !g) {
		snprintf(err, errlen, "%s: cannot write: %s", dir, strerror(errno));
		goto out;
	}
	fprintf(f, "# cowbench report\n\nBaseline: **%s**. Mode: **%s** — %s\n",
		r->cell[r->base].name, r->mode,
		!strcmp(r->mode, "icount") ?
		"the numbers are guest instructions per item; a change is marked \\* "
		"beyond 0.5% and beyond twice the range of either side's repetitions." :
		"the numbers are nanoseconds per item; a change is marked \\* when a "
		"two-sided Mann-Whitney U test on the repetitions gives p < 0.05.");
	noise_warning(r, f);
	for (size_t c = 0; c < r->n; c++)
		if (c != r->base)
			comparison_md(r, c, f);
	for (size_t d = 0; d < r->nr_metas; d++)
		cb_matrix_print(r->metas[d], datasets[d], f, true);
	provenance_md(r, datasets, f);
	email(r, g);
	if (fclose(f) | fclose(g)) {
		f = g = NULL;
		snprintf(err, errlen, "%s: write failed", dir);
		goto out;
	}
	f = g = NULL;
	if (rename(md_tmp, md) || rename(mail_tmp, mail)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	if (ret) {
		unlink(md_tmp);
		unlink(mail_tmp);
	}
	free(md);
	free(mail);
	free(md_tmp);
	free(mail_tmp);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report *r = calloc(1, sizeof(*r));
	const char *baseline = NULL, *out = NULL;
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
	if (out) {
		dir = strdup(out);
	} else {
		const char *slash = strrchr(argv[optind], '/');
		char base[256];

		snprintf(base, sizeof(base), "%s", slash && slash[1] ? slash + 1 : argv[optind]);
		dir = cb_strdup_printf("%s/reports/local/%s", COWBENCH_SOURCE_DIR, base);
	}
	if (write_report(r, argv + optind, dir, err, sizeof(err))) {
		cb_usage_error("report", "%s", err);
		goto out;
	}
	printf("report: %s/report.md\n\n", dir);
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
	free(r);
	free(dir);
	return ret;
}
