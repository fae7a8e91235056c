// SPDX-License-Identifier: GPL-2.0
/*
 * gomap debugfs interface: named maps under /sys/kernel/debug/gomap/.
 *
 * An operator's tool built on the public API of gomap.h only.  The grammar
 * is documented in Documentation/debugfs.rst; these files are a debugging
 * aid, not an ABI.
 */

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "gomap.h"
#include "gomap_internal.h"

/*
 * DOC: debugfs object lifetimes
 *
 * Each named map is a &struct gmd_map, kept on gmd_maps under gmd_lock and
 * reference counted: the registry holds one reference and every open file
 * of the map's directory holds one.  The map's files are created with
 * debugfs_create_file_unsafe(): debugfs still protects .open against
 * removal, so .open may take a reference from inode->i_private, and every
 * later call checks @dead itself.  That way a file opened before "destroy"
 * fails with ENODEV afterwards, the same errno from every file.
 *
 * "destroy" unlinks the map, removes its directory (which waits for opens
 * in progress), then takes @sem for writing: no operation is running, so it
 * marks the map dead, stops the iterators of open dump files and calls
 * gomap_destroy().  The &struct gmd_map itself is freed by the last
 * reference, when the last open file is closed.
 */

#define GMD_NAME_MAX	32		/* longest map name */
#define GMD_WRITE_MAX	SZ_64K		/* largest single write(2) */
#define GMD_HEX_MAX	512		/* largest N of hex:N */
#define GMD_STRVAL_MAX	4096		/* largest N of str:N */
#define GMD_NUM_TEXT	20		/* digits of U64_MAX */
#define GMD_MAX_TOKS	9	/* create NAME key= value= hint= max= prealloc shards= noshrink */

/*
 * A user-supplied map's hint sizes the first bucket array: fail an absurd
 * one with ENOMEM, quietly and without waking the OOM killer.
 */
#define GMD_CREATE_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

enum gmd_kind {
	GMD_U32,
	GMD_U64,
	GMD_STR,
	GMD_HEX,
	GMD_NONE,
};

/* A key or value kind; @len is N of str:N and hex:N. */
struct gmd_type {
	enum gmd_kind kind;
	unsigned int len;
};

struct gmd_map {
	struct kref kref;
	struct list_head node;		/* on gmd_maps, under gmd_lock */
	/* @sem: read: an operation uses @map; write: @map is being destroyed. */
	struct rw_semaphore sem;
	bool dead;			/* @map is gone; written under @sem */
	struct list_head dumps;		/* open dump files; under @sem */
	struct gomap *map;
	struct dentry *dir;
	struct gmd_type key;
	struct gmd_type val;
	unsigned int key_max;		/* longest key gomap_iter_next() returns */
	unsigned int value_size;
	char name[GMD_NAME_MAX + 1];
};

/* A token of an input line: not NUL-terminated, never empty. */
struct gmd_tok {
	const char *p;
	size_t len;
};

/* A parsed key, ready for gomap_*() or gomap_*_str(). */
struct gmd_key {
	const void *ptr;
	size_t len;
	u32 v32;
	u64 v64;
	u8 bytes[GMD_HEX_MAX];
};

struct gmd_lookup;

/* State of one write(2) to a map file. */
struct gmd_ctx {
	struct gmd_map *gm;
	struct gmd_lookup *lk;		/* lookup only */
	unsigned int lines;		/* non-blank lines */
	unsigned int max_lines;		/* 0: no limit */
	struct gmd_key key;
	u8 val[];			/* gm->value_size bytes */
};

/* Parses (and with @apply, carries out) one line of @n tokens. */
typedef int (*gmd_line_fn)(struct gmd_ctx *c, const struct gmd_tok *t, int n, bool apply);

/* Per open lookup file: the result of the last write. */
struct gmd_lookup {
	struct gmd_map *gm;
	struct mutex lock;		/* serialises this file's reads and writes */
	size_t len;			/* bytes of @buf holding the result */
	size_t rpos;			/* next byte of @buf to read */
	char buf[];
};

/* Per open dump file: a Go iterator that lives across read(2) calls. */
struct gmd_dump {
	struct gmd_map *gm;
	struct list_head node;		/* on gm->dumps */
	struct gomap_iter it;
	bool started;			/* a walk began since open */
	bool active;			/* @it is started and not stopped */
	bool have_cur;			/* @key and @val hold entry number @pos */
	loff_t pos;
	size_t key_len;
	u8 *key;
	u8 *val;
	char *text;
};

static DEFINE_MUTEX(gmd_lock);		/* protects gmd_maps and map names */
static LIST_HEAD(gmd_maps);
static struct dentry *gmd_root;

static void gmd_map_free(struct kref *kref)
{
	kfree(container_of(kref, struct gmd_map, kref));
}

static void gmd_map_put(struct gmd_map *gm)
{
	kref_put(&gm->kref, gmd_map_free);
}

/* ---- tokens and parsing ---- */

static bool gmd_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' ||
	       ch == '\f' || ch == '\r';
}

static bool gmd_tok_eq(const struct gmd_tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->p, s, t->len);
}

/* If @t starts with @prefix, set @rest to the remainder and return true. */
static bool gmd_tok_prefix(const struct gmd_tok *t, const char *prefix,
			   struct gmd_tok *rest)
{
	size_t n = strlen(prefix);

	if (t->len < n || memcmp(t->p, prefix, n))
		return false;
	rest->p = t->p + n;
	rest->len = t->len - n;
	return true;
}

/*
 * Split one line into tokens separated by exactly one space or tab.
 * Return: the number of tokens (0 for a blank line), or -EINVAL for an
 * empty token (leading, trailing or doubled separator) or too many.
 */
static int gmd_split(const char *p, size_t len, struct gmd_tok *toks, int max)
{
	size_t i, start = 0;
	int n = 0;

	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t')
			break;
	if (i == len)
		return 0;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != ' ' && p[i] != '\t')
			continue;
		if (i == start || n == max)
			return -EINVAL;
		toks[n].p = p + start;
		toks[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

/*
 * Parse decimal or 0x-hex digits, at most @max.  Not kstrtou64(): base 0
 * would read a leading 0 as octal, and base 16 would take a second "0x".
 */
static int gmd_parse_num(const struct gmd_tok *t, u64 max, u64 *out)
{
	const char *p = t->p;
	size_t n = t->len;
	unsigned int base = 10;
	u64 v = 0;
	int d;

	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		n -= 2;
	}
	if (!n)
		return -EINVAL;
	for (; n; p++, n--) {
		d = hex_to_bin(*p);
		if (d < 0 || d >= base || v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int gmd_parse_uint(const struct gmd_tok *t, unsigned int *out)
{
	u64 v;
	int ret = gmd_parse_num(t, UINT_MAX, &v);

	*out = v;
	return ret;
}

/* Exactly @len bytes as 2 * @len hex digits. */
static int gmd_parse_hex(const struct gmd_tok *t, u8 *out, unsigned int len)
{
	if (t->len != 2 * (size_t)len)
		return -EINVAL;
	return hex2bin(out, t->p, len);
}

/* A string key or value: at most @max bytes, no whitespace. */
static int gmd_parse_str(const struct gmd_tok *t, size_t max)
{
	size_t i;

	if (t->len > max)
		return -E2BIG;
	for (i = 0; i < t->len; i++)
		if (gmd_is_space(t->p[i]))
			return -EINVAL;
	return 0;
}

static int gmd_parse_key(const struct gmd_map *gm, const struct gmd_tok *t,
			 struct gmd_key *k)
{
	u64 v;
	int ret;

	switch (gm->key.kind) {
	case GMD_U32:
		ret = gmd_parse_num(t, U32_MAX, &v);
		k->v32 = v;
		k->ptr = &k->v32;
		k->len = sizeof(k->v32);
		return ret;
	case GMD_U64:
		ret = gmd_parse_num(t, U64_MAX, &v);
		k->v64 = v;
		k->ptr = &k->v64;
		k->len = sizeof(k->v64);
		return ret;
	case GMD_STR:
		k->ptr = t->p;
		k->len = t->len;
		return gmd_parse_str(t, GOMAP_MAX_STR_LEN);
	default:
		k->ptr = k->bytes;
		k->len = gm->key.len;
		return gmd_parse_hex(t, k->bytes, gm->key.len);
	}
}

/* Fill @val (gm->value_size bytes) from @t. */
static int gmd_parse_val(const struct gmd_map *gm, const struct gmd_tok *t, u8 *val)
{
	u16 len;
	u64 v;
	int ret;

	switch (gm->val.kind) {
	case GMD_U64:
		ret = gmd_parse_num(t, U64_MAX, &v);
		memcpy(val, &v, sizeof(v));
		return ret;
	case GMD_STR:
		/* A u16 length, the bytes, zero padding up to str:N. */
		ret = gmd_parse_str(t, gm->val.len);
		if (ret)
			return ret;
		len = t->len;
		memset(val, 0, gm->value_size);
		memcpy(val, &len, sizeof(len));
		memcpy(val + sizeof(len), t->p, len);
		return 0;
	case GMD_HEX:
		return gmd_parse_hex(t, val, gm->val.len);
	default:
		return -EINVAL;
	}
}

/* ---- formatting ---- */

static size_t gmd_text_max(const struct gmd_type *t)
{
	switch (t->kind) {
	case GMD_U32:
	case GMD_U64:
		return GMD_NUM_TEXT;
	case GMD_STR:
		return t->len;
	case GMD_HEX:
		return 2 * t->len;
	default:
		return 0;
	}
}

static size_t gmd_fmt_key(const struct gmd_map *gm, const u8 *key, size_t len, char *out)
{
	u32 v32;
	u64 v64;

	switch (gm->key.kind) {
	case GMD_U32:
		memcpy(&v32, key, sizeof(v32));
		return sprintf(out, "%u", v32);
	case GMD_U64:
		memcpy(&v64, key, sizeof(v64));
		return sprintf(out, "%llu", v64);
	case GMD_STR:
		memcpy(out, key, len);
		return len;
	default:
		bin2hex(out, key, len);
		return 2 * len;
	}
}

static size_t gmd_fmt_val(const struct gmd_map *gm, const u8 *val, char *out)
{
	u16 len;
	u64 v;

	switch (gm->val.kind) {
	case GMD_U64:
		memcpy(&v, val, sizeof(v));
		return sprintf(out, "%llu", v);
	case GMD_STR:
		memcpy(&len, val, sizeof(len));
		len = min_t(unsigned int, len, gm->val.len);
		memcpy(out, val + sizeof(len), len);
		return len;
	case GMD_HEX:
		bin2hex(out, val, gm->val.len);
		return 2 * gm->val.len;
	default:
		return 0;
	}
}

static const char *gmd_type_str(const struct gmd_type *t, bool is_key,
				char *buf, size_t size)
{
	switch (t->kind) {
	case GMD_U32:
		return "u32";
	case GMD_U64:
		return "u64";
	case GMD_STR:
		if (is_key)
			return "str";
		snprintf(buf, size, "str:%u", t->len);
		return buf;
	case GMD_HEX:
		snprintf(buf, size, "hex:%u", t->len);
		return buf;
	default:
		return "none";
	}
}

/* ---- the line loop shared by every write ---- */

/* Check and copy in one write(2): the caller kvfree()s the result. */
static char *gmd_copy_in(const char __user *ubuf, size_t count)
{
	if (!capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);
	if (count > GMD_WRITE_MAX)
		return ERR_PTR(-E2BIG);
	if (!count)
		return kvzalloc(1, GFP_KERNEL) ?: ERR_PTR(-ENOMEM);
	return vmemdup_user(ubuf, count);
}

/*
 * Run @fn on every non-blank line of @buf.  With @apply false it only
 * parses (and counts the lines); with @apply true it carries them out and
 * stops at the first error, leaving the earlier lines applied.
 */
static int gmd_run_lines(const char *buf, size_t len, gmd_line_fn fn,
			 struct gmd_ctx *c, bool apply)
{
	struct gmd_tok toks[GMD_MAX_TOKS];
	const char *p = buf, *end = buf + len, *eol;
	int n, ret;

	while (p < end) {
		eol = memchr(p, '\n', end - p) ?: end;
		n = gmd_split(p, eol - p, toks, ARRAY_SIZE(toks));
		if (n < 0)
			return n;
		if (n) {
			if (!apply && c && c->max_lines && ++c->lines > c->max_lines)
				return -EINVAL;
			ret = fn(c, toks, n, apply);
			if (ret)
				return ret;
		}
		p = eol + 1;
		if (apply)
			cond_resched();
	}
	return 0;
}

/*
 * One write(2) to a map file: parse every line first, so that a malformed
 * line applies none of them, then apply them under @gm->sem.
 */
static ssize_t gmd_map_write(struct gmd_map *gm, struct gmd_lookup *lk,
			     const char __user *ubuf, size_t count,
			     gmd_line_fn fn, unsigned int max_lines)
{
	struct gmd_ctx *c;
	char *buf;
	int ret;

	if (READ_ONCE(gm->dead))
		return -ENODEV;
	buf = gmd_copy_in(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	c = kzalloc(sizeof(*c) + gm->value_size, GFP_KERNEL);
	if (!c) {
		ret = -ENOMEM;
		goto out_free_buf;
	}
	c->gm = gm;
	c->lk = lk;
	c->max_lines = max_lines;

	ret = gmd_run_lines(buf, count, fn, c, false);
	if (!ret && max_lines && !c->lines)
		ret = -EINVAL;		/* no key at all */
	if (!ret) {
		down_read(&gm->sem);
		ret = gm->dead ? -ENODEV : gmd_run_lines(buf, count, fn, c, true);
		up_read(&gm->sem);
	}
	kfree(c);
out_free_buf:
	kvfree(buf);
	return ret ? ret : count;
}

/* ---- per-map files ---- */

static int gmd_map_open(struct inode *inode, struct file *file)
{
	struct gmd_map *gm = inode->i_private;

	/* Safe: debugfs keeps the file from being removed during .open. */
	kref_get(&gm->kref);
	file->private_data = gm;
	return nonseekable_open(inode, file);
}

static int gmd_map_release(struct inode *inode, struct file *file)
{
	gmd_map_put(file->private_data);
	return 0;
}

static int gmd_assign_line(struct gmd_ctx *c, const struct gmd_tok *t, int n, bool apply)
{
	struct gmd_map *gm = c->gm;
	bool set = gm->val.kind == GMD_NONE;
	int ret;

	if (n != (set ? 1 : 2))
		return -EINVAL;
	ret = gmd_parse_key(gm, &t[0], &c->key);
	if (!ret && !set)
		ret = gmd_parse_val(gm, &t[1], c->val);
	if (ret || !apply)
		return ret;

	if (gm->key.kind == GMD_STR)
		return gomap_assign_str(gm->map, c->key.ptr, c->key.len,
					set ? NULL : c->val, GFP_KERNEL);
	return gomap_assign(gm->map, c->key.ptr, set ? NULL : c->val, GFP_KERNEL);
}

static ssize_t gmd_assign_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	return gmd_map_write(file->private_data, NULL, ubuf, count, gmd_assign_line, 0);
}

static int gmd_delete_line(struct gmd_ctx *c, const struct gmd_tok *t, int n, bool apply)
{
	struct gmd_map *gm = c->gm;
	int ret;

	if (n != 1)
		return -EINVAL;
	ret = gmd_parse_key(gm, &t[0], &c->key);
	if (ret || !apply)
		return ret;

	if (gm->key.kind == GMD_STR)
		return gomap_delete_str(gm->map, c->key.ptr, c->key.len);
	return gomap_delete(gm->map, c->key.ptr);
}

static ssize_t gmd_delete_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	return gmd_map_write(file->private_data, NULL, ubuf, count, gmd_delete_line, 0);
}

static ssize_t gmd_clear_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct gmd_map *gm = file->private_data;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count > GMD_WRITE_MAX)
		return -E2BIG;
	down_read(&gm->sem);
	if (gm->dead)
		ret = -ENODEV;
	else
		gomap_clear(gm->map);
	up_read(&gm->sem);
	return ret ? ret : count;
}

/* gmd_NAME_fops: a write-only per-map file whose writes go to gmd_NAME_write(). */
#define GMD_MAP_WRITE_FOPS(name)					\
static const struct file_operations gmd_##name##_fops = {		\
	.owner = THIS_MODULE,						\
	.open = gmd_map_open,						\
	.release = gmd_map_release,					\
	.write = gmd_##name##_write,					\
	.llseek = no_llseek,						\
}

GMD_MAP_WRITE_FOPS(assign);
GMD_MAP_WRITE_FOPS(delete);
GMD_MAP_WRITE_FOPS(clear);

/* ---- lookup: per-open-file result ---- */

static int gmd_lookup_open(struct inode *inode, struct file *file)
{
	struct gmd_map *gm = inode->i_private;
	struct gmd_lookup *lk;

	lk = kzalloc(sizeof(*lk) + gmd_text_max(&gm->val) + 1, GFP_KERNEL);
	if (!lk)
		return -ENOMEM;
	mutex_init(&lk->lock);
	kref_get(&gm->kref);
	lk->gm = gm;
	file->private_data = lk;
	return nonseekable_open(inode, file);
}

static int gmd_lookup_release(struct inode *inode, struct file *file)
{
	struct gmd_lookup *lk = file->private_data;

	gmd_map_put(lk->gm);
	mutex_destroy(&lk->lock);
	kfree(lk);
	return 0;
}

static int gmd_lookup_line(struct gmd_ctx *c, const struct gmd_tok *t, int n, bool apply)
{
	struct gmd_map *gm = c->gm;
	void *val = gm->value_size ? c->val : NULL;
	int ret;

	if (n != 1)
		return -EINVAL;
	ret = gmd_parse_key(gm, &t[0], &c->key);
	if (ret || !apply)
		return ret;

	if (gm->key.kind == GMD_STR)
		ret = gomap_lookup_str(gm->map, c->key.ptr, c->key.len, val);
	else
		ret = gomap_lookup(gm->map, c->key.ptr, val);
	if (ret)
		return ret;
	c->lk->len = gmd_fmt_val(gm, c->val, c->lk->buf);
	c->lk->buf[c->lk->len++] = '\n';
	return 0;
}

static ssize_t gmd_lookup_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct gmd_lookup *lk = file->private_data;
	ssize_t ret;

	mutex_lock(&lk->lock);
	lk->len = 0;
	lk->rpos = 0;
	ret = gmd_map_write(lk->gm, lk, ubuf, count, gmd_lookup_line, 1);
	mutex_unlock(&lk->lock);
	return ret;
}

static ssize_t gmd_lookup_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct gmd_lookup *lk = file->private_data;
	loff_t pos;
	ssize_t ret;

	mutex_lock(&lk->lock);
	if (READ_ONCE(lk->gm->dead)) {
		ret = -ENODEV;
	} else {
		pos = lk->rpos;
		ret = simple_read_from_buffer(ubuf, count, &pos, lk->buf, lk->len);
		lk->rpos = pos;
	}
	mutex_unlock(&lk->lock);
	return ret;
}

static const struct file_operations gmd_lookup_fops = {
	.owner = THIS_MODULE,
	.open = gmd_lookup_open,
	.release = gmd_lookup_release,
	.read = gmd_lookup_read,
	.write = gmd_lookup_write,
	.llseek = no_llseek,
};

/* ---- dump: seq_file over one Go iterator per open file ---- */

/*
 * The iterator lives from the first read to the end of the walk (or the
 * file's release), across read(2) calls, because only one continuous Go
 * walk returns each entry exactly once while the map grows.  It holds no
 * lock between gomap_iter_next() calls; @gm->sem is held for reading from
 * .start to .stop so that "destroy" cannot free the map under a walk step.
 *
 * @key/@val hold entry number @pos, fetched but perhaps not yet shown:
 * seq_file asks for the same position again after a full buffer.
 */
static void gmd_dump_fetch(struct gmd_dump *d)
{
	int ret = gomap_iter_next(&d->it, d->key, d->gm->key_max,
				  d->gm->value_size ? d->val : NULL);

	d->have_cur = ret >= 0;
	if (d->have_cur) {
		d->key_len = ret;
	} else {
		gomap_iter_stop(&d->it);
		d->active = false;
	}
}

static void gmd_dump_restart(struct gmd_dump *d)
{
	if (d->active)
		gomap_iter_stop(&d->it);
	gomap_iter_start(&d->it, d->gm->map);
	d->started = true;
	d->active = true;
	d->pos = 0;
	gmd_dump_fetch(d);
}

static void *gmd_dump_start(struct seq_file *m, loff_t *pos)
{
	struct gmd_dump *d = m->private;

	down_read(&d->gm->sem);
	if (d->gm->dead)
		return ERR_PTR(-ENODEV);

	/* The entry seq_file did not take yet, or the end of this walk. */
	if (d->started && *pos == d->pos && (d->have_cur || *pos))
		return d->have_cur ? d : NULL;

	/* A new walk (first read, or a seek back to 0). */
	gmd_dump_restart(d);
	while (d->have_cur && d->pos < *pos) {
		d->pos++;
		gmd_dump_fetch(d);
		cond_resched();
	}
	return d->have_cur ? d : NULL;
}

static void *gmd_dump_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct gmd_dump *d = m->private;

	++*pos;
	d->pos = *pos;
	gmd_dump_fetch(d);
	return d->have_cur ? d : NULL;
}

static void gmd_dump_stop(struct seq_file *m, void *v)
{
	struct gmd_dump *d = m->private;

	up_read(&d->gm->sem);
}

static int gmd_dump_show(struct seq_file *m, void *v)
{
	struct gmd_dump *d = v;
	struct gmd_map *gm = d->gm;
	size_t n;

	n = gmd_fmt_key(gm, d->key, d->key_len, d->text);
	if (gm->val.kind != GMD_NONE) {
		d->text[n++] = ' ';
		n += gmd_fmt_val(gm, d->val, d->text + n);
	}
	d->text[n++] = '\n';
	seq_write(m, d->text, n);
	return 0;
}

static const struct seq_operations gmd_dump_sops = {
	.start = gmd_dump_start,
	.next = gmd_dump_next,
	.stop = gmd_dump_stop,
	.show = gmd_dump_show,
};

static void gmd_dump_free(struct gmd_dump *d)
{
	kfree(d->key);
	kfree(d->val);
	kfree(d->text);
}

static int gmd_dump_open(struct inode *inode, struct file *file)
{
	struct gmd_map *gm = inode->i_private;
	struct gmd_dump *d;

	d = __seq_open_private(file, &gmd_dump_sops, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->key = kmalloc(gm->key_max, GFP_KERNEL);
	d->val = kmalloc(max(gm->value_size, 1U), GFP_KERNEL);
	d->text = kmalloc(gmd_text_max(&gm->key) + gmd_text_max(&gm->val) + 2,
			  GFP_KERNEL);
	if (!d->key || !d->val || !d->text) {
		gmd_dump_free(d);
		seq_release_private(inode, file);
		return -ENOMEM;
	}
	kref_get(&gm->kref);
	d->gm = gm;
	down_write(&gm->sem);
	list_add(&d->node, &gm->dumps);
	up_write(&gm->sem);
	return 0;
}

/* Fail even when seq_file still holds text made before "destroy". */
static ssize_t gmd_dump_read(struct file *file, char __user *ubuf, size_t count,
			     loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct gmd_dump *d = m->private;

	if (READ_ONCE(d->gm->dead))
		return -ENODEV;
	return seq_read(file, ubuf, count, ppos);
}

static int gmd_dump_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct gmd_dump *d = m->private;
	struct gmd_map *gm = d->gm;

	down_write(&gm->sem);
	list_del(&d->node);
	if (d->active)		/* "destroy" stops it when it gets there first */
		gomap_iter_stop(&d->it);
	up_write(&gm->sem);
	gmd_dump_free(d);
	gmd_map_put(gm);
	return seq_release_private(inode, file);
}

static const struct file_operations gmd_dump_fops = {
	.owner = THIS_MODULE,
	.open = gmd_dump_open,
	.release = gmd_dump_release,
	.read = gmd_dump_read,
	.llseek = seq_lseek,
};

/* ---- stats ---- */

static int gmd_stats_show(struct seq_file *m, void *v)
{
	struct gmd_map *gm = m->private;
	struct gomap_stats st;
	u64 lf;

	down_read(&gm->sem);
	if (gm->dead) {
		up_read(&gm->sem);
		return -ENODEV;
	}
	gomap_stats(gm->map, &st);
	up_read(&gm->sem);

	/* count / buckets in hundredths, rounded to nearest. */
	lf = div64_u64((u64)st.count * 100 + st.buckets / 2, st.buckets);

	seq_printf(m, "count: %lu\n", st.count);
	seq_printf(m, "shards: %u\n", st.shards);
	seq_printf(m, "max_shard_count: %lu\n", st.max_shard_count);
	seq_printf(m, "B: %u\n", st.B);
	seq_printf(m, "buckets: %lu\n", st.buckets);
	seq_printf(m, "noverflow: %u\n", st.noverflow);
	seq_printf(m, "overflow_buckets: %lu\n", st.overflow_buckets);
	seq_printf(m, "growing: %d\n", st.growing);
	seq_printf(m, "same_size_grow: %d\n", st.same_size_growing);
	seq_printf(m, "nevacuate: %lu\n", st.nevacuate);
	seq_printf(m, "grows: %lu\n", st.grows);
	seq_printf(m, "same_size_grows: %lu\n", st.same_size_grows);
	seq_printf(m, "shrinking: %d\n", st.shrinking);
	seq_printf(m, "shrinks: %lu\n", st.shrinks);
	seq_printf(m, "deferred_grows: %lu\n", st.deferred_grows);
	seq_printf(m, "failed_grows: %lu\n", st.failed_grows);
	seq_printf(m, "failed_evacuations: %lu\n", st.failed_evacuations);
	seq_printf(m, "load_factor: %llu.%02llu\n", lf / 100, lf % 100);
	seq_printf(m, "bytes: %zu\n", st.bytes);
	seq_printf(m, "reserve_bytes: %zu\n", st.reserve_bytes);
	seq_printf(m, "reserve_refills: %lu\n", st.reserve_refills);
	seq_printf(m, "reserve_empty: %lu\n", st.reserve_empty);
	seq_printf(m, "deferred_frees: %lu\n", st.deferred_frees);
	seq_printf(m, "max_evacuated_per_op: %u\n", st.max_evacuated_per_op);
	seq_printf(m, "max_buckets_per_op: %u\n", st.max_buckets_per_op);
	seq_printf(m, "max_bytes_moved_per_op: %zu\n", st.max_bytes_moved_per_op);
	seq_printf(m, "assigns: %llu\n", st.assigns);
	seq_printf(m, "lookups: %llu\n", st.lookups);
	seq_printf(m, "deletes: %llu\n", st.deletes);
	seq_printf(m, "hits: %llu\n", st.hits);
	seq_printf(m, "misses: %llu\n", st.misses);
	return 0;
}

static int gmd_stats_open(struct inode *inode, struct file *file)
{
	struct gmd_map *gm = inode->i_private;
	int ret;

	ret = single_open(file, gmd_stats_show, gm);
	if (!ret)
		kref_get(&gm->kref);
	return ret;
}

static ssize_t gmd_stats_read(struct file *file, char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct gmd_map *gm = m->private;

	if (READ_ONCE(gm->dead))
		return -ENODEV;
	return seq_read(file, ubuf, count, ppos);
}

static int gmd_stats_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	gmd_map_put(m->private);
	return single_release(inode, file);
}

static const struct file_operations gmd_stats_fops = {
	.owner = THIS_MODULE,
	.open = gmd_stats_open,
	.release = gmd_stats_release,
	.read = gmd_stats_read,
	.llseek = seq_lseek,
};

/* ---- control: create, destroy, list ---- */

struct gmd_create_args {
	char name[GMD_NAME_MAX + 1];
	struct gmd_type key;
	struct gmd_type val;
	unsigned int hint;
	unsigned int max;
	unsigned int shards;
	bool prealloc;
	bool noshrink;
};

/* [A-Za-z0-9_.-]: not isalnum(), which takes Latin-1 letters too. */
static bool gmd_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

static bool gmd_name_ok(const struct gmd_tok *t)
{
	size_t i;

	if (!t->len || t->len > GMD_NAME_MAX || gmd_tok_eq(t, ".") || gmd_tok_eq(t, ".."))
		return false;
	for (i = 0; i < t->len; i++)
		if (!gmd_name_char(t->p[i]))
			return false;
	return true;
}

/* KIND of key=KIND or VKIND of value=VKIND. */
static int gmd_parse_type(const struct gmd_tok *t, bool is_key, struct gmd_type *ty)
{
	struct gmd_tok n;

	ty->len = 0;
	if (gmd_tok_eq(t, "u64")) {
		ty->kind = GMD_U64;
	} else if (is_key && gmd_tok_eq(t, "u32")) {
		ty->kind = GMD_U32;
	} else if (is_key && gmd_tok_eq(t, "str")) {
		ty->kind = GMD_STR;
		ty->len = GOMAP_MAX_STR_LEN;
	} else if (!is_key && gmd_tok_eq(t, "none")) {
		ty->kind = GMD_NONE;
	} else if (gmd_tok_prefix(t, "hex:", &n)) {
		ty->kind = GMD_HEX;
		if (gmd_parse_uint(&n, &ty->len) || !ty->len || ty->len > GMD_HEX_MAX)
			return -EINVAL;
	} else if (!is_key && gmd_tok_prefix(t, "str:", &n)) {
		ty->kind = GMD_STR;
		if (gmd_parse_uint(&n, &ty->len) || !ty->len || ty->len > GMD_STRVAL_MAX)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* One create option; @seen has one bit per option. */
static int gmd_parse_opt(const struct gmd_tok *t, struct gmd_create_args *a,
			 unsigned int *seen)
{
	struct gmd_tok v;
	unsigned int bit;
	int ret;

	if (gmd_tok_prefix(t, "key=", &v)) {
		bit = 1;
		ret = gmd_parse_type(&v, true, &a->key);
	} else if (gmd_tok_prefix(t, "value=", &v)) {
		bit = 2;
		ret = gmd_parse_type(&v, false, &a->val);
	} else if (gmd_tok_prefix(t, "hint=", &v)) {
		bit = 4;
		ret = gmd_parse_uint(&v, &a->hint);
	} else if (gmd_tok_prefix(t, "max=", &v)) {
		bit = 8;
		ret = gmd_parse_uint(&v, &a->max);
	} else if (gmd_tok_eq(t, "prealloc")) {
		bit = 16;
		a->prealloc = true;
		ret = 0;
	} else if (gmd_tok_prefix(t, "shards=", &v)) {
		bit = 32;
		ret = gmd_parse_uint(&v, &a->shards);
	} else if (gmd_tok_eq(t, "noshrink")) {
		bit = 64;
		a->noshrink = true;
		ret = 0;
	} else {
		return -EINVAL;
	}
	if (ret || (*seen & bit))
		return -EINVAL;
	*seen |= bit;
	return 0;
}

/* create NAME key=KIND value=VKIND [hint=N] [max=N] [prealloc] [shards=N] [noshrink] */
static int gmd_parse_create(const struct gmd_tok *t, int n, struct gmd_create_args *a)
{
	unsigned int seen = 0;
	int i, ret;

	memset(a, 0, sizeof(*a));
	if (n < 4 || !gmd_name_ok(&t[1]))
		return -EINVAL;
	memcpy(a->name, t[1].p, t[1].len);
	for (i = 2; i < n; i++) {
		ret = gmd_parse_opt(&t[i], a, &seen);
		if (ret)
			return ret;
	}
	return (seen & 3) == 3 ? 0 : -EINVAL;
}

static struct gmd_map *gmd_find(const char *name, size_t len)
{
	struct gmd_map *gm;

	lockdep_assert_held(&gmd_lock);
	list_for_each_entry(gm, &gmd_maps, node)
		if (strlen(gm->name) == len && !memcmp(gm->name, name, len))
			return gm;
	return NULL;
}

static unsigned int gmd_size(const struct gmd_type *t)
{
	switch (t->kind) {
	case GMD_U32:
		return sizeof(u32);
	case GMD_U64:
		return sizeof(u64);
	case GMD_STR:
		return t->len + sizeof(u16);	/* str:N values; see gmd_parse_val() */
	case GMD_HEX:
		return t->len;
	default:
		return 0;
	}
}

static void gmd_create_files(struct gmd_map *gm)
{
	debugfs_create_file_unsafe("assign", 0600, gm->dir, gm, &gmd_assign_fops);
	debugfs_create_file_unsafe("lookup", 0600, gm->dir, gm, &gmd_lookup_fops);
	debugfs_create_file_unsafe("delete", 0600, gm->dir, gm, &gmd_delete_fops);
	debugfs_create_file_unsafe("clear", 0600, gm->dir, gm, &gmd_clear_fops);
	debugfs_create_file_unsafe("dump", 0600, gm->dir, gm, &gmd_dump_fops);
	debugfs_create_file_unsafe("stats", 0600, gm->dir, gm, &gmd_stats_fops);
}

static int gmd_create(const struct gmd_create_args *a)
{
	struct gomap_params params = {};
	struct gmd_map *gm;
	int ret;

	lockdep_assert_held(&gmd_lock);
	/* "control" is taken too; debugfs would log each attempt. */
	if (gmd_find(a->name, strlen(a->name)) || !strcmp(a->name, "control"))
		return -EEXIST;
	gm = kzalloc(sizeof(*gm), GFP_KERNEL);
	if (!gm)
		return -ENOMEM;
	kref_init(&gm->kref);
	init_rwsem(&gm->sem);
	INIT_LIST_HEAD(&gm->dumps);
	strscpy(gm->name, a->name, sizeof(gm->name));
	gm->key = a->key;
	gm->val = a->val;
	gm->value_size = gmd_size(&a->val);
	gm->key_max = a->key.kind == GMD_STR ? GOMAP_MAX_STR_LEN : gmd_size(&a->key);

	params.key_size = a->key.kind == GMD_STR ? GOMAP_KEY_STRING : gm->key_max;
	params.value_size = gm->value_size;
	params.hint = a->hint;
	params.max_entries = a->max;
	params.flags = (a->prealloc ? GOMAP_F_PREALLOC : 0) | (a->noshrink ? GOMAP_F_NO_SHRINK : 0);
	params.shards = a->shards;
	gm->map = gomap_create(&params, GMD_CREATE_GFP);
	if (IS_ERR(gm->map)) {
		ret = PTR_ERR(gm->map);
		goto err_free_gm;
	}
	gm->dir = debugfs_create_dir(gm->name, gmd_root);
	if (IS_ERR(gm->dir)) {
		ret = PTR_ERR(gm->dir);
		goto err_destroy_map;
	}
	gmd_create_files(gm);
	list_add_tail(&gm->node, &gmd_maps);
	return 0;

err_destroy_map:
	gomap_destroy(gm->map);
err_free_gm:
	kfree(gm);
	return ret;
}

/* Unlink, remove the directory, free the map; open files fail from now on. */
static void gmd_destroy_map(struct gmd_map *gm)
{
	struct gmd_dump *d;

	lockdep_assert_held(&gmd_lock);
	list_del(&gm->node);
	debugfs_remove_recursive(gm->dir);

	down_write(&gm->sem);
	WRITE_ONCE(gm->dead, true);
	list_for_each_entry(d, &gm->dumps, node) {
		if (d->active)
			gomap_iter_stop(&d->it);
		d->active = false;
		d->have_cur = false;
	}
	gomap_destroy(gm->map);
	gm->map = NULL;
	up_write(&gm->sem);
	gmd_map_put(gm);
}

static int gmd_control_line(struct gmd_ctx *c, const struct gmd_tok *t, int n, bool apply)
{
	struct gmd_create_args a;
	struct gmd_map *gm;
	int ret;

	if (gmd_tok_eq(&t[0], "create")) {
		ret = gmd_parse_create(t, n, &a);
		if (ret || !apply)
			return ret;
		return gmd_create(&a);
	}
	if (gmd_tok_eq(&t[0], "destroy")) {
		if (n != 2 || !gmd_name_ok(&t[1]))
			return -EINVAL;
		if (!apply)
			return 0;
		gm = gmd_find(t[1].p, t[1].len);
		if (!gm)
			return -ENOENT;
		gmd_destroy_map(gm);
		return 0;
	}
	return -EINVAL;
}

static ssize_t gmd_control_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *buf;
	int ret;

	buf = gmd_copy_in(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = gmd_run_lines(buf, count, gmd_control_line, NULL, false);
	if (!ret) {
		mutex_lock(&gmd_lock);
		ret = gmd_run_lines(buf, count, gmd_control_line, NULL, true);
		mutex_unlock(&gmd_lock);
	}
	kvfree(buf);
	return ret ? ret : count;
}

static int gmd_control_show(struct seq_file *m, void *v)
{
	char kbuf[16], vbuf[16];
	struct gmd_map *gm;

	mutex_lock(&gmd_lock);
	list_for_each_entry(gm, &gmd_maps, node)
		seq_printf(m, "%s key=%s value=%s count=%lu prealloc=%d shards=%u\n", gm->name,
			   gmd_type_str(&gm->key, true, kbuf, sizeof(kbuf)),
			   gmd_type_str(&gm->val, false, vbuf, sizeof(vbuf)),
			   gomap_len(gm->map),
			   !!(gomap_params(gm->map)->flags & GOMAP_F_PREALLOC),
			   gomap_params(gm->map)->shards);
	mutex_unlock(&gmd_lock);
	return 0;
}

static int gmd_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, gmd_control_show, NULL);
}

static const struct file_operations gmd_control_fops = {
	.owner = THIS_MODULE,
	.open = gmd_control_open,
	.release = single_release,
	.read = seq_read,
	.write = gmd_control_write,
	.llseek = seq_lseek,
};

int gomap_debugfs_init(void)
{
	gmd_root = debugfs_create_dir("gomap", NULL);
	debugfs_create_file("control", 0600, gmd_root, NULL, &gmd_control_fops);
	return 0;
}

void gomap_debugfs_exit(void)
{
	struct gmd_map *gm, *tmp;

	mutex_lock(&gmd_lock);
	list_for_each_entry_safe(gm, tmp, &gmd_maps, node)
		gmd_destroy_map(gm);
	mutex_unlock(&gmd_lock);
	debugfs_remove_recursive(gmd_root);
}
