#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Pulls at once, each its own record: `docker pull` of 3 images at once
# (pb on pa's two layers, pc of its own), then of 10 (q1..q9 on q0's
# layers, and q0), then pb again with pa's layers present, then pc by
# digest, then one of zeros (held up by unpacking), then two `docker
# create`s' implicit pulls (no pull client), then two `docker run`s of
# images on the harness's busybox (each container must point to its own
# pull); each pull's record checked by check_pulls.py against the
# registry's manifests and its access log (a layer shared by two pulls
# sent once), and against its client's own wall clock.  Under
# `-- COMMAND`, then in the mode a node runs (continuous, default
# arming, hooks detached before each scenario: dockerd's registry
# connect attaches them, and nobody names the image but dockerd's own
# store), where /metrics must count the cached layers and their bytes;
# `pull_apart.sh far`: 3 and 10 at once and one with layers present
# from a registry 50 ms away (tools/netdelay), held up by the fetches;
# `pull_apart.sh tls`: four of the scenarios from a registry that speaks
# HTTPS only, with a self-signed certificate (nothing on the wire read);
# `pull_apart.sh ctr`: `ctr images pull` of pa, pb and pc at once, of
# q0..q9, of pb with pa there, of pc by digest (containerd's namespace
# ctpa, emptied after), under `-- COMMAND` then detached: nobody names
# the image but containerd's metadata database; `pull_apart.sh cri`:
# the same through the CRI's PullImage (a CT_CRI=1 harness; the RPC's
# own interval is the client's span; no client process names anything);
# `pull_apart.sh podman`: `podman pull` of pa, pb and pc at once, of
# q0..q9, of pb with pa there, of pc by digest, and two `podman run`s'
# implicit pulls (a private Podman: tools/podman-env.sh), under
# `-- COMMAND` then detached: each podman process pulls on its own, so a
# layer two pulls at once share may be fetched by both (the registry's
# log says how often: check_pulls.py's "apart"); the names come from
# Podman's own store (images.json).  Every detached mode begins with a
# pull whose client is killed and ends with one whose top layer was
# deleted from the registry and one whose registry is killed in its
# middle: each an incomplete record with what came (interrupted_pull).
# Before it (detached, ctr, cri and podman), under `-- COMMAND` and
# detached, a pull whose manifest the engine's store could not read:
# named, its blobs its layers (unread_pull).  ctr mode also imports an
# image (`ctr images import`): no pull (import_no_pull).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/detached_lib.sh"
# shellcheck source=tools/podman-env.sh
. "$TOP/tools/podman-env.sh"

REGISTRY=$TOP/tools/registry.sh
export CT_REGISTRY_STATE=$T/registry.state
MODE=${1:-command}
ADDR=127.0.0.1:${CT_REGISTRY_PORT:-5000}
# far: the registry in its own netns, 50 ms per round trip (registry.sh)
if [ "$MODE" = far ]; then
	export CT_REGISTRY_RTT_MS=50 CT_REGISTRY_LIFETIME=300
	make -s -C "$TOP/tools/netdelay" >&2 || fail "cannot build tools/netdelay (tools/install-deps.sh)"
	ADDR=$("$REGISTRY" addr)
fi
# the CRI's client (cri mode), its stubs generated once, before pulls at once
export CRI="/usr/bin/python3 $TOP/tests/integration/cri/cri.py --sock $CONTAINERD_ADDRESS --gen-dir $T/cri-gen"

command -v docker-registry >/dev/null || fail "no docker-registry: tools/install-deps.sh installs it"

CT_BG=
cleanup_apart() {
	dt_kill
	podman_env_cleanup
	"$REGISTRY" stop || true
	cleanup_test
}
trap cleanup_apart EXIT

if [ "$MODE" = cri ]; then
	[ "$CT_CRI" = 1 ] || fail "pull_apart.sh cri needs a CT_CRI=1 harness"
	$CRI pull || fail "the CRI client's stubs"
fi
# podman: its command line for at_once.sh (paths without spaces)
if [ "$MODE" = podman ]; then
	podman_env_init "$T/podman" || fail "no private Podman"
	export PM="${CT_PODMAN_CMD[*]}"
fi

# tls: the registry speaks HTTPS only (a self-signed certificate), so
# nothing on the wire can be read: the names come from dockerd's store
[ "$MODE" != tls ] || export CT_REGISTRY_TLS=1
# The images, pushed once per harness: its first pull_apart.sh saves the
# registry's storage, the later ones start theirs from it (each test its
# own registry, its own access log).
SEED=$CT_DIR/pull-apart.registry
push_all() {
	"$REGISTRY" push pa 1 2 || fail "push pa"
	"$REGISTRY" push pb 0.5 1 pa || fail "push pb"
	"$REGISTRY" push pc 1 2 || fail "push pc"
	"$REGISTRY" push q0 0.5 2 || fail "push q0"
	for i in 1 2 3 4 5 6 7 8 9; do
		"$REGISTRY" push "q$i" 0.1 1 q0 || fail "push q$i"
	done
	# pulls that end badly (interrupted_pull): pk's client killed,
	# pu's top layer deleted, pd's registry killed (detached modes)
	"$REGISTRY" push pk 8 2 || fail "push pk"
	"$REGISTRY" push pu 8 2 || fail "push pu"
	"$REGISTRY" push pd 48 2 || fail "push pd"
	# two images on busybox (bb: the harness's image, relabelled: an
	# image of its own, whose layer the harness's keeps), for `docker
	# run`s
	printf 'FROM %s\nLABEL coldtrace.test=bb\n' "$CT_IMAGE" |
		docker build -q -t "$ADDR/bb:latest" - >/dev/null &&
		docker push -q "$ADDR/bb:latest" >/dev/null || fail "push bb"
	"$REGISTRY" push r1 0.5 1 bb || fail "push r1"
	"$REGISTRY" push r2 0.5 1 bb || fail "push r2"
	# 96 MB of zeros: ~100 KB to fetch, 96 MB to write: held up by
	# unpack
	CT_REGISTRY_ZEROS=1 "$REGISTRY" push pz 96 1 || fail "push pz"
	"$REGISTRY" save "$SEED" >/dev/null || fail "save the registry's storage"
}
# The images pulled, forgotten before each scenario (forget_all).
IMAGES="pa pb pc pd pk pu pz q0 q1 q2 q3 q4 q5 q6 q7 q8 q9 r1 r2"
if [ -f "$SEED/.complete" ]; then
	# an earlier test's, under any registry's address (a far
	# registry's differs): their layers, the same digests from the same
	# storage, would be present for this one's pulls
	# shellcheck disable=SC2086 # one word per name
	"$REGISTRY" forget --any-address bb $IMAGES
	CT_REGISTRY_SEED=$SEED "$REGISTRY" start >/dev/null ||
		fail "registry did not start"
else
	"$REGISTRY" start >/dev/null || fail "registry did not start"
	push_all
fi
if [ "$MODE" = tls ]; then
	curl -sf -o /dev/null "http://$ADDR/v2/" && fail "the registry answers plain HTTP"
	curl -skf -o /dev/null "https://$ADDR/v2/" || fail "the registry does not answer HTTPS"
fi

# layers long enough to overlap
"$REGISTRY" shape 40mbit

# Each pull in its own shell, its wall clock around it: t.REF files.
cat >"$T/at_once.sh" <<'EOF'
#!/bin/sh
# at_once.sh DIR REF...: `docker pull` of every REF at once; ctr:REF
# `ctr images pull REF`, cri:REF the CRI's PullImage (all cri: or none);
# create:REF
# `docker create REF` (its implicit pull), the container removed after
d=$1
shift
i=0
# cri:REF...: one client's PullImage RPCs at once, each its own span
case ${1:-} in
cri:*)
	$CRI pull $(for r; do printf '%s ' "${r#cri:}"; done) >"$d/spans"
	s=$?
	for r; do
		i=$((i + 1))
		sed -n "${i}p" "$d/spans" | cut -d' ' -f1 >"$d/t0.$i"
		sed -n "${i}p" "$d/spans" | cut -d' ' -f2 >"$d/t1.$i"
		echo "$s" >"$d/rc.$i"
	done
	exit 0 ;;
esac
for r in "$@"; do
	i=$((i + 1))
	case $r in
	create:*) (date +%s%N >"$d/t0.$i"
		   docker create "${r#create:}" x >"$d/id.$i" 2>/dev/null; s=$?
		   date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	run:*) (date +%s%N >"$d/t0.$i"
		docker run --rm --network none "${r#run:}" true >/dev/null; s=$?
		date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	ctr:*) (date +%s%N >"$d/t0.$i"
		ctr -n ctpa images pull --plain-http "${r#ctr:}" >/dev/null; s=$?
		date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	pm:*) (date +%s%N >"$d/t0.$i"
	       $PM pull -q --tls-verify=false "${r#pm:}" >/dev/null; s=$?
	       date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	pmrun:*) (date +%s%N >"$d/t0.$i"
		  $PM run --rm --network none --tls-verify=false "${r#pmrun:}" \
			true >/dev/null; s=$?
		  date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	*) (date +%s%N >"$d/t0.$i"; docker pull -q "$r" >/dev/null; s=$?
	    date +%s%N >"$d/t1.$i"; echo "$s" >"$d/rc.$i") & ;;
	esac
done
wait
for f in "$d"/id.*; do
	[ -s "$f" ] && docker rm -f "$(cat "$f")" >/dev/null
	rm -f "$f"
done
exit 0
EOF
chmod +x "$T/at_once.sh"

# A scenario's truth: the refs as dockerd stores them, their manifests,
# their clients' spans, the layers present, and the registry's GETs
# since MARK.
truth() {	# MARK PRESENT_NAMES -- REF...
	local mark=$1 present=$2 i=0 r name tag images='{}' spans='{}' gets
	shift 3
	for r in "$@"; do
		i=$((i + 1))
		[ "$(cat "$T/rc.$i")" = 0 ] || fail "docker pull $r failed"
		r=${r#create:}
		r=${r#run:}
		r=${r#ctr:}
		r=${r#cri:}
		r=${r#pm:}
		r=${r#pmrun:}
		name=${r#"$ADDR"/}
		name=${name%@*}
		name=${name%:*}
		tag=$r
		[[ "$r" == *@* || "${r##*/}" == *:* ]] || tag=$r:latest
		images=$(jq --arg r "$tag" --argjson l "$("$REGISTRY" layers "$name" |
			jq -R 'split(" ") | {digest: .[0], size: (.[1] | tonumber)}' | jq -s .)" \
			'.[$r] = $l' <<<"$images")
		spans=$(jq --arg r "$tag" --argjson a "$(cat "$T/t0.$i")" \
			--argjson b "$(cat "$T/t1.$i")" '.[$r] = [$a, $b]' <<<"$spans")
	done
	gets=$("$REGISTRY" gets "$mark" | jq -R 'split(" ")' | jq -s .)
	jq -n --argjson i "$images" --argjson s "$spans" --argjson g "$gets" \
		--argjson p "$(for n in $present; do "$REGISTRY" layers "$n"; done |
			jq -R 'split(" ")[0]' | jq -s .)" \
		--argjson a "$([ "$MODE" = podman ] && echo true || echo false)" \
		'{images: $i, spans: $s, present: $p, gets: $g, apart: $a}' >"$T/truth.json"
}

check() {	# WHAT PULLS [MARK]
	python3 "$TOP/tests/integration/check_pulls.py" "$2" "$T/truth.json" >&2 ||
		{ show_output; [ -z "${3:-}" ] || "$REGISTRY" log "$3" >&2
		  fail "$1: the pull records differ from the registry"; }
}

forget_all() {
	# shellcheck disable=SC2086 # one word per name
	"$REGISTRY" forget $IMAGES
}

# The scenarios, each checked: NAME PRESENT REF... after forget_all or not
scenario_refs() {
	case $1 in
	three) echo "$ADDR/pa $ADDR/pb $ADDR/pc" ;;
	zeros) echo "$ADDR/pz" ;;
	implicit) echo "create:$ADDR/pc create:$ADDR/pa" ;;
	runs) echo "run:$ADDR/r1 run:$ADDR/r2" ;;
	ctr-three) echo "ctr:$ADDR/pa:latest ctr:$ADDR/pb:latest ctr:$ADDR/pc:latest" ;;
	ctr-cached) echo "ctr:$ADDR/pb:latest" ;;
	ctr-ten) echo "ctr:$ADDR/q0:latest $(for i in 1 2 3 4 5 6 7 8 9; do printf 'ctr:%s ' "$ADDR/q$i:latest"; done)" ;;
	ctr-digest) echo "ctr:$ADDR/pc@$("$REGISTRY" digest pc)" ;;
	cri-three) echo "cri:$ADDR/pa:latest cri:$ADDR/pb:latest cri:$ADDR/pc:latest" ;;
	cri-cached) echo "cri:$ADDR/pb:latest" ;;
	cri-digest) echo "cri:$ADDR/pc@$("$REGISTRY" digest pc)" ;;
	pm-three) echo "pm:$ADDR/pa:latest pm:$ADDR/pb:latest pm:$ADDR/pc:latest" ;;
	pm-ten) echo "pm:$ADDR/q0:latest $(for i in 1 2 3 4 5 6 7 8 9; do printf 'pm:%s ' "$ADDR/q$i:latest"; done)" ;;
	pm-cached) echo "pm:$ADDR/pb:latest" ;;
	pm-digest) echo "pm:$ADDR/pc@$("$REGISTRY" digest pc)" ;;
	pm-runs) echo "pmrun:$ADDR/r1:latest pmrun:$ADDR/r2:latest" ;;
	ten) echo "$ADDR/q0 $(for i in 1 2 3 4 5 6 7 8 9; do printf '%s ' "$ADDR/q$i"; done)" ;;
	cached) echo "$ADDR/pb" ;;
	digest) echo "$ADDR/pc@$("$REGISTRY" digest pc)" ;;
	esac
}

# containerd's namespace ctpa: every image gone, with what only it held.
ctr_forget_all() {
	ctr -n ctpa images ls -q | xargs -r ctr -n ctpa images rm --sync >/dev/null ||
		fail "ctr images rm"
}

# The CRI's images of the registry gone (RemoveImage, as kubelet's GC).
cri_forget_all() {
	# shellcheck disable=SC2046 # one word per reference
	$CRI rmi $(ctr -n k8s.io images ls -q | grep "^$ADDR/") ||
		fail "CRI RemoveImage"
}

# Podman's images all gone (the private store's own).
pm_forget_all() {
	$PM rmi -af >/dev/null 2>&1
	[ -z "$($PM images -q)" ] || fail "podman rmi"
}

# Before a scenario: what must be there (cached: pa; else nothing).
prepare() {	# NAME
	case $1 in
	ctr-*) ctr_forget_all ;;
	cri-*) cri_forget_all ;;
	pm-*) pm_forget_all ;;
	*) forget_all ;;
	esac
	case $1 in
	pm-cached) $PM pull -q --tls-verify=false "$ADDR/pa:latest" >/dev/null ||
		fail "podman pull pa" ;;
	cached) docker pull -q "$ADDR/pa" >/dev/null || fail "pull pa" ;;
	ctr-cached) ctr -n ctpa images pull --plain-http "$ADDR/pa:latest" >/dev/null ||
		fail "ctr pull pa" ;;
	cri-cached) $CRI pull "$ADDR/pa:latest" >/dev/null || fail "CRI pull pa" ;;
	esac
}

# What held each pull up (critical.by): WANT for every pull of FILE.
check_critical() {	# FILE WANT
	jq -s -e --arg w "$2" 'map(select(.critical.by != $w)) | length > 0' "$1" >/dev/null &&
		{ show_output; fail "$(jq -c '[.image, .critical]' "$1"): not held up by $2"; }
	note "$(jq -r '"\(.image): before fetch \(.critical.before_fetch_ns / 1e6 | floor) ms, fetch \(.critical.fetch_ns / 1e6 | floor) ms, unpack alone \(.critical.unpack_only_ns / 1e6 | floor) ms, \(.critical.fetch_bytes_per_s) B/s"' "$1" | head -n 3)"
}

# No fetch faster than lo's shaper lets it (40 Mbit/s: 5e6 B/s) but for
# what TCP had buffered before a blob file was opened (a fetch's span
# begins at the open; up to 30% of a layer of 1 MB here).  Per pull, and
# for ten at once over all of them: there a client starved of CPU (ten
# of them on two cores) opens its file when the kernel has received
# most of a small layer, so that one pull's rate may pass the link's
# (seen: Podman's q0, 512 KB in 64 ms at the end), but the link bounds
# all the bytes fetched, from the first fetch's start to the last one's
# end.
check_rate() {	# FILE SCENARIO
	case $2 in
	*ten) jq -s -e '[.[].layers[] | select(.fetch != null and
			.cached == false and .fetched_by == null)] |
		(map(.bytes) | add) / ((map(.fetch.start_ns + .fetch.dur_ns) |
			max) - (map(.fetch.start_ns) | min)) * 1e9 > 6.5e6' \
		"$1" >/dev/null &&
		{ show_output; fail "fetches faster than the link: $(jq -s -c 'map([.image, .critical.fetch_bytes_per_s])' "$1")"; } ;;
	*) jq -s -e 'map(.critical.fetch_bytes_per_s) |
		map(select(. != null and . > 6.5e6)) | length > 0' "$1" >/dev/null &&
		{ show_output; fail "a fetch faster than the link: $(jq -c '[.image, .critical]' "$1")"; } ;;
	esac
	return 0
}

# Far (50 ms a round trip): every pull's first fetch and first byte a
# round trip after its start at least (its manifest's GET).
check_far() {	# FILE
	jq -s -e 'all(.[]; .ttfb_ns >= 50e6 and .critical.before_fetch_ns >= 50e6)' \
		"$1" >/dev/null ||
		{ show_output; fail "far: a first fetch or byte within a round trip"; }
}

# The scenarios whose pulls must be held up by their fetch (cached,
# digest) get 8 Mbit/s: a layer of 512 KB then fetches in 0.5 s, more
# than its unpack alone takes on a loaded CI host (240 ms seen beside
# the VM tests, against 234 ms of fetch at 40 Mbit/s).
slow_link() {	# SCENARIO RATE
	case $1 in
	cached | digest | *-cached)
		"$REGISTRY" shape "$2" >/dev/null 2>&1 || fail "shape $2" ;;
	esac
}

run_command_mode() {
	local s refs present
	for s in ${SCENARIOS:-three ten cached digest zeros implicit runs}; do
		prepare "$s"
		present=
		[ "${s#*-}" != cached ] || present=pa
		[ "$s" != runs ] || present=bb
		refs=$(scenario_refs "$s")
		mark=$("$REGISTRY" gets mark)
		slow_link "$s" 8mbit
		# shellcheck disable=SC2086 # refs: one word each
		run_ct -j --record "$T/rec.$s" -- "$T/at_once.sh" "$T" $refs
		slow_link "$s" 40mbit
		[ "$CT_RC" -eq 0 ] || { show_output; fail "$s: coldtrace exited $CT_RC"; }
		# shellcheck disable=SC2086
		truth "$mark" "$present" -- $refs
		jq -c 'select(.type == "pull")' "$T/out" >"$T/pulls.$s"
		note "-- COMMAND, $s:"
		check "$s" "$T/pulls.$s" "$mark"
		# the link (40 Mbit/s) held the random layers up, unpacking pz's
		case $s in
		zeros) check_critical "$T/pulls.$s" unpack ;;
		cached | digest | *-cached) check_critical "$T/pulls.$s" fetch ;;
		# far: the fetches, not the unpacks, held three pulls at once
		# up.  Not ten: their shared layers are fetched once, and a
		# pull's unpacks of them, queued behind the nine others' on a
		# loaded host, may outlast its own short fetch (864 ms against
		# 391 ms, seen in CI beside the guests)
		three) [ "$MODE" != far ] || check_critical "$T/pulls.$s" fetch ;;
		esac
		[ "$s" = zeros ] || check_rate "$T/pulls.$s" "$s"
		[ "$MODE" != far ] || check_far "$T/pulls.$s"
		[ "$s" != runs ] || check_runs
		[ "$s" != pm-runs ] || check_runs podman
	done
}

# Each container of the `docker run`s at once points to its own pull;
# with podman, whose records name no image, the container whose
# client's argv names it.
check_runs() {	# [podman]
	local r sel
	for r in r1 r2; do
		sel='map(select(.image == $i))'
		[ "${1:-}" != podman ] ||
			sel='map(select(.client.argv | index($i + ":latest")))'
		records | jq -s -e --arg i "$ADDR/$r" "$sel"' |
			length == 1 and .[0].pull.image == ($i + ":latest")' >/dev/null ||
			fail "runs: the container of $r does not point to its pull:" \
				"$(records | jq -c '{id, image, start_ns, client: .client.argv[-2:], pull, prepare: .phases.prepare.start_ns}')" \
				"$(jq -c 'select(.type == "pull") | [.image, .start_ns, .start_ns + .dur_ns, .complete]' "$T/out")" \
				"$(runs_evidence)"
	done
	note "runs: each container points to its own pull"
}

# Detached: until the runs' two containers are out (each once destroyed,
# its grace over), 30 s at most; check_runs says what is missing.
runs_out() {
	for _ in $(seq 150); do
		[ "$(records | jq -s --arg a "$ADDR/" \
			'map(select(.image == $a + "r1" or .image == $a + "r2")) | length')" -ge 2 ] &&
			return 0
		dt_alive
		sleep 0.2
	done
}

# What the recording of the runs says of their containers (a flake: one
# run's container missing, or without its image): the runtime's creates
# and the engines' names for them.
runs_evidence() {
	"$COLDTRACE" --replay "$T/rec.runs" --dump 2>/dev/null |
		grep -E ' IDENT |"(create|run)" .*--bundle' | cut -c1-300 | head -n 20
}

# /metrics' counter FAMILY{engine="$ENGINE"}, 0 if absent.
ENGINE=docker
case $MODE:$CT_DOCKER_STORE in
ctr:* | cri:* | *:containerd) ENGINE=containerd ;;
podman:*) ENGINE=podman ;;
esac
metric() {
	curl -sf "$DT_URL/metrics" |
		awk -v f="$1" -v e="$ENGINE" '$1 == f "{engine=\"" e "\"}" { print $2; found=1 }
			END { if (!found) print 0 }'
}

# Until a pull record of image REF is out (detached mode).
wait_pull() {	# REF
	for _ in $(seq 150); do
		jq -s -e --arg r "$1" 'any(.[]; .type == "pull" and .image == $r)' \
			"$T/out" >/dev/null 2>&1 && return 0
		dt_alive
		sleep 0.2
	done
	show_output
	fail "no pull record of $1"
}

# The engine's client pulling REF in the background (its pid in $!).
pull_bg() {	# REF
	case $MODE in
	ctr) ctr -n ctpa images pull --plain-http "$1" >/dev/null 2>&1 & ;;
	cri) $CRI pull "$1" >/dev/null 2>&1 & ;;
	podman) $PM pull -q --tls-verify=false "$1" >/dev/null 2>&1 & ;;
	*) docker pull -q "$1" >/dev/null 2>&1 & ;;
	esac
}

# A pull of NAME that does not end well, detached:
# - kill: its client killed 0.6 s in (pk: 8 MB at 40 Mbit/s, 1.6 s);
# - down: its registry's process killed 0.6 s in (pd: 48 MB, more than
#   the socket buffers and lo's queue hold: the registry's writes that
#   are in them are still delivered after it is killed); last, the
#   registry is gone after it;
# - unblob: its top layer's blob deleted from the registry before it
#   (pu: that GET is answered 404; the other layer's fetch is the
#   engine's: dockerd cancels it, Podman ends it).
# The client fails (down, unblob) or is gone (kill), the engine stores
# no image, and the pull's one record is out, not complete, no
# manifest, with fewer bytes than NAME's layers; /metrics counts a pull,
# not a complete one; and the pulls after it (the next scenario) take
# none of its layers.
interrupted_pull() {	# kill|down|unblob NAME
	local n p0 c0 pid want
	forget_mode
	dt_wait_idle
	n=$(grep -c '"type":"pull"' "$T/out" || true)
	p0=$(metric coldtrace_pulls_total)
	c0=$(metric coldtrace_pulls_complete_total)
	want=$("$REGISTRY" layers "$2" | awk '{ s += $2 } END { print s }')
	[ "$1" != unblob ] ||
		"$REGISTRY" unblob "$2" "$("$REGISTRY" layers "$2" | tail -n 1 | cut -d' ' -f1)" ||
		fail "unblob $2"
	pull_bg "$ADDR/$2:latest"
	pid=$!
	sleep 0.6
	case $1 in
	kill) kill -KILL "$pid" ;;
	down) "$REGISTRY" down || fail "registry down" ;;
	esac
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -0 "$pid" 2>/dev/null && fail "$1: the pull still runs 60 s after"
	wait "$pid" && [ "$1" != kill ] && fail "$1: the pull succeeded"
	for _ in $(seq 150); do
		[ "$(grep -c '"type":"pull"' "$T/out" || true)" -gt "$n" ] && break
		dt_alive
		sleep 0.2
	done
	jq -c 'select(.type == "pull")' "$T/out" | tail -n +"$((n + 1))" >"$T/pulls.$1"
	[ "$(wc -l <"$T/pulls.$1")" -eq 1 ] ||
		{ show_output; fail "$1: $(wc -l <"$T/pulls.$1") records of the pull"; }
	jq -e --argjson w "$want" '.complete == false and .manifest == null and
		([.layers[].bytes] | add // 0) < $w' "$T/pulls.$1" >/dev/null ||
		{ show_output; fail "$1: $(jq -c . "$T/pulls.$1")"; }
	[ "$(metric coldtrace_pulls_total)" -eq $((p0 + 1)) ] &&
		[ "$(metric coldtrace_pulls_complete_total)" -eq "$c0" ] ||
		fail "$1: /metrics counts $(metric coldtrace_pulls_total) pulls," \
			"$(metric coldtrace_pulls_complete_total) complete (was $p0, $c0)"
	note "detached, $1: an incomplete pull of $(jq '.layers | length' "$T/pulls.$1")" \
		"layers, $(jq '[.layers[].bytes] | add // 0' "$T/pulls.$1") of $want bytes"
}

# The engine's images gone, as before a scenario.
forget_mode() {
	case $MODE in
	ctr) ctr_forget_all ;;
	cri) cri_forget_all ;;
	podman) pm_forget_all ;;
	*) forget_all ;;
	esac
}

# FILE holds the one record of pc's pull, its manifest unread (WHAT:
# the mode), and /metrics or metrics.prom counts it (UNREAD): named as
# asked, complete, what is unknown null, each of pc's layers among its
# blobs with exactly its size, no more than 16 KB besides (a config).
check_unread() {	# FILE UNREAD WHAT
	local sizes
	sizes=$("$REGISTRY" layers pc | awk '{ print $2 }' | jq -s .)
	[ "$(wc -l <"$1")" -eq 1 ] ||
		{ show_output; fail "$3: $(wc -l <"$1") pull records"; }
	jq -e --arg r "$ADDR/pc:latest" --argjson w "$sizes" '
		[.layers[].bytes] as $b | (($b | add) - ($w | add)) as $x |
		.image == $r and .complete and .manifest.unread == true and
		.manifest.layers == null and .manifest.cached == null and
		.manifest.cached_bytes == null and
		all($w[]; . as $s | any($b[]; . == $s)) and
		$x >= 0 and $x <= 16384' "$1" >/dev/null ||
		{ show_output; fail "$3: $(jq -c . "$1")"; }
	[ "$2" = 1 ] || fail "$3: coldtrace_pull_manifest_unread_total $2"
	note "$3: pc named, its manifest unread, its $(jq length <<<"$sizes")" \
		"layers among $(jq '.layers | length' "$1") blobs," \
		"$(jq '[.layers[].bytes] | add' "$1") bytes"
}

# A pull whose image the engine's store named but whose manifest (or
# config) it could not read: CT_TEST_STORE_UNREAD=1 makes the store
# readers fail as such a read does.  Under `-- COMMAND`, then detached
# (default arming, its hooks detached before the pull).
unread_pull() {
	local pre=
	case $MODE in
	ctr) pre=ctr: ;;
	cri) pre=cri: ;;
	podman) pre=pm: ;;
	esac
	forget_mode
	mkdir -p "$T/unread"
	CT_TEST_STORE_UNREAD=1 run_ct -j -o "$T/unread" -- \
		"$T/at_once.sh" "$T" "$pre$ADDR/pc:latest"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "unread: coldtrace exited $CT_RC"; }
	[ "$(cat "$T/rc.1")" = 0 ] || fail "unread: the pull of pc failed"
	jq -c 'select(.type == "pull")' "$T/out" >"$T/pulls.unread"
	check_unread "$T/pulls.unread" "$(awk -v e="$ENGINE" \
		'$1 == "coldtrace_pull_manifest_unread_total{engine=\"" e "\"}" { print $2 }' \
		"$T/unread/metrics.prom")" "-- COMMAND, manifest unread"
	forget_mode
	CT_TEST_STORE_UNREAD=1 dt_start
	trap cleanup_apart EXIT
	pull_bg "$ADDR/pc:latest"
	wait $! || fail "unread: the pull of pc failed"
	wait_pull "$ADDR/pc:latest"
	jq -c 'select(.type == "pull")' "$T/out" >"$T/pulls.d.unread"
	check_unread "$T/pulls.d.unread" "$(metric coldtrace_pull_manifest_unread_total)" \
		"detached, manifest unread"
	dt_stop
}

# An image containerd imports (`ctr images import`, as `kind load`
# does) is stored as a pull's is, through its ingests: pc exported,
# forgotten, imported under `-- COMMAND` then detached (its hooks
# detached before), makes no pull record and none in /metrics.
import_no_pull() {
	local n p0
	ctr_forget_all
	ctr -n ctpa images pull --plain-http "$ADDR/pc:latest" >/dev/null ||
		fail "import: ctr pull pc"
	ctr -n ctpa images export "$T/pc.tar" "$ADDR/pc:latest" ||
		fail "import: ctr export pc"
	ctr_forget_all
	mkdir -p "$T/import"
	run_ct -j -o "$T/import" --record "$T/rec.import" -- ctr -n ctpa images import "$T/pc.tar"
	[ "$CT_RC" -eq 0 ] || { show_output; fail "import: coldtrace exited $CT_RC"; }
	ctr -n ctpa images ls -q | grep -qx "$ADDR/pc:latest" ||
		fail "import: pc not imported"
	! grep -q '"type":"pull"' "$T/out" ||
		{ show_output; fail "-- COMMAND, import: a pull record"; }
	! grep -q '^coldtrace_pulls_total{engine="containerd"} [1-9]' \
		"$T/import/metrics.prom" ||
		fail "-- COMMAND, import: metrics.prom counts a pull"
	ctr_forget_all
	dt_start
	trap cleanup_apart EXIT
	n=$(grep -c '"type":"pull"' "$T/out" || true)
	p0=$(metric coldtrace_pulls_total)
	ctr -n ctpa images import "$T/pc.tar" >/dev/null ||
		fail "import: ctr import pc"
	# containerd's idle end (3 s) and the hooks' detach after it
	sleep 4
	dt_wait_idle
	[ "$(grep -c '"type":"pull"' "$T/out" || true)" -eq "$n" ] ||
		{ show_output; fail "detached, import: a pull record"; }
	[ "$(metric coldtrace_pulls_total)" -eq "$p0" ] ||
		fail "detached, import: /metrics counts a pull"
	dt_stop
	note "import: pc imported, no pull record, none counted (-- COMMAND, detached)"
}

run_detached_mode() {	# SCENARIO...
	local s refs present n=0 want mark c0 b0
	dt_start
	trap cleanup_apart EXIT		# dt_start's own stops coldtrace only
	interrupted_pull kill pk
	for s in "$@"; do
		prepare "$s"
		present=
		[ "${s#*-}" != cached ] || present=pa
		[ "$s" != runs ] || present=bb
		refs=$(scenario_refs "$s")
		# the pull of pa (prepare) goes out first
		[ "${s#*-}" != cached ] || wait_pull "$ADDR/pa:latest"
		dt_wait_idle
		c0=$(metric coldtrace_pull_cached_layers_total)
		b0=$(metric coldtrace_pull_cached_bytes_total)
		n=$(grep -c '"type":"pull"' "$T/out" || true)
		mark=$("$REGISTRY" gets mark)
		# shellcheck disable=SC2086
		"$T/at_once.sh" "$T" $refs
		# shellcheck disable=SC2086
		truth "$mark" "$present" -- $refs
		want=$((n + $(wc -w <<<"$refs")))
		for _ in $(seq 150); do
			[ "$(grep -c '"type":"pull"' "$T/out" || true)" -ge "$want" ] && break
			dt_alive
			sleep 0.2
		done
		jq -c 'select(.type == "pull")' "$T/out" | tail -n "$(wc -w <<<"$refs")" >"$T/pulls.d.$s"
		note "detached, $s:"
		check "detached $s" "$T/pulls.d.$s" "$mark"
		[ "${s#*-}" != cached ] || {
			[ "$(metric coldtrace_pull_cached_layers_total)" -eq $((c0 + 2)) ] ||
				fail "/metrics: cached layers $(metric coldtrace_pull_cached_layers_total), was $c0, 2 more expected"
			[ "$(metric coldtrace_pull_cached_bytes_total)" -eq \
				$((b0 + $("$REGISTRY" layers pa | awk '{ s += $2 } END { print s }'))) ] ||
				fail "/metrics: cached bytes $(metric coldtrace_pull_cached_bytes_total), was $b0"
		}
		[ "$s" != runs ] || { runs_out; check_runs; }
	done
	interrupted_pull unblob pu
	interrupted_pull down pd
	dt_stop
}

case $MODE in
command) run_command_mode ;;
tls) SCENARIOS="three cached digest implicit" run_command_mode ;;
ctr) SCENARIOS="ctr-three ctr-ten ctr-cached ctr-digest" run_command_mode
     unread_pull
     import_no_pull
     run_detached_mode ctr-three ctr-cached ctr-digest
     ctr_forget_all ;;
cri) SCENARIOS="cri-three cri-cached cri-digest" run_command_mode
     unread_pull
     run_detached_mode cri-three cri-cached cri-digest
     cri_forget_all ;;
detached) unread_pull
	  run_detached_mode three cached digest runs ;;
far) SCENARIOS="three ten cached" run_command_mode ;;
podman) SCENARIOS="pm-three pm-ten pm-cached pm-digest pm-runs" run_command_mode
	unread_pull
	run_detached_mode pm-three pm-cached pm-digest
	pm_forget_all ;;
*) fail "usage: pull_apart.sh [command|detached|tls|ctr|cri|far|podman]" ;;
esac
