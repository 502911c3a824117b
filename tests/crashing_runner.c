// SPDX-License-Identifier: GPL-2.0
/* Pretends to be cowbench-bench: prints a line, then dies of SIGSEGV. */
#include <signal.h>
#include <stdio.h>

int main(void)
{
	printf("crashing_runner: about to crash\n");
	fflush(stdout);
	fprintf(stderr, "crashing_runner: raising SIGSEGV\n");
	raise(SIGSEGV);
	return 0;
}
