// SPDX-License-Identifier: GPL-2.0
#include "kconfig.h"

#include <stdbool.h>
#include <string.h>

/* A piece of a line: no copies, so no buffer a long value could be cut to. */
struct span {
	const char *s;
	size_t len;
};

static bool span_eq(struct span a, struct span b)
{
	return a.len == b.len && !memcmp(a.s, b.s, a.len);
}

/*
 * The value of @sym in a .config: "y", "m", "\"str\"", ... or empty when
 * it is unset (absent, or "# CONFIG_X is not set").
 */
static struct span config_value(const char *config, struct span sym)
{
	for (const char *line = config; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t l = eol ? (size_t)(eol - line) : strlen(line);

		if (l > sym.len && !memcmp(line, sym.s, sym.len) && line[sym.len] == '=')
			return (struct span){ line + sym.len + 1, l - sym.len - 1 };
		line = eol ? eol + 1 : NULL;
	}
	return (struct span){ "", 0 };
}

/* Parse one fragment line into symbol and wanted value (empty = not set). */
static bool parse_request(const char *line, size_t len, struct span *sym, struct span *want)
{
	const char *eq;

	if (len > 9 && !strncmp(line, "# CONFIG_", 9)) {
		static const char not_set[] = " is not set";
		const size_t n = sizeof(not_set) - 1;

		if (len < 2 + n || memcmp(line + len - n, not_set, n))
			return false;
		*sym = (struct span){ line + 2, len - 2 - n };
		*want = (struct span){ "", 0 };
		return true;
	}
	if (strncmp(line, "CONFIG_", 7) || !(eq = memchr(line, '=', len)))
		return false;
	*sym = (struct span){ line, (size_t)(eq - line) };
	*want = (struct span){ eq + 1, len - (size_t)(eq - line) - 1 };
	/* "=n" is the same request as "is not set". */
	if (want->len == 1 && want->s[0] == 'n')
		*want = (struct span){ "", 0 };
	return true;
}

int cb_kconfig_check(const char *fragment, const char *config, const char *origin, FILE *out)
{
	int bad = 0;

	for (const char *line = fragment; line && *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		struct span sym, want, got;

		while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
			len--;
		if (parse_request(line, len, &sym, &want)) {
			got = config_value(config, sym);
			if (!span_eq(want, got)) {
				bad++;
				fprintf(out, "%s%.*s: wanted %.*s, got %.*s\n", origin ? origin : "",
					(int)sym.len, sym.s,
					want.len ? (int)want.len : 5, want.len ? want.s : "unset",
					got.len ? (int)got.len : 5, got.len ? got.s : "unset");
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return bad;
}
