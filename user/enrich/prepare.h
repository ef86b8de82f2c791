/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The prepare phase (docs/design.md "Phases", docs/phases.md): the engine's own
 * creation of a container, before the shim.
 *  - dockerd: from the mkdirat of its read-write layer
 *    `<data-root>/overlay2/<mount id>-init` (CT_EV_MKDIR), attributed by
 *    the layer's mount id (CT_EV_MOUNTID), to the first phase's start;
 *  - containerd (`ctr run`): from the client's exec, whose argv names the
 *    container (ctr [global flags] run [flags] IMAGE ID ...), to the
 *    first phase's start: ctr creates the container record and prepares
 *    its snapshot before containerd starts the shim;
 *  - Podman: from the exec of the podman client (run, start, restart)
 *    that execs the container's conmon (`conmon -c ID`, its child) to the
 *    first phase's start: podman creates the container in its database,
 *    mounts its storage and writes the OCI spec before conmon runs.
 * When the container's client is known exactly (c->client, client.h),
 * the phase starts at the client's exec instead, if that is earlier: for
 * docker the CLI's start-up and request, before dockerd's first mkdir.
 * A later generation of an id (docker start of an exited container,
 * docker restart) never starts at a mark made before its previous
 * generation's record ended (the layer is made once, at create): it
 * starts at its own client's request, or, when that request came while
 * the previous generation still ran (restart: stop, then start), where
 * the previous one ended.  Without either, it has no prepare.
 * A docker container made by an earlier request than the one that
 * started it (docker create, then docker start; Compose) begins at the
 * start's request (its docker start client's exec, else dockerd's rootfs
 * mkdir for the start); its creation goes apart (c->created), the wait
 * after it in no phase.  A creation seen but too old for any prepare
 * is said (c->prepare_missing), never dropped unsaid.
 * Pure C: records in, prepare phase set on a container at emission.
 */
#ifndef __CT_PREPARE_H
#define __CT_PREPARE_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "procs.h"

struct ct_prepare;
struct ct_prepare_ops;

/*
 * model: the process model, fed each record before prepare is; ops: each
 * engine's prepare by enum ct_engine_kind (CT_ENG_MAX entries, NULL for
 * none; ops NULL: no engine's), in the order they see records
 * (prepare_api.h).
 */
struct ct_prepare *ct_prepare_new(int64_t mono_to_real_ns,
				  const struct ct_procs *model,
				  const struct ct_prepare_ops *const *ops);
void ct_prepare_free(struct ct_prepare *p);
/* Any record; keeps mkdir, mount id, ctr, podman and conmon exec ones.
 * -EINVAL if short. */
int ct_prepare_feed(struct ct_prepare *p, const void *rec, size_t len);
/* At emission: set c's prepare phase if its start was seen; remembers
 * c's end for its id's next generation. */
void ct_prepare_apply(struct ct_prepare *p, struct ct_container *c);

#endif /* __CT_PREPARE_H */
