// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzer: the input is a map shape and a sequence of
 * operations, applied to gomap and to a sorted-array reference map.  After
 * every step the length must agree; every few steps gomap_test_check(), the
 * byte accounting and a full walk are compared too.  Any divergence, shim
 * BUG/WARN (sleeping in atomic context, refcount, lockdep), sanitizer report
 * or leak aborts, which libFuzzer records as a crash.
 *
 * Input layout: 6 header bytes (key shape, value shape, hint, max_entries,
 * key space, seed), then operations of 3 bytes: opcode, then a 16-bit
 * argument.  The shim's random stream is seeded from the input, so a crash
 * input replays exactly: ./fuzz_gomap crash-file
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/gfp.h>
#include "gomap_internal.h"

#define MAX_ITERS	2
#define BIG_KEY		(GOMAP_MAX_STR_LEN + 8)

#define FAIL(fmt, ...) do {						\
	fprintf(stderr, "DIVERGENCE at op %u: " fmt "\n", op_nr, ##__VA_ARGS__); \
	abort();							\
} while (0)

static const unsigned int key_sizes[] = { 8, 4, GOMAP_KEY_STRING, GOMAP_KEY_STRING, 1, 2,
					  3, 16, 24, 129, 200 };
static const unsigned int value_sizes[] = { 8, 0, 1, 4, 13, 64, 128, 129, 300 };
static const unsigned int hints[] = { 0, 0, 1, 8, 9, 52, 53, 200, 1000 };
static const unsigned int maxes[] = { 0, 0, 0, 5, 50, 300 };
static const unsigned int key_spaces[] = { 16, 64, 256, 1024, 4096 };
/* Shards: one Go map most often, two, many, or the default (0). */
static const unsigned int shard_counts[] = { 1, 1, 1, 2, 64, 0 };

/* ---- The reference: entries sorted by (length, bytes) ---- */

struct ref_entry {
	u8 *key;
	size_t len;
	u8 *value;
	unsigned long born;		/* op number when this incarnation was added */
	u8 seen[MAX_ITERS];		/* times each live iterator returned it */
};

static struct ref_entry *ref;
static size_t ref_n, ref_cap;
static unsigned int op_nr;

static int ref_cmp(const u8 *k, size_t len, const struct ref_entry *e)
{
	if (len != e->len)
		return len < e->len ? -1 : 1;
	return len ? memcmp(k, e->key, len) : 0;
}

/* Index of @k, or -(insertion point) - 1. */
static long ref_find(const u8 *k, size_t len)
{
	long lo = 0, hi = (long)ref_n - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		int c = ref_cmp(k, len, &ref[mid]);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -lo - 1;
}

static struct ref_entry *ref_insert(long at, const u8 *k, size_t len, unsigned int vs)
{
	struct ref_entry *e;

	if (ref_n == ref_cap) {
		ref_cap = ref_cap ? ref_cap * 2 : 64;
		ref = realloc(ref, ref_cap * sizeof(*ref));
	}
	memmove(&ref[at + 1], &ref[at], (ref_n - at) * sizeof(*ref));
	ref_n++;
	e = &ref[at];
	memset(e, 0, sizeof(*e));
	e->key = malloc(len ? len : 1);
	memcpy(e->key, k, len);
	e->len = len;
	e->value = calloc(1, vs ? vs : 1);
	e->born = op_nr;
	return e;
}

static void ref_remove(long at)
{
	free(ref[at].key);
	free(ref[at].value);
	memmove(&ref[at], &ref[at + 1], (ref_n - at - 1) * sizeof(*ref));
	ref_n--;
}

static void ref_reset(void)
{
	while (ref_n)
		ref_remove(ref_n - 1);
}

/* ---- The map under test ---- */

struct fiter {
	struct gomap_iter it;
	bool live;
	unsigned long start;	/* op number at gomap_iter_start() */
	bool blind;		/* some step had no key buffer: counts unknown */
};

static struct gomap *map;
static struct gomap_params params;
static struct fiter iters[MAX_ITERS];
static bool in_irq;
static long base_bytes;
static u8 keybuf[BIG_KEY], valbuf[GOMAP_MAX_VALUE_SIZE], outbuf[GOMAP_MAX_VALUE_SIZE];
static unsigned int key_space;

static bool is_str(void)
{
	return params.key_size == GOMAP_KEY_STRING;
}

static gfp_t op_gfp(unsigned int arg)
{
	if (in_irq)
		return arg & 1 ? GFP_ATOMIC : GFP_NOWAIT;
	return arg & 1 ? GFP_KERNEL : GFP_ATOMIC;
}

static u64 mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Build key @idx of the current shape; string lengths 0..67, rarely huge. */
static size_t make_key(unsigned int arg)
{
	unsigned int idx = arg % key_space;
	size_t len, i;

	if (is_str()) {
		if ((arg & 0x8000) && (arg & 0x7) == 7)
			len = GOMAP_MAX_STR_LEN - 4 + (idx % 12);	/* some over the limit */
		else
			len = (idx * 7) % 68;
	} else {
		len = params.key_size;
	}
	for (i = 0; i < len; i++)
		keybuf[i] = i < 4 ? (u8)(idx >> (8 * i)) : (u8)mix(idx * 8192 + i);
	return len;
}

static void make_value(void)
{
	size_t i;

	for (i = 0; i < params.value_size; i++)
		valbuf[i] = (u8)mix((u64)op_nr * 65536 + i);
}

static bool failure_armed(void)
{
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++)
		if (map->shards[i].fail_nth)
			return true;
	return shim_fail_armed();
}

/* Times an operation found a list of a shard's reserve empty, all shards. */
static unsigned long reserve_empty(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++)
		n += map->shards[i].stats.reserve_empty;
	return n;
}

/* Is an array a worker or a sleeping caller prepared waiting to be installed? */
static bool table_ready(void)
{
	unsigned int i;

	for (i = 0; i < gm_nr_shards(map); i++)
		if (map->shards[i].ready_table)
			return true;
	return false;
}

static void check_lookup(const u8 *k, size_t len, const char *what)
{
	long at = ref_find(k, len);
	int ret = is_str() ? gomap_lookup_str(map, (const char *)k, len, outbuf) :
			     gomap_lookup(map, k, outbuf);

	if (len > GOMAP_MAX_STR_LEN && is_str()) {
		if (ret != -EINVAL)
			FAIL("%s: lookup of a %zu-byte key gave %d, not -EINVAL", what, len, ret);
		return;
	}
	if (at < 0 && ret != -ENOENT)
		FAIL("%s: lookup of a missing key gave %d", what, ret);
	if (at >= 0 && ret)
		FAIL("%s: lookup of a present key gave %d", what, ret);
	if (at >= 0 && memcmp(outbuf, ref[at].value, params.value_size))
		FAIL("%s: lookup returned a wrong value", what);
}

/* update callback: add the argument bytewise to the first eight value bytes */
struct upd {
	u64 add;
	int calls;
	bool found;
};

static void upd_fn(void *value, bool found, void *arg)
{
	struct upd *u = arg;
	u8 *v = value;
	unsigned int i;

	if (shim_in_atomic() == false)
		FAIL("update callback runs without the map lock");
	for (i = 0; i < params.value_size && i < 8; i++)
		v[i] += (u8)(u->add >> (8 * i));
	u->calls++;
	u->found = found;
}

static void do_assign(unsigned int arg, bool update)
{
	size_t len = make_key(arg);
	long at = ref_find(keybuf, len);
	gfp_t gfp = op_gfp(arg >> 4);
	struct upd u = { .add = mix(op_nr) };
	bool armed = failure_armed();
	unsigned long empty = reserve_empty();
	int ret;

	make_value();
	if (is_str())
		ret = update ? gomap_update_str(map, (char *)keybuf, len, upd_fn, &u, gfp) :
			       gomap_assign_str(map, (char *)keybuf, len,
						arg & 0x4000 ? NULL : valbuf, gfp);
	else
		ret = update ? gomap_update(map, keybuf, upd_fn, &u, gfp) :
			       gomap_assign(map, keybuf, arg & 0x4000 ? NULL : valbuf, gfp);
	if (is_str() && len > GOMAP_MAX_STR_LEN) {
		if (ret != -EINVAL)
			FAIL("assign of a %zu-byte string gave %d", len, ret);
		return;
	}
	if (at < 0 && params.max_entries && ref_n >= params.max_entries) {
		if (ret != -ENOSPC)
			FAIL("assign past max_entries gave %d", ret);
		return;
	}
	/*
	 * -ENOMEM is right when an allocation was made to fail, or when the
	 * reserve ran empty where the map may not allocate (hardirq context,
	 * or a preallocated map with its reserve spent).
	 */
	if (ret == -ENOMEM && (armed || reserve_empty() > empty)) {
		if (u.calls)
			FAIL("update callback ran on -ENOMEM");
		check_lookup(keybuf, len, "after -ENOMEM");	/* unchanged */
		return;
	}
	if (ret)
		FAIL("assign/update gave %d (found %d, failure armed %d)", ret, at >= 0, armed);
	if (at < 0) {
		at = -at - 1;
		ref_insert(at, keybuf, len, params.value_size);
	}
	if (update) {
		unsigned int i;

		if (u.calls != 1 || u.found != (ref[at].born != op_nr))
			FAIL("update callback: %d calls, found %d", u.calls, u.found);
		for (i = 0; i < params.value_size && i < 8; i++)
			ref[at].value[i] += (u8)(u.add >> (8 * i));
	} else if (arg & 0x4000) {
		memset(ref[at].value, 0, params.value_size);
	} else {
		memcpy(ref[at].value, valbuf, params.value_size);
	}
	check_lookup(keybuf, len, "after assign");
}

static void do_delete(unsigned int arg)
{
	size_t len = make_key(arg);
	long at = ref_find(keybuf, len);
	int ret = is_str() ? gomap_delete_str(map, (char *)keybuf, len) :
			     gomap_delete(map, keybuf);

	if (is_str() && len > GOMAP_MAX_STR_LEN) {
		if (ret != -EINVAL)
			FAIL("delete of a %zu-byte string gave %d", len, ret);
		return;
	}
	if (ret != (at >= 0 ? 0 : -ENOENT))
		FAIL("delete gave %d, key present %d", ret, at >= 0);
	if (at >= 0)
		ref_remove(at);
	check_lookup(keybuf, len, "after delete");
}

/* One step of iterator @n; returns false at its end. */
static bool iter_step(int n, unsigned int arg)
{
	struct fiter *f = &iters[n];
	size_t bufsize = is_str() ? BIG_KEY : params.key_size;
	bool small = is_str() && (arg & 0x10);
	long at;
	int ret;

	if (small)
		bufsize = arg >> 8;	/* may be too small: -E2BIG, not advanced */
	ret = gomap_iter_next(&f->it, arg & 0x20 ? NULL : keybuf, bufsize,
			      arg & 0x40 ? NULL : outbuf);
	if (ret == -E2BIG) {
		if (!small)
			FAIL("iter -E2BIG with a full buffer");
		ret = gomap_iter_next(&f->it, keybuf, BIG_KEY, outbuf);
		if (ret >= 0 && (size_t)ret <= bufsize)
			FAIL("iter -E2BIG for a %d-byte key and a %zu-byte buffer", ret, bufsize);
		arg &= ~0x60;
	}
	if (ret == -ENOENT) {
		size_t i;

		/* Everything present for the whole walk came out exactly once. */
		for (i = 0; i < ref_n && !f->blind; i++)
			if (ref[i].born < f->start && ref[i].seen[n] != 1)
				FAIL("iter %d ended; an entry present throughout came out %u times",
				     n, ref[i].seen[n]);
		gomap_iter_stop(&f->it);
		f->live = false;
		return false;
	}
	if (ret < 0)
		FAIL("iter_next gave %d", ret);
	if (arg & 0x20) {	/* no key copied: nothing to check */
		f->blind = true;
		return true;
	}
	if (!is_str() && (size_t)ret != params.key_size)
		FAIL("iter returned key length %d", ret);
	at = ref_find(keybuf, ret);
	if (at < 0)
		FAIL("iter %d returned a key that is not in the map", n);
	if (!(arg & 0x40) && memcmp(outbuf, ref[at].value, params.value_size))
		FAIL("iter %d returned a stale value", n);
	if (++ref[at].seen[n] > 1)
		FAIL("iter %d returned an entry twice", n);
	return true;
}

static void iter_start(int n)
{
	size_t i;

	gomap_iter_start(&iters[n].it, map);
	iters[n].live = true;
	iters[n].start = op_nr;
	iters[n].blind = false;
	for (i = 0; i < ref_n; i++)
		ref[i].seen[n] = 0;
}

static void iters_stop(void)
{
	int n;

	for (n = 0; n < MAX_ITERS; n++) {
		if (iters[n].live)
			gomap_iter_stop(&iters[n].it);
		iters[n].live = false;
	}
}

/* A fresh walk must return exactly the reference. */
static void full_walk(void)
{
	struct gomap_iter it;
	size_t i, got = 0;
	int ret;
	u8 *seen = calloc(ref_n + 1, 1);

	gomap_iter_start(&it, map);
	while ((ret = gomap_iter_next(&it, keybuf, BIG_KEY, outbuf)) >= 0) {
		long at = ref_find(keybuf, ret);

		if (at < 0 || seen[at]++)
			FAIL("full walk: unknown or repeated key");
		if (memcmp(outbuf, ref[at].value, params.value_size))
			FAIL("full walk: wrong value");
		got++;
	}
	gomap_iter_stop(&it);
	if (ret != -ENOENT || got != ref_n)
		FAIL("full walk: %zu entries, reference has %zu (ret %d)", got, ref_n, ret);
	for (i = 0; i < ref_n; i++)
		if (!seen[i])
			FAIL("full walk missed an entry");
	free(seen);
}

static void check_all(bool walk)
{
	struct gomap_stats st;
	struct shim_mem_stats mem;

	if (gomap_len(map) != ref_n)
		FAIL("len %lu, reference %zu", gomap_len(map), ref_n);
	if (gomap_test_check(map))
		FAIL("gomap_test_check failed");
	gomap_stats(map, &st);
	if (st.count != ref_n)
		FAIL("stats.count %lu, reference %zu", st.count, ref_n);
	if (st.max_evacuated_per_op > 2)
		FAIL("an operation evacuated %u buckets", st.max_evacuated_per_op);
	/* Bytes the map says it holds: what it really holds, at rest. */
	if (!iters[0].live && !iters[1].live && !table_ready() && !in_irq) {
		shim_rcu_barrier();
		shim_mem_stats(&mem);
		long header = gm_map_size(gm_nr_shards(map));

		if ((long)(st.bytes + st.reserve_bytes) + header != mem.live_bytes - base_bytes)
			FAIL("stats.bytes %zu + reserve_bytes %zu but the map holds %ld bytes",
			     st.bytes, st.reserve_bytes, mem.live_bytes - base_bytes - header);
	}
	if (walk)
		full_walk();
}

static void destroy_map(void)
{
	if (!map)
		return;
	iters_stop();
	if (in_irq) {
		shim_irq_exit();
		in_irq = false;
	}
	check_all(true);
	gomap_destroy(map);
	map = NULL;
	ref_reset();
	shim_fail_reset();
	if (shim_exit_check())
		FAIL("memory left after gomap_destroy()");
}

static void create_map(const u8 *h)
{
	struct shim_mem_stats mem;

	destroy_map();
	params.key_size = key_sizes[h[0] % ARRAY_SIZE(key_sizes)];
	params.value_size = value_sizes[h[1] % ARRAY_SIZE(value_sizes)];
	params.hint = hints[h[2] % ARRAY_SIZE(hints)];
	params.max_entries = maxes[h[3] % ARRAY_SIZE(maxes)];
	key_space = key_spaces[h[4] % ARRAY_SIZE(key_spaces)];
	/* Preallocated a quarter of the time it can be: a limit, fixed-size keys. */
	params.flags = 0;
	params.shards = shard_counts[(h[5] >> 3) % ARRAY_SIZE(shard_counts)];
	if (params.max_entries && params.key_size && (h[5] & 6) == 6) {
		params.flags = GOMAP_F_PREALLOC;
		params.shards = 1;
	}
	if (h[3] & 0x80)	/* deletes shrink the map unless asked not to */
		params.flags |= GOMAP_F_NO_SHRINK;
	if (params.key_size && params.key_size < 2)
		key_space = min(key_space, 256U);
	shim_mem_stats(&mem);
	base_bytes = mem.live_bytes;
	map = gomap_create(&params, GFP_KERNEL);
	if (IS_ERR(map))
		FAIL("gomap_create gave %ld", PTR_ERR(map));
	/* A fixed seed half the time: small key spaces then collide the same way. */
	if (h[5] & 1)
		gomap_test_set_seed(map, h[5]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 dflt[6] = { 0 };
	u64 seed = 0xcbf29ce484222325ULL;
	size_t i;

	if (size > 6000)
		return 0;
	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 0x100000001b3ULL;
	shim_random_seed(seed);
	shim_fail_reset();
	shim_rcu_set_mode(SHIM_RCU_AUTO);
	op_nr = 0;
	create_map(size >= 6 ? data : dflt);
	i = size >= 6 ? 6 : size;
	for (; i + 3 <= size; i += 3) {
		unsigned int opc = data[i], arg = data[i + 1] | data[i + 2] << 8;
		int n = arg & 1;

		op_nr++;
		if (in_irq != !!(opc & 0x80)) {
			/* The top bit of the opcode: run in (simulated) hardirq context. */
			if (in_irq)
				shim_irq_exit();
			else
				shim_irq_enter();
			in_irq = !in_irq;
		}
		switch (opc & 0x1f) {
		case 0 ... 7:
			do_assign(arg, false);
			break;
		case 8 ... 9:
			do_assign(arg, true);
			break;
		case 10 ... 13:
			do_delete(arg);
			break;
		case 14 ... 15: {
			size_t len = make_key(arg);

			check_lookup(keybuf, len, "lookup");
			break;
		}
		case 16:
			if (!iters[n].live)
				iter_start(n);
			break;
		case 17 ... 19:
			if (iters[n].live) {
				int steps = (arg >> 1) % 8 + 1;

				while (steps-- && iter_step(n, arg))
					;
			}
			break;
		case 20:
			if (iters[n].live) {
				gomap_iter_stop(&iters[n].it);
				iters[n].live = false;
			}
			break;
		case 21:
			if ((arg & 7) == 0) {
				gomap_clear(map);
				ref_reset();
			}
			break;
		case 22:
			/* Allocation failures: the map's own hook or the allocator. */
			switch ((arg >> 1) % 4) {
			case 0:
				gomap_test_fail_alloc(map, (arg >> 3) % 4 + 1);
				break;
			case 1:
				shim_fail_nth((arg >> 3) % 6 + 1);
				break;
			case 2:
				gomap_test_fail_alloc(map, (arg >> 3) % 2 ? UINT_MAX : 0);
				break;
			default:
				shim_fail_reset();
				gomap_test_fail_alloc(map, 0);
			}
			break;
		case 23: {
			bool armed = failure_armed();
			unsigned long empty = reserve_empty();
			int ret = gomap_test_grow_step(map, op_gfp(arg));

			/*
			 * As for assigns: a failure armed, or the reserve short
			 * of overflow buckets where the map may not allocate.
			 */
			if (ret < 0 && !(ret == -ENOMEM &&
					 (armed || reserve_empty() > empty)))
				FAIL("grow_step gave %d", ret);
			break;
		}
		case 24:
			if (!in_irq)
				shim_run_work();
			break;
		case 25:
			if (!in_irq)
				shim_rcu_barrier();
			break;
		case 26:
			if (!in_irq && (arg & 0xf) == 0) {
				u8 h[6];
				int j;

				for (j = 0; j < 6; j++)
					h[j] = (u8)mix(arg * 6 + j);
				create_map(h);
			}
			break;
		case 27:
			check_all(true);
			break;
		default: {
			size_t len = make_key(arg);

			check_lookup(keybuf, len, "lookup");
		}
		}
		if (gomap_len(map) != ref_n)
			FAIL("len %lu, reference %zu", gomap_len(map), ref_n);
		if (op_nr % 16 == 0)
			check_all(op_nr % 64 == 0);
	}
	destroy_map();
	return 0;
}
