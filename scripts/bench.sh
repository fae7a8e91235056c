#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the non-debug benchmark kernel, run gomap_bench.ko and turn
# its "gomap_bench: csv,..." console lines into bench/results/ (a table with
# gomap/rhashtable ratios, bench.csv, PNG plots).  Timings under QEMU TCG are
# relative: compare ratios within one boot only.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$GOMAP_TOP/bench/results
mkdir -p "$out"
command -v gnuplot >/dev/null || apt_install_missing gnuplot-nox

GOMAP_KERNEL=bench GOMAP_VM_DIR=$GOMAP_TOP/build/vm-bench GOMAP_VM_QUIET=1 \
	"$GOMAP_TOP/scripts/run-vm.sh" bench
console=$GOMAP_TOP/build/vm-bench/console.log
grep -q 'gomap_bench: done 0' "$console" || die "the benchmark did not finish; see $console"
sed -n 's/.*gomap_bench: csv,//p' "$console" | tr -d '\r' >"$out/bench.csv"
python3 "$GOMAP_TOP/scripts/bench-report.py" "$out/bench.csv" "$out"
