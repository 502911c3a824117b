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
	char *selftest[2];	/* selftest.<taps[t]>.tap text, or NULL */
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

/*
 * The series' other events (cb_series_event(): vm.ro_pin_shared, ...,
 * and any a later patch adds), one table each, per 1000 items: the rows
 * where a cell moved it and the cells that measured it differ by more
 * than EVENT_SAME of the larger (one such cell: where it moved), so an
 * event every policy counts alike, give or take a race, does not bury the
 * ones a policy changes.
 */
#define EVENT_SAME 0.02
struct event_walk {
	const char *event;
	size_t rows;
	bool print;
};

static void event_row(const struct matrix *m, const char *name, void *arg)
{
	struct event_walk *w = arg;
	double first = NAN;
	bool any = false, differ = false;
	size_t measured = 0;

	/* among the cells that measured it: one that failed is no difference */
	for (size_t c = 0; c < m->n; c++) {
		double v = cb_result_event_median(cb_results_find(&m->cell[c].res, name), w->event);

		if (!isfinite(v))
			continue;
		any |= v > 0;
		if (!measured++)
			first = v;
		else
			differ |= fabs(v - first) > EVENT_SAME * fmax(fabs(v), fabs(first));
	}
	differ |= measured == 1;
	if (!any || !differ)
		return;
	w->rows++;
	if (!w->print)
		return;
	print_label(m, name);
	for (size_t c = 0; c < m->n; c++) {
		double v = cb_result_event_median(cb_results_find(&m->cell[c].res, name), w->event);
		char text[32] = "-";

		if (isfinite(v))
			snprintf(text, sizeof(text), "%.4g", v * 1000);
		print_value(m, c, text);
	}
	end_row(m);
}

static void event_tables(const struct matrix *m)
{
	struct cb_event_list list;

	cb_event_list_init(&list);
	for (size_t c = 0; c < m->n; c++)
		for (size_t i = 0; i < m->cell[c].res.n; i++)
			cb_event_list_add(&list, &m->cell[c].res.r[i]);
	for (size_t e = 0; e < list.n; e++) {
		struct event_walk w = { list.name[e], 0, false };
		char title[LABEL_W + 1];

		/* the copies have their table; only the series' own events here */
		if (!cb_series_event(w.event) || !strcmp(w.event, "vm.cow_copy") ||
		    !strcmp(w.event, "vm.cow_copy_spurious"))
			continue;
		for_each_benchmark(m, event_row, &w);
		if (!w.rows)
			continue;
		snprintf(title, sizeof(title), "%s per 1000 items", w.event + 3);
		print_header(m, title);
		w.print = true;
		for_each_benchmark(m, event_row, &w);
	}
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

/*
 * Probe @nr's TAP line in a cell's probes.tap, just past "ok N " or
 * "not ok N " (*@pass says which), or NULL.
 */
static const char *probe_line(const char *tap, int nr, bool *pass)
{
	char needle[32];
	const char *line;

	for (int p = 0; p < 2 && tap; p++) {
		snprintf(needle, sizeof(needle), p ? "\nnot ok %d " : "\nok %d ", nr);
		line = strstr(tap, needle);
		if (line) {
			*pass = !p;
			return line + strlen(needle);
		}
	}
	return NULL;
}

/*
 * The cell's verdict on probe @nr, as bench/probes.c words it: "ok",
 * "skip" (ok with "# SKIP"), "REFUSED" (not ok, the policy refused a pin
 * and the caller broke: "name: refused: ..."), "NOT OK", or "-".
 */
static const char *probe_verdict(const char *tap, int nr)
{
	bool pass = false;
	const char *line = probe_line(tap, nr, &pass);
	size_t len = line ? strcspn(line, "\n") : 0;
	const char *colon = line ? memchr(line, ':', len) : NULL;

	if (!line)
		return "-";
	if (pass) {
		const char *skip = strstr(line, " # SKIP");

		return skip && skip < line + len ? "skip" : "ok";
	}
	return colon && !strncmp(colon, ": refused:", 10) ? "REFUSED" : "NOT OK";
}

/* The probe's name: what its TAP line says before the first ':' or " # ". */
static void probe_name(const char *tap, int nr, char *buf, size_t len)
{
	bool pass;
	const char *line = probe_line(tap, nr, &pass), *hash;
	size_t n;

	if (!line) {
		snprintf(buf, len, "probe %d", nr);
		return;
	}
	n = strcspn(line, ":\n");
	hash = strstr(line, " # ");
	if (hash && (size_t)(hash - line) < n)
		n = (size_t)(hash - line);
	snprintf(buf, len, "probe %d: %.*s", nr, (int)n, line);
}

/*
 * One row per policy knob any cell's kernel exported (meta.json "policies",
 * from /sys/kernel/mm/cowbench/), in the order first met: the value each
 * cell ran with, "-" where its kernel had no such knob -- what really ran,
 * not what the variant's name says.
 */
static void knob_rows(const struct matrix *m)
{
	for (size_t c = 0; c < m->n; c++) {
		json_t *knobs = json_object_get(m->cell[c].meta, "policies"), *v;
		const char *knob;

		json_object_foreach(knobs, knob, v) {
			char label[LABEL_W + 1];
			bool seen = false;

			for (size_t p = 0; p < c && !seen; p++)
				seen = json_object_get(json_object_get(m->cell[p].meta, "policies"),
						       knob) != NULL;
			if (seen)
				continue;
			snprintf(label, sizeof(label), "policy %s", knob);
			print_label(m, label);
			for (size_t k = 0; k < m->n; k++)
				print_value(m, k, json_string_value(json_object_get(
					json_object_get(m->cell[k].meta, "policies"), knob)) ?: "-");
			end_row(m);
		}
	}
}

/*
 * The kernel's sticky count of paths upstream's DEBUG_VM checks forbid
 * (meta.json "tainted"): "TAINTED n" where a policy took one, "0", "?" for
 * a file that was no count, "-" for a kernel without the counter.
 */
static void policy_rows(const struct matrix *m)
{
	bool any = false;

	for (size_t c = 0; c < m->n; c++)
		any |= json_object_get(m->cell[c].meta, "tainted") != NULL;
	if (!any)
		return;
	print_label(m, "policy tainted (DEBUG_VM checks skipped)");
	for (size_t c = 0; c < m->n; c++) {
		json_t *t = json_object_get(m->cell[c].meta, "tainted");
		char text[48] = "-";

		if (json_is_integer(t) && json_integer_value(t))
			snprintf(text, sizeof(text), "TAINTED %lld",
				 (long long)json_integer_value(t));
		else if (json_is_integer(t))
			snprintf(text, sizeof(text), "0");
		else if (t)
			snprintf(text, sizeof(text), "?");
		print_value(m, c, text);
	}
	end_row(m);
}

/* The kernel's selftests whose TAP each cell keeps: cell.selftest[] order. */
static const char *const taps[] = { "selftest.cow", "selftest.gup_longterm" };

#define MAX_GROUPS 32		/* failing groups shown per selftest */
#define GROUP_W 120

/*
 * The group of each TAP result: the kselftest mm tests name what they run
 * in "# [RUN] <test> ... with <memory kind>" before its results, so a
 * group is <test>, the memory kinds folded in.  Calls @fn for every
 * "not ok" line with its group ("" before any [RUN]).
 */
static void failing_groups(const char *tap, void (*fn)(const char *group, void *arg),
			   void *arg)
{
	char group[GROUP_W] = "";

	for (const char *l = tap; l && *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		if (len > 8 && !strncmp(l, "# [RUN] ", 8)) {
			const char *name = l + 8, *cut = name + (len - 8);

			for (const char *q = name; q < l + len; q++)
				if (!strncmp(q, " with ", 6) || !strncmp(q, " ...", 4)) {
					cut = q;
					break;
				}
			snprintf(group, sizeof(group), "%.*s", (int)(cut - name), name);
		} else if (len > 7 && !strncmp(l, "not ok ", 7)) {
			fn(group, arg);
		}
		l = end ? end + 1 : NULL;
	}
}

struct groups {
	char name[MAX_GROUPS][GROUP_W];
	size_t n;
	const char *count_of;	/* count this group's failures ... */
	long count;		/* ... here */
};

static void add_group(const char *group, void *arg)
{
	struct groups *g = arg;

	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->name[i], group))
			return;
	if (g->n < MAX_GROUPS)
		snprintf(g->name[g->n++], GROUP_W, "%s", group);
}

static void count_group(const char *group, void *arg)
{
	struct groups *g = arg;

	if (!strcmp(g->count_of, group))
		g->count++;
}

/*
 * Under a selftest's pass/fail/skip row, one row per group that failed in
 * any cell (at most MAX_GROUPS, in the order first met): how many of its
 * results each cell failed, "-" where the cell has no TAP of it.
 */
static void group_rows(const struct matrix *m, size_t t)
{
	static struct groups g;

	g.n = 0;
	for (size_t c = 0; c < m->n; c++)
		failing_groups(m->cell[c].selftest[t], add_group, &g);
	for (size_t i = 0; i < g.n; i++) {
		char label[GROUP_W + 16];	/* plain text cuts it, Markdown shows it whole */

		snprintf(label, sizeof(label), "  fails: %s",
			 g.name[i][0] ? g.name[i] : "(no test named)");
		print_label(m, label);
		for (size_t c = 0; c < m->n; c++) {
			char text[24] = "-";

			g.count_of = g.name[i];
			g.count = 0;
			if (m->cell[c].selftest[t]) {
				failing_groups(m->cell[c].selftest[t], count_group, &g);
				snprintf(text, sizeof(text), "%ld", g.count);
			}
			print_value(m, c, text);
		}
		end_row(m);
	}
}

static void correctness(const struct matrix *m)
{
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
		group_rows(m, t);
	}
	knob_rows(m);
	print_label(m, "kernel BUG/Oops / WARNING lines");
	for (size_t c = 0; c < m->n; c++) {
		char text[32];

		snprintf(text, sizeof(text), "%lld / %lld",
			 json_integer_value(json_object_get(m->cell[c].meta, "kernel_bugs")),
			 json_integer_value(json_object_get(m->cell[c].meta, "kernel_warnings")));
		print_value(m, c, text);
	}
	end_row(m);
	policy_rows(m);
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
	for (size_t t = 0; t < sizeof(taps) / sizeof(taps[0]); t++) {
		char *name = cb_strdup_printf("%s.tap", taps[t]);

		path = cb_path(dir, name);
		free(name);
		if (lstat(path, &st) && errno == ENOENT) {
			free(path);
			continue;
		}
		c->selftest[t] = cb_read_input(path, CB_INPUT_MAX_BYTES, NULL, err, errlen);
		free(path);
		if (!c->selftest[t]) {
			free(dir);
			return -1;
		}
	}
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
	event_tables(&m);
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
		free(m.cell[i].selftest[0]);
		free(m.cell[i].selftest[1]);
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
