// SPDX-License-Identifier: GPL-2.0
/*
 * overhead/empty-region: a measured region with nothing in it.  Its time is
 * what the runner itself adds to every sample (two clock reads); divided by
 * the pages in a fault region, it bounds the timing overhead per fault.
 */
#include <stdlib.h>

#include "cowbench.h"

static const size_t overhead_sizes[] = { CB_PAGE_SIZE, 0 };

static int empty_setup(struct cb_ctx *ctx, const struct cb_params *p, void **priv)
{
	(void)ctx;
	(void)p;
	*priv = NULL;
	return 0;
}

static int empty_region(struct cb_ctx *ctx, void *priv)
{
	(void)priv;
	cb_measure_begin(ctx);
	cb_measure_end(ctx, 1);
	return 0;
}

static void empty_teardown(void *priv)
{
	(void)priv;
}

static const struct cb_case overhead_cases[] = {
	{
		.name = "overhead/empty-region",
		.summary = "an empty measured region: the runner's own cost per sample",
		.item = "region", .sizes = overhead_sizes,
		.thp_modes = CB_THP_MASK(CB_THP_OFF), .setup = empty_setup,
		.iteration = empty_region, .teardown = empty_teardown,
	},
};

const struct cb_family cb_family_overhead = {
	"overhead", overhead_cases, sizeof(overhead_cases) / sizeof(overhead_cases[0]),
};
