/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --replay support: the open histograms (and --paths' slowest opens) of
 * a recording.  They are written when their container is emitted, i.e.
 * after its last event, so replay reads them in a first pass and hands
 * them out by cgroup key.
 */
#ifndef __CT_REPLAY_H
#define __CT_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include "container.h"
#include "opens_source.h"

struct ct_replay_opens;

struct ct_rec_reader;

/*
 * Reads every CT_EV_OPENS and CT_EV_PATHS record of an open recording,
 * then rewinds it for the replay proper (so a pipe is read only once).
 * 0 or -errno (message in err).
 */
int ct_replay_opens_read(struct ct_rec_reader *rd,
			 struct ct_replay_opens **out, char *err,
			 size_t errlen);
/* The same from a file name. */
int ct_replay_opens_load(const char *path, struct ct_replay_opens **out,
			 char *err, size_t errlen);
/*
 * Copies the histogram of cgroup_key (its gofer's if gofer) into *o;
 * false if there is none.
 */
bool ct_replay_opens_find(const struct ct_replay_opens *r, uint64_t cgroup_key,
			  bool gofer, struct ct_opens *o);
/*
 * --paths: the recorded slowest opens of cgroup_key into c->slow[]
 * (slowest first, at most max); false, and none, if there are none.
 */
bool ct_replay_paths_find(const struct ct_replay_opens *r, uint64_t cgroup_key,
			  struct ct_container *c, size_t max);
/*
 * The recording's opens as an opens source (opens_source.h): valid while
 * r is; r may be NULL (nothing recorded).
 */
struct ct_opens_source ct_replay_opens_source(struct ct_replay_opens *r);
void ct_replay_opens_free(struct ct_replay_opens *r);

#endif /* __CT_REPLAY_H */
