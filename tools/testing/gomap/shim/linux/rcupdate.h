/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RCU over the shim: read-side sections are counted per thread, callbacks
 * are queued and run after a grace period in simulated softirq context
 * (see shim.h for when).
 */
#ifndef __LINUX_RCUPDATE_H
#define __LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/preempt.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include "../shim.h"

#ifdef SHIM_BENCH
#define rcu_read_lock()		shim_fast_enter(&shim_tls_ctx.rcu)
#define rcu_read_unlock()	shim_fast_leave(&shim_tls_ctx.rcu)
#else
#define rcu_read_lock()		shim_rcu_read_lock()
#define rcu_read_unlock()	shim_rcu_read_unlock()
#endif
#define rcu_read_lock_bh()	do { local_bh_disable(); rcu_read_lock(); } while (0)
#define rcu_read_unlock_bh()	do { rcu_read_unlock(); local_bh_enable(); } while (0)
#define rcu_read_lock_sched()	preempt_disable()
#define rcu_read_unlock_sched()	preempt_enable()
#define rcu_read_lock_held()	shim_in_rcu_reader()
#define rcu_read_lock_bh_held()	shim_in_rcu_reader()
#define rcu_read_lock_sched_held() shim_in_rcu_reader()
#define rcu_read_lock_any_held() shim_in_rcu_reader()

#define RCU_LOCKDEP_WARN(c, s)	do { if (c) shim_warn(__FILE__, __LINE__, s); } while (0)

#define rcu_check_sparse(p, space)
#define rcu_dereference_raw(p)	({ typeof(p) __p = READ_ONCE(p); __p; })
#define rcu_dereference_check(p, c) ({					\
	RCU_LOCKDEP_WARN(!(c) && !shim_in_rcu_reader(),			\
			 "suspicious rcu_dereference_check() usage");	\
	rcu_dereference_raw(p); })
#define rcu_dereference(p)	rcu_dereference_check(p, 0)
#define rcu_dereference_bh(p)	rcu_dereference_check(p, 0)
#define rcu_dereference_sched(p) rcu_dereference_check(p, 0)
#define rcu_dereference_protected(p, c) ({				\
	RCU_LOCKDEP_WARN(!(c), "suspicious rcu_dereference_protected() usage"); \
	(p); })
#define rcu_access_pointer(p)	READ_ONCE(p)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	WRITE_ONCE(p, v)
#define RCU_INITIALIZER(v)	(v)
#define rcu_replace_pointer(rcu_ptr, ptr, c) ({				\
	typeof(ptr) __tmp = rcu_dereference_protected((rcu_ptr), (c));	\
	rcu_assign_pointer((rcu_ptr), (ptr));				\
	__tmp; })
#define rcu_pointer_handoff(p)	(p)

#define call_rcu(head, func)	shim_call_rcu((head), (func))
#define call_rcu_hurry(head, func) shim_call_rcu((head), (func))
#define synchronize_rcu()	shim_synchronize_rcu(__FILE__, __LINE__)
#define synchronize_rcu_expedited() synchronize_rcu()
#define synchronize_net()	synchronize_rcu()
#define rcu_barrier()		shim_rcu_barrier()
#define cond_synchronize_rcu(x)	synchronize_rcu()
#define init_rcu_head(h)	do { } while (0)
#define destroy_rcu_head(h)	do { } while (0)
#define rcu_head_init(h)	do { } while (0)

/* kvfree_rcu(ptr, field) passes the field offset as the "function". */
#define __is_kvfree_rcu_offset(offset) ((offset) < 4096)
#define kvfree_rcu_arg_2(ptr, rhf) do {					\
	typeof(ptr) ___p = (ptr);					\
	if (___p) {							\
		BUILD_BUG_ON(!__is_kvfree_rcu_offset(offsetof(typeof(*(ptr)), rhf))); \
		shim_kvfree_call_rcu(&((___p)->rhf), (rcu_callback_t)(unsigned long) \
				     offsetof(typeof(*(ptr)), rhf));	\
	}								\
} while (0)
#define kvfree_rcu_arg_1(ptr) do {					\
	typeof(ptr) ___p = (ptr);					\
	if (___p) {							\
		synchronize_rcu();					\
		kvfree(___p);						\
	}								\
} while (0)
#define KVFREE_GET_MACRO(_1, _2, NAME, ...) NAME
#define kvfree_rcu(...) KVFREE_GET_MACRO(__VA_ARGS__, kvfree_rcu_arg_2, kvfree_rcu_arg_1)(__VA_ARGS__)
#define kfree_rcu(ptr, rhf...)	kvfree_rcu(ptr, ## rhf)
#define kvfree_rcu_mightsleep(ptr) kvfree_rcu_arg_1(ptr)
#define kfree_rcu_mightsleep(ptr) kvfree_rcu_arg_1(ptr)

#endif
