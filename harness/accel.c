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

int cb_accel_probe(const char *qemu, const char *kernel, const char *initrd,
		   const char *workdir, int timeout_s, struct cb_accel_verdict *v)
{
	char *qemu_version = cb_vm_qemu_version(qemu);
	char *path = cb_path(cb_cache_root(), "accel.json");
	struct utsname u;
	json_t *cache;

	memset(v, 0, sizeof(*v));
	uname(&u);
	if (access("/dev/kvm", R_OK | W_OK)) {
		v->kvm_ok = false;
		snprintf(v->why, sizeof(v->why), "no usable /dev/kvm");
		free(qemu_version);
		free(path);
		return 0;
	}
	cache = json_load_file(path, 0, NULL);
	if (cache && qemu_version &&
	    !strcmp(json_string_value(json_object_get(cache, "qemu")) ?: "", qemu_version) &&
	    !strcmp(json_string_value(json_object_get(cache, "host_release")) ?: "", u.release)) {
		v->kvm_ok = json_is_true(json_object_get(cache, "kvm_ok"));
		v->cached = true;
		snprintf(v->why, sizeof(v->why), "%s (cached in %s)",
			 json_string_value(json_object_get(cache, "why")) ?: "", path);
		json_decref(cache);
		free(qemu_version);
		free(path);
		return 0;
	}
	json_decref(cache);

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
		free(path);
		return -1;
	}
	cache = json_pack("{s:s, s:s, s:b, s:s}", "qemu", qemu_version ? qemu_version : "",
			  "host_release", u.release, "kvm_ok", v->kvm_ok, "why", v->why);
	cb_mkdir_p(cb_cache_root());
	json_dump_file(cache, path, JSON_INDENT(2));
	json_decref(cache);
	free(console);
	free(data);
	free(qemu_version);
	free(path);
	return 0;
}
