// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Podman's classifier rules (user/model/classify.h): its monitor,
 * conmon, and its client.  Argv shapes: classify.c's header.
 */
#include <stdio.h>
#include <string.h>
#include "classify_api.h"

/*
 * Podman's conmon: the container's monitor from before `<rt> create` to
 * after `<rt> delete` (it double-forks and stays), the shim's part.  -c
 * names the container, -n podman's name for it.  Without -c it is podman
 * probing `conmon --version`; with --exec it monitors a `podman exec`
 * session of a container that exists already.
 */
bool ct_podman_classify_conmon(const char *base, const struct ct_argv *v,
			       struct ct_class *out)
{
	const char *id, *name;

	if (strcmp(base, "conmon"))
		return false;
	id = ct_argv_flag(v, 1, "c");
	if (!id)
		id = ct_argv_flag(v, 1, "cid");
	if (!id)
		return true;	/* no container: CT_ROLE_NONE */
	out->role = CT_ROLE_MONITOR;
	out->engine = CT_ENG_PODMAN;
	ct_class_set_id(out, id);
	name = ct_argv_flag(v, 1, "n");
	if (!name)
		name = ct_argv_flag(v, 1, "name");
	if (name)
		snprintf(out->name, sizeof(out->name), "%s", name);
	return true;
}

/* podman's global flags that take no value; every other one does
 * (--root R, --runroot R, --cgroup-manager M, ...), unless "--x=v". */
static bool podman_bool_flag(const char *a)
{
	static const char *const b[] = {
		"--remote", "-r", "--syslog", "--trace", "--noout", "--help",
		"-h", "--version", "-v",
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (!strcmp(a, b[i]))
			return true;
	return strchr(a, '=') != NULL;
}

static const struct {
	const char *name;
	enum ct_rt_cmd cmd;
} podman_cmds[] = {
	{ "run", CT_CMD_RUN },
	{ "start", CT_CMD_START },
	{ "restart", CT_CMD_START },
	{ "restore", CT_CMD_START },
	{ "rm", CT_CMD_DELETE },
};

/* The first container argument of `podman rm [-f] [-t N] ID...`. */
static void podman_rm_id(const struct ct_argv *v, int k, struct ct_class *out)
{
	for (; k < v->argc; k++) {
		const char *a = v->argv[k];

		if (a[0] != '-') {
			ct_class_set_id(out, a);
			return;
		}
		if (!strcmp(a, "-t") || !strcmp(a, "--time") ||
		    !strcmp(a, "--cidfile"))
			k++;
	}
}

/*
 * The podman client: `podman [global flags] [container] CMD ...`.  run,
 * start and restart make a container run (the prepare phase: they exec
 * its conmon); rm removes it, after conmon is gone, so an rm naming the
 * container's full id is one of its processes (a name or a short id
 * is not attributed).  Other commands: CT_CMD_OTHER.
 */
bool ct_podman_classify_client(const char *base, const struct ct_argv *v,
			       struct ct_class *out)
{
	int k;

	if (strcmp(base, "podman"))
		return false;
	out->role = CT_ROLE_ENGINE_CMD;
	out->engine = CT_ENG_PODMAN;
	out->cmd = CT_CMD_OTHER;
	for (k = 1; k < v->argc && v->argv[k][0] == '-'; k++)
		k += !podman_bool_flag(v->argv[k]);
	if (k < v->argc && !strcmp(v->argv[k], "container"))
		k++;
	if (k >= v->argc)
		return true;
	for (size_t i = 0; i < sizeof(podman_cmds) / sizeof(podman_cmds[0]);
	     i++)
		if (!strcmp(v->argv[k], podman_cmds[i].name))
			out->cmd = podman_cmds[i].cmd;
	if (out->cmd == CT_CMD_DELETE)
		podman_rm_id(v, k + 1, out);
	return true;
}
