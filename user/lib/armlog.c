// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The syscall hooks' turns: see armlog.h. */
#include "armlog.h"
#include "util.h"

void ct_arm_log_add(struct ct_arm_log *l, uint64_t ts, bool on)
{
	if (l->n == CT_ARM_TURNS) {
		ct_fifo_take(l->turn, &l->n, sizeof(l->turn[0]), 0);
		l->dropped = true;
	}
	l->turn[l->n].ts = ts;
	l->turn[l->n++].on = on;
}

/* How many turns came at or before t. */
static size_t turns_to(const struct ct_arm_log *l, uint64_t t)
{
	size_t i = 0;

	while (i < l->n && l->turn[i].ts <= t)
		i++;
	return i;
}

enum ct_arm_state ct_arm_log_at(const struct ct_arm_log *l, uint64_t t)
{
	size_t i = turns_to(l, t);

	if (i)
		return l->turn[i - 1].on ? CT_ARM_ON : CT_ARM_OFF;
	return l->dropped ? CT_ARM_FORGOTTEN : CT_ARM_BEFORE;
}

uint64_t ct_arm_log_next(const struct ct_arm_log *l, uint64_t t, bool on)
{
	for (size_t i = turns_to(l, t); i < l->n; i++)
		if (l->turn[i].on == on)
			return l->turn[i].ts;
	return 0;
}
