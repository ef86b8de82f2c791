// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What a kernel stack says of a wait: waitsite.h. */
#include <stdio.h>
#include <string.h>
#include "waitsite.h"

/*
 * The scheduler's and the wait queues' own frames, by prefix: every
 * sleep passes through some of them, so they name nothing.
 */
static const char *const generic[] = {
	"__schedule", "schedule", "io_schedule", "preempt_schedule",
	"__cond_resched", "__wait_for_common", "wait_for_common",
	"do_wait_for_common", "wait_for_completion", "__wait_on_bit",
	"out_of_line_wait_on_bit", "bit_wait", "wait_woken",
	"__wait_rcu_gp", "rwsem_down_", "down_read", "down_write",
	"__mutex_lock", "mutex_lock", "__rt_mutex", "folio_wait_bit",
	"__folio_lock", "wait_on_page_bit",
	"percpu_rwsem_wait", "__percpu_down_read", "freezable_schedule",
	"hrtimer_sleeper",
};

/*
 * A frame that names its wait under another name than its own: the
 * futex and epoll internals, a grace period's helpers.  By prefix.
 */
static const struct {
	const char *prefix;
	const char *site;
	bool opaque;
} alias[] = {
	{ "futex_", "futex_wait", true },
	{ "__futex_", "futex_wait", true },
	{ "do_futex", "futex_wait", true },
	{ "ep_poll", "ep_poll", true },
	{ "do_epoll_wait", "ep_poll", true },
	{ "synchronize_rcu_normal", "synchronize_rcu", false },
};

/* A syscall's entry function, by prefix: the rest is its name. */
static const char *const sys_entry[] = {
	"__x64_sys_", "__arm64_sys_", "__ia32_sys_", "__do_sys_", "__se_sys_",
	"ksys_",
};

/*
 * Interrupt frames (x86-64 and arm64): a wake seen under one of them is
 * the interrupt's, not the interrupted task's.  ksoftirqd runs softirqs
 * as a thread: it is named as itself (run_ksoftirqd).
 */
static const char *const irq[] = {
	"__sysvec_", "sysvec_", "asm_sysvec", "asm_common_interrupt",
	"common_interrupt", "__irq_exit_rcu", "irq_exit", "hrtimer_interrupt",
	"__hrtimer_run_queues", "handle_irq_event", "gic_handle_irq",
	"el1_interrupt", "el0_interrupt", "__do_softirq", "handle_softirqs",
	"do_softirq",
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool any_prefix(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_prefix(s, list[i]))
			return true;
	return false;
}

const char *ct_frame(const char *frames, size_t n, size_t i)
{
	const char *p = frames;

	if (!frames || i >= n)
		return NULL;
	while (i--)
		p += strlen(p) + 1;
	return p;
}

static void name_site(const char *f, struct ct_waitsite *out)
{
	for (size_t i = 0; i < N(alias); i++) {
		if (has_prefix(f, alias[i].prefix)) {
			snprintf(out->site, sizeof(out->site), "%s",
				 alias[i].site);
			out->opaque = alias[i].opaque;
			return;
		}
	}
	snprintf(out->site, sizeof(out->site), "%s", f);
}

static void name_syscall(const char *f, struct ct_waitsite *out)
{
	for (size_t i = 0; i < N(sys_entry); i++)
		if (has_prefix(f, sys_entry[i]) && !out->syscall[0])
			snprintf(out->syscall, sizeof(out->syscall), "%s",
				 f + strlen(sys_entry[i]));
}

void ct_waitsite_of(const char *frames, size_t n, struct ct_waitsite *out)
{
	const char *f = frames;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; f && i < n; i++, f += strlen(f) + 1) {
		if (!out->site[0] && strcmp(f, "?") &&
		    !any_prefix(f, generic, N(generic)))
			name_site(f, out);
		name_syscall(f, out);
	}
}

/* Go function f is the program's own (ct_waitsite_code()): its import
 * path is before any type argument or receiver ("slices.F[a.b/c.T]"). */
static bool own_code(const char *f)
{
	size_t head = strcspn(f, "[(");
	const char *slash = memchr(f, '/', head), *dot = memchr(f, '.', head);

	if (!dot || f[0] == '[' || has_prefix(f, "golang.org/x/sys/"))
		return false;
	if (slash && slash < dot)	/* encoding/json.(*Decoder).Decode */
		return false;
	return slash || has_prefix(f, "main.");	/* github.com/... */
}

void ct_waitsite_code(const char *frames, size_t n, char *out, size_t len)
{
	const char *f;

	out[0] = '\0';
	for (size_t i = 0; (f = ct_frame(frames, n, i)); i++)
		if (own_code(f)) {
			snprintf(out, len, "%s", f);
			return;
		}
}

/* f is the Go runtime's code, or names no Go function ("[file]", "?") */
static bool runtime_frame(const char *f)
{
	return f[0] == '[' || !strcmp(f, "?") || has_prefix(f, "runtime.") ||
	       has_prefix(f, "runtime/") || has_prefix(f, "internal/runtime/");
}

bool ct_waitsite_runtime_only(const char *frames, size_t n)
{
	const char *f;

	for (size_t i = 0; (f = ct_frame(frames, n, i)); i++)
		if (!runtime_frame(f))
			return false;
	return true;
}

bool ct_waitsite_irq(const char *frames, size_t n)
{
	const char *f = frames;
	bool in_irq = false;

	for (size_t i = 0; f && i < n; i++, f += strlen(f) + 1) {
		if (!strcmp(f, "run_ksoftirqd"))
			return false;
		in_irq = in_irq || any_prefix(f, irq, N(irq));
	}
	return in_irq;
}
