#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# `docker pull` of a 4-layer image from a private registry
# (tools/registry.sh), lo shaped so that layers overlap: one pull record
# with 4 layers whose digests and bytes (within 1%) are those of the
# registry's manifest, fetch before unpack for each layer, a duration no
# longer than the command's wall clock, and the concurrency dockerd was
# told: max-concurrent-downloads 1 -> max 1, 3 -> max 3.  Its --record
# file holds no byte after a string's NUL or in padding (rec_clean.py:
# the kernel reuses the blob files' path buffers and ring space).
# Then a pull that no client waits for (kubelet's through CRI; here
# dockerd's API through curl, which is no engine client), from a session
# whose syscall hooks are detached: dockerd's registry connect must
# attach them, and its open blob files hold them past the 2 s after
# which an idle session detaches (lo shaped so that the pull takes
# longer): every layer as the registry's manifest, none untraced, within
# curl's span (dockerd answers when the pull is done).  Twice, the second
# once the session is idle again and within the 90 s Go keeps an idle
# connection: dockerd opens a new registry connection for each pull (a
# transport per pull), so no pull rides a kept-alive connection unseen.
# `pull.sh far`: the registry in its own netns, 50 ms per round trip
# (tools/netdelay) at 10 Mbit/s: time to first byte >= 50 ms, and the
# namespace and the delayer gone after `registry.sh stop`, and after
# `registry.sh exec` is killed.
. "$(dirname "$0")/lib.sh"

REGISTRY=$TOP/tools/registry.sh
export CT_REGISTRY_STATE=$T/registry.state
IMG=ctpull4
FAR=${1:-}
RATE=40mbit
if [ "$FAR" = far ]; then
	export CT_REGISTRY_RTT_MS=50 CT_REGISTRY_LIFETIME=300
	REF=$("$REGISTRY" addr)/$IMG
	RATE=10mbit
	make -s -C "$TOP/tools/netdelay" >&2 || fail "cannot build tools/netdelay (tools/install-deps.sh)"
else
	REF=127.0.0.1:${CT_REGISTRY_PORT:-5000}/$IMG
fi

command -v docker-registry >/dev/null || fail "no docker-registry: tools/install-deps.sh installs it"
command -v tc >/dev/null || fail "no tc: tools/install-deps.sh installs iproute2"

# The registry, lo's qdisc and daemon.json are restored whatever happens.
CT_BG=
cleanup_pull() {
	[ -z "$CT_BG" ] || { kill -INT "$CT_BG" 2>/dev/null; wait "$CT_BG" 2>/dev/null; } || true
	"$REGISTRY" stop || true
	cleanup_test
}
trap cleanup_pull EXIT

"$REGISTRY" start >/dev/null || fail "registry did not start"
"$REGISTRY" push "$IMG" 4 4 || fail "could not push $REF"
"$REGISTRY" layers "$IMG" >"$T/layers"
[ "$(wc -l <"$T/layers")" -eq 4 ] || fail "registry has $(wc -l <"$T/layers") layers, not 4"
# 1 MB layers at 40 Mbit/s: ~200 ms each, long enough to overlap
"$REGISTRY" shape "$RATE"

pull_with() {
	local n=$1 got
	"$REGISTRY" concurrency "$n"
	"$REGISTRY" forget "$IMG"
	# docker's own stdout would mix with the JSON Lines
	run_timed -j --record "$T/rec.$n" -- \
		sh -c 'exec docker pull -q "$0" >/dev/null' "$REF"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "coldtrace/docker pull exited $CT_RC"; }
	python3 "$TOP/tests/integration/rec_clean.py" "$T/rec.$n" >&2 ||
		fail "the recording holds bytes after a NUL or in padding"
	jq -c 'select(.type == "pull")' "$T/out" >"$T/pulls"
	[ "$(wc -l <"$T/pulls")" -eq 1 ] ||
		{ show_output; fail "expected 1 pull record, got $(wc -l <"$T/pulls")"; }
	# named as dockerd stored it (its tag), which the client left out
	jq -e --arg ref "$REF:latest" '.image == $ref and .engine == "docker" and .complete' \
		"$T/pulls" >/dev/null || { show_output; fail "image/engine/complete wrong"; }
	# the session attached its hooks before it ran the client
	jq -e '.traced_from_ns == null' "$T/pulls" >/dev/null ||
		{ show_output; fail "a pull under hooks attached says traced_from_ns"; }
	check_pull
	got=$(jq '.concurrency.max' "$T/pulls")
	note "max-concurrent-downloads $n: pull $(jq '.dur_ns / 1e6 | floor' "$T/pulls") ms" \
		"(command $(((CMD_END_NS - CMD_START_NS) / 1000000)) ms)," \
		"concurrency max $got mean $(jq '.concurrency.mean' "$T/pulls")"
	[ "$got" -eq "$n" ] || fail "concurrency max $got with max-concurrent-downloads $n"
	[ "$FAR" != far ] || jq -e '.ttfb_ns >= 50e6' "$T/pulls" >/dev/null ||
		fail "time to first byte $(jq .ttfb_ns "$T/pulls") ns < the 50 ms round trip"
}

# Nothing of our far registry left: namespace, veth, delayer (by our
# port and our tree's binary: an experiment's far registry may run beside).
check_gone() {
	local port=${CT_REGISTRY_PORT:-5000}

	ip netns list | grep -qw "^ctreg-$port" &&
		fail "namespace left: $(ip netns list)"
	ip link show | grep -q " ctr-${port}[@:]" && fail "veth ctr-$port left"
	pgrep -f "$TOP/tools/netdelay/.output/netdelay" >/dev/null && fail "netdelay left running"
	return 0
}

# The layers are the registry's, fetched then unpacked, within the command.
check_pull() {
	"$REGISTRY" check "$IMG" "$T/pulls" "$CMD_START_NS" "$CMD_END_NS" ||
		{ show_output; fail "the pull record differs from the registry or the clock"; }
}

# Until FILE has a line matching RE, for at most SEC seconds.
wait_line() {	# FILE RE SEC
	local end=$((SECONDS + $3))
	until grep -q "$2" "$1" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		kill -0 "$CT_BG" 2>/dev/null || return 1
		sleep 0.1
	done
}

# How many lines of FILE match RE (0 if none or no file).
count_lines() {	# FILE RE
	grep -c "$2" "$1" 2>/dev/null || true
}

# Pull k (1, 2) through dockerd's API with curl, nobody's client, once
# the session's hooks detached for the k-th time; its record checked
# against the registry and curl's span.  The second comes within 90 s of
# the first: whatever dockerd kept of its registry connection (Go keeps
# idle ones 90 s), it must be seen as the first was.
clientless_one() {	# K
	local k=$1 sock=${DOCKER_HOST#unix://} rc=0 t0 t1 end=$((SECONDS + 60))
	"$REGISTRY" forget "$IMG"
	# idle: the session's last word on its hooks is a detach (forget's
	# `docker rmi` exec attaches them again, for 2 s at least)
	until [ "$(grep -oE 'sys: hooks (attached|detached)' "$T/err" | tail -n 1)" = "sys: hooks detached" ]; do
		[ $SECONDS -lt $end ] && kill -0 "$CT_BG" 2>/dev/null ||
			{ show_output; fail "clientless $k: the session never detached its hooks"; }
		sleep 0.1
	done
	local asked
	asked=$(count_lines "$T/err" 'sys: hooks attached .* after the registry connect that asked')
	t0=$(date +%s%N)
	curl -sf --unix-socket "$sock" -X POST \
		"http://docker/images/create?fromImage=$REF&tag=latest" >/dev/null || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq 0 ] || { show_output; fail "clientless $k: curl's pull exited $rc"; }
	end=$((SECONDS + 30))
	until [ "$(count_lines "$T/out" '"type":"pull"')" -ge "$k" ]; do
		[ $SECONDS -lt $end ] && kill -0 "$CT_BG" 2>/dev/null ||
			{ show_output; fail "clientless $k: no record of the pull (curl $(((t1 - t0) / 1000000)) ms)"; }
		sleep 0.1
	done
	jq -c 'select(.type == "pull")' "$T/out" | sed -n "${k}p" >"$T/pulls.$k"
	[ "$(count_lines "$T/err" 'sys: hooks attached .* after the registry connect that asked')" -gt "$asked" ] ||
		{ show_output; fail "clientless $k: dockerd's registry connect attached no hook"; }
	# no client named it: dockerd's own store did
	jq -e --arg ref "$REF:latest" '.image == $ref and .engine == "docker" and
		.complete and .untraced_files == 0' "$T/pulls.$k" >/dev/null ||
		{ show_output; fail "clientless $k: image, engine, complete or untraced_files wrong"; }
	# begun with the hooks off: from when they were on, before any layer
	jq -e '.traced_from_ns > .start_ns and
		.traced_from_ns < ([.layers[].fetch.start_ns] | min)' "$T/pulls.$k" >/dev/null ||
		{ show_output; fail "clientless $k: traced_from_ns missing or after a layer's fetch"; }
	"$REGISTRY" check "$IMG" "$T/pulls.$k" "$t0" "$t1" ||
		{ show_output; fail "clientless $k: the pull record differs from the registry or curl's span"; }
	note "clientless $k: $(grep 'after the registry connect that asked' "$T/err" | tail -n 1); pull" \
		"$(jq '.dur_ns / 1e6 | floor' "$T/pulls.$k") ms (curl $(((t1 - t0) / 1000000)) ms)," \
		"$(jq -r '"traced from \((.traced_from_ns - .start_ns) / 1e3 | floor) us, first layer at \(((([.layers[].fetch.start_ns] | min) - .start_ns) / 1e6) | floor) ms"' "$T/pulls.$k")"
}

pull_clientless() {
	local rc=0 t_first
	"$REGISTRY" concurrency 1
	# 4 x 1 MB at 10 Mbit/s: over 3 s, longer than the idle detach's 2 s
	"$REGISTRY" shape 10mbit
	# shellcheck disable=SC2086 # CT_NSENTER: a command prefix or empty
	${CT_NSENTER:-} "$COLDTRACE" -v -j --arm=auto -d 600 \
		</dev/null >"$T/out" 2>"$T/err" &
	CT_BG=$!
	t_first=$SECONDS
	clientless_one 1
	clientless_one 2
	[ $((SECONDS - t_first)) -lt 90 ] ||
		note "clientless: the second pull came $((SECONDS - t_first)) s after the first"
	kill -INT "$CT_BG"
	wait "$CT_BG" || rc=$?
	CT_BG=
	[ "$rc" -eq 0 ] || { show_output; fail "clientless: coldtrace exited $rc"; }
	[ "$(count_lines "$T/out" '"type":"pull"')" -eq 2 ] ||
		{ show_output; fail "clientless: expected 2 pull records, got $(count_lines "$T/out" '"type":"pull"')"; }
}

pull_with 1
pull_with 3
[ "$FAR" = far ] || pull_clientless
if [ "$FAR" = far ]; then
	"$REGISTRY" stop
	check_gone
	# Killed: `registry.sh exec` undoes everything when it gets SIGTERM.
	CT_REGISTRY_STATE=$T/killed.state "$REGISTRY" exec sleep 300 \
		>/dev/null 2>"$T/killed.err" &
	pid=$!
	for _ in $(seq 100); do
		pgrep -f "$TOP/tools/netdelay/.output/netdelay" >/dev/null && break
		sleep 0.1
	done
	pgrep -f "$TOP/tools/netdelay/.output/netdelay" >/dev/null ||
		{ cat "$T/killed.err" >&2; fail "registry.sh exec started no delayer"; }
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	check_gone
	note "far: namespace, veth and delayer gone after stop and after SIGTERM"
fi
