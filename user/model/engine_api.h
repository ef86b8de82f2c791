/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an engine is to the floors below it: its row (struct ct_engine:
 * its name, its phase family, the rules the other floors ask of it, its
 * plug-ins) and the tracker's hooks (struct ct_engine_ops).  The rows
 * themselves are user/engines/engine.c's; the top hands them down once
 * (ct_engines_use(): main(), the unit tests' fixture, the fuzzer), so
 * that no lower floor names a symbol of user/engines/ (tools/layers.py).
 *
 * What an engine adds to the tracker's generic state machine
 * (user/model/tracker.c), one file each in user/engines/: the evidence
 * only that engine leaves (CRI's CNI plugins and pod netns, dockerd's
 * removal of a layer, Podman 5's client removing its container) read at
 * fixed points of the machine.  Every hook may be NULL; the tracker
 * calls each engine's in the order of the set's hooks, each with the
 * state it asked for (state_size bytes, zeroed, one per tracker).
 */
#ifndef __CT_ENGINE_API_H
#define __CT_ENGINE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "classify_api.h"
#include "comms.h"
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

/*
 * The kernel side of an engine: its daemon's Go functions that its
 * starts need, probed at their entries once the syscall hooks are
 * attached (user/kern/ufn_bpf.c, bpf/ufn.bpf.c; docs/gosym.md), a list
 * ended by a NULL daemon.  Each function is found through the line
 * table of the binary that a process of comm daemon runs, by the end of
 * its name (its package path changes between versions), and only if a
 * function ending in layout is there too: one that says the request's
 * struct is laid out as the program reads it.  fn names the program
 * that reads the request and its records' fn.
 */
struct ct_ufn_spec {
	const char *daemon;	/* its process's comm */
	const char *suffix;	/* the function's name ends with it */
	const char *layout;	/* ... and one ending in this is there
				 * (NULL: nothing of its request is read) */
	enum ct_ufn_fn fn;
};

struct ct_prepare_ops;
struct ct_client_ops;
struct ct_pull_builder;

/*
 * An engine's row, by its kind of enum ct_engine_kind: what the other
 * floors ask of it, so that none names an engine (its word in every
 * output, its phase family, the rules below), and its plug-ins, one per
 * stage that has some of its knowledge (NULL: none), of which the
 * pipeline hands each stage its column (engine.h ct_engine_columns()).
 * The rows of "unknown" and "direct" (a runtime run by hand) describe
 * the model's own kinds and have no plug-in.
 */
struct ct_engine {
	const char *name;	/* in every output; --engine's word */
	/* its programs of include/comms.h's list (clients, daemons,
	 * monitors), CT_PROGS ended; NULL: none of its own */
	const enum ct_prog *progs;
	/* its program (a kubelet for CRI's pods): on the host's PATH, it
	 * is installed (core/installed.h); NULL: never said installed */
	const char *binary;
	const char *column;	/* the table's 6-wide ENGINE column; NULL: name */
	/* OpenTelemetry's container.runtime.name (what manages the
	 * container); otel_by_runtime: its OCI runtime's; neither: none */
	const char *otel_name;
	bool otel_by_runtime;
	/* its phase table: a family of its own, named by the engine
	 * (written with phases_api.h in its file), or NULL: the runtimes'
	 * family below (phases.c) */
	const struct ct_phase_table *phases;
	enum ct_family family;
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

/* The engines as the top hands them down. */
struct ct_engine_set {
	const struct ct_engine *rows;	/* CT_ENG_MAX of them, by kind */
	/* the tracker's hooks, in the order it calls them */
	const struct ct_engine_ops *const *hooks;
	size_t n_hooks;			/* CT_ENG_MAX at most */
};

/* Once, before any other stage runs (set: lives as long as the process). */
void ct_engines_use(const struct ct_engine_set *set);
const struct ct_engine_set *ct_engines(void);
/* Its row; "unknown"'s for a kind out of range. */
const struct ct_engine *ct_engine(enum ct_engine_kind e);
/* Whether comm is a daemon whose Go functions some engine probes (its
 * row's ufns): the daemons that run the runtimes. */
bool ct_engines_daemon(const char *comm);

#endif /* __CT_ENGINE_API_H */
