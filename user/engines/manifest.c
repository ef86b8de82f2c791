// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Image manifests into a pull image record's layers: manifest.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "manifest.h"
#include "names.h"
#include "util.h"

#if defined(__x86_64__)
#define GO_ARCH	"amd64"
#elif defined(__aarch64__)
#define GO_ARCH	"arm64"
#else
#define GO_ARCH	""
#endif

const char *ct_digest_hex(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return NULL;
	return digest + 7;
}

struct ct_pull_image *ct_pull_image_new(const struct ct_hdr *h,
					uint32_t source, const char *ref,
					int n)
{
	struct ct_pull_image *im = calloc(1, sizeof(*im));

	if (!im)
		return NULL;
	im->hdr = *h;
	im->hdr.type = CT_EV_PULL_IMAGE;
	im->hdr.size = sizeof(*im);
	im->source = n < 0 ? CT_PULL_M_UNREAD : source;
	im->layers_total = n < 0 ? 0 : (uint32_t)n;
	im->nlayers = n < 0 ? 0 : n < CT_PULL_IMAGE_LAYERS ? (uint32_t)n :
			      CT_PULL_IMAGE_LAYERS;
	ct_copy_str(im->ref, sizeof(im->ref), ref, strlen(ref) + 1);
	return im;
}

bool ct_store_test_unread(void)
{
	const char *v = getenv("CT_TEST_STORE_UNREAD");

	return v && !strcmp(v, "1");
}

int ct_manifest_nlayers(const json_t *m)
{
	const json_t *layers = json_object_get(m, "layers");

	return json_is_array(layers) ? (int)json_array_size(layers) : -1;
}

void ct_manifest_layers(const json_t *m, struct ct_pull_image *im)
{
	json_t *layers = json_object_get(m, "layers"), *l;
	size_t i;

	json_array_foreach(layers, i, l) {
		const char *dg = json_string_value(json_object_get(l, "digest"));
		json_int_t size = json_integer_value(json_object_get(l, "size"));

		if (i >= CT_PULL_IMAGE_LAYERS)
			break;
		if (ct_digest_hex(dg))
			ct_copy_str(im->layers[i].digest, CT_PULL_DIGEST_REC, dg, 72);
		im->layers[i].size = size > 0 ? (uint64_t)size : 0;
	}
}

json_t *ct_content_blob(const char *root, const char *digest)
{
	const char *hex = ct_digest_hex(digest);
	char path[2 * CT_PATH_MAX];
	int n;

	if (!hex)
		return NULL;
	n = snprintf(path, sizeof(path), "%s/blobs/sha256/%s", root, hex);
	return n > 0 && (size_t)n < sizeof(path) ?
	       ct_engine_json_load(path, CT_MANIFEST_MAX) : NULL;
}

json_t *ct_manifest_platform(json_t *m, ct_blob_load_fn load,
			     const void *arg)
{
	json_t *list = json_object_get(m, "manifests"), *e;
	size_t i;

	if (!json_is_array(list))
		return m;
	json_array_foreach(list, i, e) {
		json_t *p = json_object_get(e, "platform");

		if (!strcmp(json_string_value(json_object_get(p, "os")) ?: "",
			    "linux") &&
		    !strcmp(json_string_value(json_object_get(p, "architecture")) ?: "",
			    GO_ARCH)) {
			json_t *one = load(arg, json_string_value(
						json_object_get(e, "digest")));

			json_decref(m);
			return one;
		}
	}
	json_decref(m);
	return NULL;
}
