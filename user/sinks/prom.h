/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition format 0.0.4: one writer for both
 * DIR/metrics.prom (--output) and /metrics (--listen), so that the two
 * never differ.
 *
 * Families (the README's metrics table):
 *   coldtrace_build_info{version,kernel}              gauge, 1
 *   coldtrace_containers_total                        counter
 *   coldtrace_containers_complete_total               counter
 *   coldtrace_containers_failed_total                 counter
 *   coldtrace_containers_pending (tracker's, unlabelled) gauge
 *   the session's counters and losses (model/counters.h's rows, the
 *   summary's fields: lost_events, dropped_containers, ...) as
 *   coldtrace_<key>_total: unlabelled counters (losses.c)
 *   coldtrace_phase_duration_seconds{...,phase}       histogram
 *   coldtrace_cold_start_seconds                      histogram
 *   coldtrace_open_latency_seconds                    histogram, log2
 *                                                     buckets, _sum of
 *                                                     the slots' middles
 *   coldtrace_restart_duration_seconds                histogram
 *   coldtrace_pods_total, _complete_total, _failed_total,
 *   coldtrace_pod_phase_duration_seconds, _cold_start_seconds,
 *   _restart_duration_seconds: the same for CRI pods' sandboxes (agg.h:
 *   never pooled with containers), once a pod was seen
 *   coldtrace_pulls_total, _complete_total, coldtrace_pull_layers_total,
 *   _bytes_total, _untraced_files_total                counters
 *   coldtrace_pull_duration_seconds, _time_to_first_byte_seconds
 *                                                     histograms
 *   (image pulls, pulls.h's totals: labelled by engine only)
 *
 * Labels of every per-container family: container_runtime (runc, crun,
 * runsc, kata, unknown: OpenTelemetry's container.runtime), engine
 * (ct_engine_name(): docker, containerd, direct, podman, cri, buildah,
 * unknown; no OpenTelemetry attribute), and with --metrics-labels
 * container_id and container_name (OpenTelemetry's container.id,
 * container.name).  Samples and histograms count the containers of the
 * aggregator as ct_agg_stats() does (failed ones in none but
 * containers_failed_total); a restart counts under its new container.  Duration buckets: 100 us .. 60 s.
 * A (runtime, engine) pair has its series from its first container on;
 * when --runtime or --engine name the scope, every pair of it (known
 * ones only) has them from the first scrape, at 0 before its first
 * container, so that rate() and increase() count that one too.  The
 * default scope would be 20 pairs (~5,200 lines, ~540 KB a scrape, ~5,000
 * series a node): only the pairs seen are exported then.
 */
#ifndef __CT_PROM_H
#define __CT_PROM_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

/* --metrics-labels: per-container labels (one series per container). */
enum ct_prom_label {
	CT_PROM_LABEL_ID = 1u << 0,	/* container_id */
	CT_PROM_LABEL_NAME = 1u << 1,	/* container_name */
	CT_PROM_LABEL_NAMESPACE = 1u << 2,	/* k8s_namespace */
	CT_PROM_LABEL_POD = 1u << 3,	/* k8s_pod */
};

/*
 * metrics.prom text into f, labelled as meta->prom_labels says.
 * Returns 0 or -ENOMEM.
 */
int ct_export_prom(FILE *f, const struct ct_agg *agg,
		   const struct ct_meta *meta);

/*
 * /metrics of a live session only, what its live readers know and a
 * replay cannot: coldtrace_bpf_fuse_traced, whether the coldtrace_fuse_
 * counters can count at all on this kernel, and what those readers
 * missed (layers.h, interp.h).
 */
struct ct_prom_live {
	bool fuse_traced;
	uint64_t layers_unnamed;	/* layers.h's timeouts */
	uint64_t samples_missed;	/* layers.h's unsampled */
	uint64_t loaders_unread;	/* interp.h's unread */
};

void ct_prom_live(FILE *f, const struct ct_prom_live *l);

#endif /* __CT_PROM_H */
