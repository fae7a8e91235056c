// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_stress: hardirq timers and kthreads on one map, a test module that
 * needs no KUnit, for Debian's PREEMPT_RT kernel and the debug kernel.
 *
 * Loading it runs every case in module init and prints, to the kernel log,
 * "gomap_stress: ok N NAME" or "not ok N NAME" per case and one last line
 * "gomap_stress: N passed, N failed"; scripts/verdict.py reads them.
 *
 * Every racing case runs one HRTIMER_MODE_REL_PINNED_HARD timer per online
 * CPU, which stays in hardirq context on PREEMPT_RT, next to kthreads on
 * the same map.  Timers and threads each own a range of keys and keep a
 * shadow of it (the version of each key's value, 0 for absent), so that
 * at the end every key, gomap_len() and a full walk can be checked.  In
 * hardirq context an assign of a new key may fail with -ENOMEM when the
 * map's reserve is empty: the map is then unchanged, which the shadow
 * follows.  Keys: u64, byte strings of 1 to 64 bytes, or 200 bytes (out of
 * line); a value holds the key's index and the version.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include "gomap.h"

static unsigned int entries = 1 << 18;
module_param(entries, uint, 0444);
MODULE_PARM_DESC(entries, "entries the growth case inserts");

static unsigned int seconds = 5;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "duration of each racing case");

static bool hardirq = true;
module_param(hardirq, bool, 0444);
MODULE_PARM_DESC(hardirq, "run the hardirq timers");

static unsigned int period_us = 200;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "microseconds between two expiries of a timer");

#define ST_BATCH	8	/* operations per timer expiry */
#define ST_TIMER_KEYS	256	/* keys a timer owns */
#define ST_THREAD_KEYS	4096	/* keys a writer thread owns */
#define ST_SHARED_KEYS	512	/* keys the threads overwrite and the timers look up */
#define ST_STABLE_KEYS	2000	/* keys a walk must return exactly once */
#define ST_THREADS	2
#define ST_BUF		200	/* the largest key and value */
#define ST_VER_BITS	24	/* a value is index << ST_VER_BITS | version */

enum st_kind { ST_U64, ST_STR, ST_MEM200 };

static const char *const st_kind_names[] = { "u64", "str", "mem200" };

/* A range of key indices and the shadow of their versions (0: absent). */
struct st_range {
	u64 first;
	u32 nr;
	u32 *ver;
};

struct st_case;

/* The unexpected results one timer or thread saw: how many, and the first. */
struct st_err {
	unsigned long n;
	char first[96];
};

struct st_timer {
	struct hrtimer timer;
	struct st_case *c;
	struct st_range r;
	u32 rnd;
	unsigned long expiries;
	unsigned long enomem;
	struct st_err err;
	bool not_hardirq;
};

struct st_thread {
	struct task_struct *task;
	struct st_case *c;
	struct st_range r;
	u32 rnd;
	unsigned long ops;
	struct st_err err;
	void (*fn)(struct st_thread *t, struct st_err *err);
};

/* One racing case: the map, its owners, and what they saw. */
struct st_case {
	struct gomap *map;
	enum st_kind kind;
	struct st_timer *timers;	/* one per possible CPU; the online ones run */
	struct st_thread threads[ST_THREADS + 2];
	struct st_range shared;
	bool stop;			/* the timers stop re-arming */
	bool clearing;			/* clears race the writers: no shadows to keep */
	u8 *seen;			/* the walker's: each stable key's sightings in a walk */
	unsigned long errors;		/* found by the checks at the end */
	unsigned long walks;
};

static unsigned int st_nr, st_failed;

/* ---- Keys and values ---- */

/* The key of index @idx: its bytes in @buf, its length returned. */
static size_t st_key(enum st_kind kind, u64 idx, u8 *buf)
{
	size_t len, i;

	switch (kind) {
	case ST_U64:
		memcpy(buf, &idx, sizeof(idx));
		return sizeof(idx);
	case ST_STR:
		/* The index in hex, a '.', then filler up to 1..64 bytes. */
		len = snprintf(buf, ST_BUF, "%llx.", idx);
		for (i = len; i < 1 + idx % 64; i++)
			buf[i] = 'a' + (idx + i) % 26;
		return max_t(size_t, len, 1 + idx % 64);
	default:
		memcpy(buf, &idx, sizeof(idx));
		for (i = sizeof(idx); i < ST_BUF; i++)
			buf[i] = idx * 31 + i;
		return ST_BUF;
	}
}

static size_t st_value_size(enum st_kind kind)
{
	return kind == ST_MEM200 ? ST_BUF : sizeof(u64);
}

static void st_value(enum st_kind kind, u64 idx, u32 ver, u8 *buf)
{
	u64 v = idx << ST_VER_BITS | ver;
	size_t i;

	memcpy(buf, &v, sizeof(v));
	for (i = sizeof(v); i < st_value_size(kind); i++)
		buf[i] = ver * 7 + i;
}

/* The index a value says, or -1 if the value is not one st_value() makes. */
static s64 st_value_idx(enum st_kind kind, const u8 *buf, u32 *ver)
{
	u8 want[ST_BUF];
	u64 v = get_unaligned((const u64 *)buf);

	*ver = v & (BIT(ST_VER_BITS) - 1);
	st_value(kind, v >> ST_VER_BITS, *ver, want);
	if (memcmp(want, buf, st_value_size(kind)))
		return -1;
	return v >> ST_VER_BITS;
}

static int st_assign(struct st_case *c, u64 idx, u32 ver, gfp_t gfp)
{
	u8 key[ST_BUF], val[ST_BUF];
	size_t len = st_key(c->kind, idx, key);

	st_value(c->kind, idx, ver, val);
	if (c->kind == ST_STR)
		return gomap_assign_str(c->map, key, len, val, gfp);
	return gomap_assign(c->map, key, val, gfp);
}

static int st_delete(struct st_case *c, u64 idx)
{
	u8 key[ST_BUF];
	size_t len = st_key(c->kind, idx, key);

	if (c->kind == ST_STR)
		return gomap_delete_str(c->map, key, len);
	return gomap_delete(c->map, key);
}

/* Look @idx up: 0 with its version in *@ver, -ENOENT, or -EUCLEAN for a wrong value. */
static int st_lookup(struct st_case *c, u64 idx, u32 *ver)
{
	u8 key[ST_BUF], val[ST_BUF];
	size_t len = st_key(c->kind, idx, key);
	int ret;

	if (c->kind == ST_STR)
		ret = gomap_lookup_str(c->map, key, len, val);
	else
		ret = gomap_lookup(c->map, key, val);
	if (ret)
		return ret;
	return st_value_idx(c->kind, val, ver) == idx ? 0 : -EUCLEAN;
}

static u32 st_rand(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Count an unexpected result; keep the first one's description. */
static void st_err_note(struct st_err *e, const char *op, u64 idx, u32 shadow, int ret)
{
	if (!e->n++)
		snprintf(e->first, sizeof(e->first), "%s of key %llu (version %u) returned %d",
			 op, idx, shadow, ret);
}

/*
 * One random operation on a key of @r, checked against the shadow; an
 * unexpected result goes to @err.  @atomic: an assign of a new key may
 * fail with -ENOMEM (counted in *@enomem).
 */
static void st_op(struct st_case *c, struct st_range *r, u32 rnd, gfp_t gfp, bool atomic,
		  unsigned long *enomem, struct st_err *err)
{
	u32 i = (rnd >> 8) % r->nr, ver = 0, *shadow = &r->ver[i];
	u64 idx = r->first + i;
	int ret;

	switch (rnd & 3) {
	case 0:
	case 1:
		ret = st_assign(c, idx, *shadow + 1, gfp);
		if (!ret) {
			++*shadow;
		} else if (ret == -ENOMEM && atomic && !*shadow) {
			++*enomem;	/* a new key, the reserve empty: nothing stored */
		} else {
			st_err_note(err, gfp == GFP_KERNEL ? "GFP_KERNEL assign" :
				    "GFP_ATOMIC assign", idx, *shadow, ret);
		}
		return;
	case 2:
		ret = st_delete(c, idx);
		if (ret == (*shadow ? 0 : -ENOENT))
			*shadow = 0;
		else
			st_err_note(err, "delete", idx, *shadow, ret ?: -EEXIST);
		return;
	default:
		ret = st_lookup(c, idx, &ver);
		if (*shadow ? ret || ver != *shadow : ret != -ENOENT)
			st_err_note(err, "lookup", idx, *shadow, ret ?: -ESTALE);
	}
}

/* ---- The hardirq timers ---- */

static ktime_t st_period(void)
{
	return ns_to_ktime((u64)period_us * NSEC_PER_USEC);
}

static enum hrtimer_restart st_timer_fn(struct hrtimer *timer)
{
	struct st_timer *t = container_of(timer, struct st_timer, timer);
	struct st_case *c = t->c;
	unsigned int i;
	u32 ver;
	int ret;

	t->not_hardirq |= !in_hardirq();
	for (i = 0; i < ST_BATCH; i++) {
		u32 rnd = st_rand(&t->rnd);
		u64 idx;

		if (c->clearing) {
			idx = t->r.first + rnd % t->r.nr;
			ret = st_assign(c, idx, ++t->r.ver[0], GFP_ATOMIC);
			if (ret && ret != -ENOMEM)
				st_err_note(&t->err, "assign", idx, t->r.ver[0], ret);
		} else if (c->shared.nr && !(rnd & 0x70)) {
			idx = c->shared.first + rnd % c->shared.nr;
			ret = st_lookup(c, idx, &ver);
			if (ret)
				st_err_note(&t->err, "lookup of a shared key", idx, 0, ret);
		} else {
			st_op(c, &t->r, rnd, GFP_ATOMIC, true, &t->enomem, &t->err);
		}
	}
	if (c->clearing && !(++t->expiries % 64))
		gomap_clear(c->map);
	if (READ_ONCE(c->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, st_period());
	return HRTIMER_RESTART;
}

/* On the timer's CPU, from an IPI: a pinned timer stays there. */
static void st_timer_start_fn(void *arg)
{
	struct st_timer *t = arg;

	hrtimer_start(&t->timer, st_period(), HRTIMER_MODE_REL_PINNED_HARD);
}

static void st_timers_start(struct st_case *c)
{
	int cpu;

	if (!hardirq)
		return;
	for_each_online_cpu(cpu) {
		struct st_timer *t = &c->timers[cpu];

		hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		t->timer.function = st_timer_fn;
		smp_call_function_single(cpu, st_timer_start_fn, t, 1);
	}
}

static void st_timers_stop(struct st_case *c)
{
	int cpu;

	WRITE_ONCE(c->stop, true);
	if (!hardirq)
		return;
	for_each_online_cpu(cpu)
		hrtimer_cancel(&c->timers[cpu].timer);
}

/* ---- The kthreads ---- */

static int st_thread_main(void *arg)
{
	struct st_thread *t = arg;

	while (!kthread_should_stop()) {
		t->fn(t, &t->err);
		t->ops++;
		if (!(t->ops % 64))
			cond_resched();
	}
	return 0;
}

/* A writer of its own range, GFP_KERNEL and GFP_ATOMIC in turn. */
static void st_writer(struct st_thread *t, struct st_err *err)
{
	unsigned long unused = 0;
	gfp_t gfp = t->ops & 1 ? GFP_ATOMIC : GFP_KERNEL;

	st_op(t->c, &t->r, st_rand(&t->rnd), gfp, gfp == GFP_ATOMIC, &unused, err);
}

/* Overwrites of the shared range, which the timers look up. */
static void st_shared_writer(struct st_thread *t, struct st_err *err)
{
	struct st_case *c = t->c;
	u32 i = st_rand(&t->rnd) % c->shared.nr;
	int ret = st_assign(c, c->shared.first + i, c->shared.ver[i] + 1, GFP_ATOMIC);

	if (!ret)
		c->shared.ver[i]++;
	else
		st_err_note(err, "overwrite of a shared key", c->shared.first + i,
			    c->shared.ver[i], ret);
}

/* Assigns only, their versions rising; gomap_clear() races them. */
static void st_clear_writer(struct st_thread *t, struct st_err *err)
{
	u32 i = st_rand(&t->rnd) % t->r.nr;
	int ret = st_assign(t->c, t->r.first + i, ++t->r.ver[i], GFP_KERNEL);

	if (ret)
		st_err_note(err, "GFP_KERNEL assign", t->r.first + i, t->r.ver[i], ret);
}

static void st_clearer(struct st_thread *t, struct st_err *err)
{
	gomap_clear(t->c->map);
	msleep_interruptible(10);
}

static int st_thread_start(struct st_case *c, unsigned int n,
			   void (*fn)(struct st_thread *t, struct st_err *err))
{
	struct st_thread *t = &c->threads[n];

	t->c = c;
	t->fn = fn;
	t->rnd = 0x9e3779b9 + n;
	t->task = kthread_run(st_thread_main, t, "gomap_stress/%u", n);
	if (IS_ERR(t->task)) {
		int ret = PTR_ERR(t->task);

		t->task = NULL;
		return ret;
	}
	return 0;
}

static void st_threads_stop(struct st_case *c)
{
	unsigned int n;

	for (n = 0; n < ARRAY_SIZE(c->threads); n++) {
		if (c->threads[n].task)
			kthread_stop(c->threads[n].task);
		c->threads[n].task = NULL;
	}
}

/* Let the racers run for @ms, a second at a time (the hung-task detector watches). */
static void st_run_for(unsigned int ms)
{
	while (ms) {
		unsigned int step = min(ms, 1000U);

		msleep_interruptible(step);
		ms -= step;
	}
}

/* ---- Setup and checks ---- */

static int st_range_init(struct st_range *r, u64 first, u32 nr)
{
	r->first = first;
	r->nr = nr;
	r->ver = kvcalloc(nr, sizeof(*r->ver), GFP_KERNEL);
	return r->ver ? 0 : -ENOMEM;
}

static void st_case_free(struct st_case *c)
{
	unsigned int n;
	int cpu;

	if (c->timers)
		for_each_possible_cpu(cpu)
			kvfree(c->timers[cpu].r.ver);
	kfree(c->timers);
	for (n = 0; n < ARRAY_SIZE(c->threads); n++)
		kvfree(c->threads[n].r.ver);
	kvfree(c->shared.ver);
	kfree(c->seen);
	if (!IS_ERR_OR_NULL(c->map))
		gomap_destroy(c->map);
	kfree(c);
}

/*
 * A case with a map of @kind, a timer range per CPU and @nthreads writer
 * ranges: timers at 1 << 34 + (cpu << 20), threads at 1 << 35 + (n << 24)
 * (an index times 2^ST_VER_BITS fits a u64).
 */
static struct st_case *st_case_new(enum st_kind kind, unsigned int nthreads, u32 thread_keys)
{
	struct gomap_params p = { .value_size = st_value_size(kind) };
	struct st_case *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int n;
	int cpu, ret = 0;

	if (!c)
		return NULL;
	c->kind = kind;
	p.key_size = kind == ST_U64 ? sizeof(u64) : kind == ST_STR ? GOMAP_KEY_STRING : ST_BUF;
	c->map = gomap_create(&p, GFP_KERNEL);
	c->timers = kcalloc(nr_cpu_ids, sizeof(*c->timers), GFP_KERNEL);
	if (IS_ERR(c->map) || !c->timers)
		goto err;
	for_each_possible_cpu(cpu) {
		struct st_timer *t = &c->timers[cpu];

		t->c = c;
		t->rnd = 0x2545f491 + cpu;
		ret |= st_range_init(&t->r, BIT_ULL(34) + ((u64)cpu << 20), ST_TIMER_KEYS);
	}
	for (n = 0; n < nthreads; n++)
		ret |= st_range_init(&c->threads[n].r, BIT_ULL(35) + ((u64)n << 24), thread_keys);
	if (!ret)
		return c;
err:
	st_case_free(c);
	return NULL;
}

/* Every range of a case, in turn: the threads', the shared one, each CPU's timer's. */
#define ST_NR_RANGES(c)	(ARRAY_SIZE((c)->threads) + 1 + nr_cpu_ids)

static struct st_range *st_range_nth(struct st_case *c, unsigned int n)
{
	struct st_range *r;
	unsigned int cpu;

	if (n < ARRAY_SIZE(c->threads)) {
		r = &c->threads[n].r;
	} else if (n == ARRAY_SIZE(c->threads)) {
		r = &c->shared;
	} else {
		cpu = n - ARRAY_SIZE(c->threads) - 1;
		if (!cpu_possible(cpu))
			return NULL;
		r = &c->timers[cpu].r;
	}
	return r->ver ? r : NULL;
}

/* The range @idx belongs to, or NULL. */
static struct st_range *st_owner(struct st_case *c, u64 idx, u32 *i)
{
	unsigned int n;

	for (n = 0; n < ST_NR_RANGES(c); n++) {
		struct st_range *r = st_range_nth(c, n);

		if (r && idx >= r->first && idx < r->first + r->nr) {
			*i = idx - r->first;
			return r;
		}
	}
	return NULL;
}

/* The index a key returned by a walk names, or -1 if no st_key() is these bytes. */
static s64 st_key_idx(enum st_kind kind, const u8 *key, int len)
{
	u8 want[ST_BUF];
	u64 idx;

	if (kind == ST_STR) {
		char hex[20];
		const u8 *dot = memchr(key, '.', len);

		if (!dot || dot - key >= sizeof(hex))
			return -1;
		memcpy(hex, key, dot - key);
		hex[dot - key] = '\0';
		if (kstrtou64(hex, 16, &idx))
			return -1;
	} else {
		if (len < sizeof(idx))
			return -1;
		idx = get_unaligned((const u64 *)key);
	}
	if (st_key(kind, idx, want) != len || memcmp(want, key, len))
		return -1;
	return idx;
}

static void st_error(struct st_case *c, const char *what, u64 idx, int ret)
{
	if (c->errors++ < 5)
		pr_info("gomap_stress: # %s: key %llu: %d\n", what, idx, ret);
}

/* Every key of every range against its shadow; the total of the shadows. */
static unsigned long st_check_keys(struct st_case *c)
{
	unsigned long total = 0;
	unsigned int n;
	u32 i, ver;
	int ret;

	for (n = 0; n < ST_NR_RANGES(c); n++) {
		struct st_range *r = st_range_nth(c, n);

		for (i = 0; r && i < r->nr; i++) {
			ret = st_lookup(c, r->first + i, &ver);
			if (r->ver[i] ? ret || ver != r->ver[i] : ret != -ENOENT)
				st_error(c, "lookup disagrees with the shadow", r->first + i, ret);
			total += !!r->ver[i];
		}
	}
	return total;
}

/* One full walk: every entry exactly once, nothing that is not in the shadows. */
static void st_check_walk(struct st_case *c, unsigned long want)
{
	u8 key[ST_BUF], val[ST_BUF];
	struct gomap_iter it;
	unsigned long seen = 0;
	struct st_range *r;
	int len;
	u32 i;

	gomap_iter_start(&it, c->map);
	while ((len = gomap_iter_next(&it, key, sizeof(key), val)) >= 0) {
		s64 idx = st_key_idx(c->kind, key, len);
		u32 ver;

		seen++;
		r = idx < 0 ? NULL : st_owner(c, idx, &i);
		if (!r || st_value_idx(c->kind, val, &ver) != idx || ver != r->ver[i]) {
			st_error(c, "the walk returned an unknown key or value", idx, len);
			continue;
		}
		r->ver[i] |= BIT(31);	/* seen; a second sighting finds the bit */
	}
	gomap_iter_stop(&it);
	if (len != -ENOENT)
		st_error(c, "the walk ended with", 0, len);
	if (seen != want || gomap_len(c->map) != want)
		st_error(c, "walk, len and shadows disagree", seen, (int)gomap_len(c->map));
}

/* What a timer or thread saw that it should not have. */
static void st_report_err(struct st_case *c, const char *who, unsigned int nr,
			  const struct st_err *e)
{
	if (!e->n)
		return;
	if (c->errors++ < 5)
		pr_info("gomap_stress: # %s %u: %lu unexpected result(s), the first: %s\n", who,
			nr, e->n, e->first);
}

static void st_report(struct st_case *c, const char *name, ktime_t t0)
{
	struct gomap_stats st;
	unsigned long enomem = 0;
	unsigned int n;
	bool ok;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct st_timer *t = &c->timers[cpu];

		enomem += t->enomem;
		st_report_err(c, "the timer of CPU", cpu, &t->err);
		if (t->not_hardirq)
			st_error(c, "a timer ran outside hardirq context", cpu, 0);
	}
	for (n = 0; n < ARRAY_SIZE(c->threads); n++)
		st_report_err(c, "thread", n, &c->threads[n].err);
	gomap_stats(c->map, &st);
	ok = !c->errors;
	st_nr++;
	st_failed += !ok;
	pr_info("gomap_stress: # %s: %lld ms, count %lu B %u grows %lu deferred_grows %lu reserve_empty %lu hardirq -ENOMEM %lu walks %lu bytes %zu\n",
		name, ktime_ms_delta(ktime_get(), t0), st.count, st.B, st.grows,
		st.deferred_grows, st.reserve_empty, enomem, c->walks, st.bytes);
	pr_info("gomap_stress: %s %u %s\n", ok ? "ok" : "not ok", st_nr, name);
}

/* ---- The cases ---- */

/* Timers and two writer threads on their ranges, one thread on the shared range. */
static int st_case_hardirq(enum st_kind kind)
{
	struct st_case *c = st_case_new(kind, ST_THREADS, ST_THREAD_KEYS);
	char name[32];
	ktime_t t0 = ktime_get();
	unsigned int n;
	u32 i;
	int ret;

	if (!c)
		return -ENOMEM;
	ret = st_range_init(&c->shared, 0, ST_SHARED_KEYS);
	for (i = 0; !ret && i < ST_SHARED_KEYS; i++) {
		ret = st_assign(c, i, 1, GFP_KERNEL);
		c->shared.ver[i] = 1;
	}
	for (n = 0; !ret && n < ST_THREADS; n++)
		ret = st_thread_start(c, n, st_writer);
	if (!ret)
		ret = st_thread_start(c, ST_THREADS, st_shared_writer);
	if (!ret) {
		st_timers_start(c);
		st_run_for(seconds * 1000);
	}
	st_timers_stop(c);
	st_threads_stop(c);
	if (!ret)
		st_check_walk(c, st_check_keys(c));
	snprintf(name, sizeof(name), "hardirq_%s", st_kind_names[kind]);
	if (ret)
		st_error(c, "setup failed", 0, ret);
	st_report(c, name, t0);
	st_case_free(c);
	return 0;
}

/* The timers write while the map grows from empty to @entries entries. */
static int st_case_growth(void)
{
	struct st_case *c = st_case_new(ST_U64, 1, entries);
	ktime_t t0 = ktime_get();
	u32 i;
	int ret;

	if (!c)
		return -ENOMEM;
	st_timers_start(c);
	for (i = 0; i < entries; i++) {
		ret = st_assign(c, c->threads[0].r.first + i, 1, GFP_KERNEL);
		if (ret)
			st_error(c, "a GFP_KERNEL assign of the growth failed", i, ret);
		else
			c->threads[0].r.ver[i] = 1;
		if (!(i % 1024))
			cond_resched();
	}
	st_timers_stop(c);
	st_check_walk(c, st_check_keys(c));
	st_report(c, "growth", t0);
	st_case_free(c);
	return 0;
}

/* A walker thread, on the stable range while churn threads and timers write. */
static void st_walker(struct st_thread *t, struct st_err *err)
{
	struct st_case *c = t->c;
	u8 key[sizeof(u64)], *seen = c->seen;
	struct gomap_iter it;
	struct st_range *r;
	int len;
	u32 i;

	memset(seen, 0, ST_STABLE_KEYS);
	gomap_iter_start(&it, c->map);
	while ((len = gomap_iter_next(&it, key, sizeof(key), NULL)) >= 0) {
		s64 idx = st_key_idx(c->kind, key, len);

		r = idx < 0 ? NULL : st_owner(c, idx, &i);
		if (!r) {
			len = -EBADMSG;		/* never in the map */
			break;
		}
		if (r == &c->shared && seen[i]++) {
			len = -ENOTUNIQ;	/* a stable key twice */
			break;
		}
		cond_resched();
	}
	gomap_iter_stop(&it);
	if (len != -ENOENT) {
		st_err_note(err, "walk step", 0, 0, len);
		return;
	}
	for (i = 0; i < ST_STABLE_KEYS; i++) {
		if (seen[i] != 1) {
			st_err_note(err, "walk missed or repeated a stable key", i, 0, seen[i]);
			return;
		}
	}
	c->walks++;
}

static int st_case_iter(void)
{
	struct st_case *c = st_case_new(ST_U64, ST_THREADS, ST_THREAD_KEYS);
	ktime_t t0 = ktime_get();
	unsigned int n;
	u32 i;
	int ret;

	if (!c)
		return -ENOMEM;
	/* The stable keys are the "shared" range: nobody writes them meanwhile. */
	ret = st_range_init(&c->shared, 0, ST_STABLE_KEYS);
	for (i = 0; !ret && i < ST_STABLE_KEYS; i++) {
		ret = st_assign(c, i, 1, GFP_KERNEL);
		c->shared.ver[i] = 1;
	}
	c->seen = kmalloc(ST_STABLE_KEYS, GFP_KERNEL);
	if (!ret && !c->seen)
		ret = -ENOMEM;
	for (n = 0; !ret && n < ST_THREADS; n++)
		ret = st_thread_start(c, n, st_writer);
	if (!ret)
		ret = st_thread_start(c, ST_THREADS, st_walker);
	if (!ret) {
		st_timers_start(c);
		st_run_for(seconds * 1000);
	}
	st_timers_stop(c);
	st_threads_stop(c);
	if (ret)
		st_error(c, "setup failed", 0, ret);
	if (!c->walks)
		st_error(c, "no walk finished", 0, 0);
	st_check_walk(c, st_check_keys(c));
	st_report(c, "iter_vs_writers", t0);
	st_case_free(c);
	return 0;
}

/*
 * Writers, a clearing thread and clearing timers: afterwards every entry a
 * walk returns is found by lookup, with a value its writer wrote.
 */
static int st_case_clear(void)
{
	struct st_case *c = st_case_new(ST_U64, ST_THREADS, ST_THREAD_KEYS);
	u8 key[sizeof(u64)], val[sizeof(u64)];
	ktime_t t0 = ktime_get();
	unsigned long seen = 0;
	struct gomap_iter it;
	unsigned int n;
	int len, ret = 0;

	if (!c)
		return -ENOMEM;
	c->clearing = true;
	for (n = 0; !ret && n < ST_THREADS; n++)
		ret = st_thread_start(c, n, st_clear_writer);
	if (!ret)
		ret = st_thread_start(c, ST_THREADS, st_clearer);
	if (!ret) {
		st_timers_start(c);
		st_run_for(seconds * 1000);
	}
	st_timers_stop(c);
	st_threads_stop(c);
	if (ret)
		st_error(c, "setup failed", 0, ret);
	gomap_iter_start(&it, c->map);
	while ((len = gomap_iter_next(&it, key, sizeof(key), val)) >= 0) {
		s64 idx = st_key_idx(c->kind, key, len);
		struct st_range *r;
		u32 i, ver, now;

		seen++;
		r = idx < 0 ? NULL : st_owner(c, idx, &i);
		/* Timers keep their latest version in ver[0], threads per key. */
		if (!r || st_value_idx(c->kind, val, &ver) != idx || !ver ||
		    ver > r->ver[r->nr == ST_TIMER_KEYS ? 0 : i] ||
		    st_lookup(c, idx, &now) || now != ver)
			st_error(c, "an entry after the clears is wrong", idx, ver);
	}
	gomap_iter_stop(&it);
	if (gomap_len(c->map) != seen)
		st_error(c, "len and the walk disagree", seen, (int)gomap_len(c->map));
	st_report(c, "clear_vs_writers", t0);
	st_case_free(c);
	return 0;
}

static int __init gomap_stress_init(void)
{
	int ret = 0;

	pr_info("gomap_stress: start entries=%u seconds=%u hardirq=%d period_us=%u cpus=%u\n",
		entries, seconds, hardirq, period_us, num_online_cpus());
	ret = ret ?: st_case_hardirq(ST_U64);
	ret = ret ?: st_case_hardirq(ST_STR);
	ret = ret ?: st_case_hardirq(ST_MEM200);
	ret = ret ?: st_case_growth();
	ret = ret ?: st_case_iter();
	ret = ret ?: st_case_clear();
	if (ret)
		return ret;
	pr_info("gomap_stress: %u passed, %u failed\n", st_nr - st_failed, st_failed);
	return 0;
}

static void __exit gomap_stress_exit(void)
{
}

module_init(gomap_stress_init);
module_exit(gomap_stress_exit);

MODULE_DESCRIPTION("gomap from hardirq timers and kthreads at once");
MODULE_LICENSE("GPL");
