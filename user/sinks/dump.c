// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text rendering of raw records.  Strings come from untrusted processes,
 * so every byte outside printable ASCII is shown as \xNN.
 */
#include <stddef.h>
#include <string.h>

#include "classify.h"
#include "coldtrace.h"
#include "dump.h"
#include "mapfull.h"
#include "pull_output.h"
#include "records.h"

static void put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* argv block: NUL separated, shown as "a0" "a1" ... */
static void put_args(FILE *f, const struct ct_exec *e)
{
	size_t n = e->args_len < CT_ARGS_MAX ? e->args_len : CT_ARGS_MAX;
	size_t i = 0;

	while (i < n) {
		size_t l = strnlen(e->args + i, n - i);

		fputs(" \"", f);
		put_escaped(f, e->args + i, l);
		fputc('"', f);
		i += l + 1;
	}
	if (e->args_truncated)
		fputs(" ...", f);
}

static void put_hdr(FILE *f, const struct ct_hdr *h, const char *what,
		    int64_t mono_to_real)
{
	uint64_t t = h->ts_ns + mono_to_real;

	fprintf(f, "%llu.%09llu %-6s pid=%u tid=%u ppid=%u cg=%llu memcg=%llu "
		"comm=\"", (unsigned long long)(t / 1000000000),
		(unsigned long long)(t % 1000000000), what, h->pid, h->tid,
		h->ppid, (unsigned long long)h->cgroup_id,
		(unsigned long long)h->memcg_id);
	put_escaped(f, h->comm, sizeof(h->comm));
	fputc('"', f);
}

static void dump_mount(FILE *f, const struct ct_mount *m)
{
	fprintf(f, " ret=%lld dur=%lluns flags=%#llx src=\"", (long long)m->ret,
		(unsigned long long)(m->hdr.ts_ns - m->start_ns),
		(unsigned long long)m->flags);
	put_escaped(f, m->source, sizeof(m->source));
	fputs("\" target=\"", f);
	put_escaped(f, m->target, sizeof(m->target));
	fputc('"', f);
}

/* vsock: cid:port; hybrid vsock or an engine client: the unix path. */
static void dump_connect(FILE *f, const struct ct_connect *c)
{
	fprintf(f, " ret=%lld dur=%lluns family=%u", (long long)c->ret,
		(unsigned long long)(c->hdr.ts_ns - c->start_ns), c->family);
	if (c->peer_pid)	/* an engine client's: who listens there */
		fprintf(f, " peer=%u", c->peer_pid);
	if (c->path[0]) {
		fputs(" path=\"", f);
		put_escaped(f, c->path, sizeof(c->path));
		fputc('"', f);
	} else {
		fprintf(f, " cid=%u port=%u", c->vsock_cid, c->vsock_port);
	}
}

bool ct_dump_exec(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_exec *x = rec;

	(void)len;
	put_hdr(f, &x->hdr, x->hdr.type == CT_EV_ADOPT ? "ADOPT" : "EXEC",
		m2r);
	fputs(" file=\"", f);
	put_escaped(f, x->filename, CT_FNAME_MAX);
	fputc('"', f);
	put_args(f, x);
	fputc('\n', f);
	return true;
}

/* What the tracker reads of it: the whole environment is not shown. */
bool ct_dump_cni_env(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	static const char *const cmds[] = {
		[CT_CNI_UNREAD] = "?", [CT_CNI_ADD] = "ADD",
		[CT_CNI_DEL] = "DEL", [CT_CNI_OTHER] = "other",
	};
	const struct ct_cni_env *v = rec;	/* checked: env_len fits */
	struct ct_cni_vars cv;

	(void)len;
	ct_cni_env_parse(v->env, v->env_len, v->env_cut, &cv);
	put_hdr(f, &v->hdr, "CNIENV", m2r);
	fprintf(f, " len=%u%s cmd=%s id=\"", v->env_len,
		v->env_cut ? " cut" : "", cmds[cv.cmd]);
	put_escaped(f, cv.id, sizeof(cv.id));
	fputs("\" netns=\"", f);
	put_escaped(f, cv.netns, sizeof(cv.netns));
	fputs("\"\n", f);
	return true;
}

bool ct_dump_fork(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_fork *k = rec;

	(void)len;
	put_hdr(f, &k->hdr, "FORK", m2r);
	fprintf(f, " child=%u flags=%#x\n", k->child_pid, k->clone_flags_lo);
	return true;
}

bool ct_dump_exit(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_exit *x = rec;

	(void)len;
	put_hdr(f, &x->hdr, "EXIT", m2r);
	fprintf(f, " status=%#x\n", x->exit_code);
	return true;
}

bool ct_dump_mount(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_mount *m = rec;

	(void)len;
	put_hdr(f, &m->hdr, ct_rec_type(m->hdr.type)->name, m2r);
	dump_mount(f, m);
	fputc('\n', f);
	return true;
}

bool ct_dump_connect(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_connect *c = rec;

	(void)len;
	put_hdr(f, &c->hdr, "CONNECT", m2r);
	dump_connect(f, c);
	fputc('\n', f);
	return true;
}

bool ct_dump_listen(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_listen *l = rec;

	(void)len;
	put_hdr(f, &l->hdr, "LISTEN", m2r);
	fprintf(f, " key=%llu ret=%lld opens=%llu\n",
		(unsigned long long)l->cgroup_key, (long long)l->ret,
		(unsigned long long)l->opens_count);
	return true;
}

bool ct_dump_stdin(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_stdin *in = rec;

	(void)len;
	put_hdr(f, &in->hdr, "STDIN", m2r);
	fprintf(f, " ret=%lld wait_ns=%llu\n", (long long)in->ret,
		(unsigned long long)in->wait_ns);
	return true;
}

/*
 * A stack id, where one was taken (older recordings print as they did);
 * a sleep named by its syscall, that syscall.
 */
static void put_stack(FILE *f, uint32_t stack)
{
	int row = ct_stack_wait_row(stack);

	if (stack == CT_STACK_LOST)
		fputs(" stack=lost", f);
	else if (row >= 0)
		fprintf(f, " stack=%s", ct_wait_syscall_name(row));
	else if (stack != CT_STACK_NONE)
		fprintf(f, " stack=%u", stack);
}

bool ct_dump_tstate(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	static const char *const names[] = { "?", "run", "runq", "io",
					     "sleep", "dead" };
	const struct ct_tstate *s = rec;

	put_hdr(f, &s->hdr, "TSTATE", m2r);
	fprintf(f, " %s", s->state <= CT_TS_DEAD ? names[s->state] : "?");
	put_stack(f, s->stack);
	if (len >= sizeof(*s) && s->ustack != CT_STACK_NONE)
		fprintf(f, " ustack=%u", s->ustack);
	if (len >= sizeof(*s) && s->gstack != CT_STACK_NONE)
		fprintf(f, " gstack=%u", s->gstack);
	fputc('\n', f);
	return true;
}

static bool dump_wake(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_wake *w = rec;

	(void)len;
	put_hdr(f, &w->hdr, "WAKE", m2r);
	fprintf(f, " wakee=%u/%u%s%s", w->wakee_pid, w->wakee_tid,
		w->flags & CT_WAKE_KTHREAD ? " kthread" : "",
		w->flags & CT_WAKE_IRQ ? " irq" : "");
	put_stack(f, w->stack);
	fputc('\n', f);
	return true;
}

static bool dump_stack(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_stack_rec *r = rec;
	const char *p = r->frames;

	(void)len;
	put_hdr(f, &r->hdr, r->hdr.type == CT_EV_USTACK ? "USTACK" : "STACK",
		m2r);
	fprintf(f, " id=%u cut=%u", r->id, r->cut);
	for (uint32_t i = 0; i < r->n; i++, p += strlen(p) + 1)
		fprintf(f, "%s%s", i ? ";" : " ", p);
	fputc('\n', f);
	return true;
}

bool ct_dump_mkdir(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_mkdir *m = rec;

	(void)len;
	put_hdr(f, &m->hdr, ct_rec_type(m->hdr.type)->name, m2r);
	fprintf(f, " ret=%lld path=\"", (long long)m->ret);
	put_escaped(f, m->path, sizeof(m->path));
	fputs("\"\n", f);
	return true;
}

bool ct_dump_ufn(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_ufn *u = rec;

	(void)len;
	put_hdr(f, &u->hdr, "UFN", m2r);
	fprintf(f, " fn=%u id_len=%u id=\"", u->fn, u->id_len);
	put_escaped(f, u->id, sizeof(u->id));
	fputs("\"\n", f);
	return true;
}

bool ct_dump_touch(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_touch *t = rec;

	(void)len;
	put_hdr(f, &t->hdr, "TOUCH", m2r);
	fprintf(f, " cgroup_key=%llu size=%llu path=\"",
		(unsigned long long)t->cgroup_key,
		(unsigned long long)t->size);
	put_escaped(f, t->path, sizeof(t->path));
	fputs("\"\n", f);
	return true;
}

bool ct_dump_fuse(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_fuse *r = rec;

	(void)len;
	put_hdr(f, &r->hdr, "FUSE", m2r);
	fprintf(f, " cgroup_key=%llu dur=%lluns dev=%u opcode=%u bytes=%u "
		"error=%d reader=%u\n", (unsigned long long)r->cgroup_key,
		(unsigned long long)(r->hdr.ts_ns - r->start_ns), r->dev,
		r->opcode, r->bytes, r->error, r->reader_tid);
	return true;
}

bool ct_dump_arm(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_arm_rec *a = rec;

	(void)len;
	put_hdr(f, &a->hdr, "ARM", m2r);
	if (a->armed)
		fprintf(f, " attached trigger=%llu\n",
			(unsigned long long)a->trigger_ns);
	else
		fputs(" detached\n", f);
	return true;
}

bool ct_dump_host(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_host_rec *h = rec;	/* checked: its size */

	(void)len;
	put_hdr(f, &h->hdr, "HOST", m2r);
	fprintf(f, " name=\"%.*s\" id=\"%.*s\" node=\"%.*s\"\n",
		(int)strnlen(h->host_name, sizeof(h->host_name)), h->host_name,
		(int)strnlen(h->host_id, sizeof(h->host_id)), h->host_id,
		(int)strnlen(h->node_name, sizeof(h->node_name)), h->node_name);
	return true;
}

bool ct_dump_layer(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_layer_rec *l = rec;	/* checked: its size */

	(void)len;
	put_hdr(f, &l->hdr, "LAYER", m2r);
	fprintf(f, " key=%llu dev=%u:%u digest=\"%.*s\"\n",
		(unsigned long long)l->cgroup_key, l->dev >> 20,
		l->dev & 0xfffff,
		(int)strnlen(l->digest, sizeof(l->digest)), l->digest);
	return true;
}

bool ct_dump_pull_image(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_pull_image *im = rec;	/* checked: its size */

	(void)len;
	put_hdr(f, &im->hdr, "PIMAGE", m2r);
	fprintf(f, " ref=\"%.*s\" manifest=%.*s image=%.*s source=%u layers=%u/%u",
		(int)strnlen(im->ref, sizeof(im->ref)), im->ref,
		(int)strnlen(im->manifest, sizeof(im->manifest)), im->manifest,
		(int)strnlen(im->image_id, sizeof(im->image_id)), im->image_id,
		im->source, im->nlayers, im->layers_total);
	for (uint32_t i = 0; i < im->nlayers && i < CT_PULL_IMAGE_LAYERS; i++) {
		const struct ct_pull_image_layer *l = &im->layers[i];

		fprintf(f, " %.*s:%llu:%llu",
			(int)strnlen(l->digest, sizeof(l->digest)), l->digest,
			(unsigned long long)l->size,
			(unsigned long long)l->unpacked);
	}
	fputc('\n', f);
	return true;
}

bool ct_dump_fetched(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_fetched_rec *r = rec;	/* checked: its size */

	(void)len;
	put_hdr(f, &r->hdr, "FETCHED", m2r);
	fprintf(f, " dev=%u:%u fetched=%llu size=%llu\n", r->dev >> 20,
		r->dev & 0xfffff, (unsigned long long)r->fetched,
		(unsigned long long)r->size);
	return true;
}

#define DUMP_STR(f, key, r, field) \
	fprintf(f, " " key "=\"%.*s\"", \
		(int)strnlen((r)->field, sizeof((r)->field)), (r)->field)

bool ct_dump_ident(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	const struct ct_ident_rec *r = rec;	/* checked: its size */

	(void)len;
	put_hdr(f, &r->hdr, "IDENT", m2r);
	DUMP_STR(f, "id", r, id);
	DUMP_STR(f, "name", r, name);
	DUMP_STR(f, "image", r, image);
	if (r->kind != CT_K8S_NONE) {
		fprintf(f, " kind=%s", r->kind == CT_K8S_SANDBOX ?
			"sandbox" : "container");
		DUMP_STR(f, "pod", r, pod_name);
		DUMP_STR(f, "namespace", r, pod_namespace);
		DUMP_STR(f, "uid", r, pod_uid);
		DUMP_STR(f, "container", r, container_name);
	}
	fputc('\n', f);
	return true;
}

/* As LOST: a total of the session's, not of a moment. */
bool ct_dump_mapfull(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	struct ct_mapfull_rec r;

	(void)m2r;
	memcpy(&r, rec, len < sizeof(r) ? len : sizeof(r));
	fputs("MAPFULL", f);
	for (int i = 0; i < CT_MAPFULL_NR; i++)
		fprintf(f, " %s=%llu", ct_map_full_name(i),
			(unsigned long long)r.refused[i]);
	fputc('\n', f);
	return true;
}

/* "LOST N", then the other kinds when the record has them (version 2) */
bool ct_dump_lost(FILE *f, const void *rec, size_t len, int64_t m2r)
{
	struct ct_lost l = { 0 };

	(void)m2r;
	len = ((const struct ct_hdr *)rec)->size;	/* checked: <= len */
	memcpy(&l, rec, len < sizeof(l) ? len : sizeof(l));
	fprintf(f, "LOST %llu", (unsigned long long)l.lost);
	if (len >= sizeof(l))
		fprintf(f, " pull=%llu why=%llu opens=%llu",
			(unsigned long long)l.pull_lost,
			(unsigned long long)l.why_lost,
			(unsigned long long)l.opens_lost);
	fputc('\n', f);
	return true;
}

/* How each record type prints (its fields' checks are records.h's). */
typedef bool (*dump_fn)(FILE *f, const void *rec, size_t len, int64_t m2r);

static const struct {
	uint32_t type;
	dump_fn dump;
} printers[] = {
	{ CT_EV_EXEC, ct_dump_exec },
	{ CT_EV_CNI_ENV, ct_dump_cni_env },
	{ CT_EV_FORK, ct_dump_fork },
	{ CT_EV_EXIT, ct_dump_exit },
	{ CT_EV_MOUNT, ct_dump_mount },
	{ CT_EV_UMOUNT, ct_dump_mount },
	{ CT_EV_PULL_BLOB, ct_pull_dump },
	{ CT_EV_PULL_RENAME, ct_pull_dump },
	{ CT_EV_PULL_CONNECT, ct_pull_dump },
	{ CT_EV_PULL_UNTRACED, ct_pull_dump },
	{ CT_EV_CONNECT, ct_dump_connect },
	{ CT_EV_LISTEN, ct_dump_listen },
	{ CT_EV_STDIN, ct_dump_stdin },
	{ CT_EV_TOUCH, ct_dump_touch },
	{ CT_EV_FUSE, ct_dump_fuse },
	{ CT_EV_TSTATE, ct_dump_tstate },
	{ CT_EV_WAKE, dump_wake },
	{ CT_EV_STACK, dump_stack },
	{ CT_EV_USTACK, dump_stack },
	{ CT_EV_LOST, ct_dump_lost },
	{ CT_EV_MAPFULL, ct_dump_mapfull },
	{ CT_EV_ADOPT, ct_dump_exec },
	{ CT_EV_ARM, ct_dump_arm },
	{ CT_EV_IDENT, ct_dump_ident },
	{ CT_EV_HOST, ct_dump_host },
	{ CT_EV_LAYER, ct_dump_layer },
	{ CT_EV_FETCHED, ct_dump_fetched },
	{ CT_EV_PULL_IMAGE, ct_dump_pull_image },
	{ CT_EV_MKDIR, ct_dump_mkdir },
	{ CT_EV_RMDIR, ct_dump_mkdir },
	{ CT_EV_CMKDIR, ct_dump_mkdir },
	{ CT_EV_UFN, ct_dump_ufn },
};

/* Type's printer; NULL: "record type N (M bytes)". */
static dump_fn printer_of(uint32_t type)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (printers[i].type == type)
			return printers[i].dump;
	return NULL;
}

void ct_dump_record(FILE *f, const void *rec, size_t len, int64_t mono_to_real)
{
	const struct ct_hdr *h = rec;
	const struct ct_rec_type *t;
	dump_fn dump;

	if (len < sizeof(*h) || h->size > len) {
		fprintf(f, "malformed record (%zu bytes)\n", len);
		return;
	}
	t = ct_rec_type(h->type);
	dump = printer_of(h->type);
	if (!t || !dump) {
		fprintf(f, "record type %u (%u bytes)\n", h->type, h->size);
		return;
	}
	if (ct_rec_check(rec, len) || !dump(f, rec, len, mono_to_real))
		fprintf(f, "%s record type %u (%u bytes)\n",
			h->size < t->min_size ? "short" : "malformed", h->type,
			h->size);
}
