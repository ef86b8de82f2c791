// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a live session's loop checks besides its records: the loss
 * counters, full maps, entries no record will delete, the wall clock.
 * See live.h.
 */
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "loader.h"
#include "opens_source_bpf.h"
#include "report.h"
#include "sys_bpf.h"
#include "tracker.h"
#include "util.h"

/*
 * The kernel's loss counters, as a record whenever one grew (and at the
 * end, @always): the stages learn of a loss within a turn of the loop,
 * while what it touched (a pull) is still open, and a recording says
 * when it happened.
 */
void ct_live_read_losses(struct ct_live *ls, bool always)
{
	uint64_t n[CT_LOSS_KINDS];

	memcpy(n, ls->losses, sizeof(n));
	ct_loader_losses(ls->l, n);
	ls->s.lost = n[CT_LOSS_EVENTS];		/* for /metrics and -i */
	if (!always && !memcmp(n, ls->losses, sizeof(n)))
		return;
	memcpy(ls->losses, n, sizeof(n));
	ct_session_losses(&ls->s, n);
}

/*
 * Inserts refused by full maps: a record when a count grew, so that the
 * report, /metrics and --record have them (mapfull.h).
 */
void ct_live_map_full_check(struct ct_live *ls)
{
	uint64_t now[CT_MAPFULL_NR];

	if (!ls->sys_bpf)
		return;
	ct_sys_bpf_map_full(ls->sys_bpf, now);
	if (!memcmp(now, ls->map_full, sizeof(now)))
		return;
	memcpy(ls->map_full, now, sizeof(now));
	ct_session_inject_map_full(&ls->s, now);
}

static bool tracker_has_key(uint64_t key, void *ctx)
{
	return ct_tracker_has_key(ctx, key);
}

/*
 * The maps are hashes (mapfull.h): what an LRU evicted once full stays
 * until deleted.  Containers tracked a minute ago that no container of
 * the tracker's has (records lost, its table full) are let go; so are
 * the pull maps' entries of processes gone.
 */
static void sweep_maps(struct ct_live *ls)
{
	uint64_t before = ct_mono_ns() - (uint64_t)(CT_LIVE_SWEEP_S * 1e9);
	size_t n = 0, m = 0;

	if (ls->opens_bpf)
		n = ct_opens_sweep(ls->opens_bpf, before, tracker_has_key,
				   ls->s.pl.tracker);
	if (ls->sys_bpf)
		m = ct_sys_bpf_sweep(ls->sys_bpf, ct_session_pid_alive, NULL);
	if (ls->s.cli->verbose && (n || m))
		fprintf(stderr, "maps: %zu containers no record will read, "
			"%zu pull file opens of threads gone, let go\n", n, m);
}

/* A blob file of a process that ended without closing it. */
static void file_gone(uint32_t tgid, int fd,
		      const struct ct_pull_blob_state *st, bool whole,
		      void *ctx)
{
	ct_session_inject_blob(ctx, tgid, fd, st, whole);
}

/* Every second: what a pull's process left open when it ended. */
static void sweep_files(struct ct_live *ls)
{
	size_t m;

	if (!ls->sys_bpf)
		return;
	m = ct_sys_bpf_sweep_files(ls->sys_bpf, ct_session_pid_alive, NULL,
				   file_gone, &ls->s);
	if (ls->s.cli->verbose && m)
		fprintf(stderr, "maps: %zu blob files of processes gone, "
			"sent as closed\n", m);
}

/*
 * A step of the wall clock (or a suspend) seen, said once per move: wall
 * times keep the session's offset (wallclock.h), durations are right.
 */
static void clock_check(struct ct_live *ls)
{
	struct ct_wallclock *w = &ls->s.clock;

	if (!ct_wallclock_check(w, ct_wallclock_offset_ns()))
		return;
	ct_report_info("the wall clock moved %+.3f s against the monotonic "
		       "clock since the session began (a clock step or a "
		       "suspend): wall times printed from now on are off by "
		       "that much (durations are not); "
		       "coldtrace_wall_clock_step_seconds has it",
		       (double)w->step_ns / 1e9);
}

void ct_live_chores(struct ct_live *ls, double t)
{
	if (t >= ls->next_map_check) {
		ls->next_map_check = t + CT_LIVE_MAP_CHECK_S;
		ct_live_map_full_check(ls);
		clock_check(ls);
		sweep_files(ls);
	}
	if (t >= ls->next_sweep) {
		ls->next_sweep = t + CT_LIVE_SWEEP_S;
		sweep_maps(ls);
	}
}
