#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Instructions per operation under callgrind: load-independent, unlike ns/op.
#   instr.sh BUILD_DIR KIND N PHASE [IMPLS]
# Runs each program with BENCH_PHASE=PHASE and with BENCH_PHASE=none (setup
# only) and divides the difference by the operations done.  Go runs with
# GOMAXPROCS=1 and asyncpreemptoff=1 (valgrind cannot follow its signals).
set -euo pipefail
build=$1 kind=$2 n=$3 phase=$4
impls=${5:-gomap go absl}
export BENCH_TARGET_OPS=${BENCH_TARGET_OPS:-100000}
reps=$(( BENCH_TARGET_OPS / n )); [ "$reps" -lt 1 ] && reps=1
[ "$phase" = iterate ] && [ "$reps" -lt 2 ] && reps=2
ir() {
	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 BENCH_PHASE=$2 \
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$build/bench_$1" "$kind" "$n" 1 1 2>&1 >/dev/null |
		awk '/Collected/ { v = $NF } END { if (v == "") exit 1; print v }'
}
for impl in $impls; do
	base=$(ir "$impl" none)
	tot=$(ir "$impl" "$phase")
	python3 -c "print('%-5s %s %s %-12s %7.1f instructions/op' % ('$impl', '$kind', '$n', '$phase', ($tot - $base) / ($reps * $n)))"
done
