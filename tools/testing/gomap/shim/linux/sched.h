/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <sched.h>
#include <linux/preempt.h>
#include "../shim.h"

#ifndef might_sleep
#define might_sleep()		shim_might_sleep(__FILE__, __LINE__, "might_sleep")
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)
#define might_resched()		might_sleep()
#endif
#ifndef cond_resched
#define cond_resched() ({ might_sleep(); 0; })
#endif
#ifndef cpu_relax
#define cpu_relax()		__builtin_ia32_pause()
#endif
#define need_resched()		0
#define schedule()		sched_yield()

#endif
