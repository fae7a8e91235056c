// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite gomap_reserve: the memory reserve, the worker, preallocated
 * maps, and the calls that must not allocate in hardirq context.
 *
 * The hardirq cases run their workload from an HRTIMER_MODE_REL_HARD timer,
 * which stays in hardirq context on PREEMPT_RT too: with the debug kernel's
 * CONFIG_PROVE_RAW_LOCK_NESTING, lockdep reports any allocation or sleeping
 * lock taken there ("BUG: Invalid wait context").
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/hrtimer.h>

#include "gomap.h"
#include "gomap_internal.h"
#include "gomap_kunit.h"

#define GR_MAX_OPS	64	/* operations one hardirq workload records */

/* One workload run once from a hard hrtimer, with what it saw. */
struct gr_irq {
	struct hrtimer timer;
	struct completion done;
	void (*fn)(struct gr_irq *irq);
	struct gomap *map;
	bool in_hardirq;
	u64 base;			/* first key of the workload */
	unsigned int n;			/* operations to make */
	unsigned int nr_ok;		/* made with 0 */
	int ret[GR_MAX_OPS];
	struct gomap_stats stats;	/* taken in hardirq context, after the operations */
	struct gomap *created;		/* gr_create_fn()'s result */
};

static enum hrtimer_restart gr_irq_timer(struct hrtimer *t)
{
	struct gr_irq *irq = container_of(t, struct gr_irq, timer);

	irq->in_hardirq = in_hardirq();
	irq->fn(irq);
	complete(&irq->done);
	return HRTIMER_NORESTART;
}

/* Run @irq->fn once in hardirq context and wait for it. */
static void gr_run_hardirq(struct kunit *test, struct gr_irq *irq)
{
	unsigned long left;

	init_completion(&irq->done);
	hrtimer_init(&irq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	irq->timer.function = gr_irq_timer;
	hrtimer_start(&irq->timer, ns_to_ktime(50 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	left = wait_for_completion_timeout(&irq->done, 10 * HZ);
	hrtimer_cancel(&irq->timer);
	KUNIT_ASSERT_NE_MSG(test, left, 0UL, "the hardirq workload never ran");
	KUNIT_ASSERT_TRUE(test, irq->in_hardirq);
}

static struct gr_irq *gr_irq_new(struct kunit *test, struct gomap *map,
				 void (*fn)(struct gr_irq *irq), u64 base, unsigned int n)
{
	struct gr_irq *irq = kunit_kzalloc(test, sizeof(*irq), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, irq);
	KUNIT_ASSERT_LE(test, n, (unsigned int)GR_MAX_OPS);
	irq->fn = fn;
	irq->map = map;
	irq->base = base;
	irq->n = n;
	return irq;
}

/* u64 keys base .. base + n - 1; the value (of the map's size) repeats the key's low byte. */
static void gr_assign_fn(struct gr_irq *irq)
{
	unsigned int i;
	u8 v[200];

	for (i = 0; i < irq->n; i++) {
		u64 k = irq->base + i;

		memset(v, (u8)k, sizeof(v));
		if (gomap_params(irq->map)->value_size == sizeof(k))
			memcpy(v, &k, sizeof(k));
		irq->ret[i] = gomap_assign(irq->map, &k, v, GFP_ATOMIC);
		irq->nr_ok += !irq->ret[i];
	}
	gomap_stats(irq->map, &irq->stats);
}

/* u64 keys base .. base + n - 1 deleted. */
static void gr_delete_fn(struct gr_irq *irq)
{
	unsigned int i;

	for (i = 0; i < irq->n; i++) {
		u64 k = irq->base + i;

		irq->ret[i] = gomap_delete(irq->map, &k);
		irq->nr_ok += !irq->ret[i];
	}
}

/* A 30-byte string key naming @id: its copy takes a 64-byte object. */
static void gr_str_key(char *buf, u64 id)
{
	snprintf(buf, 31, "reserve-key-%018llu", id);
}

/* String keys of ids base .. base + n - 1, until the first failure. */
static void gr_assign_str_fn(struct gr_irq *irq)
{
	unsigned int i;
	char key[32];

	for (i = 0; i < irq->n; i++) {
		gr_str_key(key, irq->base + i);
		irq->ret[i] = gomap_assign_str(irq->map, key, 30, &irq->base, GFP_ATOMIC);
		if (irq->ret[i])
			break;
		irq->nr_ok++;
	}
}

static void gr_create_fn(struct gr_irq *irq)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = sizeof(u64) };

	irq->created = gomap_create(&p, GFP_ATOMIC);
}

static struct gomap *gr_map(struct kunit *test, const struct gomap_params *p)
{
	struct gomap *map = gomap_create(p, GFP_KERNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	gomap_test_set_seed(map, GM_SEED);
	return map;
}

static void gomap_test_assign_hardirq_takes_reserve(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gr_irq *irq = gr_irq_new(test, map, gr_assign_fn, 0, 8);
	struct gomap_stats before, after;
	u64 k, v;

	before = gm_stats(map);
	gr_run_hardirq(test, irq);

	/*
	 * A fresh map's first bucket comes from the reserve in hardirq context,
	 * and the eight entries fit it: nothing was missing.  (The worker may
	 * refill as soon as the interrupt ends: look from inside it.)
	 */
	KUNIT_EXPECT_EQ(test, irq->nr_ok, 8U);
	KUNIT_EXPECT_EQ(test, irq->stats.count, 8UL);
	KUNIT_EXPECT_EQ(test, irq->stats.reserve_empty, 0UL);
	KUNIT_EXPECT_LT(test, irq->stats.reserve_bytes, before.reserve_bytes);
	/* The worker, kicked from hardirq context, puts back what was taken. */
	gm_flush_worker(map);
	after = gm_stats(map);
	KUNIT_EXPECT_EQ(test, after.reserve_refills, before.reserve_refills + 1);
	KUNIT_EXPECT_EQ(test, after.reserve_bytes, before.reserve_bytes);
	for (k = 0; k < 8; k++) {
		KUNIT_EXPECT_EQ(test, gomap_lookup(map, &k, &v), 0);
		KUNIT_EXPECT_EQ(test, v, k);
	}
}

static void gomap_test_assign_hardirq_reserve_empty(struct kunit *test)
{
	struct gomap_params p = { .key_size = GOMAP_KEY_STRING, .value_size = sizeof(u64),
				  .shards = 1 };
	struct gomap *map = gr_map(test, &p);
	struct gr_irq *irq = gr_irq_new(test, map, gr_assign_str_fn, 0, GR_MAX_OPS);
	unsigned int failed;
	char key[32];

	gr_run_hardirq(test, irq);
	failed = irq->nr_ok;

	/*
	 * Each key takes a copy from the reserve: in hardirq context, once the
	 * list of its size is empty, the assign fails with -ENOMEM and stores
	 * nothing.
	 */
	KUNIT_EXPECT_LT(test, irq->nr_ok, (unsigned int)GR_MAX_OPS);
	KUNIT_EXPECT_GE(test, irq->nr_ok, 1U);
	KUNIT_EXPECT_EQ(test, irq->ret[failed], -ENOMEM);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)irq->nr_ok);
	gr_str_key(key, failed);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, 30, NULL), -ENOENT);
	KUNIT_EXPECT_GE(test, gm_stats(map).reserve_empty, 1UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);

	/* Once the worker has refilled it, the same key goes in from hardirq context. */
	gm_flush_worker(map);
	irq = gr_irq_new(test, map, gr_assign_str_fn, failed, 1);
	gr_run_hardirq(test, irq);
	KUNIT_EXPECT_EQ(test, irq->ret[0], 0);
	KUNIT_EXPECT_EQ(test, gomap_lookup_str(map, key, 30, NULL), 0);
	gomap_destroy(map);
}

static void gomap_test_grow_hardirq_deferred(struct kunit *test)
{
	struct gomap *map = test->priv;
	struct gr_irq *irq = gr_irq_new(test, map, gr_assign_fn, 0, 9);
	struct gomap_stats st;
	u64 k;

	gr_run_hardirq(test, irq);
	st = gm_stats(map);

	/* The ninth key wants a growth; hardirq context may not allocate the array. */
	KUNIT_EXPECT_EQ(test, irq->nr_ok, 9U);
	KUNIT_EXPECT_EQ(test, st.B, 0U);
	KUNIT_EXPECT_EQ(test, st.grows, 0UL);
	KUNIT_EXPECT_EQ(test, st.deferred_grows, 1UL);
	KUNIT_EXPECT_EQ(test, st.overflow_buckets, 1UL);

	/* The worker allocates it; the next hardirq assign installs it. */
	gm_flush_worker(map);
	irq = gr_irq_new(test, map, gr_assign_fn, 9, 1);
	gr_run_hardirq(test, irq);
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, irq->ret[0], 0);
	KUNIT_EXPECT_EQ(test, st.B, 1U);
	KUNIT_EXPECT_EQ(test, st.grows, 1UL);
	for (k = 0; k < 10; k++)
		KUNIT_EXPECT_EQ(test, gomap_lookup(map, &k, NULL), 0);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
}

static void gomap_test_create_hardirq_ebusy(struct kunit *test)
{
	struct gr_irq *irq = gr_irq_new(test, NULL, gr_create_fn, 0, 0);

	gr_run_hardirq(test, irq);

	/* Creating allocates, which hardirq context may not. */
	KUNIT_EXPECT_TRUE(test, IS_ERR(irq->created));
	KUNIT_EXPECT_EQ(test, PTR_ERR(irq->created), -EBUSY);
	if (!IS_ERR(irq->created))
		gomap_destroy(irq->created);
}

static void gomap_test_delete_str_deferred_free(struct kunit *test)
{
	struct gomap_params p = { .key_size = GOMAP_KEY_STRING, .shards = 1 };
	struct gomap *map = gr_map(test, &p);
	char key[32];

	gr_str_key(key, 1);
	KUNIT_ASSERT_EQ(test, gomap_assign_str(map, key, 30, NULL, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, gomap_delete_str(map, key, 30), 0);

	/* The key's copy is freed after a grace period, not in the delete. */
	KUNIT_EXPECT_EQ(test, gm_stats(map).deferred_frees, 1UL);
	KUNIT_EXPECT_EQ(test, gm_stats(map).bytes,
			(size_t)map->shards[0].pools[GM_POOL_TABLE].size);
	gomap_destroy(map);
}

/* A preallocated map of 1000 u64 keys with 200-byte (out of line) values. */
#define GR_PRE_N	1000U

static struct gomap *gr_prealloc_map(struct kunit *test)
{
	struct gomap_params p = { .key_size = sizeof(u64), .value_size = 200,
				  .max_entries = GR_PRE_N, .flags = GOMAP_F_PREALLOC };

	return gr_map(test, &p);
}

static int gr_put200(struct gomap *map, u64 k)
{
	u8 v[200];

	memset(v, (u8)k, sizeof(v));
	return gomap_assign(map, &k, v, GFP_KERNEL);
}

static void gomap_test_prealloc_never_allocates(struct kunit *test)
{
	struct gomap *map = gr_prealloc_map(test);
	unsigned int bad = 0, round;
	struct gomap_stats st0, st;
	u64 k, old, next = GR_PRE_N;

	/* Every allocation the map could make now fails; none is made. */
	gomap_test_fail_alloc(map, UINT_MAX);
	st0 = gm_stats(map);
	for (k = 0; k < GR_PRE_N; k++)
		bad += gr_put200(map, k) != 0;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, gr_put200(map, next), -ENOSPC);

	/* Churn: delete half, insert as many new keys, ten times over. */
	for (round = 0; round < 10; round++) {
		old = next - GR_PRE_N;
		for (k = old; k < old + GR_PRE_N / 2; k++)
			bad += gomap_delete(map, &k) != 0;
		for (k = 0; k < GR_PRE_N / 2; k++)
			bad += gr_put200(map, next++) != 0;
		for (k = old; k < old + GR_PRE_N / 2; k++)
			bad += gomap_lookup(map, &k, NULL) != -ENOENT;
	}
	st = gm_stats(map);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, st.count, (unsigned long)GR_PRE_N);
	KUNIT_EXPECT_EQ(test, st.B, st0.B);
	KUNIT_EXPECT_EQ(test, st.grows + st.same_size_grows + st.failed_grows, 0UL);
	KUNIT_EXPECT_EQ(test, st.reserve_refills, 0UL);
	KUNIT_EXPECT_EQ(test, st.bytes + st.reserve_bytes, st0.bytes + st0.reserve_bytes);
	/* Packed chains: at most one overflow bucket for every eight entries. */
	KUNIT_EXPECT_LE(test, st.overflow_buckets, DIV_ROUND_UP(st.count, 8UL));
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	gomap_test_fail_alloc(map, 0);
	gomap_destroy(map);
}

static void gomap_test_prealloc_hardirq_churn(struct kunit *test)
{
	struct gomap *map = gr_prealloc_map(test);
	struct gr_irq *irq;
	u64 k;

	for (k = 0; k < GR_PRE_N; k++)
		KUNIT_ASSERT_EQ(test, gr_put200(map, k), 0);
	irq = gr_irq_new(test, map, gr_delete_fn, 0, 32);
	gr_run_hardirq(test, irq);
	KUNIT_EXPECT_EQ(test, irq->nr_ok, 32U);
	irq = gr_irq_new(test, map, gr_assign_fn, GR_PRE_N, 32);
	gr_run_hardirq(test, irq);

	/* In hardirq context a full preallocated map swaps 32 entries for 32 others. */
	KUNIT_EXPECT_EQ(test, irq->nr_ok, 32U);
	KUNIT_EXPECT_EQ(test, gomap_len(map), (unsigned long)GR_PRE_N);
	KUNIT_EXPECT_EQ(test, gm_stats(map).reserve_empty, 0UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	gomap_destroy(map);
}

static void gomap_test_prealloc_clear_in_place(struct kunit *test)
{
	struct gomap *map = gr_prealloc_map(test);
	struct gomap_stats st0 = gm_stats(map), st;
	unsigned int found = 0;
	u64 k;

	for (k = 0; k < GR_PRE_N; k++)
		KUNIT_ASSERT_EQ(test, gr_put200(map, k), 0);
	gomap_clear(map);
	st = gm_stats(map);
	for (k = 0; k < GR_PRE_N; k++)
		found += !gomap_lookup(map, &k, NULL);

	/* Cleared in place: the same array, every copy back in the reserve. */
	KUNIT_EXPECT_EQ(test, found, 0U);
	KUNIT_EXPECT_EQ(test, st.count, 0UL);
	KUNIT_EXPECT_EQ(test, st.B, st0.B);
	KUNIT_EXPECT_EQ(test, st.bytes, st0.bytes);
	KUNIT_EXPECT_EQ(test, st.reserve_bytes, st0.reserve_bytes);
	KUNIT_EXPECT_EQ(test, st.overflow_buckets, 0UL);
	KUNIT_EXPECT_EQ(test, gomap_test_check(map), 0);
	for (k = 0; k < GR_PRE_N; k++)
		KUNIT_EXPECT_EQ(test, gr_put200(map, k), 0);
	gomap_destroy(map);
}

struct gr_bad_params {
	const char *name;
	struct gomap_params p;
};

static const struct gr_bad_params gr_bad_prealloc[] = {
	{ "prealloc without max_entries",
	  { .key_size = 8, .value_size = 8, .flags = GOMAP_F_PREALLOC } },
	{ "prealloc with string keys",
	  { .key_size = GOMAP_KEY_STRING, .max_entries = 10, .flags = GOMAP_F_PREALLOC } },
	{ "unknown flag", { .key_size = 8, .value_size = 8, .flags = BIT(7) } },
};

static void gr_bad_prealloc_desc(const struct gr_bad_params *b, char *desc)
{
	strscpy(desc, b->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gr_bad_prealloc, gr_bad_prealloc, gr_bad_prealloc_desc);

static void gomap_test_create_bad_flags(struct kunit *test)
{
	const struct gr_bad_params *b = test->param_value;
	struct gomap *map = gomap_create(&b->p, GFP_KERNEL);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(map), -EINVAL);
	if (!IS_ERR(map))
		gomap_destroy(map);
}

static struct kunit_case gomap_reserve_cases[] = {
	KUNIT_CASE(gomap_test_assign_hardirq_takes_reserve),
	KUNIT_CASE(gomap_test_assign_hardirq_reserve_empty),
	KUNIT_CASE(gomap_test_grow_hardirq_deferred),
	KUNIT_CASE(gomap_test_create_hardirq_ebusy),
	KUNIT_CASE(gomap_test_delete_str_deferred_free),
	KUNIT_CASE(gomap_test_prealloc_never_allocates),
	KUNIT_CASE(gomap_test_prealloc_hardirq_churn),
	KUNIT_CASE(gomap_test_prealloc_clear_in_place),
	KUNIT_CASE_PARAM(gomap_test_create_bad_flags, gr_bad_prealloc_gen_params),
	{}
};

struct kunit_suite gomap_reserve_suite = {
	.name = "gomap_reserve",
	.init = gm_test_init,
	.exit = gm_test_exit,
	.test_cases = gomap_reserve_cases,
};
