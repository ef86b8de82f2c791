#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# --why's wait sites (docs/why.md) against independent truth, under
# `-- COMMAND` and detached (continuous, default --arm=auto, idle
# verified before the scenario):
#  - `runc run` of a bundle whose createRuntime hook is `sleep 0.3`:
#    create's largest site is the hook's do_nanosleep, reached from
#    runc's own wait (Go's netpoller or futex, followed one hop), woken
#    by the hook (its pid: the kernel's exec record of /bin/sleep),
#    itself woken by the timer interrupt; within 5 % of 300 ms;
#  - a hook that reads a FIFO which a writer of the test's own fills
#    400 ms after the hook opened it: site the FIFO's pipe read, the
#    hook its waker, the writer (its comm and pid, as it says) the
#    hook's; within 5 % of the writer's own clock;
#  - a hook that writes 32 MiB with fsync: a site in D under fsync;
#  - libbpf-tools' offcputime, host-wide during each mode's run, twice:
#    every sleep of 1 ms or more, and every D wait of 1 us or more (dd's
#    fsync may be many short ones; host-wide, every block of 1 us would
#    fill offcputime's fixed 10,240-entry map and lose some: both
#    filters failed so once each); its
#    off-CPU time of the hook's process in the same wait (sleep's
#    do_nanosleep, head's pipe read, dd's fsync) within 10 % of the
#    site's (a followed site's time is runc's wait, which the hook's
#    spans from its exec to its exit); dd's fsync at most 10 % above
#    and, with the phase's other_ns (sites past its 4 largest: fsync's
#    own second D site can be one), at most 10 % below;
#  - coverage: create's unattributed time is at most 10 % of its own
#    off-CPU time; the lines add up to the split;
#  - the recording replays the same sites, and its -o DIR's waits.folded
#    and waits.pb.gz as their readers read them: pprof-format (npm) and
#    the folded lines give each container's phase the same nanoseconds,
#    its record's off-CPU time; `go tool pprof -raw` (Debian's golang-go)
#    the same total; the FIFO wait's folded line carries its waker's
#    stack, the writer's write into the pipe, and the writer's comm.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"

command -v offcputime >/dev/null || fail "offcputime (libbpf-tools) not installed"

FIFO=$T/fifo
WRITER=$TOP/tests/integration/fifo_writer.py

# bundle DIR HOOK_ARGV_JSON: a busybox bundle with one createRuntime hook
bundle() {
	"$TOP/tools/harness.sh" bundle "$1" true >/dev/null
	jq --argjson h "$2" '.hooks = {createRuntime: [{path: $h[0], args: $h}]}' \
		"$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"
}
bundle "$T/b-sleep" '["/bin/sleep", "0.3"]'
bundle "$T/b-fifo" "[\"/usr/bin/head\", \"-c\", \"2\", \"$FIFO\"]"
bundle "$T/b-fsync" "[\"/bin/dd\", \"if=/dev/zero\", \"of=$T/fsync.bin\", \"bs=1M\", \"count=32\", \"conv=fsync\", \"status=none\"]"

# The three runs, each its own container ($1: a suffix for the ids).
scenario() {	# SUFFIX
	rm -f "$FIFO" "$T/writer-$1"
	mkfifo "$FIFO"
	python3 "$WRITER" "$FIFO" 0.4 >"$T/writer-$1" &
	local wpid=$!
	runc --root "$CT_RUNC_ROOT" run --bundle "$T/b-sleep" "ctw-sleep-$1" </dev/null
	runc --root "$CT_RUNC_ROOT" run --bundle "$T/b-fifo" "ctw-fifo-$1" </dev/null
	wait "$wpid"
	runc --root "$CT_RUNC_ROOT" run --bundle "$T/b-fsync" "ctw-fsync-$1" </dev/null
}

# create's sites of container $1 in the JSON lines of $2
create_of() {	# ID FILE
	jq -c --arg id "$1" 'select(.type == "container" and .id == $id)
		| .phases.create' "$2"
}

top_site() {	# CREATE_JSON
	jq -c '.waits.sites | max_by(.ns + .runq_ns)' <<<"$1"
}

# |a - b| <= pct % of b
within() {	# A B PCT
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d
		exit !(b > 0 && d <= p / 100 * b) }'
}

# The checks every mode makes of the three containers of JSON file $2.
check_sites() {	# SUFFIX FILE MODE
	local c t ns wpid wns
	c=$(create_of "ctw-sleep-$1" "$2")
	[ -n "$c" ] || fail "$3: no record of ctw-sleep-$1"
	jq -e '.waits' <<<"$c" >/dev/null || fail "$3: create has no waits: $c"
	t=$(top_site "$c")
	note "$3 sleep hook: $(jq -c '{site, via, via_site, waker, hop, ns, runq_ns}' <<<"$t")"
	ns=$(jq '.ns + .runq_ns' <<<"$t")
	within "$ns" 300000000 5 || fail "$3: the hook's wait $ns ns, not 300 ms +- 5 %"
	jq -e '.site == "do_nanosleep" and .waker.comm == "sleep" and
		.via == "followed" and .hop.kind == "interrupt"' <<<"$t" >/dev/null ||
		fail "$3: create's largest site is not the hook's sleep: $t"
	jq -e '(.waits.unattributed_ns <= 0.1 * .waits.offcpu_ns) and
		([.waits.sites[] | .ns + .runq_ns] | add) + .waits.other_ns
		+ .waits.preempted_ns + .waits.unattributed_ns == .waits.offcpu_ns
		and .waits.offcpu_ns + .waits.nested_ns + .waits.no_carrier_ns
		== .runq_ns + .io_ns + .sleep_ns' <<<"$c" >/dev/null ||
		fail "$3: create's waits do not cover or add up: $(jq -c .waits <<<"$c")"
	SLEEP_NS=$ns
	SLEEP_WAKER=$(jq .waker.pid <<<"$t")

	c=$(create_of "ctw-fifo-$1" "$2")
	t=$(top_site "$c")
	note "$3 fifo hook: $(jq -c '{site, via, waker, hop, ns, runq_ns}' <<<"$t")"
	read -r wpid wns <"$T/writer-$1"
	jq -e --argjson p "$wpid" '(.site | test("pipe_read$")) and
		.waker.comm == "head" and .hop.comm == "ct-fifo-writer" and
		.hop.pid == $p' <<<"$t" >/dev/null ||
		fail "$3: the FIFO read is not woken by writer $wpid: $t"
	ns=$(jq '.ns + .runq_ns' <<<"$t")
	within "$ns" "$wns" 5 || fail "$3: FIFO wait $ns ns, the writer waited $wns"
	FIFO_NS=$ns
	FIFO_WAKER=$(jq .waker.pid <<<"$t")

	c=$(create_of "ctw-fsync-$1" "$2")
	note "$3 fsync hook: $(jq -c '[.waits.sites[] | {site, state, syscall, ns}]' <<<"$c")"
	FSYNC_NS=$(jq '[.waits.sites[] | select(.state == "D" and .syscall == "fsync")
		| .ns] | add // 0' <<<"$c")
	[ "$FSYNC_NS" -gt 0 ] || fail "$3: no D site under fsync in create: $c"
	FSYNC_WAKER=$(jq '[.waits.sites[] | select(.state == "D" and
		.syscall == "fsync")][0].waker.pid' <<<"$c")
	FSYNC_OTHER=$(jq '.waits.other_ns' <<<"$c")
}

# offcputime's microseconds for pid $1 in stacks through frame regex $2,
# from its output $3 (default the long sleeps').  offcputime may lose a
# stack (its stack map is shared host-wide: the entry then has no
# frame, only "-", the name and the time; seen once in CI): with no
# stack through $2, the pid's frameless entries are its time, said.
offcpu_us() {	# PID REGEX [FILE]
	awk -v pid="$1" -v re="$2" 'BEGIN { RS = "" }
		$0 ~ "\\(" pid "\\)" {
			n = split($0, l, "\n")
			if ($0 ~ re)
				s += l[n]
			else if (n == 2 && l[1] ~ /^ *- /)
				lost += l[n]
		}
		END {
			if (!s && lost)
				printf "  offcputime lost pid %s'"'"'s stack: its frameless %d us taken\n", pid, lost >"/dev/stderr"
			print (s ? s : lost) + 0
		}' "${3:-$T/offcpu}"
}

# offcputime's stacks of pid $1 in file $2 (a failed check's evidence)
offcpu_show() {	# PID FILE
	echo "offcputime's stacks of pid $1 ($(grep -c . "$2") lines):" >&2
	awk -v pid="$1" 'BEGIN { RS = "" } $0 ~ "\\(" pid "\\)"' "$2" | head -n 60 >&2
}

# offcputime host-wide, as above, into $T/offcpu and $T/offcpu-d; pids
# in OPIDS
offcpu_start() {
	offcputime -u --stack-storage-size 16384 -m 1000 60 >"$T/offcpu" 2>&1 &
	OPIDS=$!
	offcputime -u --stack-storage-size 16384 --state 2 -m 1 60 \
		>"$T/offcpu-d" 2>&1 &
	OPIDS+=" $!"
	sleep 2
}

offcpu_stop() {
	local p
	for p in $OPIDS; do
		kill -INT "$p"
		wait "$p" || true
	done
}

# The hooks' own waits against offcputime's ($1: a mode, for messages),
# from the *_NS and *_WAKER check_sites() set
offcpu_check() {	# MODE
	local truth
	grep -q "sleep (" "$T/offcpu" || { tail -20 "$T/offcpu" >&2; fail "$1: offcputime saw no hook"; }
	truth=$(offcpu_us "$SLEEP_WAKER" do_nanosleep)
	note "$1 offcputime: sleep ($SLEEP_WAKER) do_nanosleep ${truth} us, coldtrace $((SLEEP_NS / 1000)) us"
	within "$SLEEP_NS" $((truth * 1000)) 10 || { offcpu_show "$SLEEP_WAKER" "$T/offcpu"; fail "$1: sleep's nanosleep: coldtrace $SLEEP_NS ns, offcputime $truth us"; }
	truth=$(offcpu_us "$FIFO_WAKER" pipe_read)
	note "$1 offcputime: head ($FIFO_WAKER) pipe read ${truth} us, coldtrace $((FIFO_NS / 1000)) us"
	within "$FIFO_NS" $((truth * 1000)) 10 ||
		{ offcpu_show "$FIFO_WAKER" "$T/offcpu"; fail "$1: head's FIFO read: coldtrace $FIFO_NS ns, offcputime $truth us"; }
	truth=$(offcpu_us "$FSYNC_WAKER" sys_fsync "$T/offcpu-d")
	note "$1 offcputime: dd ($FSYNC_WAKER) fsync ${truth} us, coldtrace $((FSYNC_NS / 1000)) us"
	# a phase keeps its 4 largest sites: an fsync's other D site (its
	# journal's, its flush's) can be in other_ns, never more than it
	awk -v a="$FSYNC_NS" -v o="$FSYNC_OTHER" -v b="$((truth * 1000))" \
		'BEGIN { exit !(b > 0 && a <= 1.1 * b && a + o >= 0.9 * b) }' ||
		{ offcpu_show "$FSYNC_WAKER" "$T/offcpu-d"; fail "$1: dd's fsync: coldtrace $FSYNC_NS ns (other sites $FSYNC_OTHER ns), offcputime $truth us"; }
}

# ---- under -- COMMAND, offcputime beside it ----
offcpu_start
export -f scenario
export CT_RUNC_ROOT T FIFO WRITER
run_ct -j --why --record "$T/rec.ctrec" -- bash -c 'scenario c'
offcpu_stop
[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace exited $CT_RC"; }
cp "$T/out" "$T/command.jsonl"
check_sites c "$T/command.jsonl" command

# the hooks' own waits, as offcputime saw them
offcpu_check command

# the recording names the same sites on replay
"$COLDTRACE" --replay "$T/rec.ctrec" -j --why >"$T/replay.jsonl" 2>"$T/replay.err" ||
	fail "replay failed: $(cat "$T/replay.err")"
for id in ctw-sleep-c ctw-fifo-c ctw-fsync-c; do
	[ "$(create_of "$id" "$T/replay.jsonl" | jq -c .waits)" = \
	  "$(create_of "$id" "$T/command.jsonl" | jq -c .waits)" ] ||
		fail "the replay's waits of $id differ from the live session's"
done

# waits.folded and waits.pb.gz, as flame graph tools, pprof-format and
# go tool pprof read them, against the records of the same DIR
node_deps
"$COLDTRACE" --replay "$T/rec.ctrec" --why -o "$T/o" >/dev/null 2>"$T/replay.err" ||
	fail "replay -o failed: $(cat "$T/replay.err")"
node "$NODE_DIR/check_waits.js" "$T/o" >"$T/pprof-sums" ||
	fail "waits.pb.gz against waits.folded: $(cat "$T/pprof-sums")"
jq -c 'select(.type == "container") | .id[0:12] as $c | .phases
	| to_entries[] | select(.value.waits) | {container: $c, phase: .key,
	  ns: (.value.waits.offcpu_ns + .value.waits.no_carrier_ns)}
	| select(.ns > 0)' "$T/o/containers.jsonl" | jq -s -c 'sort_by(.container, .phase)' >"$T/want"
jq -s -c 'sort_by(.container, .phase)' "$T/pprof-sums" >"$T/got"
cmp -s "$T/want" "$T/got" || fail "pprof/folded sums $(cat "$T/got") != records' $(cat "$T/want")"
note "waits.pb.gz, waits.folded and the records agree on $(jq length "$T/got") container phases"
folded=$(awk '{ s += $NF } END { printf "%d", s }' "$T/o/waits.folded")
raw=$(go tool pprof -raw "$T/o/waits.pb.gz" 2>"$T/pprof.err" |
	awk '/^ +[0-9]+ +[0-9]+: / { s += $1 } END { printf "%d", s }')
[ "$raw" = "$folded" ] && [ "$raw" -gt 0 ] ||
	fail "go tool pprof's total $raw ns, waits.folded's $folded: $(head -3 "$T/pprof.err")"
# the FIFO's writer ended the hook's read: its folded line goes on with
# the writer's kernel stack at the wakeup, which is its write into the
# pipe, and its comm (as offwaketime folds a waker), for the FIFO wait
wk=$(grep -E '^ctw-fifo-c;create;.*pipe_read;schedule;__schedule;--;try_to_wake_up;.*pipe_write;.*;ct-fifo-writer [0-9]+$' \
	"$T/o/waits.folded" | awk '{ s += $NF } END { printf "%d", s }')
note "waits.folded: the FIFO read woken from the writer's pipe_write stack, $wk ns of $FIFO_NS"
[ "$wk" -ge $((FIFO_NS * 95 / 100)) ] ||
	fail "waits.folded has no writer's stack for the FIFO read: $(grep '^ctw-fifo-c;create' "$T/o/waits.folded" | cut -c1-300)"

# ---- detached: continuous, default arming ----
dt_start --why
offcpu_start
scenario d
for id in ctw-sleep-d ctw-fifo-d ctw-fsync-d; do
	dt_record "$id" 60 >/dev/null
done
offcpu_stop
# /metrics: create's series sum to the records' create off-CPU time,
# the hook's sleep among them; promtool-clean
curl -sf "$DT_URL/metrics" >"$T/metrics" || fail "no /metrics"
promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1 ||
	fail "promtool: $(head -5 "$T/promtool")"
sel='coldtrace_phase_wait_seconds_total{container_runtime="runc",engine="direct",phase="create"'
m=$(awk -v s="$sel" 'index($0, s) == 1 { t += $2 } END { printf "%.9f", t }' "$T/metrics")
r=$(jq -s '[.[] | select(.type == "container" and .runtime == "runc"
	and .engine == "direct") | .phases.create.waits
	| .offcpu_ns + .no_carrier_ns] | add / 1e9' "$T/out")
note "detached /metrics: create's wait series ${m} s, its records' ${r} s"
within "$(awk -v m="$m" 'BEGIN { printf "%d", m * 1e9 }')" \
	"$(awk -v r="$r" 'BEGIN { printf "%d", r * 1e9 }')" 0.001 ||
	fail "/metrics' create waits $m s, the records' $r s"
s=$(awk -v s="$sel,site=\"do_nanosleep\"}" 'index($0, s) == 1 { print $2 }' "$T/metrics")
awk -v s="${s:-0}" 'BEGIN { exit !(s >= 0.285) }' ||
	fail "/metrics has no do_nanosleep site of the hook's 300 ms in create: ${s:-none}"
dt_stop
check_sites d "$T/out" detached
offcpu_check detached
