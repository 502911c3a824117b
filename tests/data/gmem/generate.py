#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the guest_memfd report fixture (tests/data/gmem): three cells, one
per cowbench.gmem_convert policy, with the gmem micro rows bench/gmem.c
writes (names, items, the per-item "refused" counter, vm.gmem_ events),
two repetitions each, and probes.tap with the gmem- probes.  Hand-made
numbers, icount mode.  Run from anywhere: python3 tests/data/gmem/generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [("4KiB", 1), ("2MiB", 512), ("64MiB", 16384)]
MAPPERS = [0, 1, 8, 64]
CELLS = {
    # cell: (policy in meta.json or None, policy of the probes.tap comment)
    "k.default": ("sigbus", "[sigbus] rmap-check no-mmap"),
    "k.gmem-rmap": (None, "sigbus [rmap-check] no-mmap"),
    "k.gmem-nommap": ("no-mmap", "sigbus rmap-check [no-mmap]"),
}


def run(name, item, ns, rep, extra):
    full = name + "/iterations:4/manual_time"
    r = {"name": full, "run_name": full, "run_type": "iteration", "repetitions": 2,
         "repetition_index": rep, "iterations": 4, "ns_per_item": ns, "label": "item=" + item}
    r.update(extra)
    return r


def skipped(name):
    full = name + "/iterations:4/manual_time"
    return {"name": full, "run_name": full, "run_type": "iteration", "error_occurred": True,
            "error_message": "skipped: no GUEST_MEMFD_FLAG_MMAP: 6.12's guest_memfd has no mmap"}


def micro(cell):
    policy = CELLS[cell][1]
    runs = []

    def add(name, item, ns, extra):
        for rep in range(2):
            runs.append(run(name, item, ns + rep * 3, rep, extra))

    for m in MAPPERS:
        for size, pages in SIZES:
            name = "gmem/to-private-m%d/%s/thp:off" % (m, size)
            refused = m > 0 and "[sigbus]" not in policy
            if refused:
                ev = "vm.gmem_refused_mapped_per_item"
                add(name, "page", 900.0 + 20 * m, {"refused_per_item": 1.0 / pages,
                                                   ev: 1.0 / pages})
            else:
                extra = {"refused_per_item": 0.0, "vm.gmem_to_private_per_item": 1.0}
                if m:
                    extra["vm.gmem_unmapped_per_item"] = 1.0
                add(name, "page", 2000.0 + 4000.0 / pages + 350.0 * m, extra)
    for size, pages in SIZES:
        add("gmem/to-shared/%s/thp:off" % size, "page", 1500.0 + 3000.0 / pages,
            {"refused_per_item": 0.0, "vm.gmem_to_shared_per_item": 1.0})
        add("gmem/fault-shared/%s/thp:off" % size, "page", 2400.0 + 1000.0 / pages,
            {"vm.pgfault_per_item": 1.0})
    for n in (0, 1, 512):
        refused = n > 0 and "[sigbus]" not in policy
        extra = {"refused_per_item": 1.0 if refused else 0.0}
        if refused:
            extra["vm.gmem_mmap_refused_per_item"] = 1.0
        add("gmem/mmap-private-%d/2MiB/thp:off" % n, "mmap",
            5200.0 + (0 if refused else 3 * n), extra)
    runs.append(skipped("gmem/host-upstream-fault/2MiB/thp:off"))
    return {"context": {}, "benchmarks": runs}


def probes(cell):
    policy = CELLS[cell][1]
    exact_mapped = "[sigbus]" in policy
    lines = [
        "TAP version 13", "1..10",
        "# cowbench knob before gmem_convert: " + policy,
        "ok 1 CVE-2020-29374 vmsplice after fork: safe: the pipe still holds the page as it was at fork",
        "ok 2 gmem-vmsplice-exact: safe: TO_PRIVATE EAGAIN (refcount 3, explained 2)",
        "not ok 3 gmem-vmsplice-weak: UNSAFE: the pipe read 16 bytes of the private page: "
        "'PRIVATE-gmem-42!' (50 52 49 56 41 54 45 2d 67 6d 65 6d 2d 34 32 21)"
        " # TODO negative control: the weak check misses a vmsplice() reference",
        "ok 4 gmem-pin-longterm-exact: safe: TO_PRIVATE EAGAIN with the page pinned",
        "ok 5 gmem-pin-longterm-weak: safe: TO_PRIVATE EBUSY (maybe_dma_pinned)",
        "ok 6 gmem-sigbus-touch: safe: SIGBUS on the private page" if exact_mapped else
        "ok 6 gmem-sigbus-touch # SKIP conversion refused while mapped (EBUSY)",
        "ok 7 gmem-procmem-private: safe: /proc/pid/mem read EIO",
        "ok 8 gmem-vm-readv-private: safe: process_vm_readv EFAULT",
        "ok 9 gmem-mmap-race: safe: 1000 rounds, no private byte seen",
        "ok 10 gmem-policy-refusals: safe: " +
        ("mapped conversion done, 1 page unmapped" if exact_mapped else
         "TO_PRIVATE EBUSY while mapped, mmap EPERM over a private page"),
        "# Totals: pass:9 fail:0 xfail:1 xpass:0 skip:0 error:0",
    ]
    return "\n".join(lines) + "\n"


def main():
    suites = []
    for cell, (meta_policy, _) in CELLS.items():
        os.makedirs(os.path.join(HERE, cell), exist_ok=True)
        with open(os.path.join(HERE, cell, "micro.json"), "w") as f:
            doc = micro(cell)
            f.write('{"context": {}, "benchmarks": [\n')
            f.write(",\n".join(json.dumps(r) for r in doc["benchmarks"]))
            f.write("\n]}\n")
        with open(os.path.join(HERE, cell, "probes.tap"), "w") as f:
            f.write(probes(cell))
        s = {"variant": cell, "status": "ok", "kernel_bugs": 0, "kernel_warnings": 0}
        if meta_policy:
            s["policies"] = {"gmem_convert": meta_policy}
        suites.append(s)
    with open(os.path.join(HERE, "meta.json"), "w") as f:
        f.write('{"format": 1, "mode": "icount", "suites": [\n')
        f.write(",\n".join(json.dumps(s) for s in suites))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
