// SPDX-License-Identifier: GPL-2.0
/*
 * Subcommands whose names are taken but whose work lands with later issues.
 * They say so and fail: a reserved command never pretends to have worked.
 */
#include <string.h>

#include "cli.h"

static int reserved(int argc, char **argv, const char *what, int issue)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: cowbench %s ...\n\n%s.\nNot implemented yet: tracked as issue %d.\n",
		       argv[0], what, issue);
		return CB_EXIT_OK;
	}
	return cb_usage_error(argv[0], "not implemented yet (issue %d): %s", issue, what);
}

int cmd_report(int argc, char **argv)
{
	return reserved(argc, argv, "turn datasets into Markdown/HTML/email reports", 5);
}
