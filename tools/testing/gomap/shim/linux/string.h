/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_STRING_H
#define _LINUX_STRING_H

#include <string.h>
#include <linux/types.h>
#include <linux/slab.h>

static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const u8 *p = start;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (p[i] != (u8)c)
			return (void *)(p + i);
	return NULL;
}

static inline bool mem_is_zero(const void *s, size_t n)
{
	return !memchr_inv(s, 0, n);
}

#define kmemdup(src, len, gfp) ({					\
	size_t __len = (len);						\
	void *__p = kmalloc(__len, gfp);				\
	if (__p)							\
		memcpy(__p, src, __len);				\
	__p; })

#define kstrndup(s, max, gfp) ({					\
	const char *__s = (s);						\
	size_t __l = __s ? strnlen(__s, max) : 0;			\
	char *__p = __s ? kmalloc(__l + 1, gfp) : NULL;			\
	if (__p) {							\
		memcpy(__p, __s, __l);					\
		__p[__l] = 0;						\
	}								\
	__p; })
#define kstrdup(s, gfp) kstrndup(s, SIZE_MAX, gfp)

static inline ssize_t strscpy(char *dest, const char *src, size_t count)
{
	size_t len;

	if (!count)
		return -E2BIG;
	len = strnlen(src, count);
	if (len == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = 0;
		return -E2BIG;
	}
	memcpy(dest, src, len + 1);
	return len;
}

static inline void memzero_explicit(void *s, size_t count)
{
	memset(s, 0, count);
	barrier();
}

#endif
