/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscalls coldtrace follows, with their numbers on each architecture
 * it runs on: the one place where the architecture decides which.  The
 * BPF dispatchers (bpf/sys.bpf.c) switch on CT_NR_<name>; the fentry path
 * hooks CT_SYSCALL_FN_PREFIX<func>, whose names user/kern/kfeatures.c
 * probes in kernel BTF.
 *
 * Columns: the syscall, the kernel function that implements it (the name
 * in SYSCALL_DEFINE: umount2(2) is "umount"), its number on x86-64
 * (arch/x86/entry/syscalls/syscall_64.tbl) and on arm64 (the generic
 * table, include/uapi/asm-generic/unistd.h).  A negative number: the
 * architecture has no such syscall (arm64 has only the *at variants of
 * open and rename); each is distinct, so that switch cases on them still
 * compile, and below -1, so that none ever matches (NO_SYSCALL, -1, is
 * what a syscall skipped by a tracer shows).  tests/unit/test_syscalls.c
 * checks every number against the kernel's own uapi headers of both
 * architectures.
 */
#ifndef __CT_SYSCALLS_H
#define __CT_SYSCALLS_H

#define CT_SYSCALLS(X)					\
	X(read,		read,		0,	63)	\
	X(write,	write,		1,	64)	\
	X(open,		open,		2,	-2)	\
	X(close,	close,		3,	57)	\
	X(pread64,	pread64,	17,	67)	\
	X(connect,	connect,	42,	203)	\
	X(listen,	listen,		50,	201)	\
	X(execve,	execve,		59,	221)	\
	X(rename,	rename,		82,	-3)	\
	X(mount,	mount,		165,	40)	\
	X(umount2,	umount,		166,	39)	\
	X(openat,	openat,		257,	56)	\
	X(mkdirat,	mkdirat,	258,	34)	\
	X(unlinkat,	unlinkat,	263,	35)	\
	X(renameat,	renameat,	264,	38)	\
	X(renameat2,	renameat2,	316,	276)	\
	X(execveat,	execveat,	322,	281)	\
	X(openat2,	openat2,	437,	437)

/*
 * The syscalls --why knows a sleep's site by, without walking its stack
 * (bpf/why_sched.bpf.h): a thread asleep (S) in one of them waits where
 * that syscall waits.  The same columns; epoll_wait has no number on
 * arm64 (only epoll_pwait).
 */
#define CT_WAIT_SYSCALLS(X)					\
	X(futex,	futex,		202,	98)	\
	X(epoll_wait,	epoll_wait,	232,	-4)	\
	X(epoll_pwait,	epoll_pwait,	281,	22)	\
	X(epoll_pwait2,	epoll_pwait2,	441,	441)	\
	X(nanosleep,	nanosleep,	35,	101)	\
	X(clock_nanosleep, clock_nanosleep, 230, 115)

/*
 * The architecture: BPF objects are told by the Makefile
 * (-D__TARGET_ARCH_x86 or _arm64), user space by its compiler.
 */
#if defined(__TARGET_ARCH_arm64) || \
	(!defined(__TARGET_ARCH_x86) && defined(__aarch64__))
#define CT_ARCH_ARM64		1
#define CT_ARCH_NAME		"arm64"
#define CT_SYSCALL_FN_PREFIX	"__arm64_sys_"
/*
 * the first kernel whose BPF trampolines (6.0) attach to kernel
 * functions on the architecture: ftrace direct calls, 6.4
 */
#define CT_FENTRY_SINCE		"6.4"
#define CT_NR_PICK(x86, arm64)	(arm64)
/* open(2) and rename(2): x86-64 has them, the generic table does not */
#define CT_HAS_OLD_SYSCALLS	0
#elif defined(__TARGET_ARCH_x86) || defined(__x86_64__)
#define CT_ARCH_X86		1
#define CT_ARCH_NAME		"x86-64"
#define CT_SYSCALL_FN_PREFIX	"__x64_sys_"
#define CT_FENTRY_SINCE		"5.5"
#define CT_NR_PICK(x86, arm64)	(x86)
#define CT_HAS_OLD_SYSCALLS	1
#else
#error "coldtrace runs on x86-64 and arm64 (Makefile: ARCH=x86|arm64)"
#endif

#define CT_NR_ITEM(name, func, x86, arm64) CT_NR_##name = CT_NR_PICK(x86, arm64),
enum ct_syscall_nr { CT_SYSCALLS(CT_NR_ITEM) };
enum ct_wait_syscall_nr { CT_WAIT_SYSCALLS(CT_NR_ITEM) };
#undef CT_NR_ITEM

/* CT_WAIT_SYSCALLS' rows, in order (CT_STACK_WAIT_SYSCALL(i)'s i) */
#define CT_WAIT_ROW(name, func, x86, arm64) CT_WAIT_ROW_##name,
enum ct_wait_row { CT_WAIT_SYSCALLS(CT_WAIT_ROW) CT_WAIT_ROWS };
#undef CT_WAIT_ROW

/*
 * A sleep whose site (CT_STACK_WAIT_SYSCALL(), coldtrace.h) is
 * nanosleep's or clock_nanosleep's: a timer ends it.  bpf/why.bpf.c
 * records no interrupt's wake of one, and user/enrich/why_waits.c takes
 * one that ends with no wake recorded as the timer's: one rule, both
 * sides.
 */
#define CT_TIMER_SLEEP_SITE(site)					\
	((site) == CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_nanosleep) ||	\
	 (site) == CT_STACK_WAIT_SYSCALL(CT_WAIT_ROW_clock_nanosleep))

/* The #if of the programs on open(2) and rename(2) agrees with the table. */
_Static_assert((CT_NR_open >= 0) == CT_HAS_OLD_SYSCALLS &&
	       (CT_NR_rename >= 0) == CT_HAS_OLD_SYSCALLS,
	       "CT_HAS_OLD_SYSCALLS disagrees with CT_SYSCALLS");

#endif /* __CT_SYSCALLS_H */
