// SPDX-License-Identifier: GPL-2.0
/* cowbench version: the version and the commit of the tree it was built from. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sysinfo.h"

int cmd_version(int argc, char **argv)
{
	json_t *v;
	const char *commit;

	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return cb_usage_error("version", "takes no arguments, got '%s'", argv[1]);
	if (argc > 1) {
		printf("usage: cowbench version\n");
		return CB_EXIT_OK;
	}
	v = cb_sysinfo_cowbench();
	commit = json_string_value(json_object_get(v, "commit"));
	printf("cowbench %s (%s)\n", json_string_value(json_object_get(v, "version")),
	       commit ? commit : "commit unknown: not a git checkout");
	json_decref(v);
	return CB_EXIT_OK;
}
