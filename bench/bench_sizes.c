// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: the per-size workloads: insert, lookups, mixed, iterate and
 * delete on a fresh map of each size, the median of several runs; and the
 * memory part: bytes per entry over a log-spaced sweep of sizes.
 */

#include <linux/ktime.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "bench.h"

/*
 * The timed loops offer the CPU every BENCH_YIELD operations.  On a
 * kernel without preemption (User-Mode Linux has none) rhashtable's resize
 * worker runs only where a loop offers the CPU: without this it would not
 * run until the loop ends, and rhashtable would chain table after table
 * as in the latency part's burst.  On one CPU the worker's time then
 * counts in the loop that made the work, as gomap's growth counts in its
 * inserts.  A cond_resched() per 4096 operations costs nothing measurable.
 */
#define BENCH_YIELD	4096

static inline void bench_yield(unsigned long i)
{
	if (!(i % BENCH_YIELD))
		cond_resched();
}

/*
 * Wait until rhashtable's worker has nothing left to do: it resizes the
 * table in steps and queues itself again while a table waits to be
 * filled.  Called inside the timing of the insert and delete loops, whose
 * work it finishes, so every map is measured from and to a quiet state.
 * gomap and hashtable.h leave no work behind a GFP_KERNEL insert.
 */
static void bench_settle(struct bench_map *m)
{
	struct bucket_table *tbl;
	bool busy;

	if (m->ops != &rht_ops)
		return;
	do {
		flush_work(&m->rht.run_work);
		rcu_read_lock();
		tbl = rcu_dereference(m->rht.tbl);
		busy = rcu_access_pointer(tbl->future_tbl) || work_pending(&m->rht.run_work);
		rcu_read_unlock();
	} while (busy);
}

/*
 * Let the work a map left for later run, outside any timing: the RCU
 * callbacks that free the arrays a growth or resize replaced (gomap's and
 * rhashtable's), the deferred vfree() they end in and the kernel's lazy
 * unmapping of vmalloc space, and the kfree_rcu() batches of deleted
 * objects.  On one CPU they would otherwise run inside whichever timed loop
 * comes next, another map's included.  On User-Mode Linux the unmapping is
 * a walk of the kernel's page tables with host munmap()/mmap() calls:
 * without this wait, gomap's lookups right after its inserts (1M entries)
 * took up to 3 times as long as a second pass over the same keys.
 *
 * It calls schedule() for @ms instead of sleeping: a context switch is a
 * quiescent state for RCU, the workers get the CPU, and this CPU does not
 * go idle.  Sleeping (rcu_barrier() and msleep()) let the host run other
 * things on the CPU, or move UML to the other, and UML's lookups at 64K
 * entries, whose map otherwise stays in the caches from the inserts, then
 * took 3 to 4 times as long.
 */
void bench_quiesce(unsigned int ms)
{
	u64 end = ktime_get_ns() + (u64)ms * NSEC_PER_MSEC;

	while (ktime_get_ns() < end)
		schedule();
	vm_unmap_aliases();
}

/* ---- Workloads ---- */

enum workload {
	W_INSERT, W_HIT, W_HIT_RAND, W_MISS, W_MIXED, W_ITER, W_DELETE, NR_WORKLOADS
};

static const char *const workload_names[] = {
	"insert", "lookup_hit", "lookup_hit_rand", "lookup_miss", "mixed_90_10", "iterate",
	"delete",
};

/*
 * lookup_hit looks keys up in the order they were inserted, which is the
 * order rhashtable's and hashtable.h's objects were allocated in: their
 * second access (bucket, then object) then walks memory in order, and the
 * CPU prefetches it.  lookup_hit_rand looks the stored keys up in a random
 * order (bench_rand_keys()), where every lookup of a chained table makes
 * two random accesses, gomap's still one.
 */

/*
 * Run the workloads once on a fresh map of @n entries; ns per op in @ns.
 * @rand: the keys of lookup_hit_rand, from bench_rand_keys().
 */
static int bench_once(const struct bench_ops *ops, unsigned long n, const u64 *rand, u64 *ns,
		      size_t *bytes)
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
	for (i = 0; i < n && !ret; i++) {
		ret = ops->insert(m, bench_key(i), i, GFP_KERNEL);
		bench_yield(i);
	}
	bench_settle(m);
	ns[W_INSERT] = (ktime_get_ns() - t0) / n;
	*bytes = ops->bytes(m);
	bench_quiesce(10);

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		ret = ops->lookup(m, bench_key(i), &val);
		bench_yield(i);
	}
	ns[W_HIT] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		ret = ops->lookup(m, rand[i], &val);
		bench_yield(i);
	}
	ns[W_HIT_RAND] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		ret = ops->lookup(m, bench_miss_key(i), &val) == -ENOENT ? 0 : -EIO;
		bench_yield(i);
	}
	ns[W_MISS] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		if (i % 10 == 9)
			ret = ops->update(m, bench_key(i), i + 1);
		else
			ret = ops->lookup(m, bench_key(i), &val);
		bench_yield(i);
	}
	ns[W_MIXED] = (ktime_get_ns() - t0) / n;

	t0 = ktime_get_ns();
	seen = ops->iterate(m);
	ns[W_ITER] = (ktime_get_ns() - t0) / n;
	/* rhashtable walkers may miss or repeat entries while it resizes. */
	if (!ret && seen != n && ops != &rht_ops)
		ret = -EIO;

	t0 = ktime_get_ns();
	for (i = 0; i < n && !ret; i++) {
		ret = ops->remove(m, bench_key(i));
		bench_yield(i);
	}
	bench_settle(m);
	ns[W_DELETE] = (ktime_get_ns() - t0) / n;

	ops->destroy(m);
	bench_quiesce(20);
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
	u64 once[NR_WORKLOADS], *rand = bench_rand_keys(n, n);
	const char *name;
	int ret = 0;
	u64 *v;

	if (!f || !rand) {
		ret = -ENOMEM;
		goto out;
	}
	for (r = 0; r < nreps && !ret; r++) {
		for (o = 0; o < ARRAY_SIZE(bench_all_ops) && !ret; o++) {
			ret = bench_once(bench_all_ops[o], n, rand, once, &f->bytes[o]);
			if (ret)
				break;
			for (w = 0; w < NR_WORKLOADS; w++)
				f->ns[o][w][r] = once[w];
			cond_resched();
		}
	}
	for (o = 0; o < ARRAY_SIZE(bench_all_ops) && !ret; o++) {
		name = bench_all_ops[o]->name;
		for (w = 0; w < NR_WORKLOADS; w++) {
			v = f->ns[o][w];
			/* bench_median() sorts: the extremes are at the ends. */
			pr_info("gomap_bench: csv,%s,%s%s,%lu,%llu\n", name, bench_prefix,
				workload_names[w], n, bench_median(v, nreps));
			if (!bench_spread)
				continue;
			pr_info("gomap_bench: csv,%s,%s%s_min,%lu,%llu\n", name, bench_prefix,
				workload_names[w], n, v[0]);
			pr_info("gomap_bench: csv,%s,%s%s_max,%lu,%llu\n", name, bench_prefix,
				workload_names[w], n, v[nreps - 1]);
		}
		pr_info("gomap_bench: csv,%s,%sbytes_per_entry,%lu,%zu\n", name, bench_prefix,
			n, f->bytes[o] / n);
	}
out:
	vfree(rand);
	kfree(f);
	return ret;
}

/* ---- Memory: bytes per entry over a log-spaced sweep ---- */

/*
 * The sweep's sizes: 1024 * 2^(k/8), eight per octave, so that it lands
 * between the maps' growth points as often as on them (both gomap and
 * rhashtable double their arrays at powers of two times their load factor).
 * 2^(j/8) in 1/65536ths:
 */
static const u32 sweep_q16[8] = { 65536, 71468, 77936, 84990, 92682, 101070, 110218, 120194 };

static unsigned long sweep_size(unsigned int k)
{
	return (((u64)1024 << (k / 8)) * sweep_q16[k % 8] + (1 << 15)) >> 16;
}

/* bytes / @n in hundredths of a byte. */
static u64 bytes_centi(size_t bytes, unsigned long n)
{
	return div_u64((u64)bytes * 100 + n / 2, n);
}

static void mem_csv(const char *name, const char *figure, unsigned long n, u64 centi)
{
	pr_info("gomap_bench: csv,%s,%s%s,%lu,%llu.%02llu\n", name, bench_prefix, figure, n,
		div_u64(centi, 100), centi % 100);
}

/*
 * Bytes per entry of a map of @n entries made by @n inserts into a fresh
 * map (the hashtable.h table sized for @n).  After its n-th insert a map
 * grown further is the map a fresh one would be after n inserts of the
 * same keys, so one gomap and one rhashtable, grown to the largest size,
 * are sampled at every size of the sweep; the hashtable.h table, sized in
 * advance, is made afresh for each.  @filled: entries in @m so far.
 */
static int mem_sample(struct bench_map *m, unsigned long *filled, unsigned long n,
		      u64 *centi)
{
	const struct bench_ops *ops = m->ops;
	int ret = 0;

	if (ops == &ht_ops && *filled) {
		ops->destroy(m);
		m->nr = 0;
		*filled = 0;
	}
	if (!*filled)
		ret = ops->create(m, n);
	for (; *filled < n && !ret; (*filled)++) {
		ret = ops->insert(m, bench_key(*filled), *filled, GFP_KERNEL);
		bench_yield(*filled);
	}
	if (ret)
		return ret;
	bench_settle(m);
	*centi = bytes_centi(ops->bytes(m), n);
	return 0;
}

/*
 * The memory part: for each map, bytes per entry at every size of the
 * sweep from 1024 to @max ("bytes_sweep"), and their mean
 * ("bytes_per_entry_avg", reported at N = @max): a mean over log-spaced
 * sizes, so that no single size near a growth point decides it.
 */
int bench_memory(unsigned long max)
{
	struct bench_map *m = kzalloc(sizeof(*m), GFP_KERNEL);
	unsigned long filled, n;
	unsigned int o, k;
	u64 centi, sum;
	int ret = 0;

	if (!m)
		return -ENOMEM;
	for (o = 0; o < ARRAY_SIZE(bench_all_ops) && !ret; o++) {
		memset(m, 0, sizeof(*m));
		m->ops = bench_all_ops[o];
		filled = 0;
		sum = 0;
		for (k = 0; (n = sweep_size(k)) <= max; k++) {
			ret = mem_sample(m, &filled, n, &centi);
			if (ret)
				break;
			mem_csv(m->ops->name, "bytes_sweep", n, centi);
			sum += centi;
			cond_resched();
		}
		if (filled)
			m->ops->destroy(m);
		if (ret) {
			pr_err("gomap_bench: memory %s n=%lu failed: %d\n", m->ops->name, n, ret);
			break;
		}
		if (k)
			mem_csv(m->ops->name, "bytes_per_entry_avg", max, div_u64(sum + k / 2, k));
	}
	kfree(m);
	return ret;
}
