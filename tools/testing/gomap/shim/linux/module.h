/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/export.h>
#include <linux/init.h>
#include <linux/kernel.h>

struct module;

#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_ALIAS(x)
#define MODULE_IMPORT_NS(ns)
#define MODULE_SOFTDEP(x)
#define module_param(name, type, perm)
#define module_param_named(name, value, type, perm)
#define MODULE_PARM_DESC(name, desc)
/* module_init/exit keep the functions referenced; the harness never runs them. */
#define module_init(fn) static __maybe_unused void *__shim_init_##fn = (void *)fn
#define module_exit(fn) static __maybe_unused void *__shim_exit_##fn = (void *)fn

#endif
