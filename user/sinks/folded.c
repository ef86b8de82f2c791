// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --why's wait sites as folded stacks: folded.h. */
#include <errno.h>
#include <inttypes.h>
#include "folded.h"
#include "why.h"

struct folded {
	FILE *f;
	const struct ct_container *c;
};

/* One line: the container, the phase, the frames root first. */
static void line(void *ctx, int phase, const char *const *frame, size_t n,
		 uint32_t state, uint64_t ns, uint32_t count)
{
	struct folded *x = ctx;

	(void)state;
	(void)count;
	fprintf(x->f, "%.12s;%s", x->c->id, ct_phase_name(phase));
	while (n--)
		fprintf(x->f, ";%s", frame[n]);
	fprintf(x->f, " %" PRIu64 "\n", ns);
}

int ct_folded_write(FILE *f, const struct ct_agg *agg,
		    const struct ct_meta *m)
{
	struct folded x = { .f = f };

	for (size_t i = 0; m->why && i < ct_agg_count(agg); i++) {
		x.c = ct_agg_get(agg, i);
		ct_why_walk(m->why, x.c, line, &x);
	}
	return ferror(f) ? -EIO : 0;
}
