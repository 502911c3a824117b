// SPDX-License-Identifier: GPL-2.0
/*
 * The report's guest_memfd section (issue 15, patches/6.12/0015): what
 * converting guest_memfd pages between shared and private costs under each
 * cell's cowbench.gmem_convert policy (sigbus, rmap-check, no-mmap), which
 * calls the policy refused, and what the gmem- probes saw.
 *
 *   policy     meta.json "policies" gmem_convert, else the probes.tap
 *              comment "# cowbench knob before gmem_convert: [sigbus] ..."
 *   cost       every gmem/ benchmark per cell: the statistic per item, or
 *              "refused" where the benchmark's per-item counter "refused"
 *              (an extra of bench/gmem.c: 1 per call the policy refused
 *              with EBUSY or EPERM) moved -- a refused call's cost is no
 *              conversion cost; skips and failures with their reasons
 *   events     per gmem/ benchmark, the vm.gmem_* events per item that moved
 *   probes     every "gmem-" probe of probes.tap: verdict and detail (the
 *              vmsplice leak's bytes), gmem-vmsplice-weak the negative control
 *   plot       gmem-to-private: cost per page against size, one line per
 *              cell and mapper count (gmem/to-private-m<N>/<size>/...),
 *              refused calls not drawn (plots/vs-size.gp)
 *
 * The section is absent -- no heading, no plot, no data file -- from a
 * report whose datasets hold no gmem/ benchmark, vm.gmem_ event or gmem-
 * probe.  Markdown and HTML are one walk through struct sink; email.txt
 * gets a summary within 72 columns.  Everything from a dataset goes out
 * through report_md_text() or report_html_text(), or cb_printable() in
 * the email; the plot's series titles are made here of a cell name
 * (cb_dataset_name_ok()) and a number.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "report.h"
#include "util.h"
#include "value.h"

#define EMAIL_WIDTH 72
#define GMEM_PREFIX "gmem/"
#define GMEM_EVENT_PREFIX "vm.gmem_"
#define GMEM_PROBE_PREFIX "gmem-"
#define GMEM_PLOT "gmem-to-private"
#define TO_PRIVATE "gmem/to-private-m"
#define REFUSED_COUNTER "refused"
/* gmem probes kept per cell (cowbench has nine): a hostile probes.tap is cut, saying so */
#define MAX_GMEM_PROBES 32
#define PROBE_NAME_MAX 80
/* bytes of a probe's detail shown (bench/probes.c writes at most 480) */
#define DETAIL_SHOWN 320
/* skipped or failed gmem benchmarks listed with their reason */
#define MAX_REASONS 32
/* refused calls email.txt names per cell; the rest counted */
#define EMAIL_REFUSED 6

/* ---- what the section reads ---- */

static bool is_gmem(const char *name)
{
	return !strncmp(name, GMEM_PREFIX, strlen(GMEM_PREFIX));
}

/* Repetitions of @r in which the policy refused the call ("refused" counter > 0). */
static size_t refused_reps(const struct cb_result *r)
{
	size_t n = 0;

	for (size_t e = 0; r && e < r->nr_events; e++)
		if (!strcmp(r->events[e].name, REFUSED_COUNTER))
			for (size_t i = 0; i < r->events[e].s.n; i++)
				n += r->events[e].s.v[i] > 0;
	return n;
}

bool report_refused(const struct cb_result *r)
{
	return refused_reps(r) > 0;
}

static bool has_gmem_event(const struct cb_result *r)
{
	for (size_t e = 0; e < r->nr_events; e++)
		if (!strncmp(r->events[e].name, GMEM_EVENT_PREFIX, strlen(GMEM_EVENT_PREFIX)))
			return true;
	return false;
}

static bool micro_present(const struct report *r)
{
	for (size_t c = 0; c < r->n; c++)
		for (size_t i = 0; i < r->cell[c].res.n; i++)
			if (is_gmem(r->cell[c].res.r[i].name) ||
			    has_gmem_event(&r->cell[c].res.r[i]))
				return true;
	return false;
}

/* The cell's name in its dataset (r->cell[].name may carry "@N"). */
static const char *cell_variant(const struct report_cell *c)
{
	return json_string_value(json_object_get(c->meta, "cell")) ?: c->name;
}

/* V_XFAIL, V_XPASS: a negative control ("# TODO") that leaked, or did not */
enum verdict { V_SAFE, V_UNSAFE, V_REFUSED, V_ERROR, V_SKIP, V_XFAIL, V_XPASS, V_UNKNOWN };
static const char *const verdict_word[] = { "safe", "UNSAFE", "refused", "error", "skip",
					    "xfail", "XPASS", "?" };

struct gprobe {
	char name[PROBE_NAME_MAX + 1];
	enum verdict v;
	const char *detail;	/* into the cell's probes.tap text */
	size_t detail_len;
	bool control;		/* "# TODO": a negative control (bench/probes.c) */
};

struct gcell {
	char *tap;		/* probes.tap, or NULL */
	char policy[64];	/* gmem_convert active, or "" */
	struct gprobe probe[MAX_GMEM_PROBES];
	size_t nr_probes;
	size_t more;		/* gmem probes beyond MAX_GMEM_PROBES */
};

struct gmem {
	const struct report *r;
	struct gcell *cell;	/* r->n of them */
	bool any_probe;
};

/* "[sigbus] rmap-check no-mmap" -> "sigbus" into @buf; false when no "[...]". */
static bool active_value(const char *text, size_t len, char *buf, size_t buflen)
{
	const char *open = memchr(text, '[', len), *close;

	if (!open)
		return false;
	close = memchr(open, ']', len - (size_t)(open - text));
	if (!close)
		return false;
	snprintf(buf, buflen, "%.*s", (int)(close - open - 1), open + 1);
	return true;
}

/* One TAP line of a gmem probe ("ok 4 gmem-x: safe: ..."), into @p; false for another line. */
static bool parse_probe(const char *line, size_t len, struct gprobe *p)
{
	const char *end = line + len, *s = line, *name, *rest;
	bool ok;
	size_t n;

	if (len > 3 && !strncmp(s, "ok ", 3)) {
		ok = true;
		s += 3;
	} else if (len > 7 && !strncmp(s, "not ok ", 7)) {
		ok = false;
		s += 7;
	} else {
		return false;
	}
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	if (s == end || *s != ' ')
		return false;
	name = ++s;
	if ((size_t)(end - name) < strlen(GMEM_PROBE_PREFIX) ||
	    strncmp(name, GMEM_PROBE_PREFIX, strlen(GMEM_PROBE_PREFIX)))
		return false;
	/* the name ends at the first ':' or " # " (bench/probes.c: it has neither) */
	for (rest = name; rest < end && *rest != ':' &&
	     !(end - rest >= 3 && !strncmp(rest, " # ", 3)); rest++)
		;
	n = (size_t)(rest - name);
	snprintf(p->name, sizeof(p->name), "%.*s", (int)(n < PROBE_NAME_MAX ? n : PROBE_NAME_MAX),
		 name);
	p->v = V_UNKNOWN;
	p->control = false;
	p->detail = rest;
	if (end - rest >= 3 && !strncmp(rest, " # ", 3)) {
		rest += 3;
		if (ok && end - rest >= 4 && !strncmp(rest, "SKIP", 4)) {
			p->v = V_SKIP;
			rest += 4;
			while (rest < end && *rest == ' ')
				rest++;
		}
		p->detail = rest;
	} else if (end - rest >= 2 && !strncmp(rest, ": ", 2)) {
		static const struct { const char *word; enum verdict v; bool ok; } words[] = {
			{ "safe", V_SAFE, true }, { "UNSAFE", V_UNSAFE, false },
			{ "refused", V_REFUSED, false }, { "error", V_ERROR, false },
		};

		rest += 2;
		p->detail = rest;
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t wl = strlen(words[w].word);

			if (words[w].ok == ok && (size_t)(end - rest) >= wl &&
			    !strncmp(rest, words[w].word, wl) &&
			    (rest + wl == end || rest[wl] == ':')) {
				p->v = words[w].v;
				rest += wl;
				if (rest < end && *rest == ':')
					rest++;
				while (rest < end && *rest == ' ')
					rest++;
				p->detail = rest;
				break;
			}
		}
	}
	p->detail_len = (size_t)(end - p->detail);
	/* " # TODO <why>" ends a negative control's line: not part of the detail */
	for (const char *t = p->detail; end - t >= 8; t++)
		if (!strncmp(t, " # TODO ", 8)) {
			p->control = true;
			p->detail_len = (size_t)(t - p->detail);
			break;
		}
	if (p->control && (p->v == V_UNSAFE || p->v == V_SAFE))
		p->v = p->v == V_UNSAFE ? V_XFAIL : V_XPASS;
	return true;
}

static void parse_tap(struct gcell *g)
{
	for (const char *l = g->tap; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		static const char knob[] = "# cowbench knob before gmem_convert: ";
		struct gprobe p;

		if (len > strlen(knob) && !strncmp(l, knob, strlen(knob)) && !g->policy[0]) {
			active_value(l + strlen(knob), len - strlen(knob), g->policy,
				     sizeof(g->policy));
		} else if (parse_probe(l, len, &p)) {
			if (g->nr_probes < MAX_GMEM_PROBES)
				g->probe[g->nr_probes++] = p;
			else
				g->more++;
		}
		l = nl ? nl + 1 : NULL;
	}
}

static void gmem_free(struct gmem *g)
{
	for (size_t c = 0; g->cell && c < g->r->n; c++)
		free(g->cell[c].tap);
	free(g->cell);
}

/*
 * Each cell's probes.tap (read as matrix.c reads it: a regular file within
 * the size limit, in a directory of the dataset) and policy.  -1 with the
 * reason; 0 with nothing loaded (g->cell NULL) when the section is absent.
 */
static int gmem_load(struct gmem *g, const struct report *r, char *err, size_t errlen)
{
	bool micro = micro_present(r);

	memset(g, 0, sizeof(*g));
	g->r = r;
	g->cell = calloc(r->n, sizeof(*g->cell));
	if (!g->cell) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t c = 0; c < r->n; c++) {
		struct gcell *gc = &g->cell[c];
		const char *policy = json_string_value(json_object_get(
			json_object_get(r->cell[c].meta, "policies"), "gmem_convert"));
		char *dir = cb_dataset_cell_dir(r->cell[c].dataset, cell_variant(&r->cell[c]),
						err, errlen), *path;
		struct stat st;

		if (!dir) {
			gmem_free(g);
			return -1;
		}
		path = cb_path(dir, "probes.tap");
		free(dir);
		if (!lstat(path, &st) || errno != ENOENT) {
			gc->tap = cb_read_input(path, CB_INPUT_MAX_BYTES, NULL, err, errlen);
			if (!gc->tap) {
				free(path);
				gmem_free(g);
				return -1;
			}
		}
		free(path);
		parse_tap(gc);
		if (policy)
			snprintf(gc->policy, sizeof(gc->policy), "%s", policy);
		g->any_probe |= gc->nr_probes > 0;
	}
	if (!micro && !g->any_probe) {
		gmem_free(g);
		g->cell = NULL;
	}
	return 0;
}

/* ---- Markdown or HTML ---- */

struct sink {
	FILE *out;
	bool html;
};

static void text(const struct sink *s, const char *t)
{
	if (s->html)
		report_html_text(s->out, t);
	else
		report_md_text(s->out, t);
}

/* @t of @len bytes (not NUL-terminated: a probe's detail in its TAP line) */
static void text_n(const struct sink *s, const char *t, size_t len)
{
	char *copy = strndup(t, len);

	text(s, copy);
	free(copy);
}

/* Markdown blocks each start with a blank line: a table right under another would join it. */
static void heading(const struct sink *s, int level, const char *title)
{
	if (s->html)
		fprintf(s->out, "<h%d>", level);
	else
		fprintf(s->out, "\n%.*s ", level, "######");
	text(s, title);
	if (s->html)
		fprintf(s->out, "</h%d>\n", level);
	else
		fputc('\n', s->out);
}

/* Constant text of this file: no dataset string in @para. */
static void para_begin(const struct sink *s)
{
	fputs(s->html ? "<p>" : "\n", s->out);
}

static void para_end(const struct sink *s)
{
	fputs(s->html ? "</p>\n" : "\n", s->out);
}

/* A table's header row: @cols constant labels then, with @cells, every cell's name. */
static void table_begin(const struct sink *s, const char *const *cols, size_t n,
			const struct report *cells)
{
	size_t total = n + (cells ? cells->n : 0);

	fputs(s->html ? "<table>\n<tr>" : "\n|", s->out);
	for (size_t i = 0; i < total; i++) {
		fputs(s->html ? "<th>" : " ", s->out);
		text(s, i < n ? cols[i] : cells->cell[i - n].name);
		fputs(s->html ? "</th>" : " |", s->out);
	}
	fputs(s->html ? "</tr>\n" : "\n|", s->out);
	for (size_t i = 0; !s->html && i < total; i++)
		fputs(i < n ? "---|" : "---:|", s->out);
	fputs(s->html ? "" : "\n", s->out);
}

static void row_begin(const struct sink *s)
{
	fputs(s->html ? "<tr>" : "|", s->out);
}

static void cell_text(const struct sink *s, const char *t, bool number)
{
	fputs(s->html ? (number ? "<td class=\"n\">" : "<td>") : " ", s->out);
	text(s, t);
	fputs(s->html ? "</td>" : " |", s->out);
}

static void row_end(const struct sink *s)
{
	fputs(s->html ? "</tr>\n" : "\n", s->out);
}

static void table_end(const struct sink *s)
{
	fputs(s->html ? "</table>\n" : "", s->out);
}

/* The gmem benchmarks in the order the first cell that has each lists them. */
static size_t gmem_benchmarks(const struct report *r, const char ***names)
{
	size_t total = 0, n = 0;

	for (size_t c = 0; c < r->n; c++)
		total += r->cell[c].res.n;
	*names = calloc(total + 1, sizeof(**names));
	if (!*names)
		abort();
	for (size_t c = 0; c < r->n; c++) {
		for (size_t i = 0; i < r->cell[c].res.n; i++) {
			const char *name = r->cell[c].res.r[i].name;
			bool seen = false;

			if (!is_gmem(name))
				continue;
			for (size_t p = 0; p < c && !seen; p++)
				seen = cb_results_find(&r->cell[p].res, name) != NULL;
			if (!seen)
				(*names)[n++] = name;
		}
	}
	return n;
}

/* The cost table's cell: the statistic, "refused", or why there is no number. */
static void cost_text(const struct report *r, const struct cb_result *res, char *buf,
		      size_t len)
{
	size_t refused = refused_reps(res);

	if (!res) {
		snprintf(buf, len, "-");
	} else if (res->kind != CB_RES_OK) {
		snprintf(buf, len, "%s", res->kind == CB_RES_SKIPPED ? "skipped" :
			 res->kind == CB_RES_INTERRUPTED ? "not run" : "FAILED");
	} else if (!res->ns_per_item.n) {
		snprintf(buf, len, "-");
	} else if (refused >= res->ns_per_item.n) {
		snprintf(buf, len, "refused");
	} else if (refused) {
		/* some repetitions refused: their costs are in the statistic, so none */
		snprintf(buf, len, "refused %zu/%zu", refused, res->ns_per_item.n);
	} else {
		snprintf(buf, len, "%.1f",
			 cb_series_value(&res->ns_per_item, cb_value_mode_of(r->mode)));
	}
}

static void cost_table(const struct gmem *g, const struct sink *s, const char **names,
		       size_t n)
{
	const struct report *r = g->r;
	static const char *const cols[] = { "benchmark" };
	char buf[64];

	table_begin(s, cols, 1, r);
	row_begin(s);
	cell_text(s, "policy gmem_convert", false);
	for (size_t c = 0; c < r->n; c++)
		cell_text(s, g->cell[c].policy[0] ? g->cell[c].policy : "-", true);
	row_end(s);
	for (size_t i = 0; i < n; i++) {
		row_begin(s);
		cell_text(s, names[i], false);
		for (size_t c = 0; c < r->n; c++) {
			cost_text(r, cb_results_find(&r->cell[c].res, names[i]), buf, sizeof(buf));
			cell_text(s, buf, true);
		}
		row_end(s);
	}
	table_end(s);
}

/* Skipped, interrupted and failed gmem benchmarks, with the reason each cell gave. */
static void reasons_table(const struct gmem *g, const struct sink *s, const char **names,
			  size_t n)
{
	static const char *const cols[] = { "not measured", "cell", "reason" };
	const struct report *r = g->r;
	size_t rows = 0, more = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < r->n; c++) {
			const struct cb_result *res = cb_results_find(&r->cell[c].res, names[i]);

			if (!res || res->kind == CB_RES_OK)
				continue;
			if (rows == MAX_REASONS) {
				more++;
				continue;
			}
			if (!rows++)
				table_begin(s, cols, 3, NULL);
			row_begin(s);
			cell_text(s, names[i], false);
			cell_text(s, r->cell[c].name, false);
			cell_text(s, res->message, false);
			row_end(s);
		}
	}
	if (more) {
		row_begin(s);
		cell_text(s, "more, not shown", false);
		{
			char buf[32];

			snprintf(buf, sizeof(buf), "%zu", more);
			cell_text(s, buf, true);
		}
		cell_text(s, "", false);
		row_end(s);
	}
	if (rows)
		table_end(s);
}

/* "refused; refused_mapped 1 mmap_refused 1": a benchmark's gmem events per item. */
static void events_text(const struct cb_result *res, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (!res || res->kind != CB_RES_OK) {
		snprintf(buf, len, "-");
		return;
	}
	if (refused_reps(res))
		used += (size_t)snprintf(buf, len, "refused;");
	for (size_t e = 0; e < res->nr_events && used < len; e++) {
		const char *ev = res->events[e].name;
		double v;

		if (strncmp(ev, GMEM_EVENT_PREFIX, strlen(GMEM_EVENT_PREFIX)))
			continue;
		v = cb_result_event_median(res, ev);
		if (v != 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s %.3g",
						 used ? " " : "", ev + strlen(GMEM_EVENT_PREFIX), v);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static size_t events_table(const struct gmem *g, const struct sink *s, const char **names,
			   size_t n)
{
	static const char *const cols[] = { "benchmark" };
	const struct report *r = g->r;
	size_t rows = 0;
	char buf[512];

	for (size_t i = 0; i < n; i++) {
		bool moved = false;

		for (size_t c = 0; c < r->n && !moved; c++) {
			const struct cb_result *res = cb_results_find(&r->cell[c].res, names[i]);

			events_text(res, buf, sizeof(buf));
			moved = strcmp(buf, "-") && strcmp(buf, "none");
		}
		if (!moved)
			continue;
		if (!rows++)
			table_begin(s, cols, 1, r);
		row_begin(s);
		cell_text(s, names[i], false);
		for (size_t c = 0; c < r->n; c++) {
			events_text(cb_results_find(&r->cell[c].res, names[i]), buf, sizeof(buf));
			cell_text(s, buf, false);
		}
		row_end(s);
	}
	if (rows)
		table_end(s);
	return rows;
}

static void verdict_text(const struct gprobe *p, char *buf, size_t len)
{
	if (p->v != V_XFAIL && p->v != V_XPASS)
		snprintf(buf, len, "%s", verdict_word[p->v]);
	else if (p->v == V_XFAIL)
		snprintf(buf, len, "UNSAFE (expected: the negative control)");
	else
		snprintf(buf, len, "safe (the negative control did not leak)");
}

static void probes_table(const struct gmem *g, const struct sink *s)
{
	static const char *const cols[] = { "probe", "cell", "verdict", "detail" };
	const struct report *r = g->r;
	/* probe names in the order first met */
	const char *order[MAX_GMEM_PROBES * 2];
	size_t n = 0, more = 0;

	for (size_t c = 0; c < r->n; c++) {
		for (size_t p = 0; p < g->cell[c].nr_probes; p++) {
			const char *name = g->cell[c].probe[p].name;
			size_t k;

			for (k = 0; k < n && strcmp(order[k], name); k++)
				;
			if (k == n && n < sizeof(order) / sizeof(order[0]))
				order[n++] = name;
			else if (k == n)
				more++;		/* its row, not shown */
		}
		more += g->cell[c].more;
	}
	table_begin(s, cols, 4, NULL);
	for (size_t k = 0; k < n; k++) {
		for (size_t c = 0; c < r->n; c++) {
			for (size_t p = 0; p < g->cell[c].nr_probes; p++) {
				const struct gprobe *pr = &g->cell[c].probe[p];
				char verdict[64];

				if (strcmp(pr->name, order[k]))
					continue;
				verdict_text(pr, verdict, sizeof(verdict));
				row_begin(s);
				cell_text(s, pr->name, false);
				cell_text(s, r->cell[c].name, false);
				cell_text(s, verdict, false);
				fputs(s->html ? "<td>" : " ", s->out);
				text_n(s, pr->detail, pr->detail_len < DETAIL_SHOWN ?
				       pr->detail_len : DETAIL_SHOWN);
				if (pr->detail_len > DETAIL_SHOWN)
					fputs("...", s->out);
				fputs(s->html ? "</td>" : " |", s->out);
				row_end(s);
			}
		}
	}
	if (more) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%zu", more);
		row_begin(s);
		cell_text(s, "more gmem probes, not shown", false);
		cell_text(s, buf, true);
		cell_text(s, "", false);
		cell_text(s, "", false);
		row_end(s);
	}
	table_end(s);
}

static const struct report_plot *gmem_plot(const struct report_plot *plots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(plots[i].svg, GMEM_PLOT ".svg"))
			return &plots[i];
	return NULL;
}

static int section(const struct report *r, const struct report_plot *plots, size_t nr_plots,
		   const struct sink *s, char *err, size_t errlen)
{
	const struct report_plot *plot = gmem_plot(plots, nr_plots);
	struct gmem g;
	const char **names;
	size_t n;

	if (gmem_load(&g, r, err, errlen))
		return -1;
	if (!g.cell)
		return 0;
	n = gmem_benchmarks(r, &names);
	heading(s, 2, "guest_memfd conversion");
	para_begin(s);
	fprintf(s->out, "Conversion of guest_memfd pages between shared and private and host "
		"mmap of them (patches/6.12/0015) under each cell's cowbench.gmem_convert "
		"policy (sigbus, rmap-check, no-mmap). The numbers are %s per item (a page; "
		"for gmem/mmap-private-N one mmap), the %s of the repetitions. A call the "
		"policy refused (EBUSY or EPERM: the benchmark's counter %s) shows "
		"\"refused\", not its cost: it is no conversion.",
		report_icount(r) ? "guest instructions" : "nanoseconds", report_statistic(r),
		s->html ? "<code>refused</code>" : "`refused`");
	if (plot) {
		fputs(" The plot \"", s->out);
		text(s, plot->title);
		fputs("\" (", s->out);
		text(s, plot->svg);
		fputs(") draws the conversions to private against size, one line per cell and "
		      "mapper count, refused calls left out.", s->out);
	}
	para_end(s);
	if (n) {
		heading(s, 3, "Cost");
		cost_table(&g, s, names, n);
		reasons_table(&g, s, names, n);
		heading(s, 3, "Refusals and kernel events per item (vm.gmem_*)");
		if (!events_table(&g, s, names, n)) {
			para_begin(s);
			fputs("No gmem call was refused and no vm.gmem_ event moved.", s->out);
			para_end(s);
		}
	}
	heading(s, 3, "Probes");
	if (g.any_probe) {
		probes_table(&g, s);
	} else {
		para_begin(s);
		fputs("No cell's probes.tap has a gmem- probe.", s->out);
		para_end(s);
	}
	free(names);
	gmem_free(&g);
	return 0;
}

int report_gmem_md(const struct report *r, const struct report_plot *plots, size_t nr_plots,
		   FILE *out, char *err, size_t errlen)
{
	const struct sink s = { out, false };

	return section(r, plots, nr_plots, &s, err, errlen);
}

int report_gmem_html(const struct report *r, const struct report_plot *plots,
		     size_t nr_plots, FILE *out, char *err, size_t errlen)
{
	const struct sink s = { out, true };

	return section(r, plots, nr_plots, &s, err, errlen);
}

/* ---- email.txt ---- */

/* @fmt's line, control characters replaced, cut to EMAIL_WIDTH. */
static void email_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void email_line(FILE *out, const char *fmt, ...)
{
	char *line = NULL, *shown;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	shown = cb_printable(line ?: "");
	fprintf(out, "%.*s\n", EMAIL_WIDTH, shown);
	free(shown);
	free(line);
}

void report_gmem_email(const struct report *r, FILE *out)
{
	char err[512];
	struct gmem g;
	const char **names;
	size_t n;

	if (gmem_load(&g, r, err, sizeof(err))) {
		email_line(out, "\nguest_memfd: %s", err);
		return;
	}
	if (!g.cell)
		return;
	n = gmem_benchmarks(r, &names);
	fputs("\nguest_memfd: policy, calls refused, probes not safe\n", out);
	for (size_t c = 0; c < r->n; c++) {
		const struct gcell *gc = &g.cell[c];
		size_t measured = 0, refused = 0, count[V_UNKNOWN + 1] = { 0 };
		char probes[160] = "";
		size_t used = 0;

		for (size_t i = 0; i < n; i++) {
			const struct cb_result *res = cb_results_find(&r->cell[c].res, names[i]);

			if (!res || res->kind != CB_RES_OK || !res->ns_per_item.n)
				continue;
			measured++;
			refused += refused_reps(res) > 0;
		}
		for (size_t p = 0; p < gc->nr_probes; p++)
			count[gc->probe[p].v]++;
		for (size_t v = 0; v <= V_UNKNOWN; v++)
			if (count[v])
				used += (size_t)snprintf(probes + used, sizeof(probes) - used,
							 " %zu %s", count[v], verdict_word[v]);
		email_line(out, "%s: %s, %zu of %zu refused, probes%s", r->cell[c].name,
			   gc->policy[0] ? gc->policy : "policy ?", refused, measured,
			   gc->nr_probes ? probes : " -");
		for (size_t i = 0, listed = 0; i < n; i++) {
			const struct cb_result *res = cb_results_find(&r->cell[c].res, names[i]);

			if (!res || res->kind != CB_RES_OK || !refused_reps(res))
				continue;
			if (listed++ < EMAIL_REFUSED)
				email_line(out, "  refused %s", names[i]);
			else if (listed == refused)
				email_line(out, "  refused: %zu more", refused - EMAIL_REFUSED);
		}
		for (size_t p = 0; p < gc->nr_probes; p++) {
			const struct gprobe *pr = &gc->probe[p];
			char verdict[64];

			if (pr->v == V_SAFE || pr->v == V_SKIP)
				continue;
			verdict_text(pr, verdict, sizeof(verdict));
			email_line(out, "  %s %s", pr->name, verdict);
		}
	}
	free(names);
	gmem_free(&g);
}

/* ---- the plot ---- */

/*
 * "gmem/to-private-m8/2MiB/thp:off": 8 mappers, 2 MiB; false for any other
 * shape -- sizes are whole KiB, MiB or GiB up to 1 GiB's 1024, and the
 * benchmark's THP setting thp:off (bench/gmem.c runs no other), so one
 * cell has one point per size and mapper count.
 */
static bool to_private_point(const char *name, unsigned long *mappers, double *mib)
{
	const char *p = name + strlen(TO_PRIVATE);
	unsigned long v;
	char *end;

	if (strncmp(name, TO_PRIVATE, strlen(TO_PRIVATE)) || *p < '0' || *p > '9')
		return false;
	errno = 0;
	*mappers = strtoul(p, &end, 10);
	if (errno || *end != '/' || end - p > 6)
		return false;
	p = end + 1;
	if (*p < '0' || *p > '9')
		return false;
	v = strtoul(p, &end, 10);
	if (errno || end - p > 4 || !v || v > 1024)
		return false;
	if (!strcmp(end, "KiB/thp:off"))
		*mib = (double)v / 1024;
	else if (!strcmp(end, "MiB/thp:off"))
		*mib = (double)v;
	else if (!strcmp(end, "GiB/thp:off"))
		*mib = (double)v * 1024;
	else
		return false;
	return true;
}

/* Whether @res is a point of the plot: measured, every repetition converted. */
static bool drawable(const struct cb_result *res)
{
	return res->kind == CB_RES_OK && res->ns_per_item.n && !refused_reps(res);
}

int report_gmem_plot(const struct report *r, const char *dir, char *err, size_t errlen)
{
	unsigned long mappers[64];
	size_t nr_mappers = 0, blocks = 0;
	char numbers[128], *title, *ylabel;
	FILE *f = NULL;
	int ret;

	/* the mapper counts any cell measured, in increasing order */
	for (size_t c = 0; c < r->n; c++) {
		for (size_t i = 0; i < r->cell[c].res.n; i++) {
			const struct cb_result *res = &r->cell[c].res.r[i];
			unsigned long m;
			double mib;
			size_t k;

			if (!drawable(res) || !to_private_point(res->name, &m, &mib))
				continue;
			for (k = 0; k < nr_mappers && mappers[k] != m; k++)
				;
			if (k < nr_mappers || nr_mappers == sizeof(mappers) / sizeof(mappers[0]))
				continue;
			for (k = nr_mappers++; k > 0 && mappers[k - 1] > m; k--)
				mappers[k] = mappers[k - 1];
			mappers[k] = m;
		}
	}
	if (!nr_mappers)
		return 0;
	f = report_plot_data(dir, GMEM_PLOT, err, errlen);
	if (!f)
		return -1;
	for (size_t c = 0; c < r->n; c++) {
		const struct cb_results *res = &r->cell[c].res;

		for (size_t k = 0; k < nr_mappers; k++) {
			size_t *idx = calloc(res->n + 1, sizeof(*idx)), rows = 0;
			double *sizes = calloc(res->n + 1, sizeof(*sizes));
			char *series;

			if (!idx || !sizes)
				abort();
			for (size_t i = 0; i < res->n; i++) {
				unsigned long m;
				double mib;
				size_t a;

				if (!drawable(&res->r[i]) ||
				    !to_private_point(res->r[i].name, &m, &mib) || m != mappers[k])
					continue;
				/* insertion by size: a handful of rows */
				for (a = rows++; a > 0 && sizes[a - 1] > mib; a--) {
					sizes[a] = sizes[a - 1];
					idx[a] = idx[a - 1];
				}
				sizes[a] = mib;
				idx[a] = i;
			}
			if (rows) {
				/* a cell name (cb_dataset_name_ok, "@N") and a number: no markup */
				series = cb_strdup_printf("%s, %lu mapper%s", r->cell[c].name,
							  mappers[k], mappers[k] == 1 ? "" : "s");
				fputs(blocks++ ? "\n\n" : "", f);
				report_dat_string(f, series);
				fputc('\n', f);
				free(series);
			}
			for (size_t a = 0; a < rows; a++) {
				struct cb_stat st;

				cb_stat_compute(&res->r[idx[a]].ns_per_item, &st);
				fprintf(f, "%g %.6g %.6g %.6g\n", sizes[a],
					cb_series_value(&res->r[idx[a]].ns_per_item,
							cb_value_mode_of(r->mode)),
					st.min, st.max);
			}
			free(idx);
			free(sizes);
		}
	}
	if (report_plot_data_close(f, GMEM_PLOT, err, errlen))
		return -1;
	ylabel = cb_strdup_printf("%s per page", report_icount(r) ? "guest instructions" : "ns");
	title = cb_strdup_printf("guest_memfd conversion to private: %s against size and "
				 "mappers (%s, min..max of the repetitions; refused calls not "
				 "drawn)", ylabel, report_statistic(r));
	snprintf(numbers, sizeof(numbers), "width=1100; height=520; nseries=%zu; logy=1", blocks);
	ret = report_gnuplot(dir, "vs-size", GMEM_PLOT, numbers,
			     (const char *const[]){ "title", title, "xlabel", "size (MiB)",
						    "ylabel", ylabel, NULL }, err, errlen);
	free(title);
	free(ylabel);
	return ret ?: 1;
}
