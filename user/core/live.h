/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A live session (main.c's run_live()): the session fed from the
 * loader's ring buffers, the tracers around it, the traced COMMAND.
 * Its parts, each a file of its own: the syscall hooks attached only
 * while needed (live_arm.c), the tracers started and stopped
 * (live_tracers.c), the loop's chores on the maps and the clock
 * (live_chores.c).  main.c owns the loop and the end.
 */
#ifndef __CT_LIVE_H
#define __CT_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arm.h"
#include "command.h"
#include "records.h"
#include "session.h"

struct ct_loader;
struct ct_opens_bpf;
struct ct_sys_bpf;
struct ct_why_bpf;
struct ct_ufn_bpf;

struct ct_live {
	struct ct_session s;
	struct ct_loader *l;
	struct ct_opens_bpf *opens_bpf;	/* open-latency tracer */
	struct ct_sys_bpf *sys_bpf;	/* syscall programs, of all tracers */
	struct ct_why_bpf *why_bpf;	/* scheduler-state tracer */
	struct ct_ufn_bpf *ufn_bpf;	/* the engines' function probes */
	size_t ufn_probes;		/* ... attached, as last said */
	struct ct_cmd cmd;	/* -- COMMAND */
	uint64_t child_wall_ns;	/* when it was started, wall clock */
	bool timed_out;		/* -d ended the session */
	bool wait_expired;	/* --wait ended it, containers pending */
	double started;
	double period;		/* ct_session_period(), 0: none */
	double next_interval;
	bool arm_auto;		/* hooks detached while idle (arm.h) */
	bool arm_failed;	/* attaching them again failed: the end */
	uint64_t losses[CT_LOSS_KINDS];	/* as last recorded (enum ct_loss) */
	struct ct_arm arm;
	uint64_t map_full[CT_MAPFULL_NR];	/* refused inserts, as said */
	double next_map_check;
	double next_sweep;
};

/* Once a second: whether a BPF map refused inserts (mapfull.h). */
#define CT_LIVE_MAP_CHECK_S	1.0
/* Once a minute: map entries that no record will read or delete. */
#define CT_LIVE_SWEEP_S		60.0

/* ---- live_arm.c: the syscall hooks, attached only while needed ---- */

/* The ring buffers' reader (ctx: the ct_live): a trigger attaches the
 * hooks, first thing; then the session. */
int ct_live_event(void *ctx, const void *rec, size_t len);
/* The session's first record: its hooks attached at attached_ns. */
void ct_live_arm_start(struct ct_live *ls, uint64_t attached_ns);
/* The engines' new daemons probed; a record says new probes. */
void ct_live_ufn_attach(struct ct_live *ls);
/* A turn of the loop: attach again for a container that needs the
 * hooks, detach once idle (--arm=auto). */
void ct_live_arm_turn(struct ct_live *ls);

/* ---- live_tracers.c: the BPF tracers, up and down ---- */

/* The loader, then the tracers the command line asks for: 0 or -1
 * (said). */
int ct_live_start_tracers(struct ct_live *ls);
void ct_live_stop_tracers(struct ct_live *ls);
/* -v: how full each ring buffer got. */
void ct_live_say_ring_use(const struct ct_live *ls);

/* ---- live_chores.c: what the loop checks besides records ---- */

/* The kernel's loss counters, a record whenever one grew (@always: at
 * the end). */
void ct_live_read_losses(struct ct_live *ls, bool always);
/* Inserts refused by full maps, a record when a count grew. */
void ct_live_map_full_check(struct ct_live *ls);
/* The turn's chores due at t (s, monotonic): maps, the clock, the
 * files of processes gone. */
void ct_live_chores(struct ct_live *ls, double t);

#endif /* __CT_LIVE_H */
