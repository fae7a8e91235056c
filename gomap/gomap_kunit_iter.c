// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_iter: iteration: exactly once, across growth, with
 * writes between steps.
 */

#include <kunit/test.h>
#include <linux/prandom.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

static void gomap_test_iter_empty(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_walk fresh, emptied;

	fresh = gm_walk(map, NULL, 0, -1);
	KUNIT_ASSERT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_del(map, 1), 0);
	emptied = gm_walk(map, NULL, 0, -1);

	/* A map that never held anything, and one emptied by a delete, both walk to nothing. */
	KUNIT_EXPECT_EQ(test, fresh.entries, 0U);
	KUNIT_EXPECT_EQ(test, fresh.end, -ENOENT);
	KUNIT_EXPECT_EQ(test, emptied.entries, 0U);
	KUNIT_EXPECT_EQ(test, emptied.end, -ENOENT);
}

static void gomap_test_iter_all_once(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	u8 *seen = kunit_kzalloc(test, 150, GFP_KERNEL);
	struct gm_walk w;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (id = 0; id < 150; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 5, GFP_KERNEL), 0);
	w = gm_walk(map, seen, 150, 5);

	/* 150 entries, each id exactly once with its value and key length, then -ENOENT. */
	KUNIT_EXPECT_EQ(test, w.entries, 150U);
	KUNIT_EXPECT_EQ(test, w.foreign, 0U);
	KUNIT_EXPECT_EQ(test, w.dups, 0U);
	KUNIT_EXPECT_EQ(test, w.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 150), 0U);
}

static void gomap_test_iter_null_buffers(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int entries = 0, bad_len = 0;
	struct gomap_iter it;
	int ret;
	u32 id;

	for (id = 0; id < 20; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_iter_start(&it, map);
	for (;;) {
		ret = gomap_iter_next(&it, NULL, 0, NULL);
		if (ret < 0 || entries > 100)
			break;
		entries++;
		bad_len += ret != sizeof(u64);
	}
	gomap_iter_stop(&it);

	/* Without buffers the walk still returns each key's length (8) and ends after 20. */
	KUNIT_EXPECT_EQ(test, entries, 20U);
	KUNIT_EXPECT_EQ(test, bad_len, 0U);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
}

static void gomap_test_iter_across_grow(struct kunit *test)
{
	struct gomap *map = test->priv;
	const struct gomap_params *p = gomap_params(map);
	u8 *seen = kunit_kzalloc(test, 300, GFP_KERNEL);
	struct gm_walk w = {};
	struct gomap_iter it;
	unsigned long grows;
	u8 val[GM_BUF];
	int ret = 0;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (id = 0; id < 200; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	grows = gm_stats(map).grows;
	gomap_iter_start(&it, map);
	while (w.entries < 50 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, 300, id, val, 0);
	for (id = 200; id < 300; id++)
		ret |= gm_put(map, id, 0, GFP_KERNEL);
	grows = gm_stats(map).grows - grows;
	while (w.entries < 1000 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, 300, id, val, 0);
	gomap_iter_stop(&it);

	/*
	 * One whole growth ran mid-walk: ids 0-199 came back exactly once, new ones at most once.
	 */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, grows, 1UL);
	KUNIT_EXPECT_FALSE(test, gm_stats(map).growing);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 200), 0U);
	KUNIT_EXPECT_EQ(test, w.dups, 0U);
	KUNIT_EXPECT_EQ(test, w.foreign, 0U);
	KUNIT_EXPECT_EQ(test, w.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
}

static void gomap_test_iter_start_half_grown(struct kunit *test)
{
	struct gomap *map = test->priv;
	const struct gomap_params *p = gomap_params(map);
	u8 *seen = kunit_kzalloc(test, GM_HALF_KEYS, GFP_KERNEL);
	struct gm_walk w = {};
	struct gomap_iter it;
	u8 val[GM_BUF];
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	gm_half_grown(test, map);
	gomap_iter_start(&it, map);
	while (w.entries < 100 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, GM_HALF_KEYS, id, val, 0);
	gm_finish_grow(test, map);
	while (w.entries < 2000 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, GM_HALF_KEYS, id, val, 0);
	gomap_iter_stop(&it);

	/* Started mid-growth (Go's checkBucket path), finished after it: each id exactly once. */
	KUNIT_EXPECT_EQ(test, w.entries, (unsigned int)GM_HALF_KEYS);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, GM_HALF_KEYS), 0U);
	KUNIT_EXPECT_EQ(test, w.foreign, 0U);
	KUNIT_EXPECT_EQ(test, w.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
}

#define GM_MANY_IDS	4096	/* ids the many-growths walk may insert */
#define GM_MANY_FIRST	200	/* ids in the map when it starts */

/* State of the walk with writes between its steps. */
struct gm_many {
	u8 seen[GM_MANY_IDS];
	u8 deleted[GM_MANY_IDS];
	struct rnd_state rnd;
	u32 next;		/* next id to insert */
	unsigned int stale;	/* entries returned after their key was deleted */
	int err;		/* first write error */
};

/*
 * Between two steps: insert three new keys, delete one random key, step the growth every other
 * time.
 */
static void gm_many_writes(struct gomap *map, struct gm_many *m, unsigned int step)
{
	u32 victim;
	int i;

	for (i = 0; i < 3 && m->next < GM_MANY_IDS; i++)
		m->err = m->err ?: gm_put(map, m->next++, 0, GFP_KERNEL);
	victim = prandom_u32_state(&m->rnd) % m->next;
	if (!m->deleted[victim]) {
		m->deleted[victim] = 1;
		m->err = m->err ?: gm_del(map, victim);
	}
	if (step & 1)
		gomap_test_grow_step(map, GFP_KERNEL);
}

static void gomap_test_iter_across_many_grows(struct kunit *test)
{
	struct gomap *map = gm_create(test, 4, 8, 0);
	const struct gomap_params *p = gomap_params(map);
	struct gm_many *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int bad = 0;
	struct gm_walk w = {};
	struct gomap_iter it;
	unsigned long grows;
	u8 val[GM_BUF];
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, m);
	prandom_seed_state(&m->rnd, 7);
	for (m->next = 0; m->next < GM_MANY_FIRST; m->next++)
		KUNIT_ASSERT_EQ(test, gm_put(map, m->next, 0, GFP_KERNEL), 0);
	grows = gm_stats(map).grows;
	gomap_iter_start(&it, map);
	while (w.entries < 4 * GM_MANY_IDS && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0) {
		m->stale += id < GM_MANY_IDS && m->deleted[id];
		gm_walk_note(&w, p, m->seen, GM_MANY_IDS, id, val, 0);
		gm_many_writes(map, m, w.entries);
	}
	gomap_iter_stop(&it);
	for (id = 0; id < GM_MANY_FIRST; id++)
		bad += !m->deleted[id] && m->seen[id] != 1;

	/*
	 * Two or more growths mid-walk; each first id never deleted came back once, no deleted one.
	 */
	KUNIT_EXPECT_EQ(test, m->err, 0);
	KUNIT_EXPECT_GE(test, gm_stats(map).grows - grows, 2UL);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, m->stale, 0U);
	KUNIT_EXPECT_EQ(test, w.dups, 0U);
	KUNIT_EXPECT_EQ(test, w.foreign, 0U);
	KUNIT_EXPECT_EQ(test, w.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_iter_deleted_not_returned(struct kunit *test)
{
	struct gomap *map = test->priv;
	const struct gomap_params *p = gomap_params(map);
	u8 *seen = kunit_kzalloc(test, 100, GFP_KERNEL);
	unsigned int bad = 0;
	struct gm_walk w = {};
	struct gomap_iter it;
	u32 id, first = 0;
	u8 val[GM_BUF];

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_iter_start(&it, map);
	w.end = gm_iter_next_id(&it, p, &first, val);
	if (w.end >= 0)
		gm_walk_note(&w, p, seen, 100, first, val, 0);
	for (id = 0; id < 100; id += 2)
		if (id != first)
			gm_del(map, id);
	while (w.entries < 400 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, 100, id, val, 0);
	gomap_iter_stop(&it);
	for (id = 0; id < 100; id++)
		bad += seen[id] != ((id & 1) || id == first);

	/*
	 * Even ids deleted after the first step never come back; odd ids (and the first) once each.
	 */
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, w.entries, 50U + !(first & 1));
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
}

static void gomap_test_iter_sees_overwrite(struct kunit *test)
{
	struct gomap *map = test->priv;
	const struct gomap_params *p = gomap_params(map);
	u8 *seen = kunit_kzalloc(test, 100, GFP_KERNEL);
	struct gm_walk w = {};
	struct gomap_iter it;
	u32 id, first = 0;
	u8 val[GM_BUF];

	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_iter_start(&it, map);
	w.end = gm_iter_next_id(&it, p, &first, val);
	if (w.end >= 0)
		gm_walk_note(&w, p, seen, 100, first, val, 0);
	for (id = 0; id < 100; id++)
		gm_put(map, id, 1, GFP_KERNEL);
	while (w.entries < 400 && (w.end = gm_iter_next_id(&it, p, &id, val)) >= 0)
		gm_walk_note(&w, p, seen, 100, id, val, 1);
	gomap_iter_stop(&it);

	/* Values overwritten mid-walk come back new: every later entry holds version 1. */
	KUNIT_EXPECT_EQ(test, w.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 100), 0U);
	KUNIT_EXPECT_EQ(test, w.end, -ENOENT);
}

static void gomap_test_iter_str_e2big(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	unsigned int i, e2big = 0, bad_len = 0;
	u8 seen[3] = {};
	struct gomap_iter it;
	char key[24];
	int small, ret;
	u64 v = 1;

	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "twenty-byte-key-%04u", i);
		KUNIT_ASSERT_EQ(test, gomap_assign_str(map, key, 20, &v, GFP_KERNEL), 0);
	}
	gomap_iter_start(&it, map);
	for (i = 0; i < 10; i++) {
		small = gomap_iter_next(&it, key, 19, NULL);
		ret = gomap_iter_next(&it, key, 20, NULL);
		if (ret < 0)
			break;
		e2big += small == -E2BIG;
		bad_len += ret != 20;
		seen[(u8)(key[19] - '0') % 3]++;
	}
	gomap_iter_stop(&it);

	/* Each 19-byte buffer got -E2BIG without moving on: all three keys still came back once. */
	KUNIT_EXPECT_EQ(test, e2big, 3U);
	KUNIT_EXPECT_EQ(test, bad_len, 0U);
	KUNIT_EXPECT_EQ(test, gm_not_once(seen, 0, 3), 0U);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
}

static void gomap_test_iter_clear_ends(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int before = 0;
	struct gomap_iter it;
	int ret;
	u32 id;

	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_iter_start(&it, map);
	while (before < 5 && gomap_iter_next(&it, NULL, 0, NULL) >= 0)
		before++;
	gomap_clear(map);
	ret = gomap_iter_next(&it, NULL, 0, NULL);
	gomap_iter_stop(&it);

	/* Five entries, then a clear ends the walk at once. */
	KUNIT_EXPECT_EQ(test, before, 5U);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
}

static void gomap_test_iter_random_start(struct kunit *test)
{
	struct gomap *map = test->priv;
	const struct gomap_params *p = gomap_params(map);
	unsigned int i, other = 0;
	struct gomap_iter it;
	u32 first = 0, id;
	u8 val[GM_BUF];

	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	for (i = 0; i < 20; i++) {
		id = GM_BAD_ID;
		gomap_iter_start(&it, map);
		gm_iter_next_id(&it, p, &id, val);
		gomap_iter_stop(&it);
		if (!i)
			first = id;
		other += id != first;
	}

	/* Go randomises the start bucket and slot: 20 walks do not all begin with one key. */
	KUNIT_EXPECT_LT(test, first, 100U);
	KUNIT_EXPECT_GT(test, other, 0U);
}

static struct kunit_case gomap_iter_cases[] = {
	KUNIT_CASE(gomap_test_iter_empty),
	KUNIT_CASE_PARAM(gomap_test_iter_all_once, gm_kind_gen_params),
	KUNIT_CASE(gomap_test_iter_null_buffers),
	KUNIT_CASE(gomap_test_iter_across_grow),
	KUNIT_CASE(gomap_test_iter_start_half_grown),
	KUNIT_CASE(gomap_test_iter_across_many_grows),
	KUNIT_CASE(gomap_test_iter_deleted_not_returned),
	KUNIT_CASE(gomap_test_iter_sees_overwrite),
	KUNIT_CASE(gomap_test_iter_str_e2big),
	KUNIT_CASE(gomap_test_iter_clear_ends),
	KUNIT_CASE(gomap_test_iter_random_start),
	{}
};

struct kunit_suite gomap_iter_suite = {
	.name = "gomap_iter",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_iter_cases,
};
