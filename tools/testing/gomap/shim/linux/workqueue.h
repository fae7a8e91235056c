/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workqueues over the shim: queued items run from shim_run_work(), from
 * flush_work(), or from a worker thread, as the test chooses.
 */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include "../shim.h"

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
	struct work_struct *shim_next;
	int shim_pending;
	int shim_running;
	unsigned long shim_runner;
};

struct delayed_work {
	struct work_struct work;
	unsigned long delay;
};

struct workqueue_struct {
	const char *name;
};

extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_long_wq;
extern struct workqueue_struct *system_power_efficient_wq;

#define WQ_UNBOUND		(1 << 1)
#define WQ_FREEZABLE		(1 << 2)
#define WQ_MEM_RECLAIM		(1 << 3)
#define WQ_HIGHPRI		(1 << 4)
#define WQ_CPU_INTENSIVE	(1 << 5)

#define __WORK_INITIALIZER(n, f) { .func = (f) }
#define DECLARE_WORK(n, f)	struct work_struct n = __WORK_INITIALIZER(n, f)
#define INIT_WORK(w, f) do {						\
	(w)->func = (f);						\
	(w)->shim_next = NULL;						\
	(w)->shim_pending = 0;						\
	(w)->shim_running = 0;						\
	(w)->shim_runner = 0;						\
} while (0)
#define INIT_WORK_ONSTACK(w, f)	INIT_WORK(w, f)
#define INIT_DELAYED_WORK(dw, f) do { INIT_WORK(&(dw)->work, f); (dw)->delay = 0; } while (0)
#define to_delayed_work(w)	container_of(w, struct delayed_work, work)
#define work_pending(w)		(__atomic_load_n(&(w)->shim_pending, __ATOMIC_RELAXED) != 0)
#define delayed_work_pending(dw) work_pending(&(dw)->work)

#define queue_work(wq, w)	shim_queue_work((wq), (w))
#define queue_work_on(cpu, wq, w) shim_queue_work((wq), (w))
#define schedule_work(w)	shim_queue_work(system_wq, (w))
#define queue_delayed_work(wq, dw, d) shim_queue_work((wq), &(dw)->work)
#define mod_delayed_work(wq, dw, d) shim_queue_work((wq), &(dw)->work)
#define schedule_delayed_work(dw, d) shim_queue_work(system_wq, &(dw)->work)
#define cancel_work_sync(w)	shim_cancel_work_sync(w)
#define cancel_work(w)		shim_cancel_work_sync(w)
#define cancel_delayed_work_sync(dw) shim_cancel_work_sync(&(dw)->work)
#define cancel_delayed_work(dw)	shim_cancel_work_sync(&(dw)->work)
#define flush_work(w)		shim_flush_work(w)
#define flush_delayed_work(dw)	shim_flush_work(&(dw)->work)
#define flush_workqueue(wq)	shim_flush_all_work()
#define drain_workqueue(wq)	shim_flush_all_work()
#define flush_scheduled_work()	shim_flush_all_work()

static inline struct workqueue_struct *shim_alloc_workqueue(const char *name)
{
	static struct workqueue_struct wqs[16];
	static int n;

	if (n == 16)
		return system_wq;
	wqs[n].name = name;
	return &wqs[n++];
}
#define alloc_workqueue(fmt, flags, max, ...) shim_alloc_workqueue(fmt)
#define alloc_ordered_workqueue(fmt, flags, ...) shim_alloc_workqueue(fmt)
#define destroy_workqueue(wq)	shim_flush_all_work()

#endif
