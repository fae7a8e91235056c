// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: test hooks, exported for gomap_kunit.ko only.
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/export.h>
#include <linux/printk.h>
#include <kunit/visibility.h>

#include "gomap_bucket.h"

/* ---- Test hooks, for gomap_kunit.ko only ---- */

/* Check one chain of @t (bucket @idx); count its live entries and overflow buckets. */
static int check_chain(struct gm_hmap *h, struct gomap_table *t, unsigned long idx,
		       unsigned long *live, unsigned long *nr_overflow)
{
	void *head = tbl_bucket(t, idx), *b, *b2;
	bool rest = false;
	unsigned int i, j;

	for (b = head; b; b = bkt_overflow(t, b)) {
		*nr_overflow += b != head;
		for (i = 0; i < GM_SLOTS; i++) {
			u8 top = bkt_tophash(b)[i];
			struct gm_key key;
			const void *kp;
			size_t len;
			u64 hash;

			if (rest && top != GM_EMPTY_REST) {
				pr_err("gomap: bucket %lu: slot %u follows emptyRest\n", idx, i);
				return -EUCLEAN;
			}
			rest = top == GM_EMPTY_REST;
			if (!top_live(top)) {
				if (top != GM_EMPTY_ONE && top != GM_EMPTY_REST) {
					pr_err("gomap: bucket %lu: state %u in a live bucket\n",
					       idx, top);
					return -EUCLEAN;
				}
				continue;
			}
			hash = slot_hash(h, t, b, i);
			if (gm_tophash(hash) != top || (hash & tbl_mask(t)) != idx) {
				pr_err("gomap: bucket %lu slot %u: tophash or bucket disagrees with hash\n",
				       idx, i);
				return -EUCLEAN;
			}
			if (gm_shard(h->map, hash) != h) {
				pr_err("gomap: bucket %lu slot %u: another shard's key\n", idx, i);
				return -EUCLEAN;
			}
			(*live)++;
			kp = slot_key(t, b, i, &len);
			gm_key_init(h, &key, kp, len);
			key.top = top;
			for (b2 = b, j = i + 1; b2; b2 = bkt_overflow(t, b2), j = 0) {
				for (; j < GM_SLOTS; j++) {
					if (bkt_tophash(b2)[j] == top &&
					    slot_key_equal(t, b2, j, &key)) {
						pr_err("gomap: bucket %lu: duplicate key\n", idx);
						return -EUCLEAN;
					}
				}
			}
		}
	}
	return 0;
}

static int check_table(struct gm_hmap *h, struct gomap_table *t, bool old, unsigned long *live)
{
	unsigned long idx, nr_overflow = 0;
	int ret;

	for (idx = 0; idx < tbl_size(t); idx++) {
		if (!tbl_bucket_ready(t, idx))
			continue;
		if (old && bkt_evacuated(tbl_bucket(t, idx)))
			continue;
		if (old && idx < h->evac_next) {
			pr_err("gomap: old bucket %lu below nevacuate not evacuated\n", idx);
			return -EUCLEAN;
		}
		ret = check_chain(h, t, idx, live, &nr_overflow);
		if (ret)
			return ret;
	}
	if (!t->src && !old && nr_overflow != t->nr_overflow) {
		pr_err("gomap: %lu overflow buckets linked, %lu counted\n", nr_overflow,
		       t->nr_overflow);
		return -EUCLEAN;
	}
	return 0;
}

/* gomap_test_check() of one shard. */
static int check_hmap(struct gm_hmap *h)
{
	unsigned long flags, live = 0;
	int ret = 0;

	raw_spin_lock_irqsave(&h->lock, flags);
	if (h->table)
		ret = check_table(h, h->table, false, &live);
	if (!ret && h->old_table)
		ret = check_table(h, h->old_table, true, &live);
	if (!ret && live != h->count) {
		pr_err("gomap: count %lu but %lu live entries\n", h->count, live);
		ret = -EUCLEAN;
	}
	if (!ret && h->table && h->table->B != h->B)
		ret = -EUCLEAN;
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return ret;
}

/**
 * gomap_test_check() - Check every invariant of a map, shard by shard.
 * @map: The map.
 *
 * Besides each shard's own invariants, every key must be in the shard its
 * hash names.
 *
 * Context: Any context.  Takes each shard's lock in turn, for time
 * proportional to its size.
 * Return: 0, or -EUCLEAN after printing what is wrong.
 */
int gomap_test_check(struct gomap *map)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < gm_nr_shards(map); i++)
		ret = check_hmap(&map->shards[i]);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_check);

/**
 * gomap_test_set_seed() - Set an empty map's hash seed, so tests can choose keys by hash.
 * @map: The map; must be empty.
 * @seed: The new hash0 of every shard (and the map's, which picks shards).
 */
void gomap_test_set_seed(struct gomap *map, u64 seed)
{
	unsigned long flags;
	unsigned int i;

	if (WARN_ON_ONCE(gomap_len(map)))
		return;
	map->seed = seed;
	for (i = 0; i < gm_nr_shards(map); i++) {
		struct gm_hmap *h = &map->shards[i];

		raw_spin_lock_irqsave(&h->lock, flags);
		h->hash0 = seed;
		raw_spin_unlock_irqrestore(&h->lock, flags);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_set_seed);

/**
 * gomap_test_hash() - The hash the map gives a key now.
 * @map: The map.
 * @key: Key bytes.
 * @len: Key length.
 *
 * Return: xxh64(@key, @len, hash0) with the seed of shard 0, which all
 * shards share when there are several.
 */
u64 gomap_test_hash(struct gomap *map, const void *key, size_t len)
{
	return gm_hash(map->shards, key, len);
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_hash);

/**
 * gomap_test_shard() - The shard a key lives in.
 * @map: The map.
 * @key: Key bytes.
 * @len: Key length.
 *
 * Return: The index of the key's shard.
 */
unsigned int gomap_test_shard(struct gomap *map, const void *key, size_t len)
{
	return gm_shard(map, gomap_test_hash(map, key, len)) - map->shards;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_shard);

/**
 * gomap_test_fail_alloc() - Make the @nth allocation from now fail, in each shard.
 * @map: The map.
 * @nth: 1 for the next one; 0 turns injection off; UINT_MAX fails them all.
 */
void gomap_test_fail_alloc(struct gomap *map, unsigned int nth)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++) {
		struct gm_hmap *h = &map->shards[i];

		raw_spin_lock_irqsave(&h->lock, flags);
		h->fail_nth = nth;
		raw_spin_unlock_irqrestore(&h->lock, flags);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_fail_alloc);

/**
 * gomap_test_tophash() - Read one tophash byte of shard 0's current array.
 * @map: The map.
 * @bucket: Bucket index.
 * @depth: Overflow links to follow from the bucket.
 * @slot: Slot index.
 *
 * Return: The byte, or -ENOENT if there is no such initialised bucket.
 */
int gomap_test_tophash(struct gomap *map, unsigned long bucket, unsigned int depth,
		       unsigned int slot)
{
	struct gm_hmap *h = map->shards;
	struct gomap_table *t;
	unsigned long flags;
	int ret = -ENOENT;
	void *b;

	raw_spin_lock_irqsave(&h->lock, flags);
	t = h->table;
	if (!t || bucket >= tbl_size(t) || slot >= GM_SLOTS || !tbl_bucket_ready(t, bucket))
		goto out;
	for (b = tbl_bucket(t, bucket); b && depth; depth--)
		b = bkt_overflow(t, b);
	if (b)
		ret = bkt_tophash(b)[slot];
out:
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_tophash);

/* gomap_test_grow_step() of one shard. */
static int grow_step_hmap(struct gm_hmap *h, gfp_t gfp)
{
	unsigned long flags;
	int ret = 0;

	flags = gm_lock_op(h);
	gm_write_begin(h);
	if (h->old_table)
		ret = gm_evacuate(h, h->evac_next) ?: 1;
	if (ret < 0 && !h->op.fail_fired && h->op.may_alloc) {
		gm_reserve_fill_locked(h, gfp, &flags);
		ret = h->old_table ? gm_evacuate(h, h->evac_next) ?: 1 : 1;
	}
	gm_write_unlock(h, flags);
	gm_reserve_after(h, gfp);
	return ret;
}

/**
 * gomap_test_grow_step() - Evacuate the next old bucket, as a write would,
 * in the first shard that is growing.
 * @map: The map.
 * @gfp: Allocation flags for a refill of the reserve, if the evacuation
 *       finds no overflow bucket there and the context may allocate.
 *
 * Return: 1 if a growth was in progress, 0 if not, -ENOMEM if the
 * evacuation could not get its overflow buckets.
 */
int gomap_test_grow_step(struct gomap *map, gfp_t gfp)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < gm_nr_shards(map); i++)
		ret = grow_step_hmap(&map->shards[i], gfp);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_grow_step);
