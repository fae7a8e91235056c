// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_fault: allocation failures: -ENOMEM and the map
 * unchanged.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/string.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

/* Kinds whose assign of a new key allocates a key or value copy. */
static const struct gm_kind gm_copy_kinds[] = {
	{ "str v8", GOMAP_KEY_STRING, 8 },
	{ "mem200 v8", 200, 8 },
	{ "u64 v200", 8, 200 },
	{ "mem200 v200", 200, 200 },
};

KUNIT_ARRAY_PARAM(gm_copy_kind, gm_copy_kinds, gm_kind_desc);

static void gomap_test_assign_fail_first_bucket(struct kunit *test)
{
	struct gomap *map = test->priv;

	gomap_test_fail_alloc(map, 1);
	KUNIT_EXPECT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), -ENOMEM);

	/*
	 * The first bucket could not be had: the map is still empty, sound, and works afterwards.
	 */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	gomap_test_fail_alloc(map, 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 0), 0);
}

static void gomap_test_assign_fail_overflow(struct kunit *test)
{
	struct gomap *map = gm_create(test, 8, 8, 9);
	unsigned int i, wrong = 0;
	u64 keys[9];

	gm_keys_in_bucket(map, 1, 0, keys, 9, 1);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, keys[i], i), 0);
	gomap_test_fail_alloc(map, 1);
	KUNIT_EXPECT_EQ(test, gm_put64(map, keys[8], 8), -ENOMEM);
	gomap_test_fail_alloc(map, 0);
	for (i = 0; i < 8; i++)
		wrong += gm_get64(map, keys[i]) != i;

	/*
	 * Bucket 0 was full and its overflow bucket failed: the ninth key absent, the eight intact.
	 */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 8UL);
	KUNIT_EXPECT_EQ(test, gm_get64(map, keys[8]), U64_MAX);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gm_stats(map).overflow_buckets, 0UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_fail_copy(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 16);

	KUNIT_ASSERT_EQ(test, gm_put(map, 0, 0, GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, 1);
	KUNIT_EXPECT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), -ENOMEM);
	gomap_test_fail_alloc(map, 0);

	/* The key or value copy could not be allocated: key 1 absent, key 0 intact, map sound. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_get(map, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_update_fail_alloc(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_upd u = { .value_size = 8 };

	gomap_test_fail_alloc(map, 1);
	KUNIT_EXPECT_EQ(test, gm_update_id(map, 1, gm_update_inc, &u, GFP_KERNEL), -ENOMEM);
	gomap_test_fail_alloc(map, 0);

	/* No bucket for the new key: the callback never ran and the map is still empty. */
	KUNIT_EXPECT_EQ(test, u.calls, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Fill the default map's one bucket with ids 0-7; the next new key must grow the map. */
static void gm_fill_one_bucket(struct kunit *test, struct gomap *map)
{
	u32 id;

	for (id = 0; id < 8; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 0U);
}

static void gomap_test_assign_fail_every_alloc(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_one_bucket(test, map);
	gomap_test_fail_alloc(map, UINT_MAX);
	KUNIT_EXPECT_EQ(test, gm_put(map, 8, 0, GFP_KERNEL), -ENOMEM);
	gomap_test_fail_alloc(map, 0);

	/* Neither a growth nor an overflow bucket could be had: key 8 refused, the eight intact. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 8UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 8, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 8, 0), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_overwrite_no_alloc(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_one_bucket(test, map);
	gomap_test_fail_alloc(map, UINT_MAX);

	/* Writes that need no memory still work: overwrite, delete, reuse of the freed slot. */
	KUNIT_EXPECT_EQ(test, gm_put(map, 3, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_del(map, 5), 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, 9, 0, GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 9, 0), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 5, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 8UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_grow_fail_ok(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;

	gm_fill_one_bucket(test, map);
	gomap_test_fail_alloc(map, 1);
	KUNIT_EXPECT_EQ(test, gm_put(map, 8, 0, GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, 0);

	/* The growth's array failed, not the assign: key 8 is stored and the failure counted. */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, st.count, 9UL);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 9, 0), 0U);
	KUNIT_EXPECT_GE(test, st.failed_grows + st.deferred_grows, 1UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_grow_retried(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned int i;
	int ret = 0;
	u32 id;

	gm_fill_one_bucket(test, map);
	gomap_test_fail_alloc(map, 1);
	KUNIT_ASSERT_EQ(test, gm_put(map, 8, 0, GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, 0);
	for (id = 9; id < 40; id++)
		ret |= gm_put(map, id, 0, GFP_KERNEL);
	for (i = 0; i < 50 && !gm_stats(map).B; i++)
		msleep(20);

	/* The failed growth was retried later: the map grew past one bucket and lost nothing. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_GE(test, gm_stats(map).B, 1U);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 40, 0), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/*
 * gm_evac_fail_map() - A 2-bucket map whose 14th key starts a growth that
 * must move 13 keys of old bucket 0 into new bucket 0, which needs an
 * overflow bucket; the @nth allocation from the 14th assign on fails.
 *
 * Return: the growth and evacuation failures the map counted; *@evac gets
 * the evacuation failures alone.
 */
static unsigned long gm_evac_fail_map(struct kunit *test, unsigned int nth,
				      unsigned long *evac)
{
	struct gomap *map = gm_create(test, 8, 8, 13);
	unsigned int i, wrong = 0;
	struct gomap_stats st;
	u64 keys[14];

	gm_keys_in_bucket(map, 2, 0, keys, 13, 1);
	gm_keys_in_bucket(map, 2, 1, keys + 13, 1, 1);
	for (i = 0; i < 13; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, keys[i], i), 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 1U);
	gomap_test_fail_alloc(map, nth);
	KUNIT_EXPECT_EQ_MSG(test, gm_put64(map, keys[13], 13), 0, "nth %u", nth);
	gomap_test_fail_alloc(map, 0);
	st = gm_stats(map);
	*evac += st.failed_evacuations;
	for (i = 0; i < 14; i++)
		wrong += gm_get64(map, keys[i]) != i;
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0U, "nth %u", nth);
	KUNIT_EXPECT_EQ_MSG(test, gomap_test_check(map), 0, "nth %u", nth);
	gm_finish_grow(test, map);
	for (i = 0; i < 14; i++)
		wrong += gm_get64(map, keys[i]) != i;
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0U, "nth %u, after the growth", nth);
	KUNIT_EXPECT_EQ_MSG(test, gomap_test_check(map), 0, "nth %u, after the growth", nth);
	return st.failed_grows + st.deferred_grows + st.failed_evacuations;
}

static void gomap_test_assign_evacuation_fail_ok(struct kunit *test)
{
	unsigned long failures = 0, evac = 0;
	unsigned int nth;

	/* Whichever of the growth's allocations fails, the assign succeeds and nothing is lost. */
	for (nth = 1; nth <= 4; nth++)
		failures += gm_evac_fail_map(test, nth, &evac);
	kunit_info(test, "%lu growth or evacuation failures, %lu of them evacuations",
		   failures, evac);
	KUNIT_EXPECT_GT(test, failures, 0UL);
}

/*
 * Kinds and allocation flags the fault sweep runs for: GFP_KERNEL lets the
 * map allocate with its lock dropped, GFP_ATOMIC makes it allocate under it.
 */
struct gm_sweep_kind {
	const char *name;
	unsigned int key_size;
	unsigned int value_size;
	gfp_t gfp;
};

static const struct gm_sweep_kind gm_sweep_kinds[] = {
	{ "u64 v8", 8, 8, GFP_KERNEL },
	{ "u32 v0", 4, 0, GFP_KERNEL },
	{ "str v8", GOMAP_KEY_STRING, 8, GFP_KERNEL },
	{ "mem12 v200", 12, 200, GFP_KERNEL },
	{ "mem200 v200", 200, 200, GFP_KERNEL },
	{ "u64 v8 atomic", 8, 8, GFP_ATOMIC },
	{ "str v8 atomic", GOMAP_KEY_STRING, 8, GFP_ATOMIC },
	{ "mem200 v200 atomic", 200, 200, GFP_ATOMIC },
};

static void gm_sweep_kind_desc(const struct gm_sweep_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_sweep_kind, gm_sweep_kinds, gm_sweep_kind_desc);

#define GM_SWEEP_IDS	48
#define GM_SWEEP_STEPS	240
#define GM_SWEEP_MAX	3000
#define GM_SWEEP_KEEP	6	/* ids the shrinking deletes leave */

/* One run of the fault sweep: the map and the model it must match. */
struct gm_sweep {
	struct gomap *map;
	gfp_t gfp;
	int ver[GM_SWEEP_IDS];	/* version each id holds, -1 if absent */
	unsigned int enomem;	/* calls that returned -ENOMEM */
	unsigned int wrong;	/* calls with a result the model rules out */
	unsigned int broken;	/* checks that found the map differing from the model */
	unsigned int shrinks;	/* shrinks the run started */
};

/* After a failure and at the end: the map is sound and holds exactly the model. */
static void gm_sweep_verify(struct gm_sweep *s)
{
	unsigned long live = 0;
	u32 id;

	for (id = 0; id < GM_SWEEP_IDS; id++) {
		if (s->ver[id] < 0) {
			s->broken += gm_get(s->map, id, 0) != -ENOENT;
		} else {
			s->broken += gm_get(s->map, id, s->ver[id]) != 0;
			live++;
		}
	}
	s->broken += gomap_len(s->map) != live;
	s->broken += gomap_test_check(s->map) != 0;
}

struct gm_sweep_upd {
	const struct gomap_params *p;
	u32 id;
	u32 ver;
};

static void gm_sweep_update_fn(void *value, bool found, void *arg)
{
	struct gm_sweep_upd *u = arg;

	gm_value(u->p, u->id, u->ver, value);
}

/* Record the result of a write of version @ver to @id into the model. */
static void gm_sweep_result(struct gm_sweep *s, u32 id, int ver, int ret)
{
	if (!ret) {
		s->ver[id] = ver;
	} else if (ret == -ENOMEM) {
		s->enomem++;
		gm_sweep_verify(s);
	} else {
		s->wrong++;
	}
}

/* Step @step of the workload: assign, update or delete a pseudo-random id. */
static void gm_sweep_step(struct gm_sweep *s, struct rnd_state *rnd, u32 step)
{
	u32 r = prandom_u32_state(rnd), id = (r >> 4) % GM_SWEEP_IDS;
	struct gm_sweep_upd u = { gomap_params(s->map), id, step };
	int ret;

	switch (r % 8) {
	case 0 ... 4:
		gm_sweep_result(s, id, step, gm_put(s->map, id, step, s->gfp));
		break;
	case 5:
		ret = gm_update_id(s->map, id, gm_sweep_update_fn, &u, s->gfp);
		gm_sweep_result(s, id, step, ret);
		break;
	default:
		/* id 0 stays, so the count never drops to 0 (which redraws hash0). */
		if (!id)
			break;
		s->wrong += gm_del(s->map, id) != (s->ver[id] < 0 ? -ENOENT : 0);
		s->ver[id] = -1;
		break;
	}
}

/*
 * Then deletes that leave the map a few entries, with its worker run
 * between them: the shrinks they start take the worker's half-size arrays
 * and overflow buckets for their evacuations, and any of those
 * allocations may be the one that fails.
 */
static void gm_sweep_shrink(struct gm_sweep *s)
{
	u32 id, round;

	for (id = GM_SWEEP_KEEP; id < GM_SWEEP_IDS; id++) {
		s->wrong += gm_del(s->map, id) != (s->ver[id] < 0 ? -ENOENT : 0);
		s->ver[id] = -1;
	}
	/* Each round: the worker's array, then deletes of an absent id that install and move it. */
	for (round = 0; round < 3; round++) {
		gm_flush_worker(s->map);
		for (id = 0; id < 8; id++)
			s->wrong += gm_del(s->map, GM_SWEEP_IDS - 1) != -ENOENT;
	}
}

/*
 * gm_sweep_run() - Run the mixed workload on a fresh map of kind @k whose
 * @nth allocation fails, checking the map against the model after every
 * failure and at the end.
 *
 * Return: true if the failure was hit (a call or a growth saw it).
 */
static bool gm_sweep_run(const struct gm_sweep_kind *k, unsigned int nth, struct gm_sweep *s)
{
	struct gomap_params p = { .key_size = k->key_size, .value_size = k->value_size,
				  .shards = 1 };
	struct gomap_stats st;
	struct rnd_state rnd;
	u32 step;

	memset(s, 0, sizeof(*s));
	memset(s->ver, 0xff, sizeof(s->ver));
	s->gfp = k->gfp;
	s->map = gomap_create(&p, GFP_KERNEL);
	if (IS_ERR(s->map)) {
		s->broken++;
		return false;
	}
	gomap_test_set_seed(s->map, GM_SEED);
	prandom_seed_state(&rnd, 42);
	gomap_test_fail_alloc(s->map, nth);
	gm_sweep_result(s, 0, 0, gm_put(s->map, 0, 0, s->gfp));
	if (s->ver[0] < 0)
		gm_sweep_result(s, 0, 0, gm_put(s->map, 0, 0, s->gfp));
	for (step = 1; step <= GM_SWEEP_STEPS; step++)
		gm_sweep_step(s, &rnd, step);
	gm_sweep_shrink(s);
	gomap_test_fail_alloc(s->map, 0);
	gm_sweep_verify(s);
	st = gm_stats(s->map);
	gomap_destroy(s->map);
	s->shrinks += st.shrinks;
	return s->enomem || st.failed_grows || st.deferred_grows || st.failed_evacuations;
}

static void gomap_test_assign_fail_each_nth(struct kunit *test)
{
	const struct gm_sweep_kind *k = test->param_value;
	struct gm_sweep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int nth, quiet = 0, hits = 0, enomem = 0, wrong = 0, broken = 0, shrinks = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (nth = 1; quiet < 3 && nth <= GM_SWEEP_MAX; nth++) {
		if (gm_sweep_run(k, nth, s)) {
			hits++;
			quiet = 0;
		} else {
			quiet++;
		}
		enomem += s->enomem;
		wrong += s->wrong;
		broken += s->broken;
		shrinks += s->shrinks;
		cond_resched();
	}
	kunit_info(test, "%s: %u allocations failed in turn, %u calls returned -ENOMEM",
		   k->name, hits, enomem);

	/*
	 * Whatever allocation failed, each call did all its work or returned -ENOMEM changing
	 * nothing.
	 */
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, broken, 0U);
	KUNIT_EXPECT_GE(test, hits, 3U);
	KUNIT_EXPECT_GE(test, enomem, 1U);
	KUNIT_EXPECT_EQ(test, quiet, 3U);
	KUNIT_EXPECT_GE(test, shrinks, 1U);	/* the failures reached shrinks too */
}

static struct kunit_case gomap_fault_cases[] = {
	KUNIT_CASE(gomap_test_assign_fail_first_bucket),
	KUNIT_CASE(gomap_test_assign_fail_overflow),
	KUNIT_CASE_PARAM(gomap_test_assign_fail_copy, gm_copy_kind_gen_params),
	KUNIT_CASE(gomap_test_update_fail_alloc),
	KUNIT_CASE(gomap_test_assign_fail_every_alloc),
	KUNIT_CASE(gomap_test_assign_overwrite_no_alloc),
	KUNIT_CASE(gomap_test_assign_grow_fail_ok),
	KUNIT_CASE(gomap_test_assign_grow_retried),
	KUNIT_CASE(gomap_test_assign_evacuation_fail_ok),
	KUNIT_CASE_PARAM(gomap_test_assign_fail_each_nth, gm_sweep_kind_gen_params),
	{}
};

struct kunit_suite gomap_fault_suite = {
	.name = "gomap_fault",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_fault_cases,
};
