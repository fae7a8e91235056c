// SPDX-License-Identifier: GPL-2.0
/*
 * gomap side of `make bench`: the unchanged core, built -O2 with the
 * benchmark shim (test-and-set spinlocks, malloc underneath, no poisoning),
 * timed on the workload of workload.h.  Process context, GFP_KERNEL.
 *
 *   bench_gomap KIND N RUNS SEED     KIND: u64, s16 or s64
 *
 * Prints "gomap KIND N OP NS_PER_OP" lines (median of RUNS) and
 * "gomap KIND N bytes_per_entry B" (allocator charge: kmalloc size classes,
 * pages for vmalloc, map header included).
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/kernel.h>
#include <linux/gfp.h>
#include "gomap_internal.h"
#include "workload.h"

static unsigned int klen;	/* 8 for u64, else string length */
static size_t n;
static uint8_t *keys, *miss;
static uint32_t *ord;
static volatile uint64_t sink;

/* GOMAP_SHARDS=N in the environment: maps of N shards (default: gomap's choice). */
static struct gomap *make_map(unsigned int hint)
{
	const char *shards = getenv("GOMAP_SHARDS");
	struct gomap_params p = { .key_size = klen == 8 ? 8 : GOMAP_KEY_STRING,
				  .value_size = 8, .hint = hint,
				  .shards = shards ? atoi(shards) : 0 };
	struct gomap *m = gomap_create(&p, GFP_KERNEL);

	if (IS_ERR(m)) {
		fprintf(stderr, "gomap_create failed\n");
		exit(1);
	}
	return m;
}

static inline int put(struct gomap *m, const uint8_t *k, uint64_t v)
{
	if (klen == 8)
		return gomap_assign(m, k, &v, GFP_KERNEL);
	return gomap_assign_str(m, (const char *)k, klen, &v, GFP_KERNEL);
}

static inline int get(struct gomap *m, const uint8_t *k, uint64_t *v)
{
	if (klen == 8)
		return gomap_lookup(m, k, v);
	return gomap_lookup_str(m, (const char *)k, klen, v);
}

static inline int del(struct gomap *m, const uint8_t *k)
{
	if (klen == 8)
		return gomap_delete(m, k);
	return gomap_delete_str(m, (const char *)k, klen);
}

static void fill(struct gomap *m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (put(m, keys + i * klen, i)) {
			fprintf(stderr, "assign failed\n");
			exit(1);
		}
}

/* ns per operation of one measurement: @reps rounds of @phase. */
enum phase { INSERT, INSERT_HINT, LOOKUP_HIT, LOOKUP_MISS, ITERATE, DELETE, NR_PHASES };
static const char *const names[] = { "insert", "insert_hint", "lookup_hit", "lookup_miss",
				     "iterate", "delete" };

static double measure(enum phase ph, struct gomap *main_map, unsigned int reps)
{
	double t = 0, t0;
	unsigned int r;
	size_t i;
	uint64_t v, sum = 0;

	for (r = 0; r < reps; r++) {
		struct gomap *m = NULL;

		switch (ph) {
		case INSERT:
		case INSERT_HINT:
			m = make_map(ph == INSERT_HINT ? n : 0);
			t0 = wl_now();
			fill(m);
			t += wl_now() - t0;
			break;
		case LOOKUP_HIT:
			t0 = wl_now();
			for (i = 0; i < n; i++) {
				get(main_map, keys + (size_t)ord[i] * klen, &v);
				sum += v;
			}
			t += wl_now() - t0;
			break;
		case LOOKUP_MISS:
			t0 = wl_now();
			for (i = 0; i < n; i++)
				sum += get(main_map, miss + i * klen, &v);
			t += wl_now() - t0;
			break;
		case ITERATE: {
			struct gomap_iter it;
			uint8_t kb[64];

			t0 = wl_now();
			gomap_iter_start(&it, main_map);
			while (gomap_iter_next(&it, kb, sizeof(kb), &v) >= 0)
				sum += v;
			gomap_iter_stop(&it);
			t += wl_now() - t0;
			break;
		}
		case DELETE:
			m = make_map(0);
			fill(m);
			t0 = wl_now();
			for (i = 0; i < n; i++)
				sum += del(m, keys + (size_t)ord[i] * klen);
			t += wl_now() - t0;
			break;
		default:
			break;
		}
		if (m) {
			gomap_destroy(m);
			shim_rcu_barrier();
		}
	}
	sink = sum;
	return t * 1e9 / ((double)reps * n);
}

int main(int argc, char **argv)
{
	struct shim_mem_stats m0, m1;
	struct gomap *main_map;
	const char *kind;
	unsigned int reps;
	double *res;
	uint64_t seed;
	int runs, ph, r;

	if (argc != 5) {
		fprintf(stderr, "usage: %s u64|s16|s64 N RUNS SEED\n", argv[0]);
		return 2;
	}
	kind = argv[1];
	n = strtoull(argv[2], NULL, 0);
	runs = atoi(argv[3]);
	seed = strtoull(argv[4], NULL, 0);
	klen = !strcmp(kind, "u64") ? 8 : !strcmp(kind, "s16") ? 16 : 64;
	shim_random_seed(seed);
	shim_loglevel = 4;

	keys = malloc(n * klen);
	miss = malloc(n * klen);
	ord = malloc(n * sizeof(*ord));
	res = malloc(runs * sizeof(*res));
	wl_keys(keys, n, klen, seed, 0);
	wl_keys(miss, n, klen, seed, 1);
	wl_order(ord, n, seed);
	printf("check %s %zu %016llx\n", kind, n, (unsigned long long)wl_digest(keys, ord, n, klen));
	reps = wl_reps(n);

	/* Bytes per entry: what the allocator charges for a map built by inserts. */
	shim_rcu_barrier();
	shim_mem_stats(&m0);
	main_map = make_map(0);
	fill(main_map);
	shim_rcu_barrier();
	shim_mem_stats(&m1);
	printf("gomap %s %zu bytes_per_entry %.1f\n", kind, n,
	       (double)(m1.live_slab_bytes - m0.live_slab_bytes) / n);
	fflush(stdout);

	for (ph = 0; ph < NR_PHASES; ph++) {
		/* BENCH_PHASE=name runs one phase only (for perf stat/record). */
		if (getenv("BENCH_PHASE") && strcmp(getenv("BENCH_PHASE"), names[ph]))
			continue;
		for (r = 0; r < runs; r++)
			res[r] = measure(ph, main_map, ph == ITERATE ? max(reps, 2U) : reps);
		printf("gomap %s %zu %s %.2f\n", kind, n, names[ph], wl_median(res, runs));
		fflush(stdout);
	}
	gomap_destroy(main_map);
	free(keys);
	free(miss);
	free(ord);
	free(res);
	return shim_exit_check() ? 1 : 0;
}
