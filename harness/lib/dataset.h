/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dataset is a directory: meta.json (what ran, where, how it ended) and one
 * subdirectory per variant holding each suite's raw output.  meta.json is
 * rewritten atomically after every suite, so an interrupted run keeps a
 * readable record of what it finished.
 */
#ifndef CB_DATASET_H
#define CB_DATASET_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * Format 2: meta.json's "cells" holds one record per cell, its "cell" the
 * cell's name (<kernel>.<variant>, or "host") and "variant" the variant.
 * Format 1 said "suites", "variant" (the cell) and "variant_name" (the
 * variant); cb_dataset_read_meta() reads it as format 2.
 */
#define CB_DATASET_FORMAT 2

/* Default parent of local runs: <source>/datasets/runs (git-ignored). */
const char *cb_dataset_default_base(void);
/* Create <base>/<UTC stamp>-<tag>[-N]; returns the malloc'd path or NULL. */
char *cb_dataset_create(const char *base, const char *tag);
/* A fresh meta object: format, date, mode, host, kernel, cowbench, cells []. */
json_t *cb_dataset_meta_new(const char *mode);
/* Append a cell record to meta.cells and return it (borrowed). */
json_t *cb_dataset_add_cell(json_t *meta, const char *cell, const char *suite);
int cb_dataset_write_meta(const char *dir, json_t *meta);
/*
 * NULL with a message naming the file and the problem.  meta.json is read
 * as untrusted input (cb_read_input: a regular file within the size limit).
 */
json_t *cb_dataset_read_meta(const char *dir, char *err, size_t errlen);

/* The longest cell name (kernel.variant) a dataset may hold. */
#define CB_CELL_NAME_MAX 127
/*
 * Whether @name, read from a dataset, may become a path component: 1 to
 * CB_CELL_NAME_MAX of [A-Za-z0-9._-], not starting with '.' (so neither
 * "." nor ".." nor a hidden file), no '/'.  The one rule for every name
 * cowbench turns into a path: cells, kernels, variants.
 */
bool cb_dataset_name_ok(const char *name);
/*
 * <dataset>/<cell> for a cell name read from @dataset's meta.json: NULL,
 * with the file and the problem in @err, unless the name passes
 * cb_dataset_name_ok() and the path is a directory of its own (not a
 * symbolic link out of the dataset).  malloc'd.
 */
char *cb_dataset_cell_dir(const char *dataset, const char *cell, char *err, size_t errlen);

#endif
