// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --why's wait sites: a stack's site (user/enrich/waitsite.c), the
 * stacks named for the records (user/kern/stacks.c), and a phase's
 * off-CPU time given to the waits that explain it (user/enrich/
 * why_waits.c), on stacks as this machine's 6.18 kernel gave them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "coldtrace.h"
#include "container.h"
#include <zlib.h>

#include "agg.h"
#include "fixture.h"
#include "folded.h"
#include "pprof.h"
#include "tjson.h"
#include "tsession.h"
#include "twhy.h"
#include "records.h"
#include "stacks.h"
#include "syscalls.h"
#include "waits.h"
#include "waitsite.h"
#include "why.h"
#include "why_store.h"

#define MS	1000000ull

/* "a;b;c" as a record's frames: "a\0b\0c\0", n 3. */
static size_t frames_of(const char *semi, char *out, size_t size)
{
	size_t n = 1, i;

	snprintf(out, size, "%s", semi);
	for (i = 0; out[i]; i++)
		if (out[i] == ';') {
			out[i] = '\0';
			n++;
		}
	return n;
}

static struct ct_waitsite site_of(const char *semi)
{
	struct ct_waitsite ws;
	char f[CT_STACK_TEXT];
	size_t n = frames_of(semi, f, sizeof(f));

	ct_waitsite_of(f, n, &ws);
	return ws;
}

static bool irq_of(const char *semi)
{
	char f[CT_STACK_TEXT];
	size_t n = frames_of(semi, f, sizeof(f));

	return ct_waitsite_irq(f, n);
}

/* Stacks copied from `coldtrace --dump` on this machine (6.18, x86-64). */
#define S_WAITID "__schedule;schedule;do_wait;kernel_waitid;__do_sys_waitid;" \
	"do_syscall_64;entry_SYSCALL_64_after_hwframe"
#define S_FUTEX "__schedule;schedule;futex_do_wait;__futex_wait;futex_wait;" \
	"do_futex;__x64_sys_futex;do_syscall_64;entry_SYSCALL_64_after_hwframe"
#define S_NANO "__schedule;schedule;do_nanosleep;hrtimer_nanosleep;" \
	"__x64_sys_clock_nanosleep;do_syscall_64;entry_SYSCALL_64_after_hwframe"
#define S_PIPE "__schedule;schedule;pipe_read;vfs_read;ksys_read;" \
	"do_syscall_64;entry_SYSCALL_64_after_hwframe"
#define S_RCU "__schedule;schedule;schedule_timeout;wait_for_completion;" \
	"synchronize_rcu_normal;rcu_sync_enter;percpu_down_write;" \
	"cgroup_procs_write_start;__cgroup1_procs_write.isra.0;" \
	"kernfs_fop_write_iter;vfs_write;ksys_write;do_syscall_64;" \
	"entry_SYSCALL_64_after_hwframe"
#define S_FAULT "__schedule;schedule;io_schedule;folio_wait_bit_common;" \
	"filemap_fault;__do_fault;do_fault;__handle_mm_fault;" \
	"handle_mm_fault;exc_page_fault;asm_exc_page_fault"
#define S_EPOLL "__schedule;schedule;schedule_hrtimeout_range_clock;" \
	"do_epoll_wait;do_epoll_pwait.part.0;__x64_sys_epoll_pwait;" \
	"do_syscall_64;entry_SYSCALL_64_after_hwframe"
#define W_TIMER "try_to_wake_up;hrtimer_wakeup;__hrtimer_run_queues;" \
	"hrtimer_interrupt;__sysvec_apic_timer_interrupt;" \
	"sysvec_apic_timer_interrupt;asm_sysvec_apic_timer_interrupt;" \
	"pv_native_safe_halt;default_idle"
#define W_EXIT "try_to_wake_up;__wake_up_common;__wake_up_sync_key;" \
	"do_notify_parent;exit_notify;do_exit;do_group_exit;" \
	"__x64_sys_exit_group;do_syscall_64"
#define W_SOFTIRQD "try_to_wake_up;__wake_up_common;blk_done_softirq;" \
	"handle_softirqs;run_ksoftirqd;smpboot_thread_fn;kthread"

Test(waitsite, names_what_was_awaited)
{
	struct ct_waitsite ws;

	ws = site_of(S_WAITID);
	cr_assert_str_eq(ws.site, "do_wait");
	cr_assert_str_eq(ws.syscall, "waitid");
	cr_assert(!ws.opaque);
	ws = site_of(S_FUTEX);
	cr_assert_str_eq(ws.site, "futex_wait");
	cr_assert_str_eq(ws.syscall, "futex");
	cr_assert(ws.opaque);
	ws = site_of(S_EPOLL);
	cr_assert_str_eq(ws.site, "ep_poll");
	cr_assert_str_eq(ws.syscall, "epoll_pwait");
	cr_assert(ws.opaque);
	ws = site_of(S_NANO);
	cr_assert_str_eq(ws.site, "do_nanosleep");
	cr_assert_str_eq(ws.syscall, "clock_nanosleep");
	ws = site_of(S_PIPE);
	cr_assert_str_eq(ws.site, "pipe_read");
	cr_assert_str_eq(ws.syscall, "read");
	/* a grace period under a cgroup write: the RCU wait, by its name */
	ws = site_of(S_RCU);
	cr_assert_str_eq(ws.site, "synchronize_rcu");
	cr_assert_str_eq(ws.syscall, "write");
	/* a page fault: no syscall; the fault's handler, not the page bit */
	ws = site_of(S_FAULT);
	cr_assert_str_eq(ws.site, "filemap_fault");
	cr_assert_str_eq(ws.syscall, "");
	/* nothing but scheduler frames or unknown ones: no site, never a guess */
	ws = site_of("__schedule;schedule;?");
	cr_assert_str_eq(ws.site, "");
}

static const char *code_of(const char *semi)
{
	static char code[CT_CODE_LEN];
	char f[CT_STACK_TEXT];
	size_t n = frames_of(semi, f, sizeof(f));

	ct_waitsite_code(f, n, code, sizeof(code));
	return code;
}

/* --why=user: the program's own innermost function, innermost first */
Test(waitsite, code_is_the_program_s_own_innermost_frame)
{
	cr_assert_str_eq(code_of("runtime/internal/syscall.Syscall6;"
				 "syscall.read;internal/poll.(*FD).Read;"
				 "os.(*File).Read;encoding/json.(*Decoder).refill;"
				 "github.com/opencontainers/runc/libcontainer.parseSync;"
				 "main.main"),
			 "github.com/opencontainers/runc/libcontainer.parseSync");
	cr_assert_str_eq(code_of("golang.org/x/sys/unix.Syscall;"
				 "k8s.io/klog.(*T).f;main.main"),
			 "k8s.io/klog.(*T).f", "x/sys is a syscall wrapper");
	cr_assert_str_eq(code_of("slices.SortFunc[github.com/a/b.T];"
				 "sync/atomic.(*Pointer[a.b/c.T]).Load;main.run"),
			 "main.run", "a type argument's path is not the function's");
	cr_assert_str_eq(code_of("[libc.so.6];?;runtime.park_m;runtime.mcall"),
			 "", "C code, ? and the runtime name no code");
}

static bool runtime_only(const char *semi)
{
	char f[CT_STACK_TEXT];
	size_t n = frames_of(semi, f, sizeof(f));

	return ct_waitsite_runtime_only(f, semi[0] ? n : 0);
}

/* --why=user: a Go thread idle in its scheduler names no program */
Test(waitsite, runtime_only_is_the_scheduler_s_idle_thread)
{
	cr_assert(runtime_only("runtime.futex;runtime.notesleep;runtime.stopm;"
			       "runtime.findRunnable;runtime.schedule;"
			       "runtime.park_m;runtime.mcall"));
	cr_assert(runtime_only("internal/runtime/syscall.Syscall6;"
			       "runtime.futex;runtime.mstart;[libc.so.6]"));
	cr_assert(runtime_only("?;[vdso]"));
	cr_assert(runtime_only(""), "no frames: nothing names the program");
	cr_assert(!runtime_only("runtime/internal/syscall.Syscall6;"
				"syscall.read;os.(*File).Read;main.main"),
		  "a syscall of a goroutine names it");
	cr_assert(!runtime_only("runtime.futex;encoding/json.Unmarshal"),
		  "the standard library is not the runtime");
}

Test(waitsite, label_says_the_code_without_its_path)
{
	struct ct_wait x = { .site = "pipe_read", .syscall = "read",
			     .code = "github.com/a/b.(*T[x/y.Z]).f" };
	char label[CT_WAIT_LABEL_LEN];

	ct_wait_label(&x, label, sizeof(label));
	cr_assert_str_eq(label, "pipe_read (read) in b.(*T[x/y.Z]).f");
}

Test(waitsite, interrupt_wakers)
{
	cr_assert(irq_of(W_TIMER));
	cr_assert(!irq_of(W_EXIT));
	/* ksoftirqd runs softirqs as a thread: it is named as itself */
	cr_assert(!irq_of(W_SOFTIRQD));
	cr_assert_null(ct_frame("a\0b\0", 2, 2));
	cr_assert_str_eq(ct_frame("a\0b\0", 2, 1), "b");
}

/* ---- kernel symbols and the stack records ---- */

static char *kallsyms_file(void)
{
	static char path[] = "/tmp/ct-kallsyms.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	cr_assert_not_null(f);
	fputs("ffffffff81000000 T _stext\n"
	      "ffffffff81001000 t do_wait\n"
	      "ffffffff81002000 T __x64_sys_waitid\n"
	      "ffffffff81002800 D some_data\n"
	      "ffffffff81003000 T bpf_trace_run4\n"
	      "ffffffff81004000 t bpf_prog_0123456789abcdef_ct_sched_switch\t[bpf]\n"
	      "ffffffff81005000 t __schedule.constprop.0\n"
	      "ffffffff81006000 T try_to_wake_up\n"
	      "ffffffffc0000000 t mod_func\t[ext4]\n", f);
	fclose(f);
	return path;
}

Test(stacks, kallsyms_names_text_addresses)
{
	char *path = kallsyms_file();
	struct ct_ksyms *ks = ct_ksyms_load(path);

	cr_assert_not_null(ks);
	cr_assert_str_eq(ct_ksym_name(ks, 0xffffffff81001010), "do_wait");
	cr_assert_str_eq(ct_ksym_name(ks, 0xffffffff81002000),
			 "__x64_sys_waitid");
	/* data symbols are not functions: the function before covers it */
	cr_assert_str_eq(ct_ksym_name(ks, 0xffffffff81002900),
			 "__x64_sys_waitid");
	cr_assert_str_eq(ct_ksym_name(ks, 0xffffffffc0000010), "mod_func");
	cr_assert_null(ct_ksym_name(ks, 0xffffffff80000000));
	/* far past the last symbol: no one's */
	cr_assert_null(ct_ksym_name(ks, 0xffffffffc1000000));
	ct_ksyms_free(ks);
	unlink(path);
}

Test(stacks, record_without_the_tracing_frames)
{
	char *path = kallsyms_file();
	struct ct_ksyms *ks = ct_ksyms_load(path);
	const uint64_t ips[] = { 0xffffffff81004010, 0xffffffff81003010,
				 0xffffffff81001010, 0xffffffff80000000,
				 0xffffffff81002010, 0 };
	struct ct_stack_rec r;

	ct_stack_rec_fill(&r, 7, ips, 6, ks);
	cr_assert_eq(r.hdr.type, CT_EV_STACK);
	cr_assert_eq(r.id, 7);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.cut, 0);
	cr_assert_str_eq(ct_frame(r.frames, r.n, 0), "do_wait");
	cr_assert_str_eq(ct_frame(r.frames, r.n, 1), "?");
	cr_assert_str_eq(ct_frame(r.frames, r.n, 2), "__x64_sys_waitid");
	ct_ksyms_free(ks);
	unlink(path);
}

/* 5.10 lists no JIT images: the program looks like a module's code */
Test(stacks, record_from_the_anchor)
{
	char *path = kallsyms_file();
	struct ct_ksyms *ks = ct_ksyms_load(path);
	const uint64_t sw[] = { 0xffffffffc0000100, 0xffffffff81003010,
				0xffffffff81005010, 0xffffffff81001010, 0 };
	const uint64_t wk[] = { 0xffffffffc0000100, 0xffffffff81006010,
				0xffffffff81002010, 0 };
	struct ct_stack_rec r;

	ct_stack_rec_fill(&r, 1, sw, 5, ks);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(ct_frame(r.frames, r.n, 0), "__schedule.constprop.0");
	cr_assert_str_eq(ct_frame(r.frames, r.n, 1), "do_wait");
	ct_stack_rec_fill(&r, 2, wk, 4, ks);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(ct_frame(r.frames, r.n, 0), "try_to_wake_up");
	ct_ksyms_free(ks);
	unlink(path);
}

struct reads {
	int n;
	int fail_key;
};

static int fake_read(void *ctx, uint32_t key, uint64_t *ips)
{
	struct reads *r = ctx;

	r->n++;
	if ((int)key == r->fail_key)
		return -2;
	memset(ips, 0, CT_STACK_DEPTH * sizeof(*ips));
	ips[0] = 0xffffffff81001010;
	return 0;
}

static int made;

static void count_made(const void *rec, size_t len, void *ctx)
{
	const struct ct_stack_rec *r = rec;

	(void)ctx;
	cr_assert_eq(len, sizeof(*r));
	cr_assert_eq(r->hdr.ts_ns, 5);
	made++;
}

Test(stacks, each_id_named_once_before_its_record)
{
	char *path = kallsyms_file();
	struct reads rd = { .fail_key = 8 };
	struct ct_stacks *st = ct_stacks_new(fake_read, &rd, path);
	struct ct_tstate t = { .hdr = { .ts_ns = 5, .type = CT_EV_TSTATE,
					.size = sizeof(t) } };

	made = 0;
	t.stack = 3;
	ct_stacks_feed(st, &t, sizeof(t), count_made, NULL);
	ct_stacks_feed(st, &t, sizeof(t), count_made, NULL);
	cr_assert_eq(made, 1);
	cr_assert_eq(rd.n, 1);
	t.stack = CT_STACK_NONE;
	ct_stacks_feed(st, &t, sizeof(t), count_made, NULL);
	t.stack = CT_STACK_LOST;
	ct_stacks_feed(st, &t, sizeof(t), count_made, NULL);
	cr_assert_eq(rd.n, 1, "no id, nothing to read");
	t.stack = 9;		/* map key 8: its read fails */
	ct_stacks_feed(st, &t, sizeof(t), count_made, NULL);
	cr_assert_eq(made, 1);
	cr_assert_eq(ct_stacks_unread(st), 1);
	ct_stacks_free(st);
	unlink(path);
}

static int umade;
static uint32_t umade_ids;	/* bit i: user stack id i named */

static void count_umade(const void *rec, size_t len, void *ctx)
{
	const struct ct_stack_rec *r = rec;

	(void)ctx;
	cr_assert_eq(len, sizeof(*r));
	if (r->hdr.type != CT_EV_USTACK)
		return;
	cr_assert_eq(r->hdr.pid, 80);
	cr_assert_str_eq(r->frames, "[vdso]");
	umade++;
	umade_ids |= 1u << (r->id & 31);
}

/* A user stack of one address, in the vDSO of vdso_proc()'s process. */
static int any_uread(void *ctx, uint32_t key, uint64_t *ips)
{
	(void)ctx;
	(void)key;
	memset(ips, 0, CT_STACK_DEPTH * sizeof(*ips));
	ips[0] = 0x7fff00000100;
	return 0;
}

static int fake_uread(void *ctx, uint32_t key, uint64_t *ips)
{
	cr_assert_eq(key, 3);
	return any_uread(ctx, key, ips);
}

/* dir (a mkdtemp() template) made a /proc of process 80: the vDSO only. */
static void vdso_proc(char *dir)
{
	char maps[64];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(maps, sizeof(maps), "%s/80", dir);
	cr_assert_eq(mkdir(maps, 0755), 0);
	snprintf(maps, sizeof(maps), "%s/80/maps", dir);
	f = fopen(maps, "w");
	cr_assert_not_null(f);
	fputs("7fff00000000-7fff00002000 r-xp 00000000 00:00 0 [vdso]\n", f);
	fclose(f);
}

static void rm_dir(const char *dir)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

/*
 * --why=user: a user stack is named for its process (its maps, here a
 * directory laid out as /proc), once, before the first record of it
 * that uses it; again after the process exec'd (another image).
 */
Test(stacks, user_stacks_named_per_process)
{
	char *path = kallsyms_file(), dir[] = "/tmp/ct-test-ustacks.XXXXXX";
	struct reads rd = { .fail_key = -1 };
	struct ct_stacks *st = ct_stacks_new(fake_read, &rd, path);
	struct ct_tstate t = { .hdr = { .ts_ns = 5, .type = CT_EV_TSTATE,
					.size = sizeof(t), .pid = 80,
					.tid = 81 } };
	struct ct_hdr x = { .ts_ns = 6, .type = CT_EV_EXEC,
			    .size = sizeof(x), .pid = 80, .tid = 80 };

	vdso_proc(dir);
	cr_assert_eq(ct_stacks_user(st, fake_uread, dir), 0);
	umade = 0;
	umade_ids = 0;
	t.ustack = 4;
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	cr_assert_eq(umade, 1);
	cr_assert_eq(umade_ids, 1u << 4);
	t.hdr.size = CT_TSTATE_V1_SIZE;	/* an older record: no user stack */
	ct_stacks_feed(st, &t, CT_TSTATE_V1_SIZE, count_umade, NULL);
	cr_assert_eq(umade, 1);
	ct_stacks_feed(st, &x, sizeof(x), count_umade, NULL);
	t.hdr.size = sizeof(t);
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	cr_assert_eq(umade, 2, "named again after the exec");
	ct_stacks_free(st);
	unlink(path);
	rm_dir(dir);
}

/*
 * --why=user: a record's parked goroutine's stack (gstack) is named as
 * its user stack is, for its process, once; a record without one names
 * only its ustack.
 */
Test(stacks, goroutine_stacks_named_as_user_stacks)
{
	char *path = kallsyms_file(), dir[] = "/tmp/ct-test-gstacks.XXXXXX";
	struct reads rd = { .fail_key = -1 };
	struct ct_stacks *st = ct_stacks_new(fake_read, &rd, path);
	struct ct_tstate t = { .hdr = { .ts_ns = 5, .type = CT_EV_TSTATE,
					.size = sizeof(t), .pid = 80,
					.tid = 81 },
			       .state = CT_TS_SLEEP, .ustack = 4 };

	vdso_proc(dir);
	cr_assert_eq(ct_stacks_user(st, any_uread, dir), 0);
	umade_ids = 0;
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	cr_assert_eq(umade_ids, 1u << 4, "no gstack: the ustack only");
	t.gstack = 9;
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	ct_stacks_feed(st, &t, sizeof(t), count_umade, NULL);
	cr_assert_eq(umade_ids, 1u << 4 | 1u << 9, "gstack 9 named");
	ct_stacks_free(st);
	unlink(path);
	rm_dir(dir);
}

/* ---- a phase's waits ---- */

static uint32_t next_id;

/* A named stack, as the live session feeds it; its id. */
static uint32_t stack(struct ct_why *w, const char *semi)
{
	struct ct_stack_rec r = { 0 };

	r.hdr.type = CT_EV_STACK;
	r.hdr.size = sizeof(r);
	r.id = ++next_id;
	r.n = (uint16_t)frames_of(semi, r.frames, sizeof(r.frames));
	tw_feed(w, &r, sizeof(r));
	return r.id;
}

/* waker (pid, tid, comm) wakes wakee_tid of wakee_pid at ms, from wstack */
static void wake(struct ct_why *w, uint64_t ms, uint32_t pid, uint32_t tid,
		 const char *comm, uint32_t wakee_pid, uint32_t wakee_tid,
		 uint32_t wstack)
{
	struct ct_wake r = { 0 };

	r.hdr = (struct ct_hdr){ .ts_ns = ms * MS, .type = CT_EV_WAKE,
				 .size = sizeof(r), .pid = pid, .tid = tid };
	snprintf(r.hdr.comm, sizeof(r.hdr.comm), "%s", comm);
	r.wakee_pid = wakee_pid;
	r.wakee_tid = wakee_tid;
	r.stack = wstack;
	tw_feed(w, &r, sizeof(r));
}

static uint64_t offcpu(const struct ct_split *x)
{
	uint64_t t = x->waits.other_ns + x->waits.preempted_ns +
		     x->waits.unattributed_ns + x->waits.no_carrier_ns +
		     x->waits.nested_ns;

	for (uint32_t i = 0; i < x->waits.n; i++)
		t += x->waits.top[i].ns + x->waits.top[i].runq_ns;
	return t;
}

/*
 * runc create as Debian's runc waits on a createRuntime hook: its main
 * thread (10) parks on a futex, a goroutine's thread (13) waits in
 * waitid, sysmon (12) polls with nanosleep woken by the timer every
 * 10 ms; the hook (pid 11, "sleep") sleeps 300 ms and its exit wakes 13.
 * The process sleeps from 110 to 411: all of it is the hook's, none
 * sysmon's, though sysmon's wakes end most of its sleep intervals.
 */
Test(why_waits, go_runtime_waits_on_its_hook)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];
	uint32_t futex, waitid, nano, timer, exit_;

	next_id = 0;
	futex = stack(w, S_FUTEX);
	waitid = stack(w, S_WAITID);
	nano = stack(w, S_NANO);
	timer = stack(w, W_TIMER);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 10, 5);
	tw_tstate(w, 100, 10, 10, CT_TS_RUN, 0);
	tw_fork(w, 105, 10, 11);
	tw_tstate(w, 105, 11, 11, CT_TS_RUN, 0);
	tw_tstate(w, 108, 10, 12, CT_TS_RUN, 0);
	tw_tstate(w, 108, 10, 13, CT_TS_RUN, 0);
	tw_tstate(w, 109, 11, 11, CT_TS_SLEEP, nano);		/* the hook's sleep */
	tw_tstate(w, 110, 10, 10, CT_TS_SLEEP, futex);
	tw_tstate(w, 110, 10, 13, CT_TS_SLEEP, waitid);
	tw_tstate(w, 110, 10, 12, CT_TS_SLEEP, nano);
	for (uint64_t t = 120; t <= 400; t += 10) {	/* sysmon */
		wake(w, t, 0, 0, "swapper/0", 10, 12, timer);
		tw_tstate(w, t, 10, 12, CT_TS_RUNQ, 0);
		tw_tstate(w, t, 10, 12, CT_TS_RUN, 0);
		tw_tstate(w, t, 10, 12, CT_TS_SLEEP, nano);
	}
	wake(w, 409, 0, 0, "swapper/1", 11, 11, timer);
	tw_tstate(w, 409, 11, 11, CT_TS_RUNQ, 0);
	tw_tstate(w, 409, 11, 11, CT_TS_RUN, 0);
	wake(w, 410, 11, 11, "sleep", 10, 13, exit_);
	tw_tstate(w, 410, 11, 11, CT_TS_DEAD, 0);
	tw_tstate(w, 410, 10, 13, CT_TS_RUNQ, 0);
	tw_tstate(w, 411, 10, 13, CT_TS_RUN, 0);
	tw_tstate(w, 415, 10, 10, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 415);
	ct_why_apply(w, &c);
	cr_assert(x->valid);
	cr_assert(x->has_waits);
	cr_assert_geq(x->waits.n, 1);
	cr_assert_str_eq(x->waits.top[0].site, "do_wait");
	cr_assert_str_eq(x->waits.top[0].syscall, "waitid");
	cr_assert_str_eq(x->waits.top[0].waker, "sleep");
	cr_assert_eq(x->waits.top[0].waker_pid, 11);
	cr_assert_eq(x->waits.top[0].waker_kind, CT_WAKER_START);
	cr_assert_eq(x->waits.top[0].state, CT_TS_SLEEP);
	cr_assert_eq(x->waits.top[0].ns, 300 * MS, "%lu",
		     x->waits.top[0].ns);
	cr_assert_eq(x->waits.top[0].runq_ns, 1 * MS);
	cr_assert_eq(x->waits.top[0].count, 1);
	cr_assert_eq(x->waits.unattributed_ns, 0);
	/* every off-CPU ns of the carrier is somewhere, exactly */
	cr_assert_eq(offcpu(x), x->sleep_ns + x->io_ns + x->runq_ns);
	cr_assert_eq(x->waits.offcpu_ns, x->sleep_ns + x->io_ns + x->runq_ns);
	ct_why_free(w);
}

/*
 * The same as a session records it now: sysmon's and the hook's sleeps
 * are named by their syscall, and the timer's wakes that end them are
 * not recorded (bpf/why.bpf.c): the same attribution, and a nanosleep
 * that ends with the thread's death, or a futex wait with no wake, is
 * no timer's.
 */
Test(why_waits, timer_wakes_not_recorded)
{
	const uint32_t nano = CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_nanosleep);
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];
	uint32_t waitid, exit_;

	next_id = 900;
	waitid = stack(w, S_WAITID);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 10, 5);
	tw_tstate(w, 100, 10, 10, CT_TS_RUN, 0);
	tw_fork(w, 105, 10, 11);
	tw_tstate(w, 105, 11, 11, CT_TS_RUN, 0);
	tw_tstate(w, 108, 10, 12, CT_TS_RUN, 0);
	tw_tstate(w, 108, 10, 13, CT_TS_RUN, 0);
	tw_tstate(w, 108, 10, 14, CT_TS_RUN, 0);
	tw_tstate(w, 109, 11, 11, CT_TS_SLEEP, nano);		/* the hook's sleep */
	tw_tstate(w, 110, 10, 10, CT_TS_SLEEP,
		  CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_futex));
	tw_tstate(w, 110, 10, 13, CT_TS_SLEEP, waitid);
	tw_tstate(w, 110, 10, 12, CT_TS_SLEEP, nano);
	tw_tstate(w, 110, 10, 14, CT_TS_SLEEP, nano);		/* dies asleep */
	for (uint64_t t = 120; t <= 400; t += 10) {	/* sysmon */
		tw_tstate(w, t, 10, 12, CT_TS_RUNQ, 0);
		tw_tstate(w, t, 10, 12, CT_TS_RUN, 0);
		tw_tstate(w, t, 10, 12, CT_TS_SLEEP, nano);
	}
	tw_tstate(w, 409, 11, 11, CT_TS_RUNQ, 0);
	tw_tstate(w, 409, 11, 11, CT_TS_RUN, 0);
	wake(w, 410, 11, 11, "sleep", 10, 13, exit_);
	tw_tstate(w, 410, 11, 11, CT_TS_DEAD, 0);
	tw_tstate(w, 410, 10, 13, CT_TS_RUNQ, 0);
	tw_tstate(w, 411, 10, 13, CT_TS_RUN, 0);
	tw_tstate(w, 412, 10, 14, CT_TS_DEAD, 0);
	tw_tstate(w, 415, 10, 10, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 415);
	ct_why_apply(w, &c);
	cr_assert(x->has_waits);
	cr_assert_str_eq(x->waits.top[0].site, "do_wait");
	cr_assert_str_eq(x->waits.top[0].waker, "sleep");
	cr_assert_eq(x->waits.top[0].ns, 300 * MS, "%lu",
		     x->waits.top[0].ns);
	cr_assert_eq(x->waits.unattributed_ns, 0);
	cr_assert_eq(x->waits.offcpu_ns, x->sleep_ns + x->io_ns + x->runq_ns);
	ct_why_free(w);
}

/*
 * A single-threaded carrier (20) parks on a futex; another process of
 * the start (21) wakes it after its own read of a pipe ended, which
 * "writer" (22, not followed) filled: the wait is named by 21's.
 */
Test(why_waits, futex_followed_one_hop)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_wait *t = &c.split[CT_PH_CREATE].waits.top[0];
	uint32_t futex, pipe, exit_;

	next_id = 100;
	futex = stack(w, S_FUTEX);
	pipe = stack(w, S_PIPE);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 20, 5);
	tw_tstate(w, 100, 20, 20, CT_TS_RUN, 0);
	tw_tstate(w, 100, 21, 21, CT_TS_RUN, 0);
	tw_tstate(w, 101, 21, 21, CT_TS_SLEEP, pipe);
	tw_tstate(w, 102, 20, 20, CT_TS_SLEEP, futex);
	wake(w, 500, 22, 22, "writer", 21, 21, exit_);
	tw_tstate(w, 500, 21, 21, CT_TS_RUNQ, 0);
	tw_tstate(w, 500, 21, 21, CT_TS_RUN, 0);
	wake(w, 501, 21, 21, "helper", 20, 20, futex);
	tw_tstate(w, 501, 20, 20, CT_TS_RUNQ, 0);
	tw_tstate(w, 503, 20, 20, CT_TS_RUN, 0);
	tw_tstate(w, 510, 20, 20, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 510);
	ct_why_apply(w, &c);
	cr_assert_str_eq(t->site, "pipe_read");
	cr_assert_str_eq(t->syscall, "read");
	cr_assert_eq(t->via, CT_VIA_FOLLOWED);
	cr_assert_str_eq(t->via_site, "futex_wait");
	cr_assert_str_eq(t->waker, "helper");
	cr_assert_eq(t->waker_kind, CT_WAKER_START);
	cr_assert_str_eq(t->hop, "writer");
	cr_assert_eq(t->hop_pid, 22);
	cr_assert_eq(t->hop_kind, CT_WAKER_OTHER);
	cr_assert_eq(t->ns, 398 * MS);
	cr_assert_eq(t->runq_ns, 0);
	/* then the helper ran, and the carrier waited for a CPU */
	cr_assert_str_eq(t[1].site, "waker-on-cpu");
	cr_assert_str_eq(t[1].waker, "helper");
	cr_assert_eq(t[1].via, CT_VIA_FOLLOWED);
	cr_assert_eq(t[1].ns, 1 * MS);
	cr_assert_eq(t[1].runq_ns, 2 * MS);
	cr_assert_eq(c.split[CT_PH_CREATE].waits.unfollowed, 0);
	cr_assert_eq(c.split[CT_PH_CREATE].waits.offcpu_ns, 401 * MS);
	ct_why_free(w);
}

/*
 * A futex woken by a process nobody follows: the waker is named and the
 * chain stops there.  One woken by a process of the start of which no
 * record says what it did meanwhile cannot be followed: said, counted.
 * A lost stack's wait is unattributed, never another's; a preemption's
 * runnable time is its own line.
 */
Test(why_waits, unfollowed_lost_and_preempted)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_waits *x = &c.split[CT_PH_CREATE].waits;
	uint32_t futex, exit_;

	next_id = 200;
	futex = stack(w, S_FUTEX);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 30, 5);
	tw_tstate(w, 100, 30, 30, CT_TS_RUN, 0);
	tw_tstate(w, 110, 30, 30, CT_TS_SLEEP, futex);
	wake(w, 150, 99, 99, "dockerd", 30, 30, exit_);
	tw_tstate(w, 150, 30, 30, CT_TS_RUNQ, 0);
	tw_tstate(w, 151, 30, 30, CT_TS_RUN, 0);
	tw_tstate(w, 160, 30, 30, CT_TS_SLEEP, CT_STACK_LOST);
	tw_tstate(w, 180, 30, 30, CT_TS_RUNQ, 0);
	tw_tstate(w, 180, 30, 30, CT_TS_RUN, 0);
	tw_tstate(w, 190, 30, 30, CT_TS_RUNQ, 0);	/* preempted */
	tw_tstate(w, 195, 30, 30, CT_TS_RUN, 0);
	tw_tstate(w, 200, 30, 30, CT_TS_SLEEP, futex);
	/* of the start, but no record of it before its wakeup */
	wake(w, 207, 31, 31, "runc", 30, 30, futex);
	tw_tstate(w, 207, 30, 30, CT_TS_RUNQ, 0);
	tw_tstate(w, 207, 30, 30, CT_TS_RUN, 0);
	tw_tstate(w, 208, 31, 31, CT_TS_RUN, 0);
	tw_tstate(w, 210, 30, 30, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 210);
	ct_why_apply(w, &c);
	cr_assert_eq(x->n, 2);
	cr_assert_str_eq(x->top[0].site, "futex_wait");
	cr_assert_eq(x->top[0].via, CT_VIA_NONE);
	cr_assert_eq(x->top[0].waker_kind, CT_WAKER_OTHER);
	cr_assert_str_eq(x->top[0].waker, "dockerd");
	cr_assert_eq(x->top[0].ns, 40 * MS);
	cr_assert_eq(x->top[0].runq_ns, 1 * MS);
	cr_assert_str_eq(x->top[1].site, "futex_wait");
	cr_assert_eq(x->top[1].via, CT_VIA_UNFOLLOWED);
	cr_assert_eq(x->top[1].waker_kind, CT_WAKER_START);
	cr_assert_eq(x->top[1].ns, 7 * MS);
	cr_assert_eq(x->unfollowed, 1);
	cr_assert_eq(x->lost_stacks, 1);
	cr_assert_eq(x->unattributed_ns, 20 * MS);
	cr_assert_eq(x->preempted_ns, 5 * MS);
	cr_assert_eq(x->offcpu_ns, 73 * MS);
	ct_why_free(w);
}

/*
 * A thread preempted on its way to sleep is woken while still runnable
 * (sched_wakeup of a task on its run queue): two runnable segments in a
 * row, one runnable interval of the process.  Both are the preemption's,
 * none unattributed (no one segment covers the interval: it is taken
 * segment by segment).
 */
Test(why_waits, preempted_then_woken_runnable)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_waits *x = &c.split[CT_PH_CREATE].waits;
	uint32_t futex, exit_;

	next_id = 250;
	futex = stack(w, S_FUTEX);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 40, 5);
	tw_tstate(w, 100, 40, 40, CT_TS_RUN, 0);
	tw_tstate(w, 110, 40, 40, CT_TS_RUNQ, 0);	/* preempted */
	tw_tstate(w, 114, 40, 40, CT_TS_RUNQ, 0);	/* its wakeup */
	tw_tstate(w, 118, 40, 40, CT_TS_RUN, 0);
	tw_tstate(w, 120, 40, 40, CT_TS_SLEEP, futex);
	wake(w, 130, 99, 99, "dockerd", 40, 40, exit_);
	tw_tstate(w, 130, 40, 40, CT_TS_RUNQ, 0);
	tw_tstate(w, 131, 40, 40, CT_TS_RUN, 0);
	tw_tstate(w, 140, 40, 40, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 140);
	ct_why_apply(w, &c);
	cr_assert_eq(x->preempted_ns, 8 * MS);
	cr_assert_eq(x->unattributed_ns, 0);
	cr_assert_eq(x->n, 1);
	cr_assert_str_eq(x->top[0].site, "futex_wait");
	cr_assert_eq(x->top[0].ns, 10 * MS);
	cr_assert_eq(x->top[0].runq_ns, 1 * MS);
	cr_assert_eq(x->offcpu_ns, 19 * MS);
	ct_why_free(w);
}

/*
 * A futex woken by a process of the start whose own wait's stack was
 * lost: not named after it, the futex said unfollowed.
 */
Test(why_waits, waker_wait_unnamed_is_unfollowed)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_waits *x = &c.split[CT_PH_CREATE].waits;
	uint32_t futex, exit_;

	next_id = 800;
	futex = stack(w, S_FUTEX);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 90, 5);
	tw_tstate(w, 100, 90, 90, CT_TS_RUN, 0);
	tw_tstate(w, 100, 91, 91, CT_TS_RUN, 0);
	tw_tstate(w, 101, 91, 91, CT_TS_SLEEP, CT_STACK_LOST);
	tw_tstate(w, 102, 90, 90, CT_TS_SLEEP, futex);
	wake(w, 200, 92, 92, "writer", 91, 91, exit_);
	tw_tstate(w, 200, 91, 91, CT_TS_RUNQ, 0);
	tw_tstate(w, 200, 91, 91, CT_TS_RUN, 0);
	wake(w, 200, 91, 91, "helper", 90, 90, futex);
	tw_tstate(w, 200, 90, 90, CT_TS_RUNQ, 0);
	tw_tstate(w, 200, 90, 90, CT_TS_RUN, 0);
	tw_tstate(w, 210, 90, 90, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 210);
	ct_why_apply(w, &c);
	cr_assert_eq(x->n, 1);
	cr_assert_str_eq(x->top[0].site, "futex_wait");
	cr_assert_eq(x->top[0].via, CT_VIA_UNFOLLOWED);
	cr_assert_eq(x->top[0].ns, 98 * MS);
	cr_assert_eq(x->unfollowed, 1);
	ct_why_free(w);
}

/*
 * A phase inside the phase (connect in create): the carrier's wait then
 * is the nested phase's, counted apart, not twice.
 */
Test(why_waits, nested_phase_apart)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CREATE];
	uint32_t pipe, exit_;

	next_id = 300;
	pipe = stack(w, S_PIPE);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 40, 5);
	tw_tstate(w, 100, 40, 40, CT_TS_RUN, 0);
	tw_tstate(w, 110, 40, 40, CT_TS_SLEEP, pipe);
	wake(w, 200, 41, 41, "hook", 40, 40, exit_);
	tw_tstate(w, 200, 40, 40, CT_TS_RUNQ, 0);
	tw_tstate(w, 200, 40, 40, CT_TS_RUN, 0);
	tw_tstate(w, 210, 40, 40, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 210);
	c.phase_mask |= 1u << CT_PH_CONNECT;
	c.phases[CT_PH_CONNECT].start_ns = 150 * MS;
	c.phases[CT_PH_CONNECT].end_ns = 180 * MS;
	ct_why_apply(w, &c);
	cr_assert_eq(x->waits.nested_ns, 30 * MS);
	cr_assert_eq(x->waits.top[0].ns, 60 * MS);
	cr_assert_eq(x->waits.top[0].count, 1);
	cr_assert_eq(x->waits.offcpu_ns, 60 * MS);
	cr_assert_eq(offcpu(x), x->sleep_ns + x->io_ns + x->runq_ns);
	ct_why_free(w);
}

/*
 * A pod's CNI plugins run side by side: loopback (50) begins connect and
 * is gone at once, bridge (51) ends it; connect's waits are bridge's.
 */
Test(why_waits, connect_carried_by_the_plugin_that_ends_it)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_split *x = &c.split[CT_PH_CONNECT];
	uint32_t pipe, exit_;

	next_id = 400;
	pipe = stack(w, S_PIPE);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 50, 5);
	tw_tstate(w, 100, 50, 50, CT_TS_RUN, 0);
	tw_exec(w, 101, 51, 5);
	tw_tstate(w, 101, 51, 51, CT_TS_RUN, 0);
	tw_tstate(w, 102, 51, 51, CT_TS_SLEEP, pipe);
	tw_tstate(w, 105, 50, 50, CT_TS_DEAD, 0);
	tw_exit(w, 105, 50);
	wake(w, 300, 52, 52, "host-local", 51, 51, exit_);
	tw_tstate(w, 300, 51, 51, CT_TS_RUNQ, 0);
	tw_tstate(w, 300, 51, 51, CT_TS_RUN, 0);
	tw_tstate(w, 310, 51, 51, CT_TS_DEAD, 0);
	tw_exit(w, 310, 51);
	c.phase_mask |= 1u << CT_PH_CONNECT;
	c.phases[CT_PH_CONNECT].start_ns = 100 * MS;
	c.phases[CT_PH_CONNECT].end_ns = 310 * MS;
	ct_why_apply(w, &c);
	cr_assert(x->valid);
	cr_assert_eq(x->pid, 51);
	cr_assert_str_eq(x->waits.top[0].site, "pipe_read");
	cr_assert_str_eq(x->waits.top[0].waker, "host-local");
	cr_assert_eq(x->waits.top[0].ns, 198 * MS);
	cr_assert_eq(x->waits.no_carrier_ns, 0);
	ct_why_free(w);
}

/*
 * The preempt count's verdict (CT_WAKE_IRQ) makes an interrupt of a
 * wake whose task is a bystander, without a stack; ksoftirqd serving
 * softirqs stays a kernel thread.
 */
Test(why_waits, interrupt_by_preempt_count)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_waits *x = &c.split[CT_PH_CREATE].waits;
	struct ct_wake r = { 0 };
	uint32_t nano, pipe;

	next_id = 600;
	nano = stack(w, S_NANO);
	pipe = stack(w, S_PIPE);
	tw_exec(w, 100, 70, 5);
	tw_tstate(w, 100, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 101, 71, 71, CT_TS_RUN, 0);	/* a busy process of the start */
	tw_tstate(w, 110, 70, 70, CT_TS_SLEEP, nano);
	r.hdr = (struct ct_hdr){ .ts_ns = 150 * MS, .type = CT_EV_WAKE,
				 .size = sizeof(r), .pid = 71, .tid = 71 };
	snprintf(r.hdr.comm, sizeof(r.hdr.comm), "busy");
	r.wakee_pid = r.wakee_tid = 70;
	r.flags = CT_WAKE_IRQ;		/* a timer interrupted it */
	tw_feed(w, &r, sizeof(r));
	tw_tstate(w, 150, 70, 70, CT_TS_RUNQ, 0);
	tw_tstate(w, 150, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 160, 70, 70, CT_TS_SLEEP, pipe);
	r.hdr.ts_ns = 200 * MS;
	r.hdr.pid = r.hdr.tid = 9;
	snprintf(r.hdr.comm, sizeof(r.hdr.comm), "ksoftirqd/0");
	r.flags = CT_WAKE_IRQ | CT_WAKE_KTHREAD;
	tw_feed(w, &r, sizeof(r));
	tw_tstate(w, 200, 70, 70, CT_TS_RUNQ, 0);
	tw_tstate(w, 200, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 210, 70, 70, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 210);
	ct_why_apply(w, &c);
	cr_assert_eq(x->n, 2);
	cr_assert_str_eq(x->top[0].site, "do_nanosleep");
	cr_assert_eq(x->top[0].waker_kind, CT_WAKER_IRQ);
	cr_assert_str_eq(x->top[0].waker, "interrupt");
	cr_assert_eq(x->top[0].via, CT_VIA_NONE, "an interrupt is not followed");
	cr_assert_str_eq(x->top[1].site, "pipe_read");
	cr_assert_eq(x->top[1].waker_kind, CT_WAKER_KTHREAD);
	cr_assert_str_eq(x->top[1].waker, "ksoftirqd/0");
	ct_why_free(w);
	/* flags no kernel sets: the record is refused where it enters */
	r.flags = 0x8;
	cr_assert_lt(ct_rec_check(&r, sizeof(r)), 0);
}

/* A stack record's names must fit it; its id must be one a map gives. */
Test(why_waits, stack_records_checked)
{
	struct ct_stack_rec r = { 0 };

	r.hdr.type = CT_EV_STACK;
	r.hdr.size = sizeof(r);
	r.id = 1;
	r.n = (uint16_t)frames_of("a;b", r.frames, sizeof(r.frames));
	cr_assert_eq(ct_rec_check(&r, sizeof(r)), 0);
	r.id = CT_STACK_LOST;
	cr_assert_lt(ct_rec_check(&r, sizeof(r)), 0);
	r.id = CT_STACKS_MAX + 1;
	cr_assert_lt(ct_rec_check(&r, sizeof(r)), 0);
	r.id = 1;
	memset(r.frames, 'x', sizeof(r.frames));	/* no NUL */
	cr_assert_lt(ct_rec_check(&r, sizeof(r)), 0);
}

/*
 * Sleeps the kernel names by their syscall (no stack walked): the site
 * as the stack would name it, the syscall, followed as a walked one.
 */
Test(why_waits, syscall_named_sleeps)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_container c = { 0 };
	const struct ct_wait *t = &c.split[CT_PH_CREATE].waits.top[0];
	uint32_t exit_;
	size_t n;
	const char *f;

	next_id = 700;
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 80, 5);
	tw_tstate(w, 100, 80, 80, CT_TS_RUN, 0);
	tw_tstate(w, 100, 81, 81, CT_TS_RUN, 0);
	tw_tstate(w, 101, 81, 81, CT_TS_SLEEP,
	   CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_clock_nanosleep));
	tw_tstate(w, 102, 80, 80, CT_TS_SLEEP, CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_futex));
	wake(w, 300, 0, 0, "swapper/0", 81, 81, 0);
	tw_tstate(w, 300, 81, 81, CT_TS_RUNQ, 0);
	tw_tstate(w, 300, 81, 81, CT_TS_RUN, 0);
	wake(w, 301, 81, 81, "hook", 80, 80, exit_);
	tw_tstate(w, 301, 81, 81, CT_TS_DEAD, 0);
	tw_tstate(w, 301, 80, 80, CT_TS_RUNQ, 0);
	tw_tstate(w, 301, 80, 80, CT_TS_RUN, 0);
	tw_tstate(w, 305, 80, 80, CT_TS_DEAD, 0);
	tw_phase(&c, CT_PH_CREATE, 100, 305);
	ct_why_apply(w, &c);
	cr_assert_str_eq(t->site, "do_nanosleep");
	cr_assert_str_eq(t->syscall, "clock_nanosleep");
	cr_assert_eq(t->via, CT_VIA_FOLLOWED);
	cr_assert_str_eq(t->via_site, "futex_wait");
	cr_assert_str_eq(t->waker, "hook");
	cr_assert_eq(t->hop_kind, CT_WAKER_IRQ);
	cr_assert_eq(t->ns, 198 * MS);
	f = ct_why_frames(w, CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_futex), &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(ct_frame(f, n, 1), "[futex: stack not walked]");
	ct_why_free(w);
}

/*
 * A sleep named by its syscall gets the site its stack would give, and
 * is followed where such a stack would be (futex, epoll: not nanosleep).
 */
Test(why_waits, syscall_named_sleeps_as_their_stacks)
{
	static const struct {
		const char *site;
		bool opaque;
	} want[CT_WAIT_ROWS] = {
		[CT_WAIT_ROW_futex] = { "futex_wait", true },
		[CT_WAIT_ROW_epoll_wait] = { "ep_poll", true },
		[CT_WAIT_ROW_epoll_pwait] = { "ep_poll", true },
		[CT_WAIT_ROW_epoll_pwait2] = { "ep_poll", true },
		[CT_WAIT_ROW_nanosleep] = { "do_nanosleep", false },
		[CT_WAIT_ROW_clock_nanosleep] = { "do_nanosleep", false },
	};
	struct why_store *st = calloc(1, sizeof(*st));

	cr_assert_not_null(st);
	why_store_init(st);
	for (int i = 0; i < CT_WAIT_ROWS; i++) {
		const struct wstack *x =
			why_store_wstack(st, CT_STACK_WAIT_SYSCALL(i));

		cr_assert_eq(ct_stack_wait_row(CT_STACK_WAIT_SYSCALL(i)), i);
		cr_assert_str_eq(x->ws.site, want[i].site, "row %d", i);
		cr_assert_eq(x->ws.opaque, want[i].opaque, "row %d", i);
		cr_assert_str_eq(x->ws.syscall, ct_wait_syscall_name(i));
	}
	cr_assert_str_eq(ct_wait_syscall_name(CT_WAIT_ROW_futex), "futex");
	cr_assert_null(ct_wait_syscall_name(CT_WAIT_ROWS));
	cr_assert_eq(ct_stack_wait_row(CT_STACK_WAIT_SYSCALL(CT_WAIT_ROWS)), -1);
	cr_assert_eq(ct_stack_wait_row(CT_STACK_LOST), -1);
	cr_assert_eq(ct_stack_wait_row(7), -1);
	why_store_free(st);
	free(st);
}

/* The summed table keeps a site's slot and names kernel threads' pools. */
Test(why_waits, summed_over_containers)
{
	struct ct_agg_waits *a = calloc(1, sizeof(*a));
	struct ct_container c = { 0 };
	struct ct_waits *x = &c.split[CT_PH_CREATE].waits;
	const struct ct_agg_site *top;
	uint64_t total;

	c.split[CT_PH_CREATE].valid = true;
	c.split[CT_PH_CREATE].has_waits = true;
	x->n = 2;
	snprintf(x->top[0].site, CT_SITE_LEN, "do_wait");
	snprintf(x->top[0].waker, CT_COMM_LEN, "sleep");
	x->top[0].ns = 300;
	x->top[0].runq_ns = 1;
	snprintf(x->top[1].site, CT_SITE_LEN, "synchronize_rcu");
	snprintf(x->top[1].waker, CT_COMM_LEN, "kworker/u4:2");
	x->top[1].waker_kind = CT_WAKER_KTHREAD;
	x->top[1].ns = 8;
	x->unattributed_ns = 1;
	ct_agg_waits_add(a, &c);
	snprintf(x->top[1].waker, CT_COMM_LEN, "kworker/1:0");
	ct_agg_waits_add(a, &c);
	cr_assert_eq(a->containers, 2);
	cr_assert_eq(a->ph[CT_PH_CREATE].n, 2);
	cr_assert_str_eq(a->ph[CT_PH_CREATE].s[1].waker, "kworker");
	cr_assert_eq(a->ph[CT_PH_CREATE].s[1].ns, 16);
	top = ct_agg_waits_top(&a->ph[CT_PH_CREATE], &total);
	cr_assert_str_eq(top->site, "do_wait");
	cr_assert_eq(top->ns, 602);
	cr_assert_eq(total, 620);
	free(a);
}

/*
 * The recording of `runc run` with a createRuntime hook of `sleep 0.3`
 * (tests/fixtures/runc-hook-waits): create's largest site is the hook's
 * sleep, reached through runc's own wait, woken by the hook, within 5 %
 * of the sleep its command line asked for; every phase adds up.
 */
Test(why_waits, recording_hook_sleep)
{
	struct ts_result r;
	const struct ct_split *x;
	const struct ct_wait *t;
	uint64_t want;

	ts_replay("runc-hook-waits", CT_READY_LISTEN, &r);
	want = ts_sidecar_u64str(&r, "hook_sleep_ns");
	x = &r.c.split[CT_PH_CREATE];
	cr_assert(x->valid && x->has_waits);
	t = &x->waits.top[0];
	cr_expect_str_eq(t->site, "do_nanosleep");
	cr_expect_str_eq(t->waker, tj_str(r.sidecar, "hook_comm"));
	cr_expect_eq(t->waker_kind, CT_WAKER_START);
	cr_expect_eq(t->via, CT_VIA_FOLLOWED);
	cr_expect_eq(t->hop_kind, CT_WAKER_IRQ);
	cr_expect(t->ns + t->runq_ns >= want * 95 / 100 &&
		  t->ns + t->runq_ns <= want * 105 / 100, "%lu ns",
		  t->ns + t->runq_ns);
	for (int p = 0; p < CT_PH_MAX; p++) {
		x = &r.c.split[p];
		if (!x->valid)
			continue;
		cr_expect_eq(offcpu(x), x->sleep_ns + x->io_ns + x->runq_ns,
			     "%s", ct_phase_name(p));
		cr_expect_leq(x->waits.unattributed_ns, x->waits.offcpu_ns / 10);
	}
	ts_free(&r);
}

/* ---- waits.folded and waits.pb.gz ---- */

/* The go_runtime scenario's container, applied, in an aggregator. */
static struct ct_agg *hook_agg(struct ct_why **w, struct ct_container *c)
{
	struct ct_agg *a = ct_agg_new();
	uint32_t futex, waitid, nano, timer, exit_;

	*w = ct_why_new(0, fx_model());
	next_id = 500;
	futex = stack(*w, S_FUTEX);
	waitid = stack(*w, S_WAITID);
	nano = stack(*w, S_NANO);
	timer = stack(*w, W_TIMER);
	exit_ = stack(*w, W_EXIT);
	tw_exec(*w, 100, 60, 5);
	tw_tstate(*w, 100, 60, 60, CT_TS_RUN, 0);
	tw_tstate(*w, 101, 60, 61, CT_TS_RUN, 0);
	tw_fork(*w, 102, 60, 62);
	tw_tstate(*w, 103, 62, 62, CT_TS_SLEEP, nano);
	tw_tstate(*w, 110, 60, 60, CT_TS_SLEEP, futex);
	tw_tstate(*w, 110, 60, 61, CT_TS_SLEEP, waitid);
	wake(*w, 400, 0, 0, "swapper/0", 62, 62, timer);
	tw_tstate(*w, 400, 62, 62, CT_TS_RUNQ, 0);
	tw_tstate(*w, 400, 62, 62, CT_TS_RUN, 0);
	wake(*w, 401, 62, 62, "sleep", 60, 61, exit_);
	tw_tstate(*w, 401, 62, 62, CT_TS_DEAD, 0);
	tw_tstate(*w, 401, 60, 61, CT_TS_RUNQ, 0);
	tw_tstate(*w, 402, 60, 61, CT_TS_RUN, 0);
	tw_tstate(*w, 405, 60, 60, CT_TS_DEAD, 0);
	snprintf(c->id, sizeof(c->id), "0123456789abcdef");
	tw_phase(c, CT_PH_CREATE, 100, 405);
	c->first_ns = 100 * MS;
	ct_why_apply(*w, c);
	cr_assert_eq(ct_agg_add(a, c), 0);
	return a;
}

/*
 * waits.folded, as flame graph tools read it: the container, the phase,
 * the frames from the root (the syscall's entry) to the leaf, the ns;
 * the phase's lines sum to its off-CPU time.
 */
Test(why_waits, folded_stacks_root_first)
{
	struct ct_container c = { 0 };
	struct ct_meta m = { 0 };
	struct ct_why *w;
	struct ct_agg *a = hook_agg(&w, &c);
	char *buf = NULL, *line, *save;
	size_t len = 0;
	uint64_t sum = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	m.why = w;
	cr_assert_eq(ct_folded_write(f, a, &m), 0);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		cr_assert(!strncmp(line, "0123456789ab;create;", 20), "%s",
			  line);
		sum += strtoull(strrchr(line, ' ') + 1, NULL, 10);
		if (strstr(line, "do_wait"))
			cr_assert(strstr(line, ";entry_SYSCALL_64_after_hwframe;"
					 "do_syscall_64;__do_sys_waitid;"
					 "kernel_waitid;do_wait;schedule;"
					 "__schedule 292000000") ||
				  strstr(line, "do_nanosleep"), "%s", line);
	}
	cr_assert_geq(n, 1);
	cr_assert_eq(sum, c.split[CT_PH_CREATE].waits.offcpu_ns +
			  c.split[CT_PH_CREATE].waits.no_carrier_ns);
	free(buf);
	ct_agg_free(a);
	ct_why_free(w);
}

#define W_WRITE "try_to_wake_up;autoremove_wake_function;__wake_up_common;" \
	"__wake_up_sync_key;pipe_write;vfs_write;ksys_write;do_syscall_64"

/*
 * A wait that a process outside the start ends (dockerd writes the pipe
 * runc reads): its folded line carries "--", the waker's frames from
 * the innermost and its comm, as offwaketime folds them; a wait a task
 * of the start ends carries none.
 */
Test(why_waits, folded_waker_stack)
{
	struct ct_container c = { 0 };
	struct ct_meta m = { 0 };
	struct ct_agg *a = ct_agg_new();
	struct ct_why *w = ct_why_new(0, fx_model());
	uint32_t pipe, write, exit_;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	next_id = 1000;
	pipe = stack(w, S_PIPE);
	write = stack(w, W_WRITE);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 70, 5);
	tw_tstate(w, 100, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 110, 70, 70, CT_TS_SLEEP, pipe);
	wake(w, 200, 40, 41, "dockerd", 70, 70, write);
	tw_tstate(w, 200, 70, 70, CT_TS_RUNQ, 0);
	tw_tstate(w, 201, 70, 70, CT_TS_RUN, 0);
	tw_fork(w, 202, 70, 71);
	tw_tstate(w, 202, 71, 71, CT_TS_RUN, 0);
	tw_tstate(w, 203, 70, 70, CT_TS_SLEEP, pipe);
	wake(w, 250, 71, 71, "child", 70, 70, exit_);
	tw_tstate(w, 250, 71, 71, CT_TS_DEAD, 0);
	tw_tstate(w, 250, 70, 70, CT_TS_RUNQ, 0);
	tw_tstate(w, 250, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 260, 70, 70, CT_TS_DEAD, 0);
	snprintf(c.id, sizeof(c.id), "0123456789abcdef");
	tw_phase(&c, CT_PH_CREATE, 100, 260);
	c.first_ns = 100 * MS;
	ct_why_apply(w, &c);
	cr_assert_eq(ct_agg_add(a, &c), 0);
	cr_assert_eq(c.split[CT_PH_CREATE].waits.top[0].waker_stack, write);
	m.why = w;
	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_folded_write(f, a, &m), 0);
	fclose(f);
	cr_assert(strstr(buf, ";pipe_read;schedule;__schedule;--;"
			 "try_to_wake_up;autoremove_wake_function;"
			 "__wake_up_common;__wake_up_sync_key;pipe_write;"
			 "vfs_write;ksys_write;do_syscall_64;dockerd 91000000\n"),
		  "%s", buf);
	cr_assert(strstr(buf, ";pipe_read;schedule;__schedule 47000000\n"),
		  "%s", buf);
	free(buf);
	ct_agg_free(a);
	ct_why_free(w);
}

/* A varint at *p (< end), p moved past it. */
static uint64_t varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	for (int s = 0; *p < end && s < 64; s += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/*
 * waits.pb.gz: a gzip of a Profile whose first string is "" and that
 * has one sample per folded line (the pprof readers' own checks are
 * tests/integration/why_waits.sh's).
 */
Test(why_waits, pprof_profile_is_gzip_of_profile_proto)
{
	struct ct_container c = { 0 };
	struct ct_meta m = { 0 };
	struct ct_why *w;
	struct ct_agg *a = hook_agg(&w, &c);
	char *gz = NULL, *txt = NULL;
	size_t gzlen = 0, txtlen = 0;
	uint8_t out[1 << 16];
	uLongf outlen = sizeof(out);
	z_stream z = { 0 };
	const uint8_t *p = out, *end;
	int samples = 0, strings = 0, folded = 0;
	bool first_empty = false;
	FILE *f = open_memstream(&gz, &gzlen);

	m.why = w;
	cr_assert_eq(ct_pprof_write(f, a, &m), 0);
	fclose(f);
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	end = out + z.total_out;
	inflateEnd(&z);
	while (p < end) {
		uint64_t tag = varint(&p, end), n;

		if ((tag & 7) == 0) {
			varint(&p, end);
			continue;
		}
		cr_assert_eq(tag & 7, 2, "wire type %lu", tag & 7);
		n = varint(&p, end);
		samples += (tag >> 3) == 2;
		if ((tag >> 3) == 6 && !strings++)
			first_empty = n == 0;
		p += n;
	}
	cr_assert(first_empty);
	f = open_memstream(&txt, &txtlen);
	cr_assert_eq(ct_folded_write(f, a, &m), 0);
	fclose(f);
	for (size_t i = 0; i < txtlen; i++)
		folded += txt[i] == '\n';
	cr_assert_eq(samples, folded);
	free(gz);
	free(txt);
	ct_agg_free(a);
	ct_why_free(w);
}

/* A user stack (CT_EV_USTACK) of process pid, its frames innermost first. */
static void ustack(struct ct_why *w, uint32_t pid, uint32_t id,
		   const char *semi)
{
	struct ct_stack_rec r = { 0 };

	r.hdr.type = CT_EV_USTACK;
	r.hdr.size = sizeof(r);
	r.hdr.pid = pid;
	r.id = id;
	r.n = (uint16_t)frames_of(semi, r.frames, sizeof(r.frames));
	tw_feed(w, &r, sizeof(r));
}

/*
 * Process 70's sleep r (its stacks set: the rest is set here) at 110 ms,
 * woken at 300 by another process (its stack waker), in a container's
 * create [100, 305), applied: its folded lines.
 */
static char *sleep_folded(struct ct_why *w, struct ct_container *c,
			  struct ct_tstate *r, uint32_t waker)
{
	struct ct_meta m = { .why = w };
	struct ct_agg *a = ct_agg_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	tw_tstate(w, 100, 70, 70, CT_TS_RUN, 0);
	r->hdr = (struct ct_hdr){ .ts_ns = 110 * MS, .type = CT_EV_TSTATE,
				  .size = sizeof(*r), .pid = 70, .tid = 70 };
	r->state = CT_TS_SLEEP;
	tw_feed(w, r, sizeof(*r));
	wake(w, 300, 72, 72, "sleep", 70, 70, waker);
	tw_tstate(w, 300, 70, 70, CT_TS_RUN, 0);
	tw_tstate(w, 305, 70, 70, CT_TS_DEAD, 0);
	snprintf(c->id, sizeof(c->id), "0123456789abcdef");
	tw_phase(c, CT_PH_CREATE, 100, 305);
	c->first_ns = 100 * MS;
	ct_why_apply(w, c);
	cr_assert_eq(ct_agg_add(a, c), 0);
	f = open_memstream(&buf, &len);
	cr_assert_eq(ct_folded_write(f, a, &m), 0);
	fclose(f);
	ct_agg_free(a);
	return buf;
}

/*
 * --why=user: a wait's user stack goes below its kernel stack in
 * waits.folded (the syscall's entry called from the program's frames),
 * named for the process that took it: another process's id of the same
 * number, or one taken before an exec, names nothing.
 */
Test(why_waits, folded_user_frames_below_the_kernel_s)
{
	struct ct_container c = { 0 };
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_tstate r = { 0 };
	char *buf;
	uint32_t exit_;

	next_id = 600;
	r.stack = stack(w, S_WAITID);
	exit_ = stack(w, W_EXIT);
	ustack(w, 70, 7, "old.frame");
	tw_exec(w, 100, 70, 5);		/* 70's ids named before are old */
	ustack(w, 71, 7, "other.process");
	ustack(w, 70, 7, "syscall.Syscall6;os.(*Process).wait;main.main;"
			 "runtime.main");
	r.ustack = 7;
	buf = sleep_folded(w, &c, &r, exit_);
	cr_assert(strstr(buf, "0123456789ab;create;runtime.main;main.main;"
			      "os.(*Process).wait;syscall.Syscall6;"
			      "entry_SYSCALL_64_after_hwframe;"), "%s", buf);
	cr_assert(!strstr(buf, "other.process") && !strstr(buf, "old.frame"),
		  "%s", buf);
	cr_assert_str_eq(c.split[CT_PH_CREATE].waits.top[0].code, "main.main",
			 "the site's code: the program's own innermost frame");
	free(buf);
	ct_why_free(w);
}

/* runc's idle thread in its scheduler, and goroutines' parks */
#define U_IDLE "runtime.futex;runtime.notesleep;runtime.stopm;" \
	"runtime.findRunnable;runtime.schedule;runtime.park_m;runtime.mcall"
#define G_CHAN "runtime.gopark;runtime.chanrecv1;" \
	"github.com/opencontainers/runc/libcontainer.(*initProcess).start;" \
	"main.main;runtime.main;runtime.goexit"
#define U_READ "syscall.read;os.(*File).Read;main.readSync;main.main"

/* process 70's futex sleep, its thread's frames u, its goroutine's g */
static char *gstack_folded(struct ct_container *c, uint32_t u, uint32_t g)
{
	struct ct_why *w = ct_why_new(0, fx_model());
	struct ct_tstate r = { .ustack = u, .gstack = g };
	uint32_t exit_;
	char *buf;

	next_id = 700;
	r.stack = stack(w, S_FUTEX);
	exit_ = stack(w, W_EXIT);
	tw_exec(w, 100, 70, 5);
	ustack(w, 70, 7, U_IDLE);
	ustack(w, 70, 8, G_CHAN);
	ustack(w, 70, 9, U_READ);
	buf = sleep_folded(w, c, &r, exit_);
	ct_why_free(w);
	return buf;
}

/*
 * --why=user, runc: a thread that sleeps in the runtime's futex after a
 * goroutine parked on it carries that goroutine's frames: in
 * waits.folded, from the goroutine's root down to its gopark, then
 * "[goroutine]", then the thread's scheduler frames and the kernel's;
 * the site's code is the goroutine's own innermost function.
 */
Test(why_waits, folded_goroutine_frames_of_an_idle_thread)
{
	struct ct_container c = { 0 };
	char *buf = gstack_folded(&c, 7, 8);

	cr_assert(strstr(buf, "0123456789ab;create;runtime.goexit;runtime.main;"
			      "main.main;github.com/opencontainers/runc/"
			      "libcontainer.(*initProcess).start;"
			      "runtime.chanrecv1;runtime.gopark;[goroutine];"
			      "runtime.mcall;runtime.park_m;runtime.schedule;"
			      "runtime.findRunnable;runtime.stopm;"
			      "runtime.notesleep;runtime.futex;"
			      "entry_SYSCALL_64_after_hwframe;"), "%s", buf);
	cr_assert_str_eq(c.split[CT_PH_CREATE].waits.top[0].code,
			 "github.com/opencontainers/runc/libcontainer."
			 "(*initProcess).start", "the goroutine's own code");
	free(buf);
}

/*
 * Not so where the thread's own frames name the program (a goroutine's
 * blocking syscall: not the one that parked), nor in a record of an
 * older recording (no gstack): the thread's frames only, as before.
 */
Test(why_waits, goroutine_frames_only_under_the_scheduler_s)
{
	struct ct_container c = { 0 }, o = { 0 };
	char *buf = gstack_folded(&c, 9, 8);
	char *old = gstack_folded(&o, 7, 0);

	cr_assert(!strstr(buf, "[goroutine]") && !strstr(buf, "chanrecv1"),
		  "%s", buf);
	cr_assert(strstr(buf, ";main.main;main.readSync;os.(*File).Read;"
			      "syscall.read;entry_SYSCALL_64"), "%s", buf);
	cr_assert_str_eq(c.split[CT_PH_CREATE].waits.top[0].code,
			 "main.readSync");
	cr_assert(!strstr(old, "[goroutine]"), "%s", old);
	cr_assert(strstr(old, "create;runtime.mcall;runtime.park_m;"), "%s",
		  old);
	cr_assert_str_eq(o.split[CT_PH_CREATE].waits.top[0].code, "");
	free(buf);
	free(old);
}
