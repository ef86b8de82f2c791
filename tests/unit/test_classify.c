// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Classifier table tests: argv shapes captured on the target machine. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "classify.h"

#define ID64 "3ca33509a23de757bd098c565062f2208a7300dfba0c4fce59a7565ed38f2ab4"
#define ST "/run/containerd/io.containerd.runtime.v2.task/moby/" ID64

struct ccase {
	const char *name;
	const char *filename;
	const char *argv[40];
	enum ct_role role;
	enum ct_runtime rt;
	enum ct_rt_cmd cmd;
	enum ct_engine_kind eng;
	const char *id;
	bool wrapper;
};

static const struct ccase cases[] = {
	{ "shim start", "/usr/bin/containerd-shim-runc-v2",
	  { "/usr/bin/containerd-shim-runc-v2", "-namespace", "moby",
	    "-address", "/run/containerd/containerd.sock", "-publish-binary",
	    "/usr/bin/containerd", "-id", ID64, "start" },
	  CT_ROLE_SHIM_START, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_DOCKER, ID64, false },
	{ "shim", "/usr/bin/containerd-shim-runc-v2",
	  { "/usr/bin/containerd-shim-runc-v2", "-namespace", "default", "-id",
	    "ctr1", "-address", "/run/containerd/containerd.sock" },
	  CT_ROLE_SHIM, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_CONTAINERD, "ctr1", false },
	{ "shim delete", "/usr/bin/containerd-shim-runc-v2",
	  { "/usr/bin/containerd-shim-runc-v2", "-namespace", "moby",
	    "-address", "/a", "-publish-binary", "/usr/bin/containerd", "-id",
	    ID64, "-bundle", ST, "delete" },
	  CT_ROLE_SHIM_DELETE, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_DOCKER, ID64, false },
	{ "kata shim start", "/usr/bin/containerd-shim-kata-v2",
	  { "containerd-shim-kata-v2", "-namespace=k8s.io", "-id=abc", "start" },
	  CT_ROLE_SHIM_START, CT_RT_KATA, CT_CMD_NONE, CT_ENG_CRI, "abc", false },
	{ "CRI: the pod's shim names the sandbox", "/usr/bin/containerd-shim-runc-v2",
	  { "/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id",
	    ID64, "-address", "/run/containerd/containerd.sock" },
	  CT_ROLE_SHIM, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_CRI, ID64, false },
	{ "CRI: a CNI plugin (argv[0] only)", "/usr/lib/cni/bridge",
	  { "/usr/lib/cni/bridge" },
	  CT_ROLE_CNI, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "runc create", "/usr/sbin/runc",
	  { "runc", "--root", "/run/docker/runtime-runc/moby", "--log",
	    ST "/log.json", "--log-format", "json", "create", "--bundle", ST,
	    "--pid-file", ST "/init.pid", ID64 },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_CREATE, CT_ENG_UNKNOWN, ID64, false },
	{ "runc create systemd", "/usr/sbin/runc",
	  { "runc", "--systemd-cgroup", "--root", "/r", "create", "--bundle",
	    "/b/x", "c1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_CREATE, CT_ENG_UNKNOWN, "c1", false },
	{ "runc create no id: bundle", "/usr/sbin/runc",
	  { "runc", "create", "--bundle", "/b/mybundle" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_CREATE, CT_ENG_UNKNOWN,
	  "mybundle", false },
	{ "crun start", "/usr/bin/crun",
	  { "/usr/bin/crun", "--root", "/r", "--log", "/l", "--log-format",
	    "json", "start", ID64 },
	  CT_ROLE_RT_CMD, CT_RT_CRUN, CT_CMD_START, CT_ENG_UNKNOWN, ID64, false },
	{ "podman run", "/usr/bin/podman",
	  { "podman", "--root", "/r", "--cgroup-manager", "cgroupfs",
	    "--syslog", "run", "--rm", "img", "true" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_RUN, CT_ENG_PODMAN, "", false },
	{ "podman container start", "/usr/bin/podman",
	  { "/usr/bin/podman", "--log-level=debug", "container", "start",
	    "web" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_START, CT_ENG_PODMAN, "", false },
	{ "podman container restore: makes one run", "/usr/bin/podman",
	  { "podman", "--root", "/r", "--events-backend", "file", "container",
	    "restore", "--print-stats", "c1" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_START, CT_ENG_PODMAN, "", false },
	{ "runc checkpoint", "/usr/bin/runc",
	  { "/usr/bin/runc", "checkpoint", "--image-path", "/u/checkpoint",
	    "--work-path", "/u", ID64 },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_CHECKPOINT, CT_ENG_UNKNOWN, ID64, false },
	{ "runsc restore: not modelled", "/usr/bin/runsc",
	  { "runsc", "--root=/r", "restore", "--image-path", "/i", "s1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNSC, CT_CMD_OTHER, CT_ENG_UNKNOWN, "s1", false },
	{ "podman rm", "/usr/bin/podman",
	  { "podman", "--root", "/r", "rm", "-f", "-t", "0", ID64, "other" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_DELETE, CT_ENG_PODMAN, ID64, false },
	{ "podman system service", "/usr/bin/podman",
	  { "podman", "system", "service", "-t", "0" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_OTHER, CT_ENG_PODMAN, "", false },
	{ "podman: run as a global flag's value", "/usr/bin/podman",
	  { "podman", "--root", "run", "ps" },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_OTHER, CT_ENG_PODMAN, "", false },
	{ "podman container cleanup", "/usr/bin/podman",
	  { "/usr/bin/podman", "--root", "/r", "--events-backend", "file",
	    "container", "cleanup", "--rm", ID64 },
	  CT_ROLE_ENGINE_CMD, CT_RT_UNKNOWN, CT_CMD_OTHER, CT_ENG_PODMAN, "", false },
	{ "runc delete --force", "/usr/sbin/runc",
	  { "runc", "--root", "/r", "delete", "--force", "ctr1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_DELETE, CT_ENG_UNKNOWN, "ctr1", false },
	{ "runc kill id sig", "/usr/sbin/runc",
	  { "runc", "--root", "/r", "kill", "ctr1", "9" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_KILL, CT_ENG_UNKNOWN, "ctr1", false },
	{ "runc state", "/usr/sbin/runc", { "runc", "state", "ctr1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_STATE, CT_ENG_UNKNOWN, "ctr1", false },
	{ "runc features", "/usr/sbin/runc", { "runc", "features" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_OTHER, CT_ENG_UNKNOWN, "", false },
	{ "runc no args", "/usr/sbin/runc", { "runc" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_OTHER, CT_ENG_UNKNOWN, "", false },
	{ "runc run", "/usr/sbin/runc",
	  { "runc", "run", "-d", "--bundle", "/tmp/b", "r1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_RUN, CT_ENG_UNKNOWN, "r1", false },
	{ "runsc run", "/usr/bin/runsc",
	  { "runsc", "--network=none", "--platform", "ptrace", "run",
	    "--bundle", "/tmp/b", "s1" },
	  CT_ROLE_RT_CMD, CT_RT_RUNSC, CT_CMD_RUN, CT_ENG_UNKNOWN, "s1", false },
	{ "runc init", "/proc/self/exe", { "runc", "init" },
	  CT_ROLE_RT_INIT, CT_RT_RUNC, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "runsc gofer", "/proc/self/exe",
	  { "runsc-gofer", "--root=/r", "--log=/l", "--log-format=json",
	    "--log-fd=3", "gofer", "--bundle", ST, "--spec-fd=4",
	    "--io-fds=6" },
	  CT_ROLE_GOFER, CT_RT_RUNSC, CT_CMD_NONE, CT_ENG_UNKNOWN, ID64, false },
	{ "runsc sandbox", "/proc/self/exe",
	  { "runsc-sandbox", "--root=/r", "--log-fd=3", "boot",
	    "--proc-mount-sync-fd=22", "--bundle=" ST, "--cpu-num", "2",
	    "--total-memory", "25276510208", "--stdio-fds=14", ID64 },
	  CT_ROLE_SANDBOX, CT_RT_RUNSC, CT_CMD_NONE, CT_ENG_UNKNOWN, ID64, false },
	{ "dockerd runsc wrapper", "/var/lib/docker/runtimes/runsc-nn",
	  { "/bin/sh", "/var/lib/docker/runtimes/runsc-nn", "--root", "/r",
	    "--log", "/l", "--log-format", "json", "create", "--bundle", ST,
	    "--pid-file", "/p", ID64 },
	  CT_ROLE_RT_CMD, CT_RT_RUNSC, CT_CMD_CREATE, CT_ENG_UNKNOWN, ID64,
	  true },
	{ "wrapper with other name", "/var/lib/docker/runtimes/gvisor",
	  { "/bin/sh", "/var/lib/docker/runtimes/gvisor", "start", "c9" },
	  CT_ROLE_RT_CMD, CT_RT_UNKNOWN, CT_CMD_START, CT_ENG_UNKNOWN, "c9",
	  true },
	{ "user sh script is no wrapper", "/bin/sh",
	  { "/bin/sh", "/home/u/build.sh", "create", "x" },
	  CT_ROLE_NONE, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "setkey hook", "/proc/4848/exe",
	  { "libnetwork-setkey", "-exec-root=/var/run/docker", ID64,
	    "8743eccc99a4" },
	  CT_ROLE_HOOK_SETKEY, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_DOCKER,
	  ID64, false },
	{ "cni plugin", "/opt/cni/bin/bridge", { "/opt/cni/bin/bridge" },
	  CT_ROLE_CNI, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "qemu", "/usr/bin/qemu-system-x86_64",
	  { "/usr/bin/qemu-system-x86_64", "-name", "x" },
	  CT_ROLE_HYPERVISOR, CT_RT_KATA, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "firecracker", "/usr/bin/firecracker", { "firecracker", "--api-sock" },
	  CT_ROLE_HYPERVISOR, CT_RT_KATA, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "containerd", "/usr/bin/containerd", { "containerd", "--config", "x" },
	  CT_ROLE_CONTAINERD, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "dockerd", "/usr/sbin/dockerd", { "dockerd", "-H", "unix:///x" },
	  CT_ROLE_DOCKERD, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "unrelated", "/usr/bin/ls", { "ls", "-l" },
	  CT_ROLE_NONE, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "runcfoo is not runc", "/usr/bin/runcfoo", { "runcfoo", "create", "x" },
	  CT_ROLE_NONE, CT_RT_UNKNOWN, CT_CMD_NONE, CT_ENG_UNKNOWN, "", false },
	{ "bad id rejected", "/usr/sbin/runc",
	  { "runc", "create", "../../etc" },
	  CT_ROLE_RT_CMD, CT_RT_RUNC, CT_CMD_CREATE, CT_ENG_UNKNOWN, "", false },
};

static size_t pack(const char *const *argv, char *buf, size_t cap)
{
	size_t off = 0;

	for (; *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		cr_assert_leq(off + n, cap);
		memcpy(buf + off, *argv, n);
		off += n;
	}
	return off;
}

Test(classify, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		char buf[4096];
		size_t n = pack(c->argv, buf, sizeof(buf));
		struct ct_class cl;

		cr_assert_eq(ct_classify(c->filename, buf, n, &cl), 0);
		cr_expect_eq(cl.role, c->role, "%s: role %s", c->name,
			     ct_role_name(cl.role));
		cr_expect_eq(cl.runtime, c->rt, "%s: runtime %d", c->name,
			     cl.runtime);
		cr_expect_eq(cl.cmd, c->cmd, "%s: cmd %s", c->name,
			     ct_cmd_name(cl.cmd));
		cr_expect_eq(cl.engine, c->eng, "%s: engine", c->name);
		cr_expect_str_eq(cl.id, c->id, "%s: id '%s'", c->name, cl.id);
		cr_expect_eq(cl.wrapper, c->wrapper, "%s: wrapper", c->name);
	}
}

/*
 * runc's and crun's restore (argv as Podman 5.8 runs them): a create
 * that restores, which makes the record; nothing else restores.
 */
Test(classify, restore_is_a_create)
{
	static const struct {
		const char *argv[24];
		enum ct_runtime rt;
		bool restore;
	} t[] = {
		{ { "/usr/bin/runc", "--log-format=json", "--log", "/r/log",
		    "restore", "--image-path", "/u/checkpoint", "--work-path",
		    "/u", "--bundle", "/u", "--detach", "--pid-file", "/u/pid",
		    "--console-socket", "/u/sock", ID64 }, CT_RT_RUNC, true },
		{ { "/usr/bin/crun", "--log-format=json", "restore",
		    "--image-path", "/u/checkpoint", "--bundle", "/u",
		    "--detach", ID64 }, CT_RT_CRUN, true },
		{ { "/usr/bin/runc", "create", "--bundle", "/u", ID64 },
		  CT_RT_RUNC, false },
		{ { "/usr/bin/runc", "checkpoint", ID64 }, CT_RT_RUNC, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[4096];
		size_t n = pack(t[i].argv, buf, sizeof(buf));
		struct ct_class cl;

		cr_assert_eq(ct_classify(t[i].argv[0], buf, n, &cl), 0);
		cr_expect_eq(cl.runtime, t[i].rt, "case %zu: runtime", i);
		cr_expect_eq(cl.restore, t[i].restore, "case %zu: restore", i);
		cr_expect_eq(cl.creates, cl.cmd == CT_CMD_CREATE,
			     "case %zu: creates", i);
		cr_expect_str_eq(cl.id, ID64, "case %zu: id", i);
		if (t[i].restore)
			cr_expect_eq(cl.cmd, CT_CMD_CREATE, "case %zu: cmd %s",
				     i, ct_cmd_name(cl.cmd));
	}
}

/*
 * Commands that make, start, restore or remove no container ask for no
 * syscall hook (ct_class.passive); argv as the shims, Docker's
 * healthchecks, kubelet's probes and users run them.  Unknown commands
 * and none ask.
 */
Test(classify, passive_commands_only_read)
{
	static const struct {
		const char *argv[16];
		bool passive;
	} t[] = {
		{ { "runc", "--root", "/run/containerd/runc/k8s.io", "--log",
		    "/l/log.json", "--log-format", "json", "exec", "--process",
		    "/tmp/runc-process1", "--detach", "--pid-file", "/p",
		    ID64 }, true },
		{ { "runc", "--root", "/r", "state", "c1" }, true },
		{ { "runc", "ps", "c1" }, true },
		{ { "crun", "--root", "/r", "exec", "c1", "true" }, true },
		{ { "runsc", "--root=/r", "events", "--stats", "c1" }, true },
		{ { "runsc", "--root=/r", "wait", "c1" }, true },
		{ { "runc", "init" }, true },
		{ { "runc", "create", "--bundle", "/b", "c1" }, false },
		{ { "runc", "start", "c1" }, false },
		{ { "runc", "delete", "c1" }, false },
		{ { "runc", "kill", "c1", "9" }, false },
		{ { "runc", "restore", "c1" }, false },
		{ { "runc", "--version" }, false },
		{ { "runc" }, false },
		{ { "docker", "ps", "-a" }, true },
		{ { "docker", "--log-level", "debug", "container", "ls" }, true },
		{ { "docker", "-H", "unix:///x.sock", "logs", "-f", "c1" }, true },
		{ { "docker", "events" }, true },
		{ { "docker", "exec", "-it", "c1", "sh" }, true },
		{ { "docker", "images" }, true },
		{ { "docker", "image", "pull", "busybox" }, false },
		{ { "docker", "run", "--rm", "busybox", "ps" }, false },
		{ { "docker", "container", "start", "c1" }, false },
		{ { "docker", "rm", "-f", "c1" }, false },
		{ { "docker", "compose", "up" }, false },
		{ { "docker", "compose", "logs", "-f" }, true },
		{ { "docker", "--log-level", "ps", "run", "x" }, false },
		{ { "docker" }, false },
		{ { "nerdctl", "-n", "k8s.io", "ps" }, true },
		{ { "podman", "--root", "/r", "healthcheck", "run", "c1" }, true },
		{ { "podman", "pod", "ps" }, true },
		{ { "podman", "pod", "start", "p1" }, false },
		{ { "podman", "system", "service", "-t", "0" }, false },
		{ { "ctr", "-n", "k8s.io", "t", "exec", "--exec-id", "e1", "c1",
		    "sh" }, true },
		{ { "ctr", "images", "ls" }, true },
		{ { "ctr", "i", "pull", "docker.io/library/busybox:latest" },
		  false },
		{ { "ctr", "run", "--rm", "img", "c1" }, false },
		{ { "crictl", "-r", "unix:///run/containerd.sock", "ps" },
		  true },
		{ { "crictl", "inspectp", "p1" }, true },
		{ { "crictl", "runp", "pod.json" }, false },
		{ { "conmon", "--version" }, true },
		{ { "conmon", "--exec", "-c", "c1", "--exec-process-spec",
		    "/p" }, true },
		{ { "conmon", "-c", "c1", "-n", "web", "-b", "/b" }, false },
		{ { "bash", "ps" }, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[4096], line[256] = "";
		size_t n = pack(t[i].argv, buf, sizeof(buf));
		struct ct_class cl;

		for (const char *const *a = t[i].argv; *a; a++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "%s ", *a);
		cr_assert_eq(ct_classify("", buf, n, &cl), 0);
		cr_expect_eq(cl.passive, t[i].passive, "%s: passive %d", line,
			     cl.passive);
	}
}

Test(classify, empty_and_null)
{
	struct ct_class cl;

	cr_assert_eq(ct_classify("", "", 0, &cl), 0);
	cr_expect_eq(cl.role, CT_ROLE_NONE);
	cr_assert_eq(ct_classify(NULL, "", 0, &cl), -EINVAL);
	cr_assert_eq(ct_classify("x", NULL, 0, &cl), -EINVAL);
	cr_assert_eq(ct_classify("x", "", 0, NULL), -EINVAL);
	/* filename alone names the runtime when argv is empty */
	cr_assert_eq(ct_classify("/usr/sbin/runc", "", 0, &cl), 0);
	cr_expect_eq(cl.role, CT_ROLE_RT_CMD);
	cr_expect_eq(cl.cmd, CT_CMD_OTHER);
}

/* Truncated capture: the last argument has no NUL and is dropped. */
Test(classify, truncated_args)
{
	static const char a[] = "runc\0delete\0ctr1\0partial-id-wit";
	struct ct_class cl;

	cr_assert_eq(ct_classify("/usr/sbin/runc", a, sizeof(a) - 1, &cl), 0);
	cr_expect_eq(cl.cmd, CT_CMD_DELETE);
	cr_expect_str_eq(cl.id, "ctr1");
}

Test(classify, huge_argv_and_long_id)
{
	static char buf[4096];
	size_t off = 0;
	struct ct_class cl;

	memcpy(buf, "runc\0create\0", 12);
	off = 12;
	while (off + 4 < sizeof(buf)) {	/* 1000+ flags */
		memcpy(buf + off, "-d\0", 3);
		off += 3;
	}
	cr_assert_eq(ct_classify("/usr/sbin/runc", buf, off, &cl), 0);
	cr_expect_eq(cl.cmd, CT_CMD_CREATE);
	cr_expect_str_eq(cl.id, "");

	memset(buf, 'a', 300);
	buf[300] = '\0';
	cr_expect_not(ct_valid_id(buf));
	buf[CT_ID_LEN] = '\0';		/* one too long for id[] */
	cr_expect_not(ct_valid_id(buf));
	buf[CT_ID_LEN - 1] = '\0';
	cr_expect(ct_valid_id(buf));
	cr_expect_not(ct_valid_id(""));
	cr_expect_not(ct_valid_id("a/b"));
	cr_expect_not(ct_valid_id(".."));
}

/* Podman 4.3's conmon (coldtrace --dump): -c names the container, -n
 * podman's name; the exit command's arguments are podman's, not conmon's. */
Test(classify, conmon)
{
	static const char *const mon[] = {
		"/usr/bin/conmon", "--api-version", "1", "-c", ID64, "-u",
		ID64, "-r", "/usr/bin/runc", "-b", "/s/" ID64 "/userdata",
		"--exit-command", "/usr/bin/podman", "--exit-command-arg",
		"-n", "--exit-command-arg", "--name", "-n", "web_1",
		"--exit-command-arg", "-c", "--exit-command-arg", "cleanup",
		NULL };
	static const char *const probe[] = { "/usr/bin/conmon", "--version",
					     NULL };
	static const char *const ex[] = { "conmon", "-c", "c1", "-n", "w",
					  "--exec-attach", "-e", NULL };
	char buf[4096];
	struct ct_class cl;

	cr_assert_eq(ct_classify("/usr/bin/conmon", buf,
				 pack(mon, buf, sizeof(buf)), &cl), 0);
	cr_expect_eq(cl.role, CT_ROLE_MONITOR);
	cr_expect_eq(cl.engine, CT_ENG_PODMAN);
	cr_expect_str_eq(cl.id, ID64);
	cr_expect_str_eq(cl.name, "web_1");
	cr_expect(cl.creates);
	cr_assert_eq(ct_classify("/usr/bin/conmon", buf,
				 pack(probe, buf, sizeof(buf)), &cl), 0);
	cr_expect_eq(cl.role, CT_ROLE_NONE, "conmon --version is no monitor");
	cr_expect_not(cl.creates);
	cr_assert_eq(ct_classify("/usr/bin/conmon", buf,
				 pack(ex, buf, sizeof(buf)), &cl), 0);
	cr_expect_eq(cl.role, CT_ROLE_MONITOR);
	cr_expect_str_eq(cl.id, "c1");
	cr_expect_not(cl.creates, "an exec session starts no container");
}

Test(classify, names)
{
	cr_expect_str_eq(ct_role_name(CT_ROLE_SANDBOX), "sandbox");
	cr_expect_str_eq(ct_role_name(CT_ROLE_MAX), "?");
	cr_expect_str_eq(ct_cmd_name(CT_CMD_DELETE), "delete");
	cr_expect_str_eq(ct_cmd_name((enum ct_rt_cmd)99), "?");
}
