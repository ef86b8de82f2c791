// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "coldtrace.h"
#include "hist.h"
#include "paths.h"
#include "recfile.h"
#include "replay.h"
#include "util.h"

struct replay_entry {
	uint64_t cgroup_key;
	bool gofer;
	struct ct_opens opens;
};

/* --paths: a container's slowest opens (CT_EV_PATHS) */
struct replay_paths {
	uint64_t cgroup_key;
	uint32_t n;
	struct ct_opens_slow_ent ent[CT_OPENS_SLOW_K];
};

struct ct_replay_opens {
	struct replay_entry *v;
	size_t n, cap;
	struct replay_paths *p;
	size_t np, capp;
};

static int add_entry(struct ct_replay_opens *r, uint64_t key, bool gofer,
		     const struct ct_opens *o)
{
	if (ct_room((void **)&r->v, &r->cap, r->n + 1, sizeof(*r->v)))
		return -ENOMEM;
	r->v[r->n].cgroup_key = key;
	r->v[r->n].gofer = gofer;
	r->v[r->n].opens = *o;
	r->n++;
	return 0;
}

static int take_paths(struct ct_replay_opens *r, const void *rec, size_t len)
{
	struct replay_paths *e;

	if (ct_room((void **)&r->p, &r->capp, r->np + 1, sizeof(*r->p)))
		return -ENOMEM;
	e = &r->p[r->np];
	if (ct_paths_rec_parse(rec, len, &e->cgroup_key, e->ent, &e->n))
		return 0;	/* malformed: left out */
	r->np++;
	return 0;
}

static int take_record(struct ct_replay_opens *r, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	struct ct_opens o;
	uint32_t rt, flags;
	uint64_t key;

	if (h->type == CT_EV_PATHS)
		return take_paths(r, rec, len);
	if (h->type != CT_EV_OPENS)
		return 0;
	if (ct_opens_rec_parse(rec, len, &o, &key, &rt, &flags))
		return 0;	/* malformed: the tracker pass counts it */
	return add_entry(r, key, flags & CT_OPENS_F_GOFER, &o);
}

int ct_replay_opens_read(struct ct_rec_reader *rd,
			 struct ct_replay_opens **out, char *err,
			 size_t errlen)
{
	struct ct_replay_opens *r = calloc(1, sizeof(*r));
	const void *rec;
	size_t len;
	int ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	while ((ret = ct_rec_next(rd, &rec, &len, err, errlen)) > 0) {
		ret = take_record(r, rec, len);
		if (ret)
			break;
	}
	/* a read error is reported by the second pass, with its records */
	if (ret == -ENOMEM) {
		ct_replay_opens_free(r);
		return ret;
	}
	ret = ct_rec_reader_rewind(rd, err, errlen);
	if (ret) {
		ct_replay_opens_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int ct_replay_opens_load(const char *path, struct ct_replay_opens **out,
			 char *err, size_t errlen)
{
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *rd;
	int ret;

	*out = NULL;
	ret = ct_rec_reader_open(&rd, path, &h, err, errlen);
	if (ret)
		return ret;
	ret = ct_replay_opens_read(rd, out, err, errlen);
	ct_rec_reader_close(rd);
	return ret;
}

bool ct_replay_opens_find(const struct ct_replay_opens *r, uint64_t cgroup_key,
			  bool gofer, struct ct_opens *o)
{
	if (!r)
		return false;
	/* the last record for a key wins: it was read last */
	for (size_t i = r->n; i-- > 0;) {
		if (r->v[i].cgroup_key == cgroup_key &&
		    r->v[i].gofer == gofer) {
			*o = r->v[i].opens;
			return true;
		}
	}
	return false;
}

bool ct_replay_paths_find(const struct ct_replay_opens *r, uint64_t cgroup_key,
			  struct ct_container *c, size_t max)
{
	c->n_slow = 0;
	if (!r)
		return false;
	for (size_t i = r->np; i-- > 0;) {
		if (r->p[i].cgroup_key == cgroup_key) {
			ct_paths_set(c, max, r->p[i].ent, r->p[i].n);
			return true;
		}
	}
	return false;
}

static void src_read(void *impl, uint64_t cgroup_key, bool gofer,
		     struct ct_opens *out)
{
	ct_replay_opens_find(impl, cgroup_key, gofer, out);
}

static void src_read_slow(void *impl, uint64_t cgroup_key,
			  struct ct_container *c, size_t max)
{
	ct_replay_paths_find(impl, cgroup_key, c, max);
}

/* Already in the stream, kept until the end: nothing to record or drop. */
static const struct ct_opens_source_ops replay_ops = {
	.read = src_read,
	.read_slow = src_read_slow,
};

struct ct_opens_source ct_replay_opens_source(struct ct_replay_opens *r)
{
	return (struct ct_opens_source){ .ops = &replay_ops, .impl = r };
}

void ct_replay_opens_free(struct ct_replay_opens *r)
{
	if (!r)
		return;
	free(r->v);
	free(r->p);
	free(r);
}
