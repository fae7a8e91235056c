/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit files of gomap_kunit.ko share: the seed every case's map
 * gets, the default map of a suite, the key kinds, keys and values the cases
 * build, and the helpers that several suites use (gomap_kunit.c).
 */
#ifndef _GOMAP_KUNIT_H
#define _GOMAP_KUNIT_H

#include <kunit/test.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>

#include "gomap.h"
#include "gomap_internal.h"

#define GM_SEED		0x5eed5eedcafef00dULL	/* hash0 of every map the cases create */
#define GM_BUF		256	/* room for the largest key or value gm_key()/gm_value() build */
#define GM_BAD_ID	U32_MAX	/* gm_key_id() of a key no test builds */
#define GM_HALF_KEYS	417	/* the key that takes 64 buckets past 6.5 per bucket */

/* The default map of every suite (test->priv): u64 keys and values, no hint. */
int gm_test_init(struct kunit *test);
void gm_test_exit(struct kunit *test);

/* gomap_stats() as a value. */
static inline struct gomap_stats gm_stats(struct gomap *map)
{
	struct gomap_stats st;

	gomap_stats(map, &st);
	return st;
}

/* Wait until the shards' irq_works and the workers they queue have run. */
static inline void gm_flush_worker(struct gomap *map)
{
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++) {
		irq_work_sync(&map->shards[i].kick);
		flush_work(&map->shards[i].work);
	}
}

/* A key kind and value size that a behaviour must hold for. */
struct gm_kind {
	const char *name;
	unsigned int key_size;
	unsigned int value_size;
};

void gm_kind_desc(const struct gm_kind *k, char *desc);
const void *gm_kind_gen_params(const void *prev, char *desc);	/* every kind of gm_kinds[] */
size_t gm_key(const struct gomap_params *p, u32 id, u8 *buf);
void gm_value(const struct gomap_params *p, u32 id, u32 ver, u8 *buf);

/* Maps, and operations by id or key on them. */
struct gomap *gm_create_params(struct kunit *test, const struct gomap_params *p);
struct gomap *gm_create(struct kunit *test, unsigned int key_size,
			unsigned int value_size, unsigned int hint);
struct gomap *gm_kind_map(struct kunit *test, unsigned int hint);
int gm_assign_key(struct gomap *map, const u8 *key, size_t len, const void *val,
		  gfp_t gfp);
int gm_lookup_key(struct gomap *map, const u8 *key, size_t len, void *val);
int gm_update_id(struct gomap *map, u32 id, gomap_update_fn fn, void *arg, gfp_t gfp);
int gm_put(struct gomap *map, u32 id, u32 ver, gfp_t gfp);
int gm_get(struct gomap *map, u32 id, u32 ver);
int gm_del(struct gomap *map, u32 id);
u64 gm_get_u64(struct gomap *map, u32 id);
unsigned int gm_missing(struct gomap *map, u32 first, u32 last, u32 ver);
unsigned int gm_present(struct gomap *map, u32 first, u32 last);
int gm_put64(struct gomap *map, u64 key, u64 val);
int gm_del64(struct gomap *map, u64 key);
u64 gm_get64(struct gomap *map, u64 key);
u64 gm_hash64(struct gomap *map, u64 key);
void gm_keys_in_bucket(struct gomap *map, unsigned int B, unsigned long bucket,
		       u64 *keys, unsigned int n, u64 start);
unsigned int gm_finish_grow(struct kunit *test, struct gomap *map);

/* What gm_update_inc() saw. */
struct gm_upd {
	unsigned int calls;
	unsigned int not_found;
	bool first_found;
	bool zero_on_insert;	/* every call for a new key saw a zero-filled value */
	unsigned int value_size;
};

void gm_update_inc(void *value, bool found, void *arg);

/* The default map growing from 64 to 128 buckets, about half done. */
void gm_half_grown(struct kunit *test, struct gomap *map);

/* What a walk returned, counted by gm_walk_note(). */
struct gm_walk {
	unsigned int entries;	/* entries returned */
	unsigned int foreign;	/* keys that are no test id below the walk's limit */
	unsigned int dups;	/* entries whose id came back before */
	unsigned int wrong_value;
	int end;		/* the return that ended the walk: -ENOENT at its end */
};

int gm_iter_next_id(struct gomap_iter *it, const struct gomap_params *p, u32 *id,
		    u8 *val);
void gm_walk_note(struct gm_walk *w, const struct gomap_params *p, u8 *seen, u32 nr,
		  u32 id, const u8 *val, int ver);
struct gm_walk gm_walk(struct gomap *map, u8 *seen, u32 nr, int ver);
unsigned long gm_count_entries(struct gomap *map, unsigned long cap);
unsigned int gm_not_once(const u8 *seen, u32 first, u32 last);

/* The suites, one file each, registered together by gomap_kunit.c. */
extern struct kunit_suite gomap_suite;
extern struct kunit_suite gomap_grow_suite;
extern struct kunit_suite gomap_iter_suite;
extern struct kunit_suite gomap_context_suite;
extern struct kunit_suite gomap_fault_suite;
extern struct kunit_suite gomap_reserve_suite;
extern struct kunit_suite gomap_shard_suite;
extern struct kunit_suite gomap_shrink_suite;
extern struct kunit_suite gomap_batch_suite;

#endif /* _GOMAP_KUNIT_H */
