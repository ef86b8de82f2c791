// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coldtrace.h"
#include "comm_table.h"
#include "container.h"
#include "names.h"
#include "util.h"

#define DEFAULT_DATA_ROOT	"/var/lib/docker"
#define CONFIG_MAX		(256 * 1024)

/* argv of a dockerd (NUL separated, n bytes) -> its data root. */
static char *data_root_of(const char *args, size_t n)
{
	const char *root = DEFAULT_DATA_ROOT;
	size_t i = 0;

	while (i < n) {
		const char *a = args + i;
		size_t l = strnlen(a, n - i);
		const char *next = i + l + 1 < n ? a + l + 1 : NULL;

		if (!strncmp(a, "--data-root=", 12))
			root = a + 12;
		else if ((!strcmp(a, "--data-root") || !strcmp(a, "-g")) &&
			 next)
			root = next;
		i += l + 1;
	}
	return strdup(root);
}

static bool is_dockerd(const char *proc_dir, const char *pid)
{
	char comm[32];

	return ct_proc_comm(proc_dir, pid, comm, sizeof(comm)) &&
	       ct_prog_comm_is(comm, CT_PROG_DOCKERD);
}

size_t ct_docker_data_roots(const char *proc_dir, char **roots, size_t max)
{
	DIR *d = opendir(proc_dir);
	struct dirent *de;
	char path[512], args[4096];
	size_t n = 0;
	ssize_t len;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (!ct_is_pid(de->d_name) || !is_dockerd(proc_dir, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cmdline", proc_dir,
			 de->d_name);
		len = ct_read_small(path, args, sizeof(args));
		if (len <= 0)
			continue;
		roots[n] = data_root_of(args, len);
		if (roots[n])
			n++;
	}
	closedir(d);
	return n;
}

static bool valid_name(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* The closing quote of the JSON string whose text begins at s, or NULL. */
static const char *str_end(const char *s)
{
	for (; *s && *s != '"'; s++)
		if (*s == '\\' && !*++s)
			return NULL;
	return *s ? s : NULL;
}

static const char *skip_ws(const char *s)
{
	return s + strspn(s, " \t\r\n");
}

/*
 * The text of the string value of key in the JSON object json's top
 * level, its length in *n; NULL if none.  Only the top level: docker's
 * config.v2.json has Config.Labels before its own "Name", and a label
 * (`--label Name=x`, an image's `LABEL Name=x`) is no container name.
 * Strings are skipped whole, so no text inside one counts as structure.
 */
static const char *top_string(const char *json, const char *key, size_t *n)
{
	size_t klen = strlen(key);
	const char *p, *e, *v;
	int depth = 0;

	for (p = json; *p; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		if (*p != '"')
			continue;
		e = str_end(p + 1);
		if (!e)
			return NULL;
		v = skip_ws(e + 1);
		if (depth == 1 && *v == ':' && (size_t)(e - p - 1) == klen &&
		    !memcmp(p + 1, key, klen)) {
			v = skip_ws(v + 1);
			e = *v == '"' ? str_end(v + 1) : NULL;
			if (!e)
				return NULL;
			*n = (size_t)(e - v - 1);
			return v + 1;
		}
		p = e;
	}
	return NULL;
}

/* The value of the top level's "Name":"/x" in config.v2.json. */
static int parse_name(const char *json, char *name, size_t len)
{
	size_t n;
	const char *v = top_string(json, "Name", &n), *end;

	if (!v)
		return -EINVAL;
	end = v + n;
	if (*v == '/')
		v++;
	if (!valid_name(v, end - v))
		return -EINVAL;
	/* docker allows 200 and more: keep what fits, marked as cut */
	ct_name_copy(name, len, v, end - v);
	return 0;
}

int ct_docker_name_in(const char *data_root, const char *id, char *name,
		      size_t len)
{
	char path[1024], *buf;
	ssize_t n;
	int ret;

	/* an id is hex: anything else could walk out of the data root */
	if (!*id || strspn(id, "0123456789abcdef") != strlen(id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 data_root, id);
	buf = malloc(CONFIG_MAX);
	if (!buf)
		return -ENOMEM;
	n = ct_read_small(path, buf, CONFIG_MAX);
	ret = n < 0 ? -ENOENT : parse_name(buf, name, len);
	free(buf);
	return ret;
}

typedef int (*lookup_fn)(const char *root, const char *id, char *out,
			 size_t len);

/* fn in each running dockerd's data root until one succeeds. */
static int in_each_root(lookup_fn fn, const char *id, char *out, size_t len)
{
	char *roots[CT_DATA_ROOT_MAX];
	size_t n = ct_docker_data_roots("/proc", roots, CT_DATA_ROOT_MAX);
	int ret = -ENOENT;

	for (size_t i = 0; i < n; i++) {
		if (ret)
			ret = fn(roots[i], id, out, len);
		free(roots[i]);
	}
	return ret ? -ENOENT : 0;
}

int ct_docker_mount_id_in(const char *data_root, const char *id, char *out,
			  size_t len)
{
	char path[1024], buf[256];
	size_t n;

	if (!*id || strspn(id, "0123456789abcdef") != strlen(id))
		return -EINVAL;
	snprintf(path, sizeof(path),
		 "%s/image/overlay2/layerdb/mounts/%s/mount-id", data_root, id);
	if (ct_read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	n = strspn(buf, "0123456789abcdef");
	if (!n || n >= len || (buf[n] && buf[n] != '\n'))
		return -EINVAL;
	memcpy(out, buf, n);
	out[n] = 0;
	return 0;
}

void ct_naming_add(struct ct_naming *q, const char *id)
{
	if (q->n < CT_NAMING_MAX)
		snprintf(q->ids[q->n++], CT_ID_LEN, "%s", id);
}

static int lookup(const struct ct_naming *q, lookup_fn in_root,
		  const char *id, char *out, size_t len)
{
	if (q->data_root)
		return in_root(q->data_root, id, out, len);
	return in_each_root(in_root, id, out, len);
}

/* One record of type if id's data (found by in_root) is there. */
static void emit_found(struct ct_naming *q, struct ct_name_rec *r,
		       uint32_t type, lookup_fn in_root,
		       ct_naming_emit_cb emit, void *ctx)
{
	memset(r->name, 0, sizeof(r->name));
	if (lookup(q, in_root, r->id, r->name, sizeof(r->name)))
		return;
	r->hdr.type = type;
	emit(r, sizeof(*r), ctx);
}

void ct_naming_flush(struct ct_naming *q, uint64_t now_mono_ns,
		     ct_naming_emit_cb emit, void *ctx)
{
	struct ct_name_rec r;

	while (q->n) {
		memset(&r, 0, sizeof(r));
		r.hdr.ts_ns = now_mono_ns;
		r.hdr.size = sizeof(r);
		snprintf(r.id, sizeof(r.id), "%s", q->ids[--q->n]);
		emit_found(q, &r, CT_EV_NAME, ct_docker_name_in, emit, ctx);
		/* the prepare phase's attribution (prepare.h) */
		emit_found(q, &r, CT_EV_MOUNTID, ct_docker_mount_id_in, emit,
			   ctx);
	}
}
