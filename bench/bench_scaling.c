// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_bench: threads on one map.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>

#include "bench.h"

/* ---- Reader scaling: R readers look up while one writer updates ---- */

struct scale_ctx {
	struct bench_map *m;
	unsigned long n;
	atomic_t stop;
	atomic64_t ops;
	struct completion done;
	atomic_t running;
};

static int scale_reader(void *arg)
{
	struct scale_ctx *c = arg;
	unsigned long i = get_random_u32(), ops = 0;
	u64 val;

	while (!atomic_read(&c->stop)) {
		c->m->ops->lookup(c->m, bench_key(i++ % c->n), &val);
		ops++;
		if (!(ops & 1023))
			cond_resched();
	}
	atomic64_add(ops, &c->ops);
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

static int scale_writer(void *arg)
{
	struct scale_ctx *c = arg;
	unsigned long i = 0;

	while (!atomic_read(&c->stop)) {
		c->m->ops->update(c->m, bench_key(i % c->n), i);
		if (!(++i & 1023))
			cond_resched();
	}
	if (atomic_dec_and_test(&c->running))
		complete(&c->done);
	return 0;
}

/* ns per lookup seen by each reader, with @readers readers and one writer. */
static int bench_scaling_once(const struct bench_ops *ops, unsigned long n, unsigned int readers,
			      u64 *ns_per_op)
{
	struct scale_ctx c = { .n = n };
	struct bench_map m = { .ops = ops };
	unsigned int i;
	u64 t0, t;
	int ret;

	ret = ops->create(&m, n);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++)
		ret = ops->insert(&m, bench_key(i), i, GFP_KERNEL);
	c.m = &m;
	init_completion(&c.done);
	atomic_set(&c.running, readers + 1);
	t0 = ktime_get_ns();
	for (i = 0; i <= readers && !ret; i++) {
		struct task_struct *task = kthread_run(i ? scale_reader : scale_writer, &c,
						       "gomap_bench/%u", i);

		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			atomic_sub(readers + 1 - i, &c.running);
		}
	}
	msleep(2000);
	atomic_set(&c.stop, 1);
	if (atomic_read(&c.running))
		wait_for_completion(&c.done);
	t = ktime_get_ns() - t0;
	*ns_per_op = atomic64_read(&c.ops) ? t * readers / atomic64_read(&c.ops) : 0;
	ops->destroy(&m);
	return ret;
}

int bench_scaling(unsigned long n)
{
	static const unsigned int readers[] = { 1, 2, 4 };
	unsigned int o, r;
	u64 ns;
	int ret;

	for (o = 0; o < ARRAY_SIZE(bench_all_ops); o++) {
		for (r = 0; r < ARRAY_SIZE(readers); r++) {
			ret = bench_scaling_once(bench_all_ops[o], n, readers[r], &ns);
			if (ret)
				return ret;
			pr_info("gomap_bench: csv,%s,scale_readers_%u,%lu,%llu\n",
				bench_all_ops[o]->name, readers[r], n, ns);
		}
	}
	return 0;
}
