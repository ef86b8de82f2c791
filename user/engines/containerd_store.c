// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's content store, read by a live session for the images its
 * pulls fetch (pulls_api.h's struct ct_pull_store_ops; the records:
 * include/pull.h CT_EV_PULL_IMAGE).
 *
 * Every blob a pull fetches, its manifest among them, is committed by a
 * rename of its ingest file into <root>/blobs/sha256/<digest>.  A blob
 * small enough to be a manifest is read at that rename (at its new path,
 * or still at its old one: the record comes at the syscall's entry); if
 * it is one (a "layers" array and a "config"), its layers become a
 * record stamped as the rename, which the containerd builder takes to
 * tell concurrent pulls apart and to list the layers they did not
 * fetch.  The reference it was pulled as is in containerd's metadata
 * database, not read here: the record's ref is "".  dockerd caches the
 * manifests of its own pulls there too; the builder sets aside an image
 * whose layers containerd neither fetched nor unpacked.
 */
#include <stdlib.h>
#include <string.h>

#include "comm_table.h"
#include "manifest.h"
#include "names.h"
#include "pull.h"
#include "pulls_api.h"
#include "util.h"

/* The manifest committed by rename r, or NULL. */
static json_t *committed_manifest(const struct ct_pull_rename *r)
{
	char path[CT_PATH_MAX];
	json_t *m;

	ct_copy_str(path, sizeof(path), r->newpath, sizeof(r->newpath));
	m = ct_engine_json_load(path, CT_MANIFEST_MAX);
	if (!m) {
		ct_copy_str(path, sizeof(path), r->oldpath, sizeof(r->oldpath));
		m = ct_engine_json_load(path, CT_MANIFEST_MAX);
	}
	if (m && (ct_manifest_nlayers(m) < 0 ||
		  !json_is_object(json_object_get(m, "config")))) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

static void store_feed(void *st, const void *rec, size_t len,
		       ct_pull_emit_cb emit, void *ctx)
{
	const struct ct_pull_rename *r = rec;
	struct ct_pull_image *im;
	char digest[CT_PULL_DIGEST_REC], path[CT_PATH_MAX];
	const char *cfg;
	json_t *m;
	int n;

	(void)st;
	if (r->hdr.type != CT_EV_PULL_RENAME || len < sizeof(*r) ||
	    r->kind != CT_PULL_R_CTRD_BLOB ||
	    !ct_prog_comm_is(r->hdr.comm, CT_PROG_CONTAINERD))
		return;
	ct_copy_str(path, sizeof(path), r->newpath, sizeof(r->newpath));
	snprintf(digest, sizeof(digest), "sha256:%.64s", ct_basename(path));
	if (!ct_digest_hex(digest) || !(m = committed_manifest(r)))
		return;
	im = calloc(1, sizeof(*im));
	if (im) {
		n = ct_manifest_nlayers(m);
		im->hdr = r->hdr;
		im->hdr.type = CT_EV_PULL_IMAGE;
		im->hdr.size = sizeof(*im);
		im->source = CT_PULL_M_CONTENT;
		im->layers_total = (uint32_t)n;
		im->nlayers = n < CT_PULL_IMAGE_LAYERS ? (uint32_t)n :
							 CT_PULL_IMAGE_LAYERS;
		memcpy(im->manifest, digest, sizeof(digest));
		cfg = json_string_value(json_object_get(
			json_object_get(m, "config"), "digest"));
		if (ct_digest_hex(cfg))
			ct_copy_str(im->image_id, sizeof(im->image_id), cfg, 72);
		ct_manifest_layers(m, im);
		emit(im, sizeof(*im), ctx);
		free(im);
	}
	json_decref(m);
}

static void *store_open(const char *proc_dir)
{
	(void)proc_dir;
	return calloc(1, 1);	/* no state: every read is whole */
}

const struct ct_pull_store_ops ct_containerd_pull_store = {
	.open = store_open,
	.feed = store_feed,
	.close = free,
};
