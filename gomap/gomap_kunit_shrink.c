// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_shrink: a shard that deletes leave under a quarter of
 * its growth load halves its array (DOC: Shrinking): step by step, two
 * old buckets an operation, never below the hint or with
 * GOMAP_F_NO_SHRINK, with walks returning each stable key once and
 * lockless lookups from kthreads finding every key while it runs.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

static u64 gm_shk(u64 i)
{
	return i * 0x9e3779b97f4a7c15ULL + 3;	/* odd: key 0 is never stored */
}

/* A write that changes no entry but moves a resize on: delete an absent key. */
static void gm_shrink_poke(struct gomap *map)
{
	gm_del64(map, 0);
}

static void gm_shrink_finish(struct gomap *map)
{
	while (gm_stats(map).growing)
		gm_shrink_poke(map);
}

/* The worker prepares the half-size array, a delete installs it; false if none. */
static bool gm_shrink_once(struct gomap *map)
{
	unsigned long shrinks;

	gm_shrink_finish(map);
	shrinks = gm_stats(map).shrinks;
	gm_flush_worker(map);
	gm_shrink_poke(map);
	if (gm_stats(map).shrinks == shrinks)
		return false;
	gm_shrink_finish(map);
	return true;
}

static unsigned int gm_shrink_wrong(struct gomap *map, u64 first, u64 last)
{
	unsigned int wrong = 0;
	u64 i;

	for (i = first; i < last; i++)
		wrong += gm_get64(map, gm_shk(i)) != i;
	return wrong;
}

static void gomap_test_shrink_halves_to_the_load(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int steps = 0, bad = 0;
	struct gomap_stats st;
	u64 i;

	for (i = 0; i < 20000; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_shk(i), i), 0);
	/* The worker runs on its own meanwhile: shrinks may start during the deletes. */
	for (i = 1000; i < 20000; i++)
		KUNIT_ASSERT_EQ(test, gm_del64(map, gm_shk(i)), 0);
	while (steps < 20 && gm_shrink_once(map)) {
		steps++;
		bad += !!gomap_test_check(map);
	}
	st = gm_stats(map);

	/* 2^12 buckets for 20000 entries; 1000 left are under 1.625 a bucket down to 2^9. */
	KUNIT_EXPECT_LE(test, steps, 3U);
	KUNIT_EXPECT_EQ(test, st.B, 9U);
	KUNIT_EXPECT_EQ(test, st.shrinks, 3UL);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_LE(test, st.max_evacuated_per_op, 2U);
	KUNIT_EXPECT_EQ(test, gm_shrink_wrong(map, 0, 1000), 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1000UL);
}

static void gomap_test_shrink_floor_and_opt_out(struct kunit *test)
{
	struct gomap_params hinted = { .key_size = 8, .value_size = 8, .hint = 10000,
				       .shards = 1 };
	struct gomap_params kept = { .key_size = 8, .value_size = 8, .shards = 1,
				     .flags = GOMAP_F_NO_SHRINK };
	struct gomap *a = gm_create_params(test, &hinted), *b = gm_create_params(test, &kept);
	u64 i;

	for (i = 0; i < 20000; i++) {
		KUNIT_ASSERT_EQ(test, gm_put64(a, gm_shk(i), i), 0);
		KUNIT_ASSERT_EQ(test, gm_put64(b, gm_shk(i), i), 0);
	}
	for (i = 10; i < 20000; i++) {
		KUNIT_ASSERT_EQ(test, gm_del64(a, gm_shk(i)), 0);
		KUNIT_ASSERT_EQ(test, gm_del64(b, gm_shk(i)), 0);
	}
	while (gm_shrink_once(a))
		;

	/* The hinted map stops at the hint's 2^11 buckets; GOMAP_F_NO_SHRINK keeps 2^12. */
	KUNIT_EXPECT_EQ(test, gm_stats(a).B, 11U);
	KUNIT_EXPECT_FALSE(test, gm_shrink_once(b));
	KUNIT_EXPECT_EQ(test, gm_stats(b).B, 12U);
	KUNIT_EXPECT_EQ(test, gm_stats(b).shrinks, 0UL);
	KUNIT_EXPECT_EQ(test, gm_shrink_wrong(a, 0, 10) + gm_shrink_wrong(b, 0, 10), 0U);
}

static void gomap_test_shrink_walk_once(struct kunit *test)
{
	struct gomap *map = test->priv;
	u8 *seen = kunit_kzalloc(test, 1000, GFP_KERNEL);
	unsigned int bad = 0, steps = 0;
	struct gomap_iter it;
	u64 k, v, i, next = 1000;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (i = 0; i < 20000; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_shk(i), i), 0);
	gomap_iter_start(&it, map);
	while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
		if (v < 1000 && k == gm_shk(v))
			seen[v]++;
		for (i = 0; i < 5 && next < 20000; i++, next++)
			bad += !!gm_del64(map, gm_shk(next));
		if (!(++steps % 16))
			gm_flush_worker(map);
	}
	gomap_iter_stop(&it);

	/* The map halved under the walk; each key present throughout came back once. */
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_GE(test, gm_stats(map).shrinks, 1UL);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 1000), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Readers of the stable keys, lockless, while the map grows and shrinks. */
struct gm_shrink_reader {
	struct gomap *map;
	struct completion done;
	bool stop;
	unsigned long lookups, missed;
};

static int gm_shrink_reader_fn(void *arg)
{
	struct gm_shrink_reader *r = arg;
	u64 i = 0;

	while (!READ_ONCE(r->stop)) {
		r->missed += gm_get64(r->map, gm_shk(i % 1000)) != i % 1000;
		r->lookups++;
		if (!(++i % 256))
			cond_resched();
	}
	complete(&r->done);
	return 0;
}

static void gomap_test_shrink_lockless_lookups(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_shrink_reader *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct task_struct *task;
	unsigned int round;
	u64 i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, gm_shk(i), i), 0);
	r->map = map;
	init_completion(&r->done);
	task = kthread_run(gm_shrink_reader_fn, r, "gomap_shrink_rd");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (round = 0; round < 2; round++) {
		for (i = 1000; i < 20000; i++)
			gm_put64(map, gm_shk(i), i);
		for (i = 1000; i < 20000; i++)
			gm_del64(map, gm_shk(i));
		while (gm_shrink_once(map))
			;
	}
	WRITE_ONCE(r->stop, true);
	wait_for_completion(&r->done);

	/* Two rounds up to 2^12 buckets and back down to 2^9: no lookup missed a stable key. */
	KUNIT_EXPECT_GT(test, r->lookups, 0UL);
	KUNIT_EXPECT_EQ(test, r->missed, 0UL);
	KUNIT_EXPECT_GE(test, gm_stats(map).shrinks, 6UL);
	KUNIT_EXPECT_EQ(test, gm_stats(map).B, 9U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_shrink_cases[] = {
	KUNIT_CASE(gomap_test_shrink_halves_to_the_load),
	KUNIT_CASE(gomap_test_shrink_floor_and_opt_out),
	KUNIT_CASE(gomap_test_shrink_walk_once),
	KUNIT_CASE(gomap_test_shrink_lockless_lookups),
	{}
};

struct kunit_suite gomap_shrink_suite = {
	.name = "gomap_shrink",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_shrink_cases,
};
