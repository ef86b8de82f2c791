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
 *	first, then LaunchQemu, reaped by LogAndWait), waits BOOT_MS
 *	(QMP handshake, guest boot, agent answering on vsock), then runs
 *	until SIGTERM (containerd's Shutdown).  Stop: SIGKILL to the
 *	hypervisor (qemu.go StopVM), reap it, stop virtiofsd, TEARDOWN_MS
 *	of cleanup, exit.
 *   qemu-system-* / cloud-hypervisor / firecracker / virtiofsd
 *	sit until killed.  qemu with -daemonize detaches like qemu's
 *	os_daemonize(): fork, setsid, fork; the first process exits once
 *	the daemon signals "initialised" (Kata 1.x/early 2.x launched qemu
 *	this way).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHIM_NAME	"containerd-shim-kata-v2"
#define MAX_ARGV	64

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
	sb.hyp_pid = start_qemu(&sb, daemonize);
	if (daemonize) {
		reap(sb.hyp_pid, "hyp_parent_exit");
		sb.hyp_pid = read_pidfile(sb.dir);
	}
	sleep_ms(env_ms("KATA_STANDIN_BOOT_MS", 300));
	stamp("agent_ready", 0);

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

static int idle(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-daemonize"))
			qemu_daemonize(argv, argc);
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
	if (!strncmp(base, "qemu-system-", 12) ||
	    !strcmp(base, "cloud-hypervisor") ||
	    !strcmp(base, "firecracker") || !strcmp(base, "virtiofsd"))
		return idle(argc, argv);
	fprintf(stderr, "kata-standin: unknown name %s\n", base);
	return 2;
}
