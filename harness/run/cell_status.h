/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM cell's status: how QEMU ended, what the console said, whether the
 * result stream came whole, whether the policy that ran is the one asked
 * for, how each suite ended.  Pure: the same evidence, the same status.
 */
#ifndef CB_CELL_STATUS_H
#define CB_CELL_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "frames.h"
#include "vm.h"

struct cb_cell_evidence {
	const struct cb_vm_result *vm;
	const struct cb_frames *frames;
	bool frames_failed;		/* cb_frames_extract() returned -1 */
	/* cb_policy_check()'s reason the policy differs, or NULL when it matched */
	const char *policy_mismatch;
};

/*
 * "ok", or what went wrong first: "interrupted", "write-failed: ...",
 * "qemu-killed: ...", "qemu-failed: exit N", "panic", "timeout",
 * "no-userspace" / "stopped" (cb_guest_outcome_name), "results-incomplete",
 * "policy-mismatch: ...", "suite-failed: <suite> <end>".  The string is
 * static or in @buf.
 */
const char *cb_cell_status(const struct cb_cell_evidence *e, char *buf, size_t len);

#endif
