/* SPDX-License-Identifier: GPL-2.0 */
/* get_random_*(): one seedable generator (shim_random_seed()) for a run. */
#ifndef _LINUX_RANDOM_H
#define _LINUX_RANDOM_H

#include <string.h>
#include <linux/types.h>
#include "../shim.h"

static inline u64 get_random_u64(void) { return shim_random_u64(); }
static inline u32 get_random_u32(void) { return (u32)shim_random_u64(); }
static inline u16 get_random_u16(void) { return (u16)shim_random_u64(); }
static inline u8 get_random_u8(void) { return (u8)shim_random_u64(); }
static inline unsigned long get_random_long(void) { return (unsigned long)shim_random_u64(); }
static inline unsigned int get_random_int(void) { return (u32)shim_random_u64(); }

static inline u32 get_random_u32_below(u32 ceil)
{
	return (u32)(((u64)get_random_u32() * (u64)ceil) >> 32);
}

static inline u32 get_random_u32_above(u32 floor)
{
	return floor + 1 + get_random_u32_below(UINT32_MAX - floor);
}

static inline u32 get_random_u32_inclusive(u32 floor, u32 ceil)
{
	return floor + get_random_u32_below(ceil - floor + 1);
}

static inline void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		u64 r = shim_random_u64();
		size_t n = len < 8 ? len : 8;

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

static inline u32 prandom_u32_max(u32 ceil) { return get_random_u32_below(ceil); }
static inline u32 prandom_u32(void) { return get_random_u32(); }

#endif
