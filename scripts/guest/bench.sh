#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench`: gomap.ko is loaded; loading gomap_bench.ko runs
# every benchmark and prints "gomap_bench: csv,..." lines to the console.
echo "bench: loading gomap_bench.ko (takes a few minutes under TCG)"
insmod /gomap/gomap_bench.ko
echo "bench: insmod returned $?"
