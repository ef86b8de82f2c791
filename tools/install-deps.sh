#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Install every build, test and experiment dependency of coldtrace from
# Debian's archive, the arm64 sysroot of `make ARCH=arm64` (on x86-64),
# then the second version set (Debian 13's runsc,
# docker.io and containerd) into a private directory for
# CT_VERSIONS=trixie, and the third (a Debian forky root filesystem) for
# CT_VERSIONS=forky (tools/harness.sh).  Idempotent: re-running it only
# checks.
set -euo pipefail

# Debian 13 binaries that run on Debian 12 (libc6 >= 2.34, or static):
# fetched with `apt-get download` through a source list, package lists
# and cache of our own, so the system's apt configuration never changes,
# and unpacked with `dpkg -x` under $CT_TRIXIE_DIR.  Its runc, crun and
# podman need libc6 >= 2.38: the trixie set keeps Debian 12's.
TRIXIE_PKGS=(runsc docker.io docker-cli containerd)
CT_TRIXIE_DIR=${CT_TRIXIE_DIR:-/opt/coldtrace/versions/trixie}

# The third set, CT_VERSIONS=forky: Debian testing's container stack
# needs glibc 2.43, so it is a whole root filesystem made by debootstrap
# (cached in $CT_FORKY_DIR), in which tools/harness.sh runs the daemons.
# runsc stays trixie's (forky's panics under ptrace and on forking shell
# loops).  MANIFEST lists the versions of the set.
FORKY_PKGS=(docker.io docker-cli containerd runc crun podman conmon
	containernetworking-plugins
	# Podman's checkpoint/restore: runc runs criu, crun loads libcriu2
	# (Debian 12's CRIU 3.17 fails on kernel 6.18: docs/results/restore.md)
	criu libcriu2)
FORKY_EXTRA=(busybox-static iproute2 procps util-linux iptables ca-certificates)
CT_FORKY_DIR=${CT_FORKY_DIR:-/opt/coldtrace/versions/forky}

# The independent truth of Go symbolization (tests/integration/gosym.sh):
# Debian 12's `go tool addr2line` (Go 1.19) cannot read the line tables
# of Go 1.20 and later (trixie's and forky's engines), so the newest
# golang-1.NN-go of forky (with its -src: Go 1.26 and later ship no
# prebuilt addr2line) is unpacked with `dpkg -x` under $CT_GO_DIR,
# fetched as the trixie set is, and its addr2line built once, as
# $CT_GO_DIR/bin/addr2line (a static binary).
CT_GO_DIR=${CT_GO_DIR:-/opt/coldtrace/versions/go}

# `make ARCH=arm64` on x86-64: Debian 12's arm64 libraries coldtrace
# links, with their headers and pkg-config files, unpacked with `dpkg -x`
# into a sysroot (fetched as the trixie set is: a source list, lists and
# cache of our own with apt told the architecture; dpkg's own
# architectures never change).  The C library is the cross compiler's
# (libc6-dev-arm64-cross).  The Makefile's SYSROOT.
SYSROOT_PKGS=(libbpf-dev libbpf1 libelf-dev libelf1 zlib1g-dev zlib1g libzstd1
	libjansson-dev libjansson4)
CT_SYSROOT_ARM64=${CT_SYSROOT_ARM64:-/opt/coldtrace/sysroot-arm64}

PKGS=(
	# build
	make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
	# the engines' JSON files (user/enrich/names.c)
	libjansson-dev
	# unit tests; tests/completion.sh drives the completion as bash does
	libcriterion-dev bash-completion
	# make fuzz: clang's libFuzzer and sanitizer runtimes (gcc's come with gcc)
	libclang-rt-dev
	# integration tests: real daemons and runtimes, local images
	docker.io containerd runc crun runsc busybox-static docker-registry
	iproute2 jq procps util-linux python3 curl
	# Compose 1.29 (tests/integration/compose.sh: created, then started)
	docker-compose
	# Podman engine tests (podman 4.3 pulls conmon; tools/podman-env.sh)
	podman conmon
	# image builds' containers (tests/integration/buildah.sh)
	buildah
	# CRI pods (CT_CRI=1 harness, tests/integration/cri/): CNI plugins in
	# /usr/lib/cni, the test's gRPC client and its stubs generated from
	# cri/api.proto (crictl is not packaged)
	containernetworking-plugins python3-grpcio python3-grpc-tools
	# experiments and plots
	gnuplot-nox stress-ng nodejs
	# pull experiments: NFQUEUE delayer (tools/netdelay), iptables rules, debootstrap images
	libnetfilter-queue-dev iptables debootstrap
	# promtool, to validate metrics.prom in the tests
	prometheus
	# investigating what the kernel sees of a runtime (docs/runsc.md)
	bpftrace
	# --why's wait sites against the field's own off-CPU tool
	# (offcputime: tests/integration/why_waits.sh)
	libbpf-tools
	# `coldtrace compare`'s statistics held to R's and SciPy's
	# (tests/compare_truth.py)
	r-base-core python3-scipy
	# make vmtest: Debian's kernels under QEMU (tools/vmtest/), their
	# initramfs (cpio, depmod) and the guest's ext4 root (mke2fs -d)
	qemu-system-x86 cpio e2fsprogs kmod
	# make vmtest ARCH=arm64: arm64 guests (qemu-system-aarch64), their
	# root made by a foreign debootstrap whose second stage runs under
	# qemu-user through binfmt_misc (tools/debian-rootfs.sh)
	qemu-system-arm qemu-user-static binfmt-support
)
# The other architecture's compiler: make ARCH=arm64 (cross build), and
# the kernel's syscall table of each architecture for
# tests/unit/test_syscalls.c (its <asm/unistd.h>).
case "$(dpkg --print-architecture)" in
amd64) PKGS+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
arm64) PKGS+=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
esac
# The lazy pulling harness's (docs/lazy.md, tools/lazy.sh; the lazy-stargz
# test).  Debian ships the stargz snapshotter's Go sources and ctr-remote
# but not its daemon, which tools/lazy/build.sh builds with Debian's Go in
# GOPATH mode from the -dev package and the Go packages its build reads
# (go-fuse, grpc, toml, logrus: also pulled in by the -dev package);
# fuse3 for the layers' FUSE mounts.  254 packages (docs/lazy.md: 5 min
# 39 s alone, with an apt-get update, on this kind of machine).
PKGS+=(golang-go golang-github-containerd-stargz-snapshotter-dev
	stargz-snapshotter golang-github-hanwen-go-fuse-dev
	golang-google-grpc-dev golang-github-burntsushi-toml-dev
	golang-github-sirupsen-logrus-dev fuse3)
[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get install)" >&2
	exit 1
fi

# debian_mirror
# shellcheck source=tools/debian-mirror.sh
. "$(dirname "$0")/debian-mirror.sh"

# Debian's archive through a list of our own under DIR, never through
# the system's apt configuration: SUITE's main (of ARCH's packages, if
# given), its package lists fetched.
private_apt() {	# DIR SUITE [ARCH]
	local a=$1
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/debs"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg${3:+ arch=$3}] $(debian_mirror) $2 main" \
		>"$a/sources.list"
	echo "${3:-}" >"$a/arch"
	papt "$a" apt-get update
}

# apt-get or apt-cache (CMD) through DIR's list (private_apt).
papt() {	# DIR CMD ARGS...
	local a=$1 cmd=$2 arch
	shift 2
	arch=$(cat "$a/arch")
	local opts=(-o "Dir::Etc::sourcelist=$a/sources.list"
		-o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$a/lists"
		-o "Dir::Cache=$a/cache" -o "APT::Sandbox::User=root" -qq)
	[ -z "$arch" ] ||
		opts+=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
	"$cmd" "${opts[@]}" "$@"
}

# Fetch and unpack the trixie set unless $CT_TRIXIE_DIR already holds
# exactly the versions listed in its manifest.
install_trixie() {
	local d=$CT_TRIXIE_DIR a=$CT_TRIXIE_DIR/apt
	if [ -s "$d/MANIFEST" ] && [ -x "$d/usr/bin/runsc" ] &&
		[ -x "$d/usr/sbin/dockerd" ] && [ -x "$d/usr/bin/containerd" ]; then
		echo "install-deps: trixie set present in $d"
		return 0
	fi
	echo "install-deps: fetching Debian 13 ${TRIXIE_PKGS[*]} into $d"
	private_apt "$a" trixie || return 1
	rm -f "$a/debs/"*.deb
	(cd "$a/debs" && papt "$a" apt-get download "${TRIXIE_PKGS[@]}")
	local f
	for f in "$a/debs/"*.deb; do
		dpkg -x "$f" "$d"
	done
	for f in "$a/debs/"*.deb; do
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"
	done >"$d/MANIFEST.tmp"
	mv "$d/MANIFEST.tmp" "$d/MANIFEST"
	rm -rf "$a/cache" "$a/debs"
	echo "install-deps: trixie set: $(paste -sd ',' "$d/MANIFEST")"
}

# forky's newest Go toolchain under $CT_GO_DIR, unless one is there.
install_go() {
	local d=$CT_GO_DIR a=$CT_GO_DIR.apt pkg f
	if [ -s "$d/MANIFEST" ] && [ -x "$d/bin/addr2line" ]; then
		echo "install-deps: Go toolchain present in $d"
		return 0
	fi
	private_apt "$a" forky || return 1
	pkg=$(papt "$a" apt-cache pkgnames golang-1. |
		grep -E '^golang-1\.[0-9]+-go$' | sort -V | tail -n 1)
	[ -n "$pkg" ] || { echo "install-deps: no golang-1.NN-go in forky" >&2; return 1; }
	echo "install-deps: fetching forky's $pkg into $d"
	(cd "$a/debs" && papt "$a" apt-get download "$pkg" "${pkg%-go}-src")
	rm -rf "$d.tmp"
	for f in "$a/debs/"*.deb; do
		dpkg -x "$f" "$d.tmp"
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"
	done >"$a/MANIFEST"
	mv "$a/MANIFEST" "$d.tmp/MANIFEST"
	GOROOT=$(echo "$d.tmp"/usr/lib/go-*) GOTOOLCHAIN=local GOFLAGS='' \
		GOCACHE=$a/gocache CGO_ENABLED=0 \
		"$(echo "$d.tmp"/usr/lib/go-*/bin/go)" build -o "$d.tmp/bin/addr2line" cmd/addr2line
	rm -rf "$d"
	mv "$d.tmp" "$d"
	rm -rf "$a"
	echo "install-deps: Go toolchain: $(paste -sd ',' "$d/MANIFEST")"
}

# The arm64 sysroot of a cross build, unless its manifest lists exactly
# SYSROOT_PKGS (x86-64 hosts only: an arm64 host builds natively).
install_sysroot() {
	local d=$CT_SYSROOT_ARM64 a=$CT_SYSROOT_ARM64.apt f
	[ "$(dpkg --print-architecture)" = amd64 ] || return 0
	if [ -s "$d/MANIFEST" ] && [ "$(awk '{ print $1 }' "$d/MANIFEST" | sort)" = \
		"$(printf '%s\n' "${SYSROOT_PKGS[@]}" | sort)" ]; then
		echo "install-deps: arm64 sysroot present in $d"
		return 0
	fi
	echo "install-deps: fetching arm64 ${SYSROOT_PKGS[*]} into $d"
	private_apt "$a" bookworm arm64 || return 1
	rm -f "$a/debs/"*.deb
	(cd "$a/debs" && papt "$a" apt-get download "${SYSROOT_PKGS[@]}")
	rm -rf "$d.tmp"
	for f in "$a/debs/"*.deb; do
		dpkg -x "$f" "$d.tmp"
	done
	# absolute symlinks (zlib1g-dev's libz.so) would point into the host
	find "$d.tmp" -type l -lname '/*' -exec sh -c \
		'ln -sfnr "$1$(readlink "$2")" "$2"' sh "$d.tmp" {} \;
	for f in "$a/debs/"*.deb; do
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"
	done >"$d.tmp/MANIFEST"
	rm -rf "$d"
	mv "$d.tmp" "$d"
	rm -rf "$a"
	echo "install-deps: arm64 sysroot: $(paste -sd ',' "$d/MANIFEST")"
}

# A present forky tree made before a package joined FORKY_PKGS: install
# what it lacks with the tree's own apt, from debootstrap's sources.list
# (the mirror, re-pointed if the host's changed; stale lists would name
# versions testing has dropped, hence the update; forky's Release may be
# past its Valid-Until date).  A policy-rc.d keeps package scripts from
# starting daemons (the harness starts its own).
complete_forky() {
	local d=$1 p rc=0 missing=() src policy=$1/usr/sbin/policy-rc.d
	for p in "${FORKY_PKGS[@]}"; do
		[ "$(chroot "$d" dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = \
			'install ok installed' ] || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "install-deps: forky set present in $d"
		return 0
	fi
	echo "install-deps: installing ${missing[*]} into the forky set in $d"
	src="deb $(debian_mirror) forky main"
	grep -qxF "$src" "$d/etc/apt/sources.list" 2>/dev/null ||
		echo "$src" >"$d/etc/apt/sources.list"
	if [ -e "$policy" ]; then
		policy=	# the tree's own: left as it is
	else
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
	fi
	# apt-get's status, not set -e: the policy goes whatever happens
	chroot "$d" apt-get -qq -o Acquire::Check-Valid-Until=false update &&
		chroot "$d" env DEBIAN_FRONTEND=noninteractive apt-get install \
			-y -qq --no-install-recommends "${missing[@]}" || rc=$?
	[ -z "$policy" ] || rm -f "$policy"
	if [ $rc -ne 0 ]; then
		echo "install-deps: apt-get in $d failed ($rc)" >&2
		return $rc
	fi
	rm -rf "$d/var/cache/apt/archives/"*.deb
	chroot "$d" dpkg-query -W "${FORKY_PKGS[@]}" >"$d/MANIFEST.tmp"
	mv "$d/MANIFEST.tmp" "$d/MANIFEST"
	echo "install-deps: forky set: $(paste -sd ',' "$d/MANIFEST")"
}

# debootstrap the forky tree unless $CT_FORKY_DIR holds one with its
# manifest (then only complete it).  Debian 12's debootstrap has no
# script for forky: testing's is sid's.
install_forky() {
	local d=$CT_FORKY_DIR t=$CT_FORKY_DIR.tmp script inc
	if [ -s "$d/MANIFEST" ] && [ -x "$d/usr/sbin/dockerd" ] &&
		[ -x "$d/usr/bin/containerd" ] && [ -x "$d/usr/bin/podman" ]; then
		complete_forky "$d"
		return
	fi
	script=/usr/share/debootstrap/scripts/forky
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	inc=$(IFS=,; echo "${FORKY_PKGS[*]},${FORKY_EXTRA[*]}")
	echo "install-deps: debootstrap of Debian forky into $d (${FORKY_PKGS[*]})"
	rm -rf "$t"
	debootstrap --variant=minbase --include="$inc" forky "$t" \
		"$(debian_mirror)" "$script"
	chroot "$t" dpkg-query -W "${FORKY_PKGS[@]}" >"$t/MANIFEST"
	rm -rf "$t/var/cache/apt/archives/"*.deb
	mv "$t" "$d"
	echo "install-deps: forky set: $(paste -sd ',' "$d/MANIFEST")"
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	install_sysroot
	install_trixie
	install_forky
	install_go
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting system daemons: coldtrace's tests run
# their own private dockerd/containerd.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_sysroot
install_trixie
install_forky
install_go
