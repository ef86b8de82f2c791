/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How a phase table is written (phases.h has the rule): the rows'
 * macros and the groups of rows every monitored runtime and every
 * engine's network share.  Included by phases.c and by the files of the
 * engines with a family of their own (their row's phases).
 */
#ifndef __CT_PHASES_API_H
#define __CT_PHASES_API_H

#include <stddef.h>
#include "phases.h"

#define R(tr, op, ph)		{ CT_TR_##tr, CT_OP_##op, CT_PH_##ph, \
				  CT_PH_NONE, CT_PH_NONE }
#define R_NEED(tr, op, ph, n)	{ CT_TR_##tr, CT_OP_##op, CT_PH_##ph, n, \
				  CT_PH_NONE }
#define R_UNLESS(tr, op, ph, u)	{ CT_TR_##tr, CT_OP_##op, CT_PH_##ph, \
				  CT_PH_NONE, u }

/* An engine's network: its hook (docker's libnetwork-setkey, a CNI
 * plugin), the umount of the netns bind mount, the engine's umounts of
 * the container's paths: the same under every engine. */
#define ENGINE_NETWORK							\
	R(HOOK_EXEC, BEGIN, CONNECT),					\
	R(HOOK_EXIT, END, CONNECT),					\
	R(NETNS_UMOUNT_ENTER, BEGIN, DISCONNECT),			\
	R(NETNS_UMOUNT_EXIT, END, DISCONNECT),				\
	R(ID_UMOUNT, EXTEND, DESTROY)

/* From the runtime's create to the last process of the container: the
 * same whoever monitors it (a shim, conmon). */
#define MONITORED_RUNTIME						\
	R(RT_CREATE, END, ATTACH),					\
	R(RT_CREATE, BEGIN, CREATE),					\
	R(RT_CREATE_EXIT, END, CREATE),					\
	R_NEED(RT_START, BEGIN, START, CT_PH_CREATE),			\
	R(USER_EXEC, END, START),					\
	R(USER_EXEC, BEGIN, RUN),					\
	R(PID1_EXIT, END, RUN),						\
	R_UNLESS(PID1_EXIT, BEGIN, DIE, CT_PH_DESTROY),			\
	R_NEED(RT_DELETE, END, DIE, CT_PH_ANY),				\
	R_NEED(RT_DELETE, BEGIN, DESTROY, CT_PH_ANY),			\
	R(PROC_EXIT, EXTEND, DESTROY)

#define CT_PHASE_TABLE(rows)	{ rows, sizeof(rows) / sizeof((rows)[0]) }

#endif /* __CT_PHASES_API_H */
