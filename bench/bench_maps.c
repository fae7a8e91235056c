// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: the maps under test: gomap, rhashtable and hashtable.h behind
 * the same calls.
 */

#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "bench.h"

/* ---- gomap ---- */

static unsigned int gomap_shards;
module_param(gomap_shards, uint, 0444);
MODULE_PARM_DESC(gomap_shards, "shards of the maps named gomap (0: gomap's default)");

static int gm_create_shards(struct bench_map *m, unsigned int shards)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64),
				  .shards = shards };

	m->gm = gomap_create(&p, GFP_KERNEL);
	return PTR_ERR_OR_ZERO(m->gm);
}

static int gm_create(struct bench_map *m, unsigned long n)
{
	return gm_create_shards(m, m->gm_shards ?: gomap_shards);
}

/* gomap_s1: one shard, exactly one Go map, to compare sharding against. */
static int gm_create_s1(struct bench_map *m, unsigned long n)
{
	return gm_create_shards(m, 1);
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
	snprintf(buf, len,
		 "count=%lu shards=%u B=%u growing=%d nevacuate=%lu grows=%lu deferred=%lu",
		 st.count, st.shards, st.B, st.growing, st.nevacuate, st.grows, st.deferred_grows);
}

const struct bench_ops gomap_ops = {
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
	if (obj && !rhashtable_remove_fast(&m->rht, &obj->node, rht_params))
		ret = 0;
	rcu_read_unlock();
	/* Outside the read-side section: the headless kfree_rcu() may sleep. */
	if (!ret)
		kfree_rcu_mightsleep(obj);
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
	return atomic_read(&m->rht.nelems) * kmalloc_size_roundup(sizeof(struct rht_obj)) +
	       sizeof(*tbl) + tbl->size * sizeof(tbl->buckets[0]);
}

/* The table's size and those of the tables a resize in progress is filling. */
static void rht_describe(struct bench_map *m, char *buf, size_t len)
{
	struct bucket_table *tbl;
	int n;

	rcu_read_lock();
	tbl = rcu_dereference(m->rht.tbl);
	n = scnprintf(buf, len, "count=%u tbl=%u", atomic_read(&m->rht.nelems), tbl->size);
	while ((tbl = rcu_dereference(tbl->future_tbl)))
		n += scnprintf(buf + n, len - n, " future=%u", tbl->size);
	rcu_read_unlock();
}

const struct bench_ops gomap_s1_ops = {
	.name = "gomap_s1", .create = gm_create_s1, .destroy = gm_destroy, .insert = gm_insert,
	.lookup = gm_lookup, .update = gm_update, .remove = gm_remove, .iterate = gm_iterate,
	.bytes = gm_bytes, .describe = gm_describe,
};

const struct bench_ops rht_ops = {
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

const struct bench_ops ht_ops = {
	.name = "hashtable", .create = ht_create, .destroy = ht_destroy, .insert = ht_insert,
	.lookup = ht_lookup, .update = ht_update, .remove = ht_remove, .iterate = ht_iterate,
	.bytes = ht_bytes,
};

const struct bench_ops *const bench_all_ops[BENCH_NR_OPS] = {
	&gomap_ops, &gomap_s1_ops, &rht_ops, &ht_ops,
};
