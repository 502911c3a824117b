// SPDX-License-Identifier: GPL-2.0
#include "vmstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cb_vmstat_parse(const char *text, struct cb_vmstat *out)
{
	const char *line = text;

	out->nr = 0;
	while (*line) {
		const char *sp = strchr(line, ' ');
		const char *eol = strchr(line, '\n');
		char *end;
		size_t len;

		if (!eol)
			eol = line + strlen(line);
		if (eol == line) {	/* blank line */
			line++;
			continue;
		}
		if (!sp || sp > eol)
			return -1;
		len = (size_t)(sp - line);
		if (len == 0 || len >= CB_VMSTAT_NAME || out->nr == CB_VMSTAT_MAX)
			return -1;
		errno = 0;
		out->value[out->nr] = strtoull(sp + 1, &end, 10);
		if (errno || end == sp + 1 || end != eol)
			return -1;
		memcpy(out->name[out->nr], line, len);
		out->name[out->nr][len] = '\0';
		out->nr++;
		line = *eol ? eol + 1 : eol;
	}
	return (int)out->nr;
}

int cb_vmstat_read(const char *path, struct cb_vmstat *out)
{
	/* Static: the read must not fault in fresh stack or heap pages. */
	static char buf[32768];
	size_t used = 0;
	ssize_t n;
	int fd = open(path ? path : "/proc/vmstat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	if (n < 0)
		return -1;
	buf[used] = '\0';
	if (cb_vmstat_parse(buf, out) < 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)out->nr;
}

int cb_vmstat_find(const struct cb_vmstat *s, const char *name, size_t hint)
{
	if (hint < s->nr && !strcmp(s->name[hint], name))
		return (int)hint;
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return (int)i;
	return -1;
}

void cb_vmstat_delta(const struct cb_vmstat *ref, const struct cb_vmstat *before,
		     const struct cb_vmstat *after, int64_t *delta)
{
	for (size_t i = 0; i < ref->nr; i++) {
		int b = cb_vmstat_find(before, ref->name[i], i);
		int a = cb_vmstat_find(after, ref->name[i], i);
		uint64_t vb = b < 0 ? 0 : before->value[b];
		uint64_t va = a < 0 ? 0 : after->value[a];

		delta[i] = (int64_t)(va - vb);
	}
}

bool cb_vmstat_is_event(const char *name)
{
	return strncmp(name, "nr_", 3) != 0 ||
	       !strcmp(name, "nr_foll_pin_acquired") ||
	       !strcmp(name, "nr_foll_pin_released");
}
