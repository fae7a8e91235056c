/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap internals: the hmap and bmap layout, tophash states and constants
 * shared by the core, the KUnit suite and the userspace harness.
 * Client modules include gomap.h only.
 */
#ifndef _GOMAP_INTERNAL_H
#define _GOMAP_INTERNAL_H

#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/irq_work.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/refcount.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "gomap.h"

#define GM_SLOTS_BITS		3			/* Go's bucketCntBits */
#define GM_SLOTS		BIT(GM_SLOTS_BITS)	/* Go's bucketCnt */
#define GM_LOAD_NUM		13			/* Go's loadFactorNum */
#define GM_LOAD_DEN		2			/* Go's loadFactorDen */
#define GM_MAX_INLINE		128	/* Go's maxKeySize / maxElemSize */
#define GM_SHARD_TOP		56	/* a key's shard: the hash bits just below its tophash */
#define GM_MAX_SHARD_BITS	8	/* ilog2(GOMAP_MAX_SHARDS) */
/* Bucket indices stay below the shard bits, and fit an unsigned long. */
#define GM_MAX_B		min(BITS_PER_LONG - 8, GM_SHARD_TOP - GM_MAX_SHARD_BITS)
#define GM_STR_CLASS_MIN	32	/* bytes of the smallest string-key copy */
#define GM_STR_CLASSES		9	/* string-key copies of 32 << 0 .. 32 << 8 bytes */

/* Slot states kept in the tophash byte (Go's names). */
enum {
	GM_EMPTY_REST = 0,	/* emptyRest: this and every later slot of the chain empty */
	GM_EMPTY_ONE = 1,	/* emptyOne: this slot is empty */
	GM_EVAC_X = 2,		/* evacuatedX: moved to the first half of the new array */
	GM_EVAC_Y = 3,		/* evacuatedY: moved to the second half */
	GM_EVAC_EMPTY = 4,	/* evacuatedEmpty: empty, and the bucket is evacuated */
	GM_MIN_TOPHASH = 5,	/* minTopHash: smallest tophash of a filled slot */
};

/* How keys are compared, chosen at gomap_create() (Go's mapaccess*_fast*). */
enum gm_key_kind {
	GM_KEY_U32,		/* mapaccess1_fast32 */
	GM_KEY_U64,		/* mapaccess1_fast64 */
	GM_KEY_STR,		/* mapaccess1_faststr */
	GM_KEY_MEM,		/* mapaccess1: memcmp of key_size bytes, maybe out of line */
};

/*
 * A byte-string key slot: Go's string header.  @ptr is map-owned memory;
 * an empty string has a NULL @ptr.
 */
struct gm_str {
	const u8 *ptr;
	size_t len;
};

/*
 * struct gomap_table - One bucket array: Go's h.buckets or h.oldbuckets,
 * together with the overflow bookkeeping Go keeps in h.extra.
 *
 * The 2^B buckets are followed by a reserve of preallocated overflow buckets
 * (Go's extra.nextOverflow); @reserve_next and @reserve_end index it, so no
 * sentinel is needed.  Overflow buckets allocated one by one are linked on
 * @overflow_list (Go's extra.overflow) so the table can free them.
 *
 * Tables are reference counted: the map holds one for each of its current
 * and old tables, a table being filled holds one on its source, and every
 * iterator holds one for each table it walks.  The last reference frees the
 * table after an RCU grace period, never under the map lock.  Buckets of a
 * table being filled are initialised only once their source bucket is
 * evacuated (see DOC: Growth in gomap_core.c).
 */
struct gomap_table {
	void *buckets;
	unsigned int B;
	refcount_t refs;
	unsigned long reserve_next;
	unsigned long reserve_end;
	void *overflow_list;
	unsigned long nr_overflow;	/* overflow buckets linked into chains */
	size_t bytes;
	unsigned int page_order;	/* 1 + order if from the page allocator, else 0 */
	struct gomap_table *src;	/* while being filled: the old table; pinned */
	bool owns_entries;		/* dropped with live entries: free them too */

	/* The map's shape, copied so a table can be freed without its map. */
	enum gm_key_kind kind;
	bool key_indirect;
	bool value_indirect;
	unsigned int key_size;
	unsigned int key_slot;
	unsigned int value_slot;
	unsigned int value_off;
	unsigned int bucket_size;

	struct rcu_head rcu;
};

/*
 * Operation counters, per CPU: lookups take no lock, and writers to
 * different shards would otherwise all write one line.
 */
struct gm_read_stats {
	u64 hits;
	u64 misses;
	u64 assigns;
	u64 deletes;
};

/* The lists of the reserve (see DOC: Memory reserve in gomap_table.c). */
enum {
	GM_POOL_TABLE,		/* one-bucket tables: a fresh map's first (makemap_small) */
	GM_POOL_OVF,		/* overflow buckets (struct gm_ovf) */
	GM_POOL_VALUE,		/* out-of-line values */
	GM_POOL_KEY,		/* out-of-line keys; string keys: the smallest size */
	GM_NR_POOLS = GM_POOL_KEY + GM_STR_CLASSES,
};

/* One list of the reserve: free objects of one size, linked through their first word. */
struct gm_pool {
	void *head;
	unsigned int nr;
	unsigned int target;	/* refilled up to this many */
	unsigned int size;	/* bytes an object takes */
	void *arena;		/* GOMAP_F_PREALLOC: the memory of all its objects */
};

/*
 * What the operation holding a shard's lock has done and may do: reset
 * when it takes the lock, and kept aside while it drops the lock in the
 * middle (gm_write_pause()), when other operations take it.
 */
struct gm_op {
	unsigned int evacuated;		/* old buckets evacuated */
	unsigned int buckets;		/* buckets read or written */
	size_t bytes;			/* bytes zeroed or copied */
	bool grow_tried;		/* it dropped the lock to allocate an array */
	bool may_alloc;			/* its context may allocate: gm_lock_op() */
	bool fail_fired;		/* an allocation was made to fail on purpose */
};

/*
 * struct gm_hmap - One Go map: Go's hmap, a shard of a gomap.  Writers
 * hold @lock, which stands in for Go's hashWriting flag; lookups take no
 * lock and validate what they read with @seq, under RCU (see DOC: Lockless
 * lookups).  The lock is a raw spinlock, held for a bounded time (see DOC:
 * Locking), so the map works in hardirq context on PREEMPT_RT too.
 */
struct gm_hmap {
	/*
	 * Written by every write operation, in one cache line: writers on
	 * other CPUs that take this shard next fetch it and no other.
	 */
	raw_spinlock_t lock;	/* serialises writers; protects every field below */
	seqcount_raw_spinlock_t seq;	/* bumped around every change lookups could see */
	bool seq_open;			/* the lock holder has begun a write section */
	unsigned long count;		/* Go's count */
	struct gm_op op;		/* the lock holder's operation */

	/* Read by every operation, written by growths, shrinks and reseeds. */
	struct gomap_table *table ____cacheline_aligned_in_smp;	/* Go's buckets */
	struct gomap_table *old_table;	/* Go's oldbuckets */
	u64 hash0;			/* Go's hash0 */
	unsigned long evac_next;	/* Go's nevacuate */
	unsigned int B;			/* Go's B */
	u16 nr_overflow;		/* Go's noverflow */
	bool same_size_grow;		/* Go's sameSizeGrow flag */
	bool shrinking;			/* the old array is twice the current one */
	unsigned long pool_want;	/* reserve lists below half their target, a bit each */
	bool grow_wanted;		/* the worker is to allocate an array */

	/* Shape, immutable after gomap_create(). */
	bool prealloc;			/* GOMAP_F_PREALLOC: no call allocates */
	bool reseed;			/* draw hash0 anew when emptied: the only shard */
	enum gm_key_kind kind;
	bool key_indirect;	/* Go's indirectkey */
	bool value_indirect;	/* Go's indirectelem */
	unsigned int key_slot;	/* bytes a key takes in a bucket */
	unsigned int value_slot;
	unsigned int value_off;	/* offset of the values in a bucket */
	unsigned int bucket_size;
	unsigned int min_B;		/* the hint's B: a shrink stops there */
	struct gomap *map;		/* the map this is a shard of */
	struct gomap_params params;

	/* The rest, written now and then. */
	unsigned int nr_iters;		/* live iterators; Go's iterator flags */
	unsigned long clear_seq;	/* bumped by gomap_clear() */
	void *deferred_frees;		/* out-of-line keys kept for iterators */

	/* Randomness the lock holder draws without a lock of its own (Go's fastrand). */
	siphash_key_t rnd_key;
	u64 rnd_seq;

	/*
	 * The reserve, and the worker that refills it and allocates the arrays
	 * of growths deferred from contexts that may not allocate.  @kick is an
	 * irq_work, so any context can wake the worker.
	 */
	struct gm_pool pools[GM_NR_POOLS];
	struct gomap_table *ready_table;
	unsigned int grow_want_B;	/* the array size a deferred growth wants */
	struct irq_work kick;
	struct work_struct work;

	struct gomap_stats stats;	/* counters and maxima; the rest filled on read */
	size_t bytes;

	unsigned int fail_nth;		/* test hook: fail the nth allocation from now */
} ____cacheline_aligned_in_smp;

/*
 * struct gomap - A map: 2^@shard_bits Go maps (see DOC: Shards in
 * gomap_shard.c).  Everything but @nr_entries and @clear_seq is fixed
 * at gomap_create().
 */
struct gomap {
	struct gomap_params params;	/* as created, with shards resolved */
	enum gm_key_kind kind;
	unsigned int shard_bits;
	unsigned int shard_shift;	/* hash >> shard_shift & shard_mask: the shard */
	unsigned long shard_mask;
	u64 seed;			/* every shard's hash0 (see gm_reseed()) */
	atomic_long_t nr_entries;	/* with max_entries: entries present or being added */
	atomic_long_t clear_seq;	/* bumped by gomap_clear() */
	siphash_key_t rnd_key;		/* where an iterator starts */
	atomic_t rnd_seq;
	struct gm_read_stats __percpu *read_stats;
	struct gm_hmap *shards;		/* the shards, in the same allocation */
	struct gm_hmap *shard_tab[];	/* &shards[i]: a load, not a multiply, finds one */
};

/* The bytes of a map of @nr shards: the header, then the shards cacheline-aligned. */
static inline size_t gm_map_size(unsigned int nr)
{
	return ALIGN(struct_size((struct gomap *)NULL, shard_tab, nr), SMP_CACHE_BYTES) +
	       nr * sizeof(struct gm_hmap);
}

/* The shard of a hash (with one shard, shard 0 whatever the hash). */
static inline struct gm_hmap *gm_shard(struct gomap *map, u64 hash)
{
	return map->shard_tab[(hash >> map->shard_shift) & map->shard_mask];
}

static inline unsigned int gm_nr_shards(const struct gomap *map)
{
	return 1U << map->shard_bits;
}

/*
 * Map-wide max_entries: a new key first takes one of the map's entries,
 * so that shards writing in parallel never add more than the limit.
 * Maps without a limit skip the shared counter.
 */
static inline bool gm_full(const struct gm_hmap *h)
{
	unsigned int max = h->params.max_entries;

	return max && atomic_long_read(&h->map->nr_entries) >= max;
}

static inline bool gm_take_entry(struct gm_hmap *h)
{
	unsigned int max = h->params.max_entries;

	return !max || atomic_long_add_unless(&h->map->nr_entries, 1, max);
}

static inline void gm_give_entries(struct gm_hmap *h, unsigned long n)
{
	if (h->params.max_entries)
		atomic_long_sub(n, &h->map->nr_entries);
}

/* How keys of @key_size bytes are compared (GOMAP_KEY_STRING: byte strings). */
static inline enum gm_key_kind gm_key_kind_of(unsigned int key_size)
{
	switch (key_size) {
	case GOMAP_KEY_STRING:
		return GM_KEY_STR;
	case sizeof(u32):
		return GM_KEY_U32;
	case sizeof(u64):
		return GM_KEY_U64;
	default:
		return GM_KEY_MEM;
	}
}

/* The gfp of an allocation that must not sleep: never sleeps, never warns. */
static inline gfp_t gm_gfp_atomic(gfp_t gfp)
{
	return (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
}

/*
 * May the caller's context allocate?  Not in NMI or hardirq context, and on
 * PREEMPT_RT, where the allocator takes sleeping locks, only where
 * preemptible().  Never under the map lock, which is raw.
 */
static inline bool gm_context_may_alloc(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return preemptible();
	return !in_nmi() && !in_hardirq();
}

/* May this operation allocate, with the map lock dropped? */
static inline bool gm_may_alloc(const struct gm_hmap *h)
{
	return !h->prealloc && gm_context_may_alloc();
}

/* ---- Work accounting ---- */

static inline void gm_op_begin(struct gm_hmap *h)
{
	memset(&h->op, 0, sizeof(h->op));
}

/* The per-operation maxima; stored only when beaten, to keep their line clean. */
static inline void gm_op_end(struct gm_hmap *h)
{
	struct gomap_stats *st = &h->stats;

	if (unlikely(h->op.evacuated > st->max_evacuated_per_op))
		st->max_evacuated_per_op = h->op.evacuated;
	if (unlikely(h->op.buckets > st->max_buckets_per_op))
		st->max_buckets_per_op = h->op.buckets;
	if (unlikely(h->op.bytes > st->max_bytes_moved_per_op))
		st->max_bytes_moved_per_op = h->op.bytes;
}

static inline unsigned long gm_lock(struct gm_hmap *h)
	__acquires(&h->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&h->lock, flags);
	gm_op_begin(h);
	return flags;
}

/*
 * The lock, for an operation that may allocate with it dropped.  Whether
 * its context may is asked before the lock is taken: under the raw lock
 * preemptible() is false, and on PREEMPT_RT every answer would be no.
 */
static inline unsigned long gm_lock_op(struct gm_hmap *h)
	__acquires(&h->lock)
{
	bool may_alloc = gm_may_alloc(h);
	unsigned long flags = gm_lock(h);

	h->op.may_alloc = may_alloc;
	return flags;
}

static inline void gm_unlock(struct gm_hmap *h, unsigned long flags)
	__releases(&h->lock)
{
	gm_op_end(h);
	raw_spin_unlock_irqrestore(&h->lock, flags);
}

/*
 * A write section: lockless lookups that overlap it look again.  Every
 * change a lookup could see happens in one, under the map lock.  The
 * section begins at the first such change (gm_write_begin()), so an
 * assign that only stores a word-sized value in place (see
 * gm_store_word()) never sends readers round again.
 */
static inline void gm_write_begin(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	if (h->seq_open)
		return;
	write_seqcount_begin(&h->seq);
	h->seq_open = true;
}

static inline void gm_write_end(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	if (!h->seq_open)
		return;
	write_seqcount_end(&h->seq);
	h->seq_open = false;
}

static inline unsigned long gm_write_lock(struct gm_hmap *h)
	__acquires(&h->lock)
{
	unsigned long flags = gm_lock(h);

	gm_write_begin(h);
	return flags;
}

static inline void gm_write_unlock(struct gm_hmap *h, unsigned long flags)
	__releases(&h->lock)
{
	gm_write_end(h);
	gm_unlock(h, flags);
}

/*
 * Drop the lock from inside a write section (to allocate), and take it
 * back.  Other operations may take the lock meanwhile: @op keeps this
 * one's accounting and limits (the evacuation bound included) for the
 * resume.
 */
static inline void gm_write_pause(struct gm_hmap *h, unsigned long flags, struct gm_op *op)
	__releases(&h->lock)
{
	gm_write_end(h);
	*op = h->op;
	raw_spin_unlock_irqrestore(&h->lock, flags);
}

static inline unsigned long gm_write_resume(struct gm_hmap *h, const struct gm_op *op)
	__acquires(&h->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&h->lock, flags);
	h->op = *op;
	gm_write_begin(h);
	return flags;
}

/* ---- Shared by the core's files ---- */

struct gm_blob;
struct gm_key;
struct gm_pos;

/* gomap_table.c */
bool gm_fail_injected(struct gm_hmap *h, size_t size);
struct gomap_table *tbl_alloc(struct gm_hmap *h, unsigned int shift, gfp_t gfp, bool zero,
			      bool spares);
struct gomap_table *tbl_take_first(struct gm_hmap *h);
void blob_free_list(struct gm_blob *blob);
void tbl_put(struct gomap_table *t);
void gm_drop_table(struct gm_hmap *h, struct gomap_table *t, bool owns_entries);
void *tbl_take_overflow(struct gm_hmap *h, struct gomap_table *t);
void tbl_give_overflow(struct gm_hmap *h, struct gomap_table *t, void *b);
void tbl_link_overflow(struct gm_hmap *h, struct gomap_table *t, void *last, void *ovf);

/* gomap_reserve.c */

void *gm_pool_take(struct gm_hmap *h, unsigned int id);
void gm_pool_put(struct gm_hmap *h, unsigned int id, void *obj);
bool gm_reserve_fill(struct gm_hmap *h, gfp_t gfp);
bool gm_reserve_fill_locked(struct gm_hmap *h, gfp_t gfp, unsigned long *flags);
void gm_reserve_kick_fn(struct irq_work *kick);
void gm_reserve_worker(struct work_struct *work);
void gm_reserve_refill(struct gm_hmap *h, gfp_t gfp);
int gm_reserve_init(struct gm_hmap *h, gfp_t gfp);
void gm_reserve_free(struct gm_hmap *h);

/*
 * After an operation, with the map lock dropped: top up the reserve if the
 * operation left it low, or wake the worker (see DOC: Memory reserve).
 */
static inline void gm_reserve_after(struct gm_hmap *h, gfp_t gfp)
{
	/* Racy reads: a stale answer costs one refill early or one operation late. */
	if (unlikely(READ_ONCE(h->pool_want) || READ_ONCE(h->grow_wanted)))
		gm_reserve_refill(h, gfp);
}

/* After an operation that may not allocate at all: leave any refill to the worker. */
static inline void gm_reserve_kick(struct gm_hmap *h)
{
	if (unlikely(READ_ONCE(h->pool_want) || READ_ONCE(h->grow_wanted)))
		irq_work_queue(&h->kick);
}

/* gomap_grow.c */
int gm_evacuate(struct gm_hmap *h, unsigned long oldi);
void gm_grow_work(struct gm_hmap *h, u64 hash);
int gm_hash_grow(struct gm_hmap *h, gfp_t gfp, unsigned long *flags);
void gm_maybe_shrink(struct gm_hmap *h);
void gm_grow_prepare(struct gm_hmap *h);

/* gomap_core.c */
struct gm_blob *gm_detach_deferred(struct gm_hmap *h);
void gm_hmap_clear(struct gm_hmap *h);
void gm_hmap_stats(struct gm_hmap *h, struct gomap_stats *stats);
int gm_hmap_init(struct gm_hmap *h, struct gomap *map, unsigned int hint, gfp_t gfp);
void gm_hmap_destroy(struct gm_hmap *h);

/* gomap_lookup.c */
bool gm_find_slow(struct gm_hmap *h, struct gm_key *key, struct gm_pos *pos);

/*
 * A random number for the lock holder (Go's fastrand): SipHash of a counter
 * under a per-map key.  get_random_u64() takes a local_lock, a sleeping
 * lock on PREEMPT_RT, so operations never call it.
 */
static inline u64 gm_random(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	return siphash_1u64(++h->rnd_seq, &h->rnd_key);
}

/*
 * An emptied map of one shard draws a new seed, as Go's does; the map's
 * copy, which lookups hash with before they pick the shard, follows.
 * Shards of a bigger map share a seed that never changes.
 */
static inline void gm_reseed(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	if (!h->reseed)
		return;
	h->hash0 = gm_random(h);
	WRITE_ONCE(h->map->seed, h->hash0);
}

/* The debugfs operator interface (gomap_debugfs.c), set up by module init. */
#ifdef CONFIG_DEBUG_FS
int gomap_debugfs_init(void);
void gomap_debugfs_exit(void);
#else
static inline int gomap_debugfs_init(void) { return 0; }
static inline void gomap_debugfs_exit(void) { }
#endif

/*
 * Fault injection through the kernel's framework: /sys/kernel/debug/fail_gomap/
 * (probability, interval, times, task-filter, ...; see
 * Documentation/fault-injection/fault-injection.rst).  Every allocation the
 * map makes asks it first, as slab allocations ask failslab.
 */
#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>
extern struct fault_attr gomap_fail_attr;
static inline bool gomap_should_fail(size_t size)
{
	return should_fail(&gomap_fail_attr, size);
}
#else
static inline bool gomap_should_fail(size_t size)
{
	return false;
}
#endif

/* Test-only entry points: exported only where the kernel has KUnit. */
void gomap_test_set_seed(struct gomap *map, u64 seed);
u64 gomap_test_hash(struct gomap *map, const void *key, size_t len);
unsigned int gomap_test_shard(struct gomap *map, const void *key, size_t len);
void gomap_test_fail_alloc(struct gomap *map, unsigned int nth);
int gomap_test_check(struct gomap *map);
int gomap_test_tophash(struct gomap *map, unsigned long bucket, unsigned int depth,
		       unsigned int slot);
int gomap_test_grow_step(struct gomap *map, gfp_t gfp);

#endif /* _GOMAP_INTERNAL_H */
