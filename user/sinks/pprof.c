// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --why's wait sites as a pprof profile: pprof.h.  Field numbers are
 * profile.proto's (github.com/google/pprof, proto/profile.proto):
 * Profile 1 sample_type, 2 sample, 3 mapping, 4 location, 5 function,
 * 6 string_table, 9 time_nanos, 10 duration_nanos, 11 period_type,
 * 12 period, 14 default_sample_type; Sample 1 location_id, 2 value,
 * 3 label; Label 1 key, 2 str; ValueType 1 type, 2 unit; Mapping 1 id,
 * 5 filename, 7 has_functions; Location 1 id, 2 mapping_id, 4 line;
 * Line 1 function_id; Function 1 id, 2 name, 3 system_name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "container.h"
#include "httpd.h"
#include "pb.h"
#include "pprof.h"
#include "util.h"
#include "why.h"

/* The string table, deduplicated through an open-addressed index. */
struct strtab {
	char **s;
	size_t n, cap;
	uint32_t *slot;		/* index + 1, 0: free */
	size_t nslot;
};

struct prof {
	struct ct_pb pb;
	struct strtab st;
	int64_t *func;		/* string index of each function's name */
	size_t nfunc, capfunc;
	uint32_t *fid;		/* by string index: its function's id, 0 */
	size_t nfid;
	const struct ct_container *c;
	int error;
};

static int st_grow(struct strtab *t)
{
	size_t n = t->nslot ? 2 * t->nslot : 1024;
	uint32_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = ct_fnv1a(t->s[i], strlen(t->s[i])) & (n - 1);

		while (slot[h])
			h = (h + 1) & (n - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

/* The index of s in the table, added if new; -1: no memory. */
static int64_t st_index(struct strtab *t, const char *s)
{
	size_t h;

	if ((t->n + 1) * 2 > t->nslot && st_grow(t))
		return -1;
	h = ct_fnv1a(s, strlen(s)) & (t->nslot - 1);
	for (; t->slot[h]; h = (h + 1) & (t->nslot - 1))
		if (!strcmp(t->s[t->slot[h] - 1], s))
			return t->slot[h] - 1;
	if (ct_room((void **)&t->s, &t->cap, t->n + 1, sizeof(*t->s)) ||
	    !(t->s[t->n] = strdup(s)))
		return -1;
	t->slot[h] = (uint32_t)++t->n;
	return (int64_t)t->n - 1;
}

static void st_free(struct strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

/* A string's index (the profile's error is set when out of memory). */
static int64_t str(struct prof *p, const char *s)
{
	int64_t i = st_index(&p->st, s);

	if (i < 0)
		p->error = -ENOMEM;
	return i < 0 ? 0 : i;
}

/* Room for fid[s]; false: no memory. */
static bool fid_room(struct prof *p, size_t s)
{
	size_t old = p->nfid;

	if (ct_room((void **)&p->fid, &p->nfid, s + 1, sizeof(*p->fid)))
		return false;
	memset(p->fid + old, 0, (p->nfid - old) * sizeof(*p->fid));
	return true;
}

/* The function (and its location: the same id) of a frame's name. */
static uint64_t func(struct prof *p, const char *name)
{
	int64_t s = str(p, name);

	if (!fid_room(p, (size_t)s)) {
		p->error = -ENOMEM;
		return 1;
	}
	if (p->fid[s])
		return p->fid[s];
	if (ct_room((void **)&p->func, &p->capfunc, p->nfunc + 1,
		    sizeof(*p->func))) {
		p->error = -ENOMEM;
		return 1;
	}
	p->func[p->nfunc++] = s;
	p->fid[s] = (uint32_t)p->nfunc;
	return p->nfunc;
}

static void label(struct prof *p, const char *key, const char *val)
{
	ct_pb_begin(&p->pb, 3);
	ct_pb_varint(&p->pb, 1, (uint64_t)str(p, key));
	ct_pb_varint(&p->pb, 2, (uint64_t)str(p, val));
	ct_pb_end(&p->pb);
}

/* Repeated integers, packed: one field of their varints. */
static void packed(struct ct_pb *b, uint32_t field, const uint64_t *v,
		   size_t n)
{
	uint8_t buf[(CT_WHY_FRAMES + 2) * CT_PB_VARINT_MAX];
	size_t len = 0;

	for (size_t i = 0; i < n && i < CT_WHY_FRAMES + 2; i++)
		len += ct_pb_put_varint(buf + len, v[i]);
	ct_pb_bytes(b, field, buf, len);
}

static void sample(void *ctx, const struct ct_why_stack *s)
{
	struct prof *p = ctx;
	uint64_t loc[CT_WHY_FRAMES], val[2] = { s->ns, s->count };
	char id[13];
	size_t k;

	for (k = 0; k < s->n && k < CT_WHY_FRAMES; k++)
		loc[k] = func(p, s->frame[k]);	/* leaf first, as pprof wants */
	snprintf(id, sizeof(id), "%.12s", p->c->id);
	ct_pb_begin(&p->pb, 2);
	packed(&p->pb, 1, loc, k);
	packed(&p->pb, 2, val, 2);
	label(p, "container", id);
	label(p, "runtime", ct_runtime_name(p->c->runtime));
	label(p, "engine", ct_engine_name(p->c->engine));
	label(p, "phase", ct_phase_name(s->phase));
	label(p, "state", ct_wait_state_name(s->state));
	if (s->waker_n) {	/* the waker's stack: folded's, by its comm */
		char waker[CT_COMM_LEN + 1];

		snprintf(waker, sizeof(waker), "%.*s", CT_COMM_LEN, s->waker);
		label(p, "waker", waker);
	}
	ct_pb_end(&p->pb);
}

static void value_type(struct prof *p, uint32_t field, const char *type,
		       const char *unit)
{
	ct_pb_begin(&p->pb, field);
	ct_pb_varint(&p->pb, 1, (uint64_t)str(p, type));
	ct_pb_varint(&p->pb, 2, (uint64_t)str(p, unit));
	ct_pb_end(&p->pb);
}

/* What every sample refers to: the mapping, locations, functions. */
static void tables(struct prof *p)
{
	ct_pb_begin(&p->pb, 3);
	ct_pb_varint(&p->pb, 1, 1);
	ct_pb_varint(&p->pb, 5, (uint64_t)str(p, "[kernel.kallsyms]"));
	ct_pb_varint(&p->pb, 7, 1);
	ct_pb_end(&p->pb);
	for (size_t i = 0; i < p->nfunc; i++) {
		ct_pb_begin(&p->pb, 4);
		ct_pb_varint(&p->pb, 1, i + 1);
		ct_pb_varint(&p->pb, 2, 1);
		ct_pb_begin(&p->pb, 4);
		ct_pb_varint(&p->pb, 1, i + 1);
		ct_pb_end(&p->pb);
		ct_pb_end(&p->pb);
		ct_pb_begin(&p->pb, 5);
		ct_pb_varint(&p->pb, 1, i + 1);
		ct_pb_varint(&p->pb, 2, (uint64_t)p->func[i]);
		ct_pb_varint(&p->pb, 3, (uint64_t)p->func[i]);
		ct_pb_end(&p->pb);
	}
	for (size_t i = 0; i < p->st.n; i++)
		ct_pb_string(&p->pb, 6, p->st.s[i], strlen(p->st.s[i]));
}

/* The containers' span: time_nanos and duration_nanos. */
static void span(struct prof *p, const struct ct_agg *agg)
{
	uint64_t first = UINT64_MAX, last = 0;

	for (size_t i = 0; i < ct_agg_count(agg); i++) {
		const struct ct_container *c = ct_agg_get(agg, i);
		uint64_t end = c->first_ns + ct_total_ns(c);

		first = c->first_ns && c->first_ns < first ? c->first_ns : first;
		last = end > last ? end : last;
	}
	if (first == UINT64_MAX)
		return;
	ct_pb_varint(&p->pb, 9, first);
	ct_pb_varint(&p->pb, 10, last > first ? last - first : 0);
}

static int write_gz(FILE *f, const struct ct_pb *b)
{
	char *gz = NULL;
	size_t len = 0;
	int ret = 0;

	if (!httpd_gzip((const char *)b->buf, b->len, &gz, &len))
		return -ENOMEM;
	if (fwrite(gz, 1, len, f) != len)
		ret = -EIO;
	free(gz);
	return ret;
}

int ct_pprof_write(FILE *f, const struct ct_agg *agg, const struct ct_meta *m)
{
	struct prof p = { 0 };
	int ret;

	ct_pb_init(&p.pb);
	str(&p, "");			/* string 0 is "" */
	value_type(&p, 1, "off-cpu", "nanoseconds");
	value_type(&p, 1, "waits", "count");
	value_type(&p, 11, "off-cpu", "nanoseconds");
	ct_pb_varint(&p.pb, 12, 1);
	ct_pb_varint(&p.pb, 14, (uint64_t)str(&p, "off-cpu"));
	span(&p, agg);
	for (size_t i = 0; m->why && i < ct_agg_count(agg); i++) {
		p.c = ct_agg_get(agg, i);
		ct_why_walk(m->why, p.c, sample, &p);
	}
	tables(&p);
	ret = p.error ? p.error : ct_pb_error(&p.pb);
	if (!ret)
		ret = write_gz(f, &p.pb);
	ct_pb_free(&p.pb);
	st_free(&p.st);
	free(p.func);
	free(p.fid);
	return ret;
}
