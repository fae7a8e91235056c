/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit files of gomap_kunit.ko share: the seed every case's map
 * gets, the default map of a suite, and small helpers.
 */
#ifndef _GOMAP_KUNIT_H
#define _GOMAP_KUNIT_H

#include <kunit/test.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>

#include "gomap.h"
#include "gomap_internal.h"

#define GM_SEED		0x5eed5eedcafef00dULL	/* hash0 of every map the cases create */

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

/* Wait until the map's irq_work and the worker it queues have run. */
static inline void gm_flush_worker(struct gomap *map)
{
	irq_work_sync(&map->kick);
	flush_work(&map->work);
}

extern struct kunit_suite gomap_reserve_suite;

#endif /* _GOMAP_KUNIT_H */
