// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: single-operation latency while a map grows from empty
 * to 1M entries in atomic context.
 */

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "bench.h"

/* ---- Latency of single operations during 1M inserts in atomic context ---- */

#define LAT_CHUNK	256	/* inserts per preemption-off section, chunked mode */
#define LAT_LOOKUP_EVERY 8	/* one lookup of a present key every this many inserts */
#define LAT_WORST	5	/* slowest operations of each kind reported one by one */

enum { LAT_INSERT, LAT_DURING, LAT_AFTER, NR_LAT };

static const char *const lat_names[] = { "atomic_insert", "lookup_during", "lookup_after" };

/* One figure of map @name: "csv,NAME,LAT_PREFIX MODE WHAT,N,VALUE". */
static void lat_csv(const char *name, const char *mode, const char *what, unsigned long n,
		    u64 value)
{
	pr_info("gomap_bench: csv,%s,%s%s%s,%lu,%llu\n", name, bench_lat_prefix, mode, what, n,
		value);
}

/* The slowest operations of one kind, in ascending order of time. */
struct lat_worst {
	unsigned int nr;
	struct {
		u32 ns;
		unsigned long at;	/* entries in the map before it (after: lookup number) */
		char shape[96];		/* the map's shape right after it */
	} op[LAT_WORST];
};

/*
 * One map's latency run.  @chunk inserts go in each preemption-off
 * section: LAT_CHUNK lets deferred work run between sections; the whole
 * burst in one section ("burst_" figures) leaves none to any worker, as
 * when inserts come from one long atomic context.  With @preemptible the
 * inserts and lookups run, and are timed, with preemption and interrupts
 * on: on PREEMPT_RT the only context rhashtable may be called from, since
 * its bucket locks take local_bh_disable(), a sleeping lock there.  With
 * @hardirq an HRTIMER_MODE_REL_PINNED_HARD timer on the same CPU assigns
 * LAT_IRQ_BATCH keys of its own every LAT_IRQ_PERIOD_NS meanwhile.
 */
struct lat_run {
	const char *prefix;		/* "", "burst_", "hardirq_" or "preemptible_" */
	unsigned long chunk;
	bool preemptible;
	bool hardirq;
	unsigned long failed;		/* inserts that returned an error */
	struct bench_map *m;
	u32 *lat[NR_LAT];
	struct lat_worst worst[NR_LAT];
	u32 rnd;
	/* The hardirq writer: its timer, keys made, failures, slowest expiry. */
	struct hrtimer timer;
	unsigned long irq_keys;
	unsigned long irq_failed;
	u32 irq_worst;
	bool irq_stop;
};

#define LAT_IRQ_BATCH		8
#define LAT_IRQ_PERIOD_NS	(100 * NSEC_PER_USEC)

/*
 * The lookups pick their keys with xorshift32 from a fixed seed, so every map
 * and every run looks up the same keys.
 */
static u64 lat_key(struct lat_run *r, unsigned long inserted)
{
	r->rnd ^= r->rnd << 13;
	r->rnd ^= r->rnd >> 17;
	r->rnd ^= r->rnd << 5;
	return bench_key(((u64)r->rnd * inserted) >> 32);
}

/*
 * Keep @ns among the slowest of its kind.  Runs outside the timed section;
 * describing the map's shape is left to the few operations that qualify.
 */
static void lat_note(struct lat_run *r, unsigned int kind, u32 ns, unsigned long at)
{
	struct lat_worst *w = &r->worst[kind];
	unsigned int i;

	if (w->nr == LAT_WORST) {
		if (ns <= w->op[0].ns)
			return;
		/* Replace the fastest; move up past the faster ones. */
		for (i = 0; i + 1 < w->nr && w->op[i + 1].ns < ns; i++)
			w->op[i] = w->op[i + 1];
	} else {
		/* Move down past the slower ones and equal ones, so the earliest wins ties. */
		for (i = w->nr++; i && w->op[i - 1].ns >= ns; i--)
			w->op[i] = w->op[i - 1];
	}
	w->op[i].ns = ns;
	w->op[i].at = at;
	r->m->ops->describe(r->m, w->op[i].shape, sizeof(w->op[i].shape));
}

/*
 * Time one operation with interrupts off, so that no timer tick or device
 * interrupt lands between the two clock reads: under QEMU -icount the result
 * is then the instructions the operation itself executed.  Bottom halves are
 * off around that too, so rhashtable's bucket locks do not run pending
 * softirqs inside the timed section when they re-enable them.  They still do
 * local_bh_enable() with interrupts off, which lockdep reports;
 * gomap_bench_init() refuses the latency part on such a kernel.
 */
static u32 lat_insert(struct bench_map *m, unsigned long i, int *ret, bool preemptible)
{
	unsigned long flags;
	u64 t0, t1;

	if (preemptible) {
		t0 = ktime_get_ns();
		*ret = m->ops->insert(m, bench_key(i), i, GFP_ATOMIC);
		return ktime_get_ns() - t0;
	}
	local_bh_disable();
	local_irq_save(flags);
	t0 = ktime_get_ns();
	*ret = m->ops->insert(m, bench_key(i), i, GFP_ATOMIC);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	local_bh_enable();
	return t1 - t0;
}

static u32 lat_lookup(struct bench_map *m, u64 key, bool preemptible)
{
	unsigned long flags;
	u64 t0, t1, val;

	if (preemptible) {
		t0 = ktime_get_ns();
		m->ops->lookup(m, key, &val);
		return ktime_get_ns() - t0;
	}
	local_bh_disable();
	local_irq_save(flags);
	t0 = ktime_get_ns();
	m->ops->lookup(m, key, &val);
	t1 = ktime_get_ns();
	local_irq_restore(flags);
	local_bh_enable();
	return t1 - t0;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void lat_report(struct lat_run *r, const char *what, u32 *lat, unsigned long n)
{
	static const struct { const char *name; unsigned int per_mille; } pcts[] = {
		{ "p50", 500 }, { "p99", 990 }, { "p999", 999 }, { "max", 1000 },
	};
	char figure[48];
	unsigned int i;

	sort(lat, n, sizeof(*lat), cmp_u32, NULL);
	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		snprintf(figure, sizeof(figure), "%s_%s", what, pcts[i].name);
		lat_csv(r->m->ops->name, r->prefix, figure, n,
			lat[min(n * pcts[i].per_mille / 1000, n - 1)]);
	}
}

static void lat_report_worst(struct lat_run *r, const char *what, struct lat_worst *w)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		unsigned int j = w->nr - 1 - i;

		pr_info("gomap_bench: worst %s %s%s%s #%u: %u ns at %lu (%s)\n", r->m->ops->name,
			bench_lat_prefix, r->prefix, what, i + 1, w->op[j].ns, w->op[j].at,
			w->op[j].shape);
	}
}

/*
 * Insert @n keys from empty in chunks of @r->chunk with preemption off, a
 * lookup every few.  A failed insert is counted, not fatal: in one long
 * atomic section a map may run out of what it can do without its worker.
 */
static void lat_burst(struct lat_run *r, unsigned long n)
{
	unsigned long i, nl = 0;
	int ret;

	for (i = 0; i < n; i++) {
		u32 ns;

		/* Between chunks the maps' deferred workers get the CPU. */
		if (r->preemptible && !(i % LAT_CHUNK)) {
			cond_resched();
		} else if (!r->preemptible && !(i % r->chunk)) {
			if (i)
				preempt_enable();
			cond_resched();
			preempt_disable();
		}
		ns = lat_insert(r->m, i, &ret, r->preemptible);
		r->failed += !!ret;
		r->lat[LAT_INSERT][i] = ns;
		lat_note(r, LAT_INSERT, ns, i);
		if (i % LAT_LOOKUP_EVERY == LAT_LOOKUP_EVERY - 1) {
			ns = lat_lookup(r->m, lat_key(r, i + 1), r->preemptible);
			r->lat[LAT_DURING][nl++] = ns;
			lat_note(r, LAT_DURING, ns, i + 1);
		}
	}
	if (!r->preemptible)
		preempt_enable();
}

/* The hardirq writer: a batch of assigns of keys with bit 0 set, timed. */
static enum hrtimer_restart lat_irq_fn(struct hrtimer *timer)
{
	struct lat_run *r = container_of(timer, struct lat_run, timer);
	u64 t0 = ktime_get_ns(), key, val;
	unsigned int i;

	for (i = 0; i < LAT_IRQ_BATCH; i++) {
		key = (r->irq_keys++ << 1) | 1;
		val = key;
		r->irq_failed += !!gomap_assign(r->m->gm, &key, &val, GFP_ATOMIC);
	}
	r->irq_worst = max_t(u32, r->irq_worst, ktime_get_ns() - t0);
	if (READ_ONCE(r->irq_stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(LAT_IRQ_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void lat_irq_start(struct lat_run *r)
{
	r->irq_keys = 0;
	r->irq_failed = 0;
	r->irq_worst = 0;
	r->irq_stop = false;
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	r->timer.function = lat_irq_fn;
	hrtimer_start(&r->timer, ns_to_ktime(LAT_IRQ_PERIOD_NS), HRTIMER_MODE_REL_PINNED_HARD);
}

static void lat_irq_stop(struct lat_run *r)
{
	const char *pre = r->prefix;
	unsigned long n = r->irq_keys;

	WRITE_ONCE(r->irq_stop, true);
	hrtimer_cancel(&r->timer);
	lat_csv("gomap", pre, "irq_assigns", n, n);
	lat_csv("gomap", pre, "irq_assign_failed", n, r->irq_failed);
	lat_csv("gomap", pre, "irq_batch_max", n, r->irq_worst);
}

static int bench_latency_one(struct lat_run *r, const struct bench_ops *ops, unsigned long n)
{
	struct bench_map m = { .ops = ops };
	unsigned long i, nl = n / LAT_LOOKUP_EVERY;
	const char *pre = r->prefix;
	unsigned int k;
	u64 t0, total;
	int ret;

	ret = ops->create(&m, n);
	if (ret)
		return ret;
	r->m = &m;
	r->rnd = 0x2545f491;
	r->failed = 0;
	memset(r->worst, 0, sizeof(r->worst));
	if (r->hardirq)
		lat_irq_start(r);
	t0 = ktime_get_ns();
	lat_burst(r, n);
	total = ktime_get_ns() - t0;
	if (r->hardirq)
		lat_irq_stop(r);
	msleep(1000);	/* let deferred resizing finish before the "after" lookups */
	for (i = 0; i < nl; i++) {
		r->lat[LAT_AFTER][i] = lat_lookup(&m, lat_key(r, n), r->preemptible);
		lat_note(r, LAT_AFTER, r->lat[LAT_AFTER][i], i);
	}
	for (k = 0; k < NR_LAT; k++) {
		lat_report(r, lat_names[k], r->lat[k], k == LAT_INSERT ? n : nl);
		lat_report_worst(r, lat_names[k], &r->worst[k]);
	}
	lat_csv(ops->name, pre, "atomic_insert_total_ms", n, total / NSEC_PER_MSEC);
	lat_csv(ops->name, pre, "insert_failed", n, r->failed);
	if (ops == &gomap_ops) {
		struct gomap_stats st;

		gomap_stats(m.gm, &st);
		lat_csv("gomap", pre, "max_evacuated_per_op", n, st.max_evacuated_per_op);
		lat_csv("gomap", pre, "max_buckets_per_op", n, st.max_buckets_per_op);
		lat_csv("gomap", pre, "max_bytes_moved_per_op", n, st.max_bytes_moved_per_op);
		lat_csv("gomap", pre, "deferred_grows", n, st.deferred_grows);
		lat_csv("gomap", pre, "reserve_empty", n, st.reserve_empty);
	}
	ops->destroy(&m);
	return 0;
}

/*
 * Both maps, in chunks that let deferred work run, in one atomic burst,
 * and preemptible; gomap also with a hardirq writer.  On PREEMPT_RT,
 * rhashtable runs preemptible only: its bucket locks take
 * local_bh_disable(), a sleeping lock there, and its inserts allocate.
 */
int bench_latency(unsigned long n)
{
	static const struct {
		const char *prefix;
		unsigned long chunk;
		bool preemptible, hardirq;
	} modes[] = {
		{ "", LAT_CHUNK }, { "burst_", ULONG_MAX },
		{ "hardirq_", LAT_CHUNK, false, true }, { "preemptible_", LAT_CHUNK, true },
	};
	struct lat_run *r = kzalloc(sizeof(*r), GFP_KERNEL);
	unsigned int i;
	int ret = -ENOMEM;

	if (!r)
		return ret;
	r->lat[LAT_INSERT] = vmalloc(array_size(n, sizeof(u32)));
	r->lat[LAT_DURING] = vmalloc(array_size(n / LAT_LOOKUP_EVERY + 1, sizeof(u32)));
	r->lat[LAT_AFTER] = vmalloc(array_size(n / LAT_LOOKUP_EVERY + 1, sizeof(u32)));
	if (r->lat[LAT_INSERT] && r->lat[LAT_DURING] && r->lat[LAT_AFTER]) {
		for (i = 0, ret = 0; i < ARRAY_SIZE(modes) && !ret; i++) {
			r->prefix = modes[i].prefix;
			r->chunk = modes[i].chunk;
			r->preemptible = modes[i].preemptible;
			r->hardirq = modes[i].hardirq;
			ret = bench_latency_one(r, &gomap_ops, n);
			if (!ret && !r->hardirq &&
			    (r->preemptible || !IS_ENABLED(CONFIG_PREEMPT_RT)))
				ret = bench_latency_one(r, &rht_ops, n);
		}
	}
	vfree(r->lat[LAT_INSERT]);
	vfree(r->lat[LAT_DURING]);
	vfree(r->lat[LAT_AFTER]);
	kfree(r);
	return ret;
}
