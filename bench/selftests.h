/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own selftests that cowbench builds from each kernel's tree
 * and runs in its guest, beside cowbench's probes, as ground truth: one
 * table that harness/kbuild.c builds from (build_selftests()),
 * bench/guest_init.c runs (the "selftests" suite, one "selftest.<name>"
 * suite per row), and harness/run_vm.c and harness/matrix.c collect and
 * total (selftest.<name>.tap of each cell).  A row added here is built,
 * run, sent back and shown without another change.
 *
 * Each row's binary is <artifact>/selftests/<name> on the host and
 * /cowbench/selftests/<name> in the guest; its TAP is selftest.<name>.tap
 * and its stderr selftest.<name>.stderr in the cell's directory.
 *
 * Output: the mm tests print kselftest TAP themselves (ending with
 * "# Totals: ..."); the KVM tests of 6.12 named here do not (TEST_ASSERT
 * and exit status only; TEST_REQUIRE exits 4, KSFT_SKIP, with "# SKIP
 * <why>" on stdout), so the guest turns their exit status into one TAP
 * line with totals, their stdout as "# " comments before it.
 *
 * Timeouts are guest seconds (under icount: instructions, so the same on
 * every boot).  A test that runs out of time is killed, with its process
 * group, and counts as one failed result; a test that needs /dev/kvm
 * where the guest has none (no SVM/VMX for the nested KVM) is one skip
 * with that reason.
 */
#ifndef COWBENCH_SELFTESTS_H
#define COWBENCH_SELFTESTS_H

#include <stdbool.h>
#include <stddef.h>

enum cb_selftest_dir {
	CB_SELFTEST_MM,		/* tools/testing/selftests/mm */
	CB_SELFTEST_KVM,	/* tools/testing/selftests/kvm */
};

enum cb_selftest_output {
	CB_SELFTEST_TAP,	/* kselftest TAP of its own */
	CB_SELFTEST_STATUS,	/* no TAP: the exit status becomes one TAP line */
};

#define CB_SELFTEST_MAX_ARGS 4

struct cb_selftest {
	const char *name;	/* binary name, "selftest.<name>" suite and files */
	enum cb_selftest_dir dir;
	const char *source;	/* under the dir, without ".c" (kvm: its make target) */
	enum cb_selftest_output output;
	bool needs_kvm;		/* SKIP, with the reason, without a usable /dev/kvm */
	const char *args[CB_SELFTEST_MAX_ARGS + 1];	/* after argv[0], NULL-ended */
	int timeout_s;		/* guest seconds; running out counts as a fail */
};

static const struct cb_selftest cb_selftests[] __attribute__((unused)) = {
	/*
	 * anon/THP/hugetlb COW, GUP R/O pins, vmsplice: ~760 results in 3.1
	 * guest seconds on the default kernel (gup_longterm: 40 in 0.1 s),
	 * the KVM tests 0.04 s and 1.3 s.  The limits leave ~50x for a debug
	 * kernel; a test that hangs spinning is killed after ~450 s of wall
	 * time at cow's 180 (~0.4 guest s per wall s under TCG icount), one
	 * that sleeps at once (idle guest time passes instantly).
	 */
	{ "cow", CB_SELFTEST_MM, "cow", CB_SELFTEST_TAP, false, { NULL }, 180 },
	{ "gup_longterm", CB_SELFTEST_MM, "gup_longterm", CB_SELFTEST_TAP, false, { NULL }, 120 },
	/* a plain guest_memfd refuses mmap, read, write; fallocate, punch hole */
	{ "guest_memfd_test", CB_SELFTEST_KVM, "guest_memfd_test", CB_SELFTEST_STATUS, true,
	  { NULL }, 120 },
	/* shared<->private conversions of a KVM_X86_SW_PROTECTED_VM */
	{ "private_mem_conversions_test", CB_SELFTEST_KVM, "x86_64/private_mem_conversions_test",
	  CB_SELFTEST_STATUS, true, { NULL }, 120 },
};

#define CB_NR_SELFTESTS (sizeof(cb_selftests) / sizeof(cb_selftests[0]))

/* The directory of @t under tools/testing/selftests. */
static inline const char *cb_selftest_dir_name(const struct cb_selftest *t)
{
	return t->dir == CB_SELFTEST_KVM ? "kvm" : "mm";
}

#endif /* COWBENCH_SELFTESTS_H */
