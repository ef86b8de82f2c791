// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exec classifier.  Everything is table driven: one table of runtimes,
 * one of runtime subcommands, one of flags that take a separate value,
 * one of other programs, and the rules by argv in order (by_argv(): the
 * shim's here, then an engine's own programs' in its file, user/engines/
 * <engine>_classify.c, through its row's classify[] in engine.h).  Argv shapes seen on
 * this machine (strace of dockerd 20.10 + containerd 1.6):
 *
 *   containerd-shim-runc-v2 -namespace moby -address A -publish-binary B
 *                           -id ID start            (attach; forks:)
 *   containerd-shim-runc-v2 -namespace moby -id ID -address A   (shim)
 *   containerd-shim-runc-v2 ... -id ID -bundle B delete         (cleanup)
 *   runc --root R --log L --log-format json create --bundle B
 *        --pid-file P ID
 *   runc init                              (filename /proc/self/exe)
 *   /bin/sh /var/lib/docker/runtimes/runsc-x --root R ... create ... ID
 *        (dockerd's wrapper; sh then forks /usr/bin/runsc)
 *   runsc-gofer --root=R ... gofer --bundle B --spec-fd=4 ...
 *   runsc-sandbox --root=R ... boot --bundle=B --cpu-num 2 ... ID
 *   libnetwork-setkey -exec-root=E ID CONTROLLER (filename /proc/N/exe)
 *
 * Podman 4.3 (rootful, strace and coldtrace --dump):
 *   conmon --api-version 1 -c ID -u ID -r /usr/bin/runc -b B -p P -n NAME
 *          ... --exit-command /usr/bin/podman --exit-command-arg ARG ...
 *   conmon --version                      (podman probing it: no container)
 *   podman --root R --runroot R ... run --rm --network none IMAGE ARGS
 *   podman ... rm -f -t 0 ID                (its removal outlives conmon)
 *
 * containerd 1.6's CRI plugin (coldtrace --dump of a pod, docs/phases.md):
 *   /usr/lib/cni/bridge, /usr/lib/cni/loopback   (argv[0] only; by containerd)
 *   containerd-shim-runc-v2 -namespace k8s.io ... -id SANDBOX start, the
 *        pod's shim (-id SANDBOX), then per app container
 *   containerd-shim-runc-v2 -namespace k8s.io ... -id APP start (exits)
 *   runc --root /run/containerd/runc/k8s.io ... create ... APP  (by the
 *        pod's shim)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"
#include "classify_api.h"
#include "comm_table.h"
#include "engine_api.h"
#include "util.h"

bool ct_valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (n >= CT_ID_LEN - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.' || c == '+'))
			return false;
	}
	return n > 0 && strcmp(s, ".") && strcmp(s, "..");
}

void ct_class_set_id(struct ct_class *out, const char *id)
{
	if (id && ct_valid_id(id))
		snprintf(out->id, sizeof(out->id), "%s", id);
}

/* --- runtimes ---------------------------------------------------------- */

static const struct {
	const char *name;
	enum ct_runtime rt;
} runtimes[] = {
	/* runsc before runc: neither is a prefix of the other, but keep the
	 * longer names first anyway for substring matches on script names */
	{ "runsc", CT_RT_RUNSC },
	{ "runc", CT_RT_RUNC },
	{ "crun", CT_RT_CRUN },
};

/* Exact name, or name-suffix (runsc-gofer, runsc-sandbox). */
static enum ct_runtime runtime_of_prog(const char *base)
{
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		size_t n = strlen(runtimes[i].name);

		if (!strncmp(base, runtimes[i].name, n) &&
		    (base[n] == '\0' || base[n] == '-'))
			return runtimes[i].rt;
	}
	return CT_RT_UNKNOWN;
}

/* A wrapper script is named after the daemon.json runtime entry. */
static enum ct_runtime runtime_in_name(const char *base)
{
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (strstr(base, runtimes[i].name))
			return runtimes[i].rt;
	return CT_RT_UNKNOWN;
}

static const struct {
	const char *name;
	enum ct_role role;
	enum ct_rt_cmd cmd;
} subcmds[] = {
	{ "create", CT_ROLE_RT_CMD, CT_CMD_CREATE },
	{ "start", CT_ROLE_RT_CMD, CT_CMD_START },
	{ "delete", CT_ROLE_RT_CMD, CT_CMD_DELETE },
	{ "run", CT_ROLE_RT_CMD, CT_CMD_RUN },
	{ "kill", CT_ROLE_RT_CMD, CT_CMD_KILL },
	{ "state", CT_ROLE_RT_CMD, CT_CMD_STATE },
	{ "init", CT_ROLE_RT_INIT, CT_CMD_NONE },
	{ "gofer", CT_ROLE_GOFER, CT_CMD_NONE },
	{ "boot", CT_ROLE_SANDBOX, CT_CMD_NONE },
	{ "exec", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "features", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "list", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "ps", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "pause", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "resume", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "events", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "update", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "spec", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "checkpoint", CT_ROLE_RT_CMD, CT_CMD_CHECKPOINT },
	{ "restore", CT_ROLE_RT_CMD, CT_CMD_CREATE },
	{ "wait", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "debug", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "version", CT_ROLE_RT_CMD, CT_CMD_OTHER },
	{ "help", CT_ROLE_RT_CMD, CT_CMD_OTHER },
};

#define N_SUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

/* Flags (runc, crun, runsc; global and per command) whose value may be
 * the next argument.  "--x=v" forms need no entry. */
static const char *const value_flags[] = {
	"root", "log", "log-format", "criu", "rootless", "cgroup-manager",
	"bundle", "b", "pid-file", "console-socket", "preserve-fds",
	"process", "p", "cwd", "env", "e", "user", "u", "additional-gids",
	"g", "cap", "c", "apparmor", "process-label", "signal", "s",
	"debug-log", "panic-log", "platform", "network", "file-access",
	"overlay2", "log-fd", "debug-log-fd", "panic-log-fd", "spec-fd",
	"mounts-fd", "start-sync-fd", "io-fds", "user-log-fd",
	"controller-fd", "stdio-fds", "cpu-num", "total-memory",
	"proc-mount-sync-fd", "overlay-filestore-fd", "sync-userns-fd",
	"profile-block", "profile-cpu", "profile-heap", "profile-mutex",
	"trace", "strace-syscalls", "strace-log-size", "rootless-cgroup",
	"namespace", "address", "publish-binary", "id", "exec-root",
};

static bool takes_value(const char *arg)
{
	while (*arg == '-')
		arg++;
	if (strchr(arg, '='))
		return false;
	for (size_t i = 0; i < sizeof(value_flags) / sizeof(value_flags[0]);
	     i++)
		if (!strcmp(arg, value_flags[i]))
			return true;
	return false;
}

/* Flags whose value is an argument of another program (conmon's exit
 * command and runtime): it may look like a flag, and is never ours. */
static bool passes_through(const char *a)
{
	return !strcmp(a, "--exit-command-arg") ||
	       !strcmp(a, "--runtime-arg") || !strcmp(a, "--runtime-opt");
}

/* Value of "-name V", "--name V", "-name=V" or "--name=V", or NULL. */
const char *ct_argv_flag(const struct ct_argv *v, int from,
			 const char *name)
{
	size_t n = strlen(name);

	for (int i = from; i < v->argc; i++) {
		const char *a = v->argv[i];

		if (a[0] != '-')
			continue;
		if (passes_through(a)) {
			i++;
			continue;
		}
		a += (a[1] == '-') ? 2 : 1;
		if (strncmp(a, name, n))
			continue;
		if (a[n] == '=')
			return a + n + 1;
		if (a[n] == '\0' && i + 1 < v->argc)
			return v->argv[i + 1];
	}
	return NULL;
}

/* Positional arguments from index `from`, skipping flags and the values
 * of flags known to take one.  Returns how many were stored. */
int ct_argv_positionals(const struct ct_argv *v, int from, int idx[],
			int max)
{
	int n = 0;

	for (int i = from; i < v->argc && n < max; i++) {
		const char *a = v->argv[i];

		if (a[0] == '-' && a[1]) {
			if (takes_value(a))
				i++;
			continue;
		}
		idx[n++] = i;
	}
	return n;
}

static int find_subcmd(const char *a)
{
	for (size_t i = 0; i < N_SUBCMDS; i++)
		if (!strcmp(a, subcmds[i].name))
			return (int)i;
	return -1;
}

/* argv[from..]: [global flags] SUBCMD [flags] [ID].  The first positional
 * that is a known subcommand names it; the container id is the last
 * positional after it (first for kill: "kill ID SIGNAL"), else the
 * basename of --bundle. */
static void classify_runtime_args(const struct ct_argv *v, int from,
				  struct ct_class *out)
{
	int pos[CT_ARGV_MAX], npos, sc = -1, at = -1;
	const char *b;

	npos = ct_argv_positionals(v, from, pos, CT_ARGV_MAX);
	for (int i = 0; i < npos && sc < 0; i++) {
		sc = find_subcmd(v->argv[pos[i]]);
		at = i;
	}
	if (sc < 0) {
		out->role = CT_ROLE_RT_CMD;
		out->cmd = CT_CMD_OTHER;
		return;
	}
	out->role = subcmds[sc].role;
	out->cmd = subcmds[sc].cmd;
	out->restore = !strcmp(subcmds[sc].name, "restore");
	out->passive = out->role == CT_ROLE_RT_CMD &&
		       ct_cmd_reads(subcmds[sc].name);
	if (at + 1 < npos) {
		int k = out->cmd == CT_CMD_KILL ? at + 1 : npos - 1;

		ct_class_set_id(out, v->argv[pos[k]]);
	}
	b = ct_argv_flag(v, pos[at] + 1, "bundle");
	if (!b)
		b = ct_argv_flag(v, pos[at] + 1, "b");
	if (b && b[0] == '/' && strlen(b) < sizeof(out->bundle))
		strcpy(out->bundle, b);
	if (!out->id[0] && b)
		ct_class_set_id(out, ct_basename(b));
}

/* --- shims --------------------------------------------------------------- */

static const struct {
	const char *prefix;
	enum ct_runtime rt;
} shims[] = {
	{ "containerd-shim-kata-v2", CT_RT_KATA },
	{ "containerd-shim-runsc-v1", CT_RT_RUNSC },
	{ "containerd-shim-runc-v2", CT_RT_UNKNOWN },
	{ "containerd-shim-runc-v1", CT_RT_UNKNOWN },
	{ "containerd-shim", CT_RT_UNKNOWN },
};

/* containerd's namespace says who asked: dockerd uses "moby", the CRI
 * plugin "k8s.io" (its default; a `ctr -n k8s.io` container is taken for
 * a pod's), everything else is a containerd client such as ctr: the
 * engines' rows say which (engine.h ctrd_ns). */
static enum ct_engine_kind engine_of_namespace(const char *ns)
{
	enum ct_engine_kind other = CT_ENG_UNKNOWN;

	for (int k = 0; k < CT_ENG_MAX; k++) {
		const struct ct_engine *e = ct_engine(k);

		if (e->ctrd_ns && !strcmp(ns, e->ctrd_ns))
			return k;
		if (e->ctrd_ns_other)
			other = k;
	}
	return other;
}

static bool classify_shim(const char *base, const struct ct_argv *v,
			  struct ct_class *out)
{
	int pos[4], npos;
	const char *ns;

	for (size_t i = 0; i < sizeof(shims) / sizeof(shims[0]); i++) {
		if (strncmp(base, shims[i].prefix, strlen(shims[i].prefix)))
			continue;
		out->runtime = shims[i].rt;
		out->role = CT_ROLE_SHIM;
		npos = ct_argv_positionals(v, 1, pos, 4);
		if (npos > 0 && !strcmp(v->argv[pos[npos - 1]], "start"))
			out->role = CT_ROLE_SHIM_START;
		else if (npos > 0 && !strcmp(v->argv[pos[npos - 1]], "delete"))
			out->role = CT_ROLE_SHIM_DELETE;
		ct_class_set_id(out, ct_argv_flag(v, 1, "id"));
		ns = ct_argv_flag(v, 1, "namespace");
		if (ns)
			out->engine = engine_of_namespace(ns);
		return true;
	}
	return false;
}

/* --- other programs ------------------------------------------------------ */

static bool has_flag(const struct ct_argv *v, const char *flag)
{
	for (int i = 1; i < v->argc; i++) {
		if (passes_through(v->argv[i]))
			i++;
		else if (!strcmp(v->argv[i], flag))
			return true;
	}
	return false;
}

static const struct {
	const char *name;
	bool prefix;
	enum ct_role role;
} programs[] = {
	{ "containerd", false, CT_ROLE_CONTAINERD },
	{ "dockerd", false, CT_ROLE_DOCKERD },
	{ "qemu-system-", true, CT_ROLE_HYPERVISOR },
	{ "cloud-hypervisor", false, CT_ROLE_HYPERVISOR },
	{ "firecracker", false, CT_ROLE_HYPERVISOR },
};

static bool classify_program(const char *base, struct ct_class *out)
{
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		size_t n = strlen(programs[i].name);

		if (programs[i].prefix ? !strncmp(base, programs[i].name, n)
				       : !strcmp(base, programs[i].name)) {
			out->role = programs[i].role;
			if (out->role == CT_ROLE_HYPERVISOR)
				out->runtime = CT_RT_KATA;
			return true;
		}
	}
	return false;
}

/* CNI plugins live in the directories of CT_CNI_DIRS; the container id
 * is only in their environment (CNI_CONTAINERID), not in argv. */
static bool classify_cni(const char *filename, struct ct_class *out)
{
	static const char dirs[][CT_CNI_DIR_LEN] = CT_CNI_DIRS;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		if (!strncmp(filename, dirs[d], strlen(dirs[d]))) {
			out->role = CT_ROLE_CNI;
			return true;
		}
	}
	return false;
}

/* --- a CNI plugin's environment ------------------------------------------ */

enum { CNI_VAR_COMMAND, CNI_VAR_CONTAINERID, CNI_VAR_NETNS, CNI_VAR_MAX };

static const char *const cni_var_names[CNI_VAR_MAX] = {
	[CNI_VAR_COMMAND] = "CNI_COMMAND=",
	[CNI_VAR_CONTAINERID] = "CNI_CONTAINERID=",
	[CNI_VAR_NETNS] = "CNI_NETNS=",
};

static enum ct_cni_cmd cni_cmd_of(const char *v)
{
	static const char *const other[] = { "CHECK", "VERSION", "GC",
					     "STATUS" };

	if (!strcmp(v, "ADD"))
		return CT_CNI_ADD;
	if (!strcmp(v, "DEL"))
		return CT_CNI_DEL;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (!strcmp(v, other[i]))
			return CT_CNI_OTHER;
	return CT_CNI_UNREAD;
}

/* An absolute path of printable ASCII, or nothing (a DEL may have none). */
static bool cni_netns_ok(const char *v)
{
	if (!v[0])
		return true;
	if (v[0] != '/')
		return false;
	for (; *v; v++)
		if (*v <= ' ' || *v >= 0x7f)
			return false;
	return true;
}

/* The variable s (l bytes, no NUL) is; CNI_VAR_MAX if none of ours. */
static int cni_var_of(const char *s, size_t l)
{
	for (int k = 0; k < CNI_VAR_MAX; k++) {
		size_t n = strlen(cni_var_names[k]);

		if (l >= n && !memcmp(s, cni_var_names[k], n))
			return k;
	}
	return CNI_VAR_MAX;
}

/* Where the whole strings of env begin: with cut, the first may be the
 * end of a longer one. */
static size_t cni_first(const char *env, size_t len, bool cut)
{
	const char *z = cut ? memchr(env, '\0', len) : NULL;

	if (!cut)
		return 0;
	return z ? (size_t)(z - env) + 1 : len;
}

/* The next whole string at *i (s, l bytes without its NUL); false at the
 * end or at an unterminated rest, which is no whole string. */
static bool cni_next(const char *env, size_t len, size_t *i, const char **s,
		     size_t *l)
{
	const char *z;

	if (*i >= len)
		return false;
	*s = env + *i;
	z = memchr(*s, '\0', len - *i);
	if (!z)
		return false;
	*l = (size_t)(z - *s);
	*i += *l + 1;
	return true;
}

/* Each of ours once, its value fitting val[k] (else the whole is void). */
static bool cni_collect(const char *env, size_t len, bool cut,
			char val[CNI_VAR_MAX][CT_PATH_MAX])
{
	bool seen[CNI_VAR_MAX] = { false };
	size_t i = cni_first(env, len, cut), l, n;
	const char *s;
	int k;

	while (cni_next(env, len, &i, &s, &l)) {
		k = cni_var_of(s, l);
		if (k == CNI_VAR_MAX)
			continue;
		n = strlen(cni_var_names[k]);
		if (seen[k] || l - n >= CT_PATH_MAX)
			return false;
		seen[k] = true;
		memcpy(val[k], s + n, l - n);
		val[k][l - n] = '\0';
	}
	return seen[CNI_VAR_COMMAND];
}

size_t ct_cni_env_keep(char *env, size_t len, bool cut)
{
	size_t i = cni_first(env, len, cut), o = 0, l;
	const char *s;

	while (cni_next(env, len, &i, &s, &l)) {
		if (cni_var_of(s, l) == CNI_VAR_MAX)
			continue;
		memmove(env + o, s, l + 1);	/* o <= s - env: moves down */
		o += l + 1;
	}
	return o;
}

enum ct_cni_cmd ct_cni_env_parse(const char *env, size_t len, bool cut,
				 struct ct_cni_vars *out)
{
	char val[CNI_VAR_MAX][CT_PATH_MAX] = { { 0 } };

	memset(out, 0, sizeof(*out));
	if (!env || !cni_collect(env, len, cut, val))
		return CT_CNI_UNREAD;
	out->cmd = cni_cmd_of(val[CNI_VAR_COMMAND]);
	if (out->cmd != CT_CNI_ADD && out->cmd != CT_CNI_DEL)
		return out->cmd;
	if (!ct_valid_id(val[CNI_VAR_CONTAINERID]) ||
	    !cni_netns_ok(val[CNI_VAR_NETNS])) {
		out->cmd = CT_CNI_UNREAD;
		return out->cmd;
	}
	ct_copy_str(out->id, sizeof(out->id), val[CNI_VAR_CONTAINERID],
		    CT_PATH_MAX);
	ct_copy_str(out->netns, sizeof(out->netns), val[CNI_VAR_NETNS],
		    CT_PATH_MAX);
	return out->cmd;
}

static bool is_shell(const char *base)
{
	return !strcmp(base, "sh") || !strcmp(base, "bash") ||
	       !strcmp(base, "dash");
}

/* dockerd runs non-default runtimes through a generated script in
 * <data-root>/runtimes/<name>: "sh SCRIPT ARGS..." after the kernel's
 * shebang rewrite, or SCRIPT as the exec filename. */
static bool classify_wrapper(const char *filename, const struct ct_argv *v,
			     struct ct_class *out)
{
	const char *script;
	enum ct_runtime rt;

	if (v->argc < 2 || !is_shell(ct_basename(v->argv[0])) ||
	    v->argv[1][0] != '/')
		return false;
	script = v->argv[1];
	rt = runtime_in_name(ct_basename(script));
	if (rt == CT_RT_UNKNOWN && !strstr(script, "/runtimes/"))
		return false;
	if (rt == CT_RT_UNKNOWN)
		rt = runtime_in_name(ct_basename(filename));
	classify_runtime_args(v, 2, out);
	if (out->role != CT_ROLE_RT_CMD || out->cmd == CT_CMD_OTHER) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	out->runtime = rt;
	out->wrapper = true;
	return true;
}

/*
 * A containerd shim v2 serves one container whose id is its -id (docker,
 * ctr).  Under CRI one shim serves a pod and its -id names the sandbox,
 * which is a container too (the pause program); each app container still
 * gets a `shim ... -id APP start` exec of its own (it finds the pod's
 * shim and exits), and the pod's shim runs the app's runtime commands,
 * which name the app: records stay keyed by the runtime's id.  conmon
 * monitors the container its -c names, unless it monitors an exec session
 * in one.  A runtime's create or run names the container it makes.
 */
static bool creates_container(const struct ct_class *cl,
			      const struct ct_argv *v)
{
	switch (cl->role) {
	case CT_ROLE_SHIM_START:
	case CT_ROLE_SHIM:
		return true;
	case CT_ROLE_MONITOR:
		return !has_flag(v, "--exec") && !has_flag(v, "-e");
	case CT_ROLE_RT_CMD:
		return cl->cmd == CT_CMD_CREATE || cl->cmd == CT_CMD_RUN;
	default:
		return false;
	}
}

/* A restore is modelled for runc and crun, whose CRIU clones the
 * restored pid 1 (tracker_restore.c); runsc's and others' stay other
 * commands. */
static void restore_runtimes(struct ct_class *out)
{
	if (!out->restore || out->runtime == CT_RT_RUNC ||
	    out->runtime == CT_RT_CRUN)
		return;
	out->restore = false;
	out->cmd = CT_CMD_OTHER;
}

/* See ct_class.passive; after the rules. */
static bool passive(const struct ct_class *cl, const char *base,
		    const struct ct_argv *v)
{
	switch (cl->role) {
	case CT_ROLE_RT_INIT:
	case CT_ROLE_GOFER:
	case CT_ROLE_SANDBOX:
		return true;	/* their runtime's command asked */
	case CT_ROLE_RT_CMD:
		return cl->passive;	/* classify_runtime_args() */
	case CT_ROLE_MONITOR:
		return has_flag(v, "--exec") || has_flag(v, "-e");
	case CT_ROLE_NONE:	/* conmon probed (no container), a client */
		if (ct_prog_is(base, CT_PROG_CONMON))
			return true;
		/* fall through */
	case CT_ROLE_ENGINE_CMD:
		return ct_client_cmd_reads(base, v);
	default:
		return false;
	}
}

/* Rules by argv[0]'s basename and argv, in order: the shim's here,
 * each engine's own in its file (user/engines/). */
/* The shim's rule, then each engine's rules in the table's order. */
static bool by_argv(const char *base, const struct ct_argv *v,
		    struct ct_class *out)
{
	const ct_classify_rule *r;

	if (classify_shim(base, v, out))
		return true;
	for (int k = 0; k < CT_ENG_MAX; k++)
		for (r = ct_engine(k)->classify; r && *r; r++)
			if ((*r)(base, v, out))
				return true;
	return false;
}

int ct_classify(const char *filename, const char *args, size_t args_len,
		struct ct_class *out)
{
	struct ct_argv v;
	const char *base;
	enum ct_runtime rt;

	if (!filename || !args || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	ct_argv_split(args, args_len, &v);
	/* argv[0] names re-exec'd binaries (/proc/self/exe) best */
	base = ct_basename(v.argc > 0 && v.argv[0][0] ? v.argv[0] : filename);

	if (by_argv(base, &v, out))
		goto out;
	if (classify_program(base, out) || classify_cni(filename, out) ||
	    classify_wrapper(filename, &v, out))
		goto out;

	rt = runtime_of_prog(base);
	if (rt == CT_RT_UNKNOWN)
		rt = runtime_of_prog(ct_basename(filename));
	if (rt == CT_RT_UNKNOWN)
		goto out;
	out->runtime = rt;
	classify_runtime_args(&v, 1, out);
out:
	restore_runtimes(out);
	out->creates = creates_container(out, &v);
	out->passive = passive(out, base, &v);
	return 0;
}

static const char *const role_names[CT_ROLE_MAX] = {
	[CT_ROLE_NONE] = "none",
	[CT_ROLE_CONTAINERD] = "containerd",
	[CT_ROLE_DOCKERD] = "dockerd",
	[CT_ROLE_SHIM_START] = "shim-start",
	[CT_ROLE_SHIM] = "shim",
	[CT_ROLE_SHIM_DELETE] = "shim-delete",
	[CT_ROLE_RT_CMD] = "runtime",
	[CT_ROLE_RT_INIT] = "runtime-init",
	[CT_ROLE_GOFER] = "gofer",
	[CT_ROLE_SANDBOX] = "sandbox",
	[CT_ROLE_HOOK_SETKEY] = "setkey-hook",
	[CT_ROLE_CNI] = "cni",
	[CT_ROLE_HYPERVISOR] = "hypervisor",
	[CT_ROLE_MONITOR] = "monitor",
	[CT_ROLE_ENGINE_CMD] = "engine-cmd",
	[CT_ROLE_USER] = "user",
};

const char *ct_role_name(enum ct_role r)
{
	return (unsigned)r < CT_ROLE_MAX ? role_names[r] : "?";
}

static const char *const cmd_names[CT_CMD_MAX] = {
	[CT_CMD_NONE] = "none",	    [CT_CMD_CREATE] = "create",
	[CT_CMD_START] = "start",   [CT_CMD_DELETE] = "delete",
	[CT_CMD_RUN] = "run",	    [CT_CMD_KILL] = "kill",
	[CT_CMD_CHECKPOINT] = "checkpoint",
	[CT_CMD_STATE] = "state",   [CT_CMD_OTHER] = "other",
};

const char *ct_cmd_name(enum ct_rt_cmd c)
{
	return (unsigned)c < CT_CMD_MAX ? cmd_names[c] : "?";
}
