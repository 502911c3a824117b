/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a kernel definition to a cached bzImage (plus the kernel's own mm
 * selftests built from the same tree).
 *
 * Everything lives under the cache root ($COWBENCH_CACHE, default
 * ~/.cache/cowbench), never in the repository:
 *   trees/<source>/      the source, a git repository whose first commit is
 *                        the pristine source: reset + apply gives exact
 *                        incremental rebuilds (reverted files get new mtimes);
 *                        one per source identity, shared by its kernels
 *   trees/<source>.lock  held while a build uses the tree (and stores the
 *                        artifact, whose key includes the source)
 *   objs/<kernel>/       the O= build directory; objs/<kernel>.log its log
 *   objs/<kernel>.lock   held while a build uses those (and timings/)
 *   artifacts/<key>/     bzImage, .config, selftests/, build.json, published
 *                        in one rename: readers need no lock
 *   ccache/              the compiler cache (ccache locks its own)
 * <key> hashes the source identity, the series and every patch, the config
 * fragments and the compiler version: an unchanged kernel is not rebuilt.
 * A build touches a tree, an object directory or a log only while it holds
 * both locks; a second build waits for them, saying so.
 */
#ifndef CB_KBUILD_H
#define CB_KBUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "kdef.h"

struct cb_kbuild_opts {
	bool force;		/* rebuild even if the artifact exists */
	bool quiet;		/* no progress lines */
	int jobs;		/* make -j; 0 = nproc */
};

struct cb_kernel_artifact {
	char key[65];
	char dir[512];		/* artifacts/<key> */
	char bzimage[600];
	char source_id[256];
	char series_hash[65];
	char config_hash[65];
	bool cached;		/* found, not built */
	double build_s;
};

const char *cb_cache_root(void);
/*
 * The objects a kernel build compiled, from its make output (kbuild's
 * quiet "  CC"/"  AS" lines): what `cowbench build` shows its progress in.
 */
size_t cb_kbuild_objects_done(const char *text, size_t len);
/* Source identity: "debian:linux-source-6.12=6.12.117-1", "git:<sha>". */
int cb_kbuild_source_id(const struct cb_kdef *k, char *id, size_t len, char *err,
			size_t errlen);
/* The artifact key and the hashes it is made of; no building. */
int cb_kbuild_key(const struct cb_kdef *k, struct cb_kernel_artifact *a, char *err,
		  size_t errlen);
/*
 * Build (or find) the kernel.  Returns 0, or an exit code (CB_EXIT_USAGE for
 * bad input: missing source, patch that does not apply, dropped config
 * option; CB_EXIT_FAIL for a failed compile) with the message in @err.
 */
int cb_kbuild(const struct cb_kdef *k, const struct cb_kbuild_opts *o,
	      struct cb_kernel_artifact *a, char *err, size_t errlen);

/* The lock files above, for @source_id (cb_kbuild_source_id) and a kernel.  malloc'd. */
char *cb_kbuild_tree_lock(const char *source_id);
char *cb_kbuild_obj_lock(const char *kernel);

/* sha256 hex of a buffer (OpenSSL). */
void cb_sha256_hex(const void *data, size_t len, char out[65]);
/* Series file -> list of patch paths (resolved beside the series file). */
int cb_series_read(const char *series, char ***patches, size_t *nr, char *err,
		   size_t errlen);

#endif
