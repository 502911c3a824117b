/* SPDX-License-Identifier: GPL-2.0 */
/* The cowbench command line: one subcommand per file behind a table (perf style). */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes shared by every subcommand. */
enum {
	CB_EXIT_OK = 0,
	CB_EXIT_FAIL = 1,	/* ran, and something measured went wrong */
	CB_EXIT_USAGE = 2,	/* bad arguments or unusable input */
	CB_EXIT_INTERRUPTED = 130,
};

struct cb_cmd {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
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

/* Print "cowbench <cmd>: <message>" on stderr; returns CB_EXIT_USAGE. */
int cb_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
