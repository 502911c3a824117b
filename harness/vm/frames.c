// SPDX-License-Identifier: GPL-2.0
#include "frames.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_protocol.h"
#include "util.h"

static bool safe_name(const char *name)
{
	if (!name[0] || name[0] == '/' || strstr(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p == '/' || *p == '.' || *p == '_' || *p == '-' ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static int write_member(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = cb_path(dir, name);
	char *slash = strrchr(path, '/');
	int ret;

	*slash = '\0';
	ret = cb_mkdir_p(path);
	*slash = '/';
	if (!ret)
		ret = cb_write_file_atomic(path, data, len);
	free(path);
	return ret;
}

int cb_frames_extract(const char *data, size_t len, const char *dir, struct cb_frames *f)
{
	const char *p = data, *end = data + len;

	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char head[256], name[160], trailer[200];
		unsigned long long size;

		if (!eol)
			break;	/* a header cut short: nothing more arrived */
		if ((size_t)(eol - p) >= sizeof(head)) {
			snprintf(f->error, sizeof(f->error), "header line too long at offset %zu",
				 (size_t)(p - data));
			return -1;
		}
		memcpy(head, p, (size_t)(eol - p));
		head[eol - p] = '\0';
		if (!strcmp(head, CB_PROTO_DONE)) {
			f->done = true;
			return 0;
		}
		if (sscanf(head, CB_PROTO_FILE " %159s %llu", name, &size) != 2) {
			snprintf(f->error, sizeof(f->error), "expected a " CB_PROTO_FILE " header at "
				 "offset %zu, found '%.60s'", (size_t)(p - data), head);
			return -1;
		}
		if (!safe_name(name)) {
			snprintf(f->error, sizeof(f->error), "unsafe file name '%s'", name);
			return -1;
		}
		p = eol + 1;
		int tl = snprintf(trailer, sizeof(trailer), "\n" CB_PROTO_END " %s\n", name);

		if ((size_t)(end - p) < size + (size_t)tl) {
			snprintf(f->truncated, sizeof(f->truncated), "%s", name);
			return 0;
		}
		if (memcmp(p + size, trailer, (size_t)tl)) {
			snprintf(f->error, sizeof(f->error), "file %s: size %llu does not match its "
				 "end marker", name, size);
			return -1;
		}
		if (write_member(dir, name, p, (size_t)size)) {
			/* "cannot write ": run_vm.c tells a full disk by it and stops the run */
			snprintf(f->error, sizeof(f->error), "cannot write %s under %s: %s", name,
				 dir, strerror(errno));
			return -1;
		}
		f->nr_files++;
		p += size + (size_t)tl;
	}
	return 0;
}
