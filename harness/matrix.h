/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The side-by-side table of a VM run's cells: benchmark medians, COW
 * copies per 1000 items, probes, selftests and kernel BUG/WARNING counts.
 */
#ifndef CB_MATRIX_H
#define CB_MATRIX_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Aligned plain text, or Markdown tables (@markdown). */
void cb_matrix_print(json_t *meta, const char *run_dir, FILE *out, bool markdown);

#endif
