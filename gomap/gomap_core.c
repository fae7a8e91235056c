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
/* ---- Assign ---- */

/*
 * Store a new key in free slot @pos; allocate its out-of-line copies.
 * Returns -ENOMEM, recording what was missing in @spare, with nothing
 * changed.
 */
static int gm_store_key(struct gomap *map, struct gm_pos *pos, const struct gm_key *key,
			gfp_t gfp, struct gm_spare *spare)
{
	struct gomap_table *t = pos->t;
	void *kslot = bkt_key(t, pos->b, pos->i);
	struct gm_blob *blob = NULL, *value;

	if ((map->kind == GM_KEY_STR && key->len) || map->key_indirect) {
		blob = gm_spare_alloc(map, sizeof(*blob) + key->len, gfp, (void **)&spare->key);
		if (!blob) {
			spare->need_key = sizeof(*blob) + key->len;
			return -ENOMEM;
		}
		blob->len = key->len;
		memcpy(blob->data, key->ptr, key->len);
	}
	if (map->value_indirect) {
		value = gm_spare_alloc(map, sizeof(*value) + map->params.value_size, gfp,
				       (void **)&spare->value);
		if (!value) {
			spare->need_value = true;
			if (blob) {	/* never published: no grace period needed */
				map->bytes -= sizeof(*blob) + key->len;
				kfree(blob);
			}
			return -ENOMEM;
		}
		value->len = map->params.value_size;
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

	map->op_bytes += size;
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
static int gm_new_slot(struct gomap *map, struct gomap_table *t, void *last, gfp_t gfp,
		       struct gm_spare *spare, struct gm_pos *free)
{
	void *ovf = tbl_take_overflow(map, t, gm_gfp_locked(gfp), spare);

	if (!ovf) {
		spare->need_ovf = true;
		return -ENOMEM;
	}
	tbl_link_overflow(map, t, last, ovf);
	free->b = ovf;
	free->i = 0;
	free->t = t;
	return 0;
}

/* Give a fresh map its first bucket (Go's mapassign step 2, makemap_small). */
static int gm_first_table(struct gomap *map, gfp_t gfp)
{
	struct gomap_table *t;

	if (gm_fail_injected(map, map->bucket_size))
		return -ENOMEM;
	t = tbl_alloc(map, map->B, gm_gfp_locked(gfp), true);
	if (!t)
		return -ENOMEM;
	smp_wmb();	/* zeroed before lockless readers can see it */
	WRITE_ONCE(map->table, t);
	map->bytes += t->bytes;
	return 0;
}

/*
 * Go's mapassign, with the map lock held.  Returns 0, -ENOSPC, -ENOMEM
 * (with @spare saying what to allocate), or -EAGAIN after dropping the
 * lock (look again).
 */
static int gm_assign_locked(struct gomap *map, struct gm_key *key, const void *value,
			    gomap_update_fn fn, void *arg, gfp_t gfp, struct gm_spare *spare,
			    unsigned long *flags)
	__must_hold(&map->lock)
{
	struct gm_pos pos, free;
	struct gomap_table *t;
	void *b, *last;
	int ret;

	if (!map->table) {
		gm_write_begin(map);
		if (gm_first_table(map, gfp))
			return -ENOMEM;
	}
	gm_key_hash(map, key);
	if (map->old_table) {
		gm_write_begin(map);
		gm_grow_work(map, key->hash, gfp);
	}
	b = gm_chain(map, key->hash, &t);
	if (chain_find(t, b, key, &pos, &free, &last)) {
		gm_set_value(map, &pos, value, fn, arg, true);
		return 0;
	}
	if (map->params.max_entries && map->count >= map->params.max_entries)
		return -ENOSPC;
	gm_write_begin(map);
	if (!map->old_table && (over_load_factor(map->count + 1, map->B) ||
				too_many_overflow(map->nr_overflow, map->B))) {
		ret = gm_hash_grow(map, gfp, flags);
		if (ret != -ENOMEM)
			return -EAGAIN;	/* grown or lock dropped: the bucket moved */
	}
	if (!free.b && gm_new_slot(map, t, last, gfp, spare, &free))
		return -ENOMEM;
	ret = gm_store_key(map, &free, key, gfp, spare);
	if (ret)
		return ret;
	gm_set_value(map, &free, value, fn, arg, false);
	return 0;
}

/* Allocate what gm_assign_locked() could not get without sleeping. */
static void gm_spare_fill(struct gomap *map, struct gm_spare *spare, gfp_t gfp)
{
	if (spare->need_key && !spare->key)
		spare->key = kmalloc(spare->need_key, gfp);
	if (spare->need_value && !spare->value)
		spare->value = kmalloc(sizeof(*spare->value) + map->params.value_size, gfp);
	if (spare->need_ovf && !spare->ovf)
		spare->ovf = kmalloc(sizeof(*spare->ovf) + map->bucket_size, gfp);
}

static void gm_spare_free(struct gm_spare *spare)
{
	kfree(spare->key);
	kfree(spare->value);
	kfree(spare->ovf);
}

static int gm_assign(struct gomap *map, const void *kptr, size_t len, const void *value,
		     gomap_update_fn fn, void *arg, gfp_t gfp)
{
	struct gm_spare spare = { };
	bool retried = false;
	struct gm_key key;
	unsigned long flags;
	int ret;

	might_alloc(gfp);
	gm_key_init(map, &key, kptr, len);
	flags = gm_lock(map);	/* the write section begins at the first change */
	map->stats.assigns++;
	for (;;) {
		ret = gm_assign_locked(map, &key, value, fn, arg, gfp, &spare, &flags);
		if (ret == -EAGAIN)
			continue;
		if (ret != -ENOMEM || retried || map->fail_fired || !gfpflags_allow_blocking(gfp))
			break;
		/* Sleep for what could not be had atomically, then look again. */
		retried = true;
		gm_write_pause(map, flags);
		gm_spare_fill(map, &spare, gfp);
		flags = gm_write_resume(map);
		spare.need_key = 0;
		spare.need_value = false;
		spare.need_ovf = false;
	}
	map->op_buckets += key.visited;
	gm_write_unlock(map, flags);
	if (retried)	/* only a retry fills spares */
		gm_spare_free(&spare);
	return ret;
}

/* ---- Delete ---- */

/* Free an out-of-line key; keep it until the last iterator stops if any runs. */
static void gm_free_key(struct gomap *map, struct gomap_table *t, struct gm_pos *pos)
{
	size_t len;
	const void *k = slot_key(t, pos->b, pos->i, &len);
	struct gm_blob *blob;

	if (!k || (map->kind != GM_KEY_STR && !map->key_indirect))
		return;
	blob = to_blob(k);
	map->bytes -= sizeof(*blob) + len;
	if (map->nr_iters) {
		blob->next = map->deferred_frees;
		map->deferred_frees = blob;
	} else {
		kfree_rcu(blob, rcu);
	}
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

static int gm_delete(struct gomap *map, const void *kptr, size_t len)
{
	struct gm_pos pos;
	struct gomap_table *t;
	struct gm_key key;
	unsigned long flags;
	void *head, *last;
	int ret = -ENOENT;

	gm_key_init(map, &key, kptr, len);
	flags = gm_write_lock(map);
	map->stats.deletes++;
	if (!map->count)
		goto out;
	gm_key_hash(map, &key);
	if (map->old_table)
		gm_grow_work(map, key.hash, GFP_NOWAIT);
	head = gm_chain(map, key.hash, &t);
	if (!chain_find(t, head, &key, &pos, NULL, &last))
		goto out;
	gm_free_key(map, t, &pos);
	if (t->value_indirect) {
		kfree_rcu(to_blob(slot_value(t, &pos)), rcu);
		map->bytes -= sizeof(struct gm_blob) + map->params.value_size;
	}
	bkt_tophash(pos.b)[pos.i] = GM_EMPTY_ONE;
	gm_mark_empty_rest(t, head, &pos);
	if (!--map->count)
		map->hash0 = get_random_u64();	/* Go issue 25237 */
	ret = 0;
out:
	map->op_buckets += key.visited;
	gm_write_unlock(map, flags);
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
	bool owns = map->count && (is_str(map) || map->key_indirect || map->value_indirect);

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
	map->hash0 = get_random_u64();
	map->bytes = 0;	/* the tables took their entries' out-of-line bytes along */
}

/**
 * gomap_clear() - Remove every entry (Go's clear(m) / mapclear).
 * @map: The map.
 *
 * Unlike Go's mapclear, which zeroes the array in place, the array is
 * dropped and the map starts again from one bucket: clearing in place is
 * work proportional to the map's size under the lock.  The old arrays and
 * the entries' out-of-line memory are freed after an RCU grace period.
 * Iterators in progress end at their next step.
 *
 * Context: Any context.  Takes and releases the map lock.
 */
void gomap_clear(struct gomap *map)
{
	struct gm_blob *deferred;
	unsigned long flags;

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
 * Context: Any context.  Takes and releases the map lock.
 */
void gomap_stats(struct gomap *map, struct gomap_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
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
	spin_unlock_irqrestore(&map->lock, flags);
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
	if (!p || p->key_size > GOMAP_MAX_KEY_SIZE || p->value_size > GOMAP_MAX_VALUE_SIZE)
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
}

/**
 * gomap_create() - Create a map (Go's makemap / makemap_small).
 * @params: Key and value sizes, size hint and entry limit; copied.
 * @gfp: Allocation flags for the map and, when @params->hint asks for more
 *       than one bucket, its first bucket array.
 *
 * A hint of at most 8 entries allocates no bucket until the first assign.
 * Larger hints allocate the smallest array that holds them within the load
 * factor.  Each map gets its own random hash seed.
 *
 * Context: Any context if @gfp does not sleep; process context otherwise.
 * Return: The map, ERR_PTR(-EINVAL) for bad @params, or ERR_PTR(-ENOMEM).
 */
struct gomap *gomap_create(const struct gomap_params *params, gfp_t gfp)
{
	struct gomap *map;
	unsigned int shift = 0;

	if (gm_check_params(params))
		return ERR_PTR(-EINVAL);
	might_alloc(gfp);
	map = kzalloc(sizeof(*map), gfp);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->read_stats = alloc_percpu_gfp(struct gm_read_stats, gfp);
	if (!map->read_stats)
		goto err_free_map;
	spin_lock_init(&map->lock);
	seqcount_spinlock_init(&map->seq, &map->lock);
	INIT_WORK(&map->grow_work, gm_grow_worker);
	map->params = *params;
	gm_set_shape(map);
	map->hash0 = get_random_u64();
	while (over_load_factor(params->hint, shift))
		shift++;
	map->B = shift;
	if (shift) {
		map->table = tbl_alloc(map, shift, gfp | __GFP_NOWARN, true);
		if (!map->table)
			goto err_free_stats;
		map->bytes = map->table->bytes;
	}
	return map;

err_free_stats:
	free_percpu(map->read_stats);
err_free_map:
	kfree(map);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(gomap_create);

/**
 * gomap_destroy() - Free a map and everything in it.
 * @map: The map, or NULL.  No other call on it may run or follow, and no
 *       iterator may be live.
 *
 * Waits for a pending growth worker.  The arrays are freed after an RCU
 * grace period.
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
	cancel_work_sync(&map->grow_work);
	spin_lock_irqsave(&map->lock, flags);
	WARN_ON_ONCE(map->nr_iters);
	gm_reset(map);
	tbl_put(map->ready_table);
	map->ready_table = NULL;
	deferred = map->deferred_frees;
	map->deferred_frees = NULL;
	spin_unlock_irqrestore(&map->lock, flags);
	blob_free_list(deferred);
	free_percpu(map->read_stats);
	kfree(map);
}
EXPORT_SYMBOL_GPL(gomap_destroy);
