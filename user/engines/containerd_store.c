// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's own image store, read by a live session for the images
 * its pulls store (pulls_api.h's struct ct_pull_store_ops; the records
 * they become: include/pull.h CT_EV_PULL_IMAGE).
 *
 * Whoever asked for a pull (`ctr images pull`, the CRI's PullImage, the
 * 2.x transfer service, dockerd with its containerd image store), it
 * ends with containerd writing the image into its metadata database,
 * <root>/io.containerd.metadata.v1.bolt/meta.db (bbolt: lib/bolt.h):
 * v1/<namespace>/images/<name>/{target/digest, updatedat}.  The
 * database is read every READ_EVERY_NS while a pull's files come and
 * go under <root>/io.containerd.content.v1.content/ and for READ_FOR_NS
 * after (less than the builder's idle end, CT_PULL_IDLE_NS, so that the
 * record is in its stream before it builds): a target new to its
 * namespace since the last read is a pull of it, named by the reference
 * it is stored as (the CRI stores three: the tag, the repo digest, the
 * image id; the tag wins, then the digest), stamped when containerd
 * stored it.  Its layers come from the target's manifest in the content
 * store (for an index, this host's platform's); a manifest that cannot
 * be read leaves the record without them, said (CT_PULL_M_UNREAD).  The
 * first read of a root only learns what is there.
 *
 * Every name read from the database becomes a path only if it is a
 * digest (64 hex digits): the file is root's, but a path must never
 * leave the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt.h"
#include "comm_table.h"
#include "manifest.h"
#include "pull.h"
#include "pulls_api.h"
#include "util.h"
#include "wallclock.h"

#define CONTENT_DIR	CT_CONTENT_DIR "/"
#define META_DB		"/io.containerd.metadata.v1.bolt/meta.db"
#define ROOTS		8
#define READ_EVERY_NS	50000000ull		/* 50 ms */
#define READ_FOR_NS	2000000000ull		/* < CT_PULL_IDLE_NS */
#define BUCKET_MAX	(16u << 10)	/* an inline bucket: < a page / 4 */

_Static_assert(READ_FOR_NS + READ_EVERY_NS < CT_PULL_IDLE_NS,
	       "an image is read before its pull is built");

/* One containerd root as last read. */
struct croot {
	char root[CT_PATH_MAX];	/* "": a slot unused */
	json_t *known;		/* "<ns>\n<name>" -> "<digest> <updatedat>";
				 * NULL: not read yet */
	struct ct_hdr hdr;	/* its last pull record: pid, comm */
	uint64_t last_act, last_read;
};

struct cstore {
	struct croot r[ROOTS];	/* a ring: the oldest goes */
	size_t next;
};

/* ---- the database ---- */

struct walk {
	const struct ct_bolt *db;
	json_t *out;
	char ns[256];
};

/* The value of key in b as a string (at most len - 1 bytes), or "". */
static void get_str(const struct ct_bolt *db, const struct ct_bolt_bucket *b,
		    const char *key, char *dst, size_t len)
{
	size_t n = len - 1;

	if (ct_bolt_get(db, b, key, dst, &n, NULL) != 1)
		n = 0;
	dst[n] = '\0';
}

/* One image: "<digest> <updatedat as hex>" under "<ns>\n<name>". */
static int image_cb(const char *key, size_t klen, const void *val,
		    size_t vlen, bool is_bucket, void *ctx)
{
	struct walk *w = ctx;
	struct ct_bolt_bucket img, tgt;
	unsigned char tbuf[BUCKET_MAX], upd[32];
	char k[CT_PATH_MAX + 256], v[CT_PULL_DIGEST_REC + 2 * sizeof(upd) + 2];
	char digest[CT_PULL_DIGEST_REC];
	size_t tlen = sizeof(tbuf), ulen = sizeof(upd), o;
	bool sub = false;
	int rc;

	if (!is_bucket || klen >= CT_PATH_MAX || ct_bolt_sub(val, vlen, &img))
		return is_bucket ? -EIO : 0;
	rc = ct_bolt_get(w->db, &img, "target", tbuf, &tlen, &sub);
	if (rc != 1 || !sub || ct_bolt_sub(tbuf, tlen, &tgt))
		return rc < 0 ? rc : 0;	/* no target: not an image yet */
	get_str(w->db, &tgt, "digest", digest, sizeof(digest));
	if (!ct_digest_hex(digest))
		return 0;
	if (ct_bolt_get(w->db, &img, "updatedat", upd, &ulen, NULL) != 1)
		ulen = 0;
	o = (size_t)snprintf(v, sizeof(v), "%s ", digest);
	for (size_t i = 0; i < ulen; i++)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "%02x", upd[i]);
	snprintf(k, sizeof(k), "%s\n%.*s", w->ns, (int)klen, key);
	return json_object_set_new(w->out, k, json_string(v)) ? -ENOMEM : 0;
}

static int ns_cb(const char *key, size_t klen, const void *val, size_t vlen,
		 bool is_bucket, void *ctx)
{
	struct walk *w = ctx;
	struct ct_bolt_bucket ns, images;
	unsigned char buf[BUCKET_MAX];
	size_t len = sizeof(buf);
	bool sub = false;
	int rc;

	if (!is_bucket || klen >= sizeof(w->ns) || ct_bolt_sub(val, vlen, &ns))
		return is_bucket ? -EIO : 0;
	rc = ct_bolt_get(w->db, &ns, "images", buf, &len, &sub);
	if (rc != 1 || !sub || ct_bolt_sub(buf, len, &images))
		return rc < 0 ? rc : 0;
	memcpy(w->ns, key, klen);
	w->ns[klen] = '\0';
	return ct_bolt_each(w->db, &images, image_cb, w);
}

static int v1_cb(const char *key, size_t klen, const void *val, size_t vlen,
		 bool is_bucket, void *ctx)
{
	struct walk *w = ctx;
	struct ct_bolt_bucket v1;

	if (!is_bucket || klen != 2 || memcmp(key, "v1", 2))
		return 0;
	if (ct_bolt_sub(val, vlen, &v1))
		return -EIO;
	return ct_bolt_each(w->db, &v1, ns_cb, w);
}

/* Every image of every namespace of root's database, or NULL: a read
 * that did not hold together, or during which containerd committed, to
 * be done again. */
static json_t *read_images(const char *root)
{
	char path[CT_PATH_MAX + sizeof(META_DB)];
	struct walk w = { 0 };
	struct ct_bolt_bucket top;
	int rc = -ENOMEM;

	snprintf(path, sizeof(path), "%s%s", root, META_DB);
	w.db = ct_bolt_open(path);
	w.out = w.db ? json_object() : NULL;
	if (w.out) {
		top = ct_bolt_root(w.db);
		rc = ct_bolt_each(w.db, &top, v1_cb, &w);
	}
	/* a commit meanwhile: images may be missing, their pulls counted
	 * twice once they are back */
	if (!rc && !ct_bolt_unchanged(w.db))
		rc = -EAGAIN;
	ct_bolt_close((struct ct_bolt *)w.db);
	if (rc) {
		json_decref(w.out);
		return NULL;
	}
	return w.out;
}

/* ---- the images it stored ---- */

/* How well a stored name says what was pulled: the tag, then the repo
 * digest; an image id ("sha256:...") names nothing. */
static int name_rank(const char *name)
{
	if (!strncmp(name, "sha256:", 7))
		return 0;
	return strchr(name, '@') ? 1 : 2;
}

static json_t *blob_of(const void *arg, const char *digest)
{
	return ct_content_blob(arg, digest);
}

/* The record of target's pull as name, stamped h, with its manifest's
 * layers (CT_PULL_M_UNREAD if that cannot be read); NULL: no memory. */
static struct ct_pull_image *image_of(const struct croot *r,
				      const char *target, const char *name,
				      const struct ct_hdr *h)
{
	char content[CT_PATH_MAX + sizeof(CONTENT_DIR)];
	struct ct_pull_image *im;
	const char *cfg;
	json_t *m = NULL;

	snprintf(content, sizeof(content), "%s%s", r->root, CONTENT_DIR);
	if (!ct_store_test_unread())
		m = ct_manifest_platform(ct_content_blob(content, target),
					 blob_of, content);
	im = ct_pull_image_new(h, CT_PULL_M_CONTENT, name,
			       ct_manifest_nlayers(m));
	if (im) {
		ct_copy_str(im->manifest, sizeof(im->manifest), target, 72);
		cfg = json_string_value(json_object_get(
			json_object_get(m, "config"), "digest"));
		if (ct_digest_hex(cfg))
			ct_copy_str(im->image_id, sizeof(im->image_id), cfg, 72);
		ct_manifest_layers(m, im);
	}
	json_decref(m);
	return im;
}

/* "<ns>\n<digest>" of an image entry (key, value) into g. */
static void group_of(const char *key, const char *val, char *g, size_t len)
{
	const char *name = strchr(key, '\n');

	snprintf(g, len, "%.*s\n%.71s", (int)(name - key), key, val);
}

/* Every target r knew by a name (not by its id alone), by namespace:
 * "<ns>\n<digest>" -> true. */
static json_t *known_targets(const struct croot *r)
{
	json_t *t = json_object(), *v;
	const char *key;
	char g[512];

	json_object_foreach(r->known, key, v) {
		if (!t || !strchr(key, '\n') || !json_string_value(v) ||
		    !name_rank(strchr(key, '\n') + 1))
			continue;
		group_of(key, json_string_value(v), g, sizeof(g));
		json_object_set_new(t, g, json_true());
	}
	return t;
}

/*
 * The pulls since r was last read: a target new to its namespace (a
 * pull stores several names of it, at several times: the CRI's tag,
 * repo digest and id, then labels on them; a tag added to a target
 * there is no pull), "<ns>\n<digest>" -> [the best name it was stored
 * as, its value].
 */
static json_t *changed(const struct croot *r, json_t *now)
{
	json_t *groups = json_object(), *had = known_targets(r), *v;
	const char *key;

	json_object_foreach(now, key, v) {
		const char *val = json_string_value(v), *name = strchr(key, '\n');
		const char *best;
		char g[512];

		if (!groups || !had || !val || !name || !name_rank(name + 1))
			continue;
		group_of(key, val, g, sizeof(g));
		if (json_object_get(had, g))
			continue;
		best = json_string_value(json_array_get(json_object_get(groups, g), 0));
		if (!best || name_rank(name + 1) > name_rank(best))
			json_object_set_new(groups, g, json_pack("[ss]", name + 1, val));
	}
	json_decref(had);
	return groups;
}

/*
 * When containerd stored an image (CLOCK_MONOTONIC, from its updatedat:
 * Go's time.MarshalBinary, "<version><seconds since year 1, 8 bytes>
 * <ns, 4 bytes>..." big-endian, in hex after the digest), at most ts (a
 * read's time), which it is when unknown.  A container that began after
 * it may have waited for its pull (pulls_api.h's settle).
 */
static uint64_t stored_at(const char *val, uint64_t ts)
{
	const char *hex = strchr(val, ' ');
	unsigned char b[13];
	uint64_t sec = 0, wall, off;
	uint32_t ns = 0;

	for (size_t i = 0; hex && i < sizeof(b); i++)
		if (sscanf(hex + 1 + 2 * i, "%2hhx", &b[i]) != 1)
			return ts;
	if (!hex || (b[0] != 1 && b[0] != 2))
		return ts;
	for (size_t i = 1; i < 9; i++)
		sec = sec << 8 | b[i];
	for (size_t i = 9; i < 13; i++)
		ns = ns << 8 | b[i];
	if (sec < 62135596800ull)
		return ts;
	wall = (sec - 62135596800ull) * 1000000000ull + ns;
	off = (uint64_t)ct_wallclock_offset_ns();
	return wall > off && wall - off < ts ? wall - off : ts;
}

/* r read again; each pull it found goes out stamped when it was stored
 * (a read's time ts at the latest). */
static void read_root(struct croot *r, uint64_t ts, ct_pull_emit_cb emit,
		      void *ctx)
{
	json_t *now = read_images(r->root), *groups, *v;
	struct ct_hdr h = r->hdr;
	const char *key;

	if (!now)
		return;		/* again at the next turn */
	groups = r->known ? changed(r, now) : NULL;
	json_object_foreach(groups, key, v) {
		struct ct_pull_image *im;

		h.ts_ns = stored_at(json_string_value(json_array_get(v, 1)), ts);
		im = image_of(r, strchr(key, '\n') + 1,
			      json_string_value(json_array_get(v, 0)), &h);

		if (im)
			emit(im, sizeof(*im), ctx);
		free(im);
	}
	json_decref(groups);
	json_decref(r->known);
	r->known = now;
}

/* ---- whose roots ---- */

/* The root of a pull file's path (…/io.containerd.content.v1.content/…),
 * found or taken; NULL if the path is not one. */
static struct croot *root_of(struct cstore *c, const char *path, size_t len)
{
	char p[CT_PATH_MAX];
	struct croot *r;
	char *cut;

	ct_copy_str(p, sizeof(p), path, len);
	cut = p[0] == '/' ? strstr(p, CONTENT_DIR) : NULL;
	if (!cut)
		return NULL;
	*cut = '\0';
	for (size_t i = 0; i < ROOTS; i++)
		if (!strcmp(c->r[i].root, p))
			return &c->r[i];
	r = &c->r[c->next++ % ROOTS];
	json_decref(r->known);
	memset(r, 0, sizeof(*r));
	ct_copy_str(r->root, sizeof(r->root), p, sizeof(p));
	return r;
}

/* Reads due by now (UINT64_MAX: the session's end, one last read). */
static void due(struct cstore *c, uint64_t now, ct_pull_emit_cb emit,
		void *ctx)
{
	for (size_t i = 0; i < ROOTS; i++) {
		struct croot *r = &c->r[i];

		if (!r->last_act)
			continue;
		if (now == UINT64_MAX) {
			read_root(r, pl_max_u64(r->last_act, r->last_read) + 1,
				  emit, ctx);
			continue;
		}
		if (now > r->last_act + READ_FOR_NS ||
		    now < r->last_read + READ_EVERY_NS)
			continue;
		r->last_read = now;
		read_root(r, now, emit, ctx);
	}
}

/* A containerd pull file's path (an ingest, a blob, a commit), or NULL. */
static const char *pull_path(const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	const struct ct_pull_rename *r = rec;
	const struct ct_pull_blob *b = rec;

	if (h->type == CT_EV_PULL_RENAME && len >= sizeof(*r) &&
	    r->kind == CT_PULL_R_CTRD_BLOB)
		return r->newpath;
	if (h->type == CT_EV_PULL_BLOB && len >= sizeof(*b) &&
	    (b->kind == CT_PULL_F_CTRD_INGEST || b->kind == CT_PULL_F_CTRD_BLOB))
		return b->path;
	return NULL;
}

static void store_feed(void *st, const void *rec, size_t len,
		       ct_pull_emit_cb emit, void *ctx)
{
	const struct ct_hdr *h = rec;
	const char *path = pull_path(rec, len);
	struct cstore *c = st;
	struct croot *r;

	due(c, h->ts_ns, emit, ctx);
	if (!path || !ct_prog_comm_is(h->comm, CT_PROG_CONTAINERD) ||
	    !(r = root_of(c, path, CT_PATH_MAX)))
		return;
	if (!r->known)
		read_root(r, h->ts_ns, emit, ctx);	/* what was there */
	r->hdr = *h;
	r->last_act = h->ts_ns;
}

static void store_tick(void *st, uint64_t now_mono_ns, ct_pull_emit_cb emit,
		       void *ctx)
{
	due(st, now_mono_ns, emit, ctx);
}

static void *store_open(const char *proc_dir)
{
	(void)proc_dir;
	return calloc(1, sizeof(struct cstore));
}

static void store_close(void *st)
{
	struct cstore *c = st;

	for (size_t i = 0; c && i < ROOTS; i++)
		json_decref(c->r[i].known);
	free(c);
}

const struct ct_pull_store_ops ct_containerd_pull_store = {
	.open = store_open,
	.feed = store_feed,
	.tick = store_tick,
	.close = store_close,
};
