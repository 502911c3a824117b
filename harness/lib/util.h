/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CB_UTIL_H
#define CB_UTIL_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* malloc'd "a/b"; aborts on out of memory (a CLI has nothing better to do). */
char *cb_path(const char *a, const char *b);
char *cb_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cb_mkdir_p(const char *path);
/* Whole file, NUL-terminated; NULL with errno on failure. */
char *cb_read_file(const char *path, size_t *len);
/*
 * The most bytes cowbench reads from one file of a dataset or baseline
 * (the largest real micro.json is about 300 KiB).
 */
#define CB_INPUT_MAX_BYTES (64u << 20)
/*
 * A file that came from elsewhere -- a dataset or a baseline, which travel
 * as CI artifacts and mail attachments: read only when it is a regular
 * file (not a symlink, FIFO or device) of at most @max bytes.
 * NUL-terminated; NULL with the reason, naming @path, in @err.
 */
char *cb_read_input(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/*
 * Strict integer parsing: all of @s, decimal digits with an optional
 * leading '-', within [@min, @max].  -1 otherwise (no atoi: "5x" is not 5).
 */
int cb_parse_long(const char *s, long min, long max, long *out);
/*
 * Whether @path (which need not exist yet; its directory must) is @dir or
 * lies inside it, symbolic links resolved: the test that keeps a command
 * from writing over one of its own inputs.
 */
bool cb_path_within(const char *path, const char *dir);
/*
 * A control character (newline, escape, DEL, ...): what nothing from
 * outside may put into a line-based file, a table row or a terminal.
 */
static inline bool cb_is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}
/* The first control character in @s, or NULL. */
const char *cb_find_control(const char *s);
/*
 * A copy of @s fit for a terminal or a line-based file: every control
 * character (newline, escape, ...) becomes '?'.  malloc'd.
 */
char *cb_printable(const char *s);
/* Write via a temporary file and rename(2): readers never see half a file. */
int cb_write_file_atomic(const char *path, const char *data, size_t len);
/* Directory holding the running executable. */
char *cb_self_dir(void);
/* First line of a command's stdout, or NULL (no shell: argv[0] via PATH). */
char *cb_command_line_output(char *const argv[]);

/*
 * Run argv with stdout and stderr each to a file; stdout is also copied to
 * our stdout, lines cut to @tty_width when it is a terminal (progress).
 * SIGINT and SIGTERM are caught for as long as it runs and passed on to it
 * (cb_signals_catch()); cb_signal_seen() says afterwards whether one came.
 * Returns the wait status, or -1 if the program could not be started.
 * @err gets "<file>: <errno text>" for the first write to a log that failed
 * (a full disk), else "".
 */
int cb_spawn_logged(char *const argv[], const char *stdout_path, const char *stderr_path,
		    int tty_width, char *err, size_t errlen);
/* CLOCK_MONOTONIC in seconds. */
double cb_now_s(void);
/*
 * SIGINT and SIGTERM are caught instead of killing cowbench, between
 * cb_signals_catch() and cb_signals_restore() (they nest: the outermost pair
 * counts): the caller stops its child and keeps what was measured.  Each
 * one that comes is passed on to the child cb_spawn_child() started, which
 * hears them from us alone.  A signal ignored when cowbench started stays
 * ignored.  cb_signal_seen() is the last one that came since the outermost
 * cb_signals_catch(), or 0.
 */
void cb_signals_catch(void);
int cb_signal_seen(void);
void cb_signals_restore(void);
/* "SIGINT", "SIGTERM" */
const char *cb_signal_name(int sig);
/*
 * fork and exec @argv (through PATH when @path_search): stdin /dev/null,
 * stdout and stderr to @out_fd and @err_fd, a process group of its own,
 * SIGTERM when cowbench dies, the signal dispositions cowbench started
 * with.  While signals are caught, they are passed on to it until
 * cb_wait_child(); one that came before it started is passed on at once.
 * Returns the pid, or -1 with errno.
 */
pid_t cb_spawn_child(char *const argv[], int out_fd, int err_fd, bool path_search);
/* Its wait status, once it ended; nothing is passed on to @pid after. */
int cb_wait_child(pid_t pid);
/* @s single-quoted for /bin/sh ('it'\''s'); malloc'd. */
char *cb_shell_quote(const char *s);
/* "exit 0", "exit 3", "killed by signal 11 (Segmentation fault)" */
void cb_describe_status(int status, char *buf, size_t len);

#endif
