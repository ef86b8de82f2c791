// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerd's own image store, read by a live session for the images its
 * pulls store (pulls_api.h's struct ct_pull_store_ops; the records they
 * become: include/pull.h CT_EV_PULL_IMAGE).
 *
 * A pull ends with dockerd rewriting <data-root>/image/<driver>/
 * repositories.json (a temporary file renamed over it), once per
 * reference it stores: the tag, then "repo@sha256:<manifest>".  Which
 * image a rename stored is what changed in the file since it was last
 * read, so each store's last content is kept, from the first of its
 * daemon's registry connects (or the session's start) on.  A new or
 * changed digest reference is a pull (a `docker tag`, build or load
 * stores no digest); its image's layers come from
 *  - the manifest, which dockerd caches in containerd's content store
 *    (its blobs/sha256/<digest>, the content roots learned from
 *    containerd's own renames into them): digests and compressed sizes,
 *    for an index the manifest of this host's platform;
 *  - else the image's config (imagedb/content/sha256/<id>: its diff
 *    ids) and dockerd's map of them to the digests it pulled them as
 *    (distribution/v2metadata-by-diffid): digests, no compressed size;
 * and each layer's unpacked size from the layer store (layerdb/sha256/
 * <chain id>/size, the chain id a digest of the diff ids: lib/sha256.h).
 * An image whose config cannot be read is a record without layers that
 * says so (CT_PULL_M_UNREAD).
 *
 * Every name read from these files becomes a path only if it is a
 * digest (64 hex digits): the files are root's, but a path must never
 * leave the store.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm_table.h"
#include "container.h"
#include "engine.h"
#include "manifest.h"
#include "names.h"
#include "pull.h"
#include "pulls_api.h"
#include "sha256.h"
#include "util.h"

#define REPOS_MAX	(16u << 20)	/* a node's every reference */
#define BLOB_MAX	CT_MANIFEST_MAX
#define STORES		16		/* image stores followed at once */
#define CONTENT_ROOTS	8
#define DAEMONS		16		/* dockerd pids whose stores are known */

/*
 * One image store's references as last read.  A rename's record comes
 * at its syscall's entry, and a read may come before the rename is done:
 * one that found nothing new, or left a record waiting for its tag, is
 * done again RECHECK_NS later (recheck).
 */
struct refs {
	char dir[CT_PATH_MAX];	/* <data-root>/image/<driver> */
	json_t *repos;		/* "Repositories"; NULL: a slot unused */
	bool recheck;
	struct ct_hdr recheck_hdr;	/* the rename read for */
};

#define RECHECK_NS	50000000ull

/*
 * dockerd stores a pull's digest reference first, then its tag: a read
 * between the two finds the digest alone.  Its record waits for the
 * next rewrite of the store (the tag: ~1 ms apart on an idle host; on a
 * loaded one 50 ms was once too little) or PENDING_NS (a pull by digest stores no
 * tag), whichever comes first: less than the builder's grace after the
 * end (CT_PULL_GRACE_NS), so that the pull is built with its name.
 */
#define PENDING_NS	500000000ull
#define PENDING		16

_Static_assert(PENDING_NS < CT_PULL_GRACE_NS, "a name before the build");

struct pending {
	struct ct_pull_image *im;	/* NULL: a free slot */
	char dir[CT_PATH_MAX];
};

struct dstore {
	char proc_dir[CT_PATH_MAX];
	struct pending pend[PENDING];
	bool seeded;		/* the running daemons' stores read */
	struct refs st[STORES];	/* a ring: the oldest goes */
	size_t next;
	char content[CONTENT_ROOTS][CT_PATH_MAX];	/* a ring */
	size_t ncontent;
	uint32_t daemons[DAEMONS];	/* a ring of pids done */
	size_t ndaemons;
};

/* ---- the files ---- */

static const char *hex_of(const char *digest)
{
	return ct_digest_hex(digest);
}

static json_t *load_at(size_t max, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static json_t *load_at(size_t max, const char *fmt, ...)
{
	char path[2 * CT_PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < sizeof(path) ?
	       ct_engine_json_load(path, max) : NULL;
}

/* The unpacked size of layer chain (a chain id) in store dir, 0 if unknown. */
static uint64_t unpacked_size(const char *dir, const char *chain)
{
	char path[2 * CT_PATH_MAX], buf[32], *end;
	unsigned long long v;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/layerdb/sha256/%s/size", dir,
		 hex_of(chain));
	n = ct_read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	v = strtoull(buf, &end, 10);
	return end != buf ? v : 0;
}

/* Chain ids as dockerd makes them: the first diff id, then
 * sha256("<chain below> <diff id>"). */
static bool next_chain(char chain[CT_PULL_DIGEST_REC], const char *diff_id,
		       size_t i)
{
	char buf[2 * CT_PULL_DIGEST_REC + 2], hex[CT_SHA256_HEX];

	if (!hex_of(diff_id))
		return false;
	if (!i) {
		ct_copy_str(chain, CT_PULL_DIGEST_REC, diff_id, 72);
		return true;
	}
	snprintf(buf, sizeof(buf), "%s %s", chain, diff_id);
	ct_sha256_hex(buf, strlen(buf), hex);
	snprintf(chain, CT_PULL_DIGEST_REC, "sha256:%s", hex);
	return true;
}

/* The manifest digest's JSON in one of the content roots learned. */
static json_t *content_blob(const void *arg, const char *digest)
{
	const struct dstore *d = arg;
	json_t *j = NULL;

	for (size_t i = 0; !j && i < d->ncontent && i < CONTENT_ROOTS; i++)
		j = ct_content_blob(d->content[i], digest);
	return j;
}

/* Layers from the manifest: true if it lists as many as the config. */
static bool layers_of_manifest(const struct dstore *d, struct ct_pull_image *im,
			       size_t ndiff)
{
	json_t *m = ct_manifest_platform(content_blob(d, im->manifest),
					 content_blob, d);
	bool ok = ct_manifest_nlayers(m) == (int)ndiff;

	if (ok)
		ct_manifest_layers(m, im);
	json_decref(m);
	return ok;
}

/* Layer i's digest from dockerd's map, the one pulled from repo if any. */
static void layer_of_map(const char *dir, const char *repo, const char *diff_id,
			 struct ct_pull_image_layer *l)
{
	json_t *a = load_at(BLOB_MAX, "%s/distribution/v2metadata-by-diffid/sha256/%s",
			    dir, hex_of(diff_id)), *e;
	const char *best = NULL;
	size_t i;

	json_array_foreach(a, i, e) {
		const char *dg = json_string_value(json_object_get(e, "Digest"));
		const char *src = json_string_value(
			json_object_get(e, "SourceRepository"));

		if (!hex_of(dg))
			continue;
		if (!best || (src && !strcmp(src, repo)))
			best = dg;
	}
	if (best)
		ct_copy_str(l->digest, CT_PULL_DIGEST_REC, best, 72);
	json_decref(a);
}

/* im's layers (its image_id and manifest set) from store dir; none if
 * the image's config cannot be read (CT_PULL_M_UNREAD). */
static void read_layers(const struct dstore *d, const char *dir,
			const char *repo, struct ct_pull_image *im)
{
	json_t *cfg = ct_store_test_unread() ? NULL :
		      load_at(BLOB_MAX, "%s/imagedb/content/sha256/%s", dir,
			      hex_of(im->image_id));
	json_t *diffs = json_object_get(json_object_get(cfg, "rootfs"),
					"diff_ids"), *e;
	size_t n = json_array_size(diffs), i;
	char chain[CT_PULL_DIGEST_REC] = "";
	bool chained = true;

	if (!json_is_array(diffs)) {
		im->source = CT_PULL_M_UNREAD;
		json_decref(cfg);
		return;
	}
	im->layers_total = n;
	im->nlayers = n < CT_PULL_IMAGE_LAYERS ? n : CT_PULL_IMAGE_LAYERS;
	im->source = layers_of_manifest(d, im, n) ? CT_PULL_M_CONTENT :
						    CT_PULL_M_CONFIG;
	json_array_foreach(diffs, i, e) {
		const char *diff_id = json_string_value(e);

		if (i >= im->nlayers)
			break;
		if (im->source == CT_PULL_M_CONFIG && hex_of(diff_id))
			layer_of_map(dir, repo, diff_id, &im->layers[i]);
		chained = chained && next_chain(chain, diff_id, i);
		if (chained)
			im->layers[i].unpacked = unpacked_size(dir, chain);
	}
	json_decref(cfg);
}

/* ---- what changed ---- */

static struct refs *refs_of(struct dstore *d, const char *dir)
{
	for (size_t i = 0; i < STORES; i++)
		if (d->st[i].repos && !strcmp(d->st[i].dir, dir))
			return &d->st[i];
	return NULL;
}

/* The references of store dir as they are now: an empty set if it has
 * none yet, NULL if they cannot be read. */
static json_t *read_refs(const char *dir)
{
	char path[2 * CT_PATH_MAX];
	json_t *root, *repos;

	snprintf(path, sizeof(path), "%s/repositories.json", dir);
	root = ct_engine_json_load(path, REPOS_MAX);
	if (!root)
		return access(path, F_OK) && errno == ENOENT ?
		       json_object() : NULL;
	repos = json_object_get(root, "Repositories");
	repos = json_is_object(repos) ? json_incref(repos) : NULL;
	json_decref(root);
	return repos;
}

/* Store dir's references, kept (replacing what was kept of it). */
static void keep_refs(struct dstore *d, const char *dir, json_t *repos)
{
	struct refs *r = refs_of(d, dir);

	if (!repos)
		return;
	if (!r) {
		r = &d->st[d->next];
		d->next = (d->next + 1) % STORES;
		json_decref(r->repos);
		ct_copy_str(r->dir, sizeof(r->dir), dir, strlen(dir) + 1);
	} else {
		json_decref(r->repos);
	}
	r->repos = repos;
}

/*
 * The tag of repo's the pull stored: one that now names id and did not
 * before, else one that names it, else NULL (none yet, or a pull by
 * digest).
 */
static const char *stored_tag(json_t *now, json_t *before, const char *id)
{
	const char *key, *tag = NULL;
	json_t *v;

	json_object_foreach(now, key, v) {
		const char *was = json_string_value(json_object_get(before, key));

		if (strchr(key, '@') || !json_string_value(v) ||
		    strcmp(json_string_value(v), id))
			continue;
		if (!was || strcmp(was, id))
			return key;
		tag = tag ? tag : key;
	}
	return tag;
}

static void emit_pending(struct pending *p, ct_pull_emit_cb emit, void *ctx)
{
	emit(p->im, sizeof(*p->im), ctx);
	free(p->im);
	p->im = NULL;
}

/* The tag that now names p's image, if repos has one (p->im->ref is its
 * digest reference: "repo@sha256:..."). */
static const char *tag_of(const struct pending *p, json_t *repos)
{
	char repo[CT_PATH_MAX];

	ct_copy_str(repo, sizeof(repo), p->im->ref, sizeof(p->im->ref));
	*strchr(repo, '@') = '\0';
	return stored_tag(json_object_get(repos, repo), NULL,
			  p->im->image_id);
}

/* Store dir was rewritten: its records that waited for a tag and now
 * have one go, stamped still with the digest's rename (the tag comes
 * right after it; the rewrite that shows it may be another pull's); the
 * others wait on (concurrent pulls rewrite it too). */
static void pending_tagged(struct dstore *d, const char *dir, json_t *repos,
			   ct_pull_emit_cb emit, void *ctx)
{
	for (size_t i = 0; i < PENDING; i++) {
		struct pending *p = &d->pend[i];
		const char *tag;

		if (!p->im || strcmp(p->dir, dir) || !(tag = tag_of(p, repos)))
			continue;
		ct_copy_str(p->im->ref, sizeof(p->im->ref), tag, CT_PATH_MAX);
		emit_pending(p, emit, ctx);
	}
}

/* A record that waited its time: the store read once more for its tag
 * (the rename that stored it may have been under way at the last). */
static void pending_out(struct pending *p, ct_pull_emit_cb emit, void *ctx)
{
	json_t *repos = read_refs(p->dir);
	const char *tag = repos ? tag_of(p, repos) : NULL;

	if (tag)
		ct_copy_str(p->im->ref, sizeof(p->im->ref), tag, CT_PATH_MAX);
	json_decref(repos);
	emit_pending(p, emit, ctx);
}

/* im waits for its tag (out at once if there is no room to wait). */
static void pend(struct dstore *d, const char *dir, struct ct_pull_image *im,
		 ct_pull_emit_cb emit, void *ctx)
{
	for (size_t i = 0; i < PENDING; i++) {
		if (d->pend[i].im)
			continue;
		d->pend[i].im = im;
		ct_copy_str(d->pend[i].dir, sizeof(d->pend[i].dir), dir,
			    CT_PATH_MAX);
		return;
	}
	emit(im, sizeof(*im), ctx);
	free(im);
}

/* Each digest reference new in repo's (now vs before): one record, out
 * at once if a tag names its image, else once one does (pend()).  How
 * many. */
static size_t emit_repo(struct dstore *d, const char *dir, const char *repo,
		      json_t *now, json_t *before, const struct ct_hdr *h,
		      ct_pull_emit_cb emit, void *ctx)
{
	const char *key;
	size_t n = 0;
	json_t *v;

	json_object_foreach(now, key, v) {
		const char *id = json_string_value(v);
		const char *was = json_string_value(json_object_get(before, key));
		const char *at = strchr(key, '@');
		const char *tag;
		struct ct_pull_image *im;

		if (!at || !hex_of(at + 1) || !hex_of(id) ||
		    (was && !strcmp(was, id)))
			continue;
		n++;
		im = calloc(1, sizeof(*im));
		if (!im)
			return n;
		im->hdr = *h;
		im->hdr.type = CT_EV_PULL_IMAGE;
		im->hdr.size = sizeof(*im);
		tag = stored_tag(now, before, id);
		ct_copy_str(im->ref, sizeof(im->ref), tag ? tag : key,
			    CT_PATH_MAX);
		ct_copy_str(im->manifest, sizeof(im->manifest), at + 1, 72);
		ct_copy_str(im->image_id, sizeof(im->image_id), id, 72);
		read_layers(d, dir, repo, im);
		if (tag) {
			emit(im, sizeof(*im), ctx);
			free(im);
		} else {
			pend(d, dir, im, emit, ctx);
		}
	}
	return n;
}

/* A record of store dir waits for its tag. */
static bool pending_in(const struct dstore *d, const char *dir)
{
	for (size_t i = 0; i < PENDING; i++)
		if (d->pend[i].im && !strcmp(d->pend[i].dir, dir))
			return true;
	return false;
}

/*
 * Store dir read for h (a rename of its file): the records of what is
 * new in it.  A read that found nothing new is done again later, and so
 * is one that left a record waiting for its tag: the last pull's tag
 * rename may have been under way at its read, and no rename comes after
 * it to show the tag (its record waited PENDING_NS, and a container
 * that started from it could go out before its pull was built).
 */
static void store_read(struct dstore *d, const char *dir,
		       const struct ct_hdr *h, ct_pull_emit_cb emit, void *ctx)
{
	json_t *now = read_refs(dir), *repo;
	struct refs *was = refs_of(d, dir);
	const char *name;
	size_t n = 0;

	if (now)
		pending_tagged(d, dir, now, emit, ctx);
	if (now && was) {
		json_object_foreach(now, name, repo)
			n += emit_repo(d, dir, name, repo,
				       json_object_get(was->repos, name), h,
				       emit, ctx);
	}
	keep_refs(d, dir, now);
	was = refs_of(d, dir);
	if (was) {
		was->recheck = !n || pending_in(d, dir);
		was->recheck_hdr = *h;
	}
}

/* The rename r stored new references in its store: their records. */
static void repos_renamed(struct dstore *d, const struct ct_pull_rename *r,
			  ct_pull_emit_cb emit, void *ctx)
{
	char dir[CT_PATH_MAX];

	ct_copy_str(dir, sizeof(dir), r->newpath, sizeof(r->newpath));
	if (strcmp(ct_basename(dir), "repositories.json"))
		return;
	*strrchr(dir, '/') = '\0';
	store_read(d, dir, &r->hdr, emit, ctx);
}

/* What waited by now (UINT64_MAX: everything): the reads done again
 * (RECHECK_NS), then the records that waited for a tag (PENDING_NS). */
static void due(struct dstore *d, uint64_t now, ct_pull_emit_cb emit,
		void *ctx)
{
	for (size_t i = 0; i < STORES; i++) {
		struct refs *r = &d->st[i];

		if (!r->repos || !r->recheck ||
		    (now != UINT64_MAX &&
		     r->recheck_hdr.ts_ns + RECHECK_NS >= now))
			continue;
		r->recheck = false;
		store_read(d, r->dir, &r->recheck_hdr, emit, ctx);
		r->recheck = false;	/* once */
	}
	for (size_t i = 0; i < PENDING; i++)
		if (d->pend[i].im &&
		    (now == UINT64_MAX ||
		     d->pend[i].im->hdr.ts_ns + PENDING_NS < now))
			pending_out(&d->pend[i], emit, ctx);
}

/* ---- whose stores ---- */

/* Every image store (one per storage driver used) of a data root. */
static void keep_stores_of(struct dstore *d, const char *root)
{
	char dir[CT_PATH_MAX];
	struct dirent *de;
	DIR *dd;
	int n;

	n = snprintf(dir, sizeof(dir), "%s/image", root);
	dd = n > 0 && (size_t)n < sizeof(dir) ? opendir(dir) : NULL;
	while (dd && (de = readdir(dd))) {
		if (de->d_name[0] == '.' ||
		    snprintf(dir, sizeof(dir), "%s/image/%s", root,
			     de->d_name) >= (int)sizeof(dir) ||
		    refs_of(d, dir))
			continue;
		keep_refs(d, dir, read_refs(dir));
	}
	if (dd)
		closedir(dd);
}

/* A content root (…/io.containerd.content.v1.content) to look for
 * dockerd's manifests in. */
static void content_add(struct dstore *d, const char *root)
{
	for (size_t i = 0; i < d->ncontent && i < CONTENT_ROOTS; i++)
		if (!strcmp(d->content[i], root))
			return;
	ct_copy_str(d->content[d->ncontent++ % CONTENT_ROOTS], CT_PATH_MAX,
		    root, strlen(root) + 1);
}

/* The content roots of the containerds running: a manifest dockerd
 * cached before the session (or before containerd's GC ran) is renamed
 * into none of them again. */
static void containerds_seen(struct dstore *d)
{
	char *roots[CT_DATA_ROOT_MAX], path[CT_PATH_MAX];
	size_t n = ct_containerd_roots(d->proc_dir, roots, CT_DATA_ROOT_MAX);

	for (size_t i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", roots[i],
				     CT_CONTENT_DIR) < sizeof(path))
			content_add(d, path);
		free(roots[i]);
	}
}

static void seed(struct dstore *d)
{
	char *roots[CT_DATA_ROOT_MAX];
	size_t n = ct_docker_data_roots(d->proc_dir, roots, CT_DATA_ROOT_MAX);

	for (size_t i = 0; i < n; i++) {
		keep_stores_of(d, roots[i]);
		free(roots[i]);
	}
	containerds_seen(d);
	d->seeded = true;
}

/* A dockerd's registry connect: its stores, and its containerd's, are
 * read before its pull ends (once per daemon). */
static void daemon_seen(struct dstore *d, uint32_t pid)
{
	char *root;

	for (size_t i = 0; i < d->ndaemons && i < DAEMONS; i++)
		if (d->daemons[i] == pid)
			return;
	d->daemons[d->ndaemons++ % DAEMONS] = pid;
	root = ct_docker_data_root_of(d->proc_dir, pid);
	if (root)
		keep_stores_of(d, root);
	free(root);
	containerds_seen(d);
}

/* containerd's rename of a blob into its content store: where dockerd's
 * manifests are. */
static void content_seen(struct dstore *d, const char *newpath)
{
	char root[CT_PATH_MAX];
	char *cut;

	ct_copy_str(root, sizeof(root), newpath, CT_PATH_MAX);
	cut = strstr(root, "/blobs/sha256/");
	if (!cut)
		return;
	*cut = '\0';
	content_add(d, root);
}

static void store_feed(void *st, const void *rec, size_t len,
		       ct_pull_emit_cb emit, void *ctx)
{
	const struct ct_hdr *h = rec;
	struct dstore *d = st;
	const struct ct_pull_rename *r = rec;

	if (!d->seeded)
		seed(d);
	due(d, h->ts_ns, emit, ctx);
	if (h->type == CT_EV_PULL_CONNECT &&
	    ct_prog_comm_is(h->comm, CT_PROG_DOCKERD))
		daemon_seen(d, h->pid);
	if (h->type != CT_EV_PULL_RENAME || len < sizeof(*r))
		return;
	if (r->kind == CT_PULL_R_CTRD_BLOB)
		content_seen(d, r->newpath);
	else if (r->kind == CT_PULL_R_REPOS &&
		 ct_prog_comm_is(h->comm, CT_PROG_DOCKERD))
		repos_renamed(d, r, emit, ctx);
}

static void store_tick(void *st, uint64_t now_mono_ns, ct_pull_emit_cb emit,
		       void *ctx)
{
	due(st, now_mono_ns, emit, ctx);
}

static void *store_open(const char *proc_dir)
{
	struct dstore *d = calloc(1, sizeof(*d));

	if (d)
		ct_copy_str(d->proc_dir, sizeof(d->proc_dir), proc_dir,
			    strlen(proc_dir) + 1);
	return d;
}

static void store_close(void *st)
{
	struct dstore *d = st;

	for (size_t i = 0; d && i < STORES; i++)
		json_decref(d->st[i].repos);
	for (size_t i = 0; d && i < PENDING; i++)
		free(d->pend[i].im);
	free(d);
}

const struct ct_pull_store_ops ct_docker_pull_store = {
	.open = store_open,
	.feed = store_feed,
	.tick = store_tick,
	.close = store_close,
};
