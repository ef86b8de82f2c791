// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A FUSE connection's layer, read by a live session: see layers.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "coldtrace.h"
#include "layers.h"
#include "util.h"

#define STATE_DIR	"/.stargz-snapshotter"
#define SHA256		"sha256:"

/* mountinfo's octal escapes (\040 a space, \134 a backslash) undone. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* A stargz layer's mount, as mountinfo says: its state directory. */
struct mnt {
	uint32_t dev;
	char dir[1024];		/* its mount point, then STATE_DIR */
};

/*
 * mountinfo's line ("ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE
 * SOURCE ...") as a stargz layer's mount into *m; false for any other.
 */
static bool stargz_mount(char *line, struct mnt *m)
{
	char *f[6] = { NULL }, *sep = strstr(line, " - "), *save;
	unsigned int maj, min;

	if (!sep)
		return false;
	*sep = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 5 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (!f[4] || sscanf(f[2], "%u:%u", &maj, &min) != 2)
		return false;
	f[5] = strtok_r(sep + 3, " ", &save);	/* TYPE */
	sep = f[5] ? strtok_r(NULL, " \n", &save) : NULL;	/* SOURCE */
	if (!f[5] || strncmp(f[5], "fuse", 4) || !sep || strcmp(sep, "stargz"))
		return false;
	unescape(f[4]);
	m->dev = maj << 20 | min;
	return snprintf(m->dir, sizeof(m->dir), "%s" STATE_DIR, f[4]) <
	       (int)sizeof(m->dir);
}

/* The stargz layers mounted with dev (0: any) into m[], up to max. */
static size_t stargz_mounts(const char *mountinfo, uint32_t dev,
			    struct mnt *m, size_t max)
{
	char line[4096];
	size_t n = 0;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f))
		if (stargz_mount(line, &m[n]) && (!dev || m[n].dev == dev))
			n++;
	fclose(f);
	return n;
}

/* "sha256:" and 64 lowercase hex digits, then ".json". */
static bool digest_name(const char *name, char *out, size_t len)
{
	size_t n = strlen(SHA256);

	if (strncmp(name, SHA256, n) || strlen(name) != n + 64 + 5 ||
	    strcmp(name + n + 64, ".json") || len < n + 64 + 1)
		return false;
	for (size_t i = n; i < n + 64; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	memcpy(out, name, n + 64);
	out[n + 64] = '\0';
	return true;
}

/*
 * Probes still running after their wait ended (a daemon that did not
 * answer): while one is, no other starts, so that a wedged daemon costs
 * one blocked thread, not one per container.  The process's, not a
 * session's: such a thread may outlive the session that started it.
 */
static int stalled;

/* A read of state directories, in a thread: it may wait on FUSE. */
struct probe {
	size_t n;
	struct mnt *m;			/* n of them */
	struct ct_layer_state *st;	/* n of them */
	bool done;
	bool stalled;		/* counted in stalled: its wait timed out */
	int refs;		/* the session's and the thread's */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void probe_put(struct probe *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->m);
	free(p->st);
	free(p);
}

/* A decimal value of key in a state file's JSON: "size":6308936 */
static bool json_u64(const char *js, const char *key, uint64_t *v)
{
	const char *at = strstr(js, key);
	char *end;

	if (!at)
		return false;
	at += strlen(key);
	while (*at == ' ')
		at++;
	if (*at < '0' || *at > '9')
		return false;
	*v = strtoull(at, &end, 10);
	return end != at;
}

/* The state file of m's layer: its name, then what it says. */
static void read_state(const struct mnt *m, struct ct_layer_state *st)
{
	char path[1024 + 128], js[1024];
	struct dirent *e;
	ssize_t got = -1;
	DIR *d = opendir(m->dir);
	int fd;

	st->dev = m->dev;
	while (d && !st->named && (e = readdir(d)))
		st->named = digest_name(e->d_name, st->digest,
					sizeof(st->digest));
	if (d)
		closedir(d);
	if (!st->named)
		return;
	snprintf(path, sizeof(path), "%s/%s.json", m->dir, st->digest);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, js, sizeof(js) - 1);
		close(fd);
	}
	if (got <= 0)
		return;
	js[got] = '\0';
	st->has_fetched = json_u64(js, "\"fetchedSize\":", &st->fetched) &&
			  json_u64(js, "\"size\":", &st->size);
}

static void *probe_run(void *arg)
{
	struct probe *p = arg;

	for (size_t i = 0; i < p->n; i++)
		read_state(&p->m[i], &p->st[i]);
	pthread_mutex_lock(&p->mu);
	p->done = true;
	if (p->stalled)
		__atomic_sub_fetch(&stalled, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	probe_put(p);
	return NULL;
}

/* Waits for p until wait_ms have passed: 0, or -ETIMEDOUT. */
static int probe_wait(struct probe *p, unsigned int wait_ms)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&p->mu);
	while (!p->done && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&p->cv, &p->mu, &until);
	if (!p->done) {
		p->stalled = true;
		__atomic_add_fetch(&stalled, 1, __ATOMIC_RELEASE);
	}
	ret = p->done ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&p->mu);
	return ret;
}

static struct probe *probe_new(size_t max)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->m = calloc(max, sizeof(*p->m));
	p->st = calloc(max, sizeof(*p->st));
	if (!p->m || !p->st) {
		free(p->m);
		free(p->st);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->refs = 1;
	return p;
}

int ct_layer_read(const char *mountinfo, uint32_t dev,
		  struct ct_layer_state *st, size_t max, unsigned int wait_ms)
{
	struct probe *p;
	pthread_t t;
	int ret;

	if (__atomic_load_n(&stalled, __ATOMIC_ACQUIRE))
		return -EBUSY;
	p = probe_new(max);
	if (!p)
		return -ENOMEM;
	p->n = stargz_mounts(mountinfo, dev, p->m, max);
	ret = (int)p->n;
	if (p->n) {
		p->refs = 2;
		if (pthread_create(&t, NULL, probe_run, p)) {
			p->refs = 1;
			ret = -EAGAIN;
		} else {
			pthread_detach(t);
			ret = probe_wait(p, wait_ms);
		}
	}
	if (!ret && p->n) {
		memcpy(st, p->st, p->n * sizeof(*st));
		ret = (int)p->n;
	}
	probe_put(p);
	return ret;
}

/* The newest first: a container's requests come in runs on one layer. */
static bool asked(const struct ct_layers *q, uint64_t key, uint32_t dev)
{
	for (size_t i = 1; i <= CT_LAYER_ASKED; i++) {
		const struct ct_layer_ask *a =
			&q->asked[(q->next + CT_LAYER_ASKED - i) %
				  CT_LAYER_ASKED];

		if (a->cgroup_key == key && a->dev == dev)
			return true;
	}
	return false;
}

static const char *mountinfo(const struct ct_layers *q)
{
	return q->mountinfo ? q->mountinfo : "/proc/self/mountinfo";
}

/* dev's sampling state; a new one takes the oldest slot's place. */
static struct ct_layer_conn *conn(struct ct_layers *q, uint32_t dev)
{
	struct ct_layer_conn *c;

	for (size_t i = 0; i < CT_LAYER_CONNS; i++)
		if (q->conns[i].dev == dev)
			return &q->conns[i];
	c = &q->conns[q->next_conn];
	q->next_conn = (q->next_conn + 1) % CT_LAYER_CONNS;
	q->dirty -= c->dirty;
	*c = (struct ct_layer_conn){ .dev = dev };
	return c;
}

/* A CT_EV_FETCHED of st at ts, unless unchanged and only asked for. */
static void emit_fetched(struct ct_layers *q, const struct ct_layer_state *st,
			 uint64_t ts, bool always, ct_naming_emit_cb emit,
			 void *ctx)
{
	struct ct_layer_conn *c = conn(q, st->dev);
	struct ct_fetched_rec out;

	if (!st->has_fetched ||
	    (!always && c->sampled && c->fetched == st->fetched))
		return;
	c->sampled = true;
	c->fetched = st->fetched;
	memset(&out, 0, sizeof(out));
	out.hdr.ts_ns = ts;
	out.hdr.type = CT_EV_FETCHED;
	out.hdr.size = sizeof(out);
	out.dev = st->dev;
	out.fetched = st->fetched;
	out.size = st->size;
	emit(&out, sizeof(out), ctx);
}

static void emit_name(const struct ct_fuse *r, const struct ct_layer_state *st,
		      ct_naming_emit_cb emit, void *ctx)
{
	struct ct_layer_rec out;

	if (!st->named)
		return;
	memset(&out, 0, sizeof(out));
	out.hdr.ts_ns = r->hdr.ts_ns;
	out.hdr.type = CT_EV_LAYER;
	out.hdr.size = sizeof(out);
	out.cgroup_key = r->cgroup_key;
	out.dev = r->dev;
	memcpy(out.digest, st->digest, sizeof(out.digest));
	emit(&out, sizeof(out), ctx);
}

/* A request's record on c's connection came at now: a sample is due
 * once they settle. */
static void mark(struct ct_layers *q, struct ct_layer_conn *c, uint64_t now)
{
	q->dirty += !c->dirty;
	c->dirty = true;
	c->last_seen_ns = now;
}

void ct_layers_feed(struct ct_layers *q, const void *rec, size_t len,
		    uint64_t now_mono_ns, ct_naming_emit_cb emit, void *ctx)
{
	const struct ct_fuse *r = rec;
	struct ct_layer_state st = { 0 };
	uint64_t ts;
	int ret;

	if (len >= sizeof(struct ct_hdr) && r->hdr.type == CT_EV_LISTEN) {
		q->listened = true;
		return;
	}
	if (len < sizeof(*r) || r->hdr.type != CT_EV_FUSE ||
	    r->hdr.size < sizeof(*r) || r->cgroup_key <= 1)
		return;
	mark(q, conn(q, r->dev), now_mono_ns);
	if (asked(q, r->cgroup_key, r->dev))
		return;
	q->asked[q->next] = (struct ct_layer_ask){ r->cgroup_key, r->dev };
	q->next = (q->next + 1) % CT_LAYER_ASKED;
	ts = ct_mono_ns();
	ret = ct_layer_read(mountinfo(q), r->dev, &st, 1, CT_LAYER_WAIT_MS);
	q->timeouts += ret == -ETIMEDOUT || ret == -EBUSY;
	if (ret != 1)
		return;
	emit_name(r, &st, emit, ctx);
	emit_fetched(q, &st, ts, false, emit, ctx);
}

/* Every stargz layer's, where it changed: a new container's baseline. */
static void sample_all(struct ct_layers *q, ct_naming_emit_cb emit, void *ctx)
{
	struct ct_layer_state *st = calloc(CT_LAYER_MOUNTS, sizeof(*st));
	uint64_t ts = ct_mono_ns();
	int n;

	if (!st)
		return;
	n = ct_layer_read(mountinfo(q), 0, st, CT_LAYER_MOUNTS,
			  CT_LAYER_WAIT_MS);
	q->unsampled += n == -ETIMEDOUT || n == -EBUSY;
	for (int i = 0; i < n; i++)
		emit_fetched(q, &st[i], ts, false, emit, ctx);
	free(st);
}

/* c's, its requests settled (or the session ending). */
static void sample_one(struct ct_layers *q, struct ct_layer_conn *c,
		       ct_naming_emit_cb emit, void *ctx)
{
	struct ct_layer_state st = { 0 };
	uint64_t ts = ct_mono_ns();
	int ret;

	c->dirty = false;
	q->dirty--;
	ret = ct_layer_read(mountinfo(q), c->dev, &st, 1, CT_LAYER_WAIT_MS);
	q->unsampled += ret == -ETIMEDOUT || ret == -EBUSY;
	if (ret == 1)
		emit_fetched(q, &st, ts, true, emit, ctx);
}

void ct_layers_sample(struct ct_layers *q, uint64_t now_mono_ns,
		      ct_naming_emit_cb emit, void *ctx)
{
	const uint64_t settle = CT_LAYER_SETTLE_MS * 1000000ull;

	bool all = now_mono_ns == UINT64_MAX || q->listened;

	if (q->new_container) {
		q->new_container = false;
		sample_all(q, emit, ctx);
	}
	q->listened = false;
	for (size_t i = 0; q->dirty && i < CT_LAYER_CONNS; i++) {
		struct ct_layer_conn *c = &q->conns[i];

		if (c->dirty &&
		    (all || now_mono_ns >= c->last_seen_ns + settle))
			sample_one(q, c, emit, ctx);
	}
}
