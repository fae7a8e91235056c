// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests of gomap_core.c: the API contract, growth, slot
 * states, iteration across growth, allocation failure and calling context.
 * Keys are chosen by hash through gomap_test_set_seed()/gomap_test_hash(),
 * so collisions, overflow chains and same-size growth happen exactly.
 */
#include <pthread.h>
#include <stdlib.h>
#include <xxhash.h>

#include "harness.h"
#include "tmap.h"
#include "kat_input.h"
#include "xxhash_kat.h"

#define SEED	0x5eed5eed5eedULL

static u64 u64key(u64 i)
{
	return i * 0x9e3779b97f4a7c15ULL + 1;
}

/* Go's overLoadFactor, to predict B. */
static bool over_load(unsigned long count, unsigned int B)
{
	return count > 8 && count > 13 * ((1UL << B) / 2);
}

static unsigned int expected_B(unsigned long count)
{
	unsigned int B = 0;

	while (over_load(count, B))
		B++;
	return B;
}

static u8 tophash_of(u64 hash)
{
	u8 top = hash >> 56;

	return top < GM_MIN_TOPHASH ? top + GM_MIN_TOPHASH : top;
}

static void update_add(void *value, bool found, void *arg)
{
	u64 v;

	memcpy(&v, value, sizeof(v));
	v += *(u64 *)arg;
	memcpy(value, &v, sizeof(v));
	*(u64 *)arg = found;
}

/* ---- Hashing ---- */

TEST(xxh64_matches_kernel_known_answers)
{
	u8 buf[KAT_MAX_LEN];
	size_t i;

	kat_fill(buf, sizeof(buf));
	/* The xxHash spec's own vector, then the kernel's lib/xxhash.c values. */
	EXPECT_EQ(XXH64("", 0, 0), 0xEF46DB3751D8E999ULL);
	for (i = 0; i < ARRAY_SIZE(xxh64_kat); i++)
		EXPECT_EQ(XXH64(buf, xxh64_kat[i].len, xxh64_kat[i].seed), xxh64_kat[i].hash);
	EXPECT_GE(ARRAY_SIZE(xxh64_kat), 90);
}

TEST(test_hash_is_xxh64_with_seed)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap *smap = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	u64 k = 12345;

	gomap_test_set_seed(map, SEED);
	gomap_test_set_seed(smap, SEED + 1);
	EXPECT_EQ(gomap_test_hash(map, &k, 8), XXH64(&k, 8, SEED));
	EXPECT_EQ(gomap_test_hash(smap, "hello", 5), XXH64("hello", 5, SEED + 1));
	EXPECT_EQ(gomap_test_hash(smap, "", 0), XXH64("", 0, SEED + 1));
	tmap_free(map);
	tmap_free(smap);
}

/* The unrolled 4- and 8-byte paths give the kernel's own xxh64() answers. */
TEST(map_hash_matches_kernel_known_answers)
{
	struct gomap *smap = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	u8 buf[KAT_MAX_LEN + 1];
	size_t i;

	kat_fill(buf, KAT_MAX_LEN);
	for (i = 0; i < ARRAY_SIZE(xxh64_kat); i++) {
		gomap_test_set_seed(smap, xxh64_kat[i].seed);
		EXPECT_EQ(gomap_test_hash(smap, buf, xxh64_kat[i].len), xxh64_kat[i].hash);
		/* Unaligned keys too. */
		memmove(buf + 1, buf, KAT_MAX_LEN);
		EXPECT_EQ(gomap_test_hash(smap, buf + 1, xxh64_kat[i].len), xxh64_kat[i].hash);
		memmove(buf, buf + 1, KAT_MAX_LEN);
	}
	tmap_free(smap);
}

/* ---- Create ---- */

TEST(create_rejects_bad_params)
{
	struct gomap_params p = { .key_size = GOMAP_MAX_KEY_SIZE + 1, .value_size = 8 };
	struct gomap *map;

	EXPECT_EQ(PTR_ERR(gomap_create(NULL, GFP_KERNEL)), -EINVAL);
	EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -EINVAL);
	p.key_size = 8;
	p.value_size = GOMAP_MAX_VALUE_SIZE + 1;
	EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -EINVAL);
	/* The limits themselves are fine. */
	p.key_size = GOMAP_MAX_KEY_SIZE;
	p.value_size = GOMAP_MAX_VALUE_SIZE;
	map = gomap_create(&p, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(map));
	EXPECT_EQ(gomap_params(map)->key_size, GOMAP_MAX_KEY_SIZE);
	gomap_destroy(map);
}

TEST(create_enomem_leaks_nothing)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8, .hint = 1000 };
	long live = shim_live_allocs();

	shim_fail_nth(1);	/* the map header */
	EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -ENOMEM);
	shim_fail_nth(2);	/* the first bucket array */
	EXPECT_EQ(PTR_ERR(gomap_create(&p, GFP_KERNEL)), -ENOMEM);
	EXPECT_EQ(shim_live_allocs(), live);
}

TEST(hint_picks_smallest_B_and_small_maps_allocate_nothing)
{
	static const unsigned int hints[] = { 0, 1, 8, 9, 13, 14, 26, 27, 52, 53, 104, 105,
					      1000, 6656, 6657, 100000 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hints); i++) {
		struct gomap *map = tmap_new(8, 8, hints[i], 0);
		struct gomap_stats st = tstats(map);

		EXPECT_EQ(st.B, expected_B(hints[i]));
		if (!st.B)
			EXPECT_EQ(st.bytes, 0);	/* makemap_small: no bucket yet */
		else
			EXPECT_GT(st.bytes, 0);
		tmap_free(map);
	}
}

/* ---- Every key and value shape ---- */

struct shape {
	unsigned int key_size, value_size, n;
};

static const struct shape shapes[] = {
	{ 4, 8, 300 }, { 8, 8, 300 }, { 8, 0, 300 }, { 1, 8, 200 }, { 2, 2, 300 },
	{ 3, 1, 300 }, { 16, 16, 300 }, { 128, 128, 100 }, { 129, 8, 200 },
	{ 8, 129, 200 }, { 200, 300, 100 }, { 4096, 4, 40 }, { 8, 65536, 20 },
	{ GOMAP_KEY_STRING, 8, 300 }, { GOMAP_KEY_STRING, 0, 300 },
	{ GOMAP_KEY_STRING, 129, 150 },
};

struct tentry {
	u8 key[GOMAP_MAX_KEY_SIZE];
	size_t len;
};

/* The key of index @i for @map's shape; string keys are 8..67 bytes. */
static void shape_key(const struct shape *s, u64 i, struct tentry *e)
{
	if (s->key_size == GOMAP_KEY_STRING) {
		e->len = 8 + i % 60;
		tstr((char *)e->key, e->len, i);
	} else {
		e->len = s->key_size;
		tkey(e->key, s->key_size, i);
	}
}

static void shape_value(const struct shape *s, u64 i, u64 gen, u8 *v)
{
	tkey(v, s->value_size, i * 7 + gen);
}

static int s_assign(struct gomap *map, const struct shape *s, const struct tentry *e,
		    const void *v, gfp_t gfp)
{
	if (s->key_size == GOMAP_KEY_STRING)
		return gomap_assign_str(map, (const char *)e->key, e->len, v, gfp);
	return gomap_assign(map, e->key, v, gfp);
}

static int s_lookup(struct gomap *map, const struct shape *s, const struct tentry *e, void *v)
{
	if (s->key_size == GOMAP_KEY_STRING)
		return gomap_lookup_str(map, (const char *)e->key, e->len, v);
	return gomap_lookup(map, e->key, v);
}

static int s_delete(struct gomap *map, const struct shape *s, const struct tentry *e)
{
	if (s->key_size == GOMAP_KEY_STRING)
		return gomap_delete_str(map, (const char *)e->key, e->len);
	return gomap_delete(map, e->key);
}

/* Index of a key built by shape_key(): its first bytes (any key size). */
static u64 key_index(const struct shape *s, const u8 *key, int len)
{
	u64 i = 0;
	int n = min(len, 8), j;

	for (j = 0; j < n; j++)
		i |= (u64)key[j] << (8 * j);
	return i;
}

static void roundtrip(const struct shape *s)
{
	struct gomap *map = tmap_new(s->key_size, s->value_size, 0, 0);
	u8 *v = malloc(s->value_size + 1), *out = malloc(s->value_size + 1);
	u8 *seen = calloc(s->n, 1);
	struct tentry *e = malloc(sizeof(*e));
	struct gomap_iter it;
	unsigned int i, left = 0;
	int len;

	for (i = 0; i < s->n; i++) {
		shape_key(s, i, e);
		shape_value(s, i, 0, v);
		EXPECT_EQ(s_assign(map, s, e, v, GFP_KERNEL), 0);
	}
	EXPECT_EQ(gomap_len(map), s->n);
	EXPECT_EQ(gomap_test_check(map), 0);
	for (i = 0; i < s->n; i++) {
		shape_key(s, i, e);
		shape_value(s, i, 0, v);
		EXPECT_EQ(s_lookup(map, s, e, out), 0);
		EXPECT_MEMEQ(out, v, s->value_size);
		shape_key(s, i + s->n, e);
		if (s->key_size != 1 || i + s->n < 256)
			EXPECT_EQ(s_lookup(map, s, e, out), -ENOENT);
	}
	/* Overwrite the even ones, delete every third. */
	for (i = 0; i < s->n; i += 2) {
		shape_key(s, i, e);
		shape_value(s, i, 1, v);
		EXPECT_EQ(s_assign(map, s, e, v, GFP_ATOMIC), 0);
	}
	for (i = 0; i < s->n; i += 3) {
		shape_key(s, i, e);
		EXPECT_EQ(s_delete(map, s, e), 0);
		EXPECT_EQ(s_delete(map, s, e), -ENOENT);
	}
	EXPECT_EQ(gomap_test_check(map), 0);
	for (i = 0; i < s->n; i++) {
		int want = i % 3 ? 0 : -ENOENT;

		shape_key(s, i, e);
		shape_value(s, i, i % 2 ? 0 : 1, v);
		EXPECT_EQ(s_lookup(map, s, e, out), want);
		if (!want)
			EXPECT_MEMEQ(out, v, s->value_size);
		left += !want;
	}
	EXPECT_EQ(gomap_len(map), left);
	/* A full walk returns each remaining entry once, with its value. */
	gomap_iter_start(&it, map);
	while ((len = gomap_iter_next(&it, e->key, sizeof(e->key), out)) >= 0) {
		u64 idx = key_index(s, e->key, len);

		if (!EXPECT_LT(idx, s->n))
			break;
		EXPECT_NE(idx % 3, 0);
		EXPECT_EQ(seen[idx]++, 0);
		shape_value(s, idx, idx % 2 ? 0 : 1, v);
		EXPECT_MEMEQ(out, v, s->value_size);
		left--;
	}
	gomap_iter_stop(&it);
	EXPECT_EQ(len, -ENOENT);
	EXPECT_EQ(left, 0);
	tmap_free(map);
	free(v);
	free(out);
	free(seen);
	free(e);
}

TEST(every_key_and_value_shape_roundtrips)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		harness_log("key_size %u value_size %u", shapes[i].key_size,
			    shapes[i].value_size);
		roundtrip(&shapes[i]);
	}
}

TEST(null_value_stores_zeroes_and_lookup_may_skip_value)
{
	struct gomap *map = tmap_new(8, 16, 0, 0);
	u8 v[16], zero[16] = { 0 };
	u64 k = 7;

	memset(v, 0xaa, sizeof(v));
	ASSERT_EQ(gomap_assign(map, &k, v, GFP_KERNEL), 0);
	/* Overwriting with NULL zeroes the value. */
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_KERNEL), 0);
	ASSERT_EQ(gomap_lookup(map, &k, v), 0);
	EXPECT_MEMEQ(v, zero, sizeof(v));
	EXPECT_EQ(gomap_lookup(map, &k, NULL), 0);
	k = 8;
	EXPECT_EQ(gomap_lookup(map, &k, NULL), -ENOENT);
	tmap_free(map);
}

TEST(wrong_key_kind_and_long_strings_are_einval)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap *smap = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	static char big[GOMAP_MAX_STR_LEN + 1];
	u64 k = 1, v = 2, one = 1;

	EXPECT_EQ(gomap_assign_str(map, "a", 1, &v, GFP_KERNEL), -EINVAL);
	EXPECT_EQ(gomap_lookup_str(map, "a", 1, &v), -EINVAL);
	EXPECT_EQ(gomap_delete_str(map, "a", 1), -EINVAL);
	EXPECT_EQ(gomap_update_str(map, "a", 1, update_add, &one, GFP_KERNEL), -EINVAL);
	EXPECT_EQ(gomap_assign(smap, &k, &v, GFP_KERNEL), -EINVAL);
	EXPECT_EQ(gomap_lookup(smap, &k, &v), -EINVAL);
	EXPECT_EQ(gomap_delete(smap, &k), -EINVAL);
	EXPECT_EQ(gomap_update(smap, &k, update_add, &one, GFP_KERNEL), -EINVAL);
	EXPECT_EQ(gomap_assign_str(smap, big, GOMAP_MAX_STR_LEN + 1, &v, GFP_KERNEL), -EINVAL);
	EXPECT_EQ(gomap_lookup_str(smap, big, GOMAP_MAX_STR_LEN + 1, &v), -EINVAL);
	EXPECT_EQ(gomap_delete_str(smap, big, GOMAP_MAX_STR_LEN + 1), -EINVAL);
	/* The longest string is fine. */
	EXPECT_EQ(gomap_assign_str(smap, big, GOMAP_MAX_STR_LEN, &v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_lookup_str(smap, big, GOMAP_MAX_STR_LEN, &k), 0);
	EXPECT_EQ(k, v);
	EXPECT_EQ(gomap_len(map), 0);
	EXPECT_EQ(gomap_len(smap), 1);
	tmap_free(map);
	tmap_free(smap);
}

TEST(string_keys_empty_binary_and_prefixes)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	static const char bin[] = { 'a', 0, 'b', (char)0xff };
	struct gomap_iter it;
	u64 v, out, n = 0;
	char kb[8];
	int len;

	v = 1;
	ASSERT_EQ(gomap_assign_str(map, "", 0, &v, GFP_KERNEL), 0);
	v = 2;
	ASSERT_EQ(gomap_assign_str(map, "a", 1, &v, GFP_KERNEL), 0);
	v = 3;
	ASSERT_EQ(gomap_assign_str(map, "ab", 2, &v, GFP_KERNEL), 0);
	v = 4;
	ASSERT_EQ(gomap_assign_str(map, bin, sizeof(bin), &v, GFP_KERNEL), 0);
	v = 5;
	ASSERT_EQ(gomap_assign_str(map, bin, 2, &v, GFP_KERNEL), 0);	/* "a\0" */
	EXPECT_EQ(gomap_len(map), 5);
	EXPECT_EQ(gomap_lookup_str(map, "", 0, &out), 0);
	EXPECT_EQ(out, 1);
	EXPECT_EQ(gomap_lookup_str(map, "ab", 2, &out), 0);
	EXPECT_EQ(out, 3);
	EXPECT_EQ(gomap_lookup_str(map, bin, 2, &out), 0);
	EXPECT_EQ(out, 5);
	EXPECT_EQ(gomap_lookup_str(map, bin, 3, &out), -ENOENT);
	/* The empty key walks out with length 0, and a NULL key buffer is fine. */
	gomap_iter_start(&it, map);
	while ((len = gomap_iter_next(&it, kb, sizeof(kb), &out)) >= 0) {
		if (len == 0)
			EXPECT_EQ(out, 1);
		n++;
	}
	gomap_iter_stop(&it);
	EXPECT_EQ(n, 5);
	EXPECT_EQ(gomap_delete_str(map, "", 0), 0);
	EXPECT_EQ(gomap_lookup_str(map, "", 0, &out), -ENOENT);
	tmap_free(map);
}

/* mapaccess1_faststr's one-bucket scan: long keys equal in their first and last 4 bytes. */
TEST(string_single_bucket_scan_long_keys)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	char k[5][48];
	u64 v, out;
	int i;

	for (i = 0; i < 5; i++) {
		memset(k[i], 'x', sizeof(k[i]));
		k[i][20] = (char)('0' + i);
		v = i;
		ASSERT_EQ(gomap_assign_str(map, k[i], sizeof(k[i]), &v, GFP_KERNEL), 0);
	}
	EXPECT_EQ(tstats(map).B, 0);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(gomap_lookup_str(map, k[i], sizeof(k[i]), &out), 0);
		EXPECT_EQ(out, i);
	}
	k[0][20] = 'z';
	EXPECT_EQ(gomap_lookup_str(map, k[0], sizeof(k[0]), &out), -ENOENT);
	/* Only one survivor of the 4+4 byte filter, but it differs in the middle. */
	ASSERT_EQ(gomap_delete_str(map, k[1], 48), 0);
	ASSERT_EQ(gomap_delete_str(map, k[2], 48), 0);
	ASSERT_EQ(gomap_delete_str(map, k[3], 48), 0);
	EXPECT_EQ(gomap_lookup_str(map, k[0], sizeof(k[0]), &out), -ENOENT);
	tmap_free(map);
}

TEST(max_entries_gives_enospc_but_overwrites_work)
{
	struct gomap *map = tmap_new(8, 8, 0, 10);
	u64 k, v = 1;

	for (k = 0; k < 10; k++)
		ASSERT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	k = 10;
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), -ENOSPC);
	EXPECT_EQ(gomap_update(map, &k, update_add, &v, GFP_KERNEL), -ENOSPC);
	k = 3;
	v = 99;
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_len(map), 10);
	EXPECT_EQ(gomap_delete(map, &k), 0);
	k = 10;
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_len(map), 10);
	tmap_free(map);
}

TEST(update_inserts_zero_then_modifies_in_place)
{
	struct gomap *map = tmap_new(4, 8, 0, 0);
	struct gomap *smap = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	u32 k = 5;
	u64 arg, out;

	arg = 10;
	ASSERT_EQ(gomap_update(map, &k, update_add, &arg, GFP_KERNEL), 0);
	EXPECT_EQ(arg, 0);	/* not found */
	arg = 5;
	ASSERT_EQ(gomap_update(map, &k, update_add, &arg, GFP_ATOMIC), 0);
	EXPECT_EQ(arg, 1);	/* found */
	ASSERT_EQ(gomap_lookup(map, &k, &out), 0);
	EXPECT_EQ(out, 15);
	EXPECT_EQ(gomap_update(map, &k, NULL, &arg, GFP_KERNEL), -EINVAL);
	arg = 3;
	ASSERT_EQ(gomap_update_str(smap, "ctr", 3, update_add, &arg, GFP_KERNEL), 0);
	arg = 4;
	ASSERT_EQ(gomap_update_str(smap, "ctr", 3, update_add, &arg, GFP_KERNEL), 0);
	ASSERT_EQ(gomap_lookup_str(smap, "ctr", 3, &out), 0);
	EXPECT_EQ(out, 7);
	tmap_free(map);
	tmap_free(smap);
}

TEST(empty_maps_answer_enoent)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_iter it;
	u64 k = 1, v;

	EXPECT_EQ(gomap_lookup(map, &k, &v), -ENOENT);
	EXPECT_EQ(gomap_delete(map, &k), -ENOENT);
	EXPECT_EQ(gomap_len(map), 0);
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, &k, 8, &v), -ENOENT);
	EXPECT_EQ(gomap_iter_next(&it, &k, 8, &v), -ENOENT);
	gomap_iter_stop(&it);
	gomap_clear(map);
	EXPECT_EQ(gomap_len(map), 0);
	tmap_free(map);
}

TEST(clear_empties_drops_the_array_and_map_is_reusable)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 200, 0, 0);
	char key[32];
	u8 v[200] = { 1 };
	u64 i;

	for (i = 0; i < 1000; i++) {
		tstr(key, 8 + i % 20, i);
		ASSERT_EQ(gomap_assign_str(map, key, 8 + i % 20, v, GFP_KERNEL), 0);
	}
	EXPECT_GT(tstats(map).B, 0);
	gomap_clear(map);
	EXPECT_EQ(gomap_len(map), 0);
	EXPECT_EQ(tstats(map).B, 0);
	EXPECT_EQ(tstats(map).bytes, 0);
	tstr(key, 8, 5);
	EXPECT_EQ(gomap_lookup_str(map, key, 8, NULL), -ENOENT);
	EXPECT_EQ(gomap_test_check(map), 0);
	EXPECT_EQ(gomap_assign_str(map, key, 8, v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_len(map), 1);
	tmap_free(map);
}

TEST(hash_seed_is_redrawn_when_the_map_empties)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k = 42, h;

	gomap_test_set_seed(map, SEED);
	h = gomap_test_hash(map, &k, 8);
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_test_hash(map, &k, 8), h);
	ASSERT_EQ(gomap_delete(map, &k), 0);
	/* Go issue 25237: a new hash0 once count drops to 0. */
	EXPECT_NE(gomap_test_hash(map, &k, 8), h);
	tmap_free(map);
}

/* ---- Slots, tophash, buckets ---- */

TEST(tophash_is_top_byte_raised_past_slot_states)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k, h, low = ~0ULL, normal = ~0ULL;

	gomap_test_set_seed(map, SEED);
	/* Find one key whose top byte is a slot state, one whose is not. */
	for (k = 0; low == ~0ULL || normal == ~0ULL; k++) {
		h = gomap_test_hash(map, &k, 8);
		if ((h >> 56) < GM_MIN_TOPHASH && low == ~0ULL)
			low = k;
		else if ((h >> 56) >= GM_MIN_TOPHASH && normal == ~0ULL)
			normal = k;
	}
	ASSERT_EQ(gomap_assign(map, &low, NULL, GFP_KERNEL), 0);
	ASSERT_EQ(gomap_assign(map, &normal, NULL, GFP_KERNEL), 0);
	h = gomap_test_hash(map, &low, 8);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 0), (h >> 56) + GM_MIN_TOPHASH);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 0), tophash_of(h));
	h = gomap_test_hash(map, &normal, 8);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 1), h >> 56);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 2), GM_EMPTY_REST);
	EXPECT_EQ(gomap_test_tophash(map, 1, 0, 0), -ENOENT);
	EXPECT_EQ(gomap_test_tophash(map, 0, 1, 0), -ENOENT);
	tmap_free(map);
}

/*
 * u64 keys are compared whole: two keys with the same low 32 bits, the
 * same tophash and the same (only) bucket are still two keys.
 */
TEST(u64_keys_differing_only_in_high_bits_are_distinct)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);	/* one bucket */
	u64 a = 5, b, v;

	gomap_test_set_seed(map, SEED);
	for (b = a + (1ULL << 32); tophash_of(gomap_test_hash(map, &b, 8)) !=
				   tophash_of(gomap_test_hash(map, &a, 8)); b += 1ULL << 32)
		;
	v = 1;
	ASSERT_EQ(gomap_assign(map, &a, &v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_lookup(map, &b, &v), -ENOENT);
	EXPECT_EQ(gomap_delete(map, &b), -ENOENT);
	v = 2;
	ASSERT_EQ(gomap_assign(map, &b, &v, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_len(map), 2);
	EXPECT_EQ(gomap_lookup(map, &a, &v), 0);
	EXPECT_EQ(v, 1);
	EXPECT_EQ(gomap_lookup(map, &b, &v), 0);
	EXPECT_EQ(v, 2);
	tmap_free(map);
}

TEST(keys_land_in_bucket_hash_and_mask)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);	/* B = 3 */
	u64 k;
	int i, found;

	ASSERT_EQ(tstats(map).B, 3);
	gomap_test_set_seed(map, SEED);
	for (k = 100; k < 140; k++) {
		unsigned long b = gomap_test_hash(map, &k, 8) & 7;
		u8 top = tophash_of(gomap_test_hash(map, &k, 8));

		ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_KERNEL), 0);
		found = 0;
		for (i = 0; i < 8; i++)
			found += gomap_test_tophash(map, b, 0, i) == top;
		EXPECT_GE(found, 1);
	}
	tmap_free(map);
}

TEST(delete_marks_empty_one_then_empty_rest)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k[3] = { 1, 2, 3 };
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(gomap_assign(map, &k[i], NULL, GFP_KERNEL), 0);
	/* One bucket: slots 0..2 full, the rest emptyRest. */
	EXPECT_GE(gomap_test_tophash(map, 0, 0, 1), GM_MIN_TOPHASH);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 3), GM_EMPTY_REST);
	ASSERT_EQ(gomap_delete(map, &k[1]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 1), GM_EMPTY_ONE);	/* slot 2 still live */
	ASSERT_EQ(gomap_delete(map, &k[2]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 2), GM_EMPTY_REST);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 1), GM_EMPTY_REST);	/* swept back */
	EXPECT_GE(gomap_test_tophash(map, 0, 0, 0), GM_MIN_TOPHASH);
	/* A new key reuses the first free slot. */
	ASSERT_EQ(gomap_assign(map, &k[2], NULL, GFP_KERNEL), 0);
	EXPECT_GE(gomap_test_tophash(map, 0, 0, 1), GM_MIN_TOPHASH);
	ASSERT_EQ(gomap_delete(map, &k[0]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 0, 0, 0), GM_EMPTY_ONE);
	tmap_free(map);
}

TEST(empty_rest_sweeps_back_across_overflow_buckets)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);	/* B = 3, no reserve */
	u64 k[10], from = 0;
	int i;

	gomap_test_set_seed(map, SEED);
	for (i = 0; i < 10; i++) {
		k[i] = tkey_in_bucket(map, 3, 5, from);
		from = k[i] + 1;
		ASSERT_EQ(gomap_assign(map, &k[i], NULL, GFP_KERNEL), 0);
	}
	/* Bucket 5: eight in the head, two in one overflow bucket. */
	EXPECT_EQ(tstats(map).overflow_buckets, 1);
	EXPECT_GE(gomap_test_tophash(map, 5, 1, 1), GM_MIN_TOPHASH);
	EXPECT_EQ(gomap_test_tophash(map, 5, 1, 2), GM_EMPTY_REST);
	EXPECT_EQ(gomap_test_tophash(map, 5, 2, 0), -ENOENT);
	ASSERT_EQ(gomap_delete(map, &k[9]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 5, 1, 1), GM_EMPTY_REST);
	ASSERT_EQ(gomap_delete(map, &k[7]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 5, 0, 7), GM_EMPTY_ONE);	/* overflow slot 0 live */
	ASSERT_EQ(gomap_delete(map, &k[8]), 0);
	EXPECT_EQ(gomap_test_tophash(map, 5, 1, 0), GM_EMPTY_REST);
	EXPECT_EQ(gomap_test_tophash(map, 5, 0, 7), GM_EMPTY_REST);	/* swept into the head */
	EXPECT_GE(gomap_test_tophash(map, 5, 0, 6), GM_MIN_TOPHASH);
	for (i = 0; i < 7; i++)
		EXPECT_EQ(gomap_lookup(map, &k[i], NULL), 0);
	tmap_free(map);
}

TEST(collisions_build_overflow_chains)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);	/* B = 3 */
	u64 k[25], from = 0, v;
	int i;

	gomap_test_set_seed(map, SEED);
	for (i = 0; i < 25; i++) {
		k[i] = tkey_in_bucket(map, 3, 2, from);
		from = k[i] + 1;
		v = i;
		ASSERT_EQ(gomap_assign(map, &k[i], &v, GFP_KERNEL), 0);
	}
	/* 25 keys in one bucket: head plus three overflow buckets, no growth. */
	EXPECT_EQ(tstats(map).B, 3);
	EXPECT_EQ(tstats(map).overflow_buckets, 3);
	EXPECT_EQ(tstats(map).noverflow, 3);
	EXPECT_GE(gomap_test_tophash(map, 2, 3, 0), GM_MIN_TOPHASH);
	EXPECT_EQ(gomap_test_tophash(map, 2, 3, 1), GM_EMPTY_REST);
	EXPECT_EQ(gomap_test_tophash(map, 2, 4, 0), -ENOENT);
	for (i = 0; i < 25; i++) {
		EXPECT_EQ(gomap_lookup(map, &k[i], &v), 0);
		EXPECT_EQ(v, i);
	}
	tmap_free(map);
}

TEST(overflow_reserve_is_used_before_allocating)
{
	struct gomap *map = tmap_new(8, 8, 53, 0);	/* B = 4: one reserve bucket */
	struct shim_mem_stats before, after;
	u64 k[9], from = 0;
	int i;

	ASSERT_EQ(tstats(map).B, 4);
	gomap_test_set_seed(map, SEED);
	for (i = 0; i < 9; i++) {
		k[i] = tkey_in_bucket(map, 4, 9, from);
		from = k[i] + 1;
	}
	for (i = 0; i < 8; i++)
		ASSERT_EQ(gomap_assign(map, &k[i], NULL, GFP_KERNEL), 0);
	shim_mem_stats(&before);
	ASSERT_EQ(gomap_assign(map, &k[8], NULL, GFP_KERNEL), 0);
	shim_mem_stats(&after);
	EXPECT_EQ(after.attempts, before.attempts);	/* no kmalloc: the reserve served */
	EXPECT_EQ(tstats(map).overflow_buckets, 1);
	tmap_free(map);
}

/* ---- Growth ---- */

TEST(doubling_follows_the_load_factor)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	u64 i, k;

	for (i = 1; i <= 20000; i++) {
		k = u64key(i);
		ASSERT_EQ(gomap_assign(map, &k, &i, GFP_KERNEL), 0);
		st = tstats(map);
		if (!EXPECT_EQ(st.B, expected_B(i)))
			break;
		EXPECT_EQ(st.grows, st.B);
	}
	st = tstats(map);
	EXPECT_EQ(st.same_size_grows, 0);
	EXPECT_LE(st.max_evacuated_per_op, 2);
	EXPECT_EQ(gomap_test_check(map), 0);
	for (i = 1; i <= 20000; i++) {
		u64 v;

		k = u64key(i);
		EXPECT_EQ(gomap_lookup(map, &k, &v), 0);
		EXPECT_EQ(v, i);
	}
	tmap_free(map);
}

TEST(ninth_key_starts_the_first_growth)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k;

	for (k = 0; k < 8; k++)
		ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_KERNEL), 0);
	EXPECT_EQ(tstats(map).B, 0);
	EXPECT_EQ(tstats(map).grows, 0);
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_KERNEL), 0);
	EXPECT_EQ(tstats(map).B, 1);
	EXPECT_EQ(tstats(map).grows, 1);
	tmap_free(map);
}

/* Grow a u64 map to the point where a doubling from 2^@B old buckets just started. */
static struct gomap *map_mid_growth(unsigned int B, u64 *n)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 i, k, count = 13 * (1UL << B) / 2 + 1;

	for (i = 0; i < count; i++) {
		k = u64key(i);
		if (gomap_assign(map, &k, &i, GFP_KERNEL))
			break;
	}
	*n = count;
	return map;
}

TEST(grow_step_evacuates_one_bucket_at_a_time)
{
	u64 n, i, k, v;
	struct gomap *map = map_mid_growth(8, &n);
	struct gomap_stats st = tstats(map);
	int steps = 0;

	ASSERT_TRUE(st.growing);
	ASSERT_EQ(st.B, 9);
	EXPECT_FALSE(st.same_size_growing);
	/* Lookups find every key while some live in the old array. */
	for (i = 0; i < n; i++) {
		k = u64key(i);
		EXPECT_EQ(gomap_lookup(map, &k, &v), 0);
		EXPECT_EQ(v, i);
	}
	EXPECT_EQ(gomap_test_check(map), 0);
	while (gomap_test_grow_step(map, GFP_KERNEL) == 1) {
		steps++;
		if (steps % 64 == 0)
			EXPECT_EQ(gomap_test_check(map), 0);
	}
	st = tstats(map);
	EXPECT_FALSE(st.growing);
	EXPECT_LE(steps, 256);
	EXPECT_GT(steps, 0);
	EXPECT_EQ(gomap_test_grow_step(map, GFP_KERNEL), 0);
	for (i = 0; i < n; i++) {
		k = u64key(i);
		EXPECT_EQ(gomap_lookup(map, &k, &v), 0);
	}
	tmap_free(map);
}

/*
 * A chain of more than 64 entries (the y bits evac_count() keeps) moves by
 * those bits for its first 64 entries and by hashing the rest: every entry
 * must land in the half, x or y, that its hash names.  Both evacuation
 * loops: u64 keys with 8-byte values (the fast copy) and 16-byte values.
 */
#define LONG_CHAIN 80

static void long_chain_doubles(unsigned int value_size)
{
	struct gomap *map = tmap_new(8, value_size, 104, 0);	/* B = 4 */
	u64 k[LONG_CHAIN], from = 0, filler, i;
	u8 v[16] = { };

	ASSERT_EQ(tstats(map).B, 4);
	gomap_test_set_seed(map, SEED);
	for (i = 0; i < LONG_CHAIN; i++) {
		k[i] = tkey_in_bucket(map, 4, 2, from);
		from = k[i] + 1;
		v[0] = i;
		ASSERT_EQ(gomap_assign(map, &k[i], v, GFP_KERNEL), 0);
	}
	ASSERT_FALSE(tstats(map).growing);	/* 80 < 6.5 * 16, 9 overflow buckets < 16 */
	for (filler = from; !tstats(map).growing; filler++)
		if (tkey_bucket(map, filler, 4) != 2)
			ASSERT_EQ(gomap_assign(map, &filler, NULL, GFP_KERNEL), 0);
	ASSERT_EQ(tstats(map).B, 5);
	ASSERT_FALSE(tstats(map).same_size_growing);
	while (gomap_test_grow_step(map, GFP_KERNEL) == 1)
		;
	EXPECT_FALSE(tstats(map).growing);
	EXPECT_EQ(gomap_test_check(map), 0);	/* each entry in its hash's bucket */
	for (i = 0; i < LONG_CHAIN; i++) {
		EXPECT_EQ(gomap_lookup(map, &k[i], v), 0);
		EXPECT_EQ(v[0], (u8)i);
	}
	tmap_free(map);
}

TEST(long_chains_evacuate_to_the_half_their_hash_names)
{
	long_chain_doubles(8);
	long_chain_doubles(16);
}

TEST(writes_during_growth_evacuate_at_most_two_buckets)
{
	u64 n, i, k;
	struct gomap *map = map_mid_growth(10, &n);
	struct gomap_stats st;
	int ops = 0;

	ASSERT_TRUE(tstats(map).growing);
	/* Deletes and overwrites drive the growth too. */
	for (i = 0; tstats(map).growing; i++, ops++) {
		k = u64key(i % n);
		if (i % 3 == 0)
			EXPECT_EQ(gomap_delete(map, &k), 0);
		else
			EXPECT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
		if (ops > 2000)
			break;
	}
	st = tstats(map);
	EXPECT_FALSE(st.growing);
	EXPECT_LE(st.max_evacuated_per_op, 2);
	EXPECT_LE(ops, 1024);	/* 1024 old buckets, one or two each */
	EXPECT_EQ(gomap_test_check(map), 0);
	tmap_free(map);
}

/* Churn: nine keys into each bucket, eight deleted, until noverflow reaches 2^B. */
TEST(churn_triggers_same_size_growth)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);	/* B = 3 */
	u64 from = 0, keep[8], k, ks[9];
	struct gomap_stats st;
	unsigned long b;
	int i;

	gomap_test_set_seed(map, SEED);
	for (b = 0; b < 8; b++) {
		for (i = 0; i < 9; i++) {
			ks[i] = tkey_in_bucket(map, 3, b, from);
			from = ks[i] + 1;
			ASSERT_EQ(gomap_assign(map, &ks[i], &ks[i], GFP_KERNEL), 0);
		}
		for (i = 1; i < 9; i++)
			ASSERT_EQ(gomap_delete(map, &ks[i]), 0);
		keep[b] = ks[0];
	}
	st = tstats(map);
	EXPECT_EQ(st.count, 8);
	EXPECT_EQ(st.noverflow, 8);
	EXPECT_EQ(st.overflow_buckets, 8);
	EXPECT_EQ(st.grows + st.same_size_grows, 0);
	/* The next new key finds as many overflow buckets as buckets. */
	k = from + 1000;
	ASSERT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
	st = tstats(map);
	EXPECT_EQ(st.same_size_grows, 1);
	EXPECT_EQ(st.grows, 0);
	EXPECT_EQ(st.B, 3);
	while (gomap_test_grow_step(map, GFP_KERNEL) == 1)
		;
	st = tstats(map);
	EXPECT_FALSE(st.growing);
	EXPECT_EQ(st.overflow_buckets, 0);	/* repacked */
	EXPECT_EQ(st.noverflow, 0);
	for (b = 0; b < 8; b++) {
		u64 v;

		EXPECT_EQ(gomap_lookup(map, &keep[b], &v), 0);
		EXPECT_EQ(v, keep[b]);
	}
	tmap_free(map);
}

TEST(same_size_growth_with_string_keys)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 52, 0);
	char key[24];
	u64 i, v, next = 0;
	unsigned long b;
	int placed;

	gomap_test_set_seed(map, SEED);
	for (b = 0; b < 8; b++) {
		u64 mine[9];

		for (placed = 0; placed < 9; next++) {
			tstr(key, 24, next);
			if ((gomap_test_hash(map, key, 24) & 7) != b)
				continue;
			ASSERT_EQ(gomap_assign_str(map, key, 24, &next, GFP_KERNEL), 0);
			mine[placed++] = next;
		}
		for (i = 1; i < 9; i++) {
			tstr(key, 24, mine[i]);
			ASSERT_EQ(gomap_delete_str(map, key, 24), 0);
		}
	}
	tstr(key, 24, next + 1);
	ASSERT_EQ(gomap_assign_str(map, key, 24, NULL, GFP_ATOMIC), 0);
	EXPECT_EQ(tstats(map).same_size_grows, 1);
	while (gomap_test_grow_step(map, GFP_ATOMIC) == 1)
		;
	EXPECT_EQ(tstats(map).overflow_buckets, 0);
	EXPECT_EQ(gomap_len(map), 9);
	(void)v;
	tmap_free(map);
}

/* ---- Iteration ---- */

struct walk {
	u32 *count;	/* times each index was returned */
	u64 n;
};

/* Take up to @steps entries of a u64 -> u64 walk whose keys are u64key(idx), value idx. */
static int walk_steps(struct gomap_iter *it, struct walk *w, int steps)
{
	u64 k, v;
	int ret = 0;

	while (steps-- > 0) {
		ret = gomap_iter_next(it, &k, sizeof(k), &v);
		if (ret < 0)
			break;
		EXPECT_EQ(ret, 8);
		if (!EXPECT_LT(v, w->n))
			break;
		EXPECT_EQ(k, u64key(v));
		w->count[v]++;
	}
	return ret;
}

TEST(iteration_starts_at_random_places)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_iter it;
	u64 k, v, first[8];
	int i, distinct = 0;

	for (i = 0; i < 200; i++) {
		k = u64key(i);
		v = i;
		ASSERT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	}
	for (i = 0; i < 8; i++) {
		gomap_iter_start(&it, map);
		ASSERT_EQ(gomap_iter_next(&it, &k, 8, &first[i]), 8);
		gomap_iter_stop(&it);
		distinct += i == 0 || first[i] != first[0];
	}
	EXPECT_GT(distinct, 1);
	tmap_free(map);
}

TEST(iteration_returns_each_entry_once_across_growths)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	const u64 n0 = 1000, n1 = 40000;
	struct walk w = { calloc(n1, sizeof(u32)), n1 };
	bool *deleted = calloc(n1, 1);
	struct gomap_iter it;
	u64 i, k, B0;

	for (i = 0; i < n0; i++) {
		k = u64key(i);
		ASSERT_EQ(gomap_assign(map, &k, &i, GFP_KERNEL), 0);
	}
	B0 = tstats(map).B;
	gomap_iter_start(&it, map);
	walk_steps(&it, &w, 100);
	/* Several doublings between two steps. */
	for (i = n0; i < n1; i++) {
		k = u64key(i);
		ASSERT_EQ(gomap_assign(map, &k, &i, GFP_KERNEL), 0);
		if (i % 5000 == 0)
			walk_steps(&it, &w, 10);
	}
	EXPECT_GE(tstats(map).B, B0 + 5);
	/* Delete 100 original entries not returned yet: they must not come out. */
	for (i = 0, k = 0; i < n0 && k < 100; i++) {
		if (w.count[i])
			continue;
		u64 key = u64key(i);

		ASSERT_EQ(gomap_delete(map, &key), 0);
		deleted[i] = true;
		k++;
	}
	EXPECT_EQ(walk_steps(&it, &w, INT_MAX), -ENOENT);
	gomap_iter_stop(&it);
	for (i = 0; i < n0; i++)
		EXPECT_EQ(w.count[i], deleted[i] ? 0 : 1);
	for (i = n0; i < n1; i++)
		EXPECT_LE(w.count[i], 1);
	free(w.count);
	free(deleted);
	tmap_free(map);
}

TEST(iteration_started_mid_growth_returns_each_entry_once)
{
	u64 n, i, k;
	struct gomap *map = map_mid_growth(9, &n);
	struct walk w = { calloc(n + 20000, sizeof(u32)), n + 20000 };
	struct gomap_iter it;
	int ret;

	ASSERT_TRUE(tstats(map).growing);
	gomap_iter_start(&it, map);
	i = n;
	do {
		ret = walk_steps(&it, &w, 7);
		/* Between steps: new keys, and evacuation by hand. */
		k = u64key(i);
		ASSERT_EQ(gomap_assign(map, &k, &i, GFP_ATOMIC), 0);
		i++;
		gomap_test_grow_step(map, GFP_ATOMIC);
	} while (ret >= 0 && i < n + 20000);
	if (ret >= 0)
		ret = walk_steps(&it, &w, INT_MAX);
	EXPECT_EQ(ret, -ENOENT);
	gomap_iter_stop(&it);
	for (k = 0; k < n; k++)
		EXPECT_EQ(w.count[k], 1);
	for (k = n; k < n + 20000; k++)
		EXPECT_LE(w.count[k], 1);
	free(w.count);
	tmap_free(map);
}

TEST(iteration_across_same_size_growth)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);
	struct walk w = { calloc(1 << 16, sizeof(u32)), 1 << 16 };
	struct gomap_iter it;
	u64 from = 0, ks[9], k;
	unsigned long b;
	int i;

	gomap_test_set_seed(map, SEED);
	/* A few entries, then the iterator, then churn until a same-size growth. */
	for (k = 0; k < 5; k++) {
		u64 key = u64key(k);

		ASSERT_EQ(gomap_assign(map, &key, &k, GFP_KERNEL), 0);
	}
	gomap_iter_start(&it, map);
	walk_steps(&it, &w, 1);
	for (b = 0; b < 8; b++) {
		for (i = 0; i < 9; i++) {
			/* Keys are u64key(idx): search idx by the bucket of its key. */
			for (;; from++) {
				k = u64key(from);
				if (from >= 5 && (gomap_test_hash(map, &k, 8) & 7) == b)
					break;
			}
			ks[i] = from++;
			ASSERT_EQ(gomap_assign(map, &k, &ks[i], GFP_KERNEL), 0);
		}
		for (i = 0; i < 9; i++) {
			k = u64key(ks[i]);
			ASSERT_EQ(gomap_delete(map, &k), 0);
		}
	}
	k = u64key(from);
	ASSERT_EQ(gomap_assign(map, &k, &from, GFP_KERNEL), 0);
	EXPECT_EQ(tstats(map).same_size_grows, 1);
	EXPECT_EQ(walk_steps(&it, &w, INT_MAX), -ENOENT);
	gomap_iter_stop(&it);
	for (k = 0; k < 5; k++)
		EXPECT_EQ(w.count[k], 1);
	free(w.count);
	tmap_free(map);
}

TEST(iteration_e2big_does_not_advance)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	char key[40], out[64];
	struct gomap_iter it;
	u64 v = 3, o;

	memset(key, 'k', sizeof(key));
	ASSERT_EQ(gomap_assign_str(map, key, sizeof(key), &v, GFP_KERNEL), 0);
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, out, 10, &o), -E2BIG);
	EXPECT_EQ(gomap_iter_next(&it, out, 39, &o), -E2BIG);
	EXPECT_EQ(gomap_iter_next(&it, out, sizeof(out), &o), 40);
	EXPECT_MEMEQ(out, key, 40);
	EXPECT_EQ(o, 3);
	EXPECT_EQ(gomap_iter_next(&it, out, sizeof(out), &o), -ENOENT);
	gomap_iter_stop(&it);
	/* NULL buffers skip the copy (and the size check). */
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, NULL, 0, NULL), 40);
	gomap_iter_stop(&it);
	tmap_free(map);
}

TEST(clear_ends_ongoing_iterators)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	struct gomap_iter it;
	char key[16];
	u64 i;

	for (i = 0; i < 100; i++) {
		tstr(key, 16, i);
		ASSERT_EQ(gomap_assign_str(map, key, 16, &i, GFP_KERNEL), 0);
	}
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, key, sizeof(key), NULL), 16);
	gomap_clear(map);
	EXPECT_EQ(gomap_iter_next(&it, key, sizeof(key), NULL), -ENOENT);
	gomap_iter_stop(&it);
	tstr(key, 16, 1);
	EXPECT_EQ(gomap_assign_str(map, key, 16, NULL, GFP_KERNEL), 0);
	tmap_free(map);
}

TEST(keys_deleted_under_an_iterator_are_freed_at_stop)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	struct gomap_iter it;
	char key[32];
	u64 i, n = 0;
	long live;

	for (i = 0; i < 500; i++) {
		tstr(key, 32, i);
		ASSERT_EQ(gomap_assign_str(map, key, 32, &i, GFP_KERNEL), 0);
	}
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, key, sizeof(key), NULL), 32);
	live = shim_live_allocs();
	for (i = 0; i < 500; i++) {
		tstr(key, 32, i);
		ASSERT_EQ(gomap_delete_str(map, key, 32), 0);
	}
	shim_rcu_barrier();
	EXPECT_EQ(shim_live_allocs(), live);	/* kept for the iterator */
	while (gomap_iter_next(&it, key, sizeof(key), NULL) >= 0)
		n++;
	EXPECT_EQ(n, 0);
	gomap_iter_stop(&it);
	shim_rcu_barrier();
	EXPECT_LT(shim_live_allocs(), live - 400);
	tmap_free(map);
}

TEST(iteration_with_string_keys_across_growth_and_deletes)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 16, 0, 0);
	const u64 n0 = 300, n1 = 6000;
	u32 *count = calloc(n1, sizeof(u32));
	struct gomap_iter it;
	char key[64];
	u8 v[16];
	u64 i;
	int len;

	for (i = 0; i < n0; i++) {
		tstr(key, 8 + i % 50, i);
		tkey(v, 16, i);
		ASSERT_EQ(gomap_assign_str(map, key, 8 + i % 50, v, GFP_KERNEL), 0);
	}
	gomap_iter_start(&it, map);
	for (i = n0; i < n1; i++) {
		if (i % 20 == 0) {
			len = gomap_iter_next(&it, key, sizeof(key), v);
			if (len >= 0) {
				u64 idx = key_index(&shapes[13], (u8 *)key, len);

				ASSERT_LT(idx, n1);
				count[idx]++;
			}
		}
		tstr(key, 8 + i % 50, i);
		ASSERT_EQ(gomap_assign_str(map, key, 8 + i % 50, NULL, GFP_ATOMIC), 0);
		/* Delete new keys again so deferred frees pile up under the walk. */
		if (i % 3 == 0)
			ASSERT_EQ(gomap_delete_str(map, key, 8 + i % 50), 0);
	}
	while ((len = gomap_iter_next(&it, key, sizeof(key), v)) >= 0) {
		u64 idx = key_index(&shapes[13], (u8 *)key, len);

		ASSERT_LT(idx, n1);
		count[idx]++;
	}
	gomap_iter_stop(&it);
	for (i = 0; i < n0; i++)
		EXPECT_EQ(count[i], 1);
	for (; i < n1; i++)
		EXPECT_LE(count[i], 1);
	free(count);
	tmap_free(map);
}

/*
 * A lockless walk step may read a string slot's pointer and length while a
 * writer rewrites the slot, pairing one key with another key's length.
 * Play that read here by lengthening the slot: the walk must copy out the
 * key its pointer names, with that key's own length, and read no further.
 */
TEST(walk_copies_string_keys_with_their_own_length)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	struct gomap_iter it;
	struct gm_str *slot = NULL;
	char key[64];
	unsigned int i;
	u64 v = 7;

	ASSERT_EQ(gomap_assign_str(map, "abc", 3, &v, GFP_KERNEL), 0);
	for (i = 0; i < GM_SLOTS; i++)
		if (((u8 *)map->shards[0].table->buckets)[i] >= GM_MIN_TOPHASH)
			slot = (struct gm_str *)((u8 *)map->shards[0].table->buckets + GM_SLOTS) + i;
	ASSERT_NE(slot, NULL);
	ASSERT_EQ(slot->len, 3);
	slot->len = sizeof(key);	/* a racing writer's length */
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, key, sizeof(key), &v), 3);
	EXPECT_EQ(memcmp(key, "abc", 3), 0);
	gomap_iter_stop(&it);
	slot->len = 3;
	tmap_free(map);
}

/* ---- Allocation failure ---- */

TEST(enomem_on_first_bucket_leaves_map_empty)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k = 1;

	gomap_test_fail_alloc(map, 1);
	EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), -ENOMEM);
	EXPECT_EQ(gomap_len(map), 0);
	EXPECT_EQ(gomap_lookup(map, &k, NULL), -ENOENT);
	EXPECT_EQ(gomap_test_check(map), 0);
	EXPECT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
	tmap_free(map);
}

TEST(enomem_on_overflow_bucket_leaves_map_unchanged)
{
	struct gomap *map = tmap_new(8, 8, 52, 0);
	u64 k[9], from = 0;
	int i;

	gomap_test_set_seed(map, SEED);
	for (i = 0; i < 9; i++) {
		k[i] = tkey_in_bucket(map, 3, 4, from);
		from = k[i] + 1;
	}
	for (i = 0; i < 8; i++)
		ASSERT_EQ(gomap_assign(map, &k[i], &k[i], GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, 1);
	EXPECT_EQ(gomap_assign(map, &k[8], &k[8], GFP_ATOMIC), -ENOMEM);
	gomap_test_fail_alloc(map, 1);
	EXPECT_EQ(gomap_assign(map, &k[8], &k[8], GFP_KERNEL), -ENOMEM);
	EXPECT_EQ(gomap_len(map), 8);
	EXPECT_EQ(gomap_lookup(map, &k[8], NULL), -ENOENT);
	EXPECT_EQ(tstats(map).overflow_buckets, 0);
	EXPECT_EQ(gomap_test_check(map), 0);
	gomap_test_fail_alloc(map, 0);
	EXPECT_EQ(gomap_assign(map, &k[8], &k[8], GFP_ATOMIC), 0);
	EXPECT_EQ(tstats(map).overflow_buckets, 1);
	tmap_free(map);
}

TEST(enomem_on_key_or_value_copy_leaves_map_unchanged)
{
	struct gomap *smap = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	struct gomap *kmap = tmap_new(300, 8, 0, 0);
	struct gomap *vmap = tmap_new(8, 300, 0, 0);
	u8 key[300] = { 1 }, val[300] = { 2 }, out[300];
	u64 k = 5;

	ASSERT_EQ(gomap_assign_str(smap, "a", 1, NULL, GFP_KERNEL), 0);
	ASSERT_EQ(gomap_assign(kmap, key, NULL, GFP_KERNEL), 0);
	ASSERT_EQ(gomap_assign(vmap, &k, val, GFP_KERNEL), 0);
	gomap_test_fail_alloc(smap, 1);
	gomap_test_fail_alloc(kmap, 1);
	gomap_test_fail_alloc(vmap, 1);
	EXPECT_EQ(gomap_assign_str(smap, "b", 1, NULL, GFP_KERNEL), -ENOMEM);
	key[0] = 2;
	EXPECT_EQ(gomap_assign(kmap, key, NULL, GFP_KERNEL), -ENOMEM);
	k = 6;
	EXPECT_EQ(gomap_assign(vmap, &k, val, GFP_KERNEL), -ENOMEM);
	EXPECT_EQ(gomap_len(smap), 1);
	EXPECT_EQ(gomap_len(kmap), 1);
	EXPECT_EQ(gomap_len(vmap), 1);
	EXPECT_EQ(gomap_lookup_str(smap, "b", 1, NULL), -ENOENT);
	EXPECT_EQ(gomap_lookup(kmap, key, NULL), -ENOENT);
	EXPECT_EQ(gomap_lookup(vmap, &k, NULL), -ENOENT);
	/* Overwriting an out-of-line value allocates nothing. */
	gomap_test_fail_alloc(vmap, UINT_MAX);
	k = 5;
	val[0] = 9;
	EXPECT_EQ(gomap_assign(vmap, &k, val, GFP_KERNEL), 0);
	EXPECT_EQ(gomap_lookup(vmap, &k, out), 0);
	EXPECT_EQ(out[0], 9);
	gomap_test_fail_alloc(vmap, 0);
	tmap_free(smap);
	tmap_free(kmap);
	tmap_free(vmap);
}

TEST(failed_growth_never_fails_an_assign)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	u64 k;

	for (k = 0; k < 8; k++)
		ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	gomap_test_fail_alloc(map, 1);	/* the new array */
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	st = tstats(map);
	EXPECT_EQ(st.B, 0);
	EXPECT_EQ(st.failed_grows, 1);
	EXPECT_EQ(st.overflow_buckets, 1);
	EXPECT_EQ(gomap_test_check(map), 0);
	/* The next new key grows. */
	k++;
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	EXPECT_EQ(tstats(map).B, 1);
	EXPECT_EQ(gomap_len(map), 10);
	tmap_free(map);
}

TEST(atomic_growth_failure_is_deferred_to_the_worker)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	u64 k;

	for (k = 0; k < 8; k++)
		ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	shim_fail_nth(1);	/* kmalloc of the new array, in the allocator itself */
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	st = tstats(map);
	EXPECT_EQ(st.B, 0);
	EXPECT_EQ(st.deferred_grows, 1);
	EXPECT_EQ(shim_work_pending(), 1);
	/* The irq_work kick queues the worker, which prepares the array... */
	EXPECT_EQ(shim_run_work(), 2);
	EXPECT_EQ(tstats(map).B, 0);
	/* ...and the next assign that wants to grow installs it. */
	k++;
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	EXPECT_EQ(tstats(map).B, 1);
	EXPECT_EQ(tstats(map).grows, 1);
	tmap_free(map);
}

TEST(destroy_cancels_a_pending_grow_worker)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k;

	for (k = 0; k < 8; k++)
		ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	shim_fail_nth(1);
	ASSERT_EQ(gomap_assign(map, &k, NULL, GFP_ATOMIC), 0);
	EXPECT_EQ(shim_work_pending(), 1);
	tmap_free(map);
	EXPECT_EQ(shim_work_pending(), 0);
}

TEST(every_allocation_failing_still_allows_overwrite_delete_lookup)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	u64 k, v;

	/* One full bucket: a new key needs a new array or an overflow bucket. */
	for (k = 0; k < 8; k++)
		ASSERT_EQ(gomap_assign(map, &k, &k, GFP_KERNEL), 0);
	gomap_test_fail_alloc(map, UINT_MAX);
	k = 1000;
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), -ENOMEM);
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_ATOMIC), -ENOMEM);
	EXPECT_EQ(gomap_update(map, &k, update_add, &v, GFP_KERNEL), -ENOMEM);
	EXPECT_EQ(gomap_lookup(map, &k, NULL), -ENOENT);
	for (k = 0; k < 8; k++) {
		v = k + 1;
		EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	}
	for (k = 0; k < 4; k++)
		EXPECT_EQ(gomap_delete(map, &k), 0);
	/* A freed slot takes a new key without allocating. */
	k = 1000;
	v = 7;
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	for (k = 4; k < 8; k++) {
		EXPECT_EQ(gomap_lookup(map, &k, &v), 0);
		EXPECT_EQ(v, k + 1);
	}
	EXPECT_EQ(gomap_len(map), 5);
	EXPECT_GE(tstats(map).failed_grows, 1);
	EXPECT_EQ(gomap_test_check(map), 0);
	gomap_test_fail_alloc(map, 0);
	tmap_free(map);
}

/*
 * Every allocation of a workload, failed in turn by the allocator itself:
 * each call either succeeds or returns -ENOMEM, and the map stays exact.
 */
TEST(allocator_failure_sweep)
{
	static const unsigned int ks[] = { 8, GOMAP_KEY_STRING, 200 };
	unsigned int kind, nth;

	for (kind = 0; kind < ARRAY_SIZE(ks); kind++) {
		for (nth = 1; nth < 60; nth++) {
			struct gomap *map = tmap_new(ks[kind], 160, 0, 0);
			u8 key[200] = { 0 }, v[160], out[160];
			bool in[120] = { false };
			u64 i;
			int ret;

			shim_fail_nth(nth);
			for (i = 0; i < 120; i++) {
				gfp_t gfp = i % 2 ? GFP_ATOMIC : GFP_KERNEL;

				tkey(key, 8, i);
				memset(v, (int)i, sizeof(v));
				if (ks[kind] == GOMAP_KEY_STRING)
					ret = gomap_assign_str(map, (char *)key, 8 + i % 30, v, gfp);
				else
					ret = gomap_assign(map, key, v, gfp);
				if (ret && !EXPECT_EQ(ret, -ENOMEM))
					break;
				in[i] = !ret;
			}
			shim_fail_nth(0);
			EXPECT_EQ(gomap_test_check(map), 0);
			for (i = 0; i < 120; i++) {
				tkey(key, 8, i);
				if (ks[kind] == GOMAP_KEY_STRING)
					ret = gomap_lookup_str(map, (char *)key, 8 + i % 30, out);
				else
					ret = gomap_lookup(map, key, out);
				EXPECT_EQ(ret, in[i] ? 0 : -ENOENT);
				if (!ret)
					EXPECT_EQ(out[0], (u8)i);
			}
			tmap_free(map);
		}
	}
}

/* ---- Calling context ---- */

/*
 * In hardirq context nothing may allocate (the shim fails the test if the
 * core does, as PREEMPT_RT's rules say): the calls take from the reserve,
 * and the worker, run between the bursts of "interrupts", refills it and
 * allocates the arrays.
 */
TEST(whole_api_runs_in_hardirq_context_with_gfp_atomic)
{
	struct gomap_params p = { .key_size = GOMAP_KEY_STRING, .value_size = 8, .shards = 1 };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);
	struct gomap_iter it;
	u64 i, one = 1, seen = 0;
	char key[24];

	ASSERT_FALSE(IS_ERR(map));
	for (i = 0; i < 5000; i++) {
		if (i % 8 == 0)
			shim_irq_enter();
		tstr(key, 24, i);
		EXPECT_EQ(gomap_assign_str(map, key, 24, &i, GFP_ATOMIC), 0);
		EXPECT_EQ(gomap_update_str(map, key, 24, update_add, &one, GFP_NOWAIT), 0);
		one = 1;
		if (i % 7 == 0)
			EXPECT_EQ(gomap_delete_str(map, key, 24), 0);
		if (i % 8 == 7) {
			shim_irq_exit();
			shim_run_work();
		}
	}
	EXPECT_GE(tstats(map).B, 9);
	EXPECT_GE(tstats(map).deferred_grows, 1);
	shim_irq_enter();
	gomap_iter_start(&it, map);
	while (gomap_iter_next(&it, key, sizeof(key), NULL) >= 0)
		seen++;
	gomap_iter_stop(&it);
	EXPECT_EQ(seen, gomap_len(map));
	EXPECT_EQ(gomap_test_check(map), 0);
	gomap_clear(map);
	EXPECT_EQ(gomap_len(map), 0);
	shim_irq_exit();
	gomap_destroy(map);
}

/* Creating allocates: with a gfp that does not sleep, not in hardirq context. */
TEST(create_in_hardirq_context_is_ebusy)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8 };
	struct gomap *map;

	shim_irq_enter();
	map = gomap_create(&p, GFP_ATOMIC);
	shim_irq_exit();
	EXPECT_EQ(PTR_ERR_OR_ZERO(map), -EBUSY);
	if (!IS_ERR(map))
		gomap_destroy(map);
}

/* In hardirq context an assign fails with -ENOMEM only once the reserve is empty. */
TEST(hardirq_assign_fails_only_on_an_empty_reserve)
{
	struct gomap_params p = { .key_size = GOMAP_KEY_STRING, .value_size = 8 };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);
	unsigned long n = 0;
	char key[24];
	int ret = 0;

	ASSERT_FALSE(IS_ERR(map));
	shim_irq_enter();
	while (n < 1000) {
		tstr(key, 24, n);
		ret = gomap_assign_str(map, key, 24, &n, GFP_ATOMIC);
		if (ret)
			break;
		n++;
	}
	shim_irq_exit();
	EXPECT_EQ(ret, -ENOMEM);
	EXPECT_GE(n, 8);
	EXPECT_EQ(gomap_len(map), n);
	EXPECT_EQ(gomap_lookup_str(map, key, 24, NULL), -ENOENT);
	EXPECT_GE(tstats(map).reserve_empty, 1);
	EXPECT_EQ(gomap_test_check(map), 0);
	/* The worker refills; the key then goes in from hardirq context. */
	EXPECT_GE(shim_run_work(), 1);
	shim_irq_enter();
	EXPECT_EQ(gomap_assign_str(map, key, 24, &n, GFP_ATOMIC), 0);
	shim_irq_exit();
	EXPECT_EQ(gomap_lookup_str(map, key, 24, NULL), 0);
	gomap_destroy(map);
}

/* The map racing_hardirq_writer() robs, what it took, and how often it ran. */
static struct gomap *race_map;
static void *race_loot;
static unsigned int race_runs;
static bool race_also_deletes;	/* it also makes an operation of its own */

/*
 * A hardirq writer on another CPU that takes the map lock just before this
 * thread does and takes every out-of-line value object of the reserve, as
 * a burst of inserts would.
 */
static void racing_hardirq_writer(struct shim_spinlock *l)
{
	unsigned long flags;
	void *obj;

	if (l != (struct shim_spinlock *)&race_map->shards[0].lock)
		return;
	race_runs++;
	shim_irq_enter();
	raw_spin_lock_irqsave(&race_map->shards[0].lock, flags);
	while ((obj = gm_pool_take(&race_map->shards[0], GM_POOL_VALUE))) {
		*(void **)obj = race_loot;
		race_loot = obj;
	}
	raw_spin_unlock_irqrestore(&race_map->shards[0].lock, flags);
	if (race_also_deletes) {
		u64 missing = ~0ULL;

		EXPECT_EQ(gomap_delete(race_map, &missing), -ENOENT);
	}
	shim_irq_exit();
}

static void race_loot_free(void)
{
	while (race_loot) {
		void *next = *(void **)race_loot;

		kfree(race_loot);
		race_loot = next;
	}
}

/*
 * An assign that may sleep never fails for want of reserve objects: what
 * it allocates with the lock dropped goes on the lists under the same lock
 * hold as its next attempt, so hardirq writers that win the lock between
 * the two cannot take it first.
 */
TEST(blocking_assign_keeps_its_refill_from_racing_hardirq_writers)
{
	struct gomap *map = tmap_new(8, 200, 0, 0);	/* values out of line */
	u8 value[200] = { 0 };
	u64 key = 1;

	race_map = map;
	race_loot = NULL;
	race_runs = 0;
	shim_lock_hook = racing_hardirq_writer;
	EXPECT_EQ(gomap_assign(map, &key, value, GFP_KERNEL), 0);
	shim_lock_hook = NULL;
	EXPECT_GE(race_runs, 2);	/* before the assign, and before its retry */
	EXPECT_EQ(gomap_lookup(map, &key, NULL), 0);
	EXPECT_EQ(gomap_test_check(map), 0);
	race_loot_free();
	shim_run_work();
}

/*
 * An operation that drops the lock to allocate keeps what it may do: a
 * GFP_KERNEL assign whose growth allocated an array, while a hardirq
 * writer took the lock, made an operation of its own and took the
 * reserve's values, still refills the reserve for its own value.
 */
TEST(blocking_assign_keeps_its_context_across_a_pause)
{
	struct gomap *map = tmap_new(8, 200, 0, 0);	/* values out of line */
	u8 value[200] = { 0 };
	u64 key;

	for (key = 0; key < 8; key++)	/* one bucket, full: the next key grows the map */
		ASSERT_EQ(gomap_assign(map, &key, value, GFP_KERNEL), 0);
	race_map = map;
	race_loot = NULL;
	race_runs = 0;
	race_also_deletes = true;
	shim_lock_hook = racing_hardirq_writer;
	EXPECT_EQ(gomap_assign(map, &key, value, GFP_KERNEL), 0);
	shim_lock_hook = NULL;
	race_also_deletes = false;
	EXPECT_GE(race_runs, 2);
	EXPECT_EQ(tstats(map).grows, 1);
	EXPECT_EQ(gomap_lookup(map, &key, NULL), 0);
	EXPECT_EQ(gomap_test_check(map), 0);
	race_loot_free();
	shim_run_work();
}

/*
 * In NMI context (the shim's, which may interrupt this thread's own
 * writer): lookups never wait and give -EBUSY if they would; writers and
 * walks are refused; nothing hangs.
 */
TEST(nmi_callers_get_ebusy_and_never_wait)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	struct gomap_iter it;
	unsigned long flags;
	u64 k = 1, v = 7, out = 0;

	ASSERT_EQ(gomap_assign(map, &k, &v, GFP_KERNEL), 0);
	shim_nmi_enter();
	EXPECT_EQ(gomap_lookup(map, &k, &out), 0);
	EXPECT_EQ(out, 7);
	k = 2;
	EXPECT_EQ(gomap_lookup(map, &k, NULL), -ENOENT);
	EXPECT_EQ(gomap_assign(map, &k, &v, GFP_ATOMIC), -EBUSY);
	EXPECT_EQ(gomap_delete(map, &k), -EBUSY);
	gomap_stats(map, &st);
	EXPECT_EQ(st.count, 0);
	gomap_iter_start(&it, map);
	EXPECT_EQ(gomap_iter_next(&it, &k, sizeof(k), NULL), -EBUSY);
	gomap_iter_stop(&it);
	shim_nmi_exit();
	EXPECT_EQ(gomap_len(map), 1);

	/* The NMI came in while this CPU's writer held the lock, mid-section. */
	k = 1;
	raw_spin_lock_irqsave(&map->shards[0].lock, flags);
	write_seqcount_begin(&map->shards[0].seq);
	shim_nmi_enter();
	EXPECT_EQ(gomap_lookup(map, &k, &out), -EBUSY);
	shim_nmi_exit();
	write_seqcount_end(&map->shards[0].seq);
	raw_spin_unlock_irqrestore(&map->shards[0].lock, flags);
	EXPECT_EQ(gomap_lookup(map, &k, &out), 0);
	tmap_free(map);
}

/*
 * A preallocated map: every allocation fails from creation on, yet a
 * thousand entries go in, churn ten times over from hardirq context, and
 * the chains stay packed.
 */
TEST(prealloc_map_never_allocates)
{
	struct gomap_params p = { .key_size = 8, .value_size = 200, .max_entries = 1000,
				  .flags = GOMAP_F_PREALLOC };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);
	struct gomap_stats st0, st;
	u64 k, next = 1000, round;
	u8 v[200];

	ASSERT_FALSE(IS_ERR(map));
	gomap_test_fail_alloc(map, UINT_MAX);
	shim_fail_all(true);	/* the allocator itself fails too */
	st0 = tstats(map);
	for (k = 0; k < 1000; k++) {
		memset(v, (u8)k, sizeof(v));
		ASSERT_EQ(gomap_assign(map, &k, v, GFP_KERNEL), 0);
	}
	EXPECT_EQ(gomap_assign(map, &next, v, GFP_KERNEL), -ENOSPC);
	shim_irq_enter();
	for (round = 0; round < 10; round++) {
		for (k = next - 1000; k < next - 500; k++)
			ASSERT_EQ(gomap_delete(map, &k), 0);
		for (k = 0; k < 500; k++, next++)
			ASSERT_EQ(gomap_assign(map, &next, v, GFP_ATOMIC), 0);
	}
	shim_irq_exit();
	shim_fail_all(false);
	st = tstats(map);
	EXPECT_EQ(st.count, 1000);
	EXPECT_EQ(st.B, st0.B);
	EXPECT_EQ(st.reserve_refills, 0);
	EXPECT_EQ(st.bytes + st.reserve_bytes, st0.bytes + st0.reserve_bytes);
	EXPECT_LE(st.overflow_buckets, (st.count + 7) / 8);
	EXPECT_EQ(gomap_test_check(map), 0);
	gomap_clear(map);
	EXPECT_EQ(gomap_len(map), 0);
	EXPECT_EQ(tstats(map).bytes, st0.bytes);
	EXPECT_EQ(gomap_test_check(map), 0);
	gomap_destroy(map);
}

/* Arrays over KMALLOC_MAX_SIZE cannot be had atomically: the worker gets them. */
TEST(big_arrays_in_atomic_context_come_from_the_worker)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	struct gomap_stats st;
	u64 i, k;

	/*
	 * Softirq-like: atomic, but allowed to allocate.  On PREEMPT_RT a
	 * softirq runs in a thread, preemptible, as this caller is without.
	 */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_disable();
	for (i = 0; i < 60000; i++) {
		k = u64key(i);
		if (!EXPECT_EQ(gomap_assign(map, &k, &i, GFP_ATOMIC), 0))
			break;
	}
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_bh_enable();
	st = tstats(map);
	/* 2^14 buckets of 144 bytes are over GM_ATOMIC_MAX_ORDER's 2 MiB. */
	EXPECT_EQ(st.B, 13);
	EXPECT_GE(st.deferred_grows, 1);
	EXPECT_EQ(shim_run_work(), 2);
	k = u64key(i);
	ASSERT_EQ(gomap_assign(map, &k, &i, GFP_ATOMIC), 0);
	EXPECT_EQ(tstats(map).B, 14);
	EXPECT_EQ(gomap_test_check(map), 0);
	tmap_free(map);
}

TEST(shim_reports_sleeping_in_atomic_context)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	unsigned long bugs = shim_nr_bugs;
	u64 k = 1;

	/* The harness must catch a GFP_KERNEL call from an interrupt. */
	shim_bug_aborts = false;
	shim_irq_enter();
	gomap_assign(map, &k, NULL, GFP_KERNEL);
	shim_irq_exit();
	shim_bug_aborts = true;
	EXPECT_GT(shim_nr_bugs, bugs);
	tmap_free(map);
}

/* ---- Threads: the lock, RCU frees and the worker under real concurrency ---- */

struct thr {
	struct gomap *map;
	int id;
	u64 seed;
	u8 *present;
	u64 *value;
	int errors;
};

#define THR_KEYS 4096

static u64 thr_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *writer(void *arg)
{
	struct thr *t = arg;
	u64 s = t->seed | 1, i;

	for (i = 0; i < 60000; i++) {
		u64 r = thr_rand(&s), idx = r % THR_KEYS, k = ((u64)t->id << 32) | idx, v;
		gfp_t gfp = r & (1 << 20) ? GFP_KERNEL : GFP_ATOMIC;

		switch ((r >> 24) % 4) {
		case 0:
		case 1:
			v = r;
			if (gomap_assign(t->map, &k, &v, gfp) == 0) {
				t->present[idx] = 1;
				t->value[idx] = v;
			} else {
				t->errors++;
			}
			break;
		case 2:
			if (gomap_delete(t->map, &k) != (t->present[idx] ? 0 : -ENOENT))
				t->errors++;
			t->present[idx] = 0;
			break;
		default:
			if (gomap_lookup(t->map, &k, &v) != (t->present[idx] ? 0 : -ENOENT) ||
			    (t->present[idx] && v != t->value[idx]))
				t->errors++;
		}
	}
	return NULL;
}

/* String keys: readers dereference out-of-line blobs that writers free by RCU. */
static size_t thr_str(char *buf, int id, u64 idx)
{
	return snprintf(buf, 64, "thread-%d/key-%llu/%.*s", id, (unsigned long long)idx,
			(int)(idx % 24), "padding-padding-padding-");
}

static void *writer_str(void *arg)
{
	struct thr *t = arg;
	u64 s = t->seed | 1, i;
	char key[64];

	for (i = 0; i < 40000; i++) {
		u64 r = thr_rand(&s), idx = r % 1024, v;
		size_t len = thr_str(key, t->id, idx);
		gfp_t gfp = r & (1 << 20) ? GFP_KERNEL : GFP_ATOMIC;

		switch ((r >> 24) % 4) {
		case 0:
			v = r;
			if (gomap_assign_str(t->map, key, len, &v, gfp) == 0) {
				t->present[idx] = 1;
				t->value[idx] = v;
			} else {
				t->errors++;
			}
			break;
		case 1:
			if (gomap_delete_str(t->map, key, len) != (t->present[idx] ? 0 : -ENOENT))
				t->errors++;
			t->present[idx] = 0;
			break;
		default:
			if (gomap_lookup_str(t->map, key, len, &v) !=
			    (t->present[idx] ? 0 : -ENOENT) ||
			    (t->present[idx] && v != t->value[idx]))
				t->errors++;
		}
	}
	return NULL;
}

/* Lookups of other threads' keys: nothing to check but memory safety. */
static void *reader_str(void *arg)
{
	struct thr *t = arg;
	u64 s = t->seed | 1, v;
	char key[64];

	while (!READ_ONCE(t->errors)) {
		u64 r = thr_rand(&s);
		size_t len = thr_str(key, (int)(r % 3), (r >> 8) % 1024);

		gomap_lookup_str(t->map, key, len, &v);
	}
	return NULL;
}

static volatile bool walkers_stop;

static void *walker(void *arg)
{
	struct thr *t = arg;
	struct gomap_iter it;
	u64 k, v;

	while (!walkers_stop) {
		gomap_iter_start(&it, t->map);
		while (gomap_iter_next(&it, &k, 8, &v) >= 0)
			if ((k >> 32) > 3 || (k & 0xffffffff) >= THR_KEYS)
				t->errors++;
		gomap_iter_stop(&it);
		if (t->id & 1)
			gomap_clear(t->map);	/* the clearing walker races everyone */
	}
	return NULL;
}

TEST(threads_writers_walkers_and_worker)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	pthread_t tw[4], tk[2];
	struct thr w[4], k[2];
	int i;

	shim_wq_set_mode(SHIM_WQ_THREAD);
	walkers_stop = false;
	for (i = 0; i < 4; i++) {
		w[i] = (struct thr){ map, i, harness_seed + i, calloc(THR_KEYS, 1),
				     calloc(THR_KEYS, 8), 0 };
		pthread_create(&tw[i], NULL, writer, &w[i]);
	}
	/* One plain walker only: the other one clears, which breaks exact checks. */
	k[0] = (struct thr){ map, 0, 0, NULL, NULL, 0 };
	pthread_create(&tk[0], NULL, walker, &k[0]);
	for (i = 0; i < 4; i++)
		pthread_join(tw[i], NULL);
	walkers_stop = true;
	pthread_join(tk[0], NULL);
	shim_wq_set_mode(SHIM_WQ_MANUAL);
	EXPECT_EQ(gomap_test_check(map), 0);
	for (i = 0; i < 4; i++) {
		u64 idx, v;

		EXPECT_EQ(w[i].errors, 0);
		for (idx = 0; idx < THR_KEYS; idx++) {
			u64 key = ((u64)i << 32) | idx;
			int ret = gomap_lookup(map, &key, &v);

			EXPECT_EQ(ret, w[i].present[idx] ? 0 : -ENOENT);
			if (!ret)
				EXPECT_EQ(v, w[i].value[idx]);
		}
		free(w[i].present);
		free(w[i].value);
	}
	EXPECT_EQ(k[0].errors, 0);
	tmap_free(map);
}

TEST(threads_with_a_clearing_walker)
{
	struct gomap *map = tmap_new(8, 8, 0, 0);
	pthread_t tw[2], tk[2];
	struct thr w[2], k[2];
	int i;

	shim_wq_set_mode(SHIM_WQ_THREAD);
	walkers_stop = false;
	for (i = 0; i < 2; i++) {
		/* present[] cannot be trusted with clears: only crashes and checks count. */
		w[i] = (struct thr){ map, i, harness_seed + 7 * i, calloc(THR_KEYS, 1),
				     calloc(THR_KEYS, 8), 0 };
		pthread_create(&tw[i], NULL, writer, &w[i]);
		k[i] = (struct thr){ map, i, 0, NULL, NULL, 0 };
		pthread_create(&tk[i], NULL, walker, &k[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(tw[i], NULL);
	walkers_stop = true;
	for (i = 0; i < 2; i++) {
		pthread_join(tk[i], NULL);
		EXPECT_EQ(k[i].errors, 0);
		free(w[i].present);
		free(w[i].value);
	}
	shim_wq_set_mode(SHIM_WQ_MANUAL);
	EXPECT_EQ(gomap_test_check(map), 0);
	tmap_free(map);
}

TEST(threads_lockless_string_lookups_race_writers)
{
	struct gomap *map = tmap_new(GOMAP_KEY_STRING, 8, 0, 0);
	pthread_t tw[3], tr;
	struct thr w[3], rd;
	int i;

	shim_wq_set_mode(SHIM_WQ_THREAD);
	rd = (struct thr){ map, 9, harness_seed + 99, NULL, NULL, 0 };
	pthread_create(&tr, NULL, reader_str, &rd);
	for (i = 0; i < 3; i++) {
		w[i] = (struct thr){ map, i, harness_seed + 3 * i, calloc(1024, 1),
				     calloc(1024, 8), 0 };
		pthread_create(&tw[i], NULL, writer_str, &w[i]);
	}
	for (i = 0; i < 3; i++)
		pthread_join(tw[i], NULL);
	WRITE_ONCE(rd.errors, 1);	/* stop the reader */
	pthread_join(tr, NULL);
	shim_wq_set_mode(SHIM_WQ_MANUAL);
	EXPECT_EQ(gomap_test_check(map), 0);
	for (i = 0; i < 3; i++) {
		char key[64];
		u64 idx, v;

		EXPECT_EQ(w[i].errors, 0);
		for (idx = 0; idx < 1024; idx++) {
			size_t len = thr_str(key, i, idx);
			int ret = gomap_lookup_str(map, key, len, &v);

			EXPECT_EQ(ret, w[i].present[idx] ? 0 : -ENOENT);
			if (!ret)
				EXPECT_EQ(v, w[i].value[idx]);
		}
		free(w[i].present);
		free(w[i].value);
	}
	tmap_free(map);
}

/*
 * Whole values under lockless lookups: one writer overwrites the values of
 * STABLE_KEYS keys that are never deleted (a word-sized value in place, a
 * larger one in a write section) and inserts and deletes CHURN_KEYS others,
 * so the map grows and shrinks meanwhile.  A value names its key and its
 * generation in every 32-bit word, so a lookup that saw half an old and half
 * a new value, another key's value or an unwritten slot would notice; and a
 * stable key must always be found.
 */
#define STABLE_KEYS	4
#define CHURN_KEYS	4096
#define WHOLE_WORDS	32	/* a 128-byte value: the largest kept inline */

struct whole_ctx {
	struct gomap *map;
	unsigned int words;
	int stop;
	unsigned long bad, missed, hits;
};

static void whole_fill(u32 *v, unsigned int words, u64 key, u32 gen)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		v[i] = i & 1 ? (u32)key ^ gen ^ 0x9e3779b9 : gen;
}

static bool whole_ok(const u32 *v, unsigned int words, u64 key)
{
	u32 want[WHOLE_WORDS];

	whole_fill(want, words, key, v[0]);
	return !memcmp(v, want, words * 4);
}

static void *whole_reader(void *arg)
{
	struct whole_ctx *c = arg;
	u64 s = harness_seed | 1;
	u32 v[WHOLE_WORDS];

	while (!READ_ONCE(c->stop)) {
		u64 r = thr_rand(&s);
		u64 k = r & 1 ? (r >> 1) % STABLE_KEYS : STABLE_KEYS + (r >> 1) % CHURN_KEYS;

		if (gomap_lookup(c->map, &k, v)) {
			c->missed += k < STABLE_KEYS;
			continue;
		}
		c->hits++;
		/* A 4-byte value has no room to name its key. */
		if (c->words > 1 && !whole_ok(v, c->words, k))
			c->bad++;
	}
	return NULL;
}

static void whole_values_race(unsigned int value_size)
{
	struct whole_ctx c = { .map = tmap_new(8, value_size, 0, 0), .words = value_size / 4 };
	u64 s = harness_seed | 3, k;
	u32 v[WHOLE_WORDS];
	pthread_t tr;
	u32 gen;

	for (k = 0; k < STABLE_KEYS; k++) {
		whole_fill(v, c.words, k, 0);
		EXPECT_EQ(gomap_assign(c.map, &k, v, GFP_KERNEL), 0);
	}
	pthread_create(&tr, NULL, whole_reader, &c);
	for (gen = 1; gen < 100000; gen++) {
		u64 r = thr_rand(&s);

		k = r % STABLE_KEYS;
		whole_fill(v, c.words, k, gen);
		EXPECT_EQ(gomap_assign(c.map, &k, v, GFP_ATOMIC), 0);
		if (gen % 4)
			continue;	/* mostly overwrites: the race to catch */
		k = STABLE_KEYS + (r >> 16) % CHURN_KEYS;
		whole_fill(v, c.words, k, gen);
		if (r & (1 << 8))
			gomap_assign(c.map, &k, v, GFP_ATOMIC);
		else
			gomap_delete(c.map, &k);
	}
	WRITE_ONCE(c.stop, 1);
	pthread_join(tr, NULL);
	EXPECT_EQ(c.bad, 0);
	EXPECT_EQ(c.missed, 0);
	EXPECT_GT(c.hits, 0);
	EXPECT_EQ(gomap_test_check(c.map), 0);
	tmap_free(c.map);
}

TEST(threads_lockless_lookups_see_whole_values)
{
	whole_values_race(4);	/* stored in place */
	whole_values_race(8);	/* stored in place on 64-bit */
	whole_values_race(WHOLE_WORDS * 4);	/* stored in a write section */
}

/*
 * Exactly-once under racing writers: walks (mostly lockless steps) must
 * return each of STABLE_WALK_KEYS keys, present for the whole run, exactly
 * once, while a writer inserts and deletes other keys and so grows,
 * evacuates and shrinks the map under them.  With string keys the lengths
 * vary, so a step that paired one key's bytes with another's length would
 * return a key that is not in the map.
 */
#define STABLE_WALK_KEYS 512

struct walk_ctx {
	struct gomap *map;
	bool str;
	int stop;
	unsigned long walks, bad;
};

/* The key of index @idx: u64, or a string of 8 to 40 bytes naming @idx. */
static size_t walk_key(const struct walk_ctx *c, char *buf, u64 idx)
{
	size_t len = c->str ? 8 + idx % 33 : sizeof(idx);

	if (c->str)
		tstr(buf, len, idx);
	else
		memcpy(buf, &idx, sizeof(idx));
	return len;
}

/* The index a walk returned, or ~0 if no key of that index is these bytes. */
static u64 walk_idx(const struct walk_ctx *c, const char *key, int len)
{
	char want[64];
	u64 idx;

	if (len < (int)sizeof(idx))
		return ~0ULL;
	memcpy(&idx, key, sizeof(idx));
	if (walk_key(c, want, idx) != (size_t)len || memcmp(want, key, len))
		return ~0ULL;
	return idx;
}

static int walk_put(struct walk_ctx *c, u64 idx, gfp_t gfp)
{
	u64 v = idx * 3;
	char key[64];
	size_t len = walk_key(c, key, idx);

	if (c->str)
		return gomap_assign_str(c->map, key, len, &v, gfp);
	return gomap_assign(c->map, key, &v, gfp);
}

static void walk_del(struct walk_ctx *c, u64 idx)
{
	char key[64];
	size_t len = walk_key(c, key, idx);

	if (c->str)
		gomap_delete_str(c->map, key, len);
	else
		gomap_delete(c->map, key);
}

static void *stable_walker(void *arg)
{
	struct walk_ctx *c = arg;
	u8 *seen = calloc(STABLE_WALK_KEYS, 1);
	struct gomap_iter it;
	char key[64];
	u64 idx, v;
	int i, len;

	while (!READ_ONCE(c->stop)) {
		memset(seen, 0, STABLE_WALK_KEYS);
		gomap_iter_start(&it, c->map);
		while ((len = gomap_iter_next(&it, key, sizeof(key), &v)) >= 0) {
			idx = walk_idx(c, key, len);
			if (idx == ~0ULL || v != idx * 3)
				c->bad++;
			else if (idx < STABLE_WALK_KEYS && seen[idx]++)
				c->bad++;
		}
		gomap_iter_stop(&it);
		for (i = 0; i < STABLE_WALK_KEYS; i++)
			if (seen[i] != 1)
				c->bad++;
		c->walks++;
	}
	free(seen);
	return NULL;
}

static void stable_walks(bool str)
{
	struct walk_ctx c = { .str = str };
	u64 s = harness_seed | 5, idx;
	pthread_t tw;
	int i;

	c.map = tmap_new(str ? GOMAP_KEY_STRING : 8, 8, 0, 0);
	for (idx = 0; idx < STABLE_WALK_KEYS; idx++)
		EXPECT_EQ(walk_put(&c, idx, GFP_KERNEL), 0);
	pthread_create(&tw, NULL, stable_walker, &c);
	for (i = 0; i < 200000 || !READ_ONCE(c.walks); i++) {
		u64 r = thr_rand(&s);

		idx = STABLE_WALK_KEYS + (r >> 8) % 20000;
		if (r & 3)
			walk_put(&c, idx, GFP_ATOMIC);
		else
			walk_del(&c, idx);
	}
	WRITE_ONCE(c.stop, 1);
	pthread_join(tw, NULL);
	EXPECT_EQ(c.bad, 0);
	EXPECT_GT(c.walks, 0);
	EXPECT_EQ(gomap_test_check(c.map), 0);
	tmap_free(c.map);
}

TEST(threads_walks_see_stable_keys_exactly_once)
{
	stable_walks(false);
	stable_walks(true);
}
