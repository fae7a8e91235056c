/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gomap_bench: what its parts share: the maps under test behind one set
 * of calls (bench_maps.c), the keys, and the module's parameters
 * (gomap_bench.c).
 */
#ifndef _GOMAP_BENCH_H
#define _GOMAP_BENCH_H

#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "gomap.h"

/* One map under test, behind the same calls for every implementation. */
struct bench_map {
	const struct bench_ops *ops;
	struct gomap *gm;
	unsigned int gm_shards;	/* gomap's shards; 0: the ops' own choice */
	struct rhashtable rht;
	struct hlist_head *hlist;
	unsigned int hbits;
	spinlock_t lock;	/* writers of the hashtable.h table */
	unsigned long nr;
};

struct bench_ops {
	const char *name;
	int (*create)(struct bench_map *m, unsigned long n);
	void (*destroy)(struct bench_map *m);
	int (*insert)(struct bench_map *m, u64 key, u64 val, gfp_t gfp);
	int (*lookup)(struct bench_map *m, u64 key, u64 *val);
	int (*update)(struct bench_map *m, u64 key, u64 val);
	int (*remove)(struct bench_map *m, u64 key);
	unsigned long (*iterate)(struct bench_map *m);
	size_t (*bytes)(struct bench_map *m);
	/* The table's shape, for the report of the slowest operations. */
	void (*describe)(struct bench_map *m, char *buf, size_t len);
};

extern const struct bench_ops gomap_ops, gomap_s1_ops, rht_ops, ht_ops;
#define BENCH_NR_OPS	4
extern const struct bench_ops *const bench_all_ops[BENCH_NR_OPS];

/* The module's parameters. */
extern unsigned int bench_reps;
extern bool bench_spread;
extern char *bench_prefix;
extern char *bench_lat_prefix;

/* Keys: a fixed pseudo-random sequence, the same for every map. */
extern u64 *bench_keys;

static inline u64 bench_key(unsigned long i)
{
	return bench_keys[i];
}

/* Absent keys: the stored ones have bit 0 clear. */
static inline u64 bench_miss_key(unsigned long i)
{
	return bench_keys[i] | 1;
}

u64 bench_median(u64 *v, unsigned int n);
u64 bench_mix(u64 z);
u64 *bench_rand_keys(unsigned long n, unsigned long count);
void bench_quiesce(unsigned int ms);

/* The parts, each in a file of its own. */
int bench_size(unsigned long n);
int bench_memory(unsigned long max);
int bench_scaling(unsigned long n);
int bench_latency(unsigned long n);
int bench_batch(unsigned long n);

#endif /* _GOMAP_BENCH_H */
