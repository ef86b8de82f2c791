// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A FUSE connection's layer, read by a live session: see layers.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "coldtrace.h"
#include "layers.h"

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

/*
 * The mount point of dev if mountinfo's line for it is a stargz layer's
 * ("ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE ..."),
 * into point; false otherwise.
 */
static bool stargz_point(const char *mountinfo, uint32_t dev, char *point,
			 size_t len)
{
	char line[4096], want[32], *f[6], *sep, *save;
	bool found = false;
	FILE *m = fopen(mountinfo, "re");

	if (!m)
		return false;
	snprintf(want, sizeof(want), "%u:%u", dev >> 20, dev & 0xfffff);
	while (!found && fgets(line, sizeof(line), m)) {
		memset(f, 0, sizeof(f));
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (int i = 1; i < 5 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &save);
		if (!f[0] || !f[4] || strcmp(f[2], want))
			continue;
		f[5] = strtok_r(sep + 3, " ", &save);	/* TYPE */
		sep = f[5] ? strtok_r(NULL, " \n", &save) : NULL;	/* SOURCE */
		if (!f[5] || strncmp(f[5], "fuse", 4) || !sep ||
		    strcmp(sep, "stargz"))
			break;	/* dev's mount, not a stargz layer */
		unescape(f[4]);
		found = snprintf(point, len, "%s", f[4]) < (int)len;
	}
	fclose(m);
	return found;
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

/* A read of the state directory, in a thread: it may wait on FUSE. */
struct probe {
	char dir[PATH_MAX];
	char digest[CT_LAYER_DIGEST_LEN];
	int ret;
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
	free(p);
}

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	struct dirent *e;
	DIR *d = opendir(p->dir);
	int ret = -ENOENT;

	while (d && ret && (e = readdir(d)))
		if (digest_name(e->d_name, p->digest, sizeof(p->digest)))
			ret = 0;
	if (d)
		closedir(d);
	pthread_mutex_lock(&p->mu);
	p->ret = ret;
	p->done = true;
	if (p->stalled)
		__atomic_sub_fetch(&stalled, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	probe_put(p);
	return NULL;
}

/* Waits for p until wait_ms have passed: its result, or -ETIMEDOUT. */
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
	ret = p->done ? p->ret : -ETIMEDOUT;
	if (!p->done) {
		p->stalled = true;
		__atomic_add_fetch(&stalled, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&p->mu);
	return ret;
}

int ct_layer_digest(const char *mountinfo, uint32_t dev, char *out,
		    size_t len, unsigned int wait_ms)
{
	struct probe *p = calloc(1, sizeof(*p));
	pthread_t t;
	int ret;

	if (!p)
		return -ENOMEM;
	if (__atomic_load_n(&stalled, __ATOMIC_ACQUIRE)) {
		free(p);
		return -EBUSY;
	}
	if (!stargz_point(mountinfo, dev, p->dir,
			  sizeof(p->dir) - strlen(STATE_DIR))) {
		free(p);
		return -ENOENT;
	}
	strcat(p->dir, STATE_DIR);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->refs = 2;
	if (pthread_create(&t, NULL, probe_run, p)) {
		p->refs = 1;
		probe_put(p);
		return -EAGAIN;
	}
	pthread_detach(t);
	ret = probe_wait(p, wait_ms);
	if (!ret)
		snprintf(out, len, "%s", p->digest);
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

void ct_layers_feed(struct ct_layers *q, const void *rec, size_t len,
		    ct_naming_emit_cb emit, void *ctx)
{
	const struct ct_fuse *r = rec;
	struct ct_layer_rec out;
	int ret;

	if (len < sizeof(*r) || r->hdr.type != CT_EV_FUSE ||
	    r->hdr.size < sizeof(*r) || r->cgroup_key <= 1 ||
	    asked(q, r->cgroup_key, r->dev))
		return;
	q->asked[q->next] = (struct ct_layer_ask){ r->cgroup_key, r->dev };
	q->next = (q->next + 1) % CT_LAYER_ASKED;
	memset(&out, 0, sizeof(out));
	ret = ct_layer_digest(q->mountinfo ? q->mountinfo :
			      "/proc/self/mountinfo", r->dev, out.digest,
			      sizeof(out.digest), CT_LAYER_WAIT_MS);
	q->timeouts += ret == -ETIMEDOUT || ret == -EBUSY;
	if (ret)
		return;
	out.hdr.ts_ns = r->hdr.ts_ns;
	out.hdr.type = CT_EV_LAYER;
	out.hdr.size = sizeof(out);
	out.cgroup_key = r->cgroup_key;
	out.dev = r->dev;
	emit(&out, sizeof(out), ctx);
}
