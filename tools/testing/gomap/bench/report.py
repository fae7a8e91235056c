#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench raw output into the table (medians, ratios) and gnuplot PNGs.

report.py RAW RESULTS_DIR
"""
import collections
import os
import shutil
import statistics
import subprocess
import sys

OPS = ["insert", "insert_hint", "lookup_hit", "lookup_miss", "iterate", "delete",
       "bytes_per_entry"]
IMPLS = ["gomap", "go", "absl"]


def size_name(n):
    for unit, div in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def main():
    raw, out = sys.argv[1], sys.argv[2]
    samples = collections.defaultdict(list)
    checks = collections.defaultdict(set)
    for line in open(raw):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] == "check":
            checks[(f[1], int(f[2]))].add(f[3])
            continue
        impl, kind, n, op, val = f[0], f[1], int(f[2]), f[3], float(f[4])
        samples[(impl, kind, n, op)].append(val)
    bad = [k for k, v in checks.items() if len(v) != 1]
    if bad:
        print(f"report: workloads differ between programs for {bad}", file=sys.stderr)
        sys.exit(1)

    med = {k: statistics.median(v) for k, v in samples.items()}
    kinds = sorted({k[1] for k in med}, key=["u64", "s16", "s64"].index)
    sizes = sorted({k[2] for k in med})
    lines = ["| key | n | op | gomap | go | absl | gomap/go | gomap/absl |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    tsv = ["kind\tn\top\tgomap\tgo\tabsl\tgomap_go\tgomap_absl\truns"]
    for kind in kinds:
        for n in sizes:
            for op in OPS:
                v = [med.get((i, kind, n, op)) for i in IMPLS]
                if v[0] is None:
                    continue
                rg = v[0] / v[1] if v[1] else None
                ra = v[0] / v[2] if v[2] else None
                fmt = lambda x: "-" if x is None else f"{x:.1f}"
                rat = lambda x: "-" if x is None else f"{x:.2f}"
                unit = "B/entry" if op == "bytes_per_entry" else "ns/op"
                lines.append(f"| {kind} | {size_name(n)} | {op} ({unit}) | {fmt(v[0])} | "
                             f"{fmt(v[1])} | {fmt(v[2])} | {rat(rg)} | {rat(ra)} |")
                tsv.append("\t".join([kind, str(n), op] + [fmt(x) for x in v] +
                                     [rat(rg), rat(ra),
                                      str(len(samples[("gomap", kind, n, op)]))]))
    table = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(out, "table.tsv"), "w") as f:
        f.write("\n".join(tsv) + "\n")
    print(table)
    slower = [t.split("\t") for t in tsv[1:]]
    slower = [s for s in slower if s[6] != "-" and float(s[6]) > 1.0]
    print(f"\nrows where gomap is slower than Go: {len(slower)} of {len(tsv) - 1}")

    if not shutil.which("gnuplot"):
        print("report: gnuplot not found, no plots", file=sys.stderr)
        return
    for kind in kinds:
        dat = os.path.join(out, f"{kind}.dat")
        with open(dat, "w") as f:
            for op in OPS:
                f.write(f"# {op}\n")
                for n in sizes:
                    v = [med.get((i, kind, n, op), float("nan")) for i in IMPLS]
                    f.write(f"{n} {v[0]} {v[1]} {v[2]}\n")
                f.write("\n\n")
        plot = [f'set terminal pngcairo size 1500,900 font ",10" noenhanced',
                f'set output "{os.path.join(out, kind + ".png")}"',
                f'set multiplot layout 2,4 title "gomap vs Go map vs Abseil flat_hash_map, '
                f'{kind} keys (median)"',
                "set logscale x 2", f"set xrange [{sizes[0] / 2}:{sizes[-1] * 2}]", "set key top left",
                "set grid", "set xtics (" + ", ".join(f'"{size_name(n)}" {n}' for n in sizes) + ")",
                'set xlabel "entries"']
        for idx, op in enumerate(OPS):
            ylab = "bytes per entry" if op == "bytes_per_entry" else "ns/op"
            plot += [f'set title "{op}"', f'set ylabel "{ylab}"',
                     f'plot "{dat}" index {idx} using 1:2 with linespoints title "gomap", '
                     f'"" index {idx} using 1:3 with linespoints title "go", '
                     f'"" index {idx} using 1:4 with linespoints title "absl"']
        plot.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(plot), text=True, check=True)
        print(f"plot: {os.path.join(out, kind + '.png')}")


if __name__ == "__main__":
    main()
