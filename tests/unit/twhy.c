// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test helper: --why's records by hand (twhy.h). */
#include <criterion/criterion.h>
#include "coldtrace.h"
#include "fixture.h"
#include "procs.h"
#include "twhy.h"

#define MS	1000000ull

void tw_feed(struct ct_why *w, const void *rec, size_t len)
{
	ct_procs_feed(fx_model(), rec, len);
	cr_assert_eq(ct_why_feed(w, rec, len), 0);
}

void tw_tstate_ns(struct ct_why *w, uint64_t ns, uint32_t pid, uint32_t tid,
		  uint32_t st, uint32_t stack)
{
	struct ct_tstate r = { 0 };

	r.hdr = (struct ct_hdr){ .ts_ns = ns, .type = CT_EV_TSTATE,
				 .size = sizeof(r), .pid = pid, .tid = tid };
	r.state = st;
	r.stack = stack;
	tw_feed(w, &r, sizeof(r));
}

void tw_tstate(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t tid,
	       uint32_t st, uint32_t stack)
{
	tw_tstate_ns(w, ms * MS, pid, tid, st, stack);
}

void tw_exec(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t ppid)
{
	size_t len = offsetof(struct ct_exec, args);
	struct ct_exec x = { 0 };

	x.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_EXEC,
				 .size = len, .pid = pid, .ppid = ppid };
	tw_feed(w, &x, len);
}

void tw_fork(struct ct_why *w, uint64_t ms, uint32_t parent, uint32_t child)
{
	struct ct_fork f = { 0 };

	f.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_FORK,
				 .size = sizeof(f), .pid = parent };
	f.child_pid = child;
	tw_feed(w, &f, sizeof(f));
}

void tw_exit(struct ct_why *w, uint64_t ms, uint32_t pid)
{
	struct ct_exit x = { 0 };

	x.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_EXIT,
				 .size = sizeof(x), .pid = pid, .tid = pid };
	tw_feed(w, &x, sizeof(x));
}

void tw_phase(struct ct_container *c, int p, uint64_t s_ms, uint64_t e_ms)
{
	c->phase_mask |= 1u << p;
	c->phases[p].start_ns = s_ms * MS;
	c->phases[p].end_ns = e_ms * MS;
}
