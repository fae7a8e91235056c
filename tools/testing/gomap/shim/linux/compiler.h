/* SPDX-License-Identifier: GPL-2.0 */
/* Compiler attributes, sparse annotations, READ_ONCE and memory barriers. */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#include <linux/kconfig.h>

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif
#ifndef __noinline
#define __noinline	noinline
#endif
#ifndef __maybe_unused
#define __maybe_unused	__attribute__((__unused__))
#endif
#ifndef __always_unused
#define __always_unused	__attribute__((__unused__))
#endif
#ifndef __used
#define __used		__attribute__((__used__))
#endif
#ifndef __cold
#define __cold		__attribute__((__cold__))
#endif
#ifndef __hot
#define __hot		__attribute__((__hot__))
#endif
#ifndef __pure
#define __pure		__attribute__((__pure__))
#endif
#ifndef __attribute_const__
#define __attribute_const__ __attribute__((__const__))
#endif
#ifndef __must_check
#define __must_check	__attribute__((__warn_unused_result__))
#endif
#ifndef __packed
#define __packed	__attribute__((__packed__))
#endif
#ifndef __aligned
#define __aligned(x)	__attribute__((__aligned__(x)))
#endif
#ifndef __printf
#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#endif
#ifndef __scanf
#define __scanf(a, b)	__attribute__((__format__(scanf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn	__attribute__((__noreturn__))
#endif
#ifndef __weak
#define __weak		__attribute__((__weak__))
#endif
#ifndef __malloc
#define __malloc	__attribute__((__malloc__))
#endif
#ifndef __alloc_size
#define __alloc_size(x, ...)
#endif
#ifndef __realloc_size
#define __realloc_size(x, ...)
#endif
#ifndef __section
#define __section(s)	__attribute__((__section__(s)))
#endif
#ifndef __visible
#define __visible
#endif
#ifndef notrace
#define notrace
#endif
#ifndef __flatten
#define __flatten	__attribute__((flatten))
#endif
#ifndef __nocfi
#define __nocfi
#endif
#ifndef __randomize_layout
#define __randomize_layout
#endif
#ifndef __no_randomize_layout
#define __no_randomize_layout
#endif
#ifndef __latent_entropy
#define __latent_entropy
#endif
#ifndef __read_mostly
#define __read_mostly
#endif
#ifndef __ro_after_init
#define __ro_after_init
#endif
#ifndef __counted_by
#define __counted_by(m)
#endif
#ifndef fallthrough
#define fallthrough	__attribute__((__fallthrough__))
#endif
#ifndef __nonstring
#define __nonstring
#endif

/* sparse annotations: nothing in userspace */
#ifndef __user
#define __user
#endif
#ifndef __kernel
#define __kernel
#endif
#ifndef __iomem
#define __iomem
#endif
#ifndef __percpu
#define __percpu
#endif
#ifndef __rcu
#define __rcu
#endif
#ifndef __force
#define __force
#endif
#ifndef __bitwise
#define __bitwise
#endif
#ifndef __nocast
#define __nocast
#endif
#ifndef __safe
#define __safe
#endif
#ifndef __private
#define __private
#endif
#ifndef ACCESS_PRIVATE
#define ACCESS_PRIVATE(p, member) ((p)->member)
#endif
#ifndef __must_hold
#define __must_hold(x)
#endif
#ifndef __acquires
#define __acquires(x)
#endif
#ifndef __releases
#define __releases(x)
#endif
#ifndef __acquire
#define __acquire(x)	((void)0)
#endif
#ifndef __release
#define __release(x)	((void)0)
#endif
#ifndef __cond_lock
#define __cond_lock(x, c) (c)
#endif
#ifndef __chk_user_ptr
#define __chk_user_ptr(x) ((void)0)
#endif

#ifndef __same_type
#define __same_type(a, b) __builtin_types_compatible_p(typeof(a), typeof(b))
#endif
#ifndef __must_be_array
#define __must_be_array(a) \
	(sizeof(struct { int:(-!!(__same_type((a), &(a)[0]))); }))
#endif
#ifndef typeof_member
#define typeof_member(T, m) typeof(((T *)0)->m)
#endif
#ifndef __is_constexpr
#define __is_constexpr(x) \
	(sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))
#endif
#ifndef unreachable
#define unreachable()	__builtin_unreachable()
#endif
#ifndef __stringify
#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)
#endif
#ifndef ___PASTE
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#endif
#ifndef __UNIQUE_ID
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#endif
#ifndef OPTIMIZER_HIDE_VAR
#define OPTIMIZER_HIDE_VAR(var) __asm__ ("" : "=r" (var) : "0" (var))
#endif

/* Barriers: x86-TSO semantics expressed with C11 fences. */
#ifndef barrier
#define barrier()	__asm__ __volatile__("" : : : "memory")
#endif
#ifndef mb
#define mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#ifndef smp_mb
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#ifndef smp_mb__before_atomic
#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()
#endif
#ifndef smp_mb__after_spinlock
#define smp_mb__after_spinlock() smp_mb()
#endif
#ifndef smp_acquire__after_ctrl_dep
#define smp_acquire__after_ctrl_dep() smp_rmb()
#endif

#ifndef READ_ONCE
#ifdef SHIM_STRESS
/*
 * Stress build: a lockless reader sometimes stalls right after a load,
 * so a racing writer's free lands between the load and the use.
 */
void shim_stress_point(void);
#define READ_ONCE(x) ({							\
	typeof(x) __ro_v = (*(const volatile typeof(x) *)&(x));		\
	shim_stress_point();						\
	__ro_v; })
#else
#define READ_ONCE(x)	(*(const volatile typeof(x) *)&(x))
#endif
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, val) \
	do { *(volatile typeof(x) *)&(x) = (val); } while (0)
#endif
#ifndef data_race
#define data_race(expr)	(expr)
#endif
#ifndef smp_load_acquire
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#endif
#ifndef smp_store_release
#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#endif
#ifndef smp_store_mb
#define smp_store_mb(var, value) \
	do { WRITE_ONCE(var, value); smp_mb(); } while (0)
#endif
#ifndef smp_cond_load_relaxed
#define smp_cond_load_relaxed(ptr, cond_expr) ({		\
	typeof(ptr) __PTR = (ptr);				\
	typeof(*ptr) VAL;					\
	for (;;) {						\
		VAL = READ_ONCE(*__PTR);			\
		if (cond_expr)					\
			break;					\
	}							\
	VAL;							\
})
#define smp_cond_load_acquire(ptr, cond_expr) ({		\
	typeof(*ptr) _val = smp_cond_load_relaxed(ptr, cond_expr); \
	smp_rmb();						\
	_val;							\
})
#endif

#endif /* _LINUX_COMPILER_H */
