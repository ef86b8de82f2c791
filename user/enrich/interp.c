// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --start-files' dynamic loader, read by a live session: see interp.h. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "coldtrace.h"
#include "interp.h"

/* An ELF header of either class. */
union ehdr {
	unsigned char ident[EI_NIDENT];
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;
};

/* One program header of either class, as much of it as we use. */
struct phdr {
	uint32_t type;
	uint64_t offset, filesz;
};

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Program header i of the ELF in fd, whose header is h. */
static bool phdr_at(int fd, const union ehdr *h, size_t i, struct phdr *p)
{
	if (h->ident[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *e = &h->e64;
		Elf64_Phdr x;

		if (e->e_phentsize != sizeof(x) ||
		    !read_at(fd, &x, sizeof(x), e->e_phoff + i * sizeof(x)))
			return false;
		*p = (struct phdr){ x.p_type, x.p_offset, x.p_filesz };
	} else {
		const Elf32_Ehdr *e = &h->e32;
		Elf32_Phdr x;

		if (e->e_phentsize != sizeof(x) ||
		    !read_at(fd, &x, sizeof(x), e->e_phoff + i * sizeof(x)))
			return false;
		*p = (struct phdr){ x.p_type, x.p_offset, x.p_filesz };
	}
	return true;
}

/* PT_INTERP of the ELF in fd into path: 0, -ENOEXEC (none), -EINVAL. */
static int pt_interp(int fd, char *path, size_t len)
{
	union ehdr h;
	size_t n;
	struct phdr p;

	if (!read_at(fd, &h, sizeof(h), 0) || memcmp(h.ident, ELFMAG, SELFMAG) ||
	    (h.ident[EI_CLASS] != ELFCLASS64 && h.ident[EI_CLASS] != ELFCLASS32))
		return -EINVAL;
	n = h.ident[EI_CLASS] == ELFCLASS64 ? h.e64.e_phnum : h.e32.e_phnum;
	for (size_t i = 0; i < n; i++) {
		if (!phdr_at(fd, &h, i, &p))
			return -EINVAL;
		if (p.type != PT_INTERP)
			continue;
		/* a NUL-terminated absolute path that fits */
		if (p.filesz < 2 || p.filesz > len ||
		    !read_at(fd, path, p.filesz, p.offset) ||
		    path[p.filesz - 1] || path[0] != '/' ||
		    strlen(path) != p.filesz - 1)
			return -EINVAL;
		return 0;
	}
	return -ENOEXEC;
}

/* Regular file path opened inside the root of process pid: fd, -errno. */
static int open_in_root(const char *proc, uint32_t pid, const char *path,
			int flags, struct stat *st)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[64];
	int dfd, fd;

	snprintf(root, sizeof(root), "%s/%u/root", proc, pid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(dfd);
	if (fd >= 0 && (fstat(fd, st) || !S_ISREG(st->st_mode))) {
		close(fd);
		fd = -EINVAL;
	}
	return fd;
}

/* The loader of the program in fd, in the root of process root_pid. */
static int interp_of_fd(const char *proc, uint32_t root_pid, int fd,
			char *path, size_t len, uint64_t *size)
{
	struct stat st;
	int ret = pt_interp(fd, path, len), lfd;

	if (ret)
		return ret;
	lfd = open_in_root(proc, root_pid, path, O_PATH, &st);
	if (lfd < 0)
		return lfd;
	close(lfd);
	*size = (uint64_t)st.st_size;
	return 0;
}

int ct_interp_of(const char *proc, uint32_t pid, char *path, size_t len,
		 uint64_t *size)
{
	char exe[64];
	int fd, ret;

	snprintf(exe, sizeof(exe), "%s/%u/exe", proc, pid);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = interp_of_fd(proc, pid, fd, path, len, size);
	close(fd);
	return ret;
}

/*
 * The same for a process gone before its exe was read: its program's
 * name (its first touch, the exec's) in its parent's root, the same
 * container's.  Only an absolute name: a relative one was the child's.
 */
static int interp_by_name(const char *proc, uint32_t ppid, const char *prog,
			  char *path, size_t len, uint64_t *size)
{
	struct stat st;
	int fd, ret;

	if (prog[0] != '/' || !ppid)
		return -ENOENT;
	fd = open_in_root(proc, ppid, prog, O_RDONLY, &st);
	if (fd < 0)
		return fd;
	ret = interp_of_fd(proc, ppid, fd, path, len, size);
	close(fd);
	return ret;
}

/* Whether (pid, dev, ino) was seen; if not, it is now. */
static bool seen(struct ct_interps *q, uint32_t pid, const struct stat *st)
{
	struct ct_interp_seen s = {
		.pid = pid,
		.dev = st ? st->st_dev : 0,
		.ino = st ? st->st_ino : 0,
	};

	for (size_t i = 0; i < CT_INTERP_SEEN; i++)
		if (q->seen[i].pid == s.pid && q->seen[i].dev == s.dev &&
		    q->seen[i].ino == s.ino)
			return true;
	q->seen[q->next] = s;
	q->next = (q->next + 1) % CT_INTERP_SEEN;
	return false;
}

void ct_interps_feed(struct ct_interps *q, const void *rec, size_t len,
		     ct_naming_emit_cb emit, void *ctx)
{
	const struct ct_touch *t = rec;
	const char *proc = q->proc ? q->proc : "/proc";
	struct ct_touch out;
	struct stat st;
	uint64_t size = 0;
	char exe[64], prog[CT_PATH_MAX];
	int ret;

	if (len < sizeof(*t) || t->hdr.type != CT_EV_TOUCH ||
	    t->hdr.size < sizeof(*t) || !t->hdr.pid)
		return;
	memset(&out, 0, sizeof(out));
	snprintf(exe, sizeof(exe), "%s/%u/exe", proc, t->hdr.pid);
	if (!stat(exe, &st)) {
		if (seen(q, t->hdr.pid, &st))
			return;
		ret = ct_interp_of(proc, t->hdr.pid, out.path,
				   sizeof(out.path), &size);
	} else {
		if (seen(q, t->hdr.pid, NULL))
			return;
		memcpy(prog, t->path, sizeof(prog));
		prog[sizeof(prog) - 1] = '\0';
		ret = interp_by_name(proc, t->hdr.ppid, prog, out.path,
				     sizeof(out.path), &size);
	}
	if (ret == -ENOEXEC || ret == -EINVAL)
		return;		/* a static program, or no ELF */
	if (ret) {
		q->unread++;
		return;
	}
	out.hdr = t->hdr;
	out.cgroup_key = t->cgroup_key;
	out.size = size;
	emit(&out, sizeof(out), ctx);
}
