/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq_work over the shim's workqueue: irq_work_queue() may be called from
 * any shim context, and the handler runs later, as a work item.
 */
#ifndef _LINUX_IRQ_WORK_H
#define _LINUX_IRQ_WORK_H

#include <linux/container_of.h>
#include <linux/workqueue.h>

struct irq_work {
	void (*func)(struct irq_work *work);
	struct work_struct shim_work;
};

static inline void shim_irq_work_run(struct work_struct *w)
{
	struct irq_work *work = container_of(w, struct irq_work, shim_work);

	work->func(work);
}

static inline void init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	work->func = func;
	INIT_WORK(&work->shim_work, shim_irq_work_run);
}

#define irq_work_queue(w)	queue_work(system_wq, &(w)->shim_work)
#define irq_work_sync(w)	flush_work(&(w)->shim_work)

#endif
