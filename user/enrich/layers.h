/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Lazily pulled layers, read by a live session: a stargz snapshotter's
 * layer mount (mountinfo: source "stargz", type fuse.*) has a hidden
 * directory .stargz-snapshotter/ at its root holding one file, "<layer
 * digest>.json", its state: {"digest", "size", "fetchedSize", ...}
 * (Debian's 0.12 sources, fs/layer/node.go).  Its name is the digest;
 * fetchedSize, the bytes fetched from the registry since the mount (it
 * equals a range proxy's 206 answers to the byte: docs/lazy.md).
 *
 * What is read goes into the stream as records, so that a replay finds
 * it where the live session put it:
 *  - CT_EV_LAYER, the digest, once per (container, connection), after
 *    the container's first request on it (CT_EV_FUSE): a connection's
 *    number is reused once its mount is gone.
 *  - CT_EV_FETCHED, fetchedSize, sampled (1) for every stargz layer
 *    when a container is new, before its first request, where it
 *    changed since its last sample; (2) for a connection whose
 *    requests settled: CT_LAYER_SETTLE_MS after the record of the last
 *    one came (not its end: records come in batches, and a backlog of
 *    them must not make a sample each), or at the session's end; (3) for every connection with requests since
 *    its last sample at a listen (CT_EV_LISTEN: the default end of
 *    ready), so that what was fetched before it and after it fall in
 *    intervals of their own.  The tracker lets a container out
 *    GRACE_NS (250 ms) after it is done, after its requests ended: its
 *    last sample comes before (user/enrich/fuse.h takes the growth).
 * Other FUSE file systems have no such directory and get neither.
 *
 * A read of a FUSE directory waits on its daemon: it runs in a thread
 * of its own, and the session waits for it CT_LAYER_WAIT_MS at most (a
 * daemon that does not answer then leaves the layer unread, counted);
 * while such a thread is still blocked, no other read starts (-EBUSY,
 * counted the same), so a wedged daemon costs one thread.
 */
#ifndef __CT_LAYERS_H
#define __CT_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coldtrace.h"	/* CT_LAYER_DIGEST_LEN */
#include "names.h"	/* ct_naming_emit_cb */

#define CT_LAYER_ASKED		1024	/* (container, connection) pairs */
#define CT_LAYER_CONNS		128	/* connections sampled, a ring */
#define CT_LAYER_MOUNTS		256	/* stargz layers read at once */
#define CT_LAYER_WAIT_MS	200
#define CT_LAYER_SETTLE_MS	20

struct ct_layer_ask {
	uint64_t cgroup_key;
	uint32_t dev;
};

/* A connection's samples: when to take the next, and the last one. */
struct ct_layer_conn {
	uint32_t dev;		/* 0: a free slot */
	bool dirty;		/* requests since its last sample */
	bool sampled;		/* fetched below went into the stream */
	uint64_t last_seen_ns;	/* when its newest request's record came */
	uint64_t fetched;
};

struct ct_layers {
	const char *mountinfo;		/* "/proc/self/mountinfo" */
	struct ct_layer_ask asked[CT_LAYER_ASKED];	/* a ring */
	size_t next;
	struct ct_layer_conn conns[CT_LAYER_CONNS];	/* a ring */
	size_t next_conn;
	size_t dirty;			/* conns[] with dirty set */
	bool new_container;		/* every layer to be sampled */
	bool listened;			/* every connection with requests */
	uint64_t timeouts;	/* layers unnamed: a daemon did not answer */
	uint64_t unsampled;	/* samples a daemon did not answer */
};

/* What a layer's state file says. */
struct ct_layer_state {
	uint32_t dev;
	bool named;			/* digest below */
	bool has_fetched;		/* fetched and size below */
	char digest[CT_LAYER_DIGEST_LEN];
	uint64_t fetched;		/* "fetchedSize" */
	uint64_t size;
};

/*
 * Any record of a live session, come at now_mono_ns: a CT_EV_FUSE of a
 * (container, connection) not asked yet makes at most one CT_EV_LAYER
 * and one CT_EV_FETCHED, through emit; every one makes its connection
 * due for a sample (ct_layers_sample()).
 */
void ct_layers_feed(struct ct_layers *q, const void *rec, size_t len,
		    uint64_t now_mono_ns, ct_naming_emit_cb emit, void *ctx);

/* The tracker saw a new container: sample every layer before it reads. */
static inline void ct_layers_new_container(struct ct_layers *q)
{
	q->new_container = true;
}

/*
 * The samples due at now_mono_ns (UINT64_MAX at the end, or after a
 * listen: every connection with requests since its last), as
 * CT_EV_FETCHED records through emit.  Returns at once when none is due.
 */
void ct_layers_sample(struct ct_layers *q, uint64_t now_mono_ns,
		      ct_naming_emit_cb emit, void *ctx);

/*
 * The state of the stargz layer mounted with dev (major << 20 | minor),
 * or with dev 0 of every stargz layer, as mountinfo says, into st[] (up
 * to max): how many (0: no such mount); -ETIMEDOUT when its daemon did
 * not answer within wait_ms; -EBUSY while an earlier read that timed
 * out still waits; -ENOMEM.
 */
int ct_layer_read(const char *mountinfo, uint32_t dev,
		  struct ct_layer_state *st, size_t max,
		  unsigned int wait_ms);

#endif /* __CT_LAYERS_H */
