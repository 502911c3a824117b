// SPDX-License-Identifier: GPL-2.0
#include "sysinfo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#ifndef COWBENCH_VERSION
#define COWBENCH_VERSION "unknown"
#endif
#ifndef COWBENCH_SOURCE_DIR
#define COWBENCH_SOURCE_DIR "."
#endif

char *cb_first_line(const char *path)
{
	char *text = cb_read_file(path, NULL);

	if (!text)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

char *cb_cpuinfo_field(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		const char *sep = line + klen;

		/* "key<blanks>: value": the key must end where the blanks begin. */
		while (len > klen && sep < line + len && (*sep == ' ' || *sep == '\t'))
			sep++;
		if (len > klen && !strncmp(line, key, klen) && sep < line + len && *sep == ':') {
			const char *colon = sep;

			{
				const char *v = colon + 1;

				while (*v == ' ')
					v++;
				return strndup(v, (size_t)(line + len - v));
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* The selected value of a sysfs choice file: "always [madvise] never" -> "madvise". */
static json_t *sysfs_choice(const char *path)
{
	char *line = cb_first_line(path);
	json_t *v;

	if (!line)
		return json_null();
	char *open = strchr(line, '['), *close = open ? strchr(open, ']') : NULL;

	if (open && close) {
		*close = '\0';
		v = json_string(open + 1);
	} else {
		v = json_string(line);
	}
	free(line);
	return v;
}

static json_t *string_or_null(char *s)
{
	json_t *v = s ? json_string(s) : json_null();

	free(s);
	return v;
}

json_t *cb_sysinfo_kernel(void)
{
	struct utsname u;

	uname(&u);
	return json_pack("{s:s, s:s, s:s, s:o}", "release", u.release, "version", u.version,
			 "machine", u.machine, "cmdline",
			 string_or_null(cb_first_line("/proc/cmdline")));
}

json_t *cb_sysinfo_host(void)
{
	char host[256] = "";
	char *cpuinfo = cb_read_file("/proc/cpuinfo", NULL);
	char *meminfo = cb_read_file("/proc/meminfo", NULL);
	char *model = cpuinfo ? cb_cpuinfo_field(cpuinfo, "model name") : NULL;
	char *mem = meminfo ? cb_cpuinfo_field(meminfo, "MemTotal") : NULL;
	json_t *o;

	gethostname(host, sizeof(host) - 1);
	o = json_pack("{s:s, s:o, s:I, s:I, s:o, s:o}", "hostname", host,
		      "cpu_model", string_or_null(model),
		      "nr_cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
		      "mem_total_kib", (json_int_t)(mem ? strtoll(mem, NULL, 10) : 0),
		      "thp_enabled", sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled"),
		      "thp_defrag", sysfs_choice("/sys/kernel/mm/transparent_hugepage/defrag"));
	free(cpuinfo);
	free(meminfo);
	free(mem);
	return o;
}

json_t *cb_sysinfo_cowbench(void)
{
	char *argv[] = { "git", "-C", COWBENCH_SOURCE_DIR, "describe", "--always",
			 "--dirty", "--abbrev=12", NULL };

	return json_pack("{s:s, s:o}", "version", COWBENCH_VERSION, "commit",
			 string_or_null(cb_command_line_output(argv)));
}

json_t *cb_sysinfo_date(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}
