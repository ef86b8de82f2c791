// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Is this the host's PID namespace (pidns.h)?  The inode of
 * PROC/self/ns/pid against the initial namespace's constant, rather
 * than the pid a BPF program sees for us against getpid(): it needs no
 * program loaded and no event waited for, so the refusal comes before
 * anything is loaded; and it goes through /proc, so it also checks
 * what user space reads pids from.  /proc/self is resolved in the PID
 * namespace of the proc mount: a mount of our own namespace
 * (unshare --mount-proc) and the host's /proc seen from a child
 * namespace both lead to the child's ns/pid, and a mount of a namespace
 * we are not in has no self at all.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "pidns.h"

#define PIDNS_FIX	"run coldtrace in the host's (docker run " \
			"--pid=host, Kubernetes hostPID: true)"

/* No ns/pid but a self: a kernel without PID namespaces, one for all. */
static int no_pidns(const char *proc_dir, char *err, size_t errlen)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/self/stat", proc_dir);
	if (stat(path, &st) == 0)
		return 0;
	return ct_fail(err, errlen, -ENOENT, "%s/self is missing: %s is not "
		       "mounted, or shows a PID namespace coldtrace is not "
		       "in, while the kernel reports the host's pids; "
		       PIDNS_FIX, proc_dir, proc_dir);
}

int ct_pidns_check(const char *proc_dir, char *err, size_t errlen)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/self/ns/pid", proc_dir);
	if (stat(path, &st))
		return errno == ENOENT ? no_pidns(proc_dir, err, errlen) :
		       ct_fail_errno(err, errlen, errno, "cannot check the "
				     "PID namespace: %s", path);
	if (st.st_ino == CT_PID_INIT_INO)
		return 0;
	return ct_fail(err, errlen, -EPERM, "in a PID namespace of its own "
		       "(pid:[%llu]; the host's is pid:[%lu]): the kernel "
		       "reports the host's pids, which cannot be looked up "
		       "from there; " PIDNS_FIX,
		       (unsigned long long)st.st_ino, CT_PID_INIT_INO);
}
