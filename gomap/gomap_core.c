// SPDX-License-Identifier: GPL-2.0
/*
 * gomap core: Go's classic runtime hash map (hmap) for the kernel.
 *
 * Names used throughout: @map is the whole map, @t a bucket array (table),
 * @b a bucket, @i a slot index, @it an iterator, @hash the full 64-bit
 * hash of a key and @top its tophash byte.  Go's names stand in comments
 * beside the C names where they differ.
 */

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/kmemleak.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/prefetch.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>
#include <kunit/visibility.h>

#include "gomap_bucket.h"

#define GM_CLEAR_BATCH	16	/* buckets a preallocated map's clear empties per lock hold */

/* ---- Assign ---- */

/*
 * Store a new key in free slot @pos, with its out-of-line copies from the
 * reserve.  Returns -ENOMEM, with nothing changed, if the reserve lacks one.
 */
static int gm_store_key(struct gomap *map, struct gm_pos *pos, const struct gm_key *key)
{
	struct gomap_table *t = pos->t;
	void *kslot = bkt_key(t, pos->b, pos->i);
	struct gm_blob *blob = NULL, *value;
	unsigned int kpool = GM_POOL_KEY;

	if ((map->kind == GM_KEY_STR && key->len) || map->key_indirect) {
		kpool = gm_key_pool(map, key->len);
		blob = gm_pool_take(map, kpool);
		if (!blob)
			return -ENOMEM;
		blob->len = key->len;
		memcpy(blob->data, key->ptr, key->len);
	}
	if (map->value_indirect) {
		value = gm_pool_take(map, GM_POOL_VALUE);
		if (!value) {
			if (blob)	/* never published: straight back */
				gm_pool_put(map, kpool, blob);
			return -ENOMEM;
		}
		value->len = map->params.value_size;
		map->bytes += map->pools[GM_POOL_VALUE].size;
		WRITE_ONCE(*(void **)bkt_value(t, pos->b, pos->i), value->data);
	}

	if (map->kind == GM_KEY_STR) {
		struct gm_str *s = kslot;

		WRITE_ONCE(s->ptr, blob ? blob->data : NULL);
		s->len = key->len;
	} else if (map->key_indirect) {
		WRITE_ONCE(*(void **)kslot, blob->data);
	} else {
		gm_memcpy(kslot, key->ptr, key->len);
	}
	if (blob)
		map->bytes += map->pools[kpool].size;
	smp_wmb();	/* the key before the tophash that lets lockless readers at it */
	bkt_tophash(pos->b)[pos->i] = key->top;
	map->count++;
	return 0;
}

/*
 * Overwrite a 4-byte or word-sized inline value with one store, outside
 * any write section: a lockless lookup loads it with one load
 * (gm_load_value()) and sees the old value or the new, never a mix, so
 * it need not look again.  This is rhashtable's WRITE_ONCE() update.
 * Returns false for other values, which need a write section.
 */
static bool gm_store_word(struct gomap *map, void *v, const void *value)
{
	if (map->value_indirect)
		return false;
	if (map->params.value_size == sizeof(unsigned long))
		WRITE_ONCE(*(unsigned long *)v, get_unaligned((const unsigned long *)value));
	else if (map->params.value_size == sizeof(u32))
		WRITE_ONCE(*(u32 *)v, get_unaligned((const u32 *)value));
	else
		return false;
	return true;
}

/* Write the value of an assign or run an update's callback on it. */
static void gm_set_value(struct gomap *map, struct gm_pos *pos, const void *value,
			 gomap_update_fn fn, void *arg, bool found)
{
	void *v = slot_value(pos->t, pos);
	size_t size = map->params.value_size;

	map->op.bytes += size;
	if (found && !fn && value && gm_store_word(map, v, value))
		return;
	gm_write_begin(map);
	if (fn) {
		if (!found)
			memset(v, 0, size);
		fn(v, found, arg);
	} else if (value) {
		gm_memcpy(v, value, size);
	} else {
		memset(v, 0, size);
	}
}

/* Get a free slot at the end of the chain ending in @last (Go's newoverflow). */
static int gm_new_slot(struct gomap *map, struct gomap_table *t, void *last,
		       struct gm_pos *free)
{
	void *ovf = tbl_take_overflow(map, t);

	if (!ovf)
		return -ENOMEM;
	tbl_link_overflow(map, t, last, ovf);
	free->b = ovf;
	free->i = 0;
	free->t = t;
	return 0;
}

/* Give a fresh or cleared map its first bucket (Go's mapassign step 2, makemap_small). */
static int gm_first_table(struct gomap *map)
{
	struct gomap_table *t = tbl_take_first(map);

	if (!t)
		return -ENOMEM;
	smp_wmb();	/* zeroed before lockless readers can see it */
	WRITE_ONCE(map->table, t);
	map->bytes += t->bytes;
	return 0;
}

/*
 * Go's mapassign, with the map lock held.  Returns 0, -ENOSPC, -ENOMEM
 * (the reserve lacked an object), or -EAGAIN after dropping the lock
 * (look again).
 */
static int gm_assign_locked(struct gomap *map, struct gm_key *key, const void *value,
			    gomap_update_fn fn, void *arg, gfp_t gfp, unsigned long *flags)
	__must_hold(&map->lock)
{
	struct gm_pos pos, free;
	struct gomap_table *t;
	void *b, *last;
	int ret;

	if (!map->table) {
		gm_write_begin(map);
		if (gm_first_table(map))
			return -ENOMEM;
	}
	gm_key_hash(map, key);
	if (map->old_table) {
		gm_write_begin(map);
		gm_grow_work(map, key->hash);
	}
	b = gm_chain(map, key->hash, &t);
	if (chain_find(t, b, key, &pos, &free, &last)) {
		gm_set_value(map, &pos, value, fn, arg, true);
		return 0;
	}
	if (map->params.max_entries && map->count >= map->params.max_entries)
		return -ENOSPC;
	gm_write_begin(map);
	if (!map->old_table && !map->prealloc &&
	    (over_load_factor(map->count + 1, map->B) ||
	     too_many_overflow(map->nr_overflow, map->B))) {
		ret = gm_hash_grow(map, gfp, flags);
		if (ret != -ENOMEM)
			return -EAGAIN;	/* grown or lock dropped: the bucket moved */
	}
	if (!free.b && gm_new_slot(map, t, last, &free))
		return -ENOMEM;
	ret = gm_store_key(map, &free, key);
	if (ret)
		return ret;
	gm_set_value(map, &free, value, fn, arg, false);
	return 0;
}

/*
 * Refills an assign that may not sleep makes for objects it found missing.
 * A refill puts what it allocated on the lists under the same lock hold
 * as the attempt that follows, so no other caller can take it first; but
 * while the lock was dropped other writers may have changed the map (a
 * clear, a growth) so that the attempt needs other objects.  A caller that
 * may sleep refills until it succeeds or an allocation fails; one that may
 * not gives up after this many.
 */
#define GM_FILL_TRIES	4

/* Should an assign that found the reserve lacking refill it and try again? */
static bool gm_assign_may_refill(struct gomap *map, gfp_t gfp, unsigned int fills)
{
	if (map->op.fail_fired || !map->op.may_alloc)
		return false;
	return gfpflags_allow_blocking(gfp) || fills < GM_FILL_TRIES;
}

static int gm_assign(struct gomap *map, const void *kptr, size_t len, const void *value,
		     gomap_update_fn fn, void *arg, gfp_t gfp)
{
	unsigned int fills = 0;
	struct gm_key key;
	unsigned long flags;
	int ret;

	if (unlikely(in_nmi()))
		return -EBUSY;
	might_alloc(gfp);
	gm_key_init(map, &key, kptr, len);
	flags = gm_lock_op(map);	/* the write section begins at the first change */
	map->stats.assigns++;
	for (;;) {
		ret = gm_assign_locked(map, &key, value, fn, arg, gfp, &flags);
		if (ret == -EAGAIN)
			continue;
		if (ret != -ENOMEM || !gm_assign_may_refill(map, gfp, fills++) ||
		    !gm_reserve_fill_locked(map, gfp, &flags))
			break;
	}
	map->op.buckets += key.visited;
	gm_write_unlock(map, flags);
	gm_reserve_after(map, gfp);
	return ret;
}

/* ---- Delete ---- */

/*
 * Let go of the out-of-line copy @blob from list @id: back to a
 * preallocated map's reserve, else freed after a grace period, or after
 * the last iterator stops if @for_iters and any runs (an evacuated slot of
 * an array an iterator pins may still point at a key).
 */
static void gm_release_blob(struct gomap *map, unsigned int id, struct gm_blob *blob,
			    bool for_iters)
{
	map->bytes -= map->pools[id].size;
	if (map->prealloc) {
		gm_pool_put(map, id, blob);
		return;
	}
	map->stats.deferred_frees++;
	if (for_iters && map->nr_iters) {
		blob->next = map->deferred_frees;
		map->deferred_frees = blob;
	} else {
		kfree_rcu(blob, rcu);
	}
}

/* Let go of the out-of-line key and value of the entry at @pos. */
static void gm_free_entry(struct gomap *map, struct gomap_table *t, struct gm_pos *pos)
{
	size_t len;
	const void *k = slot_key(t, pos->b, pos->i, &len);

	if (k && (map->kind == GM_KEY_STR || map->key_indirect))
		gm_release_blob(map, gm_key_pool(map, len), to_blob(k), true);
	if (t->value_indirect)
		gm_release_blob(map, GM_POOL_VALUE, to_blob(slot_value(t, pos)), false);
}

/*
 * After slot @pos became emptyOne: if nothing live follows it in the chain,
 * turn it and the run of emptyOne slots before it into emptyRest, walking
 * back across earlier buckets of the chain (found from @head).
 */
static void gm_mark_empty_rest(struct gomap_table *t, void *head, struct gm_pos *pos)
{
	void *b = pos->b;
	int i = pos->i;

	if (i == GM_SLOTS - 1) {
		void *next = bkt_overflow(t, b);

		if (next && bkt_tophash(next)[0] != GM_EMPTY_REST)
			return;
	} else if (bkt_tophash(b)[i + 1] != GM_EMPTY_REST) {
		return;
	}
	for (;;) {
		bkt_tophash(b)[i] = GM_EMPTY_REST;
		if (i == 0) {
			void *prev = head;

			if (b == head)
				return;
			while (bkt_overflow(t, prev) != b)
				prev = bkt_overflow(t, prev);
			b = prev;
			i = GM_SLOTS - 1;
		} else {
			i--;
		}
		if (bkt_tophash(b)[i] != GM_EMPTY_ONE)
			return;
	}
}

/**
 * DOC: Preallocated maps
 *
 * gomap_create() with GOMAP_F_PREALLOC (and max_entries) allocates the
 * bucket array max_entries entries need within the load factor, an
 * out-of-line copy for each of max_entries keys and values stored out of
 * line, and one overflow bucket for every GM_SLOTS entries.  Such a map
 * never grows, and no call on it allocates or frees memory.
 *
 * One overflow bucket for every eight entries suffices because a
 * preallocated map keeps its chains packed: a delete moves the chain's
 * last entry into the slot it empties and gives an emptied last overflow
 * bucket back to the reserve, so a chain of n entries has
 * DIV_ROUND_UP(n, 8) buckets.  While an iterator is live, deletes leave
 * their holes instead (moving an entry could make the walk miss it), and
 * an insert may then find the reserve empty and fail with -ENOMEM.
 *
 * gomap_clear() empties a preallocated map in place, in batches of
 * GM_CLEAR_BATCH buckets per lock hold: it takes time proportional to the
 * size of the map, and entries assigned while it runs may survive it.
 * Objects freed on a preallocated map go back to the reserve at once:
 * lockless readers that may still read one validate what they read with
 * the seqcount, and the reserve's memory lives as long as the map.
 */

/* Move the chain's last entry into @pos, which is being deleted; @pos becomes that slot. */
static void gm_pack_chain(struct gomap_table *t, struct gm_pos *pos)
{
	void *b, *last_b = NULL;
	unsigned int i, last_i = 0;

	for (b = pos->b, i = pos->i + 1; b; b = bkt_overflow(t, b), i = 0)
		for (; i < GM_SLOTS; i++)
			if (top_live(bkt_tophash(b)[i])) {
				last_b = b;
				last_i = i;
			}
	if (!last_b)
		return;
	memcpy(bkt_key(t, pos->b, pos->i), bkt_key(t, last_b, last_i), t->key_slot);
	memcpy(bkt_value(t, pos->b, pos->i), bkt_value(t, last_b, last_i), t->value_slot);
	bkt_tophash(pos->b)[pos->i] = bkt_tophash(last_b)[last_i];
	pos->b = last_b;
	pos->i = last_i;
}

/* Give a preallocated map's emptied overflow buckets at the end of a chain back. */
static void gm_trim_chain(struct gomap *map, struct gomap_table *t, void *head)
{
	for (;;) {
		void *prev = head, *b = bkt_overflow(t, head);

		if (!b)
			return;
		for (; bkt_overflow(t, b); b = bkt_overflow(t, b))
			prev = b;
		if (bkt_tophash(b)[0] != GM_EMPTY_REST)
			return;
		WRITE_ONCE(*bkt_overflow_ptr(t, prev), NULL);
		t->nr_overflow--;
		tbl_give_overflow(map, t, b);
	}
}

/* Empty slot @pos of the chain from @head (Go's mapdelete, after the key is found). */
static void gm_delete_slot(struct gomap *map, struct gomap_table *t, void *head,
			   struct gm_pos *pos)
{
	bool pack = map->prealloc && !map->nr_iters;

	gm_free_entry(map, t, pos);
	if (pack)
		gm_pack_chain(t, pos);
	bkt_tophash(pos->b)[pos->i] = GM_EMPTY_ONE;
	gm_mark_empty_rest(t, head, pos);
	if (pack)
		gm_trim_chain(map, t, head);
	if (!--map->count)
		map->hash0 = gm_random(map);	/* Go issue 25237 */
}

static int gm_delete(struct gomap *map, const void *kptr, size_t len)
{
	struct gm_pos pos;
	struct gomap_table *t;
	struct gm_key key;
	unsigned long flags;
	void *head, *last;
	int ret = -ENOENT;

	if (unlikely(in_nmi()))
		return -EBUSY;
	gm_key_init(map, &key, kptr, len);
	flags = gm_write_lock(map);
	map->stats.deletes++;
	if (!map->count)
		goto out;
	gm_key_hash(map, &key);
	if (map->old_table)
		gm_grow_work(map, key.hash);
	head = gm_chain(map, key.hash, &t);
	if (!chain_find(t, head, &key, &pos, NULL, &last))
		goto out;
	gm_delete_slot(map, t, head, &pos);
	ret = 0;
out:
	map->op.buckets += key.visited;
	gm_write_unlock(map, flags);
	gm_reserve_kick(map);	/* a delete allocates nothing itself */
	return ret;
}

/* ---- Exported API ---- */

/**
 * gomap_assign() - Insert or overwrite an entry (Go's m[k] = v).
 * @map: Map with fixed-size keys.
 * @key: Pointer to the key; key_size bytes are copied.
 * @value: Pointer to the value (value_size bytes are copied), or NULL for zeroes.
 * @gfp: Allocation flags for a new bucket, overflow bucket, out-of-line copy or array.
 *
 * If the map is growing, moves up to two old buckets forward first.  If
 * adding the key takes the map over its load factor, starts a growth; when
 * the bigger array cannot be allocated the entry still goes in, on an
 * overflow bucket, and the growth is retried later.
 *
 * Context: Any context.  Takes and releases the map lock.  May drop the
 * lock and sleep if @gfp allows it.
 * Return:
 * * 0 - the entry was stored.
 * * -EINVAL - @map has string keys.
 * * -ENOSPC - the key is new and the map holds max_entries entries.
 * * -ENOMEM - out of memory; the map is unchanged.
 */
int gomap_assign(struct gomap *map, const void *key, const void *value, gfp_t gfp)
{
	if (is_str(map))
		return -EINVAL;
	return gm_assign(map, key, map->params.key_size, value, NULL, NULL, gfp);
}
EXPORT_SYMBOL_GPL(gomap_assign);

/**
 * gomap_assign_str() - Insert or overwrite an entry with a byte-string key.
 * @map: Map created with key_size GOMAP_KEY_STRING.
 * @key: The key bytes; the map keeps its own copy.
 * @len: Key length, 0 to GOMAP_MAX_STR_LEN.
 * @value: Pointer to the value, or NULL for zeroes.
 * @gfp: Allocation flags.
 *
 * As gomap_assign().
 *
 * Context: Any context.  Takes and releases the map lock.  May drop the
 * lock and sleep if @gfp allows it.
 * Return:
 * * 0 - the entry was stored.
 * * -EINVAL - @map has fixed-size keys, or @len is too long.
 * * -ENOSPC - the key is new and the map holds max_entries entries.
 * * -ENOMEM - out of memory; the map is unchanged.
 */
int gomap_assign_str(struct gomap *map, const char *key, size_t len, const void *value,
		     gfp_t gfp)
{
	if (!is_str(map) || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_assign(map, key, len, value, NULL, NULL, gfp);
}
EXPORT_SYMBOL_GPL(gomap_assign_str);

/**
 * gomap_update() - Read-modify-write one value under the map lock.
 * @map: Map with fixed-size keys.
 * @key: Pointer to the key.
 * @fn: Called with the value, whether the key was there, and @arg.
 * @arg: Passed to @fn.
 * @gfp: Allocation flags, as for gomap_assign().
 *
 * Go's m[k] op= x: a missing key is first added with a zeroed value.  @fn
 * runs with the map lock held and interrupts off; it must not sleep or
 * call into @map.
 *
 * Context: Any context.  Takes and releases the map lock.  May drop the
 * lock and sleep if @gfp allows it.
 * Return:
 * * 0 - @fn ran.
 * * -EINVAL - @map has string keys, or @fn is NULL.
 * * -ENOSPC - the key is new and the map is full.
 * * -ENOMEM - out of memory; the map is unchanged and @fn did not run.
 */
int gomap_update(struct gomap *map, const void *key, gomap_update_fn fn, void *arg, gfp_t gfp)
{
	if (is_str(map) || !fn)
		return -EINVAL;
	return gm_assign(map, key, map->params.key_size, NULL, fn, arg, gfp);
}
EXPORT_SYMBOL_GPL(gomap_update);

/**
 * gomap_update_str() - gomap_update() for a byte-string key.
 * @map: Map with string keys.
 * @key: The key bytes.
 * @len: Key length.
 * @fn: Called with the value under the map lock.
 * @arg: Passed to @fn.
 * @gfp: Allocation flags.
 *
 * Context: Any context.  Takes and releases the map lock.  May drop the
 * lock and sleep if @gfp allows it.
 * Return: As gomap_update(); -EINVAL also for a fixed-key map or a too long key.
 */
int gomap_update_str(struct gomap *map, const char *key, size_t len, gomap_update_fn fn,
		     void *arg, gfp_t gfp)
{
	if (!is_str(map) || !fn || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_assign(map, key, len, NULL, fn, arg, gfp);
}
EXPORT_SYMBOL_GPL(gomap_update_str);

/**
 * gomap_delete() - Remove an entry (Go's delete(m, k)).
 * @map: Map with fixed-size keys.
 * @key: Pointer to the key.
 *
 * Moves up to two old buckets forward if the map is growing, allocating
 * nothing that could fail the delete.  When the map becomes empty its hash
 * seed is drawn anew, as Go does.
 *
 * Context: Any context.  Takes and releases the map lock.
 * Return:
 * * 0 - removed.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has string keys.
 */
int gomap_delete(struct gomap *map, const void *key)
{
	if (is_str(map))
		return -EINVAL;
	return gm_delete(map, key, map->params.key_size);
}
EXPORT_SYMBOL_GPL(gomap_delete);

/**
 * gomap_delete_str() - Remove an entry by byte-string key.
 * @map: Map with string keys.
 * @key: The key bytes.
 * @len: Key length.
 *
 * Context: Any context.  Takes and releases the map lock.
 * Return:
 * * 0 - removed.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has fixed-size keys, or @len is too long.
 */
int gomap_delete_str(struct gomap *map, const char *key, size_t len)
{
	if (!is_str(map) || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_delete(map, key, len);
}
EXPORT_SYMBOL_GPL(gomap_delete_str);

/**
 * gomap_len() - Number of entries (Go's len(m)).
 * @map: The map.
 *
 * Context: Any context.  Lockless; the answer may be stale at once.
 * Return: The number of entries.
 */
unsigned long gomap_len(struct gomap *map)
{
	return READ_ONCE(map->count);	/* races with writers by design */
}
EXPORT_SYMBOL_GPL(gomap_len);

/* Free blobs deferred for iterators once none is left; called with the list detached. */
struct gm_blob *gm_detach_deferred(struct gomap *map)
{
	struct gm_blob *list = NULL;

	if (!map->nr_iters) {
		list = map->deferred_frees;
		map->deferred_frees = NULL;
	}
	return list;
}

/* Forget every entry and array; the tables free their entries when unpinned. */
static void gm_reset(struct gomap *map)
{
	bool owns = map->count && !map->prealloc &&
		    (is_str(map) || map->key_indirect || map->value_indirect);

	map->stats.deferred_frees += !!map->table + !!map->old_table;
	gm_drop_table(map, map->table, owns);
	gm_drop_table(map, map->old_table, owns);
	WRITE_ONCE(map->table, NULL);
	WRITE_ONCE(map->old_table, NULL);
	map->count = 0;
	map->B = 0;
	map->nr_overflow = 0;
	map->same_size_grow = false;
	map->evac_next = 0;
	map->clear_seq++;
	map->hash0 = gm_random(map);
	map->bytes = 0;	/* the tables took their entries' out-of-line bytes along */
}

/* Empty the chain from @head of a preallocated map, giving its objects back. */
static void gm_clear_chain(struct gomap *map, struct gomap_table *t, void *head)
{
	struct gm_pos pos = { .t = t };
	void *b, *next;

	for (b = head; b; b = next) {
		next = bkt_overflow(t, b);
		for (pos.b = b, pos.i = 0; pos.i < GM_SLOTS; pos.i++) {
			if (!top_live(bkt_tophash(b)[pos.i]))
				continue;
			gm_free_entry(map, t, &pos);
			map->count--;
		}
		if (b != head) {
			t->nr_overflow--;
			tbl_give_overflow(map, t, b);
		}
	}
	memset(head, 0, t->bucket_size);	/* all emptyRest, no overflow */
}

/* gomap_clear() of a preallocated map: in place, a batch of buckets per lock hold. */
static void gm_clear_in_place(struct gomap *map)
{
	struct gomap_table *t = map->table;	/* a preallocated map keeps its array */
	unsigned long idx, flags;

	flags = gm_write_lock(map);
	map->clear_seq++;
	for (idx = 0; idx < tbl_size(t); idx++) {
		if (idx && !(idx % GM_CLEAR_BATCH)) {
			gm_write_unlock(map, flags);
			flags = gm_write_lock(map);
		}
		gm_clear_chain(map, t, tbl_bucket(t, idx));
	}
	if (!map->count)
		map->hash0 = gm_random(map);
	gm_write_unlock(map, flags);
}

/**
 * gomap_clear() - Remove every entry (Go's clear(m) / mapclear).
 * @map: The map.
 *
 * Unlike Go's mapclear, which zeroes the array in place, the array is
 * dropped and the map starts again from one bucket: clearing in place is
 * work proportional to the map's size under the lock.  The old arrays and
 * the entries' out-of-line memory are freed after an RCU grace period.
 * Iterators in progress end at their next step.  A map created with
 * GOMAP_F_PREALLOC is emptied in place instead, GM_CLEAR_BATCH buckets per
 * lock hold (see DOC: Preallocated maps): the call takes time proportional
 * to the map's size, and entries assigned meanwhile may survive it.
 *
 * Context: Any context but NMI, where it warns and does nothing.  Takes and
 * releases the map lock.
 */
void gomap_clear(struct gomap *map)
{
	struct gm_blob *deferred;
	unsigned long flags;

	if (WARN_ON_ONCE(in_nmi()))
		return;
	if (map->prealloc) {
		gm_clear_in_place(map);
		return;
	}
	flags = gm_write_lock(map);
	gm_reset(map);
	deferred = gm_detach_deferred(map);
	gm_write_unlock(map, flags);
	blob_free_list(deferred);
}
EXPORT_SYMBOL_GPL(gomap_clear);

/* Lookups count per CPU, since they take no lock. */
static void gm_sum_read_stats(struct gomap *map, struct gomap_stats *stats)
{
	int cpu;

	stats->hits = 0;
	stats->misses = 0;
	for_each_possible_cpu(cpu) {
		const struct gm_read_stats *rs = per_cpu_ptr(map->read_stats, cpu);

		stats->hits += READ_ONCE(rs->hits);
		stats->misses += READ_ONCE(rs->misses);
	}
	stats->lookups = stats->hits + stats->misses;
}

/**
 * gomap_stats() - Take a consistent snapshot of a map's state and counters.
 * @map: The map.
 * @stats: Filled in.
 *
 * Context: Any context.  Takes and releases the map lock.  In NMI context,
 * where the lock could be this CPU's, fills @stats with zeroes.
 */
void gomap_stats(struct gomap *map, struct gomap_stats *stats)
{
	unsigned long flags;

	if (unlikely(in_nmi())) {
		memset(stats, 0, sizeof(*stats));
		return;
	}
	raw_spin_lock_irqsave(&map->lock, flags);
	*stats = map->stats;
	stats->count = map->count;
	stats->B = map->B;
	stats->noverflow = map->nr_overflow;
	stats->overflow_buckets = (map->table ? map->table->nr_overflow : 0) +
				  (map->old_table ? map->old_table->nr_overflow : 0);
	stats->growing = !!map->old_table;
	stats->same_size_growing = map->same_size_grow;
	stats->nevacuate = map->evac_next;
	stats->bytes = map->bytes;
	gm_sum_read_stats(map, stats);
	raw_spin_unlock_irqrestore(&map->lock, flags);
}
EXPORT_SYMBOL_GPL(gomap_stats);

/**
 * gomap_params() - The shape a map was created with.
 * @map: The map.
 *
 * Context: Any context.
 * Return: The parameters; valid as long as @map is.
 */
const struct gomap_params *gomap_params(const struct gomap *map)
{
	return &map->params;
}
EXPORT_SYMBOL_GPL(gomap_params);

/* ---- Create and destroy ---- */

static int gm_check_params(const struct gomap_params *p)
{
	if (!p || p->key_size > GOMAP_MAX_KEY_SIZE || p->value_size > GOMAP_MAX_VALUE_SIZE ||
	    (p->flags & ~GOMAP_F_PREALLOC))
		return -EINVAL;
	/* A preallocated map is sized by max_entries; string keys vary in size. */
	if ((p->flags & GOMAP_F_PREALLOC) && (!p->max_entries || p->key_size == GOMAP_KEY_STRING))
		return -EINVAL;
	return 0;
}

/* Choose the fast path and the bucket layout from the key and value sizes. */
static void gm_set_shape(struct gomap *map)
{
	unsigned int ks = map->params.key_size, vs = map->params.value_size;

	if (ks == GOMAP_KEY_STRING)
		map->kind = GM_KEY_STR;
	else if (ks == sizeof(u32))
		map->kind = GM_KEY_U32;
	else if (ks == sizeof(u64))
		map->kind = GM_KEY_U64;
	else
		map->kind = GM_KEY_MEM;
	map->key_indirect = ks > GM_MAX_INLINE;
	map->value_indirect = vs > GM_MAX_INLINE;
	if (map->kind == GM_KEY_STR)
		map->key_slot = sizeof(struct gm_str);
	else
		map->key_slot = map->key_indirect ? sizeof(void *) : ks;
	map->value_slot = map->value_indirect ? sizeof(void *) : vs;
	map->value_off = GM_SLOTS + ALIGN(GM_SLOTS * map->key_slot, 8);
	map->bucket_size = map->value_off + ALIGN(GM_SLOTS * map->value_slot, 8) +
			   sizeof(void *);
	map->prealloc = map->params.flags & GOMAP_F_PREALLOC;
}

/* The first array: sized by the hint (Go's makemap), or by max_entries when preallocated. */
static int gm_create_table(struct gomap *map, gfp_t gfp)
{
	unsigned int want = map->prealloc ? map->params.max_entries : map->params.hint;
	unsigned int shift = 0;

	while (over_load_factor(want, shift))
		shift++;
	map->B = shift;
	if (!shift && !map->prealloc)
		return 0;	/* makemap_small: the first assign takes one bucket */
	map->table = tbl_alloc(map, shift, gfp | __GFP_NOWARN, true);
	if (!map->table)
		return -ENOMEM;
	map->bytes = map->table->bytes;
	return 0;
}

static void gm_free(struct gomap *map)
{
	gm_reserve_free(map);
	free_percpu(map->read_stats);
	kfree(map);
}

/**
 * gomap_create() - Create a map (Go's makemap / makemap_small).
 * @params: Key and value sizes, size hint, entry limit and flags; copied.
 * @gfp: Allocation flags for the map, its reserve and, when @params->hint
 *       asks for more than one bucket, its first bucket array.
 *
 * A hint of at most 8 entries allocates no bucket until the first assign.
 * Larger hints allocate the smallest array that holds them within the load
 * factor.  The map's reserve (see DOC: Memory reserve) starts with a few
 * objects of each size the map needs, so that its first assigns can be
 * made where allocating is not allowed.  With GOMAP_F_PREALLOC the array
 * and the reserve are sized for max_entries and nothing is allocated
 * after this call (see DOC: Preallocated maps).  Each map gets its own
 * random hash seed.
 *
 * Context: Process context, or with a @gfp that does not sleep any context
 * the kernel allows to allocate: not NMI or hardirq, and on PREEMPT_RT
 * only where preemptible().
 * Return:
 * * The map - on success.
 * * ERR_PTR(-EINVAL) - bad @params: a size over its maximum, an unknown
 *   flag, or GOMAP_F_PREALLOC without max_entries or with string keys.
 * * ERR_PTR(-EBUSY) - @gfp does not sleep and the context may not allocate.
 * * ERR_PTR(-ENOMEM) - out of memory.
 */
struct gomap *gomap_create(const struct gomap_params *params, gfp_t gfp)
{
	struct gomap *map;

	if (gm_check_params(params))
		return ERR_PTR(-EINVAL);
	if (!gfpflags_allow_blocking(gfp) && !gm_context_may_alloc())
		return ERR_PTR(-EBUSY);
	might_alloc(gfp);
	map = kzalloc(sizeof(*map), gfp);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->read_stats = alloc_percpu_gfp(struct gm_read_stats, gfp);
	if (!map->read_stats)
		goto err_free;
	raw_spin_lock_init(&map->lock);
	seqcount_raw_spinlock_init(&map->seq, &map->lock);
	map->params = *params;
	gm_set_shape(map);
	map->hash0 = get_random_u64();
	get_random_bytes(&map->rnd_key, sizeof(map->rnd_key));
	if (gm_create_table(map, gfp) || gm_reserve_init(map, gfp))
		goto err_free;
	return map;

err_free:
	if (map->table)
		tbl_put(map->table);
	gm_free(map);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(gomap_create);

/**
 * gomap_destroy() - Free a map and everything in it.
 * @map: The map, or NULL.  No other call on it may run or follow, and no
 *       iterator may be live.
 *
 * Waits for the map's worker.  The arrays are freed after an RCU grace
 * period.
 *
 * Context: Process context.  May sleep.
 */
void gomap_destroy(struct gomap *map)
{
	struct gm_blob *deferred;
	unsigned long flags;

	if (!map)
		return;
	might_sleep();
	irq_work_sync(&map->kick);	/* it queues the worker: first */
	cancel_work_sync(&map->work);
	raw_spin_lock_irqsave(&map->lock, flags);
	WARN_ON_ONCE(map->nr_iters);
	gm_reset(map);
	tbl_put(map->ready_table);
	map->ready_table = NULL;
	deferred = map->deferred_frees;
	map->deferred_frees = NULL;
	raw_spin_unlock_irqrestore(&map->lock, flags);
	blob_free_list(deferred);
	gm_free(map);
}
EXPORT_SYMBOL_GPL(gomap_destroy);
