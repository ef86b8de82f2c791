#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Debian's stock kernels for `make vmtest`, fetched once and kept.
#
#   tools/vmtest/kernels.sh [--arch x86|arm64] NAME...
#     NAME: 5.10 6.1 6.12 7.2; the architecture's flavour (amd64, arm64:
#     the same releases are built for both); prints, per NAME, the
#     directory holding its vmlinuz and
#     lib/modules/<release>/ (dpkg -x of the package, then depmod),
#     fetching the
#     package first if that directory is not complete yet.
#
# The packages come from the suites that ship them, through a source
# list, package lists and apt cache of our own (the system's apt
# configuration never changes), as tools/install-deps.sh does for
# trixie; another architecture's through the same list, with apt told
# that architecture (APT::Architecture), never dpkg's.  Cache:
# $CT_VMTEST_CACHE (default /var/cache/coldtrace-vmtest), kernels/<release>/
# and apt/<suite>[-arm64]/; shared by whoever runs the tests.
set -euo pipefail

CACHE=${CT_VMTEST_CACHE:-/var/cache/coldtrace-vmtest}
# Debian's name of the guests' architecture (--arch)
DEBARCH=amd64

die() {
	echo "vmtest-kernels: $*" >&2
	exit 1
}

log() {
	echo "vmtest-kernels: $*" >&2
}

# NAME -> "suite release package...": the image package, and, where it
# is split (forky), the packages of the image itself (linux-binary-*,
# at usr/lib/modules/<release>/vmlinuz) and of the modules.  The release
# is the same on every architecture but for its flavour suffix.
kernel_of() {
	local s r
	case "$1" in
	5.10) s=bullseye r=5.10.0-32 ;;
	6.1) s=bookworm r=6.1.0-50 ;;
	6.12) s=trixie r=6.12.107+deb13 ;;
	7.2) s=forky r=7.2.12+deb14 ;;
	*) die "unknown kernel '$1' (known: 5.10 6.1 6.12 7.2)" ;;
	esac
	r=$r-$DEBARCH
	case "$1" in
	7.2) echo "$s $r linux-image-$r linux-binary-$r linux-modules-$r" ;;
	*) echo "$s $r linux-image-$r" ;;
	esac
}

# debian_mirror
# shellcheck source=tools/debian-mirror.sh
. "$(dirname "$0")/../debian-mirror.sh"

# A stable suite's kernels move to -updates and -security between point
# releases: list all three.  forky (testing) has neither; its Release may
# be past its Valid-Until date.
write_sources() {
	local suite=$1 f=$2 m k=/usr/share/keyrings/debian-archive-keyring.gpg
	m=$(debian_mirror)
	{
		echo "deb [signed-by=$k] $m $suite main"
		if [ "$suite" != forky ]; then
			echo "deb [signed-by=$k] $m $suite-updates main"
			echo "deb [signed-by=$k] ${m%/debian*}/debian-security $suite-security main"
		fi
	} >"$f"
}

fetch() {
	local suite=$1 rel=$2 dir=$3
	shift 3
	local a=$CACHE/apt/$suite tmp p f debs=()
	[ "$DEBARCH" = amd64 ] || a=$a-$DEBARCH
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/debs"
	write_sources "$suite" "$a/sources.list"
	local opts=(-o "Dir::Etc::sourcelist=$a/sources.list"
		-o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$a/lists"
		-o "Dir::Cache=$a/cache" -o "APT::Sandbox::User=root"
		-o "Acquire::Check-Valid-Until=false"
		-o "APT::Architecture=$DEBARCH" -o "APT::Architectures=$DEBARCH" -qq)
	# The .deb files stay in apt/SUITE/debs: unpacking again needs no
	# network.
	for p in "$@"; do
		f=$(ls "$a/debs/${p}_"*.deb 2>/dev/null | head -n 1) || true
		if [ -z "$f" ]; then
			log "fetching $p ($suite)"
			[ -s "$a/lists/.updated" ] || {
				apt-get "${opts[@]}" update || die "apt-get update ($suite) failed"
				date >"$a/lists/.updated"
			}
			(cd "$a/debs" && apt-get "${opts[@]}" download "$p") ||
				die "apt-get download $p failed"
			f=$(ls "$a/debs/${p}_"*.deb | head -n 1)
		fi
		debs+=("$f")
	done
	tmp=$(mktemp -d "$CACHE/kernels/.fetch.XXXXXX")
	# shellcheck disable=SC2064 # die exits: RETURN would not clean up
	trap "rm -rf '$tmp'" EXIT
	for f in "${debs[@]}"; do
		dpkg -x "$f" "$tmp/root"
	done
	mkdir -p "$tmp/k/lib"
	for f in "$tmp/root/boot/vmlinuz-$rel" "$tmp/root/usr/lib/modules/$rel/vmlinuz"; do
		[ -s "$f" ] && mv "$f" "$tmp/k/vmlinuz"
	done
	[ -s "$tmp/k/vmlinuz" ] || die "no vmlinuz of $rel in $*"
	if [ -d "$tmp/root/usr/lib/modules/$rel" ]; then
		mv "$tmp/root/usr/lib/modules" "$tmp/k/lib/modules"
	else
		mv "$tmp/root/lib/modules" "$tmp/k/lib/modules"
	fi
	# The package's postinst makes modules.dep: make it here.
	depmod -b "$tmp/k" "$rel" || die "depmod $rel failed"
	[ -s "$tmp/k/lib/modules/$rel/modules.dep" ] || die "no modules.dep for $rel"
	for f in "${debs[@]}"; do
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"
	done >"$tmp/k/MANIFEST"
	rm -rf "$dir"
	mv "$tmp/k" "$dir"
	rm -rf "$tmp"
	trap - EXIT
	log "$dir: $(paste -sd ',' "$dir/MANIFEST")"
}

main() {
	if [ "${1:-}" = --arch ]; then
		case "${2:-}" in
		x86) DEBARCH=amd64 ;;
		arm64) DEBARCH=arm64 ;;
		*) die "--arch: x86 or arm64" ;;
		esac
		shift 2
	fi
	[ $# -gt 0 ] || die "usage: $0 [--arch x86|arm64] 5.10|6.1|6.12|7.2 ..."
	[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get, dpkg -x)"
	mkdir -p "$CACHE/kernels"
	local n suite rel pkgs dir
	for n in "$@"; do
		read -r suite rel pkgs <<<"$(kernel_of "$n")"
		dir=$CACHE/kernels/$rel
		if ! [ -s "$dir/MANIFEST" ] || ! [ -s "$dir/vmlinuz" ]; then
			# shellcheck disable=SC2086 # pkgs: a list of package names
			fetch "$suite" "$rel" "$dir" $pkgs
		fi
		echo "$dir"
	done
}

main "$@"
