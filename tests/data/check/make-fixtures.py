#!/usr/bin/env python3
"""Writes the small datasets tests/test_check.c reads.  Run from this
directory after changing the dataset format; the output is checked in."""
import json, os, random, shutil

BENCH = {  # name: per-repetition guest instructions per item
    'fault/reuse/2MiB/thp:off': [1629.3, 1629.3, 1629.3],
    'fault/anon/2MiB/thp:off': [6681.7, 6681.7, 6681.6],
    'fork/call/4MiB/thp:off': [140000.0, 138400.0, 141800.0],
}

def meta(mode='icount', config='c0nf', status='ok', cells=True, repetitions=3, perturb=0,
         userland='u5er'):
    suites = [{'variant': 'k.v', 'kernel': 'k', 'status': status,
               'cmdline': 'console=ttyS0'}] if cells else []
    return {'format': 1, 'mode': mode, 'qemu': 'QEMU emulator version 7.2.22',
            'userland_hash': userland,
            'cowbench': {'commit': 'fixture'},
            'kernels': {'k': {'config_hash': config, 'series_hash': 's3r1es'}},
            'suites': suites,
            'job': {'kernels': 'k:v', 'suites': 'micro', 'profile': 'quick',
                    'repetitions': repetitions, 'rounds': 1, 'perturb': perturb,
                    'filter': '', 'smp': 2, 'mem_mib': 3072}}

def micro(bench):
    rows = []
    for name, reps in bench.items():
        for i, v in enumerate(reps):
            rows.append({'name': name + '/iterations:2/manual_time',
                         'run_name': name + '/iterations:2/manual_time',
                         'run_type': 'iteration', 'repetition_index': i,
                         'ns_per_item': v, 'label': 'item=page'})
    return {'context': {}, 'benchmarks': rows}

def dataset(name, m, bench=BENCH, micro_text=None):
    shutil.rmtree(name, ignore_errors=True)
    os.makedirs(name + '/k.v')
    json.dump(m, open(name + '/meta.json', 'w'), indent=1)
    if micro_text is not None:
        open(name + '/k.v/micro.json', 'w').write(micro_text)
    elif bench is not None:
        json.dump(micro(bench), open(name + '/k.v/micro.json', 'w'), indent=1)

def scaled(name, factor):
    return {k: [x * factor for x in v] if k == name else v for k, v in BENCH.items()}

dataset('boot1', meta())
# a perturbation boot: the same job, so boots of one baseline
dataset('boot2', meta(perturb=1), scaled('fork/call/4MiB/thp:off', 1.01))
dataset('rerun', meta(), scaled('fork/call/4MiB/thp:off', 0.99))
# +1% on the exact fault path: must be flagged at 0.5%
dataset('reuse-plus-1pct', meta(), scaled('fault/reuse/2MiB/thp:off', 1.01))
# one repetition in three hit by a stray interrupt; the median unmoved
outlier = dict(BENCH)
outlier['fault/reuse/2MiB/thp:off'] = [1629.3, 1672.8, 1629.3]
dataset('boot3-outlier', meta(), outlier)
# two repetitions of three hit: the median +1.9%, the minimum unmoved
hit = dict(BENCH)
hit['fault/reuse/2MiB/thp:off'] = [1629.3, 1672.8, 1660.0]
dataset('two-of-three-hit', meta(), hit)
dataset('other-mode', meta(mode='tcg'))
dataset('other-config', meta(config='d1ff'))
# the minimum of 5 repetitions is not the minimum of 3
dataset('other-job', meta(repetitions=5))
# a changed benchmark runner or library: noted, still compared
dataset('other-userland', meta(userland='d1ff'))
# a race-driven benchmark (specref): gated only beyond 5%
SPECREF = dict(BENCH, **{'specref/reuse-10k/2MiB/thp:off': [2470.7, 2470.7, 2470.7]})
specref = lambda f: {k: [x * f for x in v] if k.startswith('specref/') else v
                     for k, v in SPECREF.items()}
dataset('specref-boot1', meta(), SPECREF)
dataset('specref-boot2', meta(perturb=1), specref(1.002))
dataset('specref-plus-2pct', meta(), specref(1.02))
dataset('specref-plus-6pct', meta(), specref(1.06))
dataset('panicked', meta(status='panic'))
dataset('empty', meta(cells=False), bench=None)
# a cell that never wrote results (the guest hung)
dataset('no-results', meta(status='timeout'), bench=None)
dataset('missing-benchmark', meta(),
        {k: v for k, v in BENCH.items() if k != 'fault/anon/2MiB/thp:off'})
dataset('truncated', meta(), micro_text=json.dumps(micro(BENCH))[:200])
shutil.rmtree('corrupt-meta', ignore_errors=True)
os.makedirs('corrupt-meta')
open('corrupt-meta/meta.json', 'w').write('{"format": 1, "suites": [')

# Wall-clock mode, two cells, interleaved-style noise: fault/reuse 5% slower
# in b (Mann-Whitney must mark it, its interval must exclude 0), fault/anon
# the same values in both (no mark, interval around 0).
def wall(name, reps):
    rng = random.Random(29374)
    noisy = lambda centre: [round(centre * (1 + rng.gauss(0, 0.01)), 1) for _ in range(reps)]
    anon = noisy(6700)  # the same values in both cells, in another order
    cells = {'a.v': {'fault/reuse/2MiB/thp:off': noisy(1600), 'fault/anon/2MiB/thp:off': anon},
             'b.v': {'fault/reuse/2MiB/thp:off': noisy(1680),
                     'fault/anon/2MiB/thp:off': anon[::-1]}}
    m = meta(mode='tcg')
    m['suites'] = [{'variant': c, 'kernel': 'k', 'status': 'ok', 'cmdline': 'console=ttyS0'}
                   for c in cells]
    shutil.rmtree(name, ignore_errors=True)
    for c, bench in cells.items():
        os.makedirs(name + '/' + c)
        json.dump(micro(bench), open(name + '/' + c + '/micro.json', 'w'), indent=1)
    json.dump(m, open(name + '/meta.json', 'w'), indent=1)

wall('wall-9', 9)
wall('wall-3', 3)
