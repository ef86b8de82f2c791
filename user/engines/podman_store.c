// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's image store (containers/storage), read by a live session for
 * the images its pulls store (pulls_api.h's struct ct_pull_store_ops;
 * the records they become: include/pull.h CT_EV_PULL_IMAGE).
 *
 * A pull stores its image in the podman process itself: among the
 * renames that do it, that of <graphroot>/overlay-images/<id>/manifest
 * (the BPF side's CT_PULL_R_PODMAN_MANIFEST) names the image.  Its
 * names are stored after it (Podman 4.3: ~30 ms later), so the store is
 * read READ_EVERY_NS after the rename, and again until the image has a
 * name or READ_FOR_NS have passed (less than the builder's wait for
 * it, podman_pull.c).  What is read:
 *  - <graphroot>/overlay-images/images.json: the image's reference,
 *    the latest of its "names-history" (the name this pull gave it:
 *    containers/storage puts the newest first), and its manifest digest;
 *  - <graphroot>/overlay-images/<id>/manifest: the manifest this pull
 *    stored (one platform's), its layers' digests and compressed sizes;
 *  - <graphroot>/overlay-layers/layers.json: each layer's unpacked size
 *    by its compressed digest.
 * What cannot be read (images.json, the manifest) leaves the record
 * without it, said (CT_PULL_M_UNREAD); the pull is still named by its
 * client if it had one (podman_pull.c).
 * The files are read through the podman process's root (/proc/<pid>/
 * root: it may run in another mount namespace), else, once it is gone,
 * as the path reads on this side.  The image id becomes a path only if
 * it is 64 hex digits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm_table.h"
#include "manifest.h"
#include "pull.h"
#include "pulls_api.h"
#include "util.h"

#define IMAGES_DIR	"/overlay-images/"
#define PENDING		16		/* images waited for at once */
#define READ_EVERY_NS	50000000ull		/* 50 ms */
#define READ_FOR_NS	2000000000ull		/* then stored unnamed */
#define STORE_MAX	(64u << 20)	/* images.json, layers.json */

/* podman_pull.c's image record waits CT_PULL_IDLE_NS for the last read */
_Static_assert(READ_FOR_NS + READ_EVERY_NS < CT_PULL_IDLE_NS,
	       "an image is read before its pull is built");

/* An image a pull stored, read for. */
struct wanted {
	struct ct_hdr hdr;	/* the rename's: ts 0 = a slot unused */
	char root[CT_PATH_MAX];	/* the graphroot */
	char id[65];
	uint64_t last_read;
};

struct pstore {
	char proc_dir[CT_PATH_MAX];
	struct wanted w[PENDING];	/* a ring: the oldest goes */
	size_t next;
};

/* The JSON of root's file rel, read as the podman process pid sees it. */
static json_t *load(const struct pstore *ps, uint32_t pid, const char *root,
		    const char *rel)
{
	char p[2 * CT_PATH_MAX + 64];
	json_t *j;

	snprintf(p, sizeof(p), "%s/%u/root%s/%s", ps->proc_dir, pid, root,
		 rel);
	j = json_load_file(p, JSON_DISABLE_EOF_CHECK, NULL);
	if (j)
		return j;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return json_load_file(p, JSON_DISABLE_EOF_CHECK, NULL);
}

/* images.json's entry of id, or NULL. */
static json_t *entry_of(json_t *images, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(images, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "id")) ?: "",
			    id))
			return v;
	return NULL;
}

/* Each layer's unpacked size, from layers.json by compressed digest. */
static void unpacked_sizes(json_t *layers, struct ct_pull_image *im)
{
	size_t i;
	json_t *v;

	json_array_foreach(layers, i, v) {
		const char *d = json_string_value(
			json_object_get(v, "compressed-diff-digest"));
		json_t *sz = json_object_get(v, "diff-size");

		for (uint32_t j = 0; d && json_is_integer(sz) &&
				     j < im->nlayers; j++)
			if (!strcmp(im->layers[j].digest, d))
				im->layers[j].unpacked =
					(uint64_t)json_integer_value(sz);
	}
}

/* w's image record, named ref, from its stored manifest (ent: its
 * images.json entry, NULL if that could not be read; CT_PULL_M_UNREAD
 * if either cannot be); NULL: no memory. */
static struct ct_pull_image *image_of(const struct pstore *ps,
				      const struct wanted *w, json_t *ent,
				      const char *ref)
{
	char rel[CT_PATH_MAX];
	struct ct_pull_image *im;
	const char *dg;
	json_t *m = NULL, *layers;

	snprintf(rel, sizeof(rel), "overlay-images/%s/manifest", w->id);
	if (ent && !ct_store_test_unread())
		m = load(ps, w->hdr.pid, w->root, rel);
	/* one platform's: never an index */
	im = ct_pull_image_new(&w->hdr, CT_PULL_M_CONTENT, ref,
			       ct_manifest_nlayers(m));
	if (im) {
		dg = json_string_value(json_object_get(ent, "digest"));
		if (ct_digest_hex(dg))
			ct_copy_str(im->manifest, sizeof(im->manifest), dg, 72);
		snprintf(im->image_id, sizeof(im->image_id), "sha256:%s",
			 w->id);
		ct_manifest_layers(m, im);
	}
	if (im && m) {
		layers = load(ps, w->hdr.pid, w->root,
			      "overlay-layers/layers.json");
		unpacked_sizes(layers, im);
		json_decref(layers);
	}
	json_decref(m);
	return im;
}

/* Reads w's image; true once it is out (or will never be).  Its last
 * read (last) sends what it has: without its name, or without even its
 * entry in images.json (a record that says its manifest was unread). */
static bool read_wanted(const struct pstore *ps, const struct wanted *w,
			bool last, ct_pull_emit_cb emit, void *ctx)
{
	json_t *images = load(ps, w->hdr.pid, w->root,
			      "overlay-images/images.json");
	json_t *ent = entry_of(images, w->id);
	const char *ref = json_string_value(json_array_get(
		json_object_get(ent, "names-history"), 0));
	struct ct_pull_image *im;

	if (!last && (!ent || !ref)) {
		json_decref(images);
		return false;
	}
	im = image_of(ps, w, ent, ref ?: "");
	if (im)
		emit(im, sizeof(*im), ctx);
	free(im);
	json_decref(images);
	return true;
}

/* Reads due by now (UINT64_MAX: the session's end, one last read). */
static void due(struct pstore *ps, uint64_t now, ct_pull_emit_cb emit,
		void *ctx)
{
	for (size_t i = 0; i < PENDING; i++) {
		struct wanted *w = &ps->w[i];
		bool last;

		if (!w->hdr.ts_ns || (now != UINT64_MAX &&
				      now < w->last_read + READ_EVERY_NS))
			continue;
		last = now == UINT64_MAX || now > w->hdr.ts_ns + READ_FOR_NS;
		w->last_read = now;
		if (read_wanted(ps, w, last, emit, ctx))
			w->hdr.ts_ns = 0;
	}
}

/* A manifest rename of podman's: the image it names is waited for. */
static void want(struct pstore *ps, const struct ct_pull_rename *r)
{
	char p[CT_PATH_MAX], digest[80];
	struct wanted *w;
	char *cut, *id;

	ct_copy_str(p, sizeof(p), r->newpath, sizeof(r->newpath));
	cut = p[0] == '/' ? strstr(p, IMAGES_DIR) : NULL;
	if (!cut)
		return;
	id = cut + strlen(IMAGES_DIR);
	if (strlen(id) != 64 + strlen("/manifest") || id[64] != '/')
		return;
	id[64] = '\0';
	snprintf(digest, sizeof(digest), "sha256:%s", id);
	if (!ct_digest_hex(digest))
		return;
	*cut = '\0';
	w = &ps->w[ps->next++ % PENDING];
	memset(w, 0, sizeof(*w));
	w->hdr = r->hdr;
	w->last_read = r->hdr.ts_ns;
	ct_copy_str(w->root, sizeof(w->root), p, sizeof(p));
	memcpy(w->id, id, 65);
}

static void store_feed(void *st, const void *rec, size_t len,
		       ct_pull_emit_cb emit, void *ctx)
{
	const struct ct_pull_rename *r = rec;

	due(st, r->hdr.ts_ns, emit, ctx);
	if (r->hdr.type == CT_EV_PULL_RENAME && len >= sizeof(*r) &&
	    r->kind == CT_PULL_R_PODMAN_MANIFEST &&
	    ct_prog_comm_is(r->hdr.comm, CT_PROG_PODMAN))
		want(st, r);
}

static void store_tick(void *st, uint64_t now_mono_ns, ct_pull_emit_cb emit,
		       void *ctx)
{
	due(st, now_mono_ns, emit, ctx);
}

static void *store_open(const char *proc_dir)
{
	struct pstore *ps = calloc(1, sizeof(*ps));

	if (ps)
		ct_copy_str(ps->proc_dir, sizeof(ps->proc_dir), proc_dir,
			    strlen(proc_dir) + 1);
	return ps;
}

static void store_close(void *st)
{
	free(st);
}

const struct ct_pull_store_ops ct_podman_pull_store = {
	.open = store_open,
	.feed = store_feed,
	.tick = store_tick,
	.close = store_close,
};
