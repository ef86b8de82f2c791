/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The wall clock against the records' clock.  Records carry
 * CLOCK_MONOTONIC (ct_hdr.ts_ns); a session turns them into wall time
 * with one offset measured at its start, so that every duration stays
 * a difference of the monotonic clock and a replay prints what the
 * live session printed.  NTP's slewing moves both clocks alike; a step
 * of the real-time clock (settimeofday, an NTP step) or a suspend (the
 * monotonic clock stops) moves the offset, and every wall time printed
 * afterwards is off by that much.  The live loop watches for it and
 * says so (ct_wallclock_check); it does not re-anchor: a phase that
 * spans the step would take the step's length.
 */
#ifndef __CT_WALLCLOCK_H
#define __CT_WALLCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* a move of the offset below this is a measurement's noise */
#define CT_WALLCLOCK_STEP_NS	(10 * 1000000ll)

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, from the narrowest of 8 reads. */
int64_t ct_wallclock_offset_ns(void);

struct ct_wallclock {
	int64_t base_ns;	/* the session's offset */
	int64_t step_ns;	/* the offset now - base_ns, as last said */
	uint64_t steps;		/* moves of CT_WALLCLOCK_STEP_NS or more */
};

void ct_wallclock_init(struct ct_wallclock *w, int64_t base_ns);
/* The offset measured now: true if it moved by CT_WALLCLOCK_STEP_NS or
 * more since it was last said (then w->step_ns is the new step). */
bool ct_wallclock_check(struct ct_wallclock *w, int64_t offset_ns);

#endif /* __CT_WALLCLOCK_H */
