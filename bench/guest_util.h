/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers the static guest programs share (cowbench-guest-init,
 * cowbench-probes, cowbench-attack): each links bench/guest_util.c itself.
 */
#ifndef CB_GUEST_UTIL_H
#define CB_GUEST_UTIL_H

#include <stddef.h>

/* "ENOMEM", or "errno N" when the C library has no name for it. */
const char *cb_errname(int err);
/* Append to @buf (a C string in @len bytes), cutting as snprintf would. */
void cb_append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Write @text to the file @path (a sysfs/procfs knob): 0, or -1. */
int cb_write_text(const char *path, const char *text);
/*
 * Empty the per-CPU LRU batches this process may have filled.  A folio
 * waiting in one (a new page's lru_add, an activation) holds a reference
 * that is neither a leak nor a pin, and cannot be isolated for reclaim
 * until the batch is drained.  madvise(MADV_COLD) drains the batches of
 * the CPU it runs on (lru_add_drain()) before it looks at its range, a
 * scratch page of our own: it is run on each CPU we may run on, which are
 * the CPUs where this process and its children faulted and pinned.
 */
void cb_lru_settle(void);
/* The number after "@key" in a "key value" file (/proc/meminfo, /proc/vmstat), or -1. */
long long cb_proc_value(const char *path, const char *key);
/* Write all of @buf, retrying on EINTR: 0, or -1 on an error or EOF. */
int cb_write_all(int fd, const void *buf, size_t len);

#endif
