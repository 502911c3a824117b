/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Boot one guest in QEMU and watch its console: hard timeout, stop early on
 * a panic, wall time to userspace.  SIGINT and SIGTERM to cowbench are
 * passed on to QEMU, which stops the guest and exits (killed after a grace
 * period if it does not).  Nothing here knows about suites.
 */
#ifndef CB_VM_H
#define CB_VM_H

#include <stdbool.h>
#include <stddef.h>

#include "console.h"

struct cb_vm_config {
	const char *qemu;		/* qemu-system-x86_64 */
	const char *kernel;		/* bzImage */
	const char *initrd;
	const char *append;		/* kernel command line */
	const char *accel;		/* "tcg" or "kvm" */
	bool icount;			/* TCG: guest clock counts instructions */
	int smp;
	int mem_mib;
	int timeout_s;
	const char *console_path;	/* console log (ttyS0) */
	const char *data_path;		/* result stream (ttyS1) */
	/* ttyS0 into this file (cb_vm_boot() sets it), NULL: QEMU's stdio */
	const char *console_memfd;
};

struct cb_vm_result {
	int status;			/* QEMU's wait status; -1 not started */
	bool timed_out;
	int interrupted;		/* SIGINT or SIGTERM came (passed on to QEMU), 0 none */
	/*
	 * A signal from someone else ended QEMU: SIGKILL seen in its wait
	 * status, or the one QEMU says it terminated on; 0 none.
	 */
	int qemu_signal;
	double wall_s;			/* QEMU start to exit */
	double up_s;			/* QEMU start to "cowbench-guest: up"; -1 never */
	char write_error[600];		/* "<console log>: <errno text>" (full disk), or "" */
	struct cb_console console;
};

/*
 * What the guest kernel is told on its command line about the machine
 * QEMU emulates under @accel ("" when nothing): facts it would otherwise
 * measure at boot, at a cost icount multiplies.
 */
const char *cb_vm_guest_cmdline(const char *accel);
/* The QEMU command line; strings are malloc'd.  Returns argc, -1 if over @max. */
int cb_vm_argv(const struct cb_vm_config *cfg, char **argv, size_t max);
/* Boot and wait.  Returns 0 when QEMU ran (whatever the guest did), -1 if not. */
int cb_vm_boot(const struct cb_vm_config *cfg, struct cb_vm_result *res);
/* "QEMU emulator version 7.2.22 ..." first line, or NULL. */
char *cb_vm_qemu_version(const char *qemu);

#endif
