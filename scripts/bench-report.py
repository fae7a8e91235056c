#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn gomap_bench's CSV (map,figure,n,value) into a table and gnuplot plots."""
import collections
import os
import subprocess
import sys

csv_path, out_dir = sys.argv[1], sys.argv[2]
rows = collections.OrderedDict()          # (figure, n) -> {map: value}
for line in open(csv_path):
    name, figure, n, value = line.strip().split(',')
    rows.setdefault((figure, int(n)), {})[name] = int(value)

maps = ['gomap', 'rhashtable', 'hashtable']
print(f"{'figure':<28}{'n':>9}" + ''.join(f'{m:>12}' for m in maps) + f"{'gomap/rht':>11}")
for (figure, n), vals in rows.items():
    cells = ''.join(f"{vals[m]:>12}" if m in vals else f"{'-':>12}" for m in maps)
    ratio = ''
    if vals.get('rhashtable'):
        ratio = f"{vals.get('gomap', 0) / vals['rhashtable']:>11.2f}" if 'gomap' in vals else ''
    print(f'{figure:<28}{n:>9}{cells}{ratio}')
print('(ns per operation unless the figure says otherwise; latency figures in ns)')

# One plot per workload: ns/op against size, one line per map.
workloads = sorted({f for f, _ in rows if not any(s in f for s in ('_p', '_max', 'total', 'max_', 'deferred'))})
for figure in workloads:
    sizes = sorted(n for f, n in rows if f == figure)
    if len(sizes) < 2:
        continue
    dat = os.path.join(out_dir, f'{figure}.dat')
    with open(dat, 'w') as f:
        for n in sizes:
            f.write(f'{n} ' + ' '.join(str(rows[(figure, n)].get(m, 'NaN')) for m in maps) + '\n')
    unit = 'bytes per entry' if figure.startswith('bytes') else 'ns per op'
    script = f'''set terminal pngcairo size 800,500
set output "{os.path.join(out_dir, figure + '.png')}"
set title "{figure} (QEMU TCG: compare ratios, not absolute values)"
set logscale x 2
set xlabel "entries"
set ylabel "{unit}"
set key top left
plot ''' + ', '.join(f'"{dat}" using 1:{i + 2} with linespoints title "{m}"' for i, m in enumerate(maps))
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'plot {figure}: {e}', file=sys.stderr)
print(f'results in {out_dir}')
