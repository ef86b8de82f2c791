/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test helper: --why's input built by hand (user/enrich/why.h), the
 * records fed to a struct ct_why and to the fixture's process model
 * (fx_model()) as a session feeds them, times in milliseconds.
 */
#ifndef __CT_TWHY_H
#define __CT_TWHY_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "why.h"

/* rec to the model and to w, which must take it */
void tw_feed(struct ct_why *w, const void *rec, size_t len);
/* thread tid of pid in state st from ns on; stack: a sleep's (coldtrace.h) */
void tw_tstate_ns(struct ct_why *w, uint64_t ns, uint32_t pid, uint32_t tid,
		  uint32_t st, uint32_t stack);
void tw_tstate(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t tid,
	       uint32_t st, uint32_t stack);
/* an exec without argv: all the model and why read of one */
void tw_exec(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t ppid);
void tw_fork(struct ct_why *w, uint64_t ms, uint32_t parent, uint32_t child);
void tw_exit(struct ct_why *w, uint64_t ms, uint32_t pid);
/* c has phase p over [s, e) */
void tw_phase(struct ct_container *c, int p, uint64_t s_ms, uint64_t e_ms);

#endif /* __CT_TWHY_H */
