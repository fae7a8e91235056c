// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: threads on one map.  Three workloads, each on a map
 * filled with n keys, for gomap (its default shards), gomap_s1 (one
 * shard) and rhashtable:
 *
 *   readers_R  R threads look up present keys while one writer inserts
 *              keys of its own and deletes them again (a window of 1024)
 *   writers_W  W threads each delete and re-insert keys of their own
 *              (disjoint), every delete and insert an operation
 *   mixed      4 threads, each 90% lookups and 10% overwrites of keys
 *              all threads share
 *
 * A figure is ns per operation per thread: the run's time times its
 * threads (the readers, for readers_R) over their operations.  Each is
 * printed as the median of the repetitions, and as its minimum and
 * maximum (figures _min and _max), to show how noisy the boot was.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bench.h"

#define SCALE_MS		1000	/* the length of one run */
#define SCALE_MAX_THREADS	4
#define SCALE_CHURN		1024	/* keys a readers_R writer keeps beyond the n */
#define SCALE_REPS_MAX		8
#define SCALE_MAX_SWEEP		6	/* shard counts scale_shards may add */

static unsigned int scale_shards[SCALE_MAX_SWEEP];
static unsigned int nr_scale_shards;
module_param_array(scale_shards, uint, &nr_scale_shards, 0444);
MODULE_PARM_DESC(scale_shards, "scaling part: more gomap maps, one for each of these shard counts");

enum scale_role { SCALE_READ, SCALE_CHURN_WRITE, SCALE_OWN_KEYS, SCALE_MIXED };

struct scale_ctx {
	struct bench_map *m;
	unsigned long n;
	unsigned int workers;		/* threads whose operations are counted */
	atomic_t stop;
	atomic64_t ops;
	atomic_t running;
	struct completion done;
	int error;			/* a failed operation that should not fail */
};

struct scale_thread {
	struct scale_ctx *c;
	enum scale_role role;
	unsigned int nr;
};

/* xorshift64, per thread: get_random_u32() would cost more than a lookup. */
static u64 scale_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void scale_note_error(struct scale_ctx *c, int ret)
{
	if (ret && !READ_ONCE(c->error))
		WRITE_ONCE(c->error, ret);
}

/* Lookups of present keys. */
static unsigned long scale_read(struct scale_thread *t)
{
	struct scale_ctx *c = t->c;
	u64 s = 0x9e3779b97f4a7c15ULL * (t->nr + 1), val;
	unsigned long ops = 0;

	while (!atomic_read(&c->stop)) {
		scale_note_error(c, c->m->ops->lookup(c->m, bench_key(scale_rand(&s) % c->n),
						      &val));
		if (!(++ops & 1023))
			cond_resched();
	}
	return ops;
}

/*
 * The readers' writer: inserts keys past the n present ones and deletes
 * each again SCALE_CHURN inserts later; at the end it deletes the rest.
 */
static unsigned long scale_churn(struct scale_thread *t)
{
	struct scale_ctx *c = t->c;
	unsigned long j = 0, i;

	while (!atomic_read(&c->stop)) {
		u64 key = bench_miss_key(j % c->n) + 2 * (j / c->n);

		scale_note_error(c, c->m->ops->insert(c->m, key, j, GFP_KERNEL));
		if (j >= SCALE_CHURN) {
			i = j - SCALE_CHURN;
			scale_note_error(c, c->m->ops->remove(c->m, bench_miss_key(i % c->n) +
							     2 * (i / c->n)));
		}
		if (!(++j & 1023))
			cond_resched();
	}
	for (i = j > SCALE_CHURN ? j - SCALE_CHURN : 0; i < j; i++)
		c->m->ops->remove(c->m, bench_miss_key(i % c->n) + 2 * (i / c->n));
	return 0;
}

/* Deletes and inserts again keys of its own: every workers-th present key. */
static unsigned long scale_own_keys(struct scale_thread *t)
{
	struct scale_ctx *c = t->c;
	unsigned long ops = 0, own = c->n / c->workers, i = 0;

	while (!atomic_read(&c->stop)) {
		u64 key = bench_key((i++ % own) * c->workers + t->nr);

		scale_note_error(c, c->m->ops->remove(c->m, key));
		scale_note_error(c, c->m->ops->insert(c->m, key, i, GFP_KERNEL));
		ops += 2;
		if (!(ops & 1023))
			cond_resched();
	}
	return ops;
}

/* 90% lookups, 10% overwrites, of keys every thread uses. */
static unsigned long scale_mixed(struct scale_thread *t)
{
	struct scale_ctx *c = t->c;
	u64 s = 0x2545f4914f6cdd1dULL * (t->nr + 1), val, r;
	unsigned long ops = 0;

	while (!atomic_read(&c->stop)) {
		r = scale_rand(&s);
		if (r % 10 == 9)
			scale_note_error(c, c->m->ops->update(c->m, bench_key((r >> 8) % c->n), r));
		else
			scale_note_error(c, c->m->ops->lookup(c->m, bench_key((r >> 8) % c->n),
							      &val));
		if (!(++ops & 1023))
			cond_resched();
	}
	return ops;
}

static int scale_thread_fn(void *arg)
{
	struct scale_thread *t = arg;
	struct scale_ctx *c = t->c;
	unsigned long ops = 0;

	switch (t->role) {
	case SCALE_READ:
		ops = scale_read(t);
		break;
	case SCALE_CHURN_WRITE:
		scale_churn(t);
		break;
	case SCALE_OWN_KEYS:
		ops = scale_own_keys(t);
		break;
	case SCALE_MIXED:
		ops = scale_mixed(t);
		break;
	}
	atomic64_add(ops, &c->ops);
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

/*
 * One run: @workers threads of @role, plus the churning writer for
 * readers; ns per operation per counted thread in *@ns.
 */
static int scale_run(struct bench_map *m, unsigned long n, enum scale_role role,
		     unsigned int workers, u64 *ns)
{
	struct scale_thread th[SCALE_MAX_THREADS + 1];
	struct scale_ctx c = { .m = m, .n = n, .workers = workers };
	unsigned int nthreads = workers + (role == SCALE_READ), i;
	u64 t0, t, ops;

	init_completion(&c.done);
	atomic_set(&c.running, nthreads);
	t0 = ktime_get_ns();
	for (i = 0; i < nthreads; i++) {
		struct task_struct *task;

		th[i] = (struct scale_thread){ .c = &c, .nr = i,
					       .role = i == workers ? SCALE_CHURN_WRITE : role };
		task = kthread_run(scale_thread_fn, &th[i], "gomap_bench/%u", i);
		if (IS_ERR(task)) {
			atomic_set(&c.stop, 1);
			if (atomic_sub_and_test(nthreads - i, &c.running))
				complete(&c.done);
			wait_for_completion(&c.done);
			return PTR_ERR(task);
		}
	}
	msleep(SCALE_MS);
	atomic_set(&c.stop, 1);
	wait_for_completion(&c.done);
	t = ktime_get_ns() - t0;
	ops = atomic64_read(&c.ops);
	*ns = ops ? t * workers / ops : 0;
	return c.error;
}

struct scale_row {
	const char *name;
	enum scale_role role;
	unsigned int workers;
};

#define SCALE_NR_ROWS	7

static const struct scale_row scale_rows[SCALE_NR_ROWS] = {
	{ "readers_1", SCALE_READ, 1 },
	{ "readers_2", SCALE_READ, 2 },
	{ "readers_4", SCALE_READ, 4 },
	{ "writers_1", SCALE_OWN_KEYS, 1 },
	{ "writers_2", SCALE_OWN_KEYS, 2 },
	{ "writers_4", SCALE_OWN_KEYS, 4 },
	{ "mixed_90_10_4", SCALE_MIXED, 4 },
};

/* A map under test: its calls, and for gomap a shard count of its own. */
struct scale_map {
	const struct bench_ops *ops;
	unsigned int gm_shards;
	char name[16];
};

#define SCALE_NR_FIXED	3

/* gomap (default shards), gomap_s1 and rhashtable, then the scale_shards maps. */
static unsigned int scale_maps_init(struct scale_map *maps)
{
	static const struct bench_ops *const fixed[SCALE_NR_FIXED] = {
		&gomap_ops, &gomap_s1_ops, &rht_ops
	};
	unsigned int i, nr = 0;

	for (i = 0; i < SCALE_NR_FIXED; i++, nr++) {
		maps[nr] = (struct scale_map){ .ops = fixed[i] };
		strscpy(maps[nr].name, fixed[i]->name, sizeof(maps[nr].name));
	}
	for (i = 0; i < nr_scale_shards; i++, nr++) {
		maps[nr] = (struct scale_map){ .ops = &gomap_ops, .gm_shards = scale_shards[i] };
		snprintf(maps[nr].name, sizeof(maps[nr].name), "gomap_s%u", scale_shards[i]);
	}
	return nr;
}

/* Every row on one map of @n keys, filled once a repetition. */
static int scale_map_rep(const struct scale_map *map, unsigned long n, u64 ns[SCALE_NR_ROWS])
{
	const struct bench_ops *ops = map->ops;
	struct bench_map m = { .ops = ops, .gm_shards = map->gm_shards };
	unsigned long i;
	unsigned int r;
	int ret;

	ret = ops->create(&m, n);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = ops->insert(&m, bench_key(i), i, GFP_KERNEL);
	for (r = 0; r < ARRAY_SIZE(scale_rows) && !ret; r++)
		ret = scale_run(&m, n, scale_rows[r].role, scale_rows[r].workers, &ns[r]);
	ops->destroy(&m);
	if (ret)
		pr_err("gomap_bench: %s scaling at %lu failed: %d\n", map->name, n, ret);
	return ret;
}

int bench_scaling(unsigned long n)
{
	u64 (*ns)[SCALE_NR_ROWS][SCALE_REPS_MAX];	/* [map][row][rep], too big for the stack */
	unsigned int nreps = clamp(bench_reps, 1U, (unsigned int)SCALE_REPS_MAX);
	struct scale_map maps[SCALE_NR_FIXED + SCALE_MAX_SWEEP];
	unsigned int nr_maps = scale_maps_init(maps);
	u64 once[SCALE_NR_ROWS];
	unsigned int o, r, k;
	int ret = 0;

	ns = kcalloc(nr_maps, sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;
	for (k = 0; k < nreps && !ret; k++) {
		for (o = 0; o < nr_maps && !ret; o++) {
			ret = scale_map_rep(&maps[o], n, once);
			for (r = 0; r < ARRAY_SIZE(scale_rows) && !ret; r++)
				ns[o][r][k] = once[r];
		}
	}
	if (ret) {
		kfree(ns);
		return ret;
	}
	for (o = 0; o < nr_maps; o++) {
		for (r = 0; r < ARRAY_SIZE(scale_rows); r++) {
			u64 *v = ns[o][r];
			const char *map = maps[o].name, *row = scale_rows[r].name;

			/* bench_median() sorts: the ends are then the spread. */
			pr_info("gomap_bench: csv,%s,scale_%s,%lu,%llu\n", map, row, n,
				bench_median(v, nreps));
			pr_info("gomap_bench: csv,%s,scale_%s_min,%lu,%llu\n", map, row, n, v[0]);
			pr_info("gomap_bench: csv,%s,scale_%s_max,%lu,%llu\n", map, row, n,
				v[nreps - 1]);
		}
	}
	kfree(ns);
	return 0;
}
