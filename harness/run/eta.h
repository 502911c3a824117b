/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The matrix's ETA: announced before the first boot from what a cell of
 * the same job took the last time (timings/cells-<job hash>.json in the
 * kernel cache), then after every cell from this run's own cells.  A
 * cell's wall time under icount depends on the job far more than on the
 * kernel or variant, so the job (profile, suites, repetitions, filter) is
 * the key.
 */
#ifndef CB_ETA_H
#define CB_ETA_H

struct cb_eta {
	char *path;		/* the job's timings file */
	double last_cell_s;	/* a cell of this job the last time; 0 unknown */
	double sum_s;		/* this run's cells so far */
	int done, nr, jobs;
};

/* Start: print the estimate for @nr cells, @jobs at once, of the job @job_key. */
void cb_eta_start(struct cb_eta *e, const char *job_key, int nr, int jobs);
/* Cell @cell ended with @status after @took s: print the progress and what is left. */
void cb_eta_cell(struct cb_eta *e, const char *cell, const char *status, double took);
/* The run ended: keep this run's mean cell time for the next one. */
void cb_eta_finish(struct cb_eta *e);

#endif
