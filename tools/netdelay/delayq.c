// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "delayq.h"

int dq_init(struct delayq *q, size_t cap, uint64_t delay_ns)
{
	*q = (struct delayq){ .cap = cap, .delay_ns = delay_ns };
	if (!cap)
		return -1;
	q->ring = calloc(cap, sizeof(*q->ring));
	return q->ring ? 0 : -1;
}

void dq_free(struct delayq *q)
{
	free(q->ring);
	q->ring = NULL;
	q->len = 0;
}

int dq_push(struct delayq *q, uint32_t id, uint64_t now_ns)
{
	if (q->len == q->cap) {
		q->overflow++;
		return -1;
	}
	q->ring[(q->head + q->len) % q->cap] =
		(struct dq_item){ .id = id, .due_ns = now_ns + q->delay_ns };
	q->len++;
	q->queued++;
	return 0;
}

static void dq_take(struct delayq *q, uint32_t *id)
{
	*id = q->ring[q->head].id;
	q->head = (q->head + 1) % q->cap;
	q->len--;
	q->released++;
}

int dq_pop_due(struct delayq *q, uint64_t now_ns, uint32_t *id)
{
	if (!q->len || q->ring[q->head].due_ns > now_ns)
		return 0;
	dq_take(q, id);
	return 1;
}

int dq_pop_any(struct delayq *q, uint32_t *id)
{
	if (!q->len)
		return 0;
	dq_take(q, id);
	return 1;
}

int dq_timeout_ms(const struct delayq *q, uint64_t now_ns)
{
	uint64_t due;

	if (!q->len)
		return -1;
	due = q->ring[q->head].due_ns;
	if (due <= now_ns)
		return 0;
	/* round up: waking early would only spin */
	return (int)((due - now_ns + 999999) / 1000000);
}
