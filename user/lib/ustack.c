// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process's user-space addresses named: its executable mappings, the
 * files behind them, their Go line tables (ustack.h).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "gosym.h"
#include "ustack.h"
#include "wallclock.h"

#define MAPS_MAX	512	/* executable mappings kept of a process */
#define NAME_LEN	64	/* a mapped file's base name */
#define NO_FILE		UINT32_MAX

/* One executable mapping of a process. */
struct umap {
	uint64_t start, end, off;
	uint32_t file;		/* index in files[], or NO_FILE */
	char name[NAME_LEN];	/* "[vdso]", the file's base name, or "" */
};

struct uproc {
	uint32_t tgid;		/* 0: a slot unused */
	bool gone;		/* its maps could not be read */
	bool by_exe;		/* gone, named through exe (exe_of()) */
	bool primed;		/* its slot made at an exec (ct_ustack_prime()) */
	uint32_t exe;		/* ... its file's slot */
	uint64_t used;		/* the clock of its last ask */
	struct umap *m;
	size_t n;
};

#define ID_MAX		40	/* a build id's bytes kept */

/* A file mapped as code: a Go program's, its line table open, or a C
 * file's (g NULL), kept so that it is not read again at each ask. */
struct ufile {
	dev_t dev;
	ino_t ino;		/* 0: a slot unused */
	off_t size;
	uint8_t id[ID_MAX];	/* its build id, idlen bytes */
	size_t idlen;
	uint64_t used;
	struct ct_gosym *g;
};

struct ct_ustack {
	char proc_dir[256];
	uint64_t clock;
	struct uproc procs[CT_USTACK_PROCS];
	struct ufile files[CT_USTACK_FILES];
	struct ct_ustack_stats stats;
};

struct ct_ustack *ct_ustack_new(const char *proc_dir)
{
	struct ct_ustack *u = calloc(1, sizeof(*u));

	if (u)
		snprintf(u->proc_dir, sizeof(u->proc_dir), "%s", proc_dir);
	return u;
}

static void proc_clear(struct uproc *p)
{
	free(p->m);
	memset(p, 0, sizeof(*p));
}

static void file_clear(struct ct_ustack *u, uint32_t i)
{
	ct_gosym_free(u->files[i].g);
	memset(&u->files[i], 0, sizeof(u->files[i]));
	for (size_t k = 0; k < CT_USTACK_PROCS; k++) {	/* theirs no more */
		for (size_t j = 0; j < u->procs[k].n; j++)
			if (u->procs[k].m[j].file == i)
				u->procs[k].m[j].file = NO_FILE;
		if (u->procs[k].by_exe && u->procs[k].exe == i)
			u->procs[k].by_exe = false;
	}
}

void ct_ustack_free(struct ct_ustack *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < CT_USTACK_PROCS; i++)
		proc_clear(&u->procs[i]);
	for (uint32_t i = 0; i < CT_USTACK_FILES; i++)
		ct_gosym_free(u->files[i].g);
	free(u);
}

/* ---- files ---- */

static bool same_file(const struct ufile *f, const struct stat *st,
		      const uint8_t *id, size_t idlen)
{
	return f->ino && ((f->ino == st->st_ino && f->dev == st->st_dev) ||
			  (idlen && f->idlen == idlen && f->size == st->st_size &&
			   !memcmp(f->id, id, idlen)));
}

/*
 * The slot of the file open as fd at path, read if it is new (a Go
 * program's table; a C file's nothing), or NO_FILE: a C file, its name
 * says it.  The same inode, or the same build id and size, is the same.
 */
static uint32_t file_of(struct ct_ustack *u, int fd, const char *path)
{
	struct ct_gosym *g = NULL;
	uint8_t id[ID_MAX];
	size_t idlen;
	struct stat st;
	uint32_t lru = 0;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return NO_FILE;
	idlen = ct_elf_build_id(fd, id, ID_MAX);
	for (uint32_t i = 0; i < CT_USTACK_FILES; i++) {
		struct ufile *f = &u->files[i];

		if (same_file(f, &st, id, idlen)) {
			f->used = u->clock;
			return f->g ? i : NO_FILE;
		}
		if (f->used < u->files[lru].used)
			lru = i;
	}
	if (ct_gosym_open(path, &g))
		g = NULL;		/* a C file: kept as one */
	u->stats.files++;
	file_clear(u, lru);
	u->files[lru] = (struct ufile){ .dev = st.st_dev, .ino = st.st_ino,
					.size = st.st_size, .idlen = idlen,
					.used = u->clock, .g = g };
	memcpy(u->files[lru].id, id, idlen);
	return g ? lru : NO_FILE;
}

/*
 * The file the process maps at m, as it maps it: map_files/START-END
 * (the very file, even one replaced since), else the path under the
 * process's root if its inode is the mapping's.
 */
static uint32_t open_mapped(struct ct_ustack *u, uint32_t tgid,
			    const struct umap *m, const char *path,
			    unsigned long ino)
{
	char p[4352];
	uint32_t i = NO_FILE;
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s/%u/map_files/%" PRIx64 "-%" PRIx64,
		 u->proc_dir, tgid, m->start, m->end);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(p, sizeof(p), "%s/%u/root%s", u->proc_dir, tgid, path);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st) || st.st_ino != ino)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		i = file_of(u, fd, p);
		close(fd);
	}
	return i;
}

/* ---- processes ---- */

/* One line of maps into m if it maps code; false otherwise. */
static bool parse_map(struct ct_ustack *u, uint32_t tgid, const char *line,
		      struct umap *m)
{
	const char *sp = strchr(line, ' ');
	char perms[8], path[4096] = "";
	unsigned long ino;
	const char *base;

	if (!sp || sp[1] == '\0' || sp[2] == '\0' || sp[3] != 'x')
		return false;	/* "START-END rw-p": most lines; no scan */
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %lu %4095[^\n]",
		   &m->start, &m->end, perms, &m->off, &ino, path) < 5 ||
	    perms[2] != 'x')
		return false;
	m->file = NO_FILE;
	m->name[0] = '\0';
	if (path[0] == '[') {
		snprintf(m->name, sizeof(m->name), "%s", path);
		return true;
	}
	if (path[0] != '/')
		return true;	/* anonymous code: a JIT's */
	base = strrchr(path, '/') + 1;
	snprintf(m->name, sizeof(m->name), "[%.*s]", NAME_LEN - 3, base);
	m->file = open_mapped(u, tgid, m, path, ino);
	return true;
}

/* p's maps read now; false (p as it was) if they could not be, or list
 * no code: a zombie's maps are empty. */
static bool read_maps(struct ct_ustack *u, struct uproc *p)
{
	char path[300], line[4400];
	struct umap *m;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/maps", u->proc_dir, p->tgid);
	f = fopen(path, "re");
	m = f ? calloc(MAPS_MAX, sizeof(*m)) : NULL;
	while (m && n < MAPS_MAX && fgets(line, sizeof(line), f))
		if (parse_map(u, p->tgid, line, &m[n]))
			n++;
	if (f)
		fclose(f);
	if (!n) {
		free(m);
		return false;
	}
	free(p->m);
	p->m = m;
	p->n = n;
	return true;
}

/* tgid's slot, NULL if none. */
static struct uproc *proc_find(struct ct_ustack *u, uint32_t tgid)
{
	for (size_t i = 0; i < CT_USTACK_PROCS; i++)
		if (u->procs[i].tgid == tgid)
			return &u->procs[i];
	return NULL;
}

/* tgid's maps, read at its first ask (its slot the least recent one's). */
static struct uproc *proc_of(struct ct_ustack *u, uint32_t tgid)
{
	struct uproc *lru = proc_find(u, tgid);

	if (lru) {
		lru->used = u->clock;
		return lru;
	}
	lru = &u->procs[0];
	for (size_t i = 1; i < CT_USTACK_PROCS; i++)
		if (u->procs[i].used < lru->used)
			lru = &u->procs[i];
	proc_clear(lru);
	lru->tgid = tgid;
	lru->used = u->clock;
	lru->gone = !read_maps(u, lru);
	return lru;
}

/* Whether the ELF file open as fd is a non-PIE executable (ET_EXEC):
 * its addresses are its file's in every process that runs it. */
static bool fixed_exec(int fd)
{
	Elf64_Ehdr eh;

	return pread(fd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) &&
	       !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_type == ET_EXEC;
}

/*
 * A process gone before its maps were read (a runtime's command of a few
 * milliseconds, whose exec record came after its exit): its exe is the
 * file at the exec's absolute path under its parent's root (an exec
 * keeps the mount namespace), or for /proc/self/exe (runc's init) the
 * parent's own exe, if that is a non-PIE Go program not changed since
 * the exec (its ctime; a file renamed into place gets a new one).  Other
 * /proc and /dev paths (a memfd's /dev/fd/N) name nothing known: not used.
 */
static void exe_of(struct ct_ustack *u, struct uproc *p, uint32_t ppid,
		   const char *exe, uint64_t exec_ns)
{
	char path[4352];
	struct stat st;
	int fd;

	if (!strcmp(exe, "/proc/self/exe"))
		snprintf(path, sizeof(path), "%s/%u/exe", u->proc_dir, ppid);
	else if (exe[0] == '/' && strncmp(exe, "/proc/", 6) &&
		 strncmp(exe, "/dev/", 5))
		snprintf(path, sizeof(path), "%s/%u/root%s", u->proc_dir, ppid,
			 exe);
	else
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!fstat(fd, &st) && fixed_exec(fd) &&
	    (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec <=
	    (int64_t)exec_ns + ct_wallclock_offset_ns()) {
		p->exe = file_of(u, fd, path);
		p->by_exe = p->exe != NO_FILE;
	}
	close(fd);
}

/*
 * A process that exec'd before in the session may have changed its root
 * between the two (chroot(1) runs chroot(2), then execs the command):
 * its parent's root says nothing of its file then, and it is not named
 * through it.
 */
void ct_ustack_prime(struct ct_ustack *u, uint32_t tgid, uint32_t ppid,
		     const char *exe, uint64_t exec_ns)
{
	struct uproc *p = proc_find(u, tgid);
	bool again = p && p->primed;

	ct_ustack_forget(u, tgid);
	u->clock++;
	p = proc_of(u, tgid);
	p->primed = true;
	if (p->gone && !again)
		exe_of(u, p, ppid, exe, exec_ns);
}

void ct_ustack_forget(struct ct_ustack *u, uint32_t tgid)
{
	for (size_t i = 0; i < CT_USTACK_PROCS; i++)
		if (u->procs[i].tgid == tgid)
			proc_clear(&u->procs[i]);
}

/* ---- names ---- */

/* The name of address a (pc: a's own code, not a call before it); NULL
 * in no mapping of p's. */
static const char *name_of(struct ct_ustack *u, const struct uproc *p,
			   uint64_t a, uint64_t pc)
{
	struct ct_gosym_line l;
	uint64_t vaddr;

	if (p->by_exe)		/* a non-PIE's addresses are its file's */
		return ct_gosym_pc(u->files[p->exe].g, pc, &l) ? NULL : l.func;
	for (size_t i = 0; i < p->n; i++) {
		const struct umap *m = &p->m[i];
		const struct ct_gosym *g;

		if (a < m->start || a >= m->end)
			continue;
		g = m->file == NO_FILE ? NULL : u->files[m->file].g;
		if (g && !ct_gosym_vaddr(g, pc - m->start + m->off, &vaddr) &&
		    !ct_gosym_pc(g, vaddr, &l))
			return l.func;
		return m->name[0] ? m->name : "?";
	}
	return NULL;
}

/* Whether one of the n addresses is in no mapping p knows. */
static bool unmapped(struct ct_ustack *u, const struct uproc *p,
		     const uint64_t *ips, size_t n)
{
	for (size_t k = 0; k < n && ips[k]; k++)
		if (!name_of(u, p, ips[k], ips[k]))
			return true;
	return false;
}

/*
 * A frame of C code ends the walk: Debian builds its C programs and
 * libraries without frame pointers, so the address the walk found next
 * is not that frame's caller but what its code left in the register
 * (seen: crun's stacks as `?;[libc.so.6]`).  Go's frames keep them.
 */
static bool ends_walk(const char *name)
{
	return name[0] == '[' && strcmp(name, "[vdso]");
}

size_t ct_ustack_name(struct ct_ustack *u, uint32_t tgid, const uint64_t *ips,
		      size_t n, char *frames, size_t len, uint16_t *cut)
{
	struct uproc *p;
	size_t used = 0, k = 0;

	u->clock++;
	p = proc_of(u, tgid);
	/* mapped since its maps were read (a C program's libraries, by its
	 * loader after the exec): read again, kept if it is still there */
	if (!p->gone && unmapped(u, p, ips, n))
		read_maps(u, p);
	u->stats.gone += p->gone && !p->by_exe;
	u->stats.by_exe += p->by_exe;
	*cut = 0;
	for (; k < n && ips[k]; k++) {
		const char *s = name_of(u, p, ips[k], k ? ips[k] - 1 : ips[k]);
		size_t l;

		s = s ? s : "?";
		l = strlen(s) + 1;

		if (used + l > len)
			break;
		memcpy(frames + used, s, l);
		used += l;
		if (s[0] == '?' || s[0] == '[')
			u->stats.unnamed++;
		else
			u->stats.named++;
		if (ends_walk(s)) {
			size_t written = k + 1;

			for (k++; k < n && ips[k]; k++)
				u->stats.past_c++;
			return written;
		}
	}
	for (size_t j = k; j < n && ips[j]; j++)
		(*cut)++;
	return k;
}

void ct_ustack_stats(const struct ct_ustack *u, struct ct_ustack_stats *out)
{
	*out = u->stats;
}
