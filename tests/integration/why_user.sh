#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --why=user (docs/why.md "User stacks"): each wait's user stack below
# its kernel stack in waits.folded, named through the binary's own line
# table (that naming is held to the Go runtime's traceback by gosym.sh),
# under `-- COMMAND` and detached (continuous, default --arm=auto, idle
# verified first).  `runc run` (Debian 12's runc 1.1.5) of a bundle
# whose createRuntime hook sleeps 0.3 s:
#  - create's waits in runc's own code carry runc's frames, as its
#    source calls them (libcontainer/process_linux.go): from
#    runtime.main through main.main and main.startContainer down to
#    libcontainer's (*initProcess).start, under the kernel's frames;
#  - the hook's 300 ms, followed from runc's wait to the hook's own
#    site, carries none (the carrier's frames are not where the hook
#    waited), within 5 % of 300 ms;
#  - the records' wait sites name the program's own innermost function
#    of their user stack ("code"): create has one in runc's own
#    packages, each site's code is a frame of that phase's folded lines
#    (the same stacks), the hook's followed site has none;
#  - the lines add up to each phase's off-CPU time in the records, and
#    the recording replays the same lines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

"$TOP/tools/harness.sh" bundle "$T/b" true >/dev/null
jq '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["/bin/sleep", "0.3"]}]}' \
	"$T/b/config.json" >"$T/c" && mv "$T/c" "$T/b/config.json"

RUNC_FRAMES='runtime\.goexit;runtime\.main;main\.main;.*;main\.startContainer;.*;github\.com/opencontainers/runc/libcontainer\.\(\*initProcess\)\.start;'

check_folded() {	# ID DIR
	local f=$2/waits.folded n hook
	[ -s "$f" ] || fail "$1: no waits.folded in $2"
	n=$(grep -cE "^$1;create;$RUNC_FRAMES" "$f" || true)
	[ "$n" -ge 1 ] ||
		fail "$1: no create wait under runc's (*initProcess).start: $(grep "^$1;create;" "$f" | cut -c1-300 | head -5)"
	hook=$(awk -v p="$1;create;[clock_nanosleep: stack not walked];do_nanosleep " \
		'index($0, p) == 1 { s += $NF } END { printf "%d", s }' "$f")
	[ "$hook" -ge 285000000 ] && [ "$hook" -le 315000000 ] ||
		fail "$1: the hook's sleep, followed, ${hook} ns without user frames: $(grep "^$1;create;.*do_nanosleep" "$f" | cut -c1-300)"
	# each phase's lines sum to its record's off-CPU time
	jq -r --arg id "$1" 'select(.type == "container" and .id == $id) | .phases
		| to_entries[] | select(.value.waits) | "\(.key) \(.value.waits.offcpu_ns + .value.waits.no_carrier_ns)"' \
		"$2/containers.jsonl" | sort >"$T/want.$1"
	# (the ns after the line's last space: a Go frame may hold spaces)
	awk -v id="$1" '{ n = $NF; split($0, a, ";") }
		a[1] == id { s[a[2]] += n }
		END { for (p in s) if (s[p] > 0) print p, s[p] }' "$f" | sort >"$T/got.$1"
	grep -v ' 0$' "$T/want.$1" | cmp -s - "$T/got.$1" ||
		fail "$1: folded sums $(paste -sd, "$T/got.$1") != the records' $(paste -sd, "$T/want.$1")"
	check_code "$1" "$2"
	note "$1: $n create waits under runc's frames; the hook's followed sleep $((hook / 1000000)) ms, no user frames; sums = records"
}

check_code() {	# ID DIR: the sites' code against the folded lines
	local phase code n=0
	jq -r --arg id "$1" 'select(.type == "container" and .id == $id)
		| .phases | to_entries[] | .key as $p
		| (.value.waits.sites // [])[] | select(.code)
		| "\($p)\t\(.code)"' "$2/containers.jsonl" >"$T/code.$1"
	grep -q $'^create\tgithub\.com/opencontainers/runc/' "$T/code.$1" ||
		fail "$1: no create site in runc's own code: $(cat "$T/code.$1")"
	while IFS=$'\t' read -r phase code; do
		grep -qF "$1;$phase;" <(grep -F ";${code//;/,};" "$2/waits.folded") ||
			fail "$1: $phase's site code $code is in no folded line of $phase"
		n=$((n + 1))
	done <"$T/code.$1"
	jq -e --arg id "$1" 'select(.type == "container" and .id == $id)
		| [.phases.create.waits.sites[] | select(.site == "do_nanosleep"
		   and .via == "followed" and .code)] | length == 0' \
		"$2/containers.jsonl" >/dev/null ||
		fail "$1: the hook's followed sleep has a code"
	note "$1: $n sites with code, each a frame of its phase's folded lines: $(cut -f2 "$T/code.$1" | sed 's|.*/||' | sort -u | paste -sd, | cut -c1-200)"
}

# ---- under -- COMMAND ----
run_ct --why=user -o "$T/o" --record "$T/rec.ctrec" -- \
	runc --root "$CT_RUNC_ROOT" run --bundle "$T/b" ctu-c </dev/null
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
check_folded ctu-c "$T/o"
"$COLDTRACE" --replay "$T/rec.ctrec" --why -o "$T/r" >/dev/null 2>"$T/replay.err" ||
	fail "replay: $(cat "$T/replay.err")"
cmp -s <(sort "$T/o/waits.folded") <(sort "$T/r/waits.folded") ||
	fail "the replay's waits.folded differs: $(diff <(sort "$T/o/waits.folded") <(sort "$T/r/waits.folded") | head -5)"
named=$("$COLDTRACE" --replay "$T/rec.ctrec" --dump 2>/dev/null | grep -c ' USTACK ' || true)
note "-- COMMAND: the recording replays the same lines ($named user stacks named)"

# ---- detached: continuous, default arming ----
dt_start --why=user
runc --root "$CT_RUNC_ROOT" run --bundle "$T/b" ctu-d </dev/null ||
	fail "runc run failed"
dt_record ctu-d 60 >/dev/null
dt_stop
check_folded ctu-d "$T/dir"
