// SPDX-License-Identifier: GPL-2.0
/* The subcommand table and dispatch. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cb_cmd cb_commands[] = {
	{ "run", "run the benchmark suite and write a dataset", cmd_run },
	{ "list", "list the benchmarks with their sizes and summaries", cmd_list },
	{ "version", "print the cowbench version and source commit", cmd_version },
	{ "build", "build kernels from kernels/*.kernel (cached)", cmd_build },
	{ "report", "turn datasets into report.md and email.txt", cmd_report },
	{ "check", "gate a dataset against a baseline (CI); make baselines", cmd_check },
};

const size_t cb_nr_commands = sizeof(cb_commands) / sizeof(cb_commands[0]);

const struct cb_cmd *cb_find_command(const char *name)
{
	for (size_t i = 0; i < cb_nr_commands; i++)
		if (!strcmp(cb_commands[i].name, name))
			return &cb_commands[i];
	return NULL;
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

static void usage(FILE *out)
{
	fprintf(out, "usage: cowbench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < cb_nr_commands; i++)
		fprintf(out, "  %-9s %s\n", cb_commands[i].name, cb_commands[i].summary);
	fprintf(out, "\n'cowbench <command> --help' describes one command.\n");
}

int cb_main(int argc, char **argv)
{
	const struct cb_cmd *cmd;

	if (argc < 2) {
		usage(stderr);
		return CB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && (cmd = cb_find_command(argv[2]))) {
			char help[] = "--help";
			char *args[] = { argv[2], help, NULL };

			return cmd->fn(2, args);
		}
		usage(stdout);
		return CB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	cmd = cb_find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "cowbench: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return CB_EXIT_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}
