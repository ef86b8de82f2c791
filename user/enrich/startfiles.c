// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --start-files: see startfiles.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "coldtrace.h"
#include "json.h"
#include "keyed.h"
#include "startfiles.h"
#include "startfiles_images.h"

struct touch {
	uint64_t ts;		/* wall clock */
	uint64_t size;
	uint32_t hash;		/* of path: most compares stop here */
	uint32_t seq;		/* arrival: equal times keep it */
	char *path;
};

/* Where a string value lies in a line's text: as written, quoted. */
struct span {
	size_t at, len;
};

/* A line for start-files.jsonl, its bytes, and what the fold per image
 * takes of it (startfiles_images.h). */
struct line {
	char *text;
	size_t len;
	struct span path, image;
	uint64_t offset_ns;
	uint32_t ctr;		/* its container's ordinal */
};

struct ct_startfiles {
	uint64_t window_ns;
	int64_t mono_to_real;
	struct ct_keyed touches;	/* struct touch, first ones per key */
	struct line *lines;
	size_t nlines, caplines, first, bytes;
	uint64_t evicted;
	uint32_t containers;	/* listed so far: the lines' ordinals */
};

static const char *const until_names[] = {
	[CT_SF_READY] = "ready",
	[CT_SF_WINDOW] = "window",
	[CT_SF_EXIT] = "exit",
	[CT_SF_DETACHED] = "detached",
};

const char *ct_startfiles_until_name(enum ct_sf_until u)
{
	return (unsigned)u < CT_SF_UNTIL_MAX ? until_names[u] : "?";
}

static void touch_release(void *item)
{
	free(((struct touch *)item)->path);
}

struct ct_startfiles *ct_startfiles_new(uint64_t window_ns,
					int64_t mono_to_real_ns)
{
	struct ct_startfiles *sf = calloc(1, sizeof(*sf));

	if (!sf)
		return NULL;
	sf->window_ns = window_ns;
	sf->mono_to_real = mono_to_real_ns;
	if (ct_keyed_init(&sf->touches, sizeof(struct touch), CT_SF_GROUPS,
			  CT_SF_FILES, CT_SF_PENDING, touch_release)) {
		free(sf);
		return NULL;
	}
	return sf;
}

void ct_startfiles_free(struct ct_startfiles *sf)
{
	if (!sf)
		return;
	ct_keyed_free(&sf->touches);
	for (size_t i = 0; i < sf->nlines; i++)
		free(sf->lines[(sf->first + i) % sf->caplines].text);
	free(sf->lines);
	free(sf);
}

/* FNV-1a */
static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool seen(const struct ct_keyed *k, const struct ct_keyed_group *g,
		 uint32_t hash, const char *path)
{
	for (uint32_t i = 0; g && i < g->n; i++) {
		const struct touch *t = ct_keyed_item(k, g, i);

		if (t->hash == hash && !strcmp(t->path, path))
			return true;
	}
	return false;
}

int ct_startfiles_feed(struct ct_startfiles *sf, const void *rec, size_t len)
{
	const struct ct_hdr *h = rec;
	const struct ct_touch *r = rec;
	struct ct_keyed_group *g;
	char path[CT_PATH_MAX];
	struct touch *t;
	uint32_t hash, seq;
	char *copy;

	if (!sf || !rec || len < sizeof(*h))
		return -EINVAL;
	if (h->type != CT_EV_TOUCH)
		return 0;
	if (len < sizeof(*r) || h->size < sizeof(*r))
		return -EINVAL;
	if (!sf->window_ns || r->cgroup_key <= 1 || !r->path[0])
		return 0;
	memcpy(path, r->path, sizeof(path));
	path[sizeof(path) - 1] = 0;	/* a recording's bytes: untrusted */
	/* an exec of /proc/self/exe (busybox's applets, runc): a file of
	 * its root, but a name no image holds */
	if (!strncmp(path, "/proc/", 6))
		return 0;
	hash = path_hash(path);
	g = ct_keyed_get(&sf->touches, r->cgroup_key);
	if (seen(&sf->touches, g, hash, path))
		return 0;
	seq = g->n;
	copy = strdup(path);
	t = copy ? ct_keyed_add(&sf->touches, g) : NULL;
	if (!t) {
		free(copy);
		return 0;	/* counted by the store (or out of memory) */
	}
	*t = (struct touch){
		.ts = h->ts_ns + (uint64_t)sf->mono_to_real,
		.size = r->size,
		.hash = hash,
		.seq = seq,
		.path = copy,
	};
	return 0;
}

/* Where c's list ends (wall clock), and why: the earliest cut. */
static uint64_t cut_at(const struct ct_startfiles *sf,
		       const struct ct_container *c, uint8_t *until)
{
	const struct ct_interval *run = &c->phases[CT_PH_RUN];
	uint64_t cut = run->start_ns + sf->window_ns;

	*until = CT_SF_WINDOW;
	if (ct_has_phase(c, CT_PH_READY) &&
	    c->phases[CT_PH_READY].end_ns <= cut) {
		cut = c->phases[CT_PH_READY].end_ns;
		*until = CT_SF_READY;
	}
	if (run->end_ns && run->end_ns < cut) {
		cut = run->end_ns;
		*until = CT_SF_EXIT;
	}
	if (c->opens.traced_until_ns && c->opens.traced_until_ns < cut) {
		cut = c->opens.traced_until_ns;
		*until = CT_SF_DETACHED;
	}
	return cut;
}

/* Key k's string value s (at most n bytes), and where it lies in f. */
static struct span string_at(struct ct_json *w, FILE *f, const char *k,
			     const char *s, size_t n)
{
	long from;

	ct_json_key(w, k);
	from = ftell(f);
	ct_json_string_n(w, s, n);
	return (struct span){ (size_t)from, (size_t)(ftell(f) - from) };
}

/* The text of l (its spans and offset set), a file's line: "path" first,
 * as ctr-remote's recorder writes. */
static char *format_line(const struct ct_container *c, const struct touch *t,
			 uint64_t exec_ns, struct line *l)
{
	struct ct_json w;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &l->len);
	bool bad;

	if (!f)
		return NULL;
	l->offset_ns = t->ts > exec_ns ? t->ts - exec_ns : 0;
	ct_json_init(&w, f);
	ct_json_start_object(&w);
	l->path = string_at(&w, f, "path", t->path, SIZE_MAX);
	ct_json_key(&w, "id");
	ct_json_string_n(&w, c->id, sizeof(c->id));
	ct_json_key(&w, "name");
	ct_json_string_n(&w, c->name, sizeof(c->name));
	l->image = string_at(&w, f, "image", c->image, sizeof(c->image));
	ct_json_kv_u64(&w, "offset_ns", l->offset_ns);
	ct_json_kv_u64(&w, "size", t->size);
	ct_json_end_object(&w);
	fputc('\n', f);
	bad = ct_json_error(&w);	/* asks f: before its fclose */
	if (fclose(f) || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Keep line l for the export; the oldest go past CT_SF_KEEP_BYTES. */
static void keep_line(struct ct_startfiles *sf, struct line l)
{
	struct line *old;

	while (sf->nlines && sf->bytes + l.len > CT_SF_KEEP_BYTES) {
		old = &sf->lines[sf->first];
		sf->bytes -= old->len;
		free(old->text);
		sf->first = (sf->first + 1) % sf->caplines;
		sf->nlines--;
		sf->evicted++;
	}
	if (sf->nlines == sf->caplines) {
		size_t cap = sf->caplines ? 2 * sf->caplines : 256;
		struct line *p = calloc(cap, sizeof(*p));

		if (!p) {
			free(l.text);
			sf->evicted++;
			return;
		}
		for (size_t i = 0; i < sf->nlines; i++)
			p[i] = sf->lines[(sf->first + i) % sf->caplines];
		free(sf->lines);
		sf->lines = p;
		sf->caplines = cap;
		sf->first = 0;
	}
	sf->lines[(sf->first + sf->nlines++) % sf->caplines] = l;
	sf->bytes += l.len;
}

static int by_time(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The list is in time order, not the records' arrival order: a lazy
 * Python start's list had two shared libraries 66 us out of order
 * (libm.so.6 at 459 us after libz.so.1 at 393 us; cause not pinned down:
 * records of two CPUs, the exec's program and the open's sys object,
 * share the ring buffer).
 */
static void list(struct ct_startfiles *sf, struct ct_container *c,
		 struct ct_keyed_group *g)
{
	struct ct_start_files *s = &c->start_files;
	uint64_t exec_ns = c->phases[CT_PH_RUN].start_ns;
	uint64_t cut = cut_at(sf, c, &s->until);
	struct line l = { .ctr = sf->containers++ };

	s->cut_ns = cut > exec_ns ? cut - exec_ns : 0;
	if (g && g->n)	/* every touch dropped: no items (NULL) */
		qsort(g->items, g->n, sf->touches.size, by_time);
	for (uint32_t i = 0; g && i < g->n; i++) {
		const struct touch *t = ct_keyed_item(&sf->touches, g, i);

		/* the kernel sends none before the runtime's exec of the
		 * program, whose own touch may come a moment before the
		 * exec's record: at 0 */
		if (t->ts >= cut)
			continue;
		s->count++;
		s->bytes += t->size;
		s->last_ns = t->ts > exec_ns ? t->ts - exec_ns : 0;
		if (t->path[0] != '/')
			s->relative++;
		l.text = format_line(c, t, exec_ns, &l);
		if (l.text)
			keep_line(sf, l);
		else
			sf->evicted++;
	}
}

void ct_startfiles_apply(struct ct_startfiles *sf, struct ct_container *c)
{
	struct ct_keyed_group *g;

	if (!sf || !sf->window_ns || !c->cgroup_key)
		return;
	g = ct_keyed_find(&sf->touches, c->cgroup_key);
	if ((c->runtime == CT_RT_RUNC || c->runtime == CT_RT_CRUN) &&
	    ct_has_phase(c, CT_PH_RUN) && !c->unarmed && !c->partial &&
	    ct_followed_in_kernel(c)) {
		c->start_files = (struct ct_start_files){
			.valid = true,
			.dropped = g ? g->dropped : 0,
		};
		list(sf, c, g);
	}
	ct_startfiles_forget(sf, c->cgroup_key);
}

void ct_startfiles_forget(struct ct_startfiles *sf, uint64_t cgroup_key)
{
	if (sf)
		ct_keyed_forget(&sf->touches, cgroup_key);
}

int ct_startfiles_write(FILE *f, const struct ct_startfiles *sf)
{
	for (size_t i = 0; sf && i < sf->nlines; i++) {
		const struct line *l = &sf->lines[(sf->first + i) %
						  sf->caplines];

		if (fwrite(l->text, 1, l->len, f) != l->len)
			return -EIO;
	}
	return 0;
}

int ct_startfiles_write_images(FILE *f, const struct ct_startfiles *sf)
{
	size_t n = sf ? sf->nlines : 0;
	struct ct_sf_entry *e = calloc(n ? n : 1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct line *l = &sf->lines[(sf->first + i) %
						  sf->caplines];

		e[i] = (struct ct_sf_entry){
			.path = { l->text + l->path.at, l->path.len },
			.image = { l->text + l->image.at, l->image.len },
			.offset_ns = l->offset_ns,
			.ctr = l->ctr,
		};
	}
	ret = ct_sf_images_write(f, e, n);
	free(e);
	return ret;
}

uint64_t ct_startfiles_evicted(const struct ct_startfiles *sf)
{
	return sf ? sf->evicted : 0;
}
