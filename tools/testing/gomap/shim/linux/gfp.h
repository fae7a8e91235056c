/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __LINUX_GFP_H
#define __LINUX_GFP_H

#include <linux/types.h>
#include <linux/gfp_types.h>
#include "../shim.h"

static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}

static inline void might_alloc(gfp_t gfp_mask)
{
#ifdef SHIM_BENCH	/* no CONFIG_DEBUG_ATOMIC_SLEEP, no lockdep: nothing to check */
	(void)gfp_mask;
#else
	if (gfpflags_allow_blocking(gfp_mask))
		shim_might_sleep(__FILE__, __LINE__, "might_alloc");
#endif
}

static inline gfp_t current_gfp_context(gfp_t flags)
{
	return flags;
}

#endif
