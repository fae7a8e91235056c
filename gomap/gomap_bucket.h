/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap bucket layout, hashing and chain walks: the inline helpers every
 * file of the core shares.  Private to the core (and the userspace harness,
 * which builds the same files).
 */
#ifndef _GOMAP_BUCKET_H
#define _GOMAP_BUCKET_H

#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/log2.h>
#include <linux/prefetch.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>

#include "gomap_internal.h"

/**
 * DOC: Bucket layout
 *
 * A bucket (Go's bmap) holds eight slots.  Its tophash bytes come first,
 * then the eight keys back to back, then the eight values, then the
 * overflow pointer::
 *
 *   +-----------+----------------+------------------+----------+
 *   | tophash[8]| key 0 .. key 7 | value 0..value 7 | overflow |
 *   +-----------+----------------+------------------+----------+
 *
 * Keys and values are grouped, not interleaved, so a map of u64 keys and
 * u8 values needs no padding between slots.  Keys and values larger than
 * 128 bytes are stored out of line and the slot holds a pointer; byte
 * string keys are always out of line and the slot holds (pointer, length)
 * as Go's string header does.  Every part starts 8-byte aligned.
 *
 * A slot's tophash byte is the top eight bits of its key's hash, raised by
 * GM_MIN_TOPHASH when smaller, since the values below GM_MIN_TOPHASH name
 * slot states: empty, empty-and-all-after-too, or evacuated.
 */

/*
 * An out-of-line key or value.  Freed after an RCU grace period, since
 * lockless lookups may still be reading it; a key deleted while iterators
 * run waits on the map's deferred list first.  @len bounds every compare
 * a lockless reader makes, whatever it read from the slot.
 */
struct gm_blob {
	union {
		struct gm_blob *next;
		struct rcu_head rcu;
	};
	u32 len;
	u8 data[];
};

static inline struct gm_blob *to_blob(const void *data)
{
	return container_of(data, struct gm_blob, data);
}

/*
 * The list of the reserve a copy of a @len-byte key comes from: string
 * keys by size, GM_STR_CLASS_MIN << n bytes with the header, fixed keys
 * all from one.
 */
static inline unsigned int gm_key_pool(const struct gm_hmap *h, size_t len)
{
	size_t size = sizeof(struct gm_blob) + len;

	if (h->kind != GM_KEY_STR || size <= GM_STR_CLASS_MIN)
		return GM_POOL_KEY;
	return GM_POOL_KEY + order_base_2(size) - ilog2(GM_STR_CLASS_MIN);
}

/* An overflow bucket allocated on its own, linked on its table's list. */
struct gm_ovf {
	struct gm_ovf *next;
	u64 bucket[];
};

/* A key as an operation sees it. */
struct gm_key {
	const void *ptr;
	size_t len;
	u64 ival;	/* the key as an integer, for the u32/u64 fast paths */
	u64 hash;
	u8 top;
	u8 kind;	/* the map's enum gm_key_kind, a constant on fast paths */
	bool hashed;	/* @hash and @top are set: the key's shard was chosen by them */
	unsigned int visited;	/* buckets read looking for it */
};

/* A slot: bucket, index, and the table that owns the bucket's chain. */
struct gm_pos {
	void *b;
	unsigned int i;
	struct gomap_table *t;
};

/* ---- Bucket and table accessors ---- */

static inline u8 *bkt_tophash(void *b)
{
	return b;
}

static inline void *bkt_key(const struct gomap_table *t, void *b, unsigned int i)
{
	return b + GM_SLOTS + i * t->key_slot;
}

static inline void *bkt_value(const struct gomap_table *t, void *b, unsigned int i)
{
	return b + t->value_off + i * t->value_slot;
}

static inline void **bkt_overflow_ptr(const struct gomap_table *t, void *b)
{
	return b + t->bucket_size - sizeof(void *);
}

static inline void *bkt_overflow(const struct gomap_table *t, void *b)
{
	return READ_ONCE(*bkt_overflow_ptr(t, b));	/* lockless readers race with links */
}

/*
 * Start loading the first three cache lines of bucket @b.  A probe's loads
 * depend on one another: the tophash word says which slot's key to
 * compare, so the key's line, a miss of its own, is asked for only when
 * the tophash line has arrived.  A bucket of u64 keys and values (144
 * bytes) spans three lines where, as in a table of whole pages, it starts
 * at a multiple of 16 bytes; asked for together, the lines cost one memory
 * latency instead of two in a row.  Three fixed offsets
 * rather than a loop over the bucket's size: no load, no branch, four
 * instructions.  A smaller bucket's third line may be its neighbour's and
 * a larger one's later lines are left to the loads; prefetch() never
 * faults, whatever the address.
 */
static __always_inline void bkt_prefetch(void *b)
{
	prefetch(b);
	prefetch(b + L1_CACHE_BYTES);
	prefetch(b + 2 * L1_CACHE_BYTES);
}

/* Go's evacuated(b): the first slot of an evacuated bucket holds an evacuated state. */
static inline bool bkt_evacuated(void *b)
{
	u8 top = bkt_tophash(b)[0];

	return top > GM_EMPTY_ONE && top < GM_MIN_TOPHASH;
}

/* Go's isEmpty(). */
static inline bool top_empty(u8 top)
{
	return top <= GM_EMPTY_ONE;
}

static inline bool top_live(u8 top)
{
	return top >= GM_MIN_TOPHASH;
}

static inline unsigned long tbl_size(const struct gomap_table *t)
{
	return 1UL << t->B;
}

static inline unsigned long tbl_mask(const struct gomap_table *t)
{
	return tbl_size(t) - 1;
}

static inline void *tbl_bucket(const struct gomap_table *t, unsigned long idx)
{
	return t->buckets + idx * t->bucket_size;
}

/*
 * Is new bucket @idx of @t initialised?  While @t is being filled from
 * @t->src, only the buckets whose source bucket is evacuated are.
 */
static inline bool tbl_bucket_ready(const struct gomap_table *t, unsigned long idx)
{
	const struct gomap_table *src = t->src;

	return !src || bkt_evacuated(tbl_bucket(src, idx & tbl_mask(src)));
}

/* memcpy() with the common key and value sizes inlined. */
static inline void gm_memcpy(void *dst, const void *src, size_t size)
{
	if (size == sizeof(u64))
		memcpy(dst, src, sizeof(u64));
	else if (size == sizeof(u32))
		memcpy(dst, src, sizeof(u32));
	else
		memcpy(dst, src, size);
}

/* ---- Hashing ---- */

static inline u8 gm_tophash(u64 hash)
{
	u8 top = hash >> 56;

	return top < GM_MIN_TOPHASH ? top + GM_MIN_TOPHASH : top;
}

/*
 * xxh64() of one 8-byte or 4-byte input, unrolled: the same value as the
 * library call (KUnit's gomap_test_hash_matches_xxh64 checks), in a
 * fraction of its instructions.  The constants are xxHash's PRIME64_1..5.
 */
#define GM_XXH_P1	0x9E3779B185EBCA87ULL
#define GM_XXH_P2	0xC2B2AE3D27D4EB4FULL
#define GM_XXH_P3	0x165667B19E3779F9ULL
#define GM_XXH_P4	0x85EBCA77C2B2AE63ULL
#define GM_XXH_P5	0x27D4EB2F165667C5ULL

static inline u64 xxh64_avalanche(u64 h)
{
	h ^= h >> 33;
	h *= GM_XXH_P2;
	h ^= h >> 29;
	h *= GM_XXH_P3;
	return h ^ (h >> 32);
}

static inline u64 xxh64_8(const void *key, u64 seed)
{
	u64 h = seed + GM_XXH_P5 + 8;

	h ^= rol64(get_unaligned_le64(key) * GM_XXH_P2, 31) * GM_XXH_P1;
	h = rol64(h, 27) * GM_XXH_P1 + GM_XXH_P4;
	return xxh64_avalanche(h);
}

static inline u64 xxh64_4(const void *key, u64 seed)
{
	u64 h = seed + GM_XXH_P5 + 4;

	h ^= (u64)get_unaligned_le32(key) * GM_XXH_P1;
	h = rol64(h, 23) * GM_XXH_P2 + GM_XXH_P3;
	return xxh64_avalanche(h);
}

static __always_inline u64 gm_hash_seed(u64 seed, const void *key, size_t len)
{
	if (len == sizeof(u64))
		return xxh64_8(key, seed);
	if (len == sizeof(u32))
		return xxh64_4(key, seed);
	return xxh64(key, len, seed);
}

static inline u64 gm_hash(const struct gm_hmap *h, const void *key, size_t len)
{
	return gm_hash_seed(READ_ONCE(h->hash0), key, len);	/* readers race with reseeds */
}

/* The bytes and length of the key stored in slot @i of @b. */
static inline const void *slot_key(const struct gomap_table *t, void *b, unsigned int i,
				   size_t *len)
{
	void *k = bkt_key(t, b, i);

	if (t->kind == GM_KEY_STR) {
		const u8 *p = READ_ONCE(((const struct gm_str *)k)->ptr);

		/* The blob's length, not the slot's: a lockless walk may race. */
		*len = p ? to_blob(p)->len : 0;
		return p;
	}
	*len = t->key_size;
	return t->key_indirect ? *(void **)k : k;
}

static inline u64 slot_hash(const struct gm_hmap *h, const struct gomap_table *t, void *b,
			    unsigned int i)
{
	size_t len;
	const void *k = slot_key(t, b, i, &len);

	return gm_hash(h, k, len);
}

/*
 * Does the string at @p (map-owned, or NULL for "") equal @key?  Compares
 * within the blob's own length, so a lockless reader that raced with a
 * writer never reads past the blob; the seqcount makes it look again.
 */
static inline bool str_equal(const u8 *p, const void *kptr, size_t len)
{
	if (!p)
		return !len;
	return p == kptr || (to_blob(p)->len == len && !memcmp(p, kptr, len));
}

static __always_inline bool slot_key_equal(const struct gomap_table *t, void *b,
					   unsigned int i, const struct gm_key *key)
{
	void *k = bkt_key(t, b, i);
	const struct gm_str *s = k;

	switch (key->kind) {
	case GM_KEY_U32:
		return *(u32 *)k == (u32)key->ival;
	case GM_KEY_U64:
		return *(u64 *)k == key->ival;
	case GM_KEY_STR:
		return s->len == key->len && str_equal(READ_ONCE(s->ptr), key->ptr, key->len);
	default:
		if (t->key_indirect)
			k = READ_ONCE(*(void **)k);
		return !memcmp(k, key->ptr, key->len);
	}
}

/*
 * Set up @key for a map of keys of @kind.  The lookup fast paths pass a
 * constant @kind, and the compiler drops every other kind's code (Go's
 * mapaccess1_fast64 is such a copy).
 */
static __always_inline void gm_key_init_kind(struct gm_key *key, const void *ptr, size_t len,
					     enum gm_key_kind kind)
{
	key->ptr = ptr;
	key->len = len;
	key->kind = kind;
	key->hashed = false;
	key->visited = 0;
	if (kind == GM_KEY_U32)
		key->ival = get_unaligned((const u32 *)ptr);
	else if (kind == GM_KEY_U64)
		key->ival = get_unaligned((const u64 *)ptr);
}

static inline void gm_key_init(struct gm_hmap *h, struct gm_key *key, const void *ptr, size_t len)
{
	gm_key_init_kind(key, ptr, len, h->kind);
}

/* Hash @key with @h's seed, unless choosing its shard hashed it already. */
static __always_inline void gm_key_hash(struct gm_hmap *h, struct gm_key *key)
{
	if (key->hashed)
		return;
	key->hash = gm_hash(h, key->ptr, key->len);
	key->top = gm_tophash(key->hash);
}

/*
 * The shard @key lives in (see DOC: Shards).  With several, the key is
 * hashed here, with the seed they share; the only shard of a map hashes
 * its keys itself, under its lock or seqcount, since it redraws its seed.
 */
static __always_inline struct gm_hmap *gm_shard_of(struct gomap *map, struct gm_key *key)
{
	if (!map->shard_bits)
		return map->shards;
	key->hash = gm_hash_seed(map->seed, key->ptr, key->len);
	key->top = gm_tophash(key->hash);
	key->hashed = true;
	return gm_shard(map, key->hash);
}

/*
 * The shard a lookup reads, its key hashed (but for a string key of a map
 * of one shard, which str_find_small() may find unhashed).  A lookup may
 * hash with the seed of the only shard outside its seqcount section: the
 * seed changes only when the shard empties, so a lookup that hashed with
 * the old one and missed a key inserted after it found the shard empty at
 * a moment of its own, the one it answers for.
 */
static __always_inline struct gm_hmap *
gm_read_shard(struct gomap *map, struct gm_key *key, enum gm_key_kind kind)
{
	if (kind == GM_KEY_STR && !map->shard_bits)
		return map->shards;
	key->hash = gm_hash_seed(READ_ONCE(map->seed), key->ptr, key->len);
	key->top = gm_tophash(key->hash);
	key->hashed = true;
	return map->shard_bits ? gm_shard(map, key->hash) : map->shards;
}

/* ---- Load ---- */

/* Go's overLoadFactor. */
static inline bool over_load_factor(unsigned long count, unsigned int shift)
{
	return count > GM_SLOTS && count > GM_LOAD_NUM * ((1UL << shift) / GM_LOAD_DEN);
}

/*
 * Has a shard of 2^@shift buckets fallen to a quarter of the load it grows
 * at (1.625 entries a bucket), where a shrink halves it?  A halved array
 * holds 3.25 entries a bucket: it takes twice as many entries to grow it
 * again, or half as many to shrink it again, so inserts and deletes at
 * one boundary never flap.
 */
#define GM_SHRINK_DIV	4

static inline bool under_load_factor(unsigned long count, unsigned int shift)
{
	return shift && count * GM_LOAD_DEN * GM_SHRINK_DIV < (unsigned long)GM_LOAD_NUM << shift;
}

/* Go's tooManyOverflowBuckets. */
static inline bool too_many_overflow(u16 noverflow, unsigned int shift)
{
	return noverflow >= 1U << min(shift, 15U);
}

/* ---- Finding keys ---- */

/*
 * The chain where @hash lives (Go's mapaccess step 3): the old bucket while
 * it is not evacuated, else the bucket of the current array.
 */
static inline void *gm_chain(struct gm_hmap *h, u64 hash, struct gomap_table **tp)
{
	struct gomap_table *old = h->old_table;

	if (old) {
		void *ob = tbl_bucket(old, hash & tbl_mask(old));

		if (!bkt_evacuated(ob)) {
			*tp = old;
			return ob;
		}
	}
	*tp = h->table;
	return tbl_bucket(h->table, hash & tbl_mask(h->table));
}

/*
 * The eight tophash bytes of a bucket as one word, slot i in byte i, so a
 * bucket is matched in a few instructions instead of eight compares.  A
 * lockless reader may see a torn mix of old and new bytes; the seqcount
 * sends it round again.
 */
static inline u64 bkt_top_word(void *b)
{
	return get_unaligned_le64(bkt_tophash(b));
}

/* Byte @x in all eight bytes; REPEAT_BYTE() is only unsigned long wide. */
#define GM_BYTES(x)	(0x0101010101010101ULL * (x))

/* Bit 7 of byte i set where byte i of @word is @top, and nowhere else. */
static inline u64 top_match(u64 word, u8 top)
{
	u64 x = word ^ GM_BYTES(top);

	return ~(((x & GM_BYTES(0x7f)) + GM_BYTES(0x7f)) | x | GM_BYTES(0x7f));
}

/* The slot of the lowest byte set in a top_match() mask. */
static inline unsigned int match_slot(u64 match)
{
	return __ffs64(match) / 8;
}

/*
 * Walk the chain from @b for @key.  On a hit fill @pos and return true.
 * On a miss, @free gets the first free slot seen (Go's insertb/inserti) or
 * a NULL bucket, and @last the chain's last bucket.  A bucket holding an
 * emptyRest slot ends the chain: every slot after it is empty.
 */
static __always_inline bool
chain_find(struct gomap_table *t, void *b, struct gm_key *key, struct gm_pos *pos,
	   struct gm_pos *free, void **last)
{
	u64 word, match, rest;

	if (free)
		free->b = NULL;
	for (; b; b = bkt_overflow(t, b)) {
		key->visited++;
		*last = b;
		word = bkt_top_word(b);
		for (match = top_match(word, key->top); match; match &= match - 1) {
			unsigned int i = match_slot(match);

			if (slot_key_equal(t, b, i, key)) {
				pos->b = b;
				pos->i = i;
				pos->t = t;
				return true;
			}
		}
		rest = top_match(word, GM_EMPTY_REST);
		if (free && !free->b) {
			match = rest | top_match(word, GM_EMPTY_ONE);
			if (match) {
				free->b = b;
				free->i = match_slot(match);
				free->t = t;
			}
		}
		if (rest)
			return false;
	}
	return false;
}

static __always_inline void *slot_value(struct gomap_table *t, struct gm_pos *pos)
{
	void *v = bkt_value(t, pos->b, pos->i);

	return t->value_indirect ? READ_ONCE(*(void **)v) : v;
}

/* Copy a value out for a lockless lookup: word-sized ones in one load. */
static __always_inline void gm_load_value(struct gm_hmap *h, void *dst, const void *v)
{
	if (h->value_indirect)
		gm_memcpy(dst, v, h->params.value_size);
	else if (h->params.value_size == sizeof(unsigned long))
		put_unaligned(READ_ONCE(*(const unsigned long *)v), (unsigned long *)dst);
	else if (h->params.value_size == sizeof(u32))
		put_unaligned(READ_ONCE(*(const u32 *)v), (u32 *)dst);
	else
		gm_memcpy(dst, v, h->params.value_size);
}

static inline bool is_str(const struct gm_hmap *h)
{
	return h->kind == GM_KEY_STR;
}

static inline bool gm_map_str(const struct gomap *map)
{
	return map->kind == GM_KEY_STR;
}

#endif /* _GOMAP_BUCKET_H */
