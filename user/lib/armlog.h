/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall hooks' attaches and detaches (CT_EV_ARM records, user/kern/
 * arm.h), the newest CT_ARM_TURNS of them in time order: what a stage
 * asks afterwards of when they were on (the pulls' traced_from_ns, a
 * prepare begun while they were off).  Times in the caller's clock.
 */
#ifndef __CT_ARMLOG_H
#define __CT_ARMLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_ARM_TURNS	32

struct ct_arm_log {
	struct {
		uint64_t ts;
		bool on;
	} turn[CT_ARM_TURNS];	/* in time order */
	size_t n;
	bool dropped;		/* older ones forgotten */
};

enum ct_arm_state {
	CT_ARM_OFF,
	CT_ARM_ON,
	CT_ARM_BEFORE,		/* before the first turn (the session's own
				 * attach): nothing was recorded */
	CT_ARM_FORGOTTEN,	/* before the first turn kept: not known */
};

void ct_arm_log_add(struct ct_arm_log *l, uint64_t ts, bool on);
/* Their state at t (a turn at t counts). */
enum ct_arm_state ct_arm_log_at(const struct ct_arm_log *l, uint64_t t);
/* The first attach (on) or detach (!on) after t, 0 if none. */
uint64_t ct_arm_log_next(const struct ct_arm_log *l, uint64_t t, bool on);

#endif /* __CT_ARMLOG_H */
