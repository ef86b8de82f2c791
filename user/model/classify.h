/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exec classifier: (filename, argv) -> what the process is in the
 * container machinery (shim, runtime command, gofer, sandbox, hook, ...),
 * which runtime, which container id.  Pure function, no state: the
 * process table (proc.c) adds the context (who forked whom).
 */
#ifndef __CT_CLASSIFY_H
#define __CT_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include "container.h"

enum ct_role {
	CT_ROLE_NONE,
	CT_ROLE_CONTAINERD,
	CT_ROLE_DOCKERD,
	CT_ROLE_SHIM_START,	/* containerd-shim-* ... start (attach) */
	CT_ROLE_SHIM,		/* the long-running shim */
	CT_ROLE_SHIM_DELETE,	/* containerd-shim-* ... delete (cleanup) */
	CT_ROLE_RT_CMD,		/* runc|crun|runsc <cmd>, or dockerd's sh wrapper */
	CT_ROLE_RT_INIT,	/* runc init */
	CT_ROLE_GOFER,		/* runsc gofer */
	CT_ROLE_SANDBOX,	/* runsc boot (the sentry) */
	CT_ROLE_HOOK_SETKEY,	/* docker's libnetwork-setkey prestart hook */
	CT_ROLE_CNI,		/* a CNI plugin (no id in argv) */
	CT_ROLE_HYPERVISOR,	/* qemu-system-*, cloud-hypervisor, firecracker */
	CT_ROLE_MONITOR,	/* Podman's conmon: the shim's place */
	CT_ROLE_ENGINE_CMD,	/* a podman client: run, start, rm, ... */
	CT_ROLE_USER,		/* set by the tracker: the container's program */
	CT_ROLE_MAX,
};

enum ct_rt_cmd {
	CT_CMD_NONE,
	CT_CMD_CREATE,
	CT_CMD_START,
	CT_CMD_DELETE,
	CT_CMD_RUN,
	CT_CMD_KILL,
	CT_CMD_STATE,
	CT_CMD_CHECKPOINT,	/* runc|crun checkpoint ID: CRIU dumps it */
	CT_CMD_OTHER,		/* features, list, exec, ps, ... */
	CT_CMD_MAX,
};

struct ct_class {
	enum ct_role role;
	enum ct_runtime runtime;	/* CT_RT_UNKNOWN if argv does not say */
	enum ct_rt_cmd cmd;		/* for CT_ROLE_RT_CMD, _ENGINE_CMD */
	enum ct_engine_kind engine;	/* hint: shim namespace, setkey hook */
	bool wrapper;			/* runtime run through an sh script */
	/* runc|crun restore: a create whose processes CRIU recreates from
	 * a checkpoint (cmd CT_CMD_CREATE; struct ct_restore) */
	bool restore;
	/* this exec starts a container record keyed by id (a shim's -id,
	 * a runtime's create/run id); the one place that says so */
	bool creates;
	/*
	 * makes, starts, restores and removes no container: an engine
	 * client's or runtime's command that only reads (an exec into a
	 * running one, a listing, logs: user/engines/client_cmds.c), conmon
	 * for an exec session or a probe, a runtime's init, gofer or
	 * sandbox (under their runtime's command): no syscall hook is
	 * attached for it (user/kern/arm.h)
	 */
	bool passive;
	char id[CT_ID_LEN];		/* "" if argv names no container */
	char name[CT_NAME_LEN];		/* the engine's name for it, or "" */
	/* a runtime command's --bundle when absolute and whole, or "": its
	 * config.json holds what the engine says of the container */
	char bundle[CT_PATH_MAX];
};

/*
 * Classify one exec.  args is the NUL separated argv block (args_len
 * bytes, need not end with a NUL).  Returns 0, or -EINVAL if an argument
 * is NULL.  Unknown programs give CT_ROLE_NONE.
 */
int ct_classify(const char *filename, const char *args, size_t args_len,
		struct ct_class *out);

const char *ct_role_name(enum ct_role r);
const char *ct_cmd_name(enum ct_rt_cmd c);

/* A container id as runtimes accept it: [A-Za-z0-9_.+-], 1..CT_ID_LEN-1. */
bool ct_valid_id(const char *s);

/* What a CNI plugin was asked, from its environment (CT_EV_CNI_ENV). */
enum ct_cni_cmd {
	CT_CNI_UNREAD,		/* CNI_COMMAND or CNI_CONTAINERID not found,
				 * invalid, or twice: not attributable */
	CT_CNI_ADD,
	CT_CNI_DEL,
	CT_CNI_OTHER,		/* CHECK, VERSION, GC, STATUS: no phase */
};

struct ct_cni_vars {
	enum ct_cni_cmd cmd;
	char id[CT_ID_LEN];		/* CNI_CONTAINERID (ADD, DEL) */
	char netns[CT_PATH_MAX];	/* CNI_NETNS, "" if none */
};

/*
 * Parse the environment block env (len bytes of NUL separated
 * NAME=value strings, from an untrusted process; need not end with a
 * NUL).  cut: env is the tail of a longer block, so its first string may
 * be a piece and is skipped.  Only whole strings count, a name only at
 * the start of one (XCNI_CONTAINERID= is not CNI_CONTAINERID=); values
 * are checked (the id as ct_valid_id(), the netns an absolute printable
 * path).  Returns out->cmd.
 */
enum ct_cni_cmd ct_cni_env_parse(const char *env, size_t len, bool cut,
				 struct ct_cni_vars *out);

/*
 * The same block reduced in place to the whole strings the parser reads
 * (every CNI_COMMAND=, CNI_CONTAINERID= and CNI_NETNS=, duplicates
 * included): what --record keeps of a plugin's environment, which is
 * containerd's and may hold secrets.  Parsing the result (not cut) gives
 * what parsing the original gave.  Returns its length.
 */
size_t ct_cni_env_keep(char *env, size_t len, bool cut);

#endif /* __CT_CLASSIFY_H */
