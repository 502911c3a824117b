// SPDX-License-Identifier: GPL-2.0
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* After a panic the guest reboots (panic=-1) and QEMU exits; allow this long. */
#define PANIC_GRACE_S 5.0

int cb_vm_argv(const struct cb_vm_config *cfg, char **argv, size_t max)
{
	size_t n = 0;
	bool kvm = !strcmp(cfg->accel, "kvm");

#define ARG(...) do { if (n + 1 < max) argv[n++] = cb_strdup_printf(__VA_ARGS__); } while (0)
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
	/* ttyS0: console, read live by us; ttyS1: the result stream. */
	ARG("-serial");
	ARG("stdio");
	ARG("-serial");
	ARG("file:%s", cfg->data_path);
#undef ARG
	argv[n] = NULL;
	return (int)n;
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

/* Check complete new lines: returns 1 on "up", 2 on a fatal line. */
static int buf_scan_new_lines(struct console_buf *b, int *seen_up)
{
	int ret = 0;
	char *eol;

	while ((eol = memchr(b->text + b->scanned, '\n', b->len - b->scanned))) {
		char *line = b->text + b->scanned;

		*eol = '\0';
		if (!*seen_up && strstr(line, "cowbench-guest: up ")) {
			*seen_up = 1;
			ret = ret ? ret : 1;
		}
		if (cb_console_line_is_fatal(line))
			ret = 2;
		*eol = '\n';
		b->scanned = (size_t)(eol - b->text) + 1;
	}
	return ret;
}

int cb_vm_boot(const struct cb_vm_config *cfg, struct cb_vm_result *res)
{
	char *argv[48];
	struct sigaction old;
	struct console_buf buf = { 0 };
	int fds[2], seen_up = 0;
	double start, deadline, panic_at = 0;
	FILE *log;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	res->up_s = -1;
	cb_vm_argv(cfg, argv, sizeof(argv) / sizeof(argv[0]));
	log = fopen(cfg->console_path, "w");
	if (!log || pipe2(fds, O_CLOEXEC)) {
		if (log)
			fclose(log);
		return -1;
	}
	cb_sigint_catch(&old);
	start = cb_now_s();
	deadline = start + cfg->timeout_s;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		cb_sigint_restore(&old);
		/* Our own process group: Ctrl-C reaches us, and we stop QEMU. */
		setpgid(0, 0);
		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		fclose(log);
		cb_sigint_restore(&old);
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		double now = cb_now_s(), until = panic_at ? panic_at + PANIC_GRACE_S : deadline;
		char chunk[4096];
		ssize_t n;

		if (cb_sigint_seen()) {
			res->interrupted = true;
			break;
		}
		if (now >= until) {
			res->timed_out = !panic_at;
			break;
		}
		int ready = poll(&p, 1, (int)((until - now) * 1000) + 1);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			continue;
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* QEMU closed its output: it is exiting */
		fwrite(chunk, 1, (size_t)n, log);
		fflush(log);
		buf_append(&buf, chunk, (size_t)n);
		int what = buf_scan_new_lines(&buf, &seen_up);

		if (what == 1)
			res->up_s = cb_now_s() - start;
		if (what == 2 && !panic_at)
			panic_at = cb_now_s();
	}
	if (res->interrupted || res->timed_out || panic_at)
		kill(pid, SIGKILL);
	while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
		;
	close(fds[0]);
	fclose(log);
	cb_sigint_restore(&old);
	res->wall_s = cb_now_s() - start;
	cb_console_scan(buf.text ? buf.text : "", &res->console);
	free(buf.text);
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
	return 0;
}
