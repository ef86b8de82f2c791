/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Phase rules as data (docs/design.md "Phases", docs/phases.md).  The tracker
 * turns events into a few named transitions; one table per family of engine x
 * runtime maps each transition to phase begins and ends.  Adding an engine is:
 * classifier rules, one table here, fixtures.
 */
#ifndef __CT_PHASES_H
#define __CT_PHASES_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"

/* What the tracker saw happen to a container (user/tracker/ fires them). */
enum ct_transition {
	CT_TR_SHIM_START,	/* containerd-shim-* ... start exec */
	CT_TR_RT_CREATE,	/* <rt> create (or run) exec */
	CT_TR_RT_CREATE_EXIT,	/* the last <rt> create process exited */
	CT_TR_HOOK_EXEC,	/* network hook exec: libnetwork-setkey, CNI */
	CT_TR_HOOK_EXIT,	/* the last network hook exited */
	CT_TR_RT_START,		/* <rt> start exec */
	CT_TR_USER_EXEC,	/* the program begins: pid 1 exec, runsc stub */
	CT_TR_PID1_EXIT,	/* pid 1 (runsc: the sandbox) exited */
	CT_TR_RT_DELETE,	/* <rt> delete exec */
	CT_TR_NETNS_UMOUNT_ENTER,	/* umount2() of its netns: enter */
	CT_TR_NETNS_UMOUNT_EXIT,	/* ... and exit */
	CT_TR_PROC_EXIT,	/* any process of it exited */
	CT_TR_ID_UMOUNT,	/* umount of a path naming its id */
	CT_TR_HYP_EXEC,		/* Kata: hypervisor exec */
	CT_TR_AGENT_CONNECT,	/* Kata: the shim reached the guest agent */
	CT_TR_VM_EXIT,		/* Kata: the VM process is gone */
	CT_TR_MONITOR_EXEC,	/* Podman: conmon exec naming the container */
	CT_TR_NET_TEARDOWN,	/* CRI: a CNI plugin exec after the sandbox's
				 * pid 1 exited (its DEL) */
	CT_TR_ID_RMDIR,		/* dockerd removed a directory named by its id */
	CT_TR_NETNS_MOUNT,	/* the engine's bind mount of pid 1's netns
				 * after create's end (Docker 28: no hook);
				 * at create's end */
	CT_TR_TASK_REQUEST,	/* CRI, containerd 2: the pod's shim mounts an
				 * app's rootfs (its create request) */
	CT_TR_REMOVER_EXIT,	/* Podman 5: the client that ran the runtime's
				 * delete itself exited (the record ends) */
	CT_TR_MAX,
};

/*
 * Which table applies: by engine and runtime (ct_family_of()).  The
 * runtimes' families here (phases.c); an engine whose processes make a
 * family of their own (Podman's conmon, CRI's pods) has its table in its
 * row (engine_api.h), its family CT_FAM_ENGINE + its kind, named as the
 * engine.
 */
enum ct_family {
	CT_FAM_SHIM,		/* runc, crun, runsc under a shim */
	CT_FAM_DIRECT,		/* a runtime run (or create) by hand */
	CT_FAM_KATA,		/* containerd-shim-kata-v2 + a hypervisor */
	CT_FAM_ENGINE,		/* + enum ct_engine_kind: an engine's own */
	CT_FAM_MAX = CT_FAM_ENGINE + CT_ENG_MAX,
};

enum ct_phase_op {
	CT_OP_BEGIN,	/* the phase starts, unless it already did */
	CT_OP_END,	/* the phase ends, if it is open */
	CT_OP_EXTEND,	/* a begun phase lasts at least until now */
};

#define CT_PH_NONE	(-1)	/* no condition */
#define CT_PH_ANY	(-2)	/* need: any phase has begun */

struct ct_phase_rule {
	enum ct_transition tr;
	enum ct_phase_op op;
	enum ct_phase phase;
	int need;	/* applies only if this phase began (or CT_PH_ANY) */
	int unless;	/* applies only if this phase has not begun */
};

/* A family's rows (phases_api.h writes them). */
struct ct_phase_table {
	const struct ct_phase_rule *rules;
	size_t n;
};

enum ct_family ct_family_of(enum ct_engine_kind engine, enum ct_runtime rt);

/* The table of a family, in the order its rows apply; *n its rows (0:
 * no such family, as an engine's kind without a family of its own). */
const struct ct_phase_rule *ct_phase_rules(enum ct_family f, size_t *n);

/* Called for each row that changed the record: for tests and debugging. */
typedef void (*ct_rule_cb)(const struct ct_container *c, enum ct_family f,
			   size_t row, uint64_t t, void *ctx);

/* Applies the rows of f for tr at t (wall clock ns) to c, in order. */
void ct_phases_apply(struct ct_container *c, enum ct_family f,
		     enum ct_transition tr, uint64_t t, ct_rule_cb cb,
		     void *ctx);

const char *ct_transition_name(enum ct_transition tr);
const char *ct_family_name(enum ct_family f);

#endif /* __CT_PHASES_H */
