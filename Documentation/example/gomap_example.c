// SPDX-License-Identifier: GPL-2.0
/*
 * gomap_example: a minimal client of gomap.ko (Documentation/gomap.rst).
 *
 * Counts timer ticks per CPU in a u32 -> u64 map from a timer callback
 * (softirq context, so GFP_ATOMIC), keeps a byte-string keyed map of
 * names, and prints both when unloaded.
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/timer.h>

#include "gomap.h"

static struct gomap *ticks;	/* CPU number -> ticks seen on it */
static struct gomap *names;	/* name -> u32 */
static struct timer_list tick_timer;

/* Runs under the map lock with interrupts off: no sleeping, no map calls. */
static void count_one(void *value, bool found, void *arg)
{
	u64 *n = value;		/* zero-filled when the key was just added */

	*n += 1;
}

static void tick(struct timer_list *t)
{
	u32 cpu = raw_smp_processor_id();
	int ret;

	/* Softirq context: only a non-blocking gfp. */
	ret = gomap_update(ticks, &cpu, count_one, NULL, GFP_ATOMIC);
	if (ret)
		pr_warn_ratelimited("gomap_example: update: %d\n", ret);
	mod_timer(&tick_timer, jiffies + HZ / 10);
}

static int __init gomap_example_init(void)
{
	struct gomap_params tp = { .key_size = sizeof(u32), .value_size = sizeof(u64) };
	struct gomap_params np = { .key_size = GOMAP_KEY_STRING, .value_size = sizeof(u32) };
	static const char *const words[] = { "bucket", "tophash", "overflow", "evacuate" };
	u32 i;
	int ret;

	ticks = gomap_create(&tp, GFP_KERNEL);
	if (IS_ERR(ticks))
		return PTR_ERR(ticks);
	names = gomap_create(&np, GFP_KERNEL);
	if (IS_ERR(names)) {
		gomap_destroy(ticks);
		return PTR_ERR(names);
	}

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		/* Process context: GFP_KERNEL may sleep to allocate. */
		ret = gomap_assign_str(names, words[i], strlen(words[i]), &i, GFP_KERNEL);
		if (ret)
			goto fail;
	}
	if (!gomap_lookup_str(names, "tophash", 7, &i))
		pr_info("gomap_example: tophash -> %u\n", i);
	ret = gomap_delete_str(names, "overflow", 8);
	pr_info("gomap_example: delete: %d, %lu names left, lookup: %d\n", ret,
		gomap_len(names), gomap_lookup_str(names, "overflow", 8, NULL));

	timer_setup(&tick_timer, tick, 0);
	mod_timer(&tick_timer, jiffies + HZ / 10);
	return 0;

fail:
	gomap_destroy(names);
	gomap_destroy(ticks);
	return ret;
}

static void __exit gomap_example_exit(void)
{
	struct gomap_iter it;
	char key[32];
	u64 n;
	u32 v;
	int len;

	del_timer_sync(&tick_timer);	/* also stops its re-arming */

	/* Go's for k, v := range m: random order, every entry once. */
	gomap_iter_start(&it, ticks);
	while (gomap_iter_next(&it, &v, sizeof(v), &n) >= 0)
		pr_info("gomap_example: cpu %u: %llu ticks\n", v, n);
	gomap_iter_stop(&it);

	gomap_iter_start(&it, names);
	while ((len = gomap_iter_next(&it, key, sizeof(key) - 1, &v)) >= 0) {
		key[len] = '\0';
		pr_info("gomap_example: %s = %u\n", key, v);
	}
	gomap_iter_stop(&it);

	gomap_destroy(names);
	gomap_destroy(ticks);
}

module_init(gomap_example_init);
module_exit(gomap_example_exit);

MODULE_DESCRIPTION("Minimal gomap client");
MODULE_LICENSE("GPL");
