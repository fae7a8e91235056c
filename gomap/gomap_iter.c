// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: iteration (mapiterinit, mapiternext).
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/export.h>
#include <linux/prefetch.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>

#include "gomap_bucket.h"

/**
 * DOC: Iteration
 *
 * An iterator (Go's hiter) starts at a random bucket and a random slot
 * offset and walks the bucket array of the moment it started.  Every entry
 * present for the whole walk and not deleted is returned exactly once,
 * even if the map grows, once or many times, between steps; entries added
 * during the walk may or may not be returned.  A slot whose entry was
 * evacuated since the walk started is looked up again in the current map.
 *
 * A map of several shards is walked a shard at a time, from a random one,
 * each walked as above; keys never move between shards, so every entry is
 * still returned once.
 *
 * Go's garbage collector keeps the arrays an iterator walks alive; here the
 * iterator pins them with a reference, and out-of-line keys deleted while
 * any iterator is live are freed only when the last iterator stops, since
 * an evacuated slot of a pinned array may still point at them.
 */

#define GM_ITER_BATCH		16	/* buckets an iterator scans per lock hold */

#define GM_NO_CHECK		(~0UL)	/* Go's noCheck */

/* ---- Iteration: mapiterinit, mapiternext ---- */

/* Make @t the table @it->bptr lives in, holding a reference on it. */
static void iter_pin_walk(struct gomap_iter *it, struct gomap_table *t)
{
	if (t == it->walk_table)
		return;
	refcount_inc(&t->refs);
	tbl_put(it->walk_table);
	it->walk_table = t;
}

/*
 * Where the chain of bucket @it->bucket starts: an iterator that began
 * during the growth still in progress walks the old bucket while it is
 * not evacuated, keeping only the entries bound for this bucket
 * (@check, else GM_NO_CHECK).  During a shrink two old buckets feed the
 * bucket, @it->bucket and @it->bucket + 2^B: the second is walked after
 * the first (@next, else GM_NO_CHECK).  Returns the table that holds the
 * chain.
 */
static struct gomap_table *iter_chain(struct gm_hmap *h, struct gomap_iter *it, void **b,
				      unsigned long *check, unsigned long *next)
{
	struct gomap_table *old = READ_ONCE(h->old_table);

	*check = GM_NO_CHECK;
	*next = GM_NO_CHECK;
	if (old && it->B == READ_ONCE(h->B)) {
		void *ob = tbl_bucket(old, it->bucket & tbl_mask(old));

		if (!bkt_evacuated(ob)) {
			*b = ob;
			if (READ_ONCE(h->shrinking))
				*next = it->bucket + tbl_size(it->table);
			else if (!READ_ONCE(h->same_size_grow))
				*check = it->bucket;
			return old;
		}
	}
	*b = tbl_bucket(it->table, it->bucket);
	return it->table;
}

/*
 * Start the chain of bucket @it->bucket.  Returns false when the walk has
 * come round to its start, -EAGAIN when a lockless step would have to pin
 * another table, true otherwise.
 */
static int iter_next_bucket(struct gm_hmap *h, struct gomap_iter *it, bool lockless)
{
	unsigned long check, next;
	struct gomap_table *t;
	void *b;

	if (it->bucket == it->start_bucket && it->wrapped)
		return false;
	t = iter_chain(h, it, &b, &check, &next);
	if (t != it->walk_table) {
		if (lockless)
			return -EAGAIN;
		iter_pin_walk(it, t);
	}
	it->check_bucket = check;
	it->next_chain = next;
	it->bptr = b;
	it->slot = 0;
	if (++it->bucket == tbl_size(it->table)) {
		it->bucket = 0;
		it->wrapped = true;
	}
	return true;
}

/* Copy out the entry at @pos; returns its key length or -E2BIG. */
static __always_inline int
iter_copy_out(struct gm_hmap *h, struct gm_pos *pos, void *key, size_t key_size, void *value)
{
	size_t len;
	const void *k = slot_key(pos->t, pos->b, pos->i, &len);

	if (key && len > key_size)
		return -E2BIG;
	if (key && len)
		gm_memcpy(key, k, len);
	if (value)	/* one load, like a lookup: in-place overwrites open no section */
		gm_load_value(h, value, slot_value(pos->t, pos));
	return len;
}

/*
 * Copy out the entry that was in slot @i of old bucket @b when the walk
 * began and has moved since: the current map has the truth.  Returns its
 * key length, -E2BIG, or -ENOENT if it was deleted meanwhile.  Out of
 * line, so that the common step takes no local's address (and needs no
 * stack canary).
 */
static noinline int iter_copy_moved(struct gm_hmap *h, struct gomap_table *t, void *b,
				    unsigned int i, void *key, size_t key_size, void *value)
{
	struct gm_pos pos;
	struct gm_key k;
	size_t klen;
	const void *kp = slot_key(t, b, i, &klen);

	gm_key_init(h, &k, kp, klen);
	if (!gm_find_slow(h, &k, &pos))
		return -ENOENT;
	return iter_copy_out(h, &pos, key, key_size, value);
}

/*
 * Start loading every string key of bucket @b: a walk copies them out one
 * by one, and in a big map each would otherwise be its own cache miss.
 */
static void prefetch_str_keys(struct gomap_table *t, void *b)
{
	unsigned int i;

	for (i = 0; i < GM_SLOTS; i++)
		if (top_live(bkt_tophash(b)[i]))
			prefetch(READ_ONCE(((struct gm_str *)bkt_key(t, b, i))->ptr));
}

/*
 * Scan the rest of bucket @it->bptr.  Returns 1 with the key length in
 * @len when an entry was copied out, 0 when the bucket has no more, or
 * -E2BIG without moving on.
 */
static __always_inline int
iter_scan_bucket(struct gm_hmap *h, struct gomap_iter *it, void *key, size_t key_size, void *value,
		 int *len)
{
	struct gomap_table *t = it->walk_table;
	void *b = it->bptr;
	unsigned int slot;	/* it->slot, stored once on the way out */

	if (!it->slot && t->kind == GM_KEY_STR) {
		prefetch_str_keys(t, b);
		if (t == it->table && !READ_ONCE(t->src) && it->bucket)
			prefetch_str_keys(t, tbl_bucket(t, it->bucket));
	}
	for (slot = it->slot; slot < GM_SLOTS; slot++) {
		unsigned int i = (slot + it->offset) & (GM_SLOTS - 1);
		u8 top = bkt_tophash(b)[i];

		if (top_empty(top) || top == GM_EVAC_EMPTY)
			continue;
		if (it->check_bucket != GM_NO_CHECK &&
		    (slot_hash(h, t, b, i) & tbl_mask(it->table)) != it->check_bucket)
			continue;
		if (top == GM_EVAC_X || top == GM_EVAC_Y) {
			*len = iter_copy_moved(h, t, b, i, key, key_size, value);
			if (*len == -ENOENT)
				continue;	/* deleted meanwhile */
		} else {
			struct gm_pos pos = { .b = b, .i = i, .t = t };

			*len = iter_copy_out(h, &pos, key, key_size, value);
		}
		it->slot = *len < 0 ? slot : slot + 1;
		return *len < 0 ? *len : 1;
	}
	it->slot = slot;
	return 0;
}

/*
 * Begin the walk of shard @h: pin its array and pick a random start bucket
 * and slot offset (Go's mapiterinit).  An empty shard's walk is done at
 * once.
 */
static void iter_shard_start(struct gomap_iter *it, struct gm_hmap *h)
{
	unsigned long flags;
	u64 r;

	it->h = h;
	it->table = NULL;
	it->walk_table = NULL;
	it->bptr = NULL;
	it->next_chain = GM_NO_CHECK;
	it->wrapped = false;
	it->done = false;
	flags = gm_lock(h);
	h->nr_iters++;
	it->clear_seq = h->clear_seq;
	if (!h->table || !h->count) {
		it->done = true;
		goto out;
	}
	it->table = h->table;
	refcount_inc(&it->table->refs);
	it->B = it->table->B;
	r = gm_random(h);
	it->start_bucket = r & tbl_mask(it->table);
	it->offset = (r >> it->B) & (GM_SLOTS - 1);
	it->bucket = it->start_bucket;
out:
	gm_unlock(h, flags);
}

/* End the walk of the current shard and release what it pinned. */
static void iter_shard_stop(struct gomap_iter *it)
{
	struct gm_hmap *h = it->h;
	struct gm_blob *deferred;
	unsigned long flags;

	flags = gm_lock(h);
	tbl_put(it->walk_table);
	tbl_put(it->table);
	h->nr_iters--;
	deferred = gm_detach_deferred(h);
	gm_unlock(h, flags);
	blob_free_list(deferred);
	it->h = NULL;
}

/*
 * The walk of the current shard is over: go on to the next shard.
 * Returns false, the whole walk over, after the last shard or a
 * gomap_clear() since the walk started.
 */
static bool iter_next_shard(struct gomap_iter *it)
{
	struct gomap *map = it->map;

	iter_shard_stop(it);
	if (!it->shards_left || it->map_clear_seq != atomic_long_read(&map->clear_seq))
		return false;
	it->shards_left--;
	it->shard = (it->shard + 1) & map->shard_mask;
	iter_shard_start(it, &map->shards[it->shard]);
	return true;
}

/**
 * gomap_iter_start() - Begin a walk over a map (Go's mapiterinit).
 * @it: Iterator to set up; caller-owned, e.g. on the stack.
 * @map: The map.
 *
 * Picks a random shard to start from, and in each shard a random start
 * bucket and slot offset, so no two walks need agree on the order.  Must
 * be paired with gomap_iter_stop().
 *
 * Context: Any context but NMI, where the walk is empty: its
 * gomap_iter_next() returns -EBUSY.  Takes and releases a shard's lock.
 */
void gomap_iter_start(struct gomap_iter *it, struct gomap *map)
{
	u64 r;

	memset(it, 0, sizeof(*it));
	if (unlikely(in_nmi()))
		return;	/* no map: gomap_iter_stop() has nothing to do */
	it->map = map;
	it->map_clear_seq = atomic_long_read(&map->clear_seq);
	/* get_random_u32() takes a sleeping lock on PREEMPT_RT: SipHash instead. */
	r = siphash_1u64(atomic_inc_return(&map->rnd_seq), &map->rnd_key);
	it->shard = r & map->shard_mask;
	it->shards_left = map->shard_mask;
	iter_shard_start(it, &map->shards[it->shard]);
}
EXPORT_SYMBOL_GPL(gomap_iter_start);

/*
 * Advance @it to its next entry and copy it out: 1 with the key length in
 * @len, -ENOENT at the end, -E2BIG if @key is too small.  With @flags the
 * caller holds the map lock, which is dropped every GM_ITER_BATCH empty
 * buckets to let writers and interrupts in.  Without, the caller only
 * holds rcu_read_lock() and the step gives up with -EAGAIN wherever it
 * would need the lock: to pin another table, after a cleared map, or
 * after GM_ITER_BATCH empty buckets.
 */
static __always_inline int
iter_step(struct gm_hmap *h, struct gomap_iter *it, void *key, size_t key_size, void *value,
	  int *len, unsigned long *flags)
{
	unsigned int budget = GM_ITER_BATCH;
	int ret;

	for (;;) {
		if (it->done)
			return -ENOENT;
		if (it->clear_seq != READ_ONCE(h->clear_seq)) {
			if (!flags)
				return -EAGAIN;
			it->done = true;
			return -ENOENT;
		}
		if (!it->bptr) {
			if (!budget--) {
				if (!flags)
					return -EAGAIN;
				gm_unlock(h, *flags);
				budget = GM_ITER_BATCH;
				*flags = gm_lock(h);
				continue;
			}
			ret = iter_next_bucket(h, it, !flags);
			if (ret < 0)
				return ret;
			if (!ret) {
				it->done = true;
				return -ENOENT;
			}
		}
		ret = iter_scan_bucket(h, it, key, key_size, value, len);
		if (ret)
			return ret;
		it->bptr = bkt_overflow(it->walk_table, it->bptr);
		it->slot = 0;
		if (!it->bptr && it->next_chain != GM_NO_CHECK) {	/* a shrink's pair */
			it->bptr = tbl_bucket(it->walk_table, it->next_chain);
			it->next_chain = GM_NO_CHECK;
		}
	}
}

/*
 * Where a walk is: the fields a step without the lock may move
 * (iter_step() with no @flags changes no other), which a lost race puts
 * back.  Copied field by field: a copy of the whole iterator would load
 * bytes the previous step has just stored, which the CPU cannot forward
 * to a wider load, and the walk stalls on every entry.
 */
struct iter_mark {
	void *bptr;
	unsigned long bucket;
	unsigned long check_bucket;
	unsigned long next_chain;
	u8 slot;
	bool wrapped;
	bool done;
};

static __always_inline void iter_mark_save(struct iter_mark *m, const struct gomap_iter *it)
{
	m->bptr = it->bptr;
	m->bucket = it->bucket;
	m->check_bucket = it->check_bucket;
	m->next_chain = it->next_chain;
	m->slot = it->slot;
	m->wrapped = it->wrapped;
	m->done = it->done;
}

static __always_inline void iter_mark_restore(struct gomap_iter *it, const struct iter_mark *m)
{
	it->bptr = m->bptr;
	it->bucket = m->bucket;
	it->check_bucket = m->check_bucket;
	it->next_chain = m->next_chain;
	it->slot = m->slot;
	it->wrapped = m->wrapped;
	it->done = m->done;
}

/*
 * A step without the lock, read like a lockless lookup (see DOC: Lockless
 * lookups) and kept only if no writer ran meanwhile; else the iterator is
 * put back as it was and -EAGAIN sends the caller to the lock.  A string
 * key is copied out with its blob's own length (slot_key()), so a racing
 * read never pairs one key's bytes with another key's length.
 */
static int iter_next_lockless(struct gomap_iter *it, void *key, size_t key_size, void *value,
			      int *len)
{
	struct gm_hmap *h = it->h;
	struct iter_mark saved;
	unsigned int seq;
	int ret;

	if (!it->walk_table)
		return -EAGAIN;
	iter_mark_save(&saved, it);
	rcu_read_lock();
	seq = read_seqcount_begin(&h->seq);
	ret = iter_step(h, it, key, key_size, value, len, NULL);
	if (ret != -EAGAIN && read_seqcount_retry(&h->seq, seq))
		ret = -EAGAIN;
	rcu_read_unlock();
	if (ret == -EAGAIN)
		iter_mark_restore(it, &saved);
	return ret;
}

/* The next entry of the current shard's walk; -ENOENT when it is over. */
static int iter_next_in_shard(struct gomap_iter *it, void *key, size_t key_size, void *value)
{
	struct gm_hmap *h = it->h;
	unsigned long flags;
	int ret, len = 0;

	ret = iter_next_lockless(it, key, key_size, value, &len);
	if (ret != -EAGAIN)
		return ret > 0 ? len : ret;
	flags = gm_lock(h);
	ret = iter_step(h, it, key, key_size, value, &len, &flags);
	gm_unlock(h, flags);
	return ret > 0 ? len : ret;
}

/**
 * gomap_iter_next() - Return the next entry of a walk (Go's mapiternext).
 * @it: Iterator from gomap_iter_start().
 * @key: Receives the key; may be NULL.
 * @key_size: Size of @key's buffer.
 * @value: Receives the value; may be NULL.
 *
 * Every entry present for the whole walk is returned exactly once, even if
 * the map grows between calls; deleted entries are not returned; entries
 * added during the walk may or may not be.  After gomap_clear() the walk
 * ends.  Most calls take no lock: they read like a lockless lookup and
 * keep the step only if no writer ran meanwhile.  The first call in a
 * shard, a step onto another table during a growth and a lost race take
 * the shard's lock, which is dropped every few buckets, so a call holds it
 * for bounded time.  A call that finds the rest of a shard empty goes on
 * to the next: it takes each shard's lock once at most.
 *
 * Context: Any context but NMI.  May take and release shards' locks.
 * Return:
 * * >= 0 - the key length; key and value were copied.
 * * -ENOENT - the walk is over.
 * * -E2BIG - the key is longer than @key_size; call again with a bigger
 *   buffer, the walk has not moved on.
 * * -EBUSY - called in NMI context; the walk has not moved on.
 */
int gomap_iter_next(struct gomap_iter *it, void *key, size_t key_size, void *value)
{
	int ret;

	if (unlikely(in_nmi()))
		return -EBUSY;
	while (it->h) {
		ret = iter_next_in_shard(it, key, key_size, value);
		if (ret != -ENOENT || !iter_next_shard(it))
			return ret;
	}
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(gomap_iter_next);

/**
 * gomap_iter_stop() - End a walk and release what it pinned.
 * @it: Iterator from gomap_iter_start().
 *
 * Context: Any context but NMI, where it warns and keeps what the walk
 * pinned (a walk started in NMI context pinned nothing).  Takes and
 * releases a shard's lock.
 */
void gomap_iter_stop(struct gomap_iter *it)
{
	if (!it->h || WARN_ON_ONCE(in_nmi()))
		return;
	iter_shard_stop(it);
	memset(it, 0, sizeof(*it));
}
EXPORT_SYMBOL_GPL(gomap_iter_stop);
