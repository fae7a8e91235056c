/* SPDX-License-Identifier: GPL-2.0 */
/* kmalloc and friends: libc underneath, accounted and failure-injectable. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/types.h>
#include "../shim.h"

#ifndef ZERO_SIZE_PTR
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#endif
#ifndef KMALLOC_MAX_SIZE
#define KMALLOC_MAX_SIZE	(4UL << 20)
#define KMALLOC_MAX_CACHE_SIZE	8192UL
#define KMALLOC_MIN_SIZE	8
#endif

#define kmalloc(size, gfp)	shim_kmalloc((size), (gfp), __FILE__, __LINE__)
#define kzalloc(size, gfp)	shim_kmalloc((size), (gfp) | __GFP_ZERO, __FILE__, __LINE__)
#define kmalloc_node(size, gfp, node) kmalloc(size, gfp)
#define kzalloc_node(size, gfp, node) kzalloc(size, gfp)
#define kmalloc_array(n, size, gfp) kmalloc(size_mul(n, size), gfp)
#define kcalloc(n, size, gfp)	kzalloc(size_mul(n, size), gfp)
#define kmalloc_array_node(n, size, gfp, node) kmalloc_array(n, size, gfp)
#define kcalloc_node(n, size, gfp, node) kcalloc(n, size, gfp)
#define kfree(p)		shim_kfree((p), __FILE__, __LINE__)
#define kfree_sensitive(p)	kfree(p)
#define ksize(p)		shim_ksize(p)
#define kmalloc_size_roundup(s)	shim_kmalloc_size_roundup(s)

#define kvmalloc(size, gfp)	shim_kvmalloc((size), (gfp), __FILE__, __LINE__)
#define kvzalloc(size, gfp)	shim_kvmalloc((size), (gfp) | __GFP_ZERO, __FILE__, __LINE__)
#define kvmalloc_node(size, gfp, node) kvmalloc(size, gfp)
#define kvzalloc_node(size, gfp, node) kvzalloc(size, gfp)
#define kvmalloc_array(n, size, gfp) kvmalloc(size_mul(n, size), gfp)
#define kvcalloc(n, size, gfp)	kvzalloc(size_mul(n, size), gfp)
#define kvfree(p)		shim_kvfree((p), __FILE__, __LINE__)
#define kvfree_sensitive(p, len) kvfree(p)

/* Slab caches: a named size; objects come from kmalloc. */
struct kmem_cache {
	const char *name;
	size_t size;
	size_t align;
	slab_flags_t flags;
	void (*ctor)(void *);
};
#define SLAB_HWCACHE_ALIGN	0x00002000U
#define SLAB_PANIC		0x00040000U
#define SLAB_TYPESAFE_BY_RCU	0x00080000U
#define SLAB_ACCOUNT		0x04000000U

static inline struct kmem_cache *shim_kmem_cache_create(const char *name, size_t size,
							size_t align, slab_flags_t flags,
							void (*ctor)(void *))
{
	struct kmem_cache *c = shim_kmalloc(sizeof(*c), GFP_KERNEL | __GFP_ZERO,
					    __FILE__, __LINE__);

	if (c) {
		c->name = name;
		c->size = size;
		c->align = align;
		c->flags = flags;
		c->ctor = ctor;
	}
	return c;
}
#define kmem_cache_create(name, size, align, flags, ctor) \
	shim_kmem_cache_create(name, size, align, flags, ctor)
#define KMEM_CACHE(s, flags) kmem_cache_create(#s, sizeof(struct s), __alignof__(struct s), flags, NULL)
#define kmem_cache_destroy(c)	kfree(c)
#define kmem_cache_alloc(c, gfp) ({ struct kmem_cache *__c = (c); \
	void *__o = shim_kmalloc(__c->size, (gfp), __FILE__, __LINE__); \
	if (__o && __c->ctor) __c->ctor(__o); __o; })
#define kmem_cache_zalloc(c, gfp) kmem_cache_alloc(c, (gfp) | __GFP_ZERO)
#define kmem_cache_free(c, p)	kfree(p)

#endif
