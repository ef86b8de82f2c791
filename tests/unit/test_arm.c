// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Idle-host arming (user/kern/arm.h): when the live session
 * detaches and attaches the syscall hooks, and how the tracker judges a
 * container against the CT_EV_ARM records: one whose runtime began while
 * the hooks were detached is marked unarmed and counted, never trusted.
 */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "arm.h"
#include "prom.h"
#include "pull.h"
#include "fixture.h"
#include "output.h"
#include "recfile.h"
#include "records.h"
#include "tracker.h"
#include "tsession.h"
#include "jsonl.h"

#define SEC	1000000000ull

/* An exec (or exit) record of pid under comm at ts_ns. */
static struct ct_exec rec_of(uint32_t type, uint32_t pid, const char *comm,
			     uint64_t ts_ns)
{
	struct ct_exec x;

	memset(&x, 0, sizeof(x));
	x.hdr.ts_ns = ts_ns;
	x.hdr.type = type;
	x.hdr.size = type == CT_EV_EXEC ? offsetof(struct ct_exec, args) :
					  sizeof(struct ct_exit);
	x.hdr.pid = pid;
	snprintf(x.hdr.comm, sizeof(x.hdr.comm), "%s", comm);
	return x;
}

static void feed(struct ct_arm *a, uint32_t type, uint32_t pid,
		 const char *comm, uint64_t ts_ns)
{
	struct ct_exec x = rec_of(type, pid, comm, ts_ns);

	ct_arm_feed(a, &x, x.hdr.size);
}

/* Whether rec, fed to a session whose hooks are detached, asks for them. */
static bool asks(const void *rec, size_t len)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	ct_arm_set(&a, false, 0, &r);
	ct_arm_feed(&a, rec, len);
	return ct_arm_wanted(&a);
}

Test(arm, triggers_are_the_engine_programs_by_exact_comm)
{
	const char *yes[] = { "docker", "podman", "ctr", "crictl", "nerdctl",
			      "docker-compose", "runc", "crun", "runsc",
			      "containerd-shim", "conmon" };
	const char *no[] = { "dockerd", "containerd", "bash", "runc:[2:INIT]",
			     "docke", "" };
	struct ct_cni_env v;
	struct ct_exec x;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		x = rec_of(CT_EV_EXEC, 7, yes[i], 1);
		cr_expect(asks(&x, x.hdr.size), "%s", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		x = rec_of(CT_EV_EXEC, 7, no[i], 1);
		cr_expect(!asks(&x, x.hdr.size), "%s", no[i]);
	}
	x = rec_of(CT_EV_EXIT, 7, "docker", 1);
	cr_expect(!asks(&x, x.hdr.size), "an exit is none");
	memset(&v, 0, sizeof(v));
	v.hdr.type = CT_EV_CNI_ENV;
	v.hdr.size = offsetof(struct ct_cni_env, env);
	cr_expect(asks(&v, v.hdr.size), "a CNI plugin is one");
}

Test(arm, detaches_after_the_idle_time_only)
{
	struct ct_arm a;

	ct_arm_init(&a, 10 * SEC);
	cr_expect(!ct_arm_idle(&a, 10 * SEC + CT_ARM_IDLE_NS - 1, 0, NULL,
			       NULL));
	cr_expect(ct_arm_idle(&a, 10 * SEC + CT_ARM_IDLE_NS, 0, NULL, NULL));
	/* a pending container restarts the idle time */
	cr_expect(!ct_arm_idle(&a, 20 * SEC, 1, NULL, NULL));
	cr_expect(!ct_arm_idle(&a, 21 * SEC, 0, NULL, NULL));
	cr_expect(ct_arm_idle(&a, 22 * SEC, 0, NULL, NULL));
}

Test(arm, a_live_trigger_keeps_the_hooks_until_its_exit)
{
	struct ct_arm a;

	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "docker", SEC);
	cr_expect(!ct_arm_idle(&a, 10 * SEC, 0, NULL, NULL));
	feed(&a, CT_EV_EXIT, 43, "p43", 11 * SEC);	/* someone else */
	cr_expect(!ct_arm_idle(&a, 20 * SEC, 0, NULL, NULL));
	feed(&a, CT_EV_EXIT, 42, "docker", 21 * SEC);
	cr_expect(!ct_arm_idle(&a, 21 * SEC, 0, NULL, NULL),
		  "idle from its exit on, not before");
	cr_expect(ct_arm_idle(&a, 21 * SEC + CT_ARM_IDLE_NS, 0, NULL, NULL));
}

/*
 * A foreground `docker run`, `podman system service`: a client that
 * lives on holds the hooks CT_ARM_HOLD_NS after its exec, no longer;
 * what it began (a container: @busy) holds them on by itself.
 */
Test(arm, a_trigger_that_lives_on_holds_them_for_its_hold_only)
{
	uint64_t end = SEC + CT_ARM_HOLD_NS;
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "docker", SEC);
	cr_expect(!ct_arm_idle(&a, end - 1, 0, NULL, NULL), "held");
	cr_expect(!ct_arm_idle(&a, end - 2 + CT_ARM_IDLE_NS, 0, NULL, NULL),
		  "let go at the end of its hold: idle from then on");
	cr_expect(ct_arm_idle(&a, end - 1 + CT_ARM_IDLE_NS, 0, NULL, NULL),
		  "alive, past its hold: idle");
	/* a container it began holds them past its own hold */
	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "docker", SEC);
	cr_expect(!ct_arm_idle(&a, end + 5 * SEC, 1, NULL, NULL));
	cr_expect(!ct_arm_idle(&a, end + 5 * SEC + CT_ARM_IDLE_NS - 1, 0, NULL,
			       NULL));
	cr_expect(ct_arm_idle(&a, end + 5 * SEC + CT_ARM_IDLE_NS, 0, NULL,
			      NULL));
	/* once detached, its next exec (a new program) holds them again */
	ct_arm_set(&a, false, end + 8 * SEC, &r);
	feed(&a, CT_EV_EXEC, 42, "docker", end + 9 * SEC);
	cr_expect(ct_arm_wanted(&a));
	ct_arm_set(&a, true, end + 9 * SEC, &r);
	cr_expect(!ct_arm_idle(&a, end + 9 * SEC + CT_ARM_HOLD_NS - 1, 0, NULL,
			       NULL));
}

/* Whether group G is asked for, not yet attached. */
static bool wanted(const struct ct_arm *a, enum ct_sys_group g)
{
	return ct_arm_groups_wanted(a) & (1u << g);
}

/* An exec record of pid under comm at ts_ns, with argv (NULL ends it). */
static struct ct_exec exec_of(uint32_t pid, const char *comm, uint64_t ts_ns,
			      const char *const *argv)
{
	struct ct_exec x = rec_of(CT_EV_EXEC, pid, comm, ts_ns);

	for (; *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		cr_assert_leq(x.args_len + n, sizeof(x.args));
		memcpy(x.args + x.args_len, *argv, n);
		x.args_len += (__u32)n;
	}
	x.hdr.size += x.args_len;
	return x;
}

/*
 * A healthcheck's or an exec probe's `runc exec` every few seconds, a
 * monitor's `docker ps`: a trigger's command that only reads asks for no
 * hook and no group, and holds nothing; the same programs' starts do.
 */
Test(arm, a_command_that_only_reads_asks_for_nothing)
{
	static const char *const exec[] = { "runc", "--root", "/r", "exec",
					    "--pid-file", "/p", "c1", NULL };
	static const char *const events[] = { "runsc", "events", "c1", NULL };
	static const char *const ps[] = { "docker", "ps", "-a", NULL };
	static const char *const create[] = { "runsc", "create", "--bundle",
					      "/b", "c1", NULL };
	static const char *const run[] = { "docker", "run", "img", NULL };
	struct ct_exec x[] = { exec_of(10, "runc", SEC, exec),
			       exec_of(11, "runsc", SEC, events),
			       exec_of(12, "docker", SEC, ps) };
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	ct_arm_set(&a, false, 0, &r);
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		ct_arm_feed(&a, &x[i], x[i].hdr.size);
		cr_expect(!ct_arm_wanted(&a), "%s", x[i].hdr.comm);
		cr_expect_eq(ct_arm_groups_wanted(&a), 0, "%s",
			     x[i].hdr.comm);
	}
	ct_arm_set(&a, true, 2 * SEC, &r);
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		ct_arm_feed(&a, &x[i], x[i].hdr.size);
	cr_expect(ct_arm_idle(&a, 2 * SEC + CT_ARM_IDLE_NS, 0, NULL, NULL),
		  "nothing held");
	x[0] = exec_of(13, "runsc", 3 * SEC, create);
	x[1] = exec_of(14, "docker", 3 * SEC, run);
	ct_arm_set(&a, false, 3 * SEC, &r);
	ct_arm_feed(&a, &x[0], x[0].hdr.size);
	cr_expect(ct_arm_wanted(&a), "runsc create asks");
	cr_expect(wanted(&a, CT_SYS_STUB), "and for its stub");
	ct_arm_feed(&a, &x[1], x[1].hdr.size);
	cr_expect(wanted(&a, CT_SYS_STDIN), "docker run asks for stdin's");
}

/* A shim lives as long as its container: steady state must detach. */
Test(arm, a_shim_or_monitor_attaches_but_does_not_hold)
{
	const char *keepers[] = { "containerd-shim", "conmon" };

	for (size_t i = 0; i < 2; i++) {
		struct ct_arm_rec r;
		struct ct_arm a;

		ct_arm_init(&a, 0);
		ct_arm_set(&a, false, 0, &r);
		feed(&a, CT_EV_EXEC, 42, keepers[i], SEC);
		cr_expect(ct_arm_wanted(&a), "%s attaches", keepers[i]);
		ct_arm_set(&a, true, SEC, &r);
		cr_expect_eq(r.trigger_ns, SEC);
		cr_expect(!ct_arm_idle(&a, SEC + CT_ARM_IDLE_NS - 1, 0, NULL,
				       NULL));
		cr_expect(ct_arm_idle(&a, SEC + CT_ARM_IDLE_NS, 0, NULL, NULL),
			  "%s alive, nothing busy: idle", keepers[i]);
	}
}

/* A container's die while detached asks for them with no exec. */
Test(arm, a_busy_container_asks_only_while_detached)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	ct_arm_busy(&a, 1, SEC);
	cr_expect(!ct_arm_wanted(&a), "attached: nothing to ask");
	ct_arm_set(&a, false, 2 * SEC, &r);
	ct_arm_busy(&a, 0, 3 * SEC);
	cr_expect(!ct_arm_wanted(&a), "none busy");
	ct_arm_busy(&a, 2, 4 * SEC);
	cr_expect(ct_arm_wanted(&a));
	ct_arm_set(&a, true, 4 * SEC + 1000, &r);
	cr_expect_eq(r.trigger_ns, 4 * SEC);
}

Test(arm, a_trigger_pid_execing_something_else_is_let_go)
{
	struct ct_arm a;

	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "docker", SEC);
	feed(&a, CT_EV_EXEC, 42, "sleep", 2 * SEC);
	cr_expect(ct_arm_idle(&a, 2 * SEC + CT_ARM_IDLE_NS, 0, NULL, NULL));
}

static bool none_alive(uint32_t pid, void *ctx)
{
	(void)pid;
	(void)ctx;
	return false;
}

Test(arm, a_trigger_whose_exit_was_lost_is_let_go_once_gone)
{
	struct ct_arm a;

	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "runc", SEC);
	cr_expect(!ct_arm_idle(&a, 10 * SEC, 0, NULL, NULL));
	cr_expect(!ct_arm_idle(&a, 10 * SEC, 0, none_alive, NULL),
		  "gone now: idle from now on");
	cr_expect(ct_arm_idle(&a, 10 * SEC + CT_ARM_IDLE_NS, 0, none_alive,
			      NULL));
}

Test(arm, a_trigger_while_detached_asks_once_and_is_recorded)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	feed(&a, CT_EV_EXEC, 42, "docker", SEC);
	cr_expect(!ct_arm_wanted(&a), "attached already: nothing to ask");
	feed(&a, CT_EV_EXIT, 42, "docker", 2 * SEC);
	ct_arm_set(&a, false, 5 * SEC, &r);
	cr_expect_eq(r.hdr.type, CT_EV_ARM);
	cr_expect_eq(r.armed, 0);
	cr_expect_eq(r.hdr.ts_ns, 5 * SEC);
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	cr_expect(!ct_arm_idle(&a, 100 * SEC, 0, NULL, NULL),
		  "detached: nothing to detach");
	feed(&a, CT_EV_EXEC, 50, "crictl", 6 * SEC);
	feed(&a, CT_EV_EXEC, 51, "runc", 6 * SEC + 5);
	cr_expect(ct_arm_wanted(&a));
	ct_arm_set(&a, true, 6 * SEC + 200000, &r);
	cr_expect_eq(r.armed, 1);
	cr_expect_eq(r.trigger_ns, 6 * SEC, "the first trigger asked");
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	cr_expect(!ct_arm_wanted(&a));
}

/*
 * On the fentry path runsc's stub sys_exit puts every syscall of the host
 * on the slow path: it joins the hooks at a runsc's exec only, never at
 * another trigger's, and leaves with them.
 */
Test(arm, only_a_runsc_exec_asks_for_its_stub)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	cr_expect(!wanted(&a, CT_SYS_STUB), "the session's start attached it");
	feed(&a, CT_EV_EXEC, 10, "docker", SEC);
	feed(&a, CT_EV_EXEC, 11, "runc", SEC);
	feed(&a, CT_EV_EXEC, 12, "crun", SEC);
	feed(&a, CT_EV_EXEC, 13, "runscx", SEC);
	feed(&a, CT_EV_EXIT, 14, "runsc", SEC);
	cr_expect(!wanted(&a, CT_SYS_STUB), "not runsc's exec: no stub");
	feed(&a, CT_EV_EXEC, 15, "runsc", 2 * SEC);
	cr_expect(wanted(&a, CT_SYS_STUB), "runsc's exec asks for it");
	ct_arm_groups_set(&a);
	cr_expect(!wanted(&a, CT_SYS_STUB), "asked once");
	feed(&a, CT_EV_EXEC, 16, "runsc", 3 * SEC);
	cr_expect(wanted(&a, CT_SYS_STUB));
	ct_arm_set(&a, false, 4 * SEC, &r);
	cr_expect(!wanted(&a, CT_SYS_STUB), "a detach takes it with the hooks");
	feed(&a, CT_EV_EXEC, 17, "runc", 5 * SEC);
	cr_expect(ct_arm_wanted(&a) && !wanted(&a, CT_SYS_STUB),
		  "runc attaches the hooks without the stub");
	ct_arm_set(&a, true, 5 * SEC, &r);
	feed(&a, CT_EV_EXEC, 18, "runsc", 6 * SEC);
	cr_expect(wanted(&a, CT_SYS_STUB), "and runsc then adds it");
	ct_arm_set(&a, false, 7 * SEC, &r);
	feed(&a, CT_EV_EXEC, 19, "runsc", 8 * SEC);
	cr_expect(ct_arm_wanted(&a) && wanted(&a, CT_SYS_STUB),
		  "runsc while detached asks for both");
}

/*
 * The pull group (write, pread64, close on the fentry path) joins the
 * hooks at a daemon's registry connect, the first step of a pull, and at
 * no trigger's exec: a container start pays no hook on every write.
 */
Test(arm, a_daemon_connect_asks_for_the_pull_hooks)
{
	struct ct_pull_connect c = { 0 };
	struct ct_pull_blob u = { 0 };
	struct ct_arm_rec r;
	struct ct_arm a;

	c.hdr.type = CT_EV_PULL_CONNECT;
	c.hdr.size = sizeof(c);
	c.hdr.pid = 40;
	c.hdr.tid = 41;
	c.hdr.ts_ns = 2 * SEC;
	c.family = 2;
	c.port = 5000;
	memcpy(c.hdr.comm, "dockerd", sizeof("dockerd"));
	ct_arm_init(&a, 0);
	cr_expect(!wanted(&a, CT_SYS_PULL), "the session's start attached it");
	feed(&a, CT_EV_EXEC, 10, "docker", SEC);
	feed(&a, CT_EV_EXEC, 11, "runc", SEC);
	feed(&a, CT_EV_EXEC, 12, "runsc", SEC);
	cr_expect(!wanted(&a, CT_SYS_PULL), "no exec asks for the pull hooks");
	ct_arm_feed(&a, &c, sizeof(c));
	cr_expect(wanted(&a, CT_SYS_PULL), "a daemon's connect asks for them");
	cr_expect_eq(ct_arm_group_asked_ns(&a, CT_SYS_PULL), 2 * SEC);
	cr_expect_eq(ct_arm_group_asked_by(&a, CT_SYS_PULL), CT_EV_PULL_CONNECT);
	c.hdr.ts_ns = 3 * SEC;
	ct_arm_feed(&a, &c, sizeof(c));
	cr_expect_eq(ct_arm_group_asked_ns(&a, CT_SYS_PULL), 2 * SEC,
		     "the first connect asked");
	ct_arm_groups_set(&a);
	cr_expect(!ct_arm_groups_wanted(&a), "asked once");
	ct_arm_feed(&a, &c, sizeof(c));
	ct_arm_set(&a, false, 4 * SEC, &r);
	cr_expect(!wanted(&a, CT_SYS_PULL), "a detach takes it with the hooks");
	u.hdr.type = CT_EV_PULL_UNTRACED;
	u.hdr.size = sizeof(u);
	u.hdr.ts_ns = 5 * SEC;
	u.kind = CT_PULL_F_DOCKER_BLOB;
	ct_arm_feed(&a, &u, sizeof(u));
	cr_expect(wanted(&a, CT_SYS_PULL), "a blob file opened while they were off "
		  "asks for them");
	cr_expect_eq(ct_arm_group_asked_by(&a, CT_SYS_PULL), CT_EV_PULL_UNTRACED);
}

/*
 * A daemon's registry connect comes from a tracepoint that is always
 * attached, and attaches the hooks when they are off: a pull that no
 * client waits for (kubelet's, through CRI) has no exec to do it.  The
 * attach names the connect, and the pull's open blob files (counted by
 * the live loop into busy) hold the hooks until they are closed.
 */
Test(arm, a_daemon_connect_attaches_the_hooks)
{
	struct ct_pull_connect c = { 0 };
	uint64_t t;
	struct ct_arm_rec r;
	struct ct_arm a;

	c.hdr.type = CT_EV_PULL_CONNECT;
	c.hdr.size = sizeof(c);
	c.hdr.pid = 40;
	c.hdr.ts_ns = 2 * SEC;
	c.family = 2;
	c.port = 5000;
	memcpy(c.hdr.comm, "containerd", sizeof("containerd"));
	cr_expect(asks(&c, sizeof(c)), "a connect asks for the hooks");
	ct_arm_init(&a, 0);
	ct_arm_set(&a, false, SEC, &r);
	ct_arm_feed(&a, &c, sizeof(c));
	cr_assert(ct_arm_wanted(&a));
	cr_expect_eq(a.trigger_by, CT_EV_PULL_CONNECT);
	cr_expect(wanted(&a, CT_SYS_PULL), "and for the pull group");
	ct_arm_set(&a, true, 2 * SEC + 5000000, &r);
	cr_expect_eq(r.trigger_ns, 2 * SEC, "the attach names the connect");
	cr_expect_eq(a.trigger_by, 0, "the next attach names its own");
	t = 2 * SEC + 5000000 + CT_ARM_IDLE_NS;
	cr_expect(!ct_arm_idle(&a, t, 1, NULL, NULL),
		  "an open blob file holds the hooks");
	cr_expect(!ct_arm_idle(&a, t + SEC, 0, NULL, NULL),
		  "idle from its close on");
	cr_expect(ct_arm_idle(&a, t + CT_ARM_IDLE_NS, 0, NULL, NULL));
	/* whom an exec's and a container's attach name */
	ct_arm_set(&a, false, 10 * SEC, &r);
	feed(&a, CT_EV_EXEC, 10, "docker", 11 * SEC);
	cr_expect_eq(a.trigger_by, CT_EV_EXEC);
	ct_arm_set(&a, true, 11 * SEC, &r);
	ct_arm_set(&a, false, 12 * SEC, &r);
	ct_arm_busy(&a, 1, 13 * SEC);
	cr_expect(ct_arm_wanted(&a));
	cr_expect_eq(a.trigger_by, 0);
}

/*
 * The stdin group (read(2)'s entry and exit on the fentry path) joins at
 * an engine client's exec, the one process whose stdin prepare follows,
 * and at no runtime's: a runc start pays no hook on every read.
 */
Test(arm, only_a_client_exec_asks_for_the_stdin_hooks)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	cr_expect(!wanted(&a, CT_SYS_STDIN), "the session's start attached it");
	feed(&a, CT_EV_EXEC, 10, "runc", SEC);
	feed(&a, CT_EV_EXEC, 11, "crictl", SEC);
	feed(&a, CT_EV_EXEC, 12, "containerd-shim", SEC);
	feed(&a, CT_EV_EXIT, 13, "docker", SEC);
	feed(&a, CT_EV_EXEC, 14, "dockerx", SEC);
	cr_expect(!wanted(&a, CT_SYS_STDIN), "no client's exec: no stdin hooks");
	feed(&a, CT_EV_EXEC, 15, "podman", 2 * SEC);
	cr_expect(wanted(&a, CT_SYS_STDIN), "a client's exec asks for them");
	cr_expect_eq(ct_arm_group_asked_ns(&a, CT_SYS_STDIN), 2 * SEC);
	cr_expect_eq(ct_arm_group_asked_by(&a, CT_SYS_STDIN), CT_EV_EXEC);
	ct_arm_groups_set(&a);
	cr_expect(!wanted(&a, CT_SYS_STDIN), "asked once");
	ct_arm_set(&a, false, 3 * SEC, &r);
	feed(&a, CT_EV_EXEC, 16, "docker", 4 * SEC);
	cr_expect(ct_arm_wanted(&a) && wanted(&a, CT_SYS_STDIN),
		  "a client while detached asks for both");
	cr_expect(!wanted(&a, CT_SYS_PULL) && !wanted(&a, CT_SYS_STUB), "and for no other");
}

Test(arm, a_full_pid_table_never_detaches)
{
	struct ct_arm a;

	ct_arm_init(&a, 0);
	for (uint32_t p = 1; p <= CT_ARM_PIDS + 1; p++)
		feed(&a, CT_EV_EXEC, p, "runc", SEC);
	for (uint32_t p = 1; p <= CT_ARM_PIDS + 1; p++)
		feed(&a, CT_EV_EXIT, p, "runc", 2 * SEC);
	cr_expect(!ct_arm_idle(&a, 100 * SEC, 0, NULL, NULL));
}

/* A /proc of its own: PID/comm files. */
static void fake_proc(const char *dir, const char *pid, const char *comm)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, pid);
	cr_assert_eq(mkdir(path, 0700), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/%s/comm", dir, pid);
	f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "%s\n", comm);
	fclose(f);
}

static void fake_cmdline(const char *dir, const char *pid, const char *args,
			 size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/cmdline", dir, pid);
	f = fopen(path, "w");
	cr_assert(f);
	cr_assert_eq(fwrite(args, 1, len, f), len);
	fclose(f);
}

/* docker and runsc; neither shims nor `docker logs -f`, which only reads */
Test(arm, clients_alive_at_the_start_are_adopted_not_shims)
{
	char dir[] = "/tmp/ct-arm-proc.XXXXXX", cmd[64];
	struct ct_arm a;

	cr_assert(mkdtemp(dir));
	fake_proc(dir, "101", "docker");
	fake_proc(dir, "102", "containerd-shim");
	fake_proc(dir, "103", "conmon");
	fake_proc(dir, "104", "bash");
	fake_proc(dir, "self", "runc");
	fake_proc(dir, "105x", "runc");
	fake_proc(dir, "106", "runsc");
	fake_proc(dir, "107", "docker");
	fake_cmdline(dir, "107", "docker\0logs\0-f\0c1", 17);
	ct_arm_init(&a, 0);
	cr_expect_eq(ct_arm_adopt(&a, dir, SEC), 2, "docker and runsc");
	cr_expect(!ct_arm_idle(&a, 10 * SEC, 0, NULL, NULL));
	feed(&a, CT_EV_EXIT, 101, "docker", 11 * SEC);
	feed(&a, CT_EV_EXIT, 106, "runsc", 11 * SEC);
	cr_expect(ct_arm_idle(&a, 11 * SEC + CT_ARM_IDLE_NS, 0, NULL, NULL));
	/* held from the scan on, as long as one exec'ed then */
	ct_arm_init(&a, 0);
	cr_expect_eq(ct_arm_adopt(&a, dir, SEC), 2);
	cr_expect(!ct_arm_idle(&a, SEC + CT_ARM_HOLD_NS - 1, 0, NULL, NULL));
	cr_expect(ct_arm_idle(&a, SEC + CT_ARM_HOLD_NS + CT_ARM_IDLE_NS, 0,
			      NULL, NULL));
	cr_expect_eq(ct_arm_adopt(&a, "/nonexistent-ct", SEC), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(arm, malformed_arm_records_are_refused)
{
	struct ct_arm_rec r;
	struct ct_arm a;

	ct_arm_init(&a, 0);
	ct_arm_set(&a, true, 5 * SEC, &r);
	r.armed = 2;
	cr_expect_neq(ct_rec_check(&r, sizeof(r)), 0);
	r.armed = 0;
	r.trigger_ns = 1;
	cr_expect_neq(ct_rec_check(&r, sizeof(r)), 0, "detached, asked?");
	r.armed = 1;
	r.trigger_ns = 6 * SEC;
	cr_expect_neq(ct_rec_check(&r, sizeof(r)), 0, "asked in the future");
	cr_expect_neq(ct_rec_check(&r, sizeof(r) - 1), 0);
}

/* ---- the tracker's judgement ---- */

static struct fx_sink sink;

/* The container fed by feed_one(). */
static struct fx_ct the_ct = { .id = "c1", .rt = CT_RT_RUNC,
			       .eng = CT_ENG_DOCKER, .pid_base = 100,
			       .t0_ms = 10, .memcg = 77 };

/* the_ct from 10 ms (docker: its runc create at 82 ms; by hand: runc run
 * at 10, runc init at 60, crun's program at 110) after the records of
 * arm(), fed to a new tracker, flushed: the tracker. */
static struct ct_tracker *feed_one(void (*arm)(struct ct_fx *f))
{
	struct fx_ct c = the_ct;
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	struct ct_fx parts[2], f;
	struct ct_tracker *tk;

	memset(&sink, 0, sizeof(sink));
	fx_init(&parts[0]);
	fx_init(&parts[1]);
	fx_init(&f);
	arm(&parts[0]);
	fx_container(&parts[1], &c, es, ee);
	fx_merge(&f, parts, 2);
	tk = fx_tracker(&sink, NULL, 0);
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	fx_free(&parts[0]);
	fx_free(&parts[1]);
	fx_free(&f);
	cr_assert_eq(sink.n, 1);
	return tk;
}

/* The same, the tracker's stats in *st. */
static void run(void (*arm)(struct ct_fx *f), struct ct_tracker_stats *st)
{
	struct ct_tracker *tk = feed_one(arm);

	ct_tracker_get_stats(tk, st);
	ct_tracker_free(tk);
}

static void detached(struct ct_fx *f)
{
	fx_at(f, 0);
	fx_arm(f, false, 0);
}

static void attached_in_time(struct ct_fx *f)
{
	detached(f);
	fx_at(f, 11);
	fx_arm(f, true, 10);
}

static void attached_late(struct ct_fx *f)
{
	detached(f);
	fx_at(f, 90);
	fx_arm(f, true, 10);
}

static void always(struct ct_fx *f)
{
	(void)f;
}

Test(arm_tracker, runtime_begun_while_detached_is_unarmed_and_counted)
{
	struct ct_tracker_stats st;

	run(detached, &st);
	cr_expect(sink.got[0].unarmed);
	cr_expect_eq(st.unarmed, 1);
	cr_expect_eq(st.arms, 0);
	run(attached_late, &st);
	cr_expect(sink.got[0].unarmed, "attached after its runc create");
	cr_expect_eq(st.unarmed, 1);
}

/* Attached 1 ms after a runtime run by hand (it asked). */
static void attached_by_the_runtime(struct ct_fx *f)
{
	detached(f);
	fx_at(f, 11);
	fx_arm(f, true, 10);
}

Test(arm_tracker, a_runtime_run_by_hand_is_judged_at_its_next_exec)
{
	struct ct_tracker_stats st;

	the_ct.eng = CT_ENG_DIRECT;
	run(attached_by_the_runtime, &st);
	cr_expect(!sink.got[0].unarmed, "runc init came after the attach");
	cr_expect_eq(st.unarmed, 0);
	run(attached_late, &st);
	cr_expect(sink.got[0].unarmed, "attached after runc init (60 ms)");
	cr_expect_eq(st.unarmed, 1);
	the_ct.rt = CT_RT_CRUN;
	run(attached_by_the_runtime, &st);
	cr_expect(sink.got[0].unarmed, "crun execs the program itself");
	cr_expect_eq(st.unarmed, 1);
	the_ct.rt = CT_RT_RUNSC;
	run(attached_by_the_runtime, &st);
	cr_expect(!sink.got[0].unarmed, "the sandbox came after the attach");
	cr_expect_eq(st.unarmed, 0);
	the_ct.rt = CT_RT_RUNC;
	the_ct.eng = CT_ENG_DOCKER;
	run(attached_by_the_runtime, &st);
	cr_expect(!sink.got[0].unarmed, "docker's runc create at 82 ms");
}

Test(arm_tracker, attached_before_its_runtime_it_is_whole)
{
	struct ct_tracker_stats st;

	run(attached_in_time, &st);
	cr_expect(!sink.got[0].unarmed);
	cr_expect_eq(st.unarmed, 0);
	cr_expect_eq(st.arms, 1);
	cr_expect_eq(st.arm_latency_max_ns, FX_MS);
	run(always, &st);
	cr_expect(!sink.got[0].unarmed, "a recording without CT_EV_ARM");
	cr_expect_eq(st.unarmed, 0);
}

static bool ph_seen(const int64_t *es, enum ct_phase p)
{
	return es[p] >= 0;
}

/* The ready stage's answer, as the session gives it (ctx: a bool). */
static bool ready_said(const void *ctx, const struct ct_container *c)
{
	(void)c;
	return *(const bool *)ctx;
}

/*
 * ct_tracker_busy() along c's life (no ready phase in its records): busy
 * from its first record until its program began plus the settle time,
 * or until the ready stage says it listened; not after; busy again from
 * its removal's first phase on.  Each step fed only up to its time.
 */
static void busy_along(const struct fx_ct *c, enum ct_phase removal)
{
	const uint64_t settle = 30 * SEC, t0 = c->t0_ms * FX_MS;
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	uint64_t began, gone;
	struct ct_tracker *tk;
	bool ready = false;
	struct ct_fx f;
	size_t off = 0;

	memset(&sink, 0, sizeof(sink));
	fx_init(&f);
	fx_container(&f, c, es, ee);
	cr_assert(ph_seen(es, CT_PH_RUN) && ph_seen(es, removal) &&
		  !ph_seen(es, CT_PH_READY));
	began = t0 + (uint64_t)es[CT_PH_RUN] * FX_MS;
	gone = t0 + (uint64_t)es[removal] * FX_MS;
	tk = fx_tracker(&sink, NULL, 0);
	cr_expect_eq(ct_tracker_busy(tk, t0, settle, ready_said, &ready), 0,
		     "nothing yet");
	cr_assert_eq(fx_feed_until(&f, tk, &off, t0 + FX_MS), 0);
	cr_expect_eq(ct_tracker_busy(tk, t0 + FX_MS, settle, ready_said,
				     &ready), 1);
	cr_assert_eq(fx_feed_until(&f, tk, &off, began), 0);
	cr_expect_eq(ct_tracker_busy(tk, began + settle - 1, settle,
				     ready_said, &ready), 1,
		     "its program began, no listen: the settle time holds it");
	cr_expect_eq(ct_tracker_busy(tk, began + settle, settle, ready_said,
				     &ready), 0,
		     "running, settled: steady state");
	ready = true;
	cr_expect_eq(ct_tracker_busy(tk, began + FX_MS, settle, ready_said,
				     &ready), 0, "it listened: ready, steady");
	cr_expect_eq(ct_tracker_busy(tk, began + FX_MS, settle, NULL, NULL), 1,
		     "no ready stage asked: the settle time");
	cr_assert_eq(fx_feed_until(&f, tk, &off, gone), 0);
	cr_expect_eq(ct_tracker_busy(tk, began + settle, settle, ready_said,
				     &ready), 1,
		     "its removal needs the hooks, listened or not");
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	cr_expect_eq(sink.n, 1);
	cr_expect_eq(ct_tracker_busy(tk, began + settle, settle, NULL, NULL),
		     0);
	ct_tracker_free(tk);
	fx_free(&f);
}

/* docker (its die begins the removal) and `runc run` (no start, no die:
 * pid 1's exit begins destroy). */
Test(arm_tracker, busy_in_its_cold_start_and_its_removal_only)
{
	struct fx_ct c = the_ct;

	busy_along(&c, CT_PH_DIE);
	c.eng = CT_ENG_DIRECT;
	busy_along(&c, CT_PH_DESTROY);
}

/*
 * The hooks detached while the_ct ran (its start over): its opens say
 * until when they were traced, and it is counted; a container begun
 * after a detach is unarmed instead, never both.
 */
Test(arm_tracker, a_detach_while_it_runs_cuts_its_opens_and_is_counted)
{
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	struct ct_tracker_stats st;
	struct fx_ct c = the_ct;
	struct ct_fx f, off_rec;
	struct ct_tracker *tk;
	uint64_t detach_ns;
	size_t off = 0, o2 = 0;

	memset(&sink, 0, sizeof(sink));
	fx_init(&f);
	fx_container(&f, &c, es, ee);
	detach_ns = (the_ct.t0_ms + (uint64_t)ee[CT_PH_START]) * FX_MS + 1;
	fx_init(&off_rec);
	off_rec.now = detach_ns;
	fx_arm(&off_rec, false, 0);
	tk = fx_tracker(&sink, NULL, 0);
	cr_assert_eq(fx_feed_until(&f, tk, &off, detach_ns), 0);
	cr_assert_eq(fx_feed_until(&off_rec, tk, &o2, UINT64_MAX), 0);
	cr_assert_eq(fx_feed_until(&f, tk, &off, UINT64_MAX), 0);
	ct_tracker_flush(tk);
	cr_assert_eq(sink.n, 1);
	cr_expect_eq(sink.got[0].opens.traced_until_ns, detach_ns);
	cr_expect(!sink.got[0].unarmed);
	ct_tracker_get_stats(tk, &st);
	cr_expect_eq(st.opens_cut, 1);
	ct_tracker_free(tk);
	fx_free(&f);
	fx_free(&off_rec);

	run(detached, &st);
	cr_expect(sink.got[0].unarmed);
	cr_expect_eq(sink.got[0].opens.traced_until_ns, 0,
		     "detached before it began: unarmed, not cut");
	cr_expect_eq(st.opens_cut, 0);
}

/* When listened_at() says the container listened (wall ns). */
static uint64_t listen_ns;

/* The ready stage, as enrich applies it: a listen at listen_ns. */
static void listened_at(struct ct_container *c, void *ctx)
{
	uint64_t at = listen_ns;

	(void)ctx;
	c->opens.valid = true;
	c->phase_mask |= 1u << CT_PH_READY;
	c->phases[CT_PH_READY].start_ns = c->phases[CT_PH_RUN].start_ns;
	c->phases[CT_PH_READY].end_ns = at;
	c->opens.has_before_ready = true;
	c->opens.before_ready = 7;
}

/*
 * A tracker writing into the (emptied) sink, with fill as its
 * before_emit: the stage that enrich would be.
 */
static struct ct_tracker *tracker_filled(ct_container_fill_cb fill)
{
	struct ct_tracker_opts o = {
		.cgroup_mode = CT_CGROUP_V1_MEMORY,
		.before_emit = fill,
		.on_container = fx_sink_cb,
		.ctx = &sink,
	};
	struct ct_tracker *tk;

	memset(&sink, 0, sizeof(sink));
	tk = ct_tracker_new(&o);
	cr_assert(tk);
	return tk;
}

/* the_ct, its hooks detached at detach_ns, ready (a listen) at ready_ns */
static struct ct_container cut_then_ready(uint64_t detach_ns,
					  uint64_t ready_ns)
{
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	struct ct_fx f, off_rec;
	struct ct_tracker *tk;
	size_t off = 0, o2 = 0;

	tk = tracker_filled(listened_at);
	fx_init(&f);
	fx_container(&f, &the_ct, es, ee);
	fx_init(&off_rec);
	off_rec.now = detach_ns;
	fx_arm(&off_rec, false, 0);
	listen_ns = ready_ns;
	cr_assert_eq(fx_feed_until(&f, tk, &off, detach_ns), 0);
	cr_assert_eq(fx_feed_until(&off_rec, tk, &o2, UINT64_MAX), 0);
	cr_assert_eq(fx_feed_until(&f, tk, &off, UINT64_MAX), 0);
	ct_tracker_flush(tk);
	ct_tracker_free(tk);
	fx_free(&f);
	fx_free(&off_rec);
	cr_assert_eq(sink.n, 1);
	return sink.got[0];
}

/*
 * A service that listens after --arm=auto detached the hooks (bpf/ready.bpf.h
 * sees TCP listens all the same): its ready stays, but the open count
 * the listen carried stopped when the hooks left, so no before_ready;
 * one that listened before the detach keeps it.  The row's note says
 * which happened.
 */
Test(arm_tracker, a_listen_after_the_detach_is_ready_without_before_ready)
{
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	uint64_t began, detach;
	struct ct_container c;
	struct ct_fx f;

	fx_init(&f);
	fx_container(&f, &the_ct, es, ee);
	fx_free(&f);
	began = (the_ct.t0_ms + (uint64_t)es[CT_PH_RUN]) * FX_MS;
	detach = began + 2 * FX_MS;

	c = cut_then_ready(detach, detach + 40 * SEC);
	cr_expect(ct_has_phase(&c, CT_PH_READY));
	cr_expect_eq(c.phases[CT_PH_READY].end_ns, detach + 40 * SEC);
	cr_expect_eq(c.opens.traced_until_ns, detach);
	cr_expect(!c.opens.has_before_ready,
		  "its opens after the detach were not counted");
	cr_expect_str_eq(ct_opens_cut_when(&c),
			 "before it was ready: its ready is a TCP listen seen "
			 "later, its opens before it not all counted");

	c = cut_then_ready(detach, began + FX_MS);
	cr_expect(c.opens.has_before_ready, "it listened, then the detach");
	cr_expect_eq(c.opens.before_ready, 7);
	cr_expect_str_eq(ct_opens_cut_when(&c), "once its cold start was over");
}

/* Whether the syscall hooks make records of this type (bpf/sys.bpf.c). */
static bool from_sys_hooks(uint32_t type)
{
	switch (type) {
	case CT_EV_MOUNT:
	case CT_EV_UMOUNT:
	case CT_EV_CONNECT:
	case CT_EV_LISTEN:
	case CT_EV_MKDIR:
	case CT_EV_RMDIR:
	case CT_EV_CMKDIR:
	case CT_EV_STDIN:
		return true;
	default:
		return false;
	}
}

/*
 * What a live session reads of f: the syscall hooks' records only while
 * the ARM records of f say they are attached (the lifecycle's always).
 */
static void as_seen(const struct ct_fx *f, struct ct_fx *out)
{
	bool on = true;

	fx_init(out);
	for (size_t off = 0; off + sizeof(struct ct_hdr) <= f->len;) {
		const struct ct_hdr *h = (const void *)(f->buf + off);

		if (h->type == CT_EV_ARM)
			on = ((const struct ct_arm_rec *)h)->armed;
		if (on || !from_sys_hooks(h->type))
			fx_raw(out, h, h->size);
		off += h->size;
	}
}

/*
 * the_ct (docker) dies while the hooks are detached; they are back only
 * after dockerd's netns umount (886 ms), which is lost: the record is
 * out, complete, flagged removal_unarmed, without a disconnect, within
 * REMOVAL_WAIT_NS (5 s) of the rest of its removal and not as an expiry
 * ten minutes later; its disconnect and destroy are in no statistic.
 */
/*
 * A tracker fed the_ct as a session sees it whose hooks detached at
 * t0 + 684 ms (after its start, before its pid 1 exit) and came back at
 * t0 + back_ms; the caller frees it.
 */
static struct ct_tracker *removal_seen(uint64_t back_ms)
{
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	uint64_t t0 = the_ct.t0_ms;
	struct ct_fx parts[2], f, seen;
	struct ct_tracker *tk;

	memset(&sink, 0, sizeof(sink));
	fx_init(&parts[0]);
	fx_init(&parts[1]);
	fx_container(&parts[0], &the_ct, es, ee);
	fx_at(&parts[1], t0 + 684);
	fx_arm(&parts[1], false, 0);
	fx_at(&parts[1], t0 + back_ms);
	fx_arm(&parts[1], true, t0 + 686);
	fx_init(&f);
	fx_merge(&f, parts, 2);
	as_seen(&f, &seen);
	tk = fx_tracker(&sink, NULL, 0);
	cr_assert_eq(fx_feed(&seen, tk), 0);
	fx_free(&seen);
	fx_free(&f);
	fx_free(&parts[0]);
	fx_free(&parts[1]);
	return tk;
}

Test(arm_tracker, a_removal_begun_while_detached_is_flagged_not_expired)
{
	const uint64_t end = (the_ct.t0_ms + 900) * FX_MS;
	struct ct_tracker_stats st;
	struct ct_tracker *tk;
	uint64_t v;

	tk = removal_seen(887);	/* after the netns umount (886 ms) */
	ct_tracker_tick(tk, end + 4 * SEC);
	cr_expect_eq(sink.n, 0, "waits for the netns umount a while");
	ct_tracker_tick(tk, end + 6 * SEC);
	cr_assert_eq(sink.n, 1, "out within 5 s of its removal, not expired");
	cr_expect(sink.got[0].complete);
	cr_expect(sink.got[0].removal_unarmed);
	cr_expect(!sink.got[0].unarmed, "its start was seen whole");
	cr_expect(!ct_has_phase(&sink.got[0], CT_PH_DISCONNECT));
	cr_expect(ct_has_phase(&sink.got[0], CT_PH_DIE));
	ct_tracker_get_stats(tk, &st);
	cr_expect_eq(st.expired, 0);
	cr_expect_eq(st.removal_unarmed, 1);
	cr_expect(!ct_agg_sample(&sink.got[0], CT_PH_DESTROY, &v));
	cr_expect(!ct_agg_sample(&sink.got[0], CT_AGG_TOTAL, &v));
	cr_expect(ct_agg_sample(&sink.got[0], CT_PH_RUN, &v));
	ct_tracker_free(tk);

	/* the same with the umount seen: whole, no wait, still flagged */
	tk = removal_seen(690);
	ct_tracker_tick(tk, end + SEC);
	cr_assert_eq(sink.n, 1);
	cr_expect(ct_has_phase(&sink.got[0], CT_PH_DISCONNECT));
	cr_expect(sink.got[0].removal_unarmed);
	ct_tracker_free(tk);
}

/*
 * The live session's first record (ct_arm_start()): its syscall hooks
 * attached at 100 ms, after the lifecycle's records of the_ct (runc
 * create at 82 ms), which the reader feeds after it.  Its runtime began
 * before the hooks: unarmed, as under any later attach; and that first
 * attach is not one "again".
 */
static struct ct_tracker_stats started_at(uint64_t attached_ms)
{
	struct ct_tracker_stats st;
	struct fx_ct c = the_ct;
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	struct ct_arm_rec r;
	struct ct_tracker *tk;
	struct ct_arm a;
	struct ct_fx f;

	memset(&sink, 0, sizeof(sink));
	tk = fx_tracker(&sink, NULL, 0);
	ct_arm_start(&a, attached_ms * FX_MS, 200 * FX_MS, &r);
	cr_expect(a.armed && r.armed && !r.trigger_ns);
	cr_expect(!ct_arm_idle(&a, 200 * FX_MS + CT_ARM_IDLE_NS - 1, 0, NULL,
			       NULL), "idle counted from the session's start");
	cr_expect_eq(r.hdr.ts_ns, attached_ms * FX_MS);
	cr_expect_eq(ct_rec_check(&r, sizeof(r)), 0);
	cr_assert_eq(ct_tracker_feed(tk, &r, sizeof(r)), 0);
	fx_init(&f);
	fx_container(&f, &c, es, ee);
	cr_assert_eq(fx_feed(&f, tk), 0);
	fx_free(&f);
	ct_tracker_flush(tk);
	cr_assert_eq(sink.n, 1);
	ct_tracker_get_stats(tk, &st);
	ct_tracker_free(tk);
	return st;
}

Test(arm_tracker, begun_before_the_sessions_own_attach_is_unarmed)
{
	struct ct_tracker_stats st = started_at(100);

	cr_expect(sink.got[0].unarmed, "runc create at 82 ms, hooks at 100");
	cr_expect_eq(st.unarmed, 1);
	cr_expect_eq(st.arms, 0, "the session's first attach is no re-attach");
	st = started_at(5);
	cr_expect(!sink.got[0].unarmed, "hooks at 5 ms, before its client");
	cr_expect_eq(st.unarmed, 0);
	cr_expect_eq(st.arms, 0);
}

/* The text of what out() writes. */
static char *text_of(void (*out)(FILE *f, void *ctx), void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	out(f, ctx);
	fclose(f);
	return buf;
}

static void container_json(FILE *f, void *ctx)
{
	ct_jsonl_write(f, &ct_jsonl_container, ctx);
}

static struct ct_agg *the_agg;

static void summaries(FILE *f, void *ctx)
{
	ct_jsonl_write_summary(f, the_agg, ctx);
	ct_output_summary(f, the_agg, ctx);
}

Test(arm_tracker, said_in_the_record_and_in_the_losses)
{
	struct ct_tracker *tk = feed_one(detached);
	struct ct_meta meta = { .version = "v", .kernel = "k", .tracker = tk };
	struct ct_container c = sink.got[0];
	char *t;

	the_agg = ct_agg_new();
	cr_assert_eq(ct_agg_add(the_agg, &c), 0);
	t = text_of(container_json, &c);
	cr_expect(strstr(t, "\"unarmed\":true"), "%s", t);
	cr_expect(strstr(t, "\"removal_unarmed\":true"), "%s", t);
	free(t);
	c.unarmed = false;
	c.removal_unarmed = false;
	t = text_of(container_json, &c);
	cr_expect(!strstr(t, "unarmed"), "absent when whole: %s", t);
	free(t);
	t = text_of(summaries, &meta);
	cr_expect(strstr(t, "\"unarmed_containers\":1,"), "%s", t);
	cr_expect(strstr(t, "\nsyscall hooks attached late: 1 containers"),
		  "%s", t);
	free(t);
	ct_agg_free(the_agg);
	ct_tracker_free(tk);
}

/* ---- a real session from idle (tests/fixtures/record-idle.sh) ---- */

/*
 * docker-idle: the session had detached its hooks (bpftool showed none,
 * the sidecar's detached_before) when `docker run` ran; its exec
 * attached them again, before anything of its container: the record is
 * whole, its client known.
 */
Test(arm_tracker, recording_from_idle)
{
	struct ts_all a;
	const struct tj *d;

	ts_replay_all("docker-idle", &a);
	d = tj_get(a.sidecar, "detached_before");
	cr_assert(d && d->type == TJ_BOOL && d->b, "sidecar: detached_before");
	cr_assert_eq(a.n, 1);
	cr_expect(!a.c[0].unarmed);
	cr_expect(a.c[0].has_client, "its client's connect was seen");
	cr_expect_eq(a.st.unarmed, 0);
	cr_expect_geq(a.st.arms, 1);
	cr_expect_lt(a.st.arm_latency_max_ns, 5 * FX_MS, "%llu ns",
		     (unsigned long long)a.st.arm_latency_max_ns);
	ts_all_free(&a);
}

/* The same recording without its attach records: the tracker must not
 * take the container as whole (the test above can fail). */
Test(arm_tracker, recording_without_its_attach_is_unarmed)
{
	const char *dir = getenv("CT_FIXTURES");
	struct ct_tracker_stats st;
	struct ct_rec_file_hdr fh;
	struct ct_rec_reader *r;
	struct ct_tracker *tk;
	char path[256], err[256];
	const void *rec;
	size_t len;

	snprintf(path, sizeof(path), "%s/docker-idle.ctrec",
		 dir ? dir : "tests/fixtures");
	cr_assert_eq(ct_rec_reader_open(&r, path, &fh, err, sizeof(err)), 0,
		     "%s: %s", path, err);
	memset(&sink, 0, sizeof(sink));
	tk = fx_tracker(&sink, NULL, 0);
	while (ct_rec_next(r, &rec, &len, err, sizeof(err)) > 0) {
		struct ct_arm_rec a;

		if (len == sizeof(a) && ((const struct ct_hdr *)rec)->type ==
					CT_EV_ARM) {
			memcpy(&a, rec, sizeof(a));
			if (a.armed)
				continue;
		}
		ct_tracker_feed(tk, rec, len);
	}
	ct_tracker_flush(tk);
	ct_tracker_get_stats(tk, &st);
	cr_expect_geq(st.unarmed, 1);
	cr_expect_eq(st.arms, 0);
	ct_tracker_free(tk);
	ct_rec_reader_close(r);
}

static void prom_of(FILE *f, void *ctx)
{
	cr_assert_eq(ct_export_prom(f, the_agg, ctx), 0);
}

/* enrich could not tell its prepare (prepare.c): prepare_missing. */
static void no_prepare(struct ct_container *c, void *ctx)
{
	(void)ctx;
	c->prepare_missing = CT_PREP_NO_START;
}

/*
 * A record whose prepare could not be told is counted as it goes out,
 * and said in the summary's text and JSON and in /metrics.
 */
Test(arm_tracker, prepare_missing_counted_and_said)
{
	int64_t es[CT_PH_MAX], ee[CT_PH_MAX];
	struct ct_tracker_stats st;
	struct ct_meta meta = { .version = "v", .kernel = "k" };
	struct ct_tracker *tk;
	struct ct_fx f;
	char *t;

	tk = tracker_filled(no_prepare);
	fx_init(&f);
	fx_container(&f, &the_ct, es, ee);
	cr_assert_eq(fx_feed(&f, tk), 0);
	ct_tracker_flush(tk);
	fx_free(&f);
	cr_assert_eq(sink.n, 1);
	ct_tracker_get_stats(tk, &st);
	cr_expect_eq(st.prepare_missing, 1);
	meta.tracker = tk;
	the_agg = ct_agg_new();
	cr_assert_eq(ct_agg_add(the_agg, &sink.got[0]), 0);
	t = text_of(summaries, &meta);
	cr_expect(strstr(t, "\"prepare_missing_containers\":1,"), "%s", t);
	cr_expect(strstr(t, "\nprepare not told: 1 containers"), "%s", t);
	free(t);
	t = text_of(prom_of, &meta);
	cr_expect(strstr(t, "\ncoldtrace_prepare_missing_containers_total 1\n"),
		  "%s", t);
	free(t);
	ct_agg_free(the_agg);
	ct_tracker_free(tk);
}
