// SPDX-License-Identifier: GPL-2.0
/*
 * --jobs: how many cells boot at once (jobs.h).  The choice is pure
 * (cb_cell_jobs); what the host has is measured apart (cb_host_room): the
 * CPUs this process may run on and the memory available to it, each
 * bounded by the limits of its cgroup (v2) and of the cgroups above it --
 * a CI container sees the host's /proc/meminfo, not its own limit.
 */
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs.h"

int cb_cell_jobs(int requested, bool icount, int nr_cells, int mem_mib,
		 const struct cb_host_room *room)
{
	long n;

	if (requested > 0)
		n = requested;
	else if (!icount || !room || room->cpus < 1 || room->avail_mib < 0 || mem_mib < 0)
		n = 1;
	else {
		long by_mem = room->avail_mib / ((long)mem_mib + CB_JOBS_QEMU_MIB);

		n = room->cpus < by_mem ? room->cpus : by_mem;
		if (n > CB_JOBS_MAX)
			n = CB_JOBS_MAX;
	}
	if (n > nr_cells)
		n = nr_cells;
	return n < 1 ? 1 : (int)n;
}

/* A cgroup file's first line, in @buf; false when it cannot be read. */
static bool read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok;
}

/* "file N" of a cgroup's memory.stat, in bytes: page cache it could reclaim; 0 if none. */
static long long cgroup_file_bytes(const char *dir)
{
	char path[PATH_MAX], line[256];
	long long v = 0;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/memory.stat", dir) >= sizeof(path))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "file %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Bound @room by the cgroup v2 limits from this process's cgroup up to the root. */
static void cgroup_bounds(struct cb_host_room *room)
{
	char line[PATH_MAX], dir[PATH_MAX], buf[128];
	const char *base = "/sys/fs/cgroup";
	FILE *f = fopen("/proc/self/cgroup", "r");
	char *rel = NULL;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			rel = line + 3;
			rel[strcspn(rel, "\n")] = '\0';
			break;
		}
	fclose(f);
	if (!rel || (size_t)snprintf(dir, sizeof(dir), "%s%s", base, rel) >= sizeof(dir))
		return;
	for (;;) {
		long long quota, period, max, cur;
		char *slash;

		if (read_line(dir, "cpu.max", buf, sizeof(buf)) &&
		    sscanf(buf, "%lld %lld", &quota, &period) == 2 && quota > 0 && period > 0) {
			long cpus = (long)(quota / period);

			if (cpus < 1)
				cpus = 1;
			if (room->cpus < 1 || cpus < room->cpus)
				room->cpus = cpus;
		}
		if (read_line(dir, "memory.max", buf, sizeof(buf)) && sscanf(buf, "%lld", &max) == 1 &&
		    read_line(dir, "memory.current", buf, sizeof(buf)) &&
		    sscanf(buf, "%lld", &cur) == 1) {
			long long left = max - cur + cgroup_file_bytes(dir);
			long mib = left > 0 ? (long)(left >> 20) : 0;

			if (room->avail_mib < 0 || mib < room->avail_mib)
				room->avail_mib = mib;
		}
		if (strlen(dir) <= strlen(base))
			break;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (strlen(dir) < strlen(base))
			break;
	}
}

void cb_host_room(struct cb_host_room *room)
{
	cpu_set_t set;
	FILE *f;
	char line[256];

	room->cpus = -1;
	room->avail_mib = -1;
	if (!sched_getaffinity(0, sizeof(set), &set))
		room->cpus = CPU_COUNT(&set);
	if (room->cpus < 1)
		room->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* MemAvailable: free memory plus the page cache the kernel would reclaim */
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		long kib;

		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1) {
			room->avail_mib = kib / 1024;
			break;
		}
	}
	if (f)
		fclose(f);
	if (room->avail_mib < 0) {
		long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);

		if (pages > 0 && page > 0)
			room->avail_mib = (long)((double)pages * page / 1048576.0);
	}
	cgroup_bounds(room);
}
