/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interleaved rounds: in wall-clock modes `run` boots every cell once per
 * round (A B A B ..., not A A B B) so that drift of the host -- frequency,
 * a noisy neighbour, page cache -- lands on every cell alike.  Each round
 * writes <cell>/round-N/; this merges them back into the cell.
 */
#ifndef CB_ROUNDS_H
#define CB_ROUNDS_H

#include <stddef.h>

/* "round-3" for round 3 (1-based); malloc'd. */
char *cb_round_dir(const char *cell_dir, int round);

/*
 * <cell_dir>/micro.json: the benchmark rows of every round's micro.json
 * in round order, repetitions numbered across rounds (a missing round,
 * one that did not finish, is left out and counted in @merged); every
 * other file of round 1 (TAP files, guest records) copied up beside it.
 * -1 with a message naming the file when a round's JSON does not parse.
 */
int cb_rounds_merge(const char *cell_dir, int rounds, int *merged, char *err, size_t errlen);

#endif
