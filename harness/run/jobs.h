/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How many cells `run` boots at once (--jobs).  Under icount each QEMU is
 * one host thread and a guest's counts do not depend on what runs beside
 * it, so the default is what the host holds; in a wall-clock mode cells
 * would disturb each other's timing, so it is 1.  cb_cell_jobs() is pure:
 * the host's room comes in as numbers (cb_host_room() measures them).
 */
#ifndef CB_JOBS_H
#define CB_JOBS_H

#include <stdbool.h>

/* --jobs's limit */
#define CB_JOBS_MAX 16
/* What one QEMU takes beside its guest's memory (its own code, TCG's translation cache). */
#define CB_JOBS_QEMU_MIB 512

struct cb_host_room {
	long cpus;		/* CPUs this process may run on (affinity, cgroup quota); < 1: unknown */
	long avail_mib;		/* memory available to it (MemAvailable, cgroup limit); < 0: unknown */
};

/*
 * Cells at once for @nr_cells cells: @requested when > 0 (--jobs N);
 * when 0 (the default), under @icount one CPU and @mem_mib plus
 * CB_JOBS_QEMU_MIB per cell in @room, at most CB_JOBS_MAX, and 1 in a
 * wall-clock mode or when the room is unknown.  Never more than
 * @nr_cells, never less than 1.
 */
int cb_cell_jobs(int requested, bool icount, int nr_cells, int mem_mib,
		 const struct cb_host_room *room);

/* The running host's room: its CPUs and available memory, each bounded by the cgroup's limits. */
void cb_host_room(struct cb_host_room *room);

#endif
