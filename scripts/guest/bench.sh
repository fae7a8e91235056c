#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench`: gomap.ko is loaded; loading gomap_bench.ko runs
# the benchmarks and prints "gomap_bench: csv,..." lines to the console.
# Kernel arguments gomap_bench.PARAM=VALUE (scripts/run-vm.sh bench
# gomap_bench.part=latency) become its module parameters: the kernel hands
# those only to built-in code, and busybox insmod does not read /proc/cmdline.
params=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	gomap_bench.*=*) params="$params ${arg#gomap_bench.}" ;;
	esac
done
echo "bench: loading gomap_bench.ko$params (takes a few minutes under TCG)"
# $params is split into words on purpose.
# shellcheck disable=SC2086
insmod /gomap/gomap_bench.ko $params
echo "bench: insmod returned $?"
# On User-Mode Linux /gomap is a host directory (scripts/run-uml.sh): leave
# the modules' symbols there for profiles of the run (scripts/uml-perf.py).
if grep -q 'User Mode Linux' /proc/cpuinfo; then
	grep -E '\[(gomap|gomap_bench)\]' /proc/kallsyms >/gomap/kallsyms
fi
