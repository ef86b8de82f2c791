#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A runtime run directly on an OCI bundle (`runc run`, `runsc run`): engine
# "direct", the runtime's name, the id from argv, phases create, run and
# destroy (docs/design.md "Phases": no shim, no separate start).
. "$(dirname "$0")/lib.sh"

rt=${1:?usage: direct_run.sh runc|runsc}
id=ct-$rt-$$-$RANDOM
"$TOP/tools/harness.sh" bundle "$T/bundle" sh -c 'exit 0' >/dev/null
case "$rt" in
runc) cmd=(runc --root "$CT_RUNC_ROOT" run --bundle "$T/bundle" "$id") ;;
# runsc cannot copy the host netns here: without --network=none it fails
# with "cannot run with network enabled in root network namespace".
runsc) cmd=(runsc --root "$CT_RUNSC_ROOT" --network=none run \
	--bundle "$T/bundle" "$id") ;;
*) fail "unknown runtime $rt" ;;
esac
run_timed -j -- "${cmd[@]}" </dev/null
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
$CHECK single --out "$T/out" --id "$id" --runtime "$rt" --engine direct \
	--phases create,run,destroy --t0 "$CMD_START_NS" --t1 "$CMD_END_NS" ||
	{ show_output; fail "$rt run"; }
