// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: lockless lookups (mapaccess).
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/export.h>
#include <linux/percpu.h>
#include <linux/prefetch.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>

#include "gomap_bucket.h"

/**
 * DOC: Lockless lookups
 *
 * Writers hold the map lock and bump the map's seqcount around every
 * change, except the in-place store of a word-sized value, which a lookup
 * loads whole (gm_store_word()).  Lookups take no lock: under
 * rcu_read_lock() they read the table pointers, buckets and slots, then
 * check the seqcount, and look again if a writer ran meanwhile; after a
 * few lost races they take the lock.  What a racing lookup reads may be stale or torn, but never
 * unsafe: tables, overflow buckets and out-of-line keys and values are
 * freed only after an RCU grace period; a new bucket is initialised before
 * anything that leads to it is published (smp_wmb() in the writer,
 * smp_rmb() in gm_find()); and string compares are bounded by the length
 * stored in the key's own memory, not the slot's.
 */

#define GM_READ_TRIES		4	/* lockless lookup attempts before taking the lock */

/*
 * mapaccess1_faststr's one-bucket scan: with a single bucket and no
 * growth, find a string key without hashing it.  Short keys are compared
 * whole; for keys of 32 bytes or more only the first and last four bytes
 * are checked, and the full compare runs on the one slot that survives.
 * Returns 1 on a hit, 0 on a miss, -1 if two long keys survive (hash then).
 * Inlined, like every callee that gets @key: a key whose address escapes
 * to a call stays in memory in the lookup fast paths.
 */
static __always_inline int
str_find_small(struct gomap_table *t, struct gm_key *key, struct gm_pos *pos)
{
	void *b = t->buckets;
	u8 *top = bkt_tophash(b);
	int maybe = -1;
	unsigned int i;

	key->visited++;
	for (i = 0; i < GM_SLOTS; i++) {
		const struct gm_str *s = bkt_key(t, b, i);
		const u8 *p = READ_ONCE(s->ptr);

		if (top_empty(top[i]) || s->len != key->len) {
			if (top[i] == GM_EMPTY_REST)
				break;
			continue;
		}
		if (key->len < 32) {
			if (str_equal(p, key->ptr, key->len))
				goto found;
			continue;
		}
		if (p == key->ptr)
			goto found;
		/* The blob's own length bounds the reads, whatever the slot said. */
		if (to_blob(p)->len != key->len || memcmp(p, key->ptr, 4) ||
		    memcmp(p + key->len - 4, key->ptr + key->len - 4, 4))
			continue;
		if (maybe >= 0)
			return -1;	/* Go's dohash */
		maybe = i;
	}
	if (maybe < 0)
		return 0;
	i = maybe;
	if (!str_equal(READ_ONCE(((struct gm_str *)bkt_key(t, b, i))->ptr), key->ptr, key->len))
		return 0;
found:
	pos->b = b;
	pos->i = i;
	pos->t = t;
	return 1;
}

/*
 * Find @key (Go's mapaccess).  Safe both under the map lock and under
 * rcu_read_lock() alone, where the caller validates the answer with the
 * map's seqcount: every pointer it follows stays valid for an RCU grace
 * period, every bucket it reads is initialised, and every compare is
 * bounded by the memory it reads.  The barriers pair with those in
 * gm_start_growth(), gm_advance_mark() and gm_evacuate().  @prefetched: the
 * caller has already asked for the key's bucket (a batch), so skip
 * bkt_prefetch().
 */
static __always_inline bool gm_find(struct gm_hmap *h, struct gm_key *key, struct gm_pos *pos,
				    bool prefetched)
{
	struct gomap_table *t, *old;
	void *last, *b;

	t = READ_ONCE(h->table);
	if (!t || !READ_ONCE(h->count))
		return false;
	/*
	 * The table's own source, not map->old_table: after a clear in the
	 * middle of a growth the map forgets both, but a reader still holding
	 * the half-filled table must keep away from its unfilled buckets.
	 */
	smp_rmb();	/* the table before its source */
	old = READ_ONCE(t->src);
	smp_rmb();	/* no source: every bucket is initialised */
	if (key->kind == GM_KEY_STR && !t->B && !old && !bkt_overflow(t, t->buckets)) {
		int hit = str_find_small(t, key, pos);

		if (hit >= 0)
			return hit;
	}
	gm_key_hash(h, key);
	if (old) {
		b = tbl_bucket(old, key->hash & tbl_mask(old));
		if (!bkt_evacuated(b))
			return chain_find(old, b, key, pos, NULL, &last);
		smp_rmb();	/* evacuated: its destinations are initialised */
	}
	b = tbl_bucket(t, key->hash & tbl_mask(t));
	if (!prefetched)
		bkt_prefetch(b);
	return chain_find(t, b, key, pos, NULL, &last);
}

/* ---- Lookup ---- */

/* Find @key and copy its value out; the caller validates or holds the lock. */
static __always_inline bool gm_read(struct gm_hmap *h, struct gm_key *key, void *value,
				    bool prefetched)
{
	struct gm_pos pos;

	if (!gm_find(h, key, &pos, prefetched))
		return false;
	if (value)
		gm_load_value(h, value, slot_value(pos.t, &pos));
	return true;
}

/*
 * gm_find() is inlined into the lockless lookups, the hot path; the other
 * callers share this copy.
 */
bool gm_find_slow(struct gm_hmap *h, struct gm_key *key, struct gm_pos *pos)
{
	return gm_find(h, key, pos, false);
}

/*
 * A lookup that lost too many races: under the lock.  It sets up its own
 * key, so the lockless path's never leaves registers.
 */
static noinline bool gm_read_locked(struct gm_hmap *h, const void *kptr, size_t len,
				    void *value)
{
	struct gm_key key;
	struct gm_pos pos;
	unsigned long flags;
	bool found;

	gm_key_init(h, &key, kptr, len);
	raw_spin_lock_irqsave(&h->lock, flags);
	found = gm_find_slow(h, &key, &pos);
	if (found && value)
		gm_load_value(h, value, slot_value(pos.t, &pos));
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return found;
}

/*
 * A lookup in NMI context, which may have interrupted a writer on this
 * CPU: it never waits, for the seqcount or for the lock.  Returns 1 if
 * found, 0 if not, -EBUSY if writers kept winning and the lock was held.
 */
static noinline int gm_read_nmi(struct gm_hmap *h, const void *kptr, size_t len, void *value)
{
	unsigned int tries, seq;
	struct gm_key key;
	struct gm_pos pos;
	unsigned long flags;
	int found;

	gm_key_init(h, &key, kptr, len);
	for (tries = 0; tries < GM_READ_TRIES; tries++) {
		seq = raw_read_seqcount(&h->seq);
		if (seq & 1)
			continue;	/* a write section is open, maybe under us */
		found = gm_find_slow(h, &key, &pos);
		if (found && value)
			gm_load_value(h, value, slot_value(pos.t, &pos));
		if (!read_seqcount_retry(&h->seq, seq))
			return found;
	}
	if (!raw_spin_trylock_irqsave(&h->lock, flags))
		return -EBUSY;
	found = gm_find_slow(h, &key, &pos);
	if (found && value)
		gm_load_value(h, value, slot_value(pos.t, &pos));
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return found;
}

/*
 * Lookups take no lock: they read under RCU and look again if a writer
 * changed the key's shard meanwhile (the shard's seqcount).  A lookup that
 * keeps losing to writers takes the lock instead, so it always finishes.
 */
static __always_inline int gm_lookup(struct gomap *map, const void *kptr, size_t len,
				     void *value, enum gm_key_kind kind)
{
	unsigned int tries, seq;
	struct gm_key key;
	struct gm_hmap *h;
	int found;

	gm_key_init_kind(&key, kptr, len, kind);
	h = gm_read_shard(map, &key, kind);
	rcu_read_lock();
	if (unlikely(in_nmi())) {
		found = gm_read_nmi(h, kptr, len, value);
		if (found < 0) {
			rcu_read_unlock();
			return found;
		}
		goto out;
	}
	for (tries = 0; tries < GM_READ_TRIES; tries++) {
		seq = read_seqcount_begin(&h->seq);
		found = gm_read(h, &key, value, false);
		if (!read_seqcount_retry(&h->seq, seq))
			goto out;
	}
	found = gm_read_locked(h, kptr, len, value);
out:
	rcu_read_unlock();
	if (found)
		this_cpu_inc(map->read_stats->hits);
	else
		this_cpu_inc(map->read_stats->misses);
	return found ? 0 : -ENOENT;
}

/**
 * gomap_lookup() - Find an entry (Go's v, ok := m[k]).
 * @map: Map with fixed-size keys.
 * @key: Pointer to the key.
 * @value: Receives a copy of the value; may be NULL to test presence.
 *
 * Context: Any context, NMI included.  Takes no lock unless writers keep
 * winning: reads under RCU, checks the seqcount of the key's shard, and
 * takes the shard's lock only after losing GM_READ_TRIES races in a row.
 * In NMI context it never waits, for a write section or for the lock.
 * Return:
 * * 0 - found; the value was copied.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has string keys.
 * * -EBUSY - in NMI context only: writers kept winning and the lock was held.
 */
int gomap_lookup(struct gomap *map, const void *key, void *value)
{
	switch (map->kind) {
	case GM_KEY_U64:	/* mapaccess2_fast64 */
		return gm_lookup(map, key, sizeof(u64), value, GM_KEY_U64);
	case GM_KEY_STR:
		return -EINVAL;
	default:
		return gm_lookup(map, key, map->params.key_size, value, map->kind);
	}
}
EXPORT_SYMBOL_GPL(gomap_lookup);

/**
 * gomap_lookup_str() - Find an entry by byte-string key.
 * @map: Map with string keys.
 * @key: The key bytes.
 * @len: Key length.
 * @value: Receives a copy of the value; may be NULL.
 *
 * Context: Any context, NMI included, as gomap_lookup().
 * Return:
 * * 0 - found.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has fixed-size keys, or @len is too long.
 * * -EBUSY - in NMI context only: writers kept winning and the lock was held.
 */
int gomap_lookup_str(struct gomap *map, const char *key, size_t len, void *value)
{
	if (!gm_map_str(map) || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_lookup(map, key, len, value, GM_KEY_STR);
}
EXPORT_SYMBOL_GPL(gomap_lookup_str);

/* ---- Batched lookups ---- */

/**
 * DOC: Batched lookups
 *
 * gomap_lookup_batch() finds many keys at once, GM_BATCH at a time: it
 * hashes every key of a batch and starts loading the bucket each will
 * read (prefetch()), then probes them in turn, under one rcu_read_lock()
 * and one read of each key's shard's seqcount.  The loads of different
 * keys overlap instead of each waiting for its own cache miss, which is
 * what makes DPDK's rte_hash_lookup_bulk() fast.  A key whose shard a
 * writer changed meanwhile is looked up again on its own, under its
 * shard's lock; the others keep their answers.
 */

#define GM_BATCH	16	/* keys hashed and prefetched together */

/* One key of a batch: its key, shard and the seqcount it read. */
struct gm_batch_key {
	struct gm_key key;
	struct gm_hmap *h;
	unsigned int seq;
};

/* Start loading the first bucket @k will read. */
static __always_inline void gm_batch_prefetch(struct gm_batch_key *k)
{
	struct gomap_table *t = READ_ONCE(k->h->table);

	if (t)
		bkt_prefetch(tbl_bucket(t, k->key.hash & tbl_mask(t)));
}

/*
 * Up to GM_BATCH keys: hash and prefetch each, probe each, then check
 * each shard's seqcount; a key that raced a writer is looked up alone.
 * Returns how many were found.
 */
static __always_inline unsigned int
gm_lookup_chunk(struct gomap *map, const void *const *kptrs, const size_t *lens, unsigned int n,
		void *values, bool *found, enum gm_key_kind kind)
{
	struct gm_batch_key bk[GM_BATCH];
	size_t vsize = map->params.value_size;
	unsigned int i, hits = 0;
	bool hit[GM_BATCH];

	for (i = 0; i < n; i++) {
		gm_key_init_kind(&bk[i].key, kptrs[i], lens[i], kind);
		bk[i].h = gm_read_shard(map, &bk[i].key, kind);
		gm_key_hash(bk[i].h, &bk[i].key);	/* a string key of one shard too */
	}
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		bk[i].seq = read_seqcount_begin(&bk[i].h->seq);
		gm_batch_prefetch(&bk[i]);
	}
	for (i = 0; i < n; i++)
		hit[i] = gm_read(bk[i].h, &bk[i].key, values ? values + i * vsize : NULL, true);
	for (i = 0; i < n; i++)
		bk[i].seq = read_seqcount_retry(&bk[i].h->seq, bk[i].seq);	/* raced */
	rcu_read_unlock();
	for (i = 0; i < n; i++) {
		if (unlikely(bk[i].seq))
			hit[i] = gm_read_locked(bk[i].h, kptrs[i], lens[i],
						values ? values + i * vsize : NULL);
		if (found)
			found[i] = hit[i];
		hits += hit[i];
	}
	this_cpu_add(map->read_stats->hits, hits);
	this_cpu_add(map->read_stats->misses, n - hits);
	return hits;
}

/* Batches of fixed-size keys, packed @len bytes apart at @keys. */
static __always_inline int gm_lookup_batch(struct gomap *map, const void *keys, unsigned int n,
					   void *values, bool *found, enum gm_key_kind kind)
{
	size_t len = map->params.key_size, vsize = map->params.value_size, lens[GM_BATCH];
	const void *kptrs[GM_BATCH];
	unsigned int done, i, m;
	int hits = 0;

	for (i = 0; i < GM_BATCH; i++)
		lens[i] = len;
	for (done = 0; done < n; done += m) {
		m = min(n - done, (unsigned int)GM_BATCH);
		for (i = 0; i < m; i++)
			kptrs[i] = keys + (done + i) * len;
		hits += gm_lookup_chunk(map, kptrs, lens, m, values ? values + done * vsize : NULL,
					found ? found + done : NULL, kind);
	}
	return hits;
}

/* In NMI context: one key at a time, giving up with -EBUSY where a lookup would. */
static noinline int gm_lookup_batch_nmi(struct gomap *map, const void *const *kptrs,
					const void *keys, const size_t *lens, unsigned int n,
					void *values, bool *found)
{
	size_t vsize = map->params.value_size;
	unsigned int i;
	int ret, hits = 0;

	for (i = 0; i < n; i++) {
		const void *k = kptrs ? kptrs[i] : keys + i * map->params.key_size;
		size_t len = lens ? lens[i] : map->params.key_size;

		ret = gm_lookup(map, k, len, values ? values + i * vsize : NULL, map->kind);
		if (ret == -EBUSY)
			return ret;
		if (found)
			found[i] = !ret;
		hits += !ret;
	}
	return hits;
}

/**
 * gomap_lookup_batch() - Find @n entries at once (see DOC: Batched lookups).
 * @map: Map with fixed-size keys.
 * @keys: @n keys, key_size bytes each, one after the other.
 * @n: Number of keys; any, looked up GM_BATCH at a time.
 * @values: Receives the @n values, value_size bytes each, in the keys'
 *          order; a missing key's is left as it was.  May be NULL.
 * @found: Receives for each key whether it was found.  May be NULL.
 *
 * Each key's answer is what gomap_lookup() would have given at some
 * moment during the call.
 *
 * Context: Any context, as gomap_lookup().
 * Return:
 * * >= 0 - the number of keys found.
 * * -EINVAL - @map has string keys.
 * * -EBUSY - in NMI context only: writers kept winning and a lock was held.
 */
int gomap_lookup_batch(struct gomap *map, const void *keys, unsigned int n, void *values,
		       bool *found)
{
	if (gm_map_str(map))
		return -EINVAL;
	if (unlikely(in_nmi()))
		return gm_lookup_batch_nmi(map, NULL, keys, NULL, n, values, found);
	if (map->kind == GM_KEY_U64)
		return gm_lookup_batch(map, keys, n, values, found, GM_KEY_U64);
	return gm_lookup_batch(map, keys, n, values, found, map->kind);
}
EXPORT_SYMBOL_GPL(gomap_lookup_batch);

/**
 * gomap_lookup_batch_str() - gomap_lookup_batch() for byte-string keys.
 * @map: Map with string keys.
 * @keys: @n pointers to the keys' bytes.
 * @lens: The @n keys' lengths.
 * @n: Number of keys.
 * @values: Receives the @n values, as for gomap_lookup_batch().  May be NULL.
 * @found: Receives for each key whether it was found.  May be NULL.
 *
 * Context: Any context, as gomap_lookup().
 * Return: As gomap_lookup_batch(); -EINVAL also for a fixed-key map or a
 * key longer than GOMAP_MAX_STR_LEN (then nothing is looked up).
 */
int gomap_lookup_batch_str(struct gomap *map, const char *const *keys, const size_t *lens,
			   unsigned int n, void *values, bool *found)
{
	size_t vsize = map->params.value_size;
	unsigned int done, i, m;
	int hits = 0;

	if (!gm_map_str(map))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (lens[i] > GOMAP_MAX_STR_LEN)
			return -EINVAL;
	if (unlikely(in_nmi()))
		return gm_lookup_batch_nmi(map, (const void *const *)keys, NULL, lens, n, values,
					   found);
	for (done = 0; done < n; done += m) {
		m = min(n - done, (unsigned int)GM_BATCH);
		hits += gm_lookup_chunk(map, (const void *const *)keys + done, lens + done, m,
					values ? values + done * vsize : NULL,
					found ? found + done : NULL, GM_KEY_STR);
	}
	return hits;
}
EXPORT_SYMBOL_GPL(gomap_lookup_batch_str);
