/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PREFETCH_H
#define _LINUX_PREFETCH_H

#include <linux/cache.h>

#ifndef prefetch
#define prefetch(x)	__builtin_prefetch(x)
#define prefetchw(x)	__builtin_prefetch(x, 1)
#endif
#ifndef PREFETCH_STRIDE
#define PREFETCH_STRIDE	(4 * L1_CACHE_BYTES)
#endif

static inline void prefetch_range(void *addr, size_t len)
{
	char *cp, *end = (char *)addr + len;

	for (cp = addr; cp < end; cp += PREFETCH_STRIDE)
		prefetch(cp);
}

#endif
