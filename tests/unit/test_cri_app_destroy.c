// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A CRI app container's destroy in steps (docs/phases.md "destroy's
 * steps"), on the five CRI recordings (containerd 1.6 and 2.1, runc and
 * crun, three pods at once): delete from the runtime's delete, run by
 * the pod's shim, to the shim's first umount of the container's rootfs;
 * unmount from that umount's enter to destroy's end, the last umount
 * naming the container.  The truth is read from the recording itself,
 * by whole strings of the exec's argv and the umount's target (not the
 * tracker's matching), to the nanosecond.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "coldtrace.h"
#include "tracker.h"
#include "tsession.h"

struct truth {
	uint64_t del_ns;	/* the first exec of a `delete` naming it */
	uint64_t umount_ns;	/* the shim's first umount of its rootfs,
				 * its enter, after that */
	uint64_t last_ns;	/* the last umount naming it, its exit */
};

static bool names_rootfs(const struct ct_mount *m, const char *id)
{
	char want[CT_ID_LEN + 16];
	size_t n = strnlen(m->target, CT_PATH_MAX);

	snprintf(want, sizeof(want), "/%s/rootfs", id);
	return n >= strlen(want) && !strcmp(m->target + n - strlen(want), want);
}

struct learning {
	struct truth *t;
	const char *id;
};

static void learn(const struct ct_hdr *h, int64_t m2r, void *ctx)
{
	struct learning *l = ctx;
	struct truth *t = l->t;
	uint64_t at = h->ts_ns + (uint64_t)m2r;

	if (h->type == CT_EV_EXEC && !t->del_ns) {
		const struct ct_exec *e = (const struct ct_exec *)h;

		if (ts_has_string(e->args, e->args_len, "delete") &&
		    ts_has_string(e->args, e->args_len, l->id))
			t->del_ns = at;
	} else if (h->type == CT_EV_UMOUNT && t->del_ns) {
		const struct ct_mount *m = (const struct ct_mount *)h;

		if (!names_rootfs(m, l->id))
			return;
		if (!t->umount_ns && !strcmp(h->comm, "containerd-shim"))
			t->umount_ns = m->start_ns + (uint64_t)m2r;
		t->last_ns = at;
	}
}

static void load_truth(const char *name, const char *id, struct truth *t)
{
	struct learning l = { .t = t, .id = id };

	ts_each_record(name, learn, &l);
}

/* Each of recording name's apps app containers: its destroy's steps at
 * the records, covering destroy. */
static void check_apps(const char *name, size_t apps)
{
	struct ts_all a;
	size_t seen = 0;

	ts_replay_all(name, &a);
	for (size_t i = 0; i < a.n; i++) {
		const struct ct_container *c = &a.c[i];
		const struct ct_interval *d = &c->phases[CT_PH_DESTROY];
		const struct ct_steps *st = ct_steps_of(c, CT_PH_DESTROY);
		struct truth t = { 0 };

		if (c->is_pod || !c->pod[0])
			continue;
		seen++;
		load_truth(name, c->id, &t);
		cr_assert(t.del_ns && t.umount_ns, "%.12s: no truth", c->id);
		cr_assert(ct_has_phase(c, CT_PH_DESTROY), "%.12s", c->id);
		cr_expect_eq(d->start_ns, t.del_ns, "%.12s: destroy not at "
			     "its runtime's delete", c->id);
		cr_expect_eq(d->end_ns, t.last_ns, "%.12s: destroy not to its "
			     "last umount", c->id);
		cr_assert_eq(st->n, 2, "%.12s: %u steps", c->id, st->n);
		cr_expect_eq(st->step[0], CT_STEP_DELETE);
		cr_expect_eq(st->start_ns[0], t.del_ns);
		cr_expect_eq(st->step[1], CT_STEP_UNMOUNT);
		cr_expect_eq(st->start_ns[1], t.umount_ns, "%.12s: unmount not "
			     "at the shim's umount of its rootfs", c->id);
		cr_expect_lt(t.umount_ns, t.last_ns, "%.12s", c->id);
		cr_expect_eq(ct_steps_unattributed_ns(c, CT_PH_DESTROY), 0);
	}
	cr_expect_eq(seen, apps, "%s: %zu app containers", name, seen);
	ts_all_free(&a);
}

Test(cri_app_destroy, containerd1_runc)
{
	check_apps("cri-runc", 2);
}

Test(cri_app_destroy, containerd1_crun)
{
	check_apps("cri-crun", 2);
}

Test(cri_app_destroy, concurrent_pods)
{
	check_apps("cri-concurrent3", 6);
}

Test(cri_app_destroy, containerd2_runc)
{
	check_apps("cri2-runc", 2);
}

Test(cri_app_destroy, containerd2_crun)
{
	check_apps("cri2-crun", 2);
}
