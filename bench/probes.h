/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machinery cowbench-probes' families share (bench/probes.c holds the
 * table, main() and the COW/GUP probes; bench/probes_gmem.c the
 * guest_memfd conversion probes): verdicts, the probe table's entry, the
 * vm event snapshots every probe's line ends with, long-term pins.
 */
#ifndef CB_PROBES_H
#define CB_PROBES_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE 4096
#define HUGE (2UL << 20)

/*
 * A probe's outcome; probes.c's top comment gives the TAP line of each.
 * A negative control (a probe of a check known to be too weak, which must
 * leak to show that the probe sees leaks) returns CONTROL_LEAKED where it
 * leaked, as it must, and CONTROL_BLIND where it saw no leak.
 */
enum verdict { SAFE, LEAKED, BROKEN, SKIPPED, REFUSED, CONTROL_LEAKED, CONTROL_BLIND };

/* Memory kinds, crossed with the pin probes as mm/cow.c does. */
enum kind { K_SMALL, K_THP, K_HUGETLB };

struct probe;
typedef enum verdict (*probe_fn)(const struct probe *pr, char *detail, size_t len);

/* One line of the table main() runs, in order: its index + 1 is the TAP number. */
struct probe {
	const char *name;
	probe_fn run;
	enum kind kind;
	int arg;		/* the probe's own: gup_test flags, a step, a pinner */
	int arg2;
};

/* /proc/vmstat's counter @name, or -1 (an unpatched kernel lacks it). */
long long vmstat(const char *name);

/* The vm events a probe reports the moves of (absent on a stock kernel). */
#define NR_EVENTS 23
extern const char *const events[];	/* NR_EVENTS names */

struct evsnap {
	long long v[NR_EVENTS];
};

void ev_take(struct evsnap *s);
/* " [ev cow_copy+1 ...]": the events that moved since @before. */
void ev_append(const struct evsnap *before, char *detail, size_t len);

/* A failed pin call: REFUSED unless it was the probe's own misuse. */
enum verdict refused(int err, const char *call, char *detail, size_t len);

/* The memory a pin probe works on: @size bytes at @mem, in a mapping at @base. */
struct region {
	char *base, *mem;
	size_t maplen, size;
};

/* --- long-term pins: gup_test or an io_uring fixed buffer --- */

enum pinner { PIN_GUP, PIN_URING };

struct pin {
	enum pinner how;
	struct region *r;
	int gup, memfd;
	bool ring_ok, pinned;
	struct io_uring ring;
};

/* Open the pinner (and, for io_uring, a memfd of r->size): SAFE, SKIPPED or BROKEN. */
enum verdict pin_open(struct pin *p, enum pinner how, struct region *r, char *detail,
		      size_t len);
/* Pin the region: 0, or -errno (the pin call failed). */
int pin_take(struct pin *p, uint32_t gup_flags);
/* io_uring: WRITE_FIXED the region into the memfd (@to_file) or READ_FIXED it back. */
int ring_fixed(struct pin *p, bool to_file);
/* Unpin; 0 or -errno. */
int pin_release(struct pin *p);
void pin_close(struct pin *p);

/*
 * The guest_memfd conversion family (bench/probes_gmem.c), appended to the
 * table as one block: GMEM_PROBES is its entries, in order.
 */
enum verdict probe_gmem_vmsplice(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_pin_longterm(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_sigbus_touch(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_procmem_private(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_vm_readv_private(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_mmap_race(const struct probe *pr, char *detail, size_t len);
enum verdict probe_gmem_policy_refusals(const struct probe *pr, char *detail, size_t len);

#define GMEM_PROBES                                                                   \
	{ "gmem-vmsplice-exact", probe_gmem_vmsplice, K_SMALL, 0, 0 },                 \
	{ "gmem-vmsplice-weak", probe_gmem_vmsplice, K_SMALL, 1, 0 },                  \
	{ "gmem-pin-longterm-exact", probe_gmem_pin_longterm, K_SMALL, 0, 0 },         \
	{ "gmem-pin-longterm-weak", probe_gmem_pin_longterm, K_SMALL, 1, 0 },          \
	{ "gmem-sigbus-touch", probe_gmem_sigbus_touch, K_SMALL, 0, 0 },               \
	{ "gmem-procmem-private", probe_gmem_procmem_private, K_SMALL, 0, 0 },         \
	{ "gmem-vm-readv-private", probe_gmem_vm_readv_private, K_SMALL, 0, 0 },       \
	{ "gmem-mmap-race", probe_gmem_mmap_race, K_SMALL, 0, 0 },                     \
	{ "gmem-policy-refusals", probe_gmem_policy_refusals, K_SMALL, 0, 0 }

#endif
