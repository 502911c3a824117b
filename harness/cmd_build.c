// SPDX-License-Identifier: GPL-2.0
/* cowbench build: build (or find in the cache) the named kernels. */
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

static const char build_usage[] =
	"usage: cowbench build [--force] [--quiet] [-j N] [KERNEL...]\n"
	"\n"
	"Build kernels/<KERNEL>.kernel (default: 'default'): unpack its source, apply\n"
	"its patch series, merge its config fragments onto tinyconfig (and check that\n"
	"Kconfig kept every requested option), make bzImage with ccache, and build the\n"
	"kernel's mm selftests from the same tree. Artifacts are cached under\n"
	"$COWBENCH_CACHE (default ~/.cache/cowbench) by a hash of source, series,\n"
	"config and compiler: an unchanged kernel is not rebuilt.\n"
	"\n"
	"  --force    rebuild even when the artifact is cached\n"
	"  --quiet    no progress lines\n"
	"  -j N       make jobs, 1 to " STR(MAX_JOBS) " (default: the number of CPUs)\n";

int cmd_build(int argc, char **argv)
{
	struct cb_kbuild_opts o = { 0 };
	/* Every name on the command line: at most argc - 1 of them, no table to overflow. */
	const char **names = calloc((size_t)argc + 1, sizeof(*names));
	struct cb_kdef *defs = NULL;
	int nr = 0, ret = CB_EXIT_OK;
	long jobs;

	if (!names)
		abort();
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(build_usage, stdout);
			goto out;
		} else if (!strcmp(argv[i], "--force")) {
			o.force = true;
		} else if (!strcmp(argv[i], "--quiet")) {
			o.quiet = true;
		} else if (!strcmp(argv[i], "-j")) {
			if (i + 1 == argc) {
				ret = cb_usage_error("build", "-j wants a count of make jobs, 1 to %d",
						     MAX_JOBS);
				goto out;
			}
			if (cb_parse_long(argv[++i], 1, MAX_JOBS, &jobs)) {
				ret = cb_usage_error("build", "-j wants a count of make jobs, 1 to %d, "
						     "got '%s'", MAX_JOBS, argv[i]);
				goto out;
			}
			o.jobs = (int)jobs;
		} else if (argv[i][0] == '-') {
			ret = cb_usage_error("build", "unknown option '%s' (see --help)", argv[i]);
			goto out;
		} else {
			names[nr++] = argv[i];
		}
	}
	if (!nr)
		names[nr++] = "default";
	/* Every definition first: a bad name is refused before any kernel is built. */
	defs = calloc((size_t)nr, sizeof(*defs));
	if (!defs)
		abort();
	for (int i = 0; i < nr; i++) {
		char err[4096];

		if (cb_kdef_load(cb_defs_root(), names[i], &defs[i], err, sizeof(err))) {
			ret = cb_usage_error("build", "%s", err);
			goto out;
		}
	}
	for (int i = 0; i < nr && ret == CB_EXIT_OK; i++) {
		struct cb_kernel_artifact a;
		char err[4096];

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
