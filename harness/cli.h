/* SPDX-License-Identifier: GPL-2.0 */
/* The cowbench command line: one subcommand per file behind a table (perf style). */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "exit.h"

struct cb_cmd {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
	/* Its usage text, written beside its option table: `cowbench CMD --help`. */
	void (*usage)(FILE *out);
	/* That table (struct cb_opt below): its getopt_long and the usage's option list. */
	const struct cb_opt *opts;
};

extern const struct cb_cmd cb_commands[];
extern const size_t cb_nr_commands;

const struct cb_cmd *cb_find_command(const char *name);
int cb_main(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_check(int argc, char **argv);

void cmd_run_usage(FILE *out);
void cmd_list_usage(FILE *out);
void cmd_version_usage(FILE *out);
void cmd_build_usage(FILE *out);
void cmd_report_usage(FILE *out);
void cmd_check_usage(FILE *out);

/*
 * A command's options, one table for both getopt_long and the option list
 * of its usage text (cb_opts_getopt(), cb_opts_usage()): an option cannot
 * be parsed without its help line, nor listed without being parsed.
 * Ended by CB_OPT_END.
 */
struct cb_opt {
	const char *name;	/* the long name, without "--"; NULL: short only */
	int val;		/* what getopt_long returns for it */
	bool short_opt;		/* also -VAL (VAL a letter), as "-j N" or "-h, --help" */
	int has_arg;		/* no_argument or required_argument */
	const char *arg;	/* the value's name in the usage ("N", "FILE"), or NULL */
	/*
	 * The help, printed from a fixed column (CB_OPT_HELP_COL), each '\n'
	 * a new line at that column; NULL: an internal option, parsed but
	 * not listed (the table's comment says why).
	 */
	const char *help;
};
#define CB_OPT_END { NULL, 0, false, 0, NULL, NULL }
#define CB_OPT_HELP { "help", 'h', true, no_argument, NULL, "print this help" }
#define CB_OPT_HELP_COL 22
/* The most options a command has: a bigger table is a bug (abort). */
#define CB_OPTS_MAX 32

struct cb_getopt {
	struct option longopts[CB_OPTS_MAX + 1];
	char shortopts[3 * CB_OPTS_MAX + 4];
};

/*
 * Fill @g from @opts for getopt_long(argc, argv, g->shortopts, g->longopts,
 * NULL): the short options string is @prefix ("+", ":" or "") then each
 * short option, with ':' when it takes a value.
 */
void cb_opts_getopt(const struct cb_opt *opts, const char *prefix, struct cb_getopt *g);
/* The "  --name ARG   help" lines of the listed options of @opts, in table order. */
void cb_opts_usage(FILE *out, const struct cb_opt *opts);
/* The usage text's spelling of @o, "--name ARG", "-j N" or "-h, --help", into @buf. */
void cb_opt_spelling(const struct cb_opt *o, char *buf, size_t len);

extern const struct cb_opt cmd_run_opts[], cmd_list_opts[], cmd_version_opts[], cmd_build_opts[],
	cmd_report_opts[], cmd_check_opts[];

/* Print "cowbench <cmd>: <message>" on stderr; returns CB_EXIT_USAGE. */
int cb_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Argument parsing, one way for every command (cli.c): getopt_long over the
 * command's option table, with these strict parsers for the values.
 */

/* getopt_long from scratch (a command may be parsed twice in one process), quiet. */
void cb_getopt_reset(void);
/* The argument getopt_long just refused ('?' or ':'), for the message. */
const char *cb_getopt_bad(int argc, char **argv);

/*
 * A count: all of @arg decimal digits (no sign, space, "0x", suffix: "3x"
 * is not 3), within [@min, @max].  0, or -1 leaving @out alone.
 */
int cb_parse_uint(const char *arg, long min, long max, long *out);
/*
 * A plain decimal number ("0.5", "5", ".5"): digits and at most one point,
 * no sign, exponent, hex, "inf" or "nan"; within [@min, @max].
 */
int cb_parse_decimal(const char *arg, double min, double max, double *out);
/* The index of @arg among the NULL-terminated @choices, or -1. */
int cb_parse_choice(const char *arg, const char *const *choices);

/*
 * The same, for option @opt ("--cpu", "-j"), with the message in @err:
 * "--cpu wants an integer from 0 to 1023, got '-3'" and
 * "unknown mode 'fast'" (@what: "mode").
 */
int cb_opt_uint(const char *opt, const char *arg, long min, long max, long *out, char *err,
		size_t errlen);
int cb_opt_choice(const char *what, const char *arg, const char *const *choices, char *err,
		  size_t errlen);

#endif
