/* SPDX-License-Identifier: GPL-2.0 */
/* seqcount_t and seqlock_t with C11 fences. */
#ifndef __LINUX_SEQLOCK_H
#define __LINUX_SEQLOCK_H

#include <linux/compiler.h>
#include <linux/spinlock.h>

typedef struct seqcount {
	unsigned int sequence;
} seqcount_t;

typedef struct {
	seqcount_t seqcount;
	spinlock_t *lock;
} seqcount_spinlock_t;

typedef struct {
	seqcount_t seqcount;
	raw_spinlock_t *lock;
} seqcount_raw_spinlock_t;

#define SEQCNT_ZERO(name) { .sequence = 0 }
#define seqcount_init(s)	do { (s)->sequence = 0; } while (0)
#define seqcount_spinlock_init(s, l) \
	do { seqcount_init(&(s)->seqcount); (s)->lock = (l); } while (0)
#define seqcount_raw_spinlock_init(s, l) seqcount_spinlock_init(s, l)

#define __seqprop(s) _Generic((s),					\
	seqcount_t *: (s),						\
	const seqcount_t *: (s),					\
	seqcount_spinlock_t *: &((seqcount_spinlock_t *)(void *)(s))->seqcount, \
	const seqcount_spinlock_t *: &((seqcount_spinlock_t *)(void *)(s))->seqcount, \
	seqcount_raw_spinlock_t *: &((seqcount_raw_spinlock_t *)(void *)(s))->seqcount, \
	const seqcount_raw_spinlock_t *: &((seqcount_raw_spinlock_t *)(void *)(s))->seqcount)

static inline unsigned int shim_seq_begin(const seqcount_t *s)
{
	unsigned int seq;

	while ((seq = __atomic_load_n(&s->sequence, __ATOMIC_ACQUIRE)) & 1)
		__builtin_ia32_pause();
	return seq;
}

static inline int shim_seq_retry(const seqcount_t *s, unsigned int start)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) != start;
}

static inline void shim_seq_write_begin(seqcount_t *s)
{
	__atomic_store_n(&s->sequence, s->sequence + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void shim_seq_write_end(seqcount_t *s)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->sequence, s->sequence + 1, __ATOMIC_RELAXED);
}

#define read_seqcount_begin(s)		shim_seq_begin(__seqprop(s))
#define raw_read_seqcount_begin(s)	shim_seq_begin(__seqprop(s))
#define raw_read_seqcount(s)		__atomic_load_n(&__seqprop(s)->sequence, __ATOMIC_ACQUIRE)
#define raw_seqcount_begin(s)		(raw_read_seqcount(s) & ~1U)
#define read_seqcount_retry(s, start)	shim_seq_retry(__seqprop(s), start)
#define raw_read_seqcount_retry(s, start) shim_seq_retry(__seqprop(s), start)
#define read_seqcount_begin_latch(s)	raw_read_seqcount(s)
#define write_seqcount_begin(s)		shim_seq_write_begin(__seqprop(s))
#define raw_write_seqcount_begin(s)	shim_seq_write_begin(__seqprop(s))
#define write_seqcount_end(s)		shim_seq_write_end(__seqprop(s))
#define raw_write_seqcount_end(s)	shim_seq_write_end(__seqprop(s))
#define write_seqcount_invalidate(s) \
	do { shim_seq_write_begin(__seqprop(s)); shim_seq_write_begin(__seqprop(s)); } while (0)
#define raw_write_seqcount_barrier(s) \
	do { shim_seq_write_begin(__seqprop(s)); shim_seq_write_end(__seqprop(s)); } while (0)

typedef struct {
	seqcount_spinlock_t seqcount;
	spinlock_t lock;
} seqlock_t;

#define seqlock_init(sl) do {						\
	spin_lock_init(&(sl)->lock);					\
	seqcount_spinlock_init(&(sl)->seqcount, &(sl)->lock);		\
} while (0)
#define read_seqbegin(sl)		read_seqcount_begin(&(sl)->seqcount)
#define read_seqretry(sl, start)	read_seqcount_retry(&(sl)->seqcount, start)
#define write_seqlock(sl) \
	do { spin_lock(&(sl)->lock); write_seqcount_begin(&(sl)->seqcount); } while (0)
#define write_sequnlock(sl) \
	do { write_seqcount_end(&(sl)->seqcount); spin_unlock(&(sl)->lock); } while (0)
#define write_seqlock_irqsave(sl, flags) \
	do { spin_lock_irqsave(&(sl)->lock, flags); write_seqcount_begin(&(sl)->seqcount); } while (0)
#define write_sequnlock_irqrestore(sl, flags) \
	do { write_seqcount_end(&(sl)->seqcount); spin_unlock_irqrestore(&(sl)->lock, flags); } while (0)

#endif
