#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Build our stargz snapshotter daemon (stargz-grpc.go) with Debian's Go
# and Debian's Go packages only, offline, and print the binary's path.
#
#   tools/lazy/build.sh            build unless cached; prints the path
#   tools/lazy/build.sh versions   print Go's and the packages' versions
#
# GOPATH mode (GO111MODULE=off, GOPROXY=off): Debian installs Go library
# packages as sources under /usr/share/gocode, without go.mod files a
# module build could use.  The GOPATH of our own, in the cache dir,
# holds our daemon and the stand-in for the one package Debian lacks
# (gopath/src/k8s.io/cri-api/...: see its comment).
#
# The binary is cached under $CT_LAZY_CACHE (default
# /var/cache/coldtrace/lazy) at a key made of our sources and the
# versions of Go and the packages, so a change to either rebuilds it.
# It is named containerd-stargz-grpc, as upstream's daemon, so that its
# comm ("containerd-star") is the one a tracer keys on.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CT_LAZY_CACHE:-/var/cache/coldtrace/lazy}
GOCODE=/usr/share/gocode
# The packages the build reads (Go's standard library aside); their
# versions go into the cache key.
DEBS=(golang-go golang-github-containerd-stargz-snapshotter-dev
	golang-github-containerd-containerd-dev golang-github-hanwen-go-fuse-dev
	golang-google-grpc-dev golang-github-burntsushi-toml-dev
	golang-github-sirupsen-logrus-dev)
# What the daemon imports from Debian, and the package that has it (as
# directories: go-fuse/v2 is imported as github.com/hanwen/go-fuse/v2/...,
# which GOPATH mode finds without the /v2 through its go.mod, the
# "minimal module compatibility").
NEEDS=(
	"github.com/containerd/stargz-snapshotter/service golang-github-containerd-stargz-snapshotter-dev"
	"github.com/containerd/containerd/contrib/snapshotservice golang-github-containerd-containerd-dev"
	"github.com/hanwen/go-fuse/fuse golang-github-hanwen-go-fuse-dev"
	"google.golang.org/grpc golang-google-grpc-dev"
	"github.com/BurntSushi/toml golang-github-burntsushi-toml-dev"
	"github.com/sirupsen/logrus golang-github-sirupsen-logrus-dev"
)

die() {
	echo "lazy/build: $*" >&2
	exit 1
}

log() {
	echo "lazy/build: $*" >&2
}

versions() {
	local p
	go version 2>/dev/null || echo "go: not installed"
	for p in "${DEBS[@]}"; do
		echo "$p $(dpkg-query -W -f '${Version}' "$p" 2>/dev/null || echo missing)"
	done
}

# Every import the daemon needs is there, or we say which package gives it.
check_deps() {
	local n path pkg missing=()
	command -v go >/dev/null ||
		die "no go: apt-get install golang-go (or make deps)"
	for n in "${NEEDS[@]}"; do
		read -r path pkg <<<"$n"
		[ -d "$GOCODE/src/$path" ] || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "missing Go sources; fix: apt-get install ${missing[*]} (or make deps)"
}

# The cache key: our sources (paths and contents) and the versions.
source_key() {
	{
		(cd "$HERE" && find stargz-grpc.go gopath -type f -name '*.go' |
			LC_ALL=C sort | xargs sha256sum)
		versions
	} | sha256sum | cut -c1-16
}

build() {	# OUT
	local out=$1 work gp t0
	work=$(mktemp -d "$CACHE/build.XXXXXX")
	gp=$work/gopath
	mkdir -p "$gp/src/coldtrace/stargz-grpc"
	cp -r "$HERE/gopath/src/." "$gp/src/"
	cp "$HERE/stargz-grpc.go" "$gp/src/coldtrace/stargz-grpc/main.go"
	t0=$(date +%s%N)
	if ! (cd "$gp/src/coldtrace/stargz-grpc" &&
		GO111MODULE=off GOPROXY=off GOFLAGS='' GOPATH="$gp:$GOCODE" \
			GOCACHE="$CACHE/gocache" nice -n 10 go build -o "$work/bin" .) >&2; then
		rm -rf "$work"
		die "go build failed (above); Go and packages: $(versions | tr '\n' ' ')"
	fi
	log "built in $((($(date +%s%N) - t0) / 1000000)) ms, $(stat -c %s "$work/bin") bytes"
	mv "$work/bin" "$out"
	rm -rf "$work"
}

main() {
	local key dir
	if [ "${1:-}" = versions ]; then
		versions
		return
	fi
	[ $# -eq 0 ] || die "usage: $0 [versions]"
	check_deps
	mkdir -p "$CACHE" || die "cannot make $CACHE (run as root or set CT_LAZY_CACHE)"
	key=$(source_key)
	dir=$CACHE/$key
	if [ ! -x "$dir/containerd-stargz-grpc" ]; then
		log "building (key $key): $(versions | tr '\n' ' ')"
		mkdir -p "$dir"
		build "$dir/containerd-stargz-grpc.tmp"
		mv "$dir/containerd-stargz-grpc.tmp" "$dir/containerd-stargz-grpc"
		versions >"$dir/VERSIONS"
	fi
	echo "$dir/containerd-stargz-grpc"
}

main "$@"
