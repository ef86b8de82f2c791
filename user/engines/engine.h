/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an engine adds to the tracker's generic state machine
 * (user/tracker/), one file each in user/engines/: the evidence
 * only that engine leaves (CRI's CNI plugins and pod netns, dockerd's
 * removal of a layer, Podman 5's client removing its container) read at
 * fixed points of the machine.  Every hook may be NULL; the tracker
 * calls each engine's in the order of ct_engines[], each with the state
 * it asked for (state_size bytes, zeroed, one per tracker).
 *
 * Its other stages' knowledge sits next to it, one file per stage,
 * each reached through its row of ct_engine_table[] (below): its
 * client matching (<engine>_client.c, user/model/client_api.h), where
 * its creation begins (<engine>_prepare.c, prepare_api.h), its pull
 * builder (<engine>_pull.c, pulls_api.h), and its properties.  Its phase table, when its
 * processes make a family of their own, opens its file (phases_api.h).
 * Its classifier rules: <engine>_classify.c (classify_api.h).  Its
 * process names are data in comm_table.c; HACKING.md "Adding an
 * engine" lists them.
 */
#ifndef __CT_ENGINE_H
#define __CT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "classify_api.h"
#include "container.h"
#include "phases.h"

struct ct_tracker;
struct cstate;
struct ct_proc;

struct ct_engine_ops {
	size_t state_size;
	/* a record the generic machine does not read (CT_EV_CNI_ENV, ...) */
	void (*record)(struct ct_tracker *tk, void *es, const struct ct_hdr *h);
	/* s's runtime create (or run) exec'd by parent (may be NULL), before
	 * its transition: the engine may say s is its own (s->c.engine) */
	void (*claim)(struct ct_tracker *tk, void *es, struct cstate *s,
		      const struct ct_proc *parent);
	/* the same, after the transition (ts: the exec's, monotonic) */
	void (*created)(struct ct_tracker *tk, void *es, struct cstate *s,
			const struct ct_proc *parent, uint64_t ts);
	/* s's runtime delete, exec'd by ppid */
	void (*deleted)(struct ct_tracker *tk, void *es, struct cstate *s,
			uint32_t ppid);
	/* s's program began at t (wall) */
	void (*program_began)(struct ct_tracker *tk, void *es,
			      const struct cstate *s, uint64_t t);
	/* an exec, or an exit, of a process of no container followed */
	void (*exec_unowned)(struct ct_tracker *tk, void *es, struct ct_proc *p,
			     const struct ct_hdr *h, uint64_t t);
	void (*exit_unowned)(struct ct_tracker *tk, void *es,
			     const struct ct_proc *p, uint64_t t);
	/* a successful mount (source, target cut to CT_PATH_MAX) */
	void (*mount)(struct ct_tracker *tk, void *es, const struct ct_mount *m,
		      const char *src, const char *target);
	/* an umount m of target while s is followed; ours: the machine
	 * took it as s's (its netns', or a path naming its id) */
	void (*umount)(struct ct_tracker *tk, void *es, struct cstate *s,
		       const struct ct_mount *m, const char *target,
		       bool ours);
	/* s became done: destroyed, no process of it left */
	void (*done)(struct ct_tracker *tk, void *es, struct cstate *s);
};

extern const struct ct_engine_ops ct_engine_cri;
extern const struct ct_engine_ops ct_engine_docker;
extern const struct ct_engine_ops ct_engine_podman;
extern const struct ct_engine_ops ct_engine_buildah;
extern const struct ct_engine_ops ct_engine_containerd;

#define CT_ENGINES	5

/* In the order the tracker calls them. */
extern const struct ct_engine_ops *const ct_engines[CT_ENGINES];

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

/*
 * ... and of the kernel side: its daemon's Go functions that its starts
 * need, probed at their entries once the syscall hooks are attached
 * (user/kern/ufn_bpf.c, bpf/ufn.bpf.c; docs/gosym.md), a list ended by
 * a NULL daemon.  Each function is found through the line table of the
 * binary that a process of comm daemon runs, by the end of its name
 * (its package path changes between versions), and only if a function
 * ending in layout is there too: one that says the request's struct
 * is laid out as the program reads it.  fn names the program that reads
 * the request and its records' fn.
 */
struct ct_ufn_spec {
	const char *daemon;	/* its process's comm */
	const char *suffix;	/* the function's name ends with it */
	const char *layout;	/* ... and one ending in this is there
				 * (NULL: nothing of its request is read) */
	enum ct_ufn_fn fn;
};
extern const struct ct_ufn_spec ct_cri_ufns[];
extern const struct ct_ufn_spec ct_docker_ufns[];

/*
 * Every kind of enum ct_engine_kind, a row each (engine.c), by kind: what
 * the other floors ask of it, so that none names an engine (its word in
 * every output, its phase family, the rules below), and its plug-ins,
 * one per stage that has some of its knowledge (NULL: none), of which
 * the pipeline hands each stage its column (ct_engine_columns()).  The
 * rows of "unknown" and "direct" (a runtime run by hand) describe the
 * model's own kinds and have no plug-in.  The table is the plug-in table
 * tools/layers.py lets the lower floors read.
 */
struct ct_engine {
	const char *name;	/* in every output; --engine's word */
	/* its program (a kubelet for CRI's pods): on the host's PATH, it
	 * is installed (core/installed.h); NULL: never said installed */
	const char *binary;
	const char *column;	/* the table's 6-wide ENGINE column; NULL: name */
	/* OpenTelemetry's container.runtime.name (what manages the
	 * container); otel_by_runtime: its OCI runtime's; neither: none */
	const char *otel_name;
	bool otel_by_runtime;
	enum ct_family family;	/* its phase table (phases.c) */
	/* why prepare and disconnect get no --why split: the processes
	 * that do them serve every request (ct_split_reason()) */
	const char *work;
	/* its shims' containerd -namespace (classify.c); ctrd_ns_other:
	 * every namespace no row names */
	const char *ctrd_ns;
	bool ctrd_ns_other;
	bool monitor;		/* its runtime is exec'd by a monitor (conmon) */
	/* whether the hooks saw its creation is judged at the runtime's next
	 * exec: the first exec that attaches them comes milliseconds before
	 * the runtime's create (tracker_arm.c tk_judge_create()) */
	bool judged_at_exec;
	/* its names are in its runtime bundle's config.json (names.h) */
	bool names_in_bundle;
	/* a shim of it alive at the session's start is not adopted: its
	 * containers are pods' and come with their sandbox (adopt.c) */
	bool shim_not_adopted;
	/* it makes pod records (a sandbox's): their statistics are its,
	 * grouped by runtime (stats/agg.c) */
	bool pods;
	/* the classifier's rules for its own programs, in order, NULL
	 * ended (<engine>_classify.c, classify_api.h); NULL: none */
	const ct_classify_rule *classify;
	const struct ct_prepare_ops *prepare;
	const struct ct_client_ops *client;
	const struct ct_pull_builder *pull;
	const struct ct_ufn_spec *ufns;
};

extern const struct ct_engine ct_engine_table[CT_ENG_MAX];

/* Its row; "unknown"'s for a kind out of range. */
const struct ct_engine *ct_engine(enum ct_engine_kind e);

/* The table's columns, by enum ct_engine_kind: what each stage gets. */
struct ct_engine_columns {
	const struct ct_prepare_ops *prepare[CT_ENG_MAX];
	const struct ct_client_ops *client[CT_ENG_MAX];
	const struct ct_pull_builder *pull[CT_ENG_MAX];
};

void ct_engine_columns(struct ct_engine_columns *out);

#endif /* __CT_ENGINE_H */
