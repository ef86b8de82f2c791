// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Who asked for each container (user/enrich/client.c), and prepare's anchor. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "container.h"
#include "engine.h"
#include "fixture.h"
#include "tsession.h"
#include "util.h"

#define SOCK	"/run/ct/docker.sock"

/* Every record of f into a new table. */
static struct ct_clients *feed(const struct ct_fx *f)
{
	struct ct_clients *t = ct_clients_new(0, fx_model(), fx_engines()->client);

	cr_assert(t);
	for (size_t off = 0; off < f->len;) {
		const struct ct_hdr *h = (const void *)(f->buf + off);

		ct_procs_feed(fx_model(), h, h->size);
		ct_clients_feed(t, h, h->size);
		off += h->size;
	}
	return t;
}

static void container(struct ct_container *c, enum ct_engine_kind eng,
		      const char *id, const char *name, uint64_t first_ms)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->engine = eng;
	c->first_ns = first_ms * FX_MS;
}

/* The exec just appended says its parent is ppid (fx_exec says 0). */
static void exec_ppid(struct ct_fx *f, uint32_t ppid)
{
	struct ct_hdr *h = (void *)(f->buf + f->len - sizeof(struct ct_exec));

	cr_assert_eq(h->type, CT_EV_EXEC);
	h->ppid = ppid;
}

/* pid's client exec at ms, forked by 1000, then its request at ms+10 */
static void client_at(struct ct_fx *f, uint64_t ms, uint32_t pid,
		      const char *const *argv)
{
	fx_at(f, ms);
	fx_fork(f, 1000, pid);
	fx_execv(f, pid, "/usr/bin/docker", argv);
	exec_ppid(f, 1000);
	fx_at(f, ms + 10);
	fx_connect(f, pid, pid, SOCK, 0);
}

#define ARGV(...)	((const char *const[]){ __VA_ARGS__, NULL })

Test(client, docker_sole_client)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	fx_at(&f, 90);
	fx_connect(&f, 500, 500, SOCK, 0);	/* before it was a client */
	client_at(&f, 100, 500, ARGV("docker", "run", "--rm", "img", "true"));
	fx_at(&f, 115);
	fx_connect(&f, 500, 501, "/run/other.sock", 0);	/* not its first */
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 500);
	cr_assert_str_eq(cl.comm, "p500", "the exec record's comm");
	cr_assert_eq(cl.ppid, 1000);
	cr_assert_str_eq(cl.parent_comm, "p1000", "the forking parent's comm");
	cr_assert_eq(cl.exec_ns, 100 * FX_MS);
	cr_assert_eq(cl.request_ns, 110 * FX_MS);
	cr_assert_eq(ct_client_request_ns(&cl), 100 * FX_MS);
	cr_assert_eq(cl.args_len, sizeof("docker\0run\0--rm\0img\0true"));
	cr_assert_not(cl.args_truncated);
	ct_clients_free(t);
	fx_free(&f);
}

/*
 * Its first data on stdin (a request handed to `docker run -i`) is kept
 * with how long it waited: later data, a failed read and another
 * process's stdin are not its.
 */
Test(client, stdin_first_data)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "run", "-i", "img", "step"));
	fx_at(&f, 200);
	fx_stdin(&f, 500, 0, 50);	/* end of file: no request */
	fx_stdin(&f, 501, 3, 50);	/* not a client */
	fx_at(&f, 900);
	fx_stdin(&f, 500, 3, 700);
	fx_at(&f, 950);
	fx_stdin(&f, 500, 3, 1);
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.stdin_ns, 900 * FX_MS);
	cr_assert_eq(cl.stdin_wait_ns, 700 * FX_MS);
	ct_clients_free(t);
	fx_free(&f);
}

/* Two `docker run` alive: only argv (--name) can decide. */
Test(client, docker_ambiguous_unless_named)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl = { 0 };
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "run", "img", "true"));
	client_at(&f, 101, 600, ARGV("docker", "-H", "unix://" SOCK,
				     "container", "run", "--name=web", "img"));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);	/* name not known */
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_AMBIGUOUS);
	cr_assert_eq(cl.pid, 0, "nothing said when ambiguous");
	container(&c, CT_ENG_DOCKER, "c1", "web", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 600);
	/* another name: the named client is not a candidate, the other is */
	container(&c, CT_ENG_DOCKER, "c2", "happy_turing", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 500);
	ct_clients_free(t);
	fx_free(&f);
}

/* Lifetime and request: a client must enclose the start of the
 * container's first phase, and have asked before it. */
Test(client, docker_lifetime)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "run", "img"));
	client_at(&f, 100, 600, ARGV("docker", "run", "img"));
	fx_at(&f, 140);
	fx_exit(&f, 600, 0);		/* gone before 150 */
	client_at(&f, 145, 700, ARGV("docker", "run", "img"));
	fx_at(&f, 200);			/* 700 asked at 155: too late */
	client_at(&f, 160, 800, ARGV("docker", "run", "img"));	/* later */
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 500);
	/* 60 s later, a client alive that long ago did not ask */
	container(&c, CT_ENG_DOCKER, "c2", "", 100 + 60001);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_AMBIGUOUS,
		     "700 and 800 are candidates, 500 is too old");
	ct_clients_free(t);
	fx_free(&f);
}

/* Other commands are no clients; a global flag's value is no command. */
Test(client, docker_not_clients)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "ps"));
	client_at(&f, 100, 501, ARGV("docker", "--context", "run", "ps"));
	client_at(&f, 100, 502, ARGV("docker", "container", "ls"));
	client_at(&f, 100, 503, ARGV("/usr/bin/dockerd", "run"));
	client_at(&f, 100, 504, ARGV("docker"));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_NONE);
	ct_clients_free(t);
	fx_free(&f);
}

/* docker run clients 500 and 600 (at 100 ms), of dockerd 10 and 20. */
static void two_docker_clients(struct ct_fx *f)
{
	struct ct_connect *k;

	fx_init(f);
	client_at(f, 100, 500, ARGV("docker", "run", "img"));
	k = (void *)(f->buf + f->len - sizeof(*k));
	k->peer_pid = 10;
	client_at(f, 100, 600, ARGV("docker", "run", "img"));
	k = (void *)(f->buf + f->len - sizeof(*k));
	k->peer_pid = 20;
}

/* Two dockerd: a client asked the one listening on its socket, and a
 * container's dockerd runs its network hook as /proc/<pid>/exe. */
Test(client, docker_two_engines)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	two_docker_clients(&f);
	fx_at(&f, 160);
	fx_exec(&f, 700, "/proc/20/exe", "libnetwork-setkey",
		"-exec-root=/run/docker", "c1", "abcdef123456");
	fx_exec(&f, 701, "/usr/bin/libnetwork-setkey", "libnetwork-setkey",
		"-exec-root=/run/docker", "c3", "abcdef123456");
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 600, "the client of dockerd 20");
	container(&c, CT_ENG_DOCKER, "c2", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_AMBIGUOUS,
		     "its dockerd not known: both are candidates");
	container(&c, CT_ENG_DOCKER, "c3", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_AMBIGUOUS,
		     "a hook not run as /proc/N/exe says no dockerd");
	ct_clients_free(t);
	fx_free(&f);
}

/* Docker 28 runs no setkey hook: dockerd's own mkdir of
 * <data-root>/containers/<id> says which dockerd made the container. */
Test(client, docker_engine_by_mkdir)
{
	static const char id[] = "90cfb6cbe5d613ab71b5732e9a0685c5"
				 "d95cc2cf1080516efb815ff6da7346b1";
	struct ct_container c;
	struct ct_mkdir m = { 0 };
	struct ct_client cl;
	struct ct_clients *t;
	struct ct_fx f;

	two_docker_clients(&f);
	m.hdr.type = CT_EV_MKDIR;
	m.hdr.size = sizeof(m);
	m.hdr.pid = 20;
	m.hdr.ts_ns = 140 * 1000000ull;
	snprintf(m.path, sizeof(m.path), "/var/lib/d2/containers/%s", id);
	fx_raw(&f, &m, sizeof(m));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, id, "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 600, "the client of dockerd 20");
	ct_clients_free(t);
	fx_free(&f);
}

/* `docker start X`: X is a name or an id prefix. */
Test(client, docker_start)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "start", "-a",
				     "--detach-keys", "ctrl-x", "abc1"));
	client_at(&f, 100, 600, ARGV("docker", "start", "web"));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "abc123", "other", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 500);
	container(&c, CT_ENG_DOCKER, "def456", "web", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 600);
	container(&c, CT_ENG_DOCKER, "def456", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_AMBIGUOUS,
		     "without its name, web may be def456: two candidates");
	ct_clients_free(t);
	fx_free(&f);
}

/* A pid that execs another program is no longer that client. */
Test(client, exec_ends_client)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "run", "img"));
	fx_at(&f, 120);
	fx_exec(&f, 500, "/bin/sleep", "sleep", "1");
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_NONE);
	ct_clients_free(t);
	fx_free(&f);
}

Test(client, ctr_and_podman_by_id)
{
	struct ct_fx f;
	struct ct_container c;
	struct ct_client cl;
	struct ct_clients *t;

	fx_init(&f);
	fx_at(&f, 100);
	fx_exec(&f, 500, "/usr/bin/ctr", "ctr", "-n", "default", "run",
		"--rm", "img", "ctr-one", "true");
	fx_exec(&f, 600, "/usr/bin/podman", "podman", "run", "--rm", "img");
	fx_exec(&f, 601, "/usr/bin/podman", "podman", "run", "--rm", "img");
	fx_at(&f, 130);
	fx_fork(&f, 601, 602);
	fx_exec(&f, 602, "/usr/bin/conmon", "conmon", "--api-version", "1",
		"-c", "pod1", "-u", "pod1", "-r", "/usr/bin/runc", "-b",
		"/b", "-n", "web");
	exec_ppid(&f, 601);
	t = feed(&f);
	container(&c, CT_ENG_CONTAINERD, "ctr-one", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 500);
	cr_assert_eq(cl.request_ns, 0, "no connect seen");
	container(&c, CT_ENG_CONTAINERD, "ctr-two", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_NONE);
	container(&c, CT_ENG_PODMAN, "pod1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 601, "the podman whose child is its conmon");
	container(&c, CT_ENG_CRI, "pod1", "", 150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_NONE);
	ct_clients_free(t);
	fx_free(&f);
}

/* ---- recordings (tests/fixtures/README.md) ---- */

/* An exact client's exec is where prepare, and the record, begin. */
static void assert_front(const struct ct_container *c, const char *what)
{
	cr_assert(c->has_client, "%s: no client", what);
	cr_assert(ct_has_phase(c, CT_PH_PREPARE), "%s", what);
	cr_assert_eq(c->phases[CT_PH_PREPARE].start_ns, c->client.exec_ns,
		     "%s", what);
	cr_assert_eq(c->first_ns, c->client.exec_ns, "%s", what);
}

static void assert_docker_client(const struct ct_container *c,
				 const struct tj *want, const char *what)
{
	assert_front(c, what);
	ts_assert_argv(&c->client, want, 0, what);
	cr_assert_str_eq(c->client.comm, "docker", "%s", what);
	cr_assert(c->client.ppid && c->client.parent_comm[0],
		  "%s: its parent and its fork were recorded", what);
	cr_assert_gt(c->client.request_ns, c->client.exec_ns, "%s", what);
	cr_assert_lt(c->client.request_ns, c->phases[CT_PH_ATTACH].start_ns,
		     "%s", what);
}

Test(client, recording_docker)
{
	struct ts_all a;

	ts_replay_all("docker-client", &a);
	assert_docker_client(&a.c[0],
			     tj_get(a.sidecar, "containers.0.client_argv"),
			     "docker-client");
	ts_all_free(&a);
}

/* Named ones matched, unnamed ones left out and counted. */
static void recording_many(const char *name)
{
	uint64_t ambiguous, unnamed = 0;
	struct ts_all a;
	char key[48];

	ts_replay_all(name, &a);
	cr_assert(tj_u64(a.sidecar, "ambiguous_clients", &ambiguous));
	for (size_t i = 0; i < a.n; i++) {
		const struct tj *want;

		snprintf(key, sizeof(key), "containers.%zu.client_argv", i);
		want = tj_get(a.sidecar, key);
		if (want && want->type == TJ_ARR) {
			assert_docker_client(&a.c[i], want, name);
			continue;
		}
		cr_assert_not(a.c[i].has_client, "%s: %s has a client", name,
			      a.c[i].id);
		unnamed++;
	}
	cr_assert_eq(unnamed, ambiguous, "the sidecar's count");
	/* other engineers' containers on the host may add theirs */
	cr_assert_geq(a.st.ambiguous_clients, ambiguous);
	ts_all_free(&a);
}

Test(client, recording_docker_six)
{
	recording_many("docker-client6");
}

Test(client, recording_docker_ambiguous)
{
	recording_many("docker-ambiguous");
}

/* The podman client: its argv says `--name` as the sidecar's name. */
Test(client, recording_podman)
{
	static const char *const names[] = { "podman-runc", "podman-crun",
					     "podman-exit3", "podman-detach" };
	struct ts_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *want;
		struct ct_argv v;
		int k;

		ts_replay(names[i], CT_READY_LISTEN, &r);
		want = tj_str(r.sidecar, "containers.0.name");
		cr_assert(want, "%s: sidecar has no name", names[i]);
		assert_front(&r.c, names[i]);
		cr_assert_str_eq(r.c.client.comm, "podman", "%s", names[i]);
		ct_argv_split(r.c.client.args, r.c.client.args_len, &v);
		for (k = 0; k + 1 < v.argc; k++)
			if (!strcmp(v.argv[k], "--name"))
				break;
		cr_assert(k + 1 < v.argc, "%s: no --name", names[i]);
		cr_assert_str_eq(v.argv[k + 1], want, "%s", names[i]);
		ts_free(&r);
	}
}

/* ctr: the client is the command the sidecar ran. */
Test(client, recording_ctr)
{
	static const char *const names[] = { "ctr-runc", "ctr-runc-binary",
					     "ctr-crun-binary" };
	struct ts_result r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ts_replay(names[i], CT_READY_LISTEN, &r);
		assert_front(&r.c, names[i]);
		ts_assert_argv(&r.c.client, tj_get(r.sidecar, "command"), 0,
			       names[i]);
		cr_assert_str_eq(r.c.client.comm, "ctr");
		ts_free(&r);
	}
}

/*
 * A name longer than the record holds: the client's --name (cut at its
 * own buffer) still names the container whose name ends in CT_NAME_CUT.
 */
Test(client, docker_long_name_cut)
{
	char longname[202], arg[210];
	struct ct_client cl = { 0 };
	struct ct_container c;
	struct ct_clients *t;
	struct ct_fx f;

	memset(longname, 'a', 201);
	longname[201] = '\0';
	snprintf(arg, sizeof(arg), "--name=%s", longname);
	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "run", "img", "true"));
	client_at(&f, 101, 600, ARGV("docker", "run", arg, "img"));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, "c1", "", 150);
	ct_name_copy(c.name, sizeof(c.name), longname, strlen(longname));
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_assert_eq(cl.pid, 600);
	ct_clients_free(t);
	fx_free(&f);
}

/*
 * docker create (alive while dockerd makes containers/<id>), 20 s later
 * docker start: the start is the client, the create its creator.
 */
Test(client, docker_creator_of_started)
{
	static const char id[] = "6b0d04ce1744714d3dd4c83a511fa293"
				 "2f5d8fb5d73799463431b9fffe973f66";
	struct ct_container c;
	struct ct_mkdir m = { 0 };
	struct ct_interval cr;
	struct ct_client cl;
	struct ct_clients *t;
	struct ct_fx f;

	fx_init(&f);
	client_at(&f, 100, 500, ARGV("docker", "create", "--name", "web",
				     "img"));
	client_at(&f, 105, 510, ARGV("docker", "create", "img"));
	m.hdr.type = CT_EV_MKDIR;
	m.hdr.size = sizeof(m);
	m.hdr.pid = 20;
	m.hdr.ts_ns = 140 * FX_MS;
	snprintf(m.path, sizeof(m.path), "/var/lib/docker/containers/%s", id);
	fx_raw(&f, &m, sizeof(m));
	fx_at(&f, 200);
	fx_exit(&f, 500, 0);
	fx_exit(&f, 510, 0);
	client_at(&f, 20100, 600, ARGV("docker", "start", "-a", "web"));
	t = feed(&f);
	container(&c, CT_ENG_DOCKER, id, "web", 20150);
	cr_assert_eq(ct_clients_match(t, &c, &cl), CT_CLIENT_EXACT);
	cr_expect_eq(cl.pid, 600);
	cr_expect(cl.is_start);
	cr_assert(ct_clients_creator(t, &c, &cr), "the named create");
	cr_expect_eq(cr.start_ns, 100 * FX_MS);
	cr_expect_eq(cr.end_ns, 200 * FX_MS);
	container(&c, CT_ENG_DOCKER, id, "", 20150);
	cr_expect_not(ct_clients_creator(t, &c, &cr),
		      "no name: either create may have made it");
	ct_clients_free(t);
	fx_free(&f);
}
