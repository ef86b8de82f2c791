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

/* A frame, its ';' (a Go type's fields: "type..eq.struct { a int; b
 * int }") written ',': ';' separates the frames. */
static void frame(FILE *f, const char *s)
{
	fputc(';', f);
	for (; *s; s++)
		fputc(*s == ';' ? ',' : *s, f);
}

/*
 * One line: the container, the phase, the frames root first; where the
 * waker's stack was taken, "--", its frames innermost first and its
 * comm, as bcc's offwaketime folds a wait and its waker (a flame graph
 * draws the waker's stack on top of the wait's).
 */
static void line(void *ctx, const struct ct_why_stack *s)
{
	struct folded *x = ctx;
	size_t n = s->n;

	fprintf(x->f, "%.12s;%s", x->c->id, ct_phase_name(s->phase));
	while (n--)
		frame(x->f, s->frame[n]);
	if (s->waker_n) {
		fputs(";--", x->f);
		for (n = 0; n < s->waker_n; n++)
			fprintf(x->f, ";%s", s->waker_frame[n]);
		fprintf(x->f, ";%.*s", CT_COMM_LEN, s->waker);
	}
	fprintf(x->f, " %" PRIu64 "\n", s->ns);
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
