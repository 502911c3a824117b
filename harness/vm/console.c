// SPDX-License-Identifier: GPL-2.0
#include "console.h"
#include "cb_protocol.h"

#include <stdio.h>
#include <string.h>

static const char guest_tag[] = CB_PROTO_TAG;

/* Kernel lines that mean a bug, in the forms printk uses for them. */
static const char *const bug_marks[] = {
	"BUG: ", "Oops: ", "general protection fault", "kernel BUG at",
	"Unable to handle kernel", "UBSAN: ", "KASAN: ",
};

static const char panic_mark[] = "Kernel panic - not syncing";

bool cb_console_line_is_fatal(const char *line)
{
	return strstr(line, panic_mark) != NULL;
}

const char *cb_guest_outcome_name(enum cb_guest_outcome o)
{
	switch (o) {
	case CB_GUEST_DONE:
		return "done";
	case CB_GUEST_PANIC:
		return "panic";
	case CB_GUEST_NO_USERSPACE:
		return "no-userspace";
	case CB_GUEST_STOPPED:
		return "stopped";
	}
	return "?";
}

static void copy_line(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	/* Console lines end in \r\n. */
	while (n && (dst[n - 1] == '\r' || dst[n - 1] == ' '))
		dst[--n] = '\0';
}

static struct cb_console_suite *suite(struct cb_console *c, const char *name, size_t n)
{
	for (size_t i = 0; i < c->nr_suites; i++)
		if (strlen(c->suites[i].name) == n && !strncmp(c->suites[i].name, name, n))
			return &c->suites[i];
	if (c->nr_suites == CB_CONSOLE_MAX_SUITES)
		return NULL;
	struct cb_console_suite *s = &c->suites[c->nr_suites++];

	copy_line(s->name, sizeof(s->name), name, n);
	s->end[0] = '\0';
	return s;
}

/* "suite <name> begin" or "suite <name> end <how>" */
static void guest_line(struct cb_console *c, const char *msg, size_t len)
{
	char buf[256];

	copy_line(buf, sizeof(buf), msg, len);
	if (!strncmp(buf, "up ", 3)) {
		c->up = true;
	} else if (!strcmp(buf, "done")) {
		c->done = true;
	} else if (!strncmp(buf, "suite ", 6)) {
		const char *name = buf + 6;
		const char *sp = strchr(name, ' ');
		struct cb_console_suite *s;

		if (!sp)
			return;
		s = suite(c, name, (size_t)(sp - name));
		if (s && !strncmp(sp + 1, "end ", 4))
			snprintf(s->end, sizeof(s->end), "%s", sp + 5);
	}
}

void cb_console_scan(const char *text, struct cb_console *c)
{
	memset(c, 0, sizeof(*c));
	for (const char *line = text; *line; ) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *tag = memmem(line, len, guest_tag, sizeof(guest_tag) - 1);

		if (tag) {
			const char *msg = tag + sizeof(guest_tag) - 1;

			guest_line(c, msg, len - (size_t)(msg - line));
		} else if (memmem(line, len, panic_mark, sizeof(panic_mark) - 1)) {
			if (!c->panic[0])
				copy_line(c->panic, sizeof(c->panic), line, len);
		} else if (memmem(line, len, "WARNING: CPU:", 13)) {
			c->nr_warnings++;
		} else {
			for (size_t i = 0; i < sizeof(bug_marks) / sizeof(bug_marks[0]); i++) {
				if (!memmem(line, len, bug_marks[i], strlen(bug_marks[i])))
					continue;
				if (!c->nr_bugs++)
					copy_line(c->first_bug, sizeof(c->first_bug), line, len);
				break;
			}
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	if (c->panic[0])
		c->outcome = CB_GUEST_PANIC;
	else if (c->done)
		c->outcome = CB_GUEST_DONE;
	else if (!c->up)
		c->outcome = CB_GUEST_NO_USERSPACE;
	else
		c->outcome = CB_GUEST_STOPPED;
}
