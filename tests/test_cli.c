// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run_opts.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(v) ((int)(sizeof(v) / sizeof(v[0])) - 1)

/* What the last captured() call wrote on stdout and stderr. */
static char captured_out[16384], captured_err[16384];

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* cb_main(@argv), its stdout and stderr into captured_out and captured_err. */
static int captured(char **argv)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, saved_out, saved_err, rc;

	assert_non_null(out);
	assert_non_null(err);
	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	rc = cb_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, captured_out, sizeof(captured_out));
	slurp(err, captured_err, sizeof(captured_err));
	return rc;
}
#define cb_main(argc, argv) captured(argv)

static int parse(char **argv, int argc, struct cb_run_opts *o, char *err)
{
	return cb_run_parse_args(argc, argv, o, err, 256);
}

static void test_vm_run_defaults(void **state)
{
	char *argv[] = { "run", NULL };
	struct cb_run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, 1, &o, err), 0);
	assert_false(o.host);
	assert_string_equal(o.kernels, "default");
	assert_string_equal(o.suites, "micro");
	assert_string_equal(o.accel, "auto");
	assert_string_equal(o.mode, "auto");
	/* by mode once the accelerator is known (run_vm.c): 1 under icount */
	assert_int_equal(o.smp, 0);
	/* by mode and host once the accelerator is known (test_jobs.c) */
	assert_int_equal(o.jobs, 0);
}

static void test_run_defaults(void **state)
{
	char *argv[] = { "run", "--host", NULL };
	struct cb_run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, 2, &o, err), 0);
	assert_true(o.host);
	assert_false(o.quick);
	assert_int_equal(o.repetitions, 5);
	assert_int_equal(o.cpu, -1);
	assert_null(o.filter);
}

/*
 * Five, as without --quick: the value is the minimum, and three let every
 * repetition of a fork be hit about once in thirty boots.
 */
static void test_run_quick_means_five_repetitions(void **state)
{
	char *argv[] = { "run", "--host", "--quick", NULL };
	char *rounds[] = { "run", "--repetitions", "9", "--rounds", "2", NULL };
	struct cb_run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, 3, &o, err), 0);
	assert_true(o.quick);
	assert_int_equal(o.repetitions, 5);
	assert_false(o.repetitions_given);
	assert_int_equal(o.rounds, 0);	/* by mode, once the accelerator is known */
	assert_int_equal(parse(rounds, 5, &o, err), -1);
	assert_non_null(strstr(err, "--repetitions 9 is not a multiple of --rounds 2"));
}

static void test_run_all_options(void **state)
{
	char *argv[] = { "run", "--host", "--repetitions", "9", "--filter", "^fault/",
			 "--cpu", "1", "--out", "/tmp/x", "--bench", "/bin/true", NULL };
	struct cb_run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, 12, &o, err), 0);
	assert_int_equal(o.repetitions, 9);
	assert_string_equal(o.filter, "^fault/");
	assert_int_equal(o.cpu, 1);
	assert_string_equal(o.out, "/tmp/x");
	assert_string_equal(o.bench, "/bin/true");
}

static void test_run_errors_name_the_input(void **state)
{
	static const struct {
		char *args[6];
		const char *expect;
	} cases[] = {
		{ { "run", "--accel", "warp" }, "unknown accelerator 'warp'" },
		{ { "run", "--mode", "fast" }, "unknown mode 'fast'" },
		{ { "run", "--suites", "micro,bogus" }, "unknown suite 'bogus'" },
		{ { "run", "--timeout", "5" }, "'5'" },
		{ { "run", "--accel", "kvm", "--mode", "icount" }, "needs TCG" },
		{ { "run", "--host", "--repetitions", "0" }, "'0'" },
		{ { "run", "--host", "--repetitions", "many" }, "'many'" },
		{ { "run", "--host", "--cpu", "-3" }, "'-3'" },
		{ { "run", "--host", "--frobnicate" }, "'--frobnicate'" },
		{ { "run", "--host", "stray" }, "'stray'" },
		{ { "run", "--host", "--filter" }, "incomplete" },
		{ { "run", "--host", "--filter", "^nothing/" }, "matches no benchmark" },
		{ { "run", "--host", "--filter", "(" }, "not a valid POSIX regex" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[7] = { 0 };
		struct cb_run_opts o;
		char err[256] = "";
		int argc = 0;

		while (argc < 6 && cases[i].args[argc]) {
			argv[argc] = cases[i].args[argc];
			argc++;
		}
		assert_int_equal(parse(argv, argc, &o, err), -1);
		if (!strstr(err, cases[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].expect);
	}
}

/*
 * The attack suite: asked for by name, never by default; its exit 1 (a
 * page or refcount not intact) is a result, like a probe's leak, while a
 * crash, a missing binary or an exit it does not have fails the cell.
 */
static void test_attack_suite(void **state)
{
	char *argv[] = { "run", "--suites", "micro,probes,selftests,attack", NULL };
	static const struct {
		const char *suite, *end;
		bool failed;
	} ends[] = {
		{ "attack", "exit 0", false }, { "attack", "exit 1", false },
		{ "attack", "exit 2", true }, { "attack", "exit 127", true },
		{ "attack", "exit 10", true }, { "attack", "signal 11 Segmentation fault", true },
		{ "attack", "missing /cowbench/cowbench-attack", true }, { "attack", "", true },
		{ "attack", "error No such file or directory", true },
		{ "probes", "exit 1", false }, { "probes", "exit 2", false },
		{ "micro", "exit 1", true }, { "micro", "exit 0", false },
	};
	struct cb_run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, 3, &o, err), 0);
	assert_string_equal(o.suites, "micro,probes,selftests,attack");
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (cb_suite_end_failed(ends[i].suite, ends[i].end) != ends[i].failed)
			fail_msg("%s \"%s\": expected %s", ends[i].suite, ends[i].end,
				 ends[i].failed ? "failed" : "a result");
}

static void test_dispatch(void **state)
{
	char *unknown[] = { "cowbench", "frob", NULL };
	char *none[] = { "cowbench", NULL };
	char *report[] = { "cowbench", "report", NULL };
	char *version_extra[] = { "cowbench", "version", "x", NULL };

	(void)state;
	assert_non_null(cb_find_command("run"));
	assert_non_null(cb_find_command("list"));
	assert_non_null(cb_find_command("version"));
	assert_null(cb_find_command("frob"));
	assert_int_equal(cb_main(2, unknown), CB_EXIT_USAGE);
	assert_int_equal(cb_main(1, none), CB_EXIT_USAGE);
	/*
	 * Every command in the table is found and runs: `report` with no
	 * DATASET is its own usage error, not an unknown command.
	 */
	for (size_t i = 0; i < cb_nr_commands; i++)
		assert_ptr_equal(cb_find_command(cb_commands[i].name), &cb_commands[i]);
	assert_int_equal(cb_main(2, report), CB_EXIT_USAGE);
	assert_non_null(strstr(captured_err, "cowbench report: no DATASET given"));
	assert_null(strstr(captured_err, "unknown command"));
	assert_int_equal(cb_main(2, unknown), CB_EXIT_USAGE);
	assert_non_null(strstr(captured_err, "unknown command 'frob'"));
	assert_int_equal(cb_main(3, version_extra), CB_EXIT_USAGE);
}

static void test_every_command_has_help(void **state)
{
	(void)state;
	for (size_t i = 0; i < cb_nr_commands; i++) {
		char help[] = "--help";
		char *argv[] = { (char *)cb_commands[i].name, help, NULL };

		assert_int_equal(cb_commands[i].fn(2, argv), CB_EXIT_OK);
	}
}

/*
 * `cowbench CMD --help`, `cowbench CMD -h` and `cowbench help CMD` are routed
 * by the dispatcher to the command's usage text, the same text its option
 * table's --help prints further along the command line.
 */
static void test_help_is_routed_centrally(void **state)
{
	(void)state;
	for (size_t i = 0; i < cb_nr_commands; i++) {
		char *name = (char *)cb_commands[i].name, want[64], table[sizeof(captured_out)];
		char *long_help[] = { "cowbench", name, "--help", NULL };
		char *short_help[] = { "cowbench", name, "-h", NULL };
		char *help_cmd[] = { "cowbench", "help", name, NULL };

		snprintf(want, sizeof(want), "usage: cowbench %s", name);
		assert_int_equal(cb_main(3, long_help), CB_EXIT_OK);
		if (strncmp(captured_out, want, strlen(want)))
			fail_msg("cowbench %s --help: '%.80s' is not its usage", name, captured_out);
		assert_string_equal(captured_err, "");
		snprintf(table, sizeof(table), "%s", captured_out);
		assert_int_equal(cb_main(3, short_help), CB_EXIT_OK);
		assert_string_equal(captured_out, table);
		assert_int_equal(cb_main(3, help_cmd), CB_EXIT_OK);
		assert_string_equal(captured_out, table);
	}
	/* past the first argument, the option tables answer, with the same text */
	{
		char *later[] = { "cowbench", "run", "--quick", "--help", NULL };
		char *first[] = { "cowbench", "run", "--help", NULL };
		char table[sizeof(captured_out)];

		assert_int_equal(cb_main(3, first), CB_EXIT_OK);
		snprintf(table, sizeof(table), "%s", captured_out);
		assert_int_equal(cb_main(4, later), CB_EXIT_OK);
		assert_string_equal(captured_out, table);
	}
}

/*
 * A bad number for any command's option is refused -- exit 2, the option,
 * its limits or the rule, and the value in the message -- before any work:
 * "3x" is not 3 (no atoi), "-3" not a count, "inf" not a threshold.
 */
static void test_bad_numbers_for_every_command(void **state)
{
	static const struct {
		char *args[7];
		const char *expect;
	} bad[] = {
		{ { "build", "-j", "3x" }, "cowbench build: -j wants a count of make jobs, 1 to 1024, got '3x'" },
		{ { "build", "-j3x" }, "-j wants a count of make jobs, 1 to 1024, got '3x'" },
		{ { "build", "-j", "0" }, "got '0'" },
		{ { "build", "-j", "+3" }, "got '+3'" },
		{ { "build", "-j", " 3" }, "got ' 3'" },
		{ { "build", "-j", "0x10" }, "got '0x10'" },
		{ { "build", "-j", "99999999999999999999" }, "got '99999999999999999999'" },
		{ { "build", "-j" }, "-j wants a count of make jobs, 1 to 1024" },
		{ { "run", "--host", "--cpu", "3x" }, "--cpu wants an integer from 0 to" },
		{ { "run", "--host", "--repetitions", "3x" }, "--repetitions wants an integer from 1 to" },
		{ { "run", "--rounds", "2x" }, "--rounds wants an integer from 1 to" },
		{ { "run", "--smp", "3x" }, "--smp wants an integer from 1 to 255, got '3x'" },
		{ { "run", "--mem", "4096M" }, "--mem wants an integer from 256 to" },
		{ { "run", "--timeout", "60s" }, "--timeout wants an integer from 10 to" },
		{ { "run", "--perturb", "-0" }, "--perturb wants an integer from 0 to 1000, got '-0'" },
		{ { "run", "--accel", "3" }, "unknown accelerator '3'" },
		{ { "check", "--threshold", "3x", "d" }, "--threshold '3x': expected a percentage" },
		{ { "check", "--threshold", "inf", "d" }, "--threshold 'inf'" },
		{ { "check", "--threshold", "nan", "d" }, "--threshold 'nan'" },
		{ { "check", "--threshold", "0x1", "d" }, "--threshold '0x1'" },
		{ { "check", "--threshold", "1e1", "d" }, "--threshold '1e1'" },
		{ { "check", "--threshold", "-1", "d" }, "--threshold '-1'" },
		{ { "check", "--threshold", "101", "d" }, "--threshold '101'" },
		{ { "check", "--threshold", "1.2.3", "d" }, "--threshold '1.2.3'" },
		{ { "check", "--threshold" }, "unknown or incomplete option '--threshold'" },
		{ { "report", "--frob", "d" }, "cowbench report: unknown or incomplete option '--frob'" },
		{ { "list", "--names", "3" }, "cowbench list: unexpected argument '3'" },
		{ { "list", "--quick=3" }, "cowbench list: unknown option '--quick=3'" },
		{ { "version", "3" }, "cowbench version: takes no arguments, got '3'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[9] = { "cowbench" };
		int argc = 1, rc;

		while (argc < 8 && bad[i].args[argc - 1]) {
			argv[argc] = bad[i].args[argc - 1];
			argc++;
		}
		rc = cb_main(argc, argv);
		if (rc != CB_EXIT_USAGE || !strstr(captured_err, bad[i].expect))
			fail_msg("case %zu (%s %s): exit %d, '%s' lacks '%s'", i, argv[1], argv[2],
				 rc, captured_err, bad[i].expect);
		assert_string_equal(captured_out, "");
	}
}

/* The shared value parsers: all of the string, in range, nothing atoi would forgive. */
static void test_strict_parsers(void **state)
{
	static const char *const colours[] = { "red", "green", NULL };
	static const char *const not_uint[] = { "", "3x", "x3", " 3", "3 ", "+3", "-3", "-0",
						"0x10", "1e3", "3.0", "99999999999999999999" };
	static const char *const not_decimal[] = { "", ".", "..", "1.2.3", "-1", "+1", "inf",
						   "nan", "0x1", "1e1", " 1", "1 ", "5%" };
	char err[128];
	double d;
	long v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(not_uint) / sizeof(not_uint[0]); i++) {
		if (!cb_parse_uint(not_uint[i], 0, LONG_MAX, &v))
			fail_msg("cb_parse_uint took '%s'", not_uint[i]);
		assert_int_equal(v, 42);	/* untouched */
	}
	assert_int_equal(cb_parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cb_parse_uint("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cb_parse_uint("11", 0, 10, &v), -1);
	assert_int_equal(cb_parse_uint("1", 2, 10, &v), -1);
	for (size_t i = 0; i < sizeof(not_decimal) / sizeof(not_decimal[0]); i++)
		if (!cb_parse_decimal(not_decimal[i], 0, 1e9, &d))
			fail_msg("cb_parse_decimal took '%s'", not_decimal[i]);
	assert_int_equal(cb_parse_decimal("0.5", 0, 100, &d), 0);
	assert_float_equal(d, 0.5, 0);
	assert_int_equal(cb_parse_decimal(".5", 0, 100, &d), 0);
	assert_float_equal(d, 0.5, 0);
	assert_int_equal(cb_parse_decimal("5.", 0, 100, &d), 0);
	assert_float_equal(d, 5, 0);
	assert_int_equal(cb_parse_decimal("100", 0, 100, &d), 0);
	assert_int_equal(cb_parse_decimal("100.01", 0, 100, &d), -1);
	assert_int_equal(cb_parse_choice("green", colours), 1);
	assert_int_equal(cb_parse_choice("Green", colours), -1);
	assert_int_equal(cb_parse_choice("", colours), -1);
	assert_int_equal(cb_opt_uint("--n", "2x", 1, 9, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "--n wants an integer from 1 to 9, got '2x'");
	/* a control byte is shown escaped, not sent to the terminal */
	assert_int_equal(cb_opt_uint("--n", "2\033[2J", 1, 9, &v, err, sizeof(err)), -1);
	assert_null(strchr(err, '\033'));
	assert_int_equal(cb_opt_choice("colour", "blue", colours, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown colour 'blue'");
}

/*
 * Each command's option table drives both getopt_long and the option list
 * of its usage (cb_opts_usage()): every listed option appears in
 * `cowbench CMD --help` spelled as the table has it, at the start of a
 * line; every option line there is in the table; getopt_long's tables hold
 * every option; no two options share a value; no usage line is over 80.
 */
static void test_usage_lists_every_option(void **state)
{
	(void)state;
	for (size_t i = 0; i < cb_nr_commands; i++) {
		const struct cb_cmd *cmd = &cb_commands[i];
		char *argv[] = { "cowbench", (char *)cmd->name, "--help", NULL };
		size_t nr_listed = 0, nr_lines = 0;
		struct cb_getopt g;

		assert_non_null(cmd->opts);
		assert_int_equal(cb_main(3, argv), CB_EXIT_OK);
		cb_opts_getopt(cmd->opts, "", &g);
		for (const struct cb_opt *o = cmd->opts; o->name || o->val; o++) {
			char line[160], spelling[128];
			const char *at;
			bool in_getopt = false;

			for (const struct cb_opt *p = cmd->opts; p < o; p++)
				if (p->val == o->val)
					fail_msg("%s: two options share value %d", cmd->name, o->val);
			if (o->short_opt) {
				char want[3] = { (char)o->val, o->has_arg ? ':' : '\0', '\0' };

				assert_true(o->val > 0 && o->val < 128);
				in_getopt = strstr(g.shortopts, want) != NULL;
			}
			for (const struct option *l = g.longopts; l->name && o->name; l++)
				in_getopt |= !strcmp(l->name, o->name) && l->has_arg == o->has_arg &&
					     l->val == o->val;
			if (!in_getopt)
				fail_msg("%s: %s not in getopt_long's tables", cmd->name,
					 o->name ? o->name : "a short option");
			if (!o->help)
				continue;	/* an internal option, not listed */
			nr_listed++;
			cb_opt_spelling(o, spelling, sizeof(spelling));
			snprintf(line, sizeof(line), "\n  %s", spelling);
			at = strstr(captured_out, line);
			if (!at || (at[strlen(line)] != ' ' && at[strlen(line)] != '\n'))
				fail_msg("cowbench %s --help does not list '%s'", cmd->name, spelling);
		}
		/* and the other way: every option line is one of the table's */
		for (const char *l = captured_out; *l;) {
			size_t len = strcspn(l, "\n");

			if (len > 80)
				fail_msg("cowbench %s --help: a line of %zu characters", cmd->name, len);
			if (!strncmp(l, "  -", 3))
				nr_lines++;
			l += len + (l[len] == '\n');
		}
		if (nr_lines != nr_listed)
			fail_msg("cowbench %s --help: %zu option lines, %zu options in its table",
				 cmd->name, nr_lines, nr_listed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_defaults),
		cmocka_unit_test(test_vm_run_defaults),
		cmocka_unit_test(test_run_quick_means_five_repetitions),
		cmocka_unit_test(test_run_all_options),
		cmocka_unit_test(test_run_errors_name_the_input),
		cmocka_unit_test(test_attack_suite),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_every_command_has_help),
		cmocka_unit_test(test_help_is_routed_centrally),
		cmocka_unit_test(test_usage_lists_every_option),
		cmocka_unit_test(test_bad_numbers_for_every_command),
		cmocka_unit_test(test_strict_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
