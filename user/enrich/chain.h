/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cold-start chains (docs/phases.md "chain"):
 * the containers one process (the workflow runner: the client's parent)
 * asked for, as a DAG of steps ordered by request.  A step follows the
 * step whose result (its program's exit, the start of die) came last
 * before its own request; steps whose [request, result] overlap are
 * parallel branches.  The critical path is walked back from the last
 * result.  A step is needed at its request (its client's exec), or, when
 * its client waited CT_CHAIN_WAITED_NS or more for data on its stdin
 * (the request a runner hands to a `docker run -i`), when that data came;
 * a step whose container was ready by then was warm.  Steps are ordered,
 * and follow one another, by the moment they were needed.  Per chain:
 * each step's cold start (needed -> ready, 0 when warm; to the end of
 * start without a readiness marker) and work (ready, or needed if later
 * -> result),
 * the wall time (first request -> last result), the cold-start share of
 * the critical path and the what-if saving of pre-warming each step while
 * its predecessor works: min(its cold start, the predecessor's work).
 *
 * Fed every finished container (after enrich: c->client is set) and
 * every record (a runner's exit or exec closes its chain; its exec before
 * the steps, when still in a ring of recent ones, is its identity with
 * its pid).  A chain is
 * emitted CT_CHAIN_GRACE_NS after its runner exits (its last container
 * may be destroyed after that) or at the session's end; one step is no
 * chain.  Pure C, bounded: CT_CHAIN_RUNNERS open chains of at most
 * CT_CHAIN_STEPS steps, the last CT_CHAIN_KEEP finished ones kept.
 */
#ifndef __CT_CHAIN_H
#define __CT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "procs.h"

#define CT_CHAIN_STEPS		32
#define CT_CHAIN_RUNNERS	32
#define CT_CHAIN_KEEP		32
#define CT_CHAIN_GRACE_NS	(60ull * 1000000000ull)
#define CT_CHAIN_ID_LEN		65	/* 64 hex digits and the NUL */
/*
 * A client whose first read of its stdin waited this long for data had
 * its request only when the data came.  Measured (docs/results/chain.md): a
 * `docker run -i` whose runner wrote the request before the client read
 * it found it there within 4-9 us; one that waited for it (warm and
 * pre-warmed rounds) waited 0.4-1.8 s.
 */
#define CT_CHAIN_WAITED_NS	(1000000ull)

struct ct_chain_step {
	char id[CT_CHAIN_ID_LEN];
	char name[CT_NAME_LEN];
	enum ct_runtime runtime;
	uint32_t client_pid;
	char client_comm[16];
	uint64_t request_ns;	/* the client's exec */
	uint64_t needed_ns;	/* request_ns, or stdin_ns if it waited */
	uint64_t stdin_ns;	/* its client waited for its request on
				 * stdin and got it then; 0: did not */
	uint64_t ready_ns;	/* end of ready, else of start */
	uint64_t result_ns;	/* start of die; ready_ns if it never died */
	bool has_ready;		/* ready_ns is a readiness marker */
	bool running;		/* no exit seen: a service kept running */
	bool warm;		/* ready when it was needed */
	/* computed when the chain closes */
	int after;		/* the step it waited for, -1: none */
	bool critical;		/* on the critical path */
	uint64_t cold_ns;	/* needed -> ready */
	uint64_t work_ns;	/* ready (needed if later) -> result */
	uint64_t whatif_ns;	/* saved if pre-warmed while `after` worked */
};

struct ct_chain {
	uint32_t runner_pid;
	char runner_comm[16];	/* "" when the runner's fork was not seen */
	uint64_t runner_exec_ns;	/* its program's exec; 0: not seen */
	uint64_t runner_end_ns;	/* its exit or exec; 0: alive at the end */
	uint32_t n_steps;
	uint32_t dropped_steps;	/* steps beyond CT_CHAIN_STEPS */
	struct ct_chain_step steps[CT_CHAIN_STEPS];	/* by needed_ns */
	/* computed when the chain closes */
	uint64_t start_ns;	/* first needed */
	uint64_t end_ns;	/* last result */
	uint64_t wall_ns;
	uint64_t cold_ns;	/* cold starts on the critical path */
	uint64_t whatif_ns;	/* pre-warming's saving on the critical path */
	uint32_t n_critical;
	bool parallel;		/* some steps overlap */
};

struct ct_chain_stats {
	uint64_t emitted;
	uint64_t single;	/* one step: no chain */
	uint64_t dropped_runners;	/* no room in the open table */
	uint64_t dropped_kept;	/* emitted, then pushed out of the kept ring */
};

typedef void (*ct_chain_fn)(const struct ct_chain *ch, void *ctx);

/*
 * model: the process model, fed each record before the chains are.
 * on_chain (may be NULL) is told of each chain as it is emitted.
 */
struct ct_chains *ct_chains_new(int64_t mono_to_real_ns,
				const struct ct_procs *model,
				ct_chain_fn on_chain, void *ctx);
void ct_chains_free(struct ct_chains *t);
/* Any (checked) record: exit and exec of runners, and time going by. */
void ct_chains_feed(struct ct_chains *t, const void *rec, size_t len);
/* A finished container; one without an exact client is no step. */
void ct_chains_add(struct ct_chains *t, const struct ct_container *c);
/* The session's end: every open chain is emitted. */
void ct_chains_flush(struct ct_chains *t);

/* The kept chains, oldest first. */
size_t ct_chains_count(const struct ct_chains *t);
const struct ct_chain *ct_chains_get(const struct ct_chains *t, size_t i);
void ct_chains_stats(const struct ct_chains *t, struct ct_chain_stats *st);

/*
 * A workflow: some step became ready (a readiness marker, not just its
 * start) or took its request on stdin, so that the runner waited on a
 * service.  A script's loop of `docker run`s is a chain but none.
 */
bool ct_chain_is_workflow(const struct ct_chain *ch);

/* The computation alone (steps filled, in any order; needed_ns 0 is
 * request_ns): sorts and fills. */
void ct_chain_close(struct ct_chain *ch);
/* A container as a step; false if it cannot be one (no exact client,
 * never ran, no request). */
bool ct_chain_step_from(struct ct_chain_step *s, const struct ct_container *c);

#endif /* __CT_CHAIN_H */
