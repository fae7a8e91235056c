// SPDX-License-Identifier: GPL-2.0
/*
 * Batched lookups (DOC: Batched lookups): each key's answer is the one
 * gomap_lookup() gives, for every key kind, batch size and shard count,
 * during growth and while writers race the batches.
 */
#include <pthread.h>
#include <stdlib.h>
#include <linux/err.h>

#include "harness.h"
#include "tmap.h"

static const unsigned int batch_sizes[] = { 0, 1, 15, 16, 17, 100, 1000 };

/* Look @n keys of @map up in one batch and one by one; count disagreements. */
static unsigned int batch_vs_single(struct gomap *map, const u8 *keys, unsigned int n)
{
	unsigned int ks = gomap_params(map)->key_size, vs = gomap_params(map)->value_size;
	u8 *vals = calloc(n + 1, vs), *one = calloc(1, vs + 1);
	bool *found = calloc(n + 1, sizeof(bool));
	unsigned int i, wrong = 0;
	int hits = gomap_lookup_batch(map, keys, n, vals, found), single = 0;

	for (i = 0; i < n; i++) {
		int ret = gomap_lookup(map, keys + i * ks, one);

		single += !ret;
		wrong += found[i] != !ret;
		wrong += !ret && memcmp(one, vals + i * vs, vs);
	}
	wrong += hits != single;
	free(vals);
	free(one);
	free(found);
	return wrong;
}

TEST(batch_answers_as_single_lookups_for_every_key_size_and_count)
{
	static const unsigned int key_sizes[] = { 4, 8, 24, 200 };
	unsigned int s, k, b;

	for (s = 0; s < 3; s++) {
		tmap_shards = s == 0 ? 1 : s == 1 ? 2 : 64;
		for (k = 0; k < ARRAY_SIZE(key_sizes); k++) {
			unsigned int ks = key_sizes[k];
			struct gomap *map = tmap_new(ks, 16, 0, 0);
			u8 *keys = calloc(3000, ks);
			u64 i;

			for (i = 0; i < 1000; i++) {
				u64 v[2] = { i, ~i };

				tkey(keys + i * ks, ks, i * 3);	/* present: multiples of 3 */
				EXPECT_EQ(gomap_assign(map, keys + i * ks, v, GFP_KERNEL), 0);
			}
			for (i = 0; i < 3000; i++)	/* every third key present, some twice */
				tkey(keys + i * ks, ks, i % 2000);
			for (b = 0; b < ARRAY_SIZE(batch_sizes); b++)
				EXPECT_EQ(batch_vs_single(map, keys, batch_sizes[b]), 0);
			EXPECT_EQ(batch_vs_single(map, keys, 3000), 0);
			free(keys);
			tmap_free(map);
		}
	}
	tmap_shards = 1;
}

TEST(batch_counts_hits_and_misses_and_takes_null_buffers)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 keys[40], vals[40], i;
	struct gomap_stats st;

	for (i = 0; i < 40; i++) {
		keys[i] = i;
		vals[i] = 12345;
		if (i % 2)
			EXPECT_EQ(gomap_assign(map, &keys[i], &i, GFP_KERNEL), 0);
	}
	EXPECT_EQ(gomap_lookup_batch(map, keys, 40, vals, NULL), 20);
	for (i = 0; i < 40; i++)
		EXPECT_EQ(vals[i], i % 2 ? i : 12345);	/* a miss leaves its value alone */
	EXPECT_EQ(gomap_lookup_batch(map, keys, 40, NULL, NULL), 20);
	st = tstats(map);
	EXPECT_EQ(st.hits, 40);
	EXPECT_EQ(st.misses, 40);
	tmap_free(map);
}

TEST(batch_wrong_kind_or_long_key_is_einval_and_looks_nothing_up)
{
	struct gomap *fixed = tmap_new(8, 8, 0, 0), *str = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	const char *keys[2] = { "a", "b" };
	size_t lens[2] = { 1, GOMAP_MAX_STR_LEN + 1 };
	u64 k[2] = { 1, 2 }, v[2] = { 7, 7 };
	bool found[2] = { true, true };

	EXPECT_EQ(gomap_assign_str(str, "a", 1, &k[0], GFP_KERNEL), 0);
	EXPECT_EQ(gomap_lookup_batch(str, k, 2, v, found), -EINVAL);
	EXPECT_EQ(gomap_lookup_batch_str(fixed, keys, lens, 1, v, found), -EINVAL);
	EXPECT_EQ(gomap_lookup_batch_str(str, keys, lens, 2, v, found), -EINVAL);
	EXPECT_EQ(v[0], 7);
	EXPECT_TRUE(found[0]);
	EXPECT_EQ(tstats(str).lookups, 0);
	lens[1] = 1;
	EXPECT_EQ(gomap_lookup_batch_str(str, keys, lens, 2, v, found), 1);
	EXPECT_EQ(v[0], 1);
	EXPECT_TRUE(found[0]);
	EXPECT_FALSE(found[1]);
	tmap_free(fixed);
	tmap_free(str);
}

TEST(batch_string_keys_as_single_lookups)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	char (*bufs)[80] = calloc(600, 80);
	const char **keys = calloc(600, sizeof(*keys));
	size_t *lens = calloc(600, sizeof(*lens));
	u64 *vals = calloc(600, 8), v, i;
	bool *found = calloc(600, sizeof(bool));
	int hits;

	for (i = 0; i < 600; i++) {
		lens[i] = i % 70;	/* the empty string included */
		tstr(bufs[i], lens[i], i);
		keys[i] = bufs[i];
		if (i % 3 == 0)
			EXPECT_EQ(gomap_assign_str(map, keys[i], lens[i], &i, GFP_KERNEL), 0);
	}
	hits = gomap_lookup_batch_str(map, keys, lens, 600, vals, found);
	/* At least the 200 stored; short keys repeat (every length 0 is ""). */
	EXPECT_GE(hits, 200);
	for (i = 0; i < 600; i++) {
		int ret = gomap_lookup_str(map, keys[i], lens[i], &v);

		EXPECT_EQ(found[i], !ret);
		if (!ret)
			EXPECT_EQ(vals[i], v);
		hits -= !ret;
	}
	EXPECT_EQ(hits, 0);
	free(bufs);
	free(keys);
	free(lens);
	free(vals);
	free(found);
	tmap_free(map);
}

/* Half-way through a growth: every key, in the old array or the new, is found. */
TEST(batch_during_growth)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 keys[2000], i;

	for (i = 0; i < 2000; i++) {
		keys[i] = i * 7919;
		EXPECT_EQ(gomap_assign(map, &keys[i], &i, GFP_KERNEL), 0);
		if (i == 1664)	/* over 6.5 a bucket of 2^8: a growth starts here */
			break;
	}
	EXPECT_TRUE(tstats(map).growing);
	EXPECT_EQ(batch_vs_single(map, (u8 *)keys, i + 1), 0);
	EXPECT_EQ(gomap_lookup_batch(map, keys, i + 1, NULL, NULL), (int)i + 1);
	tmap_free(map);
}

TEST(batch_in_hardirq_and_nmi_context)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 keys[32], vals[32], i;
	unsigned long flags;
	int ret;

	for (i = 0; i < 32; i++) {
		keys[i] = i;
		EXPECT_EQ(gomap_assign(map, &keys[i], &i, GFP_KERNEL), 0);
	}
	shim_irq_enter();
	EXPECT_EQ(gomap_lookup_batch(map, keys, 32, vals, NULL), 32);
	shim_irq_exit();
	shim_nmi_enter();
	EXPECT_EQ(gomap_lookup_batch(map, keys, 32, vals, NULL), 32);
	shim_nmi_exit();
	/* An NMI in the middle of this CPU's write section: -EBUSY, never a wait. */
	raw_spin_lock_irqsave(&map->shards[0].lock, flags);
	write_seqcount_begin(&map->shards[0].seq);
	shim_nmi_enter();
	ret = gomap_lookup_batch(map, keys, 32, vals, NULL);
	shim_nmi_exit();
	write_seqcount_end(&map->shards[0].seq);
	raw_spin_unlock_irqrestore(&map->shards[0].lock, flags);
	EXPECT_EQ(ret, -EBUSY);
	tmap_free(map);
}

/* ---- Threads ---- */

struct batch_thr {
	struct gomap *map;
	unsigned int id;
	unsigned long wrong, batches;
};

static volatile int batch_stop;

/* Batches of the stable keys 0..999 (value = key), which no writer touches. */
static void *batch_reader(void *arg)
{
	struct batch_thr *t = arg;
	u64 keys[37], vals[37], s = t->id + 1;
	unsigned int i;

	while (!batch_stop) {
		for (i = 0; i < 37; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			keys[i] = (s >> 33) % 1000;
		}
		t->wrong += gomap_lookup_batch(t->map, keys, 37, vals, NULL) != 37;
		for (i = 0; i < 37; i++)
			t->wrong += vals[i] != keys[i];
		t->batches++;
	}
	return NULL;
}

/* Grow the map with other keys and delete them again, shrinking it. */
static void *batch_writer(void *arg)
{
	struct batch_thr *t = arg;
	u64 k, round;

	for (round = 0; round < 3; round++) {
		for (k = 1000; k < 30000; k++)
			t->wrong += !!gomap_assign(t->map, &k, &k, GFP_KERNEL);
		for (k = 1000; k < 30000; k++)
			t->wrong += !!gomap_delete(t->map, &k);
	}
	batch_stop = 1;
	return NULL;
}

TEST(threads_batches_race_growing_and_shrinking_writers)
{
	unsigned int s;

	shim_wq_set_mode(SHIM_WQ_THREAD);
	for (s = 1; s <= 4; s *= 4) {
		struct batch_thr r[2], w;
		pthread_t tr[2], tw;
		u64 k;

		tmap_shards = s;
		w = (struct batch_thr){ .map = tmap_new(8, 8, 0, 0) };
		tmap_shards = 1;
		for (k = 0; k < 1000; k++)
			EXPECT_EQ(gomap_assign(w.map, &k, &k, GFP_KERNEL), 0);
		batch_stop = 0;
		for (int i = 0; i < 2; i++) {
			r[i] = (struct batch_thr){ .map = w.map, .id = i };
			pthread_create(&tr[i], NULL, batch_reader, &r[i]);
		}
		pthread_create(&tw, NULL, batch_writer, &w);
		pthread_join(tw, NULL);
		for (int i = 0; i < 2; i++) {
			pthread_join(tr[i], NULL);
			EXPECT_EQ(r[i].wrong, 0);
			EXPECT_GT(r[i].batches, 0);
		}
		EXPECT_EQ(w.wrong, 0);
		EXPECT_GE(tstats(w.map).grows, 5);
		EXPECT_EQ(gomap_test_check(w.map), 0);
		tmap_free(w.map);
	}
	shim_wq_set_mode(SHIM_WQ_MANUAL);
}
