// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The engines and their plug-ins: see engine.h. */
#include <string.h>
#include "engine.h"

const struct ct_engine_ops *const ct_engines[CT_ENGINES] = {
	&ct_engine_cri,
	&ct_engine_docker,
	&ct_engine_podman,
};

/* One row per engine that has plug-ins; direct runs have none. */
const struct ct_engine ct_engine_table[] = {
	{ CT_ENG_DOCKER, &ct_docker_prepare, &ct_docker_client,
	  &ct_docker_pull_builder },
	{ CT_ENG_CONTAINERD, &ct_containerd_prepare, &ct_containerd_client,
	  &ct_containerd_pull_builder },
	{ CT_ENG_PODMAN, &ct_podman_prepare, &ct_podman_client, NULL },
	{ CT_ENG_CRI, NULL, NULL, NULL },
};

const size_t ct_engine_count = sizeof(ct_engine_table) /
			       sizeof(ct_engine_table[0]);

void ct_engine_columns(struct ct_engine_columns *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ct_engine_count; i++) {
		const struct ct_engine *e = &ct_engine_table[i];

		out->prepare[e->kind] = e->prepare;
		out->client[e->kind] = e->client;
		out->pull[e->kind] = e->pull;
	}
}
