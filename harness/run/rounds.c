// SPDX-License-Identifier: GPL-2.0
/*
 * Merging the rounds of an interleaved run (see rounds.h).  The merged
 * micro.json is a Google benchmark document like any other: results.c
 * reads it the same way, so the report and check need not know.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cb_spawn.h"
#include "results.h"
#include "rounds.h"
#include "util.h"

char *cb_round_dir(const char *cell_dir, int round)
{
	return cb_strdup_printf("%s/round-%d", cell_dir, round);
}

static json_t *load_round(const char *path, char *err, size_t errlen)
{
	char *text = cb_read_file(path, NULL), *clean;
	json_error_t jerr;
	json_t *doc;

	if (!text)
		return NULL;
	/* Google benchmark writes bare NaN for a counter it could not compute */
	clean = cb_json_nonfinite_to_null(text);
	doc = json_loads(clean, 0, &jerr);
	if (!doc || !json_is_array(json_object_get(doc, "benchmarks")))
		snprintf(err, errlen, "%s: %s", path, doc ? "no \"benchmarks\" array" : jerr.text);
	free(clean);
	free(text);
	return doc;
}

int cb_rounds_merge(const char *cell_dir, int rounds, int *merged, char *err, size_t errlen)
{
	json_t *out = NULL, *rows = json_array();
	int ret = -1, next_rep = 0;

	*merged = 0;
	err[0] = '\0';
	for (int r = 1; r <= rounds; r++) {
		char *dir = cb_round_dir(cell_dir, r), *path = cb_path(dir, "micro.json");
		json_t *doc = load_round(path, err, errlen), *row;
		int reps = 0;
		size_t i;

		free(path);
		free(dir);
		if (!doc) {
			if (err[0])
				goto out;
			continue;	/* the round did not finish: its cell says so */
		}
		json_array_foreach(json_object_get(doc, "benchmarks"), i, row) {
			json_int_t idx = json_integer_value(json_object_get(row, "repetition_index"));

			/* aggregates are recomputed from the rows by whoever reads them */
			if (strcmp(json_string_value(json_object_get(row, "run_type")) ?: "",
				   "iteration"))
				continue;
			if (idx + 1 > reps)
				reps = (int)idx + 1;
			json_object_set_new(row, "repetition_index", json_integer(next_rep + idx));
			json_object_set_new(row, "cowbench_round", json_integer(r));
			json_array_append(rows, row);
		}
		next_rep += reps;
		if (!out) {
			out = json_deep_copy(doc);
			json_object_del(out, "benchmarks");
		}
		json_decref(doc);
		(*merged)++;
	}
	if (!out) {
		snprintf(err, errlen, "%s: no round finished", cell_dir);
		goto out;
	}
	{
		size_t i;
		json_t *row;

		json_array_foreach(rows, i, row)
			json_object_set_new(row, "repetitions", json_integer(next_rep));
	}
	json_object_set(out, "benchmarks", rows);
	json_object_set_new(out, "cowbench_rounds", json_integer(rounds));
	{
		char *text = json_dumps(out, JSON_INDENT(1));
		char *path = cb_path(cell_dir, "micro.json");

		ret = text ? cb_write_file_atomic(path, text, strlen(text)) : -1;
		if (ret)
			snprintf(err, errlen, "%s: cannot write", path);
		free(path);
		free(text);
	}
	if (!ret) {
		/* round 1's TAP files and guest records, for the matrix and the report */
		char *first = cb_round_dir(cell_dir, 1);
		DIR *d = opendir(first);
		struct dirent *e;

		ret = d ? 0 : -1;
		while (d && !ret && (e = readdir(d))) {
			char *from, *to;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			    !strcmp(e->d_name, "micro.json") || !strcmp(e->d_name, "results.stream"))
				continue;
			from = cb_path(first, e->d_name);
			to = cb_path(cell_dir, e->d_name);
			ret = cb_copy_tree(from, to);
			free(to);
			free(from);
		}
		if (d)
			closedir(d);
		if (ret)
			snprintf(err, errlen, "%s: cannot copy its files up", first);
		free(first);
	}
out:
	json_decref(out);
	json_decref(rows);
	return ret;
}
