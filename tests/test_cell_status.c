// SPDX-License-Identifier: GPL-2.0
/*
 * cb_cell_status(): each status a VM cell can end with, from evidence made
 * here, and which evidence wins when several things went wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "cell_status.h"

struct evidence {
	struct cb_vm_result vm;
	struct cb_frames frames;
	struct cb_cell_evidence e;
	char buf[700];
};

/* A boot that went well: QEMU exited 0, init said done, the stream ended. */
static void good(struct evidence *x)
{
	memset(x, 0, sizeof(*x));
	x->vm.status = 0;
	x->vm.console.outcome = CB_GUEST_DONE;
	x->vm.console.done = true;
	x->vm.console.nr_suites = 2;
	strcpy(x->vm.console.suites[0].name, "micro");
	strcpy(x->vm.console.suites[0].end, "exit 0");
	strcpy(x->vm.console.suites[1].name, "probes");
	strcpy(x->vm.console.suites[1].end, "exit 1");
	x->frames.done = true;
	x->e = (struct cb_cell_evidence){ .vm = &x->vm, .frames = &x->frames };
}

static const char *status(struct evidence *x)
{
	return cb_cell_status(&x->e, x->buf, sizeof(x->buf));
}

static void test_ok(void **state)
{
	struct evidence x;

	(void)state;
	good(&x);
	/* probes exit 1 is a verdict on the kernel, not a failed suite */
	assert_string_equal(status(&x), "ok");
}

static void test_qemu_ends(void **state)
{
	struct evidence x;

	(void)state;
	good(&x);
	x.vm.interrupted = SIGINT;
	x.vm.qemu_signal = SIGKILL;
	assert_string_equal(status(&x), "interrupted");
	good(&x);
	strcpy(x.vm.write_error, "console.log: No space left on device");
	assert_string_equal(status(&x), "write-failed: console.log: No space left on device");
	good(&x);
	x.vm.qemu_signal = SIGKILL;
	assert_string_equal(status(&x), "qemu-killed: signal 9 (Killed)");
	good(&x);
	x.vm.status = 1 << 8;	/* exit 1 */
	assert_string_equal(status(&x), "qemu-failed: exit 1");
}

static void test_guest_ends(void **state)
{
	struct evidence x;

	(void)state;
	/* a panic says more than the signal that ended QEMU after it */
	good(&x);
	x.vm.console.outcome = CB_GUEST_PANIC;
	x.vm.qemu_signal = SIGKILL;
	assert_string_equal(status(&x), "panic");
	good(&x);
	x.vm.timed_out = true;
	x.vm.console.outcome = CB_GUEST_STOPPED;
	assert_string_equal(status(&x), "timeout");
	good(&x);
	x.vm.console.outcome = CB_GUEST_NO_USERSPACE;
	assert_string_equal(status(&x), cb_guest_outcome_name(CB_GUEST_NO_USERSPACE));
	good(&x);
	x.frames.done = false;
	assert_string_equal(status(&x), "results-incomplete");
	/* the stream's file could not be written: the disk, not the kernel */
	good(&x);
	x.e.frames_failed = true;
	strcpy(x.frames.error, "cannot write micro.json: No space left on device");
	assert_string_equal(status(&x),
			    "write-failed: cannot write micro.json: No space left on device");
}

static void test_policy_and_suites(void **state)
{
	struct evidence x;

	(void)state;
	good(&x);
	x.e.policy_mismatch = "reuse is anon-exclusive, asked for refcount";
	assert_string_equal(status(&x),
			    "policy-mismatch: reuse is anon-exclusive, asked for refcount");
	/* a mismatch on a cell that timed out is not what it is about */
	x.vm.timed_out = true;
	assert_string_equal(status(&x), "timeout");
	good(&x);
	strcpy(x.vm.console.suites[0].end, "signal 11 Segmentation fault");
	assert_string_equal(status(&x), "suite-failed: micro signal 11 Segmentation fault");
	good(&x);
	x.vm.console.suites[0].end[0] = 0;
	assert_string_equal(status(&x), "suite-failed: micro never ended");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_qemu_ends),
		cmocka_unit_test(test_guest_ends),
		cmocka_unit_test(test_policy_and_suites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
