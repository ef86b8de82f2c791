/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The session's counters and losses, declared once: every row is what
 * the text summary, summary.json, metrics.prom (/metrics) and OTLP's
 * resource say of one of them, and the tracker's counters are fields of struct
 * ct_tracker_stats (tracker.h) made from their rows.  A new counter is
 * a row here, the line that counts it and its test.
 *
 * A row: CT_COUNTER(field, source, designated initializers of struct
 * ct_counter_row).  The source says where its value is read:
 * TRACKER, a field of struct ct_tracker_stats of that name (made from
 * this row); OTHER, one of the cases of ct_counters_read()
 * (user/sinks/counters.c).  The rows are in summary.json's order
 * (every row is there, always, as "key": n); the text summary and
 * metrics.prom walk them in their own (text_at, prom_at: increasing,
 * gaps allowed; 0: not in that output).
 */
#ifndef __CT_COUNTERS_H
#define __CT_COUNTERS_H

#include <stdint.h>

enum ct_counter_flags {
	/* text: said even at 0; its "after" only when not 0 */
	CT_CTR_TEXT_ALWAYS = 1u << 0,
	/* text: one line with the row after it in the text's order, said
	 * when either is not 0 */
	CT_CTR_TEXT_WITH_NEXT = 1u << 1,
	/* by BPF map (mapfull.h): text and metrics.prom say each map's */
	CT_CTR_BY_MAP = 1u << 2,
};

struct ct_counter_row {
	const char *key;	/* summary.json's; metrics.prom's
				 * coldtrace_<key>_total */
	const char *unit;	/* what it counts */
	const char *type;	/* "counter", or "max" (the largest seen) */
	const char *help;	/* what it counts: metrics.prom's HELP */
	/* what the man page and docs/output.md say after help, NULL: none
	 * (HELP stays one short line) */
	const char *more;
	/* metrics.prom's family of its own, outside the loss families;
	 * NULL: none */
	const char *prom_own;
	/* the OTLP resource's attribute of it, in the file only (a pushed
	 * request's would be a count still growing); NULL: none */
	const char *otlp;
	/* the text summary's line, "<text><n><after>", only when n != 0 */
	const char *text, *after;
	const char *kept_out;	/* what it keeps them out of, NULL: none */
	unsigned int text_at, prom_at, flags;
};

/* The table: CT_COUNTERS(CT_COUNTER) expands it row by row. */
#define CT_COUNTERS(X)							\
	X(lost_events, OTHER,						\
	  .key = "lost_events", .unit = "events",			\
	  .help = "Events lost by the kernel ring buffer.",		\
	  .otlp = "coldtrace.lost_events",				\
	  .more = "The lifecycle ring buffer's records only: pulls, "	\
		  "opens and --why count theirs apart "			\
		  "(lost_pull_records, lost_opens, lost_why_threads).",	\
	  .text = "lost events: ",					\
	  .after = " (containers may be missing or incomplete: try a "	\
		   "larger --ringbuf)",					\
	  .text_at = 1, .prom_at = 1, .flags = CT_CTR_TEXT_ALWAYS)	\
	/* the other kinds of enum ct_loss (CT_EV_LOST): pull records	\
	 * the pull_events ring had no room for, threads --why could	\
	 * not mark, opens whose start could not be stored */		\
	X(lost_pull_records, TRACKER,					\
	  .key = "lost_pull_records", .unit = "records",		\
	  .help = "Image pull records lost by the pull ring buffer "	\
		  "(pulls may miss layers).",				\
	  .text = "pull records lost: ",				\
	  .after = " (the pull ring buffer was full: image pulls may "	\
		   "miss layers)",					\
	  .text_at = 2, .prom_at = 2)					\
	X(lost_why_threads, TRACKER,					\
	  .key = "lost_why_threads", .unit = "threads",			\
	  .help = "--why: threads not marked (their scheduler states "	\
		  "missing from the splits).",				\
	  .text = "--why threads lost: ",				\
	  .after = " (not marked: their scheduler states are missing "	\
		   "from the splits)",					\
	  .text_at = 3, .prom_at = 3)					\
	X(lost_opens, TRACKER,						\
	  .key = "lost_opens", .unit = "opens",				\
	  .help = "Opens whose start was not stored (not timed, not in "\
		  "the open histograms).",				\
	  .text = "opens lost: ",					\
	  .after = " (their start was not stored: not timed, not in "	\
		   "the open histograms)",				\
	  .kept_out = "the open histograms",				\
	  .text_at = 5, .prom_at = 5)					\
	/* lost_events grew while they were followed */			\
	X(records_lost, TRACKER,					\
	  .key = "records_lost_containers", .unit = "containers",	\
	  .help = "Containers reported incomplete because the ring "	\
		  "buffer lost records while they were followed.",	\
	  .text = "records lost under containers: ",			\
	  .after = " (reported incomplete, not failed: what is missing "\
		   "of them may be in the lost events)",		\
	  .text_at = 4, .prom_at = 4)					\
	X(dropped_containers, TRACKER,					\
	  .key = "dropped_containers", .unit = "containers",		\
	  .help = "Containers not followed: container table full.",	\
	  .text = "not followed: ", .after = " containers, ",		\
	  .text_at = 6, .prom_at = 6, .flags = CT_CTR_TEXT_WITH_NEXT)	\
	/* the process table's, read from it (ct_tracker_get_stats()) */\
	X(dropped_procs, TRACKER,					\
	  .key = "dropped_processes", .unit = "processes",		\
	  .help = "Processes not followed: process table full.",	\
	  .text = "", .after = " processes (tables full: containers "	\
			       "are missing)",				\
	  .text_at = 7, .prom_at = 7)					\
	/* given up: exit events lost */				\
	X(expired, TRACKER,						\
	  .key = "expired_containers", .unit = "containers",		\
	  .help = "Containers whose processes vanished unseen "		\
		  "(incomplete).",					\
	  .text = "expired: ",						\
	  .after = " containers whose processes vanished unseen "	\
		   "(reported incomplete)",				\
	  .text_at = 8, .prom_at = 8)					\
	X(malformed, TRACKER,						\
	  .key = "malformed_records", .unit = "records",		\
	  .help = "Records refused as malformed.",			\
	  .text = "malformed records: ", .after = " (ignored)",		\
	  .text_at = 9, .prom_at = 9)					\
	X(bad_keys, TRACKER,						\
	  .key = "unkeyed_containers", .unit = "containers",		\
	  .help = "Containers whose cgroup key is not their own.",	\
	  .text = "cgroup key not per-container: ",			\
	  .after = " containers (cgroup view differs from the "		\
		   "runtime's: opens unobservable)",			\
	  .text_at = 20, .prom_at = 10)					\
	/* the sum of ct_tracker_stats' map_full[] */			\
	X(map_full, OTHER,						\
	  .key = "map_full_inserts", .unit = "inserts",			\
	  .help = "Inserts refused by full BPF maps, by map: those "	\
		  "containers' opens unobservable, blob files missing "	\
		  "from pulls.",					\
	  .text_at = 21, .prom_at = 11, .flags = CT_CTR_BY_MAP)		\
	/* docker: several clients could have asked */			\
	X(ambiguous_clients, TRACKER,					\
	  .key = "ambiguous_clients", .unit = "containers",		\
	  .help = "Docker containers whose client is not known: "	\
		  "several clients could have asked for them.",		\
	  .text = "client not known: ",					\
	  .after = " docker containers (several clients could have "	\
		   "asked for them)",					\
	  .text_at = 12)						\
	/* CRI: CNI plugins whose environment did not say their command	\
	 * and sandbox (its record lost, the variables missing or	\
	 * invalid) */							\
	X(cni_unattributed, TRACKER,					\
	  .key = "cni_unattributed", .unit = "plugins",			\
	  .help = "CRI: CNI plugins whose environment did not name "	\
		  "their command and pod (not attributed).",		\
	  .text = "CNI plugins not attributed: ",			\
	  .after = " (their environment did not name their command "	\
		   "and pod)",						\
	  .text_at = 13, .prom_at = 12)					\
	/* idle-host arming (CT_EV_ARM, user/kern/arm.h): begun while	\
	 * the syscall hooks were detached (or not yet attached at the	\
	 * session's start) */						\
	X(unarmed, TRACKER,						\
	  .key = "unarmed_containers", .unit = "containers",		\
	  .help = "Containers begun while the syscall hooks were "	\
		  "detached (idle host): opens, ready, mounts may be "	\
		  "missing.",						\
	  .text = "syscall hooks attached late: ",			\
	  .after = " containers began while the host was idle and the "	\
		   "hooks detached (opens, ready, mounts may be missing: "\
		   "left out of the statistics; --arm=always keeps them "\
		   "attached)",						\
	  .kept_out = "the statistics",					\
	  .text_at = 14, .prom_at = 13)					\
	/* the hooks were detached while they ran			\
	 * (opens.traced_until_ns) */					\
	X(opens_cut, TRACKER,						\
	  .key = "opens_cut_containers", .unit = "containers",		\
	  .help = "Containers that ran on after the syscall hooks were "\
		  "detached: opens after opens.traced_until_ns not all "\
		  "counted.",						\
	  .text = "opens traced only in part: ",			\
	  .after = " containers ran on after the syscall hooks were "	\
		   "detached (cold start over; opens.traced_until_ns; "	\
		   "--arm=always keeps them attached)",			\
	  .text_at = 15, .prom_at = 14)					\
	/* their removal began while the hooks were detached */		\
	X(removal_unarmed, TRACKER,					\
	  .key = "removal_unarmed_containers", .unit = "containers",	\
	  .help = "Containers whose removal began while the syscall "	\
		  "hooks were detached: disconnect and destroy may miss "\
		  "the engine's umounts.",				\
	  .text = "removal begun while the syscall hooks were "		\
		  "detached: ",						\
	  .after = " containers (disconnect and destroy may miss the "	\
		   "engine's umounts: left out of their statistics)",	\
	  .kept_out = "the disconnect and destroy statistics",		\
	  .text_at = 16, .prom_at = 16)					\
	/* their prepare could not be told */				\
	X(prepare_missing, TRACKER,					\
	  .key = "prepare_missing_containers", .unit = "containers",	\
	  .help = "Containers whose prepare could not be told (created "\
		  "long before a start whose request was not seen).",	\
	  .more = "Also one started by no client's command (its "	\
		  "engine's API service, a restart policy) or begun "	\
		  "while the syscall hooks were detached: the record's "\
		  "\"prepare_missing\" says which.",			\
	  .text = "prepare not told: ",					\
	  .after = " containers created long before a start whose "	\
		   "request was not seen (no prepare: left out of the "	\
		   "cold start and total statistics)",			\
	  .kept_out = "the cold start and total statistics",		\
	  .text_at = 17, .prom_at = 15)					\
	/* begun before the session (CT_EV_ADOPT, adopt.h), reported as	\
	 * they ended */						\
	X(partial, TRACKER,						\
	  .key = "partial_containers", .unit = "containers",		\
	  .help = "Containers begun before the session, reported as "	\
		  "they ended (partial, in no statistic).",		\
	  .text = "started before the session: ",			\
	  .after = " containers seen from the middle to their end "	\
		   "(partial: left out of the statistics)",		\
	  .kept_out = "the statistics",					\
	  .text_at = 18, .prom_at = 17)					\
	/* ... and still running (now, or at the session's end after	\
	 * ct_tracker_flush(): no record, nothing of them ended) */	\
	X(partial_running, TRACKER,					\
	  .key = "partial_running_containers", .unit = "containers",	\
	  .help = "Containers begun before the session and still "	\
		  "running (reported, partial, when they end).",	\
	  .prom_own = "coldtrace_containers_partial_running",		\
	  .text = "started before the session and still running: ",	\
	  .after = " containers (no record: neither their start nor "	\
		   "their end was seen)",				\
	  .text_at = 19)						\
	/* times the hooks were attached again */			\
	X(arms, TRACKER,						\
	  .key = "hooks_attached", .unit = "attaches",			\
	  .help = "Times the syscall hooks were attached again after an"\
		  " idle spell.",					\
	  .prom_at = 18)						\
	/* the longest wait from the exec that asked to the attach	\
	 * (ct_tracker_stats' arm_latency_max_ns) */			\
	X(arm_latency_max, OTHER,					\
	  .key = "arm_latency_max_us", .unit = "us", .type = "max",	\
	  .help = "The longest wait from an exec that asked for the "	\
		  "syscall hooks to their attach.")			\
	/* the aggregator's (ct_agg_runtime_failed()); metrics.prom's	\
	 * are labelled (and the pods' and the restores' apart) */	\
	X(failed, OTHER,						\
	  .key = "failed_containers", .unit = "containers",		\
	  .help = "Containers, pods and restores that never ran their "	\
		  "program.",						\
	  .prom_own = "coldtrace_containers_failed_total",		\
	  .text = "failed: ",						\
	  .after = " containers never ran their program (left out of "	\
		   "the statistics)",					\
	  .kept_out = "the statistics",					\
	  .text_at = 10)						\
	/* the aggregator's (ct_agg_restart_keys_forgotten()) */	\
	X(restart_keys_forgotten, OTHER,				\
	  .key = "restart_keys_forgotten", .unit = "services",		\
	  .help = "Services pushed out of the full restart-pairing "	\
		  "table (continuous mode): their next restart is not "	\
		  "counted.",						\
	  .text = "restart pairing: ",					\
	  .after = " services pushed out of its full table (their next "\
		   "restart not counted)",				\
	  .kept_out = "the restart statistics",				\
	  .text_at = 11, .prom_at = 19)					\
	/* the chains' (ct_chains_stats()) */				\
	X(chain_runners_dropped, OTHER,					\
	  .key = "chain_runners_dropped", .unit = "runners",		\
	  .help = "Workflow runners not followed: chain table full.",	\
	  .prom_at = 20)						\
	X(chains_not_kept, OTHER,					\
	  .key = "chains_not_kept", .unit = "chains",			\
	  .help = "Chains emitted, then pushed out of the kept ring "	\
		  "(not in chains.jsonl).",				\
	  .prom_at = 21)

/* enum ct_counter: CT_CTR_<field>, a row's index */
#define CT_COUNTER_ENUM(field, src, ...)	CT_CTR_##field,
enum ct_counter { CT_COUNTERS(CT_COUNTER_ENUM) CT_CTR_MAX };
#undef CT_COUNTER_ENUM

/* struct ct_tracker_stats' fields: a TRACKER row's */
#define CT_COUNTER_FIELD_TRACKER(field)	uint64_t field;
#define CT_COUNTER_FIELD_OTHER(field)
#define CT_COUNTER_FIELD(field, src, ...)	CT_COUNTER_FIELD_##src(field)

#endif /* __CT_COUNTERS_H */
