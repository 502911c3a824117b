// SPDX-License-Identifier: GPL-2.0
/* A VM cell's status from its evidence (cell_status.h). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cell_status.h"
#include "console.h"
#include "run_opts.h"

/*
 * How QEMU ended, before what the guest said: a boot that was stopped,
 * could not be logged or was killed from outside tells nothing about the
 * kernel.  NULL when QEMU ended on its own.
 */
static const char *qemu_end(const struct cb_vm_result *res, char *buf, size_t len)
{
	if (res->interrupted)
		return "interrupted";
	if (res->write_error[0]) {
		snprintf(buf, len, "write-failed: %s", res->write_error);
		return buf;
	}
	if (res->console.outcome == CB_GUEST_PANIC)
		return NULL;	/* the panic says more than what came after it */
	if (res->qemu_signal) {
		snprintf(buf, len, "qemu-killed: signal %d (%s)", res->qemu_signal,
			 strsignal(res->qemu_signal));
		return buf;
	}
	if (WIFEXITED(res->status) && WEXITSTATUS(res->status)) {
		snprintf(buf, len, "qemu-failed: exit %d", WEXITSTATUS(res->status));
		return buf;
	}
	return NULL;
}

const char *cb_cell_status(const struct cb_cell_evidence *e, char *buf, size_t len)
{
	const struct cb_vm_result *res = e->vm;
	const struct cb_console *c = &res->console;
	const char *status = qemu_end(res, buf, len);

	if (status)
		return status;
	/* frames.c's words for a file of the stream it could not write (full disk) */
	if (e->frames_failed && !strncmp(e->frames->error, "cannot write ", 13)) {
		snprintf(buf, len, "write-failed: %s", e->frames->error);
		return buf;
	}
	if (c->outcome == CB_GUEST_PANIC)
		return "panic";
	if (res->timed_out)
		return "timeout";
	if (c->outcome != CB_GUEST_DONE)
		return cb_guest_outcome_name(c->outcome);
	if (!e->frames->done)
		return "results-incomplete";
	if (e->policy_mismatch) {
		snprintf(buf, len, "policy-mismatch: %s", e->policy_mismatch);
		return buf;
	}
	/* A suite that crashed or failed makes the cell fail, with its reason. */
	for (size_t i = 0; i < c->nr_suites; i++) {
		const struct cb_console_suite *cs = &c->suites[i];

		if (cb_suite_end_failed(cs->name, cs->end)) {
			snprintf(buf, len, "suite-failed: %s %s", cs->name,
				 cs->end[0] ? cs->end : "never ended");
			return buf;
		}
	}
	return "ok";
}

/*
 * How a suite's end counts.  The benchmark runner must exit 0.  A selftest's
 * exit status is its verdict on the kernel (kselftest: 1 = some test failed),
 * and so are the probes' (1 a leak, 2 a refusal): a result to record, not a
 * harness failure; but a signal, a missing binary or no end at all is.  A
 * selftest's "timeout <N> s" (killed at its bench/selftests.h limit: one
 * failed result in its TAP) and "skip <why>" (no /dev/kvm) are results
 * too.  The attack suite's 1 -- an attack left the page or its refcount not intact,
 * or broke -- is its result too (in attack.json, shown as refusal points);
 * it has no other, so any other exit (127: it could not be run) fails.
 */
bool cb_suite_end_failed(const char *name, const char *end)
{
	static const char *const bad[] = { "signal", "missing", "unknown", "error" };

	if (!end[0])
		return true;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!strncmp(end, bad[i], strlen(bad[i])))
			return true;
	if (!strcmp(name, "attack"))
		return strcmp(end, "exit 0") && strcmp(end, "exit 1");
	return !strcmp(name, "micro") && strcmp(end, "exit 0");
}
