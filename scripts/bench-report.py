#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn gomap_bench's CSV (map,figure,n,value) into tables and gnuplot plots.

The throughput figures come first, then the native figures of the
User-Mode Linux boot (uml_, with their spread and the check of issue 14's
goal), then the single-operation latencies of the icount boot with the
check of issue 4's goal, then the slowest operations from worst.txt (next
to the CSV) when it is there.
"""
import collections
import os
import subprocess
import sys

csv_path, out_dir = sys.argv[1], sys.argv[2]
rows = collections.OrderedDict()          # (figure, n) -> {map: value}
for line in open(csv_path):
    name, figure, n, value = line.strip().split(',')
    rows.setdefault((figure, int(n)), {})[name] = float(value) if '.' in value else int(value)

maps = ['gomap', 'gomap_s1', 'rhashtable', 'hashtable']
LAT_KINDS = ['atomic_insert', 'lookup_during', 'lookup_after']
LAT_PCTS = ['p50', 'p99', 'p999', 'max']
LAT_WORST = 5                             # LAT_WORST in gomap_bench.c
# The latency part runs twice: in chunks of 256 inserts with preemption off,
# and as one burst with preemption off throughout ("burst_" figures).
LAT_MODES = {'': 'in chunks of 256 (workers run between chunks)',
             'burst_': 'in one preemption-off burst (no worker runs)',
             'hardirq_': 'in chunks of 256, with a hardirq timer assigning to the same map',
             'preemptible_': 'preemptible, interrupts on'}
# The rt boot prints the same figures with the prefix rt_, the shards boot
# with gomap at 8 shards with the prefix shards8_.
LAT_MODES.update({'rt_' + m: 'PREEMPT_RT, ' + w for m, w in list(LAT_MODES.items())}
                 | {'shards8_' + m: 'gomap at 8 shards, ' + w for m, w in LAT_MODES.items()})
lat_figures = {f'{m}{k}_{p}' for m in LAT_MODES for k in LAT_KINDS for p in LAT_PCTS}
# The rest of what the latency part prints.
lat_figures |= {m + f for m in LAT_MODES
                for f in ('atomic_insert_total_ms', 'insert_failed', 'max_evacuated_per_op',
                          'max_buckets_per_op', 'max_bytes_moved_per_op', 'deferred_grows',
                          'reserve_empty', 'irq_assigns', 'irq_assign_failed',
                          'irq_batch_max')}


def table(keys):
    print(f"{'figure':<28}{'n':>9}" + ''.join(f'{m:>12}' for m in maps) + f"{'gomap/rht':>11}")
    for figure, n in keys:
        vals = rows[(figure, n)]
        cells = ''.join(f"{vals[m]:>12}" if m in vals else f"{'-':>12}" for m in maps)
        ratio = ''
        if vals.get('rhashtable') and 'gomap' in vals:
            ratio = f"{vals['gomap'] / vals['rhashtable']:>11.2f}"
        print(f'{figure:<28}{n:>9}{cells}{ratio}')


# The User-Mode Linux boot's figures: uml_WORKLOAD with uml_WORKLOAD_min and
# _max beside each median, and uml_bytes_sweep (plotted, not tabled).
uml = [k for k in rows if k[0].startswith('uml_') and not k[0].endswith(('_min', '_max'))
       and k[0] != 'uml_bytes_sweep']
thr = [k for k in rows if k[0] not in lat_figures
       and not k[0].startswith(('icount_', 'uml_'))]
icount = [k for k in rows if k[0].startswith('icount_')]
lat = [k for k in rows if k[0] in lat_figures]
if thr:
    table(thr)
    print('(ns per operation unless the figure says otherwise; gomap has its default shards,')
    print(' gomap_s1 one; scale_ figures are ns per operation per thread, _min and _max the')
    print(' spread over the repetitions)')
    # Issue 13: gomap no slower than rhashtable on every threaded row.
    scale = [(f, n) for f, n in thr if f.startswith('scale_')
             and not f.endswith(('_min', '_max'))]
    slower = [(f, n, rows[(f, n)]['gomap'] / rows[(f, n)]['rhashtable']) for f, n in scale
              if rows[(f, n)].get('rhashtable') and 'gomap' in rows[(f, n)]]
    if slower:
        worst = max(slower, key=lambda x: x[2])
        bad = [f'{f}@{n}: {r:.2f}' for f, n, r in slower if r > 1]
        print(f"goal: gomap no slower than rhashtable on every threaded row: worst "
              f"{worst[0]}@{worst[1]} {worst[2]:.2f}x: {'met' if not bad else 'NOT MET'}"
              + (f" ({', '.join(bad)})" if bad else ''))
if icount:
    if thr:
        print()
    print('The same workloads in the icount boot: guest instructions per operation')
    table(icount)
    # Issue 13: a single thread with 8 shards within 3% of one shard.
    s8 = [(f, n) for f, n in icount if f.startswith('icount_shards8_')
          and 'bytes' not in f and 'gomap_s1' in rows[(f, n)]]
    if s8:
        r = {(f, n): rows[(f, n)]['gomap'] / rows[(f, n)]['gomap_s1'] for f, n in s8}
        worst = max(r, key=r.get)
        print(f"goal: one thread, 8 shards within 3% of one shard: worst {worst[0]}@{worst[1]} "
              f"{r[worst]:.3f}x: {'met' if r[worst] <= 1.03 else 'NOT MET'}")


def spread_cell(figure, n, m):
    """A median with its minimum and maximum over the repetitions."""
    v = rows[(figure, n)].get(m)
    if v is None:
        return '-'
    lo = rows.get((figure + '_min', n), {}).get(m)
    hi = rows.get((figure + '_max', n), {}).get(m)
    return f'{v} [{lo}-{hi}]' if lo is not None and hi is not None else f'{v}'


# Issue 14: natively, gomap's lookups at least 1.3x faster than rhashtable's
# at 1M and 16M entries, and gomap no slower on any row.
UML_GOAL_FIGURES = ('uml_lookup_hit', 'uml_lookup_hit_rand', 'uml_lookup_miss')
UML_GOAL_SIZES = (1 << 20, 1 << 24)
UML_GOAL = 1.3
# ... and batches of 16 keys at least 2x the lookups per second of single calls at 16M.
UML_BATCH_GOAL = 2.0

if uml:
    if thr or icount:
        print()
    print('User-Mode Linux, native: ns per operation, median [min-max] of the repetitions')
    print(f"{'figure':<24}{'n':>9}" + ''.join(f'{m:>22}' for m in maps) + f"{'gomap/rht':>11}")
    slower = []
    for figure, n in uml:
        vals = rows[(figure, n)]
        cells = ''.join(f'{spread_cell(figure, n, m):>22}' for m in maps)
        r = ''
        if vals.get('rhashtable') and 'gomap' in vals:
            q = vals['gomap'] / vals['rhashtable']
            r = f'{q:>11.2f}'
            if q > 1:
                slower.append(f'{figure} at {n}: {q:.2f}')
        print(f'{figure:<24}{n:>9}{cells}{r}')
    goal = []
    for figure in UML_GOAL_FIGURES:
        for n in UML_GOAL_SIZES:
            vals = rows.get((figure, n), {})
            if vals.get('gomap') and 'rhashtable' in vals:
                goal.append((figure, n, vals['rhashtable'] / vals['gomap']))
    if goal:
        ok = all(q >= UML_GOAL for _, _, q in goal)
        print('  goal: rhashtable/gomap on lookups at 1M and 16M: ' +
              ', '.join(f'{f[4:]} {n >> 20}M {q:.2f}x' for f, n, q in goal) +
              f" (want >= {UML_GOAL}x): {'met' if ok else 'NOT MET'}")
        print('  goal: gomap no slower than rhashtable on any row: ' +
              ('met' if not slower else 'NOT MET (gomap/rht ' + ', '.join(slower) + ')'))
    batch = [(n, vals['gomap'] / rows[('uml_lookup_hit_batch16', n)]['gomap'])
             for (f, n), vals in rows.items() if f == 'uml_lookup_hit_single'
             and rows.get(('uml_lookup_hit_batch16', n), {}).get('gomap')]
    if batch:
        ok = all(q >= UML_BATCH_GOAL for n, q in batch if n >= 1 << 24)
        print('  goal: batches of 16 against single lookups (single/batch16): ' +
              ', '.join(f'{n >> 10}K {q:.2f}x' for n, q in batch) +
              f" (want >= {UML_BATCH_GOAL}x at 16M): {'met' if ok else 'NOT MET'}")


def lat_value(m, figure):
    """The latency figure of map m, or None."""
    for (f, _), vals in rows.items():
        if f == figure and m in vals:
            return vals[m]
    return None


def ratio(a, b):
    return f'{a / b:.2f}x' if b else 'inf'


if lat:
    if thr:
        print()
    print('Single operations while growing (icount boot: 1 ns = 1 guest instruction)')
    table(lat)
    # Issue 4: gomap's worst operation at least 100x below rhashtable's, and
    # its lookups during growth no slower than after.
    # The goal is for atomic callers on the stock kernel; the RT boot and the
    # preemptible runs (where a worst time includes being preempted) are
    # summed up below instead.
    for mode, what in LAT_MODES.items():
        if mode.startswith('rt_') or 'preemptible' in mode:
            continue
        worst = {m: max((v for v in (lat_value(m, f'{mode}{k}_max') for k in LAT_KINDS)
                         if v is not None), default=None) for m in ('gomap', 'rhashtable')}
        if not (worst['gomap'] and worst['rhashtable']):
            continue
        print(f'{what}:')
        r = worst['rhashtable'] / worst['gomap']
        print(f"  goal: worst operation rhashtable/gomap = {worst['rhashtable']}/{worst['gomap']}"
              f" = {r:.2f}x (want >= 100x): {'met' if r >= 100 else 'NOT MET'}")
        cmp = []
        for p in LAT_PCTS:
            d = lat_value('gomap', f'{mode}lookup_during_{p}')
            a = lat_value('gomap', f'{mode}lookup_after_{p}')
            if d is not None and a is not None:
                cmp.append((p, d, a))
        if cmp:
            ok = all(d <= a for _, d, a in cmp)
            print('  goal: gomap lookup during/after growth: ' +
                  ', '.join(f'{p} {d}/{a} = {ratio(d, a)}' for p, d, a in cmp) +
                  f" (want <= 1.00x at each): {'met' if ok else 'NOT MET'}")
    # Issue 12: the RT boot's worst single insert and lookup.  rhashtable
    # runs only preemptible there (its bucket locks are sleeping locks on RT).
    rt = [(m, what) for m, what in LAT_MODES.items() if m.startswith('rt_')]
    if any(lat_value('gomap', f'{m}atomic_insert_max') is not None for m, _ in rt):
        print('PREEMPT_RT, worst single operation (guest instructions):')
        for mode, what in rt:
            for kind in LAT_KINDS:
                g = lat_value('gomap', f'{mode}{kind}_max')
                r = lat_value('rhashtable', f'{mode}{kind}_max')
                if g is None:
                    continue
                other = f', rhashtable {r} ({ratio(r, g)} gomap\'s)' if r is not None else \
                    ', rhashtable cannot run here'
                print(f'  {what}: {kind}: gomap {g}{other}')
    # Issue 13: smaller arrays a shard, so growth in atomic context waits
    # for the worker later: in the burst, where no worker runs, the map
    # then builds shorter overflow chains.  One shard in the latency boot,
    # 8 in the shards boot.
    if lat_value('gomap', 'shards8_deferred_grows') is not None:
        print('Growth with preemption off, gomap at 1 shard (latency boot) and 8 (shards boot):')
        for mode in ('', 'burst_'):
            for figure in ('deferred_grows', 'insert_failed', 'atomic_insert_p50',
                           'atomic_insert_max', 'atomic_insert_total_ms', 'lookup_after_p50'):
                one = lat_value('gomap', f'{mode}{figure}')
                eight = lat_value('gomap', f'shards8_{mode}{figure}')
                if one is not None and eight is not None:
                    print(f'  {mode}{figure}: {one} at 1 shard, {eight} at 8')
    worst_path = os.path.join(os.path.dirname(csv_path), 'worst.txt')
    if os.path.exists(worst_path) and os.path.getsize(worst_path):
        print(f'Slowest operation of each kind (the top {LAT_WORST} are in {worst_path}):')
        print("  (at: entries in the map before it, or the lookup's number after growth;"
              ' the map right after it in parentheses)')
        for line in open(worst_path):
            if ' #1: ' in line:
                print('  ' + line.rstrip())

# One plot per workload: ns/op against size, one line per map.
workloads = sorted({f for f, _ in rows
                    if not any(s in f for s in ('_p', '_max', '_min', 'total', 'max_', 'deferred'))})
for figure in workloads:
    sizes = sorted(n for f, n in rows if f == figure)
    if len(sizes) < 2:
        continue
    dat = os.path.join(out_dir, f'{figure}.dat')
    with open(dat, 'w') as f:
        for n in sizes:
            f.write(f'{n} ' + ' '.join(str(rows[(figure, n)].get(m, 'NaN')) for m in maps) + '\n')
    unit = 'bytes per entry' if 'bytes' in figure else 'ns per op'
    where = 'User-Mode Linux, native' if figure.startswith('uml_') else \
        'QEMU TCG: compare ratios, not absolute values'
    script = f'''set terminal pngcairo size 800,500 noenhanced
set output "{os.path.join(out_dir, figure + '.png')}"
set title "{figure} ({where})"
set logscale x 2
set format x "2^%L"
set xlabel "entries"
set ylabel "{unit}"
set key top left
plot ''' + ', '.join(f'"{dat}" using 1:{i + 2} with linespoints title "{m}"' for i, m in enumerate(maps))
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'plot {figure}: {e}', file=sys.stderr)
print(f'results in {out_dir}')
