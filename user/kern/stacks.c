// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why's kernel stacks, named for the records: stacks.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pairs.h"
#include "stacks.h"
#include "ustack.h"
#include "util.h"

/* ---- the kernel's symbols ---- */

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset in names */
};

struct ct_ksyms {
	struct ksym *sym;
	size_t n, cap;
	char *names;
	size_t len, size;
};

/*
 * The last text symbol has no next one to end it: an address this far
 * past its start is said to be no symbol's ("?"), not guessed.
 */
#define LAST_SPAN	(1u << 16)
/* the program's and the tracepoint's frames above the anchor: a few */
#define ANCHOR_DEPTH	8

static bool text_type(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

static int add(struct ct_ksyms *ks, uint64_t addr, const char *name)
{
	size_t l = strlen(name) + 1;

	if (ct_room((void **)&ks->sym, &ks->cap, ks->n + 1, sizeof(*ks->sym)) ||
	    ct_room((void **)&ks->names, &ks->size, ks->len + l, 1))
		return -ENOMEM;
	memcpy(ks->names + ks->len, name, l);
	ks->sym[ks->n++] = (struct ksym){ addr, (uint32_t)ks->len };
	ks->len += l;
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ct_ksyms *ct_ksyms_load(const char *path)
{
	struct ct_ksyms *ks = calloc(1, sizeof(*ks));
	FILE *f = fopen(path, "re");
	char line[512], name[256], type;
	unsigned long long addr;
	int rc = ks ? 0 : -ENOMEM;

	while (!rc && f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    addr && text_type(type))
			rc = add(ks, addr, name);
	if (f)
		fclose(f);
	if (!rc && (!f || !ks->n))
		rc = f ? -ENOENT : -errno;	/* no addresses: kptr_restrict */
	if (rc) {
		ct_ksyms_free(ks);
		errno = -rc;
		return NULL;
	}
	qsort(ks->sym, ks->n, sizeof(*ks->sym), cmp_addr);
	return ks;
}

void ct_ksyms_free(struct ct_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->sym);
	free(ks->names);
	free(ks);
}

const char *ct_ksym_name(const struct ct_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	if (!hi || addr < ks->sym[0].addr)
		return NULL;
	while (hi - lo > 1) {		/* the last start at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->sym[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == ks->n - 1 && addr - ks->sym[lo].addr >= LAST_SPAN)
		return NULL;
	return ks->names + ks->sym[lo].name;
}

/* The tracing program's own frames, above the kernel's, by prefix. */
static bool tracing_frame(const char *name)
{
	static const char *const pre[] = { "bpf_prog_", "bpf_trace_run",
					   "__bpf_trace_", "__traceiter_" };

	for (size_t i = 0; name && i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(name, pre[i], strlen(pre[i])))
			return true;
	return false;
}

/*
 * The function whose tracepoint took the stack: __schedule for a switch,
 * try_to_wake_up for a waking ("__schedule.constprop.0" counts).  Where
 * the kernel lists no JIT images (5.10 without bpf_jit_kallsyms), the
 * program's frames resolve to the nearest symbol below them, often a
 * module's cleanup_module, and no prefix can tell them: the anchor can.
 */
static bool anchor_frame(const char *name)
{
	static const char *const fn[] = { "__schedule", "try_to_wake_up" };

	for (size_t i = 0; name && i < sizeof(fn) / sizeof(fn[0]); i++) {
		size_t l = strlen(fn[i]);

		if (!strncmp(name, fn[i], l) && (!name[l] || name[l] == '.'))
			return true;
	}
	return false;
}

/* Frames above the kernel's own: up to the anchor, else by prefix. */
static size_t tracing_frames(const uint64_t *ips, size_t n,
			     const struct ct_ksyms *ks)
{
	size_t i;

	for (i = 0; i < n && i < ANCHOR_DEPTH && ips[i]; i++)
		if (anchor_frame(ct_ksym_name(ks, ips[i])))
			return i;
	for (i = 0; i < n && ips[i] && tracing_frame(ct_ksym_name(ks, ips[i]));)
		i++;
	return i;
}

void ct_stack_rec_fill(struct ct_stack_rec *r, uint32_t id,
		       const uint64_t *ips, size_t n,
		       const struct ct_ksyms *ks)
{
	size_t used = 0, i;

	memset(r, 0, sizeof(*r));
	r->hdr.type = CT_EV_STACK;
	r->hdr.size = sizeof(*r);
	r->id = id;
	for (i = tracing_frames(ips, n, ks); i < n && ips[i]; i++) {
		const char *name = ct_ksym_name(ks, ips[i]);
		size_t l = strlen(name ? name : "?") + 1;

		if (used + l > sizeof(r->frames))
			break;
		memcpy(r->frames + used, name ? name : "?", l);
		used += l;
		r->n++;
	}
	while (i < n && ips[i++])
		r->cut++;
}

/* ---- a live session's namer ---- */

/* (process, user stack id) pairs named: emptied when full (a pair named
 * again costs a record, not a wrong name) */
#define USEEN		8192

struct ct_stacks {
	ct_stacks_read_fn read;
	void *read_ctx;
	struct ct_ksyms *ks;		/* NULL: no stack is named */
	uint8_t named[CT_STACKS_MAX / 8];	/* by map id */
	uint64_t unread;
	/* --why=user: the user stacks, NULL without */
	ct_stacks_read_fn uread;
	struct ct_ustack *us;
	struct ct_pairs *useen;
};

struct ct_stacks *ct_stacks_new(ct_stacks_read_fn read, void *read_ctx,
				const char *kallsyms)
{
	struct ct_stacks *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->read = read;
	st->read_ctx = read_ctx;
	/* now: at the first stack it would stall the ring's reader ~150 ms,
	 * in the middle of a container's start */
	st->ks = ct_ksyms_load(kallsyms);
	if (!st->ks)
		fprintf(stderr, "coldtrace: --why: %s: %s; wait sites are not "
			"named\n", kallsyms, errno == ENOENT ?
			"no addresses (kptr_restrict?)" : strerror(errno));
	return st;
}

int ct_stacks_user(struct ct_stacks *st, ct_stacks_read_fn read,
		   const char *proc_dir)
{
	st->us = ct_ustack_new(proc_dir);
	st->useen = ct_pairs_new(USEEN);
	if (!st->us || !st->useen)
		return -ENOMEM;
	st->uread = read;
	return 0;
}

void ct_stacks_free(struct ct_stacks *st)
{
	if (!st)
		return;
	ct_ksyms_free(st->ks);
	ct_ustack_free(st->us);
	ct_pairs_free(st->useen);
	free(st);
}

uint64_t ct_stacks_unread(const struct ct_stacks *st)
{
	return st ? st->unread : 0;
}

void ct_stacks_warn(const struct ct_stacks *st, FILE *f)
{
	struct ct_ustack_stats u = { 0 };

	if (st && st->unread)
		fprintf(f, "--why: %" PRIu64 " stacks not read (their waits "
			"are unattributed or have no user frames)\n",
			st->unread);
	if (st && st->us)
		ct_ustack_stats(st->us, &u);
	if (u.unnamed || u.gone)
		fprintf(f, "--why=user: of %" PRIu64 " user addresses, %"
			PRIu64 " not named ([file], [vdso] or ?); %" PRIu64
			" stacks of processes gone before their maps were "
			"read (all ?); %" PRIu64 " beyond a frame of C code "
			"left out (no frame pointer)\n", u.named + u.unnamed,
			u.unnamed, u.gone, u.past_c);
}

/* Made at the time of the record that first used it, and fed before it. */
static void name_one(struct ct_stacks *st, uint32_t id, uint64_t ts_ns,
		     ct_stacks_made_fn made, void *ctx)
{
	uint64_t ips[CT_STACK_DEPTH] = { 0 };
	uint32_t key = id - 1;
	struct ct_stack_rec r;

	if (id == CT_STACK_NONE || id == CT_STACK_LOST || key >= CT_STACKS_MAX ||
	    st->named[key / 8] & (1u << key % 8))
		return;
	st->named[key / 8] |= 1u << key % 8;
	if (!st->ks || st->read(st->read_ctx, key, ips)) {
		st->unread++;
		return;
	}
	ct_stack_rec_fill(&r, id, ips, CT_STACK_DEPTH, st->ks);
	r.hdr.ts_ns = ts_ns;
	made(&r, sizeof(r), ctx);
}

/* Whether process tgid's user stack id was named already; now it is. */
static bool useen(struct ct_stacks *st, uint32_t tgid, uint32_t id)
{
	if (ct_pairs_get(st->useen, tgid, id, NULL))
		return true;
	if (ct_pairs_put(st->useen, tgid, id, 1) == -ENOSPC) {
		ct_pairs_clear(st->useen);
		ct_pairs_put(st->useen, tgid, id, 1);
	}
	return false;
}

/* tgid's user stack id named for it (CT_EV_USTACK), if not yet. */
static void name_user(struct ct_stacks *st, uint32_t tgid, uint32_t id,
		      uint64_t ts_ns, ct_stacks_made_fn made, void *ctx)
{
	uint64_t ips[CT_STACK_DEPTH] = { 0 };
	struct ct_stack_rec r = { 0 };

	if (!st->us || id == CT_STACK_NONE || id == CT_STACK_LOST ||
	    id > CT_USTACKS_MAX || useen(st, tgid, id))
		return;
	if (st->uread(st->read_ctx, id - 1, ips)) {
		st->unread++;
		return;
	}
	r.hdr.type = CT_EV_USTACK;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = ts_ns;
	r.hdr.pid = tgid;
	r.id = id;
	r.n = ct_ustack_name(st->us, tgid, ips, CT_STACK_DEPTH, r.frames,
			     sizeof(r.frames), &r.cut);
	made(&r, sizeof(r), ctx);
}

/* An exec's process: its maps read now (ct_ustack_prime()). */
static void prime(struct ct_stacks *st, const void *rec, size_t len)
{
	const struct ct_exec *e = rec;
	char exe[CT_FNAME_MAX] = "";

	if (len >= offsetof(struct ct_exec, args))
		snprintf(exe, sizeof(exe), "%.*s", CT_FNAME_MAX - 1,
			 e->filename);
	ct_ustack_prime(st->us, e->hdr.pid, e->hdr.ppid, exe, e->hdr.ts_ns);
}

void ct_stacks_feed(struct ct_stacks *st, const void *rec, size_t len,
		    ct_stacks_made_fn made, void *ctx)
{
	const struct ct_hdr *h = rec;
	const struct ct_tstate *t = rec;

	if (!st || len < sizeof(*h))
		return;
	/* a process that exec'd or exited: its ids named and maps are old;
	 * one that exec'd has its maps read now, while it runs */
	if (st->us && h->type == CT_EV_EXEC) {
		ct_pairs_forget(st->useen, h->pid);
		prime(st, rec, len);
	} else if (st->us && h->type == CT_EV_EXIT && h->pid == h->tid) {
		ct_pairs_forget(st->useen, h->pid);
		ct_ustack_forget(st->us, h->pid);
	}
	if (h->type == CT_EV_TSTATE && len >= sizeof(*t)) {
		name_user(st, h->pid, t->ustack, h->ts_ns, made, ctx);
		/* the parked goroutine's: same map, same naming */
		name_user(st, h->pid, t->gstack, h->ts_ns, made, ctx);
	}
	if (h->type == CT_EV_TSTATE && len >= CT_TSTATE_V1_SIZE)
		name_one(st, ((const struct ct_tstate *)rec)->stack, h->ts_ns,
			 made, ctx);
	else if (h->type == CT_EV_WAKE && len >= sizeof(struct ct_wake))
		name_one(st, ((const struct ct_wake *)rec)->stack, h->ts_ns,
			 made, ctx);
}
