/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The side-by-side table of a VM run's cells: benchmark values (the
 * mode's cb_series_value(), named in the table's header), COW copies per
 * 1000 items, the attack suite's refusal points (attack.json), probes,
 * selftests and kernel BUG/WARNING counts.
 */
#ifndef CB_MATRIX_H
#define CB_MATRIX_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Aligned plain text, or Markdown tables (@markdown), of the dataset at
 * @run_dir: -1, having written nothing, with the file and the problem in
 * @err when a cell's name, its probes.tap or its attack.json (a link, a
 * FIFO) is refused (cells are read as untrusted input: see load_cell() in
 * matrix.c).
 */
int cb_matrix_write(json_t *meta, const char *run_dir, FILE *out, bool markdown, char *err,
		    size_t errlen);
/* cb_matrix_write(), or in its place the line saying why not (for `run`'s own dataset). */
void cb_matrix_print(json_t *meta, const char *run_dir, FILE *out, bool markdown);

#endif
