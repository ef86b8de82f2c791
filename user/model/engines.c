// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The engines' rows, as the top handed them down: see engine_api.h. */
#include <string.h>
#include "engine_api.h"

/* Set once, before any stage runs; read only after. */
static const struct ct_engine_set *engines;

void ct_engines_use(const struct ct_engine_set *set)
{
	engines = set;
}

const struct ct_engine_set *ct_engines(void)
{
	return engines;
}

const struct ct_engine *ct_engine(enum ct_engine_kind e)
{
	return &engines->rows[(unsigned)e < CT_ENG_MAX ? e : CT_ENG_UNKNOWN];
}

bool ct_engines_daemon(const char *comm)
{
	for (enum ct_engine_kind e = 0; e < CT_ENG_MAX; e++)
		for (const struct ct_ufn_spec *s = ct_engine(e)->ufns;
		     s && s->daemon; s++)
			if (!strcmp(s->daemon, comm))
				return true;
	return false;
}
