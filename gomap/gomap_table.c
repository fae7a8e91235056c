// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: table memory: bucket arrays, overflow buckets, out-of-line copies.
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "gomap_bucket.h"

/*
 * Largest array an atomic caller allocates inside its operation: 2 MiB
 * with 4 KiB pages, one pageblock on x86-64.  The page allocator's work
 * grows with the pages it hands out; larger arrays come from the worker.
 */
#define GM_ATOMIC_MAX_ORDER	min(9, MAX_ORDER - 1)

/* ---- Allocation ---- */

/*
 * Does the allocation about to be made fail on purpose?  Asks the per-map
 * test hook, then the fail_gomap fault-injection attribute.
 */
bool gm_fail_injected(struct gm_hmap *h, size_t size)
{
	bool fail;

	if (unlikely(h->fail_nth))
		fail = h->fail_nth == UINT_MAX || !--h->fail_nth;
	else
		fail = gomap_should_fail(size);
	h->op.fail_fired |= fail;
	return fail;
}

/*
 * Memory for a table of @size bytes.  An atomic caller's array above the
 * slab sizes comes straight from the page allocator: kmalloc() would make
 * it a compound page, whose setup writes every struct page of it (1024 for
 * a 4 MiB array) inside the operation.  kmemleak is told about it, so it
 * still scans the array for the pointers it holds.  Sets *@page_order to 1
 * + the order for such an array, to 0 for one tbl_free() kvfree()s.
 */
static void *tbl_mem_alloc(size_t size, gfp_t gfp, unsigned int *page_order)
{
	unsigned int order = get_order(size);
	void *p;

	*page_order = 0;
	if (gfpflags_allow_blocking(gfp))
		return kvmalloc(size, gfp);
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc(size, gfp | __GFP_NOWARN);
	if (order > GM_ATOMIC_MAX_ORDER)
		return NULL;
	p = (void *)__get_free_pages(gfp | __GFP_NOWARN, order);
	if (!p)
		return NULL;
	kmemleak_alloc(p, size, 1, gfp);
	*page_order = order + 1;
	return p;
}

static void tbl_mem_free(void *p, unsigned int page_order)
{
	if (!page_order) {
		kvfree(p);
		return;
	}
	kmemleak_free(p);
	free_pages((unsigned long)p, page_order - 1);
}

/* Set up the header of a table of 2^@shift buckets and @nreserve spare ones. */
static void tbl_init(struct gm_hmap *h, struct gomap_table *t, unsigned int shift,
		     unsigned long nreserve, size_t bytes, unsigned int page_order)
{
	memset(t, 0, sizeof(*t));
	t->page_order = page_order;
	t->buckets = t + 1;
	t->B = shift;
	t->reserve_next = 1UL << shift;
	t->reserve_end = t->reserve_next + nreserve;
	t->bytes = bytes;
	t->kind = h->kind;
	t->key_indirect = h->key_indirect;
	t->value_indirect = h->value_indirect;
	t->key_size = h->params.key_size;
	t->key_slot = h->key_slot;
	t->value_slot = h->value_slot;
	t->value_off = h->value_off;
	t->bucket_size = h->bucket_size;
	refcount_set(&t->refs, 1);
}

/*
 * tbl_alloc - Allocate a bucket array of 2^@shift buckets (Go's
 * makeBucketArray), with its overflow reserve when @shift >= 4 and
 * @spares (none for a preallocated map, whose overflow buckets all come
 * from its reserve, nor for a shrink's array, which starts at a quarter of
 * Go's load and rarely overflows).  @zero initialises every bucket;
 * otherwise buckets are initialised as they are filled.  The memory comes
 * from tbl_mem_alloc(), so the map lock must not be held.  The caller
 * consults the fault-injection hook.
 */
struct gomap_table *tbl_alloc(struct gm_hmap *h, unsigned int shift, gfp_t gfp, bool zero,
			      bool spares)
{
	unsigned long nbuckets = 1UL << shift, nreserve = 0;
	struct gomap_table *t;
	unsigned int page_order;
	size_t size;

	if (shift >= 4 && spares && !h->prealloc)
		nreserve = 1UL << (shift - 4);
	if (shift > GM_MAX_B ||
	    check_mul_overflow((size_t)(nbuckets + nreserve), (size_t)h->bucket_size, &size) ||
	    check_add_overflow(size, sizeof(*t), &size))
		return NULL;
	if (zero)
		gfp |= __GFP_ZERO;
	t = tbl_mem_alloc(size, gfp, &page_order);
	if (!t)
		return NULL;
	/* What the map holds: a page allocation is a whole power of two of pages. */
	tbl_init(h, t, shift, nreserve, page_order ? PAGE_SIZE << (page_order - 1) : size,
		 page_order);
	return t;
}

/*
 * tbl_take_first - A fresh or cleared map's first array, one zeroed bucket
 * (Go's makemap_small), from the reserve.  Under the map lock.
 */
struct gomap_table *tbl_take_first(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	struct gomap_table *t = gm_pool_take(h, GM_POOL_TABLE);

	if (!t)
		return NULL;
	tbl_init(h, t, 0, 0, h->pools[GM_POOL_TABLE].size, 0);
	memset(t->buckets, 0, h->bucket_size);
	return t;
}

void blob_free_list(struct gm_blob *blob)
{
	while (blob) {
		struct gm_blob *next = blob->next;

		kfree_rcu(blob, rcu);
		blob = next;
	}
}

/* Free the out-of-line keys and values of every live slot of a dropped table. */
static void tbl_free_entries(struct gomap_table *t)
{
	unsigned long idx;
	unsigned int i;
	void *b;

	for (idx = 0; idx < tbl_size(t); idx++) {
		if (!tbl_bucket_ready(t, idx))
			continue;
		for (b = tbl_bucket(t, idx); b; b = bkt_overflow(t, b)) {
			for (i = 0; i < GM_SLOTS; i++) {
				size_t len;
				const void *k;

				if (!top_live(bkt_tophash(b)[i]))
					continue;
				k = slot_key(t, b, i, &len);
				if (k && (t->kind == GM_KEY_STR || t->key_indirect))
					kfree(to_blob(k));
				if (t->value_indirect)
					kfree(to_blob(*(void **)bkt_value(t, b, i)));
			}
		}
	}
}

static void tbl_free(struct gomap_table *t)
{
	struct gm_ovf *ovf = t->overflow_list;

	if (t->owns_entries)
		tbl_free_entries(t);
	while (ovf) {
		struct gm_ovf *next = ovf->next;

		kfree(ovf);
		ovf = next;
	}
	if (t->src)
		tbl_put(t->src);
	tbl_mem_free(t, t->page_order);
}

static void tbl_free_rcu(struct rcu_head *head)
{
	tbl_free(container_of(head, struct gomap_table, rcu));
}

/*
 * Drop a reference.  The last one frees the table after a grace period,
 * from softirq context, so a caller holding a spinlock never frees a
 * vmalloc()ed array itself.
 */
void tbl_put(struct gomap_table *t)
{
	if (t && refcount_dec_and_test(&t->refs))
		call_rcu(&t->rcu, tbl_free_rcu);
}

/* The map gives up its reference to @t; its bytes stop counting. */
void gm_drop_table(struct gm_hmap *h, struct gomap_table *t, bool owns_entries)
{
	if (!t)
		return;
	t->owns_entries = owns_entries;
	h->bytes -= t->bytes;
	tbl_put(t);
}

/*
 * Take a fresh, zeroed overflow bucket for a chain of @t (Go's
 * newoverflow, first half): from the table's own spares (Go's
 * nextOverflow), else from the map's reserve.  A table frees the buckets
 * on its list when it goes; a preallocated map's buckets stay in its
 * reserve's memory.
 */
void *tbl_take_overflow(struct gm_hmap *h, struct gomap_table *t)
	__must_hold(&h->lock)
{
	size_t size = sizeof(struct gm_ovf) + t->bucket_size;
	struct gm_ovf *ovf;

	if (t->reserve_next < t->reserve_end) {
		void *b = tbl_bucket(t, t->reserve_next++);

		memset(b, 0, t->bucket_size);
		h->op.bytes += t->bucket_size;
		return b;
	}
	ovf = gm_pool_take(h, GM_POOL_OVF);
	if (!ovf)
		return NULL;
	memset(ovf, 0, size);
	h->op.bytes += size;
	t->bytes += size;
	h->bytes += size;
	if (!h->prealloc) {
		ovf->next = t->overflow_list;
		t->overflow_list = ovf;
	}
	return ovf->bucket;
}

/*
 * Give back the overflow bucket @b that tbl_take_overflow() took from the
 * reserve (its evacuation rolled back, or a preallocated map's chain
 * shrank).  Unless the map is preallocated, @b is the head of @t's list.
 */
void tbl_give_overflow(struct gm_hmap *h, struct gomap_table *t, void *b)
	__must_hold(&h->lock)
{
	struct gm_ovf *ovf = container_of(b, struct gm_ovf, bucket);
	size_t size = sizeof(*ovf) + t->bucket_size;

	if (!h->prealloc)
		t->overflow_list = ovf->next;
	t->bytes -= size;
	h->bytes -= size;
	gm_pool_put(h, GM_POOL_OVF, ovf);
}

/* Go's incrnoverflow: exact below B 16, then counted with probability 1/2^(B-15). */
static void gm_incr_noverflow(struct gm_hmap *h)
{
	unsigned int shift = min(h->B, 31U);

	if (shift < 16 || !(gm_random(h) & ((1U << (shift - 15)) - 1)))
		h->nr_overflow++;
}

/* Link overflow bucket @ovf after @last (Go's newoverflow, second half). */
void tbl_link_overflow(struct gm_hmap *h, struct gomap_table *t, void *last, void *ovf)
{
	smp_wmb();	/* the bucket's contents before the link lockless readers follow */
	WRITE_ONCE(*bkt_overflow_ptr(t, last), ovf);
	t->nr_overflow++;
	gm_incr_noverflow(h);
}
