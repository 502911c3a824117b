// SPDX-License-Identifier: GPL-2.0
/*
 * The host runner: `cowbench run --host` (cmd_run.c parses the arguments
 * and calls cb_run_host()).
 *
 * It runs the benchmark runner (cowbench-bench) on the running kernel.
 * Everything it measured stays on disk whatever happens next: the raw JSON
 * and logs are files, meta.json records how the suite ended (crash signal,
 * Ctrl-C), and the exit code says whether every benchmark has a result or a
 * recorded reason for having none.  SIGINT and SIGTERM are passed on to the
 * runner, which ends with whole JSON; --resume runs what was left.
 *
 * The table of a suite's results and its completeness are run_summary.c's,
 * the VM runner's too.
 */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cowbench.h"
#include "dataset.h"
#include "exit.h"
#include "results.h"
#include "run_opts.h"
#include "util.h"

/*
 * A value that ends up in a line-based file (the guest's job, one
 * "key=value" line each) and on terminals: no control character, or a
 * newline would start a line of its own.
 */
int cb_run_text_arg(const char *opt, const char *value, char *err, size_t errlen)
{
	const char *p = cb_find_control(value);
	char *shown;

	if (!p)
		return 0;
	shown = cb_printable(value);
	snprintf(err, errlen, "--%s '%.80s': a control character (0x%02x) is refused: the "
		 "value goes into the guest's line-based job file", opt, shown, (unsigned char)*p);
	free(shown);
	return -1;
}

static int tty_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO))
		return 0;
	return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col ? 120 : ws.ws_col;
}

/* The runner's argv; strings are malloc'd and live until exit. */
static char **runner_argv(const struct cb_run_opts *o, const char *bench,
			  const char *json_path)
{
	static char *argv[16];
	int n = 0;

	argv[n++] = (char *)bench;
	argv[n++] = cb_strdup_printf("--benchmark_out=%s", json_path);
	argv[n++] = "--benchmark_out_format=json";
	argv[n++] = cb_strdup_printf("--benchmark_repetitions=%d", o->repetitions);
	argv[n++] = o->quick ? "--cb_profile=quick" : "--cb_profile=default";
	argv[n++] = cb_strdup_printf("--cb_settle_us=%d", cb_settle_us(false));
	if (o->filter)
		argv[n++] = cb_strdup_printf("--cb_filter=%s", o->filter);
	if (o->cpu >= 0)
		argv[n++] = cb_strdup_printf("--cb_cpu=%d", o->cpu);
	argv[n] = NULL;
	return argv;
}

static json_t *argv_json(char *const argv[])
{
	json_t *a = json_array();

	for (int i = 0; argv[i]; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

/*
 * Host mode: one runner, one suite record in meta.json ("host"), its files
 * under <dataset>/host/.  Interrupted (SIGINT, SIGTERM: passed on to the
 * runner, which finishes the benchmark it is in and records every later
 * one as "interrupted: ..."), the JSON stays whole; --resume runs again
 * only the benchmarks without a complete result and merges their rows in.
 */

/* Prefix of the rows the runner did not run because a signal came (bench/shim.cc). */

/* The runner binary: --bench, else cowbench-bench beside cowbench.  malloc'd. */
static char *runner_path(const struct cb_run_opts *o)
{
	char *self_dir = cb_self_dir(), *bench;

	bench = o->bench ? strdup(o->bench) : cb_path(self_dir ? self_dir : ".", "cowbench-bench");
	free(self_dir);
	return bench;
}

/* Google benchmark JSON, read as a dataset's file (untrusted, bounded); NULL + @err. */
static json_t *load_raw(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *raw = cb_read_input(path, CB_INPUT_MAX_BYTES, &len, err, errlen);
	char *text = raw ? cb_json_nonfinite_to_null(raw) : NULL;
	json_error_t jerr;
	json_t *doc = text ? json_loads(text, 0, &jerr) : NULL;

	if (text && !doc)
		snprintf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
	else if (doc && !json_is_array(json_object_get(doc, "benchmarks"))) {
		snprintf(err, errlen, "%s: no \"benchmarks\" array", path);
		json_decref(doc);
		doc = NULL;
	}
	free(text);
	free(raw);
	return doc;
}

/* The cowbench name of a row ("fault/anon/2MiB/thp:off"), in @buf; NULL if none. */
static const char *row_base(json_t *row, char *buf, size_t len)
{
	const char *name = json_string_value(json_object_get(row, "run_name")) ?:
			   json_string_value(json_object_get(row, "name"));

	if (!name || strlen(name) >= len)
		return NULL;
	snprintf(buf, len, "%s", name);
	cb_result_base_name(buf);
	return buf;
}

static bool row_interrupted(json_t *row)
{
	const char *msg = json_string_value(json_object_get(row, "error_message"));

	return json_is_true(json_object_get(row, "error_occurred")) && msg &&
	       !strncmp(msg, CB_RESULT_INTERRUPTED_PREFIX, strlen(CB_RESULT_INTERRUPTED_PREFIX));
}

struct unfinished_walk {
	regex_t *re;
	json_t *seen;	/* name -> repetitions recorded, -1: one was interrupted */
	int repetitions;
	json_t *left;	/* names, in the registry's order */
	size_t expected;
};

static void unfinished_one(const struct cb_case *c, const struct cb_params *p, void *arg)
{
	struct unfinished_walk *w = arg;
	char name[160];

	cb_benchmark_name(c, p, name, sizeof(name));
	if (w->re && regexec(w->re, name, 0, NULL, 0))
		return;
	w->expected++;
	json_int_t reps = json_integer_value(json_object_get(w->seen, name));

	if (reps < w->repetitions)
		json_array_append_new(w->left, json_string(name));
}

/*
 * The benchmarks of @o's job without a complete result in @doc (NULL: all
 * of them): none of their repetitions may be interrupted, and each needs
 * every repetition -- a recorded skip or failure is a result, and stays.
 * *expected gets the job's count.  A JSON array of names.
 */
static json_t *unfinished(json_t *doc, const struct cb_run_opts *o, size_t *expected)
{
	regex_t re;
	struct unfinished_walk w = { NULL, json_object(), o->repetitions, json_array(), 0 };
	char base[160];
	size_t i;
	json_t *row;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, row) {
		const char *type = json_string_value(json_object_get(row, "run_type"));
		json_int_t reps;

		if ((type && strcmp(type, "iteration")) || !row_base(row, base, sizeof(base)))
			continue;	/* Google benchmark's aggregates */
		reps = json_integer_value(json_object_get(w.seen, base));
		if (reps >= 0)
			json_object_set_new(w.seen, base, json_integer(row_interrupted(row) ? -1 :
								       reps + 1));
	}
	/* the filter was checked when the job was made (or read back) */
	if (o->filter && !regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB))
		w.re = &re;
	cb_for_each_benchmark(o->quick, unfinished_one, &w);
	if (w.re)
		regfree(&re);
	json_decref(w.seen);
	*expected = w.expected;
	return w.left;
}

/* "^(a|b)$" over @names, each with ERE's special characters escaped.  malloc'd. */
static char *names_regex(json_t *names)
{
	size_t i, len = 8;
	json_t *n;
	char *re, *p;

	json_array_foreach(names, i, n)
		len += 2 * strlen(json_string_value(n)) + 1;
	p = re = malloc(len);
	if (!re)
		abort();
	p += sprintf(p, "^(");
	json_array_foreach(names, i, n) {
		if (i)
			*p++ = '|';
		for (const char *c = json_string_value(n); *c; c++) {
			if (strchr(".[]()*+?{}|^$\\", *c))
				*p++ = '\\';
			*p++ = *c;
		}
	}
	strcpy(p, ")$");
	return re;
}

/* How the runner ended, and what cowbench could not write of its output. */
struct runner_end {
	int status;		/* wait status, -1 not started */
	char exit_text[700];	/* "exit 0", "killed by signal 9 (Killed)" */
	char write_error[600];	/* "<console log>: <errno text>", or "" */
};

static void run_runner(char **rargv, const char *log_path, const char *err_path,
		       struct runner_end *end)
{
	end->write_error[0] = '\0';
	if (cb_signal_seen()) {
		/* before it started: nothing of it ran */
		end->status = -1;
		snprintf(end->exit_text, sizeof(end->exit_text), "not started: %s came first",
			 cb_signal_name(cb_signal_seen()));
		return;
	}
	end->status = cb_spawn_logged(rargv, log_path, err_path, tty_width(), end->write_error,
				      sizeof(end->write_error));
	if (end->status < 0)
		snprintf(end->exit_text, sizeof(end->exit_text), "could not start: %s",
			 end->write_error);
	else
		cb_describe_status(end->status, end->exit_text, sizeof(end->exit_text));
	if (end->write_error[0])
		fprintf(stderr, "cowbench run: cannot write %s\n", end->write_error);
}

/*
 * SIGINT or SIGTERM when the runner stopped because of one: its own exit
 * (128 + it: what it left is recorded) or death by it (a second one); else 0.
 */
static int runner_stopped(int status)
{
	int sig = status < 0 ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) - 128 :
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	return sig == SIGINT || sig == SIGTERM ? sig : 0;
}

/* The summary of a run whose runner ended on its own; the status by it. */
static int summarise_host(const struct cb_run_opts *o, const char *dir, const char *json_path,
			  json_t *suite)
{
	int ret = cb_run_summarise(o, dir, json_path, suite);

	json_object_set_new(suite, "status", json_string(ret == CB_EXIT_OK ? "ok" : "incomplete"));
	return ret;
}

/*
 * How a host run (or resume) ended, from the runner's end and the rows in
 * @json_path, recorded in @suite.  A run whose every benchmark has its
 * result is summarised as any other, whatever signal came at the end;
 * "interrupted" (130) only when something was left unrun because one came.
 */
static int host_verdict(const struct cb_run_opts *o, const char *dir, json_t *suite,
			const char *json_path, const char *err_path, const struct runner_end *end)
{
	int stopped_by = runner_stopped(end->status), ret;
	/* not started because a signal came first counts as stopped by it */
	int sig = stopped_by ?: end->status < 0 ? cb_signal_seen() : 0;
	bool ran = end->status >= 0 && WIFEXITED(end->status) &&
		   (!WEXITSTATUS(end->status) || stopped_by);
	char why[600];
	json_t *doc = load_raw(json_path, why, sizeof(why)), *left;
	size_t expected;

	left = unfinished(doc, o, &expected);
	if (end->write_error[0])
		json_object_set_new(suite, "write_error", json_string(end->write_error));
	if (doc && ran && (!json_array_size(left) || !sig)) {
		/* done, or ended on its own with benchmarks missing: the summary names them */
		ret = summarise_host(o, dir, json_path, suite);
	} else if (sig) {
		struct cb_results res;
		char err[512];

		json_object_set_new(suite, "status", json_string("interrupted"));
		json_object_set_new(suite, "interrupted_by", json_string(cb_signal_name(sig)));
		json_object_set_new(suite, "left", json_integer((json_int_t)json_array_size(left)));
		if (!doc)
			printf("the runner's results are not whole (%s): every benchmark runs again "
			       "on --resume\n", why);
		else if (cb_results_load(json_path, &res, err, sizeof(err)))
			printf("cannot summarise what finished: %s\n", err);
		else {
			cb_run_print_summary(&res, o->mode, dir);
			cb_results_free(&res);
		}
		fprintf(stderr, "cowbench run: interrupted (%s): %zu of %zu benchmarks have no "
			"complete result; what finished is in %s; continue with 'cowbench run "
			"--host --resume %s'\n", cb_signal_name(sig), json_array_size(left),
			expected, dir, dir);
		ret = CB_EXIT_INTERRUPTED;
	} else {
		char *tail = cb_read_file(err_path, NULL);

		json_object_set_new(suite, "status", json_string("crashed"));
		fprintf(stderr, "cowbench run: benchmark runner %s (stderr: %s)\n%s",
			end->exit_text, err_path, tail ? tail : "");
		free(tail);
		if (doc)
			cb_run_summarise(o, dir, json_path, suite);
		ret = CB_EXIT_FAIL;
	}
	if (end->write_error[0] && ret == CB_EXIT_OK)
		ret = CB_EXIT_FAIL;
	json_decref(left);
	json_decref(doc);
	return ret;
}

/* meta.json once more: a failure (full disk) keeps the last one and fails the run. */
static int host_write_meta(const char *dir, json_t *meta, int ret)
{
	if (cb_dataset_write_meta(dir, meta))
		return ret == CB_EXIT_INTERRUPTED ? ret : CB_EXIT_FAIL;
	return ret;
}

/*
 * The job of a host dataset, from its meta.json: the profile, repetitions,
 * filter and CPU it was made with (nothing of the command line is mixed
 * in, or one dataset would hold two jobs).  The suite record in *suite.
 */
static int host_job(const char *dir, json_t *meta, const struct cb_run_opts *given,
		    struct cb_run_opts *o, json_t **suite, char *err, size_t errlen)
{
	const char *mode = json_string_value(json_object_get(meta, "mode"));
	const char *profile, *filter;
	json_int_t reps, cpu;
	json_t *cpu_j;
	char why[512] = "";

	*suite = json_array_get(json_object_get(meta, "cells"), 0);
	if (strcmp(mode ?: "", "host") || !json_is_object(*suite) ||
	    strcmp(json_string_value(json_object_get(*suite, "cell")) ?: "", "host")) {
		char *shown = cb_printable(mode ?: "none");

		snprintf(err, errlen, "--host --resume %s: not a host dataset (its meta.json "
			 "records mode '%.40s'%s)", dir, shown,
			mode ? "; resume it without --host" : "");
		free(shown);
		return CB_EXIT_USAGE;
	}
	profile = json_string_value(json_object_get(*suite, "profile")) ?: "";
	reps = json_integer_value(json_object_get(*suite, "repetitions"));
	filter = json_string_value(json_object_get(*suite, "filter"));
	cpu_j = json_object_get(*suite, "cpu");
	cpu = cpu_j ? json_integer_value(cpu_j) : -1;
	*o = *given;
	o->quick = !strcmp(profile, "quick");
	o->repetitions = (int)reps;
	o->filter = filter;
	o->cpu = (int)cpu;
	if ((!o->quick && strcmp(profile, "default")) || reps < 1 || reps > CB_MAX_REPS ||
	    (cpu_j && !json_is_integer(cpu_j)) || cpu < -1 || cpu > CB_RUN_MAX_CPU ||
	    (json_object_get(*suite, "filter") && !filter)) {
		snprintf(err, errlen, "cannot resume %s: its meta.json records no usable job "
			 "(profile quick or default, repetitions 1 to %d, cpu -1 to %d, filter a "
			 "string)", dir, CB_MAX_REPS, CB_RUN_MAX_CPU);
		return CB_EXIT_USAGE;
	}
	if (filter && (cb_run_text_arg("filter", filter, why, sizeof(why)) ||
		       cb_filter_count(o->quick, filter) < 0)) {
		snprintf(err, errlen, "cannot resume %s: its meta.json's filter: %s", dir,
			 why[0] ? why : "not a valid POSIX regex");
		return CB_EXIT_USAGE;
	}
	printf("cowbench run: resuming %s with its own job: host, %s profile, %d repetition%s%s"
	       "%s, cpu %lld (-1: the highest)\n", dir, profile, o->repetitions,
	       o->repetitions > 1 ? "s" : "", filter ? ", filter " : "", filter ?: "",
	       (long long)cpu);
	return 0;
}

/*
 * Rows of @old, but for each benchmark in @rerun those of @new, in @old's
 * order (a benchmark @old has no row of goes at the end); @old's context,
 * noting the resume.  A new document.
 */
static json_t *merge_rows(json_t *old, json_t *new, json_t *rerun, int resume_nr)
{
	json_t *doc = json_deep_copy(old ? old : new), *rows = json_array(), *done = json_object();
	json_t *ctx = json_object_get(doc, "context"), *row, *nrow;
	char base[160], nbase[160];
	size_t i, j;

	json_array_foreach(json_object_get(old, "benchmarks"), i, row) {
		if (!row_base(row, base, sizeof(base)) || !json_object_get(rerun, base)) {
			json_array_append(rows, row);
			continue;
		}
		if (json_object_get(done, base))
			continue;
		json_object_set_new(done, base, json_true());
		json_array_foreach(json_object_get(new, "benchmarks"), j, nrow)
			if (row_base(nrow, nbase, sizeof(nbase)) && !strcmp(base, nbase))
				json_array_append(rows, nrow);
	}
	json_array_foreach(json_object_get(new, "benchmarks"), j, nrow)
		if (row_base(nrow, nbase, sizeof(nbase)) && !json_object_get(done, nbase))
			json_array_append(rows, nrow);
	json_object_set_new(doc, "benchmarks", rows);
	if (json_is_object(ctx))
		json_object_set_new(ctx, "cowbench.resumes", json_sprintf("%d", resume_nr));
	json_decref(done);
	return doc;
}

/*
 * The resume's rows into <dir>/host/micro.json: the file as it was is kept
 * first as micro.interrupted-N.json, then the merged one replaces it
 * atomically.  On a failure (full disk) micro.json stays as it was.
 */
static int merge_results(const char *json_path, json_t *old, json_t *new, json_t *rerun,
			 int resume_nr)
{
	int stem = (int)(strlen(json_path) - strlen(".json"));
	char *kept = cb_strdup_printf("%.*s.interrupted-%d.json", stem, json_path, resume_nr);
	char err[600], *raw = NULL, *text;
	size_t len = 0;
	json_t *doc = merge_rows(old, new, rerun, resume_nr);
	int ret = 0;

	if (!access(json_path, F_OK)) {
		raw = cb_read_input(json_path, CB_INPUT_MAX_BYTES, &len, err, sizeof(err));
		if (!raw || cb_write_file_atomic(kept, raw, len)) {
			fprintf(stderr, "cowbench run: cannot keep %s as %s: %s\n", json_path, kept,
				raw ? strerror(errno) : err);
			ret = -1;
		}
	}
	text = ret ? NULL : json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text && cb_write_file_atomic(json_path, text, strlen(text))) {
		fprintf(stderr, "cowbench run: cannot write %s: %s\n", json_path, strerror(errno));
		ret = -1;
	}
	free(text);
	free(raw);
	free(kept);
	json_decref(doc);
	return ret;
}

static int host_resume(const struct cb_run_opts *given, char *uerr, size_t uerrlen)
{
	struct cb_run_opts o, ro;
	struct runner_end end;
	char err[600];
	char *dir, *bench, *json_path, *out, *log_path, *err_path;
	json_t *meta, *suite = NULL, *old, *new, *left, *rerun, *record, *resumes;
	size_t expected;
	int ret, nr;

	meta = cb_dataset_read_meta(given->resume, err, sizeof(err));
	if (!meta) {
		snprintf(uerr, uerrlen, "cannot resume: %s", err);
		return CB_EXIT_USAGE;
	}
	dir = realpath(given->resume, NULL);
	if (dir) {
		ret = host_job(dir, meta, given, &o, &suite, uerr, uerrlen);
	} else {
		snprintf(uerr, uerrlen, "--resume %s: %s", given->resume, strerror(errno));
		ret = CB_EXIT_USAGE;
	}
	if (ret) {
		json_decref(meta);
		free(dir);
		return ret;
	}
	json_path = cb_path(dir, "host/micro.json");
	old = load_raw(json_path, err, sizeof(err));
	if (!old && !access(json_path, F_OK))
		printf("%s: every benchmark runs again\n", err);
	left = unfinished(old, &o, &expected);
	if (!json_array_size(left)) {
		printf("cowbench run: %s: every benchmark of its job has a complete result: "
		       "nothing to resume\n", dir);
		ret = CB_EXIT_OK;
		if (strcmp(json_string_value(json_object_get(suite, "status")) ?: "", "ok")) {
			/* a record that says otherwise is put right */
			ret = host_write_meta(dir, meta, summarise_host(&o, dir, json_path, suite));
		}
		goto out_early;
	}
	bench = runner_path(given);
	if (access(bench, X_OK)) {
		snprintf(uerr, uerrlen, "benchmark runner %s: %s", bench, strerror(errno));
		ret = CB_EXIT_USAGE;
		free(bench);
		goto out_early;
	}
	resumes = json_object_get(suite, "resumes");
	if (!json_is_array(resumes)) {
		resumes = json_array();
		json_object_set_new(suite, "resumes", resumes);
	}
	nr = (int)json_array_size(resumes) + 1;
	out = cb_strdup_printf("%s/host/micro.resume-%d.json", dir, nr);
	log_path = cb_strdup_printf("%s/host/micro.resume-%d.console", dir, nr);
	err_path = cb_strdup_printf("%s/host/micro.resume-%d.stderr", dir, nr);
	ro = o;
	ro.filter = names_regex(left);
	char **rargv = runner_argv(&ro, bench, out);

	record = json_pack("{s:i, s:O, s:o, s:o, s:o, s:o}", "resume", nr, "rerun", left,
			   "results", json_sprintf("host/micro.resume-%d.json", nr),
			   "console", json_sprintf("host/micro.resume-%d.console", nr),
			   "stderr", json_sprintf("host/micro.resume-%d.stderr", nr),
			   "command", argv_json(rargv));
	json_array_append_new(resumes, record);
	printf("cowbench run: %zu of %zu benchmarks to run again\n", json_array_size(left),
	       expected);
	fflush(stdout);

	cb_signals_catch();
	run_runner(rargv, log_path, err_path, &end);
	json_object_set_new(record, "exit", json_string(end.exit_text));
	new = load_raw(out, err, sizeof(err));
	rerun = json_object();
	{
		size_t i;
		json_t *n;

		json_array_foreach(left, i, n)
			json_object_set_new(rerun, json_string_value(n), json_true());
	}
	/* a failed merge (full disk) leaves micro.json and the record as they were */
	if (new && merge_results(json_path, old, new, rerun, nr))
		ret = CB_EXIT_FAIL;
	else
		ret = host_verdict(&o, dir, suite, json_path, err_path, &end);
	cb_signals_restore();
	ret = host_write_meta(dir, meta, ret);
	printf("dataset: %s\n", dir);
	json_decref(rerun);
	json_decref(new);
	free((char *)ro.filter);
	free(err_path);
	free(log_path);
	free(out);
	free(bench);
out_early:
	json_decref(left);
	json_decref(old);
	free(json_path);
	free(dir);
	json_decref(meta);
	return ret;
}

int cb_run_host(const struct cb_run_opts *opts, char *err, size_t errlen)
{
	const struct cb_run_opts o = *opts;
	struct runner_end end;
	char *bench, *dir, *vdir, *json_path, *log_path, *err_path;
	json_t *meta, *suite;
	int ret;

	if (o.resume)
		return host_resume(&o, err, errlen);
	bench = runner_path(&o);
	if (access(bench, X_OK)) {
		snprintf(err, errlen, "benchmark runner %s: %s; build it with 'cmake -B build && "
			 "cmake --build build' or pass --bench", bench, strerror(errno));
		return CB_EXIT_USAGE;
	}

	dir = cb_dataset_create(o.out ? o.out : cb_dataset_default_base(), "host");
	if (!dir) {
		snprintf(err, errlen, "cannot create a dataset under %s: %s",
			 o.out ? o.out : cb_dataset_default_base(), strerror(errno));
		return CB_EXIT_USAGE;
	}
	vdir = cb_path(dir, "host");
	json_path = cb_path(vdir, "micro.json");
	log_path = cb_path(vdir, "micro.console");
	err_path = cb_path(vdir, "micro.stderr");
	if (cb_mkdir_p(vdir)) {
		snprintf(err, errlen, "cannot create %s: %s", vdir, strerror(errno));
		return CB_EXIT_USAGE;
	}

	char **rargv = runner_argv(&o, bench, json_path);

	meta = cb_dataset_meta_new("host");
	suite = cb_dataset_add_cell(meta, "host", "micro");
	json_object_update(suite, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:o}",
					    "profile", o.quick ? "quick" : "default",
					    "repetitions", o.repetitions, "cpu", o.cpu,
					    "results", "host/micro.json",
					    "console", "host/micro.console",
					    "stderr", "host/micro.stderr",
					    "command", argv_json(rargv)));
	if (o.filter)
		json_object_set_new(suite, "filter", json_string(o.filter));
	if (cb_dataset_write_meta(dir, meta)) {
		/* nothing ran: nothing to keep */
		rmdir(vdir);
		rmdir(dir);
		json_decref(meta);
		return CB_EXIT_FAIL;
	}
	printf("cowbench run: host mode, %s profile, %d repetition%s -> %s\n",
	       o.quick ? "quick" : "default", o.repetitions, o.repetitions > 1 ? "s" : "",
	       dir);
	fflush(stdout);

	cb_signals_catch();
	run_runner(rargv, log_path, err_path, &end);
	json_object_set_new(suite, "exit", json_string(end.exit_text));
	ret = host_verdict(&o, dir, suite, json_path, err_path, &end);
	cb_signals_restore();
	ret = host_write_meta(dir, meta, ret);
	printf("dataset: %s\n", dir);
	json_decref(meta);
	return ret;
}
