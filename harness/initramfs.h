/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's initramfs: everything a measured run needs, packed from the
 * host's files, so no host I/O happens during a run (icount exactness).
 *   /init                      the static guest init (bench/guest_init.c)
 *   /cowbench/cowbench-probes  the correctness probes (static)
 *   /cowbench/cowbench-bench   the benchmark runner, plus every shared
 *                              library ldd says it loads, at the same paths
 *   /cowbench/selftests/       the kernel's mm selftests, when built
 *   /cowbench/job              the job: suites, profile, repetitions, filter
 *                              (a second cpio archive appended per run)
 */
#ifndef CB_INITRAMFS_H
#define CB_INITRAMFS_H

#include <stddef.h>

struct cb_job {
	const char *suites;	/* "micro,selftests" */
	const char *profile;	/* default | quick */
	int repetitions;
	const char *filter;	/* may be NULL */
	int perturb;		/* > 0: pad the archive (see cb_initramfs_build) */
};

/*
 * Libraries a dynamic executable loads, from `ldd` output: their count, or
 * -1 when there are more than @max (none is left out).
 */
int cb_ldd_parse(const char *ldd_output, char **paths, size_t max);
/*
 * sha256 hex of what the guest runs besides the kernel and its selftests:
 * the guest init, the benchmark runner, the probes and the libraries the
 * runner loads (by content, not by name or time).  Two datasets with the
 * same hash ran the same userland.  -1 with @err.
 */
int cb_guest_userland_hash(const char *bindir, char out[65], char *err, size_t errlen);
/*
 * Whether @job can be written as the guest's job file, one "key=value" line
 * per key: no value may hold a control character (a newline would start a
 * line of its own: "--filter $'x\nrepetitions=1'"), and repetitions must be
 * a count.  -1 with @err naming the key.  cb_job_text() and
 * cb_initramfs_build() check; a caller can check before it starts work.
 */
int cb_job_check(const struct cb_job *job, char *err, size_t errlen);
/* The job file's text; NULL with @err when cb_job_check() refuses @job. */
char *cb_job_text(const struct cb_job *job, char *err, size_t errlen);
/*
 * Write @out (a newc cpio archive): base files, the selftests in
 * @selftests_dir (may be NULL), and the job.  -1 with @err.
 */
int cb_initramfs_build(const char *bindir, const char *selftests_dir,
		       const struct cb_job *job, const char *workdir, const char *out,
		       char *err, size_t errlen);

#endif
