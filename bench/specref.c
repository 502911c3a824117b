// SPDX-License-Identifier: GPL-2.0
/*
 * specref family: write faults that go through the reuse decision (as
 * fault/reuse: the pages lost AnonExclusive at a fork whose child has
 * exited) while the kernel's speculative-reference generator (patch 0006,
 * /sys/kernel/debug/cowbench/specref) takes short-lived references on the
 * same pages at a given rate.  A reuse decision that reads the refcount
 * (upstream for non-exclusive pages, and "refcount") copies a page it finds
 * referenced; one that reads the mapcount does not.  The numbers to read are
 * the vmstat events per page: cow_copy and cow_copy_spurious per 1000 write
 * faults, beside specref_refs (references the generator took per fault).
 *
 * Each reference is held SPECREF_HOLD_NS, plus up to one generator tick
 * (20-30 us of guest time), so about rate * (hold + tick) references are in
 * flight over the 512 pages of the region.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cowbench.h"

#define SPECREF_PATH "/sys/kernel/debug/cowbench/specref"
#define SPECREF_HOLD_NS 20000

struct specref_bench {
	struct cb_params p;
	char *mem;
	char value;
	int running;
};

static const size_t specref_sizes[] = { 2 * CB_MIB, 0 };

static const char *specref_unsupported(const struct cb_params *p)
{
	if (access(SPECREF_PATH, W_OK))
		return "no " SPECREF_PATH " (kernel without cowbench patch 0006?)";
	return cb_thp_unsupported(p);
}

/* Write a command to the generator: 0 or -errno. */
static int specref_write(const char *cmd)
{
	int fd = open(SPECREF_PATH, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* What the generator did since it started (see patch 0006). */
struct specref_counts {
	long wakeups, taken, missed, busy;
};

static int specref_read(struct cb_ctx *ctx, struct specref_counts *c)
{
	FILE *f = fopen(SPECREF_PATH, "re");
	char key[32];
	long value;
	int found = 0;

	if (!f)
		return cb_fail(ctx, "%s: %s", SPECREF_PATH, strerror(errno));
	while (fscanf(f, "%31s %li", key, &value) == 2) {
		long *field = !strcmp(key, "wakeups") ? &c->wakeups :
			      !strcmp(key, "taken") ? &c->taken :
			      !strcmp(key, "missed") ? &c->missed :
			      !strcmp(key, "busy") ? &c->busy : NULL;

		if (field) {
			*field = value;
			found++;
		}
	}
	fclose(f);
	if (found != 4)
		return cb_fail(ctx, "%s: expected wakeups, taken, missed and busy lines",
			       SPECREF_PATH);
	return 0;
}

static int specref_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	struct specref_bench *b = calloc(1, sizeof(*b));
	char cmd[128];
	int ret;

	if (!b)
		return cb_fail(ctx, "out of memory");
	b->p = *p;
	*priv = b;
	b->mem = cb_map_populated(ctx, p);
	if (!b->mem)
		return -1;
	snprintf(cmd, sizeof(cmd), "%d 0x%lx %zu %" PRIu64 " %d", (int)getpid(),
		 (unsigned long)b->mem, p->size, p->arg, SPECREF_HOLD_NS);
	ret = specref_write(cmd);
	if (ret)
		return cb_fail(ctx, "%s: writing \"%s\": %s", SPECREF_PATH, cmd,
			       strerror(-ret));
	b->running = 1;
	return 0;
}

static void specref_teardown(void *priv)
{
	struct specref_bench *b = priv;

	/* Stop before unmapping: the generator drops what it holds. */
	if (b->running)
		specref_write("0");
	cb_unmap(b->mem, b->p.size);
	free(b);
}

static int specref_reuse(struct cb_ctx *ctx, void *priv)
{
	struct specref_bench *b = priv;
	struct specref_counts before, after;

	if (cb_fork_and_reap(ctx) || specref_read(ctx, &before))
		return -1;
	b->value++;
	cb_measure_begin(ctx);
	cb_touch_pages(b->mem, b->p.size, b->value);
	cb_measure_end(ctx, b->p.size / CB_PAGE_SIZE);
	if (specref_read(ctx, &after))
		return -1;
	/* Proof the generator ran inside the region, and how well. */
	cb_measure_extra(ctx, "specref_wakeups", (double)(after.wakeups - before.wakeups));
	cb_measure_extra(ctx, "specref_refs", (double)(after.taken - before.taken));
	cb_measure_extra(ctx, "specref_missed", (double)(after.missed - before.missed));
	cb_measure_extra(ctx, "specref_busy", (double)(after.busy - before.busy));
	return 0;
}

#define SPECREF_CASE(_name, _rate)					\
	{								\
		.name = _name,						\
		.summary = "fault/reuse while the kernel takes " #_rate	\
			   " speculative page references/s on the region", \
		.item = "page", .sizes = specref_sizes,			\
		.thp_modes = CB_THP_MASK(CB_THP_OFF),			\
		.unsupported = specref_unsupported,			\
		.setup = specref_setup, .iteration = specref_reuse,	\
		.teardown = specref_teardown, .arg = _rate,		\
	}

static const struct cb_case specref_cases[] = {
	SPECREF_CASE("specref/reuse-10k", 10000),
	SPECREF_CASE("specref/reuse-100k", 100000),
	SPECREF_CASE("specref/reuse-1M", 1000000),
};

const struct cb_family cb_family_specref = {
	"specref", specref_cases, sizeof(specref_cases) / sizeof(specref_cases[0]),
};
