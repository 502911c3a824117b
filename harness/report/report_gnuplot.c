// SPDX-License-Identifier: GPL-2.0
/*
 * gnuplot for the report's plots (report_plot.c's and report_gmem.c's):
 * a plot's data file (<name>.dat) opened, closed and its string fields,
 * and gnuplot run on a template from plots/ to make <name>.svg.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cb_spawn.h"
#include "report.h"
#include "util.h"

#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

/*
 * A dataset is untrusted input, and gnuplot runs what it is given (system(),
 * backquotes): its code is made of constants, numbers and gp_string()
 * literals only.  gnuplot runs in the report's scratch directory on
 * constant file names (<name>.dat and <name>.svg, @name from this file,
 * [a-z0-9_-]), so neither the output directory's name nor a name from the
 * dataset reaches its command line as code.
 */

/* A gnuplot single-quoted string: ' doubled (there are no backslash escapes). */
static void gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else
			fputc(report_shown(*s), f);
	}
	fputc('\'', f);
}

/*
 * A double-quoted string field of a data file.  gnuplot reads backslash
 * escapes there ("\n" starts a new line of a tic label) and has no way to
 * quote a '"' (it ends the field): a backslash is doubled, '"' shown as
 * ', a control character (a newline would end the row) as '?'.
 */
void report_dat_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputc('\'', f);
		else
			fputc(report_shown(*s), f);
	}
	fputc('"', f);
}

/* The last line gnuplot wrote to @log, for the message; malloc'd. */
static char *last_line(const char *log)
{
	char *text = cb_read_file(log, NULL), *line, *shown;
	size_t len = text ? strlen(text) : 0;

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	line = len ? memrchr(text, '\n', len) : NULL;
	shown = cb_printable(!len ? "(no message)" : line ? line + 1 : text);
	free(text);
	return shown;
}

/*
 * gnuplot -e "dir='<plots>'; data='<name>.dat'; out='<name>.svg'; <numbers>
 * <strs>" <plots>/<template>.gp, run in @dir with its messages in
 * <dir>/gnuplot.log.  @numbers: "width=1100; ..." of numbers made here;
 * @strs: name, value pairs (NULL-terminated) of string variables, each
 * value quoted by gp_string().
 */
int report_gnuplot(const char *dir, const char *template, const char *name,
		   const char *numbers, const char *const *strs, char *err, size_t errlen)
{
	/* absolute: gnuplot runs in @dir */
	char *plots = realpath(COWBENCH_SOURCE_DIR "/plots", NULL);
	char *script, *setup = NULL, *log, *data, *svg;
	size_t len;
	FILE *code;
	int status = -1;
	bool missing;

	if (!plots) {
		snprintf(err, errlen, "%s/plots: %s", COWBENCH_SOURCE_DIR, strerror(errno));
		return -1;
	}
	code = open_memstream(&setup, &len);
	if (!code)
		abort();
	script = cb_strdup_printf("%s/%s.gp", plots, template);
	log = cb_path(dir, "gnuplot.log");
	data = cb_strdup_printf("%s.dat", name);
	svg = cb_strdup_printf("%s.svg", name);
	fputs("dir=", code);
	gp_string(code, plots);
	fputs("; data=", code);
	gp_string(code, data);
	fputs("; out=", code);
	gp_string(code, svg);
	fprintf(code, "; %s", numbers);
	for (size_t i = 0; strs[i]; i += 2) {
		fprintf(code, "; %s=", strs[i]);
		gp_string(code, strs[i + 1]);
	}
	fclose(code);
	{
		/* in @dir: the names in @setup are relative to it */
		char *argv[] = { "gnuplot", "-e", setup, script, NULL };
		struct cb_spawn_opts o = { .cwd = dir, .log = log };

		status = cb_spawn(argv, &o);
		missing = status == -1 && errno == ENOENT;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (missing || (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
			snprintf(err, errlen, "gnuplot not found: install it (scripts/deps.sh "
				 "installs gnuplot-nox)");
		} else {
			/* the scratch directory, log and all, is removed: say what it said */
			char *said = last_line(log);

			snprintf(err, errlen, "gnuplot failed on %s with %s: %.300s", script, data,
				 said);
			free(said);
		}
		status = -1;
	} else {
		status = 0;
	}
	free(plots);
	free(script);
	free(data);
	free(svg);
	free(log);
	free(setup);
	return status;
}

FILE *report_plot_data(const char *dir, const char *name, char *err, size_t errlen)
{
	char *path = cb_strdup_printf("%s/%s.dat", dir, name);
	FILE *f = fopen(path, "w");

	if (!f)
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	free(path);
	return f;
}

int report_plot_data_close(FILE *f, const char *name, char *err, size_t errlen)
{
	if (fclose(f)) {
		snprintf(err, errlen, "%s.dat: write failed", name);
		return -1;
	}
	return 0;
}
