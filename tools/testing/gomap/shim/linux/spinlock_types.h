/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __LINUX_SPINLOCK_TYPES_H
#define __LINUX_SPINLOCK_TYPES_H

#include <pthread.h>
#include "../shim.h"

typedef struct shim_spinlock spinlock_t;
typedef struct shim_spinlock raw_spinlock_t;

struct lock_class_key {
	int dummy;
};

#ifdef SHIM_BENCH
#define __SPIN_LOCK_UNLOCKED(name) { .val = 0, .owner = 0, .name = #name }
#else
#define __SPIN_LOCK_UNLOCKED(name) \
	{ .mutex = PTHREAD_MUTEX_INITIALIZER, .init = 0x5ca1ab1e, .owner = 0, .name = #name }
#endif
#define __RAW_SPIN_LOCK_UNLOCKED(name) __SPIN_LOCK_UNLOCKED(name)
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

#endif
