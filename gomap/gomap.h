/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap: Go's classic runtime hash map (hmap, Go 1.12-1.23) for kernel code.
 *
 * The only header a client module includes.  See Documentation/gomap.rst.
 */
#ifndef _GOMAP_H
#define _GOMAP_H

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/types.h>

/* key_size value that selects byte-string keys of any length up to GOMAP_MAX_STR_LEN. */
#define GOMAP_KEY_STRING	0

/* Largest fixed key size; keys over 128 bytes are stored out of line. */
#define GOMAP_MAX_KEY_SIZE	4096
/* Largest value size; values over 128 bytes are stored out of line. */
#define GOMAP_MAX_VALUE_SIZE	65536
/* Longest byte-string key. */
#define GOMAP_MAX_STR_LEN	4096
/* Most shards a map may have. */
#define GOMAP_MAX_SHARDS	256

/*
 * gomap_params.flags: GOMAP_F_PREALLOC allocates at gomap_create() all the
 * memory max_entries entries can need, after which no call on the map
 * allocates.  It needs max_entries and fixed-size keys.  GOMAP_F_NO_SHRINK
 * keeps a map's arrays when deletes leave them mostly empty (Go's maps
 * never shrink; gomap's do, see Documentation/gomap.rst).
 */
#define GOMAP_F_PREALLOC	BIT(0)
#define GOMAP_F_NO_SHRINK	BIT(1)

struct gomap;
struct gm_hmap;
struct gomap_table;

/**
 * struct gomap_params - Shape of a map, fixed at gomap_create().
 * @key_size: Key size in bytes (1..GOMAP_MAX_KEY_SIZE), or GOMAP_KEY_STRING.
 * @value_size: Value size in bytes (0..GOMAP_MAX_VALUE_SIZE); 0 makes a set.
 * @hint: Expected number of entries; sizes the first bucket array (Go's
 *        makemap hint).  0 allocates nothing until the first assign.
 * @max_entries: 0 for no limit; otherwise assigning a new key to a map that
 *               holds this many entries fails with -ENOSPC.
 * @flags: 0, or GOMAP_F_PREALLOC and GOMAP_F_NO_SHRINK.
 * @shards: Number of shards, a power of two up to GOMAP_MAX_SHARDS, each
 *          a Go map with its own lock; 0 for a default from @hint,
 *          @max_entries and the number of CPUs; 1 for exactly one Go map.
 */
struct gomap_params {
	unsigned int key_size;
	unsigned int value_size;
	unsigned int hint;
	unsigned int max_entries;
	unsigned int flags;
	unsigned int shards;
};

/**
 * struct gomap_stats - A snapshot of a map's state, from gomap_stats().
 * @count: Live entries (Go's count).
 * @shards: Number of shards.
 * @max_shard_count: Live entries of the most loaded shard.
 * @B: log2 of the number of buckets in the current array; of the largest
 *     shard's.
 * @buckets: Buckets of the current arrays, 2^B a shard, all shards.
 * @noverflow: Go's approximate overflow bucket counter.
 * @overflow_buckets: Exact number of overflow buckets in use, both arrays.
 * @growing: A growth is in progress (an old array exists).
 * @same_size_growing: The growth in progress keeps the size.
 * @nevacuate: Old buckets below this index are evacuated (summed over
 *             the shards).
 * @grows: Doubling growths started.
 * @same_size_grows: Same-size growths started.
 * @shrinking: A shrink is in progress: the old array is twice the new one.
 * @shrinks: Shrinks started (deletes left a shard under its shrink load).
 * @deferred_grows: Growths postponed because the array could not be
 *                  allocated in the caller's context; handed to the worker.
 * @failed_grows: Bucket array allocations that failed.
 * @failed_evacuations: Evacuations postponed by an allocation failure.
 * @bytes: Bytes the map has allocated (arrays, overflow buckets, out-of-line
 *         keys and values), excluding the map header and its reserve.
 * @reserve_bytes: Bytes of free objects in the map's reserve.
 * @reserve_refills: Times the reserve was topped up, by an operation or
 *                   the worker.
 * @reserve_empty: Times an operation found a list of the reserve empty.
 * @deferred_frees: Objects operations let go of that were freed after an
 *                  RCU grace period instead of inside the operation.
 * @max_evacuated_per_op: Most old buckets evacuated by a single operation.
 * @max_buckets_per_op: Most buckets (array or overflow) a single operation
 *                      read or wrote.
 * @max_bytes_moved_per_op: Most bytes a single operation zeroed or copied
 *                          while initialising or filling buckets.
 * @assigns: Assign and update calls.
 * @lookups: Lookup calls.
 * @deletes: Delete calls.
 * @hits: Lookups that found their key.
 * @misses: Lookups that did not.
 *
 * Each shard's figures are consistent; with several shards they are added
 * up (counts, bytes, counters), or the largest is given (@B, the per-op
 * maxima), or any shard's (@growing, @same_size_growing).
 */
struct gomap_stats {
	unsigned long count;
	unsigned int shards;
	unsigned long max_shard_count;
	unsigned int B;
	unsigned long buckets;
	unsigned int noverflow;
	unsigned long overflow_buckets;
	bool growing;
	bool same_size_growing;
	unsigned long nevacuate;
	unsigned long grows;
	unsigned long same_size_grows;
	bool shrinking;
	unsigned long shrinks;
	unsigned long deferred_grows;
	unsigned long failed_grows;
	unsigned long failed_evacuations;
	size_t bytes;
	size_t reserve_bytes;
	unsigned long reserve_refills;
	unsigned long reserve_empty;
	unsigned long deferred_frees;
	unsigned int max_evacuated_per_op;
	unsigned int max_buckets_per_op;
	size_t max_bytes_moved_per_op;
	u64 assigns;
	u64 lookups;
	u64 deletes;
	u64 hits;
	u64 misses;
};

/**
 * typedef gomap_update_fn - Callback of gomap_update(), run under the map lock.
 * @value: The entry's value, zero-filled if the key was just added.
 * @found: True if the key was already in the map.
 * @arg: The caller's argument.
 *
 * Runs with the map's raw spinlock held and interrupts off: it must not
 * sleep, take a spinlock_t (a sleeping lock on PREEMPT_RT), allocate or
 * free memory, or call into the same map.
 */
typedef void (*gomap_update_fn)(void *value, bool found, void *arg);

/**
 * struct gomap_iter - Iteration state; lives on the caller's stack.
 *
 * Fill it with gomap_iter_start(), step with gomap_iter_next() and end
 * with gomap_iter_stop().  All fields are private.
 */
struct gomap_iter {
	/* private: */
	struct gomap *map;
	struct gm_hmap *h;		/* the shard being walked; NULL when over */
	unsigned int shard;		/* its index */
	unsigned int shards_left;	/* shards to walk after it */
	long map_clear_seq;		/* gomap_clear()s before the walk began */
	struct gomap_table *table;	/* Go's it.buckets, pinned */
	struct gomap_table *walk_table;	/* table that holds @bptr, pinned */
	void *bptr;			/* Go's it.bptr */
	unsigned long start_bucket;	/* Go's it.startBucket */
	unsigned long bucket;		/* Go's it.bucket: next bucket index */
	unsigned long check_bucket;	/* Go's it.checkBucket */
	unsigned long next_chain;	/* shrinking: the old bucket to walk next */
	unsigned long clear_seq;
	unsigned int B;
	u8 offset;			/* Go's it.offset */
	u8 slot;			/* Go's it.i */
	bool wrapped;
	bool done;
};

struct gomap *gomap_create(const struct gomap_params *params, gfp_t gfp);
void gomap_destroy(struct gomap *map);

int gomap_assign(struct gomap *map, const void *key, const void *value, gfp_t gfp);
int gomap_lookup(struct gomap *map, const void *key, void *value);
int gomap_delete(struct gomap *map, const void *key);
int gomap_update(struct gomap *map, const void *key, gomap_update_fn fn, void *arg,
		 gfp_t gfp);

int gomap_assign_str(struct gomap *map, const char *key, size_t len, const void *value,
		     gfp_t gfp);
int gomap_lookup_str(struct gomap *map, const char *key, size_t len, void *value);
int gomap_lookup_batch(struct gomap *map, const void *keys, unsigned int n, void *values,
		       bool *found);
int gomap_lookup_batch_str(struct gomap *map, const char *const *keys, const size_t *lens,
			   unsigned int n, void *values, bool *found);
int gomap_delete_str(struct gomap *map, const char *key, size_t len);
int gomap_update_str(struct gomap *map, const char *key, size_t len, gomap_update_fn fn,
		     void *arg, gfp_t gfp);

unsigned long gomap_len(struct gomap *map);
void gomap_clear(struct gomap *map);
void gomap_stats(struct gomap *map, struct gomap_stats *stats);
const struct gomap_params *gomap_params(const struct gomap *map);

void gomap_iter_start(struct gomap_iter *it, struct gomap *map);
int gomap_iter_next(struct gomap_iter *it, void *key, size_t key_size, void *value);
void gomap_iter_stop(struct gomap_iter *it);

#endif /* _GOMAP_H */
