/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CB_RUN_OPTS_H
#define CB_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct cb_run_opts {
	bool host;		/* measure the running kernel, no VM */
	bool quick;		/* smallest size per case, 2 iterations */
	int repetitions;
	int cpu;		/* -1: the runner picks */
	const char *filter;	/* regex over benchmark names */
	const char *out;	/* parent directory of the dataset */
	const char *bench;	/* the benchmark runner binary */
};

/*
 * Parse `cowbench run` arguments (argv[0] is "run").  Returns 0, 1 when help
 * was printed, or -1 with a message for the user in @err.
 */
int cb_run_parse_args(int argc, char **argv, struct cb_run_opts *o, char *err,
		      size_t errlen);

#endif
