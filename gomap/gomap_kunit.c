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
 *
 * This file holds what several suites share (declared in gomap_kunit.h) and
 * the module's registration of the suites; each suite is in a file of its
 * own: gomap_kunit_basic.c (the suite gomap), gomap_kunit_grow.c,
 * gomap_kunit_iter.c, gomap_kunit_context.c, gomap_kunit_fault.c and
 * gomap_kunit_reserve.c.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

#define GM_MAX_STEPS	BIT(20)	/* bound on loops that wait for the map to finish */

/* ------------------------------------------------------------------------- */
/* Key kinds, keys and values                                                 */

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

void gm_kind_desc(const struct gm_kind *k, char *desc)
{
	strscpy(desc, k->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_all_kind, gm_kinds, gm_kind_desc);

/* The parameters of the cases that run for every kind of gm_kinds[]. */
const void *gm_kind_gen_params(const void *prev, char *desc)
{
	return gm_all_kind_gen_params(prev, desc);
}

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
size_t gm_key(const struct gomap_params *p, u32 id, u8 *buf)
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
void gm_value(const struct gomap_params *p, u32 id, u32 ver, u8 *buf)
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
struct gomap *gm_create_params(struct kunit *test, const struct gomap_params *p)
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

/*
 * The suites but gomap_shard test one Go map, bucket by bucket: their maps
 * have one shard.
 */
struct gomap *gm_create(struct kunit *test, unsigned int key_size,
			unsigned int value_size, unsigned int hint)
{
	struct gomap_params p = {
		.key_size = key_size,
		.value_size = value_size,
		.hint = hint,
		.shards = 1,
	};

	return gm_create_params(test, &p);
}

/* A map of the kind the case's parameter names. */
struct gomap *gm_kind_map(struct kunit *test, unsigned int hint)
{
	const struct gm_kind *k = test->param_value;

	return gm_create(test, k->key_size, k->value_size, hint);
}

static bool gm_is_str(struct gomap *map)
{
	return gomap_params(map)->key_size == GOMAP_KEY_STRING;
}

int gm_assign_key(struct gomap *map, const u8 *key, size_t len, const void *val,
		  gfp_t gfp)
{
	if (gm_is_str(map))
		return gomap_assign_str(map, (const char *)key, len, val, gfp);
	return gomap_assign(map, key, val, gfp);
}

int gm_lookup_key(struct gomap *map, const u8 *key, size_t len, void *val)
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

int gm_update_id(struct gomap *map, u32 id, gomap_update_fn fn, void *arg, gfp_t gfp)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);

	if (gm_is_str(map))
		return gomap_update_str(map, (const char *)key, len, fn, arg, gfp);
	return gomap_update(map, key, fn, arg, gfp);
}

/* Assign version @ver of key @id. */
noinline int gm_put(struct gomap *map, u32 id, u32 ver, gfp_t gfp)
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
noinline int gm_get(struct gomap *map, u32 id, u32 ver)
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

noinline int gm_del(struct gomap *map, u32 id)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);

	return gm_delete_key(map, key, len);
}

/* The u64 value of key @id in a map with 8-byte values, or U64_MAX if absent. */
u64 gm_get_u64(struct gomap *map, u32 id)
{
	u8 key[GM_BUF];
	size_t len = gm_key(gomap_params(map), id, key);
	u64 val;

	if (gm_lookup_key(map, key, len, &val))
		return U64_MAX;
	return val;
}

/* How many ids in [@first, @last) are not present with version @ver. */
unsigned int gm_missing(struct gomap *map, u32 first, u32 last, u32 ver)
{
	unsigned int bad = 0;
	u32 id;

	for (id = first; id < last; id++)
		if (gm_get(map, id, ver))
			bad++;
	return bad;
}

/* How many ids in [@first, @last) are present, whatever their value. */
unsigned int gm_present(struct gomap *map, u32 first, u32 last)
{
	unsigned int found = 0;
	u32 id;

	for (id = first; id < last; id++)
		if (gm_get(map, id, 0) != -ENOENT)
			found++;
	return found;
}

int gm_put64(struct gomap *map, u64 key, u64 val)
{
	return gomap_assign(map, &key, &val, GFP_KERNEL);
}

int gm_del64(struct gomap *map, u64 key)
{
	return gomap_delete(map, &key);
}

/* The value of u64 key @key, or U64_MAX if absent. */
u64 gm_get64(struct gomap *map, u64 key)
{
	u64 val;

	if (gomap_lookup(map, &key, &val))
		return U64_MAX;
	return val;
}

u64 gm_hash64(struct gomap *map, u64 key)
{
	return gomap_test_hash(map, &key, sizeof(key));
}

/*
 * gm_keys_in_bucket() - Find @n u64 keys, from @start upwards, whose hash
 * picks bucket @bucket of a 2^@B-bucket array.
 */
void gm_keys_in_bucket(struct gomap *map, unsigned int B, unsigned long bucket,
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
unsigned int gm_finish_grow(struct kunit *test, struct gomap *map)
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
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64),
				  .shards = 1 };
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
/* Updates, growths and walks that several suites share                      */

/* Go's m[k]++ for a u64 value. */
void gm_update_inc(void *value, bool found, void *arg)
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

/*
 * gm_half_grown() - Fill the default map with ids 0..416, which starts the
 * growth from 64 to 128 buckets, then evacuate 30 more old buckets by hand:
 * the growth is about half done.
 */
void gm_half_grown(struct kunit *test, struct gomap *map)
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

/* Step @it once; *@id is the id of the returned key, GM_BAD_ID for a key no test builds. */
int gm_iter_next_id(struct gomap_iter *it, const struct gomap_params *p, u32 *id,
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
void gm_walk_note(struct gm_walk *w, const struct gomap_params *p, u8 *seen, u32 nr,
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
struct gm_walk gm_walk(struct gomap *map, u8 *seen, u32 nr, int ver)
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
unsigned long gm_count_entries(struct gomap *map, unsigned long cap)
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
unsigned int gm_not_once(const u8 *seen, u32 first, u32 last)
{
	unsigned int bad = 0;
	u32 id;

	for (id = first; id < last; id++)
		bad += seen[id] != 1;
	return bad;
}

kunit_test_suites(&gomap_suite, &gomap_grow_suite, &gomap_iter_suite, &gomap_context_suite,
		  &gomap_fault_suite, &gomap_reserve_suite, &gomap_shard_suite,
		  &gomap_shrink_suite, &gomap_batch_suite);

MODULE_DESCRIPTION("KUnit suites for gomap");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
