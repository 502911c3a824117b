// SPDX-License-Identifier: GPL-2.0
#include "accel.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kbuild.h"
#include "util.h"
#include "vm.h"

int cb_accel_cache_lookup(const char *dir, const char *qemu_version, const char *release,
			  struct cb_accel_verdict *v)
{
	char *path = cb_path(dir, "accel.json");
	json_t *cache = json_load_file(path, 0, NULL);
	int found = 0;

	if (cache && qemu_version &&
	    !strcmp(json_string_value(json_object_get(cache, "qemu")) ?: "", qemu_version) &&
	    !strcmp(json_string_value(json_object_get(cache, "host_release")) ?: "", release)) {
		v->kvm_ok = json_is_true(json_object_get(cache, "kvm_ok"));
		v->cached = true;
		snprintf(v->why, sizeof(v->why), "%s (cached in %s)",
			 json_string_value(json_object_get(cache, "why")) ?: "", path);
		found = 1;
	}
	json_decref(cache);
	free(path);
	return found;
}

void cb_accel_cache_store(const char *dir, const char *qemu_version, const char *release,
			  const struct cb_accel_verdict *v)
{
	char *path = cb_path(dir, "accel.json");
	json_t *cache = json_pack("{s:s, s:s, s:b, s:s}", "qemu", qemu_version ? qemu_version : "",
				  "host_release", release, "kvm_ok", v->kvm_ok, "why", v->why);

	cb_mkdir_p(dir);
	json_dump_file(cache, path, JSON_INDENT(2));
	json_decref(cache);
	free(path);
}

int cb_accel_probe(const char *qemu, const char *kernel, const char *initrd,
		   const char *workdir, int timeout_s, struct cb_accel_verdict *v)
{
	char *qemu_version = cb_vm_qemu_version(qemu);
	struct utsname u;

	memset(v, 0, sizeof(*v));
	uname(&u);
	if (access("/dev/kvm", R_OK | W_OK)) {
		v->kvm_ok = false;
		snprintf(v->why, sizeof(v->why), "no usable /dev/kvm");
		free(qemu_version);
		return 0;
	}
	if (cb_accel_cache_lookup(cb_cache_root(), qemu_version, u.release, v)) {
		free(qemu_version);
		return 0;
	}

	struct cb_vm_config cfg = {
		.qemu = qemu, .kernel = kernel, .initrd = initrd,
		.append = "console=ttyS0 loglevel=5 panic=-1 cowbench.probe",
		.accel = "kvm", .smp = 1, .mem_mib = 512, .timeout_s = timeout_s,
	};
	struct cb_vm_result res;
	char *console = cb_path(workdir, "kvm-probe.console");
	char *data = cb_path(workdir, "kvm-probe.data");

	cfg.console_path = console;
	cfg.data_path = data;
	if (cb_vm_boot(&cfg, &res)) {
		snprintf(v->why, sizeof(v->why), "cannot start %s for the KVM probe", qemu);
	} else if (res.console.outcome == CB_GUEST_DONE) {
		v->kvm_ok = true;
		snprintf(v->why, sizeof(v->why), "KVM probe boot reached userspace in %.1f s",
			 res.up_s);
	} else {
		snprintf(v->why, sizeof(v->why), "KVM probe boot %s after %.0f s (console: %s)",
			 res.timed_out ? "timed out" : cb_guest_outcome_name(res.console.outcome),
			 res.wall_s, console);
	}
	if (res.interrupted) {
		free(console);
		free(data);
		free(qemu_version);
		return -1;
	}
	cb_accel_cache_store(cb_cache_root(), qemu_version, u.release, v);
	free(console);
	free(data);
	free(qemu_version);
	return 0;
}
