/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SHIM_ASM_UNALIGNED_H
#define _SHIM_ASM_UNALIGNED_H

#include <string.h>
#include <linux/types.h>

#define __shim_get_unaligned(type, p) ({ type __v; memcpy(&__v, (p), sizeof(__v)); __v; })
#define __shim_put_unaligned(type, v, p) do { type __v = (v); memcpy((p), &__v, sizeof(__v)); } while (0)

/* The kernel's own trick: a packed struct access, valid for const pointers. */
#define __get_unaligned_t(type, ptr) ({					\
	const struct { type x; } __attribute__((__packed__)) *__pptr =	\
		(typeof(__pptr))(ptr);					\
	__pptr->x;							\
})
#define __put_unaligned_t(type, val, ptr) do {				\
	struct { type x; } __attribute__((__packed__)) *__pptr =	\
		(typeof(__pptr))(ptr);					\
	__pptr->x = (val);						\
} while (0)
#define get_unaligned(p)	__get_unaligned_t(typeof(*(p)), (p))
#define put_unaligned(v, p)	__put_unaligned_t(typeof(*(p)), (v), (p))
static inline u16 get_unaligned_le16(const void *p) { return __shim_get_unaligned(u16, p); }
static inline u32 get_unaligned_le32(const void *p) { return __shim_get_unaligned(u32, p); }
static inline u64 get_unaligned_le64(const void *p) { return __shim_get_unaligned(u64, p); }
static inline void put_unaligned_le16(u16 v, void *p) { __shim_put_unaligned(u16, v, p); }
static inline void put_unaligned_le32(u32 v, void *p) { __shim_put_unaligned(u32, v, p); }
static inline void put_unaligned_le64(u64 v, void *p) { __shim_put_unaligned(u64, v, p); }

#endif
