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
 *                              (a file of this same archive, one per run)
 *   /cowbench/perturb          zeros nothing reads, on a perturbation boot
 * One newc archive, written here byte by byte (cb_newc_archive): no cpio,
 * no staging directory.
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
	int settle_us;		/* the runner's sleep before each region (measure.c) */
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
/* One member of a newc archive. */
struct cb_newc_entry {
	const char *name;	/* "cowbench/job": relative, no "./", no trailing '/' */
	unsigned mode;		/* S_IFDIR | 0755, S_IFREG | 0644, ... */
	const void *data;	/* a file's bytes (a directory has none) */
	size_t len;
};

/*
 * @e as a newc ("070701") archive, what `find | LC_ALL=C sort | cpio -o -H
 * newc --reproducible -R 0:0` made of the same tree with every mtime set to
 * CB_INITRAMFS_MTIME: @e sorted by name (bytewise; @e is reordered), inode
 * numbers 0, 1, ... in that order, uid, gid and device numbers 0, a
 * directory's link count 2 + its subdirectories, a file's 1, then the
 * TRAILER!!! entry, and zeros up to a whole 512-byte block.  *@out malloc'd.
 * Names must be unique.  -1 on out of memory.
 */
int cb_newc_archive(struct cb_newc_entry *e, size_t n, char **out, size_t *len);
/* 2020-01-01, the date the guest RTC starts at under icount: every entry's mtime. */
#define CB_INITRAMFS_MTIME 1577836800
/*
 * Write @out (a newc cpio archive, cb_newc_archive(), replaced atomically):
 * the programs from @bindir and the libraries the runner loads, the
 * selftests in @selftests_dir (may be NULL), the job, the padding of
 * @job->perturb.  Nothing is staged on disk.  -1 with @err.
 */
int cb_initramfs_build(const char *bindir, const char *selftests_dir,
		       const struct cb_job *job, const char *out, char *err, size_t errlen);

#endif
