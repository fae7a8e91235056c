#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the non-debug benchmark kernels, run gomap_bench.ko
# and turn its "gomap_bench: csv,..." console lines into bench/results/ (a
# table with gomap/rhashtable ratios, bench.csv, worst.txt, PNG plots).
#
#   throughput  plain TCG, a vCPU per host core: ns per operation by size;
#               threads on one map (readers with a writer, writers, mixed)
#               at 64K and 1M entries.  Host-dependent: compare ratios
#               within one boot only.
#   latency     1 vCPU under -icount shift=0,sleep=off: single operations
#               while a map grows.  The guest clock advances one ns per
#               executed guest instruction (and jumps over idle time), so a
#               latency is an instruction count and does not depend on the
#               host's load.
#   rt          the latency part again, under -icount, on Debian's stock
#               PREEMPT_RT kernel (figures prefixed rt_): there rhashtable
#               only runs preemptible.
#   shards      the per-size workloads under -icount with gomap at 8
#               shards (the default on a 2-CPU machine) beside gomap_s1,
#               one shard: what sharding costs a single thread, in
#               instructions (figures prefixed icount_shards8_); then the
#               latency part with gomap at 8 shards (prefixed shards8_),
#               to set against the latency boot's one shard: how often
#               growth in atomic context has to wait for the worker.
#   uml         User-Mode Linux (scripts/run-uml.sh): the per-size workloads
#               at 64K, 1M and 16M entries, the memory sweep and batched
#               lookups, run natively (figures prefixed uml_, ns per
#               operation with their spread).
#
# Both boots give the vCPU RDRAND: without an entropy source the guest's
# CRNG is not seeded for the whole run, and every get_random_u32() then
# costs about 10000 instructions (gomap's overflow counter above B 15,
# rhashtable's new tables).
#
# GOMAP_BENCH_PART=throughput, latency, rt, shards or uml runs that boot
# only (default: all five).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

part=${GOMAP_BENCH_PART:-all}
case "$part" in
all) parts=(throughput latency rt shards uml) ;;
throughput|latency|rt|shards|uml) parts=("$part") ;;
*) die "GOMAP_BENCH_PART=$part: want throughput, latency, rt, shards, uml or all" ;;
esac

# The uml boot's module parameters: 7 repetitions (median, minimum and
# maximum printed), sizes 64K, 1M and 16M, the memory sweep up to 16M, and
# gomap's batched lookups against single ones at the same sizes.
# shellcheck disable=SC2054  # the commas are inside an argument (the size list)
uml_args=(gomap_bench.part=sizes+memory+batch gomap_bench.reps=7 gomap_bench.spread=1
	  gomap_bench.sizes=65536,1048576,16777216 gomap_bench.max_entries=16777216
	  gomap_bench.prefix=uml_)

out=$GOMAP_TOP/bench/results
mkdir -p "$out"
command -v gnuplot >/dev/null || apt_install_missing gnuplot-nox

: >"$out/bench.csv"
: >"$out/worst.txt"
for p in "${parts[@]}"; do
	vmdir=$GOMAP_TOP/build/vm-bench-$p
	if [ "$p" = uml ]; then
		GOMAP_VM_DIR="$vmdir" GOMAP_VM_QUIET=1 "$GOMAP_TOP/scripts/run-uml.sh" "${uml_args[@]}"
		console=$vmdir/console.log
		grep -q 'gomap_bench: done 0' "$console" ||
			die "the uml benchmark did not finish; see $console"
		sed -n 's/.*gomap_bench: csv,//p' "$console" | tr -d '\r' >>"$out/bench.csv"
		continue
	fi
	qargs="-cpu qemu64,+rdrand"
	vmenv=(GOMAP_KERNEL=bench GOMAP_VM_DIR="$vmdir" GOMAP_VM_QUIET=1 GOMAP_VM_SMP="$(nproc)")
	if [ "$p" = rt ]; then
		vmenv=(GOMAP_KERNEL=rt GOMAP_MODSRC="$(rt_src)" GOMAP_VM_DIR="$vmdir"
		       GOMAP_VM_QUIET=1)
	fi
	# icount needs single-threaded TCG: one vCPU.  With sleep=on idle time
	# would pass at the host's pace, and shift where the guest's timer
	# ticks fall, and so when rhashtable's resize worker gets the CPU.
	if [ "$p" != throughput ]; then
		qargs+=" -icount shift=0,sleep=off"
		vmenv+=(GOMAP_VM_SMP=1)
	fi
	# The icount boot also runs the per-size workloads: the same figures
	# as instruction counts, prefixed icount_, steady whatever the host does.
	kargs=("gomap_bench.part=$p")
	[ "$p" = latency ] && kargs=(gomap_bench.part=sizes+latency gomap_bench.prefix=icount_)
	[ "$p" = rt ] && kargs=(gomap_bench.part=latency gomap_bench.lat_prefix=rt_)
	[ "$p" = shards ] &&
		kargs=(gomap_bench.part=sizes+latency gomap_bench.prefix=icount_shards8_
		       gomap_bench.lat_prefix=shards8_ gomap_bench.gomap_shards=8)
	env "${vmenv[@]}" GOMAP_VM_QEMU_ARGS="$qargs" \
		"$GOMAP_TOP/scripts/run-vm.sh" bench "${kargs[@]}"
	console=$vmdir/console.log
	grep -q 'gomap_bench: done 0' "$console" ||
		die "the $p benchmark did not finish; see $console"
	sed -n 's/.*gomap_bench: csv,//p' "$console" | tr -d '\r' >>"$out/bench.csv"
	sed -n 's/.*gomap_bench: worst //p' "$console" | tr -d '\r' >>"$out/worst.txt"
done
python3 "$GOMAP_TOP/scripts/bench-report.py" "$out/bench.csv" "$out"
