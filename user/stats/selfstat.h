/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --listen's self-metrics, appended to /metrics (not to metrics.prom, a
 * snapshot of the containers): what coldtrace itself costs.
 *
 *   process_cpu_seconds_total, process_resident_memory_bytes,
 *   process_virtual_memory_bytes, process_start_time_seconds,
 *   process_open_fds, process_max_fds    the Prometheus client libraries'
 *                                        process collector, same names
 *   coldtrace_bpf_stats_enabled          kernel.bpf_stats_enabled (0/1)
 *   coldtrace_bpf_program_run_time_seconds_total{program,id}
 *   coldtrace_bpf_program_runs_total{program,id}
 *                                        per BPF program coldtrace holds:
 *                                        the kernel's run_time_ns and
 *                                        run_cnt (ebpf_exporter's
 *                                        program_run_time_seconds), which
 *                                        count only while
 *                                        kernel.bpf_stats_enabled is 1
 *   coldtrace_wall_clock_step_seconds    how far the wall clock moved
 *   coldtrace_wall_clock_steps_total     against the monotonic one since
 *                                        the session began (wallclock.h);
 *                                        only for a live session (w)
 */
#ifndef __CT_SELFSTAT_H
#define __CT_SELFSTAT_H

#include <stdio.h>
#include "wallclock.h"

/* proc_dir: "/proc" (tests: a fake tree with self/stat, stat, self/fd);
 * w: the live session's clock watch, or NULL. */
void ct_self_metrics(FILE *f, const char *proc_dir,
		     const struct ct_wallclock *w);

#endif /* __CT_SELFSTAT_H */
