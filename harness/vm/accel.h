/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which accelerator really boots a guest here.  /dev/kvm existing proves
 * nothing (this machine's is a PVM hypervisor on which a stock kernel spins
 * forever): only a probe boot with a timeout does.  The verdict is cached per
 * (QEMU version, host kernel release).
 */
#ifndef CB_ACCEL_H
#define CB_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

struct cb_accel_verdict {
	bool kvm_ok;
	bool cached;
	char why[256];
};

/*
 * Probe KVM by booting @kernel with @initrd (the guest init powers off at
 * once on "cowbench.probe").  @workdir receives the probe's console log.
 */
int cb_accel_probe(const char *qemu, const char *kernel, const char *initrd,
		   const char *workdir, int timeout_s, struct cb_accel_verdict *v);

/*
 * The cache, <@dir>/accel.json (cb_accel_probe uses the cache root,
 * $COWBENCH_CACHE or ~/.cache/cowbench): one verdict, for one QEMU version
 * and host kernel release.  Lookup: 1 and the verdict in @v (cached set,
 * why naming the file) when the file holds one for @qemu_version (NULL:
 * never) and @release; else 0, @v untouched.  Store: replaces the file,
 * making @dir if need be.
 */
int cb_accel_cache_lookup(const char *dir, const char *qemu_version, const char *release,
			  struct cb_accel_verdict *v);
void cb_accel_cache_store(const char *dir, const char *qemu_version, const char *release,
			  const struct cb_accel_verdict *v);

#endif
