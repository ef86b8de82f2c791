#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The ready phase under runtime $1 (docs/design.md "Phases"): a Node.js
# container that sleeps 300 ms, listens on a TCP port and prints its own
# wall clock (ns) right after: ready must end before that clock, by
# 50 ms at most, and last >= 300 ms.  A container that never listens has no
# ready phase, and its cold_start_ns ends at its program's exec.
. "$(dirname "$0")/lib.sh"

rt=${1:?usage: ready.sh RUNTIME}
NODE_IMAGE=coldtrace/node:latest
docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 ||
	"$TOP/tools/node-image.sh" "$NODE_IMAGE" >/dev/null ||
	fail "could not build $NODE_IMAGE"

# performance.timeOrigin + now(): sub-ms wall clock inside the container.
# listen(port) without a host binds and listens synchronously, so the
# clock is read right after the listen(2) returns (the listen callback
# comes an event-loop turn later: ~5 ms under runsc's ptrace platform).
SERVE='setTimeout(() => { const s = require("net").createServer();
s.listen(8080);
const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
console.log("READY " + ns); s.close(); }, 300);'

run_ct -j -- sh -c '
	docker run --rm --network none --runtime="$1" --cidfile "$2/cid1" \
		"$3" node -e "$4" >"$2/printed"
	docker run --rm --network none --runtime="$1" --cidfile "$2/cid2" \
		"$3" node -e "setTimeout(() => {}, 100)"' \
	sh "$rt" "$T" "$NODE_IMAGE" "$SERVE"
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
printed=$(awk '/^READY/ { print $2 }' "$T/printed")
[ -n "$printed" ] || fail "the service printed no READY line"
id1=$(cat "$T/cid1") id2=$(cat "$T/cid2")

r=$(records | jq -c --arg id "$id1" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record for the listening container"; }
note "$rt: $(jq -c '{ready: .phases.ready, run_start: .phases.run.start_ns,
	cold_start_ns, opens: {count: .opens.count, before_ready: .opens.before_ready}}' <<<"$r")"
end=$(jq -r '.phases.ready | .start_ns + .dur_ns' <<<"$r")
dur=$(jq -r '.phases.ready.dur_ns' <<<"$r")
[ "$end" != null ] || { show_output; fail "$rt: no ready phase"; }
[ "$(jq -r '.phases.ready.start_ns == .phases.run.start_ns' <<<"$r")" = true ] ||
	fail "$rt: ready does not start at the program's exec"
diff=$((end - printed))
note "$rt: ready ends $((diff / 1000)) us from the printed clock, lasts $((dur / 1000000)) ms"
# What the service's clock guarantees: its listen(2) returned before it
# read the clock, so ready ends before the printed clock (2 ms for the
# two clocks' sub-ms readings: Node's timeOrigin, the kernel's offset of
# CLOCK_MONOTONIC).  How long before is the scheduler's: the print
# waits for a CPU (9-11 ms seen on 2 loaded cores), and under runsc the
# emulated syscalls between the listen and the clock take 3.5-11 ms
# (docs/phases.md).  A wrong listen, or the exec taken for it, is the
# program's 300 ms sleep off: 50 ms before at most.
early=50000000 late=2000000
[ "$diff" -le "$late" ] ||
	fail "$rt: ready ends $diff ns after the printed clock, which came after the listen"
[ "$diff" -ge "-$early" ] ||
	fail "$rt: ready ends $((-diff)) ns before the printed clock: not the listen that printed it"

[ "$dur" -ge 300000000 ] || fail "$rt: ready lasts $dur ns < 300 ms"
# jq computes in doubles: wall-clock ns are exact only to ~256 ns
near() {	# EXPR: |EXPR| < 1 us
	jq -e "($1) | fabs < 1000" <<<"$r" >/dev/null
}
near '.cold_start_ns - (.phases.ready.start_ns + .phases.ready.dur_ns - .start_ns)' ||
	fail "$rt: cold_start_ns does not end at ready"
if [ "$rt" != runsc ]; then
	jq -e '.opens.before_ready > 0 and .opens.before_ready <= .opens.count' \
		<<<"$r" >/dev/null || fail "$rt: opens.before_ready missing or wrong"
fi

r=$(records | jq -c --arg id "$id2" 'select(.id == $id)')
[ -n "$r" ] || { show_output; fail "no record for the quiet container"; }
[ "$(jq -r '.phases.ready' <<<"$r")" = null ] ||
	fail "$rt: a container that never listens has a ready phase"
near '.cold_start_ns - (.phases.run.start_ns - .start_ns)' ||
	fail "$rt: cold_start_ns of a quiet container does not end at start"
