#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Drive `make bench`: run gomap, Go and Abseil on the same workloads, one
# process per (implementation, kind, size, run), interleaving the three
# implementations run by run so machine noise hits them alike; then print
# the table of medians and ratios and draw the plots.
#
#   run-bench.sh BUILD_DIR RESULTS_DIR
# Environment: BENCH_SIZES (default "1000 65536 1048576 16777216"),
#   BENCH_KINDS ("u64 s16 s64"), BENCH_RUNS (5), BENCH_RUNS_BIG (3, for
#   sizes over 4M), BENCH_SEED (1), BENCH_IMPLS ("gomap go absl").
set -euo pipefail

build=${1:-build}
results=${2:-results}
sizes=${BENCH_SIZES:-1000 65536 1048576 16777216}
kinds=${BENCH_KINDS:-u64 s16 s64}
runs=${BENCH_RUNS:-5}
runs_big=${BENCH_RUNS_BIG:-3}
seed=${BENCH_SEED:-1}
impls=${BENCH_IMPLS:-gomap go absl}
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$results"
raw=$results/raw.txt
: > "$raw"
echo "# $(date -u +%FT%TZ) $(uname -r) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$raw"
grep -m1 'model name' /proc/cpuinfo | sed 's/^/# /' >> "$raw"

for n in $sizes; do
	r=$runs
	[ "$n" -gt 4194304 ] && r=$runs_big
	for kind in $kinds; do
		for i in $(seq "$r"); do
			for impl in $impls; do
				echo "bench: $impl $kind n=$n run $i/$r" >&2
				"$build/bench_$impl" "$kind" "$n" 1 "$seed" >> "$raw"
			done
		done
	done
done

python3 "$here/report.py" "$raw" "$results"
