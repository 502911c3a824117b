// SPDX-License-Identifier: GPL-2.0
/* cowbench version: the version and the commit of the tree it was built from. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sysinfo.h"

/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_version_opts[] = {
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_version_usage(FILE *out)
{
	fputs("usage: cowbench version\n\n", out);
	cb_opts_usage(out, cmd_version_opts);
}

int cmd_version(int argc, char **argv)
{
	json_t *v;
	const char *commit;
	struct cb_getopt g;
	int c;

	cb_opts_getopt(cmd_version_opts, "", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		if (c != 'h')
			return cb_usage_error("version", "takes no arguments, got '%s'",
					      cb_getopt_bad(argc, argv));
		cmd_version_usage(stdout);
		return CB_EXIT_OK;
	}
	if (optind < argc)
		return cb_usage_error("version", "takes no arguments, got '%s'", argv[optind]);
	v = cb_sysinfo_cowbench();
	commit = json_string_value(json_object_get(v, "commit"));
	printf("cowbench %s (%s)\n", json_string_value(json_object_get(v, "version")),
	       commit ? commit : "commit unknown: not a git checkout");
	json_decref(v);
	return CB_EXIT_OK;
}
