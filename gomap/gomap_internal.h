/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap internals: the hmap and bmap layout, tophash states and constants
 * shared by the core, the KUnit suite and the userspace harness.
 * Client modules include gomap.h only.
 */
#ifndef _GOMAP_INTERNAL_H
#define _GOMAP_INTERNAL_H

#include <linux/bits.h>
#include <linux/irq_work.h>
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
#define GM_MAX_B		(BITS_PER_LONG - 8)
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

/* Lookup counters, per CPU since lookups take no lock. */
struct gm_read_stats {
	u64 hits;
	u64 misses;
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
 * What the operation holding the map lock has done and may do: reset when
 * it takes the lock, and kept aside while it drops the lock in the middle
 * (gm_write_pause()), when other operations take it.
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
 * struct gomap - The map header: Go's hmap.  Writers hold @lock, which
 * stands in for Go's hashWriting flag; lookups take no lock and validate
 * what they read with @seq, under RCU (see DOC: Lockless lookups).  The
 * lock is a raw spinlock, held for a bounded time (see DOC: Locking), so
 * the map works in hardirq context on PREEMPT_RT too.
 */
struct gomap {
	raw_spinlock_t lock;	/* serialises writers; protects every field below */
	seqcount_raw_spinlock_t seq;	/* bumped around every change lookups could see */
	bool seq_open;			/* the lock holder has begun a write section */
	bool prealloc;			/* GOMAP_F_PREALLOC: no call allocates */
	struct gm_read_stats __percpu *read_stats;

	/* Shape, immutable after gomap_create(). */
	struct gomap_params params;
	enum gm_key_kind kind;
	bool key_indirect;	/* Go's indirectkey */
	bool value_indirect;	/* Go's indirectelem */
	unsigned int key_slot;	/* bytes a key takes in a bucket */
	unsigned int value_slot;
	unsigned int value_off;	/* offset of the values in a bucket */
	unsigned int bucket_size;

	unsigned long count;		/* Go's count */
	unsigned int B;			/* Go's B */
	u16 nr_overflow;		/* Go's noverflow */
	bool same_size_grow;		/* Go's sameSizeGrow flag */
	u64 hash0;			/* Go's hash0 */
	struct gomap_table *table;	/* Go's buckets */
	struct gomap_table *old_table;	/* Go's oldbuckets */
	unsigned long evac_next;	/* Go's nevacuate */

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
	unsigned long pool_want;	/* lists below half their target, a bit each */
	struct gomap_table *ready_table;
	unsigned int grow_want_B;	/* the array size a deferred growth wants */
	bool grow_wanted;
	struct irq_work kick;
	struct work_struct work;

	struct gm_op op;	/* the lock holder's operation */

	struct gomap_stats stats;	/* counters and maxima; the rest filled on read */
	size_t bytes;

	unsigned int fail_nth;		/* test hook: fail the nth allocation from now */
};

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
static inline bool gm_may_alloc(const struct gomap *map)
{
	return !map->prealloc && gm_context_may_alloc();
}

/* ---- Work accounting ---- */

static inline void gm_op_begin(struct gomap *map)
{
	memset(&map->op, 0, sizeof(map->op));
}

static inline void gm_op_end(struct gomap *map)
{
	struct gomap_stats *st = &map->stats;

	st->max_evacuated_per_op = max(st->max_evacuated_per_op, map->op.evacuated);
	st->max_buckets_per_op = max(st->max_buckets_per_op, map->op.buckets);
	st->max_bytes_moved_per_op = max(st->max_bytes_moved_per_op, map->op.bytes);
}

static inline unsigned long gm_lock(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&map->lock, flags);
	gm_op_begin(map);
	return flags;
}

/*
 * The lock, for an operation that may allocate with it dropped.  Whether
 * its context may is asked before the lock is taken: under the raw lock
 * preemptible() is false, and on PREEMPT_RT every answer would be no.
 */
static inline unsigned long gm_lock_op(struct gomap *map)
	__acquires(&map->lock)
{
	bool may_alloc = gm_may_alloc(map);
	unsigned long flags = gm_lock(map);

	map->op.may_alloc = may_alloc;
	return flags;
}

static inline void gm_unlock(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_op_end(map);
	raw_spin_unlock_irqrestore(&map->lock, flags);
}

/*
 * A write section: lockless lookups that overlap it look again.  Every
 * change a lookup could see happens in one, under the map lock.  The
 * section begins at the first such change (gm_write_begin()), so an
 * assign that only stores a word-sized value in place (see
 * gm_store_word()) never sends readers round again.
 */
static inline void gm_write_begin(struct gomap *map)
	__must_hold(&map->lock)
{
	if (map->seq_open)
		return;
	write_seqcount_begin(&map->seq);
	map->seq_open = true;
}

static inline void gm_write_end(struct gomap *map)
	__must_hold(&map->lock)
{
	if (!map->seq_open)
		return;
	write_seqcount_end(&map->seq);
	map->seq_open = false;
}

static inline unsigned long gm_write_lock(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags = gm_lock(map);

	gm_write_begin(map);
	return flags;
}

static inline void gm_write_unlock(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_write_end(map);
	gm_unlock(map, flags);
}

/*
 * Drop the map lock from inside a write section (to allocate), and take it
 * back.  Other operations may take the lock meanwhile: @op keeps this
 * one's accounting and limits (the evacuation bound included) for the
 * resume.
 */
static inline void gm_write_pause(struct gomap *map, unsigned long flags, struct gm_op *op)
	__releases(&map->lock)
{
	gm_write_end(map);
	*op = map->op;
	raw_spin_unlock_irqrestore(&map->lock, flags);
}

static inline unsigned long gm_write_resume(struct gomap *map, const struct gm_op *op)
	__acquires(&map->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&map->lock, flags);
	map->op = *op;
	gm_write_begin(map);
	return flags;
}

/* ---- Shared by the core's files ---- */

struct gm_blob;
struct gm_key;
struct gm_pos;

/* gomap_table.c */
bool gm_fail_injected(struct gomap *map, size_t size);
struct gomap_table *tbl_alloc(struct gomap *map, unsigned int shift, gfp_t gfp, bool zero);
struct gomap_table *tbl_take_first(struct gomap *map);
void blob_free_list(struct gm_blob *blob);
void tbl_put(struct gomap_table *t);
void gm_drop_table(struct gomap *map, struct gomap_table *t, bool owns_entries);
void *tbl_take_overflow(struct gomap *map, struct gomap_table *t);
void tbl_give_overflow(struct gomap *map, struct gomap_table *t, void *b);
void tbl_link_overflow(struct gomap *map, struct gomap_table *t, void *last, void *ovf);

/* gomap_reserve.c */

void *gm_pool_take(struct gomap *map, unsigned int id);
void gm_pool_put(struct gomap *map, unsigned int id, void *obj);
bool gm_reserve_fill(struct gomap *map, gfp_t gfp);
bool gm_reserve_fill_locked(struct gomap *map, gfp_t gfp, unsigned long *flags);
void gm_reserve_refill(struct gomap *map, gfp_t gfp);
int gm_reserve_init(struct gomap *map, gfp_t gfp);
void gm_reserve_free(struct gomap *map);

/*
 * After an operation, with the map lock dropped: top up the reserve if the
 * operation left it low, or wake the worker (see DOC: Memory reserve).
 */
static inline void gm_reserve_after(struct gomap *map, gfp_t gfp)
{
	/* Racy reads: a stale answer costs one refill early or one operation late. */
	if (unlikely(READ_ONCE(map->pool_want) || READ_ONCE(map->grow_wanted)))
		gm_reserve_refill(map, gfp);
}

/* After an operation that may not allocate at all: leave any refill to the worker. */
static inline void gm_reserve_kick(struct gomap *map)
{
	if (unlikely(READ_ONCE(map->pool_want) || READ_ONCE(map->grow_wanted)))
		irq_work_queue(&map->kick);
}

/* gomap_grow.c */
int gm_evacuate(struct gomap *map, unsigned long oldi);
void gm_grow_work(struct gomap *map, u64 hash);
int gm_hash_grow(struct gomap *map, gfp_t gfp, unsigned long *flags);
void gm_grow_prepare(struct gomap *map);

/* gomap_core.c */
struct gm_blob *gm_detach_deferred(struct gomap *map);

/* gomap_lookup.c */
bool gm_find_slow(struct gomap *map, struct gm_key *key, struct gm_pos *pos);

/*
 * A random number for the lock holder (Go's fastrand): SipHash of a counter
 * under a per-map key.  get_random_u64() takes a local_lock, a sleeping
 * lock on PREEMPT_RT, so operations never call it.
 */
static inline u64 gm_random(struct gomap *map)
	__must_hold(&map->lock)
{
	return siphash_1u64(++map->rnd_seq, &map->rnd_key);
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
void gomap_test_fail_alloc(struct gomap *map, unsigned int nth);
int gomap_test_check(struct gomap *map);
int gomap_test_tophash(struct gomap *map, unsigned long bucket, unsigned int depth,
		       unsigned int slot);
int gomap_test_grow_step(struct gomap *map, gfp_t gfp);

#endif /* _GOMAP_INTERNAL_H */
