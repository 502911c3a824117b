/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dataset is a directory: meta.json (what ran, where, how it ended) and one
 * subdirectory per variant holding each suite's raw output.  meta.json is
 * rewritten atomically after every suite, so an interrupted run keeps a
 * readable record of what it finished.
 */
#ifndef CB_DATASET_H
#define CB_DATASET_H

#include <jansson.h>

#define CB_DATASET_FORMAT 1

/* Default parent of local runs: <source>/datasets/runs (git-ignored). */
const char *cb_dataset_default_base(void);
/* Create <base>/<UTC stamp>-<tag>[-N]; returns the malloc'd path or NULL. */
char *cb_dataset_create(const char *base, const char *tag);
/* A fresh meta object: format, date, mode, host, kernel, cowbench, suites []. */
json_t *cb_dataset_meta_new(const char *mode);
/* Append a suite record to meta.suites and return it (borrowed). */
json_t *cb_dataset_add_suite(json_t *meta, const char *variant, const char *suite);
int cb_dataset_write_meta(const char *dir, json_t *meta);
/* NULL with a message naming the file and the problem. */
json_t *cb_dataset_read_meta(const char *dir, char *err, size_t errlen);

#endif
