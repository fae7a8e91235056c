// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap: single operations: create, assign, lookup, update,
 * delete, clear.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

/* Kinds with a u64 value, for counters. */
static const struct gm_kind gm_counter_kinds[] = {
	{ "u32 v8", 4, 8 },
	{ "u64 v8", 8, 8 },
	{ "str v8", GOMAP_KEY_STRING, 8 },
	{ "mem12 v8", 12, 8 },
	{ "mem200 v8", 200, 8 },
};

KUNIT_ARRAY_PARAM(gm_counter_kind, gm_counter_kinds, gm_kind_desc);

/* Go's tophash(): the top byte of the hash, moved above the slot states. */
static int gm_top(u64 hash)
{
	u8 top = hash >> 56;

	return top < GM_MIN_TOPHASH ? top + GM_MIN_TOPHASH : top;
}

static u64 gm_hash_id(struct gomap *map, u32 id)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);

	return gomap_test_hash(map, key, len);
}

static void gomap_test_create_small_no_array(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st = gm_stats(map);

	/* makemap_small: no entries, B 0, and no bucket array allocated yet. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, st.count, 0UL);
	KUNIT_EXPECT_EQ(test, st.B, 0U);
	KUNIT_EXPECT_EQ(test, st.bytes, (size_t)0);
}

static void gomap_test_assign_first_bucket(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;

	KUNIT_EXPECT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), 0);

	/* The first assign allocated the single bucket of a B == 0 map. */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, st.count, 1UL);
	KUNIT_EXPECT_EQ(test, st.B, 0U);
	KUNIT_EXPECT_GT(test, st.bytes, (size_t)0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 0), 0);
}

static void gomap_test_create_null_params(struct kunit *test)
{
	struct gomap *map = gomap_create(NULL, GFP_KERNEL);

	/* No params, no map. */
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EINVAL);
	if (!IS_ERR_OR_NULL(map))
		gomap_destroy(map);
}

struct gm_bad_params {
	const char *name;
	unsigned int key_size;
	unsigned int value_size;
};

static const struct gm_bad_params gm_bad_params[] = {
	{ "key 4097", GOMAP_MAX_KEY_SIZE + 1, 8 },
	{ "key UINT_MAX", UINT_MAX, 8 },
	{ "value 65537", 8, GOMAP_MAX_VALUE_SIZE + 1 },
	{ "string key value 65537", GOMAP_KEY_STRING, GOMAP_MAX_VALUE_SIZE + 1 },
};

static void gm_bad_params_desc(const struct gm_bad_params *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_bad_params, gm_bad_params, gm_bad_params_desc);

static void gomap_test_create_bad_sizes(struct kunit *test)
{
	const struct gm_bad_params *b = test->param_value;
	struct gomap_params p = { .key_size = b->key_size, .value_size = b->value_size };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);

	/* A key or value over its documented maximum is refused with -EINVAL. */
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EINVAL);
	if (!IS_ERR_OR_NULL(map))
		gomap_destroy(map);
}

static void gomap_test_assign_max_sizes(struct kunit *test)
{
	struct gomap_params p = {
		.key_size = GOMAP_MAX_KEY_SIZE,
		.value_size = GOMAP_MAX_VALUE_SIZE,
	};
	struct gomap *map = gm_create_params(test, &p);
	u8 *key = kunit_kmalloc(test, GOMAP_MAX_KEY_SIZE, GFP_KERNEL);
	u8 *val = kunit_kmalloc(test, GOMAP_MAX_VALUE_SIZE, GFP_KERNEL);
	u8 *out = kunit_kzalloc(test, GOMAP_MAX_VALUE_SIZE, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, key);
	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_NOT_NULL(test, out);
	memset(key, 0x3c, GOMAP_MAX_KEY_SIZE);
	for (i = 0; i < GOMAP_MAX_VALUE_SIZE; i++)
		val[i] = i * 7 + i / 256;
	KUNIT_EXPECT_EQ(test, gomap_assign(map, key, val, GFP_KERNEL), 0);

	/*
	 * The largest key and value round-trip byte for byte; a key differing in its last byte does
	 * not match.
	 */
	KUNIT_EXPECT_EQ(test, gomap_lookup(map, key, out), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out, val, GOMAP_MAX_VALUE_SIZE), 0);
	key[GOMAP_MAX_KEY_SIZE - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, gomap_lookup(map, key, NULL), -ENOENT);
}

static void gomap_test_params_shape(struct kunit *test)
{
	struct gomap_params p = {
		.key_size = 12,
		.value_size = 200,
		.hint = 20,
		.max_entries = 50,
	};
	struct gomap *map = gm_create_params(test, &p);
	const struct gomap_params *got;

	p.key_size = 99;	/* the map must have kept its own copy */
	got = gomap_params(map);

	/*
	 * The shape given at creation: 12-byte keys, 200-byte values, hint 20, at most 50 entries.
	 */
	KUNIT_EXPECT_EQ(test, got->key_size, 12U);
	KUNIT_EXPECT_EQ(test, got->value_size, 200U);
	KUNIT_EXPECT_EQ(test, got->hint, 20U);
	KUNIT_EXPECT_EQ(test, got->max_entries, 50U);
}

struct gm_hint {
	unsigned int hint;
	unsigned int B;
};

/* Go's makemap: the smallest B with !(hint > 8 && hint > 13 * (2^B / 2)). */
static const struct gm_hint gm_hints[] = {
	{ 0, 0 }, { 8, 0 }, { 9, 1 }, { 13, 1 }, { 14, 2 }, { 26, 2 }, { 27, 3 },
	{ 52, 3 }, { 53, 4 }, { 1000, 8 },
};

static void gm_hint_desc(const struct gm_hint *h, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "hint %u", h->hint);
}

KUNIT_ARRAY_PARAM(gm_hint, gm_hints, gm_hint_desc);

static void gomap_test_create_hint(struct kunit *test)
{
	const struct gm_hint *h = test->param_value;
	struct gomap *map = gm_create(test, 8, 8, h->hint);
	struct gomap_stats st = gm_stats(map);

	/* B is the smallest with hint <= 6.5 * 2^B (B 0 up to 8); only B > 0 allocates at once. */
	KUNIT_EXPECT_EQ(test, st.B, h->B);
	KUNIT_EXPECT_EQ(test, st.bytes > 0, h->B > 0);
	KUNIT_EXPECT_EQ(test, st.count, 0UL);
}

static void gomap_test_assign_hint_no_grow(struct kunit *test)
{
	const struct gm_hint *h = test->param_value;
	struct gomap *map = gm_create(test, 8, 8, h->hint);
	struct gomap_stats st;
	int ret = 0;
	u32 id;

	for (id = 0; id < h->hint; id++)
		ret |= gm_put(map, id, 0, GFP_KERNEL);

	/* A map sized by its hint takes that many keys without growing. */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, st.B, h->B);
	KUNIT_EXPECT_EQ(test, st.grows, 0UL);
	KUNIT_EXPECT_EQ(test, st.count, (unsigned long)h->hint);
}

static void gomap_test_lookup_empty(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);

	/* Nothing is found in a map that never held anything. */
	KUNIT_EXPECT_EQ(test, gm_get(map, 0, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_get(map, 1, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
}

static void gomap_test_delete_empty(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);

	/* Deleting from an empty map reports the key absent and changes nothing. */
	KUNIT_EXPECT_EQ(test, gm_del(map, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_new_key(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);

	KUNIT_EXPECT_EQ(test, gm_put(map, 7, 1, GFP_KERNEL), 0);

	/* One entry: key 7 with version 1 of its value; key 8 is absent. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 7, 1), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, 8, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_overwrite(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);

	KUNIT_ASSERT_EQ(test, gm_put(map, 7, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, 7, 2, GFP_KERNEL), 0);

	/* Still one entry, now holding version 2. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 7, 2), 0);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_present(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);

	KUNIT_ASSERT_EQ(test, gm_put(map, 7, 1, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_put(map, 8, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_del(map, 7), 0);

	/* Only key 8 is left; deleting 7 again finds nothing. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 7, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_get(map, 8, 1), 0);
	KUNIT_EXPECT_EQ(test, gm_del(map, 7), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_lookup_null_value(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	const struct gomap_params *p = gomap_params(map);
	u8 key[GM_BUF];
	size_t len;

	KUNIT_ASSERT_EQ(test, gm_put(map, 3, 0, GFP_KERNEL), 0);

	/* A NULL value buffer only asks whether the key is there. */
	len = gm_key(p, 3, key);
	KUNIT_EXPECT_EQ(test, gm_lookup_key(map, key, len, NULL), 0);
	len = gm_key(p, 4, key);
	KUNIT_EXPECT_EQ(test, gm_lookup_key(map, key, len, NULL), -ENOENT);
}

static void gomap_test_assign_null_value(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	const struct gomap_params *p = gomap_params(map);
	u8 key[GM_BUF], val[GM_BUF];
	size_t len = gm_key(p, 3, key);

	memset(val, 0xa5, sizeof(val));
	KUNIT_EXPECT_EQ(test, gm_assign_key(map, key, len, NULL, GFP_KERNEL), 0);

	/* A NULL value stores zeroes. */
	KUNIT_EXPECT_EQ(test, gm_lookup_key(map, key, len, val), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(val, 0, p->value_size));
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
}

static void gomap_test_assign_copies_key(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	const struct gomap_params *p = gomap_params(map);
	u8 key[GM_BUF], val[GM_BUF];
	size_t len = gm_key(p, 5, key);

	gm_value(p, 5, 3, val);
	KUNIT_ASSERT_EQ(test, gm_assign_key(map, key, len, val, GFP_KERNEL), 0);
	memset(key, 0xee, sizeof(key));
	memset(val, 0xee, sizeof(val));

	/* The map keeps its own copies: scribbling over the caller's buffers changes nothing. */
	KUNIT_EXPECT_EQ(test, gm_get(map, 5, 3), 0);
	KUNIT_EXPECT_EQ(test, gm_lookup_key(map, key, len, NULL), -ENOENT);
}

static void gomap_test_update_new_key(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_upd u = { .value_size = 8, .zero_on_insert = true };

	KUNIT_EXPECT_EQ(test, gm_update_id(map, 3, gm_update_inc, &u, GFP_KERNEL), 0);

	/* m[k]++ of a missing key: inserted zero-filled, callback told found == false, now 1. */
	KUNIT_EXPECT_EQ(test, u.calls, 1U);
	KUNIT_EXPECT_FALSE(test, u.first_found);
	KUNIT_EXPECT_TRUE(test, u.zero_on_insert);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gm_get_u64(map, 3), 1ULL);
}

static void gomap_test_update_counter(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 0);
	struct gm_upd u = { .value_size = 8, .zero_on_insert = true };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < 1000; i++)
		ret |= gm_update_id(map, 42, gm_update_inc, &u, GFP_KERNEL);

	/* m[k]++ 1000 times gives 1000; only the first call found the key missing. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, gm_get_u64(map, 42), 1000ULL);
	KUNIT_EXPECT_EQ(test, u.calls, 1000U);
	KUNIT_EXPECT_EQ(test, u.not_found, 1U);
	KUNIT_EXPECT_FALSE(test, u.first_found);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
}

static void gomap_test_assign_fixed_call_on_str_map(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	struct gm_upd u = { .value_size = 8 };
	u64 key = 1, val = 2;

	/* Every fixed-key call is refused on a string map, which stays empty. */
	KUNIT_EXPECT_EQ(test, gomap_assign(map, &key, &val, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_lookup(map, &key, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_delete(map, &key), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_update(map, &key, gm_update_inc, &u, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, u.calls, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
}

static void gomap_test_assign_str_call_on_fixed_map(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_upd u = { .value_size = 8 };
	u64 val = 2;

	/* Every string call is refused on a fixed-key map, which stays empty. */
	KUNIT_EXPECT_EQ(test, gomap_assign_str(map, "abcdefgh", 8, &val, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, "abcdefgh", 8, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_delete_str(map, "abcdefgh", 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_update_str(map, "abcdefgh", 8, gm_update_inc, &u, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, u.calls, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
}

static void gomap_test_update_null_fn(struct kunit *test)
{
	struct gomap *map = test->priv;
	u64 key = 5;

	/* Without a callback there is nothing to run: refused, and no key is added. */
	KUNIT_EXPECT_EQ(test, gomap_update(map, &key, NULL, NULL, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gomap_lookup(map, &key, NULL), -ENOENT);
}

static void gomap_test_assign_str_too_long(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	char *key = kunit_kmalloc(test, GOMAP_MAX_STR_LEN + 1, GFP_KERNEL);
	u64 val = 77, out = 0;

	KUNIT_ASSERT_NOT_NULL(test, key);
	memset(key, 'x', GOMAP_MAX_STR_LEN + 1);

	/* One byte over the limit is refused; exactly the limit is an ordinary key. */
	KUNIT_EXPECT_EQ(test, gomap_assign_str(map, key, GOMAP_MAX_STR_LEN + 1, &val, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gomap_assign_str(map, key, GOMAP_MAX_STR_LEN, &val, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, GOMAP_MAX_STR_LEN, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 77ULL);
}

/* A u64 map limited to four entries, holding ids 0-3 with version 1. */
static struct gomap *gm_full_map(struct kunit *test)
{
	struct gomap_params p = { .key_size = 8, .value_size = 8, .max_entries = 4 };
	struct gomap *map = gm_create_params(test, &p);
	u32 id;

	for (id = 0; id < 4; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 1, GFP_KERNEL), 0);
	return map;
}

static void gomap_test_assign_max_entries(struct kunit *test)
{
	struct gomap *map = gm_full_map(test);

	KUNIT_EXPECT_EQ(test, gm_put(map, 4, 1, GFP_KERNEL), -ENOSPC);

	/* The fifth key does not fit; the map still holds exactly ids 0-3. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 4UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 4, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, 4, 1), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_assign_max_entries_overwrite(struct kunit *test)
{
	struct gomap *map = gm_full_map(test);

	KUNIT_EXPECT_EQ(test, gm_put(map, 2, 9, GFP_KERNEL), 0);

	/* Overwriting needs no new entry, so a full map takes it. */
	KUNIT_EXPECT_EQ(test, gm_get(map, 2, 9), 0);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 4UL);
}

static void gomap_test_assign_max_entries_after_delete(struct kunit *test)
{
	struct gomap *map = gm_full_map(test);

	KUNIT_ASSERT_EQ(test, gm_del(map, 0), 0);

	/* The delete made room for exactly one new key. */
	KUNIT_EXPECT_EQ(test, gm_put(map, 4, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, 5, 1, GFP_KERNEL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 4UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 4, 1), 0);
}

static void gomap_test_update_max_entries(struct kunit *test)
{
	struct gomap *map = gm_full_map(test);
	struct gm_upd u = { .value_size = 8 };

	/* A new key is refused before the callback runs; an existing key is updated. */
	KUNIT_EXPECT_EQ(test, gm_update_id(map, 4, gm_update_inc, &u, GFP_KERNEL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, u.calls, 0U);
	KUNIT_EXPECT_EQ(test, gm_update_id(map, 1, gm_update_inc, &u, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, u.calls, 1U);
	KUNIT_EXPECT_TRUE(test, u.first_found);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 4UL);
}

static void gomap_test_clear_populated(struct kunit *test)
{
	struct gomap *map = test->priv;
	u32 id;

	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_clear(map);

	/* Nothing is left, and the length, the stats and every lookup agree. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 0UL);
	KUNIT_EXPECT_EQ(test, gm_stats(map).count, 0UL);
	KUNIT_EXPECT_EQ(test, gm_present(map, 0, 100), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_clear_reuse(struct kunit *test)
{
	struct gomap *map = test->priv;
	int ret = 0;
	u32 id;

	for (id = 0; id < 100; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	gomap_clear(map);
	for (id = 50; id < 150; id++)
		ret |= gm_put(map, id, 1, GFP_KERNEL);

	/* The cleared map takes new entries as a fresh one would; the old ones stay gone. */
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 100UL);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 50, 150, 1), 0U);
	KUNIT_EXPECT_EQ(test, gm_present(map, 0, 50), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_stats_counters(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gomap_stats st;

	KUNIT_ASSERT_EQ(test, gm_put(map, 1, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_put(map, 2, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_put(map, 1, 1, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_get(map, 1, 1), 0);
	KUNIT_ASSERT_EQ(test, gm_get(map, 2, 0), 0);
	KUNIT_ASSERT_EQ(test, gm_get(map, 3, 0), -ENOENT);
	KUNIT_ASSERT_EQ(test, gm_del(map, 2), 0);

	/* Three assigns, three lookups (two hits, one miss), one delete, one entry left. */
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, st.assigns, 3ULL);
	KUNIT_EXPECT_EQ(test, st.lookups, 3ULL);
	KUNIT_EXPECT_EQ(test, st.hits, 2ULL);
	KUNIT_EXPECT_EQ(test, st.misses, 1ULL);
	KUNIT_EXPECT_EQ(test, st.deletes, 1ULL);
	KUNIT_EXPECT_EQ(test, st.count, 1UL);
}

/* String keys in a B == 0 map: Go's mapaccess1_faststr scans without hashing. */

static void gomap_test_lookup_str_short_keys(struct kunit *test)
{
	static const char * const keys[] = {
		"a", "b", "ab", "ba", "abc", "abd", "abcdefgh", "abcdefgi",
	};
	static const char * const absent[] = { "c", "aa", "abe", "abcdefgj", "abcdefghi" };
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	unsigned int i, wrong = 0;
	int ret = 0;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = i + 1;
		ret |= gomap_assign_str(map, keys[i], strlen(keys[i]), &v, GFP_KERNEL);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 0U);

	/*
	 * Eight short keys in the one bucket each find their own value; near misses find nothing.
	 */
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (gomap_lookup_str(map, keys[i], strlen(keys[i]), &v) || v != i + 1)
			wrong++;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	for (i = 0; i < ARRAY_SIZE(absent); i++)
		KUNIT_EXPECT_EQ_MSG(test, gomap_lookup_str(map, absent[i], strlen(absent[i]), NULL),
				    -ENOENT, "key \"%s\"", absent[i]);
}

static void gomap_test_lookup_str_embedded_nul(struct kunit *test)
{
	static const struct {
		const char *s;
		size_t len;
	} keys[] = { { "a\0b", 3 }, { "a\0c", 3 }, { "a", 1 }, { "a\0", 2 }, { "\0", 1 } };
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	unsigned int i, wrong = 0;
	int ret = 0;
	u64 v;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = i + 1;
		ret |= gomap_assign_str(map, keys[i].s, keys[i].len, &v, GFP_KERNEL);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* Byte strings are compared by length and bytes, NULs included: five distinct keys. */
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (gomap_lookup_str(map, keys[i].s, keys[i].len, &v) || v != i + 1)
			wrong++;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 5UL);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, "a\0d", 3, NULL), -ENOENT);
}

static void gomap_test_assign_str_empty(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	u64 v = 11, w = 22, out = 0;

	KUNIT_ASSERT_EQ(test, gomap_assign_str(map, "a", 1, &w, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gomap_assign_str(map, "", 0, &v, GFP_KERNEL), 0);

	/* The empty string is a key of its own beside "a"; deleting it leaves "a" alone. */
	KUNIT_EXPECT_EQ(test, gomap_len(map), 2UL);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, "", 0, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 11ULL);
	KUNIT_EXPECT_EQ(test, gomap_delete_str(map, "", 0), 0);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, "", 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, "a", 1, &out), 0);
	KUNIT_EXPECT_EQ(test, out, 22ULL);
}

/*
 * gm_long_key() - Build a @len-byte key (@len >= 32) that starts with "HEAD"
 * and ends with "TAIL"; only the middle, which holds @id, differs between keys.
 */
static void gm_long_key(char *buf, size_t len, u32 id)
{
	char digits[12];
	int n = snprintf(digits, sizeof(digits), "%u", id);

	memset(buf, '-', len);
	memcpy(buf, "HEAD", 4);
	memcpy(buf + len - 4, "TAIL", 4);
	memcpy(buf + len / 2 - n / 2, digits, n);
}

/* Put ids 0..@n-1 as @len-byte same-ends keys with values 100 + id into a string map. */
static void gm_put_long_keys(struct kunit *test, struct gomap *map, size_t len, u32 n)
{
	char key[128];
	u64 v;
	u32 id;

	for (id = 0; id < n; id++) {
		gm_long_key(key, len, id);
		v = 100 + id;
		KUNIT_ASSERT_EQ(test, gomap_assign_str(map, key, len, &v, GFP_KERNEL), 0);
	}
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 0U);
}

/* Ids below @n whose @len-byte key is not found with value 100 + id. */
static unsigned int gm_long_keys_wrong(struct gomap *map, size_t len, u32 n)
{
	unsigned int wrong = 0;
	char key[128];
	u64 v;
	u32 id;

	for (id = 0; id < n; id++) {
		gm_long_key(key, len, id);
		if (gomap_lookup_str(map, key, len, &v) || v != 100 + id)
			wrong++;
	}
	return wrong;
}

static void gomap_test_lookup_str_long_same_ends(struct kunit *test)
{
	static const size_t lens[] = { 32, 33, 64, 100 };
	struct gomap *map;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
		gm_put_long_keys(test, map, lens[i], 8);

		/* Eight keys of one length with equal first and last 4 bytes are all told apart. */
		KUNIT_EXPECT_EQ_MSG(test, gm_long_keys_wrong(map, lens[i], 8), 0U,
				    "length %zu", lens[i]);
	}
}

static void gomap_test_lookup_str_long_absent(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	char key[40];

	gm_put_long_keys(test, map, sizeof(key), 1);

	/*
	 * One stored key survives the first/last-4-bytes filter: a full compare must still reject.
	 */
	gm_long_key(key, sizeof(key), 5);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, sizeof(key), NULL), -ENOENT);

	/* Two survivors: Go falls back to hashing, which must reject too. */
	gm_put_long_keys(test, map, sizeof(key), 2);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, sizeof(key), NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_long_keys_wrong(map, sizeof(key), 2), 0U);
}

static void gomap_test_delete_str_long_same_ends(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	char key[40];

	gm_put_long_keys(test, map, sizeof(key), 8);
	gm_long_key(key, sizeof(key), 3);
	KUNIT_EXPECT_EQ(test, gomap_delete_str(map, key, sizeof(key)), 0);

	/* Only key 3 went: it is absent, the other seven keep their values. */
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, sizeof(key), NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 7UL);
	KUNIT_EXPECT_EQ(test, gm_long_keys_wrong(map, sizeof(key), 3), 0U);
	gm_long_key(key, sizeof(key), 7);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, sizeof(key), NULL), 0);
}

/*
 * gm_find_collision() - Find an id whose key has the same tophash as key 0
 * and falls in the same bucket of the map's 2^B array.
 *
 * Return: the id, or 0 if none was found.
 */
static u32 gm_find_collision(struct gomap *map, unsigned long *bucket)
{
	unsigned long mask = (1UL << gm_stats(map).B) - 1;
	u64 h0 = gm_hash_id(map, 0), h;
	u32 id;

	*bucket = h0 & mask;
	for (id = 1; id < (1U << 20); id++) {
		h = gm_hash_id(map, id);
		if ((h & mask) == *bucket && gm_top(h) == gm_top(h0))
			return id;
	}
	return 0;
}

static void gomap_test_assign_tophash_collision(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 100);
	unsigned long b;
	u32 id = gm_find_collision(map, &b);
	int top = gm_top(gm_hash_id(map, 0));

	KUNIT_ASSERT_NE(test, id, 0U);
	KUNIT_ASSERT_EQ(test, gm_put(map, 0, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_put(map, id, 2, GFP_KERNEL), 0);

	/*
	 * Slots 0 and 1 of bucket b hold the same tophash; the full compare keeps the keys apart.
	 */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, b, 0, 0), top);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, b, 0, 1), top);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 2UL);
	KUNIT_EXPECT_EQ(test, gm_get(map, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, gm_get(map, id, 2), 0);
}

static void gomap_test_delete_tophash_collision(struct kunit *test)
{
	struct gomap *map = gm_kind_map(test, 100);
	unsigned long b;
	u32 id = gm_find_collision(map, &b);

	KUNIT_ASSERT_NE(test, id, 0U);
	KUNIT_ASSERT_EQ(test, gm_put(map, 0, 1, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gm_put(map, id, 2, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, gm_del(map, 0), 0);

	/* Deleting one of two same-tophash keys leaves the other in place. */
	KUNIT_EXPECT_EQ(test, gm_get(map, 0, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, gm_get(map, id, 2), 0);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 1UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/*
 * Slot states.  gm_fill_slots() puts u64 keys 1..n into the default B == 0
 * map; they take slots 0..n-1 of its one bucket, in order.
 */
static int gm_slot_top(struct gomap *map, u64 key)
{
	return gm_top(gm_hash64(map, key));
}

static void gm_fill_slots(struct kunit *test, struct gomap *map, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, i + 1, i), 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 0U);
	for (i = 0; i < GM_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, 0, i),
				i < n ? gm_slot_top(map, i + 1) : GM_EMPTY_REST);
}

static void gomap_test_delete_middle_empty_one(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_slots(test, map, 5);
	KUNIT_EXPECT_EQ(test, gm_del64(map, 3), 0);

	/*
	 * Slot 2 is emptyOne (filled slots follow it); 3 and 4 keep their keys; 5-7 stay emptyRest.
	 */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 2), GM_EMPTY_ONE);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 3), gm_slot_top(map, 4));
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 4), gm_slot_top(map, 5));
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 5), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_last_empty_rest(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_slots(test, map, 5);
	KUNIT_EXPECT_EQ(test, gm_del64(map, 5), 0);

	/* The last filled slot becomes emptyRest; slot 3 keeps its key. */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 4), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 3), gm_slot_top(map, 4));
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_run_empty_rest(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_slots(test, map, 5);
	KUNIT_ASSERT_EQ(test, gm_del64(map, 3), 0);
	KUNIT_ASSERT_EQ(test, gm_del64(map, 4), 0);
	KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, 0, 3), GM_EMPTY_ONE);
	KUNIT_EXPECT_EQ(test, gm_del64(map, 5), 0);

	/*
	 * Emptying the last filled slot turns the emptyOne run before it into emptyRest, down to
	 * slot 2.
	 */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 2), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 3), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 4), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 1), gm_slot_top(map, 2));
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_lookup_past_empty_one(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_slots(test, map, 5);
	KUNIT_ASSERT_EQ(test, gm_del64(map, 2), 0);

	/* An emptyOne slot does not end the search: key 5 in slot 4 is still found. */
	KUNIT_EXPECT_EQ(test, gm_get64(map, 5), 4ULL);
	KUNIT_EXPECT_EQ(test, gm_get64(map, 2), U64_MAX);
}

static void gomap_test_assign_reuses_empty_one(struct kunit *test)
{
	struct gomap *map = test->priv;

	gm_fill_slots(test, map, 5);
	KUNIT_ASSERT_EQ(test, gm_del64(map, 2), 0);
	KUNIT_EXPECT_EQ(test, gm_put64(map, 100, 7), 0);

	/* The new key takes the first empty slot, the emptyOne at slot 1. */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 1), gm_slot_top(map, 100));
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 5), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gm_get64(map, 100), 7ULL);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 5UL);
}

/*
 * gm_fill_chain() - Put ten u64 keys that all pick bucket 0 into a 2-bucket
 * map (hint 9): slots 0-7 of bucket 0, then slots 0-1 of one overflow bucket.
 */
static struct gomap *gm_fill_chain(struct kunit *test, u64 *keys)
{
	struct gomap *map = gm_create(test, 8, 8, 9);
	unsigned int i;

	gm_keys_in_bucket(map, 1, 0, keys, 10, 1);
	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, keys[i], i), 0);
	KUNIT_ASSERT_EQ(test, gm_stats(map).B, 1U);
	for (i = 0; i < 10; i++)
		KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, i / 8, i % 8),
				gm_slot_top(map, keys[i]));
	KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, 1, 2), GM_EMPTY_REST);
	KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, 2, 0), -ENOENT);
	return map;
}

static void gomap_test_delete_before_overflow_empty_one(struct kunit *test)
{
	u64 keys[10];
	struct gomap *map = gm_fill_chain(test, keys);

	KUNIT_EXPECT_EQ(test, gm_del64(map, keys[7]), 0);

	/* Bucket 0's last slot is emptyOne, not emptyRest: its overflow bucket holds keys. */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 7), GM_EMPTY_ONE);
	KUNIT_EXPECT_EQ(test, gm_get64(map, keys[9]), 9ULL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_overflow_empty_rest(struct kunit *test)
{
	u64 keys[10];
	struct gomap *map = gm_fill_chain(test, keys);

	KUNIT_ASSERT_EQ(test, gm_del64(map, keys[8]), 0);
	KUNIT_ASSERT_EQ(test, gomap_test_tophash(map, 0, 1, 0), GM_EMPTY_ONE);
	KUNIT_EXPECT_EQ(test, gm_del64(map, keys[9]), 0);

	/*
	 * The overflow bucket is emptyRest from slot 0; the run stops at the filled slot 7 of
	 * bucket 0.
	 */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 1, 0), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 1, 1), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 7), gm_slot_top(map, keys[7]));
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_delete_across_overflow_empty_rest(struct kunit *test)
{
	u64 keys[10];
	struct gomap *map = gm_fill_chain(test, keys);

	KUNIT_ASSERT_EQ(test, gm_del64(map, keys[6]), 0);
	KUNIT_ASSERT_EQ(test, gm_del64(map, keys[8]), 0);
	KUNIT_ASSERT_EQ(test, gm_del64(map, keys[9]), 0);
	KUNIT_EXPECT_EQ(test, gm_del64(map, keys[7]), 0);

	/* The emptyRest run reaches back from the overflow bucket into bucket 0, down to slot 6. */
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 7), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 6), GM_EMPTY_REST);
	KUNIT_EXPECT_EQ(test, gomap_test_tophash(map, 0, 0, 5), gm_slot_top(map, keys[5]));
	KUNIT_EXPECT_EQ(test, gomap_len(map), 6UL);
	KUNIT_EXPECT_EQ(test, gm_get64(map, keys[5]), 5ULL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/*
 * The hash has unrolled paths for 4- and 8-byte keys; every length, those
 * and their neighbours included, must hash exactly as the kernel's xxh64().
 */
static void gomap_test_hash_matches_xxh64(struct kunit *test)
{
	static const u64 seeds[] = { GM_SEED, 0, ~0ULL };
	static const size_t lens[] = { 0, 1, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33 };
	struct gomap *map = gm_create(test, sizeof(u64), sizeof(u64), 0);
	struct rnd_state rnd;
	unsigned int s, l, i;
	u8 buf[40];

	prandom_seed_state(&rnd, 42);
	for (s = 0; s < ARRAY_SIZE(seeds); s++) {
		gomap_test_set_seed(map, seeds[s]);
		for (l = 0; l < ARRAY_SIZE(lens); l++) {
			for (i = 0; i < 16; i++) {
				prandom_bytes_state(&rnd, buf, sizeof(buf));
				/* At an odd offset too: keys need not be aligned. */
				KUNIT_EXPECT_EQ(test, gomap_test_hash(map, buf + (i & 1), lens[l]),
						xxh64(buf + (i & 1), lens[l], seeds[s]));
			}
		}
	}
}

/* How many write sections the map has seen (its seqcount, two per section). */
static unsigned int gm_sections(struct gomap *map)
{
	return raw_read_seqcount(&map->shards[0].seq) / 2;
}

/*
 * Overwriting a word-sized value in place opens no write section, so
 * lockless lookups need not look again; everything else does.
 */
static void gomap_test_overwrite_word_no_section(struct kunit *test)
{
	struct gomap *map = gm_create(test, sizeof(u64), sizeof(unsigned long), 0);
	struct gomap *wide = gm_create(test, sizeof(u64), 16, 0);
	struct gm_upd u = { .value_size = 8 };
	u64 key = 7, wide_val[2] = { 1, 2 };
	unsigned long val = 1;
	unsigned int s;

	KUNIT_ASSERT_EQ(test, gomap_assign(map, &key, &val, GFP_KERNEL), 0);
	s = gm_sections(map);
	val = 2;
	KUNIT_EXPECT_EQ(test, gomap_assign(map, &key, &val, GFP_ATOMIC), 0);
	KUNIT_EXPECT_EQ(test, gm_sections(map), s);
	KUNIT_EXPECT_EQ(test, gm_get64(map, key), 2ULL);
	/* An update callback may write anything: a section. */
	KUNIT_EXPECT_EQ(test, gomap_update(map, &key, gm_update_inc, &u, GFP_ATOMIC), 0);
	KUNIT_EXPECT_EQ(test, gm_sections(map), s + 1);
	KUNIT_EXPECT_EQ(test, gm_get64(map, key), 3ULL);
	/* A new key: a section. */
	key = 8;
	KUNIT_EXPECT_EQ(test, gomap_assign(map, &key, &val, GFP_ATOMIC), 0);
	KUNIT_EXPECT_EQ(test, gm_sections(map), s + 2);

	/* A value wider than a word cannot be stored with one store. */
	KUNIT_ASSERT_EQ(test, gomap_assign(wide, &key, wide_val, GFP_KERNEL), 0);
	s = gm_sections(wide);
	wide_val[1] = 3;
	KUNIT_EXPECT_EQ(test, gomap_assign(wide, &key, wide_val, GFP_ATOMIC), 0);
	KUNIT_EXPECT_EQ(test, gm_sections(wide), s + 1);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_cases[] = {
	KUNIT_CASE(gomap_test_overwrite_word_no_section),
	KUNIT_CASE(gomap_test_hash_matches_xxh64),
	KUNIT_CASE(gomap_test_create_small_no_array),
	KUNIT_CASE(gomap_test_assign_first_bucket),
	KUNIT_CASE(gomap_test_create_null_params),
	KUNIT_CASE_PARAM(gomap_test_create_bad_sizes, gm_bad_params_gen_params),
	KUNIT_CASE(gomap_test_assign_max_sizes),
	KUNIT_CASE(gomap_test_params_shape),
	KUNIT_CASE_PARAM(gomap_test_create_hint, gm_hint_gen_params),
	KUNIT_CASE_PARAM(gomap_test_assign_hint_no_grow, gm_hint_gen_params),
	KUNIT_CASE_PARAM(gomap_test_lookup_empty, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_empty, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_assign_new_key, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_assign_overwrite, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_present, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_lookup_null_value, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_assign_null_value, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_assign_copies_key, gm_kind_gen_params),
	KUNIT_CASE(gomap_test_update_new_key),
	KUNIT_CASE_PARAM(gomap_test_update_counter, gm_counter_kind_gen_params),
	KUNIT_CASE(gomap_test_assign_fixed_call_on_str_map),
	KUNIT_CASE(gomap_test_assign_str_call_on_fixed_map),
	KUNIT_CASE(gomap_test_assign_str_too_long),
	KUNIT_CASE(gomap_test_assign_max_entries),
	KUNIT_CASE(gomap_test_assign_max_entries_overwrite),
	KUNIT_CASE(gomap_test_assign_max_entries_after_delete),
	KUNIT_CASE(gomap_test_update_max_entries),
	KUNIT_CASE(gomap_test_update_null_fn),
	KUNIT_CASE(gomap_test_clear_populated),
	KUNIT_CASE(gomap_test_clear_reuse),
	KUNIT_CASE(gomap_test_stats_counters),
	KUNIT_CASE(gomap_test_lookup_str_short_keys),
	KUNIT_CASE(gomap_test_lookup_str_embedded_nul),
	KUNIT_CASE(gomap_test_assign_str_empty),
	KUNIT_CASE(gomap_test_lookup_str_long_same_ends),
	KUNIT_CASE(gomap_test_lookup_str_long_absent),
	KUNIT_CASE(gomap_test_delete_str_long_same_ends),
	KUNIT_CASE_PARAM(gomap_test_assign_tophash_collision, gm_kind_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_tophash_collision, gm_kind_gen_params),
	KUNIT_CASE(gomap_test_delete_middle_empty_one),
	KUNIT_CASE(gomap_test_delete_last_empty_rest),
	KUNIT_CASE(gomap_test_delete_run_empty_rest),
	KUNIT_CASE(gomap_test_lookup_past_empty_one),
	KUNIT_CASE(gomap_test_assign_reuses_empty_one),
	KUNIT_CASE(gomap_test_delete_before_overflow_empty_one),
	KUNIT_CASE(gomap_test_delete_overflow_empty_rest),
	KUNIT_CASE(gomap_test_delete_across_overflow_empty_rest),
	{}
};

struct kunit_suite gomap_suite = {
	.name = "gomap",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_cases,
};
