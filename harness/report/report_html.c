// SPDX-License-Identifier: GPL-2.0
/*
 * index.html: the report for a browser, one self-contained file -- the
 * plots' SVG inline, the style inline, no script, nothing fetched -- so
 * it opens from a CI artifact or a mail attachment without a server.
 * The same content as report.md: method, comparisons with intervals,
 * plots, the guest_memfd section (report_gmem.c), correctness matrix,
 * provenance.  Every string from a dataset
 * goes through esc(); the plots' SVG is gnuplot's, which escapes the
 * names it draws (and report_plot.c gives it no markup to pass on).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "report.h"
#include "util.h"

static void esc(FILE *out, const char *s)
{
	report_html_text(out, s);
}

static const char style[] =
	"body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222}"
	"table{border-collapse:collapse;margin:1em 0;font-size:90%}"
	"td,th{border:1px solid #ccc;padding:2px 8px}td.n{text-align:right}"
	"tr.sig td{background:#fff3cd}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
	"figure{margin:2em 0}figure svg{display:block;width:100%;height:auto}"
	".warn{background:#f8d7da;padding:.5em 1em}";

static void comparison(const struct report *r, size_t c, FILE *out)
{
	const struct report_cell *b = &r->cell[r->base], *n = &r->cell[c];

	fputs("<h2>", out);
	esc(out, n->name);
	fputs(" against ", out);
	esc(out, b->name);
	fputs("</h2>\n<table>\n<tr><th>benchmark</th><th>", out);
	esc(out, b->name);
	fputs("</th><th>", out);
	esc(out, n->name);
	fprintf(out, "</th><th>change</th><th>95%% interval</th><th>%s</th><th>CV</th>"
		"<th>events per item</th></tr>\n", report_icount(r) ? "marked" : "p");
	for (size_t i = 0; i < b->res.n; i++) {
		struct report_row row;
		char events[512];

		if (!report_compare(r, c, i, &row))
			continue;
		report_events_text(&row, events, sizeof(events));
		if (report_refused(row.base) || report_refused(row.now)) {
			/* a refused call's cost is no conversion's: no change to show */
			fputs("<tr><td>", out);
			esc(out, row.name);
			fputs("</td><td class=\"n\">", out);
			fprintf(out, report_refused(row.base) ? "refused" : "%.1f", row.base_value);
			fputs("</td><td class=\"n\">", out);
			fprintf(out, report_refused(row.now) ? "refused" : "%.1f", row.now_value);
			fprintf(out, "</td><td class=\"n\">-</td><td class=\"n\">-</td><td></td>"
				"<td class=\"n\">%.2f%% / %.2f%%</td><td>", row.cv_base, row.cv_now);
			esc(out, events);
			fputs("</td></tr>\n", out);
			continue;
		}
		fprintf(out, "<tr%s><td>", row.significant ? " class=\"sig\"" : "");
		esc(out, row.name);
		fprintf(out, "</td><td class=\"n\">%.1f</td><td class=\"n\">%.1f</td>"
			"<td class=\"n\">%+.2f%%</td><td class=\"n\">%+.2f%% .. %+.2f%%</td>",
			row.base_value, row.now_value, row.change, row.ci_lo, row.ci_hi);
		if (report_icount(r))
			fprintf(out, "<td>%s</td>", row.significant ? "*" : "");
		else
			fprintf(out, "<td class=\"n\">%.3f%s</td>", row.p, row.significant ? " *" : "");
		fprintf(out, "<td class=\"n\">%.2f%% / %.2f%%</td><td>", row.cv_base, row.cv_now);
		esc(out, events);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* An SVG file's <svg> element, without the XML prolog and doctype. */
static int inline_svg(const char *dir, const char *name, FILE *out)
{
	char *path = cb_path(dir, name), *text = cb_read_file(path, NULL);
	const char *svg = text ? strstr(text, "<svg") : NULL;

	free(path);
	if (!svg) {
		free(text);
		return -1;
	}
	fputs(svg, out);
	free(text);
	return 0;
}

int report_html(const struct report *r, const char *dir, const struct report_plot *plots,
		size_t nr_plots, FILE *out, char *err, size_t errlen)
{
	char *matrix = NULL;
	size_t matrix_len = 0;
	struct report_kv *kv;
	size_t nr_prov;

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>cowbench report</title><style>%s</style></head><body>\n", style);
	fputs("<h1>cowbench report</h1>\n<p>Baseline: <b>", out);
	esc(out, r->cell[r->base].name);
	fputs("</b>. Mode: <b>", out);
	esc(out, r->mode);
	fputs("</b> &mdash; ", out);
	esc(out, report_method(r));
	fprintf(out, " Intervals: 95%% bootstrap of the change of the %s.</p>\n",
		report_statistic(r));
	if (report_noise_warning(r))
		fprintf(out, "<p class=\"warn\">%s</p>\n", report_noise_warning(r));
	fputs("<h2>Plots</h2>\n", out);
	for (size_t i = 0; i < nr_plots; i++) {
		fputs("<figure>\n", out);
		if (inline_svg(dir, plots[i].svg, out)) {
			snprintf(err, errlen, "%s/%s: no SVG in it", dir, plots[i].svg);
			return -1;
		}
		fputs("<figcaption>", out);
		esc(out, plots[i].title);
		fputs(" (", out);
		esc(out, plots[i].svg);
		fputs(")</figcaption></figure>\n", out);
	}
	for (size_t c = 0; c < r->n; c++)
		if (c != r->base)
			comparison(r, c, out);
	if (report_gmem_html(r, plots, nr_plots, out, err, errlen))
		return -1;
	fputs("<h2>Correctness and numbers side by side</h2>\n", out);
	for (size_t d = 0; d < r->nr_metas; d++) {
		FILE *m = open_memstream(&matrix, &matrix_len);
		int bad;

		if (!m) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		bad = cb_matrix_write(r->metas[d], r->datasets[d], m, false, err, errlen);
		fclose(m);
		if (bad) {
			free(matrix);
			return -1;
		}
		fputs("<pre>", out);
		esc(out, matrix);
		fputs("</pre>\n", out);
		free(matrix);
		matrix = NULL;
	}
	fputs("<h2>Provenance</h2>\n<table>\n", out);
	nr_prov = report_provenance(r, &kv);
	for (size_t i = 0; i < nr_prov; i++) {
		fputs("<tr><th>", out);
		esc(out, kv[i].key);
		fputs("</th><td><code>", out);
		esc(out, kv[i].val);
		fputs("</code></td></tr>\n", out);
	}
	report_provenance_free(kv, nr_prov);
	fputs("</table>\n</body></html>\n", out);
	return 0;
}
