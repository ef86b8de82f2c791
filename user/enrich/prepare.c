// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The prepare phase (prepare.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "client.h"
#include "coldtrace.h"
#include "comm_table.h"
#include "prepare.h"
#include "util.h"

#define RING	1024	/* of each kind: creations in flight, bounded */
/* a start further back than this is not this container's */
#define MAX_PREPARE_NS	(60 * 1000000000ull)

struct mark {
	char key[CT_NAME_ID_LEN];	/* mount id, or ctr container id */
	char val[CT_NAME_NAME_LEN];	/* container id -> mount id map */
	uint64_t ts;			/* wall clock */
};

struct ring {
	struct mark m[RING];
	size_t next;
};

struct ct_prepare {
	int64_t m2r;
	struct ring layers;	/* key: mount id, ts: its -init mkdir */
	struct ring ids;	/* key: container id, val: its mount id */
	struct ring ctr;	/* key: container id, ts: ctr run's exec */
	struct ring podman;	/* key: pid of a podman client, ts: its exec */
	struct ring conmon;	/* key: container id, ts: its podman's exec */
	struct ring gens;	/* key: container id, ts: its record's end */
};

struct ct_prepare *ct_prepare_new(int64_t mono_to_real_ns)
{
	/* its rings fill over 1024 containers: resident from the start */
	struct ct_prepare *p = ct_zalloc_resident(sizeof(*p));

	if (p)
		p->m2r = mono_to_real_ns;
	return p;
}

void ct_prepare_free(struct ct_prepare *p)
{
	free(p);
}

static void put(struct ring *r, const char *key, size_t klen,
		const char *val, uint64_t ts)
{
	struct mark *m = &r->m[r->next++ % RING];

	memset(m, 0, sizeof(*m));
	if (klen >= sizeof(m->key))
		klen = sizeof(m->key) - 1;
	memcpy(m->key, key, klen);
	if (val)
		strncpy(m->val, val, sizeof(m->val) - 1);
	m->ts = ts;
}

/* The newest mark of key (at or before ts unless ts is 0). */
static const struct mark *find(const struct ring *r, const char *key,
			       uint64_t ts)
{
	const struct mark *best = NULL;

	for (size_t i = 0; i < RING; i++) {
		const struct mark *m = &r->m[i];

		if (!m->key[0] || strcmp(m->key, key) || (ts && m->ts > ts))
			continue;
		if (!best || m->ts > best->ts)
			best = m;
	}
	return best;
}

/* ".../overlay2/<mount id>-init" -> mount id; false otherwise. */
static bool init_layer(const char *path, const char **id, size_t *len)
{
	static const char sfx[] = "-init", dir[] = "/overlay2";
	const size_t sl = sizeof(sfx) - 1, dl = sizeof(dir) - 1;
	size_t n = strlen(path);
	const char *base = strrchr(path, '/');

	if (!base || n < sl || strcmp(path + n - sl, sfx))
		return false;
	if ((size_t)(base - path) < dl || strncmp(base - dl, dir, dl))
		return false;
	*id = base + 1;
	*len = (size_t)(path + n - sl - *id);
	return *len > 0;
}

/*
 * Every flag of ctr 1.6 to 2.1 that takes a value: the global ones, then
 * `ctr run`'s (its --help: the platform's, runtime's and container's
 * flags; 2.x added --cpuset-*, --sandbox, --hostname, --user).  A value
 * flag missing here makes the value read as the image and the image as
 * the id.  tests/fixtures/ctr-*help-*.txt are each version's --help.
 */
static const char *const value_flags[] = {
	"--address", "-a", "--namespace", "-n", "--timeout",
	"--connect-timeout",
	"--snapshotter", "--snapshotter-label", "--config", "-c", "--cwd",
	"--env", "--env-file", "--label", "--annotation", "--mount",
	"--user", "-u", "--runtime", "--runtime-config-path", "--with-ns",
	"--pid-file", "--fifo-dir", "--log-uri", "--cgroup", "--platform",
	"--cap-add", "--cap-drop", "--seccomp-profile",
	"--apparmor-default-profile", "--apparmor-profile",
	"--memory-limit", "--device", "--hostname", "--uidmap", "--gidmap",
	"--gpus", "--cpus", "--cpu-shares", "--cpu-quota", "--cpu-period",
	"--cpuset-cpus", "--cpuset-mems", "--runc-binary", "--runc-root",
	"--rootfs-propagation", "--rdt-class", "--blockio-config-file",
	"--blockio-class", "--sandbox",
	NULL,
};

static bool takes_value(const char *a)
{
	if (strchr(a, '='))
		return false;
	for (size_t i = 0; value_flags[i]; i++)
		if (!strcmp(a, value_flags[i]))
			return true;
	return false;
}

/* NUL-separated argv -> av[], at most max; the unterminated tail is
 * dropped.  Returns the count. */
static size_t split_args(const char *args, size_t len, const char **av,
			 size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t l = strnlen(args + i, len - i);

		if (i + l >= len)	/* last one not terminated */
			break;
		av[n++] = args + i;
		i += l + 1;
	}
	return n;
}

int ct_prepare_ctr_id(const char *args, size_t len, char *id, size_t idlen)
{
	const char *av[64];
	size_t n = split_args(args, len, av, 64), k;
	int pos = 0;

	if (!n || !ct_prog_is(av[0], CT_PROG_CTR))
		return -EINVAL;
	for (k = 1; k < n && av[k][0] == '-'; k++)
		k += takes_value(av[k]);
	if (k >= n || (strcmp(av[k], "run") && strcmp(av[k], "r")))
		return -EINVAL;
	for (k++; k < n; k++) {
		if (!strcmp(av[k], "--"))
			continue;
		if (av[k][0] == '-') {
			k += takes_value(av[k]);
			continue;
		}
		if (pos++ == 1) {
			if (strlen(av[k]) >= idlen)
				return -EINVAL;
			strcpy(id, av[k]);
			return 0;
		}
	}
	return -EINVAL;
}

static size_t need(uint32_t type)
{
	switch (type) {
	case CT_EV_MKDIR:
		return sizeof(struct ct_mkdir);
	case CT_EV_MOUNTID:
		return sizeof(struct ct_name_rec);
	case CT_EV_EXEC:
		return offsetof(struct ct_exec, args);
	default:
		return 0;
	}
}

/* A pid as a ring key. */
static size_t pid_key(char *buf, size_t len, uint32_t pid)
{
	return (size_t)snprintf(buf, len, "%u", pid);
}

/*
 * ctr run names its container.  A podman client does not (the id is made
 * inside it): its exec is kept by pid until it execs the container's
 * conmon, whose -c names it, as its child (the exec's ppid).
 */
static void feed_exec(struct ct_prepare *p, const struct ct_exec *x,
		      size_t alen)
{
	const struct ct_hdr *h = &x->hdr;
	uint64_t t = h->ts_ns + p->m2r;
	char id[CT_NAME_ID_LEN], key[16];
	struct ct_class cl;
	const struct mark *m;

	if (!ct_prepare_ctr_id(x->args, alen, id, sizeof(id))) {
		put(&p->ctr, id, strlen(id), NULL, t);
		return;
	}
	if (ct_classify("", x->args, alen, &cl))
		return;
	if (cl.role == CT_ROLE_ENGINE_CMD && cl.engine == CT_ENG_PODMAN &&
	    (cl.cmd == CT_CMD_RUN || cl.cmd == CT_CMD_START)) {
		size_t klen = pid_key(key, sizeof(key), h->pid);

		put(&p->podman, key, klen, NULL, t);
		return;
	}
	if (cl.role != CT_ROLE_MONITOR || !cl.creates)
		return;
	pid_key(key, sizeof(key), h->ppid);
	m = find(&p->podman, key, t);
	if (m)
		put(&p->conmon, cl.id, strlen(cl.id), NULL, m->ts);
}

int ct_prepare_feed(struct ct_prepare *p, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	char buf[CT_PATH_MAX], id[CT_NAME_ID_LEN];

	if (!p || !rec || len < sizeof(*h))
		return -EINVAL;
	if (!need(h->type))
		return 0;
	if (len < need(h->type) || h->size < need(h->type) || h->size > len)
		return -EINVAL;
	if (h->type == CT_EV_MKDIR) {
		const struct ct_mkdir *m = rec;
		const char *mid;
		size_t mlen;

		memcpy(buf, m->path, sizeof(buf));
		buf[sizeof(buf) - 1] = 0;
		if (m->ret == 0 && init_layer(buf, &mid, &mlen))
			put(&p->layers, mid, mlen, NULL,
			    (m->start_ns ? m->start_ns : h->ts_ns) + p->m2r);
	} else if (h->type == CT_EV_MOUNTID) {
		const struct ct_name_rec *r = rec;
		char mid[CT_NAME_NAME_LEN];

		memcpy(id, r->id, sizeof(id));
		id[sizeof(id) - 1] = 0;
		memcpy(mid, r->name, sizeof(mid));
		mid[sizeof(mid) - 1] = 0;
		put(&p->ids, id, strlen(id), mid, h->ts_ns + p->m2r);
	} else {
		const struct ct_exec *x = rec;
		size_t alen = x->args_len;

		if (alen > h->size - need(CT_EV_EXEC))
			return -EINVAL;
		feed_exec(p, x, alen);
	}
	return 0;
}

static uint64_t start_of(const struct ct_prepare *p,
			 const struct ct_container *c, uint64_t first)
{
	const struct mark *m;

	switch (c->engine) {
	case CT_ENG_DOCKER:
		m = find(&p->ids, c->id, 0);
		m = m && m->val[0] ? find(&p->layers, m->val, first) : NULL;
		return m ? m->ts : 0;
	case CT_ENG_CONTAINERD:
		m = find(&p->ctr, c->id, first);
		return m ? m->ts : 0;
	case CT_ENG_PODMAN:
		m = find(&p->conmon, c->id, first);
		return m ? m->ts : 0;
	default:
		return 0;
	}
}

/* The end of the record of c's id emitted before c (its previous
 * generation: docker start, docker restart keep the id), else 0. */
static uint64_t prev_end(const struct ct_prepare *p,
			 const struct ct_container *c)
{
	const struct mark *m = find(&p->gens, c->id, 0);

	return m ? m->ts : 0;
}

/*
 * Where c's prepare starts, 0 if nowhere.  A later generation of an id
 * is started by a request of its own: the engine's marks made before the
 * previous generation ended (dockerd's layer, made once at create) are
 * that one's.  A request made while the previous one still ran (docker
 * restart: stop, then start) starts this generation's work only once
 * that one is gone: prepare starts there, at dockerd's own work for it.
 */
static uint64_t prepare_start(const struct ct_prepare *p,
			      const struct ct_container *c)
{
	uint64_t first = c->first_ns, after = prev_end(p, c);
	uint64_t s = start_of(p, c, first);
	uint64_t req = c->has_client ? ct_client_request_ns(&c->client) : 0;

	if (s <= after)
		s = 0;
	/* an exact client: the engine's whole creation, from its request */
	if (req && (!s || req < s))
		s = req;
	if (s && s < after)
		s = after;
	return s;
}

void ct_prepare_apply(struct ct_prepare *p, struct ct_container *c)
{
	uint64_t first = c->first_ns, s;

	if (!p || !first)
		return;
	/* begun before the session: its start is not the adoption's */
	if (!c->partial && !ct_has_phase(c, CT_PH_PREPARE)) {
		s = prepare_start(p, c);
		if (s && s < first && first - s <= MAX_PREPARE_NS) {
			c->phase_mask |= 1u << CT_PH_PREPARE;
			c->phases[CT_PH_PREPARE].start_ns = s;
			c->phases[CT_PH_PREPARE].end_ns = first;
			c->first_ns = s;
		}
	}
	put(&p->gens, c->id, strnlen(c->id, sizeof(c->id)), NULL, c->last_ns);
}
