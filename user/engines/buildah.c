// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Buildah: the containers of image builds.  `buildah run`, and every RUN
 * step of `buildah build` and of `podman build` (which runs Buildah's
 * code), run the OCI runtime without a shim or a monitor: a re-exec of
 * the build's own binary (argv[0] "buildah-oci-runtime", comm "exe", a
 * process coldtrace does not follow) runs `<rt> create --bundle
 * /var/tmp/buildahN ... buildah-buildahN`, then start, state and delete.
 * Those are the direct family's phases; before this file such a step
 * was a "direct" run and mixed with runtimes run by hand.
 *
 * What says a container is a build's is the id Buildah gives the
 * runtime: its package name, "-", and the base name of the bundle's
 * temporary directory (made by os.MkdirTemp(dir, "buildah"): "buildah"
 * and decimal digits).  Seen with Buildah 1.28 and Podman 4.3's build
 * (tests/fixtures/buildah-runc, podman-build-crun).
 */
#include <ctype.h>
#include <string.h>
#include "engine.h"
#include "tracker_api.h"

static bool buildah_id(const char *id)
{
	static const char prefix[] = "buildah-buildah";
	size_t n = sizeof(prefix) - 1;

	if (strncmp(id, prefix, n) || !id[n])
		return false;
	for (id += n; *id; id++)
		if (!isdigit((unsigned char)*id))
			return false;
	return true;
}

/* A runtime's create that no shim or monitor has claimed. */
static void buildah_claim(struct ct_tracker *tk, void *es, struct cstate *s,
			  const struct ct_proc *parent)
{
	(void)tk;
	(void)es;
	(void)parent;
	if (s->c.engine == CT_ENG_UNKNOWN && buildah_id(s->c.id))
		s->c.engine = CT_ENG_BUILDAH;
}

const struct ct_engine_ops ct_engine_buildah = {
	.claim = buildah_claim,
};
