/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's xxh32()/xxh64() from the upstream xxHash library
 * (libxxhash-dev): same algorithm, same values (checked by a known-answer
 * test in tests/).  The streaming state maps onto XXH64_state_t.
 */
#ifndef XXHASH_H
#define XXHASH_H

#include <linux/types.h>
#define XXH_STATIC_LINKING_ONLY	/* XXH64_state_t's layout */
#include <xxhash.h>

static inline u32 xxh32(const void *input, size_t length, u32 seed)
{
	return XXH32(input, length, seed);
}

static inline u64 xxh64(const void *input, size_t length, u64 seed)
{
	return XXH64(input, length, seed);
}

static inline unsigned long xxhash(const void *input, size_t length, u64 seed)
{
#if __SIZEOF_LONG__ == 8
	return xxh64(input, length, seed);
#else
	return xxh32(input, length, seed);
#endif
}

struct xxh64_state {
	XXH64_state_t s;
};

static inline void xxh64_reset(struct xxh64_state *state, u64 seed)
{
	XXH64_reset(&state->s, seed);
}

static inline int xxh64_update(struct xxh64_state *state, const void *input, size_t length)
{
	return XXH64_update(&state->s, input, length) == XXH_OK ? 0 : -22;
}

static inline u64 xxh64_digest(const struct xxh64_state *state)
{
	return XXH64_digest(&state->s);
}

#endif
