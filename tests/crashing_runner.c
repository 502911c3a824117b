// SPDX-License-Identifier: GPL-2.0
/*
 * Pretends to be cowbench-bench.  By default it prints a line, then dies of
 * SIGSEGV.  With COWBENCH_STANDIN_RESULTS=FILE in its environment it is a
 * runner whose last benchmark finished just as a signal came: it copies
 * FILE to its --benchmark_out=, says so, waits for SIGINT or SIGTERM and
 * exits 0, as the real runner does when nothing was left to run.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int stand_in(int argc, char **argv, const char *results)
{
	const char *out = NULL;
	char buf[65536];
	sigset_t set;
	FILE *in, *to;
	size_t n;
	int sig;

	/* blocked from the start: the signal waits for sigwait(), none is lost */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--benchmark_out=", 16))
			out = argv[i] + 16;
	in = fopen(results, "rb");
	to = out ? fopen(out, "wb") : NULL;
	if (!in || !to) {
		fprintf(stderr, "stand-in: cannot copy %s to %s\n", results, out ? out : "?");
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, to);
	fclose(in);
	if (fclose(to))
		return 1;
	printf("stand-in: every benchmark written, waiting for a signal\n");
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}

int main(int argc, char **argv)
{
	const char *results = getenv("COWBENCH_STANDIN_RESULTS");

	if (results)
		return stand_in(argc, argv, results);
	printf("crashing_runner: about to crash\n");
	fflush(stdout);
	fprintf(stderr, "crashing_runner: raising SIGSEGV\n");
	raise(SIGSEGV);
	return 0;
}
