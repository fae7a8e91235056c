// SPDX-License-Identifier: GPL-2.0
/*
 * gomap: growth (hashGrow, growWork) and evacuation.
 *
 * See gomap_core.c for the names used throughout.
 */

#include <linux/lockdep.h>
#include <linux/workqueue.h>

#include "gomap_bucket.h"

/**
 * DOC: Growth
 *
 * An assign that adds a key to a map over the load factor (6.5 entries a
 * bucket) starts a doubling growth; one that finds about as many overflow
 * buckets as buckets starts a same-size growth that repacks the chains.
 * Starting a growth only installs the new array (Go's hashGrow): entries
 * move later, two old buckets at most by each write (Go's growWork), so no
 * operation does work proportional to the size of the map.
 *
 * Unlike Go, the new array is not zeroed when it is allocated: each new
 * bucket is initialised when the old bucket that feeds it is evacuated.
 * Until then nothing reads it, because every access first checks whether
 * the old bucket is evacuated.  An operation therefore touches at most a
 * small constant number of buckets (two old chains, their destinations,
 * and the bucket it works on), whatever the size of the map.
 *
 * The new array is allocated with the map lock dropped, by the assign
 * that wants it if its context may allocate (see DOC: Memory reserve):
 * with kvmalloc() if its gfp may sleep, else without sleeping, and at most
 * 2 MiB.  Otherwise, or when that fails, the map keeps serving on overflow
 * buckets from its reserve and the map's worker allocates the array in
 * process context; the next assign that wants to grow installs it.  A
 * failed growth never fails an assign.  The overflow buckets an
 * evacuation needs come from the reserve too; when it has none, the
 * evacuation waits for a later write.
 */

#define GM_EVAC_SCAN		1024	/* Go's advanceEvacuationMark stop */

#define GM_EVAC_PER_OP		2	/* old buckets one operation may evacuate */

/* ---- Growth: hashGrow, growWork, evacuate ---- */

/* Where evacuate puts entries: Go's evacDst. */
struct gm_dst {
	void *b;
	unsigned int i;
};

static void dst_init(struct gm_hmap *h, struct gm_dst *d, void *b)
{
	memset(b, 0, h->table->bucket_size);
	h->op.bytes += h->table->bucket_size;
	h->op.buckets++;
	d->b = b;
	d->i = 0;
}

/* An old entry's hash; for u64 keys xxh64_8() on the slot, as evacuate_fast64. */
static __always_inline u64 evac_hash(struct gm_hmap *h, struct gomap_table *old, void *b,
				     unsigned int i, bool u64_keys)
{
	if (u64_keys)
		return xxh64_8(bkt_key(old, b, i), h->hash0);
	return slot_hash(h, old, b, i);
}

/*
 * How many entries of the old chain @ob go to y (hash & @newbit set).
 * Bit k of @ybits says whether the k-th live entry does, for the first
 * GM_YBITS of them (min(@total, GM_YBITS)), so that the move need not
 * hash them again.
 */
#define GM_YBITS	64

static unsigned long evac_count(struct gm_hmap *h, struct gomap_table *old, void *ob,
				unsigned long newbit, unsigned long *total, u64 *ybits)
{
	bool u64_keys = h->kind == GM_KEY_U64;
	unsigned long ny = 0;
	unsigned int i;
	void *b;

	*total = 0;
	*ybits = 0;
	for (b = ob; b; b = bkt_overflow(old, b)) {
		for (i = 0; i < GM_SLOTS; i++) {
			if (!top_live(bkt_tophash(b)[i]))
				continue;
			if (newbit && (evac_hash(h, old, b, i, u64_keys) & newbit)) {
				ny++;
				if (*total < GM_YBITS)
					*ybits |= BIT_ULL(*total);
			}
			(*total)++;
		}
	}
	return ny;
}

/* Buckets taken for an evacuation, so that a failure can give them back. */
struct gm_evac_spares {
	void *list;		/* zeroed buckets linked through their overflow pointers */
	unsigned long reserve_next;
	unsigned int nr_alloc;
};

static int evac_take_spares(struct gm_hmap *h, struct gm_evac_spares *sp, unsigned long n)
{
	struct gomap_table *t = h->table;

	sp->list = NULL;
	sp->reserve_next = t->reserve_next;
	sp->nr_alloc = 0;
	while (n--) {
		bool from_reserve = t->reserve_next < t->reserve_end;
		void *b = tbl_take_overflow(h, t);

		if (!b)
			goto fail;
		sp->nr_alloc += !from_reserve;
		*bkt_overflow_ptr(t, b) = sp->list;
		sp->list = b;
	}
	return 0;
fail:
	/* The map's buckets head the table's list, the table's own come back whole. */
	t->reserve_next = sp->reserve_next;
	while (sp->nr_alloc--)
		tbl_give_overflow(h, t, ((struct gm_ovf *)t->overflow_list)->bucket);
	return -ENOMEM;
}

/*
 * Append the entry in slot @i of @b to @d, chaining a spare bucket when @d
 * is full.  @ks and @vs are the key and value slot sizes if the caller
 * knows them at compile time, else 0.
 */
static __always_inline void evac_move(struct gm_hmap *h, struct gm_dst *d,
				      struct gm_evac_spares *sp, struct gomap_table *old,
				      void *b, unsigned int i, unsigned int ks, unsigned int vs)
{
	struct gomap_table *t = h->table;

	if (d->i == GM_SLOTS) {
		void *next = sp->list;

		sp->list = bkt_overflow(t, next);
		*bkt_overflow_ptr(t, next) = NULL;
		tbl_link_overflow(h, t, d->b, next);
		d->b = next;
		d->i = 0;
		h->op.buckets++;
	}
	bkt_tophash(d->b)[d->i] = bkt_tophash(b)[i];
	if (ks && vs) {	/* gm_set_shape()'s layout, known at compile time */
		unsigned int voff = GM_SLOTS + ALIGN(GM_SLOTS * ks, 8);

		gm_memcpy(d->b + GM_SLOTS + d->i * ks, b + GM_SLOTS + i * ks, ks);
		gm_memcpy(d->b + voff + d->i * vs, b + voff + i * vs, vs);
	} else {
		ks = t->key_slot;
		vs = t->value_slot;
		gm_memcpy(bkt_key(t, d->b, d->i), bkt_key(old, b, i), ks);
		gm_memcpy(bkt_value(t, d->b, d->i), bkt_value(old, b, i), vs);
	}
	h->op.bytes += ks + vs;
	d->i++;
}

/*
 * Move every live entry of the chain from @ob to @dst: x, or y when
 * doubling and the hash has @newbit (for the first @nybits live entries,
 * when bit k of @ybits from evac_count() is set).
 * With @u64_keys the compiler knows the key's size and hash function, and
 * with @vs its value slot size (Go's evacuate_fast64); else both are read
 * from the table.
 */
static __always_inline void evac_chain(struct gm_hmap *h, struct gomap_table *old, void *ob,
				       struct gm_dst *dst, struct gm_evac_spares *sp,
				       unsigned long newbit, u64 ybits, unsigned int nybits,
				       bool u64_keys, unsigned int vs)
{
	unsigned int i, k = 0;	/* k: live entries seen */
	void *b;

	for (b = ob; b; b = bkt_overflow(old, b)) {
		u8 *top = bkt_tophash(b);

		h->op.buckets++;
		for (i = 0; i < GM_SLOTS; i++) {
			bool y = false;

			if (!top_live(top[i])) {
				top[i] = GM_EVAC_EMPTY;
				continue;
			}
			if (newbit && k < nybits)
				y = ybits & BIT_ULL(k);
			else if (newbit)
				y = evac_hash(h, old, b, i, u64_keys) & newbit;
			k++;
			evac_move(h, &dst[y], sp, old, b, i, u64_keys ? sizeof(u64) : 0, vs);
			top[i] = y ? GM_EVAC_Y : GM_EVAC_X;
		}
	}
}

/*
 * Old buckets a growth moves, or pairs of them a shrink does: a shrink's
 * evacuation unit j is old buckets j and j + 2^B (see gm_evacuate_pair()).
 */
static unsigned long gm_evac_units(struct gm_hmap *h)
{
	return h->shrinking ? tbl_size(h->table) : tbl_size(h->old_table);
}

/* Go's advanceEvacuationMark: also ends the growth after the last old bucket. */
static void gm_advance_mark(struct gm_hmap *h)
{
	struct gomap_table *old = h->old_table;
	unsigned long stop, units = gm_evac_units(h);

	h->evac_next++;
	stop = min(h->evac_next + GM_EVAC_SCAN, units);
	while (h->evac_next != stop && bkt_evacuated(tbl_bucket(old, h->evac_next)))
		h->evac_next++;
	if (h->evac_next < units)
		return;
	smp_wmb();	/* every bucket initialised before the old table goes */
	WRITE_ONCE(h->old_table, NULL);
	h->same_size_grow = false;
	h->shrinking = false;
	WRITE_ONCE(h->table->src, NULL);
	tbl_put(old);			/* the new table's reference on its source */
	gm_drop_table(h, old, false);	/* the map's reference */
}

/* Move the chain from @ob into @dst; u64 keys and values take Go's evacuate_fast64 copy. */
static void evac_chain_x(struct gm_hmap *h, struct gomap_table *old, void *ob,
			 struct gm_dst *dst, struct gm_evac_spares *sp)
{
	if (h->kind == GM_KEY_U64 && h->table->value_slot == sizeof(u64))
		evac_chain(h, old, ob, dst, sp, 0, 0, 0, true, sizeof(u64));
	else
		evac_chain(h, old, ob, dst, sp, 0, 0, 0, false, 0);
}

/*
 * A shrink's evacuation: old buckets @j and @j + 2^B both feed new bucket
 * @j, so they move together, into one chain, and count as two against
 * the operation's bound.  New bucket @j is initialised here, and the pair
 * reads evacuated (slot 0 of old bucket @j, which tbl_bucket_ready() and
 * the evacuation mark test) only once both are moved.
 */
static int gm_evacuate_pair(struct gm_hmap *h, unsigned long j)
{
	struct gomap_table *old = h->old_table, *t = h->table;
	void *ob[2] = { tbl_bucket(old, j), tbl_bucket(old, j + tbl_size(t)) };
	unsigned long total = 0, n, need;
	struct gm_evac_spares sp = { };
	struct gm_dst dst;
	u64 ybits;

	if (bkt_evacuated(ob[0]))
		goto advance;
	evac_count(h, old, ob[0], 0, &n, &ybits);
	total += n;
	evac_count(h, old, ob[1], 0, &n, &ybits);
	total += n;
	need = DIV_ROUND_UP(total, GM_SLOTS) - !!total;
	if (need && evac_take_spares(h, &sp, need)) {
		h->stats.failed_evacuations++;
		return -ENOMEM;
	}
	dst_init(h, &dst, tbl_bucket(t, j));
	smp_wmb();	/* the destination initialised before either old bucket reads evacuated */
	evac_chain_x(h, old, ob[1], &dst, &sp);
	evac_chain_x(h, old, ob[0], &dst, &sp);
	WARN_ON_ONCE(sp.list);
	h->op.evacuated += 2;
advance:
	if (j == h->evac_next)
		gm_advance_mark(h);
	return 0;
}

/*
 * evacuate - Move every entry of old bucket @oldi to the new array.
 * Entries go to x (same index) or, when doubling, y (index + old size) by
 * the hash bit the new mask adds.  The overflow buckets the destinations
 * will need are taken first, so an allocation failure moves nothing.
 */
int gm_evacuate(struct gm_hmap *h, unsigned long oldi)
{
	struct gomap_table *old = h->old_table, *t = h->table;
	unsigned long newbit = h->same_size_grow ? 0 : tbl_size(old);
	unsigned long total, ny, need;
	struct gm_evac_spares sp = { };
	unsigned int nybits = 0;	/* y bits evac_count() left in ybits */
	struct gm_dst dst[2];
	void *ob = tbl_bucket(old, oldi);
	u64 ybits = 0;

	if (h->shrinking)
		return gm_evacuate_pair(h, oldi & tbl_mask(t));
	if (bkt_evacuated(ob))
		goto advance;
	need = 0;
	if (bkt_overflow(old, ob)) {	/* more than one bucket's worth may go to x or y */
		ny = evac_count(h, old, ob, newbit, &total, &ybits);
		nybits = min_t(unsigned long, total, GM_YBITS);
		need = DIV_ROUND_UP(total - ny, GM_SLOTS) - !!(total - ny) +
		       DIV_ROUND_UP(ny, GM_SLOTS) - !!ny;
	}
	if (need && evac_take_spares(h, &sp, need)) {
		h->stats.failed_evacuations++;
		return -ENOMEM;
	}

	dst_init(h, &dst[0], tbl_bucket(t, oldi));
	if (newbit)
		dst_init(h, &dst[1], tbl_bucket(t, oldi + newbit));
	smp_wmb();	/* destinations initialised before the old bucket reads evacuated */
	if (h->kind == GM_KEY_U64 && t->value_slot == sizeof(u64))
		evac_chain(h, old, ob, dst, &sp, newbit, ybits, nybits, true, sizeof(u64));
	else
		evac_chain(h, old, ob, dst, &sp, newbit, ybits, nybits, false, 0);
	WARN_ON_ONCE(sp.list);
	h->op.evacuated++;
advance:
	if (oldi == h->evac_next)
		gm_advance_mark(h);
	return 0;
}

/*
 * Go's growWork: the old bucket @hash needs, then one more to make
 * progress.  An operation that already evacuated (an assign that finished
 * one growth and started the next) does not go past GM_EVAC_PER_OP: the
 * bucket it needs may stay in the old array, where reads and writes find it.
 */
void gm_grow_work(struct gm_hmap *h, u64 hash)
{
	if (h->op.evacuated < GM_EVAC_PER_OP)
		gm_evacuate(h, hash & tbl_mask(h->old_table));
	if (h->old_table && h->op.evacuated < GM_EVAC_PER_OP)
		gm_evacuate(h, h->evac_next);
}

/*
 * Install @t as the new array and start moving into it (Go's hashGrow);
 * @t may be twice the old array (growth), the same size (Go's
 * sameSizeGrow) or half (a shrink).
 */
static void gm_start_growth(struct gm_hmap *h, struct gomap_table *t, bool same_size)
{
	h->old_table = h->table;
	t->src = h->old_table;
	refcount_inc(&t->src->refs);	/* dropped when the growth ends */
	smp_wmb();	/* the source before the table that leads to it: see gm_find() */
	WRITE_ONCE(h->table, t);
	h->shrinking = t->B < h->old_table->B;
	h->B = t->B;
	h->same_size_grow = same_size;
	h->evac_next = 0;
	h->nr_overflow = 0;
	h->bytes += t->bytes;
	if (h->shrinking)
		h->stats.shrinks++;
	else if (same_size)
		h->stats.same_size_grows++;
	else
		h->stats.grows++;
}

/* The array prepared by the worker or a sleeping caller, if it has the wanted size. */
static struct gomap_table *gm_take_ready(struct gm_hmap *h, unsigned int shift)
{
	struct gomap_table *t = h->ready_table;

	if (!t)
		return NULL;
	h->ready_table = NULL;
	if (t->B == shift)
		return t;
	tbl_put(t);
	return NULL;
}

/*
 * Have the worker allocate an array of 2^@shift buckets (see DOC: Memory
 * reserve).  Returns false if it already was asked for that one.
 */
static bool gm_want_grow(struct gm_hmap *h, unsigned int shift)
{
	if (h->grow_wanted && h->grow_want_B == shift)
		return false;
	h->grow_want_B = shift;
	WRITE_ONCE(h->grow_wanted, true);
	return true;
}

/* A growth this operation could not have the array for: the worker's job. */
static void gm_defer_grow(struct gm_hmap *h, unsigned int shift)
{
	if (gm_want_grow(h, shift))
		h->stats.deferred_grows++;
}

/*
 * Start a growth if the array for it can be had now: the one the worker or
 * an earlier assign prepared, or one allocated with the lock dropped.
 * Returns 0 if growth started, -EAGAIN if the lock was dropped (the caller
 * must look again), -ENOMEM if the map goes on without growing for now.
 * An operation drops the lock for this once: after a failed allocation it
 * leaves the array to the worker.
 */
int gm_hash_grow(struct gm_hmap *h, gfp_t gfp, unsigned long *flags)
	__must_hold(&h->lock)
{
	bool same_size = !over_load_factor(h->count + 1, h->B);
	unsigned int shift = h->B + !same_size;
	struct gomap_table *t = gm_take_ready(h, shift);
	bool blocking = gfpflags_allow_blocking(gfp);
	gfp_t array_gfp = blocking ? gfp | __GFP_NOWARN : gm_gfp_atomic(gfp);

	if (!t && gm_fail_injected(h, PAGE_SIZE)) {
		h->stats.failed_grows++;
		return -ENOMEM;
	}
	if (!t && !h->op.grow_tried && h->op.may_alloc && (blocking || !h->grow_wanted)) {
		struct gm_op op;

		h->op.grow_tried = true;
		gm_write_pause(h, *flags, &op);
		t = tbl_alloc(h, shift, array_gfp, false, true);
		*flags = gm_write_resume(h, &op);
		if (t) {
			tbl_put(h->ready_table);
			h->ready_table = t;
		} else {
			h->stats.failed_grows++;
			gm_defer_grow(h, shift);
		}
		return -EAGAIN;
	}
	if (!t) {
		gm_defer_grow(h, shift);
		return -ENOMEM;
	}
	gm_start_growth(h, t, same_size);
	return 0;
}

/**
 * DOC: Shrinking
 *
 * Go's maps never shrink (golang/go#20135): a map that once held a burst
 * of entries keeps its array.  A gomap shard halves its array when
 * deletes leave it at a quarter of the load it grows at, under 1.625
 * entries a bucket (under_load_factor()), with the machinery and the bound
 * of growth: a delete that finds the shard that empty installs a half-size
 * array, and every later write, delete or assign, moves at most one pair
 * of old buckets, i and i + 2^(B-1), both of which feed new bucket i
 * (gm_evacuate_pair()): two old buckets an operation, as in a growth.
 * After the halving the shard holds 3.25 entries a bucket, so neither
 * inserts nor deletes at one boundary make it flap between sizes.
 *
 * Lookups never start a shrink, and deletes never allocate: the half-size
 * array comes from the shard's worker (gm_grow_prepare()), which the
 * delete kicks, and a later delete installs it.  A shard does not shrink
 * below the array its hint asked for, nor while it grows, and never with
 * GOMAP_F_NO_SHRINK or GOMAP_F_PREALLOC.  Lookups, iterators and writers
 * find entries during a shrink as during a growth: an old bucket not yet
 * evacuated is read where it is; an iterator that began during the shrink
 * walks both old buckets of each new one.
 */

/*
 * gm_maybe_shrink() - After a delete: start halving the array if the
 * shard has fallen under its shrink load (see DOC: Shrinking), with the
 * array the worker prepared; else ask the worker for one.
 * @h: The shard, locked, not growing.
 */
void gm_maybe_shrink(struct gm_hmap *h)
	__must_hold(&h->lock)
{
	struct gomap_table *t;

	if (h->prealloc || (h->params.flags & GOMAP_F_NO_SHRINK) || h->B <= h->min_B ||
	    !h->table || !under_load_factor(h->count, h->B))
		return;
	t = gm_take_ready(h, h->B - 1);
	if (!t) {
		gm_want_grow(h, h->B - 1);
		return;
	}
	gm_start_growth(h, t, false);
}

/*
 * gm_grow_prepare() - Allocate the array a deferred growth or shrink wants.
 * @h: The map, not locked.
 *
 * Context: Process context (the map's worker).  May sleep.
 */
void gm_grow_prepare(struct gm_hmap *h)
{
	struct gomap_table *t;
	unsigned long flags;
	unsigned int shift;
	bool wanted, injected, shrink;

	raw_spin_lock_irqsave(&h->lock, flags);
	wanted = h->grow_wanted;
	shift = h->grow_want_B;
	shrink = shift < h->B;
	injected = wanted && gm_fail_injected(h, PAGE_SIZE);
	raw_spin_unlock_irqrestore(&h->lock, flags);
	if (!wanted)
		return;

	t = injected ? NULL : tbl_alloc(h, shift, GFP_KERNEL | __GFP_NOWARN, false, !shrink);

	raw_spin_lock_irqsave(&h->lock, flags);
	WRITE_ONCE(h->grow_wanted, false);
	if (!t)
		h->stats.failed_grows++;
	if (t && !h->ready_table) {
		h->ready_table = t;
		t = NULL;
	}
	raw_spin_unlock_irqrestore(&h->lock, flags);
	tbl_put(t);
}
