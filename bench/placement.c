// SPDX-License-Identifier: GPL-2.0
#include "placement.h"

#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

static int pick_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

int cb_place(int cpu, struct cb_placement *pl)
{
	cpu_set_t set;

	pl->cpu = cpu < 0 ? pick_cpu() : cpu;
	pl->node = -1;
	CPU_ZERO(&set);
	CPU_SET(pl->cpu, &set);
	/* Plain affinity first: it works on kernels built without CONFIG_NUMA. */
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(pl->note, sizeof(pl->note), "cannot pin to CPU %d: %s",
			 pl->cpu, strerror(errno));
		return -1;
	}
	if (numa_available() < 0) {
		snprintf(pl->note, sizeof(pl->note),
			 "cpu pinned; memory not bound: kernel has no NUMA support");
		return 0;
	}
	pl->node = numa_node_of_cpu(pl->cpu);
	if (pl->node < 0) {
		snprintf(pl->note, sizeof(pl->note),
			 "cpu pinned; memory not bound: no node for CPU %d", pl->cpu);
		return 0;
	}
	struct bitmask *nodes = numa_allocate_nodemask();

	numa_bitmask_setbit(nodes, (unsigned int)pl->node);
	numa_set_membind(nodes);
	numa_bitmask_free(nodes);
	snprintf(pl->note, sizeof(pl->note), "libnuma: cpu %d, membind node %d",
		 pl->cpu, pl->node);
	return 0;
}
