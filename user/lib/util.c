// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Small helpers: util.h. */
#define _GNU_SOURCE	/* fopencookie */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"

void ct_copy_str(char *dst, size_t n, const char *src, size_t srclen)
{
	size_t len;

	if (!n)
		return;
	len = src ? strnlen(src, srclen < n ? srclen : n - 1) : 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int ct_room(void **a, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need && c <= SIZE_MAX / 2)
		c *= 2;
	if (c < need || c > SIZE_MAX / sz)	/* checked: ASan aborts */
		return -ENOMEM;
	p = realloc(*a, c * sz);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = c;
	return 0;
}

struct membuf {
	char **out;
	size_t *outlen;
	char *b;
	size_t n, cap;
	bool failed;
};

static ssize_t membuf_write(void *c, const char *s, size_t len)
{
	struct membuf *m = c;
	size_t need = m->n + len + 1, cap = m->cap * 2;
	char *p;

	if (need > m->cap) {
		cap = cap > need ? cap : need;
		p = realloc(m->b, cap);
		if (!p) {
			m->failed = true;
			return -1;
		}
		m->b = p;
		m->cap = cap;
	}
	memcpy(m->b + m->n, s, len);
	m->n += len;
	m->b[m->n] = '\0';
	return len;
}

static int membuf_close(void *c)
{
	struct membuf *m = c;
	int rc = m->failed ? -1 : 0;

	if (rc) {
		free(m->b);
		m->b = NULL;
		m->n = 0;
	}
	*m->out = m->b;
	*m->outlen = m->n;
	free(m);
	return rc;
}

FILE *ct_membuf_open(char **buf, size_t *len, size_t hint)
{
	cookie_io_functions_t io = { .write = membuf_write,
				     .close = membuf_close };
	struct membuf *m = calloc(1, sizeof(*m));
	FILE *f = NULL;

	if (m) {
		m->cap = hint > 64 ? hint : 64;
		m->b = malloc(m->cap);
	}
	if (m && m->b) {
		m->b[0] = '\0';
		m->out = buf;
		m->outlen = len;
		f = fopencookie(m, "w", io);
	}
	if (!f && m) {
		free(m->b);
		free(m);
	}
	return f;
}

void ct_le_count(uint64_t *counts, const uint64_t *bounds, size_t n,
		 uint64_t v)
{
	size_t b = 0;

	while (b < n && v > bounds[b])
		b++;
	if (b < n)
		counts[b]++;
}

ssize_t ct_read_small(const char *path, char *buf, size_t max)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)got < max - 1 &&
	       (n = read(fd, buf + got, max - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

uint64_t ct_fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

bool ct_is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

uint32_t ct_proc_path_pid(const char *path, const char *rest)
{
	unsigned long pid;
	char *end;

	if (strncmp(path, "/proc/", 6))
		return 0;
	pid = strtoul(path + 6, &end, 10);
	if (end == path + 6 || strcmp(end, rest) || pid > UINT32_MAX)
		return 0;
	return (uint32_t)pid;
}

bool ct_proc_comm(const char *proc_dir, const char *pid, char *comm,
		  size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/comm", proc_dir, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(comm, 1, len - 1, f);
	fclose(f);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return comm[0] != '\0';
}

const char *ct_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

bool ct_path_last(const char *path, const char **name, size_t *len, int n)
{
	const char *end = path + strlen(path);

	for (int i = 0; i < n; i++) {
		const char *s = end;

		while (s > path && s[-1] != '/')
			s--;
		if (s == end || s == path)
			return false;
		name[i] = s;
		len[i] = (size_t)(end - s);
		end = s - 1;
	}
	return true;
}

bool ct_name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && !strncmp(name, want, len);
}

bool ct_name_is_id(const char *name, size_t len)
{
	if (len != CT_HEX_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

void ct_prom_family(FILE *f, const char *name, const char *type,
		    const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int64_t ct_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t ct_mono_ns(void)
{
	return (uint64_t)ct_clock_ns(CLOCK_MONOTONIC);
}

void ct_argv_split(const char *args, size_t len, struct ct_argv *v)
{
	size_t i = 0;

	v->argc = 0;
	while (i < len && v->argc < CT_ARGV_MAX) {
		const char *s = args + i;
		const char *nul = memchr(s, '\0', len - i);

		if (!nul)
			break;
		v->argv[v->argc++] = s;
		i = (size_t)(nul - args) + 1;
	}
}

bool ct_fifo_make_room(void *a, size_t *n, size_t cap, size_t sz)
{
	if (*n < cap)
		return false;
	ct_fifo_take(a, n, sz, 0);
	return true;
}

void ct_fifo_take(void *a, size_t *n, size_t sz, size_t i)
{
	memmove((char *)a + i * sz, (char *)a + (i + 1) * sz,
		(*n - i - 1) * sz);
	(*n)--;
}

void *ct_zalloc_resident(size_t size)
{
	void *p = malloc(size);

	/* explicit: the compiler turns malloc() + memset(0) into calloc() */
	if (p)
		explicit_bzero(p, size);
	return p;
}
