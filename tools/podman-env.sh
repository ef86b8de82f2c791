# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# shellcheck shell=bash
#
# A private rootful Podman for coldtrace's tests and recordings, sourced:
#
#   . tools/podman-env.sh
#   podman_env_init DIR      state under DIR (made if missing): storage
#                            (--root), run state (--runroot), tmpdir,
#                            events log, containers.conf, storage.conf;
#                            busybox imported as $CT_PODMAN_IMAGE
#   ct_podman ARGS...        podman with that state, cgroupfs, file events
#                            (the same command line: "${CT_PODMAN_CMD[@]}")
#   podman_id_of NAME FILE   container NAME's id: its --cidfile FILE, or
#                            its create event (Podman 5 removes the file)
#   podman_env_cleanup       remove every container, stop what is left of
#                            conmon and the runtimes under DIR, unmount,
#                            remove DIR
#   podman_env_gone DIR      whether nothing of DIR is left (no directory,
#                            no process naming it); says what is left
#
# What Podman 4.3 (Debian 12) needs on this machine:
# - No CAP_SYS_RESOURCE, even for root: podman's default ulimits make
#   "setrlimit RLIMIT_NOFILE/NPROC: Operation not permitted"; a
#   containers.conf (CONTAINERS_CONF) sets limits root may set.
# - --cgroup-manager cgroupfs (no systemd here), --events-backend file (no
#   journald): `podman events` reads DIR/events/events.log.
# - No registry: the image is `podman import` of the harness's busybox
#   rootfs (tools/harness.sh bundle), containers run with --network none.
# - Its own --root, --runroot, --tmpdir and storage configuration, so
#   /run/libpod and the host's container storage stay untouched; pulls
#   write their blob files under DIR/tmp too (image_copy_tmp_dir), so a
#   pull killed in its middle leaves nothing in /var/tmp.  Two
#   host-wide paths remain, fixed in Podman 4.3 for rootful use: netavark's
#   /run/containers/networks (an empty directory with --network none) and
#   containers/image's blob info cache /var/lib/containers/cache (written
#   by podman import).

CT_PODMAN_IMAGE=localhost/coldtrace/busybox:latest
_PODMAN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The harness's cgroup-v2 view (CT_CGROUP=v2) has no controllers (they
# stay bound to this host's v1 hierarchies): podman's default pids limit
# would make runc write a pids.max that does not exist.
_podman_v2_conf() {
	[ "${CT_CGROUP:-}" = v2 ] && echo 'pids_limit = 0'
	return 0
}

_podman_conf() {
	local d=$1
	cat >"$d/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
$(_podman_v2_conf)

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/events/events.log"
tmp_dir = "$d/tmp"
image_copy_tmp_dir = "$d/tmp"
EOF
	cat >"$d/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$d/root"
runroot = "$d/runroot"
EOF
}

# podman with DIR's state, as a command line (for timeout, coldtrace's
# -- COMMAND): CT_PODMAN_CMD.  The flags repeat the configuration files so
# that podman's argv (and that of conmon's exit command) names them.
_podman_cmd() {
	local d=$1
	CT_PODMAN_CMD=(env "CONTAINERS_CONF=$d/containers.conf"
		"CONTAINERS_STORAGE_CONF=$d/storage.conf"
		podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp"
		--cgroup-manager cgroupfs --events-backend file)
}

ct_podman() {
	"${CT_PODMAN_CMD[@]}" "$@"
}

# The id of container NAME: its --cidfile FILE, or, when Podman 5 removed
# that file with the container (--rm), podman's own create event of NAME.
# Empty if neither has it.
podman_id_of() {	# NAME FILE
	if [ -s "$2" ]; then
		cat "$2"
		return 0
	fi
	ct_podman events --stream=false --format json --filter type=container \
		--filter event=create 2>/dev/null |
		jq -r --arg n "$1" 'select(.Name == $n) | .ID' | head -n 1
}

_podman_image() {
	local d=$1
	"$_PODMAN_TOP/tools/harness.sh" bundle "$d/image" >/dev/null 2>&1 ||
		{ echo "podman-env: no busybox rootfs" >&2; return 1; }
	if ! tar --numeric-owner -C "$d/image/rootfs" -cf "$d/image.tar" . ||
		! ct_podman import -q -c 'CMD ["/bin/sh"]' "$d/image.tar" \
			"$CT_PODMAN_IMAGE" >/dev/null; then
		echo "podman-env: podman import failed" >&2
		return 1
	fi
	rm -rf "$d/image" "$d/image.tar"
}

podman_env_init() {
	local d=${1:?usage: podman_env_init DIR}
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		echo "podman-env: podman/conmon missing (tools/install-deps.sh)" >&2
		return 1
	fi
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/events"
	CT_PODMAN_DIR=$(cd "$d" && pwd)
	export CT_PODMAN_DIR
	_podman_conf "$CT_PODMAN_DIR"
	_podman_cmd "$CT_PODMAN_DIR"
	_podman_image "$CT_PODMAN_DIR"
}

# Pids whose argv names our state dir (conmon, runtimes, podman itself).
_podman_pids() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null |
			grep -qF "$CT_PODMAN_DIR/" && echo "$p"
	done
	return 0
}

podman_env_cleanup() {
	local d=${CT_PODMAN_DIR:-} p m
	[ -n "$d" ] && [ -d "$d" ] || return 0
	timeout 30 "${CT_PODMAN_CMD[@]}" rm -af -t 0 >/dev/null 2>&1 || true
	for p in $(_podman_pids); do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in $(_podman_pids); do
		kill -KILL "$p" 2>/dev/null || true
	done
	# overlay mounts and the shm mount of each container, deepest first
	awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
	rm -rf "$d"
	unset CT_PODMAN_DIR CT_PODMAN_CMD
}

podman_env_gone() {
	local d=${1:?usage: podman_env_gone DIR} left
	if [ -e "$d" ]; then
		echo "podman-env: $d left behind" >&2
		return 1
	fi
	left=$(CT_PODMAN_DIR=$d _podman_pids)
	if [ -n "$left" ]; then
		echo "podman-env: processes of $d left: $left" >&2
		return 1
	fi
}
