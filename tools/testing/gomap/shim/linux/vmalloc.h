/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H

#include <linux/slab.h>

#define vmalloc(size)		shim_vmalloc((size), GFP_KERNEL, __FILE__, __LINE__)
#define vzalloc(size)		shim_vmalloc((size), GFP_KERNEL | __GFP_ZERO, __FILE__, __LINE__)
#define __vmalloc(size, gfp)	shim_vmalloc((size), (gfp), __FILE__, __LINE__)
#define vmalloc_node(size, node) vmalloc(size)
#define vzalloc_node(size, node) vzalloc(size)
#define vmalloc_array(n, size)	vmalloc(size_mul(n, size))
#define vcalloc(n, size)	vzalloc(size_mul(n, size))
#define vfree(p)		shim_vfree((p), __FILE__, __LINE__)
#define vfree_atomic(p)		shim_kvfree((p), __FILE__, __LINE__)
#define is_vmalloc_addr(p)	shim_is_vmalloc_addr(p)

#endif
