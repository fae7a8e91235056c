// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: batched lookups against single ones.  On a map of n u64
 * keys, the same pseudo-random present keys looked up one call at a time
 * and in gomap_lookup_batch() calls of 16: ns per key, the median of the
 * repetitions.  What a batch gains is cache misses overlapped, so the
 * figures mean something natively (the UML boot), little under TCG.
 */

#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "bench.h"

#define BATCH_KEYS	16	/* keys per gomap_lookup_batch() call */
#define BATCH_LOOKUPS	BIT(20)	/* lookups timed per figure */
#define BATCH_REPS_MAX	8

/* ns per key of BATCH_LOOKUPS lookups: one call per key, or @batch keys per call. */
static u64 batch_time(struct gomap *gm, const u64 *order, unsigned int batch, int *err)
{
	u64 vals[BATCH_KEYS], t0 = ktime_get_ns();
	unsigned long i;

	for (i = 0; i < BATCH_LOOKUPS; i += batch) {
		int found = batch == 1 ? !gomap_lookup(gm, &order[i], vals) :
			    gomap_lookup_batch(gm, &order[i], batch, vals, NULL);

		if (found != batch)
			*err = -EIO;
		if (!(i & 0xffff))
			cond_resched();
	}
	return (ktime_get_ns() - t0) / BATCH_LOOKUPS;
}

/* gomap at @n entries: single and batched lookups, interleaved run by run. */
int bench_batch(unsigned long n)
{
	u64 single[BATCH_REPS_MAX], batched[BATCH_REPS_MAX], *order;
	unsigned int r, nreps = clamp(bench_reps, 1U, (unsigned int)BATCH_REPS_MAX);
	struct bench_map m = { .ops = &gomap_ops };
	unsigned long i;
	int ret;

	order = bench_rand_keys(n, BATCH_LOOKUPS);
	if (!order)
		return -ENOMEM;
	ret = gomap_ops.create(&m, n);
	if (ret)
		goto out;
	for (i = 0; i < n && !ret; i++) {
		ret = gomap_ops.insert(&m, bench_key(i), i, GFP_KERNEL);
		if (!(i & 0xfff))
			cond_resched();
	}
	bench_quiesce(10);	/* the growth's RCU frees, outside the timing */
	for (r = 0; r < nreps && !ret; r++) {
		single[r] = batch_time(m.gm, order, 1, &ret);
		batched[r] = batch_time(m.gm, order, BATCH_KEYS, &ret);
	}
	gomap_ops.destroy(&m);
out:
	vfree(order);
	if (ret) {
		pr_err("gomap_bench: batched lookups at %lu failed: %d\n", n, ret);
		return ret;
	}
	pr_info("gomap_bench: csv,gomap,%slookup_hit_single,%lu,%llu\n", bench_prefix, n,
		bench_median(single, nreps));
	pr_info("gomap_bench: csv,gomap,%slookup_hit_batch16,%lu,%llu\n", bench_prefix, n,
		bench_median(batched, nreps));
	return 0;
}
