// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: gomap against rhashtable and hashtable.h, in one boot.
 *
 * Loading the module runs the benchmarks the "part" parameter selects and
 * prints their figures to the kernel log as "gomap_bench: csv,..." lines for
 * scripts/bench.sh; the module then stays loaded and does nothing.  Timings
 * under QEMU TCG are only meaningful as ratios within one boot; the latency
 * part is meant for a QEMU with -icount, where they count instructions.
 */

#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "gomap.h"

static unsigned int reps = 5;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions per figure; the median is reported");

static unsigned int max_entries = 1 << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "largest size measured");

static char *part = "all";
module_param(part, charp, 0444);
MODULE_PARM_DESC(part, "throughput (sizes and scaling), sizes, latency, sizes+latency or all");

static char *prefix = "";
module_param(prefix, charp, 0444);
MODULE_PARM_DESC(prefix, "prepended to the names of the per-size figures");

static char *lat_prefix = "";
module_param(lat_prefix, charp, 0444);
MODULE_PARM_DESC(lat_prefix, "prepended to the names of the latency figures");

/* One map under test, behind the same calls for every implementation. */
struct bench_map {
	const struct bench_ops *ops;
	struct gomap *gm;
	struct rhashtable rht;
	struct hlist_head *hlist;
	unsigned int hbits;
	spinlock_t lock;	/* writers of the hashtable.h table */
	unsigned long nr;
};

struct bench_ops {
	const char *name;
	int (*create)(struct bench_map *m, unsigned long n);
	void (*destroy)(struct bench_map *m);
	int (*insert)(struct bench_map *m, u64 key, u64 val, gfp_t gfp);
	int (*lookup)(struct bench_map *m, u64 key, u64 *val);
	int (*update)(struct bench_map *m, u64 key, u64 val);
	int (*remove)(struct bench_map *m, u64 key);
	unsigned long (*iterate)(struct bench_map *m);
	size_t (*bytes)(struct bench_map *m);
	/* The table's shape, for the report of the slowest operations. */
	void (*describe)(struct bench_map *m, char *buf, size_t len);
};

/* ---- gomap ---- */

static int gm_create(struct bench_map *m, unsigned long n)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64) };

	m->gm = gomap_create(&p, GFP_KERNEL);
	return PTR_ERR_OR_ZERO(m->gm);
}

static void gm_destroy(struct bench_map *m)
{
	gomap_destroy(m->gm);
}

static int gm_insert(struct bench_map *m, u64 key, u64 val, gfp_t gfp)
{
	return gomap_assign(m->gm, &key, &val, gfp);
}

static int gm_lookup(struct bench_map *m, u64 key, u64 *val)
{
	return gomap_lookup(m->gm, &key, val);
}

static int gm_update(struct bench_map *m, u64 key, u64 val)
{
	return gomap_assign(m->gm, &key, &val, GFP_ATOMIC);
}

static int gm_remove(struct bench_map *m, u64 key)
{
	return gomap_delete(m->gm, &key);
}

static unsigned long gm_iterate(struct bench_map *m)
{
	struct gomap_iter it;
	unsigned long n = 0;
	u64 key, val;

	gomap_iter_start(&it, m->gm);
	while (gomap_iter_next(&it, &key, sizeof(key), &val) >= 0)
		n++;
	gomap_iter_stop(&it);
	return n;
}

static size_t gm_bytes(struct bench_map *m)
{
	struct gomap_stats st;

	gomap_stats(m->gm, &st);
	return st.bytes;
}

static void gm_describe(struct bench_map *m, char *buf, size_t len)
{
	struct gomap_stats st;

	gomap_stats(m->gm, &st);
	snprintf(buf, len, "count=%lu B=%u growing=%d nevacuate=%lu grows=%lu deferred=%lu",
		 st.count, st.B, st.growing, st.nevacuate, st.grows, st.deferred_grows);
}

static const struct bench_ops gomap_ops = {
	.name = "gomap", .create = gm_create, .destroy = gm_destroy, .insert = gm_insert,
	.lookup = gm_lookup, .update = gm_update, .remove = gm_remove, .iterate = gm_iterate,
	.bytes = gm_bytes, .describe = gm_describe,
};

/* ---- rhashtable: objects with an embedded rhash_head ---- */

struct rht_obj {
	u64 key;
	u64 val;
	struct rhash_head node;
};

static const struct rhashtable_params rht_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct rht_obj, key),
	.head_offset = offsetof(struct rht_obj, node),
	.automatic_shrinking = true,
};

static int rht_create(struct bench_map *m, unsigned long n)
{
	return rhashtable_init(&m->rht, &rht_params);
}

static void rht_free_obj(void *ptr, void *arg)
{
	kfree(ptr);
}

static void rht_destroy(struct bench_map *m)
{
	rhashtable_free_and_destroy(&m->rht, rht_free_obj, NULL);
}

static int rht_insert(struct bench_map *m, u64 key, u64 val, gfp_t gfp)
{
	struct rht_obj *obj = kmalloc(sizeof(*obj), gfp);
	int ret;

	if (!obj)
		return -ENOMEM;
	obj->key = key;
	obj->val = val;
	ret = rhashtable_lookup_insert_fast(&m->rht, &obj->node, rht_params);
	if (ret)
		kfree(obj);
	else
		m->nr++;
	return ret;
}

static int rht_lookup(struct bench_map *m, u64 key, u64 *val)
{
	struct rht_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock();
	obj = rhashtable_lookup_fast(&m->rht, &key, rht_params);
	if (obj) {
		*val = READ_ONCE(obj->val);
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static int rht_update(struct bench_map *m, u64 key, u64 val)
{
	struct rht_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock();
	obj = rhashtable_lookup_fast(&m->rht, &key, rht_params);
	if (obj) {
		WRITE_ONCE(obj->val, val);	/* readers see the old or the new value */
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static int rht_remove(struct bench_map *m, u64 key)
{
	struct rht_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock();
	obj = rhashtable_lookup_fast(&m->rht, &key, rht_params);
	if (obj && !rhashtable_remove_fast(&m->rht, &obj->node, rht_params)) {
		kfree_rcu_mightsleep(obj);
		m->nr--;
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static unsigned long rht_iterate(struct bench_map *m)
{
	struct rhashtable_iter iter;
	struct rht_obj *obj;
	unsigned long n = 0;

	rhashtable_walk_enter(&m->rht, &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (!IS_ERR(obj))
			n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static size_t rht_bytes(struct bench_map *m)
{
	struct bucket_table *tbl = rht_dereference(m->rht.tbl, &m->rht);

	/* kmalloc-32 objects, plus the bucket array of the current table. */
	return m->nr * kmalloc_size_roundup(sizeof(struct rht_obj)) +
	       sizeof(*tbl) + tbl->size * sizeof(tbl->buckets[0]);
}

/* The table's size and those of the tables a resize in progress is filling. */
static void rht_describe(struct bench_map *m, char *buf, size_t len)
{
	struct bucket_table *tbl;
	int n;

	rcu_read_lock();
	tbl = rcu_dereference(m->rht.tbl);
	n = scnprintf(buf, len, "count=%lu tbl=%u", m->nr, tbl->size);
	while ((tbl = rcu_dereference(tbl->future_tbl)))
		n += scnprintf(buf + n, len - n, " future=%u", tbl->size);
	rcu_read_unlock();
}

static const struct bench_ops rht_ops = {
	.name = "rhashtable", .create = rht_create, .destroy = rht_destroy,
	.insert = rht_insert, .lookup = rht_lookup, .update = rht_update,
	.remove = rht_remove, .iterate = rht_iterate, .bytes = rht_bytes,
	.describe = rht_describe,
};

/* ---- hashtable.h, sized for the final count (its best case) ---- */

struct ht_obj {
	struct hlist_node node;
	u64 key;
	u64 val;
};

static int ht_create(struct bench_map *m, unsigned long n)
{
	unsigned int i;

	m->hbits = ilog2(roundup_pow_of_two(max(n, 2UL)));
	m->hlist = kvmalloc_array(1UL << m->hbits, sizeof(*m->hlist), GFP_KERNEL);
	if (!m->hlist)
		return -ENOMEM;
	for (i = 0; i < 1U << m->hbits; i++)
		INIT_HLIST_HEAD(&m->hlist[i]);
	spin_lock_init(&m->lock);
	return 0;
}

static struct ht_obj *ht_find(struct bench_map *m, u64 key)
{
	struct ht_obj *obj;

	hlist_for_each_entry_rcu(obj, &m->hlist[hash_64(key, m->hbits)], node)
		if (obj->key == key)
			return obj;
	return NULL;
}

static void ht_destroy(struct bench_map *m)
{
	struct hlist_node *tmp;
	struct ht_obj *obj;
	unsigned int i;

	for (i = 0; i < 1U << m->hbits; i++)
		hlist_for_each_entry_safe(obj, tmp, &m->hlist[i], node)
			kfree(obj);
	kvfree(m->hlist);
}

static int ht_insert(struct bench_map *m, u64 key, u64 val, gfp_t gfp)
{
	struct ht_obj *obj = kmalloc(sizeof(*obj), gfp);
	unsigned long flags;
	int ret = 0;

	if (!obj)
		return -ENOMEM;
	obj->key = key;
	obj->val = val;
	spin_lock_irqsave(&m->lock, flags);
	if (ht_find(m, key)) {
		ret = -EEXIST;
	} else {
		hlist_add_head_rcu(&obj->node, &m->hlist[hash_64(key, m->hbits)]);
		m->nr++;
	}
	spin_unlock_irqrestore(&m->lock, flags);
	if (ret)
		kfree(obj);
	return ret;
}

static int ht_lookup(struct bench_map *m, u64 key, u64 *val)
{
	struct ht_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock();
	obj = ht_find(m, key);
	if (obj) {
		*val = READ_ONCE(obj->val);
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static int ht_update(struct bench_map *m, u64 key, u64 val)
{
	u64 old;

	if (ht_lookup(m, key, &old))
		return -ENOENT;
	rcu_read_lock();
	WRITE_ONCE(ht_find(m, key)->val, val);
	rcu_read_unlock();
	return 0;
}

static int ht_remove(struct bench_map *m, u64 key)
{
	struct ht_obj *obj;
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	obj = ht_find(m, key);
	if (obj) {
		hlist_del_rcu(&obj->node);
		m->nr--;
	}
	spin_unlock_irqrestore(&m->lock, flags);
	if (!obj)
		return -ENOENT;
	kfree_rcu_mightsleep(obj);
	return 0;
}

static unsigned long ht_iterate(struct bench_map *m)
{
	struct ht_obj *obj;
	unsigned long n = 0;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < 1U << m->hbits; i++)
		hlist_for_each_entry_rcu(obj, &m->hlist[i], node)
			n++;
	rcu_read_unlock();
	return n;
}

static size_t ht_bytes(struct bench_map *m)
{
	return m->nr * kmalloc_size_roundup(sizeof(struct ht_obj)) +
	       (sizeof(*m->hlist) << m->hbits);
}

static const struct bench_ops ht_ops = {
	.name = "hashtable", .create = ht_create, .destroy = ht_destroy, .insert = ht_insert,
	.lookup = ht_lookup, .update = ht_update, .remove = ht_remove, .iterate = ht_iterate,
	.bytes = ht_bytes,
};

static const struct bench_ops *all_ops[] = { &gomap_ops, &rht_ops, &ht_ops };

/* ---- Workloads ---- */

/* Keys: a fixed pseudo-random permutation-free sequence, the same for every map. */
static u64 *keys;

static u64 bench_key(unsigned long i)
{
	return keys[i];
}

/* Absent keys: the stored ones have bit 0 clear. */
static u64 bench_miss_key(unsigned long i)
{
	return keys[i] | 1;
}

enum workload { W_INSERT, W_HIT, W_MISS, W_MIXED, W_ITER, W_DELETE, NR_WORKLOADS };

static const char *const workload_names[] = {
	"insert", "lookup_hit", "lookup_miss", "mixed_90_10", "iterate", "delete",
};

static u64 median_u64(u64 *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && v[j - 1] > v[j]; j--)
			swap(v[j - 1], v[j]);
	return v[n / 2];
}

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

static int bench_size(unsigned long n)
{
	u64 ns[ARRAY_SIZE(all_ops)][NR_WORKLOADS][8], once[NR_WORKLOADS];
	size_t bytes[ARRAY_SIZE(all_ops)];
	unsigned int r, o, w, nreps = clamp(reps, 1U, 8U);
	int ret;

	for (r = 0; r < nreps; r++) {
		for (o = 0; o < ARRAY_SIZE(all_ops); o++) {
			ret = bench_once(all_ops[o], n, once, &bytes[o]);
			if (ret)
				return ret;
			for (w = 0; w < NR_WORKLOADS; w++)
				ns[o][w][r] = once[w];
			cond_resched();
		}
	}
	for (o = 0; o < ARRAY_SIZE(all_ops); o++) {
		for (w = 0; w < NR_WORKLOADS; w++)
			pr_info("gomap_bench: csv,%s,%s%s,%lu,%llu\n", all_ops[o]->name,
				prefix, workload_names[w], n, median_u64(ns[o][w], nreps));
		pr_info("gomap_bench: csv,%s,%sbytes_per_entry,%lu,%zu\n", all_ops[o]->name,
			prefix, n, bytes[o] / n);
	}
	return 0;
}

/* ---- Reader scaling: R readers look up while one writer updates ---- */

struct scale_ctx {
	struct bench_map *m;
	unsigned long n;
	atomic_t stop;
	atomic64_t ops;
	struct completion done;
	atomic_t running;
};

static int scale_reader(void *arg)
{
	struct scale_ctx *c = arg;
	unsigned long i = get_random_u32(), ops = 0;
	u64 val;

	while (!atomic_read(&c->stop)) {
		c->m->ops->lookup(c->m, bench_key(i++ % c->n), &val);
		ops++;
		if (!(ops & 1023))
			cond_resched();
	}
	atomic64_add(ops, &c->ops);
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static int scale_writer(void *arg)
{
	struct scale_ctx *c = arg;
	unsigned long i = 0;

	while (!atomic_read(&c->stop)) {
		c->m->ops->update(c->m, bench_key(i % c->n), i);
		if (!(++i & 1023))
			cond_resched();
	}
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

/* ns per lookup seen by each reader, with @readers readers and one writer. */
static int bench_scaling_once(const struct bench_ops *ops, unsigned long n, unsigned int readers,
			      u64 *ns_per_op)
{
	struct scale_ctx c = { .n = n };
	struct bench_map m = { .ops = ops };
	unsigned int i;
	u64 t0, t;
	int ret;

	ret = ops->create(&m, n);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = ops->insert(&m, bench_key(i), i, GFP_KERNEL);
	c.m = &m;
	init_completion(&c.done);
	atomic_set(&c.running, readers + 1);
	t0 = ktime_get_ns();
	for (i = 0; i <= readers && !ret; i++) {
		struct task_struct *task = kthread_run(i ? scale_reader : scale_writer, &c,
						       "gomap_bench/%u", i);

		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			atomic_sub(readers + 1 - i, &c.running);
		}
	}
	msleep(2000);
	atomic_set(&c.stop, 1);
	if (atomic_read(&c.running))
		wait_for_completion(&c.done);
	t = ktime_get_ns() - t0;
	*ns_per_op = atomic64_read(&c.ops) ? t * readers / atomic64_read(&c.ops) : 0;
	ops->destroy(&m);
	return ret;
}

static int bench_scaling(unsigned long n)
{
	static const unsigned int readers[] = { 1, 2, 4 };
	unsigned int o, r;
	u64 ns;
	int ret;

	for (o = 0; o < ARRAY_SIZE(all_ops); o++) {
		for (r = 0; r < ARRAY_SIZE(readers); r++) {
			ret = bench_scaling_once(all_ops[o], n, readers[r], &ns);
			if (ret)
				return ret;
			pr_info("gomap_bench: csv,%s,scale_readers_%u,%lu,%llu\n", all_ops[o]->name,
				readers[r], n, ns);
		}
	}
	return 0;
}

/* ---- Latency of single operations during 1M inserts in atomic context ---- */

#define LAT_CHUNK	256	/* inserts per preemption-off section, chunked mode */
#define LAT_LOOKUP_EVERY 8	/* one lookup of a present key every this many inserts */
#define LAT_WORST	5	/* slowest operations of each kind reported one by one */

enum { LAT_INSERT, LAT_DURING, LAT_AFTER, NR_LAT };

static const char *const lat_names[] = { "atomic_insert", "lookup_during", "lookup_after" };

/* The slowest operations of one kind, in ascending order of time. */
struct lat_worst {
	unsigned int nr;
	struct {
		u32 ns;
		unsigned long at;	/* entries in the map before it (after: lookup number) */
		char shape[96];		/* the map's shape right after it */
	} op[LAT_WORST];
};

/*
 * One map's latency run.  @chunk inserts go in each preemption-off
 * section: LAT_CHUNK lets deferred work run between sections; the whole
 * burst in one section ("burst_" figures) leaves none to any worker, as
 * when inserts come from one long atomic context.  With @preemptible the
 * inserts and lookups run, and are timed, with preemption and interrupts
 * on: on PREEMPT_RT the only context rhashtable may be called from, since
 * its bucket locks take local_bh_disable(), a sleeping lock there.  With
 * @hardirq an HRTIMER_MODE_REL_PINNED_HARD timer on the same CPU assigns
 * LAT_IRQ_BATCH keys of its own every LAT_IRQ_PERIOD_NS meanwhile.
 */
struct lat_run {
	const char *prefix;		/* "", "burst_", "hardirq_" or "preemptible_" */
	unsigned long chunk;
	bool preemptible;
	bool hardirq;
	unsigned long failed;		/* inserts that returned an error */
	struct bench_map *m;
	u32 *lat[NR_LAT];
	struct lat_worst worst[NR_LAT];
	u32 rnd;
	/* The hardirq writer: its timer, keys made, failures, slowest expiry. */
	struct hrtimer timer;
	unsigned long irq_keys;
	unsigned long irq_failed;
	u32 irq_worst;
	bool irq_stop;
};

#define LAT_IRQ_BATCH		8
#define LAT_IRQ_PERIOD_NS	(100 * NSEC_PER_USEC)

/*
 * The lookups pick their keys with xorshift32 from a fixed seed, so every map
 * and every run looks up the same keys.
 */
static u64 lat_key(struct lat_run *r, unsigned long inserted)
{
	r->rnd ^= r->rnd << 13;
	r->rnd ^= r->rnd >> 17;
	r->rnd ^= r->rnd << 5;
	return bench_key(((u64)r->rnd * inserted) >> 32);
}

/*
 * Keep @ns among the slowest of its kind.  Runs outside the timed section;
 * describing the map's shape is left to the few operations that qualify.
 */
static void lat_note(struct lat_run *r, unsigned int kind, u32 ns, unsigned long at)
{
	struct lat_worst *w = &r->worst[kind];
	unsigned int i;

	if (w->nr == LAT_WORST) {
		if (ns <= w->op[0].ns)
			return;
		/* Replace the fastest; move up past the faster ones. */
		for (i = 0; i + 1 < w->nr && w->op[i + 1].ns < ns; i++)
			w->op[i] = w->op[i + 1];
	} else {
		/* Move down past the slower ones and equal ones, so the earliest wins ties. */
		for (i = w->nr++; i && w->op[i - 1].ns >= ns; i--)
			w->op[i] = w->op[i - 1];
	}
	w->op[i].ns = ns;
	w->op[i].at = at;
	r->m->ops->describe(r->m, w->op[i].shape, sizeof(w->op[i].shape));
}

/*
 * Time one operation with interrupts off, so that no timer tick or device
 * interrupt lands between the two clock reads: under QEMU -icount the result
 * is then the instructions the operation itself executed.  Bottom halves are
 * off around that too, so rhashtable's bucket locks do not run pending
 * softirqs inside the timed section when they re-enable them.  They still do
 * local_bh_enable() with interrupts off, which lockdep reports;
 * gomap_bench_init() refuses the latency part on such a kernel.
 */
static u32 lat_insert(struct bench_map *m, unsigned long i, int *ret, bool preemptible)
{
	unsigned long flags;
	u64 t0, t1;

	if (preemptible) {
		t0 = ktime_get_ns();
		*ret = m->ops->insert(m, bench_key(i), i, GFP_ATOMIC);
		return ktime_get_ns() - t0;
	}
	local_bh_disable();
	local_irq_save(flags);
	t0 = ktime_get_ns();
	*ret = m->ops->insert(m, bench_key(i), i, GFP_ATOMIC);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	local_bh_enable();
	return t1 - t0;
}

static u32 lat_lookup(struct bench_map *m, u64 key, bool preemptible)
{
	unsigned long flags;
	u64 t0, t1, val;

	if (preemptible) {
		t0 = ktime_get_ns();
		m->ops->lookup(m, key, &val);
		return ktime_get_ns() - t0;
	}
	local_bh_disable();
	local_irq_save(flags);
	t0 = ktime_get_ns();
	m->ops->lookup(m, key, &val);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	local_bh_enable();
	return t1 - t0;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void lat_report(struct lat_run *r, const char *what, u32 *lat, unsigned long n)
{
	const char *name = r->m->ops->name, *pre = r->prefix;

	sort(lat, n, sizeof(*lat), cmp_u32, NULL);
	pr_info("gomap_bench: csv,%s,%s%s%s_p50,%lu,%u\n", name, lat_prefix, pre, what, n,
		lat[n / 2]);
	pr_info("gomap_bench: csv,%s,%s%s%s_p99,%lu,%u\n", name, lat_prefix, pre, what, n,
		lat[n * 99 / 100]);
	pr_info("gomap_bench: csv,%s,%s%s%s_p999,%lu,%u\n", name, lat_prefix, pre, what, n,
		lat[n * 999 / 1000]);
	pr_info("gomap_bench: csv,%s,%s%s%s_max,%lu,%u\n", name, lat_prefix, pre, what, n,
		lat[n - 1]);
}

static void lat_report_worst(struct lat_run *r, const char *what, struct lat_worst *w)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		unsigned int j = w->nr - 1 - i;

		pr_info("gomap_bench: worst %s %s%s%s #%u: %u ns at %lu (%s)\n", r->m->ops->name,
			lat_prefix, r->prefix, what, i + 1, w->op[j].ns, w->op[j].at,
			w->op[j].shape);
	}
}

/*
 * Insert @n keys from empty in chunks of @r->chunk with preemption off, a
 * lookup every few.  A failed insert is counted, not fatal: in one long
 * atomic section a map may run out of what it can do without its worker.
 */
static void lat_burst(struct lat_run *r, unsigned long n)
{
	unsigned long i, nl = 0;
	int ret;

	for (i = 0; i < n; i++) {
		u32 ns;

		/* Between chunks the maps' deferred workers get the CPU. */
		if (r->preemptible && !(i % LAT_CHUNK)) {
			cond_resched();
		} else if (!r->preemptible && !(i % r->chunk)) {
			if (i)
				preempt_enable();
			cond_resched();
			preempt_disable();
		}
		ns = lat_insert(r->m, i, &ret, r->preemptible);
		r->failed += !!ret;
		r->lat[LAT_INSERT][i] = ns;
		lat_note(r, LAT_INSERT, ns, i);
		if (i % LAT_LOOKUP_EVERY == LAT_LOOKUP_EVERY - 1) {
			ns = lat_lookup(r->m, lat_key(r, i + 1), r->preemptible);
			r->lat[LAT_DURING][nl++] = ns;
			lat_note(r, LAT_DURING, ns, i + 1);
		}
	}
	if (!r->preemptible)
		preempt_enable();
}

/* The hardirq writer: a batch of assigns of keys with bit 0 set, timed. */
static enum hrtimer_restart lat_irq_fn(struct hrtimer *timer)
{
	struct lat_run *r = container_of(timer, struct lat_run, timer);
	u64 t0 = ktime_get_ns(), key, val;
	unsigned int i;

	for (i = 0; i < LAT_IRQ_BATCH; i++) {
		key = (r->irq_keys++ << 1) | 1;
		val = key;
		r->irq_failed += !!gomap_assign(r->m->gm, &key, &val, GFP_ATOMIC);
	}
	r->irq_worst = max_t(u32, r->irq_worst, ktime_get_ns() - t0);
	if (READ_ONCE(r->irq_stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(LAT_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void lat_irq_start(struct lat_run *r)
{
	r->irq_keys = 0;
	r->irq_failed = 0;
	r->irq_worst = 0;
	r->irq_stop = false;
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	r->timer.function = lat_irq_fn;
	hrtimer_start(&r->timer, ns_to_ktime(LAT_IRQ_PERIOD_NS), HRTIMER_MODE_REL_PINNED_HARD);
}

static void lat_irq_stop(struct lat_run *r)
{
	const char *pre = r->prefix;
	unsigned long n = r->irq_keys;

	WRITE_ONCE(r->irq_stop, true);
	hrtimer_cancel(&r->timer);
	pr_info("gomap_bench: csv,gomap,%s%sirq_assigns,%lu,%lu\n", lat_prefix, pre, n, n);
	pr_info("gomap_bench: csv,gomap,%s%sirq_assign_failed,%lu,%lu\n", lat_prefix, pre, n,
		r->irq_failed);
	pr_info("gomap_bench: csv,gomap,%s%sirq_batch_max,%lu,%u\n", lat_prefix, pre, n,
		r->irq_worst);
}

static int bench_latency_one(struct lat_run *r, const struct bench_ops *ops, unsigned long n)
{
	struct bench_map m = { .ops = ops };
	unsigned long i, nl = n / LAT_LOOKUP_EVERY;
	const char *pre = r->prefix;
	unsigned int k;
	u64 t0, total;
	int ret;

	ret = ops->create(&m, n);
	if (ret)
		return ret;
	r->m = &m;
	r->rnd = 0x2545f491;
	r->failed = 0;
	memset(r->worst, 0, sizeof(r->worst));
	if (r->hardirq)
		lat_irq_start(r);
	t0 = ktime_get_ns();
	lat_burst(r, n);
	total = ktime_get_ns() - t0;
	if (r->hardirq)
		lat_irq_stop(r);
	msleep(1000);	/* let deferred resizing finish before the "after" lookups */
	for (i = 0; i < nl; i++) {
		r->lat[LAT_AFTER][i] = lat_lookup(&m, lat_key(r, n), r->preemptible);
		lat_note(r, LAT_AFTER, r->lat[LAT_AFTER][i], i);
	}
	for (k = 0; k < NR_LAT; k++) {
		lat_report(r, lat_names[k], r->lat[k], k == LAT_INSERT ? n : nl);
		lat_report_worst(r, lat_names[k], &r->worst[k]);
	}
	pr_info("gomap_bench: csv,%s,%s%satomic_insert_total_ms,%lu,%llu\n", ops->name,
		lat_prefix, pre, n, total / NSEC_PER_MSEC);
	pr_info("gomap_bench: csv,%s,%s%sinsert_failed,%lu,%lu\n", ops->name, lat_prefix, pre, n,
		r->failed);
	if (ops == &gomap_ops) {
		struct gomap_stats st;

		gomap_stats(m.gm, &st);
		pr_info("gomap_bench: csv,gomap,%s%smax_evacuated_per_op,%lu,%u\n", lat_prefix,
			pre, n, st.max_evacuated_per_op);
		pr_info("gomap_bench: csv,gomap,%s%smax_buckets_per_op,%lu,%u\n", lat_prefix, pre,
			n, st.max_buckets_per_op);
		pr_info("gomap_bench: csv,gomap,%s%smax_bytes_moved_per_op,%lu,%zu\n", lat_prefix,
			pre, n, st.max_bytes_moved_per_op);
		pr_info("gomap_bench: csv,gomap,%s%sdeferred_grows,%lu,%lu\n", lat_prefix, pre, n,
			st.deferred_grows);
		pr_info("gomap_bench: csv,gomap,%s%sreserve_empty,%lu,%lu\n", lat_prefix, pre, n,
			st.reserve_empty);
	}
	ops->destroy(&m);
	return 0;
}

/*
 * Both maps, in chunks that let deferred work run, in one atomic burst,
 * and preemptible; gomap also with a hardirq writer.  On PREEMPT_RT,
 * rhashtable runs preemptible only: its bucket locks take
 * local_bh_disable(), a sleeping lock there, and its inserts allocate.
 */
static int bench_latency(unsigned long n)
{
	static const struct {
		const char *prefix;
		unsigned long chunk;
		bool preemptible, hardirq;
	} modes[] = {
		{ "", LAT_CHUNK }, { "burst_", ULONG_MAX },
		{ "hardirq_", LAT_CHUNK, false, true }, { "preemptible_", LAT_CHUNK, true },
	};
	struct lat_run *r = kzalloc(sizeof(*r), GFP_KERNEL);
	unsigned int i;
	int ret = -ENOMEM;

	if (!r)
		return ret;
	r->lat[LAT_INSERT] = vmalloc(array_size(n, sizeof(u32)));
	r->lat[LAT_DURING] = vmalloc(array_size(n / LAT_LOOKUP_EVERY + 1, sizeof(u32)));
	r->lat[LAT_AFTER] = vmalloc(array_size(n / LAT_LOOKUP_EVERY + 1, sizeof(u32)));
	if (r->lat[LAT_INSERT] && r->lat[LAT_DURING] && r->lat[LAT_AFTER]) {
		for (i = 0, ret = 0; i < ARRAY_SIZE(modes) && !ret; i++) {
			r->prefix = modes[i].prefix;
			r->chunk = modes[i].chunk;
			r->preemptible = modes[i].preemptible;
			r->hardirq = modes[i].hardirq;
			ret = bench_latency_one(r, &gomap_ops, n);
			if (!ret && !r->hardirq &&
			    (r->preemptible || !IS_ENABLED(CONFIG_PREEMPT_RT)))
				ret = bench_latency_one(r, &rht_ops, n);
		}
	}
	vfree(r->lat[LAT_INSERT]);
	vfree(r->lat[LAT_DURING]);
	vfree(r->lat[LAT_AFTER]);
	kfree(r);
	return ret;
}

static int __init gomap_bench_init(void)
{
	static const unsigned long sizes[] = { 1 << 10, 1 << 16, 1 << 20 };
	unsigned long i, n = min_t(unsigned long, max_entries, 1 << 24);
	bool all = !strcmp(part, "all");
	bool scaling = all || !strcmp(part, "throughput");
	bool sizes_part = scaling || !strcmp(part, "sizes") || !strcmp(part, "sizes+latency");
	bool latency = all || !strcmp(part, "latency") || !strcmp(part, "sizes+latency");
	int ret = -EINVAL;

	if (!sizes_part && !latency) {
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
	keys = vmalloc(array_size(n, sizeof(u64)));
	if (!keys)
		goto out;
	/* Distinct keys with bit 0 clear: i's bits scrambled by an odd multiplier. */
	for (i = 0; i < n; i++)
		keys[i] = (i * 0x9E3779B97F4A7C15ULL) << 1;

	pr_info("gomap_bench: start part=%s reps=%u max_entries=%lu\n", part, reps, n);
	ret = 0;
	for (i = 0; sizes_part && i < ARRAY_SIZE(sizes) && sizes[i] <= n && !ret; i++)
		ret = bench_size(sizes[i]);
	if (latency && !ret)
		ret = bench_latency(n);
	if (scaling && !ret)
		ret = bench_scaling(min(n, 1UL << 16));
	vfree(keys);
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
