// SPDX-License-Identifier: GPL-2.0
#include "eta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kbuild.h"
#include "util.h"

/* "about 6 min", "about 40 s": an estimate, not a measurement */
static void say_about(char *buf, size_t len, double s)
{
	if (s >= 90)
		snprintf(buf, len, "about %.0f min", s / 60);
	else
		snprintf(buf, len, "about %.0f s", s);
}

/* The matrix's wall: @nr cells of @cell_s, @jobs at once. */
static double matrix_s(double cell_s, int nr, int jobs)
{
	return cell_s * (double)((nr + jobs - 1) / jobs);
}

void cb_eta_start(struct cb_eta *e, const char *job_key, int nr, int jobs)
{
	char hash[65], about[32];
	json_t *j;

	memset(e, 0, sizeof(*e));
	e->nr = nr;
	e->jobs = jobs < 1 ? 1 : jobs;
	cb_sha256_hex(job_key, strlen(job_key), hash);
	e->path = cb_strdup_printf("%s/timings/cells-%.16s.json", cb_cache_root(), hash);
	j = json_load_file(e->path, 0, NULL);
	e->last_cell_s = j ? json_number_value(json_object_get(j, "cell_s")) : 0;
	json_decref(j);
	if (e->last_cell_s <= 0) {
		printf("[run] %d cell%s, %d at once; no cell of this job has run here before: "
		       "an ETA follows the first\n", nr, nr == 1 ? "" : "s", e->jobs);
		fflush(stdout);
		return;
	}
	say_about(about, sizeof(about), matrix_s(e->last_cell_s, nr, e->jobs));
	printf("[run] %d cell%s, %d at once: %s (a cell of this job took %.0f s the last "
	       "time)\n", nr, nr == 1 ? "" : "s", e->jobs, about, e->last_cell_s);
	fflush(stdout);
}

void cb_eta_cell(struct cb_eta *e, const char *cell, const char *status, double took)
{
	char about[32];
	double mean;

	e->done++;
	e->sum_s += took;
	mean = e->sum_s / e->done;
	say_about(about, sizeof(about), matrix_s(mean, e->nr - e->done, e->jobs));
	printf("[run] %s ended (%s, %.0f s); %d of %d cells done%s%s%s\n", cell, status, took,
	       e->done, e->nr, e->done < e->nr ? ", " : "", e->done < e->nr ? about : "",
	       e->done < e->nr ? " left" : "");
	fflush(stdout);
}

void cb_eta_finish(struct cb_eta *e)
{
	if (e->done && e->path) {
		json_t *j = json_pack("{s:f, s:i}", "cell_s", e->sum_s / e->done, "cells", e->done);
		char *text = json_dumps(j, 0);
		char *dir = cb_path(cb_cache_root(), "timings");

		/* Atomic: a run that starts meanwhile reads its estimate from it. */
		cb_mkdir_p(dir);
		if (text)
			cb_write_file_atomic(e->path, text, strlen(text));
		free(text);
		free(dir);
		json_decref(j);
	}
	free(e->path);
	e->path = NULL;
}
