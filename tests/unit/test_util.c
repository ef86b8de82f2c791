// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The small helpers of user/util.c: the trackers' bounded FIFOs. */
#include <criterion/criterion.h>

#include "util.h"

Test(fifo, full_fifo_drops_its_oldest)
{
	int a[3] = { 1, 2, 3 };
	size_t n = 3;

	cr_assert(ct_fifo_make_room(a, &n, 3, sizeof(a[0])));
	cr_assert_eq(n, 2);
	cr_assert_eq(a[0], 2);
	cr_assert_eq(a[1], 3);
	cr_assert_not(ct_fifo_make_room(a, &n, 3, sizeof(a[0])));
	cr_assert_eq(n, 2);
}

Test(fifo, take_keeps_the_order_of_the_rest)
{
	int a[4] = { 1, 2, 3, 4 };
	size_t n = 4;

	ct_fifo_take(a, &n, sizeof(a[0]), 1);
	cr_assert_eq(n, 3);
	cr_assert_eq(a[0], 1);
	cr_assert_eq(a[1], 3);
	cr_assert_eq(a[2], 4);
	ct_fifo_take(a, &n, sizeof(a[0]), 2);	/* the last: nothing moves */
	cr_assert_eq(n, 2);
	cr_assert_eq(a[1], 3);
}
