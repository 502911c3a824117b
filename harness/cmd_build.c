// SPDX-License-Identifier: GPL-2.0
/* cowbench build: build (or find in the cache) the named kernels. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kbuild.h"
#include "kdef.h"
#include "util.h"

/* More make jobs than any machine this runs on has CPUs for; a typo beyond. */
#define MAX_JOBS 1024
#define STR_(x) #x
#define STR(x) STR_(x)

/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_build_opts[] = {
	{ "force", 'f', false, no_argument, NULL, "rebuild even when the artifact is cached" },
	{ "quiet", 'q', false, no_argument, NULL, "no progress lines" },
	{ NULL, 'j', true, required_argument, "N",
	  "make jobs, 1 to " STR(MAX_JOBS) " (default: the number of CPUs)" },
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_build_usage(FILE *out)
{
	fputs("usage: cowbench build [--force] [--quiet] [-j N] [KERNEL...]\n"
	      "\n"
	      "Build kernels/<KERNEL>.kernel (default: 'default'): unpack its source, apply\n"
	      "its patch series, merge its config fragments onto tinyconfig (and check that\n"
	      "Kconfig kept every requested option), make bzImage with ccache, and build the\n"
	      "kernel's mm selftests from the same tree. Artifacts are cached under\n"
	      "$COWBENCH_CACHE (default ~/.cache/cowbench) by a hash of source, series,\n"
	      "config and compiler: an unchanged kernel is not rebuilt.\n"
	      "\n", out);
	cb_opts_usage(out, cmd_build_opts);
}

int cmd_build(int argc, char **argv)
{
	struct cb_kbuild_opts o = { 0 };
	struct cb_getopt g;
	/* Every name on the command line: at most argc - 1 of them, no table to overflow. */
	const char **names = calloc((size_t)argc + 1, sizeof(*names));
	struct cb_kdef *defs = NULL;
	int nr = 0, ret = CB_EXIT_OK, c;
	char err[4096];
	long jobs;

	if (!names)
		abort();
	cb_opts_getopt(cmd_build_opts, ":", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.force = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'j':
			if (cb_parse_uint(optarg, 1, MAX_JOBS, &jobs)) {
				char *shown = cb_printable(optarg);

				ret = cb_usage_error("build", "-j wants a count of make jobs, 1 to %d, "
						     "got '%.40s'", MAX_JOBS, shown);
				free(shown);
				goto out;
			}
			o.jobs = (int)jobs;
			break;
		case 'h':
			cmd_build_usage(stdout);
			goto out;
		case ':':	/* -j last */
			ret = cb_usage_error("build", "-j wants a count of make jobs, 1 to %d",
					     MAX_JOBS);
			goto out;
		default:
			ret = cb_usage_error("build", "unknown option '%s' (see --help)",
					     cb_getopt_bad(argc, argv));
			goto out;
		}
	}
	while (optind < argc)
		names[nr++] = argv[optind++];
	if (!nr)
		names[nr++] = "default";
	/* Every definition first: a bad name is refused before any kernel is built. */
	defs = calloc((size_t)nr, sizeof(*defs));
	if (!defs)
		abort();
	for (int i = 0; i < nr; i++) {
		if (cb_kdef_load(cb_defs_root(), names[i], &defs[i], err, sizeof(err))) {
			ret = cb_usage_error("build", "%s", err);
			goto out;
		}
	}
	for (int i = 0; i < nr && ret == CB_EXIT_OK; i++) {
		struct cb_kernel_artifact a;

		ret = cb_kbuild(&defs[i], &o, &a, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "cowbench build: %s\n", err);
			break;
		}
		printf("%s: %s %s\n", defs[i].name, a.bzimage,
		       a.cached ? "(cached)" : "(built)");
		if (!a.cached)
			printf("%s: built in %.0f s\n", defs[i].name, a.build_s);
	}
out:
	free(defs);
	free(names);
	return ret;
}
