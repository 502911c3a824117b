/* SPDX-License-Identifier: GPL-2.0 */
/* Pin the benchmark to one CPU and its memory to that CPU's node (libnuma). */
#ifndef CB_PLACEMENT_H
#define CB_PLACEMENT_H

#ifdef __cplusplus
extern "C" {
#endif

struct cb_placement {
	int cpu;
	int node;		/* -1: memory not bound */
	char note[160];		/* how, or why memory is not bound */
};

/*
 * Pin to @cpu, or when @cpu < 0 to the highest CPU we may run on (CPU 0
 * keeps timers and housekeeping).  Returns 0, or -1 with a message in note.
 */
int cb_place(int cpu, struct cb_placement *pl);

#ifdef __cplusplus
}
#endif

#endif
