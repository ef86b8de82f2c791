// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The engines' rows, as the top handed them down: see engine_api.h. */
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
