// SPDX-License-Identifier: GPL-2.0
/* Helpers of the static guest programs: see guest_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest_util.h"

const char *cb_errname(int err)
{
	static char buf[24];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

void cb_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

int cb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cb_write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

void cb_lru_settle(void)
{
	static char *scratch;
	cpu_set_t allowed, one;

	if (!scratch) {
		scratch = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (scratch == MAP_FAILED) {
			scratch = NULL;
			return;
		}
		scratch[0] = 1;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (!sched_setaffinity(0, sizeof(one), &one))
			madvise(scratch, 4096, MADV_COLD);
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
}

long long cb_proc_value(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char name[64];
	long long value, found = -1;

	while (f && found < 0 && fscanf(f, "%63s %lld%*[^\n]", name, &value) == 2)
		if (!strcmp(name, key))
			found = value;
	if (f)
		fclose(f);
	return found;
}
