#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Install every build, test and experiment dependency of coldtrace from
# Debian's archive.  Idempotent: re-running it only checks.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
	# unit tests
	libcriterion-dev
	# integration tests: real daemons and runtimes, local images
	docker.io containerd runc crun runsc busybox-static docker-registry
	iproute2 jq procps util-linux python3 curl
	# experiments and plots
	gnuplot-nox stress-ng nodejs
	# promtool, to validate metrics.prom in the tests
	prometheus
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get install)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
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
