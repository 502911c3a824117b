/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's result stream (second serial port), split back into files:
 * "COWBENCH-FILE <name> <size>\n" <bytes> "\nCOWBENCH-END <name>\n" ...
 * "COWBENCH-DONE\n".  See bench/guest_init.c.
 */
#ifndef CB_FRAMES_H
#define CB_FRAMES_H

#include <stdbool.h>
#include <stddef.h>

struct cb_frames {
	size_t nr_files;	/* complete files written */
	bool done;		/* the stream ended with COWBENCH-DONE */
	char truncated[160];	/* name of a file cut short, or "" */
	char error[256];
};

/*
 * Write each complete file under @dir (names may contain one '/': a
 * subdirectory is created).  Returns 0, or -1 with frames->error set
 * for a malformed stream or an unsafe name.  A truncated final file is not
 * written; its name is reported.
 */
int cb_frames_extract(const char *data, size_t len, const char *dir, struct cb_frames *f);

#endif
