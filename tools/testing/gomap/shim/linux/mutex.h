/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __LINUX_MUTEX_H
#define __LINUX_MUTEX_H

#include <pthread.h>
#include <linux/sched.h>

struct mutex {
	pthread_mutex_t m;
	unsigned long owner;
};

#define __MUTEX_INITIALIZER(n)	{ .m = PTHREAD_MUTEX_INITIALIZER }
#define DEFINE_MUTEX(n)		struct mutex n = __MUTEX_INITIALIZER(n)
#define mutex_init(l) \
	do { pthread_mutex_init(&(l)->m, NULL); (l)->owner = 0; } while (0)
#define mutex_destroy(l)	pthread_mutex_destroy(&(l)->m)
#define mutex_lock(l) do {						\
	might_sleep();							\
	pthread_mutex_lock(&(l)->m);					\
	(l)->owner = shim_thread_id() + 1;				\
} while (0)
#define mutex_unlock(l) \
	do { (l)->owner = 0; pthread_mutex_unlock(&(l)->m); } while (0)
#define mutex_is_locked(l)	((l)->owner != 0)

#endif
