/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H

#include <linux/compiler.h>
#include "../shim.h"

#ifdef SHIM_BENCH
/* Inline in the benchmark build, as cheap as the kernel's pushf; cli. */
#define local_irq_save(flags) \
	do { shim_fast_enter(&shim_tls_ctx.irqs_off); (flags) = 0x200; } while (0)
#define local_irq_restore(flags) \
	do { (void)(flags); shim_fast_leave(&shim_tls_ctx.irqs_off); } while (0)
#else
#define local_irq_save(flags)		do { (flags) = shim_irq_save(); } while (0)
#define local_irq_restore(flags)	shim_irq_restore(flags)
#endif
#define local_irq_disable()		((void)shim_irq_save())
#define local_irq_enable()		shim_irq_restore(0)
#define irqs_disabled()			(shim_ctx()->irqs_off > 0 || shim_ctx()->hardirq > 0)
#define raw_local_irq_save(flags)	local_irq_save(flags)
#define raw_local_irq_restore(flags)	local_irq_restore(flags)
#define local_bh_disable()		shim_ctx_enter(&shim_ctx()->bh)
#define local_bh_enable()		shim_ctx_leave(&shim_ctx()->bh, "local_bh_enable")

#endif
