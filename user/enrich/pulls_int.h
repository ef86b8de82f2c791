/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the pull stage only: what its files (pulls.c, the stage;
 * pulls_in.c, the records in; pulls_clients.c, whose pull it was) give
 * each other beyond pulls_api.h.
 */
#ifndef __CT_PULLS_INT_H
#define __CT_PULLS_INT_H

#include <stdbool.h>
#include "coldtrace.h"
#include "pulls_api.h"

/* A record (its header checked against its length) into the stage's
 * streams, clients or losses; 0 or -errno. */
int pl_add_record(struct ct_pulls *e, const struct ct_hdr *h);

/* The way a daemon stores the reference a client gave: a tag or a
 * digest ("repo" alone means "repo:latest"). */
bool pl_same_ref(const char *asked, const char *stored);

#endif /* __CT_PULLS_INT_H */
