// SPDX-License-Identifier: GPL-2.0
/*
 * The side-by-side table at the end of a VM run: one column per cell
 * (kernel.variant), one row per benchmark, then the COW events per 1000
 * items where any cell copied, the refusal points where a cell ran the
 * attack suite, then correctness -- each probe, the kernel's
 * selftests, BUG/WARNING counts -- so a policy's speed is never read apart
 * from what it broke.  Plain text, also written to matrix.txt in the
 * dataset, or Markdown for report.md.
 *
 * Everything it shows from a dataset -- cell names, probe names from
 * probes.tap, statuses, attack.json's names and details -- may hold any
 * byte: Markdown gets report_md_text(), plain text (a terminal) its
 * control characters replaced.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dataset.h"
#include "matrix.h"
#include "report.h"
#include "results.h"
#include "util.h"
#include "value.h"
#include "selftests.h"

#define LABEL_W 44
/*
 * The most probes a probes.tap plan may announce (cowbench has a dozen):
 * a row each, so a hostile "1..2000000000" is refused, not looped over.
 */
#define MAX_PROBES 1000

struct matrix_cell {
	const char *name;	/* "default.refcount" */
	json_t *meta;		/* its entry in meta.json "cells" */
	struct cb_results res;	/* empty if micro did not run or finish */
	char *probes;		/* probes.tap text, or NULL */
	long nr_probes;		/* its plan: 1..nr_probes */
	char *selftest[CB_NR_SELFTESTS];	/* selftest.<name>.tap text, or NULL */
	bool has_attack;	/* it has an attack.json ... */
	json_t *attack;		/* ... that loaded: an object with an "attacks" array */
	char attack_bad[96];	/* or why not, as its table cells say it */
	int width;
};

struct matrix {
	struct matrix_cell *cell;
	size_t n;
	FILE *out;
	bool markdown;		/* Markdown table rows instead of aligned text */
	enum cb_value_mode mode;	/* which value a benchmark row shows */
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
			snprintf(text, sizeof(text), "%.1f",
				 cb_series_value(&r->ns_per_item, m->mode));
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
 * and the caller broke: "name: refused: ..."), "NOT OK", "xfail" (a
 * negative control leaked, as it must: "# TODO"), "XPASS" (it did not), or
 * "-".
 */
static const char *probe_verdict(const char *tap, int nr)
{
	bool pass = false;
	const char *line = probe_line(tap, nr, &pass);
	size_t len = line ? strcspn(line, "\n") : 0;
	const char *colon = line ? memchr(line, ':', len) : NULL;

	const char *todo = line ? strstr(line, " # TODO ") : NULL;

	if (!line)
		return "-";
	/* a negative control (bench/probes.c): its leak is expected, its silence not */
	if (todo && todo < line + len)
		return pass ? "XPASS" : "xfail";
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

/*
 * The kernel's selftests whose TAP each cell keeps, bench/selftests.h's
 * rows in its order (cell.selftest[t]): "selftest.<name>" in @buf.
 */
static const char *tap_name(size_t t, char *buf, size_t len)
{
	snprintf(buf, len, "selftest.%s", cb_selftests[t].name);
	return buf;
}

#define MAX_GROUPS 32		/* failing groups shown per selftest */
#define GROUP_W 120

/*
 * The group of each TAP result: the kselftest mm tests name what they run
 * in "# [RUN] <test> ... with <memory kind>" before its results, so a
 * group is <test>, the memory kinds folded in.  Calls @fn for every
 * "not ok" line with its group; before any [RUN] (a test that names no
 * groups, such as the one line the guest makes of a KVM test's exit
 * status, "not ok 1 guest_memfd_test: exit 1"), the group is what the
 * line says after its number, up to a " # " directive.
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
			char own[GROUP_W];
			const char *d = l + 7, *e = l + len, *dir;

			if (group[0]) {
				fn(group, arg);
			} else {
				d += strspn(d, "0123456789");
				d += strspn(d, " -");
				dir = strstr(d, " # ");
				if (dir && dir < e)
					e = dir;
				snprintf(own, sizeof(own), "%.*s", d < e ? (int)(e - d) : 0, d);
				fn(own, arg);
			}
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
			 g.name[i][0] ? g.name[i] : "(a result with no name)");
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

#define SKIP_TEXT_MAX 40	/* "skip <why>" shown at most */

/*
 * A cell's pass/fail/skip of the selftest @name from its meta.json
 * tap_totals, "-" without, "skip <why>" where the whole test was one skip
 * (its "skip_reason": no /dev/kvm, a requirement kselftest found unmet).
 */
static void selftest_value(json_t *meta, const char *name, char *text, size_t len)
{
	json_t *tot = json_object_get(json_object_get(meta, "tap_totals"), name);
	const char *why = json_string_value(json_object_get(tot, "skip_reason"));

	if (!tot)
		snprintf(text, len, "-");
	else if (why)
		snprintf(text, len, "skip %.*s", SKIP_TEXT_MAX - 5, why);
	else
		snprintf(text, len, "%lld/%lld/%lld",
			 json_integer_value(json_object_get(tot, "pass")),
			 json_integer_value(json_object_get(tot, "fail")),
			 json_integer_value(json_object_get(tot, "skip")));
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
	for (size_t t = 0; t < CB_NR_SELFTESTS; t++) {
		char label[128], name[96];
		bool any = false;

		/* No row for a test no cell has: a dataset from before it was run. */
		tap_name(t, name, sizeof(name));
		for (size_t c = 0; c < m->n && !any; c++)
			any = m->cell[c].selftest[t] ||
			      json_object_get(json_object_get(m->cell[c].meta, "tap_totals"), name);
		if (!any)
			continue;

		/* "selftest." left out where the label would be cut without it */
		snprintf(label, sizeof(label), "%s pass/fail/skip", tap_name(t, name, sizeof(name)));
		if (strlen(label) > LABEL_W)
			snprintf(label, sizeof(label), "%s pass/fail/skip", cb_selftests[t].name);
		print_label(m, label);
		for (size_t c = 0; c < m->n; c++) {
			char text[SKIP_TEXT_MAX + 8];

			selftest_value(m->cell[c].meta, name, text, sizeof(text));
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
 * Refusal points: what the "attack" suite (bench/attack.c) wrote in each
 * cell's attack.json -- how far each attack got on one page before the
 * kernel refused it, or the attack stopped on a budget or limit, and
 * whether the page came out intact.  One row per attack name (from the
 * files, in the order first met), one column per cell.  The file is
 * untrusted like the rest of the dataset: a field of the wrong type or out
 * of range is shown as "?", a string as at most DETAIL_W bytes of it, an
 * unknown stop reason as "?".
 */
#define ATTACK_MAX_BYTES (1u << 20)
#define MAX_ATTACK_ROWS 16	/* attack names shown (cowbench has three) */
#define MAX_ATTACK_ENTRIES 64	/* entries of one file looked at */
#define DETAIL_W 64
#define ATTACK_TEXT 512

/* @s, cut to fit @size bytes ("..." where cut, never inside a UTF-8 sequence). */
static void cut_text(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s), n;

	if (len < size) {
		memcpy(buf, s, len + 1);
		return;
	}
	n = size - 4;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
}

/* An attack entry's name as its row is labelled: "?" when it has none. */
static void attack_name(json_t *entry, char *buf, size_t size)
{
	const char *name = json_string_value(json_object_get(entry, "name"));

	cut_text(buf, size, name && name[0] ? name : "?");
}

/* The cell's first entry named @name (attack_name()), or NULL. */
static json_t *attack_entry(const struct matrix_cell *c, const char *name)
{
	json_t *list = json_object_get(c->attack, "attacks");

	for (size_t i = 0; i < json_array_size(list) && i < MAX_ATTACK_ENTRIES; i++) {
		char have[LABEL_W + 1];

		attack_name(json_array_get(list, i), have, sizeof(have));
		if (!strcmp(have, name))
			return json_array_get(list, i);
	}
	return NULL;
}

/* @v an integer in [@min, @max]. */
static bool int_in(json_t *v, long long min, long long max, long long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* @v any JSON number in [@min, @max]. */
static bool number_in(json_t *v, double min, double max, double *out)
{
	if (!json_is_number(v) || !(json_number_value(v) >= min && json_number_value(v) <= max))
		return false;
	*out = json_number_value(v);
	return true;
}

/* @v with thousands separators: "2,097,152" (|@v| < 2^63). */
static void grouped(long long v, char *buf, size_t size)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu",
			 v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	size_t o = 0;

	if (v < 0 && o + 1 < size)
		buf[o++] = '-';
	for (int i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* A count or size: 3 significant digits below 100, else a grouped whole number. */
static void amount(double v, char *buf, size_t size)
{
	if (fabs(v) < 100)
		snprintf(buf, size, "%.3g", v);
	else
		grouped((long long)llround(v), buf, size);
}

/* A cell's text, built of parts joined by "; ". */
struct attack_text {
	char buf[ATTACK_TEXT];
	size_t used;
};

static void __attribute__((format(printf, 2, 3))) part(struct attack_text *t, const char *fmt,
						       ...)
{
	va_list ap;
	int n;

	if (t->used && t->used + 2 < sizeof(t->buf)) {
		memcpy(t->buf + t->used, "; ", 3);
		t->used += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, sizeof(t->buf) - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used = t->used + (size_t)n < sizeof(t->buf) ? t->used + (size_t)n
							  : sizeof(t->buf) - 1;
}

/* A field's whole number for @t: grouped, "?" out of [@min, @max]. */
static const char *count_of(json_t *v, long long min, long long max, char *buf, size_t size)
{
	long long n;

	if (!int_in(v, min, max, &n))
		return "?";
	grouped(n, buf, size);
	return buf;
}

/* A field's number (a size, seconds) for @t: "?" out of [@min, @max]. */
static const char *number_of(json_t *v, double min, double max, char *buf, size_t size)
{
	double d;

	if (!number_in(v, min, max, &d))
		return "?";
	amount(d, buf, size);
	return buf;
}

/* A stop reason as attack.json words it: [a-z0-9-], else "?". */
static const char *stop_word(json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || !s[0] || strlen(s) > 24 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
						   strlen(s))
		return "?";
	return s;
}

static bool word_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* The first errno name in @s ("ENOMEM": a word of E and 2 to 15 of [A-Z0-9]), or "". */
static void errno_name(const char *s, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const char *p = s; p && *p; p++) {
		size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

		if (*p == 'E' && (p == s || !word_char(p[-1])) && n >= 3 && n <= 16 &&
		    !word_char(p[n])) {
			snprintf(buf, size, "%.*s", (int)n, p);
			return;
		}
	}
}

/*
 * How and where it stopped, one part: "refused ENOMEM at 2,097,152 pins
 * (12.5 MiB, 3 procs)" -- the MiB when given, processes beyond one and
 * fds beyond none.
 */
static void stop_part(struct attack_text *t, json_t *a, const char *name)
{
	const char *unit = !strcmp(name, "pin-one-page") || !strcmp(name, "iouring-fixed") ?
			   "pins" : "refs";
	json_t *stop = json_object_get(a, "stop"), *refs = json_object_get(a, "refs_added");
	json_t *mib = json_object_get(a, "kernel_mib"), *procs = json_object_get(a, "processes");
	json_t *fds = json_object_get(a, "fds");
	char err[24], num[32], at[64] = "", extra[96] = "";
	size_t used = 0;
	long long n;

	errno_name(json_string_value(json_object_get(a, "stop_detail")), err, sizeof(err));
	if (refs)
		snprintf(at, sizeof(at), " at %s %s",
			 count_of(refs, 0, INT64_C(1) << 53, num, sizeof(num)), unit);
	if (mib && !json_is_null(mib))
		used += (size_t)snprintf(extra, sizeof(extra), "%s MiB",
					 number_of(mib, -1e12, 1e12, num, sizeof(num)));
	if (procs && !(int_in(procs, 0, 1, &n)))
		used += (size_t)snprintf(extra + used, sizeof(extra) - used, "%s%s procs",
					 used ? ", " : "",
					 count_of(procs, 0, 1000000000, num, sizeof(num)));
	if (fds && !(int_in(fds, 0, 0, &n)))
		snprintf(extra + used, sizeof(extra) - used, "%s%s fds", used ? ", " : "",
			 count_of(fds, 0, 1000000000, num, sizeof(num)));
	part(t, "%s%s%s%s%s%s%s", stop ? stop_word(stop) : "stopped", err[0] ? " " : "", err, at,
	     extra[0] ? " (" : "", extra, extra[0] ? ")" : "");
}

/* The text of @a, the cell's entry of attack @name. */
static void attack_cell(json_t *a, const char *name, struct attack_text *t)
{
	const char *status = json_string_value(json_object_get(a, "status"));
	json_t *intact = json_object_get(a, "intact");
	static const char *const rc[] = { "refcount_before", "refcount_peak", "refcount_after" };
	json_t *secs = json_object_get(a, "guest_seconds");
	char detail[DETAIL_W + 1], num[3][32];
	bool any_rc = false;

	t->used = 0;
	t->buf[0] = '\0';
	if (status && !strcmp(status, "unsupported")) {
		part(t, "unsupported");
		return;
	}
	if (json_is_false(intact)) {
		cut_text(detail, sizeof(detail),
			 json_string_value(json_object_get(a, "intact_detail")) ?: "");
		part(t, "NOT intact%s%s", detail[0] ? ": " : "", detail);
	}
	if (status && !strcmp(status, "broken")) {
		cut_text(detail, sizeof(detail),
			 json_string_value(json_object_get(a, "stop_detail")) ?: "");
		part(t, "BROKEN%s%s", detail[0] ? ": " : "", detail);
	} else {
		if (!status || strcmp(status, "ok"))
			part(t, "status ?");
		stop_part(t, a, name);
	}
	for (size_t i = 0; i < 3; i++)
		any_rc |= json_object_get(a, rc[i]) != NULL;
	if (any_rc) {
		for (size_t i = 0; i < 3; i++) {
			long long v;

			if (int_in(json_object_get(a, rc[i]), INT32_MIN, INT32_MAX, &v))
				snprintf(num[i], sizeof(num[i]), "%lld", v);
			else
				snprintf(num[i], sizeof(num[i]), "?");
		}
		part(t, "refcount %s -> %s -> %s", num[0], num[1], num[2]);
	}
	if (secs)
		part(t, "%s s", number_of(secs, 0, 1e12, num[0], sizeof(num[0])));
	if (json_is_true(intact))
		part(t, "intact");
	else if (!json_is_false(intact))
		part(t, "intact ?");
}

/* The budget attack.json says the attacks ran under: "4,194,304 refs, 512 MiB, 60 s". */
static void budget_cell(json_t *b, struct attack_text *t)
{
	char num[3][32];

	t->used = 0;
	t->buf[0] = '\0';
	if (!json_is_object(b)) {
		part(t, "?");
		return;
	}
	part(t, "%s refs, %s MiB, %s s",
	     count_of(json_object_get(b, "refs"), 0, INT64_C(1) << 53, num[0], sizeof(num[0])),
	     number_of(json_object_get(b, "kernel_mib"), 0, 1e12, num[1], sizeof(num[1])),
	     number_of(json_object_get(b, "seconds"), 0, 1e12, num[2], sizeof(num[2])));
}

/*
 * The section's rows: the budget (when a file has one), one per attack
 * name (at most MAX_ATTACK_ROWS), "more attacks, not shown" (how many
 * entries each cell has beyond those) when there are more; or, when no
 * file names an attack, one row of what each cell's file is.
 */
struct attack_rows {
	char label[MAX_ATTACK_ROWS + 3][LABEL_W + 1];
	size_t n;
	size_t first, end;	/* the attacks' rows */
	bool budget, more;
	char (*text)[ATTACK_TEXT];	/* [row * cells + cell] */
};

static bool attack_row(const struct attack_rows *r, const char *name)
{
	for (size_t k = r->first; k < r->end; k++)
		if (!strcmp(r->label[k], name))
			return true;
	return false;
}

/* The cell's text where it has no entries to show: "-", or why its file is not read. */
static const char *attack_missing(const struct matrix_cell *c)
{
	if (c->attack_bad[0])
		return c->attack_bad;
	if (c->has_attack)
		return NULL;
	return json_object_get(json_object_get(c->meta, "suite_ends"), "attack") ?
	       "no attack.json" : "-";
}

/* The text of row @k in @cell. */
static void attack_row_text(const struct attack_rows *r, size_t k,
			    const struct matrix_cell *cell, char *text)
{
	json_t *list = json_object_get(cell->attack, "attacks"), *a;
	const char *missing = attack_missing(cell);
	struct attack_text t;

	if (missing) {
		snprintf(text, ATTACK_TEXT, "%s", missing);
	} else if (r->budget && k == 0) {
		a = json_object_get(cell->attack, "budget");
		budget_cell(a, &t);
		snprintf(text, ATTACK_TEXT, "%s", a ? t.buf : "-");
	} else if (k >= r->first && k < r->end) {
		a = attack_entry(cell, r->label[k]);
		if (a)
			attack_cell(a, r->label[k], &t);
		snprintf(text, ATTACK_TEXT, "%s", a ? t.buf : "-");
	} else if (r->end > r->first) {
		size_t left = json_array_size(list) > MAX_ATTACK_ENTRIES ?
			      json_array_size(list) - MAX_ATTACK_ENTRIES : 0;

		for (size_t i = 0; i < json_array_size(list) && i < MAX_ATTACK_ENTRIES; i++) {
			char name[LABEL_W + 1];

			attack_name(json_array_get(list, i), name, sizeof(name));
			left += !attack_row(r, name);
		}
		snprintf(text, ATTACK_TEXT, "%zu", left);
	} else {
		snprintf(text, ATTACK_TEXT, "no attacks");
	}
}

static void attack_rows(const struct matrix *m, struct attack_rows *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t c = 0; c < m->n; c++)
		r->budget |= json_object_get(m->cell[c].attack, "budget") != NULL;
	if (r->budget)
		snprintf(r->label[r->n++], LABEL_W + 1, "budget");
	r->first = r->end = r->n;
	for (size_t c = 0; c < m->n; c++) {
		json_t *list = json_object_get(m->cell[c].attack, "attacks");

		for (size_t i = 0; i < json_array_size(list) && i < MAX_ATTACK_ENTRIES; i++) {
			char name[LABEL_W + 1];

			attack_name(json_array_get(list, i), name, sizeof(name));
			if (attack_row(r, name))
				continue;
			if (r->end - r->first == MAX_ATTACK_ROWS)
				r->more = true;
			else
				memcpy(r->label[r->end++], name, sizeof(name));
		}
		r->more |= json_array_size(list) > MAX_ATTACK_ENTRIES;
	}
	r->n = r->end;
	if (r->more || r->end == r->first)
		snprintf(r->label[r->n++], LABEL_W + 1, "%s",
			 r->more ? "more attacks, not shown" : "attack.json");
	r->text = calloc(r->n * m->n + 1, sizeof(*r->text));
	if (!r->text)
		abort();
	for (size_t k = 0; k < r->n; k++)
		for (size_t c = 0; c < m->n; c++)
			attack_row_text(r, k, &m->cell[c], r->text[k * m->n + c]);
}

/*
 * The section, when any cell has an attack.json: a table in Markdown.  A
 * cell's text runs to a hundred columns, so plain text has a block per
 * attack instead, a line per cell under it:
 *
 *   pin-one-page
 *     k.bias      refused ENOMEM at 2,097,152 pins (12.5 MiB); ...
 */
static void refusal_points(const struct matrix *m)
{
	struct attack_rows r;
	int name_w = 0;
	char *shown;
	size_t c;

	for (c = 0; c < m->n && !m->cell[c].has_attack; c++)
		;
	if (c == m->n)
		return;
	attack_rows(m, &r);
	if (m->markdown) {
		print_header(m, "refusal points");
	} else {
		fputs("\nrefusal points (attack.json)\n", m->out);
		for (c = 0; c < m->n; c++)
			if (m->cell[c].name && (int)strlen(m->cell[c].name) > name_w)
				name_w = (int)strlen(m->cell[c].name);
	}
	for (size_t k = 0; k < r.n; k++) {
		if (m->markdown) {
			print_label(m, r.label[k]);
			for (c = 0; c < m->n; c++)
				print_value(m, c, r.text[k * m->n + c]);
			end_row(m);
			continue;
		}
		shown = cb_printable(r.label[k]);
		fprintf(m->out, "%s\n", shown);
		free(shown);
		for (c = 0; c < m->n; c++) {
			fputs("  ", m->out);
			print_text(m, -name_w, m->cell[c].name ?: "?");
			print_text(m, 0, r.text[k * m->n + c]);
			end_row(m);
		}
	}
	free(r.text);
}

/*
 * attack.json, when the cell has one: a link, a FIFO or a file that will
 * not read is refused like the dataset's other files (-1 with @err); one
 * over ATTACK_MAX_BYTES, not JSON or not of the schema is shown as such
 * in the cell's column (c->attack_bad), the rest of the report stands.
 */
static int load_attack(struct matrix_cell *c, const char *dir, char *err, size_t errlen)
{
	char *path = cb_path(dir, "attack.json"), *text;
	json_t *schema, *list;
	json_error_t jerr;
	struct stat st;
	size_t len;

	if (lstat(path, &st)) {
		if (errno == ENOENT) {
			free(path);
			return 0;
		}
	} else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > ATTACK_MAX_BYTES) {
		c->has_attack = true;
		snprintf(c->attack_bad, sizeof(c->attack_bad),
			 "? attack.json: %lld bytes, over %u", (long long)st.st_size,
			 ATTACK_MAX_BYTES);
		free(path);
		return 0;
	}
	c->has_attack = true;
	text = cb_read_input(path, ATTACK_MAX_BYTES, &len, err, errlen);
	free(path);
	if (!text)
		return -1;
	c->attack = json_loadb(text, len, 0, &jerr);
	free(text);
	schema = json_object_get(c->attack, "schema");
	list = json_object_get(c->attack, "attacks");
	if (!c->attack)
		snprintf(c->attack_bad, sizeof(c->attack_bad), "? attack.json: not JSON (line %d)",
			 jerr.line);
	else if (!json_is_object(c->attack))
		snprintf(c->attack_bad, sizeof(c->attack_bad), "? attack.json: not an object");
	else if (schema && !(json_is_integer(schema) && json_integer_value(schema) == 1))
		snprintf(c->attack_bad, sizeof(c->attack_bad), "? attack.json: not schema 1");
	else if (!json_is_array(list))
		snprintf(c->attack_bad, sizeof(c->attack_bad), "? attack.json: no attacks list");
	if (c->attack_bad[0]) {
		json_decref(c->attack);
		c->attack = NULL;
	}
	return 0;
}

/*
 * A cell's files, read as untrusted input: its directory only through
 * cb_dataset_cell_dir(), probes.tap through cb_read_input() (a plan of at
 * most MAX_PROBES).  A directory or file that is not there is a cell that
 * did not get that far; so is a micro.json that does not load (an
 * interrupted run's: the report loads each one itself first and refuses a
 * bad one).  attack.json: load_attack().
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
	for (size_t t = 0; t < CB_NR_SELFTESTS; t++) {
		char buf[96], *name = cb_strdup_printf("%s.tap", tap_name(t, buf, sizeof(buf)));

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
	if (load_attack(c, dir, err, errlen)) {
		free(dir);
		return -1;
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
	json_t *suites = json_object_get(meta, "cells"), *s;
	const char *mode = json_string_value(json_object_get(meta, "mode")) ?: "?";
	struct matrix m = { calloc(json_array_size(suites) + 1, sizeof(*m.cell)), 0, out,
			    markdown, cb_value_mode_of(mode) };
	char title[64];
	size_t i;
	int ret = 0;

	if (!m.cell) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(suites, i, s) {
		struct matrix_cell *c = &m.cell[m.n++];

		c->name = json_string_value(json_object_get(s, "cell"));
		c->meta = s;
		c->width = c->name && strlen(c->name) > 12 ? (int)strlen(c->name) : 12;
		/* wide enough for a "skip <why>" of its selftests */
		for (size_t t = 0; t < CB_NR_SELFTESTS; t++) {
			char name[96], text[SKIP_TEXT_MAX + 8];

			selftest_value(s, tap_name(t, name, sizeof(name)), text, sizeof(text));
			if ((int)strlen(text) > c->width)
				c->width = (int)strlen(text);
		}
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
	/* the value report tables and check use: its statistic named in the header */
	snprintf(title, sizeof(title), "%s, %s per item", cb_value_name(m.mode),
		 m.mode == CB_VALUE_ICOUNT ? "guest instructions" : "ns");
	print_header(&m, title);
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
	refusal_points(&m);
	correctness(&m);
out:
	for (i = 0; i < m.n; i++) {
		cb_results_free(&m.cell[i].res);
		free(m.cell[i].probes);
		for (size_t t = 0; t < CB_NR_SELFTESTS; t++)
			free(m.cell[i].selftest[t]);
		json_decref(m.cell[i].attack);
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
