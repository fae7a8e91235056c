// SPDX-License-Identifier: GPL-2.0
/*
 * Sharded maps (DOC: Shards): every contract of a single Go map, held by
 * maps of 1, 2 and 64 shards, and what spans the shards: map-wide
 * max_entries, aggregated len and stats, clear, and iteration.
 */
#include <pthread.h>
#include <stdlib.h>
#include <linux/err.h>

#include "harness.h"
#include "tmap.h"

static const unsigned int shard_counts[] = { 1, 2, 64 };

#define FOR_EACH_SHARDS(s, i) \
	for ((i) = 0; (i) < ARRAY_SIZE(shard_counts) && ((s) = shard_counts[i], 1); (i)++)

static struct gomap *smap_new(unsigned int shards, unsigned int hint, unsigned int max)
{
	struct gomap *map;

	tmap_shards = shards;
	map = tmap_new(8, 8, hint, max);
	tmap_shards = 1;
	return map;
}

static u64 skey(u64 i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

TEST(shards_bad_counts_are_einval_and_change_nothing)
{
	static const unsigned int bad[] = { 3, 6, 100, GOMAP_MAX_SHARDS * 2, UINT_MAX };
	struct gomap_params p = { .key_size = 8, .value_size = 8 };
	long live = shim_live_allocs();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p.shards = bad[i];
		EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -EINVAL);
	}
	/* Preallocated maps have one shard: any one may have to hold every entry. */
	p = (struct gomap_params){ .key_size = 8, .value_size = 8, .max_entries = 64,
				   .flags = GOMAP_F_PREALLOC, .shards = 2 };
	EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -EINVAL);
	EXPECT_EQ(shim_live_allocs(), live);
}

TEST(shards_counts_resolve_to_a_power_of_two)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8 };
	unsigned int cpus = roundup_pow_of_two(num_possible_cpus());
	struct gomap *map;

	p.shards = GOMAP_MAX_SHARDS;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, GOMAP_MAX_SHARDS);
	EXPECT_EQ(tstats(map).shards, GOMAP_MAX_SHARDS);
	gomap_destroy(map);

	/*
	 * The default: four shards a CPU, at most 16 without a hint or limit,
	 * 64 with one, fewer for small maps.
	 */
	p.shards = 0;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, min(cpus * 4, 16U));
	gomap_destroy(map);
	p.hint = 1 << 20;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, min(cpus * 4, 64U));
	gomap_destroy(map);
	p.hint = 100;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, 1);
	gomap_destroy(map);
	p.hint = 0;
	p.max_entries = 2048;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, min(cpus * 4, 2U));
	gomap_destroy(map);
	p.flags = GOMAP_F_PREALLOC;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->shards, 1);
	gomap_destroy(map);
}

/* A key's shard is given by the hash bits just below its tophash byte. */
TEST(shards_keys_live_in_the_shard_their_hash_names)
{
	unsigned int s, i;

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		unsigned long n[64] = { 0 };
		u64 k, j;

		for (j = 0; j < 4000; j++) {
			u64 hash;

			k = skey(j);
			hash = gomap_test_hash(map, &k, 8);
			EXPECT_EQ(gomap_test_shard(map, &k, 8), (hash >> (56 - ilog2(s))) & (s - 1));
			n[gomap_test_shard(map, &k, 8)]++;
			EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
		}
		/* gomap_test_check() checks every key is in its shard. */
		EXPECT_EQ(gomap_test_check(map), 0);
		for (j = 0; j < s; j++)
			EXPECT_GT(n[j], 4000 / s / 2);	/* spread evenly, roughly */
		tmap_free(map);
	}
}

/* The Go-map contracts, whatever the number of shards. */
TEST(shards_assign_lookup_delete_len_stats_clear)
{
	unsigned int s, i;

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		unsigned long most = 0;
		struct gomap_stats st;
		u64 k, v, j;

		for (j = 0; j < 3000; j++) {
			k = skey(j);
			EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
		}
		for (j = 0; j < 3000; j += 3) {
			k = skey(j);
			EXPECT_EQ(gomap_delete(map, &k), 0);
			EXPECT_EQ(gomap_delete(map, &k), -ENOENT);
		}
		for (j = 0; j < 3000; j++) {
			k = skey(j);
			EXPECT_EQ(gomap_lookup(map, &k, &v), j % 3 ? 0 : -ENOENT);
			if (j % 3)
				EXPECT_EQ(v, j);
		}
		EXPECT_EQ(gomap_len(map), 2000);
		st = tstats(map);
		EXPECT_EQ(st.count, 2000);
		EXPECT_EQ(st.shards, s);
		EXPECT_EQ(st.assigns, 3000);
		EXPECT_EQ(st.deletes, 2000);
		EXPECT_EQ(st.hits, 2000);
		EXPECT_EQ(st.misses, 1000);
		/* The most loaded shard: what the shards hold, counted one by one. */
		for (j = 0; j < s; j++)
			most = max(most, READ_ONCE(map->shards[j].count));
		EXPECT_EQ(st.max_shard_count, most);
		EXPECT_GE(st.max_shard_count, 2000 / s);
		EXPECT_GE(st.buckets, s);
		EXPECT_EQ(gomap_test_check(map), 0);

		gomap_clear(map);
		EXPECT_EQ(gomap_len(map), 0);
		EXPECT_EQ(tstats(map).max_shard_count, 0);
		for (j = 0; j < 3000; j++) {
			k = skey(j);
			EXPECT_EQ(gomap_lookup(map, &k, NULL), -ENOENT);
		}
		/* And the map is usable after. */
		k = skey(1);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
		EXPECT_EQ(gomap_len(map), 1);
		tmap_free(map);
	}
}

/* max_entries holds for the whole map, not per shard. */
TEST(shards_max_entries_is_map_wide)
{
	unsigned int s, i;

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 100);
		unsigned int ok = 0, full = 0;
		u64 k, j;

		for (j = 0; j < 1000; j++) {
			int ret;

			k = skey(j);
			ret = gomap_assign(map, &k, &j, GFP_KERNEL);
			ok += !ret;
			full += ret == -ENOSPC;
		}
		EXPECT_EQ(ok, 100);
		EXPECT_EQ(full, 900);
		EXPECT_EQ(gomap_len(map), 100);
		/* Overwrites of keys present still work; a delete makes room for one. */
		k = skey(0);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
		EXPECT_EQ(gomap_delete(map, &k), 0);
		k = skey(999);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
		k = skey(998);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), -ENOSPC);
		/* A clear gives every entry back. */
		gomap_clear(map);
		for (ok = 0, j = 0; j < 200; j++) {
			k = skey(j);
			ok += !gomap_assign(map, &k, &j, GFP_KERNEL);
		}
		EXPECT_EQ(ok, 100);
		tmap_free(map);
	}
}

/*
 * A full map refuses a new key with -ENOSPC even where the key's shard has
 * no bucket yet, and gives it none: not -ENOMEM from a hardirq caller with
 * the reserve's one-bucket tables taken.
 */
TEST(shards_full_map_refuses_a_new_key_of_an_empty_shard)
{
	struct gomap *map = smap_new(64, 0, 4);
	struct gomap_stats before;
	u64 k, j;

	for (j = 0; j < 4; j++) {
		k = skey(j);
		EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
	}
	/* A key of a shard without an array. */
	for (j = 4; map->shards[gomap_test_shard(map, &k, 8)].table; j++)
		k = skey(j);
	before = tstats(map);
	shim_irq_enter();
	gomap_test_fail_alloc(map, UINT_MAX);	/* no memory anywhere */
	EXPECT_EQ(gomap_assign(map, &k, &j, GFP_ATOMIC), -ENOSPC);
	gomap_test_fail_alloc(map, 0);
	shim_irq_exit();
	EXPECT_EQ(tstats(map).bytes, before.bytes);
	EXPECT_EQ(tstats(map).reserve_bytes, before.reserve_bytes);
	EXPECT_EQ(gomap_len(map), 4);
	tmap_free(map);
}

/* Walk @map; count how often each of the first @n keys came back. */
static unsigned long walk_count(struct gomap *map, u8 *seen, u64 n)
{
	struct gomap_iter it;
	unsigned long total = 0;
	u64 k, v;

	memset(seen, 0, n);
	gomap_iter_start(&it, map);
	while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
		total++;
		if (v < n && k == skey(v))
			seen[v]++;
	}
	gomap_iter_stop(&it);
	return total;
}

TEST(shards_iteration_returns_each_entry_once)
{
	unsigned int s, i;
	u8 seen[2000];

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		u64 k, j;

		EXPECT_EQ(walk_count(map, seen, 0), 0);	/* an empty map */
		for (j = 0; j < 2000; j++) {
			k = skey(j);
			EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
		}
		EXPECT_EQ(walk_count(map, seen, 2000), 2000);
		for (j = 0; j < 2000; j++)
			EXPECT_EQ(seen[j], 1);
		tmap_free(map);
	}
}

/*
 * Keys present for the whole walk come back exactly once while the walk
 * races growth (new keys) and deletes of other keys, shard after shard.
 */
TEST(shards_iteration_exactly_once_across_growth_and_deletes)
{
	unsigned int s, i;
	u8 seen[1000];

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		struct gomap_iter it;
		u64 k, v, j, next = 2000;
		int steps = 0;

		for (j = 0; j < 2000; j++) {	/* 0..999 stay, 1000..1999 go */
			k = skey(j);
			EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
		}
		memset(seen, 0, sizeof(seen));
		gomap_iter_start(&it, map);
		while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
			if (v < 1000) {
				EXPECT_EQ(k, skey(v));
				seen[v]++;
			}
			/* Each step: four new keys (the map grows), one old key deleted. */
			for (j = 0; j < 4; j++, next++) {
				k = skey(next);
				EXPECT_EQ(gomap_assign(map, &k, &next, GFP_KERNEL), 0);
			}
			if (steps < 1000) {
				k = skey(1000 + steps);
				EXPECT_EQ(gomap_delete(map, &k), 0);
			}
			steps++;
		}
		gomap_iter_stop(&it);
		for (j = 0; j < 1000; j++)
			EXPECT_EQ(seen[j], 1);
		EXPECT_GT(tstats(map).grows, s);
		tmap_free(map);
	}
}

/* The first entry of a walk comes from a random shard, not always the same. */
TEST(shards_iteration_starts_at_a_random_shard)
{
	struct gomap *map = smap_new(64, 0, 0);
	unsigned long first[64] = { 0 };
	unsigned int distinct = 0, j;
	struct gomap_iter it;
	u64 k;

	for (k = 0; k < 640; k++) {
		u64 key = skey(k);

		EXPECT_EQ(gomap_assign(map, &key, &k, GFP_KERNEL), 0);
	}
	for (j = 0; j < 200; j++) {
		gomap_iter_start(&it, map);
		ASSERT_GE(gomap_iter_next(&it, &k, sizeof(k), NULL), 0);
		first[gomap_test_shard(map, &k, 8)]++;
		gomap_iter_stop(&it);
	}
	for (j = 0; j < 64; j++)
		distinct += !!first[j];
	EXPECT_GE(distinct, 32);
	tmap_free(map);
}

TEST(shards_clear_ends_a_walk_in_any_shard)
{
	unsigned int s, i;

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		struct gomap_iter it;
		u64 k, j;

		for (j = 0; j < 500; j++) {
			k = skey(j);
			EXPECT_EQ(gomap_assign(map, &k, &j, GFP_KERNEL), 0);
		}
		gomap_iter_start(&it, map);
		EXPECT_GE(gomap_iter_next(&it, &k, sizeof(k), NULL), 0);
		gomap_clear(map);
		/* Keys assigned after the clear may or may not be returned; old ones not. */
		k = skey(7);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
		while (gomap_iter_next(&it, &k, sizeof(k), NULL) >= 0)
			EXPECT_EQ(k, skey(7));
		gomap_iter_stop(&it);
		tmap_free(map);
	}
}

/* One shard is Go's map: its seed is drawn anew when it empties.  Shards share one. */
TEST(shards_share_a_seed_that_emptying_keeps)
{
	unsigned int s, i;

	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		u64 k = 42, before, after;

		before = gomap_test_hash(map, &k, 8);
		EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
		EXPECT_EQ(gomap_delete(map, &k), 0);
		after = gomap_test_hash(map, &k, 8);
		if (s == 1)
			EXPECT_NE(before, after);
		else
			EXPECT_EQ(before, after);
		tmap_free(map);
	}
}

/* ---- Threads ---- */

struct sthr {
	struct gomap *map;
	unsigned int id;
	u64 first, n;		/* the keys it inserts */
	unsigned long ok, full, errors;
};

static void *insert_until_full(void *arg)
{
	struct sthr *t = arg;
	u64 j, k;

	for (j = t->first; j < t->first + t->n; j++) {
		int ret;

		k = skey(j);
		ret = gomap_assign(t->map, &k, &j, j & 1 ? GFP_KERNEL : GFP_ATOMIC);
		t->ok += !ret;
		t->full += ret == -ENOSPC;
		t->errors += ret && ret != -ENOSPC;
	}
	return NULL;
}

/* Writers racing for the last entries of a map-wide max_entries never overshoot it. */
TEST(threads_max_entries_never_overshoots)
{
	unsigned int s, i, r;

	FOR_EACH_SHARDS(s, i) {
		for (r = 0; r < 4; r++) {
			struct gomap *map = smap_new(s, 0, 1000);
			struct sthr t[4];
			pthread_t tid[4];
			unsigned long ok = 0;
			unsigned int n;

			for (n = 0; n < 4; n++) {
				t[n] = (struct sthr){ .map = map, .id = n, .first = n * 100000,
						      .n = 600 };
				pthread_create(&tid[n], NULL, insert_until_full, &t[n]);
			}
			for (n = 0; n < 4; n++) {
				pthread_join(tid[n], NULL);
				ok += t[n].ok;
				EXPECT_EQ(t[n].errors, 0);
				EXPECT_EQ(t[n].ok + t[n].full, 600);
			}
			EXPECT_EQ(ok, 1000);
			EXPECT_EQ(gomap_len(map), 1000);
			EXPECT_EQ(atomic_long_read(&map->nr_entries), 1000);
			tmap_free(map);
		}
	}
}

#define SHARED_KEYS	512
#define UPDATES		20000

static void add_one(void *value, bool found, void *arg)
{
	(*(u64 *)value)++;
}

/* Increments of shared keys: overlapping writers. */
static void *incrementer(void *arg)
{
	struct sthr *t = arg;
	u64 s = 0x9e3779b97f4a7c15ULL * (t->id + 1), j, k;

	for (j = 0; j < UPDATES; j++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		k = skey(s % SHARED_KEYS);
		t->errors += !!gomap_update(t->map, &k, add_one, NULL,
					    j & 1 ? GFP_KERNEL : GFP_ATOMIC);
	}
	return NULL;
}

/* Disjoint writers: each inserts and deletes its own keys, checking as it goes. */
static void *own_keys(void *arg)
{
	struct sthr *t = arg;
	u64 j, k, v;

	for (j = 0; j < 3 * t->n; j++) {
		u64 idx = t->first + j % t->n;

		k = skey(idx);
		if (j < t->n || j >= 2 * t->n) {
			t->errors += !!gomap_assign(t->map, &k, &idx, GFP_KERNEL);
		} else {
			t->errors += gomap_lookup(t->map, &k, &v) || v != idx;
			t->errors += !!gomap_delete(t->map, &k);
		}
	}
	return NULL;
}

/*
 * Several writers at once on overlapping keys (increments: none may be
 * lost) and on disjoint keys (inserts, lookups, deletes), with walkers.
 */
TEST(threads_overlapping_and_disjoint_writers)
{
	unsigned int s, i;

	shim_wq_set_mode(SHIM_WQ_THREAD);
	FOR_EACH_SHARDS(s, i) {
		struct gomap *map = smap_new(s, 0, 0);
		struct sthr t[6];
		pthread_t tid[6];
		struct gomap_iter it;
		u64 sum = 0, k, v, j;
		unsigned int n;

		for (n = 0; n < 6; n++) {
			t[n] = (struct sthr){ .map = map, .id = n,
					      .first = (1 + n) * 1000000, .n = 3000 };
			pthread_create(&tid[n], NULL, n < 3 ? incrementer : own_keys, &t[n]);
		}
		for (n = 0; n < 6; n++) {
			pthread_join(tid[n], NULL);
			EXPECT_EQ(t[n].errors, 0);
		}
		for (j = 0; j < SHARED_KEYS; j++) {
			k = skey(j);
			if (!gomap_lookup(map, &k, &v))
				sum += v;
		}
		EXPECT_EQ(sum, 3 * UPDATES);
		/* Each disjoint writer left its keys present; a walk sees all once. */
		gomap_iter_start(&it, map);
		for (n = 0; gomap_iter_next(&it, &k, sizeof(k), &v) >= 0; n++)
			;
		gomap_iter_stop(&it);
		EXPECT_EQ(n, gomap_len(map));
		EXPECT_EQ(gomap_len(map), 3 * 3000 + SHARED_KEYS);
		EXPECT_EQ(gomap_test_check(map), 0);
		tmap_free(map);
	}
	shim_wq_set_mode(SHIM_WQ_MANUAL);
}
