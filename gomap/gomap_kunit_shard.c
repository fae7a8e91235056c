// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_shard: maps of 1, 2 and 64 shards (DOC: Shards) keep
 * every contract of one Go map, and what spans the shards holds: a
 * map-wide max_entries under racing writers, len and stats added up,
 * clear, and walks that return each entry once from a random shard.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

static const unsigned int gm_shard_counts[] = { 1, 2, 64 };

static void gm_shard_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "shards=%u", *n);
}

KUNIT_ARRAY_PARAM(gm_shards, gm_shard_counts, gm_shard_desc);

/* A u64 -> u64 map of the case's shard count, destroyed when the case ends. */
static struct gomap *gm_shard_map(struct kunit *test, unsigned int max_entries)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64),
				  .max_entries = max_entries,
				  .shards = *(const unsigned int *)test->param_value };

	return gm_create_params(test, &p);
}

static u64 gm_skey(u64 i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

static void gomap_test_shard_bad_counts(struct kunit *test)
{
	static const unsigned int bad[] = { 3, 6, 100, GOMAP_MAX_SHARDS * 2 };
	struct gomap_params p = { .key_size = 8, .value_size = 8 };
	struct gomap *map;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p.shards = bad[i];
		map = gomap_create(&p, GFP_KERNEL);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EINVAL);
		if (!IS_ERR(map))
			gomap_destroy(map);
	}
	p = (struct gomap_params){ .key_size = 8, .value_size = 8, .max_entries = 8,
				   .flags = GOMAP_F_PREALLOC, .shards = 2 };
	map = gomap_create(&p, GFP_KERNEL);
	/* Not a power of two, over GOMAP_MAX_SHARDS, or preallocated and sharded: -EINVAL. */
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EINVAL);
	if (!IS_ERR(map))
		gomap_destroy(map);
}

/* The count shards=0 resolves to on this machine, for maps of each kind. */
static unsigned int gm_default_count(struct kunit *test, unsigned int hint,
				     unsigned int max_entries, unsigned int flags)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8, .hint = hint,
				  .max_entries = max_entries, .flags = flags };

	return gomap_params(gm_create_params(test, &p))->shards;
}

static void gomap_test_shard_default_count(struct kunit *test)
{
	unsigned int cpus = num_possible_cpus();
	unsigned int per_cpu = roundup_pow_of_two(cpus) * 4;
	/* Four shards a CPU, one on a machine of one CPU; at most 16 unsized. */
	unsigned int want_unsized = cpus == 1 ? 1 : min(per_cpu, 16U);
	/* Up to 64 for a big hint; a small hint or limit leaves a shard 1024 entries or more. */
	unsigned int want_big_hint = cpus == 1 ? 1 : min(per_cpu, 64U);
	unsigned int want_limit_2048 = cpus == 1 ? 1 : 2;

	KUNIT_EXPECT_EQ(test, gm_default_count(test, 0, 0, 0), want_unsized);
	KUNIT_EXPECT_EQ(test, gm_default_count(test, 1 << 20, 0, 0), want_big_hint);
	KUNIT_EXPECT_EQ(test, gm_default_count(test, 100, 0, 0), 1U);
	KUNIT_EXPECT_EQ(test, gm_default_count(test, 0, 2048, 0), want_limit_2048);
	/* A preallocated map is one shard. */
	KUNIT_EXPECT_EQ(test, gm_default_count(test, 0, 1 << 16, GOMAP_F_PREALLOC), 1U);
}

static void gomap_test_shard_contracts(struct kunit *test)
{
	unsigned int shards = *(const unsigned int *)test->param_value;
	struct gomap *map = gm_shard_map(test, 0);
	unsigned int wrong = 0, i;
	unsigned long most = 0;
	struct gomap_stats st;
	u64 j;

	for (j = 0; j < 3000; j++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_skey(j), j), 0);
	for (j = 0; j < 3000; j += 3)
		KUNIT_ASSERT_EQ(test, gm_del64(map, gm_skey(j)), 0);
	for (j = 0; j < 3000; j++)
		wrong += gm_get64(map, gm_skey(j)) != (j % 3 ? j : U64_MAX);
	st = gm_stats(map);
	for (i = 0; i < shards; i++)
		most = max(most, READ_ONCE(map->shards[i].count));

	/* Every key where it belongs; len and stats add the shards up. */
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 2000UL);
	KUNIT_EXPECT_EQ(test, st.count, 2000UL);
	KUNIT_EXPECT_EQ(test, st.shards, shards);
	KUNIT_EXPECT_EQ(test, st.max_shard_count, most);
	KUNIT_EXPECT_GE(test, st.max_shard_count, 2000UL / shards);
	KUNIT_EXPECT_EQ(test, gomap_params(map)->shards, shards);

	gomap_clear(map);
	for (wrong = 0, j = 0; j < 3000; j++)
		wrong += gm_get64(map, gm_skey(j)) != U64_MAX;
	/* A clear empties every shard. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gm_stats(map).max_shard_count, 0UL);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
}

/* Walk @map: the number of entries, and @seen[i] counts key gm_skey(i) for i < @nr. */
static unsigned int gm_shard_walk(struct gomap *map, u8 *seen, u64 nr)
{
	struct gomap_iter it;
	unsigned int n = 0;
	u64 k, v;

	gomap_iter_start(&it, map);
	while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
		n++;
		if (v < nr && k == gm_skey(v))
			seen[v]++;
	}
	gomap_iter_stop(&it);
	return n;
}

static void gomap_test_shard_iter_once_across_growth(struct kunit *test)
{
	struct gomap *map = gm_shard_map(test, 0);
	u8 *seen = kunit_kzalloc(test, 1000, GFP_KERNEL);
	unsigned int bad = 0, steps = 0;
	struct gomap_iter it;
	u64 k, v, j, next = 2000;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (j = 0; j < 2000; j++)	/* keys below 1000 stay, the others go */
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_skey(j), j), 0);
	gomap_iter_start(&it, map);
	while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
		if (v < 1000)
			seen[v]++;
		for (j = 0; j < 4; j++, next++)	/* the map grows under the walk */
			bad += !!gm_put64(map, gm_skey(next), next);
		if (steps < 1000)
			bad += !!gm_del64(map, gm_skey(1000 + steps));
		steps++;
	}
	gomap_iter_stop(&it);

	/* Each key present for the whole walk came back exactly once. */
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 1000), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_shard_iter_random_start(struct kunit *test)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8, .shards = 64 };
	struct gomap *map = gm_create_params(test, &p);
	unsigned long *first = kunit_kcalloc(test, 64, sizeof(*first), GFP_KERNEL);
	u8 *seen = kunit_kzalloc(test, 640, GFP_KERNEL);
	unsigned int distinct = 0, j;
	struct gomap_iter it;
	u64 k;

	KUNIT_ASSERT_NOT_NULL(test, first);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (k = 0; k < 640; k++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_skey(k), k), 0);
	for (j = 0; j < 200; j++) {
		gomap_iter_start(&it, map);
		KUNIT_ASSERT_GE(test, gomap_iter_next(&it, &k, sizeof(k), NULL), 0);
		first[gomap_test_shard(map, &k, sizeof(k))]++;
		gomap_iter_stop(&it);
	}
	for (j = 0; j < 64; j++)
		distinct += !!first[j];

	/* 200 walks began in at least half of the 64 shards, and a whole walk sees all. */
	KUNIT_EXPECT_GE(test, distinct, 32U);
	KUNIT_EXPECT_EQ(test, gm_shard_walk(map, seen, 640), 640U);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 640), 0U);
}

/* One kthread of the max_entries race: inserts its own keys until the map is full. */
struct gm_filler {
	struct gomap *map;
	struct completion done;
	unsigned int nr;
	unsigned int ok, full, errors;
};

#define GM_FILL_MAX	1000U
#define GM_FILL_EACH	600U

static int gm_filler_fn(void *arg)
{
	struct gm_filler *f = arg;
	u64 j, first = (u64)(f->nr + 1) << 32;

	for (j = first; j < first + GM_FILL_EACH; j++) {
		int ret = gm_put64(f->map, gm_skey(j), j);

		f->ok += !ret;
		f->full += ret == -ENOSPC;
		f->errors += ret && ret != -ENOSPC;
	}
	complete(&f->done);
	return 0;
}

static void gomap_test_shard_max_entries_racing(struct kunit *test)
{
	struct gomap *map = gm_shard_map(test, GM_FILL_MAX);
	struct gm_filler *f = kunit_kcalloc(test, 4, sizeof(*f), GFP_KERNEL);
	unsigned int ok = 0, full = 0, errors = 0, t;
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (t = 0; t < 4; t++) {
		f[t].map = map;
		f[t].nr = t;
		init_completion(&f[t].done);
		task = kthread_run(gm_filler_fn, &f[t], "gomap_fill/%u", t);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (t = 0; t < 4; t++) {
		wait_for_completion(&f[t].done);
		ok += f[t].ok;
		full += f[t].full;
		errors += f[t].errors;
	}

	/* Four writers racing for the last entries: exactly max_entries went in, map-wide. */
	KUNIT_EXPECT_EQ(test, ok, GM_FILL_MAX);
	KUNIT_EXPECT_EQ(test, full, 4 * GM_FILL_EACH - GM_FILL_MAX);
	KUNIT_EXPECT_EQ(test, errors, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GM_FILL_MAX);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_shard_cases[] = {
	KUNIT_CASE(gomap_test_shard_bad_counts),
	KUNIT_CASE(gomap_test_shard_default_count),
	KUNIT_CASE_PARAM(gomap_test_shard_contracts, gm_shards_gen_params),
	KUNIT_CASE_PARAM(gomap_test_shard_iter_once_across_growth, gm_shards_gen_params),
	KUNIT_CASE(gomap_test_shard_iter_random_start),
	KUNIT_CASE_PARAM(gomap_test_shard_max_entries_racing, gm_shards_gen_params),
	{}
};

struct kunit_suite gomap_shard_suite = {
	.name = "gomap_shard",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_shard_cases,
};
