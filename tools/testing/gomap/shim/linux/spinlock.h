/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spinlock_t over the shim lock: a pthread mutex with owner tracking in
 * the test builds.  Holding one makes the thread atomic (might_sleep()
 * complains) and counts as an RCU read-side section.
 */
#ifndef __LINUX_SPINLOCK_H
#define __LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <linux/bug.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>
#include <linux/spinlock_types.h>
#include "../shim.h"

#ifdef SHIM_BENCH
#define spin_lock_init(l) \
	do { (l)->val = 0; (l)->owner = 0; (l)->name = #l; } while (0)
#else
#define spin_lock_init(l) do {						\
	pthread_mutex_init(&(l)->mutex, NULL);				\
	(l)->init = 0x5ca1ab1e;						\
	(l)->owner = 0;							\
	(l)->name = #l;							\
} while (0)
#endif
#define raw_spin_lock_init(l)	spin_lock_init(l)

#ifdef SHIM_BENCH
/*
 * Inline, like an uncontended kernel spin_lock(): one atomic exchange and a
 * counted atomic section.  The owner is kept for spin_is_locked().
 */
static inline void shim_bench_spin_lock(struct shim_spinlock *l)
{
	while (__atomic_exchange_n(&l->val, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->val, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	__atomic_store_n(&l->owner, shim_thread_id_fast() + 1, __ATOMIC_RELAXED);
	shim_fast_enter(&shim_tls_ctx.locks);
}

static inline void shim_bench_spin_unlock(struct shim_spinlock *l)
{
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->val, 0, __ATOMIC_RELEASE);
	shim_fast_leave(&shim_tls_ctx.locks);
}
#define spin_lock(l)		shim_bench_spin_lock(l)
#define spin_unlock(l)		shim_bench_spin_unlock(l)
#else
#define spin_lock(l)		shim_spin_lock((l), __FILE__, __LINE__)
#define spin_unlock(l)		shim_spin_unlock((l), __FILE__, __LINE__)
#endif
#define spin_trylock(l)		shim_spin_trylock(l)
#define spin_lock_nested(l, s)	spin_lock(l)
#define spin_lock_bh(l) \
	do { local_bh_disable(); spin_lock(l); } while (0)
#define spin_unlock_bh(l) \
	do { spin_unlock(l); local_bh_enable(); } while (0)
#define spin_lock_irq(l) \
	do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l) \
	do { spin_unlock(l); local_irq_enable(); } while (0)
#define spin_lock_irqsave(l, flags) \
	do { local_irq_save(flags); spin_lock(l); } while (0)
#define spin_lock_irqsave_nested(l, flags, s) spin_lock_irqsave(l, flags)
#define spin_unlock_irqrestore(l, flags) \
	do { spin_unlock(l); local_irq_restore(flags); } while (0)
#define spin_trylock_irqsave(l, flags) ({				\
	int __got;							\
	local_irq_save(flags);						\
	__got = spin_trylock(l);					\
	if (!__got)							\
		local_irq_restore(flags);				\
	__got; })
#define spin_is_locked(l)	shim_spin_is_locked(l)
#define assert_spin_locked(l)	lockdep_assert_held(l)

/* A raw spinlock also counts in raw_locks: nothing may allocate under it. */
#define raw_spin_lock(l) \
	do { spin_lock(l); shim_tls_ctx.raw_locks++; } while (0)
#define raw_spin_unlock(l) \
	do { shim_tls_ctx.raw_locks--; spin_unlock(l); } while (0)
#define raw_spin_lock_irqsave(l, f) \
	do { spin_lock_irqsave(l, f); shim_tls_ctx.raw_locks++; } while (0)
#define raw_spin_unlock_irqrestore(l, f) \
	do { shim_tls_ctx.raw_locks--; spin_unlock_irqrestore(l, f); } while (0)
#define raw_spin_lock_irq(l) \
	do { spin_lock_irq(l); shim_tls_ctx.raw_locks++; } while (0)
#define raw_spin_unlock_irq(l) \
	do { shim_tls_ctx.raw_locks--; spin_unlock_irq(l); } while (0)
#define raw_spin_trylock_irqsave(l, f) ({				\
	int __raw_got = spin_trylock_irqsave(l, f);			\
	if (__raw_got)							\
		shim_tls_ctx.raw_locks++;				\
	__raw_got; })

#endif
