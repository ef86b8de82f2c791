// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit test of the delayer's queue (no root): `make -C tools/netdelay test`. */
#include <stdio.h>
#include <stdlib.h>
#include "delayq.h"

static int failed;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); failed++; } } while (0)
#define MS 1000000ull

static void test_hold_then_release(void)
{
	struct delayq q;
	uint32_t id = 0;

	CHECK(dq_init(&q, 4, 25 * MS) == 0);
	CHECK(dq_timeout_ms(&q, 0) == -1);
	CHECK(dq_push(&q, 7, 100 * MS) == 0);
	CHECK(dq_push(&q, 8, 110 * MS) == 0);
	CHECK(dq_pop_due(&q, 124 * MS, &id) == 0);	/* not yet */
	CHECK(dq_timeout_ms(&q, 124 * MS) == 1);
	CHECK(dq_timeout_ms(&q, 124 * MS + 1) == 1);	/* rounds up */
	CHECK(dq_pop_due(&q, 125 * MS, &id) == 1 && id == 7);
	CHECK(dq_pop_due(&q, 125 * MS, &id) == 0);	/* 8 due at 135 */
	CHECK(dq_timeout_ms(&q, 125 * MS) == 10);
	CHECK(dq_pop_due(&q, 200 * MS, &id) == 1 && id == 8);
	CHECK(q.queued == 2 && q.released == 2 && q.len == 0);
	dq_free(&q);
}

static void test_bounded(void)
{
	struct delayq q;
	uint32_t id, i;

	CHECK(dq_init(&q, 3, MS) == 0);
	for (i = 0; i < 3; i++)
		CHECK(dq_push(&q, i, 0) == 0);
	CHECK(dq_push(&q, 99, 0) == -1);	/* full: caller accepts now */
	CHECK(q.overflow == 1 && q.len == 3);
	/* wrap around: FIFO order survives the ring's end */
	CHECK(dq_pop_due(&q, MS, &id) == 1 && id == 0);
	CHECK(dq_push(&q, 3, MS) == 0);
	for (i = 1; i < 4; i++)
		CHECK(dq_pop_due(&q, 10 * MS, &id) == 1 && id == i);
	CHECK(dq_pop_due(&q, 10 * MS, &id) == 0);
	dq_free(&q);
}

static void test_flush_and_bad_init(void)
{
	struct delayq q;
	uint32_t id;
	int n = 0;

	CHECK(dq_init(&q, 0, MS) == -1);
	dq_free(&q);
	CHECK(dq_init(&q, 8, 1000 * MS) == 0);
	dq_push(&q, 1, 0);
	dq_push(&q, 2, 0);
	while (dq_pop_any(&q, &id))	/* exit: nothing left held */
		n++;
	CHECK(n == 2 && q.released == 2 && dq_timeout_ms(&q, 0) == -1);
	dq_free(&q);
}

int main(void)
{
	test_hold_then_release();
	test_bounded();
	test_flush_and_bad_init();
	printf("delayq: %s\n", failed ? "FAILED" : "3 tests passed");
	return failed ? 1 : 0;
}
