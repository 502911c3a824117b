// SPDX-License-Identifier: GPL-2.0
/*
 * `run --jobs`: how many cells boot at once.  The default is more than one
 * only under icount, where each QEMU is one host thread and the counts do
 * not depend on what runs beside -- as many as the host's CPUs and memory
 * hold; in a wall-clock mode it is 1.  An explicit --jobs N is N.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>

#include "jobs.h"
#include "run_opts.h"

/* --jobs as `cowbench run` parses it with @argv's options (the default: no --jobs) */
static int parsed_jobs(char **argv, int argc)
{
	struct cb_run_opts o;
	char err[256];

	assert_int_equal(cb_run_parse_args(argc, argv, &o, err, sizeof(err)), 0);
	return o.jobs;
}

/* The default, resolved: more than one only under icount. */
static void test_default_is_by_mode_and_host(void **state)
{
	char *argv[] = { "run", NULL };
	int def = parsed_jobs(argv, 1);
	const struct cb_host_room two_cpus = { .cpus = 2, .avail_mib = 23000 };
	const struct cb_host_room big = { .cpus = 64, .avail_mib = 1L << 20 };

	(void)state;
	assert_int_equal(def, 0);
	/* icount: one CPU per cell */
	assert_int_equal(cb_cell_jobs(def, true, 12, 3072, &two_cpus), 2);
	/* wall-clock (KVM, TCG without icount): one at a time, however big the host */
	assert_int_equal(cb_cell_jobs(def, false, 12, 3072, &two_cpus), 1);
	assert_int_equal(cb_cell_jobs(def, false, 12, 3072, &big), 1);
	/* icount on a big host: at most CB_JOBS_MAX, at most the cells there are */
	assert_int_equal(cb_cell_jobs(def, true, 40, 3072, &big), CB_JOBS_MAX);
	assert_int_equal(cb_cell_jobs(def, true, 3, 3072, &big), 3);
	assert_int_equal(cb_cell_jobs(def, true, 1, 3072, &big), 1);
}

/* Memory: the guest's --mem plus CB_JOBS_QEMU_MIB per cell, in what is available. */
static void test_default_is_bounded_by_memory(void **state)
{
	const struct cb_host_room eight_cpus = { .cpus = 8, .avail_mib = 3 * (3072 + 512) + 100 };
	const struct cb_host_room small = { .cpus = 8, .avail_mib = 1000 };
	const struct cb_host_room exact = { .cpus = 8, .avail_mib = 2 * (1024 + CB_JOBS_QEMU_MIB) };

	(void)state;
	assert_int_equal(cb_cell_jobs(0, true, 12, 3072, &eight_cpus), 3);
	/* a smaller guest: more fit */
	assert_int_equal(cb_cell_jobs(0, true, 12, 256, &eight_cpus), 8);
	assert_int_equal(cb_cell_jobs(0, true, 12, 1024, &exact), 2);
	/* not room for one: still one (QEMU will say if it cannot get the memory) */
	assert_int_equal(cb_cell_jobs(0, true, 12, 3072, &small), 1);
}

/* A host whose room cannot be read gets one at a time. */
static void test_unknown_room_is_one(void **state)
{
	const struct cb_host_room no_cpus = { .cpus = 0, .avail_mib = 23000 };
	const struct cb_host_room no_mem = { .cpus = 4, .avail_mib = -1 };

	(void)state;
	assert_int_equal(cb_cell_jobs(0, true, 12, 3072, &no_cpus), 1);
	assert_int_equal(cb_cell_jobs(0, true, 12, 3072, &no_mem), 1);
	assert_int_equal(cb_cell_jobs(0, true, 12, 3072, NULL), 1);
}

/* --jobs N is N in any mode (cells at most), and --jobs 0 is the default spelled out. */
static void test_explicit_jobs(void **state)
{
	char *one[] = { "run", "--jobs", "1", NULL };
	char *three[] = { "run", "--jobs", "3", NULL };
	char *zero[] = { "run", "--jobs", "0", NULL };
	const struct cb_host_room two_cpus = { .cpus = 2, .avail_mib = 23000 };

	(void)state;
	assert_int_equal(parsed_jobs(one, 3), 1);
	assert_int_equal(parsed_jobs(three, 3), 3);
	assert_int_equal(parsed_jobs(zero, 3), 0);
	assert_int_equal(cb_cell_jobs(1, true, 12, 3072, &two_cpus), 1);
	/* more than the CPUs when asked: the user's call */
	assert_int_equal(cb_cell_jobs(3, true, 12, 3072, &two_cpus), 3);
	assert_int_equal(cb_cell_jobs(3, false, 12, 3072, &two_cpus), 3);
	assert_int_equal(cb_cell_jobs(3, true, 2, 3072, &two_cpus), 2);
}

/* This host's room: some CPU, some memory (whatever the numbers). */
static void test_host_room_is_known(void **state)
{
	struct cb_host_room room;

	(void)state;
	cb_host_room(&room);
	assert_true(room.cpus >= 1);
	assert_true(room.avail_mib >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_by_mode_and_host),
		cmocka_unit_test(test_default_is_bounded_by_memory),
		cmocka_unit_test(test_unknown_room_is_one),
		cmocka_unit_test(test_explicit_jobs),
		cmocka_unit_test(test_host_room_is_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
