// SPDX-License-Identifier: GPL-2.0
#include "kconfig.h"

#include <stdbool.h>
#include <string.h>

/*
 * The value of @sym in a .config: "y", "m", "\"str\"", ... or "" when it
 * is unset (absent, or "# CONFIG_X is not set").  Writes into @buf.
 */
static const char *config_value(const char *config, const char *sym, char *buf, size_t len)
{
	size_t n = strlen(sym);

	buf[0] = '\0';
	for (const char *line = config; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t l = eol ? (size_t)(eol - line) : strlen(line);

		if (l > n && !strncmp(line, sym, n) && line[n] == '=') {
			size_t v = l - n - 1;

			if (v >= len)
				v = len - 1;
			memcpy(buf, line + n + 1, v);
			buf[v] = '\0';
			return buf;
		}
		line = eol ? eol + 1 : NULL;
	}
	return buf;
}

/* Parse one fragment line into symbol and wanted value ("" = not set). */
static bool parse_request(const char *line, size_t len, char *sym, size_t symlen,
			  char *want, size_t wantlen)
{
	const char *eq;
	size_t n;

	if (len > 2 && !strncmp(line, "# CONFIG_", 9)) {
		const char *end = strstr(line, " is not set");

		if (!end || end > line + len)
			return false;
		n = (size_t)(end - line - 2);
		if (n >= symlen)
			return false;
		memcpy(sym, line + 2, n);
		sym[n] = '\0';
		want[0] = '\0';
		return true;
	}
	if (strncmp(line, "CONFIG_", 7) || !(eq = memchr(line, '=', len)))
		return false;
	n = (size_t)(eq - line);
	if (n >= symlen || len - n - 1 >= wantlen)
		return false;
	memcpy(sym, line, n);
	sym[n] = '\0';
	memcpy(want, eq + 1, len - n - 1);
	want[len - n - 1] = '\0';
	/* "=n" is the same request as "is not set". */
	if (!strcmp(want, "n"))
		want[0] = '\0';
	return true;
}

int cb_kconfig_check(const char *fragment, const char *config, const char *origin, FILE *out)
{
	int bad = 0;

	for (const char *line = fragment; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char sym[128], want[256], got[256];

		while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
			len--;
		if (parse_request(line, len, sym, sizeof(sym), want, sizeof(want))) {
			config_value(config, sym, got, sizeof(got));
			if (strcmp(want, got)) {
				bad++;
				fprintf(out, "%s%s: wanted %s, got %s\n", origin ? origin : "", sym,
					want[0] ? want : "unset", got[0] ? got : "unset");
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return bad;
}
