// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* When the syscall hooks are attached: see arm.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arm.h"
#include "classify.h"
#include "comm_table.h"
#include "pull.h"
#include "records.h"
#include "util.h"

void ct_arm_init(struct ct_arm *a, uint64_t now_ns)
{
	memset(a, 0, sizeof(*a));
	a->armed = true;
	a->busy_ns = now_ns;
}

void ct_arm_start(struct ct_arm *a, uint64_t attached_ns, uint64_t now_ns,
		  struct ct_arm_rec *out)
{
	ct_arm_init(a, attached_ns);
	ct_arm_set(a, true, attached_ns, out);
	a->busy_ns = now_ns;
}

/*
 * Whether the exec record @rec only reads (ct_class.passive: a `runc
 * exec` of a healthcheck or an exec probe, a `docker ps`, a runtime's
 * init under the command that asked).
 */
static bool exec_passive(const void *rec, size_t len)
{
	size_t off = offsetof(struct ct_exec, args);
	struct ct_class cl;
	__u32 alen;

	if (len < off)
		return false;
	memcpy(&alen, (const char *)rec + offsetof(struct ct_exec, args_len),
	       sizeof(alen));
	return alen <= len - off &&
	       !ct_classify("", (const char *)rec + off, alen, &cl) &&
	       cl.passive;
}

/*
 * A record that asks for the hooks: a trigger's exec that may make,
 * start or remove a container (a CNI plugin's comes with its environment
 * record first).
 */
static bool trigger_rec(const struct ct_hdr *h, const void *rec, size_t len)
{
	return h->type == CT_EV_CNI_ENV ||
	       (h->type == CT_EV_EXEC &&
		ct_comm_has(h->comm, CT_COMM_TRIGGER) &&
		!exec_passive(rec, len));
}

static ssize_t hold_index(const struct ct_arm *a, uint32_t pid)
{
	for (size_t i = 0; i < a->nholds; i++)
		if (a->holds[i].pid == pid)
			return (ssize_t)i;
	return -1;
}

static void hold_del(struct ct_arm *a, size_t i)
{
	a->holds[i] = a->holds[--a->nholds];
}

/* @pid holds the hooks CT_ARM_HOLD_NS from @from_ns on (its exec). */
static void hold_add(struct ct_arm *a, uint32_t pid, uint64_t from_ns)
{
	ssize_t i = hold_index(a, pid);

	if (i < 0 && a->nholds == CT_ARM_PIDS) {
		a->full = true;
		return;
	}
	if (i < 0)
		i = (ssize_t)a->nholds++;
	a->holds[i] = (struct ct_arm_hold){ pid, from_ns + CT_ARM_HOLD_NS };
}

/* Whether /proc/PID's command only reads (ct_class.passive). */
static bool proc_passive(const char *proc_dir, const char *pid)
{
	char path[512], args[CT_ARGS_MAX];
	struct ct_class cl;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/cmdline", proc_dir, pid);
	n = ct_read_small(path, args, sizeof(args));
	return n > 0 && !ct_classify("", args, (size_t)n, &cl) && cl.passive;
}

size_t ct_arm_adopt(struct ct_arm *a, const char *proc_dir, uint64_t now_ns)
{
	DIR *d = opendir(proc_dir);
	char comm[CT_COMM_LEN];
	struct dirent *e;
	size_t adopted = 0;
	char *end;
	unsigned long pid;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid = strtoul(e->d_name, &end, 10);
		if (*end || !pid || pid > UINT32_MAX ||
		    !ct_proc_comm(proc_dir, e->d_name, comm, sizeof(comm)) ||
		    !ct_comm_has(comm, CT_COMM_ASKER) ||
		    proc_passive(proc_dir, e->d_name))
			continue;
		hold_add(a, (uint32_t)pid, now_ns);
		adopted++;
	}
	closedir(d);
	return adopted;
}

/* A shim or a monitor lives as long as its container: it holds nothing. */
static bool keeper_hdr(const struct ct_hdr *h)
{
	return h->type == CT_EV_EXEC && ct_comm_has(h->comm, CT_COMM_KEEPER);
}

/* @by: the record type that asked (0: a container, ct_arm_busy()) */
static void want(struct ct_arm *a, uint64_t ts_ns, uint32_t by)
{
	if (a->armed || a->want)
		return;
	a->want = true;
	a->trigger_ns = ts_ns;
	a->trigger_by = by;
}

static void want_group(struct ct_arm *a, enum ct_sys_group g,
		       const struct ct_hdr *h)
{
	if (a->groups_want & (1u << g))
		return;
	a->groups_want |= 1u << g;
	a->group_ns[g] = h->ts_ns;
	a->group_by[g] = h->type;
}

void ct_arm_feed(struct ct_arm *a, const void *rec, size_t len)
{
	struct ct_hdr h;
	bool trigger;
	ssize_t i;

	memcpy(&h, rec, sizeof(h));	/* rec may be unaligned */
	trigger = trigger_rec(&h, rec, len);
	if (trigger && ct_prog_comm_is(h.comm, CT_PROG_RUNSC))
		want_group(a, CT_SYS_STUB, &h);
	/*
	 * Made for the daemons only (bpf/pull_sys.bpf.h): a registry
	 * connect, or a blob file opened while the pull hooks were off (a
	 * connect the hooks came too late for): the next files are seen.
	 */
	if (h.type == CT_EV_PULL_CONNECT || h.type == CT_EV_PULL_UNTRACED)
		want_group(a, CT_SYS_PULL, &h);
	/*
	 * The connect comes from a tracepoint that is always attached: a
	 * pull that no client waits for (kubelet's, through CRI) has no
	 * exec to attach the hooks; its open blob files hold them.
	 */
	if (h.type == CT_EV_PULL_CONNECT)
		want(a, h.ts_ns, h.type);
	/* before it reads its stdin, after its start and its connect */
	if (trigger && ct_comm_has(h.comm, CT_COMM_CLIENT))
		want_group(a, CT_SYS_STDIN, &h);
	if (trigger) {
		want(a, h.ts_ns, h.type);
		if (!keeper_hdr(&h)) {
			hold_add(a, h.pid, h.ts_ns);
			return;
		}
	}
	/* an exit, or an exec into something else (a reused pid) */
	if (h.type != CT_EV_EXIT && h.type != CT_EV_EXEC)
		return;
	i = hold_index(a, h.pid);
	if (i >= 0)
		hold_del(a, (size_t)i);
}

void ct_arm_busy(struct ct_arm *a, size_t busy, uint64_t now_ns)
{
	if (busy)
		want(a, now_ns, 0);
}

bool ct_arm_wanted(const struct ct_arm *a)
{
	return a->want;
}

unsigned int ct_arm_groups_wanted(const struct ct_arm *a)
{
	return a->groups_want;
}

uint64_t ct_arm_group_asked_ns(const struct ct_arm *a, enum ct_sys_group g)
{
	return a->group_ns[g];
}

uint32_t ct_arm_group_asked_by(const struct ct_arm *a, enum ct_sys_group g)
{
	return a->group_by[g];
}

void ct_arm_groups_set(struct ct_arm *a)
{
	a->groups_want = 0;
}

/* Lets go of the triggers past their hold, and of those gone. */
static void prune(struct ct_arm *a, uint64_t now_ns, ct_proc_alive_cb alive,
		  void *ctx)
{
	for (size_t i = a->nholds; i-- > 0;)
		if (now_ns >= a->holds[i].until_ns ||
		    (alive && !alive(a->holds[i].pid, ctx)))
			hold_del(a, i);
}

bool ct_arm_idle(struct ct_arm *a, uint64_t now_ns, size_t busy,
		 ct_proc_alive_cb alive, void *ctx)
{
	if (!a->armed || a->full)
		return false;
	if (!busy && a->nholds)
		prune(a, now_ns, alive, ctx);
	if (busy || a->nholds) {
		a->busy_ns = now_ns;
		return false;
	}
	return now_ns - a->busy_ns >= CT_ARM_IDLE_NS;
}

void ct_arm_set(struct ct_arm *a, bool armed, uint64_t now_ns,
		struct ct_arm_rec *out)
{
	memset(out, 0, sizeof(*out));
	ct_rec_self_hdr(&out->hdr, CT_EV_ARM, sizeof(*out), now_ns);
	out->armed = armed;
	out->trigger_ns = armed ? a->trigger_ns : 0;
	a->armed = armed;
	a->want = false;
	if (!armed)
		a->groups_want = 0;
	a->trigger_ns = 0;
	a->trigger_by = 0;
	a->busy_ns = now_ns;
}
