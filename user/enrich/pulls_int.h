/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the pull stage only: what its files (pulls.c, the stage;
 * pulls_in.c, the records in, ct_pulls_feed(); pulls_clients.c, whose
 * pull it was) give each other beyond pulls_api.h.
 */
#ifndef __CT_PULLS_INT_H
#define __CT_PULLS_INT_H

#include <stdbool.h>
#include "coldtrace.h"
#include "pulls_api.h"

/* The stage's clock at now (monotonic): the pulls due built; 0 or the
 * first -errno. */
int pl_advance(struct ct_pulls *e, uint64_t now);

/* The way a daemon stores the reference a client gave: a tag or a
 * digest ("repo" alone means "repo:latest"). */
bool pl_same_ref(const char *asked, const char *stored);

#endif /* __CT_PULLS_INT_H */
