// SPDX-License-Identifier: GPL-2.0
/*
 * The side-by-side table at the end of a VM run: one column per cell
 * (kernel.variant), one row per benchmark, then the COW events per 1000
 * items where any cell copied, then correctness -- each probe, the kernel's
 * selftests, BUG/WARNING counts -- so a policy's speed is never read apart
 * from what it broke.  Plain text, also written to matrix.txt in the
 * dataset, or Markdown for report.md.
 *
 * Everything it shows from a dataset -- cell names, probe names from
 * probes.tap, statuses -- may hold any byte: Markdown gets report_md_text(),
 * plain text (a terminal) its control characters replaced.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dataset.h"
#include "matrix.h"
#include "report.h"
#include "results.h"
#include "util.h"

#define LABEL_W 44
/*
 * The most probes a probes.tap plan may announce (cowbench has a dozen):
 * a row each, so a hostile "1..2000000000" is refused, not looped over.
 */
#define MAX_PROBES 1000

struct matrix_cell {
	const char *name;	/* "default.refcount" */
	json_t *meta;		/* its entry in meta.json "suites" */
	struct cb_results res;	/* empty if micro did not run or finish */
	char *probes;		/* probes.tap text, or NULL */
	long nr_probes;		/* its plan: 1..nr_probes */
	int width;
};

struct matrix {
	struct matrix_cell *cell;
	size_t n;
	FILE *out;
	bool markdown;		/* Markdown table rows instead of aligned text */
};

/* One cell of the table, @width wide in plain text (negative: left-aligned, cut). */
static void print_text(const struct matrix *m, int width, const char *text)
{
	char *shown;

	if (m->markdown) {
		fputc(' ', m->out);
		report_md_text(m->out, text);
		fputs(" |", m->out);
		return;
	}
	shown = cb_printable(text);
	if (width < 0)
		fprintf(m->out, "%-*.*s", -width, -width, shown);
	else
		fprintf(m->out, " %*s", width, shown);
	free(shown);
}

static void print_label(const struct matrix *m, const char *label)
{
	if (m->markdown)
		fputc('|', m->out);
	print_text(m, -LABEL_W, label);
}

static void end_row(const struct matrix *m)
{
	fputc('\n', m->out);
}

static void print_value(const struct matrix *m, size_t c, const char *text)
{
	print_text(m, m->cell[c].width, text);
}

static void print_header(const struct matrix *m, const char *title)
{
	fprintf(m->out, "\n");
	print_label(m, title);
	for (size_t c = 0; c < m->n; c++)
		print_value(m, c, m->cell[c].name);
	end_row(m);
	if (!m->markdown)
		return;
	fprintf(m->out, "|---|");
	for (size_t c = 0; c < m->n; c++)
		fprintf(m->out, "---:|");
	end_row(m);
}


/* Benchmarks in the order the first cell that has each lists them. */
static void for_each_benchmark(const struct matrix *m,
			       void (*fn)(const struct matrix *m, const char *name, void *arg),
			       void *arg)
{
	for (size_t c = 0; c < m->n; c++) {
		for (size_t i = 0; i < m->cell[c].res.n; i++) {
			const char *name = m->cell[c].res.r[i].name;
			bool seen = false;

			for (size_t p = 0; p < c && !seen; p++)
				seen = cb_results_find(&m->cell[p].res, name) != NULL;
			if (!seen)
				fn(m, name, arg);
		}
	}
}

static void time_row(const struct matrix *m, const char *name, void *arg)
{
	(void)arg;
	print_label(m, name);
	for (size_t c = 0; c < m->n; c++) {
		const struct cb_result *r = cb_results_find(&m->cell[c].res, name);
		char text[32] = "-";

		if (r && r->kind == CB_RES_OK) {
			struct cb_stat st;

			cb_stat_compute(&r->ns_per_item, &st);
			snprintf(text, sizeof(text), "%.1f", st.median);
		} else if (r) {
			snprintf(text, sizeof(text), "%s",
				 r->kind == CB_RES_SKIPPED ? "skipped" :
				 r->kind == CB_RES_INTERRUPTED ? "not run" : "FAILED");
		}
		print_value(m, c, text);
	}
	end_row(m);
}

/* "copies (spurious)" per 1000 items, for benchmarks where a cell copied. */
static void copy_row(const struct matrix *m, const char *name, void *arg)
{
	bool any = false;

	(void)arg;
	for (size_t c = 0; c < m->n; c++) {
		double v = cb_result_event_median(cb_results_find(&m->cell[c].res, name), "vm.cow_copy");

		any |= isfinite(v) && v > 0;
	}
	if (!any)
		return;
	print_label(m, name);
	for (size_t c = 0; c < m->n; c++) {
		const struct cb_result *r = cb_results_find(&m->cell[c].res, name);
		double copy = cb_result_event_median(r, "vm.cow_copy");
		double spurious = cb_result_event_median(r, "vm.cow_copy_spurious");
		char text[48] = "-";

		if (isfinite(copy))
			snprintf(text, sizeof(text), "%.4g (%.4g)", copy * 1000, spurious * 1000);
		print_value(m, c, text);
	}
	end_row(m);
}

/* Per item, the references the specref generator took inside the region. */
static void specref_row(const struct matrix *m, const char *name, void *arg)
{
	(void)arg;
	if (strncmp(name, "specref/", 8))
		return;
	print_label(m, name);
	for (size_t c = 0; c < m->n; c++) {
		double v = cb_result_event_median(cb_results_find(&m->cell[c].res, name), "specref_refs");
		char text[32] = "-";

		if (isfinite(v))
			snprintf(text, sizeof(text), "%.3g", v);
		print_value(m, c, text);
	}
	end_row(m);
}

static bool has_specref(const struct cb_results *res)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strncmp(res->r[i].name, "specref/", 8))
			return true;
	return false;
}

/* "ok", "not ok" or "-" for probe @nr of a cell's probes.tap. */
static const char *probe_verdict(const char *tap, int nr)
{
	char ok[32], not_ok[32];

	snprintf(ok, sizeof(ok), "\nok %d ", nr);
	snprintf(not_ok, sizeof(not_ok), "\nnot ok %d ", nr);
	if (!tap)
		return "-";
	if (strstr(tap, ok))
		return "ok";
	return strstr(tap, not_ok) ? "NOT OK" : "-";
}

/* The probe's name: what its TAP line says before the first ':'. */
static void probe_name(const char *tap, int nr, char *buf, size_t len)
{
	char needle[32];
	const char *line;

	for (int pass = 0; pass < 2; pass++) {
		snprintf(needle, sizeof(needle), pass ? "\nnot ok %d " : "\nok %d ", nr);
		line = tap ? strstr(tap, needle) : NULL;
		if (line) {
			line += strlen(needle);
			snprintf(buf, len, "probe %d: %.*s", nr, (int)strcspn(line, ":\n"), line);
			return;
		}
	}
	snprintf(buf, len, "probe %d", nr);
}

static void correctness(const struct matrix *m)
{
	static const char *const taps[] = { "selftest.cow", "selftest.gup_longterm" };
	long nr_probes = 0;

	print_header(m, "correctness");
	for (size_t c = 0; c < m->n; c++)
		if (m->cell[c].nr_probes > nr_probes)
			nr_probes = m->cell[c].nr_probes;
	for (int p = 1; p <= nr_probes; p++) {
		char label[LABEL_W + 1] = "";

		for (size_t c = 0; c < m->n && !label[0]; c++)
			if (strcmp(probe_verdict(m->cell[c].probes, p), "-"))
				probe_name(m->cell[c].probes, p, label, sizeof(label));
		print_label(m, label);
		for (size_t c = 0; c < m->n; c++)
			print_value(m, c, probe_verdict(m->cell[c].probes, p));
		end_row(m);
	}
	for (size_t t = 0; t < sizeof(taps) / sizeof(taps[0]); t++) {
		char label[LABEL_W + 1];

		snprintf(label, sizeof(label), "%s pass/fail/skip", taps[t]);
		print_label(m, label);
		for (size_t c = 0; c < m->n; c++) {
			json_t *tot = json_object_get(json_object_get(m->cell[c].meta, "tap_totals"),
						      taps[t]);
			char text[48] = "-";

			if (tot)
				snprintf(text, sizeof(text), "%lld/%lld/%lld",
					 json_integer_value(json_object_get(tot, "pass")),
					 json_integer_value(json_object_get(tot, "fail")),
					 json_integer_value(json_object_get(tot, "skip")));
			print_value(m, c, text);
		}
		end_row(m);
	}
	print_label(m, "kernel BUG/Oops / WARNING lines");
	for (size_t c = 0; c < m->n; c++) {
		char text[32];

		snprintf(text, sizeof(text), "%lld / %lld",
			 json_integer_value(json_object_get(m->cell[c].meta, "kernel_bugs")),
			 json_integer_value(json_object_get(m->cell[c].meta, "kernel_warnings")));
		print_value(m, c, text);
	}
	end_row(m);
	print_label(m, "status");
	for (size_t c = 0; c < m->n; c++)
		print_value(m, c, json_string_value(json_object_get(m->cell[c].meta, "status")) ?: "-");
	end_row(m);
}

/*
 * A cell's files, read as untrusted input: its directory only through
 * cb_dataset_cell_dir(), probes.tap through cb_read_input() (a plan of at
 * most MAX_PROBES).  A directory or file that is not there is a cell that
 * did not get that far; so is a micro.json that does not load (an
 * interrupted run's: the report loads each one itself first and refuses a
 * bad one).
 */
static int load_cell(struct matrix_cell *c, const char *run_dir, char *err, size_t errlen)
{
	char *dir = cb_dataset_cell_dir(run_dir, c->name, err, errlen), *path, why[512];
	const char *plan;
	struct stat st;

	if (!dir) {
		bool missing;

		path = cb_dataset_name_ok(c->name) ? cb_path(run_dir, c->name) : NULL;
		missing = path && lstat(path, &st) && errno == ENOENT;
		free(path);
		return missing ? 0 : -1;
	}
	path = cb_path(dir, "micro.json");
	if (cb_results_load(path, &c->res, why, sizeof(why)))
		memset(&c->res, 0, sizeof(c->res));
	free(path);
	path = cb_path(dir, "probes.tap");
	free(dir);
	if (lstat(path, &st) && errno == ENOENT) {
		free(path);
		return 0;
	}
	c->probes = cb_read_input(path, CB_INPUT_MAX_BYTES, NULL, err, errlen);
	plan = c->probes ? strstr(c->probes, "\n1..") : NULL;
	if (plan) {
		errno = 0;
		c->nr_probes = strtol(plan + 4, NULL, 10);
		if (errno || c->nr_probes > MAX_PROBES) {
			snprintf(err, errlen, "%s: a plan of more than %d probes: refused", path,
				 MAX_PROBES);
			free(path);
			return -1;
		}
	}
	free(path);
	return c->probes ? 0 : -1;
}

int cb_matrix_write(json_t *meta, const char *run_dir, FILE *out, bool markdown, char *err,
		    size_t errlen)
{
	json_t *suites = json_object_get(meta, "suites"), *s;
	const char *mode = json_string_value(json_object_get(meta, "mode")) ?: "?";
	struct matrix m = { calloc(json_array_size(suites) + 1, sizeof(*m.cell)), 0, out,
			    markdown };
	size_t i;
	int ret = 0;

	if (!m.cell) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(suites, i, s) {
		struct matrix_cell *c = &m.cell[m.n++];

		c->name = json_string_value(json_object_get(s, "variant"));
		c->meta = s;
		c->width = c->name && strlen(c->name) > 12 ? (int)strlen(c->name) : 12;
		if (load_cell(c, run_dir, err, errlen)) {
			ret = -1;
			goto out;
		}
	}
	if (markdown) {
		fputs("\n## Side by side (", out);
		report_md_text(out, mode);
	} else {
		char *shown = cb_printable(mode);

		fprintf(out, "\n== side by side (%s", shown);
		free(shown);
	}
	fputs(" mode)\n", out);
	print_header(&m, !strcmp(mode, "icount") ? "median, guest instructions per item"
						 : "median, ns per item");
	for_each_benchmark(&m, time_row, NULL);
	print_header(&m, "COW copies (spurious) per 1000 items");
	for_each_benchmark(&m, copy_row, NULL);
	for (i = 0; i < m.n; i++)
		if (m.cell[i].res.n && has_specref(&m.cell[i].res))
			break;
	if (i < m.n) {
		print_header(&m, "specref: references taken per item");
		for_each_benchmark(&m, specref_row, NULL);
	}
	correctness(&m);
out:
	for (i = 0; i < m.n; i++) {
		cb_results_free(&m.cell[i].res);
		free(m.cell[i].probes);
	}
	free(m.cell);
	return ret;
}

void cb_matrix_print(json_t *meta, const char *run_dir, FILE *out, bool markdown)
{
	char err[1024];

	if (cb_matrix_write(meta, run_dir, out, markdown, err, sizeof(err))) {
		char *shown = cb_printable(err);

		fprintf(out, "\n(no side-by-side table: %s)\n", shown);
		free(shown);
	}
}
