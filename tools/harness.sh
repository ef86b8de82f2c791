#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Private container daemons for coldtrace's tests, demo and experiments.
#
# Usage (as root):
#   tools/harness.sh start            start containerd + dockerd in a fresh
#                                     /tmp/ct.XXXXXX; prints the env file path
#   tools/harness.sh image            build coldtrace/busybox:latest (docker
#                                     and containerd's "default" namespace)
#   tools/harness.sh bundle DIR [ARG...]  make an OCI bundle in DIR (busybox
#                                     rootfs, config.json running ARG..., default
#                                     "true") for `runc run` / `runsc run`
#   (image and bundle take their busybox rootfs from the tar
#   $CT_BUSYBOX_TAR when it is set: see make_rootfs)
#   tools/harness.sh env              print the current env file path
#   tools/harness.sh stop [DIR]       stop the daemons, clean up, remove DIR
#                                     (default: the current harness); safe to
#                                     call twice and from a trap
#   tools/harness.sh status           say whether the daemons answer
#
# CT_VERSIONS picks the version set `start` runs (see version_set):
#   bookworm (default)  Debian 12: dockerd 20.10, containerd 1.6, runsc
#                       20221219 (docker runtime "runsc" = ptrace)
#   trixie              Debian 13 from tools/install-deps.sh's private dir:
#                       dockerd 26.1, containerd 1.7, runsc 20240729 as
#                       docker runtimes "runsc" (--platform=systrap, its
#                       default) and "runsc-ptrace"; runc and crun stay
#                       Debian 12's (trixie's need a newer libc)
#   forky               Debian testing (forky) from tools/install-deps.sh's
#                       debootstrap tree $CT_FORKY_DIR: dockerd 28.5,
#                       containerd 2.1, runc 1.3, crun 1.28, Podman 5.8
#                       (conmon 2.1), CNI plugins 1.9, with trixie's runsc
#                       (forky's panics under ptrace and on forking shell
#                       loops).  They need glibc 2.43, so they run in a
#                       private mount namespace whose root is that tree
#                       (unshare -m, bind mounts of /proc, /sys, /dev, a
#                       private /run, then pivot_root; its holder's pid is
#                       $CT_DIR/holder.pid), with /tmp, /opt/coldtrace and
#                       the repository at the same paths inside: dockerd's
#                       data root and every socket and test file have one
#                       path on both sides, so coldtrace on the host reads
#                       names and layer ids.  $CT_DIR/bin holds docker, ctr
#                       and podman as nsenter wrappers into that root.
# CT_CONTAINERD_OTLP=PORT: containerd 2.x sends its own spans to an
# OTLP/HTTP receiver on 127.0.0.1:PORT (otlp_env).
# CT_CGROUP picks the cgroup view the daemons run in:
#   v1 (default)        the host's: cgroup v1 controllers + empty v2 unified
#   v2                  a cgroup-v2-only view: a private mount namespace
#                       (held by a `sleep infinity` whose pid is
#                       $CT_DIR/holder.pid) with cgroup2 mounted at
#                       /sys/fs/cgroup; containerd, dockerd and their shims
#                       run inside it.  Tests run coldtrace (and anything
#                       that must see the same cgroup tree) through
#                       $CT_NSENTER; docker and ctr only talk to sockets,
#                       so they work from either view.  `stop` kills the
#                       holder, and the namespace with its mounts goes away.
#                       What runs there (kernel 6.18, cgroup v1 host): runc,
#                       and runsc as docker runtime "runsc-nocg"
#                       (--ignore-cgroups).  crun fails with "setrlimit
#                       (RLIM_MEMLOCK): Operation not permitted" (it raises
#                       the limit to load its v2 device filter; root here
#                       lacks CAP_SYS_RESOURCE), runsc with "write /sys/fs/
#                       cgroup/cgroup.subtree_control: invalid argument":
#                       every controller stays bound to its v1 hierarchy,
#                       so this v2 tree offers none (README, support table).
# CT_CRI=1 also starts containerd's CRI plugin (Kubernetes pods, for
#   tests/integration/cri.sh; off otherwise: the other tests need neither
#   CNI nor a pause image): runtime handlers runc and crun (runc v2 shim),
#   restrict_oom_score_adj (no CAP_SYS_RESOURCE here), CNI from Debian's
#   containernetworking-plugins in /usr/lib/cni with a conflist in
#   $CT_DIR/cni: bridge "ctb<dir suffix>" without a host address or
#   masquerade (no iptables rule) and host-local leases of a 10.214.N.0/24
#   in $CT_DIR/cni/ipam.  `image` also builds the pause image (tools/
#   pause.c, gcc -static) and imports it and busybox into namespace k8s.io.
#   `stop` removes every pod through CRI (CNI DEL: veths, leases, netns),
#   then any netns left with an address of our subnet, then the bridge.
# CT_DOCKER_STORE=containerd gives dockerd containerd's image store
#   (daemon.json "features": {"containerd-snapshotter": true}: its
#   images in containerd's namespace "moby", pulled and unpacked by
#   containerd); Docker 26 and 28 (trixie, forky).  Unset or "own":
#   dockerd's own (overlay2).
# CT_CGROUP_PARENT=PATH puts docker's containers under the cgroup PATH
#   (daemon.json "cgroup-parent"; cgroupfs driver), e.g. /system.slice
#   in tools/vmtest's guest, a pure cgroup v2 host laid out as systemd
#   does.  Unset: docker's default (/docker).
# After `start`, `. "$(tools/harness.sh env)"` exports:
#   CT_DIR, DOCKER_HOST, CONTAINERD_ADDRESS, CT_DOCKERD_PID,
#   CT_CONTAINERD_PID, CT_RUNC_ROOT, CT_RUNSC_ROOT, CT_VERSIONS, CT_CGROUP,
#   CT_CRI, CT_CRI_PAUSE_IMAGE,
#   CT_NSENTER (empty, or "nsenter -t HOLDER -m" under v2), and PATH
#   with $CT_DIR/bin first, where `docker` (and under trixie also ctr,
#   containerd, its shims and runsc) are the version set's (matching the
#   daemon; /usr/local/bin may hold an unrelated newer client).
# The current harness is remembered in $CT_HARNESS_STATE (default
# /tmp/coldtrace-harness.current), so `start` in one process and `stop` in
# another (or in a trap) find the same daemons.  Set CT_HARNESS_STATE to run
# two harnesses side by side.
#
# What we learned (Debian 12, kernel 6.18, cgroup v1 + v2 "unified"):
# - No network: dockerd runs with --bridge=none --iptables=false, so every
#   container uses `--network none`; images come from `docker import`.
# - Socket paths must stay < 108 bytes, hence the short /tmp/ct.XXXXXX root.
# - crun 1.8 needs an empty unified/cgroup.controllers (hugetlb is there
#   on this kernel): see prepare_cgroups.
# - runsc cannot copy a netns here ("cannot run with network enabled in
#   root network namespace", also with docker's --network none), so it
#   always gets --network=none: in daemon.json runtimeArgs for docker, on
#   the command line for `runsc run`.  Default platform ptrace works.
# - With runtimeArgs, dockerd 20.10 writes a wrapper $data-root/runtimes/
#   runsc = "#!/bin/sh\n/usr/bin/runsc --network=none $@" (no exec: the sh,
#   comm "runsc", stays the parent of the real runsc for create, start and
#   delete).  The shim runs every runtime with --root
#   $exec-root/runtime-runc/moby, runsc included.
# - containerd 1.6 puts shim sockets in /run/containerd/s/<hash of address,
#   namespace, id>, whatever its state dir, so they cannot collide with
#   another containerd; shims remove them on exit.  Each shim is exec'd
#   twice (`... -id ID start`, then the daemon), and once more with
#   `-bundle ... delete` for cleanup.
# - `ctr run` uses namespace "default" and runc --root
#   /run/containerd/runc/default (shared by every containerd: use unique
#   ids); its bundle is $state/io.containerd.runtime.v2.task/default/ID.
# - runc init re-execs itself twice (/proc/self/exe, then the memfd copy
#   /dev/fd/N); runsc-gofer and runsc-sandbox are /proc/self/exe (comm
#   "exe"), each exec'd twice by the same pid with more flags.
# - Times on this machine (2 cores, warm): docker run --rm true ~300 ms
#   (runc, crun), ~450 ms (runsc); ctr run ~140 ms; runc run ~40 ms, crun
#   run ~15 ms, runsc run ~145 ms; start ~0.5 s, image ~1 s, stop ~4 s.
set -euo pipefail

STATE_FILE=${CT_HARNESS_STATE:-/tmp/coldtrace-harness.current}
IMAGE=coldtrace/busybox:latest
CTR_IMAGE=docker.io/$IMAGE
DOCKER_BIN=/usr/bin/docker
WAIT_S=${CT_HARNESS_WAIT:-40}
CT_VERSIONS=${CT_VERSIONS:-bookworm}
CT_TRIXIE_DIR=${CT_TRIXIE_DIR:-/opt/coldtrace/versions/trixie}
CT_FORKY_DIR=${CT_FORKY_DIR:-/opt/coldtrace/versions/forky}
CT_CGROUP=${CT_CGROUP:-v1}
CT_CRI=${CT_CRI:-0}
TOP=$(cd "$(dirname "$0")/.." && pwd)
# The pod sandbox image (tools/pause.c), and the test's CRI client.
CRI_PAUSE_IMAGE=docker.io/coldtrace/pause:1
CRI_CLIENT=$TOP/tests/integration/cri/cri.py
# Prefix that runs a command in the daemons' mount namespace (v2 only).
NSENTER=()
# Set by version_set: where the set's binaries live ("" = the system's).
VSET_BIN=
# forky: the prefix that runs a command inside the forky root.
INROOT=()
# What a forky root sees of the host at the same path.
FORKY_BINDS=(/tmp /opt/coldtrace "$TOP")
RUNSC_BIN=/usr/bin/runsc

die() {
	echo "harness: $*" >&2
	exit 1
}

log() {
	echo "harness: $*" >&2
}

# pids_under, stop_pid, unmount_under
# shellcheck source=tools/procs.sh
. "$TOP/tools/procs.sh"

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
}

# Tail of a daemon log, to explain a failed start.
show_log() {
	echo "---- last lines of $1 ----" >&2
	tail -n 25 "$1" >&2 2>/dev/null || true
}

# Poll CMD... until it succeeds, at most $WAIT_S seconds: 0.2 s apart,
# or as long apart as a poll takes if longer (under emulation a poll, a
# Go client's exec, takes seconds of the CPU the daemon starts on).
wait_for() {
	local what=$1 logf=$2 pid=$3 t0 us
	shift 3
	local end=$((SECONDS + WAIT_S))
	until t0=${EPOCHREALTIME/./}; "$@" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			show_log "$logf"
			die "$what exited during start-up"
		fi
		if [ $SECONDS -ge $end ]; then
			show_log "$logf"
			die "$what did not answer within ${WAIT_S}s"
		fi
		us=$((${EPOCHREALTIME/./} - t0))
		((us > 200000)) || us=200000
		sleep "$((us / 1000000)).$(printf %06d $((us % 1000000)))"
	done
}

# Docker and ctr only, unless CT_CRI=1: the CRI plugin wants CNI and a
# sandbox image (cri_config), which the other tests do not need.
cri_plugins_line() {
	[ "$CT_CRI" = 1 ] && return 0
	echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
}

# CT_CONTAINERD_OTLP=PORT: containerd exports its own spans (one per gRPC
# request it serves, and some of its steps) to an OTLP/HTTP receiver on
# 127.0.0.1:PORT, every one sampled, through the OTEL_* environment that
# containerd 2.x reads: tests hold coldtrace's prepare steps to them
# (nothing listening: containerd drops them).  containerd 1.6 has no
# tracing, and Debian 13's 1.7 no gRPC spans.
otlp_env() {
	[ -n "${CT_CONTAINERD_OTLP:-}" ] || return 0
	echo "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$CT_CONTAINERD_OTLP"
	echo "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
	echo "OTEL_EXPORTER_OTLP_INSECURE=true"
	echo "OTEL_TRACES_SAMPLER=always_on"
	echo "OTEL_SERVICE_NAME=containerd"
}

write_containerd_config() {
	local d=$1
	cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
$(cri_plugins_line)

[grpc]
  address = "$d/containerd.sock"

[ttrpc]
  address = "$d/containerd.ttrpc.sock"

[debug]
  address = "$d/containerd.debug.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
EOF
	[ "$CT_CRI" = 1 ] && cri_config "$d" >>"$d/containerd.toml" &&
		cri_registry_hosts "$d"
	return 0
}

# The CRI's pulls from the project's registry (tools/registry.sh, plain
# HTTP on loopback) as kubelet would ask for them: a hosts.toml of its.
cri_registry_hosts() {
	local addr=127.0.0.1:${CT_REGISTRY_PORT:-5000}
	mkdir -p "$1/certs.d/$addr"
	cat >"$1/certs.d/$addr/hosts.toml" <<EOF
server = "http://$addr"

[host."http://$addr"]
  capabilities = ["pull", "resolve"]
EOF
}

# ---- CRI (CT_CRI=1) ----

# This harness's bridge and subnet, from its directory's random suffix, so
# that two harnesses side by side do not share a bridge or addresses.
# 10.214/16: tools/registry.sh's far registry lives in 10.213.0.0/24.
cri_net() {
	local d=$1 n
	n=$(printf '%s' "$d" | cksum | cut -d ' ' -f 1)
	CRI_BRIDGE=ctb${d##*.}
	CRI_SUBNET=10.214.$((n % 250)).0/24
}

# The CRI plugin: runtimes runc and crun through the runc v2 shim, the
# locally built pause image, CNI from Debian's plugins with our own
# conflist.  No CAP_SYS_RESOURCE here: restrict_oom_score_adj keeps the
# runtimes from raising oom_score_adj (crun fails writing it otherwise).
# Stream server on an ephemeral port of 127.0.0.1 (exec/attach only).
cri_config() {
	local d=$1
	cat <<EOF

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$d/certs.d"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]
        BinaryName = "/usr/bin/crun"
EOF
}

# A bridge of our own with no address on the host side (isGateway false,
# no masquerade): pods reach each other on it and nothing else, and the
# bridge plugin adds no iptables rule.  host-local keeps its leases in
# our dir.
write_cni_conf() {
	local d=$1
	cri_net "$d"
	mkdir -p "$d/cni/net.d" "$d/cni/ipam"
	cat >"$d/cni/net.d/10-coldtrace.conflist" <<EOF
{
	"cniVersion": "0.4.0",
	"name": "coldtrace-${d##*.}",
	"plugins": [{
		"type": "bridge",
		"bridge": "$CRI_BRIDGE",
		"isGateway": false,
		"ipMasq": false,
		"ipam": {
			"type": "host-local",
			"ranges": [[{ "subnet": "$CRI_SUBNET" }]],
			"dataDir": "$d/cni/ipam"
		}
	}]
}
EOF
}

# ---- version sets (CT_VERSIONS) ----

# Point DOCKER_BIN, RUNSC_BIN and VSET_BIN at the chosen set's binaries.
version_set() {
	case "$CT_VERSIONS" in
	bookworm) ;;
	trixie)
		local t=$CT_TRIXIE_DIR/usr
		[ -x "$t/sbin/dockerd" ] && [ -x "$t/bin/containerd" ] &&
			[ -x "$t/bin/runsc" ] ||
			die "trixie set missing in $CT_TRIXIE_DIR (run tools/install-deps.sh)"
		VSET_BIN=$t/bin
		DOCKER_BIN=$t/bin/docker
		RUNSC_BIN=$t/bin/runsc
		;;
	forky)
		local f=$CT_FORKY_DIR
		[ -x "$f/usr/sbin/dockerd" ] && [ -x "$f/usr/bin/containerd" ] &&
			[ -x "$f/usr/bin/podman" ] && [ -x "$CT_TRIXIE_DIR/usr/bin/runsc" ] ||
			die "forky set missing in $CT_FORKY_DIR (run tools/install-deps.sh)"
		RUNSC_BIN=$CT_TRIXIE_DIR/usr/bin/runsc
		;;
	*) die "CT_VERSIONS=$CT_VERSIONS: expected bookworm, trixie or forky" ;;
	esac
}

# $CT_DIR/bin: the set's client tools, first in the daemons' and the
# tests' PATH.  containerd finds its shims there, dockerd containerd's.
version_links() {
	local d=$1 b
	if [ "$CT_VERSIONS" = forky ]; then
		forky_wrappers "$d"
		return 0
	fi
	ln -s "$DOCKER_BIN" "$d/bin/docker"
	[ -n "$VSET_BIN" ] || return 0
	for b in containerd containerd-shim-runc-v2 ctr runsc; do
		ln -s "$VSET_BIN/$b" "$d/bin/$b"
	done
	ln -s "$VSET_BIN/../sbin/dockerd" "$d/bin/dockerd"
}

# forky: the clients the tests run, as wrappers that exec the forky
# root's binary in the holder's namespace (nsenter execs it: the client
# keeps the caller as parent), in the caller's directory: env -C, run
# inside the new root (nsenter --wd opens the directory in the caller's
# root, so that getcwd fails in there and conmon refuses to run).
# runsc too, for `runsc run` (direct_run.sh, versions.sh): the set's
# (trixie's, at the same path inside), run where the daemons run it.
forky_wrappers() {
	local d=$1 b
	for b in docker ctr podman "runsc=$RUNSC_BIN"; do
		cat >"$d/bin/${b%%=*}" <<EOF
#!/bin/sh
exec nsenter -t "\$(cat $d/holder.pid)" -m -r env -C "\$PWD" \\
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ${b#*=} "\$@"
EOF
		chmod 755 "$d/bin/${b%%=*}"
	done
	DOCKER_BIN=$d/bin/docker
}

# forky: a mount namespace whose root is the forky tree, held by a
# `sleep infinity`; the host's /proc, /sys, /dev, a private /run, and
# FORKY_BINDS at their own paths.  Private propagation: nothing mounted
# there (dockerd's overlays, netns) shows on the host, and it all goes
# with the holder.
start_forky_root() {
	local d=$1 h
	unshare -m --propagation private sh -c '
		set -e
		f=$1; shift
		mount --bind "$f" "$f"
		mount -t proc proc "$f/proc"
		mount --rbind /sys "$f/sys"
		mount --make-rslave "$f/sys"
		mount --rbind /dev "$f/dev"
		mount --make-rslave "$f/dev"
		mount -t tmpfs -o mode=755 tmpfs "$f/run"
		mkdir -p "$f/run/lock" "$f/.oldroot"
		for b in "$@"; do
			mkdir -p "$f$b"
			mount --rbind "$b" "$f$b"
		done
		cd "$f"
		pivot_root . .oldroot
		umount -l /.oldroot
		cd /
		exec sleep infinity' sh "$CT_FORKY_DIR" "${FORKY_BINDS[@]}" \
		</dev/null >"$d/holder.log" 2>&1 &
	h=$!
	echo "$h" >"$d/holder.pid"
	local end=$((SECONDS + 10))
	until [ "$(cat "/proc/$h/comm" 2>/dev/null)" = sleep ] &&
		[ -x "/proc/$h/root/usr/bin/containerd" ]; do
		kill -0 "$h" 2>/dev/null || { show_log "$d/holder.log"; die "forky root failed"; }
		[ $SECONDS -lt $end ] || die "no forky root after 10s"
		sleep 0.05
	done
	INROOT=(nsenter -t "$h" -m -r env -C /
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
	log "forky root: mount namespace of pid $h ($CT_FORKY_DIR)"
}

# Docker runtimes for runsc: under trixie the default platform is
# systrap (said explicitly, so that a changed default shows), ptrace
# beside it.
runsc_runtimes_json() {
	local net='"--network=none"'
	if [ "$CT_VERSIONS" != bookworm ]; then
		printf '"runsc": { "path": "%s", "runtimeArgs": [%s, "--platform=systrap"] },\n' \
			"$RUNSC_BIN" "$net"
		printf '\t\t"runsc-ptrace": { "path": "%s", "runtimeArgs": [%s, "--platform=ptrace"] }' \
			"$RUNSC_BIN" "$net"
	else
		printf '"runsc": { "path": "%s", "runtimeArgs": [%s] }' "$RUNSC_BIN" "$net"
	fi
}

# CT_CGROUP=v2: runsc can only run there without cgroups (the v2 tree has
# no controller to enable): runtime "runsc-nocg".
runsc_nocg_json() {
	[ "$CT_CGROUP" = v2 ] || return 0
	printf ',\n\t\t"runsc-nocg": { "path": "%s", "runtimeArgs": ["--network=none", "--ignore-cgroups"] }' \
		"$RUNSC_BIN"
}

# The daemon.json line of CT_CGROUP_PARENT, or nothing.
cgroup_parent_json() {
	[ -n "${CT_CGROUP_PARENT:-}" ] || return 0
	printf '\n\t"cgroup-parent": "%s",' "$CT_CGROUP_PARENT"
}

# The daemon.json line of the image store CT_DOCKER_STORE picks: dockerd's
# own (overlay2), or containerd's (its overlayfs snapshotter).
image_store_json() {
	case ${CT_DOCKER_STORE:-own} in
	own) printf '"storage-driver": "overlay2",' ;;
	containerd) printf '"features": { "containerd-snapshotter": true },' ;;
	*) echo "harness: CT_DOCKER_STORE=$CT_DOCKER_STORE: own or containerd" >&2
	   return 1 ;;
	esac
}

# max-download-attempts 1: a pull whose registry went away fails at once
# (pull_apart.sh's interrupted pulls); with dockerd's default, 5, it
# waits 50 s for its retries, and Docker 20.10 takes no new value from
# a reload.
# CT_DOCKERD_DEBUG=1: dockerd logs each API request it is handed
# ("Calling POST /v1.41/containers/create", nanosecond times): tests
# hold coldtrace's prepare steps to it.
debug_json() {
	[ -n "${CT_DOCKERD_DEBUG:-}" ] && printf '\n\t"debug": true,'
	return 0
}

write_daemon_json() {
	local store
	store=$(image_store_json)
	cat >"$1/daemon.json" <<EOF
{
	"runtimes": {
		"crun": { "path": "/usr/bin/crun" },
		$(runsc_runtimes_json)$(runsc_nocg_json)
	},
	"exec-opts": ["native.cgroupdriver=cgroupfs"],$(cgroup_parent_json)
	$store$(debug_json)
	"log-driver": "json-file",
	"max-concurrent-downloads": 3,
	"max-download-attempts": 1
}
EOF
}

write_env() {
	local d=$1
	cat >"$d/env" <<EOF
export CT_DIR=$d
export DOCKER_HOST=unix://$d/docker.sock
export CONTAINERD_ADDRESS=$d/containerd.sock
export CT_CONTAINERD_PID=$(cat "$d/containerd.pid")
export CT_DOCKERD_PID=$(cat "$d/docker.pid")
export CT_RUNC_ROOT=$d/runc
export CT_RUNSC_ROOT=$d/runsc
export CT_IMAGE=$IMAGE
export CT_CTR_IMAGE=$CTR_IMAGE
export CT_VERSIONS=$CT_VERSIONS
export CT_CGROUP=$CT_CGROUP
export CT_CRI=$CT_CRI
export CT_DOCKER_STORE=${CT_DOCKER_STORE:-own}
export CT_CONTAINERD_OTLP=${CT_CONTAINERD_OTLP:-}
export CT_CRI_PAUSE_IMAGE=$CRI_PAUSE_IMAGE
export CT_NSENTER="${NSENTER[*]}"
case ":\$PATH:" in *":$d/bin:"*) ;; *) export PATH="$d/bin:\$PATH" ;; esac
EOF
}

start_containerd() {
	local d=$1
	write_containerd_config "$d"
	local otel
	mapfile -t otel < <(otlp_env)
	"${NSENTER[@]}" "${INROOT[@]}" env "${otel[@]}" \
		setsid containerd --config "$d/containerd.toml" \
		</dev/null >"$d/containerd.log" 2>&1 &
	echo $! >"$d/containerd.pid"
	wait_for containerd "$d/containerd.log" $! \
		ctr --address "$d/containerd.sock" version
}

start_dockerd() {
	local d=$1
	write_daemon_json "$d"
	"${NSENTER[@]}" "${INROOT[@]}" setsid dockerd --config-file "$d/daemon.json" \
		--data-root "$d/docker" --exec-root "$d/exec" \
		--pidfile "$d/docker.pid" -H "unix://$d/docker.sock" \
		--containerd "$d/containerd.sock" \
		--iptables=false --ip-masq=false --ip-forward=false \
		--bridge=none --userland-proxy=false \
		</dev/null >"$d/dockerd.log" 2>&1 &
	local pid=$!
	wait_for dockerd "$d/dockerd.log" $pid \
		"$DOCKER_BIN" -H "unix://$d/docker.sock" version
	# dockerd writes its pidfile itself; keep ours if it raced.
	[ -s "$d/docker.pid" ] || echo $pid >"$d/docker.pid"
}

# crun 1.8 refuses cgroup v1+v2 hybrid mode while the v2 "unified" mount
# offers any controller ("cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2").  Here the kernel leaves hugetlb unbound from
# v1, so it shows up in unified/cgroup.controllers: bind each such
# controller to its own v1 hierarchy.  Host-wide and left mounted (runc and
# runsc do not mind); a no-op when nothing is listed or on a v2-only host.
prepare_cgroups() {
	local u=/sys/fs/cgroup/unified/cgroup.controllers c
	[ -r "$u" ] || return 0
	for c in $(cat "$u"); do
		mkdir -p "/sys/fs/cgroup/$c"
		mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" ||
			die "cannot move cgroup controller $c to v1 (crun needs it)"
		log "mounted v1 cgroup controller $c (crun needs an empty unified)"
	done
}

# CT_CGROUP=v2: a mount namespace whose /sys/fs/cgroup is cgroup2 only.
# The holder must outlive every daemon: a namespace lives as long as one
# process in it.  Private propagation keeps dockerd's overlay mounts (and
# ours) out of the host's view; nothing to unmount on stop.  nsenter
# without a pid namespace execs its command, so $! stays the daemon's pid.
start_v2_view() {
	local d=$1 h
	unshare -m --propagation private sleep infinity </dev/null \
		>/dev/null 2>&1 &
	h=$!
	echo "$h" >"$d/holder.pid"
	# unshare execs sleep once the namespace exists.
	local end=$((SECONDS + 5))
	until [ "$(readlink "/proc/$h/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
		[ "$(cat "/proc/$h/comm" 2>/dev/null)" = sleep ]; do
		kill -0 "$h" 2>/dev/null || die "unshare -m failed"
		[ $SECONDS -lt $end ] || die "no private mount namespace after 5s"
		sleep 0.05
	done
	NSENTER=(nsenter -t "$h" -m)
	"${NSENTER[@]}" mount -t cgroup2 cgroup2 /sys/fs/cgroup ||
		die "cannot mount cgroup2 on /sys/fs/cgroup in the namespace"
	log "cgroup v2 view: mount namespace of pid $h"
}

cmd_start() {
	need_root
	version_set
	case "$CT_CGROUP" in
	v1) prepare_cgroups ;;
	v2) ;;
	*) die "CT_CGROUP=$CT_CGROUP: expected v1 or v2" ;;
	esac
	local d t0=$SECONDS
	d=$(mktemp -d /tmp/ct.XXXXXX)
	chmod 711 "$d"
	mkdir -p "$d/bin" "$d/runc" "$d/runsc"
	version_links "$d"
	export PATH="$d/bin:$PATH"
	for b in containerd dockerd ctr runc crun runsc docker; do
		command -v "$b" >/dev/null || {
			rm -rf "$d"
			die "$b not installed (run tools/install-deps.sh)"
		}
	done
	echo "$d" >"$STATE_FILE"
	# After the state file: a failed start is still cleaned up by `stop`.
	[ "$CT_CGROUP" = v2 ] && start_v2_view "$d"
	[ "$CT_VERSIONS" = forky ] && start_forky_root "$d"
	if [ "$CT_CRI" = 1 ]; then write_cni_conf "$d"; fi
	start_containerd "$d"
	start_dockerd "$d"
	write_env "$d"
	log "daemons ($CT_VERSIONS, cgroup $CT_CGROUP) up in $((SECONDS - t0))s under $d"
	echo "$d/env"
}

current_dir() {
	[ -s "$STATE_FILE" ] || return 1
	cat "$STATE_FILE"
}

load_env() {
	local d
	d=$(current_dir) || die "no harness running (tools/harness.sh start)"
	[ -f "$d/env" ] || die "harness in $d did not finish starting"
	# shellcheck disable=SC1091
	. "$d/env"
}

remove_containers() {
	local d=$1 sock ids
	sock=unix://$d/docker.sock
	[ -S "$d/docker.sock" ] || return 0
	ids=$(timeout 10 "$d/bin/docker" -H "$sock" ps -aq 2>/dev/null) || return 0
	[ -z "$ids" ] && return 0
	# shellcheck disable=SC2086
	timeout 30 "$d/bin/docker" -H "$sock" rm -f $ids >/dev/null 2>&1 || true
}

# Containerd's own tasks in every namespace (`ctr run` ones in
# "default"; docker's are gone above, CRI's in cri_stop): killed and
# deleted through containerd, since a killed shim leaves its container's
# processes running, under no name of ours.
remove_tasks() {
	local d=$1 ns id ctr=ctr
	[ -S "$d/containerd.sock" ] || return 0
	[ -x "$d/bin/ctr" ] && ctr=$d/bin/ctr	# the version set's
	local c=(timeout 10 "$ctr" --address "$d/containerd.sock")
	for ns in $("${c[@]}" namespaces list -q 2>/dev/null); do
		for id in $("${c[@]}" -n "$ns" tasks list -q 2>/dev/null); do
			"${c[@]}" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
			"${c[@]}" -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
		done
	done
}

# Containers run by hand under our runtime roots (`runc run -d`, a
# `runsc run` whose runsc was killed): their processes name neither our
# dir nor a shim, the runtime's own state lists them.
remove_direct() {
	local d=$1 id runsc=$RUNSC_BIN
	[ -x "$d/bin/runsc" ] && runsc=$d/bin/runsc	# the version set's
	for id in $(timeout 10 runc --root "$d/runc" list -q 2>/dev/null); do
		timeout 10 runc --root "$d/runc" delete --force "$id" >/dev/null 2>&1 || true
	done
	for id in $(timeout 10 "$runsc" --root "$d/runsc" list -quiet 2>/dev/null); do
		timeout 20 "$runsc" --root "$d/runsc" delete -force "$id" \
			>/dev/null 2>&1 || true
	done
}

# The v2 view's holder (only a `sleep` of ours: a recycled pid is left).
stop_holder() {
	local h
	h=$(cat "$1/holder.pid" 2>/dev/null) || return 0
	[ "$(cat "/proc/$h/comm" 2>/dev/null)" = sleep ] && stop_pid "$h" 2
	return 0
}

cmd_stop() {
	local d=${1:-}
	if [ -z "$d" ]; then
		d=$(current_dir) || { log "nothing to stop"; return 0; }
	fi
	case "$d" in /tmp/ct.*) ;; *) die "refusing to clean $d" ;; esac
	[ -d "$d" ] || { rm -f "$STATE_FILE"; return 0; }
	remove_containers "$d"
	cri_stop "$d"
	remove_tasks "$d"
	remove_direct "$d"
	stop_pid "$(cat "$d/docker.pid" 2>/dev/null || true)" 20
	local p
	for p in $(pids_under "$d"); do
		[ "$p" = "$(cat "$d/containerd.pid" 2>/dev/null)" ] && continue
		stop_pid "$p" 3
	done
	stop_pid "$(cat "$d/containerd.pid" 2>/dev/null || true)" 10
	for p in $(pids_under "$d"); do
		kill -KILL "$p" 2>/dev/null || true
	done
	stop_holder "$d"
	cri_net_cleanup "$d"
	unmount_under "$d"
	rm -rf "$d" 2>/dev/null || { sleep 1; unmount_under "$d"; rm -rf "$d"; }
	if [ "$(cat "$STATE_FILE" 2>/dev/null)" = "$d" ]; then
		rm -f "$STATE_FILE"
	fi
	log "stopped and removed $d"
}

# Every pod of our containerd stopped and removed through CRI: the CNI DEL
# of each (its veth, lease and netns go), before the shims are killed.
cri_stop() {
	local d=$1
	[ -f "$d/cni/net.d/10-coldtrace.conflist" ] && [ -S "$d/containerd.sock" ] ||
		return 0
	timeout 60 /usr/bin/python3 "$CRI_CLIENT" --sock "$d/containerd.sock" \
		--gen-dir "$d/cri-gen" cleanup >&2 || log "CRI cleanup failed"
}

# What CNI made outside our dir, if a pod escaped cri_stop: network
# namespaces holding an address of our subnet, then our bridge.
cri_net_cleanup() {
	local d=$1 ns
	[ -f "$d/cni/net.d/10-coldtrace.conflist" ] || return 0
	cri_net "$d"
	for ns in $(ip netns list 2>/dev/null | cut -d ' ' -f 1); do
		ip -n "$ns" -4 addr show 2>/dev/null |
			grep -qF "inet ${CRI_SUBNET%.0/24}." || continue
		log "removing leftover netns $ns"
		ip netns delete "$ns" 2>/dev/null || true
	done
	if ip link show "$CRI_BRIDGE" >/dev/null 2>&1; then
		ip link delete "$CRI_BRIDGE" || log "cannot delete bridge $CRI_BRIDGE"
	fi
	# libcni's result cache (/var/lib/cni/results): gone if nothing else
	# uses it.
	rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
}

# Whether containerd's namespace $1 has image $2.  The list is read whole
# first: under pipefail, `ctr ... | grep -q` fails whenever ctr (which
# writes line by line) writes after grep found its line and left (SIGPIPE).
ctr_has_image() {	# NAMESPACE REF
	local list

	list=$(ctr --address "$CONTAINERD_ADDRESS" -n "$1" images ls -q) || return 1
	grep -qx "$2" <<<"$list"
}

# The pause program (static: the image holds nothing else) and the
# busybox image in CRI's namespace k8s.io, the pause one under the
# configured sandbox_image name.
cri_images() {
	local r="$CT_DIR/pause-rootfs"
	mkdir -p "$r"
	gcc -static -O2 -o "$r/pause" "$TOP/tools/pause.c" ||
		die "cannot build the pause program (gcc -static)"
	tar --numeric-owner -C "$r" -cf "$CT_DIR/pause-rootfs.tar" .
	docker import -c 'ENTRYPOINT ["/pause"]' "$CT_DIR/pause-rootfs.tar" \
		"${CRI_PAUSE_IMAGE#docker.io/}" >/dev/null
	docker save "${CRI_PAUSE_IMAGE#docker.io/}" "$IMAGE" >"$CT_DIR/cri-images.tar"
	ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import \
		"$CT_DIR/cri-images.tar" >/dev/null
	ctr_has_image k8s.io "$CRI_PAUSE_IMAGE" ||
		die "ctr import did not produce $CRI_PAUSE_IMAGE"
	rm -rf "$r" "$CT_DIR/pause-rootfs.tar" "$CT_DIR/cri-images.tar"
}

# A busybox rootfs in $1: the static binary plus one symlink per applet;
# or, when CT_BUSYBOX_TAR names a tar of one made before, that tar
# unpacked (tools/vmtest's guests: ~400 ln under software emulation take
# minutes, one tar a second).  CT_BUSYBOX: another static busybox to put
# there (tools/vmtest's arm64 guests), of the same Debian release (the
# applets are this machine's busybox's).
make_rootfs() {
	local r=$1 a bb=${CT_BUSYBOX:-/bin/busybox}
	if [ -n "${CT_BUSYBOX_TAR:-}" ]; then
		mkdir -p "$r"
		tar --numeric-owner -C "$r" -xf "$CT_BUSYBOX_TAR" ||
			die "cannot unpack $CT_BUSYBOX_TAR"
		return 0
	fi
	[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
	file -L /bin/busybox "$bb" 2>/dev/null | grep -vq 'statically linked' &&
		die "/bin/busybox or $bb is not static (apt-get install busybox-static)"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,etc,tmp,root,run,var/tmp}
	chmod 1777 "$r/tmp" "$r/var/tmp"
	cp "$bb" "$r/bin/busybox"
	for a in $(/bin/busybox --list-full); do
		[ -e "$r/$a" ] || ln -s /bin/busybox "$r/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		>"$r/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
	: >"$r/etc/hostname"
	: >"$r/etc/resolv.conf"
}

cmd_image() {
	need_root
	load_env
	local t0=$SECONDS r="$CT_DIR/image-rootfs"
	rm -rf "$r"
	make_rootfs "$r"
	tar --numeric-owner -C "$r" -cf "$CT_DIR/busybox-rootfs.tar" .
	docker import -c 'CMD ["/bin/sh"]' "$CT_DIR/busybox-rootfs.tar" "$IMAGE" >/dev/null
	# dockerd 20.10 keeps images outside containerd: import a copy for ctr.
	docker save "$IMAGE" >"$CT_DIR/busybox-image.tar"
	ctr --address "$CONTAINERD_ADDRESS" -n default images import \
		"$CT_DIR/busybox-image.tar" >/dev/null
	ctr_has_image default "$CTR_IMAGE" ||
		die "ctr import did not produce $CTR_IMAGE"
	rm -rf "$r" "$CT_DIR/busybox-image.tar"
	[ "$CT_CRI" = 1 ] && cri_images
	log "image $IMAGE ready (docker + containerd) in $((SECONDS - t0))s"
}

# OCI bundle for runc/runsc run: no terminal, no network namespace setup
# needed beyond a fresh one, args from the command line.
cmd_bundle() {
	local b=${1:-}
	[ -n "$b" ] || die "usage: harness.sh bundle DIR [ARG...]"
	shift
	[ $# -gt 0 ] || set -- true
	mkdir -p "$b"
	rm -rf "$b/rootfs" "$b/config.json"
	make_rootfs "$b/rootfs"
	(cd "$b" && runc spec)
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" \
		'.process.terminal = false | .process.args = $a |
		 .root.readonly = false | .hostname = "coldtrace"' \
		"$b/config.json" >"$b/config.json.tmp"
	mv "$b/config.json.tmp" "$b/config.json"
}

cmd_status() {
	load_env
	docker version --format 'dockerd {{.Server.Version}}' &&
		ctr --address "$CONTAINERD_ADDRESS" version | grep -m1 Version
}

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	start) cmd_start "$@" ;;
	stop) cmd_stop "$@" ;;
	image) cmd_image "$@" ;;
	bundle) cmd_bundle "$@" ;;
	env) echo "$(current_dir || die "no harness running")/env" ;;
	status) cmd_status ;;
	*) die "usage: harness.sh start|image|bundle DIR [ARG...]|env|status|stop [DIR]" ;;
	esac
}

main "$@"
