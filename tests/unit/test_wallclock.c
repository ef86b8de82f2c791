// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The wall clock against the records' clock (wallclock.h): the offset
 * measured against the two clocks read directly, a step said once per
 * move of 10 ms or more (either way), noise below it never (the /metrics
 * families that carry it: test_selfstat.c).
 */
#include <criterion/criterion.h>
#include <time.h>
#include "util.h"
#include "wallclock.h"

#define MS	1000000ll

Test(wallclock, offset_is_realtime_minus_monotonic)
{
	int64_t m = ct_clock_ns(CLOCK_MONOTONIC);
	int64_t r = ct_clock_ns(CLOCK_REALTIME);
	int64_t o = ct_wallclock_offset_ns();
	int64_t d = o - (r - m);

	/* two reads apart at most a scheduling slice */
	cr_assert(d > -50 * MS && d < 50 * MS, "offset off by %lld ns",
		  (long long)d);
}

Test(wallclock, steps_said_once_noise_never)
{
	struct ct_wallclock w;
	int64_t base = 1700000000000000000ll;

	ct_wallclock_init(&w, base);
	cr_assert_not(ct_wallclock_check(&w, base));
	cr_assert_not(ct_wallclock_check(&w, base + 9 * MS));
	cr_assert_not(ct_wallclock_check(&w, base - 9 * MS));
	cr_assert_eq(w.steps, 0);
	/* an NTP step of an hour forward: said once */
	cr_assert(ct_wallclock_check(&w, base + 3600000 * MS));
	cr_assert_eq(w.step_ns, 3600000 * MS);
	cr_assert_not(ct_wallclock_check(&w, base + 3600000 * MS + 5 * MS));
	/* a suspend of 20 ms: the monotonic clock stopped, the offset grows */
	cr_assert(ct_wallclock_check(&w, base + 3600020 * MS));
	/* stepped back to where it was */
	cr_assert(ct_wallclock_check(&w, base));
	cr_assert_eq(w.step_ns, 0);
	cr_assert_eq(w.steps, 3);
}
