/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which image layer a FUSE connection serves, read by a live session: a
 * stargz snapshotter's layer mount (mountinfo: source "stargz", type
 * fuse.*) has a hidden directory .stargz-snapshotter/ at its root
 * holding one file, "<layer digest>.json" (its state; Debian's 0.12
 * sources, fs/layer/node.go).  The name is the digest.
 *
 * Asked once per (container, connection), after the container's first
 * request on it (CT_EV_FUSE): a FUSE connection's number is reused once
 * its mount is gone, so a digest holds for the container that asked.
 * The answer goes into the stream as a CT_EV_LAYER record, so that a
 * replay names the layer as the live session did.  Other FUSE file
 * systems have no such directory and get no record.
 *
 * A read of a FUSE directory waits on its daemon: it runs in a thread
 * of its own, and the session waits for it CT_LAYER_WAIT_MS at most (a
 * daemon that does not answer then leaves the layer unnamed, counted);
 * while such a thread is still blocked, no other read starts (-EBUSY,
 * counted the same), so a wedged daemon costs one thread.
 */
#ifndef __CT_LAYERS_H
#define __CT_LAYERS_H

#include <stddef.h>
#include <stdint.h>
#include "names.h"	/* ct_naming_emit_cb */

#define CT_LAYER_ASKED		1024	/* (container, connection) pairs */
#define CT_LAYER_WAIT_MS	200

struct ct_layer_ask {
	uint64_t cgroup_key;
	uint32_t dev;
};

struct ct_layers {
	const char *mountinfo;		/* "/proc/self/mountinfo" */
	struct ct_layer_ask asked[CT_LAYER_ASKED];	/* a ring */
	size_t next;
	uint64_t timeouts;	/* layers unnamed: a daemon did not answer */
};

/*
 * Any record of a live session: a CT_EV_FUSE of a (container,
 * connection) not asked yet makes at most one CT_EV_LAYER, through emit.
 */
void ct_layers_feed(struct ct_layers *q, const void *rec, size_t len,
		    ct_naming_emit_cb emit, void *ctx);

/*
 * The digest of the stargz layer mounted with dev (major << 20 | minor)
 * as mountinfo says, into out.  0; -ENOENT when no such mount, not
 * stargz's, or no state file; -ETIMEDOUT when its daemon did not answer
 * within wait_ms; -EBUSY while an earlier read that timed out still
 * waits.
 */
int ct_layer_digest(const char *mountinfo, uint32_t dev, char *out,
		    size_t len, unsigned int wait_ms);

#endif /* __CT_LAYERS_H */
