/* SPDX-License-Identifier: GPL-2.0 */
/* Test helpers: maps that clean up after a failed case, keys chosen by hash. */
#ifndef _GOMAP_TMAP_H
#define _GOMAP_TMAP_H

#include <linux/kernel.h>
#include <linux/gfp.h>
#include "gomap_internal.h"

/* The shards of the maps tmap_new() creates: 1, one Go map, unless a case changes it. */
extern unsigned int tmap_shards;

/* Create a map the runner destroys if the case does not (ASSERTs on failure). */
struct gomap *tmap_new(unsigned int key_size, unsigned int value_size, unsigned int hint,
		       unsigned int max_entries);
/* gomap_test_check(), then gomap_destroy(); returns the check's result. */
int tmap_free(struct gomap *map);
void tmap_cleanup(void);

/* Deterministic key bytes for index @idx: any key size, distinct per idx. */
void tkey(void *buf, unsigned int key_size, u64 idx);
/* A string key for @idx of length @len (bytes include 0 and 0xff). */
void tstr(char *buf, size_t len, u64 idx);

/* The bucket of a fixed-size key in an array of 2^B buckets. */
unsigned long tkey_bucket(struct gomap *map, u64 idx, unsigned int B);
/* The next index >= @from whose key lands in @bucket of a 2^B array. */
u64 tkey_in_bucket(struct gomap *map, unsigned int B, unsigned long bucket, u64 from);

struct gomap_stats tstats(struct gomap *map);

#endif
