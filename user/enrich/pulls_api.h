/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pull stage's plug-in API (pulls.c): each daemon's pull builder
 * (user/engines/<engine>_pull.c), a struct ct_pull_builder handed to
 * ct_pulls_new() by the pipeline, and what building a pull needs: the
 * events of a daemon process and the stage's helpers.
 */
#ifndef __CT_PULLS_API_H
#define __CT_PULLS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "armlog.h"
#include "comm_table.h"
#include "container.h"
#include "pull.h"
#include "procs.h"
#include "pulls.h"

enum ev_kind {
	EV_BLOB,	/* a blob file closed */
	EV_RENAME,
	EV_CONNECT,
	EV_HELPER,	/* a builder's helper's exec (dockerd's docker-untar);
			 * its exit: pl_exit() */
	EV_IMAGE,	/* CT_EV_PULL_IMAGE: the image a pull stored, img */
};

struct ev {
	enum ev_kind kind;
	/* blob: enum ct_pull_file; rename: ct_pull_rename_kind; connect:
	 * the enum ct_engine_kind of the builder whose daemon made it (0:
	 * none's) */
	uint32_t sub;
	uint32_t pid;
	uint16_t port;		/* connect: destination port */
	bool used;
	bool untraced;		/* blob: CT_EV_PULL_UNTRACED */
	uint64_t ts;		/* monotonic */
	char digest[CT_PULL_DIGEST_LEN];	/* from a path, "" if none */
	union {
		/* blob: the record's file as the kernel counted it, its
		 * path NUL-terminated */
		struct ct_pull_blob_file blob;
		char oldpath[CT_PATH_MAX];	/* rename: its old path */
	};
	/* image: the record, malloc'd, owned by the stream (pl_consume()) */
	struct ct_pull_image *img;
};

/* `docker pull REF` / `ctr images pull REF` seen, waiting for its pull. */
struct client {
	uint64_t ts;		/* its exec; its exit: pl_exit() */
	uint32_t pid;
	int engine;		/* enum ct_engine_kind of the daemon it asks */
	char image[CT_PULL_IMAGE_LEN];
};

#define MAX_CLIENTS	16

/*
 * An engine client that stores images without pulling them (`ctr images
 * import`, `docker load`, `kind load`'s ctr import): containerd stores
 * what it imports as it stores a pull, through its ingests.
 */
struct importer {
	uint64_t ts;		/* its exec; its exit: pl_exit() */
	uint32_t pid;
};

#define PL_IMPORTERS	8

/*
 * `docker run ... REF` or `docker create ... REF`: whose implicit pull,
 * if its daemon must pull REF, begins after it (the client waits for
 * the container, not the pull: no end from it).  Its argv kept whole:
 * which word is REF is told by the pull's image, not by parsing options.
 */
struct starter {
	uint64_t ts;		/* its exec */
	int engine;
	uint32_t verb;		/* argv index of run or create */
	size_t len;
	char args[CT_ARGS_MAX];
};

#define PL_STARTERS	8

/*
 * The events of one daemon process: several dockerd (one per harness,
 * say) may run at once, and one's repositories.json must not end
 * another's pull.
 */
struct stream {
	uint32_t pid;
	struct ev *ev;
	size_t nev, cap;
	/* each builder's mark, by its enum ct_engine_kind, kept by its
	 * note() (dockerd's end mark, containerd's last activity); 0 none */
	uint64_t mark[CT_ENG_MAX];
	/* the end of the last pull built of its events (0: none) */
	uint64_t done;
};

struct ct_pulls;

/* One daemon's pull builder. */
struct ct_pull_builder {
	/* whose records are its: the daemon (its registry connects, by
	 * comm), its pull client (`<client> ... pull REF`), a helper the
	 * daemon execs whose exec joins the daemon's stream (NULL: none) */
	enum ct_prog daemon;
	enum ct_prog client;
	const char *helper;
	/* v (a blob or a rename) just joined s: what the builder keeps of
	 * it (its digest, s's mark); may be NULL */
	void (*note)(struct stream *s, struct ev *v);
	/* the pull of s's events (complete: ended at its end mark; else
	 * what is left at the session's end) built and emitted (pl_emit()),
	 * its events consumed; 0 or -errno */
	int (*finish)(struct ct_pulls *e, struct stream *s, bool complete);
	/* s holds events of a pull of this daemon's not yet finished
	 * (finished incomplete at the session's end); may be NULL */
	bool (*pending)(const struct stream *s);
	/* s's pull of this daemon's ended (its end mark, or the daemon's
	 * last act): finished complete when due, or at the session's end */
	bool (*ended)(const struct stream *s);
	/* ... and it is due now: the end has been waited for */
	bool (*due)(const struct stream *s, uint64_t now);
	/* s holds anything of this daemon's: the builders after it in the
	 * table's order wait (dockerd writes through containerd too) */
	bool (*holds)(const struct stream *s);
	/* the pulls of s that ended before `before` (monotonic: a
	 * container's first event, which may have waited for them)
	 * finished now, without the wait (ct_pulls_settle()); may be NULL */
	int (*settle)(struct ct_pulls *e, struct stream *s, uint64_t before);
	/* live only: the daemon's own store, read for the images its pulls
	 * stored (CT_EV_PULL_IMAGE); NULL: none */
	const struct ct_pull_store_ops *store;
};

typedef void (*ct_pull_emit_cb)(const void *rec, size_t len, void *ctx);

/*
 * A daemon's store as a live session reads it (enrich/pull_store.h): its
 * state opened once (proc_dir: where its processes are, "/proc"), then
 * every record of the session and its clock: the CT_EV_PULL_IMAGE
 * records the ones that ended a pull make it read, through emit.
 */
struct ct_pull_store_ops {
	void *(*open)(const char *proc_dir);
	void (*feed)(void *st, const void *rec, size_t len,
		     ct_pull_emit_cb emit, void *ctx);
	/* the live loop's clock (CLOCK_MONOTONIC; UINT64_MAX: the
	 * session's end): what waited is due */
	void (*tick)(void *st, uint64_t now_mono_ns, ct_pull_emit_cb emit,
		     void *ctx);
	void (*close)(void *st);
};

/* Layers fetched lately, for the pulls that waited on another's fetch
 * of a layer they share (pl_recent_find()). */
#define PL_RECENT	64

struct pl_recent {
	uint32_t pid;		/* the daemon */
	char digest[CT_PULL_DIGEST_LEN];
	char image[CT_PULL_IMAGE_LEN];	/* the pull that fetched it */
	struct ct_pull_layer l;		/* its fetch and unpack, wall */
};

/* Spans of pull record losses kept; older ones merge into one. */
#define PL_LOSSES	16

struct ct_pulls {
	int64_t m2r;
	/* by enum ct_engine_kind: dockerd's (CT_ENG_DOCKER), containerd's
	 * (CT_ENG_CONTAINERD); NULL: that daemon's pulls are not built */
	const struct ct_pull_builder *b[CT_ENG_MAX];
	const struct ct_procs *model;	/* when clients and untars exit */
	ct_pull_cb on_pull;
	void *ctx;
	struct stream *st;
	size_t nst, stcap;
	uint64_t now;		/* latest event time */
	bool flushing;		/* the session's end: nothing more will come */
	struct client clients[MAX_CLIENTS];
	size_t nclients;
	struct importer importers[PL_IMPORTERS];	/* the last ones */
	size_t nimporters;
	struct starter starters[PL_STARTERS];	/* the last ones */
	size_t nstarters;
	struct ct_pull *pulls;
	size_t npulls, pcap;
	size_t keep;		/* 0: every pull; else the last `keep` */
	struct ct_pull_totals totals[CT_ENG_MAX];	/* every pull's */
	struct ct_arm_log arms;	/* the syscall hooks' turns, wall clock */
	/* when the pull ring lost records (CT_EV_LOST's pull_lost grew):
	 * somewhere in (from, to], monotonic, in time order */
	struct pl_loss {
		uint64_t from, to;
	} losses[PL_LOSSES];
	size_t nlosses;
	uint64_t lost_ts;	/* the last CT_EV_LOST record's time */
	uint64_t pull_lost;	/* its pull_lost */
	struct pl_recent recent[PL_RECENT];	/* oldest first */
	size_t nrecent;
};

/* When pid, seen at since (monotonic), exited, from the process model;
 * 0 while it runs. */
uint64_t pl_exit(const struct ct_pulls *e, uint32_t pid, uint64_t since);
/* Blob events of [0, n) that are CT_EV_PULL_UNTRACED. */
size_t pl_untraced(const struct ev *ev, size_t n);
/* Event time (monotonic) on the wall clock; 0 stays 0. */
uint64_t pl_wall(const struct ct_pulls *e, uint64_t mono);
uint64_t pl_max_u64(uint64_t a, uint64_t b);
/* A blob's fetch: from its open to its last write, 0 if never written. */
uint64_t pl_fetch_dur(const struct ev *b);
/* qsort() of events by time. */
int pl_cmp_ev(const void *a, const void *b);
/* The last connect before first (the registry of this pull), or 0. */
uint16_t pl_pull_port(const struct ev *ev, size_t n, uint64_t first);
/* p's image from the client that fits [first, end] best (taken from
 * the list); its exec time in *client_ts, 0 if none fits. */
void pl_take_client(struct ct_pulls *e, struct ct_pull *p, uint64_t first,
		    uint64_t end, uint16_t port, uint64_t *client_ts);
/* An importer ran during [from, to] (monotonic). */
bool pl_importing(const struct ct_pulls *e, uint64_t from, uint64_t to);
/* The latest client of engine's (enum ct_engine_kind; -1: any engine's:
 * a daemon pulling for another) started by first that asked for ref, as the daemon stores references (a missing tag
 * is ":latest"), taken from the list: its exec time, 0 if none. */
/*
 * The exec of the latest `run`/`create` client of engine that named ref
 * (a word after its verb, as the daemon stores it) before first, taken
 * from the starters; 0 if none: an implicit pull's start is after it.
 */
uint64_t pl_take_starter_of(struct ct_pulls *e, int engine, const char *ref,
			    uint64_t first);

uint64_t pl_take_client_of(struct ct_pulls *e, int engine, const char *ref,
			   uint64_t first);
/* The exit of the client pl_take_client_of() would take, left in the
 * list; 0 if none, or it has not exited. */
uint64_t pl_client_exit_of(const struct ct_pulls *e, int engine,
			   const char *ref, uint64_t first);
/*
 * The name and client of p, a pull built of its blobs alone: the
 * store's record of its image if it came without its layers (unread:
 * CT_PULL_M_UNREAD, NULL if none) names it, and its client is one of
 * engine's that asked for that reference (pl_take_client_of()); else,
 * or if that record has no name, the client that fits [first, end]
 * best (pl_take_client()).  The client's exec time, 0 if none.
 */
uint64_t pl_take_name(struct ct_pulls *e, struct ct_pull *p,
		      const struct ct_pull_image *unread, int engine,
		      uint64_t first, uint64_t end, uint16_t port);
/*
 * The pull of image record unread (CT_PULL_M_UNREAD) of which no blob
 * was left (its layers present, or fetched by pulls at once), out: no
 * layer, named (pl_take_name(), its client of any engine's); from its
 * client's start (pl_pull_start() in ev[0, n)) to the record's time,
 * else, with no client, not complete (its start unknown: kept out of
 * the durations).
 */
int pl_emit_unread_bare(struct ct_pulls *e, int engine,
			const struct ct_pull_image *unread,
			struct ev *ev, size_t n);
/* A pull's start: the first registry connect of who's daemon (enum
 * ct_engine_kind) after the client's exec, else that exec, else
 * first_open. */
uint64_t pl_pull_start(struct ev *ev, size_t n, uint32_t who,
		       uint64_t client_ts, uint64_t first_open);
/* "sha256:<64 hex>" from a path ending in sha256/<hex>, else "". */
void pl_digest_of(char *dst, const char *path);
/* Layers sorted, concurrency and time to first byte. */
void pl_finish_layers(struct ct_pull *p, uint64_t start_mono,
		      uint64_t first_write_mono);
/* p is out (p->layers owned by the tracker from now on); -ENOMEM. */
int pl_emit(struct ct_pulls *e, struct ct_pull *p);
/* Sorts s's events; those of a pull ending at end first: their count. */
size_t pl_split_at(struct stream *s, uint64_t end);
/* Drops s's first k events. */
void pl_consume(struct stream *s, size_t k);
/* Drops the events of [0, k) that keep() does not want kept. */
void pl_consume_if(struct stream *s, size_t k,
		   bool (*keep)(const struct ev *v, const void *arg),
		   const void *arg);
/* Layer l of p's, fetched by daemon pid, for the pulls after it. */
void pl_recent_add(struct ct_pulls *e, uint32_t pid, const struct ct_pull *p,
		   const struct ct_pull_layer *l);
/* The latest fetch of digest by daemon pid, or NULL. */
const struct pl_recent *pl_recent_find(const struct ct_pulls *e, uint32_t pid,
				       const char *digest);
/* Whether ev[0, n) holds a store's image record (EV_IMAGE). */
bool pl_has_image(const struct ev *ev, size_t n);
/* Whether v is a store's record of an image whose layers it could not
 * read (CT_PULL_M_UNREAD): its pull is built of the blobs no other took. */
bool pl_is_unread(const struct ev *v);
/*
 * The layers of p that it did not fetch, seen whole: fetched for another
 * pull of daemon pid's while p ran (fetched_by: the fetch it waited on,
 * and that pull's unpack if p has none of its own), else already there
 * (cached).
 */
void pl_unfetched(struct ct_pulls *e, struct ct_pull *p, uint32_t pid);

#endif /* __CT_PULLS_API_H */
