// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: gomap against rhashtable and hashtable.h, in one boot.
 *
 * Loading the module runs the benchmarks the "part" parameter selects and
 * prints their figures to the kernel log as "gomap_bench: csv,..." lines for
 * scripts/bench.sh; the module then stays loaded and does nothing.  Timings
 * under QEMU TCG are only meaningful as ratios within one boot; the latency
 * part is meant for a QEMU with -icount, where they count instructions.
 * The parts: bench_sizes.c (sizes, memory), bench_scaling.c,
 * bench_latency.c, bench_batch.c; the maps under test: bench_maps.c.
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
MODULE_PARM_DESC(max_entries, "largest size measured (at most 2^24)");

static unsigned long sizes[8] = { 1 << 10, 1 << 16, 1 << 20 };
static unsigned int nr_sizes = 3;
module_param_array(sizes, ulong, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "map sizes of the per-size workloads (up to 8; those above max_entries are skipped)");

bool bench_spread;
module_param_named(spread, bench_spread, bool, 0444);
MODULE_PARM_DESC(spread, "also print the minimum and maximum of each per-size median");

static char *part = "all";
module_param(part, charp, 0444);
MODULE_PARM_DESC(part, "parts joined by '+': throughput (sizes and scaling), sizes, scaling, latency, memory, batch; or all (throughput+latency)");

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

static const char *const part_names[] = {
	"all", "throughput", "sizes", "scaling", "latency", "memory", "batch",
};

/* Whether the '+'-joined list @part names @want; -EINVAL if it names an unknown part. */
static int part_has(const char *want)
{
	const char *p = part, *end;
	bool found = false;
	unsigned int i;
	size_t len;

	do {
		end = strchrnul(p, '+');
		len = end - p;
		for (i = 0; i < ARRAY_SIZE(part_names); i++)
			if (len == strlen(part_names[i]) && !strncmp(p, part_names[i], len))
				break;
		if (i == ARRAY_SIZE(part_names))
			return -EINVAL;
		if (!strcmp(part_names[i], want))
			found = true;
		p = end + 1;
	} while (*end);
	return found;
}

/*
 * splitmix64's finaliser on 63 bits, a bijection (xor with a right shift,
 * and multiplication by an odd number modulo 2^63, are each one): the
 * keys are bench_mix(i) << 1, distinct and random-looking to every hash.
 * The keys were once i times the golden-ratio constant, which hash_64()
 * multiplies by again: hashtable.h then saw neighbouring keys in buckets
 * a fixed stride apart, and its lookups in insertion order ran at cache
 * speed at any size.
 */
u64 bench_mix(u64 z)
{
	const u64 mask = GENMASK_ULL(62, 0);

	z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL) & mask;
	z = ((z ^ (z >> 27)) * 0x94D049BB133111EBULL) & mask;
	return z ^ (z >> 31);
}

/*
 * @count of the first @n stored keys in a random order, laid out in an
 * array before any timing: a timed lookup then reads its key from the
 * next word, as lookup_hit does, not from a random place in bench_keys,
 * a miss of its own, the same for every map, before each lookup's own.
 * The caller vfree()s it.
 */
u64 *bench_rand_keys(unsigned long n, unsigned long count)
{
	u64 *keys = vmalloc(array_size(count, sizeof(u64)));
	unsigned long i;

	/* The top 32 of bench_mix()'s 63 bits, scaled to [0, n). */
	for (i = 0; keys && i < count; i++)
		keys[i] = bench_key(((bench_mix(i + 0x9E3779B97F4A7C15ULL) >> 31) * n) >> 32);
	return keys;
}

static int __init gomap_bench_init(void)
{
	unsigned long i, n = min_t(unsigned long, max_entries, 1 << 24);
	int all = part_has("all");
	bool scaling = all || part_has("throughput") > 0 || part_has("scaling") > 0;
	bool sizes_part = all || part_has("throughput") > 0 || part_has("sizes") > 0;
	bool latency = all || part_has("latency") > 0;
	bool memory = part_has("memory") > 0;
	bool batch = part_has("batch") > 0;
	int ret = -EINVAL;

	if (all < 0) {
		pr_err("gomap_bench: part=%s: want parts among all, throughput, sizes, scaling, latency, memory, batch, joined by '+'\n",
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
	for (i = 0; i < n; i++)
		bench_keys[i] = bench_mix(i) << 1;	/* distinct, bit 0 clear */

	pr_info("gomap_bench: start part=%s bench_reps=%u max_entries=%lu\n", part, bench_reps, n);
	ret = 0;
	for (i = 0; sizes_part && i < nr_sizes && !ret; i++)
		if (sizes[i] && sizes[i] <= n)
			ret = bench_size(sizes[i]);
	if (memory && !ret)
		ret = bench_memory(n);
	for (i = 0; batch && i < nr_sizes && !ret; i++)
		if (sizes[i] && sizes[i] <= n)
			ret = bench_batch(sizes[i]);
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
