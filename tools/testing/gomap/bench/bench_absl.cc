// SPDX-License-Identifier: GPL-2.0
/*
 * Abseil flat_hash_map side of `make bench` (Swiss table, SSE2 group
 * probing): the same workload as bench_gomap.c.  String maps own their
 * keys (std::string), as gomap does; lookups and deletes use string_view.
 *
 *   bench_absl KIND N RUNS SEED
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

extern "C" {
#include "workload.h"
}

/* Live bytes of operator new, for bytes per entry. */
static size_t live_bytes;

void *operator new(size_t size)
{
	size_t *p = static_cast<size_t *>(std::malloc(size + 16));

	if (!p)
		throw std::bad_alloc();
	p[0] = size;
	live_bytes += size;
	return p + 2;
}

void operator delete(void *ptr) noexcept
{
	if (!ptr)
		return;
	size_t *p = static_cast<size_t *>(ptr) - 2;

	live_bytes -= p[0];
	std::free(p);
}

void operator delete(void *ptr, size_t) noexcept
{
	operator delete(ptr);
}

static unsigned int klen;
static size_t n;
static std::vector<uint8_t> keys, miss;
static std::vector<uint32_t> ord;
static volatile uint64_t sink;

enum phase { INSERT, INSERT_HINT, LOOKUP_HIT, LOOKUP_MISS, ITERATE, DELETE, NR_PHASES };
static const char *const names[] = { "insert", "insert_hint", "lookup_hit", "lookup_miss",
				     "iterate", "delete" };

template <typename Map, typename MakeKey, typename View>
static double measure(phase ph, Map &main_map, unsigned int reps, MakeKey make, View view)
{
	double t = 0, t0;
	uint64_t sum = 0;

	for (unsigned int r = 0; r < reps; r++) {
		switch (ph) {
		case INSERT:
		case INSERT_HINT: {
			Map m;

			if (ph == INSERT_HINT)
				m.reserve(n);
			t0 = wl_now();
			for (size_t i = 0; i < n; i++)
				m.try_emplace(make(&keys[i * klen]), i);
			t += wl_now() - t0;
			break;
		}
		case LOOKUP_HIT:
			t0 = wl_now();
			for (size_t i = 0; i < n; i++) {
				auto it = main_map.find(view(&keys[(size_t)ord[i] * klen]));
				sum += it->second;
			}
			t += wl_now() - t0;
			break;
		case LOOKUP_MISS:
			t0 = wl_now();
			for (size_t i = 0; i < n; i++)
				sum += main_map.find(view(&miss[i * klen])) == main_map.end();
			t += wl_now() - t0;
			break;
		case ITERATE:
			t0 = wl_now();
			for (auto &kv : main_map)
				sum += kv.second;
			t += wl_now() - t0;
			break;
		case DELETE: {
			Map m;

			for (size_t i = 0; i < n; i++)
				m.try_emplace(make(&keys[i * klen]), i);
			t0 = wl_now();
			for (size_t i = 0; i < n; i++)
				sum += m.erase(view(&keys[(size_t)ord[i] * klen]));
			t += wl_now() - t0;
			break;
		}
		default:
			break;
		}
	}
	sink = sum;
	return t * 1e9 / ((double)reps * n);
}

template <typename Map, typename MakeKey, typename View>
static void run(const char *kind, int runs, MakeKey make, View view)
{
	std::vector<double> res(runs);
	unsigned int reps = wl_reps(n);
	size_t b0 = live_bytes;
	Map *main_map = new Map;

	for (size_t i = 0; i < n; i++)
		main_map->try_emplace(make(&keys[i * klen]), i);
	printf("absl %s %zu bytes_per_entry %.1f\n", kind, n,
	       (double)(live_bytes - b0 - sizeof(Map)) / n);
	fflush(stdout);
	for (int ph = 0; ph < NR_PHASES; ph++) {
		const char *only = getenv("BENCH_PHASE");

		if (only && strcmp(only, names[ph]))
			continue;
		for (int r = 0; r < runs; r++)
			res[r] = measure((phase)ph, *main_map,
					 ph == ITERATE ? std::max(reps, 2U) : reps, make, view);
		printf("absl %s %zu %s %.2f\n", kind, n, names[ph], wl_median(res.data(), runs));
		fflush(stdout);
	}
	delete main_map;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s u64|s16|s64 N RUNS SEED\n", argv[0]);
		return 2;
	}
	const char *kind = argv[1];
	n = strtoull(argv[2], nullptr, 0);
	int runs = atoi(argv[3]);
	uint64_t seed = strtoull(argv[4], nullptr, 0);

	klen = !strcmp(kind, "u64") ? 8 : !strcmp(kind, "s16") ? 16 : 64;
	keys.resize(n * klen);
	miss.resize(n * klen);
	ord.resize(n);
	wl_keys(keys.data(), n, klen, seed, 0);
	wl_keys(miss.data(), n, klen, seed, 1);
	wl_order(ord.data(), n, seed);
	printf("check %s %zu %016llx\n", kind, n,
	       (unsigned long long)wl_digest(keys.data(), ord.data(), n, klen));

	if (klen == 8) {
		auto k = [](const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; };
		run<absl::flat_hash_map<uint64_t, uint64_t>>(kind, runs, k, k);
	} else {
		auto make = [](const uint8_t *p) { return std::string((const char *)p, klen); };
		auto view = [](const uint8_t *p) { return absl::string_view((const char *)p, klen); };
		run<absl::flat_hash_map<std::string, uint64_t>>(kind, runs, make, view);
	}
	return 0;
}
