/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process model: every fork, exec and exit of the host, in the order
 * they came, fed first (user/core/pipeline.c) so that every later stage
 * asks it who a pid was at a time instead of keeping a pid table of its
 * own (perf's machine and its threads play this part there).
 *
 * It is a history, not a table of the living: what a stage asks about
 * comes from the past (the exec that started a phase, the program that
 * asked for a chain, the parent a client was forked by).  Bounded: the
 * newest CT_PROCS_EVENTS events are kept, older ones are forgotten and
 * a question about them gets "not seen".  Times are the records'
 * (CLOCK_MONOTONIC ns); callers add their own wall-clock offset.
 *
 * Asked by: the chains (a runner's exec and end), the clients (a
 * client's parent), why (a phase's carrier), the pulls (when a client
 * or an untar exited), CRI's hooks (when a CNI plugin exited), Podman's
 * prepare (which program a conmon's parent ran).
 *
 * What stays outside, on purpose:
 *  - what a stage knows of a process beyond its lifetime, keyed by its
 *    own entities: the tracker's roles (proc.h), why's scheduler states,
 *    a client's request;
 *  - an exit asked about long after it happened: a client's (the
 *    clients' ring lasts hours, the history minutes on a busy host) is
 *    kept on the client;
 *  - the arming's live triggers (user/kern/arm.c): read as the ring
 *    buffer delivers them, before the pipeline, to attach the hooks
 *    first thing, with the processes adopted from /proc.
 */
#ifndef __CT_PROCS_H
#define __CT_PROCS_H

#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"

/* ~3 per process (fork, exec, exit): some 5,000 processes back, 1 MiB */
#define CT_PROCS_EVENTS	(1u << 14)

enum ct_life_kind {
	CT_LIFE_FORK = 1,
	CT_LIFE_EXEC,
	CT_LIFE_EXIT,
};

/* One event in a process's life. */
struct ct_life {
	uint64_t ns;		/* the record's time */
	uint32_t pid;		/* fork: the child */
	uint32_t ppid;		/* fork: the parent */
	enum ct_life_kind kind;
	char comm[CT_COMM_LEN];	/* fork: the parent's; else the process's */
};

struct ct_procs;

struct ct_procs *ct_procs_new(void);
void ct_procs_free(struct ct_procs *m);

/* A checked record (pipeline.h): forks, execs and exits are kept, the
 * rest ignored. */
void ct_procs_feed(struct ct_procs *m, const void *rec, size_t len);

/* The first exec or exit of pid after ns (its program gone), 0 if none. */
uint64_t ct_procs_gone_after(const struct ct_procs *m, uint32_t pid,
			     uint64_t ns);
/* pid's first exit after ns (the process gone), 0 if none. */
uint64_t ct_procs_exit_after(const struct ct_procs *m, uint32_t pid,
			     uint64_t ns);
/* pid's last exec at or before ns, 0 if none. */
uint64_t ct_procs_exec_before(const struct ct_procs *m, uint32_t pid,
			      uint64_t ns);
/* The exec made at ns (any pid), NULL if none. */
const struct ct_life *ct_procs_exec_at(const struct ct_procs *m, uint64_t ns);
/* The exit (of a process's last thread) at ns, NULL if none. */
const struct ct_life *ct_procs_exit_at(const struct ct_procs *m, uint64_t ns);
/* The newest fork that made pid, NULL if not seen. */
const struct ct_life *ct_procs_forked(const struct ct_procs *m, uint32_t pid);

/* Events kept now, and forgotten so far. */
size_t ct_procs_count(const struct ct_procs *m);
uint64_t ct_procs_forgotten(const struct ct_procs *m);

#endif /* __CT_PROCS_H */
