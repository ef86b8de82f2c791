/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* delayq: the delayer's queue, pure logic (no netlink, no root).
 * Every packet is held the same D ns, so release order is arrival order:
 * a bounded FIFO ring is enough, and its head is always the next due. */
#ifndef NETDELAY_DELAYQ_H
#define NETDELAY_DELAYQ_H

#include <stdint.h>
#include <stddef.h>

struct dq_item {
	uint32_t id;		/* NFQUEUE packet id */
	uint64_t due_ns;	/* monotonic time to accept it */
};

struct delayq {
	struct dq_item *ring;
	size_t cap, head, len;
	uint64_t delay_ns;
	uint64_t queued, released, overflow;	/* every packet counted */
};

int dq_init(struct delayq *q, size_t cap, uint64_t delay_ns);
void dq_free(struct delayq *q);
/* 0: held; -1: queue full, the caller must accept the packet now (counted). */
int dq_push(struct delayq *q, uint32_t id, uint64_t now_ns);
/* 1 and *id set when the head is due at now_ns; 0 otherwise. */
int dq_pop_due(struct delayq *q, uint64_t now_ns, uint32_t *id);
/* 1 and *id set while anything is held, due or not (flush at exit). */
int dq_pop_any(struct delayq *q, uint32_t *id);
/* poll(2) timeout in ms until the head is due: -1 when empty, 0 when due. */
int dq_timeout_ms(const struct delayq *q, uint64_t now_ns);

#endif
