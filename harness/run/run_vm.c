// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench run (without --host): the matrix of kernels x variants, each
 * booted in QEMU with the suites inside.
 *
 * One boot per cell; the dataset gets a directory per cell named
 * <kernel>.<variant> with the console log, the raw result stream and the
 * files the guest sent back.  meta.json is rewritten after every cell, so an
 * interruption keeps everything finished and --resume skips it.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accel.h"
#include "cell_status.h"
#include "eta.h"
#include "console.h"
#include "dataset.h"
#include "exit.h"
#include "frames.h"
#include "initramfs.h"
#include "jobs.h"
#include "kbuild.h"
#include "kdef.h"
#include "matrix.h"
#include "rounds.h"
#include "run_opts.h"
#include "util.h"
#include "vm.h"
#include "selftests.h"

#define QEMU "qemu-system-x86_64"
#define PROBE_TIMEOUT_S 30
/* wall-clock modes with 2+ cells: what Mann-Whitney needs to see a few % */
#define WALL_REPETITIONS 9
/*
 * The guest's fixed command line.  loglevel=5 keeps WARN/BUG lines on the
 * console (quiet would hide warnings); panic=-1 turns a panic into an
 * immediate reboot, which -no-reboot turns into QEMU exiting; nohz_full=1
 * (with -smp 2 and more) makes the benchmark CPU tickless when one task
 * runs there; norandmaps
 * gives every process the same address layout on every boot, so page-table
 * shapes (and instruction counts) do not depend on where mmap landed;
 * tsc=reliable skips the clocksource watchdog, which otherwise takes the
 * first second of guest time to validate the TSC: until it has, the kernel
 * stays in low-resolution mode, hrtimers fire only on 4 ms ticks and
 * nohz_full cannot stop the tick -- and a quick run is over by then.
 * (guest/clock_res_ns in a dataset shows 1 when high resolution is on.)
 */
#define BASE_CMDLINE "console=ttyS0 loglevel=5 panic=-1 norandmaps tsc=reliable"
/* with a second vCPU only: the boot CPU cannot be tickless */
#define SMP_CMDLINE " nohz_full=1"

struct kernel_entry {
	struct cb_kdef def;
	struct cb_kernel_artifact art;
	char *initrd;		/* malloc'd: under --out, whose path has no limit */
};

/* Why the cells stop before the last one. */
enum run_stop {
	RUN_ON,
	RUN_INTERRUPTED,	/* SIGINT, SIGTERM: exit 130, --resume continues */
	RUN_WRITE_FAILED,	/* the dataset cannot be written (a full disk): exit 1 */
};

/*
 * meta.json after a cell: a dataset that cannot be written stops the run
 * (the next boots would be lost too); the last meta.json written stays.
 */
static void write_meta(const char *run_dir, json_t *meta, enum run_stop *stop)
{
	if (cb_dataset_write_meta(run_dir, meta) && *stop == RUN_ON)
		*stop = RUN_WRITE_FAILED;
}

static struct kernel_entry *find_kernel(struct kernel_entry *ks, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ks[i].def.name, name))
			return &ks[i];
	return NULL;
}

static json_t *find_cell(json_t *meta, const char *cell)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(meta, "cells"), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "cell")) ?: "", cell))
			return s;
	return NULL;
}

static int default_timeout(const struct cb_run_opts *o)
{
	if (o->timeout_s)
		return o->timeout_s;
	/* TCG runs tens of times slower than the host; icount slower still. */
	return o->quick ? 600 : 5400;
}

/*
 * The TAP of @name ("selftest.cow", "probes") in @cell_dir, totalled:
 * kselftest's closing "# Totals: pass:N fail:N xfail:N xpass:N skip:N
 * error:N", or for a TAP that skipped as a whole ("1..0 # SKIP <why>",
 * kselftest's ksft_exit_skip() before any result) one skip.  Besides the
 * counts, "skip_reason" when the whole test was one skip, and "seconds"
 * from the guest's closing "# cowbench: <end> after <N> s" line.
 * NULL when there is no TAP or nothing to total.
 */
static json_t *tap_total(const char *cell_dir, const char *name)
{
	char *path = cb_strdup_printf("%s/%s.tap", cell_dir, name);
	char *text = cb_read_file(path, NULL);
	const char *totals = text ? strstr(text, "# Totals: ") : NULL, *l;
	int pass = 0, fail = 0, xfail = 0, xpass = 0, skip = 0, error = 0;
	json_t *t = NULL;
	char why[128] = "";

	if (totals && sscanf(totals, "# Totals: pass:%d fail:%d xfail:%d xpass:%d skip:%d "
			     "error:%d", &pass, &fail, &xfail, &xpass, &skip, &error) == 6)
		t = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "pass", pass, "fail", fail,
			      "xfail", xfail, "xpass", xpass, "skip", skip, "error", error);
	l = text && !t ? strstr(text, "1..0 # SKIP") : NULL;
	if (l && (l == text || l[-1] == '\n')) {
		skip = 1;
		t = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "pass", 0, "fail", 0, "xfail", 0,
			      "xpass", 0, "skip", 1, "error", 0);
	}
	/* One skip and nothing else: the test as a whole, and why. */
	if (t && skip == 1 && !pass && !fail && !xfail && !xpass && !error) {
		const char *s = strstr(text, "# SKIP");

		if (s) {
			s += 6;
			s += strspn(s, " -");
			snprintf(why, sizeof(why), "%.*s", (int)strcspn(s, "\n"), s);
		}
		json_object_set_new(t, "skip_reason", json_string(why[0] ? why : "skipped"));
	}
	for (l = text; t && l && (l = strstr(l, "# cowbench: ")); l++) {
		const char *after = strstr(l, " after ");
		double secs;

		if (after && after < l + strcspn(l, "\n") && sscanf(after, " after %lf s", &secs) == 1)
			json_object_set_new(t, "seconds", json_real(secs));
	}
	free(text);
	free(path);
	return t;
}

/* Every TAP the guest sent back: bench/selftests.h's and cowbench's probes. */
static json_t *tap_totals(const char *cell_dir)
{
	json_t *all = json_object(), *t;

	for (size_t i = 0; i <= CB_NR_SELFTESTS; i++) {
		char *name = i < CB_NR_SELFTESTS ?
			     cb_strdup_printf("selftest.%s", cb_selftests[i].name) :
			     cb_strdup_printf("probes");

		t = tap_total(cell_dir, name);
		if (t)
			json_object_set_new(all, name, t);
		free(name);
	}
	return all;
}

/*
 * A policy file's name, as the guest records it (bench/guest_init.c):
 * 1..CB_POLICY_NAME_MAX of [a-z0-9_].  Anything else in a dataset is not
 * read: the name becomes a path and a meta.json key.
 */
bool cb_policy_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > CB_POLICY_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* What may be shown of a value from a policy file: [A-Za-z0-9._-], 1..63. */
static bool policy_value_ok(const char *v)
{
	size_t len = strlen(v);

	if (!len || len > 63)
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/*
 * The cell's guest/policy.<name>@suffix, read as untrusted input (at most
 * 4 KiB, a regular file): malloc'd, NULL when it is not there or not fit.
 */
static char *policy_text(const char *cell_dir, const char *name, const char *suffix)
{
	char *path = cb_strdup_printf("%s/guest/policy.%s%s", cell_dir, name, suffix), err[512];
	char *text = cb_read_input(path, 4096, NULL, err, sizeof(err));

	free(path);
	return text;
}

/* The active value of a knob file, "a [b] c" -> "b", in @text; NULL if none. */
static char *policy_active(char *text)
{
	char *open = text ? strchr(text, '[') : NULL;
	char *close = open ? strchr(open, ']') : NULL;

	if (!close)
		return NULL;
	*close = '\0';
	return open + 1;
}

/*
 * Every "cowbench.<knob>=<value>" the command line asked for must be what
 * the guest's /sys/kernel/mm/cowbench/<knob> says is active ("[value]"):
 * a kernel that ignored or rejected a policy did not run that variant.
 * Only what the command line names is checked: a knob the kernel exports
 * and the variant leaves at its default, or a counter such as tainted,
 * asks nothing.  Returns 0, or -1 with the first mismatch in @why.
 */
int cb_policy_check(const char *cmdline, const char *cell_dir, char *why, size_t len)
{
	char *copy = strdup(cmdline), *save;
	int ret = 0;

	for (char *tok = strtok_r(copy, " ", &save); tok && !ret; tok = strtok_r(NULL, " ", &save)) {
		char knob[64], want[64], *text, *active;

		if (strncmp(tok, "cowbench.", 9) || sscanf(tok + 9, "%63[^=]=%63s", knob, want) != 2)
			continue;
		if (!strcmp(knob, "test") || !strcmp(knob, "probe"))
			continue;	/* the guest init's own switches */
		if (!cb_policy_name_ok(knob)) {
			snprintf(why, len, "policy %.40s=%.40s requested: not a knob name (1-%d "
				 "of [a-z0-9_])", knob, want, CB_POLICY_NAME_MAX);
			ret = -1;
			break;
		}
		text = policy_text(cell_dir, knob, "");
		active = policy_active(text);
		if (!text) {
			snprintf(why, len, "policy %s=%s requested, but the kernel has no "
				 "/sys/kernel/mm/cowbench/%s", knob, want, knob);
			ret = -1;
		} else if (!active) {
			snprintf(why, len, "policy %s=%s requested, but /sys/kernel/mm/cowbench/%s "
				 "is not a knob (no [active] value)", knob, want, knob);
			ret = -1;
		} else if (strcmp(active, want)) {
			snprintf(why, len, "policy %s=%s requested, %.63s active", knob, want,
				 policy_value_ok(active) ? active : "?");
			ret = -1;
		}
		free(text);
	}
	free(copy);
	return ret;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What the cell really ran with, from the policy files the guest sent
 * (every file of /sys/kernel/mm/cowbench/, bench/guest_init.c), into the
 * cell's @s:
 *   "policies": { knob: active value } -- every file with an "[active]"
 *               value, whether or not the command line asked for it;
 *   "tainted":  the kernel's sticky count of paths upstream's DEBUG_VM
 *               checks forbid, as it stood after the suites (the
 *               ".after" copy; before them when there is none); null when
 *               the file is there but not a count;
 *   "policy_files": { name: first line } -- any other file, as it stood
 *               after the suites: what a later patch adds is kept too.
 * Names in order (bytewise).  A kernel without the directory gets
 * "policies": {} and nothing else.  Values shown only when they are
 * [A-Za-z0-9._-], else "?": a dataset is untrusted input.
 */
void cb_policy_record(const char *cell_dir, json_t *s)
{
	char *dir = cb_path(cell_dir, "guest"), *names[CB_POLICY_MAX];
	json_t *knobs = json_object(), *files = json_object();
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) && n < CB_POLICY_MAX)
		if (!strncmp(e->d_name, "policy.", 7) && cb_policy_name_ok(e->d_name + 7) &&
		    (names[n] = strdup(e->d_name + 7)))
			n++;
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), str_cmp);
	json_object_del(s, "tainted");
	for (size_t i = 0; i < n; i++) {
		char *before = policy_text(cell_dir, names[i], "");
		char *after = policy_text(cell_dir, names[i], ".after");
		char *active = policy_active(before);
		char *text = after ?: before;

		if (!strcmp(names[i], "tainted")) {
			long count;

			if (text)
				text[strcspn(text, "\n")] = '\0';
			json_object_set_new(s, "tainted", text && !cb_parse_long(text, 0, LONG_MAX,
										  &count) ?
					    json_integer(count) : json_null());
		} else if (active) {
			json_object_set_new(knobs, names[i],
					    json_string(policy_value_ok(active) ? active : "?"));
		} else if (text) {
			text[strcspn(text, "\n")] = '\0';
			json_object_set_new(files, names[i],
					    json_string(policy_value_ok(text) ? text : "?"));
		}
		free(after);
		free(before);
		free(names[i]);
	}
	free(dir);
	json_object_set_new(s, "policies", knobs);
	if (json_object_size(files))
		json_object_set_new(s, "policy_files", files);
	else
		json_decref(files);
}

/* Boot one cell; returns true when it should count as done. */
static bool run_cell(const struct cb_run_opts *o, const char *run_dir, const char *accel,
		     bool icount, struct kernel_entry *k, const struct cb_variant *v, int round,
		     json_t *s, enum run_stop *stop)
{
	char *cell_dir = round ? cb_strdup_printf("%s/%s.%s/round-%d", run_dir, k->def.name,
						  v->name, round) :
			 cb_strdup_printf("%s/%s.%s", run_dir, k->def.name, v->name);
	char *console = cb_path(cell_dir, "console.log");
	char *data = cb_path(cell_dir, "results.stream");
	const char *platform = cb_vm_guest_cmdline(accel);
	char *append = cb_strdup_printf("%s%s%s%s%s%s", BASE_CMDLINE,
					o->smp > 1 ? SMP_CMDLINE : "", *platform ? " " : "",
					platform, v->cmdline[0] ? " " : "", v->cmdline);
	struct cb_vm_config cfg = {
		.qemu = QEMU, .kernel = k->art.bzimage, .initrd = k->initrd, .append = append,
		.accel = accel, .icount = icount, .smp = o->smp, .mem_mib = o->mem_mib,
		.timeout_s = default_timeout(o), .console_path = console, .data_path = data,
	};
	struct cb_vm_result res;
	struct cb_frames frames = { 0 };
	const char *status;
	char qemu_status[700];
	bool ok = false;

	if (cb_mkdir_p(cell_dir)) {
		fprintf(stderr, "cowbench run: cannot create %s: %s\n", cell_dir, strerror(errno));
		json_object_set_new(s, "status", json_string("write-failed"));
		*stop = RUN_WRITE_FAILED;
		goto out;
	}
	printf("[run %s.%s] booting%s%.0d (%s%s, timeout %d s)\n", k->def.name, v->name,
	       round ? ", round " : "", round, accel, icount ? " icount" : "", cfg.timeout_s);
	fflush(stdout);
	json_object_set_new(s, "cmdline", json_string(append));
	json_object_set_new(s, "console", json_string("console.log"));
	if (cb_vm_boot(&cfg, &res)) {
		json_object_set_new(s, "status", json_string("qemu-failed"));
		fprintf(stderr, "cowbench run: cannot start %s: %s\n", QEMU, strerror(errno));
		goto out;
	}
	size_t len = 0;
	char *stream = cb_read_file(data, &len);
	int frames_failed = stream ? cb_frames_extract(stream, len, cell_dir, &frames) : 0;

	if (frames_failed)
		fprintf(stderr, "cowbench run: %s: %s\n", data, frames.error);
	free(stream);

	const struct cb_console *c = &res.console;
	char policy[200];
	/* Read whatever happened; it counts only when nothing went wrong before. */
	bool mismatch = cb_policy_check(append, cell_dir, policy, sizeof(policy)) != 0;
	struct cb_cell_evidence ev = {
		.vm = &res, .frames = &frames, .frames_failed = frames_failed != 0,
		.policy_mismatch = mismatch ? policy : NULL,
	};

	status = cb_cell_status(&ev, qemu_status, sizeof(qemu_status));
	ok = !strcmp(status, "ok");
	if (res.interrupted)
		*stop = RUN_INTERRUPTED;
	else if (!strncmp(status, "write-failed", 12))
		*stop = RUN_WRITE_FAILED;

	json_t *suites = json_object();

	for (size_t i = 0; i < c->nr_suites; i++)
		json_object_set_new(suites, c->suites[i].name,
				    json_string(c->suites[i].end[0] ? c->suites[i].end : "never ended"));
	json_object_update(s, json_pack("{s:s, s:f, s:f, s:s, s:i, s:i, s:o, s:I, s:b}",
					"status", status, "wall_s", res.wall_s, "up_s", res.up_s,
					"guest", cb_guest_outcome_name(c->outcome),
					"kernel_bugs", c->nr_bugs, "kernel_warnings", c->nr_warnings,
					"suite_ends", suites, "files", (json_int_t)frames.nr_files,
					"timed_out", res.timed_out));
	json_object_set_new(s, "tap_totals", tap_totals(cell_dir));
	if (frames.nr_files)
		cb_policy_record(cell_dir, s);
	if (res.interrupted)
		json_object_set_new(s, "interrupted_by",
				    json_string(cb_signal_name(res.interrupted)));
	if (c->panic[0])
		json_object_set_new(s, "panic", json_string(c->panic));
	if (c->first_bug[0])
		json_object_set_new(s, "first_bug", json_string(c->first_bug));

	json_int_t tainted = json_integer_value(json_object_get(s, "tainted"));

	printf("[run %s.%s] %s after %.1f s (userspace at %.1f s)%s%s", k->def.name, v->name,
	       status, res.wall_s, res.up_s, c->nr_bugs ? "; kernel BUG/Oops: " : "",
	       c->nr_bugs ? c->first_bug : "");
	if (tainted)
		printf("; policy tainted %lld", (long long)tainted);
	printf("\n");
	fflush(stdout);
	if (!ok && !res.interrupted)
		fprintf(stderr, "cowbench run: %s.%s: %s%s%s; console log: %s\n", k->def.name,
			v->name, status, c->panic[0] ? ": " : "", c->panic, console);
out:
	free(append);
	free(data);
	free(console);
	free(cell_dir);
	return ok;
}

/*
 * One initramfs per kernel (its own selftests), whose job runs
 * @reps_per_boot repetitions and settles for @settle microseconds.
 */
static int pack_initramfs(const struct cb_run_opts *o, struct kernel_entry *ks, size_t nr_ks,
			  const char *run_dir, int reps_per_boot, int settle)
{
	struct cb_job job = { o->suites, o->quick ? "quick" : "default", reps_per_boot,
			      o->filter, o->perturb, settle };
	char *bindir = cb_self_dir();
	char err[4096];
	int ret = 0;

	for (size_t i = 0; i < nr_ks && !ret; i++) {
		struct kernel_entry *k = &ks[i];
		char *dir = cb_path(run_dir, "initramfs");
		char *selftests = cb_path(k->art.dir, "selftests");

		free(k->initrd);
		k->initrd = cb_strdup_printf("%s/%s.cpio", dir, k->def.name);
		cb_mkdir_p(dir);
		ret = cb_initramfs_build(bindir, selftests, &job, k->initrd, err, sizeof(err));
		free(selftests);
		free(dir);
		if (ret) {
			fprintf(stderr, "cowbench run: %s\n", err);
			ret = CB_EXIT_USAGE;
		}
	}
	free(bindir);
	return ret;
}

/* Kernel artifacts: built, or found in the cache. */
static int prepare_kernels(const struct cb_cell *cells, int nr, struct kernel_entry *ks,
			   size_t *nr_ks)
{
	struct cb_kbuild_opts bo = { 0 };
	char err[4096];
	int ret;

	*nr_ks = 0;
	for (int i = 0; i < nr; i++) {
		if (find_kernel(ks, *nr_ks, cells[i].kernel))
			continue;
		struct kernel_entry *k = &ks[(*nr_ks)++];

		if (cb_kdef_load(cb_defs_root(), cells[i].kernel, &k->def, err, sizeof(err))) {
			fprintf(stderr, "cowbench run: %s\n", err);
			return CB_EXIT_USAGE;
		}
		ret = cb_kbuild(&k->def, &bo, &k->art, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "cowbench run: %s\n", err);
			return ret;
		}
		printf("[run] kernel %s: %s%s\n", k->def.name, k->art.bzimage,
		       k->art.cached ? " (cached)" : "");
	}
	return 0;
}

static json_t *kernels_json(const struct kernel_entry *ks, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, ks[i].def.name,
				    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
					      "definition", ks[i].def.path, "source", ks[i].art.source_id,
					      "series_hash", ks[i].art.series_hash,
					      "config_hash", ks[i].art.config_hash,
					      "artifact", ks[i].art.dir, "key", ks[i].art.key));
	return o;
}

/*
 * Per cell: the TAP totals, and every probe that did not pass with its
 * reason -- a leak under an unsafe policy is the result, so it is shown,
 * not hidden in a file.
 */
static void print_tap_lines(json_t *cell, const char *dir)
{
	json_t *totals = json_object_get(cell, "tap_totals"), *t;
	const char *name;
	char *path = cb_path(dir, "probes.tap");
	char *text = cb_read_file(path, NULL);

	json_object_foreach(totals, name, t) {
		const char *why = json_string_value(json_object_get(t, "skip_reason"));
		json_t *secs = json_object_get(t, "seconds");
		char *shown = why ? cb_printable(why) : NULL;

		printf("%s %s: ", json_string_value(json_object_get(cell, "cell")), name);
		if (shown)
			printf("skip %s", shown);
		else
			printf("pass %lld, fail %lld, skip %lld, error %lld",
			       json_integer_value(json_object_get(t, "pass")),
			       json_integer_value(json_object_get(t, "fail")),
			       json_integer_value(json_object_get(t, "skip")),
			       json_integer_value(json_object_get(t, "error")));
		if (json_is_number(secs))
			printf(" (%.2f s)", json_number_value(secs));
		printf("\n");
		free(shown);
	}
	for (char *save, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "not ok ", 7))
			printf("  probe: %s\n", line);
	free(text);
	free(path);
}

/* A cell booting in a child process of its own (-j): its record comes back in a file. */
struct cell_child {
	pid_t pid;
	json_t *s;		/* the cell's record in meta.json */
	char *record;		/* <run_dir>/.<cell>.record.json, the child's copy of it */
	char name[128];
	double start;
};

/*
 * Boot the cell in a child: run_cell() as the loop would, then the record
 * it filled, as JSON, for the parent to take.  Exit 0, 3 interrupted, 4
 * the dataset cannot be written.
 */
static pid_t start_cell_child(const struct cb_run_opts *o, const char *run_dir, const char *accel,
			      bool icount, struct kernel_entry *k, const struct cb_variant *v,
			      struct cell_child *c)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		enum run_stop stop = RUN_ON;
		char *text;

		run_cell(o, run_dir, accel, icount, k, v, 0, c->s, &stop);
		text = json_dumps(c->s, JSON_COMPACT);
		if (!text || cb_write_file_atomic(c->record, text, strlen(text)))
			stop = RUN_WRITE_FAILED;
		fflush(stdout);
		fflush(stderr);
		_exit(stop == RUN_INTERRUPTED ? 3 : stop == RUN_WRITE_FAILED ? 4 : 0);
	}
	c->pid = pid;
	c->start = cb_now_s();
	return pid;
}

/* Take a finished child's record into meta.json; its stop into @stop. */
static void reap_cell_child(struct cell_child *c, int status, enum run_stop *stop)
{
	size_t len;
	char *text = cb_read_file(c->record, &len);
	json_t *rec = text ? json_loadb(text, len, 0, NULL) : NULL;

	if (json_is_object(rec))
		json_object_update(c->s, rec);
	else
		json_object_set_new(c->s, "status", json_string("write-failed"));
	json_decref(rec);
	free(text);
	unlink(c->record);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && *stop == RUN_ON)
		*stop = RUN_INTERRUPTED;
	else if ((!WIFEXITED(status) || WEXITSTATUS(status)) && *stop == RUN_ON)
		*stop = RUN_WRITE_FAILED;
	free(c->record);
	c->record = NULL;
	c->pid = 0;
}

/*
 * Wait for one of the @n running children, passing on a SIGINT/SIGTERM
 * that came to us (a child of a background run does not get the
 * terminal's); returns its slot.
 */
static int wait_cell_child(struct cell_child *run, int n, int *status, bool *passed_on)
{
	for (;;) {
		pid_t pid = waitpid(-1, status, 0);

		if (pid < 0 && errno == EINTR) {
			if (cb_signal_seen() && !*passed_on) {
				for (int i = 0; i < n; i++)
					if (run[i].pid > 0)
						kill(run[i].pid, cb_signal_seen());
				*passed_on = true;
			}
			continue;
		}
		if (pid < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (run[i].pid == pid)
				return i;
	}
}

static int free_slot(const struct cell_child *run, int n)
{
	for (int i = 0; i < n; i++)
		if (!run[i].pid)
			return i;
	return -1;
}

/* A child's cell ended: its record in, and the matrix's progress with an ETA. */
static void cell_done(struct cell_child *c, int status, enum run_stop *stop, struct cb_eta *eta)
{
	double took = cb_now_s() - c->start;

	reap_cell_child(c, status, stop);
	cb_eta_cell(eta, c->name, json_string_value(json_object_get(c->s, "status")) ?: "?", took);
}

/* What a cell's wall time depends on: the job, not the kernel or variant. */
static char *eta_job_key(const struct cb_run_opts *o, bool icount)
{
	return cb_strdup_printf("%s|%s|%d|%s|%d|%d|%s", o->quick ? "quick" : "default", o->suites,
				o->repetitions, o->filter ? o->filter : "", o->smp, o->mem_mib,
				icount ? "icount" : "wall");
}

/* Where the results are: per cell, print and check each micro suite. */
static int summarise_cells(const struct cb_run_opts *o, const char *run_dir, json_t *meta)
{
	size_t i;
	json_t *s;
	int ret = CB_EXIT_OK;

	json_array_foreach(json_object_get(meta, "cells"), i, s) {
		const char *cell = json_string_value(json_object_get(s, "cell"));
		const char *status = json_string_value(json_object_get(s, "status"));
		char *dir = cb_path(run_dir, cell);
		char *json_path = cb_path(dir, "micro.json");

		if (strcmp(status ?: "", "ok"))
			ret = CB_EXIT_FAIL;
		printf("\n== %s (%s)\n", cell, status);
		print_tap_lines(s, dir);
		if (strstr(o->suites, "micro")) {
			if (access(json_path, R_OK)) {
				printf("no micro.json: the suite did not finish (see %s/console.log)\n",
				       dir);
				ret = CB_EXIT_FAIL;
			} else if (cb_run_summarise(o, dir, json_path, s) != CB_EXIT_OK) {
				ret = CB_EXIT_FAIL;
			}
		}
		free(json_path);
		free(dir);
	}
	return ret;
}


/*
 * Repetitions and rounds by mode.  Wall-clock numbers drift with the host,
 * so with two or more cells each repetition gets its own boot and the
 * boots interleave (9 repetitions unless told: Mann-Whitney needs them).
 * icount boots are bit-identical: one boot per cell, repetitions inside.
 * The initramfs is repacked when a boot's share differs from what the
 * accelerator probe booted.
 */
static int plan_rounds(struct cb_run_opts *o, bool icount, int nr_cells,
		       struct kernel_entry *ks, size_t nr_ks, const char *run_dir)
{
	int packed = o->repetitions;

	if (!icount && nr_cells >= 2 && !o->repetitions_given)
		o->repetitions = WALL_REPETITIONS;
	if (!o->rounds)
		o->rounds = !icount && nr_cells >= 2 ? o->repetitions : 1;
	if (o->repetitions % o->rounds) {
		fprintf(stderr, "cowbench run: %d repetitions do not split into %d rounds: give "
			"--repetitions a multiple of --rounds\n", o->repetitions, o->rounds);
		return CB_EXIT_USAGE;
	}
	if (o->rounds > 1)
		printf("[run] %d repetitions: %d rounds of %d cell%s, interleaved, %d "
		       "repetition%s per boot\n", o->repetitions, o->rounds, nr_cells,
		       nr_cells > 1 ? "s" : "", o->repetitions / o->rounds,
		       o->repetitions / o->rounds > 1 ? "s" : "");
	/* packed before the mode was known: as for icount */
	if (o->repetitions / o->rounds == packed && cb_settle_us(icount) == cb_settle_us(true))
		return 0;
	return pack_initramfs(o, ks, nr_ks, run_dir, o->repetitions / o->rounds,
			      cb_settle_us(icount));
}

/*
 * The cell's tainted count is every boot's (each round is a fresh kernel):
 * the sum over its rounds, each round's last record (a round run again
 * after --resume counts once); null when any was no count.  Left alone
 * when no round's kernel has the counter.
 */
void cb_rounds_tainted(json_t *s, json_t *list)
{
	json_int_t sum = 0;
	bool any = false, bad = false;
	size_t i, j;
	json_t *r, *later;

	json_array_foreach(list, i, r) {
		json_t *t = json_object_get(r, "tainted");
		bool superseded = false;

		for (j = i + 1; j < json_array_size(list) && !superseded; j++) {
			later = json_array_get(list, j);
			superseded = json_integer_value(json_object_get(later, "round")) ==
				     json_integer_value(json_object_get(r, "round"));
		}
		if (superseded || !t)
			continue;
		any = true;
		if (json_is_integer(t))
			sum += json_integer_value(t);
		else
			bad = true;
	}
	if (any)
		json_object_set_new(s, "tainted", bad ? json_null() : json_integer(sum));
}

/*
 * One round of a cell: the boot's record goes to the cell's "rounds"
 * list; the cell takes round 1's record and the first failure of any.
 */
static void run_round(const struct cb_run_opts *o, const char *run_dir, const char *accel,
		      bool icount, struct kernel_entry *k, const struct cb_variant *v, int round,
		      json_t *s, enum run_stop *stop)
{
	json_t *r = json_object(), *list = json_object_get(s, "rounds");
	const char *status;

	if (round == 1 || !json_is_array(list)) {
		list = json_array();
		json_object_set_new(s, "rounds", list);
	}
	run_cell(o, run_dir, accel, icount, k, v, round, r, stop);
	status = json_string_value(json_object_get(r, "status")) ?: "?";
	if (round == 1) {
		json_object_update(s, r);
		json_object_set_new(s, "console", json_string("round-1/console.log"));
	} else if (strcmp(status, "ok") &&
		   !strcmp(json_string_value(json_object_get(s, "status")) ?: "", "ok")) {
		char *why = cb_strdup_printf("round %d: %s", round, status);

		json_object_set_new(s, "status", json_string(why));
		free(why);
	}
	json_object_set_new(r, "round", json_integer(round));
	json_array_append_new(list, r);
	if (round > 1)
		cb_rounds_tainted(s, list);
}

/* Every cell's rounds into one micro.json (rounds.c). */
static void merge_rounds(const struct cb_run_opts *o, const char *run_dir, json_t *meta)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(meta, "cells"), i, s) {
		const char *cell = json_string_value(json_object_get(s, "cell"));
		char *dir = cb_path(run_dir, cell), err[1024];
		int merged;

		if (json_is_true(json_object_get(s, "resumed_done"))) {
			free(dir);
			continue;
		}
		if (cb_rounds_merge(dir, o->rounds, &merged, err, sizeof(err))) {
			fprintf(stderr, "cowbench run: %s\n", err);
			json_object_set_new(s, "status", json_string("results-incomplete"));
		} else if (merged < o->rounds) {
			printf("[run %s] %d of %d rounds finished\n", cell, merged, o->rounds);
		}
		free(dir);
	}
}

/*
 * --resume: the job is the dataset's, from its meta.json, whatever else the
 * command line says -- a resumed dataset must not mix two jobs.  Datasets
 * from before the matrix was recorded keep the --kernel given.
 */
static int resume_job(const char *dir, const struct cb_run_opts *given, struct cb_run_opts *o,
		      json_t **meta, char *uerr, size_t uerrlen)
{
	char err[1024];
	json_t *job;
	const char *mode, *profile, *filter;

	*meta = cb_dataset_read_meta(dir, err, sizeof(err));
	if (!*meta) {
		snprintf(uerr, uerrlen, "cannot resume: %s", err);
		return CB_EXIT_USAGE;
	}
	job = json_object_get(*meta, "job");
	mode = json_string_value(json_object_get(*meta, "mode"));
	profile = json_string_value(json_object_get(job, "profile"));
	if (!json_is_object(job) || !mode || !profile) {
		snprintf(uerr, uerrlen, "cannot resume %s: its meta.json records no job (the run "
			 "stopped before it started a cell)", dir);
		return CB_EXIT_USAGE;
	}
	/* Copies: meta.json's job is rewritten (and freed) when the run starts. */
	*o = *given;
	o->kernels = strdup(json_string_value(json_object_get(job, "kernels")) ?: given->kernels);
	o->suites = strdup(json_string_value(json_object_get(job, "suites")) ?: given->suites);
	o->quick = !strcmp(profile, "quick");
	o->repetitions = (int)json_integer_value(json_object_get(job, "repetitions"));
	o->repetitions_given = true;
	o->rounds = (int)json_integer_value(json_object_get(job, "rounds")) ?: 1;
	o->perturb = (int)json_integer_value(json_object_get(job, "perturb"));
	filter = json_string_value(json_object_get(job, "filter"));
	o->filter = filter && *filter ? strdup(filter) : NULL;
	o->smp = (int)json_integer_value(json_object_get(job, "smp")) ?: given->smp;
	o->mem_mib = (int)json_integer_value(json_object_get(job, "mem_mib")) ?: given->mem_mib;
	/* The same accelerator and mode: numbers from two modes do not mix. */
	o->accel = !strcmp(mode, "kvm") ? "kvm" : "tcg";
	o->mode = !strcmp(mode, "icount") ? "icount" : "wall";
	printf("[run] resuming %s with its own job: kernels %s, suites %s, %s profile, "
	       "%d repetitions%s%s, mode %s\n", dir, o->kernels, o->suites, profile,
	       o->repetitions, o->filter ? ", filter " : "", o->filter ?: "", mode);
	return 0;
}

int cb_run_vm(const struct cb_run_opts *given, char *uerr, size_t uerrlen)
{
	/* a copy: the mode decides the repetitions and rounds left at 0 */
	struct cb_run_opts resumed = *given, *o = &resumed;
	struct cb_cell cells[CB_MATRIX_MAX];
	struct kernel_entry *ks = calloc(CB_MATRIX_MAX, sizeof(*ks));
	size_t nr_ks = 0;
	char err[1024], userland[65];
	char *run_dir = NULL, *qemu_version;
	json_t *meta = NULL;
	struct cb_accel_verdict verdict = { 0 };
	const char *accel;
	enum run_stop stop = RUN_ON;
	bool icount;
	int nr, ret;
	/* --jobs: the cells booting in children now (cb_cell_jobs()) */
	struct cell_child run[CB_JOBS_MAX] = { 0 };
	int jobs = 1, running = 0;
	bool passed_on = false;
	struct cb_eta eta = { 0 };

	if (given->resume) {
		ret = resume_job(given->resume, given, &resumed, &meta, uerr, uerrlen);
		if (ret) {
			json_decref(meta);
			free(ks);
			return ret;
		}
	}
	nr = cb_matrix_parse(o->kernels, cb_defs_root(), cells, CB_MATRIX_MAX, err,
			     sizeof(err));
	if (nr < 0) {
		snprintf(uerr, uerrlen, "%s", err);
		return CB_EXIT_USAGE;
	}
	{
		/*
		 * The job the guest will read, checked before any kernel is
		 * built (a resumed meta.json's job included); the mode has not
		 * chosen the repetitions yet, so any valid count stands in.
		 */
		struct cb_job job = { o->suites, o->quick ? "quick" : "default", 1, o->filter, 0, 0 };

		if (cb_job_check(&job, err, sizeof(err))) {
			snprintf(uerr, uerrlen, "%s", err);
			return CB_EXIT_USAGE;
		}
	}
	qemu_version = cb_vm_qemu_version(QEMU);
	if (!qemu_version) {
		snprintf(uerr, uerrlen, "%s not found: install it with 'apt-get install "
			 "qemu-system-x86' (scripts/deps.sh does)", QEMU);
		return CB_EXIT_USAGE;
	}

	if (o->resume) {
		run_dir = realpath(o->resume, NULL);
		if (!run_dir) {
			snprintf(uerr, uerrlen, "--resume %s: %s", o->resume, strerror(errno));
			return CB_EXIT_USAGE;
		}
	} else {
		run_dir = cb_dataset_create(o->out ? o->out : cb_dataset_default_base(), "vm");
		if (!run_dir) {
			snprintf(uerr, uerrlen, "cannot create a dataset: %s", strerror(errno));
			return CB_EXIT_USAGE;
		}
	}
	printf("[run] dataset %s\n", run_dir);
	ret = prepare_kernels(cells, nr, ks, &nr_ks);
	if (!ret)
		ret = pack_initramfs(o, ks, nr_ks, run_dir, o->repetitions, cb_settle_us(true));
	if (!ret) {
		char *bindir = cb_self_dir();

		if (cb_guest_userland_hash(bindir, userland, err, sizeof(err))) {
			fprintf(stderr, "cowbench run: %s\n", err);
			ret = CB_EXIT_USAGE;
		}
		free(bindir);
	}
	if (ret)
		goto out;

	/*
	 * From the first boot on, SIGINT and SIGTERM stop the run, not kill
	 * it: each goes on to QEMU, the cell is recorded and the run ends with
	 * what finished kept.  (Not before: a kernel build is not ours to hold.)
	 */
	cb_signals_catch();
	/*
	 * The accelerator: only a probe boot proves KVM.  --mode icount asks
	 * for TCG (icount is TCG's): no probe, or a runner with KVM would
	 * measure in wall-clock mode, which no icount baseline compares with.
	 */
	if (!strcmp(o->accel, "auto") && !strcmp(o->mode, "icount")) {
		accel = "tcg";
		snprintf(verdict.why, sizeof(verdict.why), "--mode icount");
	} else if (!strcmp(o->accel, "auto")) {
		char *work = cb_path(run_dir, "initramfs");

		if (cb_accel_probe(QEMU, ks[0].art.bzimage, ks[0].initrd, work, PROBE_TIMEOUT_S,
				   &verdict)) {
			free(work);
			fprintf(stderr, "cowbench run: interrupted (%s) in the KVM probe boot, before "
				"any cell\n", cb_signal_name(cb_signal_seen()));
			ret = CB_EXIT_INTERRUPTED;
			goto out;
		}
		free(work);
		accel = verdict.kvm_ok ? "kvm" : "tcg";
	} else {
		accel = o->accel;
		snprintf(verdict.why, sizeof(verdict.why), "--accel %s", o->accel);
	}
	icount = !strcmp(accel, "tcg") && strcmp(o->mode, "wall");
	/* resolved: the cells' summaries show the value of this mode (value.c) */
	o->mode = icount ? "icount" : "wall";
	/*
	 * One vCPU under icount: TCG runs two vCPUs round-robin on one host
	 * thread and switches from one to the other wherever the host's own
	 * events (timers, other threads) cut a vCPU's turn short, and the guest
	 * clock counts both vCPUs' instructions.  Measured at 1356cb5: the
	 * specref family, booted twice with two CPU hogs beside, read
	 * different costs at -smp 2 on every such boot, and the same bytes as
	 * a boot alone at -smp 1.  A wall-clock mode keeps a housekeeping CPU.
	 */
	if (!o->smp)
		o->smp = icount ? 1 : 2;
	else if (icount && o->smp > 1)
		printf("[run] note: --smp %d under icount: a second vCPU lets host timing in, so "
		       "boots of one job can differ (--smp 1 gives the same bytes)\n", o->smp);
	printf("[run] accelerator %s (%s), mode %s\n", accel, verdict.why,
	       icount ? "icount" : "wall");
	ret = plan_rounds(o, icount, nr, ks, nr_ks, run_dir);
	if (ret)
		goto out;

	if (!meta)
		meta = cb_dataset_meta_new(icount ? "icount" : !strcmp(accel, "kvm") ? "kvm" : "tcg");
	json_object_update(meta, json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:i, s:i}}",
					   "accelerator", accel, "accelerator_why", verdict.why,
					   "qemu", qemu_version, "userland_hash", userland,
					   "kernels", kernels_json(ks, nr_ks),
					   "job", "kernels", o->kernels, "suites", o->suites,
					   "profile", o->quick ? "quick" : "default",
					   "repetitions", o->repetitions, "rounds", o->rounds,
					   "perturb", o->perturb,
					   "filter", o->filter ?: "",
					   "smp", o->smp, "mem_mib", o->mem_mib));
	write_meta(run_dir, meta, &stop);

	/*
	 * --jobs (jobs.h): by default, under icount, what the host's CPUs and
	 * memory hold; one at a time in a wall-clock mode and with rounds.
	 */
	if (o->rounds == 1 && o->jobs != 1) {
		struct cb_host_room room;

		cb_host_room(&room);
		jobs = cb_cell_jobs(o->jobs, icount, nr, o->mem_mib, &room);
		if (jobs > 1 && o->jobs)
			printf("[run] %d cells, %d at once (icount: each is one host thread, the "
			       "counts do not depend on what runs beside)\n", nr, jobs);
		else if (jobs > 1)
			printf("[run] %d cells, %d at once (icount: each is one host thread, the "
			       "counts do not depend on what runs beside; %ld CPUs, %ld MiB "
			       "available; --jobs 1 for one at a time)\n", nr, jobs, room.cpus,
			       room.avail_mib);
	}
	if (o->rounds == 1) {
		char *key = eta_job_key(o, icount);

		cb_eta_start(&eta, key, nr, jobs);
		free(key);
	}
	/* round by round, every cell in each: A B A B, not A A B B */
	for (int round = 1; round <= o->rounds && stop == RUN_ON; round++) {
		for (int i = 0; i < nr && stop == RUN_ON; i++) {
			struct kernel_entry *k = find_kernel(ks, nr_ks, cells[i].kernel);
			const struct cb_variant *v = cb_kdef_variant(&k->def, cells[i].variant);
			char cell[128];
			json_t *s;

			snprintf(cell, sizeof(cell), "%s.%s", k->def.name, v->name);
			s = find_cell(meta, cell);
			if (s && round == 1 &&
			    !strcmp(json_string_value(json_object_get(s, "status")) ?: "", "ok")) {
				printf("[run %s] done before: skipped (--resume)\n", cell);
				json_object_set_new(s, "resumed_done", json_true());
				eta.nr--;	/* not a cell this run boots */
				continue;
			}
			if (s && json_is_true(json_object_get(s, "resumed_done")))
				continue;
			if (cb_signal_seen()) {
				/* between two boots: the next one does not start */
				stop = RUN_INTERRUPTED;
				break;
			}
			if (!s)
				s = cb_dataset_add_cell(meta, cell, o->suites);
			json_object_set_new(s, "kernel", json_string(k->def.name));
			json_object_set_new(s, "variant", json_string(v->name));
			if (jobs > 1) {
				int slot = 0, status;

				while (running == jobs || (slot = free_slot(run, jobs)) < 0) {
					slot = wait_cell_child(run, jobs, &status, &passed_on);
					if (slot < 0)
						break;
					cell_done(&run[slot], status, &stop, &eta);
					running--;
					write_meta(run_dir, meta, &stop);
				}
				if (cb_signal_seen() && stop == RUN_ON)
					stop = RUN_INTERRUPTED;	/* no new boot starts */
				if (slot < 0 || stop != RUN_ON)
					break;
				run[slot].s = s;
				snprintf(run[slot].name, sizeof(run[slot].name), "%s", cell);
				run[slot].record = cb_strdup_printf("%s/.%s.record.json", run_dir, cell);
				if (start_cell_child(o, run_dir, accel, icount, k, v, &run[slot]) < 0) {
					fprintf(stderr, "cowbench run: cannot fork for %s: %s\n", cell,
						strerror(errno));
					free(run[slot].record);
					run[slot].record = NULL;
					stop = RUN_WRITE_FAILED;
					break;
				}
				running++;
				continue;
			}
			if (o->rounds == 1) {
				double start = cb_now_s();

				run_cell(o, run_dir, accel, icount, k, v, 0, s, &stop);
				cb_eta_cell(&eta, cell, json_string_value(json_object_get(s, "status"))
					    ?: "?", cb_now_s() - start);
			} else
				run_round(o, run_dir, accel, icount, k, v, round, s, &stop);
			write_meta(run_dir, meta, &stop);
		}
	}
	/* the cells still booting finish, interrupted or not: what they measure is kept */
	while (running > 0) {
		int status, slot = wait_cell_child(run, jobs, &status, &passed_on);

		if (slot < 0)
			break;
		cell_done(&run[slot], status, &stop, &eta);
		running--;
		write_meta(run_dir, meta, &stop);
	}
	/* only a run whose every cell ended keeps its times: an interrupted cell is short */
	if (stop == RUN_ON)
		cb_eta_finish(&eta);
	else
		free(eta.path);
	if (o->rounds > 1)
		merge_rounds(o, run_dir, meta);
	{
		size_t i;
		json_t *s;

		json_array_foreach(json_object_get(meta, "cells"), i, s)
			json_object_del(s, "resumed_done");
	}
	write_meta(run_dir, meta, &stop);
	if (stop == RUN_INTERRUPTED) {
		fprintf(stderr, "cowbench run: interrupted (%s); what finished is in %s; continue "
			"with 'cowbench run --resume %s'\n", cb_signal_name(cb_signal_seen()),
			run_dir, run_dir);
		ret = CB_EXIT_INTERRUPTED;
	} else if (stop == RUN_WRITE_FAILED) {
		fprintf(stderr, "cowbench run: stopped: the dataset cannot be written (above); "
			"what was written is kept in %s; make room, then continue with "
			"'cowbench run --resume %s'\n", run_dir, run_dir);
		ret = CB_EXIT_FAIL;
	} else {
		char *path = cb_path(run_dir, "matrix.txt");
		FILE *f = fopen(path, "w");

		ret = summarise_cells(o, run_dir, meta);
		write_meta(run_dir, meta, &stop);
		cb_matrix_print(meta, run_dir, stdout, false);
		errno = 0;
		if (f)
			cb_matrix_print(meta, run_dir, f, false);
		if (!f || ferror(f) | fclose(f)) {
			fprintf(stderr, "cowbench run: cannot write %s: %s\n", path,
				strerror(errno ? errno : EIO));
			stop = RUN_WRITE_FAILED;
		}
		if (stop == RUN_WRITE_FAILED)
			ret = CB_EXIT_FAIL;
		free(path);
	}
out:
	cb_signals_restore();	/* a no-op when the run ended before it caught them */
	printf("dataset: %s\n", run_dir);
	if (given->resume) {
		free((char *)resumed.kernels);
		free((char *)resumed.suites);
		free((char *)resumed.filter);
	}
	json_decref(meta);
	free(qemu_version);
	free(run_dir);
	for (size_t i = 0; i < nr_ks; i++)
		free(ks[i].initrd);
	free(ks);
	return ret;
}
