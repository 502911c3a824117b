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
/* Write all of @buf, retrying on EINTR: 0, or -1 on an error or EOF. */
int cb_write_all(int fd, const void *buf, size_t len);

#endif
