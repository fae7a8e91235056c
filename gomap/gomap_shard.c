// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: a map as a set of shards: create, destroy, len, clear, stats.
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "gomap_bucket.h"

/**
 * DOC: Shards
 *
 * A map is 2^k complete Go maps, its shards, k from 0 to 8: each has its
 * own lock, seqcount, bucket arrays, growth, evacuation and reserve, so
 * writers to different shards run in parallel and a lockless lookup looks
 * again only when a writer changed its own shard.  A key's shard is given
 * by the k bits of its hash just below the tophash byte, bits 55 down to
 * 56 - k: the tophash is bits 56 to 63, and a bucket index the low B
 * bits, which GM_MAX_B keeps below bit 48.  So within a shard keys spread
 * over its buckets as in a map of their own.
 *
 * gomap_params.shards picks the count; 0 asks for the default:
 * GM_SHARDS_PER_CPU shards per possible CPU, the CPUs rounded up to a power
 * of two, at most GM_DEFAULT_MAX_SHARDS, and fewer for a map whose hint or
 * max_entries gives a shard fewer than GM_SHARD_MIN_ENTRIES entries.  A
 * preallocated map, and any map on a machine of one CPU, has one.  With
 * one shard per CPU two writers on a machine of two met at the same lock
 * every other operation, and were up to 1.4 times as slow as rhashtable
 * with its lock per bucket; with four a CPU they meet at one operation in
 * eight (Documentation/testing.rst, "Threads on one map").
 *
 * A shard costs its header and a reserve (about 2.5 KiB for 8-byte keys
 * and values) even while empty.  A map that gives neither hint nor
 * max_entries may stay small, so it gets at most GM_UNSIZED_MAX_SHARDS;
 * one written from many CPUs at once on a bigger machine should say how
 * big it grows, or ask for its shards.
 *
 * A map of one shard is exactly Go's map, hash seed redrawn when it
 * empties included.  The shards of a bigger map share one seed, fixed at
 * gomap_create(): a key's shard depends on it.
 *
 * What spans the map: max_entries is map-wide, each new key first taking
 * one from a shared counter (gm_take_entry()), so shards never add more
 * between them; gomap_len() and gomap_stats() add the shards up, shard by
 * shard, not as one snapshot; gomap_clear() empties one shard after the
 * other; an iterator walks the shards in turn from a random one.
 */

#define GM_SHARDS_PER_CPU	4	/* default shards for each possible CPU */
#define GM_DEFAULT_MAX_SHARDS	64	/* the most shards a map gets unasked */
#define GM_UNSIZED_MAX_SHARDS	16	/* ... with neither hint nor max_entries */
#define GM_SHARD_MIN_ENTRIES	1024	/* the fewest a default shard is expected to hold */

/* The default number of shards for @p (see DOC: Shards). */
static unsigned int gm_default_shards(const struct gomap_params *p)
{
	unsigned int cpus = num_possible_cpus(), n;

	if ((p->flags & GOMAP_F_PREALLOC) || cpus == 1)
		return 1;
	n = min_t(unsigned int, roundup_pow_of_two(cpus) * GM_SHARDS_PER_CPU,
		  p->hint || p->max_entries ? GM_DEFAULT_MAX_SHARDS : GM_UNSIZED_MAX_SHARDS);
	while (n > 1 && p->hint && p->hint / n < GM_SHARD_MIN_ENTRIES)
		n /= 2;
	while (n > 1 && p->max_entries && p->max_entries / n < GM_SHARD_MIN_ENTRIES)
		n /= 2;
	return n;
}

static int gm_check_params(const struct gomap_params *p)
{
	if (!p || p->key_size > GOMAP_MAX_KEY_SIZE || p->value_size > GOMAP_MAX_VALUE_SIZE ||
	    (p->flags & ~(GOMAP_F_PREALLOC | GOMAP_F_NO_SHRINK)))
		return -EINVAL;
	if (p->shards > GOMAP_MAX_SHARDS || (p->shards & (p->shards - 1)))
		return -EINVAL;
	/*
	 * A preallocated map is sized by max_entries, string keys vary in
	 * size, and one shard may have to hold every entry.
	 */
	if ((p->flags & GOMAP_F_PREALLOC) &&
	    (!p->max_entries || p->key_size == GOMAP_KEY_STRING || p->shards > 1))
		return -EINVAL;
	return 0;
}

static void gm_map_free(struct gomap *map, unsigned int nr_init)
{
	while (nr_init)
		gm_hmap_destroy(&map->shards[--nr_init]);
	free_percpu(map->read_stats);
	kvfree(map);
}

/**
 * gomap_create() - Create a map (Go's makemap / makemap_small).
 * @params: Key and value sizes, size hint, entry limit, flags and shards;
 *          copied.
 * @gfp: Allocation flags for the map, its reserve and, when @params->hint
 *       asks for more than one bucket a shard, its first bucket arrays.
 *
 * A hint of at most 8 entries a shard allocates no bucket until the first
 * assign.  Larger hints allocate the smallest arrays that hold them within
 * the load factor.  Each shard's reserve (see DOC: Memory reserve) starts
 * with a few objects of each size the map needs, so that the first assigns
 * can be made where allocating is not allowed.  With GOMAP_F_PREALLOC the
 * array and the reserve are sized for max_entries and nothing is allocated
 * after this call (see DOC: Preallocated maps).  Each map gets its own
 * random hash seed.  @params->shards chooses the number of shards, 0 the
 * default (see DOC: Shards).
 *
 * Context: Process context, or with a @gfp that does not sleep any context
 * the kernel allows to allocate: not NMI or hardirq, and on PREEMPT_RT
 * only where preemptible().
 * Return:
 * * The map - on success.
 * * ERR_PTR(-EINVAL) - bad @params: a size over its maximum, an unknown
 *   flag, shards not a power of two or over GOMAP_MAX_SHARDS, or
 *   GOMAP_F_PREALLOC without max_entries, with string keys or with more
 *   than one shard.
 * * ERR_PTR(-EBUSY) - @gfp does not sleep and the context may not allocate.
 * * ERR_PTR(-ENOMEM) - out of memory.
 */
struct gomap *gomap_create(const struct gomap_params *params, gfp_t gfp)
{
	unsigned int nr, hint, i;
	struct gomap *map;

	if (gm_check_params(params))
		return ERR_PTR(-EINVAL);
	if (!gfpflags_allow_blocking(gfp) && !gm_context_may_alloc())
		return ERR_PTR(-EBUSY);
	might_alloc(gfp);
	nr = params->shards ?: gm_default_shards(params);
	map = kvzalloc(gm_map_size(nr), gfp);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->shards = (void *)map + gm_map_size(nr) - nr * sizeof(struct gm_hmap);
	for (i = 0; i < nr; i++)
		map->shard_tab[i] = &map->shards[i];
	map->params = *params;
	map->params.shards = nr;
	map->kind = gm_key_kind_of(params->key_size);
	map->shard_bits = ilog2(nr);
	map->shard_shift = GM_SHARD_TOP - map->shard_bits;
	map->shard_mask = nr - 1;
	map->seed = get_random_u64();
	get_random_bytes(&map->rnd_key, sizeof(map->rnd_key));
	map->read_stats = alloc_percpu_gfp(struct gm_read_stats, gfp);
	if (!map->read_stats)
		goto err;
	/* The hint shared out, rounded up: DIV_ROUND_UP() would overflow near UINT_MAX. */
	hint = params->hint / nr + !!(params->hint % nr);
	for (i = 0; i < nr; i++) {
		if (gm_hmap_init(&map->shards[i], map, hint, gfp)) {
			gm_map_free(map, i + 1);
			return ERR_PTR(-ENOMEM);
		}
	}
	return map;

err:
	gm_map_free(map, 0);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(gomap_create);

/**
 * gomap_destroy() - Free a map and everything in it.
 * @map: The map, or NULL.  No other call on it may run or follow, and no
 *       iterator may be live.
 *
 * Waits for the shards' workers.  The arrays are freed after an RCU grace
 * period.
 *
 * Context: Process context.  May sleep.
 */
void gomap_destroy(struct gomap *map)
{
	if (!map)
		return;
	might_sleep();
	gm_map_free(map, gm_nr_shards(map));
}
EXPORT_SYMBOL_GPL(gomap_destroy);

/**
 * gomap_len() - Number of entries (Go's len(m)).
 * @map: The map.
 *
 * Context: Any context.  Lockless; the answer may be stale at once, and
 * with several shards it adds up counts read one after the other.
 * Return: The number of entries.
 */
unsigned long gomap_len(struct gomap *map)
{
	unsigned long count = 0;
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++)
		count += READ_ONCE(map->shards[i].count);	/* races with writers by design */
	return count;
}
EXPORT_SYMBOL_GPL(gomap_len);

/**
 * gomap_clear() - Remove every entry (Go's clear(m) / mapclear).
 * @map: The map.
 *
 * Unlike Go's mapclear, which zeroes the array in place, each shard drops
 * its arrays and starts again from one bucket: clearing in place is work
 * proportional to the map's size under the lock.  The old arrays and the
 * entries' out-of-line memory are freed after an RCU grace period.
 * Iterators in progress end at their next step.  A map created with
 * GOMAP_F_PREALLOC is emptied in place instead, GM_CLEAR_BATCH buckets per
 * lock hold (see DOC: Preallocated maps): the call takes time proportional
 * to the map's size.  Shards are emptied one after the other, so entries
 * assigned meanwhile may survive the call.
 *
 * Context: Any context but NMI, where it warns and does nothing.  Takes and
 * releases each shard's lock in turn.
 */
void gomap_clear(struct gomap *map)
{
	unsigned int i;

	if (WARN_ON_ONCE(in_nmi()))
		return;
	atomic_long_inc(&map->clear_seq);
	for (i = 0; i < gm_nr_shards(map); i++)
		gm_hmap_clear(&map->shards[i]);
}
EXPORT_SYMBOL_GPL(gomap_clear);

/* Operations count per CPU (struct gm_read_stats). */
static void gm_sum_read_stats(struct gomap *map, struct gomap_stats *stats)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct gm_read_stats *rs = per_cpu_ptr(map->read_stats, cpu);

		stats->hits += READ_ONCE(rs->hits);
		stats->misses += READ_ONCE(rs->misses);
		stats->assigns += READ_ONCE(rs->assigns);
		stats->deletes += READ_ONCE(rs->deletes);
	}
	stats->lookups = stats->hits + stats->misses;
}

/* Add shard figures @s into the map's @st: counters add up, maxima and flags combine. */
static void gm_stats_add(struct gomap_stats *st, const struct gomap_stats *s)
{
	st->count += s->count;
	st->B = max(st->B, s->B);
	st->buckets += s->buckets;
	st->noverflow += s->noverflow;
	st->overflow_buckets += s->overflow_buckets;
	st->growing |= s->growing;
	st->same_size_growing |= s->same_size_growing;
	st->shrinking |= s->shrinking;
	st->nevacuate += s->nevacuate;
	st->grows += s->grows;
	st->same_size_grows += s->same_size_grows;
	st->shrinks += s->shrinks;
	st->deferred_grows += s->deferred_grows;
	st->failed_grows += s->failed_grows;
	st->failed_evacuations += s->failed_evacuations;
	st->bytes += s->bytes;
	st->reserve_bytes += s->reserve_bytes;
	st->reserve_refills += s->reserve_refills;
	st->reserve_empty += s->reserve_empty;
	st->deferred_frees += s->deferred_frees;
	st->max_evacuated_per_op = max(st->max_evacuated_per_op, s->max_evacuated_per_op);
	st->max_buckets_per_op = max(st->max_buckets_per_op, s->max_buckets_per_op);
	st->max_bytes_moved_per_op = max(st->max_bytes_moved_per_op, s->max_bytes_moved_per_op);
	st->max_shard_count = max(st->max_shard_count, s->count);
}

/**
 * gomap_stats() - Take a snapshot of a map's state and counters.
 * @map: The map.
 * @stats: Filled in.
 *
 * Each shard's figures are a consistent snapshot; with several shards,
 * taken one after the other, they are added up (see struct gomap_stats).
 *
 * Context: Any context.  Takes and releases each shard's lock in turn.  In
 * NMI context, where a lock could be this CPU's, fills @stats with zeroes.
 */
void gomap_stats(struct gomap *map, struct gomap_stats *stats)
{
	struct gomap_stats s;
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	if (unlikely(in_nmi()))
		return;
	for (i = 0; i < gm_nr_shards(map); i++) {
		gm_hmap_stats(&map->shards[i], &s);
		gm_stats_add(stats, &s);
	}
	stats->shards = gm_nr_shards(map);
	gm_sum_read_stats(map, stats);
}
EXPORT_SYMBOL_GPL(gomap_stats);

/**
 * gomap_params() - The shape a map was created with.
 * @map: The map.
 *
 * Context: Any context.
 * Return: The parameters, shards resolved to the count the map has; valid
 * as long as @map is.
 */
const struct gomap_params *gomap_params(const struct gomap *map)
{
	return &map->params;
}
EXPORT_SYMBOL_GPL(gomap_params);
