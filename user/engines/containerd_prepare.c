// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containerd's prepare through `ctr run` (user/enrich/prepare.h): from
 * the client's exec, whose argv names the container (ctr [global flags]
 * run [flags] IMAGE ID ...).  And containerd's own marks, for every
 * engine on it (CT_EV_CMKDIR into the stage's struct pr_containerd): the
 * bundles of its tasks and its new snapshots.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "comm_table.h"
#include "containerd.h"
#include "engine.h"
#include "prepare_api.h"
#include "util.h"

/*
 * Every flag of ctr 1.6 to 2.1 that takes a value: the global ones, then
 * `ctr run`'s (its --help: the platform's, runtime's and container's
 * flags; 2.x added --cpuset-*, --sandbox, --hostname, --user).  A value
 * flag missing here makes the value read as the image and the image as
 * the id.  tests/fixtures/ctr-*help-*.txt are each version's --help.
 */
static const char *const value_flags[] = {
	"--address", "-a", "--namespace", "-n", "--timeout",
	"--connect-timeout",
	"--snapshotter", "--snapshotter-label", "--config", "-c", "--cwd",
	"--env", "--env-file", "--label", "--annotation", "--mount",
	"--user", "-u", "--runtime", "--runtime-config-path", "--with-ns",
	"--pid-file", "--fifo-dir", "--log-uri", "--cgroup", "--platform",
	"--cap-add", "--cap-drop", "--seccomp-profile",
	"--apparmor-default-profile", "--apparmor-profile",
	"--memory-limit", "--device", "--hostname", "--uidmap", "--gidmap",
	"--gpus", "--cpus", "--cpu-shares", "--cpu-quota", "--cpu-period",
	"--cpuset-cpus", "--cpuset-mems", "--runc-binary", "--runc-root",
	"--rootfs-propagation", "--rdt-class", "--blockio-config-file",
	"--blockio-class", "--sandbox",
	NULL,
};

static bool takes_value(const char *a)
{
	if (strchr(a, '='))
		return false;
	for (size_t i = 0; value_flags[i]; i++)
		if (!strcmp(a, value_flags[i]))
			return true;
	return false;
}

/* NUL-separated argv -> av[], at most max; the unterminated tail is
 * dropped.  Returns the count. */
static size_t split_args(const char *args, size_t len, const char **av,
			 size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t l = strnlen(args + i, len - i);

		if (i + l >= len)	/* last one not terminated */
			break;
		av[n++] = args + i;
		i += l + 1;
	}
	return n;
}

/* ct_ctr_run_id(), and whether run's flags (before its id) hold --rm. */
static int ctr_run(const char *args, size_t len, char *id, size_t idlen,
		   bool *rm)
{
	const char *av[64];
	size_t n = split_args(args, len, av, 64), k;
	int pos = 0;

	*rm = false;
	if (!n || !ct_prog_is(av[0], CT_PROG_CTR))
		return -EINVAL;
	for (k = 1; k < n && av[k][0] == '-'; k++)
		k += takes_value(av[k]);
	if (k >= n || (strcmp(av[k], "run") && strcmp(av[k], "r")))
		return -EINVAL;
	for (k++; k < n; k++) {
		if (!strcmp(av[k], "--"))
			continue;
		if (av[k][0] == '-') {
			*rm = *rm || !strcmp(av[k], "--rm") ||
			      !strcmp(av[k], "--rm=true");
			k += takes_value(av[k]);
			continue;
		}
		if (pos++ == 1) {
			if (strlen(av[k]) >= idlen)
				return -EINVAL;
			strcpy(id, av[k]);
			return 0;
		}
	}
	return -EINVAL;
}

int ct_ctr_run_id(const char *args, size_t len, char *id, size_t idlen)
{
	bool rm;

	return ctr_run(args, len, id, idlen, &rm);
}

bool ct_ctr_run_removes(const char *args, size_t len)
{
	char id[CT_ID_LEN];
	bool rm;

	return !ctr_run(args, len, id, sizeof(id), &rm) && rm;
}

/* ctr run's exec by the container it names (key), at its exec (ts). */
struct ctr_prepare {
	struct pr_ring ctr;
};

/*
 * containerd's mkdirs that mark a container's steps: a task's bundle
 * `<state or root>/io.containerd.runtime.v2.task/<namespace>/<id>` (its
 * first mkdir: the kernel keeps containerd's of mode 0700, and of 0755
 * whose name is an id's length: bpf/prepare_sys.bpf.h), and a new
 * snapshot `<snapshotter root>/snapshots/new-XXXX` (renamed to its number
 * once made: os.MkdirTemp's name).  The rest are left to the engines
 * after it (the CRI's directories).
 */
static bool on_cmkdir(struct pr_containerd *cd, const struct ct_mkdir *m,
		      int64_t m2r)
{
	uint64_t t = pr_mkdir_at(m, m2r);
	char buf[CT_PATH_MAX], ns[CT_NAME_NAME_LEN];
	const char *c[3];
	size_t len[3];

	memcpy(buf, m->path, sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	if (m->ret != 0 || !ct_path_last(buf, c, len, 3))
		return false;
	if (ct_name_is(c[2], len[2], "io.containerd.runtime.v2.task") &&
	    len[1] < sizeof(ns)) {
		memcpy(ns, c[1], len[1]);
		ns[len[1]] = 0;
		pr_put(&cd->bundles, c[0], len[0], ns, t);
		return true;
	}
	if (ct_name_is(c[1], len[1], "snapshots") && len[0] > 4 &&
	    !strncmp(c[0], "new-", 4)) {
		pr_put(&cd->snaps, PR_SNAP, strlen(PR_SNAP), NULL, t);
		return true;
	}
	return false;
}

static bool feed(void *es, const struct ct_prepare_env *env,
		 const struct ct_hdr *h, uint64_t t)
{
	const struct ct_exec *x = (const struct ct_exec *)h;
	struct ctr_prepare *p = es;
	char id[CT_NAME_ID_LEN];

	if (h->type == CT_EV_CMKDIR)
		return on_cmkdir(env->ctrd, (const struct ct_mkdir *)h,
				 env->m2r);
	if (h->type != CT_EV_EXEC ||
	    ct_ctr_run_id(x->args, x->args_len, id, sizeof(id)))
		return false;
	pr_put(&p->ctr, id, strlen(id), NULL, t);
	return true;
}

/* The exec of the ctr run that named c, at or before first. */
static uint64_t start(const void *es, const struct ct_prepare_env *env,
		      const struct ct_container *c, uint64_t first)
{
	const struct ctr_prepare *p = es;
	const struct pr_mark *m = pr_find(&p->ctr, c->id, first);

	(void)env;
	return m ? m->ts : 0;
}

/*
 * ctr run's prepare in steps (docs/phases.md "prepare's steps"): the
 * client's exec and request, containerd's snapshot of the container's
 * layer (the one snapshot made between the request and the bundle: its
 * name is not the container's), and its task's bundle.
 */
static void steps(const void *es, const struct ct_prepare_env *env,
		  const struct ct_container *c, struct ct_steps *out)
{
	const struct ct_interval *pr = &c->phases[CT_PH_PREPARE];
	uint64_t bundle = pr_bundle(env, c->id, pr->start_ns, pr->end_ns);

	(void)es;
	if (!bundle)	/* none of containerd's marks: no steps */
		return;
	pr_client_steps(out, c);
	pr_step_found(out, c, CT_STEP_LAYER,
		      pr_snapshot_found(env, pr_asked_at(c), bundle, 1));
	pr_step(out, c, CT_STEP_BUNDLE, bundle);
}

const struct ct_prepare_ops ct_containerd_prepare = {
	.state_size = sizeof(struct ctr_prepare),
	.feed = feed,
	.start = start,
	.steps = steps,
};
