// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "coldtrace.h"
#include "hist.h"
#include "recfile.h"
#include "replay.h"

struct replay_entry {
	uint64_t cgroup_key;
	bool gofer;
	struct ct_opens opens;
};

struct ct_replay_opens {
	struct replay_entry *v;
	size_t n, cap;
};

static int add_entry(struct ct_replay_opens *r, uint64_t key, bool gofer,
		     const struct ct_opens *o)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		void *v = realloc(r->v, cap * sizeof(*r->v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].cgroup_key = key;
	r->v[r->n].gofer = gofer;
	r->v[r->n].opens = *o;
	r->n++;
	return 0;
}

static int take_record(struct ct_replay_opens *r, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	struct ct_opens o;
	uint32_t rt, flags;
	uint64_t key;

	if (h->type != CT_EV_OPENS)
		return 0;
	if (ct_opens_rec_parse(rec, len, &o, &key, &rt, &flags))
		return 0;	/* malformed: the engine pass will say so */
	return add_entry(r, key, flags & CT_OPENS_F_GOFER, &o);
}

int ct_replay_opens_load(const char *path, struct ct_replay_opens **out,
			 char *err, size_t errlen)
{
	struct ct_replay_opens *r = calloc(1, sizeof(*r));
	struct ct_rec_file_hdr h;
	struct ct_rec_reader *rd;
	const void *rec;
	size_t len;
	int ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	ret = ct_rec_reader_open(&rd, path, &h, err, errlen);
	if (ret) {
		free(r);
		return ret;
	}
	while ((ret = ct_rec_next(rd, &rec, &len, err, errlen)) > 0) {
		ret = take_record(r, rec, len);
		if (ret)
			break;
	}
	ct_rec_reader_close(rd);
	/* a read error is reported by the second pass, with its records */
	if (ret == -ENOMEM) {
		ct_replay_opens_free(r);
		return ret;
	}
	*out = r;
	return 0;
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

void ct_replay_opens_free(struct ct_replay_opens *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}
