/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel definitions (kernels/<name>.kernel) and the run matrix.
 *
 * A definition is "key = value" lines:
 *   description = Debian linux-source-6.12 + cowbench policy series
 *   source = debian:linux-source-6.12     (or git:/path/to/linux@ref)
 *   series = patches/6.12/series          (relative to the cowbench tree)
 *   config = kernels/base.config          (fragments, merged in order)
 *   variant NAME = extra kernel command line
 * The same bzImage serves every variant: A/B runs compare one binary.
 */
#ifndef CB_KDEF_H
#define CB_KDEF_H

#include <stddef.h>

#define CB_KDEF_MAX_VARIANTS 16
#define CB_KDEF_MAX_CONFIGS 8

struct cb_variant {
	char name[48];
	char cmdline[512];
};

struct cb_kdef {
	char name[64];			/* file name without .kernel */
	char path[512];
	char description[256];
	char source[512];
	char series[512];		/* absolute after loading */
	size_t nr_configs;
	char configs[CB_KDEF_MAX_CONFIGS][512];	/* absolute after loading */
	size_t nr_variants;
	struct cb_variant variants[CB_KDEF_MAX_VARIANTS];
};

/*
 * Where kernels/<name>.kernel and the paths inside definitions are looked up:
 * $COWBENCH_DEFS_DIR, else the cowbench source tree.
 */
const char *cb_defs_root(void);
/* Parse definition text; paths are resolved against @root.  -1 + @err. */
int cb_kdef_parse(const char *text, const char *name, const char *root,
		  struct cb_kdef *k, char *err, size_t errlen);
/* Load <root>/kernels/<name>.kernel.  -1 + @err naming the file or the name. */
int cb_kdef_load(const char *root, const char *name, struct cb_kdef *k, char *err,
		 size_t errlen);
const struct cb_variant *cb_kdef_variant(const struct cb_kdef *k, const char *name);

/* One cell of the matrix: a kernel and one of its variants. */
struct cb_cell {
	char kernel[64];
	char variant[48];
};

#define CB_MATRIX_MAX 64

/*
 * "default,debug:default,default:refcount": KERNEL means all its variants,
 * KERNEL:VARIANT one.  Unknown kernels or variants are errors that name them
 * and list what exists.  Returns the number of cells or -1.
 */
int cb_matrix_parse(const char *spec, const char *root, struct cb_cell *cells, size_t max,
		    char *err, size_t errlen);

#endif
