/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --why's wait sites as a pprof profile (-o DIR's waits.pb.gz: the
 * profile.proto of google/pprof, gzipped), as `go tool pprof`,
 * Pyroscope and speedscope read it: a sample per container, phase and
 * stack (the kernel's frames at the wait, leaf first; a phase's time no
 * stack explains as a pseudo-frame, folded.h), its values the off-CPU
 * nanoseconds and the waits, its labels container, runtime, engine,
 * phase, state and, where the waker's stack was taken, waker (its comm;
 * its frames are waits.folded's).  The same samples as waits.folded.
 */
#ifndef __CT_PPROF_H
#define __CT_PPROF_H

#include <stdio.h>
#include "agg.h"
#include "output.h"

int ct_pprof_write(FILE *f, const struct ct_agg *agg, const struct ct_meta *m);

#endif /* __CT_PPROF_H */
