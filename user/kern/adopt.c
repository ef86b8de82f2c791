// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Containers already running when the session starts: adopt.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "adopt.h"
#include "classify.h"
#include "coldtrace.h"
#include "engine_api.h"
#include "util.h"

enum kind {
	K_OTHER,	/* no machinery: maybe a container's pid 1 */
	K_SKIP,		/* machinery not adopted, or started too late */
	K_ADOPTED,	/* adopted: a runsc sandbox or gofer */
	K_PARENT,	/* adopted shim or monitor: its pid 1 is its child */
};

struct seen {
	uint32_t pid, ppid;
	uint64_t start;		/* clock ticks since boot */
	enum kind kind;
};

uint64_t ct_adopt_boot_ticks(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return (uint64_t)ct_clock_ns(CLOCK_BOOTTIME) /
	       (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
}

/* <proc_dir>/<pid>/stat -> its ppid and start time; false if gone. */
static bool read_stat(const char *proc_dir, const char *pid,
		      struct seen *s)
{
	char path[512], buf[1024], *p;
	unsigned long long v[20];
	int i = 0;

	snprintf(path, sizeof(path), "%s/%s/stat", proc_dir, pid);
	if (ct_read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	/* comm may hold anything: the fields start after its last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	for (p++; i < 20 && *p; i++) {
		char *end;

		while (*p == ' ')
			p++;
		v[i] = strtoull(p, &end, 10);
		p = strchr(p, ' ');
		if (!p)
			break;
	}
	if (i < 19)	/* fields 3 (state) to 22 (starttime) */
		return false;
	s->ppid = (uint32_t)v[1];
	s->start = v[19];
	return true;
}

/* The adoption record of pid, as its exec would have been; its size,
 * 0 if it is gone. */
static size_t fill(const char *proc_dir, const char *pid,
		   const struct seen *s, uint64_t now, struct ct_exec *x)
{
	char path[512], comm[CT_COMM_LEN];
	size_t pad;
	ssize_t n;

	memset(x, 0, offsetof(struct ct_exec, args));
	snprintf(path, sizeof(path), "%s/%s/cmdline", proc_dir, pid);
	n = ct_read_small(path, x->args, sizeof(x->args));
	if (n <= 0 || !ct_proc_comm(proc_dir, pid, comm, sizeof(comm)))
		return 0;
	x->args_len = (uint32_t)n;
	x->args_truncated = (size_t)n == sizeof(x->args) - 1;
	snprintf(path, sizeof(path), "%s/%s/exe", proc_dir, pid);
	n = readlink(path, x->filename, sizeof(x->filename) - 1);
	x->filename[n > 0 ? n : 0] = '\0';
	/* the used args, to 8 bytes: the next record stays aligned */
	pad = (x->args_len + 7) / 8 * 8;
	memset(x->args + x->args_len, 0, pad - x->args_len);
	x->hdr.ts_ns = now;
	x->hdr.type = CT_EV_ADOPT;
	x->hdr.size = (uint32_t)(offsetof(struct ct_exec, args) + pad);
	x->hdr.pid = s->pid;
	x->hdr.tid = s->pid;
	x->hdr.ppid = s->ppid;
	memcpy(x->hdr.comm, comm, sizeof(comm));
	return x->hdr.size;
}

/* What the classifier calls the process of x (filled): see enum kind. */
static enum kind kind_of(const struct ct_exec *x)
{
	struct ct_class cl;

	if (ct_classify(x->filename, x->args, x->args_len, &cl))
		return K_SKIP;
	switch (cl.role) {
	case CT_ROLE_NONE:
		return K_OTHER;
	case CT_ROLE_SHIM:
		return cl.id[0] && !ct_engine(cl.engine)->shim_not_adopted ?
		       K_PARENT : K_SKIP;
	case CT_ROLE_MONITOR:
		return cl.creates ? K_PARENT : K_SKIP;
	case CT_ROLE_SANDBOX:
	case CT_ROLE_GOFER:
		return cl.id[0] ? K_ADOPTED : K_SKIP;
	default:
		return K_SKIP;
	}
}

struct scan {
	const char *proc_dir;
	uint64_t now;
	ct_adopt_emit_cb emit;
	void *ctx;
	struct ct_exec x;
	struct seen *t;
	size_t n;
	size_t emitted;
};

/* One /proc entry: noted, and emitted if it is machinery adopted. */
static void scan_one(struct scan *sc, const char *name, uint64_t before)
{
	struct seen *s = &sc->t[sc->n];
	size_t len;

	if (!read_stat(sc->proc_dir, name, s))
		return;
	s->pid = (uint32_t)strtoul(name, NULL, 10);
	s->kind = K_SKIP;
	sc->n++;
	/* started since the tracers: its exec is theirs */
	if (s->start >= before || !(len = fill(sc->proc_dir, name, s, sc->now,
					       &sc->x)))
		return;
	s->kind = kind_of(&sc->x);
	if (s->kind < K_ADOPTED)
		return;
	sc->emit(&sc->x, len, sc->ctx);
	sc->emitted++;
}

/* The earliest-started child of parent that is no machinery, or NULL. */
static const struct seen *pid1_of(const struct scan *sc,
				  const struct seen *parent)
{
	const struct seen *best = NULL;

	for (size_t i = 0; i < sc->n; i++) {
		const struct seen *c = &sc->t[i];

		if (c->kind == K_OTHER && c->ppid == parent->pid &&
		    (!best || c->start < best->start))
			best = c;
	}
	return best;
}

static void emit_pid1s(struct scan *sc)
{
	char name[16];
	size_t len;

	for (size_t i = 0; i < sc->n; i++) {
		const struct seen *c;

		if (sc->t[i].kind != K_PARENT)
			continue;
		c = pid1_of(sc, &sc->t[i]);
		if (!c)
			continue;
		snprintf(name, sizeof(name), "%u", c->pid);
		len = fill(sc->proc_dir, name, c, sc->now, &sc->x);
		if (!len)
			continue;
		sc->emit(&sc->x, len, sc->ctx);
		sc->emitted++;
	}
}

size_t ct_adopt_scan(const char *proc_dir, uint64_t before_ticks,
		     uint64_t now_mono_ns, ct_adopt_emit_cb emit, void *ctx)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (!sc)
		return 0;
	*sc = (struct scan){ .proc_dir = proc_dir, .now = now_mono_ns,
			     .emit = emit, .ctx = ctx };
	sc->t = calloc(CT_ADOPT_MAX, sizeof(*sc->t));
	d = sc->t ? opendir(proc_dir) : NULL;
	if (d) {
		while (sc->n < CT_ADOPT_MAX && (e = readdir(d)))
			if (ct_is_pid(e->d_name))
				scan_one(sc, e->d_name, before_ticks);
		closedir(d);
		emit_pid1s(sc);
		n = sc->emitted;
	}
	free(sc->t);
	free(sc);
	return n;
}
