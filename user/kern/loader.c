// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF loader: probes the features coldtrace needs and turns each missing
 * one into a single line that says what is missing and how to fix it,
 * then opens, sizes, loads and attaches the lifecycle skeleton, and
 * drains the ring buffer(s) the other tracers share with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "comm_table.h"
#include "errmsg.h"
#include "kfeatures_bpf.h"
#include "loader.h"
#include "pidns.h"
#include "lifecycle.skel.h"
#include "util.h"
#include "wallclock.h"

/* libbpf prefers the debugfs path when it exists; so must we. */
#define DEBUGFS_TRACING	"/sys/kernel/debug/tracing"
#define TRACEFS		"/sys/kernel/tracing"
#define MEMCG_V1	"/sys/fs/cgroup/memory"

/*
 * One ring buffer the reader drains, with its consumer and producer
 * positions mapped read-only (the kernel's first two pages of the map)
 * so that each record read also tells how many bytes were outstanding:
 * the peak is what the ring's size must hold (ct_loader_ring_use()).
 */
struct ring_watch {
	struct ct_loader *l;
	const volatile unsigned long *cons;
	const volatile unsigned long *prod;
	size_t map_len;
	struct ct_ring_use use;
};

struct ct_loader {
	struct lifecycle_bpf *skel;
	struct ring_buffer *rb;
	struct ring_watch rings[CT_LOADER_RINGS_MAX];
	int nr_rings;
	ct_event_fn fn;
	void *ctx;
	bool verbose;
	enum ct_cgroup_mode cgroup_mode;
	int64_t mono_to_real;
	int nr_cpus;
};

/*
 * libbpf's print callback is process-wide.  While starting quietly we
 * keep libbpf's messages instead of printing them, so that a failure
 * becomes one line built from them (which program, which error).
 */
static struct {
	bool verbose;
	bool capturing;
	char failed_prog[64];	/* from "prog 'X': BPF program load failed" */
	bool verifier;		/* the failure came from BPF_PROG_LOAD */
	char last_warn[160];
} pr;

static void note_warning(const char *msg)
{
	const char *p = strstr(msg, "prog '");
	size_t len = strcspn(msg, "\n");

	if (len >= sizeof(pr.last_warn))
		len = sizeof(pr.last_warn) - 1;
	memcpy(pr.last_warn, msg, len);
	pr.last_warn[len] = '\0';
	if (!p || pr.failed_prog[0])
		return;
	if (!strstr(msg, "failed") && !strstr(msg, "relo"))
		return;
	sscanf(p, "prog '%63[^']'", pr.failed_prog);
	pr.verifier = strstr(msg, "BPF program load failed") != NULL;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char msg[512];

	if (pr.verbose)
		return vfprintf(stderr, fmt, ap);
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (pr.capturing) {
		note_warning(msg);
		return 0;
	}
	return fputs(msg, stderr);
}

/* Extensions may load before ct_loader_start() has set the callback. */
static void ensure_print(void)
{
	static bool installed;

	if (!installed)
		libbpf_set_print(libbpf_print);
	installed = true;
}

static const char *tracefs_dir(void)
{
	return access(DEBUGFS_TRACING, F_OK) == 0 ? DEBUGFS_TRACING : TRACEFS;
}

static int check_root(char *err, size_t errlen)
{
	if (geteuid() != 0)
		return ct_fail(err, errlen, -EPERM,
			    "must run as root (BPF and tracefs need it): try sudo coldtrace ...");
	return 0;
}

/* Syscall tracepoints are looked up in tracefs, which may not be mounted. */
static int ensure_tracefs(char *err, size_t errlen)
{
	const char *dir = tracefs_dir();
	char events[64];

	snprintf(events, sizeof(events), "%s/events", dir);
	if (access(events, F_OK) == 0)
		return 0;
	if (strcmp(dir, TRACEFS) != 0 || access(TRACEFS, F_OK) != 0)
		return ct_fail(err, errlen, -ENOENT,
			    "tracefs not found at %s: kernel built without CONFIG_FTRACE?",
			    dir);
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0)
		return ct_fail(err, errlen, -errno,
			    "tracefs is not mounted and mounting it failed (%s): try mount -t tracefs nodev %s",
			    strerror(errno), TRACEFS);
	return 0;
}

static int check_tracefs_event(const char *tp, char *err, size_t errlen)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s", tracefs_dir(), tp);
	if (access(path, F_OK) == 0)
		return 0;
	return ct_fail(err, errlen, -ENOENT,
		    "tracepoint %s not found (no %s): kernel lacks it (CONFIG_FTRACE_SYSCALLS for syscalls/*)",
		    tp, path);
}

static int check_btf_tp(struct btf *btf, const char *tp, char *err,
			size_t errlen)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	if (btf && btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0)
		return 0;
	return ct_fail(err, errlen, -ENOENT,
		    "tracepoint %s not found in kernel BTF: this kernel does not have it",
		    tp);
}

static int check_prog(struct bpf_program *prog, struct btf **btf, char *err,
		      size_t errlen)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	if (!bpf_program__autoload(prog) || !slash)
		return 0;
	if (!strncmp(sec, "tracepoint/", 11) || !strncmp(sec, "tp/", 3))
		return check_tracefs_event(slash + 1, err, errlen);
	if (strncmp(sec, "tp_btf/", 7) && strncmp(sec, "raw_tp/", 7) &&
	    strncmp(sec, "raw_tracepoint/", 15))
		return 0;
	if (!*btf)
		*btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(*btf))
		*btf = NULL;
	return check_btf_tp(*btf, slash + 1, err, errlen);
}

int ct_loader_check_progs(struct bpf_object *obj, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct btf *btf = NULL;
	int rc = 0;

	bpf_object__for_each_program(prog, obj) {
		rc = check_prog(prog, &btf, err, errlen);
		if (rc)
			break;
	}
	btf__free(btf);
	return rc;
}

int ct_loader_load_obj(struct bpf_object *obj, char *err, size_t errlen)
{
	bool was_capturing = pr.capturing;
	int rc;

	pr.failed_prog[0] = '\0';
	pr.last_warn[0] = '\0';
	pr.verifier = false;
	rc = ct_features_apply(obj, err, errlen);
	if (rc)
		return rc;
	ensure_print();
	pr.capturing = true;
	rc = bpf_object__load(obj);
	pr.capturing = was_capturing;
	if (!rc)
		return 0;
	if (pr.failed_prog[0] && pr.verifier)
		return ct_fail(err, errlen, rc,
			    "BPF program %s rejected by the verifier; run with -v for the log",
			    pr.failed_prog);
	if (pr.failed_prog[0])
		return ct_fail(err, errlen, rc,
			    "BPF program %s could not be prepared (CO-RE relocation against this kernel failed); run with -v for details",
			    pr.failed_prog);
	return ct_fail(err, errlen, rc,
		    "loading BPF object %s failed: %s (%s); run with -v for details",
		    bpf_object__name(obj), strerror(-rc),
		    pr.last_warn[0] ? pr.last_warn : "no libbpf message");
}

int ct_loader_prep_obj(const struct ct_obj_prep *p, struct bpf_object *obj,
		       char *err, size_t errlen)
{
	int rc;

	if (!obj) {
		rc = -errno;
		return ct_fail(err, errlen, rc,
			       "%s: opening BPF object failed: %s", p->who,
			       strerror(-rc));
	}
	rc = p->events ? ct_loader_share_events(p->events, obj) : 0;
	if (rc)
		return ct_fail(err, errlen, rc,
			       "%s: sharing the ring buffer failed: %s", p->who,
			       strerror(-rc));
	rc = p->setup ? p->setup(p->ctx, err, errlen) : 0;
	if (!rc)
		rc = ct_loader_check_progs(obj, err, errlen);
	return rc ? rc : ct_loader_load_obj(obj, err, errlen);
}

static struct bpf_prog_skeleton *skel_prog(struct bpf_object_skeleton *s,
					   int i)
{
	return (void *)((char *)s->progs + (size_t)i * s->prog_skel_sz);
}

int ct_loader_attach_skel(struct bpf_object_skeleton *s, char *err,
			  size_t errlen)
{
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = skel_prog(s, i);
		struct bpf_program *prog = *ps->prog;
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) ||
		    !bpf_program__autoattach(prog) || *ps->link)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			int rc = -errno;

			return ct_fail(err, errlen, rc,
				    "attaching BPF program %s to %s failed: %s; run with -v for details",
				    ps->name, bpf_program__section_name(prog),
				    strerror(-rc));
		}
		*ps->link = link;
	}
	return 0;
}

bool ct_loader_detach_one(struct bpf_object_skeleton *s)
{
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *ps = skel_prog(s, i);

		if (*ps->link) {
			bpf_link__destroy(*ps->link);
			*ps->link = NULL;
			return true;
		}
	}
	return false;
}

static enum ct_cgroup_mode detect_cgroup_mode(void)
{
	struct statfs st;

	/* A v1 memory hierarchy is what docker's cgroupfs driver uses. */
	if (statfs(MEMCG_V1, &st) == 0 && st.f_type == CGROUP_SUPER_MAGIC)
		return CT_CGROUP_V1_MEMORY;
	return CT_CGROUP_V2;
}

/* --ringbuf checked the range; the page size is only known here. */
static int ringbuf_size(size_t want, __u32 *out, char *err, size_t errlen)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (!want)
		want = CT_RINGBUF_DEFAULT;
	if (want > CT_RINGBUF_MAX || want % pg || (want & (want - 1)))
		return ct_fail(err, errlen, -EINVAL,
			    "ring buffer size %zu: must be a power of two, a multiple of the page size (%zu) and at most %zu bytes",
			    want, pg, CT_RINGBUF_MAX);
	*out = (__u32)want;
	return 0;
}

/*
 * Read before the record is handled: libbpf moves the consumer position
 * past it after the callback, so the backlog includes the space it took.
 */
static int on_record(void *ctx, void *data, size_t size)
{
	struct ring_watch *w = ctx;
	size_t backlog = *w->prod - *w->cons;

	if (backlog > w->use.peak)
		w->use.peak = backlog;
	return w->l->fn(w->l->ctx, data, size);
}

static int map_ring_pos(struct ring_watch *w, int fd)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	w->map_len = 2 * pg;
	w->cons = p;
	w->prod = (const void *)((char *)p + pg);
	return 0;
}

/* A new watch for the ring buffer map fd: its name, size, positions. */
static int watch_ring(struct ct_loader *l, int fd, struct ring_watch **out)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	struct ring_watch *w;
	int rc;

	if (l->nr_rings >= CT_LOADER_RINGS_MAX)
		return -E2BIG;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	w = &l->rings[l->nr_rings];
	rc = map_ring_pos(w, fd);
	if (rc)
		return rc;
	w->l = l;
	ct_copy_str(w->use.name, sizeof(w->use.name), info.name,
		    sizeof(info.name));
	w->use.size = info.max_entries;
	l->nr_rings++;
	*out = w;
	return 0;
}

static void unwatch_rings(struct ct_loader *l)
{
	for (int i = 0; i < l->nr_rings; i++)
		munmap((void *)l->rings[i].cons, l->rings[i].map_len);
	l->nr_rings = 0;
}

static int new_reader(struct ct_loader *l, char *err, size_t errlen)
{
	int fd = bpf_map__fd(l->skel->maps.events);
	struct ring_watch *w;
	int rc;

	rc = watch_ring(l, fd, &w);
	if (rc)
		return ct_fail(err, errlen, rc,
			    "mapping the ring buffer's positions failed: %s",
			    strerror(-rc));
	l->rb = ring_buffer__new(fd, on_record, w, NULL);
	if (!l->rb)
		return ct_fail(err, errlen, -errno,
			    "creating the ring buffer reader failed: %s",
			    strerror(errno));
	return 0;
}

/* What ct_loader_prep_obj() sets on the lifecycle before its load. */
struct lifecycle_setup {
	struct ct_loader *l;
	const struct ct_loader_opts *o;
	__u32 rb_size;
};

static int setup_lifecycle(void *ctx, char *err, size_t errlen)
{
	struct lifecycle_setup *ls = ctx;
	struct lifecycle_bpf *skel = ls->l->skel;
	int rc;

	if (ct_comm_pats(CT_COMM_CLIENT, skel->rodata->client_pats,
			 CT_CLIENT_PATS) < 0 ||
	    ct_comm_pats(CT_COMM_TRIGGER, skel->rodata->arm_pats,
			 CT_ARM_PATS) < 0 ||
	    ct_comm_pats(CT_COMM_DAEMON, skel->rodata->daemon_pats,
			 CT_DAEMONS) < 0)
		return ct_fail(err, errlen, -E2BIG, "the comm table has more "
			       "names of a kind than include/comms.h has room "
			       "for");
	if (!ls->o->pulls)
		bpf_program__set_autoload(skel->progs.ct_tcp_connect, false);
	rc = bpf_map__set_max_entries(skel->maps.events, ls->rb_size);
	if (rc)
		return ct_fail(err, errlen, rc, "sizing the ring buffer failed: %s",
			    strerror(-rc));
	/* the rule the other tracers' rings follow: sized first */
	skel->rodata->wakeup_bytes = ct_loader_wakeup_bytes(ls->l);
	return 0;
}

static int start_lifecycle(struct ct_loader *l, const struct ct_loader_opts *o,
			   char *err, size_t errlen)
{
	struct lifecycle_setup ls = { l, o, 0 };
	const struct ct_obj_prep p = { "lifecycle", NULL, setup_lifecycle,
				       &ls };
	int rc;

	rc = ringbuf_size(o->ringbuf_bytes, &ls.rb_size, err, errlen);
	if (rc)
		return rc;
	l->skel = lifecycle_bpf__open();
	rc = ct_loader_prep_obj(&p, l->skel ? l->skel->obj : NULL, err,
				errlen);
	if (rc)
		return rc;
	rc = ct_loader_attach_skel(l->skel->skeleton, err, errlen);
	if (rc)
		return rc;
	return new_reader(l, err, errlen);
}

static int check_opts(const struct ct_loader_opts *o, char *err,
		      size_t errlen)
{
	switch ((int)o->cgroup_mode) {
	case 0:
	case CT_CGROUP_V1_MEMORY:
	case CT_CGROUP_V2:
		return 0;
	}
	return ct_fail(err, errlen, -EINVAL, "unknown cgroup mode %d",
		    (int)o->cgroup_mode);
}

/* The programs' variant for this kernel: chosen once, said with -v. */
static int choose_variant(bool verbose)
{
	const struct ct_features *f;
	const struct ct_variant *v = ct_features_get(&f);

	if (verbose)
		ct_features_describe(f, v, stderr);
	return 0;
}

static int start(struct ct_loader *l, const struct ct_loader_opts *o,
		 char *err, size_t errlen)
{
	int rc;

	rc = check_opts(o, err, errlen);
	if (!rc)
		rc = check_root(err, errlen);
	if (!rc)
		rc = ct_pidns_check("/proc", err, errlen);
	if (!rc)
		rc = ct_features_floor(err, errlen);
	if (!rc)
		rc = ensure_tracefs(err, errlen);
	if (!rc)
		rc = choose_variant(o->verbose);
	if (!rc)
		rc = start_lifecycle(l, o, err, errlen);
	return rc;
}

int ct_loader_start(struct ct_loader **out, const struct ct_loader_opts *o,
		    ct_event_fn fn, void *ctx, char *err, size_t errlen)
{
	struct ct_loader *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ct_fail(err, errlen, -ENOMEM, "out of memory");
	l->fn = fn;
	l->ctx = ctx;
	l->verbose = o->verbose;
	l->cgroup_mode = o->cgroup_mode ? o->cgroup_mode : detect_cgroup_mode();
	/* Which key a container has decides what "one container" means
	 * (docs/design.md "Attribution"): say it, a wrong guess reads as
	 * misattribution. */
	if (o->verbose)
		fprintf(stderr, "cgroup key: %s%s\n",
			l->cgroup_mode == CT_CGROUP_V2 ?
			"v2 (cgroup id)" : "v1-memory (" MEMCG_V1 ")",
			o->cgroup_mode ? ", as asked" : "");
	l->nr_cpus = libbpf_num_possible_cpus();

	pr.verbose = o->verbose;
	pr.capturing = true;
	ensure_print();
	rc = start(l, o, err, errlen);
	pr.capturing = false;
	if (rc) {
		ct_loader_stop(l);
		return rc < 0 ? rc : -EINVAL;
	}
	l->mono_to_real = ct_wallclock_offset_ns();
	*out = l;
	return 0;
}

/*
 * The BPF side does not wake us per record (see submit() in
 * events.bpf.h), so never sleep longer than a slice, then drain
 * whatever arrived: records reach the callback within CT_POLL_SLICE_MS.
 */
int ct_loader_poll(struct ct_loader *l, int timeout_ms)
{
	int wait = timeout_ms < 0 || timeout_ms > CT_POLL_SLICE_MS ?
		   CT_POLL_SLICE_MS : timeout_ms;
	int rc, n;

	rc = ring_buffer__poll(l->rb, wait);
	if (rc < 0)
		return rc == -EINTR ? 0 : rc;
	n = ring_buffer__consume(l->rb);
	if (n < 0)
		return n == -EINTR ? 0 : n;
	return rc + n;
}

void ct_loader_losses(struct ct_loader *l, uint64_t n[CT_LOSS_KINDS])
{
	__u64 *v;

	if (l->nr_cpus <= 0)
		return;
	v = calloc(l->nr_cpus, sizeof(*v));
	if (!v)
		return;
	for (__u32 key = 0; key < CT_LOSS_KINDS; key++) {
		uint64_t sum = 0;

		if (bpf_map__lookup_elem(l->skel->maps.lost, &key, sizeof(key),
					 v, sizeof(*v) * l->nr_cpus, 0))
			continue;
		for (int i = 0; i < l->nr_cpus; i++)
			sum += v[i];
		n[key] = sum;
	}
	free(v);
}

enum ct_cgroup_mode ct_loader_cgroup_mode(const struct ct_loader *l)
{
	return l->cgroup_mode;
}

int64_t ct_loader_mono_to_real(const struct ct_loader *l)
{
	return l->mono_to_real;
}

bool ct_loader_verbose(const struct ct_loader *l)
{
	return l->verbose;
}

int ct_loader_add_ringbuf(struct ct_loader *l, int map_fd)
{
	struct ring_watch *w;
	int rc;

	if (!l->rb)
		return -EINVAL;
	rc = watch_ring(l, map_fd, &w);
	if (!rc)
		rc = ring_buffer__add(l->rb, map_fd, on_record, w);
	return rc;
}

int ct_loader_ring_use(const struct ct_loader *l, struct ct_ring_use *out,
		       int max)
{
	int n = l->nr_rings < max ? l->nr_rings : max;

	for (int i = 0; i < n; i++)
		out[i] = l->rings[i].use;
	return n;
}

int ct_loader_share_events(struct ct_loader *l, struct bpf_object *obj)
{
	struct bpf_map *ev = bpf_object__find_map_by_name(obj, "events");
	struct bpf_map *lo = bpf_object__find_map_by_name(obj, "lost");
	struct bpf_map *cl = bpf_object__find_map_by_name(obj, "clients");
	int rc;

	if (!l || !l->skel || !ev || !lo)
		return -EINVAL;
	rc = bpf_map__reuse_fd(ev, bpf_map__fd(l->skel->maps.events));
	if (!rc)
		rc = bpf_map__reuse_fd(lo, bpf_map__fd(l->skel->maps.lost));
	if (!rc && cl)
		rc = bpf_map__reuse_fd(cl, bpf_map__fd(l->skel->maps.clients));
	return rc;
}

uint64_t ct_loader_wakeup_bytes(const struct ct_loader *l)
{
	return bpf_map__max_entries(l->skel->maps.events) / 8;
}

/*
 * Through the map, not skel->bss: the object is loaded with
 * bpf_object__load() (ct_loader_load_obj()), which leaves the skeleton's
 * pointer on libbpf's copy of the initial values.
 */
void ct_loader_set_hooks_off(struct ct_loader *l, bool off)
{
	struct lifecycle_bpf__bss v = { .hooks_off = off };
	__u32 zero = 0;

	if (l && l->skel)
		bpf_map__update_elem(l->skel->maps.bss, &zero, sizeof(zero),
				     &v, sizeof(v), BPF_ANY);
}

void ct_loader_stop(struct ct_loader *l)
{
	if (!l)
		return;
	/* Other tracers may have added maps to our ring buffer: free it
	 * first (they are stopped before us). */
	ring_buffer__free(l->rb);
	unwatch_rings(l);
	lifecycle_bpf__destroy(l->skel);
	free(l);
}
