/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one syscall object, BPF side bpf/sys.bpf.c: the only
 * tp_btf/sys_enter and tp_btf/sys_exit programs of the tool (or, on
 * kernels with fentry, fentry/fexit on the syscalls followed), for the
 * syscalls of every feature (lifecycle mount/umount2/connect, opens,
 * pulls, dockerd's mkdirat for prepare and rmdir for destroy, ready's
 * listen), and its only tp_btf/sched_switch (runsc's stub stops,
 * --why), attached only when one of those is on.  Start it after the
 * other tracers, whose maps it shares by fd; stop it first.
 */
#ifndef __CT_SYS_BPF_H
#define __CT_SYS_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mapfull.h"

struct ct_loader;
struct ct_opens_bpf;
struct ct_sys_bpf;
struct ct_why_bpf;

/* What the syscall programs do besides the lifecycle's syscalls. */
struct ct_sys_features {
	struct ct_opens_bpf *opens;	/* started open tracer, or NULL */
	bool pull;			/* image pulls (not --no-pulls) */
	bool prepare;			/* dockerd's mkdirat and rmdir */
	bool ready;			/* --ready=listen: needs opens */
	struct ct_why_bpf *why;		/* started --why tracer, or NULL */
};

/*
 * Open, set the feature flags, share the maps of l and f->opens, load,
 * attach; pull records are added to l's reader.  0 or -errno + err.
 */
int ct_sys_bpf_start(struct ct_sys_bpf **out, struct ct_loader *l,
		     const struct ct_sys_features *f, bool verbose, char *err,
		     size_t errlen);
void ct_sys_bpf_stop(struct ct_sys_bpf *s);

/*
 * Detach the programs (sys_enter, sys_exit, sched_switch; or the fentry
 * path's: whichever the variant loaded), keeping their maps, or attach
 * them again: while no syscall tracepoint is attached the host's
 * syscalls take the fast path (user/kern/arm.c).
 * ct_sys_bpf_start() leaves them attached.  0 or -errno + err.
 */
int ct_sys_bpf_arm(struct ct_sys_bpf *s, char *err, size_t errlen);

/*
 * The detach, in steps: ct_sys_bpf_disarm_begin() shuts the gates and
 * turns the groups off, so that nothing is counted from then on; then
 * each ct_sys_bpf_detach_one() detaches one program (the groups' first,
 * then the skeleton's in its order: on the tp_btf path sys_enter goes
 * first), true while there was one.  Removing the last fentry program
 * of a kernel function waits for an RCU tasks grace period (seconds in
 * all under emulation, docs/results/steady-state.md), so the caller reads its
 * ring buffer between two steps, and a trigger meanwhile attaches them
 * again (ct_sys_bpf_arm(): what was detached; the programs left of the
 * groups, which are off, it detaches once the rest is attached) without
 * waiting for the rest.
 */
void ct_sys_bpf_disarm_begin(struct ct_sys_bpf *s);
bool ct_sys_bpf_detach_one(struct ct_sys_bpf *s);

/*
 * Blob files that a live daemon opened while the pull hooks were on and
 * has not closed (bpf/pull_sys.bpf.h `fds`; @alive: whether a process
 * lives, so that a daemon that died with files open holds nothing).
 * They hold the hooks (user/kern/arm.h): their closes must be seen.
 */
size_t ct_sys_bpf_pull_files(const struct ct_sys_bpf *s,
			     bool (*alive)(uint32_t pid, void *ctx), void *ctx);

/*
 * What the pull maps keep for owners that are gone: opening entries of
 * a thread that ended, or whose open exit came while the hooks were
 * detached.  An LRU dropped them once the map was full; a hash keeps
 * them.  Returns how many were deleted.
 */
size_t ct_sys_bpf_sweep(const struct ct_sys_bpf *s,
			bool (*alive)(uint32_t pid, void *ctx), void *ctx);

/*
 * ... and fds entries of a process that ended (killed: its blob files
 * closed by its exit, without close(2)): each given to gone() with
 * what was counted of it (whole: under the hooks' current generation,
 * as its close would have judged it), then deleted.  Podman pulls in
 * its own process, so a killed `podman pull` leaves nothing else.
 */
struct ct_pull_blob_state;
typedef void (*ct_sys_file_gone_fn)(uint32_t tgid, int fd,
				    const struct ct_pull_blob_state *st,
				    bool whole, void *ctx);
size_t ct_sys_bpf_sweep_files(const struct ct_sys_bpf *s,
			      bool (*alive)(uint32_t pid, void *ctx), void *ctx,
			      ct_sys_file_gone_fn gone, void *gctx);

/*
 * Inserts refused by full maps so far, per map (include/mapfull.h), of
 * this object and of the open tracer's, whose counters it shares.
 */
void ct_sys_bpf_map_full(const struct ct_sys_bpf *s,
			 uint64_t out[CT_MAPFULL_NR]);

/*
 * Engine clients alive that tried to read their stdin and have had no
 * data there yet (bpf/clients.bpf.h): they hold the hooks (arm.h), so
 * that the read's exit is seen, however late the data comes.
 */
size_t ct_sys_bpf_stdin_waits(const struct ct_sys_bpf *s,
			      bool (*alive)(uint32_t pid, void *ctx), void *ctx);

/*
 * Programs of the fentry path attached on demand while the hooks are
 * (user/kern/arm.h), not by ct_sys_bpf_arm(), and detached with them by
 * ct_sys_bpf_disarm_begin() and ct_sys_bpf_detach_one():
 * - CT_SYS_STUB: runsc's stub sys_exit (bpf/sys.bpf.c ct_fx_stub), the
 *   one raw syscall tracepoint of the fentry path;
 * - CT_SYS_PULL: the pull tracer's read, pread64, write, close: a blob
 *   file opened while they are off goes out as CT_EV_PULL_UNTRACED
 *   (include/pull.h);
 * - CT_SYS_STDIN: prepare's read entry and exit, for an engine client's
 *   stdin (CT_EV_STDIN).
 * A program of two groups (read's entry: pulls and stdin) stays attached
 * while either is on.
 * Managed: the group has programs (fentry path, feature on); elsewhere
 * ct_sys_bpf_group() does nothing and they come with the rest.
 * ct_sys_bpf_start() attaches them.  0 or -errno + err.  On: attached.
 */
enum ct_sys_group {
	CT_SYS_STUB,
	CT_SYS_PULL,
	CT_SYS_STDIN,
	CT_SYS_GROUPS
};

bool ct_sys_bpf_group_managed(const struct ct_sys_bpf *s,
			      enum ct_sys_group g);
bool ct_sys_bpf_group_on(const struct ct_sys_bpf *s, enum ct_sys_group g);
int ct_sys_bpf_group(struct ct_sys_bpf *s, enum ct_sys_group g, bool on,
		     char *err, size_t errlen);

#endif /* __CT_SYS_BPF_H */
