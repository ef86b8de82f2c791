// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The wall clock against the records' clock: see wallclock.h. */
#include <time.h>
#include "util.h"
#include "wallclock.h"

/*
 * REALTIME read between two MONOTONIC reads, the sample with the
 * narrowest window kept: a preemption in the middle only widens one.
 */
int64_t ct_wallclock_offset_ns(void)
{
	int64_t best_win = INT64_MAX, best = 0;

	for (int i = 0; i < 8; i++) {
		int64_t m1 = ct_clock_ns(CLOCK_MONOTONIC);
		int64_t r = ct_clock_ns(CLOCK_REALTIME);
		int64_t m2 = ct_clock_ns(CLOCK_MONOTONIC);

		if (m2 - m1 < best_win) {
			best_win = m2 - m1;
			best = r - (m1 + (m2 - m1) / 2);
		}
	}
	return best;
}

void ct_wallclock_init(struct ct_wallclock *w, int64_t base_ns)
{
	*w = (struct ct_wallclock){ .base_ns = base_ns };
}

bool ct_wallclock_check(struct ct_wallclock *w, int64_t offset_ns)
{
	int64_t step = offset_ns - w->base_ns;
	int64_t moved = step - w->step_ns;

	if (moved > -CT_WALLCLOCK_STEP_NS && moved < CT_WALLCLOCK_STEP_NS)
		return false;
	w->step_ns = step;
	w->steps++;
	return true;
}
