// SPDX-License-Identifier: GPL-2.0
/* Every benchmark family, in the order `cowbench list` and reports show them. */
#include <stdio.h>

#include "cowbench.h"

extern const struct cb_family cb_family_fault;
extern const struct cb_family cb_family_fork;
extern const struct cb_family cb_family_pin;
extern const struct cb_family cb_family_fork_pinned;
extern const struct cb_family cb_family_specref;
extern const struct cb_family cb_family_overhead;
extern const struct cb_family cb_family_gmem;

const struct cb_family *const cb_families[] = {
	&cb_family_fault,
	&cb_family_fork,
	&cb_family_pin,
	&cb_family_fork_pinned,
	&cb_family_specref,
	&cb_family_overhead,
	&cb_family_gmem,
};

const size_t cb_nr_families = sizeof(cb_families) / sizeof(cb_families[0]);

unsigned int cb_iterations(double iteration_ns, int quick)
{
	const double budget = quick ? CB_BUDGET_QUICK_NS : CB_BUDGET_DEFAULT_NS;
	/*
	 * quick: three, so that the median region (measure.h) outvotes one
	 * that other work landed in
	 */
	const unsigned int least = quick ? 3 : 1;
	unsigned int n = 1;

	while (n < CB_ITERATIONS_MAX && 2.0 * n * iteration_ns <= budget)
		n *= 2;
	return n < least ? least : n;
}

void cb_format_size(size_t size, char *buf, size_t len)
{
	if (size >= (1UL << 30) && !(size % (1UL << 30)))
		snprintf(buf, len, "%zuGiB", size >> 30);
	else if (size >= CB_MIB && !(size % CB_MIB))
		snprintf(buf, len, "%zuMiB", size >> 20);
	else
		snprintf(buf, len, "%zuKiB", size >> 10);
}

void cb_benchmark_name(const struct cb_case *c, const struct cb_params *p,
		       char *buf, size_t len)
{
	char size[32];

	cb_format_size(p->size, size, sizeof(size));
	snprintf(buf, len, "%s/%s/thp:%s", c->name, size,
		 p->thp == CB_THP_ON ? "on" : "off");
}

void cb_for_each_benchmark(int quick,
			   void (*fn)(const struct cb_case *c, const struct cb_params *p,
				      void *arg),
			   void *arg)
{
	for (size_t f = 0; f < cb_nr_families; f++) {
		const struct cb_family *fam = cb_families[f];

		for (size_t i = 0; i < fam->nr_cases; i++) {
			const struct cb_case *c = &fam->cases[i];

			for (const size_t *size = c->sizes; *size; size++) {
				for (int thp = 0; thp < CB_THP_NR; thp++) {
					struct cb_params p = { *size, (enum cb_thp)thp, c->arg };

					if (c->thp_modes & CB_THP_MASK(thp))
						fn(c, &p, arg);
				}
				if (quick)
					break;
			}
		}
	}
}
