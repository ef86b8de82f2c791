/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An OCI / Docker v2 image manifest as the engines' stores keep it (a
 * JSON blob named by its digest), read into a CT_EV_PULL_IMAGE record's
 * layers: shared by the daemons' store readers (docker_store.c,
 * containerd_store.c, podman_store.c).
 */
#ifndef __CT_MANIFEST_H
#define __CT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "pull.h"

#define CT_MANIFEST_MAX	(1u << 20)	/* a manifest, an image config */

/* "sha256:<64 hex>" -> its hex, else NULL: the only names of a store's
 * files made into paths. */
const char *ct_digest_hex(const char *digest);

/*
 * A CT_EV_PULL_IMAGE record stamped h (its pid and comm; ts as given),
 * named ref, of a manifest of n layers read from source (enum
 * ct_pull_manifest_src); n < 0: its manifest or config could not be
 * read (CT_PULL_M_UNREAD, no layers).  Its layers are the caller's to
 * fill.  NULL: no memory.
 */
struct ct_pull_image *ct_pull_image_new(const struct ct_hdr *h,
					uint32_t source, const char *ref,
					int n);
/*
 * CT_TEST_STORE_UNREAD=1 in the environment: the store readers find no
 * image's manifest or config readable, as a store being rewritten or a
 * blob gone would leave them (tests/integration/pull_apart.sh).
 */
bool ct_store_test_unread(void);

/* m is a manifest (its "layers" array): how many it lists, else -1. */
int ct_manifest_nlayers(const json_t *m);

/* m's layers' digests and compressed sizes into im->layers (at most
 * CT_PULL_IMAGE_LAYERS; the rest of im untouched). */
void ct_manifest_layers(const json_t *m, struct ct_pull_image *im);

/* A containerd content store's root, under containerd's own root. */
#define CT_CONTENT_DIR	"/io.containerd.content.v1.content"

/* The JSON blob of digest in a content store's root (its blobs/sha256/
 * <hex>, as containerd keeps them), or NULL. */
json_t *ct_content_blob(const char *root, const char *digest);

/*
 * m itself, or for an index (a "manifests" list) the manifest of this
 * host's platform, read by load(arg, digest); m is consumed.  NULL: an
 * index without this platform, or its manifest could not be read.
 */
typedef json_t *(*ct_blob_load_fn)(const void *arg, const char *digest);
json_t *ct_manifest_platform(json_t *m, ct_blob_load_fn load,
			     const void *arg);

#endif /* __CT_MANIFEST_H */
