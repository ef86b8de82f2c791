// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stand-in for Kata Containers' host processes, so that coldtrace sees
 * real kernel exec/fork/exit events in Kata's shape without a guest.
 * One binary, installed (hard-linked) under the real names; argv[0]'s
 * basename picks the part:
 *
 *   containerd-shim-kata-v2 ... -id ID start
 *	what containerd runs: spawns the long-running shim with Kata's
 *	argv (newCommand() in src/runtime/pkg/containerd-shim-v2/service.go:
 *	-namespace NS -address A -publish-binary B -id ID), prints the
 *	socket address, exits.
 *   containerd-shim-kata-v2 -namespace NS -address A ... -id ID
 *	the shim: after SETUP_MS (network, config), starts virtiofsd then
 *	the hypervisor as direct children (qemu.go StartVM: virtiofsd
 *	first, then LaunchQemu, reaped by LogAndWait), then dials the
 *	agent until it answers, as Kata's agent client does: connect(2)
 *	to the hybrid vsock (a unix socket served by the VMM), retried
 *	every DIAL_MS, then "CONNECT <port>\n" and the VMM's "OK" reply.
 *	Runs until SIGTERM (containerd's Shutdown).  Stop: SIGKILL to the
 *	hypervisor (qemu.go StopVM), reap it, stop virtiofsd, TEARDOWN_MS
 *	of cleanup, exit.
 *   qemu-system-* / cloud-hypervisor / firecracker
 *	after BOOT_MS (guest boot until the agent listens) serve the
 *	hybrid vsock in the sandbox directory: "kata.hvsock" (Kata's name
 *	for firecracker's; real qemu uses AF_VSOCK, which has no host-only
 *	transport here) or "clh.sock" (cloud-hypervisor, clh.go
 *	vsockSocketPath), answering "CONNECT <port>" with "OK <port>".
 *	qemu with -daemonize detaches first, like qemu's os_daemonize():
 *	fork, setsid, fork; the first process exits once the daemon
 *	signals "initialised" (Kata 1.x/early 2.x launched qemu this way).
 *   virtiofsd
 *	sits until killed.
 *
 * Each step appends "EVENT WALLCLOCK_NS\n" to $KATA_STANDIN_LOG (one
 * write(2) on an O_APPEND fd), stamped just before the exec/exit it
 * stands for, so the test compares coldtrace's phases with them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHIM_NAME	"containerd-shim-kata-v2"
#define CLH_NAME	"cloud-hypervisor"
#define MAX_ARGV	64
#define AGENT_PORT	1024	/* kata-agent's vsock port (vSockPort) */

static volatile sig_atomic_t stop_req;

static void on_term(int sig)
{
	(void)sig;
	stop_req = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

static void stamp(const char *event, long val)
{
	const char *path = getenv("KATA_STANDIN_LOG");
	char line[128];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof(line), "%s %llu %ld\n", event, now_ns(),
		     val);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		perror("kata-standin: log");
	close(fd);
}

static void die(const char *what)
{
	fprintf(stderr, "kata-standin: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long env_ms(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long ms;

	if (!v || !*v)
		return def;
	ms = strtol(v, &end, 10);
	if (*end || ms < 0 || ms > 600000) {
		fprintf(stderr, "kata-standin: bad %s=%s\n", name, v);
		exit(2);
	}
	return ms;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_req)
		;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Value of "-NAME V" in argv, or NULL. */
static const char *flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (argv[i][0] == '-' && !strcmp(argv[i] + 1, name))
			return argv[i + 1];
	return NULL;
}

static const char *need_flag(int argc, char **argv, const char *name)
{
	const char *v = flag(argc, argv, name);

	if (!v) {
		fprintf(stderr, "kata-standin: missing -%s\n", name);
		exit(2);
	}
	return v;
}

/* Directory of our own binary: the other stand-ins sit next to it, as
 * Kata's configuration.toml names absolute paths for them. */
static void sibling(const char *self, const char *name, char *out, size_t n)
{
	const char *s = strrchr(self, '/');
	int dlen = s ? (int)(s - self) : 1;

	snprintf(out, n, "%.*s/%s", dlen, s ? self : ".", name);
}

/* fork + exec PATH with argv[0] = PATH (Go's exec.Command does so). */
static pid_t spawn(const char *event, char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		stamp(event, (long)getpid());
		execv(argv[0], argv);
		die(argv[0]);
	}
	return pid;
}

/* --- containerd-shim-kata-v2 ... start ------------------------------- */

static int shim_start(int argc, char **argv, const char *self)
{
	const char *id = need_flag(argc, argv, "id");
	char *args[] = {
		(char *)self, "-namespace",
		(char *)need_flag(argc, argv, "namespace"), "-address",
		(char *)need_flag(argc, argv, "address"), "-publish-binary",
		(char *)need_flag(argc, argv, "publish-binary"), "-id",
		(char *)id, NULL,
	};
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* Setpgid: true in newCommand(); stdio detached from the
		 * caller so `$(... start)` returns */
		setpgid(0, 0);
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			close(fd);
		}
		stamp("shim_exec", (long)getpid());
		execv(self, args);
		die(self);
	}
	printf("unix:///run/containerd/s/standin-%s\n", id);
	fflush(stdout);
	stamp("start_exit", (long)pid);
	return 0;
}

/* --- the long-running shim ------------------------------------------- */

struct sandbox {
	const char *self;
	const char *id;
	char dir[256];		/* stands for /run/vc/vm/<id> */
	char hyp[256];
	char vfsd[256];
	pid_t hyp_pid;
	pid_t vfsd_pid;
};

/* The hybrid vsock a hypervisor serves in the sandbox directory DIR. */
static void hvsock_path(const char *hyp, const char *dir, char *out,
			size_t n)
{
	snprintf(out, n, "%s/%s", dir,
		 strcmp(base_name(hyp), CLH_NAME) ? "kata.hvsock" : "clh.sock");
}

static void sun_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "kata-standin: socket path too long: %s\n",
			path);
		exit(2);
	}
	strcpy(sa->sun_path, path);
}

static pid_t start_virtiofsd(struct sandbox *sb)
{
	char shared[320];
	char *argv[] = { sb->vfsd, "--syslog", "--cache=auto", shared,
			 "--fd=3", "--thread-pool-size=1",
			 "--announce-submounts", NULL };

	snprintf(shared, sizeof(shared), "--shared-dir=%s/shared", sb->dir);
	return spawn("virtiofsd_exec", argv);
}

/* qemu argv as govmm builds it from qemu.go's Config (abridged). */
static pid_t start_qemu(struct sandbox *sb, int daemonize)
{
	char name[200], qmp[320], chardev[320], fsdev[320], pid_file[320];
	char *argv[MAX_ARGV] = {
		sb->hyp, "-name", name, "-uuid",
		"e62392aa-df4d-4482-b269-622a8d89fc51", "-machine",
		"q35,accel=kvm", "-cpu", "host,pmu=off", "-qmp", qmp, "-m",
		"2048M,slots=10,maxmem=4096M", "-device",
		"vhost-vsock-pci,disable-modern=false,vhostfd=3,id=vsock-1,"
		"guest-cid=3", "-chardev", chardev, "-device",
		"vhost-user-fs-pci,chardev=char-1,tag=kataShared", "-kernel",
		"/usr/share/kata-containers/vmlinux.container", "-append",
		"tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
		"agent.log=debug panic=1 nr_cpus=2 selinux=0",
		"-object", fsdev, "-pidfile", pid_file, "-nodefaults",
		"-nographic", "--no-reboot", "-smp", "1,cores=1,threads=1",
	};
	int n = 0;

	while (argv[n])
		n++;
	snprintf(name, sizeof(name), "sandbox-%s", sb->id);
	snprintf(qmp, sizeof(qmp), "unix:fd=3,server=on,wait=off");
	snprintf(chardev, sizeof(chardev),
		 "socket,id=char-1,path=%s/vhost-fs.sock", sb->dir);
	snprintf(fsdev, sizeof(fsdev),
		 "memory-backend-file,id=dimm1,size=2048M,mem-path=/dev/shm,"
		 "share=on");
	snprintf(pid_file, sizeof(pid_file), "%s/pid", sb->dir);
	if (daemonize)
		argv[n++] = "-daemonize";
	argv[n] = NULL;
	return spawn("hyp_exec", argv);
}

/* cloud-hypervisor: Kata's launchClh() passes the API socket; the VM is
 * configured and booted over it (abridged: no API here). */
static pid_t start_clh(struct sandbox *sb)
{
	char api[320];
	char *argv[] = { sb->hyp, "--api-socket", api, NULL };

	snprintf(api, sizeof(api), "%s/clh-api.sock", sb->dir);
	return spawn("hyp_exec", argv);
}

static pid_t start_hypervisor(struct sandbox *sb, int daemonize)
{
	if (!strcmp(base_name(sb->hyp), CLH_NAME))
		return start_clh(sb);
	return start_qemu(sb, daemonize);
}

/*
 * Kata's agent dialer over hybrid vsock: connect until the VMM's socket
 * accepts (ENOENT before it exists, ECONNREFUSED before it listens),
 * stamp that connect (coldtrace's "agent reachable"), then the CONNECT
 * handshake.
 */
static void dial_agent(struct sandbox *sb)
{
	char path[320], buf[64];
	struct sockaddr_un sa;
	long dial_ms = env_ms("KATA_STANDIN_DIAL_MS", 10);
	int fd, n;

	hvsock_path(sb->hyp, sb->dir, path, sizeof(path));
	sun_addr(&sa, path);
	for (int tries = 0;; tries++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(fd);
		if (tries > 30000 / (dial_ms ? dial_ms : 1) || stop_req) {
			fprintf(stderr, "kata-standin: agent not reachable\n");
			exit(1);
		}
		sleep_ms(dial_ms);
	}
	stamp("agent_connect", 0);
	n = snprintf(buf, sizeof(buf), "CONNECT %d\n", AGENT_PORT);
	if (write(fd, buf, (size_t)n) != n)
		die("hvsock write");
	n = (int)read(fd, buf, sizeof(buf) - 1);
	if (n < 2 || strncmp(buf, "OK", 2)) {
		fprintf(stderr, "kata-standin: no OK from the hypervisor\n");
		exit(1);
	}
	close(fd);
	stamp("agent_ready", 0);
}

static void reap(pid_t pid, const char *event)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	stamp(event, (long)pid);
}

/* qemu -daemonize: the daemon's pid is in -pidfile, not our child. */
static pid_t read_pidfile(const char *dir)
{
	char path[320], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/pid", dir);
	for (int i = 0; i < 500; i++) {
		f = fopen(path, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
			if (atoi(buf) > 0)
				return atoi(buf);
		}
		sleep_ms(10);
	}
	fprintf(stderr, "kata-standin: no hypervisor pid file\n");
	exit(1);
}

/* Not our child: gone once it is a zombie, since whoever inherited the
 * orphan may reap it late. */
static bool alive(pid_t pid)
{
	char path[64], buf[256], *p;
	bool live = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		live = p && p[1] == ' ' && p[2] != 'Z';
	}
	fclose(f);
	return live;
}

static void wait_gone(pid_t pid)
{
	while (alive(pid))
		sleep_ms(1);
}

static int shim_run(int argc, char **argv, const char *self)
{
	struct sandbox sb = { .self = self };
	int daemonize = env_ms("KATA_STANDIN_DAEMONIZE", 0) != 0;
	const char *hyp = getenv("KATA_STANDIN_HYPERVISOR");
	const char *run_dir = getenv("KATA_STANDIN_DIR");
	struct sigaction sa = { .sa_handler = on_term };

	sb.id = need_flag(argc, argv, "id");
	sigaction(SIGTERM, &sa, NULL);
	snprintf(sb.dir, sizeof(sb.dir), "%s/%s", run_dir ? run_dir : "/tmp",
		 sb.id);
	sibling(self, hyp ? hyp : "qemu-system-x86_64", sb.hyp,
		sizeof(sb.hyp));
	sibling(self, "virtiofsd", sb.vfsd, sizeof(sb.vfsd));

	/* Kata's VMStorePath/<id>: sockets, qemu's pid file */
	if (mkdir(sb.dir, 0750) && errno != EEXIST)
		die(sb.dir);
	sleep_ms(env_ms("KATA_STANDIN_SETUP_MS", 50));
	sb.vfsd_pid = start_virtiofsd(&sb);
	sb.hyp_pid = start_hypervisor(&sb, daemonize);
	if (daemonize) {
		reap(sb.hyp_pid, "hyp_parent_exit");
		sb.hyp_pid = read_pidfile(sb.dir);
	}
	dial_agent(&sb);

	while (!stop_req)
		pause();
	stamp("stop", 0);
	kill(sb.hyp_pid, SIGKILL);
	if (daemonize)
		wait_gone(sb.hyp_pid);
	else
		reap(sb.hyp_pid, "hyp_reaped");
	stamp("hyp_gone", 0);
	kill(sb.vfsd_pid, SIGTERM);
	reap(sb.vfsd_pid, "virtiofsd_reaped");
	sleep_ms(env_ms("KATA_STANDIN_TEARDOWN_MS", 100));
	stamp("shim_exit", (long)getpid());
	return 0;
}

/* --- hypervisor and virtiofsd ------------------------------------------ */

/* qemu's os_daemonize(): the caller's process returns (exits) only once
 * the grandchild reports that initialisation finished. */
static void qemu_daemonize(char **argv, int argc)
{
	const char *pidfile = flag(argc, argv, "pidfile");
	int fds[2];
	char ok = 0;
	pid_t pid;

	if (pipe(fds))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0) {
		close(fds[1]);
		_exit(read(fds[0], &ok, 1) == 1 && ok == 0 ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0)
		_exit(0);
	sleep_ms(env_ms("KATA_STANDIN_QEMU_INIT_MS", 20));
	stamp("hyp_daemon", (long)getpid());
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	if (write(fds[1], &ok, 1) != 1)
		die("daemonize pipe");
	close(fds[1]);
}

/* The sandbox directory: where qemu's -pidfile or clh's API socket is. */
static void sandbox_dir(int argc, char **argv, char *out, size_t n)
{
	const char *p = flag(argc, argv, "pidfile");
	const char *s;

	if (!p)
		p = flag(argc, argv, "-api-socket");
	if (!p || !(s = strrchr(p, '/'))) {
		fprintf(stderr, "kata-standin: no -pidfile/--api-socket\n");
		exit(2);
	}
	snprintf(out, n, "%.*s", (int)(s - p), p);
}

/* One hybrid vsock client: "CONNECT <port>\n" -> "OK <port>\n". */
static void serve_one(int lfd)
{
	char buf[64];
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	int n;

	if (fd < 0)
		return;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	if (n > 8 && !strncmp(buf, "CONNECT ", 8)) {
		buf[n] = '\0';
		n = snprintf(buf, sizeof(buf), "OK %d\n", atoi(buf + 8));
		if (write(fd, buf, (size_t)n) != n)
			perror("kata-standin: hvsock reply");
	}
	close(fd);
}

/* The guest boots for BOOT_MS, then the agent answers on the hvsock. */
static int hypervisor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	char dir[320], path[400];
	struct sockaddr_un addr;
	int lfd;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-daemonize"))
			qemu_daemonize(argv, argc);
	sigaction(SIGTERM, &sa, NULL);
	sandbox_dir(argc, argv, dir, sizeof(dir));
	hvsock_path(argv[0], dir, path, sizeof(path));
	sun_addr(&addr, path);
	sleep_ms(env_ms("KATA_STANDIN_BOOT_MS", 300));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 16))
		die(path);
	stamp("agent_listen", (long)getpid());
	while (!stop_req)
		serve_one(lfd);
	return 0;
}

static int idle(void)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
	while (!stop_req)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	char self[512];
	const char *base;
	ssize_t n;

	if (argc < 1)
		return 2;
	base = base_name(argv[0]);
	if (!strcmp(base, SHIM_NAME)) {
		/* the path we were run by, as os.Executable() would give */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			die("readlink /proc/self/exe");
		self[n] = '\0';
		/* hard links: keep the shim's own name, not the target's */
		if (strcmp(base_name(self), SHIM_NAME))
			snprintf(self, sizeof(self), "%s", argv[0]);
		if (!strcmp(argv[argc - 1], "start")) {
			/* the closest stamp to our own exec we can take */
			stamp("start_main", (long)getpid());
			return shim_start(argc, argv, self);
		}
		return shim_run(argc, argv, self);
	}
	if (!strncmp(base, "qemu-system-", 12) || !strcmp(base, CLH_NAME) ||
	    !strcmp(base, "firecracker"))
		return hypervisor(argc, argv);
	if (!strcmp(base, "virtiofsd"))
		return idle();
	fprintf(stderr, "kata-standin: unknown name %s\n", base);
	return 2;
}
