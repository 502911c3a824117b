// SPDX-License-Identifier: GPL-2.0
#include "kdef.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "util.h"

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

const char *cb_defs_root(void)
{
	const char *env = getenv("COWBENCH_DEFS_DIR");

	return env && *env ? env : COWBENCH_SOURCE_DIR;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Copy @value into a field of @size; -1 with @err rather than cut it short. */
static int set_value(char *dst, size_t size, const char *value, const char *key, int lineno,
		     char *err, size_t errlen)
{
	if (strlen(value) >= size) {
		snprintf(err, errlen, "line %d: %s is longer than %zu characters", lineno, key,
			 size - 1);
		return -1;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int resolve(char *dst, size_t size, const char *root, const char *path,
		   const char *key, int lineno, char *err, size_t errlen)
{
	char *full = path[0] == '/' ? strdup(path) : cb_path(root, path);
	int ret = set_value(dst, size, full, key, lineno, err, errlen);

	free(full);
	return ret;
}

/*
 * Kernel and variant names become path components (objs/<kernel>, a
 * dataset's <kernel>.<variant>/): cowbench's one rule for such names, and
 * short enough for the field that holds them.  NULL when @s is fine.
 */
static const char *name_problem(const char *s, size_t size, char *why, size_t whylen)
{
	if (!cb_dataset_name_ok(s))
		snprintf(why, whylen, "not [A-Za-z0-9._-]+ (1 to %d characters, not starting "
			 "with '.')", CB_CELL_NAME_MAX);
	else if (strlen(s) >= size)
		snprintf(why, whylen, "longer than %zu characters", size - 1);
	else
		return NULL;
	return why;
}

int cb_kdef_parse(const char *text, const char *name, const char *root,
		  struct cb_kdef *k, char *err, size_t errlen)
{
	char *copy = strdup(text), *save, *line;
	int lineno = 0, ret = -1;

	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *value;

		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		for (const char *c = line; *c; c++) {
			if (cb_is_control(*c) && *c != '\t') {
				snprintf(err, errlen, "line %d: control character 0x%02x", lineno,
					 (unsigned char)*c);
				goto out;
			}
		}
		eq = strchr(line, '=');
		if (!eq) {
			snprintf(err, errlen, "line %d: want 'key = value', got '%s'", lineno, line);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (!strcmp(key, "description")) {
			if (set_value(k->description, sizeof(k->description), value, key, lineno,
				      err, errlen))
				goto out;
		} else if (!strcmp(key, "source")) {
			if (set_value(k->source, sizeof(k->source), value, key, lineno, err, errlen))
				goto out;
		} else if (!strcmp(key, "series")) {
			if (resolve(k->series, sizeof(k->series), root, value, key, lineno, err,
				    errlen))
				goto out;
		} else if (!strcmp(key, "config")) {
			for (char *s2, *f = strtok_r(value, " \t", &s2); f;
			     f = strtok_r(NULL, " \t", &s2)) {
				if (k->nr_configs == CB_KDEF_MAX_CONFIGS) {
					snprintf(err, errlen, "line %d: more than %d config fragments",
						 lineno, CB_KDEF_MAX_CONFIGS);
					goto out;
				}
				if (resolve(k->configs[k->nr_configs++], sizeof(k->configs[0]), root,
					    f, "config", lineno, err, errlen))
					goto out;
			}
		} else if (!strncmp(key, "variant", 7) && isspace((unsigned char)key[7])) {
			char *vname = trim(key + 8), why[96];
			const char *problem = name_problem(vname, sizeof(k->variants[0].name), why,
							   sizeof(why));
			struct cb_variant *v;

			if (problem || cb_kdef_variant(k, vname)) {
				snprintf(err, errlen, "line %d: variant name '%s' is %s", lineno,
					 vname, problem ? problem : "defined twice");
				goto out;
			}
			if (k->nr_variants == CB_KDEF_MAX_VARIANTS) {
				snprintf(err, errlen, "line %d: more than %d variants", lineno,
					 CB_KDEF_MAX_VARIANTS);
				goto out;
			}
			v = &k->variants[k->nr_variants++];
			snprintf(v->name, sizeof(v->name), "%s", vname);
			if (set_value(v->cmdline, sizeof(v->cmdline), value, "the variant's command line",
				      lineno, err, errlen))
				goto out;
		} else {
			snprintf(err, errlen, "line %d: unknown key '%s' (known: description, "
				 "source, series, config, variant NAME)", lineno, key);
			goto out;
		}
	}
	if (!k->source[0] || !k->nr_configs) {
		snprintf(err, errlen, "needs at least 'source =' and 'config ='");
		goto out;
	}
	if (!k->nr_variants) {	/* a kernel without variants runs as itself */
		snprintf(k->variants[0].name, sizeof(k->variants[0].name), "default");
		k->nr_variants = 1;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

static void list_kernels(const char *root, char *buf, size_t len)
{
	char *dir = cb_path(root, "kernels");
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t used = 0;

	buf[0] = '\0';
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 7 && !strcmp(e->d_name + n - 7, ".kernel") && used + n < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%.*s",
						 used ? ", " : "", (int)(n - 7), e->d_name);
	}
	if (d)
		closedir(d);
	free(dir);
}

int cb_kdef_load(const char *root, const char *name, struct cb_kdef *k, char *err,
		 size_t errlen)
{
	char why[256];
	char *path, *text;

	if (name_problem(name, sizeof(k->name), why, sizeof(why))) {
		/* It may come from a dataset (run --resume): no escapes to the terminal. */
		char *shown = cb_printable(name);

		snprintf(err, errlen, "bad kernel name '%s': %s", shown, why);
		free(shown);
		return -1;
	}
	path = cb_strdup_printf("%s/kernels/%s.kernel", root, name);
	text = cb_read_file(path, NULL);
	if (!text) {
		char known[512];

		list_kernels(root, known, sizeof(known));
		snprintf(err, errlen, "unknown kernel '%s': no %s (known: %s)", name, path,
			 known[0] ? known : "none");
		free(path);
		return -1;
	}
	int ret = cb_kdef_parse(text, name, root, k, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		snprintf(k->path, sizeof(k->path), "%s", path);
	free(text);
	free(path);
	return ret;
}

const struct cb_variant *cb_kdef_variant(const struct cb_kdef *k, const char *name)
{
	for (size_t i = 0; i < k->nr_variants; i++)
		if (!strcmp(k->variants[i].name, name))
			return &k->variants[i];
	return NULL;
}

static int add_cell(struct cb_cell *cells, size_t max, int n, const char *kernel,
		    const char *variant, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cells[i].kernel, kernel) && !strcmp(cells[i].variant, variant))
			return n;	/* named twice: run once */
	if ((size_t)n == max) {
		snprintf(err, errlen, "matrix has more than %zu cells", max);
		return -1;
	}
	snprintf(cells[n].kernel, sizeof(cells[n].kernel), "%s", kernel);
	snprintf(cells[n].variant, sizeof(cells[n].variant), "%s", variant);
	return n + 1;
}

int cb_matrix_parse(const char *spec, const char *root, struct cb_cell *cells, size_t max,
		    char *err, size_t errlen)
{
	char *copy = strdup(spec), *save;
	struct cb_kdef *k = malloc(sizeof(*k));
	int n = 0;

	if (!copy || !k) {
		free(copy);
		free(k);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *item = strtok_r(copy, ",", &save); item && n >= 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item = trim(item), ':');

		if (colon)
			*colon = '\0';
		if (cb_kdef_load(root, item, k, err, errlen)) {
			n = -1;
			break;
		}
		if (!colon) {
			for (size_t v = 0; v < k->nr_variants && n >= 0; v++)
				n = add_cell(cells, max, n, k->name, k->variants[v].name, err, errlen);
			continue;
		}
		if (!cb_kdef_variant(k, colon + 1)) {
			size_t used = 0;
			char known[512] = "";

			for (size_t v = 0; v < k->nr_variants && used < sizeof(known); v++)
				used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
							 v ? ", " : "", k->variants[v].name);
			char *shown = cb_printable(colon + 1);

			snprintf(err, errlen, "unknown variant '%s' of kernel '%s' (%s defines: %s)",
				 shown, k->name, k->path, known);
			free(shown);
			n = -1;
			break;
		}
		n = add_cell(cells, max, n, k->name, colon + 1, err, errlen);
	}
	if (n == 0) {
		char *shown = cb_printable(spec);

		snprintf(err, errlen, "empty matrix '%s'", shown);
		free(shown);
		n = -1;
	}
	free(copy);
	free(k);
	return n;
}
