// SPDX-License-Identifier: GPL-2.0
#include "perfcount.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const struct cb_perf_event cb_perf_events[CB_PERF_NR] = {
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
};

static const char *open_error(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return "not supported";
	case EACCES:
	case EPERM:
		return "not permitted (perf_event_paranoid)";
	case ENOSYS:
		return "kernel without CONFIG_PERF_EVENTS";
	default:
		return "cannot open";
	}
}

void cb_perf_open(struct cb_perf *p)
{
	for (int i = 0; i < CB_PERF_NR; i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = cb_perf_events[i].type,
			.config = cb_perf_events[i].config,
			.exclude_hv = 1,
		};
		long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1,
				  PERF_FLAG_FD_CLOEXEC);

		p->fd[i] = (int)fd;
		if (fd < 0)
			snprintf(p->status[i], sizeof(p->status[i]), "%s (%s)",
				 open_error(errno), strerrorname_np(errno));
		else
			snprintf(p->status[i], sizeof(p->status[i]), "ok");
	}
}

void cb_perf_read(const struct cb_perf *p, uint64_t *values)
{
	for (int i = 0; i < CB_PERF_NR; i++) {
		values[i] = 0;
		if (p->fd[i] >= 0 &&
		    read(p->fd[i], &values[i], sizeof(values[i])) != sizeof(values[i]))
			values[i] = 0;
	}
}

void cb_perf_close(struct cb_perf *p)
{
	for (int i = 0; i < CB_PERF_NR; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}
