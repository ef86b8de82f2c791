// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The record types: records.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "coldtrace.h"
#include "mapfull.h"
#include "opens.h"
#include "pull.h"
#include "records.h"
#include "syscalls.h"

/* recordings keep only the used part of args[] */
static bool exec_valid(const void *rec)
{
	struct ct_exec x;	/* the fixed part: rec may be unaligned */

	memcpy(&x, rec, offsetof(struct ct_exec, args));
	return x.args_len <= CT_ARGS_MAX &&
	       x.args_len <= x.hdr.size - offsetof(struct ct_exec, args);
}

/* recordings may keep only the used part of env[] */
static bool cni_env_valid(const void *rec)
{
	struct ct_cni_env v;	/* the fixed part: rec may be unaligned */

	memcpy(&v, rec, offsetof(struct ct_cni_env, env));
	return v.env_len <= CT_ENV_MAX && v.env_cut <= 1 &&
	       v.env_len <= v.hdr.size - offsetof(struct ct_cni_env, env);
}

static bool tstate_valid(const void *rec)
{
	const struct ct_tstate *s = rec;

	return s->state >= CT_TS_RUN && s->state <= CT_TS_DEAD;
}

static bool arm_valid(const void *rec)
{
	struct ct_arm_rec a;

	memcpy(&a, rec, sizeof(a));
	return a.armed <= 1 && (a.armed || !a.trigger_ns) &&
	       a.trigger_ns <= a.hdr.ts_ns;
}

static bool pull_image_valid(const void *rec)
{
	struct ct_pull_image im;

	memcpy(&im.hdr, rec, sizeof(im.hdr));	/* rec may be unaligned */
	memcpy(&im.source, (const char *)rec + sizeof(im.hdr),
	       4 * sizeof(__u32));
	if (im.source == CT_PULL_M_UNREAD)
		return !im.nlayers && !im.layers_total;
	return (im.source == CT_PULL_M_CONFIG ||
		im.source == CT_PULL_M_CONTENT) &&
	       im.nlayers <= CT_PULL_IMAGE_LAYERS &&
	       im.nlayers <= im.layers_total;
}

/* a histogram: slots that add up without overflow, to count at most */
static bool opens_valid(const void *rec)
{
	struct ct_opens_rec rr, *r = &rr;
	uint64_t total = 0;

	memcpy(&rr, rec, sizeof(rr));	/* rec may be unaligned */

	for (int i = 0; i < CT_HIST_SLOTS; i++) {
		if (total + r->slots[i] < total)
			return false;	/* overflow: not a histogram */
		total += r->slots[i];
	}
	/* total < count: runsc opens counted whose end was not seen */
	return r->runtime < CT_OPENS_RT_END && r->failed <= r->count &&
	       r->failed_enoent <= r->failed && total <= r->count &&
	       !(r->flags & ~(CT_OPENS_F_GOFER | CT_OPENS_F_UNOBSERVABLE |
			      CT_OPENS_F_SYSTRAP | CT_OPENS_F_MAPFULL));
}

/* at most the kernel's slots, each path NUL-terminated */
static bool paths_valid(const void *rec)
{
	struct ct_paths_rec r;

	memcpy(&r, rec, sizeof(r));	/* rec may be unaligned */
	if (r.n > CT_OPENS_SLOW_K)
		return false;
	for (uint32_t i = 0; i < r.n; i++)
		if (!memchr(r.ent[i].path, '\0', sizeof(r.ent[i].path)))
			return false;
	return true;
}

/* ---- bytes that hold nothing, zeroed (ct_rec_clean()) ---- */

/*
 * A string field: nothing after its first NUL.  A field without a NUL is
 * left as it is (whole: a reader stops at its end).
 */
static void clean_str(char *s, size_t size)
{
	char *nul = memchr(s, '\0', size);

	if (nul)
		memset(nul, 0, size - (size_t)(nul - s));
}

/* An area of which only the first used bytes hold something. */
static void clean_tail(void *area, size_t size, size_t used)
{
	if (used < size)
		memset((char *)area + used, 0, size - used);
}

#define CLEAN_STR(r, f)	clean_str((r)->f, sizeof((r)->f))

/* argv: args_len bytes of it are used, to the record's end (its size
 * without the unused area in a recording) */
static void clean_exec(void *rec, size_t len)
{
	struct ct_exec *x = rec;

	CLEAN_STR(x, filename);
	clean_tail(x->args, len - offsetof(struct ct_exec, args), x->args_len);
}

static void clean_cni_env(void *rec, size_t len)
{
	struct ct_cni_env *v = rec;

	clean_tail(v->env, len - offsetof(struct ct_cni_env, env), v->env_len);
}

static void clean_fork(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_fork *)rec, child_comm);
}

static void clean_exit(void *rec, size_t len)
{
	(void)len;
	((struct ct_exit *)rec)->_pad = 0;
}

static void clean_mount(void *rec, size_t len)
{
	struct ct_mount *m = rec;

	(void)len;
	CLEAN_STR(m, source);
	CLEAN_STR(m, target);
}

/* AF_UNIX: the path is copied with the client's sockaddr, whose stack
 * bytes follow it when the address is longer than the path */
static void clean_connect(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_connect *)rec, path);
}

static void clean_mkdir(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_mkdir *)rec, path);
}

static void clean_ufn(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_ufn *)rec, id);
}

static void clean_touch(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_touch *)rec, path);
}

static void clean_fuse(void *rec, size_t len)
{
	(void)len;
	((struct ct_fuse *)rec)->_pad = 0;
}

static void clean_blob(void *rec, size_t len)
{
	(void)len;
	CLEAN_STR((struct ct_pull_blob *)rec, path);
}

static void clean_rename(void *rec, size_t len)
{
	struct ct_pull_rename *r = rec;

	(void)len;
	r->_pad = 0;
	CLEAN_STR(r, oldpath);
	CLEAN_STR(r, newpath);
}

static void clean_pull_image(void *rec, size_t len)
{
	struct ct_pull_image *im = rec;

	(void)len;
	im->_pad = 0;
	CLEAN_STR(im, ref);
	CLEAN_STR(im, manifest);
	CLEAN_STR(im, image_id);
	for (size_t i = 0; i < CT_PULL_IMAGE_LAYERS; i++) {
		if (i < im->nlayers)
			CLEAN_STR(&im->layers[i], digest);
		else
			memset(&im->layers[i], 0, sizeof(im->layers[i]));
	}
}

static void clean_pull_connect(void *rec, size_t len)
{
	(void)len;
	((struct ct_pull_connect *)rec)->_pad = 0;
}

/* n names, each NUL-terminated, inside frames[]: their bytes used */
static size_t stack_used(const struct ct_stack_rec *r)
{
	size_t used = 0;

	for (uint32_t i = 0; i < r->n; i++) {
		const char *nul = memchr(r->frames + used, '\0',
					 sizeof(r->frames) - used);

		if (!nul)
			return SIZE_MAX;
		used = (size_t)(nul - r->frames) + 1;
	}
	return used;
}

static bool wake_valid(const void *rec)
{
	struct ct_wake w;

	memcpy(&w, rec, sizeof(w));	/* rec may be unaligned */
	return !(w.flags & ~(CT_WAKE_KTHREAD | CT_WAKE_IRQ));
}

static bool stack_valid(const void *rec)
{
	struct ct_stack_rec r;

	memcpy(&r, rec, sizeof(r));	/* rec may be unaligned */
	return r.id != CT_STACK_NONE && r.id != CT_STACK_LOST &&
	       r.id <= CT_STACKS_MAX && stack_used(&r) != SIZE_MAX;
}

static void clean_stack(void *rec, size_t len)
{
	struct ct_stack_rec *r = rec;

	(void)len;
	clean_tail(r->frames, sizeof(r->frames), stack_used(r));
}

static void clean_arm(void *rec, size_t len)
{
	(void)len;
	((struct ct_arm_rec *)rec)->_pad = 0;
}

static void clean_name(void *rec, size_t len)
{
	struct ct_name_rec *n = rec;

	(void)len;
	CLEAN_STR(n, id);
	CLEAN_STR(n, name);
}

static void clean_ident(void *rec, size_t len)
{
	struct ct_ident_rec *n = rec;

	(void)len;
	CLEAN_STR(n, id);
	CLEAN_STR(n, name);
	CLEAN_STR(n, image);
	CLEAN_STR(n, pod_name);
	CLEAN_STR(n, pod_namespace);
	CLEAN_STR(n, pod_uid);
	CLEAN_STR(n, container_name);
	n->_pad = 0;
}

static void clean_host(void *rec, size_t len)
{
	struct ct_host_rec *h = rec;

	(void)len;
	CLEAN_STR(h, host_name);
	CLEAN_STR(h, host_id);
	CLEAN_STR(h, node_name);
}

static void clean_layer(void *rec, size_t len)
{
	struct ct_layer_rec *l = rec;

	(void)len;
	l->_pad = 0;
	CLEAN_STR(l, digest);
}

static void clean_fetched(void *rec, size_t len)
{
	(void)len;
	((struct ct_fetched_rec *)rec)->_pad = 0;
}

/* the kernel's slots of the slowest opens are reused: a shorter path
 * leaves the end of a longer one after its NUL */
static void clean_paths(void *rec, size_t len)
{
	struct ct_paths_rec *p = rec;

	(void)len;
	p->_pad = 0;
	for (size_t i = 0; i < CT_OPENS_SLOW_K; i++) {
		p->ent[i]._pad = 0;
		CLEAN_STR(&p->ent[i], path);
	}
}

static const struct ct_rec_type types[] = {
	{ CT_EV_EXEC, "EXEC", offsetof(struct ct_exec, args), false,
	  exec_valid, clean_exec },
	{ CT_EV_CNI_ENV, "CNIENV", offsetof(struct ct_cni_env, env), false,
	  cni_env_valid, clean_cni_env },
	{ CT_EV_FORK, "FORK", sizeof(struct ct_fork), false, NULL, clean_fork },
	{ CT_EV_EXIT, "EXIT", sizeof(struct ct_exit), false, NULL, clean_exit },
	{ CT_EV_MOUNT, "MOUNT", sizeof(struct ct_mount), false,
	  NULL, clean_mount },
	{ CT_EV_UMOUNT, "UMOUNT", sizeof(struct ct_mount), false,
	  NULL, clean_mount },
	{ CT_EV_PULL_BLOB, "BLOB", sizeof(struct ct_pull_blob), true,
	  NULL, clean_blob },
	{ CT_EV_PULL_RENAME, "RENAME", sizeof(struct ct_pull_rename), true,
	  NULL, clean_rename },
	{ CT_EV_PULL_CONNECT, "CONN", sizeof(struct ct_pull_connect), true,
	  NULL, clean_pull_connect },
	{ CT_EV_PULL_UNTRACED, "UNTRACED", sizeof(struct ct_pull_blob), true,
	  NULL, clean_blob },
	{ CT_EV_PULL_IMAGE, "PIMAGE", sizeof(struct ct_pull_image), true,
	  pull_image_valid, clean_pull_image },
	{ CT_EV_CONNECT, "CONNECT", sizeof(struct ct_connect), false,
	  NULL, clean_connect },
	{ CT_EV_LISTEN, "LISTEN", sizeof(struct ct_listen), false, NULL, NULL },
	{ CT_EV_STDIN, "STDIN", sizeof(struct ct_stdin), false, NULL, NULL },
	{ CT_EV_TOUCH, "TOUCH", sizeof(struct ct_touch), false,
	  NULL, clean_touch },
	{ CT_EV_FUSE, "FUSE", sizeof(struct ct_fuse), true, NULL, clean_fuse },
	{ CT_EV_TSTATE, "TSTATE", CT_TSTATE_V1_SIZE, false,
	  tstate_valid, NULL },
	{ CT_EV_WAKE, "WAKE", sizeof(struct ct_wake), true, wake_valid, NULL },
	{ CT_EV_STACK, "STACK", sizeof(struct ct_stack_rec), true,
	  stack_valid, clean_stack },
	{ CT_EV_USTACK, "USTACK", sizeof(struct ct_stack_rec), true,
	  stack_valid, clean_stack },
	/* version 1's has the ring buffer's count only */
	{ CT_EV_LOST, "LOST", CT_LOST_V1_SIZE, false, NULL, NULL },
	{ CT_EV_END, "END", sizeof(struct ct_hdr), false, NULL, NULL },
	{ CT_EV_MAPFULL, "MAPFULL", sizeof(struct ct_mapfull_rec), true,
	  NULL, NULL },
	{ CT_EV_ADOPT, "ADOPT", offsetof(struct ct_exec, args), false,
	  exec_valid, clean_exec },
	{ CT_EV_ARM, "ARM", sizeof(struct ct_arm_rec), true,
	  arm_valid, clean_arm },
	{ CT_EV_OPENS, "OPENS", sizeof(struct ct_opens_rec), true,
	  opens_valid, NULL },
	{ CT_EV_NAME, "NAME", sizeof(struct ct_name_rec), false,
	  NULL, clean_name },
	{ CT_EV_MOUNTID, "MOUNTID", sizeof(struct ct_name_rec), false,
	  NULL, clean_name },
	{ CT_EV_IDENT, "IDENT", sizeof(struct ct_ident_rec), true,
	  NULL, clean_ident },
	{ CT_EV_HOST, "HOST", sizeof(struct ct_host_rec), true,
	  NULL, clean_host },
	{ CT_EV_LAYER, "LAYER", sizeof(struct ct_layer_rec), true,
	  NULL, clean_layer },
	{ CT_EV_FETCHED, "FETCHED", sizeof(struct ct_fetched_rec), true,
	  NULL, clean_fetched },
	{ CT_EV_MKDIR, "MKDIR", sizeof(struct ct_mkdir), false,
	  NULL, clean_mkdir },
	{ CT_EV_RMDIR, "RMDIR", sizeof(struct ct_mkdir), false,
	  NULL, clean_mkdir },
	{ CT_EV_CMKDIR, "CMKDIR", sizeof(struct ct_mkdir), false,
	  NULL, clean_mkdir },
	{ CT_EV_UFN, "UFN", sizeof(struct ct_ufn), false, NULL, clean_ufn },
	{ CT_EV_PATHS, "PATHS", sizeof(struct ct_paths_rec), true,
	  paths_valid, clean_paths },
};

void ct_rec_self_hdr(struct ct_hdr *h, uint32_t type, uint32_t size,
		     uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->ts_ns = ts;
	h->type = type;
	h->size = size;
	h->pid = (uint32_t)getpid();
	h->tid = h->pid;
	memcpy(h->comm, "coldtrace", sizeof("coldtrace"));
}

const struct ct_rec_type *ct_rec_type(uint32_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

int ct_rec_check(const void *rec, size_t len)
{
	const struct ct_rec_type *t;
	struct ct_hdr h;

	if (!rec || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, rec, sizeof(h));	/* rec may be unaligned */
	if (h.size > len || h.size < sizeof(h))
		return -EINVAL;
	t = ct_rec_type(h.type);
	if (!t)
		return 0;
	if (h.size < t->min_size || (t->fixed && h.size != t->min_size))
		return -EINVAL;
	if (t->valid && !t->valid(rec))
		return -EINVAL;
	return 0;
}

void ct_rec_clean(void *rec, size_t len)
{
	if (!ct_rec_check(rec, len))
		ct_rec_clean_checked(rec);
}

void ct_rec_clean_checked(void *rec)
{
	const struct ct_rec_type *t;
	struct ct_hdr *h = rec;

	CLEAN_STR(h, comm);
	t = ct_rec_type(h->type);
	if (t && t->clean)
		t->clean(rec, h->size);
}

/* ---- the stack fields' sleeps named by their syscall ---- */

_Static_assert(CT_WAIT_ROWS == CT_STACK_WAIT_SYSCALLS,
	       "CT_STACK_WAIT_SYSCALLS: CT_WAIT_SYSCALLS' rows");

int ct_stack_wait_row(uint32_t stack)
{
	return stack >= CT_STACK_WAIT_SYSCALL(0) &&
	       stack < CT_STACK_WAIT_SYSCALL(CT_STACK_WAIT_SYSCALLS) ?
	       (int)(stack - CT_STACK_WAIT_SYSCALL(0)) : -1;
}

const char *ct_wait_syscall_name(int row)
{
	static const char *const names[] = {
#define NAME(name, func, x86, arm64) #name,
		CT_WAIT_SYSCALLS(NAME)
#undef NAME
	};

	return row >= 0 && row < CT_WAIT_ROWS ? names[row] : NULL;
}
