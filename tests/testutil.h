/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the test programs: a scratch directory per program (cmocka group
 * setup and teardown), running a command for its exit code, and finding the
 * one dataset a run wrote.  Include after <cmocka.h>.
 */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "results.h"
#include "util.h"

static char tmpdir[] = "/tmp/cowbench-test-XXXXXX";

static inline int tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_teardown(void **state)
{
	char *argv[] = { "rm", "-rf", tmpdir, NULL };

	(void)state;
	free(cb_command_line_output(argv));
	return 0;
}

/* system(3) that must end normally; returns the exit code. */
static inline int sh_status(const char *cmd)
{
	int status = system(cmd);

	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The only dataset directory under @parent. */
static inline char *only_dataset(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	char *found = NULL;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		assert_null(found);
		found = cb_path(parent, e->d_name);
	}
	closedir(d);
	assert_non_null(found);
	return found;
}

/*
 * <dir>/<file> as JSON; fails the test naming the file.  Google benchmark
 * writes bare NaN (the CV of an all-zero counter over repetitions): read
 * it as null, as the harness does.
 */
static inline json_t *load_json(const char *dir, const char *file)
{
	char *path = cb_path(dir, file);
	char *raw = cb_read_file(path, NULL);
	char *text = raw ? cb_json_nonfinite_to_null(raw) : NULL;
	json_error_t err = { .text = "cannot read" };
	json_t *j = text ? json_loads(text, 0, &err) : NULL;

	if (!j)
		fail_msg("%s: %s", path, err.text);
	free(text);
	free(raw);
	free(path);
	return j;
}

#endif
