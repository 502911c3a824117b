// SPDX-License-Identifier: GPL-2.0
#include "dataset.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sysinfo.h"
#include "util.h"

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

const char *cb_dataset_default_base(void)
{
	const char *env = getenv("COWBENCH_RUNS");

	return env && *env ? env : COWBENCH_SOURCE_DIR "/datasets/runs";
}

char *cb_dataset_create(const char *base, const char *tag)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (cb_mkdir_p(base))
		return NULL;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (int n = 1; n < 100; n++) {
		char *dir = n == 1 ? cb_strdup_printf("%s/%s-%s", base, stamp, tag)
				   : cb_strdup_printf("%s/%s-%s-%d", base, stamp, tag, n);

		if (!mkdir(dir, 0777)) {
			/* Absolute: later steps run commands in other directories. */
			char *abs = realpath(dir, NULL);

			free(dir);
			return abs;
		}
		free(dir);
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

json_t *cb_dataset_meta_new(const char *mode)
{
	return json_pack("{s:i, s:o, s:s, s:o, s:o, s:o, s:[]}",
			 "format", CB_DATASET_FORMAT, "date", cb_sysinfo_date(),
			 "mode", mode, "host", cb_sysinfo_host(),
			 "kernel", cb_sysinfo_kernel(), "cowbench", cb_sysinfo_cowbench(),
			 "cells");
}

json_t *cb_dataset_add_cell(json_t *meta, const char *cell, const char *suite)
{
	json_t *s = json_pack("{s:s, s:s, s:s}", "cell", cell, "suite", suite,
			      "status", "running");

	json_array_append_new(json_object_get(meta, "cells"), s);
	return s;
}

/*
 * Format 1's names, in place: "suites" -> "cells", and in each record
 * "variant" (the cell) -> "cell", "variant_name" -> "variant".
 */
static void upgrade_format_1(json_t *meta)
{
	json_t *cells = json_object_get(meta, "suites"), *c;
	size_t i;

	json_array_foreach(cells, i, c) {
		json_t *cell = json_object_get(c, "variant"), *variant;

		if (!json_is_object(c))
			continue;
		json_incref(cell);
		variant = json_incref(json_object_get(c, "variant_name"));
		json_object_del(c, "variant");
		json_object_del(c, "variant_name");
		if (cell)
			json_object_set_new(c, "cell", cell);
		if (variant)
			json_object_set_new(c, "variant", variant);
	}
	json_object_set(meta, "cells", cells);
	json_object_del(meta, "suites");
	json_object_set_new(meta, "format", json_integer(CB_DATASET_FORMAT));
}

int cb_dataset_write_meta(const char *dir, json_t *meta)
{
	char *path = cb_path(dir, "meta.json");
	char *text = json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int ret = text ? cb_write_file_atomic(path, text, strlen(text)) : -1;

	if (ret)
		fprintf(stderr, "cowbench: cannot write %s: %s\n", path, strerror(errno));
	free(text);
	free(path);
	return ret;
}

json_t *cb_dataset_read_meta(const char *dir, char *err, size_t errlen)
{
	char *path = cb_path(dir, "meta.json");
	size_t len;
	char *text = cb_read_input(path, CB_INPUT_MAX_BYTES, &len, err, errlen);
	json_error_t jerr;
	json_t *meta = text ? json_loadb(text, len, 0, &jerr) : NULL;

	free(text);
	if (!text)
		;	/* err says why */
	else if (!meta)
		snprintf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
	else if (json_is_object(meta) && json_integer_value(json_object_get(meta, "format")) == 1 &&
		 json_is_array(json_object_get(meta, "suites")))
		upgrade_format_1(meta);
	if (meta && (!json_is_object(meta) ||
		     json_integer_value(json_object_get(meta, "format")) != CB_DATASET_FORMAT ||
		     !json_is_array(json_object_get(meta, "cells")))) {
		snprintf(err, errlen, "%s: not a cowbench dataset of format 1 or %d", path,
			 CB_DATASET_FORMAT);
		json_decref(meta);
		meta = NULL;
	}
	free(path);
	return meta;
}

bool cb_dataset_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || !*name || *name == '.')
		return false;
	for (const char *p = name; *p; p++, n++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			return false;
	return n <= CB_CELL_NAME_MAX;
}

char *cb_dataset_cell_dir(const char *dataset, const char *cell, char *err, size_t errlen)
{
	struct stat st;
	char *dir;

	if (!cb_dataset_name_ok(cell)) {
		char *shown = cb_printable(cell ? cell : "(not a string)");

		snprintf(err, errlen, "%s/meta.json: cell name '%.*s' is not 1-%d of "
			 "[A-Za-z0-9._-] (not starting with '.'): refused, it would be a path",
			 dataset, 160, shown, CB_CELL_NAME_MAX);
		free(shown);
		return NULL;
	}
	dir = cb_path(dataset, cell);
	int bad = lstat(dir, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

	if (bad) {
		snprintf(err, errlen, "%s: %s", dir, bad == ENOENT ? "missing: the cell has no "
			 "directory" : bad == ENOTDIR ? "not a directory of the dataset (a "
			 "symbolic link?): refused" : strerror(bad));
		free(dir);
		return NULL;
	}
	return dir;
}
