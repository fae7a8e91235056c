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

/**
 * DOC: Growth
 *
 * An assign that adds a key to a map over the load factor (6.5 entries a
 * bucket) starts a doubling growth; one that finds about as many overflow
 * buckets as buckets starts a same-size growth that repacks the chains.
 * Starting a growth only installs the new array (Go's hashGrow): entries
 * move later, two old buckets at most by each write (Go's growWork), so no
 * operation does work proportional to the size of the map.
 *
 * Unlike Go, the new array is not zeroed when it is allocated: each new
 * bucket is initialised when the old bucket that feeds it is evacuated.
 * Until then nothing reads it, because every access first checks whether
 * the old bucket is evacuated.  An operation therefore touches at most a
 * small constant number of buckets (two old chains, their destinations,
 * and the bucket it works on), whatever the size of the map.
 *
 * The new array is allocated under the map lock with the caller's gfp made
 * non-blocking.  A caller that may sleep has the lock dropped around a
 * kvmalloc() instead.  When an atomic caller cannot get the array, the map
 * keeps serving on overflow buckets and a worker allocates the array in
 * process context; the next assign that wants to grow installs it.  A
 * failed growth never fails an assign.
 */

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
 * Go's garbage collector keeps the arrays an iterator walks alive; here the
 * iterator pins them with a reference, and out-of-line keys deleted while
 * any iterator is live are freed only when the last iterator stops, since
 * an evacuated slot of a pinned array may still point at them.
 */

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

#define GM_ITER_BATCH		16	/* buckets an iterator scans per lock hold */
#define GM_EVAC_SCAN		1024	/* Go's advanceEvacuationMark stop */
#define GM_NO_CHECK		(~0UL)	/* Go's noCheck */
#define GM_EVAC_PER_OP		2	/* old buckets one operation may evacuate */
#define GM_READ_TRIES		4	/* lockless lookup attempts before taking the lock */
/*
 * Largest array an atomic caller allocates inside its operation: 2 MiB
 * with 4 KiB pages, one pageblock on x86-64.  The page allocator's work
 * grows with the pages it hands out; larger arrays come from the worker.
 */
#define GM_ATOMIC_MAX_ORDER	min(9, MAX_ORDER - 1)

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
	unsigned int visited;	/* buckets read looking for it */
};

/* A slot: bucket, index, and the table that owns the bucket's chain. */
struct gm_pos {
	void *b;
	unsigned int i;
	struct gomap_table *t;
};

/* Objects allocated with the lock dropped, for a caller whose gfp may sleep. */
struct gm_spare {
	struct gm_blob *key;
	struct gm_blob *value;
	struct gm_ovf *ovf;
	size_t need_key;	/* size of the key blob that could not be had, or 0 */
	bool need_value;
	bool need_ovf;
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
static bool tbl_bucket_ready(const struct gomap_table *t, unsigned long idx)
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

static inline u64 gm_hash(const struct gomap *map, const void *key, size_t len)
{
	u64 seed = READ_ONCE(map->hash0);	/* lockless readers race with reseeds */

	if (len == sizeof(u64))
		return xxh64_8(key, seed);
	if (len == sizeof(u32))
		return xxh64_4(key, seed);
	return xxh64(key, len, seed);
}

/* The bytes and length of the key stored in slot @i of @b. */
static const void *slot_key(const struct gomap_table *t, void *b, unsigned int i, size_t *len)
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

static u64 slot_hash(const struct gomap *map, const struct gomap_table *t, void *b,
		     unsigned int i)
{
	size_t len;
	const void *k = slot_key(t, b, i, &len);

	return gm_hash(map, k, len);
}

/*
 * Does the string at @p (map-owned, or NULL for "") equal @key?  Compares
 * within the blob's own length, so a lockless reader that raced with a
 * writer never reads past the blob; the seqcount makes it look again.
 */
static bool str_equal(const u8 *p, const void *kptr, size_t len)
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
	key->visited = 0;
	if (kind == GM_KEY_U32)
		key->ival = get_unaligned((const u32 *)ptr);
	else if (kind == GM_KEY_U64)
		key->ival = get_unaligned((const u64 *)ptr);
}

static void gm_key_init(struct gomap *map, struct gm_key *key, const void *ptr, size_t len)
{
	gm_key_init_kind(key, ptr, len, map->kind);
}

static __always_inline void gm_key_hash(struct gomap *map, struct gm_key *key)
{
	key->hash = gm_hash(map, key->ptr, key->len);
	key->top = gm_tophash(key->hash);
}

/* ---- Allocation ---- */

/*
 * Does the allocation about to be made fail on purpose?  Asks the per-map
 * test hook, then the fail_gomap fault-injection attribute.
 */
static bool gm_fail_injected(struct gomap *map, size_t size)
{
	bool fail;

	if (unlikely(map->fail_nth))
		fail = map->fail_nth == UINT_MAX || !--map->fail_nth;
	else
		fail = gomap_should_fail(size);
	map->fail_fired |= fail;
	return fail;
}

static void *gm_kmalloc(struct gomap *map, size_t size, gfp_t gfp)
{
	void *p;

	if (gm_fail_injected(map, size))
		return NULL;
	p = kmalloc(size, gfp);
	if (p)
		map->bytes += size;
	return p;
}

/* The gfp to allocate with under the map lock: never sleeps, never warns. */
static inline gfp_t gm_gfp_locked(gfp_t gfp)
{
	return (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
}

/*
 * Memory for a table of @size bytes.  An atomic caller's array above the
 * slab sizes comes straight from the page allocator: kmalloc() would make
 * it a compound page, whose setup writes every struct page of it (1024 for
 * a 4 MiB array) inside the operation.  kmemleak is told about it, so it
 * still scans the array for the pointers it holds.  Sets *@page_order to 1
 * + the order for such an array, to 0 for one tbl_free() kvfree()s.
 */
static void *tbl_mem_alloc(size_t size, gfp_t gfp, unsigned int *page_order)
{
	unsigned int order = get_order(size);
	void *p;

	*page_order = 0;
	if (gfpflags_allow_blocking(gfp))
		return kvmalloc(size, gfp);
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc(size, gfp | __GFP_NOWARN);
	if (order > GM_ATOMIC_MAX_ORDER)
		return NULL;
	p = (void *)__get_free_pages(gfp | __GFP_NOWARN, order);
	if (!p)
		return NULL;
	kmemleak_alloc(p, size, 1, gfp);
	*page_order = order + 1;
	return p;
}

static void tbl_mem_free(void *p, unsigned int page_order)
{
	if (!page_order) {
		kvfree(p);
		return;
	}
	kmemleak_free(p);
	free_pages((unsigned long)p, page_order - 1);
}

/*
 * tbl_alloc - Allocate a bucket array of 2^@shift buckets (Go's
 * makeBucketArray), with its overflow reserve when @shift >= 4.  @zero
 * initialises every bucket; otherwise buckets are initialised as they are
 * filled.  The memory comes from tbl_mem_alloc().  The caller consults the
 * fault-injection hook, under the map lock.
 */
static struct gomap_table *tbl_alloc(struct gomap *map, unsigned int shift, gfp_t gfp,
				     bool zero)
{
	unsigned int page_order;
	unsigned long nbuckets = 1UL << shift, nreserve = shift >= 4 ? 1UL << (shift - 4) : 0;
	struct gomap_table *t;
	size_t size;

	if (shift > GM_MAX_B ||
	    check_mul_overflow((size_t)(nbuckets + nreserve), (size_t)map->bucket_size, &size) ||
	    check_add_overflow(size, sizeof(*t), &size))
		return NULL;
	if (zero)
		gfp |= __GFP_ZERO;
	t = tbl_mem_alloc(size, gfp, &page_order);
	if (!t)
		return NULL;

	memset(t, 0, sizeof(*t));
	t->page_order = page_order;
	t->buckets = t + 1;
	t->B = shift;
	t->reserve_next = nbuckets;
	t->reserve_end = nbuckets + nreserve;
	/* What the map holds: a page allocation is a whole power of two of pages. */
	t->bytes = page_order ? PAGE_SIZE << (page_order - 1) : size;
	t->kind = map->kind;
	t->key_indirect = map->key_indirect;
	t->value_indirect = map->value_indirect;
	t->key_size = map->params.key_size;
	t->key_slot = map->key_slot;
	t->value_slot = map->value_slot;
	t->value_off = map->value_off;
	t->bucket_size = map->bucket_size;
	refcount_set(&t->refs, 1);
	return t;
}

static void blob_free_list(struct gm_blob *blob)
{
	while (blob) {
		struct gm_blob *next = blob->next;

		kfree_rcu(blob, rcu);
		blob = next;
	}
}

/* Free the out-of-line keys and values of every live slot of a dropped table. */
static void tbl_free_entries(struct gomap_table *t)
{
	unsigned long idx;
	unsigned int i;
	void *b;

	for (idx = 0; idx < tbl_size(t); idx++) {
		if (!tbl_bucket_ready(t, idx))
			continue;
		for (b = tbl_bucket(t, idx); b; b = bkt_overflow(t, b)) {
			for (i = 0; i < GM_SLOTS; i++) {
				size_t len;
				const void *k;

				if (!top_live(bkt_tophash(b)[i]))
					continue;
				k = slot_key(t, b, i, &len);
				if (k && (t->kind == GM_KEY_STR || t->key_indirect))
					kfree(to_blob(k));
				if (t->value_indirect)
					kfree(to_blob(*(void **)bkt_value(t, b, i)));
			}
		}
	}
}

static void tbl_put(struct gomap_table *t);

static void tbl_free(struct gomap_table *t)
{
	struct gm_ovf *ovf = t->overflow_list;

	if (t->owns_entries)
		tbl_free_entries(t);
	while (ovf) {
		struct gm_ovf *next = ovf->next;

		kfree(ovf);
		ovf = next;
	}
	if (t->src)
		tbl_put(t->src);
	tbl_mem_free(t, t->page_order);
}

static void tbl_free_rcu(struct rcu_head *head)
{
	tbl_free(container_of(head, struct gomap_table, rcu));
}

/*
 * Drop a reference.  The last one frees the table after a grace period,
 * from softirq context, so a caller holding a spinlock never frees a
 * vmalloc()ed array itself.
 */
static void tbl_put(struct gomap_table *t)
{
	if (t && refcount_dec_and_test(&t->refs))
		call_rcu(&t->rcu, tbl_free_rcu);
}

/* The map gives up its reference to @t; its bytes stop counting. */
static void gm_drop_table(struct gomap *map, struct gomap_table *t, bool owns_entries)
{
	if (!t)
		return;
	t->owns_entries = owns_entries;
	map->bytes -= t->bytes;
	tbl_put(t);
}

/* Use the object allocated with the lock dropped, or allocate without sleeping. */
static void *gm_spare_alloc(struct gomap *map, size_t size, gfp_t gfp, void **spare)
{
	void *p = spare ? *spare : NULL;

	if (!p)
		return gm_kmalloc(map, size, gm_gfp_locked(gfp));
	*spare = NULL;
	map->bytes += size;
	return p;
}

/* Take a fresh, zeroed overflow bucket for a chain of @t (Go's newoverflow, first half). */
static void *tbl_take_overflow(struct gomap *map, struct gomap_table *t, gfp_t gfp,
			       struct gm_spare *spare)
{
	struct gm_ovf *ovf;

	if (t->reserve_next < t->reserve_end) {
		void *b = tbl_bucket(t, t->reserve_next++);

		memset(b, 0, t->bucket_size);
		map->op_bytes += t->bucket_size;
		return b;
	}
	ovf = gm_spare_alloc(map, sizeof(*ovf) + t->bucket_size, gfp,
			     spare ? (void **)&spare->ovf : NULL);
	if (!ovf)
		return NULL;
	memset(ovf, 0, sizeof(*ovf) + t->bucket_size);
	t->bytes += sizeof(*ovf) + t->bucket_size;
	ovf->next = t->overflow_list;
	t->overflow_list = ovf;
	return ovf->bucket;
}

/* Go's incrnoverflow: exact below B 16, then counted with probability 1/2^(B-15). */
static void gm_incr_noverflow(struct gomap *map)
{
	unsigned int shift = min(map->B, 31U);

	if (shift < 16 || !(get_random_u32() & ((1U << (shift - 15)) - 1)))
		map->nr_overflow++;
}

/* Link overflow bucket @ovf after @last (Go's newoverflow, second half). */
static void tbl_link_overflow(struct gomap *map, struct gomap_table *t, void *last, void *ovf)
{
	smp_wmb();	/* the bucket's contents before the link lockless readers follow */
	WRITE_ONCE(*bkt_overflow_ptr(t, last), ovf);
	t->nr_overflow++;
	gm_incr_noverflow(map);
}

/* ---- Load ---- */

/* Go's overLoadFactor. */
static bool over_load_factor(unsigned long count, unsigned int shift)
{
	return count > GM_SLOTS && count > GM_LOAD_NUM * ((1UL << shift) / GM_LOAD_DEN);
}

/* Go's tooManyOverflowBuckets. */
static bool too_many_overflow(u16 noverflow, unsigned int shift)
{
	return noverflow >= 1U << min(shift, 15U);
}

/* ---- Work accounting ---- */

static void gm_op_begin(struct gomap *map)
{
	map->op_evacuated = 0;
	map->op_buckets = 0;
	map->op_bytes = 0;
	map->fail_fired = false;
}

static void gm_op_end(struct gomap *map)
{
	struct gomap_stats *st = &map->stats;

	st->max_evacuated_per_op = max(st->max_evacuated_per_op, map->op_evacuated);
	st->max_buckets_per_op = max(st->max_buckets_per_op, map->op_buckets);
	st->max_bytes_moved_per_op = max(st->max_bytes_moved_per_op, map->op_bytes);
}

static unsigned long gm_lock(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	gm_op_begin(map);
	return flags;
}

static void gm_unlock(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_op_end(map);
	spin_unlock_irqrestore(&map->lock, flags);
}

/*
 * A write section: lockless lookups that overlap it look again.  Every
 * change a lookup could see happens in one, under the map lock.  The
 * section begins at the first such change (gm_write_begin()), so an
 * assign that only stores a word-sized value in place (see
 * gm_store_word()) never sends readers round again.
 */
static void gm_write_begin(struct gomap *map)
	__must_hold(&map->lock)
{
	if (map->seq_open)
		return;
	write_seqcount_begin(&map->seq);
	map->seq_open = true;
}

static void gm_write_end(struct gomap *map)
	__must_hold(&map->lock)
{
	if (!map->seq_open)
		return;
	write_seqcount_end(&map->seq);
	map->seq_open = false;
}

static unsigned long gm_write_lock(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags = gm_lock(map);

	gm_write_begin(map);
	return flags;
}

static void gm_write_unlock(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_write_end(map);
	gm_unlock(map, flags);
}

/* Drop the map lock from inside a write section (to sleep), and take it back. */
static void gm_write_pause(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_write_end(map);
	spin_unlock_irqrestore(&map->lock, flags);
}

static unsigned long gm_write_resume(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	gm_write_begin(map);
	return flags;
}

/* ---- Finding keys ---- */

/*
 * The chain where @hash lives (Go's mapaccess step 3): the old bucket while
 * it is not evacuated, else the bucket of the current array.
 */
static void *gm_chain(struct gomap *map, u64 hash, struct gomap_table **tp)
{
	struct gomap_table *old = map->old_table;

	if (old) {
		void *ob = tbl_bucket(old, hash & tbl_mask(old));

		if (!bkt_evacuated(ob)) {
			*tp = old;
			return ob;
		}
	}
	*tp = map->table;
	return tbl_bucket(map->table, hash & tbl_mask(map->table));
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
 * gm_start_growth(), gm_advance_mark() and gm_evacuate().
 */
static __always_inline bool gm_find(struct gomap *map, struct gm_key *key, struct gm_pos *pos)
{
	struct gomap_table *t, *old;
	void *last, *b;

	t = READ_ONCE(map->table);
	if (!t || !READ_ONCE(map->count))
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
	gm_key_hash(map, key);
	if (old) {
		b = tbl_bucket(old, key->hash & tbl_mask(old));
		if (!bkt_evacuated(b))
			return chain_find(old, b, key, pos, NULL, &last);
		smp_rmb();	/* evacuated: its destinations are initialised */
	}
	b = tbl_bucket(t, key->hash & tbl_mask(t));
	return chain_find(t, b, key, pos, NULL, &last);
}

/* ---- Growth: hashGrow, growWork, evacuate ---- */

/* Where evacuate puts entries: Go's evacDst. */
struct gm_dst {
	void *b;
	unsigned int i;
};

static void dst_init(struct gomap *map, struct gm_dst *d, void *b)
{
	memset(b, 0, map->table->bucket_size);
	map->op_bytes += map->table->bucket_size;
	map->op_buckets++;
	d->b = b;
	d->i = 0;
}

/* An old entry's hash; for u64 keys xxh64_8() on the slot, as evacuate_fast64. */
static __always_inline u64 evac_hash(struct gomap *map, struct gomap_table *old, void *b,
				     unsigned int i, bool u64_keys)
{
	if (u64_keys)
		return xxh64_8(bkt_key(old, b, i), map->hash0);
	return slot_hash(map, old, b, i);
}

/*
 * How many entries of the old chain @ob go to y (hash & @newbit set).
 * Bit k of @ybits says whether the k-th live entry does, for the first
 * GM_YBITS of them (min(@total, GM_YBITS)), so that the move need not
 * hash them again.
 */
#define GM_YBITS	64

static unsigned long evac_count(struct gomap *map, struct gomap_table *old, void *ob,
				unsigned long newbit, unsigned long *total, u64 *ybits)
{
	bool u64_keys = map->kind == GM_KEY_U64;
	unsigned long ny = 0;
	unsigned int i;
	void *b;

	*total = 0;
	*ybits = 0;
	for (b = ob; b; b = bkt_overflow(old, b)) {
		for (i = 0; i < GM_SLOTS; i++) {
			if (!top_live(bkt_tophash(b)[i]))
				continue;
			if (newbit && (evac_hash(map, old, b, i, u64_keys) & newbit)) {
				ny++;
				if (*total < GM_YBITS)
					*ybits |= BIT_ULL(*total);
			}
			(*total)++;
		}
	}
	return ny;
}

/* Buckets taken for an evacuation, so that a failure can give them back. */
struct gm_evac_spares {
	void *list;		/* zeroed buckets linked through their overflow pointers */
	unsigned long reserve_next;
	unsigned int nr_alloc;
};

static int evac_take_spares(struct gomap *map, struct gm_evac_spares *sp, unsigned long n,
			    gfp_t gfp)
{
	struct gomap_table *t = map->table;

	sp->list = NULL;
	sp->reserve_next = t->reserve_next;
	sp->nr_alloc = 0;
	while (n--) {
		bool from_reserve = t->reserve_next < t->reserve_end;
		void *b = tbl_take_overflow(map, t, gm_gfp_locked(gfp), NULL);

		if (!b)
			goto fail;
		sp->nr_alloc += !from_reserve;
		*bkt_overflow_ptr(t, b) = sp->list;
		sp->list = b;
	}
	return 0;
fail:
	t->reserve_next = sp->reserve_next;
	while (sp->nr_alloc--) {
		struct gm_ovf *ovf = t->overflow_list;

		t->overflow_list = ovf->next;
		t->bytes -= sizeof(*ovf) + t->bucket_size;
		map->bytes -= sizeof(*ovf) + t->bucket_size;
		kfree(ovf);
	}
	return -ENOMEM;
}

/*
 * Append the entry in slot @i of @b to @d, chaining a spare bucket when @d
 * is full.  @ks and @vs are the key and value slot sizes if the caller
 * knows them at compile time, else 0.
 */
static __always_inline void evac_move(struct gomap *map, struct gm_dst *d,
				      struct gm_evac_spares *sp, struct gomap_table *old,
				      void *b, unsigned int i, unsigned int ks, unsigned int vs)
{
	struct gomap_table *t = map->table;

	if (d->i == GM_SLOTS) {
		void *next = sp->list;

		sp->list = bkt_overflow(t, next);
		*bkt_overflow_ptr(t, next) = NULL;
		tbl_link_overflow(map, t, d->b, next);
		d->b = next;
		d->i = 0;
		map->op_buckets++;
	}
	bkt_tophash(d->b)[d->i] = bkt_tophash(b)[i];
	if (ks && vs) {	/* gm_set_shape()'s layout, known at compile time */
		unsigned int voff = GM_SLOTS + ALIGN(GM_SLOTS * ks, 8);

		gm_memcpy(d->b + GM_SLOTS + d->i * ks, b + GM_SLOTS + i * ks, ks);
		gm_memcpy(d->b + voff + d->i * vs, b + voff + i * vs, vs);
	} else {
		ks = t->key_slot;
		vs = t->value_slot;
		gm_memcpy(bkt_key(t, d->b, d->i), bkt_key(old, b, i), ks);
		gm_memcpy(bkt_value(t, d->b, d->i), bkt_value(old, b, i), vs);
	}
	map->op_bytes += ks + vs;
	d->i++;
}

/*
 * Move every live entry of the chain from @ob to @dst: x, or y when
 * doubling and the hash has @newbit (for the first @nybits live entries,
 * when bit k of @ybits from evac_count() is set).
 * With @u64_keys the compiler knows the key's size and hash function, and
 * with @vs its value slot size (Go's evacuate_fast64); else both are read
 * from the table.
 */
static __always_inline void evac_chain(struct gomap *map, struct gomap_table *old, void *ob,
				       struct gm_dst *dst, struct gm_evac_spares *sp,
				       unsigned long newbit, u64 ybits, unsigned int nybits,
				       bool u64_keys, unsigned int vs)
{
	unsigned int i, k = 0;	/* k: live entries seen */
	void *b;

	for (b = ob; b; b = bkt_overflow(old, b)) {
		u8 *top = bkt_tophash(b);

		map->op_buckets++;
		for (i = 0; i < GM_SLOTS; i++) {
			bool y = false;

			if (!top_live(top[i])) {
				top[i] = GM_EVAC_EMPTY;
				continue;
			}
			if (newbit && k < nybits)
				y = ybits & BIT_ULL(k);
			else if (newbit)
				y = evac_hash(map, old, b, i, u64_keys) & newbit;
			k++;
			evac_move(map, &dst[y], sp, old, b, i, u64_keys ? sizeof(u64) : 0, vs);
			top[i] = y ? GM_EVAC_Y : GM_EVAC_X;
		}
	}
}

/* Go's advanceEvacuationMark: also ends the growth after the last old bucket. */
static void gm_advance_mark(struct gomap *map)
{
	struct gomap_table *old = map->old_table;
	unsigned long stop;

	map->evac_next++;
	stop = min(map->evac_next + GM_EVAC_SCAN, tbl_size(old));
	while (map->evac_next != stop && bkt_evacuated(tbl_bucket(old, map->evac_next)))
		map->evac_next++;
	if (map->evac_next < tbl_size(old))
		return;
	smp_wmb();	/* every bucket initialised before the old table goes */
	WRITE_ONCE(map->old_table, NULL);
	map->same_size_grow = false;
	WRITE_ONCE(map->table->src, NULL);
	tbl_put(old);			/* the new table's reference on its source */
	gm_drop_table(map, old, false);	/* the map's reference */
}

/*
 * evacuate - Move every entry of old bucket @oldi to the new array.
 * Entries go to x (same index) or, when doubling, y (index + old size) by
 * the hash bit the new mask adds.  The overflow buckets the destinations
 * will need are taken first, so an allocation failure moves nothing.
 */
static int gm_evacuate(struct gomap *map, unsigned long oldi, gfp_t gfp)
{
	struct gomap_table *old = map->old_table, *t = map->table;
	unsigned long newbit = map->same_size_grow ? 0 : tbl_size(old);
	unsigned long total, ny, need;
	struct gm_evac_spares sp = { };
	unsigned int nybits = 0;	/* y bits evac_count() left in ybits */
	struct gm_dst dst[2];
	void *ob = tbl_bucket(old, oldi);
	u64 ybits = 0;

	if (bkt_evacuated(ob))
		goto advance;
	need = 0;
	if (bkt_overflow(old, ob)) {	/* more than one bucket's worth may go to x or y */
		ny = evac_count(map, old, ob, newbit, &total, &ybits);
		nybits = min_t(unsigned long, total, GM_YBITS);
		need = DIV_ROUND_UP(total - ny, GM_SLOTS) - !!(total - ny) +
		       DIV_ROUND_UP(ny, GM_SLOTS) - !!ny;
	}
	if (need && evac_take_spares(map, &sp, need, gfp)) {
		map->stats.failed_evacuations++;
		return -ENOMEM;
	}

	dst_init(map, &dst[0], tbl_bucket(t, oldi));
	if (newbit)
		dst_init(map, &dst[1], tbl_bucket(t, oldi + newbit));
	smp_wmb();	/* destinations initialised before the old bucket reads evacuated */
	if (map->kind == GM_KEY_U64 && t->value_slot == sizeof(u64))
		evac_chain(map, old, ob, dst, &sp, newbit, ybits, nybits, true, sizeof(u64));
	else
		evac_chain(map, old, ob, dst, &sp, newbit, ybits, nybits, false, 0);
	WARN_ON_ONCE(sp.list);
	map->op_evacuated++;
advance:
	if (oldi == map->evac_next)
		gm_advance_mark(map);
	return 0;
}

/*
 * Go's growWork: the old bucket @hash needs, then one more to make
 * progress.  An operation that already evacuated (an assign that finished
 * one growth and started the next) does not go past GM_EVAC_PER_OP: the
 * bucket it needs may stay in the old array, where reads and writes find it.
 */
static void gm_grow_work(struct gomap *map, u64 hash, gfp_t gfp)
{
	if (map->op_evacuated < GM_EVAC_PER_OP)
		gm_evacuate(map, hash & tbl_mask(map->old_table), gfp);
	if (map->old_table && map->op_evacuated < GM_EVAC_PER_OP)
		gm_evacuate(map, map->evac_next, gfp);
}

static void gm_grow_worker(struct work_struct *work);

/* Install @t as the new array and start moving into it (Go's hashGrow). */
static void gm_start_growth(struct gomap *map, struct gomap_table *t, bool same_size)
{
	map->old_table = map->table;
	t->src = map->old_table;
	refcount_inc(&t->src->refs);	/* dropped when the growth ends */
	smp_wmb();	/* the source before the table that leads to it: see gm_find() */
	WRITE_ONCE(map->table, t);
	map->B = t->B;
	map->same_size_grow = same_size;
	map->evac_next = 0;
	map->nr_overflow = 0;
	map->bytes += t->bytes;
	if (same_size)
		map->stats.same_size_grows++;
	else
		map->stats.grows++;
}

/* The array prepared by the worker or a sleeping caller, if it has the wanted size. */
static struct gomap_table *gm_take_ready(struct gomap *map, unsigned int shift)
{
	struct gomap_table *t = map->ready_table;

	if (!t)
		return NULL;
	map->ready_table = NULL;
	if (t->B == shift)
		return t;
	tbl_put(t);
	return NULL;
}

/*
 * Start a growth if the array for it can be had now.  Returns 0 if growth
 * started, -EAGAIN if the lock was dropped (the caller must look again),
 * -ENOMEM if the map goes on without growing for now.
 */
static int gm_hash_grow(struct gomap *map, gfp_t gfp, unsigned long *flags)
	__must_hold(&map->lock)
{
	bool same_size = !over_load_factor(map->count + 1, map->B);
	unsigned int shift = map->B + !same_size;
	struct gomap_table *t = gm_take_ready(map, shift);

	if (!t && gm_fail_injected(map, PAGE_SIZE)) {
		map->stats.failed_grows++;
		return -ENOMEM;
	}
	if (!t && gfpflags_allow_blocking(gfp)) {
		gm_write_pause(map, *flags);
		t = tbl_alloc(map, shift, gfp | __GFP_NOWARN, false);
		*flags = gm_write_resume(map);
		if (!t) {
			map->stats.failed_grows++;
			return -ENOMEM;
		}
		tbl_put(map->ready_table);
		map->ready_table = t;
		return -EAGAIN;
	}
	if (!t && !map->grow_work_queued) {
		t = tbl_alloc(map, shift, gfp | __GFP_NOWARN, false);
		if (!t) {
			map->stats.failed_grows++;
			map->stats.deferred_grows++;
			map->grow_work_B = shift;
			map->grow_work_queued = true;
			queue_work(system_unbound_wq, &map->grow_work);
		}
	}
	if (!t)
		return -ENOMEM;
	gm_start_growth(map, t, same_size);
	return 0;
}

/* Prepare the next array in process context for a map that could not grow atomically. */
static void gm_grow_worker(struct work_struct *work)
{
	struct gomap *map = container_of(work, struct gomap, grow_work);
	struct gomap_table *t;
	unsigned long flags;
	unsigned int shift;
	bool injected;

	spin_lock_irqsave(&map->lock, flags);
	shift = map->grow_work_B;
	injected = gm_fail_injected(map, PAGE_SIZE);
	spin_unlock_irqrestore(&map->lock, flags);

	t = injected ? NULL : tbl_alloc(map, shift, GFP_KERNEL | __GFP_NOWARN, false);

	spin_lock_irqsave(&map->lock, flags);
	map->grow_work_queued = false;
	if (!t)
		map->stats.failed_grows++;
	if (t && !map->ready_table) {
		map->ready_table = t;
		t = NULL;
	}
	spin_unlock_irqrestore(&map->lock, flags);
	tbl_put(t);
}

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

static __always_inline void *slot_value(struct gomap_table *t, struct gm_pos *pos)
{
	void *v = bkt_value(t, pos->b, pos->i);

	return t->value_indirect ? READ_ONCE(*(void **)v) : v;
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

/* Copy a value out for a lockless lookup: word-sized ones in one load. */
static __always_inline void gm_load_value(struct gomap *map, void *dst, const void *v)
{
	if (map->value_indirect)
		gm_memcpy(dst, v, map->params.value_size);
	else if (map->params.value_size == sizeof(unsigned long))
		put_unaligned(READ_ONCE(*(const unsigned long *)v), (unsigned long *)dst);
	else if (map->params.value_size == sizeof(u32))
		put_unaligned(READ_ONCE(*(const u32 *)v), (u32 *)dst);
	else
		gm_memcpy(dst, v, map->params.value_size);
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

/* ---- Lookup ---- */

/* Find @key and copy its value out; the caller validates or holds the lock. */
static __always_inline bool gm_read(struct gomap *map, struct gm_key *key, void *value)
{
	struct gm_pos pos;

	if (!gm_find(map, key, &pos))
		return false;
	if (value)
		gm_load_value(map, value, slot_value(pos.t, &pos));
	return true;
}

/*
 * gm_find() is inlined into the lockless lookups, the hot path; the other
 * callers share this copy.
 */
static noinline bool gm_find_slow(struct gomap *map, struct gm_key *key, struct gm_pos *pos)
{
	return gm_find(map, key, pos);
}

/*
 * A lookup that lost too many races: under the lock.  It sets up its own
 * key, so the lockless path's never leaves registers.
 */
static noinline bool gm_read_locked(struct gomap *map, const void *kptr, size_t len,
				    void *value)
{
	struct gm_key key;
	struct gm_pos pos;
	unsigned long flags;
	bool found;

	gm_key_init(map, &key, kptr, len);
	spin_lock_irqsave(&map->lock, flags);
	found = gm_find_slow(map, &key, &pos);
	if (found && value)
		gm_load_value(map, value, slot_value(pos.t, &pos));
	spin_unlock_irqrestore(&map->lock, flags);
	return found;
}

/*
 * Lookups take no lock: they read under RCU and look again if a writer
 * changed the map meanwhile (the map's seqcount).  A lookup that keeps
 * losing to writers takes the lock instead, so it always finishes.
 */
static __always_inline int gm_lookup(struct gomap *map, const void *kptr, size_t len,
				     void *value, enum gm_key_kind kind)
{
	unsigned int tries, seq;
	struct gm_key key;
	bool found;

	gm_key_init_kind(&key, kptr, len, kind);
	rcu_read_lock();
	for (tries = 0; tries < GM_READ_TRIES; tries++) {
		seq = read_seqcount_begin(&map->seq);
		found = gm_read(map, &key, value);
		if (!read_seqcount_retry(&map->seq, seq))
			goto out;
	}
	found = gm_read_locked(map, kptr, len, value);
out:
	rcu_read_unlock();
	if (found)
		this_cpu_inc(map->read_stats->hits);
	else
		this_cpu_inc(map->read_stats->misses);
	return found ? 0 : -ENOENT;
}

/* ---- Exported API ---- */

static bool is_str(const struct gomap *map)
{
	return map->kind == GM_KEY_STR;
}

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
 * gomap_lookup() - Find an entry (Go's v, ok := m[k]).
 * @map: Map with fixed-size keys.
 * @key: Pointer to the key.
 * @value: Receives a copy of the value; may be NULL to test presence.
 *
 * Context: Any context.  Takes no lock unless writers keep winning: reads
 * under RCU, checks the map's seqcount, and takes the map lock only after
 * losing GM_READ_TRIES races in a row.
 * Return:
 * * 0 - found; the value was copied.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has string keys.
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
 * Context: Any context.  Takes no lock unless writers keep winning: reads
 * under RCU, checks the map's seqcount, and takes the map lock only after
 * losing GM_READ_TRIES races in a row.
 * Return:
 * * 0 - found.
 * * -ENOENT - no such key.
 * * -EINVAL - @map has fixed-size keys, or @len is too long.
 */
int gomap_lookup_str(struct gomap *map, const char *key, size_t len, void *value)
{
	if (!is_str(map) || len > GOMAP_MAX_STR_LEN)
		return -EINVAL;
	return gm_lookup(map, key, len, value, GM_KEY_STR);
}
EXPORT_SYMBOL_GPL(gomap_lookup_str);

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
static struct gm_blob *gm_detach_deferred(struct gomap *map)
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
 * (@check, else GM_NO_CHECK).  Returns the table that holds the chain.
 */
static struct gomap_table *iter_chain(struct gomap *map, struct gomap_iter *it, void **b,
				      unsigned long *check)
{
	struct gomap_table *old = READ_ONCE(map->old_table);

	*check = GM_NO_CHECK;
	if (old && it->B == READ_ONCE(map->B)) {
		void *ob = tbl_bucket(old, it->bucket & tbl_mask(old));

		if (!bkt_evacuated(ob)) {
			*b = ob;
			if (!READ_ONCE(map->same_size_grow))
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
static int iter_next_bucket(struct gomap *map, struct gomap_iter *it, bool lockless)
{
	struct gomap_table *t;
	unsigned long check;
	void *b;

	if (it->bucket == it->start_bucket && it->wrapped)
		return false;
	t = iter_chain(map, it, &b, &check);
	if (t != it->walk_table) {
		if (lockless)
			return -EAGAIN;
		iter_pin_walk(it, t);
	}
	it->check_bucket = check;
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
iter_copy_out(struct gomap *map, struct gm_pos *pos, void *key, size_t key_size, void *value)
{
	size_t len;
	const void *k = slot_key(pos->t, pos->b, pos->i, &len);

	if (key && len > key_size)
		return -E2BIG;
	if (key && len)
		gm_memcpy(key, k, len);
	if (value)	/* one load, like a lookup: in-place overwrites open no section */
		gm_load_value(map, value, slot_value(pos->t, pos));
	return len;
}

/*
 * Copy out the entry that was in slot @i of old bucket @b when the walk
 * began and has moved since: the current map has the truth.  Returns its
 * key length, -E2BIG, or -ENOENT if it was deleted meanwhile.  Out of
 * line, so that the common step takes no local's address (and needs no
 * stack canary).
 */
static noinline int iter_copy_moved(struct gomap *map, struct gomap_table *t, void *b,
				    unsigned int i, void *key, size_t key_size, void *value)
{
	struct gm_pos pos;
	struct gm_key k;
	size_t klen;
	const void *kp = slot_key(t, b, i, &klen);

	gm_key_init(map, &k, kp, klen);
	if (!gm_find_slow(map, &k, &pos))
		return -ENOENT;
	return iter_copy_out(map, &pos, key, key_size, value);
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
iter_scan_bucket(struct gomap *map, struct gomap_iter *it, void *key, size_t key_size, void *value,
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
		    (slot_hash(map, t, b, i) & tbl_mask(it->table)) != it->check_bucket)
			continue;
		if (top == GM_EVAC_X || top == GM_EVAC_Y) {
			*len = iter_copy_moved(map, t, b, i, key, key_size, value);
			if (*len == -ENOENT)
				continue;	/* deleted meanwhile */
		} else {
			struct gm_pos pos = { .b = b, .i = i, .t = t };

			*len = iter_copy_out(map, &pos, key, key_size, value);
		}
		it->slot = *len < 0 ? slot : slot + 1;
		return *len < 0 ? *len : 1;
	}
	it->slot = slot;
	return 0;
}

/**
 * gomap_iter_start() - Begin a walk over a map (Go's mapiterinit).
 * @it: Iterator to set up; caller-owned, e.g. on the stack.
 * @map: The map.
 *
 * Picks a random start bucket and slot offset, so no two walks need agree
 * on the order.  Must be paired with gomap_iter_stop().
 *
 * Context: Any context.  Takes and releases the map lock.
 */
void gomap_iter_start(struct gomap_iter *it, struct gomap *map)
{
	unsigned long flags;
	u64 r;

	memset(it, 0, sizeof(*it));
	it->map = map;
	flags = gm_lock(map);
	map->nr_iters++;
	it->clear_seq = map->clear_seq;
	if (!map->table || !map->count) {
		it->done = true;
		goto out;
	}
	it->table = map->table;
	refcount_inc(&it->table->refs);
	it->B = it->table->B;
	r = get_random_u64();
	it->start_bucket = r & tbl_mask(it->table);
	it->offset = (r >> it->B) & (GM_SLOTS - 1);
	it->bucket = it->start_bucket;
out:
	gm_unlock(map, flags);
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
iter_step(struct gomap *map, struct gomap_iter *it, void *key, size_t key_size, void *value,
	  int *len, unsigned long *flags)
{
	unsigned int budget = GM_ITER_BATCH;
	int ret;

	for (;;) {
		if (it->done)
			return -ENOENT;
		if (it->clear_seq != READ_ONCE(map->clear_seq)) {
			if (!flags)
				return -EAGAIN;
			it->done = true;
			return -ENOENT;
		}
		if (!it->bptr) {
			if (!budget--) {
				if (!flags)
					return -EAGAIN;
				gm_unlock(map, *flags);
				budget = GM_ITER_BATCH;
				*flags = gm_lock(map);
				continue;
			}
			ret = iter_next_bucket(map, it, !flags);
			if (ret < 0)
				return ret;
			if (!ret) {
				it->done = true;
				return -ENOENT;
			}
		}
		ret = iter_scan_bucket(map, it, key, key_size, value, len);
		if (ret)
			return ret;
		it->bptr = bkt_overflow(it->walk_table, it->bptr);
		it->slot = 0;
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
	u8 slot;
	bool wrapped;
	bool done;
};

static __always_inline void iter_mark_save(struct iter_mark *m, const struct gomap_iter *it)
{
	m->bptr = it->bptr;
	m->bucket = it->bucket;
	m->check_bucket = it->check_bucket;
	m->slot = it->slot;
	m->wrapped = it->wrapped;
	m->done = it->done;
}

static __always_inline void iter_mark_restore(struct gomap_iter *it, const struct iter_mark *m)
{
	it->bptr = m->bptr;
	it->bucket = m->bucket;
	it->check_bucket = m->check_bucket;
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
	struct gomap *map = it->map;
	struct iter_mark saved;
	unsigned int seq;
	int ret;

	if (!it->walk_table)
		return -EAGAIN;
	iter_mark_save(&saved, it);
	rcu_read_lock();
	seq = read_seqcount_begin(&map->seq);
	ret = iter_step(map, it, key, key_size, value, len, NULL);
	if (ret != -EAGAIN && read_seqcount_retry(&map->seq, seq))
		ret = -EAGAIN;
	rcu_read_unlock();
	if (ret == -EAGAIN)
		iter_mark_restore(it, &saved);
	return ret;
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
 * keep the step only if no writer ran meanwhile.  The first call, a step
 * onto another table during a growth and a lost race take the map lock,
 * which is dropped every few buckets, so a call holds it for bounded time.
 *
 * Context: Any context.  May take and release the map lock.
 * Return:
 * * >= 0 - the key length; key and value were copied.
 * * -ENOENT - the walk is over.
 * * -E2BIG - the key is longer than @key_size; call again with a bigger
 *   buffer, the walk has not moved on.
 */
int gomap_iter_next(struct gomap_iter *it, void *key, size_t key_size, void *value)
{
	struct gomap *map = it->map;
	unsigned long flags;
	int ret, len = 0;

	ret = iter_next_lockless(it, key, key_size, value, &len);
	if (ret != -EAGAIN)
		return ret > 0 ? len : ret;
	flags = gm_lock(map);
	ret = iter_step(map, it, key, key_size, value, &len, &flags);
	gm_unlock(map, flags);
	return ret > 0 ? len : ret;
}
EXPORT_SYMBOL_GPL(gomap_iter_next);

/**
 * gomap_iter_stop() - End a walk and release what it pinned.
 * @it: Iterator from gomap_iter_start().
 *
 * Context: Any context.  Takes and releases the map lock.
 */
void gomap_iter_stop(struct gomap_iter *it)
{
	struct gomap *map = it->map;
	struct gm_blob *deferred;
	unsigned long flags;

	if (!map)
		return;
	flags = gm_lock(map);
	tbl_put(it->walk_table);
	tbl_put(it->table);
	map->nr_iters--;
	deferred = gm_detach_deferred(map);
	gm_unlock(map, flags);
	blob_free_list(deferred);
	memset(it, 0, sizeof(*it));
}
EXPORT_SYMBOL_GPL(gomap_iter_stop);

/* ---- Test hooks, for gomap_kunit.ko only ---- */

/* Check one chain of @t (bucket @idx); count its live entries and overflow buckets. */
static int check_chain(struct gomap *map, struct gomap_table *t, unsigned long idx,
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
			hash = slot_hash(map, t, b, i);
			if (gm_tophash(hash) != top || (hash & tbl_mask(t)) != idx) {
				pr_err("gomap: bucket %lu slot %u: tophash or bucket disagrees with hash\n",
				       idx, i);
				return -EUCLEAN;
			}
			(*live)++;
			kp = slot_key(t, b, i, &len);
			gm_key_init(map, &key, kp, len);
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

static int check_table(struct gomap *map, struct gomap_table *t, bool old, unsigned long *live)
{
	unsigned long idx, nr_overflow = 0;
	int ret;

	for (idx = 0; idx < tbl_size(t); idx++) {
		if (!tbl_bucket_ready(t, idx))
			continue;
		if (old && bkt_evacuated(tbl_bucket(t, idx)))
			continue;
		if (old && idx < map->evac_next) {
			pr_err("gomap: old bucket %lu below nevacuate not evacuated\n", idx);
			return -EUCLEAN;
		}
		ret = check_chain(map, t, idx, live, &nr_overflow);
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

/**
 * gomap_test_check() - Check every invariant of a map.
 * @map: The map.
 *
 * Context: Any context.  Takes the map lock for time proportional to the map.
 * Return: 0, or -EUCLEAN after printing what is wrong.
 */
int gomap_test_check(struct gomap *map)
{
	unsigned long flags, live = 0;
	int ret = 0;

	spin_lock_irqsave(&map->lock, flags);
	if (map->table)
		ret = check_table(map, map->table, false, &live);
	if (!ret && map->old_table)
		ret = check_table(map, map->old_table, true, &live);
	if (!ret && live != map->count) {
		pr_err("gomap: count %lu but %lu live entries\n", map->count, live);
		ret = -EUCLEAN;
	}
	if (!ret && map->table && map->table->B != map->B)
		ret = -EUCLEAN;
	spin_unlock_irqrestore(&map->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_check);

/**
 * gomap_test_set_seed() - Set an empty map's hash seed, so tests can choose keys by hash.
 * @map: The map; must be empty.
 * @seed: The new hash0.
 */
void gomap_test_set_seed(struct gomap *map, u64 seed)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	if (!WARN_ON_ONCE(map->count))
		map->hash0 = seed;
	spin_unlock_irqrestore(&map->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_set_seed);

/**
 * gomap_test_hash() - The hash the map gives a key now.
 * @map: The map.
 * @key: Key bytes.
 * @len: Key length.
 *
 * Return: xxh64(@key, @len, hash0).
 */
u64 gomap_test_hash(struct gomap *map, const void *key, size_t len)
{
	return gm_hash(map, key, len);
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_hash);

/**
 * gomap_test_fail_alloc() - Make the @nth allocation from now fail.
 * @map: The map.
 * @nth: 1 for the next one; 0 turns injection off; UINT_MAX fails them all.
 */
void gomap_test_fail_alloc(struct gomap *map, unsigned int nth)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	map->fail_nth = nth;
	spin_unlock_irqrestore(&map->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_fail_alloc);

/**
 * gomap_test_tophash() - Read one tophash byte of the current array.
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
	struct gomap_table *t;
	unsigned long flags;
	int ret = -ENOENT;
	void *b;

	spin_lock_irqsave(&map->lock, flags);
	t = map->table;
	if (!t || bucket >= tbl_size(t) || slot >= GM_SLOTS || !tbl_bucket_ready(t, bucket))
		goto out;
	for (b = tbl_bucket(t, bucket); b && depth; depth--)
		b = bkt_overflow(t, b);
	if (b)
		ret = bkt_tophash(b)[slot];
out:
	spin_unlock_irqrestore(&map->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_tophash);

/**
 * gomap_test_grow_step() - Evacuate the next old bucket, as a write would.
 * @map: The map.
 * @gfp: Allocation flags for the destination's overflow buckets.
 *
 * Return: 1 if a growth was in progress, 0 if not, -ENOMEM if the
 * evacuation could not get its overflow buckets.
 */
int gomap_test_grow_step(struct gomap *map, gfp_t gfp)
{
	unsigned long flags;
	int ret = 0;

	flags = gm_write_lock(map);
	if (map->old_table)
		ret = gm_evacuate(map, map->evac_next, gfp) ?: 1;
	gm_write_unlock(map, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(gomap_test_grow_step);
