// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace bodies of the kernel services gomap_core.c uses: allocator with
 * accounting, poisoning and failure injection; execution-context tracking
 * for might_sleep(); spinlocks; RCU; workqueues; randomness.  See shim.h.
 *
 * Build switches:
 *   SHIM_BENCH       benchmark build, like a production kernel config:
 *                    test-and-set spinlocks, no might_sleep() checks, a
 *                    slab-like kmalloc (size-class freelists), no RCU
 *                    reader registry (single-threaded use only), no
 *                    allocation list and no poisoning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include <linux/container_of.h>
#include <linux/gfp_types.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "shim.h"

#ifdef SHIM_BENCH
#define SHIM_TRACK	0
#else
#define SHIM_TRACK	1
#endif

#define SHIM_PAGE_SIZE		4096UL
#define SHIM_HUGE_SIZE		(2UL << 20)	/* a PMD mapping on x86-64 */
#define SHIM_KMALLOC_MAX_CACHE	(2 * SHIM_PAGE_SIZE)
#define SHIM_KMALLOC_MAX_SIZE	(4UL << 20)	/* MAX_ORDER 11, 4 KiB pages */
#define SHIM_ZERO_SIZE_PTR	((void *)16)

#define POISON_INUSE	0x5a	/* SLUB: allocated, not yet written */
#define POISON_FREE	0x6b	/* SLUB: freed */

/* ------------------------------------------------------------------------ */
/* Reporting                                                                */

bool shim_panic_on_warn = true;
bool shim_bug_aborts = true;
unsigned long shim_nr_warnings;
unsigned long shim_nr_bugs;
int shim_loglevel = 5;
unsigned long shim_nr_pr_err;

void __sanitizer_print_stack_trace(void) __attribute__((weak));

static void shim_backtrace(void)
{
	void *bt[64];
	int n;

	if (__sanitizer_print_stack_trace) {
		__sanitizer_print_stack_trace();
		return;
	}
	n = backtrace(bt, 64);
	backtrace_symbols_fd(bt, n, 2);
}

void shim_bug(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, shim_bug_aborts ? "BUG: " : "BUG (counted, not fatal): ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	__atomic_add_fetch(&shim_nr_bugs, 1, __ATOMIC_RELAXED);
	if (shim_bug_aborts) {
		shim_backtrace();
		abort();
	}
}

void shim_warn(const char *file, int line, const char *cond)
{
	fflush(stdout);
	fprintf(stderr, "WARNING: at %s:%d: %s\n", file, line, cond);
	__atomic_add_fetch(&shim_nr_warnings, 1, __ATOMIC_RELAXED);
	if (shim_panic_on_warn) {
		shim_backtrace();
		fprintf(stderr, "Kernel panic - not syncing: panic_on_warn set\n");
		abort();
	}
}

void shim_printk(int level, const char *fmt, ...)
{
	va_list ap;

	if (level <= 3)
		__atomic_add_fetch(&shim_nr_pr_err, 1, __ATOMIC_RELAXED);
	if (level >= shim_loglevel)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Execution context and RCU readers                                        */

__thread struct shim_ctx shim_tls_ctx;
__thread int shim_tls_nest;		/* sum of everything that makes a reader */
__thread unsigned long shim_tls_tid;
static __thread bool draining;
static unsigned long next_tid;

unsigned long shim_thread_id(void)
{
	if (!shim_tls_tid)
		shim_tls_tid = __atomic_add_fetch(&next_tid, 1, __ATOMIC_RELAXED);
	return shim_tls_tid;
}

struct shim_ctx *shim_ctx(void)
{
	return &shim_tls_ctx;
}

bool shim_in_atomic(void)
{
	return shim_tls_ctx.locks || shim_tls_ctx.rcu || shim_tls_ctx.preempt || shim_tls_ctx.irqs_off || shim_tls_ctx.hardirq ||
	       shim_tls_ctx.softirq || shim_tls_ctx.bh;
}

bool shim_in_rcu_reader(void)
{
	return shim_tls_nest > 0;
}

void shim_might_sleep(const char *file, int line, const char *what)
{
#ifdef SHIM_BENCH
	return;		/* a production kernel: no CONFIG_DEBUG_ATOMIC_SLEEP */
#endif
	if (!shim_in_atomic())
		return;
	shim_bug("sleeping function called from invalid context at %s:%d (%s): "
		 "locks=%d rcu=%d preempt=%d irqs_off=%d hardirq=%d softirq=%d bh=%d",
		 file, line, what, shim_tls_ctx.locks, shim_tls_ctx.rcu, shim_tls_ctx.preempt, shim_tls_ctx.irqs_off,
		 shim_tls_ctx.hardirq, shim_tls_ctx.softirq, shim_tls_ctx.bh);
}

#if SHIM_TRACK
/*
 * Grace periods for real threads.  A thread inside a read-side section
 * (RCU lock, spinlock, preempt or irq off: RCU flavours are consolidated
 * since 5.0) publishes the grace-period number it saw; synchronize waits
 * until no other thread shows a number older than the one it started.
 */
#define SHIM_MAX_THREADS 256
static unsigned long gp_seq = 1;
static unsigned long reader_snap[SHIM_MAX_THREADS];
static __thread int my_slot = -1;
static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static unsigned char slot_used[SHIM_MAX_THREADS];

static void slot_destructor(void *arg)
{
	int slot = (int)(long)arg - 1;

	__atomic_store_n(&reader_snap[slot], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&slot_used[slot], 0, __ATOMIC_RELEASE);
}

static void slot_key_init(void)
{
	pthread_key_create(&slot_key, slot_destructor);
}

static int reader_slot(void)
{
	int i;

	if (my_slot >= 0)
		return my_slot;
	pthread_once(&slot_once, slot_key_init);
	for (i = 0; i < SHIM_MAX_THREADS; i++) {
		unsigned char z = 0;

		if (__atomic_compare_exchange_n(&slot_used[i], &z, 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			my_slot = i;
			pthread_setspecific(slot_key, (void *)(long)(i + 1));
			return i;
		}
	}
	shim_bug("shim: more than %d threads", SHIM_MAX_THREADS);
	return 0;
}

static void reader_online(void)
{
	int s = reader_slot();

	__atomic_store_n(&reader_snap[s], __atomic_load_n(&gp_seq, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void reader_offline(void)
{
	__atomic_store_n(&reader_snap[my_slot], 0, __ATOMIC_SEQ_CST);
}

static void wait_grace_period(void)
{
	unsigned long g;
	int i;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	g = __atomic_add_fetch(&gp_seq, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < SHIM_MAX_THREADS; i++) {
		unsigned long s;

		if (i == my_slot)
			continue;
		for (;;) {
			s = __atomic_load_n(&reader_snap[i], __ATOMIC_SEQ_CST);
			if (!s || s >= g)
				break;
			sched_yield();
		}
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
#else
static inline void reader_online(void) { }
static inline void reader_offline(void) { }
static inline void wait_grace_period(void) { }
#endif

unsigned long shim_rcu_queued;	/* callbacks waiting, read without the lock */
unsigned long shim_work_queued;
static enum shim_rcu_mode rcu_mode = SHIM_RCU_AUTO;
static enum shim_wq_mode wq_mode = SHIM_WQ_MANUAL;
static void rcu_process(void);

static inline void ctx_enter(void)
{
	if (shim_tls_nest++ == 0)
		reader_online();
}

static inline void ctx_leave(void)
{
	if (--shim_tls_nest > 0)
		return;
	/* The benchmark build has no reader registry: only queued work needs the slow path. */
	if (!SHIM_TRACK && !shim_deferred_pending())
		return;
	shim_ctx_last_leave();
}

/* The calling thread left its outermost section: run what waited for it. */
void shim_ctx_last_leave(void)
{
	if (shim_tls_nest < 0)
		shim_bug("shim: unbalanced unlock/enable (context nest %d)", shim_tls_nest);
	reader_offline();
	/* Leaving the last atomic section: a softirq may run here, and work too. */
	if (draining)
		return;
	if (__atomic_load_n(&shim_rcu_queued, __ATOMIC_RELAXED) && rcu_mode == SHIM_RCU_AUTO)
		rcu_process();
	if (__atomic_load_n(&shim_work_queued, __ATOMIC_RELAXED) && wq_mode == SHIM_WQ_AUTO &&
	    !shim_tls_ctx.in_work && !shim_in_atomic())
		shim_run_work();
}

void shim_irq_enter(void)
{
	shim_tls_ctx.hardirq++;
	ctx_enter();
}

void shim_irq_exit(void)
{
	shim_tls_ctx.hardirq--;
	ctx_leave();
}

void shim_nmi_enter(void)
{
	shim_tls_ctx.nmi++;
	shim_irq_enter();
}

void shim_nmi_exit(void)
{
	shim_irq_exit();
	shim_tls_ctx.nmi--;
}

void shim_check_may_alloc(const char *what, const char *file, int line)
{
	if (shim_tls_ctx.raw_locks || shim_tls_ctx.hardirq || shim_tls_ctx.nmi)
		shim_bug("%s at %s:%d with raw_locks=%d hardirq=%d nmi=%d: the allocator "
			 "takes sleeping locks on PREEMPT_RT", what, file, line,
			 shim_tls_ctx.raw_locks, shim_tls_ctx.hardirq, shim_tls_ctx.nmi);
}

unsigned long shim_irq_save(void)
{
	shim_tls_ctx.irqs_off++;
	ctx_enter();
	return 0x200;		/* X86_EFLAGS_IF, for looks */
}

void shim_irq_restore(unsigned long flags)
{
	(void)flags;
	if (shim_tls_ctx.irqs_off <= 0)
		shim_bug("shim: local_irq_restore() without save");
	shim_tls_ctx.irqs_off--;
	ctx_leave();
}

/*
 * SHIM_STRESS builds call this after every READ_ONCE(): inside an RCU
 * read-side section that holds no lock (a lockless reader), stall now and
 * then so that writers run between the reader's load and its use.
 */
void shim_stress_point(void)
{
	static __thread uint64_t r;

	if (!shim_tls_ctx.rcu || shim_tls_ctx.locks || draining)
		return;
	if (!r)
		r = shim_thread_id() * 0x9e3779b97f4a7c15ULL;
	r ^= r << 13;
	r ^= r >> 7;
	r ^= r << 17;
	if ((r & 63) == 0)
		sched_yield();
	else if ((r & 1023) == 1)
		usleep(50);
}

/* Counted atomic sections for the linux/ shims: preempt, bh. */
void shim_ctx_enter(int *counter)
{
	(*counter)++;
	ctx_enter();
}

void shim_ctx_leave(int *counter, const char *what)
{
	if (*counter <= 0)
		shim_bug("shim: unbalanced %s", what);
	(*counter)--;
	ctx_leave();
}

/* ------------------------------------------------------------------------ */
/* Spinlocks                                                                */

void (*shim_lock_hook)(struct shim_spinlock *l);

#ifndef SHIM_BENCH
static void run_lock_hook(struct shim_spinlock *l)
{
	static __thread bool running;
	void (*hook)(struct shim_spinlock *l) = shim_lock_hook;

	if (!hook || running)
		return;
	running = true;
	hook(l);
	running = false;
}
#endif

void shim_spin_lock(struct shim_spinlock *l, const char *file, int line)
{
	unsigned long me = shim_thread_id() + 1;

	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me)
		shim_bug("recursive locking: lock %p (%s) already held by this thread, at %s:%d",
			 (void *)l, l->name ? l->name : "?", file, line);
#ifdef SHIM_BENCH
	while (__atomic_exchange_n(&l->val, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->val, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
#else
	if (l->init != 0x5ca1ab1e)
		shim_bug("spin_lock on an uninitialised spinlock %p at %s:%d", (void *)l,
			 file, line);
	run_lock_hook(l);
	pthread_mutex_lock(&l->mutex);
#endif
	__atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
	shim_tls_ctx.locks++;
	ctx_enter();
}

int shim_spin_trylock(struct shim_spinlock *l)
{
#ifdef SHIM_BENCH
	if (__atomic_exchange_n(&l->val, 1, __ATOMIC_ACQUIRE))
		return 0;
#else
	if (pthread_mutex_trylock(&l->mutex))
		return 0;
#endif
	__atomic_store_n(&l->owner, shim_thread_id() + 1, __ATOMIC_RELAXED);
	shim_tls_ctx.locks++;
	ctx_enter();
	return 1;
}

void shim_spin_unlock(struct shim_spinlock *l, const char *file, int line)
{
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != shim_thread_id() + 1)
		shim_bug("unlock of lock %p (%s) not held by this thread, at %s:%d", (void *)l,
			 l->name ? l->name : "?", file, line);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
#ifdef SHIM_BENCH
	__atomic_store_n(&l->val, 0, __ATOMIC_RELEASE);
#else
	pthread_mutex_unlock(&l->mutex);
#endif
	shim_tls_ctx.locks--;
	ctx_leave();
}

bool shim_spin_held_by_me(const struct shim_spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == shim_thread_id() + 1;
}

bool shim_spin_is_locked(const struct shim_spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) != 0;
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

#define HDR_LIVE	0x4b4d4c21U	/* "!LMK" */
#define HDR_FREED	0x6b6b6b6bU
#define SHIM_SLAB	0x100U		/* kind flag: bench slab object */

/* The 16 bytes before every object, whatever path allocated it. */
struct shim_tail {
	size_t size;
	unsigned int kind;	/* SHIM_KMALLOC or SHIM_VMALLOC, | SHIM_SLAB | class << 16 */
	unsigned int magic;
};

/* Tracked (test build) and large objects: the tail ends this header. */
struct shim_hdr {
	struct shim_hdr *prev, *next;
	const char *file;
	void *base;
	long line;
	long pad;
	struct shim_tail t;
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct shim_hdr) % 16 == 0 &&
	       offsetof(struct shim_hdr, t) + sizeof(struct shim_tail) == sizeof(struct shim_hdr),
	       "the tail must sit right before the object");

static struct shim_mem_stats mem;
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shim_hdr mem_list = { .prev = &mem_list, .next = &mem_list };

static inline struct shim_tail *tail_of(const void *p)
{
	return (struct shim_tail *)p - 1;
}

static unsigned long fail_nth_left;
static bool fail_everything;
static unsigned int fail_permille;
static uint64_t fail_rng;
static long atomic_budget = -1;

void shim_fail_nth(unsigned long n) { fail_nth_left = n; }
void shim_fail_all(bool on) { fail_everything = on; }
void shim_atomic_budget(long n) { atomic_budget = n; }

void shim_fail_random(unsigned int permille, uint64_t seed)
{
	fail_permille = permille;
	fail_rng = seed | 1;
}

bool shim_fail_armed(void)
{
	return fail_nth_left || fail_everything || fail_permille || atomic_budget >= 0;
}

void shim_fail_reset(void)
{
	fail_nth_left = 0;
	fail_everything = false;
	fail_permille = 0;
	atomic_budget = -1;
}

static bool should_fail(unsigned int gfp)
{
	bool fail = false;

	__atomic_add_fetch(&mem.attempts, 1, __ATOMIC_RELAXED);
	if (gfp & ___GFP_NOFAIL)
		return false;
	if (fail_nth_left && --fail_nth_left == 0)
		fail = true;
	if (fail_everything)
		fail = true;
	if (fail_permille) {
		fail_rng ^= fail_rng << 13;
		fail_rng ^= fail_rng >> 7;
		fail_rng ^= fail_rng << 17;
		if (fail_rng % 1000 < fail_permille)
			fail = true;
	}
	if (!(gfp & ___GFP_DIRECT_RECLAIM) && atomic_budget >= 0) {
		if (atomic_budget == 0)
			fail = true;
		else
			atomic_budget--;
	}
	if (fail)
		__atomic_add_fetch(&mem.failures, 1, __ATOMIC_RELAXED);
	return fail;
}

size_t shim_kmalloc_size_roundup(size_t size)
{
	size_t s;

	if (!size)
		return 0;
	if (size > SHIM_KMALLOC_MAX_CACHE) {
		if (size > SHIM_KMALLOC_MAX_SIZE)
			return size;
		for (s = SHIM_PAGE_SIZE; s < size; s <<= 1)
			;
		return s;
	}
	if (size <= 8)
		return 8;
	if (size > 64 && size <= 96)
		return 96;
	if (size > 128 && size <= 192)
		return 192;
	for (s = 16; s < size; s <<= 1)
		;
	return s;
}

static size_t charge(size_t size, unsigned int kind)
{
	if (kind == SHIM_VMALLOC)
		return (size + SHIM_PAGE_SIZE - 1) & ~(SHIM_PAGE_SIZE - 1);
	return shim_kmalloc_size_roundup(size);
}

/* Natural alignment of the object the kernel would hand out. */
static size_t align_of(size_t size, unsigned int kind)
{
	size_t c = charge(size, kind), a = 16;

	if (kind == SHIM_VMALLOC)
		return size >= SHIM_HUGE_SIZE ? SHIM_HUGE_SIZE : SHIM_PAGE_SIZE;
	while (a < SHIM_PAGE_SIZE && !(c & a))
		a <<= 1;
	if (a > c)
		a = 16;
	return a < 16 ? 16 : a;
}

static void account_alloc(size_t size, unsigned int kind)
{
	long c = charge(size, kind & 0xff), now, peak;

	__atomic_add_fetch(&mem.live, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&mem.live_bytes, size, __ATOMIC_RELAXED);
	now = __atomic_add_fetch(&mem.live_slab_bytes, c, __ATOMIC_RELAXED);
	peak = __atomic_load_n(&mem.peak_slab_bytes, __ATOMIC_RELAXED);
	while (now > peak && !__atomic_compare_exchange_n(&mem.peak_slab_bytes, &peak, now, true,
							   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

#ifdef SHIM_BENCH
/*
 * The benchmark build's kmalloc: per size class LIFO freelists refilled
 * from 1 MiB chunks, like a SLUB per-cpu freelist fast path (single
 * threaded).  Memory returns to the freelists, never to libc.
 */
static const unsigned int slab_sizes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024,
					   2048, 4096, 8192 };
#define NR_SLAB_CLASSES (sizeof(slab_sizes) / sizeof(slab_sizes[0]))
static void *slab_free[NR_SLAB_CLASSES];
static char *slab_bump, *slab_end;

static unsigned int slab_class(size_t size)
{
	unsigned int c = 0;

	while (slab_sizes[c] < size)
		c++;
	return c;
}

static void *slab_alloc(size_t size, unsigned int gfp)
{
	unsigned int c = slab_class(size);
	size_t need = sizeof(struct shim_tail) + slab_sizes[c];
	struct shim_tail *t = slab_free[c];

	if (t) {
		slab_free[c] = *(void **)(t + 1);
	} else {
		if (slab_bump + need > slab_end) {
			slab_bump = malloc(1 << 20);
			if (!slab_bump)
				return NULL;
			slab_end = slab_bump + (1 << 20);
		}
		t = (struct shim_tail *)slab_bump;
		slab_bump += need;
	}
	t->size = size;
	t->kind = SHIM_KMALLOC | SHIM_SLAB | c << 16;
	t->magic = HDR_LIVE;
	if (gfp & ___GFP_ZERO)
		memset(t + 1, 0, size);
	account_alloc(size, SHIM_KMALLOC);
	return t + 1;
}
#endif

static void *do_alloc(size_t size, unsigned int gfp, unsigned int kind, const char *file,
		      int line)
{
	size_t align = align_of(size, kind), pad;
	struct shim_hdr *h;
	void *base;
	char *p;

#ifdef SHIM_BENCH
	if (kind == SHIM_KMALLOC && size <= SHIM_KMALLOC_MAX_CACHE)
		return slab_alloc(size, gfp);
#endif
	pad = sizeof(struct shim_hdr);
	if (pad < align)
		pad = align;
	else
		pad = (pad + align - 1) & ~(align - 1);
	if (posix_memalign(&base, align, pad + size))
		return NULL;
	p = (char *)base + pad;
	if (kind == SHIM_VMALLOC && size >= SHIM_HUGE_SIZE)	/* kvmalloc's VM_ALLOW_HUGE_VMAP */
		madvise(p, size & ~(SHIM_HUGE_SIZE - 1), MADV_HUGEPAGE);
	h = (struct shim_hdr *)p - 1;
	h->base = base;
	h->file = file;
	h->line = line;
	h->t.size = size;
	h->t.kind = kind;
	h->t.magic = HDR_LIVE;
	if (gfp & ___GFP_ZERO)
		memset(p, 0, size);
	else if (SHIM_TRACK)
		memset(p, POISON_INUSE, size);
	account_alloc(size, kind);
	if (SHIM_TRACK) {
		pthread_mutex_lock(&mem_lock);
		h->next = &mem_list;
		h->prev = mem_list.prev;
		mem_list.prev->next = h;
		mem_list.prev = h;
		pthread_mutex_unlock(&mem_lock);
	}
	return p;
}

static struct shim_tail *hdr_of(const void *p, const char *file, int line)
{
	struct shim_tail *t = tail_of(p);

	if (t->magic == HDR_FREED)
		shim_bug("double free of %p at %s:%d", p, file, line);
	else if (t->magic != HDR_LIVE)
		shim_bug("free of %p that was not allocated by kmalloc/vmalloc, at %s:%d", p,
			 file, line);
	return t;
}

static void do_free(struct shim_tail *t)
{
	struct shim_hdr *h = container_of(t, struct shim_hdr, t);

	__atomic_sub_fetch(&mem.live, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&mem.live_bytes, t->size, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&mem.live_slab_bytes, charge(t->size, t->kind & 0xff),
			   __ATOMIC_RELAXED);
	t->magic = HDR_FREED;
#ifdef SHIM_BENCH
	if (t->kind & SHIM_SLAB) {
		unsigned int c = t->kind >> 16;

		*(void **)(t + 1) = slab_free[c];
		slab_free[c] = t;
		return;
	}
#endif
	if (SHIM_TRACK) {
		pthread_mutex_lock(&mem_lock);
		h->prev->next = h->next;
		h->next->prev = h->prev;
		pthread_mutex_unlock(&mem_lock);
		memset(t + 1, POISON_FREE, t->size);
	}
	free(h->base);
}

void *shim_kmalloc(size_t size, unsigned int gfp, const char *file, int line)
{
	shim_check_may_alloc("kmalloc()", file, line);
	if (gfp & ___GFP_DIRECT_RECLAIM)
		shim_might_sleep(file, line, "kmalloc with a blocking gfp");
	if (should_fail(gfp))
		return NULL;
	if (!size)
		return SHIM_ZERO_SIZE_PTR;
	if (size > SHIM_KMALLOC_MAX_SIZE) {
		/* __alloc_pages(): order >= MAX_ORDER */
		if (!(gfp & ___GFP_NOWARN))
			shim_warn(file, line, "kmalloc larger than KMALLOC_MAX_SIZE without __GFP_NOWARN");
		return NULL;
	}
	return do_alloc(size, gfp, SHIM_KMALLOC, file, line);
}

void *shim_vmalloc(size_t size, unsigned int gfp, const char *file, int line)
{
	if (!(gfp & ___GFP_DIRECT_RECLAIM))
		shim_bug("vmalloc with a non-blocking gfp %#x at %s:%d", gfp, file, line);
	shim_might_sleep(file, line, "vmalloc");
	if (should_fail(gfp))
		return NULL;
	if (!size)
		return NULL;
	return do_alloc(size, gfp, SHIM_VMALLOC, file, line);
}

/*
 * kvmalloc_node() of 6.1: non-blocking requests are plain kmalloc; blocking
 * requests over a page take the vmalloc fallback here (as if the high-order
 * kmalloc had failed), the strictest case for kfree/vfree misuse checks.
 */
void *shim_kvmalloc(size_t size, unsigned int gfp, const char *file, int line)
{
	if (!(gfp & ___GFP_DIRECT_RECLAIM) || size <= SHIM_PAGE_SIZE)
		return shim_kmalloc(size, size > SHIM_PAGE_SIZE ? gfp | ___GFP_NOWARN : gfp,
				    file, line);
	shim_might_sleep(file, line, "kvmalloc with a blocking gfp");
	if (should_fail(gfp))
		return NULL;
	if (size > 0x7fffffffUL) {
		if (!(gfp & ___GFP_NOWARN))
			shim_warn(file, line, "kvmalloc larger than INT_MAX");
		return NULL;
	}
	return do_alloc(size, gfp, SHIM_VMALLOC, file, line);
}

void shim_kfree(const void *p, const char *file, int line)
{
	struct shim_tail *t;

	if (!p || p == SHIM_ZERO_SIZE_PTR)
		return;
	shim_check_may_alloc("kfree()", file, line);
	t = hdr_of(p, file, line);
	if ((t->kind & 0xff) != SHIM_KMALLOC)
		shim_bug("kfree() of vmalloc memory %p at %s:%d (allocated at %s:%ld)", p, file,
			 line, container_of(t, struct shim_hdr, t)->file,
			 container_of(t, struct shim_hdr, t)->line);
	do_free(t);
}

void shim_vfree(const void *p, const char *file, int line)
{
	struct shim_tail *t;

	if (!p)
		return;
	/* vfree(): might_sleep_if(!in_interrupt()) */
	if (!shim_tls_ctx.hardirq && !shim_tls_ctx.softirq && !shim_tls_ctx.bh)
		shim_might_sleep(file, line, "vfree outside interrupt context");
	t = hdr_of(p, file, line);
	if ((t->kind & 0xff) != SHIM_VMALLOC)
		shim_bug("vfree() of kmalloc memory %p at %s:%d", p, file, line);
	do_free(t);
}

void shim_kvfree(const void *p, const char *file, int line)
{
	struct shim_tail *t;

	if (!p || p == SHIM_ZERO_SIZE_PTR)
		return;
	t = hdr_of(p, file, line);
	if ((t->kind & 0xff) == SHIM_VMALLOC)
		shim_vfree(p, file, line);
	else
		do_free(t);
}

size_t shim_ksize(const void *p)
{
	struct shim_tail *t;

	if (!p || p == SHIM_ZERO_SIZE_PTR)
		return 0;
	t = hdr_of(p, "ksize", 0);
	return charge(t->size, t->kind & 0xff);
}

bool shim_is_vmalloc_addr(const void *p)
{
	if (!p || p == SHIM_ZERO_SIZE_PTR)
		return false;
	return (tail_of(p)->kind & 0xff) == SHIM_VMALLOC;
}

void shim_mem_stats(struct shim_mem_stats *st)
{
	st->live = __atomic_load_n(&mem.live, __ATOMIC_RELAXED);
	st->live_bytes = __atomic_load_n(&mem.live_bytes, __ATOMIC_RELAXED);
	st->live_slab_bytes = __atomic_load_n(&mem.live_slab_bytes, __ATOMIC_RELAXED);
	st->peak_slab_bytes = __atomic_load_n(&mem.peak_slab_bytes, __ATOMIC_RELAXED);
	st->attempts = __atomic_load_n(&mem.attempts, __ATOMIC_RELAXED);
	st->failures = __atomic_load_n(&mem.failures, __ATOMIC_RELAXED);
}

/*
 * Per-CPU areas: a first-fit list over unit 0 of one reserved region; the
 * other units mirror it.  Counted as live allocations (leak checks) but not
 * as slab bytes: the kernel's percpu allocator is not kmalloc.
 */
char *shim_pcpu_base;
struct pcpu_block {
	size_t off, size;
	bool used;
};
#define PCPU_BLOCKS 4096
static struct pcpu_block pcpu_blocks[PCPU_BLOCKS];
static int pcpu_nr;
static size_t pcpu_top;
static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;

void *shim_alloc_percpu(size_t size, size_t align, gfp_t gfp, const char *file, int line)
{
	void *ret = NULL;
	int i;

	if (gfp & ___GFP_DIRECT_RECLAIM)
		shim_might_sleep(file, line, "alloc_percpu with a blocking gfp");
	if (should_fail(gfp))
		return NULL;
	size = (size + 15) & ~15UL;
	pthread_mutex_lock(&pcpu_lock);
	if (!shim_pcpu_base) {
		shim_pcpu_base = mmap(NULL, SHIM_NR_CPUS * SHIM_PCPU_UNIT, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (shim_pcpu_base == MAP_FAILED)
			shim_bug("shim: cannot map the per-CPU region");
	}
	for (i = 0; i < pcpu_nr; i++)
		if (!pcpu_blocks[i].used && pcpu_blocks[i].size == size)
			break;
	if (i == pcpu_nr) {
		if (pcpu_nr == PCPU_BLOCKS || pcpu_top + size > SHIM_PCPU_UNIT)
			goto out;
		pcpu_blocks[pcpu_nr++] = (struct pcpu_block){ pcpu_top, size, false };
		pcpu_top += size;
	}
	pcpu_blocks[i].used = true;
	ret = shim_pcpu_base + pcpu_blocks[i].off;
	for (i = 0; i < SHIM_NR_CPUS; i++)	/* always zeroed, as in the kernel */
		memset((char *)ret + i * SHIM_PCPU_UNIT, 0, size);
	__atomic_add_fetch(&mem.live, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&pcpu_lock);
	(void)align;
	return ret;
}

void shim_free_percpu(void *p)
{
	size_t off;
	int i;

	if (!p)
		return;
	off = (char *)p - shim_pcpu_base;
	pthread_mutex_lock(&pcpu_lock);
	for (i = 0; i < pcpu_nr; i++)
		if (pcpu_blocks[i].off == off && pcpu_blocks[i].used)
			break;
	if (i == pcpu_nr)
		shim_bug("free_percpu(%p) of something not allocated", p);
	pcpu_blocks[i].used = false;
	__atomic_sub_fetch(&mem.live, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&pcpu_lock);
}

long shim_live_allocs(void)
{
	return __atomic_load_n(&mem.live, __ATOMIC_RELAXED);
}

void shim_dump_live(const char *why)
{
	struct shim_hdr *h;
	int n = 0;

	fprintf(stderr, "%s: %ld live allocation(s), %ld bytes\n", why, mem.live,
		mem.live_bytes);
	if (!SHIM_TRACK)
		return;
	pthread_mutex_lock(&mem_lock);
	for (h = mem_list.next; h != &mem_list && n < 32; h = h->next, n++)
		fprintf(stderr, "  %p %zu bytes %s from %s:%ld\n", (void *)(h + 1), h->t.size,
			h->t.kind == SHIM_VMALLOC ? "vmalloc" : "kmalloc", h->file, h->line);
	pthread_mutex_unlock(&mem_lock);
}

/* ------------------------------------------------------------------------ */
/* RCU                                                                      */

static pthread_mutex_t rcu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *rcu_head_list, **rcu_tail = &rcu_head_list;
static unsigned long rcu_running;

void shim_rcu_set_mode(enum shim_rcu_mode mode) { rcu_mode = mode; }

void shim_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	head->func = func;
	head->next = NULL;
	if (!SHIM_TRACK) {	/* bench build: one thread, no lock (like a per-cpu list) */
		*rcu_tail = head;
		rcu_tail = &head->next;
		shim_rcu_queued++;
		goto queued;
	}
	pthread_mutex_lock(&rcu_lock);
	*rcu_tail = head;
	rcu_tail = &head->next;
	__atomic_add_fetch(&shim_rcu_queued, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&rcu_lock);
queued:
	/* Called outside any read-side section: the "softirq" may run at once. */
	if (!shim_tls_nest && !draining && rcu_mode == SHIM_RCU_AUTO)
		rcu_process();
}

void shim_kvfree_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	shim_call_rcu(head, func);
}

static void rcu_invoke(struct rcu_head *h)
{
	unsigned long off = (unsigned long)h->func;

	if (off < 4096)		/* kvfree_rcu(ptr, field): func is the field offset */
		shim_kvfree((char *)h - off, "kvfree_rcu", 0);
	else
		h->func(h);
}

/* One batch: the callbacks queued now, after a grace period, in softirq. */
static void rcu_process(void)
{
	struct rcu_head *batch, *next;

	if (shim_tls_nest)
		return;
	draining = true;
	if (SHIM_TRACK)
		pthread_mutex_lock(&rcu_lock);
	batch = rcu_head_list;
	rcu_head_list = NULL;
	rcu_tail = &rcu_head_list;
	if (batch)
		__atomic_add_fetch(&rcu_running, 1, __ATOMIC_RELAXED);
	if (SHIM_TRACK)
		pthread_mutex_unlock(&rcu_lock);
	if (batch) {
		wait_grace_period();
		shim_tls_ctx.softirq++;
		for (; batch; batch = next) {
			next = batch->next;
			__atomic_sub_fetch(&shim_rcu_queued, 1, __ATOMIC_RELAXED);
			rcu_invoke(batch);
		}
		shim_tls_ctx.softirq--;
		__atomic_sub_fetch(&rcu_running, 1, __ATOMIC_RELEASE);
	}
	draining = false;
}

void shim_rcu_read_lock(void)
{
	shim_tls_ctx.rcu++;
	ctx_enter();
}

void shim_rcu_read_unlock(void)
{
	if (shim_tls_ctx.rcu <= 0)
		shim_bug("rcu_read_unlock() without rcu_read_lock()");
	shim_tls_ctx.rcu--;
	ctx_leave();
}

void shim_synchronize_rcu(const char *file, int line)
{
	shim_might_sleep(file, line, "synchronize_rcu");
	wait_grace_period();
}

void shim_rcu_barrier(void)
{
	shim_might_sleep(__FILE__, __LINE__, "rcu_barrier");
	while (__atomic_load_n(&shim_rcu_queued, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&rcu_running, __ATOMIC_ACQUIRE)) {
		rcu_process();
		if (__atomic_load_n(&rcu_running, __ATOMIC_ACQUIRE))
			sched_yield();
	}
}

unsigned long shim_rcu_pending(void)
{
	return __atomic_load_n(&shim_rcu_queued, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Workqueues                                                               */

static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_cond = PTHREAD_COND_INITIALIZER;
static struct work_struct *wq_head, **wq_tail = &wq_head;
static unsigned long wq_running;
static pthread_t wq_thread;
static bool wq_thread_up, wq_thread_stop;

static struct workqueue_struct shim_system_wq = { "events" };
static struct workqueue_struct shim_unbound_wq = { "events_unbound" };
static struct workqueue_struct shim_highpri_wq = { "events_highpri" };
static struct workqueue_struct shim_long_wq = { "events_long" };
static struct workqueue_struct shim_power_wq = { "events_power_efficient" };
struct workqueue_struct *system_wq = &shim_system_wq;
struct workqueue_struct *system_unbound_wq = &shim_unbound_wq;
struct workqueue_struct *system_highpri_wq = &shim_highpri_wq;
struct workqueue_struct *system_long_wq = &shim_long_wq;
struct workqueue_struct *system_power_efficient_wq = &shim_power_wq;

/* Caller holds wq_lock. */
static bool wq_unlink(struct work_struct *w)
{
	struct work_struct **pp;

	for (pp = &wq_head; *pp; pp = &(*pp)->shim_next) {
		if (*pp == w) {
			*pp = w->shim_next;
			if (!*pp)
				wq_tail = pp;
			w->shim_pending = 0;
			shim_work_queued--;
			return true;
		}
	}
	return false;
}

bool shim_queue_work(struct workqueue_struct *wq, struct work_struct *w)
{
	(void)wq;
	if (!w->func)
		shim_bug("queue_work() of a work item that was never INIT_WORK()ed");
	pthread_mutex_lock(&wq_lock);
	if (w->shim_pending) {
		pthread_mutex_unlock(&wq_lock);
		return false;
	}
	w->shim_pending = 1;
	w->shim_next = NULL;
	*wq_tail = w;
	wq_tail = &w->shim_next;
	shim_work_queued++;
	pthread_cond_broadcast(&wq_cond);
	pthread_mutex_unlock(&wq_lock);
	return true;
}

/* Run one work item, taken off the queue by the caller (wq_lock dropped). */
static void run_one(struct work_struct *w)
{
	shim_tls_ctx.in_work++;
	w->func(w);
	shim_tls_ctx.in_work--;
	if (shim_in_atomic())
		shim_bug("work function %p returned in atomic context", (void *)w->func);
	pthread_mutex_lock(&wq_lock);
	w->shim_running--;
	wq_running--;
	pthread_cond_broadcast(&wq_cond);
	pthread_mutex_unlock(&wq_lock);
}

/* Caller holds wq_lock; returns the item to run, marked running, or NULL. */
static struct work_struct *take_one(void)
{
	struct work_struct *w = wq_head;

	if (!w)
		return NULL;
	wq_head = w->shim_next;
	if (!wq_head)
		wq_tail = &wq_head;
	w->shim_pending = 0;
	w->shim_running++;
	w->shim_runner = shim_thread_id();
	shim_work_queued--;
	wq_running++;
	return w;
}

unsigned long shim_run_work(void)
{
	struct work_struct *w;
	unsigned long n = 0;

	shim_might_sleep(__FILE__, __LINE__, "running work items");
	for (;;) {
		pthread_mutex_lock(&wq_lock);
		w = take_one();
		pthread_mutex_unlock(&wq_lock);
		if (!w)
			break;
		run_one(w);
		n++;
	}
	return n;
}

unsigned long shim_work_pending(void)
{
	return __atomic_load_n(&shim_work_queued, __ATOMIC_RELAXED);
}

bool shim_cancel_work_sync(struct work_struct *w)
{
	bool was;

	shim_might_sleep(__FILE__, __LINE__, "cancel_work_sync");
	pthread_mutex_lock(&wq_lock);
	was = wq_unlink(w);
	while (w->shim_running) {
		if (w->shim_runner == shim_thread_id())
			shim_bug("cancel_work_sync() from its own work function: deadlock");
		pthread_cond_wait(&wq_cond, &wq_lock);
	}
	pthread_mutex_unlock(&wq_lock);
	return was;
}

bool shim_flush_work(struct work_struct *w)
{
	bool waited = false;

	shim_might_sleep(__FILE__, __LINE__, "flush_work");
	pthread_mutex_lock(&wq_lock);
	if (wq_unlink(w)) {
		w->shim_running++;
		w->shim_runner = shim_thread_id();
		wq_running++;
		pthread_mutex_unlock(&wq_lock);
		run_one(w);
		pthread_mutex_lock(&wq_lock);
		waited = true;
	}
	while (w->shim_running) {
		if (w->shim_runner == shim_thread_id())
			shim_bug("flush_work() from its own work function: deadlock");
		pthread_cond_wait(&wq_cond, &wq_lock);
		waited = true;
	}
	pthread_mutex_unlock(&wq_lock);
	return waited;
}

void shim_flush_all_work(void)
{
	shim_run_work();
	pthread_mutex_lock(&wq_lock);
	while (wq_running || wq_head) {
		pthread_mutex_unlock(&wq_lock);
		shim_run_work();
		pthread_mutex_lock(&wq_lock);
		if (wq_running)
			pthread_cond_wait(&wq_cond, &wq_lock);
	}
	pthread_mutex_unlock(&wq_lock);
}

static void *wq_worker(void *arg)
{
	struct work_struct *w;

	(void)arg;
	pthread_mutex_lock(&wq_lock);
	while (!wq_thread_stop) {
		w = take_one();
		if (!w) {
			pthread_cond_wait(&wq_cond, &wq_lock);
			continue;
		}
		pthread_mutex_unlock(&wq_lock);
		run_one(w);
		pthread_mutex_lock(&wq_lock);
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

void shim_wq_set_mode(enum shim_wq_mode mode)
{
	if (wq_thread_up && mode != SHIM_WQ_THREAD) {
		pthread_mutex_lock(&wq_lock);
		wq_thread_stop = true;
		pthread_cond_broadcast(&wq_cond);
		pthread_mutex_unlock(&wq_lock);
		pthread_join(wq_thread, NULL);
		wq_thread_up = false;
		wq_thread_stop = false;
	}
	if (mode == SHIM_WQ_THREAD && !wq_thread_up) {
		if (pthread_create(&wq_thread, NULL, wq_worker, NULL))
			shim_bug("shim: cannot start the worker thread");
		wq_thread_up = true;
	}
	wq_mode = mode;
}

/* ------------------------------------------------------------------------ */
/* Randomness: splitmix64, seeded once per run                              */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_random_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t shim_random_u64(void)
{
	uint64_t z;

	pthread_mutex_lock(&rng_lock);
	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	pthread_mutex_unlock(&rng_lock);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------------ */

int shim_exit_check(void)
{
	int i;

	/* Callbacks may queue work and work may queue callbacks: settle both. */
	for (i = 0; i < 8; i++) {
		shim_rcu_barrier();
		shim_flush_all_work();
	}
	if (shim_in_atomic()) {
		shim_bug("exit in atomic context: locks=%d rcu=%d", shim_tls_ctx.locks, shim_tls_ctx.rcu);
		return -1;
	}
	if (shim_live_allocs()) {
		shim_dump_live("leak");
		return -1;
	}
	return 0;
}
