// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which commands of engine clients (docker, nerdctl, podman, ctr,
 * crictl) and runtimes (runc, crun, runsc) only read: they make, start,
 * restore and remove no container (ct_class.passive, user/model/classify.h).
 * A listing, logs, events, an exec into a running container: Docker's
 * healthchecks and Kubernetes' exec probes run `runc exec` every few
 * seconds per container, monitors `docker ps`, and none of them needs
 * the syscall hooks (user/kern/arm.h).  A command not named here, or
 * none (`runc --version`), is not passive: a new command asks for the
 * hooks until it is known to only read.
 */
#include <string.h>
#include "classify_api.h"
#include "comm_table.h"

static bool in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

bool ct_cmd_reads(const char *cmd)
{
	static const char *const reads[] = {
		/* clients */
		"attach", "cp", "df", "diff", "events", "exec", "exists",
		"export", "healthcheck", "help", "history", "images", "img",
		"info", "inspect", "inspecti", "inspectp", "imagefsinfo",
		"list", "login", "logout", "logs", "ls", "metrics", "metricsp",
		"pods", "port", "ps", "rename", "save", "search", "stats",
		"statsp", "tag", "top", "version", "wait",
		/* runtimes (some are clients' too) */
		"checkpoint", "debug", "features", "pause", "resume", "spec",
		"state", "unpause", "update",
		NULL,
	};

	return in(cmd, reads);
}

/*
 * The clients' global flags that take the next argument as their value
 * (a union: a flag that takes none in another client only hides the
 * command, which then asks).
 */
static bool client_value_flag(const char *a)
{
	static const char *const f[] = {
		/* docker, nerdctl */
		"-H", "--host", "--config", "-c", "--context", "-l",
		"--log-level", "--tlscacert", "--tlscert", "--tlskey", "-a",
		"--address", "-n", "--namespace", "--snapshotter",
		"--cni-path", "--cni-netconfpath", "--data-root",
		"--host-gateway-ip", "--cgroup-manager",
		/* podman */
		"--root", "--runroot", "--storage-driver", "--storage-opt",
		"--url", "--connection", "--identity", "--events-backend",
		"--hooks-dir", "--module", "--tmpdir", "--volumepath",
		"--imagestore", "--runtime", "--conmon", "--ssh",
		"--network-cmd-path", "--network-config-dir",
		/* ctr, crictl */
		"--timeout", "--connect-timeout", "-r", "--runtime-endpoint",
		"-i", "--image-endpoint", "-t",
		NULL,
	};

	return !strchr(a, '=') && in(a, f);
}

/* Words that name a kind of object, the command after them. */
static bool client_group(const char *base, const char *w)
{
	static const char *const groups[] = {
		"builder", "buildx", "c", "compose", "container", "containers",
		"content", "context", "generate", "image", "kube", "lease",
		"leases", "machine", "manifest", "namespace", "namespaces",
		"network", "ns", "plugin", "plugins", "pod", "secret",
		"snapshot", "snapshots", "system", "t", "task", "tasks",
		"trust", "volume",
		NULL,
	};
	/* ctr's images are a kind (`ctr images pull`), docker's a command */
	static const char *const ctr_groups[] = { "images", "i", NULL };

	return in(w, groups) ||
	       (!strcmp(base, ct_prog_name(CT_PROG_CTR)) && in(w, ctr_groups));
}

/* The index of the argument at or after k that is no flag or flag value. */
static int next_word(const struct ct_argv *v, int k)
{
	for (; k < v->argc && v->argv[k][0] == '-'; k++)
		k += client_value_flag(v->argv[k]);
	return k;
}

static bool client_prog(const char *base)
{
	static const enum ct_prog clients[] = {
		CT_PROG_DOCKER, CT_PROG_NERDCTL, CT_PROG_PODMAN, CT_PROG_CTR,
		CT_PROG_CRICTL,
	};

	for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++)
		if (ct_prog_is(base, clients[i]))
			return true;
	return false;
}

bool ct_client_cmd_reads(const char *base, const struct ct_argv *v)
{
	int k = next_word(v, 1);

	if (!client_prog(base))
		return false;
	if (k < v->argc && client_group(base, v->argv[k]))
		k = next_word(v, k + 1);
	return k < v->argc && ct_cmd_reads(v->argv[k]);
}
