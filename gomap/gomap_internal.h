/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap internals: the hmap and bmap layout, tophash states and constants
 * shared by the core, the KUnit suite and the userspace harness.
 * Client modules include gomap.h only.
 */
#ifndef _GOMAP_INTERNAL_H
#define _GOMAP_INTERNAL_H

#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "gomap.h"

#define GM_SLOTS_BITS		3			/* Go's bucketCntBits */
#define GM_SLOTS		BIT(GM_SLOTS_BITS)	/* Go's bucketCnt */
#define GM_LOAD_NUM		13			/* Go's loadFactorNum */
#define GM_LOAD_DEN		2			/* Go's loadFactorDen */
#define GM_MAX_INLINE		128	/* Go's maxKeySize / maxElemSize */
#define GM_MAX_B		(BITS_PER_LONG - 8)

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
 * struct gomap - The map header: Go's hmap.  Writers hold @lock, which
 * stands in for Go's hashWriting flag; lookups take no lock and validate
 * what they read with @seq, under RCU (see DOC: Lockless lookups).
 */
/* Lookup counters, per CPU since lookups take no lock. */
struct gm_read_stats {
	u64 hits;
	u64 misses;
};

struct gomap {
	spinlock_t lock;	/* serialises writers; protects every field below */
	seqcount_spinlock_t seq;	/* bumped around every change lookups could see */
	bool seq_open;			/* the lock holder has begun a write section */
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

	/* Growth deferred to process context (no Go counterpart). */
	struct gomap_table *ready_table;
	unsigned int grow_work_B;
	bool grow_work_queued;
	struct work_struct grow_work;

	/* Per-operation work accounting, reset at each operation. */
	unsigned int op_evacuated;
	unsigned int op_buckets;
	size_t op_bytes;

	struct gomap_stats stats;	/* counters and maxima; the rest filled on read */
	size_t bytes;

	unsigned int fail_nth;		/* test hook: fail the nth allocation from now */
	bool fail_fired;		/* the hook failed an allocation in this operation */
};

/* The gfp to allocate with under the map lock: never sleeps, never warns. */
static inline gfp_t gm_gfp_locked(gfp_t gfp)
{
	return (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
}

/* ---- Work accounting ---- */

static inline void gm_op_begin(struct gomap *map)
{
	map->op_evacuated = 0;
	map->op_buckets = 0;
	map->op_bytes = 0;
	map->fail_fired = false;
}

static inline void gm_op_end(struct gomap *map)
{
	struct gomap_stats *st = &map->stats;

	st->max_evacuated_per_op = max(st->max_evacuated_per_op, map->op_evacuated);
	st->max_buckets_per_op = max(st->max_buckets_per_op, map->op_buckets);
	st->max_bytes_moved_per_op = max(st->max_bytes_moved_per_op, map->op_bytes);
}

static inline unsigned long gm_lock(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	gm_op_begin(map);
	return flags;
}

static inline void gm_unlock(struct gomap *map, unsigned long flags)
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

/* Drop the map lock from inside a write section (to sleep), and take it back. */
static inline void gm_write_pause(struct gomap *map, unsigned long flags)
	__releases(&map->lock)
{
	gm_write_end(map);
	spin_unlock_irqrestore(&map->lock, flags);
}

static inline unsigned long gm_write_resume(struct gomap *map)
	__acquires(&map->lock)
{
	unsigned long flags;

	spin_lock_irqsave(&map->lock, flags);
	gm_write_begin(map);
	return flags;
}

/* ---- Shared by the core's files ---- */

struct gm_blob;
struct gm_key;
struct gm_pos;
struct gm_spare;

/* gomap_table.c */
bool gm_fail_injected(struct gomap *map, size_t size);
void *gm_kmalloc(struct gomap *map, size_t size, gfp_t gfp);
struct gomap_table *tbl_alloc(struct gomap *map, unsigned int shift, gfp_t gfp, bool zero);
void blob_free_list(struct gm_blob *blob);
void tbl_put(struct gomap_table *t);
void gm_drop_table(struct gomap *map, struct gomap_table *t, bool owns_entries);
void *gm_spare_alloc(struct gomap *map, size_t size, gfp_t gfp, void **spare);
void *tbl_take_overflow(struct gomap *map, struct gomap_table *t, gfp_t gfp,
			struct gm_spare *spare);
void tbl_link_overflow(struct gomap *map, struct gomap_table *t, void *last, void *ovf);

/* gomap_grow.c */
int gm_evacuate(struct gomap *map, unsigned long oldi, gfp_t gfp);
void gm_grow_work(struct gomap *map, u64 hash, gfp_t gfp);
int gm_hash_grow(struct gomap *map, gfp_t gfp, unsigned long *flags);
void gm_grow_worker(struct work_struct *work);

/* gomap_core.c */
struct gm_blob *gm_detach_deferred(struct gomap *map);

/* gomap_lookup.c */
bool gm_find_slow(struct gomap *map, struct gm_key *key, struct gm_pos *pos);

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
