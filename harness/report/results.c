// SPDX-License-Identifier: GPL-2.0
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cowbench.h"
#include "util.h"
#include "value.h"

static bool is_decoration(const char *part)
{
	static const char *const prefixes[] = {
		"iterations:", "manual_time", "real_time", "repeats:", "min_time:",
		"threads:",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(part, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

void cb_result_base_name(char *name)
{
	char *slash;

	while ((slash = strrchr(name, '/')) && is_decoration(slash + 1))
		*slash = '\0';
}

/* -1 when the series is full: the caller refuses the file */
static int series_add(struct cb_series *s, double v)
{
	if (s->n == CB_MAX_REPS)
		return -1;
	s->v[s->n++] = v;
	return 0;
}

bool cb_result_name_ok(const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p; p++, n++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return n > 0 && n < sizeof(((struct cb_result *)0)->name);
}

/* "'fault/a?b' (name shown with control bytes as '?')" for messages */
static void shown_name(const char *name, char *buf, size_t len)
{
	char *p = cb_printable(name);

	snprintf(buf, len, "'%.60s%s'", p, strlen(p) > 60 ? "..." : "");
	free(p);
}

static struct cb_result *find_or_add(struct cb_results *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->r[i].name, name))
			return &res->r[i];
	if (res->n == CB_MAX_RESULTS)
		return NULL;
	res->r = realloc(res->r, (res->n + 1) * sizeof(*res->r));
	if (!res->r)
		abort();
	struct cb_result *r = &res->r[res->n++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static int add_event(struct cb_result *r, const char *key, double v, char *err, size_t errlen)
{
	char name[64];
	size_t len = strlen(key) - strlen("_per_item");

	if (len >= sizeof(name) || !cb_result_name_ok(key)) {
		char shown[80];

		shown_name(key, shown, sizeof(shown));
		snprintf(err, errlen, "benchmark %s: counter %s is not 1-%zu bytes of printable "
			 "ASCII", r->name, shown, sizeof(name) - 1 + strlen("_per_item"));
		return -1;
	}
	/*
	 * Not >= 0: vmstat is system-wide and some counters the runner
	 * reports are levels (workingset_nodes), whose delta can be negative.
	 */
	if (!isfinite(v) || fabs(v) > CB_MAX_VALUE) {
		snprintf(err, errlen, "benchmark %s: counter %s is %g: an event count per item "
			 "is finite and within +-%g", r->name, key, v, CB_MAX_VALUE);
		return -1;
	}
	memcpy(name, key, len);
	name[len] = '\0';
	for (size_t i = 0; i < r->nr_events; i++)
		if (!strcmp(r->events[i].name, name))
			return series_add(&r->events[i].s, v);	/* fits: ns_per_item's did */
	if (r->nr_events == CB_MAX_EVENTS) {
		snprintf(err, errlen, "benchmark %s has more than %d event counters (the limit)",
			 r->name, CB_MAX_EVENTS);
		return -1;
	}
	struct cb_event_series *e = &r->events[r->nr_events++];

	snprintf(e->name, sizeof(e->name), "%s", name);
	/* Counters are written only when non-zero: earlier repetitions had 0. */
	while (e->s.n + 1 < r->ns_per_item.n)
		series_add(&e->s, 0.0);
	return series_add(&e->s, v);
}

/* Pad every event to one value per measured repetition (absent = zero). */
static void pad_events(struct cb_results *res)
{
	for (size_t i = 0; i < res->n; i++)
		for (size_t e = 0; e < res->r[i].nr_events; e++)
			while (res->r[i].events[e].s.n < res->r[i].ns_per_item.n)
				series_add(&res->r[i].events[e].s, 0.0);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int load_run(struct cb_results *res, json_t *run, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(run, "run_name"));
	const char *type = json_string_value(json_object_get(run, "run_type"));
	const char *label = json_string_value(json_object_get(run, "label"));
	const char *key;
	char base[160];
	json_t *value;
	double v;

	if (!name)
		name = json_string_value(json_object_get(run, "name"));
	if (!name) {
		snprintf(err, errlen, "a benchmark entry has no name");
		return -1;
	}
	if (type && strcmp(type, "iteration"))
		return 0;	/* our own statistics, not Google benchmark's aggregates */
	if (strlen(name) >= sizeof(base) || !cb_result_name_ok(name)) {
		shown_name(name, base, sizeof(base));
		snprintf(err, errlen, "benchmark name %s (%zu bytes) is not 1-%zu bytes of "
			 "printable ASCII: refused", base, strlen(name), sizeof(base) - 1);
		return -1;
	}
	snprintf(base, sizeof(base), "%s", name);
	cb_result_base_name(base);
	if (!*base) {
		snprintf(err, errlen, "benchmark name '%s' is only Google benchmark's decoration",
			 name);
		return -1;
	}

	struct cb_result *r = find_or_add(res, base);

	if (!r) {
		snprintf(err, errlen, "more than %d benchmarks (the limit)", CB_MAX_RESULTS);
		return -1;
	}
	if (label && !strncmp(label, "item=", 5)) {
		if (strlen(label + 5) >= sizeof(r->item) || !cb_result_name_ok(label + 5)) {
			snprintf(err, errlen, "benchmark %s: item label is not 1-%zu bytes of "
				 "printable ASCII", base, sizeof(r->item) - 1);
			return -1;
		}
		snprintf(r->item, sizeof(r->item), "%s", label + 5);
	}
	if (json_is_true(json_object_get(run, "error_occurred"))) {
		const char *msg = json_string_value(json_object_get(run, "error_message"));

		if (!msg)
			msg = "error: (no message)";
		if (strlen(msg) >= sizeof(r->message)) {
			snprintf(err, errlen, "benchmark %s: error message over %zu bytes (the limit)",
				 base, sizeof(r->message) - 1);
			return -1;
		}
		/*
		 * A skip on one repetition and a failure on another: failure
		 * wins, then interruption (the kinds are in that order).
		 */
		enum cb_result_kind kind = CB_RES_ERROR;
		size_t skip = 0;

		if (!strncmp(msg, CB_RESULT_SKIPPED_PREFIX, strlen(CB_RESULT_SKIPPED_PREFIX))) {
			kind = CB_RES_SKIPPED;
			skip = strlen(CB_RESULT_SKIPPED_PREFIX);
		} else if (!strncmp(msg, CB_RESULT_INTERRUPTED_PREFIX,
				    strlen(CB_RESULT_INTERRUPTED_PREFIX))) {
			kind = CB_RES_INTERRUPTED;
		}
		if (r->kind == CB_RES_OK || kind > r->kind) {
			r->kind = kind;
			snprintf(r->message, sizeof(r->message), "%s", msg + skip);
		}
		return 0;
	}
	value = json_object_get(run, "ns_per_item");
	if (!json_is_number(value)) {
		snprintf(err, errlen, "benchmark %s has no ns_per_item counter", base);
		return -1;
	}
	/*
	 * The gate divides by it and a zero, negative or non-finite cost
	 * would read as any change at all: a cost is finite and positive.
	 */
	v = json_number_value(value);
	if (!isfinite(v) || v <= 0 || v > CB_MAX_VALUE) {
		snprintf(err, errlen, "benchmark %s: ns_per_item is %g: a cost per item is "
			 "finite, positive and below %g", base, v, CB_MAX_VALUE);
		return -1;
	}
	if (series_add(&r->ns_per_item, v)) {
		snprintf(err, errlen, "benchmark %s has more than %d repetitions (the limit)",
			 base, CB_MAX_REPS);
		return -1;
	}
	json_object_foreach(run, key, value) {
		/* a counter that is not a number (null: NaN) is refused below */
		if (ends_with(key, "_per_item") && strcmp(key, "ns_per_item") &&
		    add_event(r, key, json_is_number(value) ? json_number_value(value) : NAN, err,
			      errlen))
			return -1;
	}
	return 0;
}

/*
 * Google benchmark prints NaN and inf for undefined statistics (the CV of a
 * zero series); JSON has no such numbers.  Make them null, outside strings.
 */
char *cb_json_nonfinite_to_null(const char *text)
{
	static const char *const words[] = { "-nan", "nan", "-inf", "inf", "NaN", "-NaN",
					     "Infinity", "-Infinity" };
	size_t len = strlen(text);
	char *out = malloc(len * 2 + 1), *o = out;
	bool in_string = false;

	if (!out)
		abort();
	for (const char *p = text; *p; ) {
		if (in_string) {
			if (*p == '\\' && p[1]) {
				*o++ = *p++;
			} else if (*p == '"') {
				in_string = false;
			}
			*o++ = *p++;
			continue;
		}
		if (*p == '"') {
			in_string = true;
			*o++ = *p++;
			continue;
		}
		size_t w;

		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t wl = strlen(words[w]);

			if (!strncmp(p, words[w], wl) && !isalnum((unsigned char)p[wl]) &&
			    (p == text || !isalnum((unsigned char)p[-1]))) {
				memcpy(o, "null", 4);
				o += 4;
				p += wl;
				break;
			}
		}
		if (w == sizeof(words) / sizeof(words[0]))
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

int cb_results_load(const char *path, struct cb_results *out, char *err, size_t errlen)
{
	char why[512] = "";
	json_error_t jerr;
	json_t *root = NULL, *runs, *run;
	char *raw = cb_read_input(path, CB_INPUT_MAX_BYTES, NULL, err, errlen), *text;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!raw)
		return -1;
	text = cb_json_nonfinite_to_null(raw);
	free(raw);
	root = json_loads(text, 0, &jerr);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s: %s (line %d, column %d)", path, jerr.text,
			 jerr.line, jerr.column);
		return -1;
	}
	runs = json_object_get(root, "benchmarks");
	if (!json_is_array(runs)) {
		snprintf(err, errlen, "%s: no \"benchmarks\" array: not Google benchmark JSON",
			 path);
		json_decref(root);
		return -1;
	}
	json_array_foreach(runs, i, run) {
		if (!json_is_object(run) || load_run(out, run, why, sizeof(why))) {
			snprintf(err, errlen, "%s: entry %zu: %s", path, i,
				 why[0] ? why : "not an object");
			json_decref(root);
			cb_results_free(out);
			return -1;
		}
	}
	json_decref(root);
	pad_events(out);
	return 0;
}

void cb_results_free(struct cb_results *res)
{
	free(res->r);
	res->r = NULL;
	res->n = 0;
}

const struct cb_result *cb_results_find(const struct cb_results *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->r[i].name, name))
			return &res->r[i];
	return NULL;
}

struct check_walk {
	const struct cb_results *res;
	regex_t *re;
	struct cb_completeness *c;
	FILE *out;
};

static void check_one(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct check_walk *w = arg;
	char name[160];
	const struct cb_result *r;

	(void)c;
	cb_benchmark_name(c, p, name, sizeof(name));
	if (w->re && regexec(w->re, name, 0, NULL, 0))
		return;
	w->c->expected++;
	r = cb_results_find(w->res, name);
	if (!r) {
		w->c->missing++;
		fprintf(w->out, "missing: %s: no result and no skip recorded\n", name);
	} else if (r->kind == CB_RES_ERROR) {
		w->c->errors++;
		fprintf(w->out, "failed: %s: %s\n", name, r->message);
	} else if (r->kind == CB_RES_INTERRUPTED) {
		w->c->interrupted++;
		fprintf(w->out, "not run: %s: %s\n", name, r->message);
	} else if (r->kind == CB_RES_SKIPPED) {
		w->c->skipped++;
	} else if (!r->ns_per_item.n) {
		w->c->missing++;
		fprintf(w->out, "missing: %s: no measured repetition\n", name);
	} else {
		w->c->ok++;
	}
}

int cb_results_check(const struct cb_results *res, bool quick, const char *filter,
		     struct cb_completeness *c, FILE *out)
{
	regex_t re;
	struct check_walk w = { res, NULL, c, out };

	memset(c, 0, sizeof(*c));
	if (filter && *filter) {
		if (regcomp(&re, filter, REG_EXTENDED | REG_NOSUB))
			return -1;
		w.re = &re;
	}
	cb_for_each_benchmark(quick, check_one, &w);
	if (w.re)
		regfree(&re);
	return (c->missing || c->errors || c->interrupted) ? 1 : 0;
}

/* Events a reader of the summary looks for first; the dataset has them all. */
const char *const cb_key_events[] = {
	"vm.pgfault", "vm.pgreuse", "vm.thp_fault_alloc", "vm.nr_foll_pin_acquired",
	/* added by the cowbench series (patches/6.12/0002) */
	"vm.cow_copy", "vm.cow_copy_spurious", "vm.cow_unshare", "vm.cow_reuse_exclusive",
	"vm.cow_reuse_checked", "vm.fork_copy_pinned",
	/* R/O pins on shared pages, fork of pinned pages (patches 0010, 0011) */
	"vm.ro_pin_unshare", "vm.ro_pin_shared", "vm.ro_pin_refused", "vm.fork_share_pinned",
	"vm.cow_reuse_pinned", "vm.cow_copy_noreuse",
	/* pin accounting (patch 0013): refusals of a wrapped refcount, nobias' fork copies */
	"vm.pin_refused_overflow", "vm.get_refused_overflow", "vm.fork_copy_unexplained",
	/* guest_memfd conversion (patch 0015) */
	"vm.gmem_to_private", "vm.gmem_to_shared", "vm.gmem_unmapped", "vm.gmem_refused_mapped",
	"vm.gmem_refused_refs", "vm.gmem_drain_saved", "vm.gmem_sigbus", "vm.gmem_mmap_refused",
	/* references the speculative-reference generator took (patch 0006) */
	"specref_refs",
};
const size_t cb_nr_key_events = sizeof(cb_key_events) / sizeof(cb_key_events[0]);

bool cb_series_event(const char *name)
{
	static const char *const prefixes[] = { "vm.cow_", "vm.ro_pin_", "vm.fork_",
						"vm.pin_refused_", "vm.get_refused_", "vm.gmem_" };

	bool family = false;

	/* a dataset's name reaches gnuplot and Markdown unescaped: a plain word only */
	if (strlen(name) > 48 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") !=
	    strlen(name))
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !family; i++)
		family = !strncmp(name, prefixes[i], strlen(prefixes[i])) &&
			 name[strlen(prefixes[i])];
	return family;
}

void cb_event_list_init(struct cb_event_list *l)
{
	l->n = 0;
	for (size_t k = 0; k < cb_nr_key_events && l->n < CB_EVENT_LIST_MAX; k++)
		l->name[l->n++] = cb_key_events[k];
}

void cb_event_list_add(struct cb_event_list *l, const struct cb_result *r)
{
	for (size_t e = 0; r && e < r->nr_events; e++) {
		const char *name = r->events[e].name;
		bool listed = false;

		if (!cb_series_event(name))
			continue;
		for (size_t i = 0; i < l->n && !listed; i++)
			listed = !strcmp(l->name[i], name);
		if (!listed && l->n < CB_EVENT_LIST_MAX)
			l->name[l->n++] = name;
	}
}

double cb_result_event_median(const struct cb_result *r, const char *name)
{
	for (size_t e = 0; r && e < r->nr_events; e++) {
		if (!strcmp(r->events[e].name, name)) {
			struct cb_stat st;

			cb_stat_compute(&r->events[e].s, &st);
			return st.median;
		}
	}
	return r && r->kind == CB_RES_OK ? 0.0 : NAN;
}


static void print_time(FILE *out, double ns, const char *item)
{
	char buf[48];

	if (ns >= 1e6)
		snprintf(buf, sizeof(buf), "%.3f ms/%s", ns / 1e6, item);
	else if (ns >= 1e4)
		snprintf(buf, sizeof(buf), "%.2f us/%s", ns / 1e3, item);
	else
		snprintf(buf, sizeof(buf), "%.1f ns/%s", ns, item);
	fprintf(out, "%18s", buf);
}

void cb_results_print(const struct cb_results *res, FILE *out)
{
	cb_results_print_value(res, CB_VALUE_WALL, out);
}

void cb_results_print_value(const struct cb_results *res, enum cb_value_mode mode, FILE *out)
{
	size_t skipped = 0;

	fprintf(out, "%-40s %18s %7s %4s  %s\n", "benchmark", cb_value_name(mode), "cv", "reps",
		"events per item (median)");
	for (size_t i = 0; i < res->n; i++) {
		const struct cb_result *r = &res->r[i];
		struct cb_stat st;

		if (r->kind != CB_RES_OK) {
			skipped++;
			continue;
		}
		cb_stat_compute(&r->ns_per_item, &st);
		fprintf(out, "%-40s ", r->name);
		print_time(out, cb_series_value(&r->ns_per_item, mode), r->item[0] ? r->item : "item");
		fprintf(out, " %6.1f%% %4zu ", st.cv * 100, st.n);
		struct cb_event_list ev;

		cb_event_list_init(&ev);
		cb_event_list_add(&ev, r);
		for (size_t k = 0; k < ev.n; k++) {
			double v = cb_result_event_median(r, ev.name[k]);

			if (v != 0.0)
				fprintf(out, " %s=%.3g", strncmp(ev.name[k], "vm.", 3) ?
					ev.name[k] : ev.name[k] + 3, v);
		}
		fputc('\n', out);
	}
	if (!skipped)
		return;
	fprintf(out, "\nnot measured (%zu):\n", skipped);
	for (size_t i = 0; i < res->n; i++)
		if (res->r[i].kind != CB_RES_OK)
			fprintf(out, "  %-40s %s: %s\n", res->r[i].name,
				res->r[i].kind == CB_RES_SKIPPED ? "skipped" :
				res->r[i].kind == CB_RES_INTERRUPTED ? "not run (interrupted)" :
				"FAILED",
				res->r[i].message);
}

static void count_one(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct check_walk *w = arg;
	char name[160];

	cb_benchmark_name(c, p, name, sizeof(name));
	if (!regexec(w->re, name, 0, NULL, 0))
		w->c->expected++;
}

int cb_filter_count(bool quick, const char *filter)
{
	regex_t re;
	struct cb_completeness c = { 0 };
	struct check_walk w = { NULL, &re, &c, NULL };

	if (regcomp(&re, filter, REG_EXTENDED | REG_NOSUB))
		return -1;
	cb_for_each_benchmark(quick, count_one, &w);
	regfree(&re);
	return (int)c.expected;
}
