// SPDX-License-Identifier: GPL-2.0
/*
 * gomap module init and exit.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>

#include "gomap_internal.h"

static int __init gomap_init(void)
{
	return gomap_debugfs_init();
}

static void __exit gomap_exit(void)
{
	gomap_debugfs_exit();
	/* Bucket arrays are freed by RCU callbacks in this module's text. */
	rcu_barrier();
}

module_init(gomap_init);
module_exit(gomap_exit);

MODULE_DESCRIPTION("Go's classic runtime hash map for kernel code");
MODULE_LICENSE("GPL");
