/* SPDX-License-Identifier: GPL-2.0 */
/* What a dataset records about the machine, kernel and cowbench that produced it. */
#ifndef CB_SYSINFO_H
#define CB_SYSINFO_H

#include <jansson.h>

/* {"release", "version", "machine", "cmdline"} of the running kernel. */
json_t *cb_sysinfo_kernel(void);
/* {"hostname", "cpu_model", "nr_cpus", "mem_total_kib", "thp_enabled", "thp_defrag"} */
json_t *cb_sysinfo_host(void);
/* {"version", "commit"}: commit from git describe of the source tree, if any. */
json_t *cb_sysinfo_cowbench(void);
/* Current UTC time as ISO 8601. */
json_t *cb_sysinfo_date(void);
/* First line of a file, trimmed; NULL if unreadable. */
char *cb_first_line(const char *path);
/* Value of "key : value" in /proc/cpuinfo style text; NULL if absent. */
char *cb_cpuinfo_field(const char *text, const char *key);

#endif
