/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU data: every thread is a CPU (thread N runs on CPU (N-1) %
 * SHIM_NR_CPUS).  Per-CPU areas come from one region cut in SHIM_NR_CPUS
 * units of SHIM_PCPU_UNIT bytes, as the kernel's chunks are, so
 * per_cpu_ptr() is pointer + cpu * unit for any address inside an area.
 */
#ifndef __LINUX_PERCPU_H
#define __LINUX_PERCPU_H

#include <linux/gfp.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include "../shim.h"

#define SHIM_NR_CPUS	16
#define SHIM_PCPU_UNIT	(256UL << 10)

extern char *shim_pcpu_base;
void *shim_alloc_percpu(size_t size, size_t align, gfp_t gfp, const char *file, int line);
void shim_free_percpu(void *p);

#define nr_cpu_ids		SHIM_NR_CPUS
#define num_possible_cpus()	SHIM_NR_CPUS
#define num_online_cpus()	SHIM_NR_CPUS
#define smp_processor_id()	((int)((shim_thread_id_fast() - 1) % SHIM_NR_CPUS))
#define raw_smp_processor_id()	smp_processor_id()
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < SHIM_NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu)   for_each_possible_cpu(cpu)
#define for_each_present_cpu(cpu)  for_each_possible_cpu(cpu)
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()

#define alloc_percpu_gfp(type, gfp) \
	((type __percpu *)shim_alloc_percpu(sizeof(type), __alignof__(type), (gfp), \
					    __FILE__, __LINE__))
#define alloc_percpu(type)	alloc_percpu_gfp(type, GFP_KERNEL)
#define __alloc_percpu_gfp(size, align, gfp) shim_alloc_percpu((size), (align), (gfp), \
							       __FILE__, __LINE__)
#define __alloc_percpu(size, align) __alloc_percpu_gfp(size, align, GFP_KERNEL)
#define free_percpu(p)		shim_free_percpu((void *)(p))

#define per_cpu_ptr(ptr, cpu) \
	((typeof(ptr))((char *)(ptr) + (unsigned long)(cpu) * SHIM_PCPU_UNIT))
#define raw_cpu_ptr(ptr)	per_cpu_ptr(ptr, smp_processor_id())
#define this_cpu_ptr(ptr)	raw_cpu_ptr(ptr)
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))

#define this_cpu_read(pcp)	({ typeof(pcp) __v; preempt_disable(); \
				   __v = *this_cpu_ptr(&(pcp)); preempt_enable(); __v; })
#define this_cpu_write(pcp, v)	do { preempt_disable(); *this_cpu_ptr(&(pcp)) = (v); \
				     preempt_enable(); } while (0)
#define this_cpu_add(pcp, v)	do { preempt_disable(); *this_cpu_ptr(&(pcp)) += (v); \
				     preempt_enable(); } while (0)
#define this_cpu_sub(pcp, v)	this_cpu_add(pcp, -(v))
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)
#define __this_cpu_read(pcp)	(*this_cpu_ptr(&(pcp)))
#define __this_cpu_write(pcp, v) (*this_cpu_ptr(&(pcp)) = (v))
#define __this_cpu_add(pcp, v)	(*this_cpu_ptr(&(pcp)) += (v))
#define __this_cpu_inc(pcp)	__this_cpu_add(pcp, 1)
#define raw_cpu_add(pcp, v)	__this_cpu_add(pcp, v)
#define raw_cpu_inc(pcp)	__this_cpu_inc(pcp)

#endif
