/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why=user's probe on runtime.gopark (bpf/why.bpf.c's ct_why_gopark),
 * placed on runc's binary only (docs/why.md "A parked goroutine's
 * frames"): on the runc the session finds on PATH, in the usual places
 * and in the roots of the engines alive at its start, so that the first
 * container's runc is probed, and on the binary of each runc
 * whose exec the session sees, when new (a runc elsewhere: its first
 * command's parks before the probe are missed).  A probe is on the
 * file: every process that runs it, alive or to come, except runc's
 * init, which runs from a memfd copy of it made for each container (a
 * file of its own: never probed).  The shims and containerd park 2.5
 * times as often as runc (docs/results/go-ustacks.md): probed too, the
 * hits would cost over 2 % of a start, so they are not.  A binary
 * without a Go line table or runtime.gopark gets no probe, said once
 * with its path and build id.
 */
#ifndef __CT_GOPARK_BPF_H
#define __CT_GOPARK_BPF_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_program;
struct ct_gopark;

/* The one program probed (its file's name and its processes' comm). */
#define CT_GOPARK_PROGRAM	"runc"

/* The probe's placements of prog; NULL: no memory. */
struct ct_gopark *ct_gopark_new(struct bpf_program *prog,
					bool verbose);
/* Every probe detached. */
void ct_gopark_free(struct ct_gopark *g);

/* The binary at path (a file, or /proc/PID/exe) probed, if new. */
void ct_gopark_place(struct ct_gopark *g, const char *path);
/*
 * Every file named name in the directories of path_env (PATH, NULL:
 * none) and the usual ones (the engines' PATH may not be the session's),
 * and in the usual ones under the root of each containerd and dockerd
 * alive under proc_dir ("/proc": an engine in a mount namespace of its
 * own runs its root's runc).
 */
void ct_gopark_place_named(struct ct_gopark *g, const char *name,
			   const char *path_env, const char *proc_dir);
/* Probes attached now. */
size_t ct_gopark_probes(const struct ct_gopark *g);

#endif /* __CT_GOPARK_BPF_H */
