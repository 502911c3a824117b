// SPDX-License-Identifier: GPL-2.0
#include "vm.h"
#include "cb_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* After a panic the guest reboots (panic=-1) and QEMU exits; allow this long. */
#define PANIC_GRACE_S 5.0
/* QEMU, told to stop (SIGINT, SIGTERM), exits at once; else it is killed after this. */
#define STOP_GRACE_S 5.0

/*
 * TCG's local APIC timer counts one tick per ns of the guest clock
 * (hw/intc/apic_common.c: APIC_BUS_CYCLE_NS 1).  Told so, the kernel
 * skips calibrate_APIC_clock()'s 200 ms of guest-time polling, which under
 * icount are 200 M emulated rdtsc-and-pause instructions: 4 s of a 5.3 s
 * boot (patches/6.12/0017).  A kernel without that patch hands the
 * unknown parameter to init's environment, where nothing reads it, and
 * calibrates as before.  Under KVM the host's APIC is real: measured.
 */
const char *cb_vm_guest_cmdline(const char *accel)
{
	return strcmp(accel, "kvm") ? "lapic_timer_khz=1000000" : "";
}

int cb_vm_argv(const struct cb_vm_config *cfg, char **argv, size_t max)
{
	size_t n = 0;
	bool kvm = !strcmp(cfg->accel, "kvm"), full = false;

	/* past @max: refused below, never a QEMU started with options left out */
#define ARG(...) do { if (n + 1 < max) argv[n++] = cb_strdup_printf(__VA_ARGS__); \
		      else full = true; } while (0)
	ARG("%s", cfg->qemu);
	ARG("-nodefaults");
	ARG("-no-user-config");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-accel");
	ARG("%s", kvm ? "kvm" : "tcg");
	if (!kvm && cfg->icount) {
		/* Guest clock = instruction count: identical on every boot. */
		ARG("-icount");
		ARG("shift=0,align=off,sleep=off");
		/*
		 * The RTC too: by default it reads the host's date, which the
		 * kernel mixes into its entropy pool and hands to anything
		 * that reads CLOCK_REALTIME.  A fixed date advancing with the
		 * guest clock leaves nothing of the host in the guest.
		 */
		ARG("-rtc");
		ARG("base=2020-01-01T00:00:00,clock=vm");
	}
	/*
	 * No RDRAND/RDSEED under TCG: they hand the guest host randomness,
	 * which moves ASLR, hash seeds and so instruction counts from boot to
	 * boot.  Without them the guest's entropy comes from its own
	 * (icount-deterministic) timing.
	 */
	ARG("-cpu");
	ARG("%s", kvm ? "host" : "max,-rdrand,-rdseed");
	ARG("-smp");
	ARG("%d", cfg->smp);
	ARG("-m");
	ARG("%d", cfg->mem_mib);
	ARG("-kernel");
	ARG("%s", cfg->kernel);
	ARG("-initrd");
	ARG("%s", cfg->initrd);
	ARG("-append");
	ARG("%s", cfg->append);
	/*
	 * ttyS0: the console, into a memfd we read live (cb_vm_boot() says
	 * why not a pipe); ttyS1: the result stream.
	 */
	ARG("-serial");
	if (cfg->console_memfd)
		ARG("file:%s", cfg->console_memfd);
	else
		ARG("stdio");
	ARG("-serial");
	ARG("file:%s", cfg->data_path);
#undef ARG
	argv[n] = NULL;
	return full ? -1 : (int)n;
}

char *cb_vm_qemu_version(const char *qemu)
{
	char *argv[] = { (char *)qemu, "--version", NULL };

	return cb_command_line_output(argv);
}

/* Console text so far, for line checks as it streams in. */
struct console_buf {
	char *text;
	size_t len, cap, scanned;
};

static void buf_append(struct console_buf *b, const char *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->text = realloc(b->text, b->cap);
		if (!b->text)
			abort();
	}
	memcpy(b->text + b->len, data, n);
	b->len += n;
	b->text[b->len] = '\0';
}

/* What a console line can say (flags). */
enum { LINE_UP = 1, LINE_FATAL = 2 };

/*
 * Check complete new lines: LINE_UP on "up", LINE_FATAL on a fatal line;
 * *qemu_signal gets the signal QEMU says it terminated on ("qemu-system-
 * x86_64: terminating on signal 15 from pid 4242 (kill)").
 */
static int buf_scan_new_lines(struct console_buf *b, int *seen_up, int *qemu_signal)
{
	int ret = 0;
	char *eol;

	while ((eol = memchr(b->text + b->scanned, '\n', b->len - b->scanned))) {
		char *line = b->text + b->scanned;
		const char *term;

		*eol = '\0';
		if (!*seen_up && strstr(line, CB_PROTO_UP)) {
			*seen_up = 1;
			ret |= LINE_UP;
		}
		if (cb_console_line_is_fatal(line))
			ret |= LINE_FATAL;
		/* QEMU's own words, not a guest's line that happens to say so */
		term = strstr(line, "qemu-system-");
		term = term ? strstr(term, ": terminating on signal ") : NULL;
		if (term)
			sscanf(term, ": terminating on signal %d", qemu_signal);
		*eol = '\n';
		b->scanned = (size_t)(eol - b->text) + 1;
	}
	return ret;
}

static void free_argv(char **argv)
{
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

/* Console text: to @log and @buf; returns the new lines' flags (buf_scan_new_lines()). */
static int console_take(const char *chunk, size_t n, FILE *log, const char *log_path,
			struct console_buf *buf, struct cb_vm_result *res, int *seen_up,
			int *said_signal)
{
	/* The whole console stays in memory: a failed write loses nothing of the cell. */
	errno = 0;
	if (!res->write_error[0] && (fwrite(chunk, 1, n, log) != n || fflush(log)))
		snprintf(res->write_error, sizeof(res->write_error), "%s: %s", log_path,
			 strerror(errno ? errno : EIO));
	buf_append(buf, chunk, n);
	return buf_scan_new_lines(buf, seen_up, said_signal);
}

/* What QEMU has written to the console @memfd since *@offset, taken as above. */
static int console_drain(int memfd, off_t *offset, FILE *log, const char *log_path,
			 struct console_buf *buf, struct cb_vm_result *res, int *seen_up,
			 int *said_signal)
{
	char chunk[4096];
	ssize_t n;
	int what = 0;

	while ((n = pread(memfd, chunk, sizeof(chunk), *offset)) > 0) {
		*offset += n;
		what |= console_take(chunk, (size_t)n, log, log_path, buf, res, seen_up,
				     said_signal);
	}
	return what;
}

/* How often the console memfd is read while QEMU says nothing on its own. */
#define CONSOLE_POLL_MS 20

int cb_vm_boot(const struct cb_vm_config *cfg_in, struct cb_vm_result *res)
{
	char *argv[48], memfd_path[64];
	struct cb_vm_config cfg = *cfg_in;
	struct console_buf buf = { 0 };
	int fds[2], memfd, seen_up = 0, said_signal = 0;
	double start, deadline, panic_at = 0, stop_at = 0;
	bool eof = false, killed = false;
	off_t console_at = 0;
	FILE *log;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	res->up_s = -1;
	/*
	 * The console goes to a memfd, not to a pipe: QEMU sets its stdout
	 * O_NONBLOCK, and a full pipe (we were slow to read, on a loaded
	 * machine) fails the UART's write with EAGAIN; QEMU then retries when
	 * the host lets it, so the guest's transmitter-empty interrupt comes at
	 * a host-timed instruction and icount is deterministic no more.  (Met
	 * while looking for why a cell booted beside another diverged at
	 * 1356cb5; not that cause -- a cell's console is 1.3 KB, the pipe holds
	 * 64 -- but a panic or a verbose guest would reach it.)  A memfd never
	 * refuses a write.  QEMU opens it by its /proc path (it stays
	 * close-on-exec: no other child inherits it).
	 */
	memfd = memfd_create("cowbench-console", MFD_CLOEXEC);
	if (memfd < 0)
		return -1;
	snprintf(memfd_path, sizeof(memfd_path), "/proc/%d/fd/%d", (int)getpid(), memfd);
	cfg.console_memfd = memfd_path;
	if (cb_vm_argv(&cfg, argv, sizeof(argv) / sizeof(argv[0])) < 0) {
		free_argv(argv);
		close(memfd);
		errno = E2BIG;
		return -1;
	}
	log = fopen(cfg.console_path, "w");
	if (!log || pipe2(fds, O_CLOEXEC)) {
		if (log)
			fclose(log);
		free_argv(argv);
		close(memfd);
		return -1;
	}
	cb_signals_catch();
	start = cb_now_s();
	deadline = start + cfg.timeout_s;
	/* Its own process group: a Ctrl-C reaches QEMU once, from us. */
	pid = cb_spawn_child(argv, fds[1], fds[1], true);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		close(memfd);
		fclose(log);
		cb_signals_restore();
		free_argv(argv);
		return -1;
	}
	/* QEMU's own words come on the pipe (its stdout and stderr), the guest's in the memfd. */
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		double now = cb_now_s(), until = panic_at ? panic_at + PANIC_GRACE_S : deadline;
		char chunk[4096];
		int what, wait_ms;
		ssize_t n;

		if (cb_signal_seen() && !stop_at) {
			/* passed on to QEMU already: it stops the guest and exits */
			res->interrupted = cb_signal_seen();
			stop_at = now + STOP_GRACE_S;
		}
		if (stop_at && stop_at < until)
			until = stop_at;
		if (now >= until) {
			res->timed_out = !panic_at && !stop_at;
			break;
		}
		wait_ms = (int)((until - now) * 1000) + 1;
		int ready = poll(&p, 1, wait_ms < CONSOLE_POLL_MS ? wait_ms : CONSOLE_POLL_MS);

		what = console_drain(memfd, &console_at, log, cfg.console_path, &buf, res,
				     &seen_up, &said_signal);
		if (ready > 0) {
			n = read(fds[0], chunk, sizeof(chunk));
			if (n > 0)
				what |= console_take(chunk, (size_t)n, log, cfg.console_path,
						     &buf, res, &seen_up, &said_signal);
			else if (n == 0 || errno != EINTR)
				eof = true;	/* QEMU closed its output: it is exiting */
		}
		if (what & LINE_UP)
			res->up_s = cb_now_s() - start;
		if ((what & LINE_FATAL) && !panic_at)
			panic_at = cb_now_s();
		if (eof)
			break;
	}
	if (!eof) {
		kill(pid, SIGKILL);
		killed = true;
	}
	res->status = cb_wait_child(pid);
	close(fds[0]);
	/* what the guest said last, before QEMU went */
	console_drain(memfd, &console_at, log, cfg.console_path, &buf, res, &seen_up,
		      &said_signal);
	close(memfd);
	errno = 0;
	if (fclose(log) && !res->write_error[0])
		snprintf(res->write_error, sizeof(res->write_error), "%s: %s", cfg.console_path,
			 strerror(errno ? errno : EIO));
	cb_signals_restore();
	res->wall_s = cb_now_s() - start;
	/* Ours to stop is not "killed from outside". */
	if (!res->interrupted && !killed)
		res->qemu_signal = WIFSIGNALED(res->status) ? WTERMSIG(res->status) : said_signal;
	cb_console_scan(buf.text ? buf.text : "", &res->console);
	free(buf.text);
	free_argv(argv);
	return 0;
}
