// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_context: atomic contexts and concurrency: hardirq,
 * softirq, preemption off, a caller's spinlock, kthreads.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <asm/unaligned.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

/* A caller's own lock, held around map calls as a client module would. */
static DEFINE_SPINLOCK(gm_caller_lock);

enum gm_ctx_kind {
	GM_CTX_HARDIRQ,		/* hrtimer callback, HRTIMER_MODE_REL_HARD */
	GM_CTX_SOFTIRQ,		/* timer_list callback */
	GM_CTX_PREEMPT_OFF,	/* process context under preempt_disable() */
	GM_CTX_SPINLOCK,	/* process context under spin_lock_irqsave() */
};

struct gm_ctx_param {
	const char *name;
	enum gm_ctx_kind kind;
};

static const struct gm_ctx_param gm_ctxs[] = {
	{ "hardirq", GM_CTX_HARDIRQ },
	{ "softirq", GM_CTX_SOFTIRQ },
	{ "preempt off", GM_CTX_PREEMPT_OFF },
	{ "caller spinlock", GM_CTX_SPINLOCK },
};

static void gm_ctx_desc(const struct gm_ctx_param *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gm_ctx, gm_ctxs, gm_ctx_desc);

#define GM_CTX_IDS	100

/* One workload run once in an atomic context, with its results. */
struct gm_ctx_run {
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct completion done;
	enum gm_ctx_kind kind;
	bool ctx_ok;			/* the workload ran in the context asked for */
	void (*fn)(struct gm_ctx_run *run);
	struct gomap *map;
	u32 first, nr;			/* ids the workload works on, for those that say */
	unsigned int errors;		/* results the workload did not expect */
	unsigned int hits;
	struct gm_upd upd;
	u8 seen[GM_CTX_IDS];
	struct gm_walk walk;
};

static bool gm_ctx_is(enum gm_ctx_kind kind)
{
	switch (kind) {
	case GM_CTX_HARDIRQ:
		return in_hardirq() && irqs_disabled();
	case GM_CTX_SOFTIRQ:
		return in_serving_softirq() && !in_hardirq();
	case GM_CTX_PREEMPT_OFF:
		return !preemptible() && !in_interrupt() && !irqs_disabled();
	case GM_CTX_SPINLOCK:
		return irqs_disabled() && !in_interrupt();
	}
	return false;
}

static void gm_ctx_call(struct gm_ctx_run *run)
{
	run->ctx_ok = gm_ctx_is(run->kind);
	run->fn(run);
	complete(&run->done);
}

static enum hrtimer_restart gm_ctx_hrtimer_fn(struct hrtimer *t)
{
	gm_ctx_call(container_of(t, struct gm_ctx_run, hrtimer));
	return HRTIMER_NORESTART;
}

static void gm_ctx_timer_fn(struct timer_list *t)
{
	struct gm_ctx_run *run = from_timer(run, t, timer);

	gm_ctx_call(run);
}

/*
 * gm_ctx_run() - Run @fn on the default map once, in the context the case's
 * parameter names, and wait for it.
 *
 * Return: the run, with the workload's results.
 */
static struct gm_ctx_run *gm_ctx_run_ids(struct kunit *test, void (*fn)(struct gm_ctx_run *run),
					 u32 first, u32 nr)
{
	const struct gm_ctx_param *c = test->param_value;
	struct gm_ctx_run *run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	unsigned long flags, left;

	KUNIT_ASSERT_NOT_NULL(test, run);
	run->first = first;
	run->nr = nr;
	run->kind = c->kind;
	run->fn = fn;
	run->map = test->priv;
	run->upd.value_size = 8;
	init_completion(&run->done);
	switch (c->kind) {
	case GM_CTX_HARDIRQ:
		hrtimer_init(&run->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		run->hrtimer.function = gm_ctx_hrtimer_fn;
		hrtimer_start(&run->hrtimer, ns_to_ktime(100000), HRTIMER_MODE_REL_HARD);
		break;
	case GM_CTX_SOFTIRQ:
		timer_setup(&run->timer, gm_ctx_timer_fn, 0);
		mod_timer(&run->timer, jiffies + 1);
		break;
	case GM_CTX_PREEMPT_OFF:
		preempt_disable();
		gm_ctx_call(run);
		preempt_enable();
		break;
	case GM_CTX_SPINLOCK:
		spin_lock_irqsave(&gm_caller_lock, flags);
		gm_ctx_call(run);
		spin_unlock_irqrestore(&gm_caller_lock, flags);
		break;
	}
	left = wait_for_completion_timeout(&run->done, 30 * HZ);
	if (c->kind == GM_CTX_HARDIRQ)
		hrtimer_cancel(&run->hrtimer);
	else if (c->kind == GM_CTX_SOFTIRQ)
		del_timer_sync(&run->timer);
	KUNIT_ASSERT_NE_MSG(test, left, 0UL, "the %s workload never ran", c->name);
	KUNIT_EXPECT_TRUE_MSG(test, run->ctx_ok, "the workload did not run in %s context", c->name);
	return run;
}

/* gm_ctx_run_ids() for ids 0 .. GM_CTX_IDS - 1. */
static struct gm_ctx_run *gm_ctx_run(struct kunit *test, void (*fn)(struct gm_ctx_run *run))
{
	return gm_ctx_run_ids(test, fn, 0, GM_CTX_IDS);
}

static void gm_ctx_assign_fn(struct gm_ctx_run *run)
{
	u32 id;

	for (id = run->first; id < run->first + run->nr; id++)
		run->errors += gm_put(run->map, id, 1, GFP_ATOMIC) != 0;
}

/*
 * Hardirq context may not allocate: its assigns take from the map's
 * reserve, and growth waits for the worker.  An interrupt handler makes a
 * few calls at a time, and the worker runs in between: ten bursts of ten.
 */
static unsigned int gm_ctx_assign_bursts(struct kunit *test)
{
	unsigned int errors = 0;
	u32 first;

	for (first = 0; first < GM_CTX_IDS; first += 10) {
		errors += gm_ctx_run_ids(test, gm_ctx_assign_fn, first, 10)->errors;
		gm_flush_worker(test->priv);
	}
	return errors;
}

static void gomap_test_assign_atomic(struct kunit *test)
{
	const struct gm_ctx_param *c = test->param_value;
	struct gomap *map = test->priv;
	unsigned int errors;

	if (c->kind == GM_CTX_HARDIRQ)
		errors = gm_ctx_assign_bursts(test);
	else
		errors = gm_ctx_run(test, gm_ctx_assign_fn)->errors;

	/* 100 assigns with GFP_ATOMIC, through four growths: all there, map sound. */
	KUNIT_EXPECT_EQ(test, errors, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GM_CTX_IDS);
	KUNIT_EXPECT_EQ(test, gm_stats(map).B, 4U);
	KUNIT_EXPECT_EQ(test, gm_missing(map, 0, GM_CTX_IDS, 1), 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

/* Put ids 0..GM_CTX_IDS-1 with version 1 into the default map, from process context. */
static void gm_ctx_fill(struct kunit *test)
{
	u32 id;

	for (id = 0; id < GM_CTX_IDS; id++)
		KUNIT_ASSERT_EQ(test, gm_put(test->priv, id, 1, GFP_KERNEL), 0);
}

static void gm_ctx_lookup_fn(struct gm_ctx_run *run)
{
	int ret;
	u32 id;

	for (id = 0; id < 2 * GM_CTX_IDS; id++) {
		ret = gm_get(run->map, id, 1);
		run->hits += !ret;
		run->errors += ret != (id < GM_CTX_IDS ? 0 : -ENOENT);
	}
}

static void gomap_test_lookup_atomic(struct kunit *test)
{
	struct gm_ctx_run *run;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_lookup_fn);

	/* The 100 stored ids are found with their values, the 100 others are not. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, run->hits, (unsigned int)GM_CTX_IDS);
}

static void gm_ctx_update_fn(struct gm_ctx_run *run)
{
	unsigned int i;
	u32 id;

	for (id = 0; id < 10; id++)
		for (i = 0; i < 20; i++)
			run->errors += gm_update_id(run->map, id, gm_update_inc, &run->upd,
						    GFP_ATOMIC) != 0;
}

static void gomap_test_update_atomic(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_ctx_run *run = gm_ctx_run(test, gm_ctx_update_fn);
	unsigned int wrong = 0;
	u32 id;

	for (id = 0; id < 10; id++)
		wrong += gm_get_u64(map, id) != 20;

	/* Ten counters, each incremented 20 times: ten inserts, then 190 in-place updates. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, run->upd.not_found, 10U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), 10UL);
}

static void gm_ctx_delete_fn(struct gm_ctx_run *run)
{
	u32 id;

	for (id = 0; id < GM_CTX_IDS; id += 2)
		run->errors += gm_del(run->map, id) != 0;
	for (id = 0; id < GM_CTX_IDS; id += 2)
		run->errors += gm_del(run->map, id) != -ENOENT;
}

static void gomap_test_delete_atomic(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_ctx_run *run;
	unsigned int wrong = 0;
	u32 id;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_delete_fn);
	for (id = 0; id < GM_CTX_IDS; id++)
		wrong += gm_get(map, id, 1) != ((id & 1) ? 0 : -ENOENT);

	/* Even ids deleted (a second delete finds nothing), odd ids kept. */
	KUNIT_EXPECT_EQ(test, run->errors, 0U);
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GM_CTX_IDS / 2);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gm_ctx_iter_fn(struct gm_ctx_run *run)
{
	run->walk = gm_walk(run->map, run->seen, GM_CTX_IDS, 1);
}

static void gomap_test_iter_atomic(struct kunit *test)
{
	struct gm_ctx_run *run;

	gm_ctx_fill(test);
	run = gm_ctx_run(test, gm_ctx_iter_fn);

	/* A whole walk in one atomic section: each of the 100 ids once, with its value. */
	KUNIT_EXPECT_EQ(test, run->walk.entries, (unsigned int)GM_CTX_IDS);
	KUNIT_EXPECT_EQ(test, gm_not_once(run->seen, 0, GM_CTX_IDS), 0U);
	KUNIT_EXPECT_EQ(test, run->walk.wrong_value, 0U);
	KUNIT_EXPECT_EQ(test, run->walk.end, -ENOENT);
}

#define GM_KT_THREADS	4
#define GM_KT_OWN	256	/* keys only one thread writes */
#define GM_KT_SHARED	64	/* counters every thread increments */
#define GM_KT_OPS	4000

/* One kthread of the concurrency case, and what it saw. */
struct gm_kt {
	struct gomap *map;
	struct completion done;
	struct rnd_state rnd;
	unsigned int nr;
	bool started;
	u64 last[GM_KT_OWN];		/* value last stored for each own key, 0 once deleted */
	u32 incs[GM_KT_SHARED];		/* increments made to each shared counter */
	u8 seen[GM_KT_OWN + GM_KT_SHARED];
	unsigned int errors;		/* results the thread's own history rules out */
	unsigned int walk_errors;	/* walks that missed, repeated or invented a key */
	unsigned int walks;
};

/* Own key @j of thread @nr; shared counters are keys 0..GM_KT_SHARED-1. */
static u64 gm_kt_key(unsigned int nr, u32 j)
{
	return ((u64)(nr + 1) << 32) | j;
}

static void gm_kt_inc(void *value, bool found, void *arg)
{
	put_unaligned(get_unaligned((u64 *)value) + 1, (u64 *)value);
}

/* Note one entry of a walk by @kt. Return: true if no thread could have stored it. */
static bool gm_kt_note(struct gm_kt *kt, u64 key, u64 val)
{
	u32 owner = key >> 32, j = (u32)key;

	if (!owner)
		return j >= GM_KT_SHARED || kt->seen[GM_KT_OWN + j]++;
	if (owner > GM_KT_THREADS || j >= GM_KT_OWN)
		return true;
	if (owner != kt->nr + 1)
		return false;
	return kt->seen[j]++ || val != kt->last[j];
}

/*
 * gm_kt_walk() - A full walk by thread @kt while the others write: every
 * shared counter (never deleted) comes back exactly once, and so does each
 * of @kt's own live keys, with its value; @kt's deleted keys never do.
 */
static void gm_kt_walk(struct gm_kt *kt)
{
	unsigned int j, bad = 0, entries = 0;
	struct gomap_iter it;
	u64 key, val;

	memset(kt->seen, 0, sizeof(kt->seen));
	gomap_iter_start(&it, kt->map);
	while (entries++ < 100000 && gomap_iter_next(&it, &key, sizeof(key), &val) >= 0)
		bad += gm_kt_note(kt, key, val);
	gomap_iter_stop(&it);
	for (j = 0; j < GM_KT_OWN; j++)
		bad += kt->seen[j] != !!kt->last[j];
	for (j = 0; j < GM_KT_SHARED; j++)
		bad += kt->seen[GM_KT_OWN + j] != 1;
	kt->walks++;
	kt->walk_errors += !!bad;
}

/* One random operation of thread @kt, number @n. */
static void gm_kt_op(struct gm_kt *kt, unsigned int n)
{
	u32 r = prandom_u32_state(&kt->rnd), j = (r >> 8) % GM_KT_OWN;
	u64 key = gm_kt_key(kt->nr, j), val = ((u64)(kt->nr + 1) << 48) | n, got = 0;
	u64 shared = j % GM_KT_SHARED;
	int ret;

	switch (r % 16) {
	case 0 ... 5:
		ret = gomap_assign(kt->map, &key, &val, GFP_KERNEL);
		kt->errors += ret != 0;
		kt->last[j] = ret ? kt->last[j] : val;
		break;
	case 6 ... 7:
		kt->errors += gomap_delete(kt->map, &key) != (kt->last[j] ? 0 : -ENOENT);
		kt->last[j] = 0;
		break;
	case 8 ... 9:
		ret = gomap_lookup(kt->map, &key, &got);
		kt->errors += kt->last[j] ? ret || got != kt->last[j] : ret != -ENOENT;
		break;
	case 10 ... 13:
		ret = gomap_update(kt->map, &shared, gm_kt_inc, NULL, GFP_KERNEL);
		kt->errors += ret != 0;
		kt->incs[shared] += !ret;
		break;
	default:
		kt->errors += gomap_lookup(kt->map, &shared, NULL) != 0;
		break;
	}
}

static int gm_kt_fn(void *data)
{
	struct gm_kt *kt = data;
	unsigned int n;

	for (n = 1; n <= GM_KT_OPS; n++) {
		gm_kt_op(kt, n);
		if (!(n % 500))
			gm_kt_walk(kt);
		if (!(n % 64))
			cond_resched();
	}
	complete(&kt->done);
	return 0;
}

/* Own keys whose value in the map is not what their thread last stored (absent for 0). */
static unsigned int gm_kt_wrong(struct gomap *map, const struct gm_kt *kts, unsigned long *live)
{
	unsigned int t, j, wrong = 0;

	for (t = 0; t < GM_KT_THREADS; t++) {
		for (j = 0; j < GM_KT_OWN; j++) {
			u64 got = gm_get64(map, gm_kt_key(t, j));

			wrong += got != (kts[t].last[j] ?: U64_MAX);
			*live += !!kts[t].last[j];
		}
	}
	return wrong;
}

/* Shared counters whose value is not the sum of every thread's increments. */
static unsigned int gm_kt_counters_wrong(struct gomap *map, const struct gm_kt *kts)
{
	unsigned int t, j, wrong = 0;
	u64 sum;

	for (j = 0; j < GM_KT_SHARED; j++) {
		for (sum = 0, t = 0; t < GM_KT_THREADS; t++)
			sum += kts[t].incs[j];
		wrong += gm_get64(map, j) != sum;
	}
	return wrong;
}

static void gomap_test_assign_concurrent_kthreads(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gm_kt *kts = kunit_kcalloc(test, GM_KT_THREADS, sizeof(*kts), GFP_KERNEL);
	unsigned int t, errors = 0, walk_errors = 0, walks = 0, started = 0;
	unsigned long live = GM_KT_SHARED;
	struct task_struct *task;
	unsigned long entries;
	u64 j;

	KUNIT_ASSERT_NOT_NULL(test, kts);
	for (j = 0; j < GM_KT_SHARED; j++)
		KUNIT_ASSERT_EQ(test, gm_put64(map, j, 0), 0);
	for (t = 0; t < GM_KT_THREADS; t++) {
		kts[t].map = map;
		kts[t].nr = t;
		init_completion(&kts[t].done);
		prandom_seed_state(&kts[t].rnd, 100 + t);
		task = kthread_run(gm_kt_fn, &kts[t], "gomap_kt/%u", t);
		kts[t].started = !IS_ERR(task);
	}
	for (t = 0; t < GM_KT_THREADS; t++) {
		if (!kts[t].started)
			continue;
		wait_for_completion(&kts[t].done);
		started++;
		errors += kts[t].errors;
		walk_errors += kts[t].walk_errors;
		walks += kts[t].walks;
	}
	KUNIT_ASSERT_EQ(test, started, GM_KT_THREADS);
	entries = gm_count_entries(map, 1UL << 20);

	/*
	 * Each thread's results matched its own history; the final map holds exactly what they
	 * left.
	 */
	KUNIT_EXPECT_EQ(test, errors, 0U);
	KUNIT_EXPECT_EQ(test, walk_errors, 0U);
	KUNIT_EXPECT_EQ(test, walks, GM_KT_THREADS * GM_KT_OPS / 500U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	KUNIT_EXPECT_EQ(test, gm_kt_wrong(map, kts, &live), 0U);
	KUNIT_EXPECT_EQ(test, gm_kt_counters_wrong(map, kts), 0U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), live);
	KUNIT_EXPECT_EQ(test, entries, live);
}

/*
 * String keys under lockless walks: a kthread inserts and deletes keys of
 * 5 to 44 bytes while the case walks.  Each key names its index and its
 * length, so a step that paired one key's bytes with another key's length
 * would return a key that is not in the map (and a read past a blob is
 * KASAN's to report); the GM_KS_STABLE keys, never deleted, must come back
 * exactly once per walk.
 */
#define GM_KS_STABLE	64
#define GM_KS_KEYS	2048
#define GM_KS_OPS	40000
#define GM_KS_MAXLEN	48

struct gm_ks {
	struct gomap *map;
	struct completion done;
	struct rnd_state rnd;
};

/* Key @idx: 'k', the index, then bytes that depend on both; 5 to 44 long. */
static size_t gm_ks_key(char *buf, u32 idx)
{
	size_t len = 5 + idx % 40, i;

	buf[0] = 'k';
	put_unaligned(idx, (u32 *)(buf + 1));
	for (i = 5; i < len; i++)
		buf[i] = (char)(idx * 31 + i);
	return len;
}

/* The index of a walked key, or U32_MAX if no key is these bytes. */
static u32 gm_ks_idx(const char *key, int len)
{
	char want[GM_KS_MAXLEN];
	u32 idx;

	if (len < 5)
		return U32_MAX;
	idx = get_unaligned((const u32 *)(key + 1));
	if (idx >= GM_KS_KEYS || gm_ks_key(want, idx) != len || memcmp(want, key, len))
		return U32_MAX;
	return idx;
}

static int gm_ks_writer(void *data)
{
	struct gm_ks *ks = data;
	char key[GM_KS_MAXLEN];
	unsigned int n;

	for (n = 1; n <= GM_KS_OPS; n++) {
		u32 r = prandom_u32_state(&ks->rnd);
		u32 idx = GM_KS_STABLE + (r >> 8) % (GM_KS_KEYS - GM_KS_STABLE);
		size_t len = gm_ks_key(key, idx);
		u64 val = idx;

		if (r & 1)
			gomap_assign_str(ks->map, key, len, &val, GFP_KERNEL);
		else
			gomap_delete_str(ks->map, key, len);
		if (!(n % 64))
			cond_resched();
	}
	complete(&ks->done);
	return 0;
}

/* One walk; returns the entries that no key of the map could be. */
static unsigned int gm_ks_walk(struct gomap *map)
{
	u8 seen[GM_KS_STABLE] = { };
	unsigned int bad = 0, i;
	struct gomap_iter it;
	char key[GM_KS_MAXLEN];
	u64 val;
	int len;
	u32 idx;

	gomap_iter_start(&it, map);
	while ((len = gomap_iter_next(&it, key, sizeof(key), &val)) >= 0) {
		idx = gm_ks_idx(key, len);
		if (idx == U32_MAX || val != idx)
			bad++;
		else if (idx < GM_KS_STABLE && seen[idx]++)
			bad++;
	}
	gomap_iter_stop(&it);
	for (i = 0; i < GM_KS_STABLE; i++)
		bad += seen[i] != 1;
	return bad;
}

static void gomap_test_walk_str_concurrent_writer(struct kunit *test)
{
	struct gomap *map = gm_create(test, GOMAP_KEY_STRING, 8, 0);
	struct gm_ks *ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	unsigned int walks = 0, bad = 0;
	struct task_struct *task;
	char key[GM_KS_MAXLEN];
	u64 val;
	u32 idx;

	KUNIT_ASSERT_NOT_NULL(test, ks);
	for (idx = 0; idx < GM_KS_STABLE; idx++) {
		val = idx;
		KUNIT_ASSERT_EQ(test, gomap_assign_str(map, key, gm_ks_key(key, idx), &val,
						       GFP_KERNEL), 0);
	}
	ks->map = map;
	init_completion(&ks->done);
	prandom_seed_state(&ks->rnd, 7);
	task = kthread_run(gm_ks_writer, ks, "gomap_ks");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	do {
		bad += gm_ks_walk(map);
		walks++;
		cond_resched();
	} while (!completion_done(&ks->done));
	wait_for_completion(&ks->done);
	kunit_info(test, "%u walks during %u writes\n", walks, GM_KS_OPS);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_GT(test, walks, 1U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

#define GM_MILLION		1000000
#define GM_ATOMIC_CHUNK		250	/* keys per atomic section */
#define GM_MILLION_BUDGET_MS	270000	/* both phases; KUnit stops a case after 300 s */

/* The keys of one gm_atomic_chunk(), in whatever atomic section it opened. */
static unsigned long gm_atomic_keys(struct gomap *map, u64 first, unsigned int nr, bool lookup)
{
	unsigned long bad = 0;
	u64 key, val;

	for (key = first; key < first + nr; key++) {
		val = ~key;
		if (lookup)
			bad += gomap_lookup(map, &key, &val) || val != ~key;
		else
			bad += gomap_assign(map, &key, &val, GFP_ATOMIC) != 0;
	}
	return bad;
}

/*
 * gm_atomic_chunk() - Assign (or look up) u64 keys @first..@first+@nr-1,
 * value ~key, in one atomic section: preemption off for even chunks, the
 * caller's spinlock with interrupts off for odd ones.
 *
 * Return: the calls that failed or found a wrong value.
 */
static unsigned long gm_atomic_chunk(struct gomap *map, u64 first, unsigned int nr, bool lookup)
{
	unsigned long flags, bad;

	/* Two straight-line sections, so sparse sees each lock balanced. */
	if (!((first / nr) & 1)) {
		preempt_disable();
		bad = gm_atomic_keys(map, first, nr, lookup);
		preempt_enable();
		return bad;
	}
	spin_lock_irqsave(&gm_caller_lock, flags);
	bad = gm_atomic_keys(map, first, nr, lookup);
	spin_unlock_irqrestore(&gm_caller_lock, flags);
	return bad;
}

/*
 * gm_atomic_phase() - Run gm_atomic_chunk() over all GM_MILLION keys, or
 * until @deadline.
 *
 * Return: the keys done; *@bad and *@ms get the failures and the time taken.
 */
static u64 gm_atomic_phase(struct gomap *map, bool lookup, ktime_t deadline,
			   unsigned long *bad, s64 *ms)
{
	ktime_t t0 = ktime_get();
	u64 first;

	for (first = 0; first < GM_MILLION; first += GM_ATOMIC_CHUNK) {
		*bad += gm_atomic_chunk(map, first, GM_ATOMIC_CHUNK, lookup);
		cond_resched();
		if (ktime_after(ktime_get(), deadline)) {
			first += GM_ATOMIC_CHUNK;
			break;
		}
	}
	*ms = ktime_ms_delta(ktime_get(), t0);
	return first;
}

static void gomap_test_assign_atomic_million(struct kunit *test)
{
	struct gomap *map = test->priv;
	unsigned long failed = 0, misses = 0;
	s64 assign_ms = 0, lookup_ms = 0;
	ktime_t deadline = ktime_add_ms(ktime_get(), GM_MILLION_BUDGET_MS);
	u64 assigned, looked_up = 0;
	struct gomap_stats st;

	assigned = gm_atomic_phase(map, false, deadline, &failed, &assign_ms);
	if (assigned == GM_MILLION)
		looked_up = gm_atomic_phase(map, true, deadline, &misses, &lookup_ms);
	st = gm_stats(map);
	kunit_info(test, "%llu assigns in %lld ms, %llu lookups in %lld ms, all atomic",
		   assigned, assign_ms, looked_up, lookup_ms);
	kunit_info(test, "B %u, %lu growths (%lu deferred, %lu failed), %lu failed evacuations, max %u evacuated per op",
		   st.B, st.grows, st.deferred_grows, st.failed_grows, st.failed_evacuations,
		   st.max_evacuated_per_op);

	/*
	 * A million keys from atomic context: all assigned and found, never more than two
	 * evacuations a write.
	 */
	KUNIT_EXPECT_EQ(test, assigned, (u64)GM_MILLION);
	KUNIT_EXPECT_EQ(test, looked_up, (u64)GM_MILLION);
	KUNIT_EXPECT_EQ(test, failed, 0UL);
	KUNIT_EXPECT_EQ(test, misses, 0UL);
	KUNIT_EXPECT_EQ(test, st.count, assigned);
	KUNIT_EXPECT_LE(test, st.max_evacuated_per_op, 2U);
	KUNIT_EXPECT_GT(test, st.max_evacuated_per_op, 0U);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static struct kunit_case gomap_context_cases[] = {
	KUNIT_CASE_PARAM(gomap_test_assign_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_lookup_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_update_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_delete_atomic, gm_ctx_gen_params),
	KUNIT_CASE_PARAM(gomap_test_iter_atomic, gm_ctx_gen_params),
	KUNIT_CASE(gomap_test_assign_concurrent_kthreads),
	KUNIT_CASE(gomap_test_walk_str_concurrent_writer),
	KUNIT_CASE(gomap_test_assign_atomic_million),
	{}
};

struct kunit_suite gomap_context_suite = {
	.name = "gomap_context",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_context_cases,
};
