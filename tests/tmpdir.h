/* SPDX-License-Identifier: GPL-2.0 */
/* A scratch directory per test program: cmocka group setup and teardown. */
#ifndef CB_TEST_TMPDIR_H
#define CB_TEST_TMPDIR_H

#include <stdlib.h>

#include "util.h"

static char tmpdir[] = "/tmp/cowbench-test-XXXXXX";

static int tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
	char *argv[] = { "rm", "-rf", tmpdir, NULL };

	(void)state;
	free(cb_command_line_output(argv));
	return 0;
}

#endif
