/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest's console log says happened: did userspace start, which
 * suites ended how, did the kernel panic, oops or BUG, did the guest finish.
 * The harness scans the log as it arrives (to stop early on a panic) and
 * once more at the end (for the dataset).
 */
#ifndef CB_CONSOLE_H
#define CB_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

enum cb_guest_outcome {
	CB_GUEST_DONE,		/* init said "done" */
	CB_GUEST_PANIC,		/* "Kernel panic - not syncing" */
	CB_GUEST_NO_USERSPACE,	/* the kernel never ran our init */
	CB_GUEST_STOPPED,	/* userspace ran, then nothing: hang, timeout, crash of init */
};

#define CB_CONSOLE_MAX_SUITES 16

struct cb_console_suite {
	char name[48];
	char end[96];		/* "exit 0", "signal 11 Segmentation fault", "" = never ended */
};

struct cb_console {
	enum cb_guest_outcome outcome;
	bool up;		/* "cowbench-guest: up" seen */
	bool done;
	char panic[256];	/* the panic line */
	char first_bug[256];	/* first BUG:/Oops:/general protection fault line */
	int nr_bugs;		/* BUG, Oops, GPF lines */
	int nr_warnings;	/* "WARNING: CPU:" lines */
	size_t nr_suites;
	struct cb_console_suite suites[CB_CONSOLE_MAX_SUITES];
};

void cb_console_scan(const char *text, struct cb_console *c);
/* True when a line ends the boot: nothing good follows a panic. */
bool cb_console_line_is_fatal(const char *line);
const char *cb_guest_outcome_name(enum cb_guest_outcome o);

#endif
