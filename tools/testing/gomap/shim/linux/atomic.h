/* SPDX-License-Identifier: GPL-2.0 */
/* atomic_t, atomic64_t and atomic_long_t over the GCC __atomic builtins. */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

#define __SHIM_ATOMIC_OPS(pfx, atype, itype)				\
static inline itype pfx##_read(const atype *v)				\
{ return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }		\
static inline itype pfx##_read_acquire(const atype *v)			\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }		\
static inline void pfx##_set(atype *v, itype i)				\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }			\
static inline void pfx##_set_release(atype *v, itype i)			\
{ __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }			\
static inline void pfx##_add(itype i, atype *v)				\
{ __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); }		\
static inline void pfx##_sub(itype i, atype *v)				\
{ __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); }		\
static inline void pfx##_inc(atype *v) { pfx##_add(1, v); }		\
static inline void pfx##_dec(atype *v) { pfx##_sub(1, v); }		\
static inline itype pfx##_add_return(itype i, atype *v)			\
{ return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline itype pfx##_sub_return(itype i, atype *v)			\
{ return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline itype pfx##_inc_return(atype *v) { return pfx##_add_return(1, v); } \
static inline itype pfx##_dec_return(atype *v) { return pfx##_sub_return(1, v); } \
static inline itype pfx##_fetch_add(itype i, atype *v)			\
{ return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline itype pfx##_fetch_sub(itype i, atype *v)			\
{ return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline itype pfx##_fetch_inc(atype *v) { return pfx##_fetch_add(1, v); } \
static inline itype pfx##_fetch_dec(atype *v) { return pfx##_fetch_sub(1, v); } \
static inline bool pfx##_dec_and_test(atype *v) { return pfx##_dec_return(v) == 0; } \
static inline bool pfx##_inc_and_test(atype *v) { return pfx##_inc_return(v) == 0; } \
static inline bool pfx##_sub_and_test(itype i, atype *v)		\
{ return pfx##_sub_return(i, v) == 0; }					\
static inline itype pfx##_xchg(atype *v, itype i)			\
{ return __atomic_exchange_n(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline itype pfx##_cmpxchg(atype *v, itype old, itype new)	\
{ __atomic_compare_exchange_n(&v->counter, &old, new, false,		\
			      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
  return old; }								\
static inline bool pfx##_try_cmpxchg(atype *v, itype *old, itype new)	\
{ return __atomic_compare_exchange_n(&v->counter, old, new, false,	\
				     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); } \
static inline bool pfx##_add_unless(atype *v, itype a, itype u)	\
{ itype c = pfx##_read(v);						\
  do { if (c == u) return false; } while (!pfx##_try_cmpxchg(v, &c, c + a)); \
  return true; }							\
static inline bool pfx##_inc_not_zero(atype *v) { return pfx##_add_unless(v, 1, 0); }

__SHIM_ATOMIC_OPS(atomic, atomic_t, int)
__SHIM_ATOMIC_OPS(atomic64, atomic64_t, s64)
#ifdef CONFIG_64BIT
__SHIM_ATOMIC_OPS(atomic_long, atomic_long_t, s64)
#else
__SHIM_ATOMIC_OPS(atomic_long, atomic_long_t, int)
#endif

#ifndef xchg
#define xchg(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(ptr, o, n) ({						\
	typeof(*(ptr)) __o = (o);					\
	__atomic_compare_exchange_n((ptr), &__o, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__o; })
#define try_cmpxchg(ptr, po, n) \
	__atomic_compare_exchange_n((ptr), (po), (n), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define cmpxchg_relaxed(ptr, o, n)	cmpxchg(ptr, o, n)
#define cmpxchg_acquire(ptr, o, n)	cmpxchg(ptr, o, n)
#define cmpxchg_release(ptr, o, n)	cmpxchg(ptr, o, n)
#endif

#endif
