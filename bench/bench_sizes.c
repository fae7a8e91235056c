// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: the per-size workloads: insert, lookups, mixed, iterate and
 * delete on a fresh map of each size, the median of several runs.
 */

#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "bench.h"

/* ---- Workloads ---- */

enum workload { W_INSERT, W_HIT, W_MISS, W_MIXED, W_ITER, W_DELETE, NR_WORKLOADS };

static const char *const workload_names[] = {
	"insert", "lookup_hit", "lookup_miss", "mixed_90_10", "iterate", "delete",
};

/* Run the six workloads once on a fresh map of @n entries; ns per op in @ns. */
static int bench_once(const struct bench_ops *ops, unsigned long n, u64 *ns, size_t *bytes)
{
	struct bench_map *m = kzalloc(sizeof(*m), GFP_KERNEL);
	unsigned long i, seen;
	u64 t0, val;
	int ret;

	if (!m)
		return -ENOMEM;
	m->ops = ops;
	ret = ops->create(m, n);
	if (ret)
		goto out;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++)
		ret = ops->insert(m, bench_key(i), i, GFP_KERNEL);
	ns[W_INSERT] = (ktime_get_ns() - t0) / n;
	*bytes = ops->bytes(m);

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++)
		ret = ops->lookup(m, bench_key(i), &val);
	ns[W_HIT] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++)
		ret = ops->lookup(m, bench_miss_key(i), &val) == -ENOENT ? 0 : -EIO;
	ns[W_MISS] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		if (i % 10 == 9)
			ret = ops->update(m, bench_key(i), i + 1);
		else
			ret = ops->lookup(m, bench_key(i), &val);
	}
	ns[W_MIXED] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	seen = ops->iterate(m);
	ns[W_ITER] = (ktime_get_ns() - t0) / n;
	/* rhashtable walkers may miss or repeat entries while it resizes. */
	if (!ret && seen != n && ops != &rht_ops)
		ret = -EIO;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++)
		ret = ops->remove(m, bench_key(i));
	ns[W_DELETE] = (ktime_get_ns() - t0) / n;

	ops->destroy(m);
	if (ret)
		pr_err("gomap_bench: %s n=%lu failed: %d\n", ops->name, n, ret);
out:
	kfree(m);
	return ret;
}

/* Every figure of every repetition, on the heap: too big for the stack under KASAN. */
struct size_figures {
	u64 ns[BENCH_NR_OPS][NR_WORKLOADS][8];
	size_t bytes[BENCH_NR_OPS];
};

int bench_size(unsigned long n)
{
	struct size_figures *f = kzalloc(sizeof(*f), GFP_KERNEL);
	unsigned int r, o, w, nreps = clamp(bench_reps, 1U, 8U);
	u64 once[NR_WORKLOADS];
	int ret = 0;

	if (!f)
		return -ENOMEM;
	for (r = 0; r < nreps && !ret; r++) {
		for (o = 0; o < ARRAY_SIZE(bench_all_ops) && !ret; o++) {
			ret = bench_once(bench_all_ops[o], n, once, &f->bytes[o]);
			if (ret)
				break;
			for (w = 0; w < NR_WORKLOADS; w++)
				f->ns[o][w][r] = once[w];
			cond_resched();
		}
	}
	for (o = 0; o < ARRAY_SIZE(bench_all_ops) && !ret; o++) {
		for (w = 0; w < NR_WORKLOADS; w++)
			pr_info("gomap_bench: csv,%s,%s%s,%lu,%llu\n", bench_all_ops[o]->name,
				bench_prefix, workload_names[w], n,
				bench_median(f->ns[o][w], nreps));
		pr_info("gomap_bench: csv,%s,%sbytes_per_entry,%lu,%zu\n", bench_all_ops[o]->name,
			bench_prefix, n, f->bytes[o] / n);
	}
	kfree(f);
	return ret;
}
