/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for include/generated/autoconf.h: the Kconfig the harness emulates. */
#ifndef _SHIM_GENERATED_CONFIG_H
#define _SHIM_GENERATED_CONFIG_H

#define CONFIG_KUNIT 1
#define CONFIG_SMP 1
#define CONFIG_MMU 1
#define CONFIG_X86 1
#if defined(__LP64__)
#define CONFIG_64BIT 1
#define CONFIG_X86_64 1
#endif
#define CONFIG_NR_CPUS 64
#define CONFIG_PAGE_SHIFT 12
/* The RT build of the unit tests (make check's third run) follows PREEMPT_RT's rules. */
#ifdef SHIM_PREEMPT_RT
#define CONFIG_PREEMPT_RT 1
#endif

#endif
