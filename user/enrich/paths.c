// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Slowest opens per container (--paths): see paths.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "paths.h"
#include "records.h"

_Static_assert(CT_SLOW_PATH_LEN == CT_OPENS_PATH_LEN, "path sizes");

/* a goes before b: slower, or as slow and smaller path */
static int slower(uint64_t ns, const char *path, const struct ct_slow_path *b)
{
	if (ns != b->ns)
		return ns > b->ns;
	return strcmp(path, b->path) < 0;
}

void ct_paths_add(struct ct_container *c, size_t max, uint64_t ns,
		  int32_t ret, const char *path, size_t pathlen)
{
	char p[CT_SLOW_PATH_LEN];
	size_t i, len = strnlen(path, pathlen);

	if (max > CT_OPENS_SLOW_K)
		max = CT_OPENS_SLOW_K;
	if (len >= sizeof(p))
		len = sizeof(p) - 1;
	memcpy(p, path, len);
	p[len] = '\0';
	/* insertion point; past the end of a full list: not slow enough */
	for (i = 0; i < c->n_slow && !slower(ns, p, &c->slow[i]); i++)
		;
	if (i >= max)
		return;
	if (c->n_slow < max)
		c->n_slow++;
	memmove(&c->slow[i + 1], &c->slow[i],
		(c->n_slow - 1 - i) * sizeof(c->slow[0]));
	memset(&c->slow[i], 0, sizeof(c->slow[i]));
	c->slow[i].ns = ns;
	c->slow[i].ret = ret;
	memcpy(c->slow[i].path, p, len + 1);
}

void ct_paths_set(struct ct_container *c, size_t max,
		  const struct ct_opens_slow_ent *ent, size_t n)
{
	c->n_slow = 0;
	memset(c->slow, 0, sizeof(c->slow));
	for (size_t i = 0; i < n; i++)
		ct_paths_add(c, max, ent[i].ns, ent[i].ret, ent[i].path,
			     sizeof(ent[i].path));
}

void ct_paths_escape(char *dst, size_t dstlen, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!dstlen)
		return;
	for (size_t i = 0; i < len && src[i]; i++) {
		unsigned char ch = src[i];
		char e[4];
		size_t el = 1;

		e[0] = ch;
		if (ch == '\\') {
			e[1] = '\\';
			el = 2;
		} else if (ch < 0x20 || ch >= 0x7f) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[ch >> 4];
			e[3] = hex[ch & 0xf];
			el = 4;
		}
		if (o + el >= dstlen)
			break;	/* never half an escape */
		memcpy(dst + o, e, el);
		o += el;
	}
	dst[o] = '\0';
}

void ct_paths_print(FILE *f, const struct ct_container *c)
{
	char esc[CT_PATHS_ESC_LEN];

	for (uint32_t i = 0; i < c->n_slow && i < CT_OPENS_SLOW_K; i++) {
		const struct ct_slow_path *p = &c->slow[i];

		ct_paths_escape(esc, sizeof(esc), p->path, sizeof(p->path));
		fprintf(f, "    slow open %10.1f us  ret %4" PRId32 "  %s\n",
			p->ns / 1e3, p->ret, esc);
	}
}

void ct_paths_json(struct ct_json *w, const struct ct_container *c)
{
	if (!c->n_slow)
		return;
	ct_json_key(w, "slowest_opens");
	ct_json_start_array(w);
	for (uint32_t i = 0; i < c->n_slow && i < CT_OPENS_SLOW_K; i++) {
		const struct ct_slow_path *p = &c->slow[i];

		ct_json_start_object(w);
		ct_json_key(w, "path");
		ct_json_string_n(w, p->path, sizeof(p->path));
		ct_json_kv_u64(w, "ns", p->ns);
		ct_json_kv_s64(w, "ret", p->ret);
		ct_json_end_object(w);
	}
	ct_json_end_array(w);
}

void ct_paths_rec_fill(struct ct_paths_rec *r, const struct ct_container *c,
		       uint64_t ts_ns)
{
	memset(r, 0, sizeof(*r));
	r->hdr.ts_ns = ts_ns;
	r->hdr.type = CT_EV_PATHS;
	r->hdr.size = sizeof(*r);
	r->cgroup_key = c->cgroup_key;
	r->n = c->n_slow < CT_OPENS_SLOW_K ? c->n_slow : CT_OPENS_SLOW_K;
	for (uint32_t i = 0; i < r->n; i++) {
		r->ent[i].ns = c->slow[i].ns;
		r->ent[i].ret = c->slow[i].ret;
		/* c->slow paths are NUL-terminated and as long as ours */
		memcpy(r->ent[i].path, c->slow[i].path, sizeof(r->ent[i].path));
	}
}

/* Contents of a CT_EV_PATHS record of the right size (records.h). */
int ct_paths_rec_parse(const void *rec, size_t len, uint64_t *cgroup_key,
		       struct ct_opens_slow_ent *ent, uint32_t *n)
{
	struct ct_paths_rec r;

	if (len != sizeof(r) || ct_rec_check(rec, len))
		return -EINVAL;
	memcpy(&r, rec, sizeof(r));	/* rec may be unaligned */
	if (r.hdr.type != CT_EV_PATHS)
		return -EINVAL;
	memcpy(ent, r.ent, r.n * sizeof(ent[0]));
	*cgroup_key = r.cgroup_key;
	*n = r.n;
	return 0;
}
