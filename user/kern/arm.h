/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * When the syscall hooks are attached.  Any attached syscall tracepoint
 * puts every process of the host on the kernel's slow syscall path,
 * whatever the program does, so they are attached only while a container
 * is in its cold start or its removal, or an engine client, runtime or
 * CNI plugin runs (docs/steady-state.md measured the policy):
 *
 * - attach at the exec of a trigger (an asker or a keeper of the comm
 *   table, user/model/comm_table.c, or a CNI plugin; always traced by the
 *   lifecycle object, which then wakes the reader at once), before that
 *   program gets to the syscalls coldtrace reads: a container's runtime
 *   comes tens of milliseconds after its client, its first open later.
 *   Not for a command that only reads (ct_class.passive: `runc exec`,
 *   which healthchecks and exec probes run every few seconds per
 *   container, `docker ps`, a runtime's init under its create): no
 *   hook, no group, no hold;
 * - a container holds them until its ready phase ends (its first listen,
 *   which the ready stage knows long before the record has the phase),
 *   or, without one, CT_ARM_SETTLE_NS after its program began; from its
 *   die (`runc run`: its destroy) on, to the end of its removal
 *   (ct_session_busy(), ct_tracker_busy());
 * - a live engine client, runtime or CNI plugin holds them for
 *   CT_ARM_HOLD_NS after its exec at most: its own steps come first, and
 *   what it began holds them on (its container, its pull's files, its
 *   removal from the die).  A client that lives on (a foreground
 *   `docker run`, as a systemd unit runs one, `podman system service`)
 *   must not keep every syscall of the host hooked for its life.  One that tried to read its stdin and has had no data there
 *   holds them until it has (the live loop counts it into @busy:
 *   ct_sys_bpf_stdin_waits()): a workflow runner hands a pre-warmed
 *   step its request that way, however late.  A shim or a monitor (a
 *   keeper) attaches them at its exec but does not hold them: it lives
 *   as long as its container.  coldtrace's own COMMAND holds them while
 *   it runs (counted into @busy too): what the user asked to trace is
 *   traced whole;
 * - detach after CT_ARM_IDLE_NS with nothing holding them;
 * - on the fentry path, two groups of programs join them on demand
 *   while they are attached, or asked for, and leave with them
 *   (ct_arm_groups_wanted(), user/kern/sys_bpf.h): runsc's stub sys_exit
 *   (the one raw syscall tracepoint left there, which puts every syscall
 *   of the host on the slow path) at the exec of a runsc (its CLI: a
 *   container's create, start, run or delete), so that a runc or crun
 *   start pays no slow path; and the pull tracer's write, pread64 and
 *   close at a daemon's TCP connect (CT_EV_PULL_CONNECT: a pull's first
 *   step, hundreds of milliseconds before its first layer byte,
 *   docs/results/steady-state.md), so that a start pays no hook on every
 *   process's writes;
 * - a daemon's TCP connect also attaches the hooks (its tracepoint is
 *   always attached: bpf/lifecycle.bpf.c), so that a pull that no client
 *   waits for is seen, and the pull's open blob files hold them (the
 *   live loop counts them into @busy: ct_sys_bpf_pull_files()).
 *
 * What the hooks did not see is never guessed: a container whose runtime
 * began while they were detached is marked unarmed, one whose opens went
 * on after a detach gets opens.traced_until_ns, and both are counted
 * (tracker).  No BPF here: raw records in, decisions out; the live loop
 * acts on them (user/core/main.c) and feeds the CT_EV_ARM records made here to
 * the session, so that --record keeps them and a replay judges the same.
 */
#ifndef __CT_ARM_H
#define __CT_ARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"
#include "sys_bpf.h"
#include "tracker.h"

/* Idle for this long (no container busy, no trigger alive): detach. */
#define CT_ARM_IDLE_NS	(2 * 1000000000ull)
/*
 * A container with no ready phase holds the hooks this long after its
 * start ends: an open-heavy start's last open came 2.8 s and 6.7 s after
 * start end in two runs of tools/bench/open-window (4.5x the most seen).
 */
#define CT_ARM_SETTLE_NS	(30 * 1000000000ull)
/*
 * A live trigger holds the hooks this long after its exec at most.  A
 * client's connect and a runtime's create, start or delete come within
 * a second of their exec; a `docker run -i` client's stdin data may come
 * later (tests wait 15 s); a start from a client's exec to ready took
 * 3.5-8.3 s in open-window, and the container holds them itself from its
 * first record on.
 */
#define CT_ARM_HOLD_NS	CT_ARM_SETTLE_NS
/* Trigger processes followed at once; beyond, the hooks stay attached. */
#define CT_ARM_PIDS	1024

/* A live trigger: until when it holds the hooks (arm.h, CT_ARM_HOLD_NS). */
struct ct_arm_hold {
	uint32_t pid;
	uint64_t until_ns;
};

struct ct_arm {
	bool armed;		/* hooks attached */
	bool want;		/* a trigger exec'ed while detached */
	bool full;		/* holds[] overflowed: never detach again */
	unsigned int groups_want;	/* 1 << enum ct_sys_group asked */
	uint64_t group_ns[CT_SYS_GROUPS];	/* the record that asked */
	uint32_t group_by[CT_SYS_GROUPS];	/* its type (CT_EV_*) */
	uint64_t trigger_ns;	/* the first such exec (or connect) */
	uint32_t trigger_by;	/* its type (CT_EV_*), 0: a container */
	uint64_t busy_ns;	/* last time something needed the hooks */
	struct ct_arm_hold holds[CT_ARM_PIDS];	/* live triggers */
	size_t nholds;
};

/* Attached at start (the session attaches everything), busy at now_ns. */
void ct_arm_init(struct ct_arm *a, uint64_t now_ns);

/*
 * The session's own first attach, at attached_ns: when its last syscall
 * program was attached; idle from now_ns on, when the session is up.  The
 * lifecycle programs are attached first and their records kept from
 * then on, the syscall programs only once every object is loaded,
 * seconds later on a loaded host (the verifier): a container whose
 * runtime began in between was not seen whole, and the tracker judges
 * it by this record as by any attach.  Its trigger_ns is 0 (no exec
 * asked): the tracker does not count it among the attaches.
 */
void ct_arm_start(struct ct_arm *a, uint64_t attached_ns, uint64_t now_ns,
		  struct ct_arm_rec *out);

/*
 * At the session's start (now_ns): the engine clients and runtimes
 * already alive (the askers, by /proc/PID/comm under proc_dir, but those
 * whose command only reads, by /proc/PID/cmdline) hold the
 * hooks as if their exec had been seen then, for CT_ARM_HOLD_NS at most:
 * a `docker pull` begun before coldtrace is followed, then by its open
 * blob files.  Shims and monitors are not: they keep containers
 * coldtrace did not see start, for as long as those run.  Returns how
 * many were adopted.
 */
size_t ct_arm_adopt(struct ct_arm *a, const char *proc_dir, uint64_t now_ns);

/* Follow the trigger processes (exec, exit); note a trigger while off.
 * rec: checked (ct_rec_check()) where it entered, the live loop. */
void ct_arm_feed(struct ct_arm *a, const void *rec, size_t len);

/*
 * @busy containers need the hooks at now_ns (ct_tracker_busy(): a die
 * while they are detached): note it as a trigger if they are off.
 */
void ct_arm_busy(struct ct_arm *a, size_t busy, uint64_t now_ns);

/* True once: the hooks must be attached now (a trigger came while off). */
bool ct_arm_wanted(const struct ct_arm *a);

/*
 * The groups asked for since the hooks were last detached (or the groups
 * last set), as bits 1 << enum ct_sys_group: a runsc exec'ed (the stub),
 * a daemon connected (the pull group).  They must be on with the hooks;
 * ct_arm_groups_set() once they are; a detach (ct_arm_set()) takes them
 * away with the hooks.  ct_arm_group_asked_ns(), _by(): when the record
 * that asked for group g was made, and its type.
 */
unsigned int ct_arm_groups_wanted(const struct ct_arm *a);
uint64_t ct_arm_group_asked_ns(const struct ct_arm *a, enum ct_sys_group g);
uint32_t ct_arm_group_asked_by(const struct ct_arm *a, enum ct_sys_group g);
void ct_arm_groups_set(struct ct_arm *a);

/*
 * Whether to detach now: attached, no container busy in the tracker
 * (@busy), no trigger alive within its hold, and so for CT_ARM_IDLE_NS.
 * alive(pid) lets go of triggers whose exit was lost (NULL: trust the
 * records).
 */
bool ct_arm_idle(struct ct_arm *a, uint64_t now_ns, size_t busy,
		 ct_proc_alive_cb alive, void *ctx);

/*
 * The hooks were attached (armed) at now_ns, or will be detached from
 * now_ns on: updates a and fills the CT_EV_ARM record to feed the session.
 */
void ct_arm_set(struct ct_arm *a, bool armed, uint64_t now_ns,
		struct ct_arm_rec *out);

#endif /* __CT_ARM_H */
