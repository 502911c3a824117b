/* SPDX-License-Identifier: GPL-2.0 */
/* Per-task counters through perf_event_open(2), one fd per event. */
#ifndef CB_PERFCOUNT_H
#define CB_PERFCOUNT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cb_perf_event {
	const char *name;
	uint32_t type;
	uint64_t config;
};

extern const struct cb_perf_event cb_perf_events[];
#define CB_PERF_NR 6

struct cb_perf {
	int fd[CB_PERF_NR];		/* -1: not counting */
	char status[CB_PERF_NR][64];	/* "ok" or why not, e.g. "not supported (ENOENT)" */
};

/* Open every event for the calling task.  Never fails: see status[]. */
void cb_perf_open(struct cb_perf *p);
/* Current values; events that are not counting read as 0. */
void cb_perf_read(const struct cb_perf *p, uint64_t *values);
void cb_perf_close(struct cb_perf *p);

#ifdef __cplusplus
}
#endif

#endif
