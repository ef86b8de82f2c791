/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The classifier's rules by engine: classify.c runs the shim's, then each
 * engine's row's (engine.h classify[]) in the table's order, each
 * engine's own in its file (user/engines/docker_classify.c,
 * podman_classify.c), with the argv helpers they share.  A rule that
 * knows argv[0]'s basename fills out and returns true; false: not its.
 * Only those files include it.
 */
#ifndef __CT_CLASSIFY_API_H
#define __CT_CLASSIFY_API_H

#include <stdbool.h>
#include "classify.h"
#include "util.h"

void ct_class_set_id(struct ct_class *out, const char *id);
/* Value of "-name V", "--name V", "-name=V" or "--name=V", or NULL. */
const char *ct_argv_flag(const struct ct_argv *v, int from, const char *name);
/* Positional arguments from index from, skipping flags and the values
 * of flags known to take one.  Returns how many were stored. */
int ct_argv_positionals(const struct ct_argv *v, int from, int idx[],
			int max);

/* An engine's rule (its row's classify[] in engine.h, in order). */
typedef bool (*ct_classify_rule)(const char *base, const struct ct_argv *v,
				 struct ct_class *out);
bool ct_docker_classify_setkey(const char *base, const struct ct_argv *v,
			       struct ct_class *out);
bool ct_podman_classify_conmon(const char *base, const struct ct_argv *v,
			       struct ct_class *out);
bool ct_podman_classify_client(const char *base, const struct ct_argv *v,
			       struct ct_class *out);
/* Whether a client's or runtime's command only reads (client_cmds.c). */
bool ct_cmd_reads(const char *cmd);
/* Whether a client's argv (argv[0]'s basename @base) runs such a command. */
bool ct_client_cmd_reads(const char *base, const struct ct_argv *v);

#endif /* __CT_CLASSIFY_API_H */
