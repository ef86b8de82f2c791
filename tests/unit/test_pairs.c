// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * user/lib/pairs.c: a value per (process, id), checked against a plain
 * array of every pair put, forgotten and cleared at random.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"

Test(pairs, ids_of_one_process_are_not_another_s)
{
	struct ct_pairs *p = ct_pairs_new(8);
	uint32_t v = 0;

	cr_assert_eq(ct_pairs_put(p, 7, 3, 30), 0);
	cr_assert_eq(ct_pairs_put(p, 7 + 1024, 3, 31), 0);	/* same bucket */
	cr_assert(ct_pairs_get(p, 7, 3, &v));
	cr_assert_eq(v, 30);
	cr_assert(ct_pairs_get(p, 7 + 1024, 3, &v));
	cr_assert_eq(v, 31);
	cr_assert_not(ct_pairs_get(p, 8, 3, &v));
	ct_pairs_forget(p, 7);
	cr_assert_not(ct_pairs_get(p, 7, 3, NULL));
	cr_assert(ct_pairs_get(p, 7 + 1024, 3, NULL), "forget took the "
		  "bucket's other process");
	cr_assert_eq(ct_pairs_count(p), 1);
	ct_pairs_free(p);
}

Test(pairs, full_refuses_a_new_pair_but_sets_an_old_one)
{
	struct ct_pairs *p = ct_pairs_new(2);
	uint32_t v;

	cr_assert_eq(ct_pairs_put(p, 1, 1, 1), 0);
	cr_assert_eq(ct_pairs_put(p, 2, 1, 2), 0);
	cr_assert_eq(ct_pairs_put(p, 3, 1, 3), -ENOSPC);
	cr_assert_eq(ct_pairs_put(p, 2, 1, 9), 0);
	cr_assert(ct_pairs_get(p, 2, 1, &v) && v == 9);
	ct_pairs_forget(p, 1);
	cr_assert_eq(ct_pairs_put(p, 3, 1, 3), 0, "a forgotten pair's room "
		     "is not given back");
	ct_pairs_clear(p);
	cr_assert_eq(ct_pairs_count(p), 0);
	cr_assert_not(ct_pairs_get(p, 3, 1, NULL));
	ct_pairs_free(p);
}

#define PROCS	40
#define IDS	300

Test(pairs, random_puts_and_forgets_agree_with_a_plain_array)
{
	static uint32_t truth[PROCS][IDS];	/* 0: none */
	struct ct_pairs *p = ct_pairs_new(PROCS * IDS);
	size_t kept = 0;

	srandom(61);
	for (int step = 0; step < 200000; step++) {
		uint32_t tgid = random() % PROCS, id = random() % IDS, v;
		long r = random() % 1000;

		if (r == 0) {
			for (int i = 0; i < IDS; i++)
				kept -= truth[tgid][i] != 0;
			memset(truth[tgid], 0, sizeof(truth[tgid]));
			ct_pairs_forget(p, tgid * 4096 + 5);
		} else if (r < 500) {
			kept += !truth[tgid][id];
			truth[tgid][id] = (uint32_t)step + 1;
			cr_assert_eq(ct_pairs_put(p, tgid * 4096 + 5, id,
						  truth[tgid][id]), 0);
		} else if (truth[tgid][id]) {
			cr_assert(ct_pairs_get(p, tgid * 4096 + 5, id, &v));
			cr_assert_eq(v, truth[tgid][id]);
		} else {
			cr_assert_not(ct_pairs_get(p, tgid * 4096 + 5, id, &v));
		}
	}
	cr_assert_eq(ct_pairs_count(p), kept);
	ct_pairs_free(p);
}
