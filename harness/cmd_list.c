// SPDX-License-Identifier: GPL-2.0
/* cowbench list: the benchmark table, as `run` would register it. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cowbench.h"

static void print_name(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	char name[160];

	(void)arg;
	cb_benchmark_name(c, p, name, sizeof(name));
	printf("%s\n", name);
}

static void print_case(const struct cb_case *c)
{
	printf("%-32s per %-4s  %s\n", c->name, c->item, c->summary);
	printf("%-32s sizes:", "");
	for (const size_t *s = c->sizes; *s; s++) {
		char buf[32];

		cb_format_size(*s, buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("; THP:%s%s\n", c->thp_modes & CB_THP_MASK(CB_THP_OFF) ? " off" : "",
	       c->thp_modes & CB_THP_MASK(CB_THP_ON) ? " on" : "");
}

/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_list_opts[] = {
	{ "names", 'n', false, no_argument, NULL, "print every benchmark name a run registers" },
	{ "quick", 'q', false, no_argument, NULL, "with --names: those of the quick profile" },
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_list_usage(FILE *out)
{
	fputs("usage: cowbench list [--names [--quick]]\n\n"
	      "List the benchmark cases with their sizes and summaries.\n\n", out);
	cb_opts_usage(out, cmd_list_opts);
}

int cmd_list(int argc, char **argv)
{
	bool names = false, quick = false;
	struct cb_getopt g;
	int c;

	cb_opts_getopt(cmd_list_opts, "", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			names = true;
			break;
		case 'q':
			quick = true;
			break;
		case 'h':
			cmd_list_usage(stdout);
			return CB_EXIT_OK;
		default:
			return cb_usage_error("list", "unknown option '%s' (see --help)",
					      cb_getopt_bad(argc, argv));
		}
	}
	if (optind < argc)
		return cb_usage_error("list", "unexpected argument '%s' (see --help)", argv[optind]);
	if (names) {
		cb_for_each_benchmark(quick, print_name, NULL);
		return CB_EXIT_OK;
	}
	for (size_t f = 0; f < cb_nr_families; f++)
		for (size_t i = 0; i < cb_families[f]->nr_cases; i++)
			print_case(&cb_families[f]->cases[i]);
	return CB_EXIT_OK;
}
