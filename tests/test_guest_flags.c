// SPDX-License-Identifier: GPL-2.0
/*
 * The guest userland is the measuring instrument: whatever build type and
 * compiler flags the host build was configured with, the guest init, the
 * probes and the benchmark runner must be the same bytes (a Release build
 * moved icount results by up to 1.6%, and check flagged an unchanged
 * kernel).  A scratch build configured the careless way -- Release, with
 * CFLAGS, CXXFLAGS and LDFLAGS in the environment -- builds only those
 * four (with the attack program), and each must equal the one of this build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbuild.h"
#include "testutil.h"
#include "util.h"

static const char *const guest[] = { "cowbench-guest-init", "cowbench-probes", "cowbench-bench",
				     "cowbench-attack" };
#define NR_GUEST (sizeof(guest) / sizeof(guest[0]))

/* The sha256 of @dir/@name, which must not name @dir or the source tree. */
static void hash_of(const char *dir, const char *name, char out[65])
{
	char *path = cb_path(dir, name);
	size_t len;
	char *data = cb_read_file(path, &len);

	if (!data)
		fail_msg("cannot read %s", path);
	/* -ffile-prefix-map: no build or source directory in the bytes. */
	if (memmem(data, len, dir, strlen(dir)))
		fail_msg("%s holds its build directory %s", path, dir);
	if (memmem(data, len, COWBENCH_SOURCE_TREE, strlen(COWBENCH_SOURCE_TREE)))
		fail_msg("%s holds the source directory %s", path, COWBENCH_SOURCE_TREE);
	cb_sha256_hex(data, len, out);
	free(data);
	free(path);
}

/*
 * Every compilation unit of @path was compiled -g -O2, RelWithDebInfo's
 * flags, the ones datasets/baselines/ were measured with: the scratch
 * build agreeing with this one proves nothing if both changed.
 */
static void compiled_as_relwithdebinfo(const char *path)
{
	char *cmd = cb_strdup_printf("readelf --debug-dump=info '%s' | grep DW_AT_producer", path);
	FILE *p = popen(cmd, "r");
	char *line = NULL;
	size_t cap = 0;
	int units = 0;

	assert_non_null(p);
	while (getline(&line, &cap, p) > 0) {
		units++;
		if (!strstr(line, " -g -O2 ") || strstr(line, "-O0") || strstr(line, "-O3"))
			fail_msg("%s: a unit compiled otherwise: %s", path, line);
	}
	pclose(p);
	free(line);
	free(cmd);
	if (!units)
		fail_msg("%s has no debug info: readelf missing, or not built with -g", path);
}

static void test_guest_bytes_do_not_depend_on_build_type(void **state)
{
	char *ours = strdup(COWBENCH_BIN), *scratch = cb_path(tmpdir, "release");
	char *log = cb_path(tmpdir, "release.log"), *cmd;
	char want[NR_GUEST][65], got[65];

	(void)state;
	*strrchr(ours, '/') = '\0';
	for (size_t i = 0; i < NR_GUEST; i++) {
		char *path = cb_path(ours, guest[i]);

		hash_of(ours, guest[i], want[i]);
		compiled_as_relwithdebinfo(path);
		free(path);
	}
	cmd = cb_strdup_printf(
		"CFLAGS=-O0 CXXFLAGS='-O0 -fno-inline' LDFLAGS=-Wl,--build-id=none "
		"cmake -S '%s' -B '%s' -DCMAKE_BUILD_TYPE=Release >'%s' 2>&1 && "
		"cmake --build '%s' -j\"$(nproc)\" --target %s %s %s %s >>'%s' 2>&1",
		COWBENCH_SOURCE_TREE, scratch, log, scratch, guest[0], guest[1], guest[2], guest[3],
		log);
	if (sh_status(cmd)) {
		char *text = cb_read_file(log, NULL);

		fail_msg("the Release build failed: %s", text ? text : log);
	}
	free(cmd);
	for (size_t i = 0; i < NR_GUEST; i++) {
		hash_of(scratch, guest[i], got);
		if (strcmp(got, want[i]))
			fail_msg("%s of a Release build with CFLAGS=-O0 is other bytes (%.16s, "
				 "this build's %.16s)", guest[i], got, want[i]);
	}
	free(log);
	free(scratch);
	free(ours);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_bytes_do_not_depend_on_build_type),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
