// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: the memory reserve, for operations whose context may not allocate.
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "gomap_bucket.h"

/**
 * DOC: Memory reserve
 *
 * The map lock is a raw spinlock, and nothing is allocated or freed while
 * it is held: on PREEMPT_RT the allocator takes sleeping locks, and
 * lockdep's raw-lock nesting check (CONFIG_PROVE_RAW_LOCK_NESTING) reports
 * the same on any kernel.  What an operation needs under the lock (a fresh
 * map's first bucket, an overflow bucket, an out-of-line key or value) it
 * takes from the map's reserve: lists of free objects, one a size.  String
 * keys come in nine sizes, from 32 to 8192 bytes with the copy's header.
 *
 * An operation that leaves a list at half its target or below tops it up
 * after dropping the lock, if its context may allocate: not in NMI or
 * hardirq context, and on PREEMPT_RT only where preemptible().  Elsewhere
 * it kicks an irq_work, which queues the map's worker; the worker refills
 * the reserve in process context, and allocates the bucket array of a
 * growth that such a context could not (see DOC: Growth).  An operation
 * that finds a list empty drops the lock, allocates and looks again if its
 * context may allocate; otherwise it fails with -ENOMEM and changes
 * nothing.  A list found empty doubles its target, up to GM_TARGET_MAX
 * objects, so the reserve follows the bursts asked of it.
 *
 * Memory an operation lets go of goes back to the reserve if the operation
 * rolls back; otherwise it is freed after an RCU grace period (kfree_rcu(),
 * call_rcu()), which any context but NMI may ask for.
 *
 * A map created with GOMAP_F_PREALLOC gets all its memory in
 * gomap_create() (see DOC: Preallocated maps) and no call on it allocates
 * or frees: the reserve then holds every object the map can need, and
 * freed objects go straight back to it.
 */

#define GM_TARGET_MIN		4U	/* smallest target of a list in use */
#define GM_TARGET_MAX		256U	/* largest target a list grows to */
#define GM_TARGET_COPIES	16	/* first target of the out-of-line copies' lists */
#define GM_TARGET_OVF		8	/* first target of the overflow buckets' list */

/*
 * gm_pool_take() - Take an object from list @id of the reserve.
 * @h: The map, locked.
 * @id: GM_POOL_*.
 *
 * Asks the fault-injection hook first, as an allocation would (not for a
 * preallocated map, which allocates nothing).  An empty
 * list doubles its target; a list left at half its target or below is
 * marked for the refill that follows the operation.
 *
 * Return: The object (not zeroed), or NULL.
 */
void *gm_pool_take(struct gm_hmap *h, unsigned int id)
	__must_hold(&h->lock)
{
	struct gm_pool *pool = &h->pools[id];
	void **obj = pool->head;

	if (!pool->arena && gm_fail_injected(h, pool->size))
		return NULL;	/* a preallocated map's takes are not allocations */
	if (!obj) {
		h->stats.reserve_empty++;
		if (!pool->arena) {
			pool->target = clamp(2 * pool->target, GM_TARGET_MIN, GM_TARGET_MAX);
			WRITE_ONCE(h->pool_want, h->pool_want | BIT(id));
		}
		return NULL;
	}
	pool->head = *obj;
	pool->nr--;
	h->stats.reserve_bytes -= pool->size;
	if (!pool->arena && pool->nr <= pool->target / 2)
		WRITE_ONCE(h->pool_want, h->pool_want | BIT(id));
	return obj;
}

/* Put @obj on list @id: an operation's rollback, or a preallocated map's free. */
void gm_pool_put(struct gm_hmap *h, unsigned int id, void *obj)
	__must_hold(&h->lock)
{
	struct gm_pool *pool = &h->pools[id];

	*(void **)obj = pool->head;
	pool->head = obj;
	pool->nr++;
	h->stats.reserve_bytes += pool->size;
}

/* A refill of the reserve: planned and put under the lock, allocated without it. */
struct gm_refill {
	unsigned long want;		/* the lists it tops up, a bit each */
	unsigned int need[GM_NR_POOLS];
	unsigned int got[GM_NR_POOLS];
	void *lists[GM_NR_POOLS];
};

/* Allocate @n objects for list @id, linked through their first word; sets *@got. */
static void *pool_alloc(struct gm_hmap *h, unsigned int id, unsigned int n, gfp_t gfp,
			unsigned int *got)
{
	void *list = NULL;

	for (*got = 0; *got < n; (*got)++) {
		void **obj = kmalloc(h->pools[id].size, gfp);

		if (!obj)
			break;
		*obj = list;
		list = obj;
	}
	return list;
}

/*
 * gm_refill_plan() - Decide what a refill allocates: every list marked
 * low, up to its target.  The refill owns the marks from here on.
 * @h: The map, locked.
 * @r: The refill to plan.
 */
static void gm_refill_plan(struct gm_hmap *h, struct gm_refill *r)
	__must_hold(&h->lock)
{
	unsigned int id;

	r->want = h->pool_want;
	WRITE_ONCE(h->pool_want, 0);
	for (id = 0; id < GM_NR_POOLS; id++) {
		struct gm_pool *pool = &h->pools[id];

		r->need[id] = r->want & BIT(id) ? pool->target - min(pool->nr, pool->target) : 0;
	}
}

/*
 * gm_refill_alloc() - Allocate what gm_refill_plan() decided.
 * @h: The map, not locked.
 * @r: The refill.
 * @gfp: Allocation flags; made non-blocking unless they allow sleeping.
 *
 * Context: Where the kernel allows allocating with @gfp (gm_may_alloc()).
 * Return: false if an allocation failed.
 */
static bool gm_refill_alloc(struct gm_hmap *h, struct gm_refill *r, gfp_t gfp)
{
	bool full = true;
	unsigned int id;

	if (!gfpflags_allow_blocking(gfp))
		gfp = gm_gfp_atomic(gfp);
	for (id = 0; id < GM_NR_POOLS; id++) {
		r->lists[id] = pool_alloc(h, id, r->need[id], gfp, &r->got[id]);
		full &= r->got[id] == r->need[id];
	}
	return full;
}

/*
 * gm_refill_put() - Put what gm_refill_alloc() got on the lists.  A list
 * that got less than it needed stays marked low.
 * @h: The map, locked.
 * @r: The refill.
 */
static void gm_refill_put(struct gm_hmap *h, struct gm_refill *r)
	__must_hold(&h->lock)
{
	unsigned int id;

	for (id = 0; id < GM_NR_POOLS; id++) {
		while (r->lists[id]) {
			void *obj = r->lists[id];

			r->lists[id] = *(void **)obj;
			gm_pool_put(h, id, obj);
		}
		if (r->got[id] < r->need[id])
			WRITE_ONCE(h->pool_want, h->pool_want | BIT(id));
	}
	if (r->want)
		h->stats.reserve_refills++;
}

/*
 * gm_reserve_fill_locked() - Top up the lists marked low from inside an
 * operation: allocate with the lock dropped, and put what was allocated on
 * the lists once it is taken back, under the same hold as the operation's
 * next attempt, so that no other caller takes it first.
 * @h: The map, locked, inside a write section.
 * @gfp: Allocation flags.
 * @flags: The saved interrupt state of the lock hold.
 *
 * Context: Where the kernel allows allocating with @gfp (gm_may_alloc()).
 * Return: false if an allocation failed.
 */
bool gm_reserve_fill_locked(struct gm_hmap *h, gfp_t gfp, unsigned long *flags)
	__must_hold(&h->lock)
{
	struct gm_refill r;
	struct gm_op op;
	bool full;

	gm_refill_plan(h, &r);
	gm_write_pause(h, *flags, &op);
	full = gm_refill_alloc(h, &r, gfp);
	*flags = gm_write_resume(h, &op);
	gm_refill_put(h, &r);
	return full;
}

/*
 * gm_reserve_fill() - Top up the lists marked low, with the map lock dropped.
 * @h: The map, not locked.
 * @gfp: Allocation flags.
 *
 * Context: Where the kernel allows allocating with @gfp (gm_may_alloc()).
 * Return: false if an allocation failed; the list stays marked low.
 */
bool gm_reserve_fill(struct gm_hmap *h, gfp_t gfp)
{
	struct gm_refill r;
	unsigned long flags;
	bool full;

	raw_spin_lock_irqsave(&h->lock, flags);
	gm_refill_plan(h, &r);
	raw_spin_unlock_irqrestore(&h->lock, flags);
	full = gm_refill_alloc(h, &r, gfp);
	raw_spin_lock_irqsave(&h->lock, flags);
	gm_refill_put(h, &r);
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return full;
}

/*
 * gm_reserve_refill() - After an operation that left the reserve low or
 * wanted a bucket array: refill here if the context may allocate, else
 * wake the worker.
 * @h: The map, not locked.
 * @gfp: The operation's allocation flags.
 */
void gm_reserve_refill(struct gm_hmap *h, gfp_t gfp)
{
	if (gm_may_alloc(h) && READ_ONCE(h->pool_want) &&
	    gm_reserve_fill(h, gfp) && !READ_ONCE(h->grow_wanted))
		return;
	irq_work_queue(&h->kick);
}

/* The irq_work: any context may queue it; it queues the worker. */
void gm_reserve_kick_fn(struct irq_work *kick)
{
	struct gm_hmap *h = container_of(kick, struct gm_hmap, kick);

	queue_work(system_unbound_wq, &h->work);
}

/* The worker, in process context: a deferred growth's array, then the reserve. */
void gm_reserve_worker(struct work_struct *work)
{
	struct gm_hmap *h = container_of(work, struct gm_hmap, work);

	gm_grow_prepare(h);
	if (READ_ONCE(h->pool_want))
		gm_reserve_fill(h, GFP_KERNEL);
}

/* Give every object of list @id its place in one allocation (GOMAP_F_PREALLOC). */
static int pool_prealloc(struct gm_hmap *h, unsigned int id, unsigned long n, gfp_t gfp)
{
	struct gm_pool *pool = &h->pools[id];
	unsigned long i;
	size_t bytes;

	if (check_mul_overflow(n, (size_t)pool->size, &bytes))
		return -ENOMEM;
	pool->arena = kvmalloc(bytes, gfp | __GFP_NOWARN);
	if (!pool->arena)
		return -ENOMEM;
	for (i = n; i--; )
		gm_pool_put(h, id, pool->arena + i * pool->size);
	pool->target = n;
	return 0;
}

/*
 * A preallocated map's objects: a copy for each key and value stored out
 * of line, and the overflow buckets max_entries entries need when every
 * chain is packed (DOC: Preallocated maps): one for each GM_SLOTS entries.
 */
static int gm_reserve_prealloc(struct gm_hmap *h, gfp_t gfp)
{
	unsigned long n = h->params.max_entries;
	int ret;

	ret = pool_prealloc(h, GM_POOL_OVF, DIV_ROUND_UP(n, GM_SLOTS), gfp);
	if (!ret && h->value_indirect)
		ret = pool_prealloc(h, GM_POOL_VALUE, n, gfp);
	if (!ret && h->key_indirect)
		ret = pool_prealloc(h, GM_POOL_KEY, n, gfp);
	return ret;
}

/* An out-of-line copy of @len bytes, rounded so that copies packed in an arena stay aligned. */
static unsigned int gm_blob_size(unsigned int len)
{
	return ALIGN(sizeof(struct gm_blob) + len, sizeof(void *));
}

/* Each list's object size and first target, from the map's shape. */
static void gm_reserve_shape(struct gm_hmap *h)
{
	struct gm_pool *pools = h->pools;
	unsigned int c;

	pools[GM_POOL_TABLE].size = sizeof(struct gomap_table) + h->bucket_size;
	pools[GM_POOL_TABLE].target = 1;
	pools[GM_POOL_OVF].size = sizeof(struct gm_ovf) + h->bucket_size;
	pools[GM_POOL_OVF].target = GM_TARGET_OVF;
	if (h->value_indirect) {
		pools[GM_POOL_VALUE].size = gm_blob_size(h->params.value_size);
		pools[GM_POOL_VALUE].target = GM_TARGET_COPIES;
	}
	if (h->key_indirect) {
		pools[GM_POOL_KEY].size = gm_blob_size(h->params.key_size);
		pools[GM_POOL_KEY].target = GM_TARGET_COPIES;
	}
	if (h->kind != GM_KEY_STR)
		return;
	/* Keys up to 104 bytes have a list from the start, longer ones on first use. */
	for (c = 0; c < GM_STR_CLASSES; c++) {
		pools[GM_POOL_KEY + c].size = GM_STR_CLASS_MIN << c;
		if (pools[GM_POOL_KEY + c].size <= 128)
			pools[GM_POOL_KEY + c].target = GM_TARGET_COPIES;
	}
}

/**
 * gm_reserve_init() - Set up a new map's reserve and worker, and fill it.
 * @h: The map, not yet visible to anyone; its lock initialised.
 * @gfp: gomap_create()'s allocation flags.
 *
 * Return: 0 or -ENOMEM.  gm_reserve_free() undoes either.
 */
int gm_reserve_init(struct gm_hmap *h, gfp_t gfp)
{
	unsigned int id;

	gm_reserve_shape(h);
	if (h->prealloc) {
		for (id = 0; id < GM_NR_POOLS; id++)
			h->pools[id].target = 0;
		return gm_reserve_prealloc(h, gfp);
	}
	for (id = 0; id < GM_NR_POOLS; id++)
		if (h->pools[id].target)
			h->pool_want |= BIT(id);
	return gm_reserve_fill(h, gfp) ? 0 : -ENOMEM;
}

/*
 * gm_reserve_free() - Free the reserve of a map being destroyed.
 * @h: The map; its worker stopped.
 */
void gm_reserve_free(struct gm_hmap *h)
{
	unsigned int id;

	for (id = 0; id < GM_NR_POOLS; id++) {
		struct gm_pool *pool = &h->pools[id];

		if (pool->arena) {
			kvfree(pool->arena);
			continue;
		}
		while (pool->head) {
			void *obj = pool->head;

			pool->head = *(void **)obj;
			kfree(obj);
		}
	}
}
