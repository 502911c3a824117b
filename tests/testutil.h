/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the test programs: a scratch directory per program (cmocka group
 * setup and teardown), running a command for its exit code, running cowbench
 * and capturing its output, and finding the one dataset a run wrote.
 * Include after <cmocka.h>.
 */
#ifndef CB_TESTUTIL_H
#define CB_TESTUTIL_H

#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

#ifdef COWBENCH_BIN
/*
 * The one run-and-capture helper: `[@env] cowbench ARGS` through the shell,
 * ARGS from @fmt (quote paths in it), stdout and stderr both into @log;
 * returns the exit code (the test fails unless it exited normally).  With
 * @out, the log's text as well (malloc'd; the test fails without one).
 */
static inline __attribute__((format(printf, 4, 5))) int
run_capture(const char *env, const char *log, char **out, const char *fmt, ...)
{
	va_list ap;
	char *args, *cmd;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&args, fmt, ap) < 0)
		fail_msg("out of memory");
	va_end(ap);
	cmd = cb_strdup_printf("%s%s'%s' %s >'%s' 2>&1", env ? env : "", env ? " " : "",
			       COWBENCH_BIN, args, log);
	rc = sh_status(cmd);
	if (out) {
		*out = cb_read_file(log, NULL);
		assert_non_null(*out);
	}
	free(cmd);
	free(args);
	return rc;
}
#endif

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

static FILE *snap_out;
static const char *snap_skip;

static inline int snap_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t len = snap_skip ? strlen(snap_skip) : 0;

	(void)ftw;
	if (len && !strncmp(path, snap_skip, len) && (!path[len] || path[len] == '/'))
		return 0;
	/*
	 * A directory's own mtime moves when the report's scratch directory
	 * beside --out comes and goes; what it holds is listed entry by entry.
	 */
	if (flag == FTW_D || flag == FTW_DP)
		fprintf(snap_out, "%s/\n", path);
	else
		fprintf(snap_out, "%s %o %lld %lld.%09ld\n", path, (unsigned)st->st_mode,
			(long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	return 0;
}

static inline int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every path under tmpdir but @skip's tree (NULL: none), files with mode,
 * size and mtime, sorted: what a refused command must leave as it was.
 */
static inline char *tree_snapshot(const char *skip)
{
	char *text = NULL, *sorted = NULL, **lines = NULL, *save, *line;
	size_t len, n = 0;
	FILE *out;

	snap_out = open_memstream(&text, &len);
	snap_skip = skip;
	assert_int_equal(nftw(tmpdir, snap_entry, 16, FTW_PHYS), 0);
	fclose(snap_out);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[n++] = line;
	}
	qsort(lines, n, sizeof(*lines), by_line);
	out = open_memstream(&sorted, &len);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", lines[i]);
	fclose(out);
	free(lines);
	free(text);
	return sorted;
}


#endif
