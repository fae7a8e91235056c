// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_batch: gomap_lookup_batch() and its string form give
 * each key the answer gomap_lookup() gives, for batches of any size, on
 * maps of 1 and 16 shards, during growth, and while a kthread grows and
 * shrinks the map under them.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

#define GM_BATCH_KEYS	600

static struct gomap *gm_batch_map(struct kunit *test, unsigned int key_size,
				  unsigned int shards)
{
	struct gomap_params p = { .key_size = key_size, .value_size = sizeof(u64),
				  .shards = shards };

	return gm_create_params(test, &p);
}

/* Batches of @n keys from @keys against single lookups: the disagreements. */
static unsigned int gm_batch_wrong(struct gomap *map, const u64 *keys, unsigned int n, u64 *vals,
				   bool *found)
{
	unsigned int i, wrong = 0;
	int hits = gomap_lookup_batch(map, keys, n, vals, found), single = 0;
	u64 v;

	for (i = 0; i < n; i++) {
		int ret = gomap_lookup(map, &keys[i], &v);

		single += !ret;
		wrong += found[i] != !ret || (!ret && vals[i] != v);
	}
	return wrong + (hits != single);
}

static void gomap_test_batch_as_single(struct kunit *test)
{
	static const unsigned int sizes[] = { 0, 1, 15, 16, 17, 100, GM_BATCH_KEYS };
	u64 *keys = kunit_kcalloc(test, GM_BATCH_KEYS, sizeof(u64), GFP_KERNEL);
	u64 *vals = kunit_kcalloc(test, GM_BATCH_KEYS, sizeof(u64), GFP_KERNEL);
	bool *found = kunit_kcalloc(test, GM_BATCH_KEYS, sizeof(bool), GFP_KERNEL);
	unsigned int wrong = 0, s, i, b;

	KUNIT_ASSERT_NOT_NULL(test, keys);
	KUNIT_ASSERT_NOT_NULL(test, vals);
	KUNIT_ASSERT_NOT_NULL(test, found);
	for (i = 0; i < GM_BATCH_KEYS; i++)
		keys[i] = i * 7919 % 1000;	/* repeats; the multiples of 3 are stored */
	for (s = 1; s <= 16; s *= 16) {
		struct gomap *map = gm_batch_map(test, sizeof(u64), s);

		for (i = 0; i < 1000; i += 3)
			KUNIT_ASSERT_EQ(test, gm_put64(map, i, i * 10), 0);
		for (b = 0; b < ARRAY_SIZE(sizes); b++)
			wrong += gm_batch_wrong(map, keys, sizes[b], vals, found);
	}

	/* Every batch size, 1 and 16 shards: each key found or missed as a single lookup says. */
	KUNIT_EXPECT_EQ(test, wrong, 0U);
}

static void gomap_test_batch_str_and_einval(struct kunit *test)
{
	struct gomap *map = gm_batch_map(test, GOMAP_KEY_STRING, 1);
	const char *keys[3] = { "alpha", "", "gamma" };
	size_t lens[3] = { 5, 0, 5 };
	u64 vals[3] = { 0, 0, 0 }, one = 1;
	bool found[3];
	int hits;

	KUNIT_ASSERT_EQ(test, gomap_assign_str(map, "alpha", 5, &one, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gomap_assign_str(map, "", 0, &one, GFP_KERNEL), 0);
	hits = gomap_lookup_batch_str(map, keys, lens, 3, vals, found);

	/* Two of three found, the empty string among them; a fixed-key call is -EINVAL. */
	KUNIT_EXPECT_EQ(test, hits, 2);
	KUNIT_EXPECT_TRUE(test, found[0] && found[1] && !found[2]);
	KUNIT_EXPECT_EQ(test, vals[0] + vals[1], 2ULL);
	KUNIT_EXPECT_EQ(test, gomap_lookup_batch(map, vals, 1, NULL, NULL), -EINVAL);
	lens[2] = GOMAP_MAX_STR_LEN + 1;
	KUNIT_EXPECT_EQ(test, gomap_lookup_batch_str(map, keys, lens, 3, NULL, NULL), -EINVAL);
}

/* A kthread that grows the map with other keys and shrinks it again. */
struct gm_batch_writer {
	struct gomap *map;
	struct completion done;
	unsigned int errors;
};

static int gm_batch_writer_fn(void *arg)
{
	struct gm_batch_writer *w = arg;
	unsigned int round;
	u64 k;

	for (round = 0; round < 2; round++) {
		for (k = 1000; k < 16000; k++)
			w->errors += !!gm_put64(w->map, k, k);
		for (k = 1000; k < 16000; k++)
			w->errors += !!gm_del64(w->map, k);
	}
	complete(&w->done);
	return 0;
}

static void gomap_test_batch_races_writer(struct kunit *test)
{
	struct gomap *map = gm_batch_map(test, sizeof(u64), 4);
	struct gm_batch_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned int wrong = 0, batches = 0, i;
	struct task_struct *task;
	u64 keys[33], vals[33];

	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, i, i), 0);
	w->map = map;
	init_completion(&w->done);
	task = kthread_run(gm_batch_writer_fn, w, "gomap_batch_wr");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	while (!completion_done(&w->done)) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			keys[i] = (batches * 37 + i * 101) % 1000;
		wrong += gomap_lookup_batch(map, keys, ARRAY_SIZE(keys), vals, NULL) !=
			 ARRAY_SIZE(keys);
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			wrong += vals[i] != keys[i];
		if (!(++batches % 64))
			cond_resched();
	}
	wait_for_completion(&w->done);

	/* Batches of the 1000 stable keys while the map grew and shrank: every key, every time. */
	KUNIT_EXPECT_GT(test, batches, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, w->errors, 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_batch_cases[] = {
	KUNIT_CASE(gomap_test_batch_as_single),
	KUNIT_CASE(gomap_test_batch_str_and_einval),
	KUNIT_CASE(gomap_test_batch_races_writer),
	{}
};

struct kunit_suite gomap_batch_suite = {
	.name = "gomap_batch",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_batch_cases,
};
