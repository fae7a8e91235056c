/* SPDX-License-Identifier: GPL-2.0 */
/* The lockdep assertions, checked exactly against the shim's lock owners. */
#ifndef __LINUX_LOCKDEP_H
#define __LINUX_LOCKDEP_H

#include <linux/spinlock_types.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include "../shim.h"

#define lockdep_is_held(l)	shim_spin_held_by_me(l)
#ifdef SHIM_BENCH	/* a production kernel: no lockdep */
#define lockdep_assert_held(l)	do { (void)(l); } while (0)
#define lockdep_assert_not_held(l) do { (void)(l); } while (0)
#else
#define lockdep_assert_held(l) do {					\
	if (!shim_spin_held_by_me(l))					\
		shim_warn(__FILE__, __LINE__, "lockdep_assert_held(" #l ")"); \
} while (0)
#define lockdep_assert_not_held(l) do {					\
	if (shim_spin_held_by_me(l))					\
		shim_warn(__FILE__, __LINE__, "lockdep_assert_not_held(" #l ")"); \
} while (0)
#endif
#define lockdep_assert_held_once(l)	lockdep_assert_held(l)
#define lockdep_assert_held_write(l)	lockdep_assert_held(l)
#define lockdep_assert_held_read(l)	lockdep_assert_held(l)
#define lockdep_assert_irqs_disabled() do {				\
	if (!irqs_disabled())						\
		shim_warn(__FILE__, __LINE__, "lockdep_assert_irqs_disabled()"); \
} while (0)
#define lockdep_assert_irqs_enabled() do {				\
	if (irqs_disabled())						\
		shim_warn(__FILE__, __LINE__, "lockdep_assert_irqs_enabled()"); \
} while (0)
#define lockdep_assert_preemption_disabled() do {			\
	if (preemptible())						\
		shim_warn(__FILE__, __LINE__, "lockdep_assert_preemption_disabled()"); \
} while (0)
#define lockdep_assert_in_softirq()	do { } while (0)
#define lockdep_set_class(l, key)	do { (void)(key); } while (0)
#define lockdep_set_class_and_name(l, key, n) do { (void)(key); } while (0)
#define lockdep_set_novalidate_class(l)	do { } while (0)
#define lockdep_register_key(k)		do { } while (0)
#define lockdep_unregister_key(k)	do { } while (0)
#define lockdep_off()			do { } while (0)
#define lockdep_on()			do { } while (0)
#define debug_locks			1

#endif
