// SPDX-License-Identifier: GPL-2.0
/*
 * gomap module init and exit.
 */

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include <kunit/visibility.h>

#include "gomap_internal.h"

#ifdef CONFIG_FAULT_INJECTION
/* Quiet by default: a stack dump per injected failure would read as a splat. */
struct fault_attr gomap_fail_attr = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(gomap_fail_attr);
static struct dentry *gomap_fail_dir;

static void gomap_fault_init(void)
{
	gomap_fail_attr.verbose = 0;
	gomap_fail_dir = fault_create_debugfs_attr("fail_gomap", NULL, &gomap_fail_attr);
}

static void gomap_fault_exit(void)
{
	if (!IS_ERR_OR_NULL(gomap_fail_dir))
		debugfs_remove_recursive(gomap_fail_dir);
}
#else
static void gomap_fault_init(void) { }
static void gomap_fault_exit(void) { }
#endif

static int __init gomap_init(void)
{
	int ret;

	gomap_fault_init();
	ret = gomap_debugfs_init();
	if (ret)
		gomap_fault_exit();
	return ret;
}

static void __exit gomap_exit(void)
{
	gomap_debugfs_exit();
	gomap_fault_exit();
	/* Bucket arrays are freed by RCU callbacks in this module's text. */
	rcu_barrier();
}

module_init(gomap_init);
module_exit(gomap_exit);

MODULE_DESCRIPTION("Go's classic runtime hash map for kernel code");
MODULE_LICENSE("GPL");
