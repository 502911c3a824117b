/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user interface of the kernel's gup_test debugfs file
 * (/sys/kernel/debug/gup_test, CONFIG_GUP_TEST).  The kernel keeps this in
 * mm/gup_test.h, outside the exported uapi headers; the kselftests include
 * it from the tree.  Copied from Linux 6.12 mm/gup_test.h (unchanged since
 * 5.13) so the suite builds without a kernel tree.
 */
#ifndef CB_GUP_TEST_H
#define CB_GUP_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define GUP_FAST_BENCHMARK	_IOWR('g', 1, struct gup_test)
#define PIN_FAST_BENCHMARK	_IOWR('g', 2, struct gup_test)
#define PIN_LONGTERM_BENCHMARK	_IOWR('g', 3, struct gup_test)
#define PIN_LONGTERM_TEST_START	_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP	_IO('g', 8)
#define PIN_LONGTERM_TEST_READ	_IOW('g', 9, __u64)

#define GUP_TEST_MAX_PAGES_TO_DUMP		8

struct gup_test {
	__u64 get_delta_usec;
	__u64 put_delta_usec;
	__u64 addr;
	__u64 size;
	__u32 nr_pages_per_call;
	__u32 gup_flags;
	__u32 test_flags;
	__u32 which_pages[GUP_TEST_MAX_PAGES_TO_DUMP];
};

#define PIN_LONGTERM_TEST_FLAG_USE_WRITE	1
#define PIN_LONGTERM_TEST_FLAG_USE_FAST		2

struct pin_longterm_test {
	__u64 addr;
	__u64 size;
	__u32 flags;
};

#define GUP_TEST_PATH "/sys/kernel/debug/gup_test"

/*
 * Not the kernel's: why a case on GUP_TEST_PATH cannot run here, or NULL
 * (bench/pin.c, shared with bench/fork_pinned.c).
 */
struct cb_params;
const char *cb_gup_test_unsupported(const struct cb_params *p);

#endif
