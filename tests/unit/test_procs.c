// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process model (user/model/procs.c): a history asked by pid and time. */
#include <criterion/criterion.h>

#include "fixture.h"
#include "procs.h"

#define MS	FX_MS

static void feed_all(struct ct_procs *m, const struct ct_fx *f)
{
	for (size_t off = 0; off < f->len;) {
		const struct ct_hdr *h = (const void *)(f->buf + off);

		ct_procs_feed(m, h, h->size);
		off += h->size;
	}
}

/*
 * One life told by its records: forked by 100 at 1 ms, two programs
 * (2 ms, 5 ms), exit at 9 ms; a pid of the same bucket lives beside it.
 */
Test(procs, answers_from_the_records)
{
	struct ct_procs *m = ct_procs_new();
	uint32_t twin = 200 + CT_PROCS_EVENTS;
	struct ct_fx f;

	cr_assert(m);
	fx_init(&f);
	fx_at(&f, 1);
	fx_fork(&f, 100, 200);
	fx_at(&f, 2);
	fx_exec(&f, 200, "/bin/a", "a");
	fx_at(&f, 3);
	fx_exec(&f, twin, "/bin/t", "t");
	fx_at(&f, 5);
	fx_exec(&f, 200, "/bin/b", "b");
	fx_at(&f, 9);
	fx_exit(&f, 200, 0);
	feed_all(m, &f);

	cr_assert_eq(ct_procs_count(m), 5);
	cr_assert_eq(ct_procs_gone_after(m, 200, 2 * MS), 5 * MS);
	cr_assert_eq(ct_procs_gone_after(m, 200, 5 * MS), 9 * MS);
	cr_assert_eq(ct_procs_gone_after(m, 200, 9 * MS), 0);
	cr_assert_eq(ct_procs_gone_after(m, twin, 0), 3 * MS);
	cr_assert_eq(ct_procs_exit_after(m, 200, 2 * MS), 9 * MS,
		     "an exec is not an exit");
	cr_assert_eq(ct_procs_exit_after(m, twin, 0), 0);
	cr_assert_eq(ct_procs_exec_before(m, 200, 1 * MS), 0);
	cr_assert_eq(ct_procs_exec_before(m, 200, 4 * MS), 2 * MS);
	cr_assert_eq(ct_procs_exec_before(m, 200, 5 * MS), 5 * MS);
	cr_assert_eq(ct_procs_exec_before(m, twin, 9 * MS), 3 * MS);
	cr_assert_eq(ct_procs_exec_at(m, 5 * MS)->pid, 200);
	cr_assert_eq(ct_procs_exec_at(m, 3 * MS)->pid, twin);
	cr_assert_null(ct_procs_exec_at(m, 4 * MS));
	cr_assert_eq(ct_procs_forked(m, 200)->ppid, 100);
	cr_assert_str_eq(ct_procs_forked(m, 200)->comm, "p100");
	cr_assert_null(ct_procs_forked(m, twin));
	cr_assert_null(ct_procs_forked(m, 100));
	fx_free(&f);
	ct_procs_free(m);
}

/* The newest CT_PROCS_EVENTS are kept: the one before them is not. */
Test(procs, forgets_exactly_what_the_ring_overwrote)
{
	struct ct_procs *m = ct_procs_new();
	struct ct_fx f;

	cr_assert(m);
	fx_init(&f);
	fx_at(&f, 1);
	fx_exec(&f, 7, "/bin/a", "a");
	for (uint32_t i = 0; i < CT_PROCS_EVENTS - 1; i++)
		fx_exit(&f, 1000 + i, 0);
	feed_all(m, &f);
	cr_assert_eq(ct_procs_count(m), CT_PROCS_EVENTS);
	cr_assert_eq(ct_procs_forgotten(m), 0);
	cr_assert_eq(ct_procs_exec_before(m, 7, 2 * MS), 1 * MS);

	fx_free(&f);
	fx_init(&f);
	fx_exit(&f, 999, 0);
	feed_all(m, &f);
	cr_assert_eq(ct_procs_forgotten(m), 1);
	cr_assert_eq(ct_procs_exec_before(m, 7, 2 * MS), 0);
	cr_assert_null(ct_procs_exec_at(m, 1 * MS));
	fx_free(&f);
	ct_procs_free(m);
}

