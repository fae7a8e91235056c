// SPDX-License-Identifier: GPL-2.0
/*
 * gomap core: Go's classic runtime hash map (hmap) for the kernel.
 *
 * Names used throughout: @map is the whole map, @h one of its shards, a
 * Go map (Go's hmap), @t a bucket array (table), @b a bucket, @i a slot
 * index, @it an iterator, @hash the full 64-bit hash of a key and @top its
 * tophash byte.  Go's names stand in comments beside the C names where
 * they differ.
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
static int gm_store_key(struct gm_hmap *h, struct gm_pos *pos, const struct gm_key *key)
{
	struct gomap_table *t = pos->t;
	void *kslot = bkt_key(t, pos->b, pos->i);
	struct gm_blob *blob = NULL, *value;
	unsigned int kpool = GM_POOL_KEY;

	if ((h->kind == GM_KEY_STR && key->len) || h->key_indirect) {
		kpool = gm_key_pool(h, key->len);
		blob = gm_pool_take(h, kpool);
		if (!blob)
			return -ENOMEM;
		blob->len = key->len;
		memcpy(blob->data, key->ptr, key->len);
	}
	if (h->value_indirect) {
		value = gm_pool_take(h, GM_POOL_VALUE);
		if (!value) {
			if (blob)	/* never published: straight back */
				gm_pool_put(h, kpool, blob);
			return -ENOMEM;
		}
		value->len = h->params.value_size;
		h->bytes += h->pools[GM_POOL_VALUE].size;
		WRITE_ONCE(*(void **)bkt_value(t, pos->b, pos->i), value->data);
	}

	if (h->kind == GM_KEY_STR) {
		struct gm_str *s = kslot;

		WRITE_ONCE(s->ptr, blob ? blob->data : NULL);
		s->len = key->len;
	} else if (h->key_indirect) {
		WRITE_ONCE(*(void **)kslot, blob->data);
	} else {
		gm_memcpy(kslot, key->ptr, key->len);
	}
	if (blob)
		h->bytes += h->pools[kpool].size;
	smp_wmb();	/* the key before the tophash that lets lockless readers at it */
	bkt_tophash(pos->b)[pos->i] = key->top;
	h->count++;
	return 0;
}

/*
 * Overwrite a 4-byte or word-sized inline value with one store, outside
 * any write section: a lockless lookup loads it with one load
 * (gm_load_value()) and sees the old value or the new, never a mix, so
 * it need not look again.  This is rhashtable's WRITE_ONCE() update.
 * Returns false for other values, which need a write section.
 */
static bool gm_store_word(struct gm_hmap *h, void *v, const void *value)
{
	if (h->value_indirect)
		return false;
	if (h->params.value_size == sizeof(unsigned long))
		WRITE_ONCE(*(unsigned long *)v, get_unaligned((const unsigned long *)value));
	else if (h->params.value_size == sizeof(u32))
		WRITE_ONCE(*(u32 *)v, get_unaligned((const u32 *)value));
	else
		return false;
	return true;
}

/* Write the value of an assign or run an update's callback on it. */
static void gm_set_value(struct gm_hmap *h, struct gm_pos *pos, const void *value,
			 gomap_update_fn fn, void *arg, bool found)
{
	void *v = slot_value(pos->t, pos);
	size_t size = h->params.value_size;

	h->op.bytes += size;
	if (found && !fn && value && gm_store_word(h, v, value))
		return;
	gm_write_begin(h);
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
static int gm_new_slot(struct gm_hmap *h, struct gomap_table *t, void *last,
		       struct gm_pos *free)
{
	void *ovf = tbl_take_overflow(h, t);

	if (!ovf)
		return -ENOMEM;
	tbl_link_overflow(h, t, last, ovf);
	free->b = ovf;
	free->i = 0;
	free->t = t;
	return 0;
}

/* Give a fresh or cleared map its first bucket (Go's mapassign step 2, makemap_small). */
static int gm_first_table(struct gm_hmap *h)
{
	struct gomap_table *t = tbl_take_first(h);

	if (!t)
		return -ENOMEM;
	smp_wmb();	/* zeroed before lockless readers can see it */
	WRITE_ONCE(h->table, t);
	h->bytes += t->bytes;
	return 0;
}

/*
 * Go's mapassign, with the map lock held.  Returns 0, -ENOSPC, -ENOMEM
 * (the reserve lacked an object), or -EAGAIN after dropping the lock
 * (look again).
 */
static int gm_assign_locked(struct gm_hmap *h, struct gm_key *key, const void *value,
			    gomap_update_fn fn, void *arg, gfp_t gfp, unsigned long *flags)
	__must_hold(&h->lock)
{
	struct gm_pos pos, free;
	struct gomap_table *t;
	void *b, *last;
	int ret;

	if (!h->table) {
		if (gm_full(h))
			return -ENOSPC;	/* other shards hold every entry; the key is new */
		gm_write_begin(h);
		if (gm_first_table(h))
			return -ENOMEM;
	}
	gm_key_hash(h, key);
	if (h->old_table) {
		gm_write_begin(h);
		gm_grow_work(h, key->hash);
	}
	b = gm_chain(h, key->hash, &t);
	if (chain_find(t, b, key, &pos, &free, &last)) {
		gm_set_value(h, &pos, value, fn, arg, true);
		return 0;
	}
	if (gm_full(h))
		return -ENOSPC;
	gm_write_begin(h);
	if (!h->old_table && !h->prealloc &&
	    (over_load_factor(h->count + 1, h->B) ||
	     too_many_overflow(h->nr_overflow, h->B))) {
		ret = gm_hash_grow(h, gfp, flags);
		if (ret != -ENOMEM)
			return -EAGAIN;	/* grown or lock dropped: the bucket moved */
	}
	if (!gm_take_entry(h))
		return -ENOSPC;	/* another shard took the last entry meanwhile */
	ret = free.b ? 0 : gm_new_slot(h, t, last, &free);
	ret = ret ?: gm_store_key(h, &free, key);
	if (ret) {
		gm_give_entries(h, 1);
		return ret;
	}
	gm_set_value(h, &free, value, fn, arg, false);
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
static bool gm_assign_may_refill(struct gm_hmap *h, gfp_t gfp, unsigned int fills)
{
	if (h->op.fail_fired || !h->op.may_alloc)
		return false;
	return gfpflags_allow_blocking(gfp) || fills < GM_FILL_TRIES;
}

static int gm_assign(struct gomap *map, const void *kptr, size_t len, const void *value,
		     gomap_update_fn fn, void *arg, gfp_t gfp)
{
	unsigned int fills = 0;
	struct gm_key key;
	struct gm_hmap *h;
	unsigned long flags;
	int ret;

	if (unlikely(in_nmi()))
		return -EBUSY;
	might_alloc(gfp);
	gm_key_init_kind(&key, kptr, len, map->kind);
	h = gm_shard_of(map, &key);
	flags = gm_lock_op(h);	/* the write section begins at the first change */
	this_cpu_inc(map->read_stats->assigns);
	for (;;) {
		ret = gm_assign_locked(h, &key, value, fn, arg, gfp, &flags);
		if (ret == -EAGAIN)
			continue;
		if (ret != -ENOMEM || !gm_assign_may_refill(h, gfp, fills++) ||
		    !gm_reserve_fill_locked(h, gfp, &flags))
			break;
	}
	h->op.buckets += key.visited;
	gm_write_unlock(h, flags);
	gm_reserve_after(h, gfp);
	return ret;
}

/* ---- Delete ---- */

/*
 * Let go of the out-of-line copy @blob from list @id: back to a
 * preallocated map's reserve, else freed after a grace period, or after
 * the last iterator stops if @for_iters and any runs (an evacuated slot of
 * an array an iterator pins may still point at a key).
 */
static void gm_release_blob(struct gm_hmap *h, unsigned int id, struct gm_blob *blob,
			    bool for_iters)
{
	h->bytes -= h->pools[id].size;
	if (h->prealloc) {
		gm_pool_put(h, id, blob);
		return;
	}
	h->stats.deferred_frees++;
	if (for_iters && h->nr_iters) {
		blob->next = h->deferred_frees;
		h->deferred_frees = blob;
	} else {
		kfree_rcu(blob, rcu);
	}
}

/* Let go of the out-of-line key and value of the entry at @pos. */
static void gm_free_entry(struct gm_hmap *h, struct gomap_table *t, struct gm_pos *pos)
{
	size_t len;
	const void *k = slot_key(t, pos->b, pos->i, &len);

	if (k && (h->kind == GM_KEY_STR || h->key_indirect))
		gm_release_blob(h, gm_key_pool(h, len), to_blob(k), true);
	if (t->value_indirect)
		gm_release_blob(h, GM_POOL_VALUE, to_blob(slot_value(t, pos)), false);
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
static void gm_trim_chain(struct gm_hmap *h, struct gomap_table *t, void *head)
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
		tbl_give_overflow(h, t, b);
	}
}

/* Empty slot @pos of the chain from @head (Go's mapdelete, after the key is found). */
static void gm_delete_slot(struct gm_hmap *h, struct gomap_table *t, void *head,
			   struct gm_pos *pos)
{
	bool pack = h->prealloc && !h->nr_iters;

	gm_free_entry(h, t, pos);
	if (pack)
		gm_pack_chain(t, pos);
	bkt_tophash(pos->b)[pos->i] = GM_EMPTY_ONE;
	gm_mark_empty_rest(t, head, pos);
	if (pack)
		gm_trim_chain(h, t, head);
	gm_give_entries(h, 1);
	if (!--h->count)
		gm_reseed(h);	/* Go issue 25237 */
}

static int gm_delete(struct gomap *map, const void *kptr, size_t len)
{
	struct gm_pos pos;
	struct gomap_table *t;
	struct gm_key key;
	struct gm_hmap *h;
	unsigned long flags;
	void *head, *last;
	int ret = -ENOENT;

	if (unlikely(in_nmi()))
		return -EBUSY;
	gm_key_init_kind(&key, kptr, len, map->kind);
	h = gm_shard_of(map, &key);
	flags = gm_write_lock(h);
	this_cpu_inc(map->read_stats->deletes);
	if (h->count) {
		gm_key_hash(h, &key);
		if (h->old_table)
			gm_grow_work(h, key.hash);
		head = gm_chain(h, key.hash, &t);
		if (chain_find(t, head, &key, &pos, NULL, &last)) {
			gm_delete_slot(h, t, head, &pos);
			ret = 0;
		}
	} else if (h->old_table) {
		gm_evacuate(h, h->evac_next);	/* an emptied shard's shrink goes on */
	}
	if (!h->old_table)
		gm_maybe_shrink(h);
	h->op.buckets += key.visited;
	gm_write_unlock(h, flags);
	gm_reserve_kick(h);	/* a delete allocates nothing itself */
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
	if (gm_map_str(map))
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
	if (!gm_map_str(map) || len > GOMAP_MAX_STR_LEN)
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
	if (gm_map_str(map) || !fn)
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
	if (!gm_map_str(map) || !fn || len > GOMAP_MAX_STR_LEN)
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
	if (gm_map_str(map))
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
	if (!gm_map_str(map) || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_delete(map, key, len);
}
EXPORT_SYMBOL_GPL(gomap_delete_str);

/* Free blobs deferred for iterators once none is left; called with the list detached. */
struct gm_blob *gm_detach_deferred(struct gm_hmap *h)
{
	struct gm_blob *list = NULL;

	if (!h->nr_iters) {
		list = h->deferred_frees;
		h->deferred_frees = NULL;
	}
	return list;
}

/* Forget every entry and array; the tables free their entries when unpinned. */
static void gm_reset(struct gm_hmap *h)
{
	bool owns = h->count && !h->prealloc &&
		    (is_str(h) || h->key_indirect || h->value_indirect);

	h->stats.deferred_frees += !!h->table + !!h->old_table;
	gm_drop_table(h, h->table, owns);
	gm_drop_table(h, h->old_table, owns);
	WRITE_ONCE(h->table, NULL);
	WRITE_ONCE(h->old_table, NULL);
	gm_give_entries(h, h->count);
	h->count = 0;
	h->B = 0;
	h->nr_overflow = 0;
	h->same_size_grow = false;
	h->shrinking = false;
	h->evac_next = 0;
	h->clear_seq++;
	gm_reseed(h);
	h->bytes = 0;	/* the tables took their entries' out-of-line bytes along */
}

/* Empty the chain from @head of a preallocated map, giving its objects back. */
static void gm_clear_chain(struct gm_hmap *h, struct gomap_table *t, void *head)
{
	struct gm_pos pos = { .t = t };
	void *b, *next;

	for (b = head; b; b = next) {
		next = bkt_overflow(t, b);
		for (pos.b = b, pos.i = 0; pos.i < GM_SLOTS; pos.i++) {
			if (!top_live(bkt_tophash(b)[pos.i]))
				continue;
			gm_free_entry(h, t, &pos);
			gm_give_entries(h, 1);
			h->count--;
		}
		if (b != head) {
			t->nr_overflow--;
			tbl_give_overflow(h, t, b);
		}
	}
	memset(head, 0, t->bucket_size);	/* all emptyRest, no overflow */
}

/* gomap_clear() of a preallocated map: in place, a batch of buckets per lock hold. */
static void gm_clear_in_place(struct gm_hmap *h)
{
	struct gomap_table *t = h->table;	/* a preallocated map keeps its array */
	unsigned long idx, flags;

	flags = gm_write_lock(h);
	h->clear_seq++;
	for (idx = 0; idx < tbl_size(t); idx++) {
		if (idx && !(idx % GM_CLEAR_BATCH)) {
			gm_write_unlock(h, flags);
			flags = gm_write_lock(h);
		}
		gm_clear_chain(h, t, tbl_bucket(t, idx));
	}
	if (!h->count)
		gm_reseed(h);
	gm_write_unlock(h, flags);
}

/*
 * gm_hmap_clear() - gomap_clear() of one shard: drop its arrays and start
 * again from one bucket (see gomap_clear()), or empty a preallocated
 * shard in place.
 * @h: The shard, not locked.
 */
void gm_hmap_clear(struct gm_hmap *h)
{
	struct gm_blob *deferred;
	unsigned long flags;

	if (h->prealloc) {
		gm_clear_in_place(h);
		return;
	}
	flags = gm_write_lock(h);
	gm_reset(h);
	deferred = gm_detach_deferred(h);
	gm_write_unlock(h, flags);
	blob_free_list(deferred);
}

/*
 * gm_hmap_stats() - A consistent snapshot of one shard's state and
 * counters; the lookup counters are the map's (gomap_stats()).
 * @h: The shard, not locked.
 * @stats: Filled in.
 */
void gm_hmap_stats(struct gm_hmap *h, struct gomap_stats *stats)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&h->lock, flags);
	*stats = h->stats;
	stats->count = h->count;
	stats->B = h->B;
	stats->buckets = 1UL << h->B;
	stats->noverflow = h->nr_overflow;
	stats->overflow_buckets = (h->table ? h->table->nr_overflow : 0) +
				  (h->old_table ? h->old_table->nr_overflow : 0);
	stats->growing = !!h->old_table;
	stats->same_size_growing = h->same_size_grow;
	stats->shrinking = h->shrinking;
	stats->nevacuate = h->evac_next;
	stats->bytes = h->bytes;
	raw_spin_unlock_irqrestore(&h->lock, flags);
}

/* ---- Create and destroy ---- */

/* Choose the fast path and the bucket layout from the key and value sizes. */
static void gm_set_shape(struct gm_hmap *h)
{
	unsigned int ks = h->params.key_size, vs = h->params.value_size;

	h->kind = gm_key_kind_of(ks);
	h->key_indirect = ks > GM_MAX_INLINE;
	h->value_indirect = vs > GM_MAX_INLINE;
	if (h->kind == GM_KEY_STR)
		h->key_slot = sizeof(struct gm_str);
	else
		h->key_slot = h->key_indirect ? sizeof(void *) : ks;
	h->value_slot = h->value_indirect ? sizeof(void *) : vs;
	h->value_off = GM_SLOTS + ALIGN(GM_SLOTS * h->key_slot, 8);
	h->bucket_size = h->value_off + ALIGN(GM_SLOTS * h->value_slot, 8) + sizeof(void *);
	h->prealloc = h->params.flags & GOMAP_F_PREALLOC;
}

/* The first array: sized by the hint (Go's makemap), or by max_entries when preallocated. */
static int gm_create_table(struct gm_hmap *h, gfp_t gfp)
{
	unsigned int want = h->prealloc ? h->params.max_entries : h->params.hint;
	unsigned int shift = 0;

	while (over_load_factor(want, shift))
		shift++;
	h->B = shift;
	h->min_B = shift;
	if (!shift && !h->prealloc)
		return 0;	/* makemap_small: the first assign takes one bucket */
	h->table = tbl_alloc(h, shift, gfp | __GFP_NOWARN, true, true);
	if (!h->table)
		return -ENOMEM;
	h->bytes = h->table->bytes;
	return 0;
}

/**
 * gm_hmap_init() - Set up shard @h of @map, whose params and kind are set.
 * @h: The shard, zeroed.
 * @map: The map.
 * @hint: The entries this shard is expected to hold.
 * @gfp: gomap_create()'s allocation flags.
 *
 * Return: 0 or -ENOMEM; gm_hmap_destroy() undoes either.
 */
int gm_hmap_init(struct gm_hmap *h, struct gomap *map, unsigned int hint, gfp_t gfp)
{
	raw_spin_lock_init(&h->lock);
	seqcount_raw_spinlock_init(&h->seq, &h->lock);
	init_irq_work(&h->kick, gm_reserve_kick_fn);
	INIT_WORK(&h->work, gm_reserve_worker);
	h->map = map;
	h->params = map->params;
	h->params.hint = hint;
	gm_set_shape(h);
	/* The only shard keeps Go's seed, redrawn when it empties; shards share one. */
	h->reseed = map->shard_bits == 0;
	h->hash0 = map->seed;
	get_random_bytes(&h->rnd_key, sizeof(h->rnd_key));
	if (gm_create_table(h, gfp) || gm_reserve_init(h, gfp))
		return -ENOMEM;
	return 0;
}

/**
 * gm_hmap_destroy() - Free everything shard @h holds.
 * @h: The shard; gm_hmap_init() ran on it, successfully or not.
 *
 * Context: Process context.  May sleep: waits for the shard's worker.
 */
void gm_hmap_destroy(struct gm_hmap *h)
{
	struct gm_blob *deferred;
	unsigned long flags;

	irq_work_sync(&h->kick);	/* it queues the worker: first */
	cancel_work_sync(&h->work);
	raw_spin_lock_irqsave(&h->lock, flags);
	WARN_ON_ONCE(h->nr_iters);
	gm_reset(h);
	tbl_put(h->ready_table);
	h->ready_table = NULL;
	deferred = h->deferred_frees;
	h->deferred_frees = NULL;
	raw_spin_unlock_irqrestore(&h->lock, flags);
	blob_free_list(deferred);
	gm_reserve_free(h);
}
