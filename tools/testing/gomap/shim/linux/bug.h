/* SPDX-License-Identifier: GPL-2.0 */
/* BUG and WARN: report through the shim; WARNs abort (panic_on_warn). */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include "../shim.h"

#ifndef BUG
#define BUG() do { shim_bug("BUG at %s:%d", __FILE__, __LINE__); __builtin_unreachable(); } while (0)
#endif
#ifndef BUG_ON
#define BUG_ON(cond) do { if (unlikely(cond)) shim_bug("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
#endif
#ifndef WARN_ON
#define WARN_ON(cond) ({						\
	int __ret_warn_on = !!(cond);					\
	if (unlikely(__ret_warn_on))					\
		shim_warn(__FILE__, __LINE__, "WARN_ON(" #cond ")");	\
	unlikely(__ret_warn_on);					\
})
#endif
#ifndef WARN_ON_ONCE
#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	int __ret_warn_once = !!(cond);					\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		shim_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")"); \
	}								\
	unlikely(__ret_warn_once);					\
})
#endif
#ifndef WARN
#define WARN(cond, fmt...) ({						\
	int __ret_warn = !!(cond);					\
	if (unlikely(__ret_warn)) {					\
		shim_printk(4, fmt);					\
		shim_warn(__FILE__, __LINE__, "WARN(" #cond ")");	\
	}								\
	unlikely(__ret_warn);						\
})
#endif
#ifndef WARN_ONCE
#define WARN_ONCE(cond, fmt...) ({					\
	static bool __warned_once;					\
	int __ret_warn_o = !!(cond);					\
	if (unlikely(__ret_warn_o && !__warned_once)) {			\
		__warned_once = true;					\
		shim_printk(4, fmt);					\
		shim_warn(__FILE__, __LINE__, "WARN_ONCE(" #cond ")");	\
	}								\
	unlikely(__ret_warn_o);						\
})
#endif
#ifndef WARN_ON_SMP
#define WARN_ON_SMP(x) WARN_ON(x)
#endif

#endif
