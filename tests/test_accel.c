// SPDX-License-Identifier: GPL-2.0
/*
 * The accelerator-probe cache (harness/vm/accel.c): a verdict is kept per
 * (QEMU version, host kernel release) in <cache root>/accel.json, and a
 * probe that finds one does not boot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "accel.h"
#include "kbuild.h"
#include "testutil.h"
#include "vm.h"

#define QEMU_V "QEMU emulator version 0.0.1 (cowbench test)\n"

static struct cb_accel_verdict verdict(bool ok, const char *why)
{
	struct cb_accel_verdict v = { .kvm_ok = ok };

	snprintf(v.why, sizeof(v.why), "%s", why);
	return v;
}

/* A miss leaves the verdict alone; a hit is exactly what was stored, marked cached. */
static void test_cache_round_trip(void **state)
{
	char *dir = cb_path(tmpdir, "rt/nested"), *file = cb_path(dir, "accel.json");
	struct cb_accel_verdict in = verdict(false, "KVM probe boot timed out after 30 s");
	struct cb_accel_verdict out = verdict(true, "untouched");

	(void)state;
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.1.0-test", &out), 0);
	assert_true(out.kvm_ok);
	assert_string_equal(out.why, "untouched");
	/* the directory does not exist yet: store makes it */
	cb_accel_cache_store(dir, QEMU_V, "6.1.0-test", &in);
	assert_int_equal(access(file, R_OK), 0);
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.1.0-test", &out), 1);
	assert_false(out.kvm_ok);
	assert_true(out.cached);
	assert_non_null(strstr(out.why, "KVM probe boot timed out after 30 s"));
	assert_non_null(strstr(out.why, file));
	free(file);
	free(dir);
}

/* Another QEMU, another host kernel, or no QEMU version at all: probe again. */
static void test_cache_keyed_by_qemu_and_release(void **state)
{
	char *dir = cb_path(tmpdir, "key");
	struct cb_accel_verdict in = verdict(true, "KVM probe boot reached userspace in 0.4 s");
	struct cb_accel_verdict out = { 0 };

	(void)state;
	cb_accel_cache_store(dir, QEMU_V, "6.1.0-test", &in);
	assert_int_equal(cb_accel_cache_lookup(dir, "QEMU emulator version 9.9.9\n",
					       "6.1.0-test", &out), 0);
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.2.0-test", &out), 0);
	assert_int_equal(cb_accel_cache_lookup(dir, NULL, "6.1.0-test", &out), 0);
	assert_false(out.cached);
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.1.0-test", &out), 1);
	assert_true(out.kvm_ok);
	/* a new verdict replaces the old one */
	in = verdict(false, "KVM probe boot panicked");
	cb_accel_cache_store(dir, QEMU_V, "6.2.0-test", &in);
	memset(&out, 0, sizeof(out));
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.1.0-test", &out), 0);
	assert_int_equal(cb_accel_cache_lookup(dir, QEMU_V, "6.2.0-test", &out), 1);
	assert_false(out.kvm_ok);
	free(dir);
}

/* A corrupt or foreign accel.json is a miss, not a verdict. */
static void test_cache_corrupt_is_a_miss(void **state)
{
	char *dir = cb_path(tmpdir, "corrupt"), *file = cb_path(dir, "accel.json");
	static const char *const bad[] = { "{ not json", "[]", "{\"kvm_ok\": true}", "" };
	struct cb_accel_verdict out = { 0 };

	(void)state;
	assert_int_equal(cb_mkdir_p(dir), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cb_write_file_atomic(file, bad[i], strlen(bad[i])), 0);
		if (cb_accel_cache_lookup(dir, QEMU_V, "6.1.0-test", &out))
			fail_msg("'%s' read as a verdict", bad[i]);
	}
	free(file);
	free(dir);
}

/* The cache root: $COWBENCH_CACHE, else $XDG_CACHE_HOME/cowbench, else ~/.cache/cowbench. */
static void test_cache_root_follows_the_environment(void **state)
{
	char *home = cb_path(tmpdir, "home"), *want = cb_path(home, ".cache/cowbench");

	(void)state;
	unsetenv("COWBENCH_CACHE");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", home, 1);
	assert_string_equal(cb_cache_root(), want);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	assert_string_equal(cb_cache_root(), "/x/cache/cowbench");
	setenv("COWBENCH_CACHE", "/y/cb", 1);
	assert_string_equal(cb_cache_root(), "/y/cb");
	unsetenv("COWBENCH_CACHE");
	unsetenv("XDG_CACHE_HOME");
	free(want);
	free(home);
}

/*
 * cb_accel_probe with a cached verdict for this QEMU and this host kernel
 * answers from the cache under a temporary HOME: the "QEMU" here is a
 * script that only knows --version, and the kernel does not exist, so a
 * probe boot could not have said "reached userspace".
 */
static void test_probe_answers_from_the_cache(void **state)
{
	char *home = cb_path(tmpdir, "probe-home"), *qemu = cb_path(tmpdir, "fake-qemu");
	char *work = cb_path(tmpdir, "probe-work");
	const char script[] = "#!/bin/sh\n[ \"$1\" = --version ] && printf '" "QEMU emulator "
			      "version 0.0.1 (cowbench test)\\n" "' && exit 0\nexit 1\n";
	struct cb_accel_verdict in = verdict(true, "KVM probe boot reached userspace in 0.4 s");
	struct cb_accel_verdict out;
	char *version, *root;
	struct utsname u;

	(void)state;
	if (access("/dev/kvm", R_OK | W_OK)) {
		print_message("no usable /dev/kvm: the probe never reads its cache here\n");
		skip();
	}
	assert_int_equal(cb_write_file_atomic(qemu, script, strlen(script)), 0);
	assert_int_equal(chmod(qemu, 0755), 0);
	assert_int_equal(cb_mkdir_p(work), 0);
	unsetenv("COWBENCH_CACHE");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", home, 1);
	root = cb_path(home, ".cache/cowbench");
	version = cb_vm_qemu_version(qemu);
	assert_non_null(version);
	assert_int_equal(uname(&u), 0);
	cb_accel_cache_store(root, version, u.release, &in);
	assert_int_equal(cb_accel_probe(qemu, "/nonexistent/bzImage", "/nonexistent/initrd",
					work, 5, &out), 0);
	assert_true(out.cached);
	assert_true(out.kvm_ok);
	assert_non_null(strstr(out.why, "reached userspace in 0.4 s (cached in "));
	assert_non_null(strstr(out.why, root));
	free(version);
	free(root);
	free(work);
	free(qemu);
	free(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_round_trip),
		cmocka_unit_test(test_cache_keyed_by_qemu_and_release),
		cmocka_unit_test(test_cache_corrupt_is_a_miss),
		cmocka_unit_test(test_cache_root_follows_the_environment),
		cmocka_unit_test(test_probe_answers_from_the_cache),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
