// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why=user's probe on runc's runtime.gopark: see gopark_bpf.h. */
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
#include "gosym.h"
#include "util.h"
#include "engine_api.h"
#include "gopark_bpf.h"

#define GP_BINS		8	/* runc binaries known at once */
#define GP_FUNC		"runtime.gopark"
/* where runc is installed, beside the session's own PATH */
#define GP_DIRS		"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A binary seen: probed (link), or refused and said (link NULL). */
struct gp_bin {
	dev_t dev;
	ino_t ino;
	struct bpf_link *link;
};

struct ct_gopark {
	struct bpf_program *prog;
	bool verbose;
	struct gp_bin bins[GP_BINS];
	size_t n;
};

struct ct_gopark *ct_gopark_new(struct bpf_program *prog,
					bool verbose)
{
	struct ct_gopark *g = calloc(1, sizeof(*g));

	if (g) {
		g->prog = prog;
		g->verbose = verbose;
	}
	return g;
}

void ct_gopark_free(struct ct_gopark *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		bpf_link__destroy(g->bins[i].link);
	free(g);
}

/*
 * gopark's entry in the binary open as fd at path, as a file offset;
 * 0, or what is missing said (once: the caller keeps the binary).
 */
static int entry_of(int fd, const char *path, uint64_t *off)
{
	struct ct_gosym *gs = NULL;
	char what[PATH_MAX + 128];
	uint64_t entry, end;
	int rc = ct_gosym_open(path, &gs);
	const char *why = rc ? strerror(-rc) : NULL;

	if (!rc && (ct_gosym_func(gs, GP_FUNC, &entry, &end) ||
		    ct_gosym_offset(gs, entry, off)))
		why = "no " GP_FUNC;
	ct_gosym_free(gs);
	if (!why)
		return 0;
	ct_elf_describe(fd, path, what, sizeof(what));
	fprintf(stderr, "coldtrace: --why=user: %s: %s (%s): its goroutines' parks are not probed\n",
		what, rc ? "no Go line table" : "no function", why);
	return -ENOENT;
}

/* The binary of st, kept; the oldest forgotten (detached) when full. */
static struct gp_bin *keep(struct ct_gopark *g, const struct stat *st)
{
	struct gp_bin *b;

	if (g->n == GP_BINS) {
		bpf_link__destroy(g->bins[0].link);
		memmove(g->bins, g->bins + 1, sizeof(g->bins[0]) * --g->n);
	}
	b = &g->bins[g->n++];
	*b = (struct gp_bin){ .dev = st->st_dev, .ino = st->st_ino };
	return b;
}

static bool known(const struct ct_gopark *g, const struct stat *st)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->bins[i].dev == st->st_dev && g->bins[i].ino == st->st_ino)
			return true;
	return false;
}

void ct_gopark_place(struct ct_gopark *g, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct gp_bin *b;
	struct stat st;
	uint64_t off;

	if (!g || fd < 0)
		goto out;	/* gone already */
	if (fstat(fd, &st) || known(g, &st))
		goto out;
	b = keep(g, &st);
	if (entry_of(fd, path, &off))
		goto out;
	b->link = bpf_program__attach_uprobe(g->prog, false, -1, path, off);
	if (!b->link)
		fprintf(stderr, "coldtrace: --why=user: uprobe on %s at 0x%llx: %s\n",
			path, (unsigned long long)off, strerror(errno));
	else if (g->verbose)
		fprintf(stderr, "why: %s probed at 0x%llx\n", path,
			(unsigned long long)off);
out:
	if (fd >= 0)
		close(fd);
}

/*
 * Each directory of dirs (":"-separated) that has an executable name,
 * under root ("": the session's own).
 */
static void place_in(struct ct_gopark *g, const char *root,
		     const char *name, const char *dirs)
{
	char file[PATH_MAX];

	while (dirs && *dirs) {
		size_t len = strcspn(dirs, ":");

		/* "" or relative: the session's cwd, not the engines' */
		if (len && dirs[0] == '/') {
			snprintf(file, sizeof(file), "%s%.*s/%s", root,
				 (int)len, dirs, name);
			if (!access(file, X_OK))
				ct_gopark_place(g, file);
		}
		dirs += len + (dirs[len] == ':');
	}
}

/* Whether process pid (a /proc entry) is an engine's daemon, which
 * runs the runtimes (containerd, dockerd: their rows say). */
static bool engine_daemon(const char *proc_dir, const char *pid)
{
	char comm[16];

	return ct_proc_comm(proc_dir, pid, comm, sizeof(comm)) &&
	       ct_engines_daemon(comm);
}

/*
 * name in the usual directories of the root of each engine daemon alive
 * (/proc/PID/root): an engine in a mount namespace of its own runs the
 * runc of its own root.
 */
static void place_in_roots(struct ct_gopark *g, const char *proc_dir,
			   const char *name)
{
	DIR *dir = opendir(proc_dir);
	char root[PATH_MAX];
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]) ||
		    !engine_daemon(proc_dir, d->d_name))
			continue;
		snprintf(root, sizeof(root), "%s/%s/root", proc_dir, d->d_name);
		place_in(g, root, name, GP_DIRS);
	}
	if (dir)
		closedir(dir);
}

void ct_gopark_place_named(struct ct_gopark *g, const char *name,
			   const char *path_env, const char *proc_dir)
{
	place_in(g, "", name, path_env);
	place_in(g, "", name, GP_DIRS);
	place_in_roots(g, proc_dir, name);
}

size_t ct_gopark_probes(const struct ct_gopark *g)
{
	size_t n = 0;

	for (size_t i = 0; g && i < g->n; i++)
		n += g->bins[i].link != NULL;
	return n;
}
