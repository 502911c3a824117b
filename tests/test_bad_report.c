// SPDX-License-Identifier: GPL-2.0
/*
 * cowbench report on hostile datasets (issue 12).  Datasets travel as CI
 * artifacts and mail attachments: reading one must never execute anything,
 * write outside the output directory or read outside the dataset.  Each
 * case here makes its dataset from the recorded two-cell one
 * (tests/data/matrix), edited with jansson, runs the real binary on it and
 * checks, besides the exit and the message: no canary file (what an
 * injected `touch CANARY` would leave, absolute or in the working
 * directory) and no change anywhere in the test's directory outside --out
 * (all of it where the report is refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Every printable ASCII character but letters, digits and '/' (which ends a fault case). */
static const char specials[] = " !\"#$%&'()*+,-.:;<=>?@[\\]^_`{|}~";

static char *canary(void)
{
	return cb_path(tmpdir, "CANARY");
}

/* The directory cowbench runs in: a relative `touch CANARY` lands there. */
static char *workdir(void)
{
	return cb_path(tmpdir, "cwd");
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* @dir holds @name. */
static void assert_holds(const char *dir, const char *name)
{
	char *path = cb_path(dir, name);

	if (!exists(path))
		fail_msg("%s: not there", path);
	free(path);
}

static void assert_no_canary(const char *what)
{
	char *abs = canary(), *cwd = workdir(), *rel = cb_path(cwd, "CANARY");
	bool found = exists(abs) || exists(rel);

	/* gone again, so that the next case fails, or not, of its own */
	unlink(abs);
	unlink(rel);
	if (found)
		fail_msg("report %s executed a command from the dataset: a canary exists", what);
	free(rel);
	free(cwd);
	free(abs);
}

/* cowbench report @args (shell words) from workdir(); its exit code, *@log its output. */
static int run_report(const char *args, char **log)
{
	char *cwd = workdir();
	char *cmd = cb_strdup_printf("cd '%s' && timeout 60 '%s' report %s 2>&1", cwd,
				     COWBENCH_BIN, args);
	FILE *p = popen(cmd, "r"), *out;
	char buf[4096];
	size_t n, len;
	int status;

	assert_non_null(p);
	out = open_memstream(log, &len);
	while ((n = fread(buf, 1, sizeof(buf), p)))
		fwrite(buf, 1, n, out);
	fclose(out);
	status = pclose(p);
	assert_true(WIFEXITED(status));
	free(cmd);
	free(cwd);
	return WEXITSTATUS(status);
}

/*
 * Run report @args --out @out (when not NULL): exit @rc and @needle in
 * what it says, no canary, and nothing changed outside @out -- nothing at
 * all when it is refused.  Its output, malloc'd.
 */
static char *expect(int rc, const char *args, const char *out, const char *needle)
{
	char *qout = out ? cb_shell_quote(out) : NULL;
	char *all = cb_strdup_printf("%s%s%s", args, out ? " --out " : "", out ? qout : "");
	const char *skip = rc ? NULL : out;
	char *before = tree_snapshot(skip), *after, *log;
	int got = run_report(all, &log);

	assert_no_canary(all);
	after = tree_snapshot(skip);
	if (strcmp(before, after))
		fail_msg("report %s changed what is outside %s:\nbefore:\n%s\nafter:\n%s", all,
			 skip ? skip : "(nothing: it was refused)", before, after);
	if (got != rc || (needle && !strstr(log, needle)))
		fail_msg("expected exit %d and \"%s\", got %d:\n%s\nfrom: report %s", rc,
			 needle ? needle : "", got, log, all);
	if (strchr(log, '\033'))
		fail_msg("report %s printed an escape sequence from the dataset:\n%s", all, log);
	free(after);
	free(before);
	free(all);
	free(qout);
	return log;
}

/* A copy of tests/data/matrix at tmpdir/@name/ds (cells k.safe, k.unsafe). */
static char *dataset(const char *name)
{
	char *dir = cb_strdup_printf("%s/%s/ds", tmpdir, name);
	char *cmd = cb_strdup_printf("mkdir -p '%s/%s' && cp -R '" TEST_DATA "/matrix' '%s'",
				     tmpdir, name, dir);

	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	return dir;
}

static void save_json(const char *dir, const char *file, json_t *j)
{
	char *path = cb_path(dir, file);

	if (json_dump_file(j, path, JSON_INDENT(1)))
		fail_msg("%s: cannot write", path);
	json_decref(j);
	free(path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Benchmark @name in both cells: two repetitions, copies of the first benchmark's. */
static void add_benchmark(const char *ds, const char *name)
{
	static const char *const cells[] = { "k.safe", "k.unsafe" };

	for (size_t c = 0; c < 2; c++) {
		char *dir = cb_path(ds, cells[c]);
		json_t *micro = load_json(dir, "micro.json");
		json_t *runs = json_object_get(micro, "benchmarks");

		for (size_t rep = 0; rep < 2; rep++) {
			json_t *run = json_deep_copy(json_array_get(runs, rep));

			json_object_set_new(run, "name", json_string(name));
			json_object_set_new(run, "run_name", json_string(name));
			json_array_append_new(runs, run);
		}
		save_json(dir, "micro.json", micro);
		free(dir);
	}
}

/* meta.json's cell @i renamed @name (as it would be written, any bytes). */
static void rename_cell(const char *ds, size_t i, const char *name)
{
	json_t *meta = load_json(ds, "meta.json");

	json_object_set_new(json_array_get(json_object_get(meta, "suites"), i), "variant",
			    json_string(name));
	save_json(ds, "meta.json", meta);
}

/* A report file as text; fails when it is not there. */
static char *report_file(const char *out, const char *name)
{
	char *path = cb_path(out, name), *text = cb_read_file(path, NULL);

	if (!text)
		fail_msg("%s: not written", path);
	free(path);
	return text;
}

/*
 * Every row of every Markdown table has as many cells as its header: no
 * string from the dataset ended a cell or the row.  A '|' right after a
 * backslash is escaped, as GitHub's table parser has it.
 */
static void assert_tables_whole(const char *md)
{
	size_t header = 0;

	for (const char *line = md; *line;) {
		const char *end = strchrnul(line, '\n');
		size_t bars = 0;

		for (const char *p = line; p < end; p++)
			bars += *p == '|' && (p == line || p[-1] != '\\');
		if (line[0] != '|')
			header = 0;
		else if (!header)
			header = bars;
		else if (bars != header)
			fail_msg("a table row of %zu cells under a header of %zu:\n%.*s", bars - 1,
				 header - 1, (int)(end - line), line);
		line = *end ? end + 1 : end;
	}
}

/* Each line of @text has an even number of '"': no quote left a data field open. */
static void assert_quotes_paired(const char *file, const char *text)
{
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		size_t quotes = 0;

		for (const char *p = line; p < end; p++)
			quotes += *p == '"';
		if (quotes % 2)
			fail_msg("%s: a quote opens a field it does not close:\n%.*s", file,
				 (int)(end - line), line);
		line = *end ? end + 1 : end;
	}
}

/*
 * What a report of names that are legal but special must look like: file
 * names made of [A-Za-z0-9._-] only, data files whose quotes pair, tables
 * whose rows stay whole, no markup or escape sequence from the dataset.
 */
static void assert_report_safe(const char *out)
{
	char *md = report_file(out, "report.md"), *html = report_file(out, "index.html");
	char *mail = report_file(out, "email.txt");
	DIR *d = opendir(out);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (strspn(e->d_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789._-") != strlen(e->d_name))
			fail_msg("%s/%s: a file name made from the dataset", out, e->d_name);
		if (strlen(e->d_name) > 4 && !strcmp(e->d_name + strlen(e->d_name) - 4, ".dat")) {
			char *dat = report_file(out, e->d_name);

			assert_quotes_paired(e->d_name, dat);
			free(dat);
		}
	}
	closedir(d);
	assert_tables_whole(md);
	assert_null(strstr(md, "<script"));
	assert_null(strstr(html, "<script"));
	assert_null(strchr(md, '\033'));
	assert_null(strchr(html, '\033'));
	assert_null(strchr(mail, '\033'));
	free(mail);
	free(html);
	free(md);
}

/*
 * Benchmark names with every special character, one a fault case each (the
 * case becomes a plot's file name and title), and the injections that ran
 * at 30d0a80: a quote closing gnuplot's string, then system().  Legal names:
 * the report is written, and says them safely.
 */
static void test_special_names(void **state)
{
	static const char *const rows[] = {
		"| fault/m\\|x/2MiB/thp:off |", "| fault/m\\`x/2MiB/thp:off |",
		"| fault/m\\\\x/2MiB/thp:off |", "| fault/m&lt;x/2MiB/thp:off |",
		"| fault/m&amp;x/2MiB/thp:off |", "| fault/m\\*x/2MiB/thp:off |",
		"| fault/m\\_x/2MiB/thp:off |", "| fault/m\\[x/2MiB/thp:off |",
		"| fault/m\\~x/2MiB/thp:off |", "| fault/m\\$x/2MiB/thp:off |",
		"| fault/m'x/2MiB/thp:off |", "| fault/m\"x/2MiB/thp:off |",
		"| specref/&lt;script&gt;alert(1)&lt;/script&gt;/2MiB/thp:off |",
	};
	char *ds = dataset("names"), *out = cb_strdup_printf("%s/names/out", tmpdir);
	char *abs = canary(), octal[256] = "", *name, *log, *md, *args;
	size_t used = 0;

	(void)state;
	/* the absolute canary without a '/', which would end the fault case */
	for (const char *p = abs; *p; p++)
		used += (size_t)snprintf(octal + used, sizeof(octal) - used, *p == '/' ? "\\057" :
					 "%c", *p);
	name = cb_strdup_printf("fault/x';system(\"touch %s\");'/2MiB/thp:off", octal);
	add_benchmark(ds, name);
	free(name);
	add_benchmark(ds, "fault/x';system('touch CANARY');'/2MiB/thp:off");
	add_benchmark(ds, "fault/x\";system(\"touch CANARY\");\"/2MiB/thp:off");
	add_benchmark(ds, "fault/$(touch CANARY)/2MiB/thp:off");
	add_benchmark(ds, "fault/`touch CANARY`/2MiB/thp:off");
	add_benchmark(ds, "specref/<script>alert(1)</script>/2MiB/thp:off");
	name = cb_strdup_printf("fault/%s/2MiB/thp:off", specials);
	add_benchmark(ds, name);
	free(name);
	for (const char *c = specials; *c; c++) {
		name = cb_strdup_printf("fault/m%cx/2MiB/thp:off", *c);
		add_benchmark(ds, name);
		free(name);
	}
	args = cb_shell_quote(ds);
	log = expect(0, args, out, "report.md");
	assert_report_safe(out);
	md = report_file(out, "report.md");
	/* each special name has its row, its specials escaped */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strstr(md, rows[i]))
			fail_msg("no row %s in report.md:\n%s", rows[i], md);
	/* a plain case keeps its name, as in the reference report; the others get an index */
	assert_holds(out, "fault-reuse.svg");
	assert_holds(out, "fault-m-x.svg");
	assert_holds(out, "fault-case_3.svg");
	free(md);
	free(log);
	free(args);
	free(abs);
	free(out);
	free(ds);
}

/*
 * Strings a dataset may fill with any byte -- status, command line, date,
 * kernel names and sources, probe names -- with escape sequences, newlines,
 * '|' and backtick runs: the report is written, the terminal gets no
 * escape sequence, the tables stay whole, the command line stays one code
 * span (a fence longer than its backtick run).
 */
static void test_control_bytes(void **state)
{
	char *ds = dataset("bytes"), *out = cb_strdup_printf("%s/bytes/out", tmpdir);
	char *probes = cb_path(ds, "k.safe/probes.tap"), *args = cb_shell_quote(ds), *log, *md;
	json_t *meta = load_json(ds, "meta.json"), *cell, *kernels = json_object();
	const char *line, *span = "| k.safe command line | ````console=ttyS0 ```\\|x?]0;pwn??next"
				  "```` |\n";
	char run[42], *long_run;

	(void)state;
	cell = json_array_get(json_object_get(meta, "suites"), 0);
	json_object_set_new(cell, "status", json_string("ok\033[31m\nX|y"));
	json_object_set_new(cell, "cmdline", json_string("console=ttyS0 ```|x\033]0;pwn\007\n"
							  "next"));
	/* a run of 40, longer than any fence one might keep ready */
	memset(run, '`', sizeof(run) - 1);
	run[sizeof(run) - 1] = '\0';
	long_run = cb_strdup_printf("%.40s|x", run);
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 1), "cmdline",
			    json_string(long_run));
	free(long_run);
	json_object_set_new(meta, "date", json_string("2026\033[5m|<b>"));
	json_object_set_new(kernels, "evil\033[2J|k\n", json_pack("{s:s}", "source",
								   "s`x`|y\n<i>"));
	json_object_set_new(meta, "kernels", kernels);
	save_json(ds, "meta.json", meta);
	write_text(probes, "TAP version 13\n1..2\nok 1 probe\033[2J|with<b>pipe: x\n"
		   "ok 2 R/O long-term pin coherent after fork and write: safe\n");
	log = expect(0, args, out, "report.md");
	assert_report_safe(out);
	md = report_file(out, "report.md");
	line = strstr(md, "| k.safe command line | ");
	assert_non_null(line);
	/* a fence of four: the line holds a run of three */
	if (strncmp(line, span, strlen(span)))
		fail_msg("the command line is not one code span:\n%.200s", line);
	/* fenced by 41, and padded: it starts with a backtick */
	long_run = cb_strdup_printf("| k.unsafe command line | %s %.40s\\|x %s |\n", run, run, run);
	if (!strstr(md, long_run))
		fail_msg("no line %s in:\n%s", long_run, md);
	free(long_run);
	assert_non_null(strstr(md, "| probe 1: probe?\\[2J\\|with&lt;b&gt;pipe |"));
	free(md);
	free(log);
	free(args);
	free(probes);
	free(out);
	free(ds);
}

/*
 * Cell names from meta.json that would be paths: refused, naming the
 * name, though a micro.json waits where each would lead (at 30d0a80 the
 * report read it).  So is a cell directory that is a symbolic link.
 */
static void test_cell_names(void **state)
{
	static const struct {
		const char *name, *shown;
	} bad[] = {
		{ "../x", "'../x'" }, { "a/b", "'a/b'" }, { ".", "'.'" }, { "..", "'..'" },
		{ ".hidden", "'.hidden'" }, { "a\nb", "'a?b'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *tag = cb_strdup_printf("cell%zu", i), *ds = dataset(tag);
		char *where = cb_path(ds, bad[i].name), *qwhere = cb_shell_quote(where);
		char *qds = cb_shell_quote(ds), *micro = cb_path(ds, "k.safe/micro.json");
		char *cmd = cb_strdup_printf("mkdir -p %s && cp '%s' %s/", qwhere, micro, qwhere);
		char *needle = cb_strdup_printf("meta.json: cell name %s is not", bad[i].shown);
		char *out = cb_strdup_printf("%s/%s/out", tmpdir, tag);

		assert_int_equal(sh_status(cmd), 0);
		rename_cell(ds, 0, bad[i].name);
		free(expect(2, qds, out, needle));
		free(out);
		free(needle);
		free(cmd);
		free(micro);
		free(qds);
		free(qwhere);
		free(where);
		free(ds);
		free(tag);
	}
	{
		char *ds = dataset("cell-link"), *qds = cb_shell_quote(ds);
		char *out = cb_strdup_printf("%s/cell-link/out", tmpdir);
		char *cmd = cb_strdup_printf("mv '%s/k.safe' '%s/../elsewhere' && "
					     "ln -s ../elsewhere '%s/k.safe'", ds, ds, ds);

		assert_int_equal(sh_status(cmd), 0);
		free(expect(2, qds, out, "k.safe: not a directory of the dataset"));
		free(cmd);
		free(out);
		free(qds);
		free(ds);
	}
}

/* Make k.safe's @file of a fresh dataset what @how says; the report must refuse it. */
static void bad_file(const char *tag, const char *file, const char *how, const char *needle)
{
	char *ds = dataset(tag), *qds = cb_shell_quote(ds), *path = cb_path(ds, file);
	char *cmd = cb_strdup_printf("cd '%s' && %s", ds, how);
	char *out = cb_strdup_printf("%s/%s/out", tmpdir, tag);
	char *full = cb_strdup_printf("%s: %s", path, needle);

	assert_int_equal(sh_status(cmd), 0);
	free(expect(2, qds, out, full));
	free(full);
	free(out);
	free(cmd);
	free(path);
	free(qds);
	free(ds);
}

/*
 * Files that are not what a dataset's files are: a symbolic link out of
 * it, a FIFO (at 30d0a80 the report waited for a writer for ever), a
 * sparse file over the size limit, truncated JSON; a probes.tap that is a
 * link, or plans two billion probes.
 */
static void test_bad_files(void **state)
{
	(void)state;
	bad_file("link", "k.safe/micro.json", "ln -sf /etc/passwd k.safe/micro.json",
		 "a symbolic link");
	bad_file("fifo", "k.safe/micro.json", "rm k.safe/micro.json && mkfifo k.safe/micro.json",
		 "not a regular file");
	bad_file("sparse", "k.safe/micro.json", "truncate -s 65M k.safe/micro.json",
		 "68157440 bytes, over the limit");
	bad_file("cut-micro", "k.safe/micro.json", "truncate -s 700 k.safe/micro.json", "");
	bad_file("cut-meta", "meta.json", "truncate -s 200 meta.json", "");
	bad_file("probes-link", "k.safe/probes.tap", "ln -sf /etc/passwd k.safe/probes.tap",
		 "a symbolic link");
	bad_file("probes-plan", "k.safe/probes.tap",
		 "printf 'TAP version 13\\n1..2000000000\\n' >k.safe/probes.tap",
		 "a plan of more than 1000 probes");
}

/*
 * attack.json (the attack suite's refusal points), good in k.safe and
 * hostile in k.unsafe (tests/data/attack): the report is written, the
 * hostile names and details escaped in report.md and index.html, numbers
 * of the wrong type or out of range "?".
 */
static void test_attack_json(void **state)
{
	char *ds = dataset("attack"), *out = cb_strdup_printf("%s/attack/out", tmpdir);
	char *cmd = cb_strdup_printf("cp '" TEST_DATA "/attack/k.bias/attack.json' '%s/k.safe/' && "
				     "cp '" TEST_DATA "/attack/k.hostile/attack.json' "
				     "'%s/k.unsafe/'", ds, ds);
	char *args = cb_shell_quote(ds), *md, *html;

	(void)state;
	assert_int_equal(sh_status(cmd), 0);
	free(expect(0, args, out, "report.md"));
	assert_report_safe(out);
	md = report_file(out, "report.md");
	html = report_file(out, "index.html");
	if (!strstr(md, "| pin-one-page | refused ENOMEM at 2,097,152 pins (12.5 MiB); refcount 1 "
			"-&gt; -2147483647 -&gt; 1; 1.25 s; intact | ? ENOSPC at ? pins (? MiB, ? "
			"procs, ? fds); refcount ? -&gt; ? -&gt; ?; ? s; intact ? |\n"))
		fail_msg("no pin-one-page row in report.md:\n%s", md);
	assert_non_null(strstr(md, "| vmsplice | budget-memory at 1,234,567 refs"));
	assert_non_null(strstr(md, "| NOT intact: &lt;script&gt;alert(2)&lt;/script&gt;\\|?"));
	assert_non_null(strstr(md, "| &lt;b&gt;x&lt;/b&gt;\\|\\`y\\`?\\[5m\\*z\\*"));
	assert_non_null(strstr(html, "pin-one-page\n"
			       "  k.safe   refused ENOMEM at 2,097,152 pins (12.5 MiB); refcount 1 "
			       "-&gt; -2147483647 -&gt; 1; 1.25 s; intact\n"));
	assert_non_null(strstr(html, "NOT intact: &lt;script&gt;alert(2)&lt;/script&gt;|?[31m"));
	assert_non_null(strstr(html, "\n&lt;b&gt;x&lt;/b&gt;|`y`?[5m*z*"));
	assert_null(strstr(md, "<img"));
	assert_null(strstr(html, "<img"));
	free(html);
	free(md);
	free(args);
	free(cmd);
	free(out);
	free(ds);
}

/*
 * k.safe's attack.json made by @how: the report is written, saying @needle
 * in that column (NULL: attack-many's rows).
 */
static void shown_attack(const char *tag, const char *how, const char *needle)
{
	char *ds = dataset(tag), *out = cb_strdup_printf("%s/%s/out", tmpdir, tag);
	char *cmd = cb_strdup_printf("cd '%s/k.safe' && %s", ds, how);
	char *args = cb_shell_quote(ds), *md, *row;

	assert_int_equal(sh_status(cmd), 0);
	free(expect(0, args, out, "report.md"));
	assert_report_safe(out);
	md = report_file(out, "report.md");
	row = needle ? cb_strdup_printf("| attack.json | %s | - |\n", needle) :
		       strdup("| a16 | status ?; stopped; intact ? | - |\n"
			      "| more attacks, not shown | 55 | - |\n");
	if (!strstr(md, row) || (!needle && strstr(md, "| a17 |")))
		fail_msg("%s: no row %s in report.md:\n%s", tag, row, md);
	free(row);
	free(md);
	free(args);
	free(cmd);
	free(out);
	free(ds);
}

/*
 * attack.json that is not one: a link or a FIFO is refused like every
 * other file of a dataset; one too large, not JSON (cut, NUL bytes, bad
 * UTF-8, nested past any parser's stack), or not of the schema is said in
 * its column and the report stands.
 */
static void test_bad_attack_json(void **state)
{
	(void)state;
	bad_file("attack-link", "k.safe/attack.json", "ln -sf /etc/passwd k.safe/attack.json",
		 "a symbolic link");
	bad_file("attack-fifo", "k.safe/attack.json", "mkfifo k.safe/attack.json",
		 "not a regular file");
	shown_attack("attack-huge", "truncate -s 2M attack.json",
		     "? attack.json: 2097152 bytes, over 1048576");
	shown_attack("attack-cut", "head -c 300 '" TEST_DATA "/attack/k.bias/attack.json' "
		     ">attack.json", "? attack.json: not JSON (line 11)");
	shown_attack("attack-nul",
		     "printf '{\"schema\": 1, \"attacks\": [\"a\\000b\"]}' >attack.json",
		     "? attack.json: not JSON (line 1)");
	shown_attack("attack-utf8", "printf '{\"attacks\": [{\"name\": \"\\377\\376\"}]}' "
		     ">attack.json", "? attack.json: not JSON (line 1)");
	shown_attack("attack-deep", "head -c 1000000 /dev/zero | tr '\\0' '[' >attack.json",
		     "? attack.json: not JSON (line 1)");
	shown_attack("attack-array", "echo '[]' >attack.json", "? attack.json: not an object");
	shown_attack("attack-schema", "echo '{\"schema\": \"1\", \"attacks\": []}' >attack.json",
		     "? attack.json: not schema 1");
	shown_attack("attack-list", "echo '{\"attacks\": {\"name\": \"x\"}}' >attack.json",
		     "? attack.json: no attacks list");
	shown_attack("attack-empty", "echo '{\"attacks\": []}' >attack.json", "no attacks");
	/* 71 names: the first 16 get a row, the rest a count (48 of the first 64, 7 after) */
	shown_attack("attack-many", "{ printf '{\"attacks\": ['; for i in $(seq 1 70); do "
		     "printf '{\"name\": \"a%d\"},' $i; done; printf '{\"name\": \"z\"}]}'; } "
		     ">attack.json", NULL);
}

/* More datasets, or cells, than a report compares: refused with the limit, nothing cut off. */
static void test_limits(void **state)
{
	char *ds = dataset("many"), *qds = cb_shell_quote(ds), *args = strdup("");
	char *out = cb_strdup_printf("%s/many/out", tmpdir), *needle;
	json_t *meta, *suites;
	char *cmd;

	(void)state;
	/* one cell each: at 30d0a80 the 65th dataset overran the table of metas */
	meta = load_json(ds, "meta.json");
	json_array_remove(json_object_get(meta, "suites"), 1);
	save_json(ds, "meta.json", meta);
	for (int i = 0; i < 65; i++) {
		char *more = cb_strdup_printf("%s %s", args, qds);

		free(args);
		args = more;
	}
	free(expect(2, args, out, "65 datasets: a report compares at most 64 cells"));
	free(args);

	free(qds);
	free(ds);
	ds = dataset("cells");
	qds = cb_shell_quote(ds);
	free(out);
	out = cb_strdup_printf("%s/cells/out", tmpdir);
	cmd = cb_strdup_printf("cd '%s' && for i in $(seq 0 64); do cp -R k.safe k.c$i; done", ds);
	assert_int_equal(sh_status(cmd), 0);
	meta = load_json(ds, "meta.json");
	suites = json_object_get(meta, "suites");
	for (int i = 0; i < 65; i++) {
		json_t *cell = json_deep_copy(json_array_get(suites, 0));
		char name[16];

		snprintf(name, sizeof(name), "k.c%d", i);
		json_object_set_new(cell, "variant", json_string(name));
		json_array_append_new(suites, cell);
	}
	save_json(ds, "meta.json", meta);
	needle = cb_strdup_printf("%s: more cells than the 64 a report compares", ds);
	free(expect(2, qds, out, needle));
	free(needle);
	free(cmd);
	free(out);
	free(qds);
	free(ds);
}

/*
 * --out: a name with quotes works; an input dataset, a directory inside
 * one or holding one or the --floors file, and a directory that is not a
 * report are refused and left as they were; a report replaces the old one
 * whole.
 */
static void test_out_dirs(void **state)
{
	char *ds = dataset("out"), *qds = cb_shell_quote(ds), *out, *path, *cmd;

	(void)state;
	out = cb_strdup_printf("%s/out/it's \"here\"", tmpdir);
	free(expect(0, qds, out, "report.md"));
	assert_holds(out, "report.md");
	assert_holds(out, "change.svg");
	free(out);

	free(expect(2, qds, ds, "is, holds or is inside the dataset"));
	out = cb_path(ds, "k.safe/report");
	free(expect(2, qds, out, "is, holds or is inside the dataset"));
	free(out);
	out = cb_path(tmpdir, "out");
	free(expect(2, qds, out, "is, holds or is inside the dataset"));
	free(out);

	/* the directory of the --floors file, an input too */
	out = cb_path(tmpdir, "floors");
	cmd = cb_strdup_printf("mkdir '%s' && '%s' check --write-baseline '%s/f.json' '" TEST_DATA
			       "/check/boot1' '" TEST_DATA "/check/boot2' >/dev/null", out,
			       COWBENCH_BIN, out);
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	cmd = cb_strdup_printf("--floors '%s/f.json' '" TEST_DATA "/check/boot1' '" TEST_DATA
			       "/check/reuse-plus-1pct'", out);
	free(expect(2, cmd, out, "floors: it holds the --floors file"));
	free(cmd);
	free(out);

	out = cb_strdup_printf("%s/out/mine", tmpdir);
	cmd = cb_strdup_printf("mkdir -p '%s' && echo precious >'%s/notes.txt'", out, out);
	assert_int_equal(sh_status(cmd), 0);
	free(expect(2, qds, out, "mine exists and is not a cowbench report"));
	free(cmd);
	free(out);

	/* a report with a fault case the second one has not: its plot goes */
	out = cb_strdup_printf("%s/out/again", tmpdir);
	{
		char *ds2 = dataset("out-stale"), *qds2 = cb_shell_quote(ds2);

		add_benchmark(ds2, "fault/stale/2MiB/thp:off");
		free(expect(0, qds2, out, "report.md"));
		free(qds2);
		free(ds2);
	}
	path = cb_path(out, "fault-stale.svg");
	assert_true(exists(path));
	free(expect(0, qds, out, "report.md"));
	if (exists(path))
		fail_msg("%s: a plot of the old report is still there", path);
	free(path);
	assert_holds(out, ".cowbench-report");
	assert_holds(out, "report.md");
	free(out);
	free(qds);
	free(ds);
}

/*
 * Without --out the report goes to reports/<name of the first dataset>:
 * a name that is not a plain file name (".." would be the tree itself)
 * is refused, and nothing lands in the tree.
 */
static void test_default_out(void **state)
{
	char *ds = dataset("default"), *odd = cb_path(tmpdir, "default/we'ird");
	char *cmd = cb_strdup_printf("cp -R '%s' \"%s\"", ds, odd);
	const char *const paths[] = { "/k.safe/..", "/.", "" };
	const char *const landed[] = { COWBENCH_SOURCE_TREE "/report.md",
				       COWBENCH_SOURCE_TREE "/reports/report.md",
				       COWBENCH_SOURCE_TREE "/reports/we'ird" };

	(void)state;
	assert_int_equal(sh_status(cmd), 0);
	for (size_t i = 0; i < 3; i++) {
		char *arg = cb_strdup_printf("%s%s", i < 2 ? ds : odd, paths[i]);
		char *q = cb_shell_quote(arg);

		free(expect(2, q, NULL, "give --out DIR"));
		for (size_t k = 0; k < 3; k++)
			if (exists(landed[k]))
				fail_msg("report %s wrote %s", arg, landed[k]);
		free(q);
		free(arg);
	}
	free(cmd);
	free(odd);
	free(ds);
}

/* Append to @ds/@cell/micro.json two repetitions of @name costing @ns, with @counters. */
static void add_gmem_run(const char *ds, const char *cell, const char *name, double ns,
			 json_t *counters)
{
	char *dir = cb_path(ds, cell);
	json_t *micro = load_json(dir, "micro.json");
	json_t *runs = json_object_get(micro, "benchmarks");

	for (int rep = 0; rep < 2; rep++) {
		json_t *run = json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:s}", "name", name,
					"run_name", name, "run_type", "iteration", "repetitions", 2,
					"repetition_index", rep, "ns_per_item", ns, "label",
					"item=page");

		json_object_update(run, counters);
		json_array_append_new(runs, run);
	}
	json_decref(counters);
	save_json(dir, "micro.json", micro);
	free(dir);
}

/*
 * A hostile guest_memfd dataset (tests/data/gmem, edited): benchmark names,
 * vm.gmem_ event names, the policy in meta.json and probes.tap's knob
 * comment, gmem probe names and details (the bytes a leak shows) with
 * markup, escapes, '|', backticks and the gnuplot and shell injections;
 * costs and counts near the limits, a size and a mapper count beyond any
 * real one; more gmem probes than the section lists and a detail longer
 * than it shows.  The report is written, nothing runs, the tables stay
 * whole, refused calls say "refused" whatever their counter's size.
 */
static void test_gmem_hostile(void **state)
{
	char *ds = cb_strdup_printf("%s/gmem-bad/ds", tmpdir);
	char *out = cb_strdup_printf("%s/gmem-bad/out", tmpdir), *args, *md, *html, *mail;
	char *cmd = cb_strdup_printf("mkdir -p '%s/gmem-bad' && cp -R '" TEST_DATA "/gmem' '%s'",
				     tmpdir, ds);
	char *tap = cb_path(ds, "k.default/probes.tap"), *long_detail, *line, *save;
	json_t *meta;
	FILE *f;

	(void)state;
	assert_int_equal(sh_status(cmd), 0);
	free(cmd);
	add_gmem_run(ds, "k.default", "gmem/<script>alert(1)</script>/4KiB/thp:off", 9.9e14,
		     json_pack("{s:f, s:f}", "refused_per_item", 0.0,
			       "vm.gmem_<img src=x onerror=alert(1)>|`_per_item", 1e15));
	add_gmem_run(ds, "k.gmem-rmap", "gmem/<script>alert(1)</script>/4KiB/thp:off", 9.9e14,
		     json_pack("{s:f, s:f}", "refused_per_item", 1e15,
			       "vm.gmem_refused_mapped_per_item", -1e15));
	add_gmem_run(ds, "k.default", "gmem/to-private-m1';system('touch CANARY');'/4KiB/thp:off",
		     5000, json_object());
	add_gmem_run(ds, "k.default", "gmem/to-private-m8/4KiB/`touch CANARY`|<b>x</b>", 9.9e14,
		     json_pack("{s:f}", "vm.gmem_sigbus_per_item", 1e15));
	add_gmem_run(ds, "k.default", "gmem/to-private-m99999999999999999999/4KiB/thp:off", 7000,
		     json_object());
	add_gmem_run(ds, "k.default", "gmem/to-private-m2/99999999999999GiB/thp:off", 1e-300,
		     json_object());
	add_gmem_run(ds, "k.default", "gmem/to-private-m3/1e999GiB/thp:off", 7000, json_object());
	add_gmem_run(ds, "k.default", "gmem/to-private-m4/0x10KiB\"';`x`/y", 7000, json_object());
	meta = load_json(ds, "meta.json");
	/* k.default's policy from its (hostile) probes.tap comment */
	json_object_del(json_array_get(json_object_get(meta, "suites"), 0), "policies");
	json_object_set_new(json_array_get(json_object_get(meta, "suites"), 2), "policies",
			    json_pack("{s:s}", "gmem_convert",
				      "<script>alert(3)</script>|`x`\n\033[31m"));
	save_json(ds, "meta.json", meta);
	f = fopen(tap, "w");
	assert_non_null(f);
	fputs("TAP version 13\n1..60\n"
	      "# cowbench knob before gmem_convert: [<b>sig|bus</b>\033[2J`x`] rmap-check\n"
	      "not ok 1 gmem-<img src=x onerror=alert(1)>|`x`: UNSAFE: \033]0;pwn\007"
	      "<script>alert(2)</script>|\\|`y`\r*z*\n"
	      "not ok 2 gmem-vmsplice-weak: UNSAFE: 'x';system(\"touch CANARY\");'' $(touch CANARY)\n"
	      "ok 3 gmem-x # SKIP <i>why</i>|\n"
	      "not ok 4 gmem-no-verdict\n"
	      "not ok 5 gmem-y: nonsense: ]]>&amp;<!--\n", f);
	long_detail = malloc(5001);
	assert_non_null(long_detail);
	memset(long_detail, 'A', 5000);
	long_detail[5000] = '\0';
	fprintf(f, "ok 6 gmem-long: safe: %s<script>alert(4)</script>\n", long_detail);
	free(long_detail);
	for (int i = 7; i <= 60; i++)
		fprintf(f, "ok %d gmem-many-%d: safe: <u>%d</u>\n", i, i, i);
	assert_int_equal(fclose(f), 0);

	args = cb_shell_quote(ds);
	free(expect(0, args, out, "report.md"));
	assert_report_safe(out);
	assert_holds(out, "gmem-to-private.svg");
	md = report_file(out, "report.md");
	html = report_file(out, "index.html");
	mail = report_file(out, "email.txt");
	/* the names escaped, the refused call "refused" whatever its counter */
	assert_non_null(strstr(md, "| gmem/&lt;script&gt;alert(1)&lt;/script&gt;/4KiB/thp:off | "
				   "990000000000000.0 | refused | - |\n"));
	assert_non_null(strstr(md, "| policy gmem\\_convert | &lt;b&gt;sig\\|bus&lt;/b&gt;?\\[2J"
				   "\\`x\\` | rmap-check | &lt;script&gt;alert(3)&lt;/script&gt;"
				   "\\|\\`x\\`??\\[31m |\n"));
	assert_non_null(strstr(md, "| gmem-&lt;img src=x onerror=alert(1)&gt;\\|\\`x\\` | k.default "
				   "| UNSAFE | ?\\]0;pwn?&lt;script&gt;alert(2)&lt;/script&gt;"
				   "\\|\\\\\\|\\`y\\`?\\*z\\* |\n"));
	assert_non_null(strstr(md, "| gmem-x | k.default | skip | &lt;i&gt;why&lt;/i&gt;\\| |\n"));
	assert_non_null(strstr(md, "| gmem-no-verdict | k.default | ? |  |\n"));
	assert_non_null(strstr(md, "AAAA..."));
	assert_null(strstr(md, "alert(4)"));
	assert_non_null(strstr(md, "| more gmem probes, not shown | 28 |"));
	assert_non_null(strstr(html, "<td>gmem/&lt;script&gt;alert(1)&lt;/script&gt;/4KiB/thp:off"
				     "</td>"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<b>sig"));
	assert_null(strstr(html, "<i>why"));
	assert_null(strstr(html, "<u>"));
	assert_null(strstr(html, "<!--"));
	for (line = strtok_r(mail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 72)
			fail_msg("email line over 72 columns: %s", line);
	free(mail);
	free(html);
	free(md);
	free(args);
	free(tap);
	free(out);
	free(ds);
}

static int setup(void **state)
{
	char *cwd;
	int ret = tmpdir_setup(state);

	if (ret)
		return ret;
	cwd = workdir();
	ret = mkdir(cwd, 0755);
	free(cwd);
	return ret;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special_names),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_cell_names),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_attack_json),
		cmocka_unit_test(test_gmem_hostile),
		cmocka_unit_test(test_bad_attack_json),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_out_dirs),
		cmocka_unit_test(test_default_out),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
