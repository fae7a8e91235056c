// SPDX-License-Identifier: GPL-2.0
/*
 * Shrinking (DOC: Shrinking): a shard that deletes leave under a quarter
 * of its growth load halves its array, two old buckets an operation,
 * started by deletes only, never below the hint, not with
 * GOMAP_F_NO_SHRINK, without flapping at a boundary, and with lookups and
 * walks exactly right while it runs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <linux/err.h>

#include "harness.h"
#include "tmap.h"

static u64 skey(u64 i)
{
	return i * 0x9e3779b97f4a7c15ULL + 3;
}

static void put_range(struct gomap *map, u64 first, u64 last)
{
	u64 k, i;

	for (i = first; i < last; i++) {
		k = skey(i);
		EXPECT_EQ(gomap_assign(map, &k, &i, GFP_KERNEL), 0);
	}
}

/* Delete keys [first, last), letting the worker run every @work_every deletes. */
static void del_range(struct gomap *map, u64 first, u64 last, unsigned int work_every)
{
	u64 k, i;

	for (i = first; i < last; i++) {
		k = skey(i);
		EXPECT_EQ(gomap_delete(map, &k), 0);
		if (work_every && !(i % work_every))
			shim_run_work();
	}
}

/* Every key of [first, last) present with its value, and nothing else counted. */
static void expect_exactly(struct gomap *map, u64 first, u64 last)
{
	unsigned long wrong = 0;
	u64 k, v, i;

	for (i = first; i < last; i++) {
		k = skey(i);
		wrong += gomap_lookup(map, &k, &v) || v != i;
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(gomap_len(map), last - first);
}

/* Deletes of a key never stored: writes that change no entry but move a resize on. */
static void poke(struct gomap *map, int times)
{
	u64 absent = 0;	/* skey() gives only odd keys */

	while (times--)
		EXPECT_EQ(gomap_delete(map, &absent), -ENOENT);
}

/* Finish the resize in progress, if any. */
static void finish(struct gomap *map)
{
	while (tstats(map).growing)
		poke(map, 1);
}

/* Run the worker, start the next shrink, finish it; false when none started. */
static bool shrink_once(struct gomap *map)
{
	unsigned long shrinks;

	finish(map);
	shrinks = tstats(map).shrinks;
	shim_run_work();
	poke(map, 1);
	if (tstats(map).shrinks == shrinks)
		return false;
	finish(map);
	return true;
}

TEST(shrink_halves_the_array_step_by_step_down_to_the_load)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	int steps = 0;

	put_range(map, 0, 20000);
	EXPECT_EQ(tstats(map).B, 12);	/* 20000 > 6.5 * 2048 */
	del_range(map, 1000, 20000, 0);
	while (shrink_once(map) && steps < 20) {
		steps++;
		EXPECT_EQ(gomap_test_check(map), 0);
	}
	st = tstats(map);
	/* 1000 entries: under 1.625 a bucket at B 10 (1664), not at B 9 (832). */
	EXPECT_EQ(st.B, 9);
	EXPECT_EQ(steps, 3);
	EXPECT_EQ(st.shrinks, 3);
	EXPECT_FALSE(st.growing);
	EXPECT_LE(st.max_evacuated_per_op, 2);
	expect_exactly(map, 0, 1000);
	tmap_free(map);
}

/* A shard never shrinks below the array its hint asked for. */
TEST(shrink_stops_at_the_hint)
{
	struct gomap *map = tmap_new(8, 8, 10000, 0);
	unsigned int B = tstats(map).B;

	EXPECT_EQ(B, 11);	/* 10000 entries at 6.5 a bucket */
	put_range(map, 0, 10000);
	del_range(map, 0, 10000, 0);
	EXPECT_FALSE(shrink_once(map));
	EXPECT_EQ(tstats(map).B, B);
	EXPECT_EQ(tstats(map).shrinks, 0);
	tmap_free(map);
}

TEST(shrink_never_with_no_shrink)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8, .shards = 1,
				  .flags = GOMAP_F_NO_SHRINK };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(map));
	put_range(map, 0, 20000);
	del_range(map, 0, 19990, 0);
	EXPECT_FALSE(shrink_once(map));
	EXPECT_EQ(tstats(map).B, 12);
	expect_exactly(map, 19990, 20000);
	EXPECT_EQ(tmap_free(map), 0);
}

/* Inserts and deletes at the shrink boundary neither grow nor shrink the map again. */
TEST(shrink_does_not_flap_at_a_boundary)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	u64 i, k = skey(0);

	put_range(map, 0, 20000);
	del_range(map, 1664, 20000, 0);	/* 1664 = 1.625 * 2^10: at B 10's boundary */
	while (shrink_once(map))
		;
	st = tstats(map);
	EXPECT_EQ(st.B, 10);	/* 1664 is not under the load of B 10 */
	/* Key 0 is present: deleting it dips under the load, once. */
	for (i = 0; i < 5000; i++) {
		if (i & 1)
			EXPECT_EQ(gomap_assign(map, &k, &i, GFP_KERNEL), 0);
		else
			EXPECT_EQ(gomap_delete(map, &k), 0);
		shim_run_work();
	}
	finish(map);
	EXPECT_EQ(tstats(map).grows, st.grows);
	EXPECT_EQ(tstats(map).shrinks, st.shrinks + 1);
	EXPECT_EQ(tstats(map).B, 9);
	tmap_free(map);
}

/* Only deletes start a shrink: lookups leave the worker's array waiting. */
TEST(shrink_is_never_started_by_a_lookup)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k, v, i;

	put_range(map, 0, 20000);
	del_range(map, 1000, 20000, 0);
	shim_run_work();	/* the half-size array is ready */
	for (i = 0; i < 20000; i++) {
		k = skey(i);
		EXPECT_EQ(gomap_lookup(map, &k, &v), i < 1000 ? 0 : -ENOENT);
	}
	EXPECT_EQ(tstats(map).shrinks, 0);
	EXPECT_FALSE(tstats(map).growing);
	poke(map, 1);
	EXPECT_EQ(tstats(map).shrinks, 1);
	EXPECT_TRUE(tstats(map).growing);
	expect_exactly(map, 0, 1000);
	tmap_free(map);
}

/*
 * Walks across shrinks: keys present for the whole walk come back exactly
 * once while other keys go and the map halves under the walk, for a walk
 * begun before the first shrink and one begun in the middle of one.
 */
TEST(shrink_walks_return_each_stable_key_once)
{
	for (int mid = 0; mid < 2; mid++) {
		struct gomap *map = tmap_new(8, 8, 0, 0);
		struct gomap_iter it;
		u8 seen[1000] = { 0 };
		u64 k, v, next = 1000;
		int steps = 0;

		put_range(map, 0, 20000);	/* 0..999 stay, the rest go */
		if (mid) {
			del_range(map, 1000, 15000, 0);
			shim_run_work();
			poke(map, 1);
			EXPECT_TRUE(tstats(map).shrinking);
			next = 15000;
		}
		gomap_iter_start(&it, map);
		while (gomap_iter_next(&it, &k, sizeof(k), &v) >= 0) {
			if (v < 1000) {
				EXPECT_EQ(k, skey(v));
				seen[v]++;
			}
			/* Each step: five deletes, and the worker gets to run. */
			for (int j = 0; j < 5 && next < 20000; j++, next++) {
				k = skey(next);
				EXPECT_EQ(gomap_delete(map, &k), 0);
			}
			if (!(++steps % 16))
				shim_run_work();
		}
		gomap_iter_stop(&it);
		for (int i = 0; i < 1000; i++)
			EXPECT_EQ(seen[i], 1);
		EXPECT_GE(tstats(map).shrinks, 1);
		EXPECT_LE(tstats(map).max_evacuated_per_op, 2);
		EXPECT_EQ(gomap_test_check(map), 0);
		tmap_free(map);
	}
}

/*
 * The measure, as a check: after 1M inserts and deleting 99%,
 * the map's bytes are within 2x of a map built with the 10K left.
 */
TEST(shrink_gives_memory_back_after_deleting_99_percent)
{
	struct gomap *big = tmap_new(8, 8, 0, 0), *small = tmap_new(8, 8, 0, 0);
	size_t bytes_big, bytes_small;

	put_range(big, 0, 1000000);
	del_range(big, 10000, 1000000, 4096);
	while (shrink_once(big))
		;
	put_range(small, 0, 10000);
	bytes_big = tstats(big).bytes;
	bytes_small = tstats(small).bytes;
	harness_log("bytes after 99%% deleted %zu, built with 10K %zu (%.2fx), B %u vs %u",
		    bytes_big, bytes_small, (double)bytes_big / bytes_small, tstats(big).B,
		    tstats(small).B);
	EXPECT_LE(bytes_big, 2 * bytes_small);
	EXPECT_LE(tstats(big).max_evacuated_per_op, 2);
	expect_exactly(big, 0, 10000);
	tmap_free(big);
	tmap_free(small);
}

/* Allocation failures anywhere in a shrink: the map stays whole, the shrink waits. */
TEST(shrink_survives_allocation_failures)
{
	for (unsigned int nth = 1; nth <= 12; nth++) {
		struct gomap *map = tmap_new(8, 8, 0, 0);

		put_range(map, 0, 6000);
		gomap_test_fail_alloc(map, nth);
		del_range(map, 300, 6000, 97);
		for (int i = 0; i < 4; i++)
			shrink_once(map);
		expect_exactly(map, 0, 300);
		EXPECT_EQ(gomap_test_check(map), 0);
		gomap_test_fail_alloc(map, 0);
		while (shrink_once(map))
			;
		EXPECT_EQ(tstats(map).B, 7);	/* 300 < 1.625 * 2^8 */
		expect_exactly(map, 0, 300);
		tmap_free(map);
	}
}

/* In hardirq context a shrink's evacuation takes its spares from the reserve only. */
TEST(shrink_in_hardirq_context_waits_for_the_reserve)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);

	put_range(map, 0, 20000);
	shim_irq_enter();
	del_range(map, 500, 20000, 0);
	shim_irq_exit();
	while (shrink_once(map))
		;
	EXPECT_EQ(tstats(map).B, 8);	/* 500 < 1.625 * 2^9 */
	expect_exactly(map, 0, 500);
	tmap_free(map);
}

/* ---- Threads ---- */

static volatile int shrink_stop;
static struct gomap *tmap_shared;

/* Lookups of the stable keys: every one must be found while the map shrinks. */
static void *stable_reader(void *arg)
{
	unsigned long *missed = arg;
	u64 k, v, i = 0;

	while (!shrink_stop) {
		k = skey(i % 1000);
		if (gomap_lookup(tmap_shared, &k, &v) || v != i % 1000)
			(*missed)++;
		i++;
	}
	return NULL;
}

TEST(threads_lookups_race_shrinks)
{
	unsigned long missed[2] = { 0, 0 };
	pthread_t r[2];
	int round;

	tmap_shared = tmap_new(8, 8, 0, 0);
	shim_wq_set_mode(SHIM_WQ_THREAD);
	shrink_stop = 0;
	put_range(tmap_shared, 0, 1000);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, stable_reader, &missed[i]);
	for (round = 0; round < 3; round++) {	/* grow to 2^13 and shrink back, thrice */
		put_range(tmap_shared, 1000, 40000);
		del_range(tmap_shared, 1000, 40000, 0);
		while (tstats(tmap_shared).B > 9 || tstats(tmap_shared).growing)
			poke(tmap_shared, 64);
	}
	shrink_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	shim_wq_set_mode(SHIM_WQ_MANUAL);
	EXPECT_EQ(missed[0] + missed[1], 0);
	EXPECT_GE(tstats(tmap_shared).shrinks, 9);
	expect_exactly(tmap_shared, 0, 1000);
	tmap_free(tmap_shared);
	tmap_shared = NULL;
}
