// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The wall clock against the records' clock (wallclock.h): the offset
 * measured against the two clocks read directly, a step said once per
 * move of 10 ms or more (either way), noise below it never, and the
 * /metrics families that carry it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "selfstat.h"
#include "tprom.h"
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

Test(wallclock, in_the_self_metrics)
{
	struct ct_wallclock w;
	struct prom *p = malloc(sizeof(*p));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(p);
	cr_assert_not_null(f);
	ct_wallclock_init(&w, 0);
	ct_wallclock_check(&w, -2500 * MS);
	ct_self_metrics(f, "/proc", &w);
	cr_assert_eq(fclose(f), 0);
	prom_parse(buf, p);
	prom_check(p);
	cr_assert_float_eq(prom_get(p, "coldtrace_wall_clock_step_seconds",
				    ""), -2.5, 1e-9);
	cr_assert_float_eq(prom_get(p, "coldtrace_wall_clock_steps_total",
				    ""), 1, 1e-9);
	free(buf);
	free(p);
}
