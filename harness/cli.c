// SPDX-License-Identifier: GPL-2.0
/* The value parsers every command's option table uses (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

void cb_getopt_reset(void)
{
	optind = 0;	/* glibc: full reinitialisation, parsing may run twice */
	opterr = 0;	/* the command says what was wrong, naming itself */
}

const char *cb_getopt_bad(int argc, char **argv)
{
	int i = optind - 1;

	if (i < 1)
		i = 1;
	return i < argc ? argv[i] : argv[argc - 1];
}

int cb_parse_uint(const char *arg, long min, long max, long *out)
{
	if (!arg || !*arg || strspn(arg, "0123456789") != strlen(arg))
		return -1;
	return cb_parse_long(arg, min, max, out);
}

int cb_parse_decimal(const char *arg, double min, double max, double *out)
{
	const char *dot;
	char *end;
	double v;

	if (!arg || strspn(arg, "0123456789.") != strlen(arg) ||
	    strspn(arg, ".") == strlen(arg))
		return -1;
	dot = strchr(arg, '.');
	if (dot && strchr(dot + 1, '.'))
		return -1;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || *end || end == arg || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

int cb_parse_choice(const char *arg, const char *const *choices)
{
	for (int i = 0; arg && choices[i]; i++)
		if (!strcmp(arg, choices[i]))
			return i;
	return -1;
}

int cb_opt_uint(const char *opt, const char *arg, long min, long max, long *out, char *err,
		size_t errlen)
{
	char *shown;

	if (!cb_parse_uint(arg, min, max, out))
		return 0;
	shown = cb_printable(arg ? arg : "");
	snprintf(err, errlen, "%s wants an integer from %ld to %ld, got '%.40s'", opt, min, max,
		 shown);
	free(shown);
	return -1;
}

int cb_opt_choice(const char *what, const char *arg, const char *const *choices, char *err,
		  size_t errlen)
{
	int i = cb_parse_choice(arg, choices);

	if (i < 0)
		snprintf(err, errlen, "unknown %s '%s'", what, arg ? arg : "");
	return i;
}

int cb_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cowbench %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CB_EXIT_USAGE;
}

static bool opt_end(const struct cb_opt *o)
{
	return !o->name && !o->val;
}

void cb_opts_getopt(const struct cb_opt *opts, const char *prefix, struct cb_getopt *g)
{
	size_t nl = 0, ns = strlen(prefix);

	if (ns >= sizeof(g->shortopts) - 1)
		abort();
	memcpy(g->shortopts, prefix, ns);
	for (const struct cb_opt *o = opts; !opt_end(o); o++) {
		if (nl >= CB_OPTS_MAX)
			abort();	/* raise CB_OPTS_MAX */
		if (o->short_opt) {
			g->shortopts[ns++] = (char)o->val;
			if (o->has_arg == required_argument)
				g->shortopts[ns++] = ':';
		}
		if (o->name)
			g->longopts[nl++] = (struct option){ o->name, o->has_arg, NULL, o->val };
	}
	g->shortopts[ns] = '\0';
	g->longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
}

void cb_opt_spelling(const struct cb_opt *o, char *buf, size_t len)
{
	char s[3] = { '-', (char)o->val, '\0' };

	snprintf(buf, len, "%s%s%s%s%s%s", o->short_opt ? s : "",
		 o->short_opt && o->name ? ", " : "", o->name ? "--" : "", o->name ? o->name : "",
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

void cb_opts_usage(FILE *out, const struct cb_opt *opts)
{
	for (const struct cb_opt *o = opts; !opt_end(o); o++) {
		const char *h = o->help;
		char spelling[128];
		int col;

		if (!h)
			continue;
		cb_opt_spelling(o, spelling, sizeof(spelling));
		col = fprintf(out, "  %s", spelling);
		/* an option too long for the column has its help on the next line */
		if (col > CB_OPT_HELP_COL - 2) {
			fputc('\n', out);
			col = 0;
		}
		for (;;) {
			size_t n = strcspn(h, "\n");

			fprintf(out, "%*s%.*s\n", CB_OPT_HELP_COL - col, "", (int)n, h);
			if (!h[n])
				break;
			h += n + 1;
			col = 0;
		}
	}
}
