// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Image manifests into a pull image record's layers: manifest.h. */
#include <stdint.h>
#include <string.h>
#include "manifest.h"
#include "util.h"

const char *ct_digest_hex(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) || strlen(digest) != 71 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return NULL;
	return digest + 7;
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
