// SPDX-License-Identifier: GPL-2.0
/* The subcommand table and dispatch. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cb_cmd cb_commands[] = {
	{ "run", "run the benchmark suite and write a dataset", cmd_run, cmd_run_usage,
	  cmd_run_opts },
	{ "list", "list the benchmarks with their sizes and summaries", cmd_list,
	  cmd_list_usage, cmd_list_opts },
	{ "version", "print the cowbench version and source commit", cmd_version,
	  cmd_version_usage, cmd_version_opts },
	{ "build", "build kernels from kernels/*.kernel (cached)", cmd_build, cmd_build_usage,
	  cmd_build_opts },
	{ "report", "turn datasets into report.md and email.txt", cmd_report, cmd_report_usage,
	  cmd_report_opts },
	{ "check", "gate a dataset against a baseline (CI); make baselines", cmd_check,
	  cmd_check_usage, cmd_check_opts },
};

const size_t cb_nr_commands = sizeof(cb_commands) / sizeof(cb_commands[0]);

const struct cb_cmd *cb_find_command(const char *name)
{
	for (size_t i = 0; i < cb_nr_commands; i++)
		if (!strcmp(cb_commands[i].name, name))
			return &cb_commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: cowbench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < cb_nr_commands; i++)
		fprintf(out, "  %-9s %s\n", cb_commands[i].name, cb_commands[i].summary);
	fprintf(out, "\n'cowbench <command> --help' describes one command.\n");
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/*
 * `cowbench CMD --help` (or -h) and `cowbench help CMD` print the command's
 * usage here, before it parses anything, as perf routes `perf CMD --help`
 * to `perf help CMD`.  A --help further along is the command's option
 * table's (the same text): there it may be an option's value.
 */
int cb_main(int argc, char **argv)
{
	const struct cb_cmd *cmd;

	if (argc < 2) {
		usage(stderr);
		return CB_EXIT_USAGE;
	}
	if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
		if (argc > 2 && (cmd = cb_find_command(argv[2]))) {
			cmd->usage(stdout);
			return CB_EXIT_OK;
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
	if (argc > 2 && is_help(argv[2])) {
		cmd->usage(stdout);
		return CB_EXIT_OK;
	}
	return cmd->fn(argc - 1, argv + 1);
}
