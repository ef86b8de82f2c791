// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The engines and their plug-ins: see engine.h. */
#include <string.h>
#include "engine.h"

/* The tracker's hooks, in the order it calls them. */
static const struct ct_engine_ops *const hooks[] = {
	&ct_engine_cri,
	&ct_engine_docker,
	&ct_engine_podman,
	&ct_engine_buildah,
	&ct_engine_containerd,
};

static const ct_classify_rule docker_rules[] = {
	ct_docker_classify_setkey, NULL,
};

static const ct_classify_rule podman_rules[] = {
	ct_podman_classify_conmon, ct_podman_classify_client, NULL,
};

/* Each engine's programs of include/comms.h's list. */
static const enum ct_prog docker_progs[] = {
	CT_PROG_DOCKER, CT_PROG_COMPOSE, CT_PROG_DOCKERD, CT_PROGS,
};

static const enum ct_prog containerd_progs[] = {
	CT_PROG_CTR, CT_PROG_NERDCTL, CT_PROG_SHIM, CT_PROG_CONTAINERD,
	CT_PROGS,
};

static const enum ct_prog podman_progs[] = {
	CT_PROG_PODMAN, CT_PROG_CONMON, CT_PROGS,
};

static const enum ct_prog cri_progs[] = { CT_PROG_CRICTL, CT_PROGS };

/* By kind; the model's own kinds (unknown, direct) have no plug-in. */
static const struct ct_engine rows[CT_ENG_MAX] = {
	[CT_ENG_UNKNOWN] = {
		.name = "unknown",
		.column = "?",
		.family = CT_FAM_SHIM,
		.work = "the engine's threads serve every request",
		.names_in_bundle = true,
	},
	[CT_ENG_DOCKER] = {
		.name = "docker",
		.progs = docker_progs,
		.binary = "dockerd",
		.otel_name = "docker",
		.family = CT_FAM_SHIM,
		.work = "dockerd's threads serve every request",
		.ctrd_ns = "moby",
		.classify = docker_rules,
		.prepare = &ct_docker_prepare,
		.ufns = ct_docker_ufns,
		.client = &ct_docker_client,
		.pull = &ct_docker_pull_builder,
	},
	[CT_ENG_CONTAINERD] = {
		.name = "containerd",
		.progs = containerd_progs,
		.binary = "containerd",
		.column = "ctrd",
		.otel_name = "containerd",
		.family = CT_FAM_SHIM,
		.work = "containerd's threads serve every request",
		.ctrd_ns_other = true,
		.prepare = &ct_containerd_prepare,
		.client = &ct_containerd_client,
		.pull = &ct_containerd_pull_builder,
	},
	[CT_ENG_DIRECT] = {
		.name = "direct",
		.otel_by_runtime = true,
		.family = CT_FAM_DIRECT,
		.work = "the engine's threads serve every request",
		.judged_at_exec = true,
	},
	[CT_ENG_PODMAN] = {
		.name = "podman",
		.progs = podman_progs,
		.binary = "podman",
		.otel_name = "podman",
		.phases = &ct_podman_phases,
		.work = "the podman client's threads are not followed",
		.monitor = true,
		.classify = podman_rules,
		.prepare = &ct_podman_prepare,
		.client = &ct_podman_client,
		.pull = &ct_podman_pull_builder,
	},
	[CT_ENG_CRI] = {
		.name = "cri",
		.progs = cri_progs,
		.binary = "kubelet",
		.otel_name = "containerd",
		.phases = &ct_cri_phases,
		.work = "containerd's threads serve every request",
		.ctrd_ns = "k8s.io",
		.prepare = &ct_cri_prepare,
		.ufns = ct_cri_ufns,
		.judged_at_exec = true,
		.names_in_bundle = true,
		.shim_not_adopted = true,
		.pods = true,
	},
	[CT_ENG_BUILDAH] = {
		.name = "buildah",
		.binary = "buildah",
		.column = "build",
		.otel_name = "buildah",
		.family = CT_FAM_DIRECT,
		.work = "the build's threads are not followed",
		.judged_at_exec = true,
	},
};

const struct ct_engine_set ct_builtin_engines = {
	.rows = rows,
	.hooks = hooks,
	.n_hooks = sizeof(hooks) / sizeof(hooks[0]),
};

_Static_assert(sizeof(hooks) / sizeof(hooks[0]) <= CT_ENG_MAX,
	       "an engine's hooks at most: the tracker's states");

void ct_engine_columns(struct ct_engine_columns *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < CT_ENG_MAX; k++) {
		out->prepare[k] = rows[k].prepare;
		out->client[k] = rows[k].client;
		out->pull[k] = rows[k].pull;
	}
}
