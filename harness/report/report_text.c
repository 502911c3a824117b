// SPDX-License-Identifier: GPL-2.0
/*
 * What every writer of the report shows the same way (report.c's
 * report.md and email.txt, report_html.c's index.html, report_gmem.c's
 * section, matrix.c's side-by-side tables): the escapes of a dataset's
 * strings for Markdown and HTML, the events text of a row, the noise
 * warning and the provenance.  It calls no writer: every writer calls it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "results.h"
#include "util.h"

void report_events_text(const struct report_row *row, char *buf, size_t len)
{
	struct cb_event_list list;
	size_t used = 0;

	buf[0] = '\0';
	cb_event_list_init(&list);
	cb_event_list_add(&list, row->base);
	cb_event_list_add(&list, row->now);
	for (size_t k = 0; k < list.n && used < len; k++) {
		const char *ev = list.name[k];
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

void report_md_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("|\\`*_[]~$", *s))
			fprintf(out, "\\%c", *s);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else
			fputc(report_shown(*s), out);
	}
}

size_t report_provenance(const struct report *r, struct report_kv **kv)
{
	struct report_kv *list = NULL;
	size_t n = 0;

	/* as many lines as the datasets have kernels and cells: nothing cut off */
#define ADD(k, ...)							\
	do {								\
		list = realloc(list, (n + 1) * sizeof(*list));		\
		if (!list)						\
			abort();					\
		list[n].key = strdup(k);				\
		list[n].val = cb_strdup_printf(__VA_ARGS__);		\
		list[n++].code = false;					\
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
		list[n - 1].code = true;
		free(label);
	}
	if (r->floors.n)
		ADD("noise floors", "%s (%s mode, %zu boots, cowbench %s)", r->floors_file,
		    r->floors.id.mode, r->floors_boots, r->floors.id.commit);
#undef ADD
	*kv = list;
	return n;
}

void report_provenance_free(struct report_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].val);
	}
	free(kv);
}

void report_html_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\n':	/* the side-by-side tables are <pre> */
			fputc(*s, out);
			break;
		default:	/* a dataset's string may hold any byte */
			fputc(report_shown(*s), out);
		}
	}
}
