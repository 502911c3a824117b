// SPDX-License-Identifier: GPL-2.0
/* cowbench build: build (or find in the cache) the named kernels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kbuild.h"
#include "kdef.h"

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
	"  -j N       make jobs (default: the number of CPUs)\n";

int cmd_build(int argc, char **argv)
{
	struct cb_kbuild_opts o = { 0 };
	const char *kernels[16];
	int nr = 0, ret = CB_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(build_usage, stdout);
			return CB_EXIT_OK;
		} else if (!strcmp(argv[i], "--force")) {
			o.force = true;
		} else if (!strcmp(argv[i], "--quiet")) {
			o.quiet = true;
		} else if (!strcmp(argv[i], "-j") && i + 1 < argc) {
			o.jobs = atoi(argv[++i]);
			if (o.jobs <= 0)
				return cb_usage_error("build", "-j wants a positive count, got '%s'",
						      argv[i]);
		} else if (argv[i][0] == '-') {
			return cb_usage_error("build", "unknown option '%s' (see --help)", argv[i]);
		} else if (nr < 16) {
			kernels[nr++] = argv[i];
		}
	}
	if (!nr)
		kernels[nr++] = "default";
	for (int i = 0; i < nr && ret == CB_EXIT_OK; i++) {
		struct cb_kdef k;
		struct cb_kernel_artifact a;
		char err[4096];

		if (cb_kdef_load(cb_defs_root(), kernels[i], &k, err, sizeof(err)))
			return cb_usage_error("build", "%s", err);
		ret = cb_kbuild(&k, &o, &a, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "cowbench build: %s\n", err);
			break;
		}
		printf("%s: %s %s\n", k.name, a.bzimage,
		       a.cached ? "(cached)" : "(built)");
		if (!a.cached)
			printf("%s: built in %.0f s\n", k.name, a.build_s);
	}
	return ret;
}
