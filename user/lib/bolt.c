// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bbolt's file, as bbolt 1.3 (containerd 1.6 to 2.x) writes it: pages of
 * the meta's page size, each a 16-byte header (id, flags, count,
 * overflow: how many more pages it spans) and then its elements; two
 * meta pages (0 and 1, the newer valid one is the database), branch
 * pages of (pos, ksize, child) and leaf pages of (flags, pos, ksize,
 * vsize), pos counted from the element itself.  A nested bucket is a
 * leaf value (root page, sequence), inline when its root is 0: its own
 * leaf page follows.  Native byte order: the hosts coldtrace runs on are
 * little-endian, as the daemon writing the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bolt.h"

#define MAGIC		0xED0CDAEDu
#define VERSION		2
#define P_BRANCH	0x01
#define P_LEAF		0x02
#define LEAF_BUCKET	0x01
#define HDR		16u		/* a page's header */
#define ELEM		16u		/* a branch's or a leaf's element */
#define DEPTH		16		/* a tree deeper than this is broken */
#define PAGE_MAX	(64u << 20)	/* one page and its overflow */

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "bbolt's pages are read in little-endian order");

struct ct_bolt {
	int fd;
	uint32_t ps;
	uint64_t root;
	uint64_t npages;	/* the meta's high-water mark */
	uint64_t txid;		/* read_meta()'s: the transaction read */
};

static uint64_t u64_at(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t u16_at(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* FNV-1a, 64 bits: a meta's checksum of its 56 bytes before it. */
static uint64_t fnv64a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	while (n--) {
		h ^= *p++;
		h *= 1099511628211ull;
	}
	return h;
}

/* The meta at off (a page's start): its txid, 0 if it is not valid. */
static uint64_t read_meta(int fd, off_t off, struct ct_bolt *out)
{
	unsigned char m[HDR + 64];
	const unsigned char *b = m + HDR;

	if (pread(fd, m, sizeof(m), off) != (ssize_t)sizeof(m) ||
	    u32_at(b) != MAGIC || u32_at(b + 4) != VERSION ||
	    u64_at(b + 56) != fnv64a(b, 56))
		return 0;
	out->ps = u32_at(b + 8);
	out->root = u64_at(b + 16);
	out->npages = u64_at(b + 40);
	return u64_at(b + 48) + 1;	/* txid 0 is valid */
}

static bool sane(const struct ct_bolt *db)
{
	return db->ps >= 512 && db->ps <= (1u << 16) &&
	       !(db->ps & (db->ps - 1)) && db->root >= 2 &&
	       db->root < db->npages;
}

struct ct_bolt *ct_bolt_open(const char *path)
{
	struct ct_bolt a = { 0 }, b = { 0 }, *db;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t ta, tb;

	if (fd < 0)
		return NULL;
	ta = read_meta(fd, 0, &a);
	tb = ta && sane(&a) ? read_meta(fd, a.ps, &b) : 0;
	if (tb && (!sane(&b) || b.ps != a.ps))
		tb = 0;
	if ((!ta || !sane(&a)) && !tb) {
		close(fd);
		errno = EIO;
		return NULL;
	}
	db = malloc(sizeof(*db));
	if (!db) {
		close(fd);
		return NULL;
	}
	*db = tb > ta ? b : a;
	db->txid = tb > ta ? tb : ta;
	db->fd = fd;
	return db;
}

bool ct_bolt_unchanged(const struct ct_bolt *db)
{
	struct ct_bolt a, b;
	uint64_t ta = read_meta(db->fd, 0, &a);
	uint64_t tb = read_meta(db->fd, db->ps, &b);

	return (ta > tb ? ta : tb) == db->txid;
}

void ct_bolt_close(struct ct_bolt *db)
{
	if (!db)
		return;
	close(db->fd);
	free(db);
}

struct ct_bolt_bucket ct_bolt_root(const struct ct_bolt *db)
{
	return (struct ct_bolt_bucket){ .root = db->root };
}

/* Page id with its overflow, checked to be that page: NULL, errno. */
static unsigned char *read_page(const struct ct_bolt *db, uint64_t id,
				size_t *len)
{
	unsigned char *pg, *more;
	uint64_t n;

	errno = EIO;
	if (id < 2 || id >= db->npages)
		return NULL;
	pg = malloc(db->ps);
	if (!pg)
		return NULL;
	if (pread(db->fd, pg, db->ps, (off_t)(id * db->ps)) != db->ps ||
	    u64_at(pg) != id)
		goto bad;
	n = ((uint64_t)u32_at(pg + 12) + 1) * db->ps;
	if (n > PAGE_MAX || id + n / db->ps > db->npages)
		goto bad;
	if (n > db->ps) {
		more = realloc(pg, n);
		if (!more)
			goto bad;
		pg = more;
		if (pread(db->fd, pg + db->ps, n - db->ps,
			  (off_t)((id + 1) * db->ps)) != (ssize_t)(n - db->ps))
			goto bad;
	}
	*len = n;
	return pg;
bad:
	free(pg);
	errno = EIO;
	return NULL;
}

static int walk(const struct ct_bolt *db, const unsigned char *pg,
		size_t len, int depth, ct_bolt_cb cb, void *ctx);

static int walk_child(const struct ct_bolt *db, uint64_t id, int depth,
		      ct_bolt_cb cb, void *ctx)
{
	size_t len;
	unsigned char *pg = read_page(db, id, &len);
	int rc;

	if (!pg)
		return -EIO;
	rc = walk(db, pg, len, depth + 1, cb, ctx);
	free(pg);
	return rc;
}

static int walk(const struct ct_bolt *db, const unsigned char *pg,
		size_t len, int depth, ct_bolt_cb cb, void *ctx)
{
	uint16_t flags = len >= HDR ? u16_at(pg + 8) : 0;
	size_t count = len >= HDR ? u16_at(pg + 10) : 0;
	int rc = 0;

	if (depth > DEPTH || !(flags & (P_BRANCH | P_LEAF)) ||
	    HDR + count * ELEM > len)
		return -EIO;
	for (size_t i = 0; !rc && i < count; i++) {
		const unsigned char *e = pg + HDR + i * ELEM;
		uint64_t at = HDR + i * ELEM, ks, vs;

		if (flags & P_BRANCH) {
			rc = walk_child(db, u64_at(e + 8), depth, cb, ctx);
			continue;
		}
		at += u32_at(e + 4);
		ks = u32_at(e + 8);
		vs = u32_at(e + 12);
		if (at + ks + vs > len)
			return -EIO;
		rc = cb((const char *)pg + at, ks, pg + at + ks, vs,
			u32_at(e) & LEAF_BUCKET, ctx);
	}
	return rc;
}

int ct_bolt_each(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		 ct_bolt_cb cb, void *ctx)
{
	if (!b->root)
		return walk(db, b->inl, b->inl_len, 0, cb, ctx);
	return walk_child(db, b->root, 0, cb, ctx);
}

int ct_bolt_sub(const void *val, size_t vlen, struct ct_bolt_bucket *out)
{
	const unsigned char *v = val;

	if (vlen < 16)
		return -EIO;
	out->root = u64_at(v);
	out->inl = out->root ? NULL : v + 16;
	out->inl_len = out->root ? 0 : vlen - 16;
	if (!out->root && out->inl_len < HDR)
		return -EIO;
	return 0;
}

struct get {
	const char *key;
	void *val;
	size_t *vlen;
	bool *is_bucket;
};

static int get_one(const char *key, size_t klen, const void *val,
		   size_t vlen, bool is_bucket, void *ctx)
{
	struct get *g = ctx;

	if (klen != strlen(g->key) || memcmp(key, g->key, klen))
		return 0;
	if (vlen > *g->vlen)
		return -ENOSPC;
	memcpy(g->val, val, vlen);
	*g->vlen = vlen;
	if (g->is_bucket)
		*g->is_bucket = is_bucket;
	return 1;
}

int ct_bolt_get(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		const char *key, void *val, size_t *vlen, bool *is_bucket)
{
	struct get g = { key, val, vlen, is_bucket };

	return ct_bolt_each(db, b, get_one, &g);
}
