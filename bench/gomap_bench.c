// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: gomap against rhashtable and hashtable.h, in one boot.
 *
 * Loading the module runs the benchmarks the "part" parameter selects and
 * prints their figures to the kernel log as "gomap_bench: csv,..." lines for
 * scripts/bench.sh; the module then stays loaded and does nothing.  Timings
 * under QEMU TCG are only meaningful as ratios within one boot; the latency
 * part is meant for a QEMU with -icount, where they count instructions.
 * The parts: bench_sizes.c, bench_scaling.c, bench_latency.c; the maps
 * under test: bench_maps.c.
 */

#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "bench.h"

unsigned int bench_reps = 5;
module_param_named(reps, bench_reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions per figure; the median is reported");

static unsigned int max_entries = 1 << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "largest size measured");

static char *part = "all";
module_param(part, charp, 0444);
MODULE_PARM_DESC(part, "throughput (sizes and scaling), sizes, latency, sizes+latency or all");

char *bench_prefix = "";
module_param_named(prefix, bench_prefix, charp, 0444);
MODULE_PARM_DESC(prefix, "prepended to the names of the per-size figures");

char *bench_lat_prefix = "";
module_param_named(lat_prefix, bench_lat_prefix, charp, 0444);
MODULE_PARM_DESC(lat_prefix, "prepended to the names of the latency figures");

u64 *bench_keys;

u64 bench_median(u64 *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && v[j - 1] > v[j]; j--)
			swap(v[j - 1], v[j]);
	return v[n / 2];
}

static int __init gomap_bench_init(void)
{
	static const unsigned long sizes[] = { 1 << 10, 1 << 16, 1 << 20 };
	unsigned long i, n = min_t(unsigned long, max_entries, 1 << 24);
	bool all = !strcmp(part, "all");
	bool scaling = all || !strcmp(part, "throughput") || !strcmp(part, "scaling");
	bool sizes_part = all || !strcmp(part, "throughput") || !strcmp(part, "sizes") ||
			  !strcmp(part, "sizes+latency");
	bool latency = all || !strcmp(part, "latency") || !strcmp(part, "sizes+latency");
	int ret = -EINVAL;

	if (!sizes_part && !latency && !scaling) {
		pr_err("gomap_bench: part=%s: want throughput, sizes, latency, sizes+latency or all\n",
		       part);
		goto out;
	}
	/* See lat_insert(): lockdep would warn, and its timings mean nothing. */
	if (latency && IS_ENABLED(CONFIG_PROVE_LOCKING)) {
		pr_err("gomap_bench: the latency part needs a kernel without lockdep\n");
		goto out;
	}
	ret = -ENOMEM;
	bench_keys = vmalloc(array_size(n, sizeof(u64)));
	if (!bench_keys)
		goto out;
	/* Distinct keys with bit 0 clear: i's bits scrambled by an odd multiplier. */
	for (i = 0; i < n; i++)
		bench_keys[i] = (i * 0x9E3779B97F4A7C15ULL) << 1;

	pr_info("gomap_bench: start part=%s bench_reps=%u max_entries=%lu\n", part, bench_reps, n);
	ret = 0;
	for (i = 0; sizes_part && i < ARRAY_SIZE(sizes) && sizes[i] <= n && !ret; i++)
		ret = bench_size(sizes[i]);
	if (latency && !ret)
		ret = bench_latency(n);
	for (i = 16; scaling && i <= 20 && 1UL << i <= n && !ret; i += 4)
		ret = bench_scaling(1UL << i);	/* 64K and 1M entries */
	vfree(bench_keys);
out:
	pr_info("gomap_bench: done %d\n", ret);
	return 0;
}

static void __exit gomap_bench_exit(void)
{
}

module_init(gomap_bench_init);
module_exit(gomap_bench_exit);

MODULE_DESCRIPTION("gomap benchmarks against rhashtable and hashtable.h");
MODULE_LICENSE("GPL");
