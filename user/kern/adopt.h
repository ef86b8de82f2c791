/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Containers already running when the session starts.  Their shims and
 * monitors were exec'ed before any tracer ran, so no record says whose
 * processes they are: when such a container stopped and was removed
 * during the session, nothing was reported and nothing counted.
 *
 * At the start, /proc is read once: every process that started before
 * the tracers and that the classifier calls a container's shim (not a
 * CRI pod's: one shim serves several containers there), monitor
 * (conmon), runsc sandbox or gofer, then, for a shim or monitor that is
 * not runsc's, its earliest-started child that is no machinery: the
 * container's pid 1.  Each becomes a CT_EV_ADOPT record (struct ct_exec:
 * its comm, ppid, exe, argv; stamped now), fed to the session like any
 * record it makes, so that --record keeps them and a replay adopts the
 * same.  The tracker follows the adopted container from there: its
 * record begins at the adoption (run, seen from the middle), is emitted
 * only if it ended during the session, marked partial, and left out of
 * every statistic (tracker.h).
 */
#ifndef __CT_ADOPT_H
#define __CT_ADOPT_H

#include <stddef.h>
#include <stdint.h>

/* Processes read at most: beyond, the rest are not adopted. */
#define CT_ADOPT_MAX	4096

typedef void (*ct_adopt_emit_cb)(const void *rec, size_t len, void *ctx);

/*
 * Scans proc_dir ("/proc") for the processes above whose start time
 * (stat's starttime, clock ticks since boot) is before before_ticks, and
 * emits one CT_EV_ADOPT record each, stamped now_mono_ns (shims and
 * monitors before their pid 1).  Returns how many were emitted.
 */
size_t ct_adopt_scan(const char *proc_dir, uint64_t before_ticks,
		     uint64_t now_mono_ns, ct_adopt_emit_cb emit, void *ctx);

/* Clock ticks since boot now: what /proc/PID/stat's starttime counts. */
uint64_t ct_adopt_boot_ticks(void);

#endif /* __CT_ADOPT_H */
