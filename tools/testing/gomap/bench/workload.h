/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark workload, identical in bench_gomap.c, bench_absl.cc and
 * go/main.go (which mirrors this file): keys and orders come from
 * splitmix64 streams of one seed.
 *
 *   u64 keys:      hit i = splitmix(seed) output i with bit 63 clear;
 *                  miss i = splitmix(seed ^ MISS) output i with bit 63 set.
 *   L-byte keys:   L/8 consecutive outputs, little endian; the first byte's
 *                  low bit is 0 for hits, 1 for misses.
 *   order:         Fisher-Yates over 0..n-1 with splitmix(seed ^ ORDER),
 *                  j = r % (i + 1), for lookups and deletes.
 *   value of key i: i.
 *
 * Every program prints "check <kind> <n> <hex>" (a digest of the first keys
 * and the order) so the driver can verify they agree.
 */
#ifndef _GOMAP_BENCH_WORKLOAD_H
#define _GOMAP_BENCH_WORKLOAD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WL_MISS		0x6d697373ULL	/* "miss" */
#define WL_ORDER	0x6f726472ULL	/* "ordr" */

struct wl_rng {
	uint64_t s;
};

static inline uint64_t wl_next(struct wl_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fill @n keys of @klen bytes (8 for u64 keys) into @buf. */
static inline void wl_keys(uint8_t *buf, size_t n, unsigned int klen, uint64_t seed, int miss)
{
	struct wl_rng r = { miss ? seed ^ WL_MISS : seed };
	size_t i;
	unsigned int j;

	for (i = 0; i < n; i++) {
		uint8_t *k = buf + i * klen;

		for (j = 0; j < klen; j += 8) {
			uint64_t x = wl_next(&r);

			memcpy(k + j, &x, 8);	/* little endian on x86 */
		}
		if (klen == 8) {
			uint64_t x;

			memcpy(&x, k, 8);
			x = miss ? x | (1ULL << 63) : x & ~(1ULL << 63);
			memcpy(k, &x, 8);
		} else {
			k[0] = miss ? (k[0] | 1) : (k[0] & ~1);
		}
	}
}

static inline void wl_order(uint32_t *ord, size_t n, uint64_t seed)
{
	struct wl_rng r = { seed ^ WL_ORDER };
	size_t i;

	for (i = 0; i < n; i++)
		ord[i] = (uint32_t)i;
	for (i = n; i > 1; i--) {
		size_t j = wl_next(&r) % i;
		uint32_t t = ord[i - 1];

		ord[i - 1] = ord[j];
		ord[j] = t;
	}
}

static inline uint64_t wl_digest(const uint8_t *keys, const uint32_t *ord, size_t n,
				 unsigned int klen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i, m = n < 64 ? n : 64;

	for (i = 0; i < m * klen; i++)
		h = (h ^ keys[i]) * 0x100000001b3ULL;
	for (i = 0; i < m; i++)
		h = (h ^ ord[i]) * 0x100000001b3ULL;
	return h;
}

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Repetitions so that one measurement covers about 2M operations
 * (BENCH_TARGET_OPS overrides, e.g. for callgrind). */
static inline unsigned int wl_reps(size_t n)
{
	const char *t = getenv("BENCH_TARGET_OPS");
	size_t r = (t ? strtoull(t, NULL, 0) : 2000000) / n;

	return r ? (unsigned int)r : 1;
}

static int wl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double wl_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), wl_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
