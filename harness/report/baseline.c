// SPDX-License-Identifier: GPL-2.0
/*
 * Baselines, and the dataset cells they are made from and compared with.
 * Statistics on the per-repetition series come from results.c (GSL).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>

#include "baseline.h"
#include "dataset.h"
#include "results.h"
#include "util.h"
#include "value.h"

/* boots from which on the values' spread alone is the floor */
#define MEDIANS_SHOW_SPREAD 3

#define BASELINE_KIND "cowbench-baseline"
/*
 * 2: per-boot values are minima in icount mode (1: medians).
 * 3: records the job the boots ran (profile, repetitions, CPUs, memory).
 */
#define BASELINE_FORMAT 3

/*
 * An identity string into its fixed field: refused (-1, @err naming @what)
 * when it does not fit -- two command lines that differ only past the
 * field's end must not compare equal -- or holds a control byte.
 */
static int copy_str(char *dst, size_t len, json_t *value, const char *what, char *err,
		    size_t errlen)
{
	const char *s = json_string_value(value) ?: "";

	if (cb_find_control(s)) {
		snprintf(err, errlen, "%s holds a control character: refused", what);
		return -1;
	}
	if ((size_t)snprintf(dst, len, "%s", s) >= len) {
		snprintf(err, errlen, "%s is %zu bytes, over the limit of %zu: refused", what,
			 strlen(s), len - 1);
		return -1;
	}
	return 0;
}

/* The cell record of meta.json, or NULL with the cells listed in @err. */
static json_t *find_cell(const char *dataset, json_t *meta, const char *cell, char *err,
			 size_t errlen)
{
	json_t *suites = json_object_get(meta, "cells"), *s, *found = NULL;
	char names[512] = "";
	size_t i, used = 0;

	json_array_foreach(suites, i, s) {
		const char *name = json_string_value(json_object_get(s, "cell")) ?: "?";
		char *shown = cb_printable(name);

		if (cell ? !strcmp(name, cell) : json_array_size(suites) == 1)
			found = s;
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
					 "%s%.60s", i ? ", " : "", shown);
		free(shown);
	}
	if (found)
		return found;
	if (!json_array_size(suites))
		snprintf(err, errlen, "%s: empty dataset: meta.json lists no cells", dataset);
	else if (cell)
		snprintf(err, errlen, "%s: no cell '%s' (cells: %s)", dataset, cell, names);
	else
		snprintf(err, errlen, "%s: several cells (%s): name one with --cell", dataset,
			 names);
	return NULL;
}

/*
 * The identity fields, each named once: where a dataset holds it, its key
 * in a baseline file (and their order there), and its place in the
 * comparison.  Reading a dataset (cb_identity_of), reading and writing a
 * baseline, comparing two identities and naming the difference all walk
 * this table.
 */
enum id_source {
	IN_META,	/* meta.json's top level */
	IN_CELL,	/* the cell's record in meta.json's "cells" */
	IN_KERNEL,	/* meta.json's "kernels" entry of the cell's kernel */
	IN_COWBENCH,	/* meta.json's "cowbench" object */
	IN_JOB,		/* summarised from meta.json's "job" (job_from()) */
};

static const struct identity_field {
	const char *key;	/* in a baseline file */
	size_t off, len;	/* in struct cb_identity */
	enum id_source src;
	const char *src_key;	/* in @src */
	/*
	 * Place in the comparison, 1 first; 0: not compared.  The first
	 * IDENTITY_MUST_MATCH decide whether two numbers may be compared at
	 * all; boots of one baseline must agree on every compared one.
	 */
	int rank;
	const char *what;	/* the field, in a message */
	const char *hint;	/* "" or what to do when it differs */
} identity_fields[] = {
#define FIELD(member) offsetof(struct cb_identity, member), \
		      sizeof(((struct cb_identity *)0)->member)
	{ "mode", FIELD(mode), IN_META, "mode", 1, "mode", "" },
	{ "qemu", FIELD(qemu), IN_META, "qemu", 2, "QEMU version", "" },
	{ "kernel", FIELD(kernel), IN_CELL, "kernel", 0, "kernel", "" },
	{ "config_hash", FIELD(config_hash), IN_KERNEL, "config_hash", 3, "kernel config", "" },
	{ "series_hash", FIELD(series_hash), IN_KERNEL, "series_hash", 5, "patch series", "" },
	{ "cmdline", FIELD(cmdline), IN_CELL, "cmdline", 6, "kernel command line", "" },
	{ "job", FIELD(job), IN_JOB, "job", 4, "job",
	  ": rerun with the baseline's --quick, --repetitions, --smp and --mem" },
	{ "userland_hash", FIELD(userland), IN_META, "userland_hash", 7, "guest userland", "" },
	{ "cowbench_commit", FIELD(commit), IN_COWBENCH, "commit", 0, "cowbench commit", "" },
#undef FIELD
};
#define NR_IDENTITY_FIELDS (sizeof(identity_fields) / sizeof(identity_fields[0]))
#define IDENTITY_MUST_MATCH 4
#define IDENTITY_COMPARED 7

static char *id_field(struct cb_identity *id, const struct identity_field *f)
{
	return (char *)id + f->off;
}

static const char *id_field_c(const struct cb_identity *id, const struct identity_field *f)
{
	return (const char *)id + f->off;
}

/*
 * What the job measured, as far as it decides the numbers: the profile
 * (sizes, iterations), the repetitions (the minimum of 3 is not the minimum
 * of 5), the guest's CPUs and memory.  Suites, filter and --perturb are left
 * out: they change only the initramfs bytes, which the noise floor covers.
 * Empty for a dataset that records no job.
 */
static int job_from(char *dst, size_t len, json_t *meta, char *err, size_t errlen)
{
	json_t *job = json_object_get(meta, "job");
	const char *profile;
	char *shown;

	*dst = '\0';
	if (!json_is_object(job))
		return 0;
	profile = json_string_value(json_object_get(job, "profile")) ?: "?";
	shown = cb_printable(profile);
	if ((size_t)snprintf(dst, len, "%s profile, %lld repetitions, %lld CPUs, %lld MiB",
			     shown, json_integer_value(json_object_get(job, "repetitions")),
			     json_integer_value(json_object_get(job, "smp")),
			     json_integer_value(json_object_get(job, "mem_mib"))) >= len ||
	    strcmp(shown, profile)) {
		snprintf(err, errlen, "job.profile is not a short printable name: refused");
		free(shown);
		return -1;
	}
	free(shown);
	return 0;
}

int cb_identity_of(struct cb_identity *id, json_t *meta, json_t *cell, char *err,
		   size_t errlen)
{
	const char *kernel = json_string_value(json_object_get(cell, "kernel"));
	json_t *src[] = {
		[IN_META] = meta,
		[IN_CELL] = cell,
		[IN_KERNEL] = json_object_get(json_object_get(meta, "kernels"), kernel ?: ""),
		[IN_COWBENCH] = json_object_get(meta, "cowbench"),
	};

	for (size_t i = 0; i < NR_IDENTITY_FIELDS; i++) {
		const struct identity_field *f = &identity_fields[i];
		char what[64];

		if (f->src == IN_JOB) {
			if (job_from(id_field(id, f), f->len, meta, err, errlen))
				return -1;
			continue;
		}
		snprintf(what, sizeof(what), "%s%s", f->src == IN_COWBENCH ? "cowbench." : "",
			 f->src_key);
		if (copy_str(id_field(id, f), f->len, json_object_get(src[f->src], f->src_key),
			     what, err, errlen))
			return -1;
	}
	return 0;
}

int cb_cell_load(const char *dataset, const char *cell, struct cb_baseline *out, char *err,
		 size_t errlen)
{
	json_t *meta = cb_dataset_read_meta(dataset, err, errlen), *c;
	struct cb_results res = { 0 };
	const char *name, *status;
	char *dir = NULL, *path = NULL, why[256];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!meta)
		return -1;
	c = find_cell(dataset, meta, cell, err, errlen);
	if (!c)
		goto out;
	name = json_string_value(json_object_get(c, "cell")) ?: "?";
	status = json_string_value(json_object_get(c, "status")) ?: "?";
	dir = cb_dataset_cell_dir(dataset, name, err, errlen);
	if (!dir)
		goto out;
	if (strcmp(status, "ok")) {
		char *shown = cb_printable(status);

		snprintf(err, errlen, "%s: cell %s ended '%.200s': its numbers are incomplete",
			 dataset, name, shown);
		free(shown);
		goto out;
	}
	snprintf(out->cell, sizeof(out->cell), "%s", name);
	if (cb_identity_of(&out->id, meta, c, why, sizeof(why))) {
		snprintf(err, errlen, "%s/meta.json: cell %s: %s", dataset, name, why);
		goto out;
	}
	path = cb_path(dir, "micro.json");
	if (access(path, F_OK)) {
		snprintf(err, errlen, "%s: missing: the cell has no micro suite results", path);
		goto out;
	}
	if (cb_results_load(path, &res, err, errlen))
		goto out;
	out->e = calloc(res.n ? res.n : 1, sizeof(*out->e));
	for (size_t i = 0; out->e && i < res.n; i++) {
		struct cb_base_entry *e = &out->e[out->n];
		struct cb_stat st;

		if (res.r[i].kind != CB_RES_OK)
			continue;
		cb_stat_compute(&res.r[i].ns_per_item, &st);
		snprintf(e->name, sizeof(e->name), "%s", res.r[i].name);
		snprintf(e->item, sizeof(e->item), "%s", res.r[i].item);
		e->value = cb_series_value(&res.r[i].ns_per_item, cb_value_mode_of(out->id.mode));
		/* Within one boot: the repetitions' range (used below 3 boots). */
		e->floor_pct = st.median > 0 ? (st.max - st.min) / st.median * 100 : 0;
		e->boots = 1;
		out->n++;
	}
	if (!out->n) {
		snprintf(err, errlen, "%s: no measured benchmark", path);
		goto out;
	}
	ret = 0;
out:
	if (ret)
		cb_baseline_free(out);
	cb_results_free(&res);
	free(path);
	free(dir);
	json_decref(meta);
	return ret;
}

/*
 * Benchmarks whose spread perturbation boots do not bound, by the first
 * matching prefix.
 *
 * specref: how many of the generator's references each write fault meets is
 * drawn anew every boot.  Sixteen perturbation boots gave reuse-10k a floor
 * of 0.24%, and an unseen boot then read +0.53%; on a new machine an
 * eight-boot baseline's reuse-100k (floor 0.61%) read +1.5%.  Their
 * copies per 1000 faults tell the policies apart; their cost is gated only
 * against gross changes.  fault/reuse gates the same path exactly.
 *
 * fork: what a fork allocates (task, mm, VMAs, page tables, from slab
 * caches and per-CPU page lists) moves with the code layout itself, which
 * padding the initramfs does not shift: a kernel changed only at power-off
 * (kernels/gate-untouched.kernel) read fork-pinned/call-10pct +0.07%
 * against a twelve-boot floor of 0.01%.  No tighter than 0.15%, half the
 * 0.3% a change on a path with a second process must be flagged at.
 */
static const struct {
	const char *prefix;
	double limit_pct;
	const char *why;
} class_limits[] = {
	{ "specref/", 5.0, "race-driven (the generator's timing), gated only against gross changes" },
	{ "fork/", 0.15, "a fork's allocations move with the code layout, which perturbation "
	  "boots do not shift" },
	{ "fork-pinned/call-", 0.15, "a fork's allocations move with the code layout, which "
	  "perturbation boots do not shift" },
};

double cb_class_limit(const char *name, const char **why)
{
	for (size_t i = 0; i < sizeof(class_limits) / sizeof(class_limits[0]); i++)
		if (!strncmp(name, class_limits[i].prefix, strlen(class_limits[i].prefix))) {
			if (why)
				*why = class_limits[i].why;
			return class_limits[i].limit_pct;
		}
	return 0;
}

double cb_gate_limit(const char *name, double threshold, double floor_pct,
		     enum cb_limit_by *by)
{
	double floor_limit = CB_NOISE_FACTOR * floor_pct, class = cb_class_limit(name, NULL);
	double limit = fmax(threshold, fmax(floor_limit, class));

	if (by)
		*by = limit == threshold ? CB_LIMIT_THRESHOLD :
		      limit == class ? CB_LIMIT_CLASS : CB_LIMIT_FLOOR;
	return limit;
}

double cb_icount_threshold(size_t boots)
{
	return boots >= CB_CHECK_SHARP_BOOTS ? CB_CHECK_THRESHOLD_ICOUNT :
	       CB_CHECK_THRESHOLD_ICOUNT_COARSE;
}

const struct cb_base_entry *cb_baseline_find(const struct cb_baseline *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->e[i].name, name))
			return &b->e[i];
	return NULL;
}

/* The first field of rank 1 to @nr that differs, or NULL. */
static const struct identity_field *identity_field_differs(const struct cb_identity *a,
							    const struct cb_identity *b, int nr)
{
	for (int rank = 1; rank <= nr; rank++)
		for (size_t i = 0; i < NR_IDENTITY_FIELDS; i++)
			if (identity_fields[i].rank == rank &&
			    strcmp(id_field_c(a, &identity_fields[i]),
				   id_field_c(b, &identity_fields[i])))
				return &identity_fields[i];
	return NULL;
}

const char *cb_identity_incomparable(const struct cb_identity *base,
				     const struct cb_identity *now, char *why, size_t len)
{
	const struct identity_field *f = identity_field_differs(base, now, IDENTITY_MUST_MATCH);

	if (!f)
		return NULL;
	snprintf(why, len, "%s differs: baseline '%.60s', dataset '%.60s'%s", f->what,
		 id_field_c(base, f), id_field_c(now, f), f->hint);
	return why;
}

/* Which identity field differs, or NULL: boots of one baseline must agree. */
static const char *identity_differs(const struct cb_identity *a, const struct cb_identity *b)
{
	const struct identity_field *f = identity_field_differs(a, b, IDENTITY_COMPARED);

	return f ? f->what : NULL;
}

int cb_baseline_build(const char *const *datasets, size_t n, const char *cell,
		      struct cb_baseline *out, char *err, size_t errlen)
{
	struct cb_baseline *boot = calloc(n ? n : 1, sizeof(*boot));
	double *v = calloc(n ? n : 1, sizeof(*v));
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!boot || !v || !n) {
		snprintf(err, errlen, n ? "out of memory" : "no dataset given");
		goto out;
	}
	for (size_t d = 0; d < n; d++) {
		const char *differs;

		if (cb_cell_load(datasets[d], cell, &boot[d], err, errlen))
			goto out;
		differs = d ? identity_differs(&boot[0].id, &boot[d].id) : NULL;
		if (differs) {
			snprintf(err, errlen, "%s and %s differ in %s: not boots of one kernel",
				 datasets[0], datasets[d], differs);
			goto out;
		}
	}
	*out = boot[0];
	out->e = calloc(boot[0].n, sizeof(*out->e));
	out->n = 0;
	for (size_t i = 0; out->e && i < boot[0].n; i++) {
		struct cb_base_entry *e = &out->e[out->n];
		size_t got = 0;

		double within = 0;

		for (size_t d = 0; d < n; d++) {
			const struct cb_base_entry *b = cb_baseline_find(&boot[d], boot[0].e[i].name);

			if (b) {
				v[got++] = b->value;
				within = fmax(within, b->floor_pct);
			}
		}
		*e = boot[0].e[i];
		gsl_sort(v, 1, got);
		e->value = gsl_stats_median_from_sorted_data(v, 1, got);
		/*
		 * The gate compares per-boot values, so the floor is their
		 * spread -- given boots enough to show it, which perturbation
		 * boots (run --perturb) are made to.  With fewer, the
		 * repetitions' range within a boot stands in.  Not always: one
		 * repetition in three hit by a stray interrupt moves the range
		 * by 1.6-2.7% on the exact fault paths while the value stays
		 * put, and a floor that wide would let a +1% change through.
		 */
		e->floor_pct = e->value > 0 ? (v[got - 1] - v[0]) / e->value * 100 : 0;
		if (got < MEDIANS_SHOW_SPREAD)
			e->floor_pct = fmax(within, e->floor_pct);
		e->boots = got;
		out->n++;
	}
	ret = out->e ? 0 : -1;
out:
	for (size_t d = 0; d < n; d++)
		cb_baseline_free(&boot[d]);
	free(boot);
	free(v);
	return ret;
}

int cb_baseline_keep_floors(struct cb_baseline *b, const char *old_file, char *err,
			    size_t errlen)
{
	struct cb_baseline old;
	size_t widened = 0;
	char why[512];

	if (cb_baseline_read(old_file, &old, err, errlen))
		return -1;
	if (cb_identity_incomparable(&old.id, &b->id, why, sizeof(why))) {
		snprintf(err, errlen, "--keep-floors %s: not measured for these boots: %s",
			 old_file, why);
		cb_baseline_free(&old);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct cb_base_entry *o = cb_baseline_find(&old, b->e[i].name);

		if (o && o->floor_pct > b->e[i].floor_pct) {
			b->e[i].floor_pct = o->floor_pct;
			widened++;
		}
	}
	snprintf(b->floors_from, sizeof(b->floors_from), "the wider of the spread of these "
		 "boots and the floor of %s (cowbench %s): %zu of %zu widened", old_file,
		 old.id.commit, widened, b->n);
	cb_baseline_free(&old);
	return 0;
}

int cb_baseline_write(const struct cb_baseline *b, const char *path, char *err, size_t errlen)
{
	json_t *benchmarks = json_object();
	json_t *root = json_pack("{s:s, s:i, s:s}", "kind", BASELINE_KIND,
				 "format", BASELINE_FORMAT, "cell", b->cell);
	char *text;
	int ret;

	for (size_t i = 0; root && i < NR_IDENTITY_FIELDS; i++) {
		json_t *v = json_string(id_field_c(&b->id, &identity_fields[i]));

		/* not UTF-8: no baseline, as when json_pack refused the string */
		if (!v || json_object_set_new(root, identity_fields[i].key, v)) {
			json_decref(root);
			root = NULL;
		}
	}

	for (size_t i = 0; i < b->n; i++)
		json_object_set_new(benchmarks, b->e[i].name,
				    json_pack("{s:s, s:f, s:f, s:i}", "item", b->e[i].item,
					      "value", b->e[i].value,
					      "noise_floor_pct", b->e[i].floor_pct,
					      "boots", (int)b->e[i].boots));
	json_object_set_new(root, "statistic",
			    json_string(cb_value_name(cb_value_mode_of(b->id.mode))));
	if (*b->floors_from)
		json_object_set_new(root, "noise_floors_from", json_string(b->floors_from));
	json_object_set_new(root, "benchmarks", benchmarks);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ret = text ? cb_write_file_atomic(path, text, strlen(text)) : -1;
	if (ret)
		snprintf(err, errlen, "%s: cannot write", path);
	free(text);
	json_decref(root);
	return ret;
}

/* The most boots a floor may claim, and the widest floor a baseline may hold (%). */
#define BASELINE_MAX_BOOTS 10000
#define BASELINE_MAX_FLOOR_PCT 1000.0

/*
 * One benchmark of a baseline file.  The file is untrusted (it may come
 * with a merge request): a value that is not finite and positive would
 * let any change through, so each number is checked before it is used.
 */
static int baseline_entry(const char *name, json_t *v, struct cb_base_entry *e, char *err,
			  size_t errlen)
{
	json_t *value = json_object_get(v, "value"), *floor = json_object_get(v, "noise_floor_pct");
	json_t *boots = json_object_get(v, "boots");
	char why[128];

	if (!cb_result_name_ok(name) || strlen(name) >= sizeof(e->name)) {
		snprintf(err, errlen, "a benchmark name is not 1-%zu bytes of printable ASCII",
			 sizeof(e->name) - 1);
		return -1;
	}
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (!json_is_object(v) || !json_is_number(value)) {
		snprintf(err, errlen, "benchmark %s has no value", name);
		return -1;
	}
	e->value = json_number_value(value);
	e->floor_pct = json_number_value(floor);
	e->boots = (size_t)json_integer_value(boots);
	if (!isfinite(e->value) || e->value <= 0 || e->value > CB_MAX_VALUE) {
		snprintf(err, errlen, "benchmark %s: value %g: a cost per item is finite, positive "
			 "and below %g", name, e->value, CB_MAX_VALUE);
		return -1;
	}
	if (!json_is_number(floor) || !isfinite(e->floor_pct) || e->floor_pct < 0 ||
	    e->floor_pct > BASELINE_MAX_FLOOR_PCT) {
		snprintf(err, errlen, "benchmark %s: noise_floor_pct is not a number from 0 to %.0f",
			 name, BASELINE_MAX_FLOOR_PCT);
		return -1;
	}
	if (!json_is_integer(boots) || json_integer_value(boots) < 1 ||
	    json_integer_value(boots) > BASELINE_MAX_BOOTS) {
		snprintf(err, errlen, "benchmark %s: boots is not a count from 1 to %d", name,
			 BASELINE_MAX_BOOTS);
		return -1;
	}
	if (copy_str(e->item, sizeof(e->item), json_object_get(v, "item"), "item", why,
		     sizeof(why))) {
		snprintf(err, errlen, "benchmark %s: %s", name, why);
		return -1;
	}
	return 0;
}

int cb_baseline_read(const char *path, struct cb_baseline *b, char *err, size_t errlen)
{
	size_t len;
	char *text = cb_read_input(path, CB_INPUT_MAX_BYTES, &len, err, errlen), why[256];
	json_error_t jerr;
	json_t *root = text ? json_loadb(text, len, 0, &jerr) : NULL, *benchmarks, *v;
	const char *name;

	memset(b, 0, sizeof(*b));
	free(text);
	if (!text)
		return -1;
	if (!root) {
		snprintf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
		return -1;
	}
	benchmarks = json_object_get(root, "benchmarks");
	if (strcmp(json_string_value(json_object_get(root, "kind")) ?: "", BASELINE_KIND) ||
	    json_integer_value(json_object_get(root, "format")) != BASELINE_FORMAT ||
	    !json_is_object(benchmarks) || !json_object_size(benchmarks)) {
		snprintf(err, errlen, "%s: not a cowbench baseline of format %d (make one with "
			 "'cowbench check --write-baseline')", path, BASELINE_FORMAT);
		goto fail;
	}
	if (json_object_size(benchmarks) > CB_MAX_RESULTS) {
		snprintf(err, errlen, "%s: more than %d benchmarks (the limit)", path,
			 CB_MAX_RESULTS);
		goto fail;
	}
	if (copy_str(b->cell, sizeof(b->cell), json_object_get(root, "cell"), "cell", why,
		     sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	for (size_t i = 0; i < NR_IDENTITY_FIELDS; i++)
		if (copy_str(id_field(&b->id, &identity_fields[i]), identity_fields[i].len,
			     json_object_get(root, identity_fields[i].key),
			     identity_fields[i].key, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", path, why);
			goto fail;
		}
	b->e = calloc(json_object_size(benchmarks), sizeof(*b->e));
	if (!b->e) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	json_object_foreach(benchmarks, name, v) {
		if (baseline_entry(name, v, &b->e[b->n], why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s: refused", path, why);
			goto fail;
		}
		b->n++;
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	cb_baseline_free(b);
	return -1;
}

void cb_baseline_free(struct cb_baseline *b)
{
	free(b->e);
	b->e = NULL;
	b->n = 0;
}
