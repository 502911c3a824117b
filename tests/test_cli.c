// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "run_opts.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(v) ((int)(sizeof(v) / sizeof(v[0])) - 1)

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
	assert_int_equal(o.smp, 2);
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
	/* Reserved commands fail loudly instead of pretending to work. */
	assert_int_equal(cb_main(2, report), CB_EXIT_USAGE);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
