// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The engines the tracker calls, in order: see engine.h. */
#include "engine.h"

const struct ct_engine_ops *const ct_engines[CT_ENGINES] = {
	&ct_engine_cri,
	&ct_engine_docker,
	&ct_engine_podman,
};
