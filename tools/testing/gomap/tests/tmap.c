// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <linux/err.h>

#include "harness.h"
#include "tmap.h"

#define MAX_MAPS 64
static struct gomap *maps[MAX_MAPS];
unsigned int tmap_shards = 1;

struct gomap *tmap_new(unsigned int key_size, unsigned int value_size, unsigned int hint,
		       unsigned int max_entries)
{
	struct gomap_params p = {
		.key_size = key_size, .value_size = value_size,
		.hint = hint, .max_entries = max_entries, .shards = tmap_shards,
	};
	struct gomap *map = gomap_create(&p, GFP_KERNEL);
	int i;

	if (IS_ERR(map)) {
		fprintf(stderr, "tmap_new: gomap_create failed: %ld\n", PTR_ERR(map));
		abort();
	}
	for (i = 0; i < MAX_MAPS; i++) {
		if (!maps[i]) {
			maps[i] = map;
			return map;
		}
	}
	fprintf(stderr, "tmap_new: too many maps\n");
	abort();
}

int tmap_free(struct gomap *map)
{
	int i, ret = gomap_test_check(map);

	EXPECT_EQ(ret, 0);
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i] == map)
			maps[i] = NULL;
	gomap_destroy(map);
	return ret;
}

void tmap_cleanup(void)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i])
			tmap_free(maps[i]);
}

static u64 mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tkey(void *buf, unsigned int key_size, u64 idx)
{
	u8 *p = buf;
	unsigned int i;

	/* The index itself first, so small keys stay distinct; then filler. */
	for (i = 0; i < key_size; i++)
		p[i] = i < 8 ? (u8)(idx >> (8 * i)) : (u8)mix(idx * 4096 + i);
}

void tstr(char *buf, size_t len, u64 idx)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = i < 8 ? (char)(idx >> (8 * i)) : (char)mix(idx * 8192 + i);
}

unsigned long tkey_bucket(struct gomap *map, u64 idx, unsigned int B)
{
	unsigned int ks = gomap_params(map)->key_size;
	u8 key[GOMAP_MAX_KEY_SIZE];

	tkey(key, ks, idx);
	return gomap_test_hash(map, key, ks) & ((1UL << B) - 1);
}

u64 tkey_in_bucket(struct gomap *map, unsigned int B, unsigned long bucket, u64 from)
{
	while (tkey_bucket(map, from, B) != bucket)
		from++;
	return from;
}

struct gomap_stats tstats(struct gomap *map)
{
	struct gomap_stats st;

	gomap_stats(map, &st);
	return st;
}
