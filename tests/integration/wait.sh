#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --wait bounds how long a session waits, once COMMAND has exited, for
# its containers to be destroyed.  `runc run -d` exits as soon as its
# container runs, and the container (sleep 60) outlives the wait: the
# session ends WAIT s after COMMAND (not before, not much later), its
# record says incomplete, and stderr says why.  Truth: the command's own
# end (run_timed) and runc's state of the container after the session.
. "$(dirname "$0")/lib.sh"

WAIT=2
id=ct-wait-$$-$RANDOM
stop_it() {
	runc --root "$CT_RUNC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
	cleanup_test
}
trap stop_it EXIT

"$TOP/tools/harness.sh" bundle "$T/bundle" sleep 60 >/dev/null
run_timed -j -v --wait "$WAIT" -- sh -c 'exec "$@" </dev/null >/dev/null 2>&1' \
	sh runc --root "$CT_RUNC_ROOT" run -d --bundle "$T/bundle" "$id"
end_ns=$(date +%s%N)
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }

state=$(runc --root "$CT_RUNC_ROOT" state "$id" | jq -r .status)
[ "$state" = running ] ||
	fail "the container is $state after the session, expected running"
waited=$(((end_ns - CMD_END_NS) / 1000000))
[ "$waited" -ge $((WAIT * 1000)) ] && [ "$waited" -lt $((WAIT * 1000 + 3000)) ] ||
	{ show_output; fail "the session ended $waited ms after COMMAND, --wait $WAIT"; }
r=$(records | jq -c --arg id "$id" 'select(.id == $id)')
[ "$(jq -r .complete <<<"$r")" = false ] ||
	{ show_output; fail "record of the running container: $r, expected complete false"; }
grep -q "^coldtrace: $WAIT s after COMMAND exited, .*reported incomplete" "$T/err" ||
	{ show_output; fail "stderr does not say why the record is incomplete"; }
note "ok: ended $waited ms after COMMAND (--wait $WAIT), record incomplete, said so"
