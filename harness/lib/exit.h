/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit codes every command returns, and the library's functions with
 * them (cb_kbuild(), cb_run_host(), cb_check(), ...): the library says what
 * went wrong, the command (cmd_*.c) turns it into its usage message.
 */
#ifndef CB_EXIT_H
#define CB_EXIT_H

enum {
	CB_EXIT_OK = 0,
	CB_EXIT_FAIL = 1,	/* ran, and something measured went wrong */
	CB_EXIT_USAGE = 2,	/* bad arguments or unusable input */
	CB_EXIT_INTERRUPTED = 130,
};

#endif
