#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A private image registry for coldtrace's pull tests and experiments:
# Debian's docker-registry on 127.0.0.1:5000 only (or $CT_REGISTRY_PORT: two
# registries side by side need both that and CT_REGISTRY_STATE set, the
# same for every call), with its own config and
# storage in a temp dir, images built and pushed locally, bandwidth shaped
# with HTB on lo, dockerd's max-concurrent-downloads set via daemon.json.
#
# Usage (as root, with the harness env sourced: DOCKER_HOST, CT_DIR,
# CT_DOCKERD_PID; see tools/harness.sh):
#   tools/registry.sh start               start the registry; prints its dir
#   tools/registry.sh stop                undo everything (also shape and
#                                         concurrency); safe twice, from traps
#   tools/registry.sh exec CMD [ARG...]   start, run CMD, stop whatever happens
#   tools/registry.sh push NAME MB LAYERS [BASE]
#                                         push 127.0.0.1:5000/NAME:latest with
#                                         LAYERS random layers (FROM scratch) of MB/LAYERS
#                                         each (MB may be fractional: 0.5),
#                                         then drop it locally so that a pull
#                                         fetches every layer; BASE: FROM
#                                         this registry's BASE instead, whose
#                                         layers the two images then share;
#                                         CT_REGISTRY_ZEROS=1: layers of zeros
#                                         (a tiny fetch, a long unpack)
#   tools/registry.sh save DIR            copy the storage (every image
#                                         pushed so far) to DIR, a new
#                                         directory; CT_REGISTRY_SEED=DIR
#                                         start: a registry that begins
#                                         with it (images pushed once for
#                                         several tests)
#   tools/registry.sh fatslim NAME        push NAME-fat (gcc's files + the
#                                         program) and NAME-slim (the program
#                                         only), both from one C program
#   tools/registry.sh pyfatslim NAME [ml]
#                                         push NAME-fat and NAME-slim: a Python
#                                         function (tools/experiments/pyfn) on
#                                         a debootstrap base with the study's
#                                         build packages, and its multi-stage
#                                         twin; ml: + numpy, scipy and a 250 MB
#                                         model file (tools/debian-rootfs.sh)
#   tools/registry.sh addr                the registry's HOST:PORT (far or not)
#   (CT_REGISTRY_TLS=1 start: HTTPS with a self-signed certificate, which
#   dockerd takes from a registry on loopback without checking it)
#   tools/registry.sh layers NAME         "digest compressed-bytes" per layer,
#                                         from the registry's manifest
#   tools/registry.sh digest NAME         that manifest's digest (a pull by
#                                         digest: NAME@DIGEST)
#   tools/registry.sh forget [--any-address] NAME...
#                                         drop each NAME and its layers
#                                         locally (--any-address: under
#                                         any registry's address)
#   tools/registry.sh gets [FROM]         the access log's blob GETs answered
#                                         200, "NAME DIGEST BYTES" each, from
#                                         its line FROM on (0: all); `gets
#                                         mark` prints where it ends now
#   tools/registry.sh log [FROM]           every blob GET since line FROM, as
#                                         logged, whatever its answer
#   tools/registry.sh unblob NAME DIGEST  delete NAME's blob DIGEST from the
#                                         registry (its GET then answers
#                                         404): a layer gone under a pull
#   tools/registry.sh down                kill the registry's process (a
#                                         registry gone mid-pull); `stop`
#                                         still undoes the rest
#   tools/registry.sh check NAME PULLS [T0 T1]
#                                         PULLS (a file: one coldtrace pull
#                                         record, JSON) has each of NAME's
#                                         manifest layers once, with its
#                                         digest and bytes within 1% of its
#                                         size, and no other; each fetched
#                                         before unpacked; given the pulling
#                                         command's wall clock (ns), the pull
#                                         and its first byte within it; says
#                                         what differs, exits 1 if anything
#   tools/registry.sh check-traced NAME PULLS
#                                         the same for a pull traced from its
#                                         middle: each layer PULLS saw whole
#                                         (not untraced) is one of NAME's,
#                                         bytes within 1%, no more of them
#                                         than NAME has; prints how many
#   tools/registry.sh shape RATE|off      HTB on lo for traffic from the
#                                         registry's port, e.g. 10mbit; a
#                                         second registry adds its own class
#   tools/registry.sh concurrency N       dockerd max-concurrent-downloads N
#
# Far registry (CT_REGISTRY_RTT_MS=D set for every call): `start` puts the
# registry in its own network namespace ctreg-PORT behind a veth pair
# (host ctr-PORT 10.213.0.X+1/30 <-> ns end 10.213.0.X+2/30 with
# X = 4 * (PORT % 64), so that far registries on other ports can run at
# once; nothing routed anywhere else), at `tools/registry.sh addr`; every
# packet the registry sends is
# held D ms by tools/netdelay (NFQUEUE, iptables OUTPUT in the namespace,
# --queue-bypass so a dead delayer never stalls a flow), which adds D ms to
# each round trip; `shape` puts HTB on the namespace's end of the veth
# (registry -> client); the private dockerd gets the address under
# insecure-registries.  `stop` (and deleting the namespace) undoes it all;
# the delayer also exits by itself after CT_REGISTRY_LIFETIME s (7200).
#
# State lives in $CT_REGISTRY_STATE (default /tmp/coldtrace-registry.current),
# which names the registry dir; the dir keeps the pid, the original
# daemon.json and whether lo was shaped, so that `stop` restores them.
#
# What we learned: dockerd treats 127.0.0.0/8 as an insecure registry by
# itself (no daemon.json change); netem is not in this kernel, HTB is;
# max-concurrent-downloads is reloaded on SIGHUP.
set -euo pipefail

STATE_FILE=${CT_REGISTRY_STATE:-/tmp/coldtrace-registry.current}
PORT=${CT_REGISTRY_PORT:-5000}
RTT_MS=${CT_REGISTRY_RTT_MS:-}
NS=ctreg-$PORT
VETH=ctr-$PORT
FAR_NET=10.213.0.$((PORT % 64 * 4))	# this far registry's /30
FAR_HOST=${FAR_NET%.*}.$((${FAR_NET##*.} + 1))
FAR_IP=${FAR_NET%.*}.$((${FAR_NET##*.} + 2))
NETDELAY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/netdelay/.output/netdelay
if [ -n "$RTT_MS" ]; then
	[[ "$RTT_MS" =~ ^[0-9]+$ ]] && [ "$RTT_MS" -le 10000 ] ||
		{ echo "registry: bad CT_REGISTRY_RTT_MS '$RTT_MS' (0..10000)" >&2; exit 1; }
	ADDR=$FAR_IP:$PORT
else
	ADDR=127.0.0.1:$PORT
fi
BASE_IMAGE=${CT_IMAGE:-coldtrace/busybox:latest}
WAIT_S=20

die() {
	echo "registry: $*" >&2
	exit 1
}

log() {
	echo "registry: $*" >&2
}

need_env() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	: "${DOCKER_HOST:?source the harness env first (tools/harness.sh env)}"
}

reg_dir() {
	local d
	d=$(cat "$STATE_FILE" 2>/dev/null) || true
	[ -n "$d" ] && [ -d "$d" ] || die "no registry running (tools/registry.sh start)"
	echo "$d"
}

valid_name() {
	[[ "$1" =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] ||
		die "bad image name '$1' (lowercase letters, digits, . _ -)"
}

write_config() {
	cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: warn
  # one line per request (a blob's GET: its status and bytes sent), for
  # the tests' truth (the gets command)
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $1/storage
  delete:
    enabled: true
http:
  addr: $ADDR
EOF
	[ "${CT_REGISTRY_TLS:-0}" != 1 ] || cat >>"$1/config.yml" <<EOF
  tls:
    certificate: $1/cert.pem
    key: $1/key.pem
EOF
}

# CT_REGISTRY_TLS=1: a self-signed certificate for 127.0.0.1, a day long.
# dockerd tries HTTPS first for a registry on loopback (insecure: the
# certificate is not checked), so its pulls then ride TLS.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" \
		-out "$1/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
	touch "$1/tls"
}

# The registry's base URL (https once started with CT_REGISTRY_TLS=1).
reg_url() {
	local d
	d=$(cat "$STATE_FILE" 2>/dev/null) || true
	if [ -n "$d" ] && [ -e "$d/tls" ]; then
		echo "https://$ADDR"
	else
		echo "http://$ADDR"
	fi
}

# curl to it: its certificate is our own, self-signed.
reg_curl() {
	curl -k "$@"
}

cmd_start() {
	local d pid end
	need_env
	if d=$(cat "$STATE_FILE" 2>/dev/null) && [ -d "$d" ] &&
		kill -0 "$(cat "$d/pid" 2>/dev/null)" 2>/dev/null; then
		die "a registry is already running from $d (tools/registry.sh stop)"
	fi
	# a far registry's address is private to our veth: never probe it
	# before the veth exists (it would leave by the default route)
	[ -n "$RTT_MS" ] || ! curl -s -o /dev/null "http://$ADDR/v2/" ||
		die "something else already listens on $ADDR"
	d=$(mktemp -d /tmp/ctreg.XXXXXX)
	echo "$d" >"$STATE_FILE"
	mkdir -p "$d/storage"
	if [ -n "${CT_REGISTRY_SEED:-}" ]; then
		[ -f "$CT_REGISTRY_SEED/.complete" ] ||
			{ cmd_stop; die "no saved storage in $CT_REGISTRY_SEED (tools/registry.sh save)"; }
		cp -a "$CT_REGISTRY_SEED/." "$d/storage/" &&
			rm -f "$d/storage/.complete" ||
			{ cmd_stop; die "cannot copy $CT_REGISTRY_SEED"; }
	fi
	[ "${CT_REGISTRY_TLS:-0}" != 1 ] || make_cert "$d"
	write_config "$d"
	if [ -n "$RTT_MS" ]; then
		netns_up "$d" || { cmd_stop; die "cannot make namespace $NS"; }
		ip route get "$FAR_IP" | grep -q "dev $VETH" ||
			{ cmd_stop; die "$FAR_IP is not routed through $VETH"; }
		setsid ip netns exec "$NS" docker-registry serve "$d/config.yml" \
			>"$d/registry.log" 2>&1 &
	else
		setsid docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 &
	fi
	pid=$!
	echo "$pid" >"$d/pid"
	end=$((SECONDS + WAIT_S))
	until reg_curl -s -o /dev/null "$(reg_url)/v2/"; do
		if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $end ]; then
			tail -n 20 "$d/registry.log" >&2 || true
			cmd_stop
			die "docker-registry did not come up on $ADDR"
		fi
		sleep 0.2
	done
	log "docker-registry up on $(reg_url) (pid $pid, storage $d/storage)"
	# dockerd trusts only 127.0.0.0/8 over plain http by itself; without
	# a harness (the lazy scene: containerd and the stargz daemon, which
	# pull through a proxy on loopback) there is no dockerd to tell
	[ -z "$RTT_MS" ] || [ -z "${CT_DIR:-}" ] || edit_daemon_json "$d" --arg a "$ADDR" \
		'."insecure-registries" = ((."insecure-registries" // []) + [$a] | unique)'
	echo "$d"
}

# save DIR: the storage as it is now (every image pushed), copied to DIR
# for another registry to start from (CT_REGISTRY_SEED=DIR start);
# DIR is written whole or not at all.
cmd_save() {
	local to=${1:?save DIR} d
	need_env
	d=$(cat "$STATE_FILE" 2>/dev/null) && [ -d "$d/storage" ] ||
		die "no registry running (tools/registry.sh start)"
	[ ! -e "$to" ] || die "$to exists"
	rm -rf "$to.tmp"
	cp -a "$d/storage" "$to.tmp" && touch "$to.tmp/.complete" &&
		mv "$to.tmp" "$to" || { rm -rf "$to.tmp"; die "cannot save to $to"; }
	log "storage saved to $to ($(du -sh "$to" | cut -f1))"
}

# Undo in reverse order of likelihood to fail; never abort half-way.
# The registry's process killed, the rest kept for `stop`: a registry
# gone in the middle of a pull.
cmd_down() {
	local d pid
	d=$(cat "$STATE_FILE" 2>/dev/null) || die "no registry"
	pid=$(cat "$d/pid" 2>/dev/null) || die "no registry pid in $d"
	kill -KILL "$pid" 2>/dev/null || die "registry $pid is not running"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	die "registry $pid did not go"
}

cmd_stop() {
	local d pid
	d=$(cat "$STATE_FILE" 2>/dev/null) || return 0
	[ -n "$d" ] && [ -d "$d" ] || { rm -f "$STATE_FILE"; return 0; }
	[ -e "$d/shaped" ] && unshape "$d"
	[ -e "$d/daemon.json.orig" ] && restore_daemon_json "$d"
	pid=$(cat "$d/pid" 2>/dev/null) || pid=
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	netns_down "$d"
	rm -rf "$d"
	rm -f "$STATE_FILE"
}

# The traps come before the start: a signal while the registry, the
# namespace or the delayer are coming up undoes what is up (the state
# file is written first).  CMD runs in the background and is waited for:
# bash runs a trap only once its foreground command ends, so a killed
# `exec` would otherwise keep everything until CMD ended by itself.
cmd_exec() {
	local child
	[ $# -gt 0 ] || die "exec needs a command"
	trap cmd_stop EXIT
	trap 'exit 130' INT TERM
	cmd_start >/dev/null
	"$@" &
	child=$!
	# shellcheck disable=SC2064
	trap "kill $child 2>/dev/null; exit 130" INT TERM
	wait "$child"
}

# ---- far registry: namespace, veth, delayer ----

in_ns() {
	ip netns exec "$NS" "$@"
}

# A namespace of ours with nothing in it is what a run stopped mid-way (a
# killed session, a restarted machine) left: nobody can be using it, so it
# goes.  One with a process in it belongs to a far registry that runs.
ns_free() {
	ip netns list | grep -qw "^$NS" || return 0
	if [ -n "$(ip netns pids "$NS" 2>/dev/null)" ]; then
		log "namespace $NS is in use (another far registry on port $PORT? set CT_REGISTRY_PORT)"
		return 1
	fi
	log "namespace $NS: left empty by an earlier run, removed"
	ip netns del "$NS" && { ip link del "$VETH" 2>/dev/null || true; }
}

# $d/netns marks what to undo; the namespace's deletion takes the veth pair,
# its qdiscs and iptables rules with it.
netns_up() {
	local d=$1 pid
	[ -x "$NETDELAY" ] || { log "$NETDELAY not built (make netdelay)"; return 1; }
	ns_free || return 1
	echo "$NS" >"$d/netns"
	ip netns add "$NS" &&
		ip link add "$VETH" type veth peer name veth0 netns "$NS" &&
		ip addr add "$FAR_HOST/30" dev "$VETH" && ip link set "$VETH" up &&
		in_ns ip addr add "$FAR_IP/30" dev veth0 && in_ns ip link set veth0 up &&
		in_ns ip link set lo up || return 1
	[ "$RTT_MS" -gt 0 ] || return 0
	in_ns iptables -A INPUT -i veth0 -j NFQUEUE --queue-num 0 --queue-bypass ||
		return 1
	setsid ip netns exec "$NS" "$NETDELAY" -n 0 -d "$RTT_MS" \
		-l "${CT_REGISTRY_LIFETIME:-7200}" >"$d/netdelay.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/netdelay.pid"
	log "namespace $NS: registry at $ADDR, +$RTT_MS ms per round trip (netdelay pid $pid)"
}

netns_down() {
	local d=$1 pid
	pid=$(cat "$d/netdelay.pid" 2>/dev/null) || pid=
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	[ -e "$d/netns" ] || return 0
	# whatever still runs in it (a delayer or registry whose pid was not
	# written yet when a signal came)
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	ip link del "$VETH" 2>/dev/null || true
	rm -f "$d/netns"
}

# ---- images ----

# One layer's random file (incompressible: compressed size ~ raw size).
# Random bytes (they do not compress: a pull fetches them all), or
# zeros with CT_REGISTRY_ZEROS=1 (a tiny fetch, a long unpack).
make_layer_file() {
	if [ "${CT_REGISTRY_ZEROS:-0}" = 1 ]; then
		head -c "$2" /dev/zero >"$1"
	else
		head -c "$2" /dev/urandom >"$1"
	fi
}

cmd_push() {
	local name=${1:?push NAME MB LAYERS} mb=${2:?push NAME MB LAYERS}
	local n=${3:?push NAME MB LAYERS} base=${4:-} d ctx bytes i
	need_env
	valid_name "$name"
	[ -z "$base" ] || valid_name "$base"
	[[ "$mb" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "bad size '$mb' (MB)"
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 100 ] ||
		die "bad layer count '$n' (1..100)"
	d=$(reg_dir)
	bytes=$(awk -v m="$mb" -v n="$n" 'BEGIN { printf "%d", m * 1048576 / n }')
	[ "$bytes" -ge 1 ] || die "layers of $mb MB / $n are empty"
	ctx=$(mktemp -d "$d/ctx.XXXXXX")
	# FROM scratch: every layer is ours, so a pull fetches all of them
	echo "FROM scratch" >"$ctx/Dockerfile"
	if [ -n "$base" ]; then
		docker pull -q "$ADDR/$base:latest" >/dev/null ||
			die "cannot pull the base $ADDR/$base:latest"
		echo "FROM $ADDR/$base:latest" >"$ctx/Dockerfile"
	fi
	for i in $(seq "$n"); do
		make_layer_file "$ctx/l$i" "$bytes"
		echo "COPY l$i /data/l$i" >>"$ctx/Dockerfile"
	done
	build_push "$name" "$ctx"
	[ -z "$base" ] || cmd_forget "$base"
	log "pushed $ADDR/$name:latest: $n layers of $bytes bytes${base:+ on $base}"
}

# build_push NAME CTX [DOCKERFILE]: build, push, forget; CTX is removed.
build_push() {
	local name=$1 ctx=$2 ref=$ADDR/$1:latest
	docker build -q --network none -t "$ref" -f "$ctx/${3:-Dockerfile}" \
		"$ctx" >/dev/null || die "docker build of $name failed"
	docker push -q "$ref" >/dev/null || die "docker push of $ref failed"
	rm -rf "$ctx"
	cmd_forget "$name"
}

# The program both images carry: slim keeps only its static binary,
# fat also the toolchain that built it (what a single-stage build ships).
write_program() {
	cat >"$1/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello from coldtrace"); return 0; }
EOF
	gcc -O2 -static -o "$1/hello" "$1/hello.c" || die "gcc failed"
}

cmd_fatslim() {
	local name=${1:?fatslim NAME} d ctx gccdir
	need_env
	valid_name "$name"
	d=$(reg_dir)
	gccdir=$(dirname "$(gcc -print-libgcc-file-name)")
	ctx=$(mktemp -d "$d/ctx.XXXXXX")
	write_program "$ctx"
	mkdir -p "$ctx/tc/bin"
	cp -a "$gccdir" "$ctx/tc/gcc-lib"
	cp -L "$(command -v gcc)" "$(command -v as)" "$(command -v ld)" \
		"$ctx/tc/bin/"
	cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY tc/bin /usr/bin/
COPY tc/gcc-lib /usr/lib/gcc/x86_64-linux-gnu/
COPY hello.c hello /app/
CMD ["/app/hello"]
EOF
	cp -r "$ctx" "$ctx.slim"
	build_push "$name-fat" "$ctx"
	rm -rf "$ctx.slim/tc"
	cat >"$ctx.slim/Dockerfile" <<EOF
FROM $BASE_IMAGE
COPY hello /app/
CMD ["/app/hello"]
EOF
	build_push "$name-slim" "$ctx.slim"
	log "pushed $ADDR/$name-fat:latest and $ADDR/$name-slim:latest"
}

# ---- Python function images (the multi-stage study) ----

# What the function imports, in both images; what a single-stage build
# also ships (the study's list: build-essential, python-dev, libssl-dev,
# libffi-dev, ffmpeg); what the "ml" pair adds to both.
FN_PKGS=python3,python3-yaml,python3-requests
FAT_PKGS=build-essential,python3-dev,libssl-dev,libffi-dev,ffmpeg
ML_PKGS=python3-numpy,python3-scipy
FN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/experiments/pyfn
# The C extension, built where python3-dev is: in the (fat) build stage.
BUILD_EXT='gcc -O2 -shared -fPIC $(python3-config --includes) -o /app/speedup$(python3-config --extension-suffix) /app/speedup.c'

# import_rootfs NAME PKGS: a debootstrap rootfs as local image ct-NAME.
import_rootfs() {
	local tar
	tar=$("$(dirname "${BASH_SOURCE[0]}")/debian-rootfs.sh" "$1" "$2") ||
		die "no rootfs for $1"
	docker import "$tar" "ct-$1:latest" >/dev/null ||
		die "docker import of $tar failed"
	echo "ct-$1:latest"
}

# Dockerfile of NAME-fat: one stage, the extension built in place and
# the toolchain kept, as a single-stage build ships it.
fat_dockerfile() {	# FAT-IMAGE ML
	echo "FROM $1"
	echo "COPY handler.py speedup.c /app/"
	[ -z "$2" ] || echo "COPY model.bin /app/"
	echo "RUN $BUILD_EXT && python3 /app/handler.py"
	echo 'CMD ["python3", "/app/handler.py"]'
}

# Dockerfile of NAME-slim: the same build stage, then a release stage on
# the slim base with only the function and its built extension.
slim_dockerfile() {	# FAT-IMAGE SLIM-IMAGE ML
	echo "FROM $1 AS build"
	echo "COPY handler.py speedup.c /app/"
	echo "RUN $BUILD_EXT && rm /app/speedup.c"
	echo "FROM $2"
	echo "COPY --from=build /app/ /app/"
	[ -z "$3" ] || echo "COPY model.bin /app/"
	echo "RUN python3 /app/handler.py"
	echo 'CMD ["python3", "/app/handler.py"]'
}

cmd_pyfatslim() {
	local name=${1:?pyfatslim NAME [ml]} ml=${2:-} d ctx fat slim extra=
	need_env
	valid_name "$name"
	case $ml in
	'') ;;
	ml) extra=,$ML_PKGS ;;
	*) die "pyfatslim NAME [ml]: '$ml' is not ml" ;;
	esac
	d=$(reg_dir)
	fat=$(import_rootfs "py-fat$ml" "$FN_PKGS,$FAT_PKGS$extra")
	slim=$(import_rootfs "py-slim$ml" "$FN_PKGS$extra")
	ctx=$(mktemp -d "$d/ctx.XXXXXX")
	cp "$FN_DIR/handler.py" "$FN_DIR/speedup.c" "$ctx/"
	# weights are close to incompressible: random bytes stand for them
	[ -z "$ml" ] || make_layer_file "$ctx/model.bin" $((250 * 1048576))
	fat_dockerfile "$fat" "$ml" >"$ctx/Dockerfile.fat"
	slim_dockerfile "$fat" "$slim" "$ml" >"$ctx/Dockerfile.slim"
	cp -r "$ctx" "$ctx.slim"
	build_push "$name-fat" "$ctx" Dockerfile.fat
	build_push "$name-slim" "$ctx.slim" Dockerfile.slim
	# The bases and the build stage hold the images' layers locally: gone,
	# so that a pull fetches every layer.
	docker rmi -f "$fat" "$slim" >/dev/null || die "cannot remove $fat, $slim"
	docker image prune -f >/dev/null || die "docker image prune failed"
	log "pushed $ADDR/$name-fat:latest and $ADDR/$name-slim:latest"
}

# Every manifest kind a push makes: Docker's own store pushes Docker v2
# manifests, its containerd image store an OCI index over OCI manifests.
MANIFEST_TYPES="application/vnd.docker.distribution.manifest.v2+json,\
application/vnd.docker.distribution.manifest.list.v2+json,\
application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json"

# NAME's manifest at REF (a tag or a digest), as the registry has it.
manifest_of() {	# NAME REF
	reg_curl -sf -H "Accept: $MANIFEST_TYPES" "$(reg_url)/v2/$1/manifests/$2"
}

cmd_layers() {
	local name=${1:?layers NAME} m d
	valid_name "$name"
	m=$(manifest_of "$name" latest) || die "no manifest for $name in the registry"
	# an index: the manifest of this host's platform, as a pull takes it
	if jq -e 'has("manifests")' <<<"$m" >/dev/null; then
		d=$(jq -r --arg a "$(dpkg --print-architecture)" 'first(.manifests[] |
			select(.platform.os == "linux" and .platform.architecture == $a) |
			.digest) // empty' <<<"$m")
		[ -n "$d" ] && m=$(manifest_of "$name" "$d") ||
			die "no manifest of this platform for $name in the registry"
	fi
	jq -r '.layers[] | "\(.digest) \(.size)"' <<<"$m"
}

cmd_digest() {
	local name=${1:?digest NAME}
	valid_name "$name"
	reg_curl -sfI -H "Accept: $MANIFEST_TYPES" \
		"$(reg_url)/v2/$name/manifests/latest" |
		tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }' |
		grep -E '^sha256:[0-9a-f]{64}$' || die "no manifest for $name in the registry"
}

# Whether a layer's BYTES are within 1% of the registry's SIZE: the
# record counts what the daemon wrote, the manifest what it sent.
near_size() {	# BYTES SIZE
	[ $((100 * ($1 > $2 ? $1 - $2 : $2 - $1))) -le "$2" ]
}

# PULLS holds one pull record, or we die.
one_pull() {	# PULLS
	[ "$(jq -s length "$1")" -eq 1 ] ||
		die "$1: $(jq -s length "$1") pull records, not 1"
}

# The registry's manifest, and the pulling command's wall clock, are the
# truth a pull record is checked against.
cmd_check() {
	local name=${1:?check NAME PULLS [T0 T1]} pulls=${2:?check NAME PULLS [T0 T1]}
	local t0=${3:-0} t1=${4:-0} digest size bytes n=0 bad=0
	one_pull "$pulls"
	while read -r digest size; do
		n=$((n + 1))
		bytes=$(jq --arg d "$digest" '[.layers[] | select(.digest == $d) |
			.bytes] | if length == 1 then .[0] else -1 end' "$pulls")
		if [ "$bytes" -lt 0 ]; then
			log "layer $digest not reported once"
			bad=1
		elif ! near_size "$bytes" "$size"; then
			log "layer $digest: $bytes bytes, the registry says $size"
			bad=1
		fi
	done < <(cmd_layers "$name")
	[ "$n" -gt 0 ] || die "no layers for $name in the registry"
	[ "$(jq '.layers | length' "$pulls")" -eq "$n" ] ||
		{ log "$(jq '.layers | length' "$pulls") layers reported, the registry has $n"; bad=1; }
	jq -e '[.layers[] | .unpack != null and
		.fetch.start_ns + .fetch.dur_ns <= .unpack.start_ns] | all' \
		"$pulls" >/dev/null || { log "a layer not unpacked, or unpacked before its fetch ended"; bad=1; }
	[ "$t1" -eq 0 ] || jq -e --argjson t0 "$t0" --argjson t1 "$t1" \
		'.start_ns >= $t0 and .start_ns + .dur_ns <= $t1 and
		 .ttfb_ns > 0 and .ttfb_ns < .dur_ns' "$pulls" >/dev/null ||
		{ log "pull times outside the command's ($t0..$t1 ns)"; bad=1; }
	return $bad
}

# A pull traced from its middle (the hooks came after its first blob
# files): only the layers it saw whole are checked, against the manifest.
cmd_check_traced() {
	local name=${1:?check-traced NAME PULLS} pulls=${2:?check-traced NAME PULLS}
	local truth digest bytes size seen=0 bad=0
	one_pull "$pulls"
	truth=$(cmd_layers "$name") || exit 1
	while read -r digest bytes; do
		seen=$((seen + 1))
		size=$(awk -v d="$digest" '$1 == d { print $2 }' <<<"$truth")
		if [ -z "$size" ]; then
			log "layer $digest: not one of $name's"
			bad=1
		elif ! near_size "$bytes" "$size"; then
			log "layer $digest: $bytes bytes, the registry says $size"
			bad=1
		fi
	done < <(jq -r '.layers[] | select(.untraced | not) |
		"\(.digest // "none") \(.bytes // -1)"' "$pulls")
	[ "$seen" -le "$(wc -l <<<"$truth")" ] ||
		{ log "$seen layers seen whole, the registry has $(wc -l <<<"$truth")"; bad=1; }
	echo "$seen"
	return $bad
}

# The registry's access log (one line a request, Apache's combined
# format): its blob GETs answered 200 with the bytes sent, or its length.
cmd_gets() {
	local from=${1:-0} log
	log=$(reg_dir)/registry.log
	if [ "$from" = mark ]; then
		wc -l <"$log"
		return
	fi
	[[ "$from" =~ ^[0-9]+$ ]] || die "bad line '$from'"
	tail -n +"$((from + 1))" "$log" | sed -nE \
		's#.*"GET /v2/([^ ]+)/blobs/(sha256:[0-9a-f]{64}) HTTP/[0-9.]+" 200 ([0-9]+) .*#\1 \2 \3#p'
}

# Every blob GET from line FROM on, whatever its answer (a failed
# check's evidence: retries, ranges).
cmd_log() {
	local from=${1:-0}
	[[ "$from" =~ ^[0-9]+$ ]] || die "bad line '$from'"
	tail -n +"$((from + 1))" "$(reg_dir)/registry.log" | grep -E '"GET /v2/[^ ]+/blobs/'
	return 0
}

# Delete a blob through the registry's API (its storage's delete is on):
# the manifest still lists it, its GET answers 404 BLOB_UNKNOWN.
cmd_unblob() {
	local name=${1:?unblob NAME DIGEST} digest=${2:?unblob NAME DIGEST}
	valid_name "$name"
	[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "bad digest '$digest'"
	reg_curl -sf -X DELETE -o /dev/null "$(reg_url)/v2/$name/blobs/$digest" ||
		die "the registry did not delete $name's $digest"
	[ "$(reg_curl -s -o /dev/null -w '%{http_code}' \
		"$(reg_url)/v2/$name/blobs/$digest")" = 404 ] ||
		die "$name's $digest is still served"
}

# The local references of the images the reference filter REF names
# (all without one), a line each: its tag and its digest (a pull by
# digest leaves the image under "NAME@sha256:..." alone); never its id,
# which would untag the same image's other names too.
local_refs() {	# [REF]
	docker image ls --digests --format '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}' \
		"$@" | tr ' ' '\n' | grep -v -e ':<none>$' -e '@<none>$'
}

# Remove the images and every layer they had, so the next pull fetches
# all: NAME of this registry, or with --any-address NAME under any
# registry's address (a far registry's differs, the layers are the
# same).
cmd_forget() {
	local any='' name re
	[ "${1:-}" != --any-address ] || { any=1; shift; }
	[ $# -ge 1 ] || die "usage: forget [--any-address] NAME..."
	need_env
	for name; do
		valid_name "$name"
	done
	if [ -n "$any" ]; then
		re=$(IFS='|'; echo "$*")
		local_refs | grep -E "/(${re//./\\.})[:@]"
	else
		for name; do
			local_refs "$ADDR/$name"
		done
	fi | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
}

# ---- bandwidth and concurrency ----

# Our HTB class and filter priority, derived from the port so that two
# registries on other ports can share lo's root qdisc.
shape_ids() {
	CLASS=1:$(printf '%x' "$PORT")
	PRIO=$((PORT % 100 + 1))
}

# $d/shaped says whether we made lo's root qdisc ("root") or only added a
# class to another registry's ("shared").
unshape() {
	local how
	how=$(cat "$1/shaped" 2>/dev/null) || how=
	if [ "$how" = ns ]; then
		in_ns tc qdisc del dev veth0 root 2>/dev/null || true
		rm -f "$1/shaped"
		return 0
	fi
	shape_ids
	tc filter del dev lo parent 1: prio "$PRIO" 2>/dev/null || true
	tc class del dev lo classid "$CLASS" 2>/dev/null || true
	if [ "$how" = root ]; then
		tc qdisc del dev lo root 2>/dev/null || true
	fi
	rm -f "$1/shaped"
}

cmd_shape() {
	local rate=${1:?shape RATE|off} d how=root
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	d=$(reg_dir)
	[ -e "$d/shaped" ] && unshape "$d"
	[ "$rate" = off ] && return 0
	[[ "$rate" =~ ^[0-9]+(kbit|mbit|gbit)$ ]] ||
		die "bad rate '$rate' (e.g. 10mbit)"
	if [ -n "$RTT_MS" ]; then
		echo ns >"$d/shaped"
		in_ns tc qdisc add dev veth0 root handle 1: htb default 20 &&
			in_ns tc class add dev veth0 parent 1: classid 1:20 htb \
				rate "$rate" ceil "$rate" quantum 65536 ||
			{ unshape "$d"; die "tc failed to shape veth0 in $NS"; }
		log "$NS: registry -> client limited to $rate"
		return 0
	fi
	if tc qdisc show dev lo | grep -q '^qdisc htb 1: root'; then
		how=shared
	elif ! tc qdisc show dev lo | grep -q '^qdisc noqueue 0: root'; then
		die "lo has a root qdisc that is not ours: $(tc qdisc show dev lo | head -1)"
	fi
	shape_ids
	echo "$how" >"$d/shaped"
	{ [ "$how" = shared ] || tc qdisc add dev lo root handle 1: htb; } &&
		tc class add dev lo parent 1: classid "$CLASS" htb rate "$rate" \
			ceil "$rate" quantum 65536 &&
		tc filter add dev lo parent 1: protocol ip prio "$PRIO" u32 \
			match ip sport "$PORT" 0xffff flowid "$CLASS" ||
		{ unshape "$d"; die "tc failed to shape lo"; }
	log "lo: traffic from port $PORT limited to $rate"
}

daemon_json() {
	: "${CT_DIR:?source the harness env first}"
	echo "$CT_DIR/daemon.json"
}

reload_dockerd() {
	: "${CT_DOCKERD_PID:?source the harness env first}"
	kill -HUP "$CT_DOCKERD_PID" || die "cannot signal dockerd $CT_DOCKERD_PID"
	sleep 0.5
}

restore_daemon_json() {
	cp "$1/daemon.json.orig" "$(daemon_json)" &&
		rm -f "$1/daemon.json.orig" && reload_dockerd
}

cmd_concurrency() {
	local n=${1:?concurrency N}
	need_env
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 64 ] ||
		die "bad concurrency '$n' (1..64)"
	edit_daemon_json "$(reg_dir)" --argjson n "$n" '."max-concurrent-downloads" = $n'
	log "dockerd max-concurrent-downloads = $n"
}

# edit_daemon_json DIR JQ-ARGS...: the original is kept once in DIR for stop.
edit_daemon_json() {
	local d=$1 f tmp
	shift
	f=$(daemon_json)
	[ -e "$d/daemon.json.orig" ] || cp "$f" "$d/daemon.json.orig"
	tmp=$(mktemp "$f.XXXXXX")
	jq "$@" "$f" >"$tmp" || { rm -f "$tmp"; die "cannot edit $f"; }
	mv "$tmp" "$f"
	reload_dockerd
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
exec) shift; cmd_exec "$@" ;;
push) shift; cmd_push "$@" ;;
save) shift; cmd_save "$@" ;;
fatslim) shift; cmd_fatslim "$@" ;;
pyfatslim) shift; cmd_pyfatslim "$@" ;;
addr) echo "$ADDR" ;;
layers) shift; cmd_layers "$@" ;;
forget) shift; cmd_forget "$@" ;;
check) shift; cmd_check "$@" ;;
check-traced) shift; cmd_check_traced "$@" ;;
shape) shift; cmd_shape "$@" ;;
concurrency) shift; cmd_concurrency "$@" ;;
gets) shift; cmd_gets "$@" ;;
log) shift; cmd_log "$@" ;;
down) cmd_down ;;
unblob) shift; cmd_unblob "$@" ;;
digest) shift; cmd_digest "$@" ;;
*) die "usage: $0 start|stop|exec|push|save|fatslim|pyfatslim|addr|layers|digest|forget|gets|log|unblob|down|check|check-traced|shape|concurrency (see the header)" ;;
esac
