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
#include <sys/stat.h>
#include <jansson.h>

#include "coldtrace.h"
#include "comm_table.h"
#include "container.h"
#include "names.h"
#include "util.h"

#define DEFAULT_DATA_ROOT	"/var/lib/docker"
#define DEFAULT_CONTAINERD_ROOT	"/var/lib/containerd"
#define CONFIG_MAX		(256 * 1024)

/*
 * The last value of option lng (as "lng VALUE" or "lng=VALUE") or of its
 * short form shrt ("" for none) in an argv of n bytes (NUL separated),
 * or NULL: a pointer into args.
 */
static const char *arg_value(const char *args, size_t n, const char *lng,
			     const char *shrt)
{
	const char *value = NULL;
	size_t ll = strlen(lng), i = 0;

	while (i < n) {
		const char *a = args + i;
		size_t l = strnlen(a, n - i);
		const char *next = i + l + 1 < n ? a + l + 1 : NULL;

		if (!strncmp(a, lng, ll) && a[ll] == '=')
			value = a + ll + 1;
		else if ((!strcmp(a, lng) || (*shrt && !strcmp(a, shrt))) &&
			 next)
			value = next;
		i += l + 1;
	}
	return value;
}

/* argv of a dockerd (NUL separated, n bytes) -> its data root. */
static char *data_root_of(const char *args, size_t n)
{
	const char *root = arg_value(args, n, "--data-root", "-g");

	return strdup(root ? root : DEFAULT_DATA_ROOT);
}

/* The argv of process pid (a name under proc_dir) if its comm is prog's,
 * into args (max bytes): its length, else 0. */
static size_t argv_of(const char *proc_dir, const char *pid,
		      enum ct_prog prog, char *args, size_t max)
{
	char path[512], comm[32];
	ssize_t len;

	if (!ct_proc_comm(proc_dir, pid, comm, sizeof(comm)) ||
	    !ct_prog_comm_is(comm, prog))
		return 0;
	snprintf(path, sizeof(path), "%s/%s/cmdline", proc_dir, pid);
	len = ct_read_small(path, args, max);
	return len > 0 ? (size_t)len : 0;
}

/* The data root of process pid (a name under proc_dir) if it is a
 * dockerd, malloc'd; else NULL. */
static char *pid_data_root(const char *proc_dir, const char *pid)
{
	char args[4096];
	size_t len = argv_of(proc_dir, pid, CT_PROG_DOCKERD, args,
			     sizeof(args));

	return len ? data_root_of(args, len) : NULL;
}

/*
 * The top-level `root = "DIR"` of a containerd config (TOML: before its
 * first table), malloc'd, or NULL.  Only a regular file of root's (or of
 * the user coldtrace runs as), not a link: the path comes from an argv.
 */
static char *config_root(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[16384], *line, *save = NULL, *root = NULL;
	struct stat st;
	ssize_t n = -1;

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (!st.st_uid || st.st_uid == geteuid()))
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line && !root;
	     line = strtok_r(NULL, "\n", &save)) {
		char val[CT_PATH_MAX];

		line += strspn(line, " \t");
		if (*line == '[')
			break;
		if (sscanf(line, "root = \"%255[^\"]\"", val) == 1)
			root = strdup(val);
	}
	return root;
}

/* The root of process pid (a name under proc_dir) if it is a
 * containerd, malloc'd; else NULL. */
static char *pid_containerd_root(const char *proc_dir, const char *pid)
{
	char args[4096], *root = NULL;
	size_t len = argv_of(proc_dir, pid, CT_PROG_CONTAINERD, args,
			     sizeof(args));
	const char *flag, *config;

	if (!len)
		return NULL;
	flag = arg_value(args, len, "--root", "");
	config = arg_value(args, len, "--config", "-c");
	if (flag)
		return strdup(flag);
	if (config)
		root = config_root(config);
	return root ? root : strdup(DEFAULT_CONTAINERD_ROOT);
}

/* What fn says of each process under proc_dir, up to max of them. */
static size_t each_pid(const char *proc_dir,
		       char *(*fn)(const char *proc_dir, const char *pid),
		       char **out, size_t max)
{
	DIR *d = opendir(proc_dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (!ct_is_pid(de->d_name))
			continue;
		out[n] = fn(proc_dir, de->d_name);
		if (out[n])
			n++;
	}
	closedir(d);
	return n;
}

size_t ct_docker_data_roots(const char *proc_dir, char **roots, size_t max)
{
	return each_pid(proc_dir, pid_data_root, roots, max);
}

size_t ct_containerd_roots(const char *proc_dir, char **roots, size_t max)
{
	return each_pid(proc_dir, pid_containerd_root, roots, max);
}

char *ct_docker_data_root_of(const char *proc_dir, uint32_t pid)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", pid);
	return pid_data_root(proc_dir, name);
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

/*
 * The engines' JSON files, whole, with a real parser (jansson: strict
 * RFC 8259, a duplicate key refused rather than one of the two taken,
 * and the decoder nftables uses, so most nodes have it already).  Only a
 * regular file of root's (or of the user coldtrace runs as: the unit
 * tests), of at most CONFIG_MAX bytes: the path comes from a process's
 * argv (a runtime's --bundle), which anyone may forge.
 */
json_t *ct_engine_json_load(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	json_t *root = NULL;
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	      (st.st_uid && st.st_uid != geteuid()) ||
	      (size_t)st.st_size >= max ? NULL : malloc(max);
	n = buf ? read(fd, buf, max) : -1;
	if (n > 0 && (size_t)n < max)
		root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	close(fd);
	return root;
}

static json_t *load_root_json(const char *path)
{
	return ct_engine_json_load(path, CONFIG_MAX);
}

/* The string at key of object o, or NULL. */
static const char *str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * A value the outputs may print as it is: 1.. bytes of letters, digits
 * and extra, cut with CT_NAME_CUT to fit dst; else dst stays "".
 */
static void take_value(char *dst, size_t cap, const char *v, const char *extra)
{
	size_t n = v ? strlen(v) : 0;

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr(extra, v[i]))
			return;
	if (n)
		ct_name_copy(dst, cap, v, n);
}

/* What an image reference may hold: registry/path:tag@algo:digest. */
#define IMAGE_CHARS	"_.-/:@+"
/* Kubernetes' names are DNS labels and subdomains; the CRI takes more. */
#define K8S_CHARS	"_.-"

/* The top level's "Name":"/x" in config.v2.json (Config.Labels may hold
 * a "Name" too: a label is no container name). */
static int parse_name(const json_t *root, char *name, size_t len)
{
	const char *v = str_at(root, "Name");

	if (!v)
		return -EINVAL;
	if (*v == '/')
		v++;
	if (!valid_name(v, strlen(v)))
		return -EINVAL;
	/* docker allows 200 and more: keep what fits, marked as cut */
	ct_name_copy(name, len, v, strlen(v));
	return 0;
}

/* Container id's config.v2.json under data_root, parsed, into *root. */
static int docker_config(const char *data_root, const char *id,
			 json_t **root)
{
	char path[1024];

	/* an id is hex: anything else could walk out of the data root */
	if (!*id || strspn(id, "0123456789abcdef") != strlen(id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 data_root, id);
	*root = load_root_json(path);
	return *root ? 0 : -ENOENT;
}

int ct_docker_name_in(const char *data_root, const char *id, char *name,
		      size_t len)
{
	json_t *root;
	int ret = docker_config(data_root, id, &root);

	if (ret)
		return ret;
	ret = parse_name(root, name, len);
	json_decref(root);
	return ret;
}

int ct_docker_ident_in(const char *data_root, const char *id,
		       struct ct_ident_rec *r)
{
	json_t *root;
	int ret = docker_config(data_root, id, &root);

	if (ret)
		return ret;
	parse_name(root, r->name, sizeof(r->name));
	take_value(r->image, sizeof(r->image),
		   str_at(json_object_get(root, "Config"), "Image"),
		   IMAGE_CHARS);
	json_decref(root);
	return 0;
}

/* containerd's CRI plugin's annotations (its pkg/cri/annotations). */
#define CRI_ANN		"io.kubernetes.cri."

static enum ct_k8s_kind cri_kind(const char *type)
{
	if (!type)
		return CT_K8S_NONE;
	if (!strcmp(type, "sandbox"))
		return CT_K8S_SANDBOX;
	return strcmp(type, "container") ? CT_K8S_NONE : CT_K8S_CONTAINER;
}

int ct_bundle_ident(const char *bundle, struct ct_ident_rec *r)
{
	char path[CT_PATH_MAX + 16];
	const json_t *a;
	const char *v;
	json_t *root;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	root = load_root_json(path);
	if (!root)
		return -ENOENT;
	a = json_object_get(root, "annotations");
	r->kind = cri_kind(str_at(a, CRI_ANN "container-type"));
	if (r->kind != CT_K8S_NONE) {
		take_value(r->pod_name, sizeof(r->pod_name),
			   str_at(a, CRI_ANN "sandbox-name"), K8S_CHARS);
		take_value(r->pod_namespace, sizeof(r->pod_namespace),
			   str_at(a, CRI_ANN "sandbox-namespace"), K8S_CHARS);
		take_value(r->pod_uid, sizeof(r->pod_uid),
			   str_at(a, CRI_ANN "sandbox-uid"), K8S_CHARS);
		take_value(r->container_name, sizeof(r->container_name),
			   str_at(a, CRI_ANN "container-name"), K8S_CHARS);
		take_value(r->image, sizeof(r->image),
			   str_at(a, CRI_ANN "image-name"), IMAGE_CHARS);
		/* the record's name: the container's, a sandbox's its pod's */
		v = r->kind == CT_K8S_SANDBOX ? r->pod_name :
		    r->container_name;
		ct_name_copy(r->name, sizeof(r->name), v, strlen(v));
	}
	json_decref(root);
	return r->kind == CT_K8S_NONE ? -ENOENT : 0;
}

/* What one data root holds of container id, into out (lookup()). */
typedef int (*lookup_fn)(const char *root, const char *id, void *out);

/* fn in each running dockerd's data root until one succeeds. */
static int in_each_root(lookup_fn fn, const char *id, void *out)
{
	char *roots[CT_DATA_ROOT_MAX];
	size_t n = ct_docker_data_roots("/proc", roots, CT_DATA_ROOT_MAX);
	int ret = -ENOENT;

	for (size_t i = 0; i < n; i++) {
		if (ret)
			ret = fn(roots[i], id, out);
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
	ct_naming_add_bundle(q, id, "");
}

void ct_naming_add_bundle(struct ct_naming *q, const char *id,
			  const char *bundle)
{
	struct ct_naming_ent *e;

	if (q->n >= CT_NAMING_MAX)
		return;
	e = &q->ents[q->n++];
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->bundle, sizeof(e->bundle), "%s", bundle);
}

static int lookup(const struct ct_naming *q, lookup_fn in_root,
		  const char *id, void *out)
{
	if (q->data_root)
		return in_root(q->data_root, id, out);
	return in_each_root(in_root, id, out);
}

static int ident_in(const char *root, const char *id, void *out)
{
	return ct_docker_ident_in(root, id, out);
}

static int mount_id_in(const char *root, const char *id, void *out)
{
	struct ct_name_rec *r = out;

	return ct_docker_mount_id_in(root, id, r->name, sizeof(r->name));
}

/* The record of hdr.type about e, made by fill when it finds it. */
static void emit_found(const struct ct_naming *q,
		       const struct ct_naming_ent *e, void *rec, size_t size,
		       uint32_t type, uint64_t ts, lookup_fn fill,
		       ct_naming_emit_cb emit, void *ctx)
{
	struct ct_name_rec *h = rec;	/* every such record begins so */
	int ret;

	memset(rec, 0, size);
	h->hdr.ts_ns = ts;
	h->hdr.type = type;
	h->hdr.size = size;
	snprintf(h->id, sizeof(h->id), "%s", e->id);
	if (e->bundle[0])
		ret = ct_bundle_ident(e->bundle, rec);
	else
		ret = lookup(q, fill, e->id, rec);
	if (!ret)
		emit(rec, size, ctx);
}

void ct_naming_flush(struct ct_naming *q, uint64_t now_mono_ns,
		     ct_naming_emit_cb emit, void *ctx)
{
	struct ct_ident_rec ident;
	struct ct_name_rec mount;

	while (q->n) {
		struct ct_naming_ent e = q->ents[--q->n];

		emit_found(q, &e, &ident, sizeof(ident), CT_EV_IDENT,
			   now_mono_ns, ident_in, emit, ctx);
		if (e.bundle[0])
			continue;
		/* the prepare phase's attribution (prepare.h) */
		emit_found(q, &e, &mount, sizeof(mount), CT_EV_MOUNTID,
			   now_mono_ns, mount_id_in, emit, ctx);
	}
}
