/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Project-specific patches for the userspace build of gomap_core.c.
 * Included after the linux/ shims and before the core.  Keep it tiny: if
 * something here grows, the matching shim is probably wrong.
 */
#ifndef _SHIM_GOMAP_OVERRIDES_H
#define _SHIM_GOMAP_OVERRIDES_H

/* Everything the core may include, so a missing include there still shows up
 * in the kernel build rather than being papered over here: nothing extra. */

#endif
