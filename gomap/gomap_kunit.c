// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for gomap, Go's classic runtime hash map.
 *
 *   gomap          single operations: create, assign, lookup, update, delete, clear
 *   gomap_grow     doubling and same-size growth, incremental evacuation
 *   gomap_iter     iteration: exactly once, across growth, with writes between steps
 *   gomap_context  hardirq, softirq, preemption off, a caller's spinlock, kthreads
 *   gomap_fault    allocation failures: -ENOMEM and the map unchanged
 *
 * The cases use the exported API plus the test hooks of gomap_internal.h,
 * which let them fix hash0 and pick keys by hash, read tophash bytes, step
 * a growth by hand and fail the nth allocation of a map.  Every map a case
 * creates has hash0 == GM_SEED, so runs are repeatable.
 *
 * Most cases build keys and values from a small integer "id" (gm_key(),
 * gm_value()), so the same case runs for every key kind of gm_kinds[]:
 * u32, u64, byte strings, 12-byte and 200-byte (out of line) memcmp keys,
 * with 0, 8 and 200-byte (out of line) values.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

#define GM_BUF		256	/* room for the largest key or value gm_key()/gm_value() build */
#define GM_BAD_ID	U32_MAX	/* gm_key_id() of a key no test builds */
#define GM_MAX_STEPS	BIT(20)	/* bound on loops that wait for the map to finish */

/* ------------------------------------------------------------------------- */
/* Key kinds, keys and values                                                 */

/* A key kind and value size that a behaviour must hold for. */
struct gm_kind {
	const char *name;
	unsigned int key_size;
	unsigned int value_size;
};

static const struct gm_kind gm_kinds[] = {
	{ "u32 v0", 4, 0 },
	{ "u32 v8", 4, 8 },
	{ "u32 v200", 4, 200 },
	{ "u64 v0", 8, 0 },
	{ "u64 v8", 8, 8 },
	{ "u64 v200", 8, 200 },
	{ "str v0", GOMAP_KEY_STRING, 0 },
	{ "str v8", GOMAP_KEY_STRING, 8 },
	{ "str v200", GOMAP_KEY_STRING, 200 },
	{ "mem12 v0", 12, 0 },
	{ "mem12 v8", 12, 8 },
	{ "mem12 v200", 12, 200 },
	{ "mem200 v0", 200, 0 },
	{ "mem200 v8", 200, 8 },
	{ "mem200 v200", 200, 200 },
};

/* Kinds with a u64 value, for counters. */
static const struct gm_kind gm_counter_kinds[] = {
	{ "u32 v8", 4, 8 },
	{ "u64 v8", 8, 8 },
	{ "str v8", GOMAP_KEY_STRING, 8 },
	{ "mem12 v8", 12, 8 },
	{ "mem200 v8", 200, 8 },
};

/* Kinds whose assign of a new key allocates a key or value copy. */
static const struct gm_kind gm_copy_kinds[] = {
	{ "str v8", GOMAP_KEY_STRING, 8 },
	{ "mem200 v8", 200, 8 },
	{ "u64 v200", 8, 200 },
	{ "mem200 v200", 200, 200 },
};

static void gm_kind_desc(const struct gm_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_kind, gm_kinds, gm_kind_desc);
KUNIT_ARRAY_PARAM(gm_counter_kind, gm_counter_kinds, gm_kind_desc);
KUNIT_ARRAY_PARAM(gm_copy_kind, gm_copy_kinds, gm_kind_desc);

/*
 * gm_key() - Build key number @id of the kind @p describes.
 *
 * String keys are "k<id>." followed by id % 48 letters, so their lengths run
 * from 3 to about 60 bytes and a B == 0 map sees both of Go's short and long
 * key paths.  u64 keys carry the id in the upper half and its complement in
 * the lower one; memcmp keys carry it in their first four bytes.
 *
 * Return: the key length in bytes.
 */
static size_t gm_key(const struct gomap_params *p, u32 id, u8 *buf)
{
	size_t len, i;

	switch (p->key_size) {
	case GOMAP_KEY_STRING:
		len = snprintf((char *)buf, GM_BUF, "k%u.", id);
		for (i = 0; i < id % 48; i++)
			buf[len++] = 'a' + (id + i) % 26;
		return len;
	case sizeof(u32):
		put_unaligned(id, (u32 *)buf);
		return sizeof(u32);
	case sizeof(u64):
		put_unaligned(((u64)id << 32) | (u32)~id, (u64 *)buf);
		return sizeof(u64);
	default:
		put_unaligned_le32(id, buf);
		for (i = 4; i < p->key_size; i++)
			buf[i] = id * 31 + i * 7;
		return p->key_size;
	}
}

/*
 * gm_key_id() - The id gm_key() built @key from.
 *
 * Return: the id, or GM_BAD_ID if no id gives exactly this key.
 */
static u32 gm_key_id(const struct gomap_params *p, const u8 *key, size_t len)
{
	u8 buf[GM_BUF];
	u32 id = 0;
	size_t i;

	switch (p->key_size) {
	case GOMAP_KEY_STRING:
		for (i = 1; i < len && i < 12 && key[i] != '.'; i++)
			id = id * 10 + key[i] - '0';
		break;
	case sizeof(u32):
		id = get_unaligned((const u32 *)key);
		break;
	case sizeof(u64):
		id = get_unaligned((const u64 *)key) >> 32;
		break;
	default:
		id = get_unaligned_le32(key);
		break;
	}
	if (gm_key(p, id, buf) != len || memcmp(buf, key, len))
		return GM_BAD_ID;
	return id;
}

/*
 * gm_value() - Build version @ver of the value of key @id: the id and the
 * version in the first eight bytes, a pattern of both in the rest.
 */
static void gm_value(const struct gomap_params *p, u32 id, u32 ver, u8 *buf)
{
	unsigned int i;

	for (i = 0; i < p->value_size; i++)
		buf[i] = id * 13 + ver * 101 + i;
	if (p->value_size >= 8) {
		put_unaligned_le32(id, buf);
		put_unaligned_le32(ver, buf + 4);
	}
}

/* ------------------------------------------------------------------------- */
/* Maps and operations by id                                                  */

static void gm_map_free(struct kunit_resource *res)
{
	gomap_destroy(res->data);
}

/*
 * gm_create_params() - Create a map with hash0 == GM_SEED that is destroyed
 * when the case ends, however it ends.
 */
static struct gomap *gm_create_params(struct kunit *test, const struct gomap_params *p)
{
	struct gomap *map = gomap_create(p, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	if (!kunit_alloc_resource(test, NULL, gm_map_free, GFP_KERNEL, map)) {
		gomap_destroy(map);
		KUNIT_ASSERT_FAILURE(test, "no memory to track the map");
	}
	gomap_test_set_seed(map, GM_SEED);
	return map;
}

static struct gomap *gm_create(struct kunit *test, unsigned int key_size,
			       unsigned int value_size, unsigned int hint)
{
	struct gomap_params p = {
		.key_size = key_size,
		.value_size = value_size,
		.hint = hint,
	};

	return gm_create_params(test, &p);
}

/* A map of the kind the case's parameter names. */
static struct gomap *gm_kind_map(struct kunit *test, unsigned int hint)
{
	const struct gm_kind *k = test->param_value;

	return gm_create(test, k->key_size, k->value_size, hint);
}

static bool gm_is_str(struct gomap *map)
{
	return gomap_params(map)->key_size == GOMAP_KEY_STRING;
}

static int gm_assign_key(struct gomap *map, const u8 *key, size_t len, const void *val,
			 gfp_t gfp)
{
	if (gm_is_str(map))
		return gomap_assign_str(map, (const char *)key, len, val, gfp);
	return gomap_assign(map, key, val, gfp);
}

static int gm_lookup_key(struct gomap *map, const u8 *key, size_t len, void *val)
{
	if (gm_is_str(map))
		return gomap_lookup_str(map, (const char *)key, len, val);
	return gomap_lookup(map, key, val);
}

static int gm_delete_key(struct gomap *map, const u8 *key, size_t len)
{
	if (gm_is_str(map))
		return gomap_delete_str(map, (const char *)key, len);
	return gomap_delete(map, key);
}

static int gm_update_id(struct gomap *map, u32 id, gomap_update_fn fn, void *arg, gfp_t gfp)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);

	if (gm_is_str(map))
		return gomap_update_str(map, (const char *)key, len, fn, arg, gfp);
	return gomap_update(map, key, fn, arg, gfp);
}

/* Assign version @ver of key @id. */
static noinline int gm_put(struct gomap *map, u32 id, u32 ver, gfp_t gfp)
{
	const struct gomap_params *p = gomap_params(map);
	u8 key[GM_BUF], val[GM_BUF];
	size_t len = gm_key(p, id, key);

	gm_value(p, id, ver, val);
	return gm_assign_key(map, key, len, val, gfp);
}

/*
 * gm_get() - Look key @id up and compare its value with version @ver.
 *
 * Return: 0 if found with that value, -EBADMSG if found with another one,
 * otherwise what the lookup returned.
 */
static noinline int gm_get(struct gomap *map, u32 id, u32 ver)
{
	const struct gomap_params *p = gomap_params(map);
	u8 key[GM_BUF], val[GM_BUF], want[GM_BUF];
	size_t len = gm_key(p, id, key);
	int ret;

	ret = gm_lookup_key(map, key, len, val);
	if (ret)
		return ret;
	gm_value(p, id, ver, want);
	return memcmp(val, want, p->value_size) ? -EBADMSG : 0;
}

static noinline int gm_del(struct gomap *map, u32 id)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);

	return gm_delete_key(map, key, len);
}

/* The u64 value of key @id in a map with 8-byte values, or U64_MAX if absent. */
static u64 gm_get_u64(struct gomap *map, u32 id)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);
	u64 val;

	if (gm_lookup_key(map, key, len, &val))
		return U64_MAX;
	return val;
}

/* How many ids in [@first, @last) are not present with version @ver. */
static unsigned int gm_missing(struct gomap *map, u32 first, u32 last, u32 ver)
{
	unsigned int bad = 0;
	u32 id;

	for (id = first; id < last; id++)
		if (gm_get(map, id, ver))
			bad++;
	return bad;
}

/* How many ids in [@first, @last) are present, whatever their value. */
static unsigned int gm_present(struct gomap *map, u32 first, u32 last)
{
	unsigned int found = 0;
	u32 id;

	for (id = first; id < last; id++)
		if (gm_get(map, id, 0) != -ENOENT)
			found++;
	return found;
}

static int gm_put64(struct gomap *map, u64 key, u64 val)
{
	return gomap_assign(map, &key, &val, GFP_KERNEL);
}

static int gm_del64(struct gomap *map, u64 key)
{
	return gomap_delete(map, &key);
}

/* The value of u64 key @key, or U64_MAX if absent. */
static u64 gm_get64(struct gomap *map, u64 key)
{
	u64 val;

	if (gomap_lookup(map, &key, &val))
		return U64_MAX;
	return val;
}

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

static u64 gm_hash64(struct gomap *map, u64 key)
{
	return gomap_test_hash(map, &key, sizeof(key));
}

/*
 * gm_keys_in_bucket() - Find @n u64 keys, from @start upwards, whose hash
 * picks bucket @bucket of a 2^@B-bucket array.
 */
static void gm_keys_in_bucket(struct gomap *map, unsigned int B, unsigned long bucket,
			      u64 *keys, unsigned int n, u64 start)
{
	unsigned long mask = (1UL << B) - 1;
	unsigned int found = 0;
	u64 key;

	for (key = start; found < n; key++)
		if ((gm_hash64(map, key) & mask) == bucket)
			keys[found++] = key;
}

/*
 * gm_finish_grow() - Step the growth in progress to its end with
 * gomap_test_grow_step().
 *
 * Return: the number of old buckets the steps evacuated.
 */
static unsigned int gm_finish_grow(struct kunit *test, struct gomap *map)
{
	unsigned int steps = 0;
	int ret;

	for (;;) {
		ret = gomap_test_grow_step(map, GFP_KERNEL);
		if (ret <= 0 || steps >= GM_MAX_STEPS)
			break;
		steps++;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	return steps;
}

/* The default map of every suite: u64 keys and values, no hint. */
int gm_test_init(struct kunit *test)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64) };
	struct gomap *map = gomap_create(&p, GFP_KERNEL);

	if (IS_ERR(map))
		return PTR_ERR(map);
	gomap_test_set_seed(map, GM_SEED);
	test->priv = map;
	return 0;
}

void gm_test_exit(struct kunit *test)
{
	if (test->priv)
		gomap_destroy(test->priv);
}

/* ------------------------------------------------------------------------- */
/* Suite gomap: single operations                                             */

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

/* What gm_update_inc() saw. */
struct gm_upd {
	unsigned int calls;
	unsigned int not_found;
	bool first_found;
	bool zero_on_insert;	/* every call for a new key saw a zero-filled value */
	unsigned int value_size;
};

/* Go's m[k]++ for a u64 value. */
static void gm_update_inc(void *value, bool found, void *arg)
{
	struct gm_upd *u = arg;

	if (!u->calls)
		u->first_found = found;
	if (!found) {
		u->not_found++;
		if (memchr_inv(value, 0, u->value_size))
			u->zero_on_insert = false;
	}
	u->calls++;
	put_unaligned(get_unaligned((u64 *)value) + 1, (u64 *)value);
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
	return raw_read_seqcount(&map->seq) / 2;
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

static struct kunit_suite gomap_suite = {
	.name = "gomap",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_cases,
};

/* ------------------------------------------------------------------------- */
/* Suite gomap_grow: growth and evacuation                                    */

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

#define GM_HALF_KEYS	417	/* the key that takes 64 buckets past 6.5 per bucket */

/*
 * gm_half_grown() - Fill the default map with ids 0..416, which starts the
 * growth from 64 to 128 buckets, then evacuate 30 more old buckets by hand:
 * the growth is about half done.
 */
static void gm_half_grown(struct kunit *test, struct gomap *map)
{
	struct gomap_stats st;
	unsigned int i;
	u32 id;

	for (id = 0; id < GM_HALF_KEYS; id++)
		KUNIT_ASSERT_EQ(test, gm_put(map, id, 0, GFP_KERNEL), 0);
	for (i = 0; i < 30; i++)
		KUNIT_ASSERT_EQ(test, gomap_test_grow_step(map, GFP_KERNEL), 1);
	st = gm_stats(map);
	KUNIT_ASSERT_TRUE(test, st.growing);
	KUNIT_ASSERT_EQ(test, st.B, 7U);
	KUNIT_ASSERT_GT(test, st.nevacuate, 0UL);
	KUNIT_ASSERT_LT(test, st.nevacuate, 64UL);
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

static struct kunit_suite gomap_grow_suite = {
	.name = "gomap_grow",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_grow_cases,
};

/* ------------------------------------------------------------------------- */
/* Suite gomap_iter: iteration                                                */

/* What a walk returned, counted by gm_walk_note(). */
struct gm_walk {
	unsigned int entries;	/* entries returned */
	unsigned int foreign;	/* keys that are no test id below the walk's limit */
	unsigned int dups;	/* entries whose id came back before */
	unsigned int wrong_value;
	int end;		/* the return that ended the walk: -ENOENT at its end */
};

/* Step @it once; *@id is the id of the returned key, GM_BAD_ID for a key no test builds. */
static int gm_iter_next_id(struct gomap_iter *it, const struct gomap_params *p, u32 *id,
			   u8 *val)
{
	u8 key[GM_BUF];
	int ret = gomap_iter_next(it, key, sizeof(key), val);

	if (ret >= 0)
		*id = gm_key_id(p, key, ret);
	return ret;
}

/*
 * gm_walk_note() - Count one returned entry: @seen[@id] counts how often each
 * id below @nr came back; @val must be version @ver unless @ver is negative.
 */
static void gm_walk_note(struct gm_walk *w, const struct gomap_params *p, u8 *seen, u32 nr,
			 u32 id, const u8 *val, int ver)
{
	u8 want[GM_BUF];

	w->entries++;
	if (id >= nr) {
		w->foreign++;
		return;
	}
	if (seen[id]++)
		w->dups++;
	if (ver >= 0) {
		gm_value(p, id, ver, want);
		if (memcmp(val, want, p->value_size))
			w->wrong_value++;
	}
}

/*
 * Walk the whole map once, counting into @seen (ids below @nr); stops after 4 * @nr + 64 entries.
 */
static struct gm_walk gm_walk(struct gomap *map, u8 *seen, u32 nr, int ver)
{
	const struct gomap_params *p = gomap_params(map);
	struct gm_walk w = {};
	struct gomap_iter it;
	u8 val[GM_BUF];
	u32 id;

	gomap_iter_start(&it, map);
	for (;;) {
		w.end = gm_iter_next_id(&it, p, &id, val);
		if (w.end < 0 || w.entries > 4 * nr + 64)
			break;
		gm_walk_note(&w, p, seen, nr, id, val, ver);
	}
	gomap_iter_stop(&it);
	return w;
}

/* The entries a full walk returns, counting no further than @cap. */
static unsigned long gm_count_entries(struct gomap *map, unsigned long cap)
{
	unsigned long entries = 0;
	struct gomap_iter it;

	gomap_iter_start(&it, map);
	while (entries < cap && gomap_iter_next(&it, NULL, 0, NULL) >= 0)
		entries++;
	gomap_iter_stop(&it);
	return entries;
}

/* Ids in [@first, @last) that did not come back exactly once. */
static unsigned int gm_not_once(const u8 *seen, u32 first, u32 last)
{
	unsigned int bad = 0;
	u32 id;

	for (id = first; id < last; id++)
		bad += seen[id] != 1;
	return bad;
}

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

static struct kunit_suite gomap_iter_suite = {
	.name = "gomap_iter",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_iter_cases,
};

/* ------------------------------------------------------------------------- */
/* Suite gomap_context: atomic contexts and concurrency                       */

/* A caller's own lock, held around map calls as a client module would. */
static DEFINE_SPINLOCK(gm_caller_lock);

enum gm_ctx_kind {
	GM_CTX_HARDIRQ,		/* hrtimer callback, HRTIMER_MODE_REL_HARD */
	GM_CTX_SOFTIRQ,		/* timer_list callback */
	GM_CTX_PREEMPT_OFF,	/* process context under preempt_disable() */
	GM_CTX_SPINLOCK,	/* process context under spin_lock_irqsave() */
};

struct gm_ctx_param {
	const char *name;
	enum gm_ctx_kind kind;
};

static const struct gm_ctx_param gm_ctxs[] = {
	{ "hardirq", GM_CTX_HARDIRQ },
	{ "softirq", GM_CTX_SOFTIRQ },
	{ "preempt off", GM_CTX_PREEMPT_OFF },
	{ "caller spinlock", GM_CTX_SPINLOCK },
};

static void gm_ctx_desc(const struct gm_ctx_param *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_ctx, gm_ctxs, gm_ctx_desc);

#define GM_CTX_IDS	100

/* One workload run once in an atomic context, with its results. */
struct gm_ctx_run {
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct completion done;
	enum gm_ctx_kind kind;
	bool ctx_ok;			/* the workload ran in the context asked for */
	void (*fn)(struct gm_ctx_run *run);
	struct gomap *map;
	u32 first, nr;			/* ids the workload works on, for those that say */
	unsigned int errors;		/* results the workload did not expect */
	unsigned int hits;
	struct gm_upd upd;
	u8 seen[GM_CTX_IDS];
	struct gm_walk walk;
};

static bool gm_ctx_is(enum gm_ctx_kind kind)
{
	switch (kind) {
	case GM_CTX_HARDIRQ:
		return in_hardirq() && irqs_disabled();
	case GM_CTX_SOFTIRQ:
		return in_serving_softirq() && !in_hardirq();
	case GM_CTX_PREEMPT_OFF:
		return !preemptible() && !in_interrupt() && !irqs_disabled();
	case GM_CTX_SPINLOCK:
		return irqs_disabled() && !in_interrupt();
	}
	return false;
}

static void gm_ctx_call(struct gm_ctx_run *run)
{
	run->ctx_ok = gm_ctx_is(run->kind);
	run->fn(run);
	complete(&run->done);
}

static enum hrtimer_restart gm_ctx_hrtimer_fn(struct hrtimer *t)
{
	gm_ctx_call(container_of(t, struct gm_ctx_run, hrtimer));
	return HRTIMER_NORESTART;
}

static void gm_ctx_timer_fn(struct timer_list *t)
{
	struct gm_ctx_run *run = from_timer(run, t, timer);

	gm_ctx_call(run);
}

/*
 * gm_ctx_run() - Run @fn on the default map once, in the context the case's
 * parameter names, and wait for it.
 *
 * Return: the run, with the workload's results.
 */
static struct gm_ctx_run *gm_ctx_run_ids(struct kunit *test, void (*fn)(struct gm_ctx_run *run),
					 u32 first, u32 nr)
{
	const struct gm_ctx_param *c = test->param_value;
	struct gm_ctx_run *run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	unsigned long flags, left;

	KUNIT_ASSERT_NOT_NULL(test, run);
	run->first = first;
	run->nr = nr;
	run->kind = c->kind;
	run->fn = fn;
	run->map = test->priv;
	run->upd.value_size = 8;
	init_completion(&run->done);
	switch (c->kind) {
	case GM_CTX_HARDIRQ:
		hrtimer_init(&run->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		run->hrtimer.function = gm_ctx_hrtimer_fn;
		hrtimer_start(&run->hrtimer, ns_to_ktime(100000), HRTIMER_MODE_REL_HARD);
		break;
	case GM_CTX_SOFTIRQ:
		timer_setup(&run->timer, gm_ctx_timer_fn, 0);
		mod_timer(&run->timer, jiffies + 1);
		break;
	case GM_CTX_PREEMPT_OFF:
		preempt_disable();
		gm_ctx_call(run);
		preempt_enable();
		break;
	case GM_CTX_SPINLOCK:
		spin_lock_irqsave(&gm_caller_lock, flags);
		gm_ctx_call(run);
		spin_unlock_irqrestore(&gm_caller_lock, flags);
		break;
	}
	left = wait_for_completion_timeout(&run->done, 30 * HZ);
	if (c->kind == GM_CTX_HARDIRQ)
		hrtimer_cancel(&run->hrtimer);
	else if (c->kind == GM_CTX_SOFTIRQ)
		del_timer_sync(&run->timer);
	KUNIT_ASSERT_NE_MSG(test, left, 0UL, "the %s workload never ran", c->name);
	KUNIT_EXPECT_TRUE_MSG(test, run->ctx_ok, "the workload did not run in %s context", c->name);
	return run;
}

/* gm_ctx_run_ids() for ids 0 .. GM_CTX_IDS - 1. */
static struct gm_ctx_run *gm_ctx_run(struct kunit *test, void (*fn)(struct gm_ctx_run *run))
{
	return gm_ctx_run_ids(test, fn, 0, GM_CTX_IDS);
}

static void gm_ctx_assign_fn(struct gm_ctx_run *run)
{
	u32 id;

	for (id = run->first; id < run->first + run->nr; id++)
		run->errors += gm_put(run->map, id, 1, GFP_ATOMIC) != 0;
}

/*
 * Hardirq context may not allocate: its assigns take from the map's
 * reserve, and growth waits for the worker.  An interrupt handler makes a
 * few calls at a time, and the worker runs in between: ten bursts of ten.
 */
static unsigned int gm_ctx_assign_bursts(struct kunit *test)
{
	unsigned int errors = 0;
	u32 first;

	for (first = 0; first < GM_CTX_IDS; first += 10) {
		errors += gm_ctx_run_ids(test, gm_ctx_assign_fn, first, 10)->errors;
		gm_flush_worker(test->priv);
	}
	return errors;
}

static void gomap_test_assign_atomic(struct kunit *test)
{
	const struct gm_ctx_param *c = test->param_value;
	struct gomap *map = test->priv;
	unsigned int errors;

	if (c->kind == GM_CTX_HARDIRQ)
		errors = gm_ctx_assign_bursts(test);
	else
		errors = gm_ctx_run(test, gm_ctx_assign_fn)->errors;

	/* 100 assigns with GFP_ATOMIC, through four growths: all there, map sound. */
	KUNIT_EXPECT_EQ(test, errors, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GM_CTX_IDS);
	KUNIT_EXPECT_EQ(test, gm_stats(map).B, 4U);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, GM_CTX_IDS, 1), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Put ids 0..GM_CTX_IDS-1 with version 1 into the default map, from process context. */
static void gm_ctx_fill(struct kunit *test)
{
	u32 id;

	for (id = 0; id < GM_CTX_IDS; id++)
		KUNIT_ASSERT_EQ(test, gm_put(test->priv, id, 1, GFP_KERNEL), 0);
}

static void gm_ctx_lookup_fn(struct gm_ctx_run *run)
{
	int ret;
	u32 id;

	for (id = 0; id < 2 * GM_CTX_IDS; id++) {
		ret = gm_get(run->map, id, 1);
		run->hits += !ret;
		run->errors += ret != (id < GM_CTX_IDS ? 0 : -ENOENT);
	}
}

static void gomap_test_lookup_atomic(struct kunit *test)
{
	struct gm_ctx_run *run;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_lookup_fn);

	/* The 100 stored ids are found with their values, the 100 others are not. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, run->hits, (unsigned int)GM_CTX_IDS);
}

static void gm_ctx_update_fn(struct gm_ctx_run *run)
{
	unsigned int i;
	u32 id;

	for (id = 0; id < 10; id++)
		for (i = 0; i < 20; i++)
			run->errors += gm_update_id(run->map, id, gm_update_inc, &run->upd,
						    GFP_ATOMIC) != 0;
}

static void gomap_test_update_atomic(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_ctx_run *run = gm_ctx_run(test, gm_ctx_update_fn);
	unsigned int wrong = 0;
	u32 id;

	for (id = 0; id < 10; id++)
		wrong += gm_get_u64(map, id) != 20;

	/* Ten counters, each incremented 20 times: ten inserts, then 190 in-place updates. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, run->upd.not_found, 10U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 10UL);
}

static void gm_ctx_delete_fn(struct gm_ctx_run *run)
{
	u32 id;

	for (id = 0; id < GM_CTX_IDS; id += 2)
		run->errors += gm_del(run->map, id) != 0;
	for (id = 0; id < GM_CTX_IDS; id += 2)
		run->errors += gm_del(run->map, id) != -ENOENT;
}

static void gomap_test_delete_atomic(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_ctx_run *run;
	unsigned int wrong = 0;
	u32 id;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_delete_fn);
	for (id = 0; id < GM_CTX_IDS; id++)
		wrong += gm_get(map, id, 1) != ((id & 1) ? 0 : -ENOENT);

	/* Even ids deleted (a second delete finds nothing), odd ids kept. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GM_CTX_IDS / 2);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gm_ctx_iter_fn(struct gm_ctx_run *run)
{
	run->walk = gm_walk(run->map, run->seen, GM_CTX_IDS, 1);
}

static void gomap_test_iter_atomic(struct kunit *test)
{
	struct gm_ctx_run *run;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_iter_fn);

	/* A whole walk in one atomic section: each of the 100 ids once, with its value. */
	KUNIT_EXPECT_EQ(test, run->walk.entries, (unsigned int)GM_CTX_IDS);
	KUNIT_EXPECT_EQ(test, gm_not_once(run->seen, 0, GM_CTX_IDS), 0U);
	KUNIT_EXPECT_EQ(test, run->walk.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, run->walk.end, -ENOENT);
}

#define GM_KT_THREADS	4
#define GM_KT_OWN	256	/* keys only one thread writes */
#define GM_KT_SHARED	64	/* counters every thread increments */
#define GM_KT_OPS	4000

/* One kthread of the concurrency case, and what it saw. */
struct gm_kt {
	struct gomap *map;
	struct completion done;
	struct rnd_state rnd;
	unsigned int nr;
	bool started;
	u64 last[GM_KT_OWN];		/* value last stored for each own key, 0 once deleted */
	u32 incs[GM_KT_SHARED];		/* increments made to each shared counter */
	u8 seen[GM_KT_OWN + GM_KT_SHARED];
	unsigned int errors;		/* results the thread's own history rules out */
	unsigned int walk_errors;	/* walks that missed, repeated or invented a key */
	unsigned int walks;
};

/* Own key @j of thread @nr; shared counters are keys 0..GM_KT_SHARED-1. */
static u64 gm_kt_key(unsigned int nr, u32 j)
{
	return ((u64)(nr + 1) << 32) | j;
}

static void gm_kt_inc(void *value, bool found, void *arg)
{
	put_unaligned(get_unaligned((u64 *)value) + 1, (u64 *)value);
}

/* Note one entry of a walk by @kt. Return: true if no thread could have stored it. */
static bool gm_kt_note(struct gm_kt *kt, u64 key, u64 val)
{
	u32 owner = key >> 32, j = (u32)key;

	if (!owner)
		return j >= GM_KT_SHARED || kt->seen[GM_KT_OWN + j]++;
	if (owner > GM_KT_THREADS || j >= GM_KT_OWN)
		return true;
	if (owner != kt->nr + 1)
		return false;
	return kt->seen[j]++ || val != kt->last[j];
}

/*
 * gm_kt_walk() - A full walk by thread @kt while the others write: every
 * shared counter (never deleted) comes back exactly once, and so does each
 * of @kt's own live keys, with its value; @kt's deleted keys never do.
 */
static void gm_kt_walk(struct gm_kt *kt)
{
	unsigned int j, bad = 0, entries = 0;
	struct gomap_iter it;
	u64 key, val;

	memset(kt->seen, 0, sizeof(kt->seen));
	gomap_iter_start(&it, kt->map);
	while (entries++ < 100000 && gomap_iter_next(&it, &key, sizeof(key), &val) >= 0)
		bad += gm_kt_note(kt, key, val);
	gomap_iter_stop(&it);
	for (j = 0; j < GM_KT_OWN; j++)
		bad += kt->seen[j] != !!kt->last[j];
	for (j = 0; j < GM_KT_SHARED; j++)
		bad += kt->seen[GM_KT_OWN + j] != 1;
	kt->walks++;
	kt->walk_errors += !!bad;
}

/* One random operation of thread @kt, number @n. */
static void gm_kt_op(struct gm_kt *kt, unsigned int n)
{
	u32 r = prandom_u32_state(&kt->rnd), j = (r >> 8) % GM_KT_OWN;
	u64 key = gm_kt_key(kt->nr, j), val = ((u64)(kt->nr + 1) << 48) | n, got = 0;
	u64 shared = j % GM_KT_SHARED;
	int ret;

	switch (r % 16) {
	case 0 ... 5:
		ret = gomap_assign(kt->map, &key, &val, GFP_KERNEL);
		kt->errors += ret != 0;
		kt->last[j] = ret ? kt->last[j] : val;
		break;
	case 6 ... 7:
		kt->errors += gomap_delete(kt->map, &key) != (kt->last[j] ? 0 : -ENOENT);
		kt->last[j] = 0;
		break;
	case 8 ... 9:
		ret = gomap_lookup(kt->map, &key, &got);
		kt->errors += kt->last[j] ? ret || got != kt->last[j] : ret != -ENOENT;
		break;
	case 10 ... 13:
		ret = gomap_update(kt->map, &shared, gm_kt_inc, NULL, GFP_KERNEL);
		kt->errors += ret != 0;
		kt->incs[shared] += !ret;
		break;
	default:
		kt->errors += gomap_lookup(kt->map, &shared, NULL) != 0;
		break;
	}
}

static int gm_kt_fn(void *data)
{
	struct gm_kt *kt = data;
	unsigned int n;

	for (n = 1; n <= GM_KT_OPS; n++) {
		gm_kt_op(kt, n);
		if (!(n % 500))
			gm_kt_walk(kt);
		if (!(n % 64))
			cond_resched();
	}
	complete(&kt->done);
	return 0;
}

/* Own keys whose value in the map is not what their thread last stored (absent for 0). */
static unsigned int gm_kt_wrong(struct gomap *map, const struct gm_kt *kts, unsigned long *live)
{
	unsigned int t, j, wrong = 0;

	for (t = 0; t < GM_KT_THREADS; t++) {
		for (j = 0; j < GM_KT_OWN; j++) {
			u64 got = gm_get64(map, gm_kt_key(t, j));

			wrong += got != (kts[t].last[j] ?: U64_MAX);
			*live += !!kts[t].last[j];
		}
	}
	return wrong;
}

/* Shared counters whose value is not the sum of every thread's increments. */
static unsigned int gm_kt_counters_wrong(struct gomap *map, const struct gm_kt *kts)
{
	unsigned int t, j, wrong = 0;
	u64 sum;

	for (j = 0; j < GM_KT_SHARED; j++) {
		for (sum = 0, t = 0; t < GM_KT_THREADS; t++)
			sum += kts[t].incs[j];
		wrong += gm_get64(map, j) != sum;
	}
	return wrong;
}

static void gomap_test_assign_concurrent_kthreads(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_kt *kts = kunit_kcalloc(test, GM_KT_THREADS, sizeof(*kts), GFP_KERNEL);
	unsigned int t, errors = 0, walk_errors = 0, walks = 0, started = 0;
	unsigned long live = GM_KT_SHARED;
	struct task_struct *task;
	unsigned long entries;
	u64 j;

	KUNIT_ASSERT_NOT_NULL(test, kts);
	for (j = 0; j < GM_KT_SHARED; j++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, j, 0), 0);
	for (t = 0; t < GM_KT_THREADS; t++) {
		kts[t].map = map;
		kts[t].nr = t;
		init_completion(&kts[t].done);
		prandom_seed_state(&kts[t].rnd, 100 + t);
		task = kthread_run(gm_kt_fn, &kts[t], "gomap_kt/%u", t);
		kts[t].started = !IS_ERR(task);
	}
	for (t = 0; t < GM_KT_THREADS; t++) {
		if (!kts[t].started)
			continue;
		wait_for_completion(&kts[t].done);
		started++;
		errors += kts[t].errors;
		walk_errors += kts[t].walk_errors;
		walks += kts[t].walks;
	}
	KUNIT_ASSERT_EQ(test, started, GM_KT_THREADS);
	entries = gm_count_entries(map, 1UL << 20);

	/*
	 * Each thread's results matched its own history; the final map holds exactly what they
	 * left.
	 */
	KUNIT_EXPECT_EQ(test, errors, 0U);
	KUNIT_EXPECT_EQ(test, walk_errors, 0U);
	KUNIT_EXPECT_EQ(test, walks, GM_KT_THREADS * GM_KT_OPS / 500U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	KUNIT_EXPECT_EQ(test, gm_kt_wrong(map, kts, &live), 0U);
	KUNIT_EXPECT_EQ(test, gm_kt_counters_wrong(map, kts), 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), live);
	KUNIT_EXPECT_EQ(test, entries, live);
}

/*
 * String keys under lockless walks: a kthread inserts and deletes keys of
 * 5 to 44 bytes while the case walks.  Each key names its index and its
 * length, so a step that paired one key's bytes with another key's length
 * would return a key that is not in the map (and a read past a blob is
 * KASAN's to report); the GM_KS_STABLE keys, never deleted, must come back
 * exactly once per walk.
 */
#define GM_KS_STABLE	64
#define GM_KS_KEYS	2048
#define GM_KS_OPS	40000
#define GM_KS_MAXLEN	48

struct gm_ks {
	struct gomap *map;
	struct completion done;
	struct rnd_state rnd;
};

/* Key @idx: 'k', the index, then bytes that depend on both; 5 to 44 long. */
static size_t gm_ks_key(char *buf, u32 idx)
{
	size_t len = 5 + idx % 40, i;

	buf[0] = 'k';
	put_unaligned(idx, (u32 *)(buf + 1));
	for (i = 5; i < len; i++)
		buf[i] = (char)(idx * 31 + i);
	return len;
}

/* The index of a walked key, or U32_MAX if no key is these bytes. */
static u32 gm_ks_idx(const char *key, int len)
{
	char want[GM_KS_MAXLEN];
	u32 idx;

	if (len < 5)
		return U32_MAX;
	idx = get_unaligned((const u32 *)(key + 1));
	if (idx >= GM_KS_KEYS || gm_ks_key(want, idx) != len || memcmp(want, key, len))
		return U32_MAX;
	return idx;
}

static int gm_ks_writer(void *data)
{
	struct gm_ks *ks = data;
	char key[GM_KS_MAXLEN];
	unsigned int n;

	for (n = 1; n <= GM_KS_OPS; n++) {
		u32 r = prandom_u32_state(&ks->rnd);
		u32 idx = GM_KS_STABLE + (r >> 8) % (GM_KS_KEYS - GM_KS_STABLE);
		size_t len = gm_ks_key(key, idx);
		u64 val = idx;

		if (r & 1)
			gomap_assign_str(ks->map, key, len, &val, GFP_KERNEL);
		else
			gomap_delete_str(ks->map, key, len);
		if (!(n % 64))
			cond_resched();
	}
	complete(&ks->done);
	return 0;
}

/* One walk; returns the entries that no key of the map could be. */
static unsigned int gm_ks_walk(struct gomap *map)
{
	u8 seen[GM_KS_STABLE] = { };
	unsigned int bad = 0, i;
	struct gomap_iter it;
	char key[GM_KS_MAXLEN];
	u64 val;
	int len;
	u32 idx;

	gomap_iter_start(&it, map);
	while ((len = gomap_iter_next(&it, key, sizeof(key), &val)) >= 0) {
		idx = gm_ks_idx(key, len);
		if (idx == U32_MAX || val != idx)
			bad++;
		else if (idx < GM_KS_STABLE && seen[idx]++)
			bad++;
	}
	gomap_iter_stop(&it);
	for (i = 0; i < GM_KS_STABLE; i++)
		bad += seen[i] != 1;
	return bad;
}

static void gomap_test_walk_str_concurrent_writer(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	struct gm_ks *ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	unsigned int walks = 0, bad = 0;
	struct task_struct *task;
	char key[GM_KS_MAXLEN];
	u64 val;
	u32 idx;

	KUNIT_ASSERT_NOT_NULL(test, ks);
	for (idx = 0; idx < GM_KS_STABLE; idx++) {
		val = idx;
		KUNIT_ASSERT_EQ(test, gomap_assign_str(map, key, gm_ks_key(key, idx), &val,
						       GFP_KERNEL), 0);
	}
	ks->map = map;
	init_completion(&ks->done);
	prandom_seed_state(&ks->rnd, 7);
	task = kthread_run(gm_ks_writer, ks, "gomap_ks");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	do {
		bad += gm_ks_walk(map);
		walks++;
		cond_resched();
	} while (!completion_done(&ks->done));
	wait_for_completion(&ks->done);
	kunit_info(test, "%u walks during %u writes\n", walks, GM_KS_OPS);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_GT(test, walks, 1U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

#define GM_MILLION		1000000
#define GM_ATOMIC_CHUNK		250	/* keys per atomic section */
#define GM_MILLION_BUDGET_MS	270000	/* both phases; KUnit stops a case after 300 s */

/* The keys of one gm_atomic_chunk(), in whatever atomic section it opened. */
static unsigned long gm_atomic_keys(struct gomap *map, u64 first, unsigned int nr, bool lookup)
{
	unsigned long bad = 0;
	u64 key, val;

	for (key = first; key < first + nr; key++) {
		val = ~key;
		if (lookup)
			bad += gomap_lookup(map, &key, &val) || val != ~key;
		else
			bad += gomap_assign(map, &key, &val, GFP_ATOMIC) != 0;
	}
	return bad;
}

/*
 * gm_atomic_chunk() - Assign (or look up) u64 keys @first..@first+@nr-1,
 * value ~key, in one atomic section: preemption off for even chunks, the
 * caller's spinlock with interrupts off for odd ones.
 *
 * Return: the calls that failed or found a wrong value.
 */
static unsigned long gm_atomic_chunk(struct gomap *map, u64 first, unsigned int nr, bool lookup)
{
	unsigned long flags, bad;

	/* Two straight-line sections, so sparse sees each lock balanced. */
	if (!((first / nr) & 1)) {
		preempt_disable();
		bad = gm_atomic_keys(map, first, nr, lookup);
		preempt_enable();
		return bad;
	}
	spin_lock_irqsave(&gm_caller_lock, flags);
	bad = gm_atomic_keys(map, first, nr, lookup);
	spin_unlock_irqrestore(&gm_caller_lock, flags);
	return bad;
}

/*
 * gm_atomic_phase() - Run gm_atomic_chunk() over all GM_MILLION keys, or
 * until @deadline.
 *
 * Return: the keys done; *@bad and *@ms get the failures and the time taken.
 */
static u64 gm_atomic_phase(struct gomap *map, bool lookup, ktime_t deadline,
			   unsigned long *bad, s64 *ms)
{
	ktime_t t0 = ktime_get();
	u64 first;

	for (first = 0; first < GM_MILLION; first += GM_ATOMIC_CHUNK) {
		*bad += gm_atomic_chunk(map, first, GM_ATOMIC_CHUNK, lookup);
		cond_resched();
		if (ktime_after(ktime_get(), deadline)) {
			first += GM_ATOMIC_CHUNK;
			break;
		}
	}
	*ms = ktime_ms_delta(ktime_get(), t0);
	return first;
}

static void gomap_test_assign_atomic_million(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned long failed = 0, misses = 0;
	s64 assign_ms = 0, lookup_ms = 0;
	ktime_t deadline = ktime_add_ms(ktime_get(), GM_MILLION_BUDGET_MS);
	u64 assigned, looked_up = 0;
	struct gomap_stats st;

	assigned = gm_atomic_phase(map, false, deadline, &failed, &assign_ms);
	if (assigned == GM_MILLION)
		looked_up = gm_atomic_phase(map, true, deadline, &misses, &lookup_ms);
	st = gm_stats(map);
	kunit_info(test, "%llu assigns in %lld ms, %llu lookups in %lld ms, all atomic",
		   assigned, assign_ms, looked_up, lookup_ms);
	kunit_info(test, "B %u, %lu growths (%lu deferred, %lu failed), %lu failed evacuations, max %u evacuated per op",
		   st.B, st.grows, st.deferred_grows, st.failed_grows, st.failed_evacuations,
		   st.max_evacuated_per_op);

	/*
	 * A million keys from atomic context: all assigned and found, never more than two
	 * evacuations a write.
	 */
	KUNIT_EXPECT_EQ(test, assigned, (u64)GM_MILLION);
	KUNIT_EXPECT_EQ(test, looked_up, (u64)GM_MILLION);
	KUNIT_EXPECT_EQ(test, failed, 0UL);
	KUNIT_EXPECT_EQ(test, misses, 0UL);
	KUNIT_EXPECT_EQ(test, st.count, assigned);
	KUNIT_EXPECT_LE(test, st.max_evacuated_per_op, 2U);
	KUNIT_EXPECT_GT(test, st.max_evacuated_per_op, 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_context_cases[] = {
	KUNIT_CASE_PARAM(gomap_test_assign_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_lookup_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_update_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_iter_atomic, gm_ctx_gen_params),
	KUNIT_CASE(gomap_test_assign_concurrent_kthreads),
	KUNIT_CASE(gomap_test_walk_str_concurrent_writer),
	KUNIT_CASE(gomap_test_assign_atomic_million),
	{}
};

static struct kunit_suite gomap_context_suite = {
	.name = "gomap_context",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_context_cases,
};

/* ------------------------------------------------------------------------- */
/* Suite gomap_fault: allocation failures                                     */

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

/* One run of the fault sweep: the map and the model it must match. */
struct gm_sweep {
	struct gomap *map;
	gfp_t gfp;
	int ver[GM_SWEEP_IDS];	/* version each id holds, -1 if absent */
	unsigned int enomem;	/* calls that returned -ENOMEM */
	unsigned int wrong;	/* calls with a result the model rules out */
	unsigned int broken;	/* checks that found the map differing from the model */
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
 * gm_sweep_run() - Run the mixed workload on a fresh map of kind @k whose
 * @nth allocation fails, checking the map against the model after every
 * failure and at the end.
 *
 * Return: true if the failure was hit (a call or a growth saw it).
 */
static bool gm_sweep_run(const struct gm_sweep_kind *k, unsigned int nth, struct gm_sweep *s)
{
	struct gomap_params p = { .key_size = k->key_size, .value_size = k->value_size };
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
	gomap_test_fail_alloc(s->map, 0);
	gm_sweep_verify(s);
	st = gm_stats(s->map);
	gomap_destroy(s->map);
	return s->enomem || st.failed_grows || st.deferred_grows || st.failed_evacuations;
}

static void gomap_test_assign_fail_each_nth(struct kunit *test)
{
	const struct gm_sweep_kind *k = test->param_value;
	struct gm_sweep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int nth, quiet = 0, hits = 0, enomem = 0, wrong = 0, broken = 0;

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

static struct kunit_suite gomap_fault_suite = {
	.name = "gomap_fault",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_fault_cases,
};

kunit_test_suites(&gomap_suite, &gomap_grow_suite, &gomap_iter_suite, &gomap_context_suite,
		  &gomap_fault_suite, &gomap_reserve_suite);

MODULE_DESCRIPTION("KUnit suites for gomap");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
