/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user interface of the kernel's gup_test debugfs file
 * (/sys/kernel/debug/gup_test, CONFIG_GUP_TEST).  The kernel keeps this in
 * mm/gup_test.h, outside the exported uapi headers; the kselftests include
 * it from the tree.  Copied from Linux 6.12 mm/gup_test.h (unchanged since
 * 5.13) so the suite builds without a kernel tree, with what cowbench's
 * patch 0014 adds to it (PIN_ONE_PAGE_TEST, PAGE_STATE_TEST).
 */
#ifndef CB_GUP_TEST_H
#define CB_GUP_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define GUP_FAST_BENCHMARK	_IOWR('g', 1, struct gup_test)
#define PIN_FAST_BENCHMARK	_IOWR('g', 2, struct gup_test)
#define PIN_LONGTERM_BENCHMARK	_IOWR('g', 3, struct gup_test)
#define GUP_BASIC_TEST		_IOWR('g', 4, struct gup_test)
#define PIN_BASIC_TEST		_IOWR('g', 5, struct gup_test)
#define PIN_LONGTERM_TEST_START	_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP	_IO('g', 8)
#define PIN_LONGTERM_TEST_READ	_IOW('g', 9, __u64)
/* cowbench patch 0014 */
#define PIN_ONE_PAGE_TEST	_IOWR('g', 10, struct pin_one_page_test)
#define PAGE_STATE_TEST		_IOWR('g', 11, struct page_state_test)

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

/* struct page_state.flags */
#define PAGE_STATE_LARGE		0x01	/* part of a large folio */
#define PAGE_STATE_ANON			0x02
#define PAGE_STATE_ANON_EXCLUSIVE	0x04
#define PAGE_STATE_SWAPCACHE		0x08
/* folio_maybe_dma_pinned(), the test's own reference accounted for */
#define PAGE_STATE_MAYBE_PINNED		0x10
/* pins on small folios are plain references (cowbench.pin_bias=nobias) */
#define PAGE_STATE_NOBIAS		0x20

/* One page as the kernel sees it, the test's own reference left out. */
struct page_state {
	__s64 refcount;		/* folio_ref_count(): an int, negative once wrapped */
	__s32 mapcount;		/* folio_mapcount() */
	__s32 pincount;		/* a large folio's _pincount; -1 for a small one */
	__u32 flags;		/* PAGE_STATE_* */
	__u32 pad;
};

struct page_state_test {
	__u64 addr;			/* in: a mapped address */
	struct page_state state;	/* out */
};

#define PIN_ONE_PAGE_FLAG_WRITE	0x1	/* pin with FOLL_WRITE */

/*
 * Pin the page at @addr as many times as the kernel grants, up to
 * @max_pins, hold them all, then release them all.  The first pin is a
 * real pin_user_pages(); the rest go through try_grab_folio(FOLL_PIN), the
 * function every slow-path pin takes, in batches that shrink to one near
 * the refusal point, so @pins is what single pins would reach.
 */
struct pin_one_page_test {
	__u64 addr;		/* in: the page */
	__u64 max_pins;		/* in: the bound if nothing refuses */
	__u32 flags;		/* in: PIN_ONE_PAGE_FLAG_* */
	__s32 refused;		/* out: 0, or -errno of the first pin refused */
	__u64 pins;		/* out: pins granted and held at once */
	__u64 nsec;		/* out: kernel time (ktime) the pins took */
	struct page_state before;	/* out: before the first pin */
	struct page_state held;		/* out: with all @pins held */
	struct page_state after;	/* out: after all were released */
};

#define GUP_TEST_PATH "/sys/kernel/debug/gup_test"

/*
 * Not the kernel's: why a case on GUP_TEST_PATH cannot run here, or NULL
 * (bench/pin.c, shared with bench/fork_pinned.c).
 */
struct cb_params;
const char *cb_gup_test_unsupported(const struct cb_params *p);

#endif
