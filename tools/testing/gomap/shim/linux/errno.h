/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SHIM_LINUX_ERRNO_H
#define _SHIM_LINUX_ERRNO_H

#include_next <linux/errno.h>	/* the uapi E* codes */
#include <errno.h>

/* Kernel-internal codes that libc does not have. */
#ifndef ERESTARTSYS
#define ERESTARTSYS	512
#endif
#ifndef ENOTSUPP
#define ENOTSUPP	524
#endif
#ifndef EPROBE_DEFER
#define EPROBE_DEFER	517
#endif

#endif
