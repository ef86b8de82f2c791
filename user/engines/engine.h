/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The engines of user/engines/, one file per engine and stage: their
 * rows (struct ct_engine, model/engine_api.h, which the floors below
 * read) and the plug-ins the rows point to.  The tracker's hooks of an
 * engine: its <engine>.c (struct ct_engine_ops, with tracker_api.h).
 *
 * Its other stages' knowledge sits next to it, one file per stage,
 * each reached through its row: its client matching (<engine>_client.c,
 * user/model/client_api.h), where its creation begins
 * (<engine>_prepare.c, prepare_api.h), its pull builder (<engine>_pull.c,
 * pulls_api.h), and its properties.  Its phase table, when its
 * processes make a family of their own, opens its file (phases_api.h)
 * and is its row's phases.  Its classifier rules: <engine>_classify.c
 * (classify_api.h).  Its process names are model/comm_table.h's list;
 * HACKING.md "Adding an engine" lists the files an engine touches.
 */
#ifndef __CT_ENGINE_H
#define __CT_ENGINE_H

#include "engine_api.h"

extern const struct ct_engine_ops ct_engine_cri;
extern const struct ct_engine_ops ct_engine_docker;
extern const struct ct_engine_ops ct_engine_podman;
extern const struct ct_engine_ops ct_engine_buildah;
extern const struct ct_engine_ops ct_engine_containerd;

/* The families of their own (podman.c, cri.c). */
extern const struct ct_phase_table ct_podman_phases;
extern const struct ct_phase_table ct_cri_phases;

/* Each engine's plug-in of the prepare stage (prepare_api.h). */
struct ct_prepare_ops;
extern const struct ct_prepare_ops ct_docker_prepare;
extern const struct ct_prepare_ops ct_containerd_prepare;
extern const struct ct_prepare_ops ct_podman_prepare;
extern const struct ct_prepare_ops ct_cri_prepare;

/* ... and of the client stage (client_api.h). */
struct ct_client_ops;
extern const struct ct_client_ops ct_docker_client;
extern const struct ct_client_ops ct_containerd_client;
extern const struct ct_client_ops ct_podman_client;

/* ... and of the pull stage: its daemon's builder (pulls_api.h). */
struct ct_pull_builder;
extern const struct ct_pull_builder ct_docker_pull_builder;
extern const struct ct_pull_builder ct_containerd_pull_builder;
extern const struct ct_pull_builder ct_podman_pull_builder;
/* the builders' stores (docker_store.c, containerd_store.c) */
struct ct_pull_store_ops;
extern const struct ct_pull_store_ops ct_docker_pull_store;
extern const struct ct_pull_store_ops ct_containerd_pull_store;
extern const struct ct_pull_store_ops ct_podman_pull_store;

/* ... and of the kernel side: its daemon's Go functions (engine_api.h). */
extern const struct ct_ufn_spec ct_cri_ufns[];
extern const struct ct_ufn_spec ct_docker_ufns[];

/* Every engine, its row by kind and its hooks: what main() hands down. */
extern const struct ct_engine_set ct_builtin_engines;

/* The table's columns, by enum ct_engine_kind: what each stage gets. */
struct ct_engine_columns {
	const struct ct_prepare_ops *prepare[CT_ENG_MAX];
	const struct ct_client_ops *client[CT_ENG_MAX];
	const struct ct_pull_builder *pull[CT_ENG_MAX];
};

void ct_engine_columns(struct ct_engine_columns *out);

#endif /* __CT_ENGINE_H */
