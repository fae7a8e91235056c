/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace stand-in for the kernel services gomap_core.c uses, and the
 * knobs the tests, the fuzzer and the benchmarks turn.  The linux/ shims
 * are thin wrappers around the functions declared here; shim.c has the
 * bodies.
 *
 * Model: every pthread is a CPU.  A thread is "atomic" while it holds a
 * spinlock, an RCU read lock, has preemption or interrupts off, or runs a
 * simulated hardirq (shim_irq_enter()) or an RCU callback (softirq).
 * Sleeping there (GFP_KERNEL allocations, vfree, synchronize_rcu,
 * cancel_work_sync) is reported as a bug, as DEBUG_ATOMIC_SLEEP would.
 * Bugs, WARNs and refcount errors abort by default (panic_on_warn), so the
 * fuzzer sees them as crashes.
 */
#ifndef _SHIM_H
#define _SHIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

/* --- Reporting ---------------------------------------------------------- */

/* Print "BUG: ..." with a backtrace and abort (or count, see below). */
__printf(1, 2) void shim_bug(const char *fmt, ...);
/* WARN(): print; abort unless shim_panic_on_warn is cleared. */
void shim_warn(const char *file, int line, const char *cond);
extern bool shim_panic_on_warn;
extern unsigned long shim_nr_warnings;
extern unsigned long shim_nr_bugs;
/* When false, shim_bug() counts instead of aborting (tests of the checks). */
extern bool shim_bug_aborts;
/* pr_*(): level is the KERN_* digit; prints unless quiet. */
__printf(2, 3) void shim_printk(int level, const char *fmt, ...);
extern int shim_loglevel;		/* print levels < this; default 5 (notice) */
extern unsigned long shim_nr_pr_err;	/* pr_err and worse seen so far */

/* --- Memory ------------------------------------------------------------- */

enum shim_mem_kind { SHIM_KMALLOC = 1, SHIM_VMALLOC = 2 };

void *shim_kmalloc(size_t size, unsigned int gfp, const char *file, int line);
void *shim_kvmalloc(size_t size, unsigned int gfp, const char *file, int line);
void *shim_vmalloc(size_t size, unsigned int gfp, const char *file, int line);
void shim_kfree(const void *p, const char *file, int line);
void shim_vfree(const void *p, const char *file, int line);
void shim_kvfree(const void *p, const char *file, int line);
size_t shim_ksize(const void *p);
size_t shim_kmalloc_size_roundup(size_t size);
bool shim_is_vmalloc_addr(const void *p);

struct shim_mem_stats {
	long live;		/* allocations not yet freed */
	long live_bytes;	/* their requested sizes */
	long live_slab_bytes;	/* what the kernel would charge: size class or pages */
	long peak_slab_bytes;
	unsigned long attempts;	/* allocation calls */
	unsigned long failures;	/* injected failures */
};
void shim_mem_stats(struct shim_mem_stats *st);
long shim_live_allocs(void);
/* Print every live allocation with its call site (tracking builds only). */
void shim_dump_live(const char *why);

/*
 * Allocation failure injection, on top of gomap's own per-map hook:
 *  - shim_fail_nth(n): the nth allocation attempt from now fails, once;
 *    0 turns it off.
 *  - shim_fail_all(true): every attempt fails until turned off.
 *  - shim_fail_random(permille, seed): each attempt fails with that odds.
 *  - shim_atomic_budget(n): allocations that cannot block (no
 *    __GFP_DIRECT_RECLAIM) fail once n of them were granted; -1: unlimited.
 * __GFP_NOFAIL allocations never fail.
 */
void shim_fail_nth(unsigned long n);
void shim_fail_all(bool on);
void shim_fail_random(unsigned int permille, uint64_t seed);
void shim_atomic_budget(long n);
void shim_fail_reset(void);
/* Is a shim failure armed (nth pending, all, random or a budget)? */
bool shim_fail_armed(void);

/* --- Execution context ---------------------------------------------------- */

struct shim_ctx {
	int locks;		/* spinlocks held */
	int rcu;		/* rcu_read_lock() nesting */
	int preempt;		/* preempt_disable() nesting */
	int irqs_off;		/* local_irq_save()/spin_lock_irq*() nesting */
	int hardirq;		/* inside shim_irq_enter() */
	int softirq;		/* running RCU callbacks */
	int bh;			/* local_bh_disable() nesting */
	int in_work;		/* running a work item */
	int raw_locks;		/* raw spinlocks held: no allocation, as on PREEMPT_RT */
	int nmi;		/* inside shim_nmi_enter() */
};
struct shim_ctx *shim_ctx(void);
bool shim_in_atomic(void);
bool shim_in_rcu_reader(void);
void shim_might_sleep(const char *file, int line, const char *what);
/* Run the caller as if from a hardirq handler (interrupts off, atomic). */
void shim_irq_enter(void);
void shim_irq_exit(void);
/* Run the caller as if from an NMI handler (also hardirq, interrupts off). */
void shim_nmi_enter(void);
void shim_nmi_exit(void);
/*
 * Fail the test if the caller may not allocate or free by PREEMPT_RT's
 * rules: under a raw spinlock, or in hardirq or NMI context.
 */
void shim_check_may_alloc(const char *what, const char *file, int line);

/* --- Spinlocks -------------------------------------------------------------- */

/*
 * Tests get a pthread mutex with owner tracking; the benchmark build
 * (SHIM_BENCH) a test-and-set lock whose cost is close to the
 * kernel's uncontended spin_lock_irqsave().
 */
struct shim_spinlock {
#ifdef SHIM_BENCH
	int val;
#else
	pthread_mutex_t mutex;
	int init;
#endif
	unsigned long owner;	/* shim thread id + 1, 0 when free */
	const char *name;
};
void shim_spin_lock(struct shim_spinlock *l, const char *file, int line);
/*
 * Tests only: called, when set, as a thread is about to take a spinlock,
 * with the lock still free; what it does under the lock happens "on
 * another CPU" that won the race for it.  Not called again while it runs.
 */
extern void (*shim_lock_hook)(struct shim_spinlock *l);
int shim_spin_trylock(struct shim_spinlock *l);
void shim_spin_unlock(struct shim_spinlock *l, const char *file, int line);
bool shim_spin_held_by_me(const struct shim_spinlock *l);
bool shim_spin_is_locked(const struct shim_spinlock *l);
void shim_spin_destroy(struct shim_spinlock *l);
unsigned long shim_thread_id(void);
unsigned long shim_irq_save(void);
void shim_irq_restore(unsigned long flags);
/* Enter/leave a counted atomic section (preempt, bh): used by the shims. */
void shim_ctx_enter(int *counter);
void shim_ctx_leave(int *counter, const char *what);
void shim_ctx_last_leave(void);

/* shim_thread_id() without the call once the thread has its id. */
extern __thread unsigned long shim_tls_tid;
static inline unsigned long shim_thread_id_fast(void)
{
	return __builtin_expect(shim_tls_tid != 0, 1) ? shim_tls_tid : shim_thread_id();
}

extern __thread struct shim_ctx shim_tls_ctx;
extern __thread int shim_tls_nest;
extern unsigned long shim_rcu_queued, shim_work_queued;

/* RCU callbacks or work items are queued: leaving a section may run them. */
static inline bool shim_deferred_pending(void)
{
	return __atomic_load_n(&shim_rcu_queued, __ATOMIC_RELAXED) |
	       __atomic_load_n(&shim_work_queued, __ATOMIC_RELAXED);
}

/*
 * The benchmark build enters and leaves RCU and preempt-off sections
 * inline, at about the cost of a kernel without CONFIG_PREEMPT_RCU: only
 * the outermost leave with callbacks or work queued calls into shim.c.
 */
static inline void shim_fast_enter(int *counter)
{
	(*counter)++;
	shim_tls_nest++;
}

static inline void shim_fast_leave(int *counter)
{
	(*counter)--;
	if (!--shim_tls_nest && shim_deferred_pending())
		shim_ctx_last_leave();
}

/* --- RCU ---------------------------------------------------------------------- */

struct callback_head;	/* struct rcu_head */
void shim_rcu_read_lock(void);
void shim_rcu_read_unlock(void);
void shim_call_rcu(struct callback_head *head, void (*func)(struct callback_head *));
void shim_kvfree_call_rcu(struct callback_head *head, void (*func)(struct callback_head *));
void shim_synchronize_rcu(const char *file, int line);
void shim_rcu_barrier(void);
/* Callbacks queued and not yet run. */
unsigned long shim_rcu_pending(void);
/*
 * When callbacks run: SHIM_RCU_AUTO (default) runs them once the calling
 * thread leaves its last lock or read-side section (as a softirq would on
 * irq exit); SHIM_RCU_MANUAL only in shim_rcu_barrier()/synchronize_rcu().
 */
enum shim_rcu_mode { SHIM_RCU_AUTO, SHIM_RCU_MANUAL };
void shim_rcu_set_mode(enum shim_rcu_mode mode);

/* --- Workqueues ---------------------------------------------------------------- */

struct work_struct;
struct workqueue_struct;
bool shim_queue_work(struct workqueue_struct *wq, struct work_struct *w);
bool shim_cancel_work_sync(struct work_struct *w);
bool shim_flush_work(struct work_struct *w);
/* Run queued work items now, from the calling thread; returns how many. */
unsigned long shim_run_work(void);
/* Run everything queued and wait for items running in other threads. */
void shim_flush_all_work(void);
unsigned long shim_work_pending(void);
/*
 * SHIM_WQ_MANUAL (default for tests): work runs only from shim_run_work(),
 * flush_work() and flush_workqueue(); SHIM_WQ_AUTO: also when the queueing
 * thread leaves atomic context; SHIM_WQ_THREAD: a worker thread runs it.
 */
enum shim_wq_mode { SHIM_WQ_MANUAL, SHIM_WQ_AUTO, SHIM_WQ_THREAD };
void shim_wq_set_mode(enum shim_wq_mode mode);

/* --- Randomness ---------------------------------------------------------------- */

void shim_random_seed(uint64_t seed);
uint64_t shim_random_u64(void);

/* --- Lifecycle ------------------------------------------------------------------ */

/* Drain RCU callbacks and work, then check every allocation was freed. */
int shim_exit_check(void);

#endif /* _SHIM_H */
