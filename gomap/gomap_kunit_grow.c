// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_grow: growth and evacuation: doubling and same-size
 * growth, incremental evacuation.
 */

#include <kunit/test.h>
#include <linux/ktime.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

/* Counts at which a map filled one key at a time doubles: n > 8 && n > 6.5 * 2^B. */
static const unsigned int gm_grow_at[] = { 9, 14, 27, 53, 105, 209, 417, 833, 1665 };

static unsigned int gm_B_after(unsigned int n)
{
	unsigned int shift = 0;

	while (shift < ARRAY_SIZE(gm_grow_at) && gm_grow_at[shift] <= n)
		shift++;
	return shift;
}

static void gomap_test_assign_grow_load_factor(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int n, first_bad = 0, bad_B = 0;
	int ret = 0;

	for (n = 1; n <= 2000; n++) {
		ret |= gm_put(map, n, 0, GFP_KERNEL);
		if (!first_bad && gm_stats(map).B != gm_B_after(n)) {
			first_bad = n;
			bad_B = gm_stats(map).B;
		}
	}

	/*
	 * After n keys B counts the thresholds <= n: each growth starts on the key that crosses
	 * 6.5.
	 */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, first_bad, 0U, "B %u after %u keys, want %u", bad_B, first_bad,
			    gm_B_after(first_bad));
	KUNIT_EXPECT_EQ(test, gm_stats(map).B, 9U);
}

static void gomap_test_assign_grow_counts(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;
	int ret = 0;
	u32 id;

	for (id = 0; id < 1000; id++)
		ret |= gm_put(map, id, 0, GFP_KERNEL);

	/*
	 * 1000 keys crossed eight thresholds (9 ... 833): eight doublings, all done, none same-
	 * size.
	 */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, st.grows, 8UL);
	KUNIT_EXPECT_EQ(test, st.same_size_grows, 0UL);
	KUNIT_EXPECT_FALSE(test, st.growing);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 1000, 0), 0U);
}

/* Fill the default map with ids 0..51: eight buckets, not growing. */
static void gm_before_grow_53(struct kunit *test, struct gomap *map)
{
	u32 id;

	for (id = 0; id < 52; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 3U);
	KUNIT_ASSERT_FALSE(test, gm_stats(map).growing);
}

/* Fill the default map with ids 0..52: the 53rd key starts growing 8 buckets into 16. */
static void gm_grow_53(struct kunit *test, struct gomap *map)
{
	gm_before_grow_53(test, map);
	KUNIT_ASSERT_EQ(test, gm_put(map, 52, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_TRUE(test, gm_stats(map).growing);
}

static void gomap_test_assign_starts_grow(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;

	gm_before_grow_53(test, map);
	KUNIT_EXPECT_EQ(test, gm_put(map, 52, 0, GFP_KERNEL), 0);

	/*
	 * Growing from 8 to 16 buckets; the assign evacuated its own old bucket and the next one
	 * only.
	 */
	st = gm_stats(map);
	KUNIT_EXPECT_TRUE(test, st.growing);
	KUNIT_EXPECT_FALSE(test, st.same_size_growing);
	KUNIT_EXPECT_EQ(test, st.B, 4U);
	KUNIT_EXPECT_EQ(test, st.grows, 4UL);
	KUNIT_EXPECT_GE(test, st.nevacuate, 1UL);
	KUNIT_EXPECT_LE(test, st.nevacuate, 2UL);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 53, 0), 0U);
}

static void gomap_test_grow_step_finishes(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int steps;

	gm_grow_53(test, map);
	steps = gm_finish_grow(test, map);

	/*
	 * Two of the 8 old buckets moved with the assign; six steps move the rest and end the
	 * growth.
	 */
	KUNIT_EXPECT_EQ(test, steps, 6U);
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gomap_test_grow_step(map, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 53, 0), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_finishes_grow(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int writes = 0;
	int ret = 0;

	gm_grow_53(test, map);
	while (gm_stats(map).growing && writes < 100)
		ret |= gm_put(map, 0, ++writes, GFP_KERNEL);

	/* Each write moves at least one old bucket: the six left take at most six overwrites. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_LE(test, writes, 6U);
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gm_get(map, 0, writes), 0);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 1, 53, 0), 0U);
}

static void gomap_test_lookup_no_evacuation(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats before, after;
	unsigned int missing;

	gm_grow_53(test, map);
	before = gm_stats(map);
	missing = gm_missing(map, 0, 53, 0);
	after = gm_stats(map);

	/* Reads find every key but do not move the growth along. */
	KUNIT_EXPECT_EQ(test, missing, 0U);
	KUNIT_EXPECT_TRUE(test, after.growing);
	KUNIT_EXPECT_EQ(test, after.nevacuate, before.nevacuate);
}

static void gomap_test_delete_advances_grow(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats before, after;

	gm_grow_53(test, map);
	before = gm_stats(map);
	KUNIT_EXPECT_EQ(test, gm_del(map, 52), 0);
	after = gm_stats(map);

	/* A delete is a write: it evacuates at least the next old bucket. */
	KUNIT_EXPECT_GT(test, after.nevacuate, before.nevacuate);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 52, 0), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_lookup_half_grown(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned long nevacuate;

	gm_half_grown(test, map);
	nevacuate = gm_stats(map).nevacuate;

	/* Each key is found in whichever array holds it, absent keys stay absent, nothing moved. */
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, GM_HALF_KEYS, 0), 0U);
	KUNIT_EXPECT_EQ(test, gm_present(map, GM_HALF_KEYS, 600), 0U);
	KUNIT_EXPECT_EQ(test, gm_stats(map).nevacuate, nevacuate);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Ids of the assign-while-half-grown case not holding their expected version. */
static unsigned int gm_half_assign_wrong(struct gomap *map)
{
	return gm_missing(map, 0, 200, 2) + gm_missing(map, 200, GM_HALF_KEYS, 0) +
	       gm_missing(map, GM_HALF_KEYS, 600, 1);
}

static void gomap_test_assign_half_grown(struct kunit *test)
{
	struct gomap *map = test->priv;
	int ret = 0;
	u32 id;

	gm_half_grown(test, map);
	for (id = GM_HALF_KEYS; id < 600; id++)
		ret |= gm_put(map, id, 1, GFP_KERNEL);
	for (id = 0; id < 200; id++)
		ret |= gm_put(map, id, 2, GFP_KERNEL);

	/* 600 keys with their latest versions, consistent mid-growth and after it. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 600UL);
	KUNIT_EXPECT_EQ(test, gm_half_assign_wrong(map), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	gm_finish_grow(test, map);
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gm_stats(map).B, 7U);
	KUNIT_EXPECT_EQ(test, gm_half_assign_wrong(map), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Odd ids below GM_HALF_KEYS that are missing, plus even ones still present. */
static unsigned int gm_half_delete_wrong(struct gomap *map)
{
	unsigned int wrong = 0;
	u32 id;

	for (id = 0; id < GM_HALF_KEYS; id++)
		wrong += (id & 1) ? gm_get(map, id, 0) != 0 : gm_get(map, id, 0) != -ENOENT;
	return wrong;
}

static void gomap_test_delete_half_grown(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int failed = 0;
	u32 id;

	gm_half_grown(test, map);
	for (id = 0; id < GM_HALF_KEYS; id += 2)
		failed += gm_del(map, id) != 0;

	/* The 209 even ids are gone, the 208 odd ones stay, mid-growth and after it. */
	KUNIT_EXPECT_EQ(test, failed, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 208UL);
	KUNIT_EXPECT_EQ(test, gm_half_delete_wrong(map), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	gm_finish_grow(test, map);
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gm_half_delete_wrong(map), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_clear_half_grown(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_half_grown(test, map);
	gomap_clear(map);

	/* Clearing drops the growth with the entries; the map works afterwards. */
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gm_present(map, 0, GM_HALF_KEYS), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, 1, 5, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 5), 0);
}

#define GM_BOUND_RUN	200000

static void gomap_test_assign_evacuation_bound(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;
	unsigned int wrong = 0;
	ktime_t t0 = ktime_get();
	int ret = 0;
	u32 id;

	for (id = 0; id < GM_BOUND_RUN; id++) {
		ret |= gm_put(map, id, 0, GFP_KERNEL);
		if (id % 4 == 3)
			ret |= gm_del(map, id - 2);
		if (!(id % 1024))
			cond_resched();
	}
	st = gm_stats(map);
	kunit_info(test, "%u assigns, %u deletes: %lld ms, B %u, %lu growths", GM_BOUND_RUN,
		   GM_BOUND_RUN / 4, ktime_ms_delta(ktime_get(), t0), st.B, st.grows);
	for (id = 0; id < GM_BOUND_RUN; id += 97)
		wrong += gm_get(map, id, 0) != (id % 4 == 1 ? -ENOENT : 0);

	/* 15 doublings to 150000 keys, none of whose writes evacuated more than two old buckets. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, st.count, (unsigned long)GM_BOUND_RUN * 3 / 4);
	KUNIT_EXPECT_EQ(test, st.grows, 15UL);
	KUNIT_EXPECT_LE(test, st.max_evacuated_per_op, 2U);
	KUNIT_EXPECT_GT(test, st.max_evacuated_per_op, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

#define GM_SS_KEYS	90	/* keys of one bucket: 11 overflow buckets each */

/* The keys of the same-size growth cases, chosen by hash for a 16-bucket map. */
struct gm_ss {
	u64 set[2][GM_SS_KEYS];		/* keys of bucket 0, keys of bucket 1 */
	u64 sentinel;			/* a key of bucket 2: the count never drops to 0 */
	unsigned int live;		/* the set in the map after the churn */
	unsigned long overflow_before;	/* overflow buckets just before the growth started */
};

/*
 * gm_same_size_churn() - Start a same-size growth by churn alone.
 *
 * On a 16-bucket map (hint 100), fill bucket 0 with 90 keys, delete them,
 * fill bucket 1 with 90 others, and so on.  Deleted keys leave their
 * overflow buckets behind, so after a few rounds the map has 2^B = 16 of
 * them and the next new key starts a same-size growth, while the count never
 * passes 91, far below the 104 that would double the map.
 */
static void gm_same_size_churn(struct kunit *test, struct gomap *map, struct gm_ss *ss)
{
	unsigned long overflow;
	unsigned int round, i;

	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 4U);
	gm_keys_in_bucket(map, 4, 0, ss->set[0], GM_SS_KEYS, 1);
	gm_keys_in_bucket(map, 4, 1, ss->set[1], GM_SS_KEYS, 1);
	gm_keys_in_bucket(map, 4, 2, &ss->sentinel, 1, 1);
	KUNIT_ASSERT_EQ(test, gm_put64(map, ss->sentinel, 1000), 0);
	for (round = 0; round < 6; round++) {
		ss->live = round & 1;
		for (i = 0; i < GM_SS_KEYS; i++) {
			overflow = gm_stats(map).overflow_buckets;
			KUNIT_ASSERT_EQ(test, gm_put64(map, ss->set[ss->live][i], i), 0);
			if (!ss->overflow_before && gm_stats(map).same_size_grows)
				ss->overflow_before = overflow;
		}
		if (ss->overflow_before)
			return;
		for (i = 0; i < GM_SS_KEYS; i++)
			KUNIT_ASSERT_EQ(test, gm_del64(map, ss->set[ss->live][i]), 0);
	}
	KUNIT_ASSERT_FAILURE(test, "no same-size growth after %u rounds of churn", round);
}

/*
 * Keys of the churn not in the state it left: the live set and the sentinel present, the other set
 * absent.
 */
static unsigned int gm_ss_wrong(struct gomap *map, const struct gm_ss *ss)
{
	unsigned int i, wrong = gm_get64(map, ss->sentinel) != 1000;

	for (i = 0; i < GM_SS_KEYS; i++) {
		wrong += gm_get64(map, ss->set[ss->live][i]) != i;
		wrong += gm_get64(map, ss->set[!ss->live][i]) != U64_MAX;
	}
	return wrong;
}

static void gomap_test_assign_same_size_grow(struct kunit *test)
{
	struct gomap *map = gm_create(test, 8, 8, 100);
	struct gm_ss *ss = kunit_kzalloc(test, sizeof(*ss), GFP_KERNEL);
	struct gomap_stats st;

	KUNIT_ASSERT_NOT_NULL(test, ss);
	gm_same_size_churn(test, map, ss);

	/*
	 * Too many overflow buckets, not too many keys: a same-size growth, B still 4, keys intact.
	 */
	st = gm_stats(map);
	KUNIT_EXPECT_GE(test, st.same_size_grows, 1UL);
	KUNIT_EXPECT_EQ(test, st.grows, 0UL);
	KUNIT_EXPECT_EQ(test, st.B, 4U);
	KUNIT_EXPECT_EQ(test, st.count, (unsigned long)GM_SS_KEYS + 1);
	KUNIT_EXPECT_EQ(test, gm_ss_wrong(map, ss), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_grow_same_size_drops_overflow(struct kunit *test)
{
	struct gomap *map = gm_create(test, 8, 8, 100);
	struct gm_ss *ss = kunit_kzalloc(test, sizeof(*ss), GFP_KERNEL);
	struct gomap_stats st;

	KUNIT_ASSERT_NOT_NULL(test, ss);
	gm_same_size_churn(test, map, ss);
	gm_finish_grow(test, map);

	/*
	 * Re-packed: only the live chain's 11 overflow buckets remain, fewer than before the
	 * growth.
	 */
	st = gm_stats(map);
	KUNIT_EXPECT_FALSE(test, st.growing);
	KUNIT_EXPECT_FALSE(test, st.same_size_growing);
	KUNIT_EXPECT_EQ(test, st.B, 4U);
	KUNIT_EXPECT_LE(test, st.overflow_buckets, 11UL);
	KUNIT_EXPECT_LT(test, st.overflow_buckets, ss->overflow_before);
	KUNIT_EXPECT_EQ(test, gm_ss_wrong(map, ss), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_grow_all_kinds(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	struct gomap_stats st;
	int ret = 0;
	u32 id;

	for (id = 0; id < 300; id++)
		ret |= gm_put(map, id, 3, GFP_KERNEL);

	/* Six doublings (B 0 to 6) later every entry is there with its value. */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, st.B, 6U);
	KUNIT_EXPECT_EQ(test, st.grows, 6UL);
	KUNIT_EXPECT_EQ(test, st.count, 300UL);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 300, 3), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_grow_all_kinds(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	unsigned int wrong = 0;
	u32 id;

	for (id = 0; id < 300; id++) {
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 3, GFP_KERNEL), 0);
		if (id % 3 == 2)
			KUNIT_ASSERT_EQ(test, gm_del(map, id - 2), 0);
	}
	for (id = 0; id < 300; id++)
		wrong += gm_get(map, id, 3) != (id % 3 ? 0 : -ENOENT);

	/* Deletes interleaved with six growths: every third id is gone, the rest intact. */
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 200UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_grow_cases[] = {
	KUNIT_CASE(gomap_test_assign_grow_load_factor),
	KUNIT_CASE(gomap_test_assign_grow_counts),
	KUNIT_CASE(gomap_test_assign_starts_grow),
	KUNIT_CASE(gomap_test_grow_step_finishes),
	KUNIT_CASE(gomap_test_assign_finishes_grow),
	KUNIT_CASE(gomap_test_lookup_no_evacuation),
	KUNIT_CASE(gomap_test_delete_advances_grow),
	KUNIT_CASE(gomap_test_lookup_half_grown),
	KUNIT_CASE(gomap_test_assign_half_grown),
	KUNIT_CASE(gomap_test_delete_half_grown),
	KUNIT_CASE(gomap_test_clear_half_grown),
	KUNIT_CASE(gomap_test_assign_evacuation_bound),
	KUNIT_CASE(gomap_test_assign_same_size_grow),
	KUNIT_CASE(gomap_test_grow_same_size_drops_overflow),
	KUNIT_CASE_PARAM(gomap_test_assign_grow_all_kinds, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_grow_all_kinds, gm_kind_gen_params),
	{}
};

struct kunit_suite gomap_grow_suite = {
	.name = "gomap_grow",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_grow_cases,
};
