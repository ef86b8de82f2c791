// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Uprobes on the engines' own Go functions: see ufn_bpf.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "engine_api.h"
#include "gosym.h"
#include "loader.h"
#include "ufn_bpf.h"
#include "ufn.skel.h"
#include "util.h"

#define UFN_BINS	8	/* daemon binaries known at once */
#define UFN_ENTRIES	4	/* entries of one spec in one binary */
#define UFN_PROBES	32	/* probes of one binary */
/*
 * A look under /proc for the daemons costs ~3 us a process (6 ms on a
 * node of 2,000), and the hooks attach at each start on an idle node: at
 * most one look per this.  A probe is on the binary, not the process: a
 * daemon restarted from the same file keeps its probes, and only a new
 * binary (an upgrade) waits for the next look.
 */
#define UFN_LOOK_EVERY_NS	(60 * 1000000000ull)

/* A daemon binary, read once: where each of its probes goes. */
struct ufn_bin {
	dev_t dev;
	ino_t ino;
	uint64_t off[UFN_PROBES];	/* file offsets of the entries */
	enum ct_ufn_fn fn[UFN_PROBES];
	size_t n;
	bool placed;		/* its probes attached (or refused) */
	struct bpf_link *links[UFN_PROBES];
	size_t nlinks;
};

struct ct_ufn_bpf {
	struct ufn_bpf *skel;
	const char *proc_dir;
	bool verbose;
	struct ufn_bin bins[UFN_BINS];
	size_t nbins;
	uint64_t looked_ns;	/* CLOCK_MONOTONIC of the last look, 0: none */
};

/* The program of a function kind. */
static struct bpf_program *prog_of(const struct ct_ufn_bpf *u,
				   enum ct_ufn_fn fn)
{
	switch (fn) {
	case CT_UFN_CRI_CREATE:
		return u->skel->progs.ct_ufn_cri_create;
	case CT_UFN_CRI_START:
		return u->skel->progs.ct_ufn_cri_start;
	case CT_UFN_CRI_RUN:
		return u->skel->progs.ct_ufn_cri_run;
	case CT_UFN_DOCKER_CREATE:
		return u->skel->progs.ct_ufn_docker_create;
	default:
		return NULL;
	}
}

int ct_ufn_bpf_start(struct ct_ufn_bpf **out, struct ct_loader *l,
		     const char *proc_dir, bool verbose, char *err,
		     size_t errlen)
{
	const struct ct_obj_prep p = { "ufn", l, NULL, NULL };
	struct ct_ufn_bpf *u = calloc(1, sizeof(*u));
	int rc;

	*out = NULL;
	if (!u) {
		snprintf(err, errlen, "ufn: out of memory");
		return -ENOMEM;
	}
	u->proc_dir = proc_dir;
	u->verbose = verbose;
	u->skel = ufn_bpf__open();
	rc = ct_loader_prep_obj(&p, u->skel ? u->skel->obj : NULL, err,
				errlen);
	if (rc) {
		ct_ufn_bpf_stop(u);
		return rc;
	}
	*out = u;
	return 0;
}

static void bin_detach(struct ufn_bin *b)
{
	while (b->nlinks)
		bpf_link__destroy(b->links[--b->nlinks]);
}

void ct_ufn_bpf_stop(struct ct_ufn_bpf *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nbins; i++)
		bin_detach(&u->bins[i]);
	ufn_bpf__destroy(u->skel);
	free(u);
}

/* ---- the binaries ---- */

/*
 * spec's entries in g, as file offsets, added to b; NULL, or what is
 * missing: the function, or the one that says its request's layout.
 */
static const char *add_spec(struct ufn_bin *b, const struct ct_gosym *g,
			    const struct ct_ufn_spec *spec)
{
	uint64_t entry[UFN_ENTRIES], off;
	size_t n = ct_gosym_funcs_ending(g, spec->suffix, entry, UFN_ENTRIES);
	const char *missing = spec->suffix;

	if (n && spec->layout &&
	    !ct_gosym_funcs_ending(g, spec->layout, &off, 1))
		return spec->layout;

	for (size_t i = 0; i < n && i < UFN_ENTRIES && b->n < UFN_PROBES; i++) {
		if (ct_gosym_offset(g, entry[i], &off))
			continue;
		b->off[b->n] = off;
		b->fn[b->n++] = spec->fn;
		missing = NULL;
	}
	return missing;
}

/*
 * The probes of daemon comm's binary, open as fd at exe, into b, its
 * line table read once; what is missing said once (b is kept either
 * way, so the next attach does not read or say it again).
 */
static void read_bin(struct ufn_bin *b, int fd, const char *exe,
		     const char *comm)
{
	struct ct_gosym *g = NULL;
	char what[PATH_MAX + 128];
	int rc = ct_gosym_open(exe, &g);

	if (rc) {
		ct_elf_describe(fd, exe, what, sizeof(what));
		fprintf(stderr, "coldtrace: %s %s: no Go line table (%s): its functions are not probed\n",
			comm, what, strerror(-rc));
		return;
	}
	for (enum ct_engine_kind e = 0; e < CT_ENG_MAX; e++) {
		const struct ct_ufn_spec *s = ct_engine(e)->ufns;

		for (; s && s->daemon; s++) {
			const char *missing;

			if (strcmp(s->daemon, comm) ||
			    !(missing = add_spec(b, g, s)))
				continue;
			ct_elf_describe(fd, exe, what, sizeof(what));
			fprintf(stderr, "coldtrace: %s %s: no function ending in %s (%s table): %s not probed, its steps are not timed\n",
				comm, what, missing, ct_gosym_layout(g),
				s->suffix + 1);
		}
	}
	ct_gosym_free(g);
}

/* The binary that exe (/proc/PID/exe) runs, read if new; NULL: none. */
static struct ufn_bin *bin_of(struct ct_ufn_bpf *u, const char *exe,
				    const char *comm)
{
	struct ufn_bin *b;
	struct stat st;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;	/* gone, or a kernel thread */
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	for (size_t i = 0; i < u->nbins; i++)
		if (u->bins[i].dev == st.st_dev && u->bins[i].ino == st.st_ino) {
			close(fd);
			return &u->bins[i];
		}
	if (u->nbins == UFN_BINS) {	/* a new one: forget the oldest */
		bin_detach(&u->bins[0]);
		memmove(u->bins, u->bins + 1, sizeof(u->bins[0]) * --u->nbins);
	}
	b = &u->bins[u->nbins++];
	memset(b, 0, sizeof(*b));
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	read_bin(b, fd, exe, comm);
	close(fd);
	return b;
}

/* ---- attaching ---- */

static void attach_bin(struct ct_ufn_bpf *u, struct ufn_bin *b,
		       const char *exe)
{
	b->placed = true;
	for (size_t i = 0; i < b->n; i++) {
		struct bpf_link *k = bpf_program__attach_uprobe(
			prog_of(u, b->fn[i]), false, -1, exe, b->off[i]);

		if (!k) {
			fprintf(stderr, "coldtrace: uprobe on %s at 0x%llx: %s\n",
				exe, (unsigned long long)b->off[i],
				strerror(errno));
			continue;
		}
		b->links[b->nlinks++] = k;
	}
}

static void attach_all(struct ct_ufn_bpf *u)
{
	struct dirent *d;
	DIR *dir = opendir(u->proc_dir);
	char comm[16], exe[PATH_MAX];

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		struct ufn_bin *b;

		if (!isdigit((unsigned char)d->d_name[0]) ||
		    !ct_proc_comm(u->proc_dir, d->d_name, comm, sizeof(comm)) ||
		    !ct_engines_daemon(comm))
			continue;
		snprintf(exe, sizeof(exe), "%s/%s/exe", u->proc_dir, d->d_name);
		b = bin_of(u, exe, comm);
		if (b && !b->placed)	/* not by another process, earlier */
			attach_bin(u, b, exe);
	}
	closedir(dir);
}

size_t ct_ufn_bpf_attach(struct ct_ufn_bpf *u)
{
	uint64_t now = ct_mono_ns();
	size_t n = 0;

	if (!u)
		return 0;
	if (!u->looked_ns || now - u->looked_ns >= UFN_LOOK_EVERY_NS) {
		u->looked_ns = now;
		attach_all(u);
	}
	for (size_t i = 0; i < u->nbins; i++)
		n += u->bins[i].nlinks;
	return n;
}
