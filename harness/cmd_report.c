// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report DATASET... [--baseline CELL] [--out DIR]: what reviewers
 * read -- report.md, index.html, email.txt and the plots, written by the
 * report library (report.c, report_*.c).  This file parses the arguments,
 * calls it, and prints what it refused.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "util.h"

/* The options and their help: getopt_long's table and the usage's list (none hidden). */
const struct cb_opt cmd_report_opts[] = {
	{ "baseline", 'b', false, required_argument, "CELL",
	  "the cell to compare with (default: the first):\nkernel.variant or a variant name" },
	{ "floors", 'f', false, required_argument, "FILE",
	  "a baseline of perturbation boots: also ask for\ntwice each benchmark's noise floor" },
	{ "out", 'o', false, required_argument, "DIR",
	  "where to write (default: reports/<name of the\nfirst dataset>)" },
	CB_OPT_HELP,
	CB_OPT_END,
};

void cmd_report_usage(FILE *out)
{
	fprintf(out,
		"usage: cowbench report DATASET... [--baseline CELL] [--floors FILE] [--out DIR]\n\n"
		"Write report.md, index.html, email.txt and plots comparing every cell of the\n"
		"datasets with a baseline cell (default: the first; CELL is kernel.variant or a\n"
		"variant name).  --out DIR defaults to reports/<name of the first dataset>; a\n"
		"report replaces an older report there whole, and refuses any other directory\n"
		"and one that is, holds or is inside an input.\n\n"
		"In icount mode a change is marked beyond 0.5%% and beyond twice the gap\n"
		"between either side's two lowest repetitions.  --floors FILE, a baseline\n"
		"from 'cowbench check --write-baseline' of perturbation boots with the same\n"
		"mode, QEMU, kernel config and job, also asks for twice each benchmark's\n"
		"noise floor, as check does: a single boot per cell cannot show how far a\n"
		"benchmark moves when code elsewhere moves.\n\n");
	cb_opts_usage(out, cmd_report_opts);
	fputs("\nExit status: 0 written, 2 unusable input (nothing is written).\n", out);
}

/* The refusal on stderr: @err may quote a dataset, so no control characters. */
static void refused(const char *err)
{
	char *shown = cb_printable(err);

	cb_usage_error("report", "%s", shown);
	free(shown);
}

int cmd_report(int argc, char **argv)
{
	struct report *r = calloc(1, sizeof(*r));
	const char *baseline = NULL, *out = NULL, *floors = NULL;
	char err[1024] = "out of memory", *dir = NULL;
	struct cb_getopt g;
	int c, ret = CB_EXIT_USAGE;

	cb_opts_getopt(cmd_report_opts, "", &g);
	cb_getopt_reset();
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			floors = optarg;
			break;
		case 'h':
			cmd_report_usage(stdout);
			free(r);
			return CB_EXIT_OK;
		default:
			free(r);
			return cb_usage_error("report", "unknown or incomplete option '%s' (see "
					      "--help)", cb_getopt_bad(argc, argv));
		}
	}
	if (optind >= argc) {
		free(r);
		return cb_usage_error("report", "no DATASET given");
	}
	if (!r || report_load(r, argv + optind, argc - optind, baseline, err, sizeof(err))) {
		refused(r ? err : "out of memory");
		goto out;
	}
	if (r->n < 2) {
		cb_usage_error("report", "%s: one cell (%s): nothing to compare it with",
			       argv[optind], r->cell[0].name);
		goto out;
	}
	if (floors && report_load_floors(r, floors, err, sizeof(err))) {
		refused(err);
		goto out;
	}
	dir = out ? strdup(out) : report_default_dir(argv[optind], err, sizeof(err));
	if (!dir) {
		/* the message quotes the dataset as cb_printable() shows it */
		cb_usage_error("report", "%s", err);
		goto out;
	}
	if (report_write(r, dir, err, sizeof(err))) {
		refused(err);
		goto out;
	}
	{
		char *shown = cb_printable(dir);

		printf("report: %s/report.md\nhtml:   %s/index.html\n\n", shown, shown);
		free(shown);
	}
	{
		char *mail = cb_path(dir, "email.txt"), *text = cb_read_file(mail, NULL);

		fputs(text ?: "", stdout);
		free(text);
		free(mail);
	}
	ret = CB_EXIT_OK;
out:
	report_free(r);
	free(dir);
	return ret;
}
