// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Docker's classifier rule (user/model/classify.h): dockerd's network
 * hook, libnetwork-setkey, whose first argument is the container's id
 * (the runc hook dockerd puts in every container's spec).
 */
#include <string.h>
#include "classify_api.h"

bool ct_docker_classify_setkey(const char *base, const struct ct_argv *v,
			       struct ct_class *out)
{
	int pos[2];

	if (strcmp(base, "libnetwork-setkey"))
		return false;
	out->role = CT_ROLE_HOOK_SETKEY;
	out->engine = CT_ENG_DOCKER;
	if (ct_argv_positionals(v, 1, pos, 2) >= 1)
		ct_class_set_id(out, v->argv[pos[0]]);
	return true;
}
