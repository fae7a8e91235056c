/* SPDX-License-Identifier: GPL-2.0 */
/*
 * siphash_key_t and siphash_1u64() for the harness: a keyed mix built on
 * xxHash, not SipHash.  The core only needs numbers nobody can predict
 * without the key; the kernel build gets the real SipHash-2-4.
 */
#ifndef _LINUX_SIPHASH_H
#define _LINUX_SIPHASH_H

#include <linux/types.h>
#include <xxhash.h>

typedef struct {
	u64 key[2];
} siphash_key_t;

static inline u64 siphash_1u64(u64 first, const siphash_key_t *key)
{
	return XXH64(&first, sizeof(first), key->key[0]) ^ key->key[1];
}

#endif
