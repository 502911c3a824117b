// SPDX-License-Identifier: GPL-2.0
/*
 * pin family: taking references and pins on anonymous pages, per 4 KiB page.
 *
 * The gup_test cases use the kernel's own benchmark interface and report the
 * kernel-measured get time (put time beside it).  The others work on any
 * kernel without privilege: io_uring fixed buffers (FOLL_PIN | FOLL_LONGTERM),
 * vmsplice (plain references) and process_vm_readv() of our own memory
 * (read-only FOLL_PIN), which on a page shared with a child takes the
 * FAULT_FLAG_UNSHARE path.
 *
 * The *-shared cases take the same read-only gup_test pins on pages a live
 * child maps, so that the kernel's ro_pin policy decides each one: unshare
 * (copy, upstream), pin the shared page (ignore) or refuse (fail).  A refused
 * pin is not a latency: when the kernel's own count of refused R/O pins
 * (vm event ro_pin_refused) moved, the case is skipped with that reason,
 * so the run records it and goes on (the probes show what it breaks); a
 * short pin without it is a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cowbench.h"
#include "gup_test.h"
#include "vmstat.h"

struct pinner {
	struct cb_params p;
	char *mem;
	char *dst;		/* process_vm_readv() destination */
	int gup_fd;
	struct io_uring ring;
	int ring_ok;
	struct cb_pipes pipes;
	int used;		/* an iteration ran on the current mapping */
};

static const size_t gup_test_sizes[] = { 64 * CB_MIB, 0 };
static const size_t pin_sizes[] = { 2 * CB_MIB, 32 * CB_MIB, 0 };
/*
 * Every shared iteration copies each page (upstream's unshare): the quick
 * profile pins 2 MiB, the default one also the exclusive controls' 64 MiB.
 */
static const size_t gup_shared_sizes[] = { 2 * CB_MIB, 64 * CB_MIB, 0 };

/* vm event ro_pin_refused (patch 0010), 0 on a kernel without it. */
static uint64_t ro_pin_refused(void)
{
	static struct cb_vmstat s;	/* ~20 KiB: not on the stack */
	int i;

	if (cb_vmstat_read(NULL, &s) < 0)
		return 0;
	i = cb_vmstat_find(&s, "ro_pin_refused", 0);
	return i < 0 ? 0 : s.value[i];
}

/*
 * A pin that came back short or failed: skipped, naming @what, if the
 * kernel counted refused R/O pins since @refused_before; a failure else.
 */
static int pin_short(struct cb_ctx *ctx, uint64_t refused_before, const char *what)
{
	uint64_t refused = ro_pin_refused() - refused_before;

	if (refused)
		return cb_skip(ctx, "refused: %s; the kernel refused %llu R/O pins "
			       "(ro_pin_refused): a refused pin is not a latency", what,
			       (unsigned long long)refused);
	return cb_fail(ctx, "%s", what);
}

static uint64_t pages(const struct pinner *pn)
{
	return pn->p.size / CB_PAGE_SIZE;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int pin_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct pinner *pn = calloc(1, sizeof(*pn));

	if (!pn)
		return cb_fail(ctx, "out of memory");
	pn->p = *p;
	pn->gup_fd = -1;
	*priv = pn;
	pn->mem = cb_map_populated(ctx, p);
	return pn->mem ? 0 : -1;
}

static void pin_teardown(void *priv)
{
	struct pinner *pn = priv;

	if (pn->gup_fd >= 0)
		close(pn->gup_fd);
	if (pn->ring_ok)
		io_uring_queue_exit(&pn->ring);
	cb_pipes_close(&pn->pipes);
	cb_unmap(pn->mem, pn->p.size);
	cb_unmap(pn->dst, pn->p.size);
	free(pn);
}

/* --- gup_test: the kernel times its own get and put loops --- */

const char *cb_gup_test_unsupported(const struct cb_params *p)
{
	if (access(GUP_TEST_PATH, R_OK | W_OK))
		return "no " GUP_TEST_PATH " (kernel without CONFIG_GUP_TEST, "
		       "debugfs not mounted, or not root)";
	return cb_thp_unsupported(p);
}

static int gup_test_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct pinner *pn;

	if (pin_setup(ctx, p, priv))
		return -1;
	pn = *priv;
	pn->gup_fd = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (pn->gup_fd < 0)
		return cb_skip(ctx, "open %s: %s", GUP_TEST_PATH, strerror(errno));
	return 0;
}

static int gup_test_run(struct cb_ctx *ctx, struct pinner *pn, unsigned long cmd)
{
	struct gup_test gup = {
		.addr = (uintptr_t)pn->mem,
		.size = pn->p.size,
		/* A driver pinning a buffer asks for many pages per call. */
		.nr_pages_per_call = 512,
		/* read-only: no unshare on exclusive pages, the policy's on shared ones */
		.gup_flags = 0,
	};
	uint64_t refused = ro_pin_refused();
	char what[128];
	int ret, err;

	cb_measure_begin(ctx);
	ret = ioctl(pn->gup_fd, cmd, &gup);
	err = errno;	/* before the runner's own calls replace it */
	cb_measure_end(ctx, pages(pn));
	if (ret) {
		snprintf(what, sizeof(what), "gup_test ioctl: %s (%s)", strerrorname_np(err),
			 strerror(err));
		return pin_short(ctx, refused, what);
	}
	/*
	 * The kernel's loop stops without an error at the first call that
	 * pinned less than it asked for (ro_pin=fail refuses a R/O pin of a
	 * shared page) and says in gup.size how far it got; its times are then
	 * those of a shorter run.  (A call that came back short counts whole in
	 * gup.size, so only a refusal at a call's first page shows here, which
	 * is how a refusal of every shared page looks; the kernel's count of
	 * refusals catches the rest.)
	 */
	if (gup.size != pn->p.size || ro_pin_refused() != refused) {
		snprintf(what, sizeof(what), "pinned %llu of %llu pages",
			 (unsigned long long)(gup.size / CB_PAGE_SIZE),
			 (unsigned long long)pages(pn));
		return pin_short(ctx, refused, what);
	}
	cb_measure_override_ns(ctx, (double)gup.get_delta_usec * 1e3);
	cb_measure_extra(ctx, "kernel_put_ns", (double)gup.put_delta_usec * 1e3);
	return 0;
}

static int pin_gup_fast(struct cb_ctx *ctx, void *priv)
{
	return gup_test_run(ctx, priv, GUP_FAST_BENCHMARK);
}

static int pin_pin_fast(struct cb_ctx *ctx, void *priv)
{
	return gup_test_run(ctx, priv, PIN_FAST_BENCHMARK);
}

static int pin_pin_longterm(struct cb_ctx *ctx, void *priv)
{
	return gup_test_run(ctx, priv, PIN_LONGTERM_BENCHMARK);
}

/*
 * The same pins on pages a live child maps.  Every iteration forks a holder
 * child before the measured region and releases it after, so every
 * iteration pins shared pages: an unshare leaves the parent an exclusive
 * copy, and the next fork shares that again.  With THP the unshare also
 * split the PMD, so a later iteration first maps and populates the range
 * anew (untimed) to pin a PMD-mapped shared THP again, as the first did.
 */
static int gup_shared_run(struct cb_ctx *ctx, struct pinner *pn, unsigned long cmd)
{
	struct cb_child child;
	int ret;

	if (pn->used && pn->p.thp == CB_THP_ON) {
		cb_unmap(pn->mem, pn->p.size);
		pn->mem = cb_map_populated(ctx, &pn->p);
		if (!pn->mem)
			return -1;
	}
	pn->used = 1;
	if (cb_child_hold(ctx, &child))
		return -1;
	ret = gup_test_run(ctx, pn, cmd);
	return cb_child_release(ctx, &child) ? -1 : ret;
}

static int pin_pin_fast_shared(struct cb_ctx *ctx, void *priv)
{
	return gup_shared_run(ctx, priv, PIN_FAST_BENCHMARK);
}

static int pin_pin_longterm_shared(struct cb_ctx *ctx, void *priv)
{
	return gup_shared_run(ctx, priv, PIN_LONGTERM_BENCHMARK);
}

/* --- io_uring fixed buffers: an unprivileged FOLL_LONGTERM pin --- */

static int iouring_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct pinner *pn;
	int ret;

	if (pin_setup(ctx, p, priv))
		return -1;
	pn = *priv;
	ret = io_uring_queue_init(4, &pn->ring, 0);
	if (ret == -ENOSYS)
		return cb_skip(ctx, "kernel without CONFIG_IO_URING");
	if (ret == -EPERM)
		return cb_skip(ctx, "io_uring disabled (sysctl kernel.io_uring_disabled)");
	if (ret)
		return cb_fail(ctx, "io_uring_queue_init: %s", strerror(-ret));
	pn->ring_ok = 1;
	return 0;
}

static int pin_iouring_fixed(struct cb_ctx *ctx, void *priv)
{
	struct pinner *pn = priv;
	struct iovec iov = { .iov_base = pn->mem, .iov_len = pn->p.size };
	double t;
	int ret;

	cb_measure_begin(ctx);
	ret = io_uring_register_buffers(&pn->ring, &iov, 1);
	cb_measure_end(ctx, pages(pn));
	if (ret == -ENOMEM)
		return cb_skip(ctx, "io_uring_register_buffers: ENOMEM (RLIMIT_MEMLOCK "
			       "below %zu bytes? raise it with ulimit -l)", pn->p.size);
	if (ret)
		return cb_fail(ctx, "io_uring_register_buffers: %s", strerror(-ret));
	t = now_ns();
	ret = io_uring_unregister_buffers(&pn->ring);
	cb_measure_extra(ctx, "unpin_ns", now_ns() - t);
	if (ret)
		return cb_fail(ctx, "io_uring_unregister_buffers: %s", strerror(-ret));
	return 0;
}

/* --- vmsplice: plain references, the CVE-2020-29374 vector --- */

static int pin_vmsplice(struct cb_ctx *ctx, void *priv)
{
	struct pinner *pn = priv;
	int ret;

	cb_measure_begin(ctx);
	ret = cb_pipes_vmsplice(ctx, &pn->pipes, pn->mem, pn->p.size);
	cb_measure_end(ctx, pages(pn));
	cb_pipes_close(&pn->pipes);
	return ret;
}

/* --- process_vm_readv() of our own memory: read-only FOLL_PIN --- */

static int readv_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct cb_params dst = { .size = p->size, .thp = CB_THP_OFF };
	struct pinner *pn;

	if (pin_setup(ctx, p, priv))
		return -1;
	pn = *priv;
	pn->dst = cb_map_populated(ctx, &dst);
	if (!pn->dst)
		return -1;
	/*
	 * The child of pin/ro-after-fork must not share the destination, or
	 * every copy into it would be a COW fault inside the measured region
	 * (the series' cow_copy counter showed one per page).
	 */
	if (madvise(pn->dst, p->size, MADV_DONTFORK))
		return cb_fail(ctx, "madvise(MADV_DONTFORK): %s", strerror(errno));
	return 0;
}

static int measured_readv(struct cb_ctx *ctx, struct pinner *pn)
{
	struct iovec local = { .iov_base = pn->dst, .iov_len = pn->p.size };
	struct iovec remote = { .iov_base = pn->mem, .iov_len = pn->p.size };
	uint64_t refused = ro_pin_refused();
	char what[128];
	ssize_t n;
	int err;

	cb_measure_begin(ctx);
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	err = errno;	/* before the runner's own calls replace it */
	cb_measure_end(ctx, pages(pn));
	if (n < 0 && err == ENOSYS)
		return cb_skip(ctx, "kernel without CONFIG_CROSS_MEMORY_ATTACH");
	/*
	 * process_vm_readv() turns a pin the kernel refused into EFAULT
	 * (ro_pin=fail on a shared page), or a short read past the first.
	 */
	if (n < 0) {
		snprintf(what, sizeof(what), "process_vm_readv: %s (%s)", strerrorname_np(err),
			 strerror(err));
		return pin_short(ctx, refused, what);
	}
	if (n != (ssize_t)pn->p.size) {
		snprintf(what, sizeof(what), "process_vm_readv: read %zd of %zu bytes", n,
			 pn->p.size);
		return pin_short(ctx, refused, what);
	}
	return 0;
}

static int pin_ro_exclusive(struct cb_ctx *ctx, void *priv)
{
	return measured_readv(ctx, priv);
}

/*
 * A child maps every page, so none is exclusive: each R/O pin must unshare
 * (5.19+) or pins a page the next write fault may replace (pre-5.19).
 */
static int pin_ro_after_fork(struct cb_ctx *ctx, void *priv)
{
	struct cb_child child;
	int ret;

	if (cb_child_hold(ctx, &child))
		return -1;
	ret = measured_readv(ctx, priv);
	return cb_child_release(ctx, &child) ? -1 : ret;
}

#define PIN_CASE(_name, _summary, _sizes, _unsupported, _setup, _fn)	\
	{								\
		.name = _name, .summary = _summary, .item = "page",	\
		.sizes = _sizes, .thp_modes = CB_THP_BOTH,		\
		.unsupported = _unsupported, .setup = _setup,		\
		.iteration = _fn, .teardown = pin_teardown,		\
	}

static const struct cb_case pin_cases[] = {
	PIN_CASE("pin/gup-fast", "gup_test GUP_FAST_BENCHMARK: get_user_pages_fast, kernel-timed",
		 gup_test_sizes, cb_gup_test_unsupported, gup_test_setup, pin_gup_fast),
	PIN_CASE("pin/pin-fast", "gup_test PIN_FAST_BENCHMARK: pin_user_pages_fast, kernel-timed",
		 gup_test_sizes, cb_gup_test_unsupported, gup_test_setup, pin_pin_fast),
	PIN_CASE("pin/pin-longterm",
		 "gup_test PIN_LONGTERM_BENCHMARK: FOLL_LONGTERM pins, kernel-timed",
		 gup_test_sizes, cb_gup_test_unsupported, gup_test_setup, pin_pin_longterm),
	PIN_CASE("pin/pin-fast-shared",
		 "as pin/pin-fast on pages a live child maps: R/O pins under the ro_pin policy",
		 gup_shared_sizes, cb_gup_test_unsupported, gup_test_setup, pin_pin_fast_shared),
	PIN_CASE("pin/pin-longterm-shared",
		 "as pin/pin-longterm on pages a live child maps: R/O pins under the ro_pin policy",
		 gup_shared_sizes, cb_gup_test_unsupported, gup_test_setup,
		 pin_pin_longterm_shared),
	PIN_CASE("pin/iouring-fixed",
		 "io_uring_register_buffers: unprivileged FOLL_LONGTERM pin (unpin beside)",
		 pin_sizes, cb_thp_unsupported, iouring_setup, pin_iouring_fixed),
	PIN_CASE("pin/vmsplice", "vmsplice into pipes: plain page references, no pin",
		 pin_sizes, cb_thp_unsupported, pin_setup, pin_vmsplice),
	PIN_CASE("pin/ro-exclusive",
		 "process_vm_readv of own exclusive pages: R/O FOLL_PIN + copy",
		 pin_sizes, cb_thp_unsupported, readv_setup, pin_ro_exclusive),
	PIN_CASE("pin/ro-after-fork",
		 "process_vm_readv of pages a live child maps: R/O pin via unshare + copy",
		 pin_sizes, cb_thp_unsupported, readv_setup, pin_ro_after_fork),
};

const struct cb_family cb_family_pin = {
	"pin", pin_cases, sizeof(pin_cases) / sizeof(pin_cases[0]),
};
