/* SPDX-License-Identifier: GPL-2.0 */
/* Context queries answered from the calling thread's shim context. */
#ifndef _LINUX_PREEMPT_H
#define _LINUX_PREEMPT_H

#include <linux/compiler.h>
#include "../shim.h"

#ifdef SHIM_BENCH
#define preempt_disable()	shim_fast_enter(&shim_tls_ctx.preempt)
#define preempt_enable()	shim_fast_leave(&shim_tls_ctx.preempt)
#else
#define preempt_disable()	shim_ctx_enter(&shim_ctx()->preempt)
#define preempt_enable()	shim_ctx_leave(&shim_ctx()->preempt, "preempt_enable")
#endif
#define preempt_enable_no_resched() preempt_enable()
#define migrate_disable()	preempt_disable()
#define migrate_enable()	preempt_enable()

#define in_nmi()		(shim_ctx()->nmi > 0)
#define in_hardirq()		(shim_ctx()->hardirq > 0)
#define in_irq()		in_hardirq()
#define in_serving_softirq()	(shim_ctx()->softirq > 0)
#define in_softirq()		(shim_ctx()->softirq > 0 || shim_ctx()->bh > 0)
#define in_interrupt()		(in_hardirq() || in_softirq())
#define in_task()		(!in_hardirq() && !in_serving_softirq())
#define in_atomic()		shim_in_atomic()
#define preemptible()		(!shim_in_atomic())
#define irq_count()		(in_interrupt() ? 1 : 0)
#define preempt_count()		(shim_in_atomic() ? 1 : 0)

#endif
