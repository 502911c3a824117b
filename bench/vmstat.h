/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/vmstat snapshots and their deltas, matched by name. */
#ifndef CB_VMSTAT_H
#define CB_VMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CB_VMSTAT_MAX 384	/* 6.12 has ~190 lines; room for added events */
#define CB_VMSTAT_NAME 48

struct cb_vmstat {
	size_t nr;
	char name[CB_VMSTAT_MAX][CB_VMSTAT_NAME];
	uint64_t value[CB_VMSTAT_MAX];
};

/* Parse "name value\n" lines.  Returns the number of entries, -1 if malformed. */
int cb_vmstat_parse(const char *text, struct cb_vmstat *out);
/* Read and parse /proc/vmstat (or @path).  Returns entries or -1 with errno. */
int cb_vmstat_read(const char *path, struct cb_vmstat *out);
/* Index of @name in @s, trying @hint first; -1 if absent. */
int cb_vmstat_find(const struct cb_vmstat *s, const char *name, size_t hint);
/*
 * delta[i] = after(ref->name[i]) - before(ref->name[i]) for every name of
 * @ref; a name missing from a snapshot counts as 0 there.  Gauges can shrink,
 * so deltas are signed.
 */
void cb_vmstat_delta(const struct cb_vmstat *ref, const struct cb_vmstat *before,
		     const struct cb_vmstat *after, int64_t *delta);
/*
 * Whether a line counts events (monotonic, worth reporting per operation)
 * rather than being a gauge: vm_event_item lines, plus the two FOLL_PIN
 * counters that 6.12 keeps as node stats.
 */
bool cb_vmstat_is_event(const char *name);

#ifdef __cplusplus
}
#endif

#endif
