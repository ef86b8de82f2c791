// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The record types: include/records.h. */
#include <errno.h>
#include <string.h>
#include "coldtrace.h"
#include "dump.h"
#include "hist.h"
#include "opens.h"
#include "paths.h"
#include "pulls.h"
#include "pull_output.h"
#include "records.h"

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

#define ROW(t, n, s, f, v, d) { t, n, s, f, v, d }

static const struct ct_rec_type types[] = {
	ROW(CT_EV_EXEC, "EXEC", offsetof(struct ct_exec, args), false,
	    exec_valid, ct_dump_exec),
	ROW(CT_EV_CNI_ENV, "CNIENV", offsetof(struct ct_cni_env, env), false,
	    cni_env_valid, ct_dump_cni_env),
	ROW(CT_EV_FORK, "FORK", sizeof(struct ct_fork), false, NULL,
	    ct_dump_fork),
	ROW(CT_EV_EXIT, "EXIT", sizeof(struct ct_exit), false, NULL,
	    ct_dump_exit),
	ROW(CT_EV_MOUNT, "MOUNT", sizeof(struct ct_mount), false, NULL,
	    ct_dump_mount),
	ROW(CT_EV_UMOUNT, "UMOUNT", sizeof(struct ct_mount), false, NULL,
	    ct_dump_mount),
	ROW(CT_EV_PULL_BLOB, "BLOB", sizeof(struct ct_pull_blob), true, NULL,
	    ct_pull_dump),
	ROW(CT_EV_PULL_RENAME, "RENAME", sizeof(struct ct_pull_rename), true,
	    NULL, ct_pull_dump),
	ROW(CT_EV_PULL_CONNECT, "CONN", sizeof(struct ct_pull_connect), true,
	    NULL, ct_pull_dump),
	ROW(CT_EV_PULL_UNTRACED, "UNTRACED", sizeof(struct ct_pull_blob), true,
	    NULL, ct_pull_dump),
	ROW(CT_EV_CONNECT, "CONNECT", sizeof(struct ct_connect), false, NULL,
	    ct_dump_connect),
	ROW(CT_EV_LISTEN, "LISTEN", sizeof(struct ct_listen), false, NULL,
	    ct_dump_listen),
	ROW(CT_EV_STDIN, "STDIN", sizeof(struct ct_stdin), false, NULL,
	    ct_dump_stdin),
	ROW(CT_EV_TSTATE, "TSTATE", sizeof(struct ct_tstate), false,
	    tstate_valid, ct_dump_tstate),
	ROW(CT_EV_LOST, "LOST", sizeof(struct ct_lost), false, NULL,
	    ct_dump_lost),
	ROW(CT_EV_END, "END", sizeof(struct ct_hdr), false, NULL, NULL),
	ROW(CT_EV_ADOPT, "ADOPT", offsetof(struct ct_exec, args), false,
	    exec_valid, ct_dump_exec),
	ROW(CT_EV_ARM, "ARM", sizeof(struct ct_arm_rec), true, arm_valid,
	    ct_dump_arm),
	ROW(CT_EV_OPENS, "OPENS", sizeof(struct ct_opens_rec), true,
	    ct_opens_rec_valid, NULL),
	ROW(CT_EV_NAME, "NAME", sizeof(struct ct_name_rec), false, NULL, NULL),
	ROW(CT_EV_MOUNTID, "MOUNTID", sizeof(struct ct_name_rec), false, NULL,
	    NULL),
	ROW(CT_EV_MKDIR, "MKDIR", sizeof(struct ct_mkdir), false, NULL,
	    ct_dump_mkdir),
	ROW(CT_EV_RMDIR, "RMDIR", sizeof(struct ct_mkdir), false, NULL,
	    ct_dump_mkdir),
	ROW(CT_EV_PATHS, "PATHS", sizeof(struct ct_paths_rec), true,
	    ct_paths_rec_valid, NULL),
};

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
