/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's wait sites as folded stacks (-o DIR's waits.folded), one line
 * per container, phase and stack: "ID;PHASE;ROOT;...;LEAF NS", the
 * format flamegraph.pl, inferno and speedscope read.  The frames are the
 * kernel's at the wait (docs/why.md), followed, where its waker was
 * outside the start and its stack was taken, by ";--;" and the waker's
 * frames, innermost first, and its comm (bcc's offwaketime's fold: a
 * flame graph draws the waker on top); a phase's time no stack explains
 * is a pseudo-frame ("[preempted]", "[unattributed]", ...), so that a
 * phase's lines sum to its off-CPU time, nested phases apart.  Empty
 * without --why's stacks.
 */
#ifndef __CT_FOLDED_H
#define __CT_FOLDED_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

int ct_folded_write(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *m);

#endif /* __CT_FOLDED_H */
