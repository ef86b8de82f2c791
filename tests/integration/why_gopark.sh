#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --why=user's parked goroutines (docs/why.md "A parked goroutine's
# frames"): coldtrace's probe on runc's runtime.gopark, against
# bpftrace (Debian's, an independent tracer) placed on the same entry of
# the same binary in the same run, its raw addresses named by Go's own
# addr2line.  `docker run` of a short container:
#  - Go's tool says the entry probed is runtime.gopark's;
#  - every goroutine stack a wait's record carries (its gstack, named
#    by a USTACK record of its process) is one bpftrace saw in that
#    process (tests/integration/check_gopark.py);
#  - waits.folded has waits with goroutine frames ("[goroutine]"), on
#    forky's runc at least one with a function of runc's own there.
# What it prints says how far they go on this runc (Go 1.19): its mcall
# keeps the goroutine's frame pointer, so a thread's own frames already
# hold the parked goroutine's above runtime.mcall (but gopark's caller),
# and those left to the runtime's only are the runtime's goroutines
# (ensureSigM, gcenable's, bgsweep); docs/why.md.
# under `-- COMMAND`, then detached (continuous, default --arm=auto, the
# probe verified placed and the hooks idle before the `docker run`).
# forky/why-gopark: the forky set's runc (Go 1.26), in the daemons'
# own root, found there by the session at its start; its mcall clears
# the frame pointer, so its threads' own frames end at runtime.mcall.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

A2L=$TOP/.output/gosym_addr2line
if [ "${CT_VERSIONS:-}" = forky ]; then
	# the daemons' root's runc (Go 1.26), named by the newest Go's tool
	RUNC=${CT_FORKY_DIR:-/opt/coldtrace/versions/forky}/usr/sbin/runc
	GO_A2L=${CT_GO_DIR:-/opt/coldtrace/versions/go}/bin/addr2line
	OWN=1	# its threads' frames end at mcall: the park names runc's
else
	RUNC=$(command -v runc) || fail "no runc on PATH"
	GO_A2L=$(go env GOTOOLDIR)/addr2line
	OWN=0	# its threads' frames hold the goroutine's already
fi
make -s -C "$TOP" .output/gosym_addr2line >/dev/null ||
	fail "cannot build the Go symbolizer"
[ -x "$GO_A2L" ] || fail "no go tool addr2line (golang-go)"
entry=$(echo runtime.gopark | "$A2L" "$RUNC" -f | cut -d' ' -f1)
off=$(python3 "$TOP/tools/experiments/go-ustacks.d/offset.py" "$A2L" \
	"$RUNC" runtime.gopark) || fail "no runtime.gopark in $RUNC"
# Go's tool counts from .text in a stripped binary (docs/gosym.md)
text=$("$A2L" "$RUNC" -t | cut -d' ' -f1)
start=0x$(readelf -SW "$RUNC" | sed -n 's/.* \.text *PROGBITS *\([0-9a-f]*\) .*/\1/p')
gap=$((text - start))
said=$(printf '%#x\n' $((entry - gap)) | "$GO_A2L" "$RUNC" | head -1)
[ "$said" = runtime.gopark ] ||
	fail "Go's addr2line names $entry (gap $gap) $said, not runtime.gopark"

BT=
bt_stop() {
	[ -z "$BT" ] || { kill -INT "$BT" 2>/dev/null; wait "$BT" || true; }
	BT=
}
bt_start() {	# FILE: bpftrace at gopark's entry until bt_stop
	bpftrace --unsafe -e "uprobe:$RUNC:$off { printf(\"S %d%s|\\n\", pid, ustack(perf, $CT_STACK_DEPTH)); }" \
		>"$1" 2>"$1.err" &
	BT=$!
	for _ in $(seq 100); do
		grep -q '^Attaching' "$1" "$1.err" && return 0
		kill -0 "$BT" 2>/dev/null || break
		sleep 0.1
	done
	fail "bpftrace did not attach: $(cat "$1.err")"
}
CT_STACK_DEPTH=$(sed -n 's/^#define CT_STACK_DEPTH\t\([0-9]*\).*/\1/p' "$TOP/include/coldtrace.h")
trap 'bt_stop; dt_kill; cleanup_test' EXIT

check() {	# NAME DIR REC: coldtrace's gstacks against bpftrace's
	"$COLDTRACE" --replay "$3" --dump >"$T/dump.$1" 2>/dev/null ||
		fail "$1: --dump of $3"
	python3 "$TOP/tests/integration/check_gopark.py" "$T/dump.$1" \
		"$T/bt.$1" "$GO_A2L" "$RUNC" "$gap" "$2/waits.folded" 1 "$OWN" \
		>"$T/check.$1" || { cat "$T/check.$1" >&2; fail "$1: unlike bpftrace"; }
	note "$1: $(cat "$T/check.$1")"
}

# ---- under -- COMMAND ----
bt_start "$T/bt.command"
run_ct --why=user -v -o "$T/o" --record "$T/rec.ctrec" -- \
	docker run --rm --network none "$CT_IMAGE" true
bt_stop
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
grep -q "^why: .*/runc probed at $off\$" "$T/err" ||
	{ show_output; fail "no probe on $RUNC at $off said"; }
check command "$T/o" "$T/rec.ctrec"

# ---- detached: continuous, default arming ----
bt_start "$T/bt.detached"
dt_start --why=user -v --record "$T/rec.d.ctrec"
trap 'bt_stop; dt_kill; cleanup_test' EXIT	# dt_start set its own
bpftool perf list -j | jq -e --argjson p "$DT_PID" --argjson o "$((off))" \
	'[.[] | select(.pid == $p and (.filename // "" | endswith("/runc"))
		and .offset == $o)] | length >= 1' >/dev/null ||
	{ show_output; fail "detached: no uprobe of coldtrace on $RUNC at $off"; }
docker run --rm --network none --cidfile "$T/cid" "$CT_IMAGE" true >/dev/null ||
	fail "docker run failed"
dt_record "$(cat "$T/cid")" 60 >/dev/null
dt_stop
bt_stop
check detached "$T/dir" "$T/rec.d.ctrec"
