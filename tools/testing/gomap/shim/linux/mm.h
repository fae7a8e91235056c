/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#ifndef PAGE_SHIFT
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#endif
#ifndef PAGE_ALIGN
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#endif
#ifndef MAX_ORDER
#define MAX_ORDER	11
#endif

/* Page allocations go through the shim's kmalloc: tracked, poisoned, failable. */
#define __get_free_pages(gfp, order) \
	((unsigned long)shim_kmalloc(PAGE_SIZE << (order), (gfp), __FILE__, __LINE__))
#define free_pages(addr, order)	shim_kfree((void *)(addr), __FILE__, __LINE__)

static inline int get_order(unsigned long size)
{
	size--;
	size >>= PAGE_SHIFT;
	return fls_long(size);
}

#endif
