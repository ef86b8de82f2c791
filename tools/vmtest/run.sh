#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# coldtrace on Debian's kernels under QEMU (`make vmtest`).
#
#   tools/vmtest/run.sh [--arch ARCH] [--coldtrace PATH] [--kernel LIST]
#                       [--docker LIST]
#     --arch ARCH       the guests' architecture, x86 or arm64 (default:
#                       $VMTEST_ARCH, else x86): Debian's kernels of that
#                       flavour, a root disk of that architecture, and
#                       qemu-system-x86_64 or qemu-system-aarch64 -machine
#                       virt (software emulation either way)
#     --coldtrace PATH  the binary to test (default: $COLDTRACE, else the
#                       tree's ./coldtrace); given again with a binary of
#                       another architecture, that one's (default: the
#                       tree's .output-ARCH/coldtrace, make ARCH=ARCH)
#     --kernel LIST     kernels to boot, space or comma separated, from
#                       5.10 6.1 6.12 7.2 (default: $VMTEST_KERNELS, else
#                       all four); ARCH:NAME (arm64:6.12) is a guest of
#                       another architecture than --arch's: all share
#                       the VMTEST_JOBS lanes, started in the list's order;
#                       NAME@G+G... (6.12@docker) a guest that runs those
#                       test groups only, docker's if named, so that one
#                       kernel's groups can run in two lanes
#     --docker LIST     kernels whose guest also runs dockerd + containerd
#                       with runc, crun and runsc (default:
#                       $VMTEST_DOCKER_KERNELS, else "6.1 6.12"), named
#                       as in --kernel
# Per kernel: its package is fetched once (kernels.sh), the initramfs
# made once (initramfs.sh), the Debian 12 root disk shared by all
# (image.sh, opened read-only: snapshot=on); a scratch folder with the
# binary, tools/harness.sh and the guest's scripts is shared over 9p,
# and the guest writes its log there.  Prints the guest's test lines, a
# line per kernel, a summary (each kernel's line, and what failed), and
# "vmtest: N passed, N failed" (kernels); exit 1 if any failed.  Logs:
# $VMTEST_OUT (default .output/vmtest)/<kernel>/ (the guest's log, its
# console, coldtrace's outputs and stderr in files/; a guest whose
# kernel died or hung and was run again: the dead run's in
# <kernel>.first/).
# Other knobs: VMTEST_TIMEOUT (s per guest, 1200: the guest's tests stop
# 120 s before, saying where they were), VMTEST_HANG (s without the
# guest's heartbeat before it counts as hung, 180), VMTEST_MEM (MiB,
# 2048), VMTEST_SMP (2), VMTEST_ITER (loop rounds: 2 opens each, 50),
# VMTEST_ACCEL (tcg,thread=single; kvm where it works), VMTEST_JOBS
# (guests at once: the host's CPUs with thread=single and no bench, else
# 1; a guest's lines come whole when it ends), VMTEST_GROUPS (the
# guest's test groups: "load direct steady docker"; "bench" is the
# steady-state ratios, tools/vmtest/README.md), VMTEST_BENCH_ROUNDS (5)
# and VMTEST_BENCH_CONFIGS (the bench's configurations besides none,
# e.g. "steady"), VMTEST_ICOUNT (QEMU's -icount value, e.g. "shift=0":
# a guest clock that counts instructions, for the bench).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=tools/vmtest/lib.sh
. "$HERE/lib.sh"
COLDTRACE=${COLDTRACE:-$TOP/coldtrace}
KERNELS=${VMTEST_KERNELS:-5.10 6.1 6.12 7.2}
DOCKER_KERNELS=${VMTEST_DOCKER_KERNELS:-6.1 6.12}
OUT=${VMTEST_OUT:-$TOP/.output/vmtest}
TIMEOUT=${VMTEST_TIMEOUT:-1200}
HANG_S=${VMTEST_HANG:-180}
MEM=${VMTEST_MEM:-2048}
SMP=${VMTEST_SMP:-2}
ITER=${VMTEST_ITER:-50}
# One host thread runs both vCPUs in turn: with a thread each (QEMU's
# default), a vCPU now and then ran kernel text the other had just
# patched (a trampoline or tracepoint attached or detached) and the
# guest died, int3 in __schedule or bprm_execve (docs/results/vmtest.md).
# The guest keeps two CPUs: IPIs, migration and preemption as on a node.
ACCEL=${VMTEST_ACCEL:-tcg,thread=single}
# The guest's clock counts instructions (QEMU's -icount: shift=0 is 1 ns
# an instruction): the bench's ratios then no longer depend on what else
# the host runs, but weigh every instruction the same
# (docs/results/steady-state.md "By instruction count").
ICOUNT=${VMTEST_ICOUNT:+-icount $VMTEST_ICOUNT}
TEST_GROUPS=${VMTEST_GROUPS:-load direct steady docker}
# Pure cgroup v2: no v1 hierarchy can be mounted at all.  no_timer_check:
# on a busy host the emulated timer misses the kernel's IO-APIC check
# ("IO-APIC + timer doesn't work!", a panic seen with 7.2).
APPEND="loglevel=5 panic=-1 no_timer_check systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
# --arch: the architecture of the guests named without ARCH:, which
# use_arch's ARCH (the guest being prepared or run) never changes.
GUESTS_ARCH=${VMTEST_ARCH:-x86}
ARCH=$GUESTS_ARCH
HOST_ARCH=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
# Per architecture: its binary, root disk and busybox; per guest (its
# name in KERNELS): its kernel's directory (prepare_arch).
declare -A CT_OF=() IMG_OF=() BUSYBOX_OF=() KDIR_OF=()

die() {
	echo "vmtest: $*" >&2
	exit 1
}

# A line of the output that the summary at the end repeats.
said() {	# LINE
	echo "$1"
	echo "$1" >>"$SUMMARY"
}

usage() {
	sed -n '4,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

# The shared folder of one boot: the binary, the scripts the guest runs,
# its configuration; out/ is where the guest writes.
make_share() {	# DIR DOCKER(0|1) GROUPS
	local s=$1
	mkdir -p "$s/tools/vmtest" "$s/out"
	cp "$COLDTRACE" "$s/coldtrace"
	cp "$TOP/tools/harness.sh" "$TOP/tools/procs.sh" "$TOP/tools/registry.sh" \
		"$s/tools/"
	cp "$HERE/guest-init.sh" "$HERE/guest-tests.sh" "$HERE/lib.sh" \
		"$s/tools/vmtest/"
	printf 'VMTEST_DOCKER=%s\nITER=%s\nVMTEST_GROUPS="%s"\nGUEST_TIMEOUT=%d\n' \
		"$2" "$ITER" "$3" $((TIMEOUT > 240 ? TIMEOUT - 120 : TIMEOUT / 2)) \
		>"$s/config"
	if [ -n "${VMTEST_BENCH_ROUNDS:-}" ]; then
		printf 'BENCH_ROUNDS=%d\n' "$VMTEST_BENCH_ROUNDS" >>"$s/config"
	fi
	if [ -n "${VMTEST_BENCH_CONFIGS:-}" ]; then
		printf 'BENCH_CONFIGS="%s"\n' "$VMTEST_BENCH_CONFIGS" >>"$s/config"
	fi
	# The busybox rootfs of the guest's bundles and image, made here:
	# in the guest its ~400 symlinks take minutes (CT_BUSYBOX_TAR).
	# The bench group's host loops (tools/bench/sysbench.c), static:
	# the guest has no compiler.
	case " $3 " in
	*" bench "*)
		"$GUEST_CC" -O2 -static -Wall -Wextra -Werror -o "$s/sysbench" \
			"$TOP/tools/bench/sysbench.c" || die "cannot build sysbench.c"
		# the floor-fentry configuration's empty programs, built as
		# tools/bench builds them (the guest has libbpf1 of the same
		# release as this host); floor.bpf.c hooks x86-64's syscall
		# functions: no floor configurations in arm64 guests (and the
		# rest of this setup still runs: a "return" here left their
		# bench without its bundle)
		if [ "$ARCH" = x86 ]; then
			# shellcheck disable=SC2016 # $1, $2: the inner shell's
			bash -c '. "$1/tools/bench/lib.sh" && WORK=$2 && build_floor' \
				build_floor "$TOP" "$s" ||
				die "cannot build tools/bench/floor"
		fi
		;;
	esac
	CT_BUSYBOX=$BUSYBOX "$TOP/tools/harness.sh" bundle "$s/b" >/dev/null
	tar --numeric-owner -C "$s/b/rootfs" -cf "$s/busybox-rootfs.tar" .
	rm -rf "$s/b"
}

# Boot kernel directory KDIR with the shared folder SHARE; the console
# goes to LOG.  Returns QEMU's status, 124 if it ran out of TIMEOUT, 125
# if the guest's heartbeat (lib.sh) stopped for HANG_S: its kernel hung.
boot() {	# KDIR INITRD IMG SHARE LOG
	local q t0 beat now st
	# shellcheck disable=SC2086 # ICOUNT: no option, or one and its value
	# shellcheck disable=SC2086 # QEMU_MACHINE: a list of options
	"$QEMU" $QEMU_MACHINE -accel "$ACCEL" $ICOUNT \
		-m "$MEM" -smp "$SMP" -no-reboot -display none -monitor none \
		-serial "file:$5" -nic none \
		-kernel "$1/vmlinuz" -initrd "$2" -append "$CONSOLE $APPEND" \
		-drive "file=$3,if=virtio,format=raw,snapshot=on" \
		-virtfs "local,path=$4,mount_tag=vmtest,security_model=none,id=vmtest" \
		</dev/null &
	q=$!
	t0=$(date +%s)
	while alive "$q"; do
		sleep 2
		now=$(date +%s)
		# before the first beat, the boot counts as one
		beat=$(stat -c %Y "$4/out/heartbeat" 2>/dev/null) || beat=$t0
		if [ $((now - beat)) -ge "$HANG_S" ]; then
			st=125
		elif [ $((now - t0)) -ge "$TIMEOUT" ]; then
			st=124
		else
			continue
		fi
		kill -KILL "$q" 2>/dev/null
		wait "$q" 2>/dev/null	# bash's "Killed" notice
		return "$st"
	done
	wait "$q"
}

# A guest's architecture and kernel name: ARCH:NAME, or NAME of --arch's.
spec_arch() {	# SPEC
	case "$1" in *:*) echo "${1%%:*}" ;; *) echo "$GUESTS_ARCH" ;; esac
}

# The kernel's name (6.12) of a guest's spec ([ARCH:]NAME[@G+G...]).
spec_kernel() {	# SPEC
	local k=${1##*:}
	echo "${k%%@*}"
}

spec_full() {	# SPEC
	echo "$(spec_arch "$1"):$(spec_kernel "$1")"
}

# The guest's test groups: its spec's, else VMTEST_GROUPS'.
spec_groups() {	# SPEC
	case "$1" in
	*@*) echo "${1#*@}" | tr + ' ' ;;
	*) echo "$TEST_GROUPS" ;;
	esac
}

# Guests at once: with one host thread each, one per host CPU; one if
# any guest runs the bench, whose ratios another guest's load would blur.
lanes() {
	local k all=
	for k in $KERNELS; do
		all+=" $(spec_groups "$k")"
	done
	case " $ACCEL $all " in
	*" bench "*) echo "${VMTEST_JOBS:-1}" ;;
	*thread=single*) echo "${VMTEST_JOBS:-$(nproc)}" ;;
	*) echo "${VMTEST_JOBS:-1}" ;;
	esac
}

# One kernel: boot, then the guest's verdict.  Prints the kernel's line.
run_kernel() {	# NAME KDIR IMG
	local name=$1 kdir=$2 img=$3 rel initrd share log d=0 t0 rc=0 k groups
	# a guest of some groups only has its own folder: 6.12.107+deb13-amd64@docker
	rel=$(basename "$kdir")${name#"${name%%@*}"}
	initrd=$("$HERE/initramfs.sh" "$kdir" "$BUSYBOX") || { echo "vmtest: $name: FAIL (no initramfs)"; return 1; }
	groups=$(spec_groups "$name")
	case "$name" in
	*@*) [[ " $groups " != *" docker "* ]] || d=1 ;;
	*) for k in $DOCKER_KERNELS; do
		[ "$(spec_full "$k")" = "$(spec_full "$name")" ] && d=1
	done ;;
	esac
	mkdir -p "$OUT/$rel"
	share=$(mktemp -d /tmp/vmtest-share.XXXXXX)
	# shellcheck disable=SC2064 # this boot's folder, also when stopped
	trap "rm -rf '$share'" EXIT
	make_share "$share" "$d" "$groups"
	log=$OUT/$rel/console.log
	t0=$(date +%s)
	echo "vmtest: $name ($rel): booting$([ $d = 1 ] && echo ', with docker')"
	boot "$kdir" "$initrd" "$img" "$share" "$log" || rc=$?
	cp -r "$share/out/." "$OUT/$rel/" 2>/dev/null || true
	rm -rf "$share"
	trap - EXIT
	grep '^vmtest: ' "$OUT/$rel/log" 2>/dev/null | sed "s/^vmtest: /vmtest: [$name] /" || true
	local verdict
	verdict=$(grep -E '^vmtest: .*: [0-9]+ passed, [0-9]+ failed$' "$OUT/$rel/log" 2>/dev/null |
		tail -n 1 | sed 's/.*: \([0-9]* passed, [0-9]* failed\)$/\1/') || true
	if [ "$rc" -eq 0 ] && [ -n "$verdict" ] && [ "$(cut -d' ' -f1 "$OUT/$rel/rc")" = 0 ]; then
		said "vmtest: $name ($rel): PASS, $verdict, $(($(date +%s) - t0)) s"
		# a test that failed once and passed once more (guest-tests.sh's run)
		grep '^vmtest: FLAKY ' "$OUT/$rel/log" |
			sed "s/^vmtest: /vmtest:   [$name] /" >>"$SUMMARY" || true
		return 0
	fi
	if [ -z "$verdict" ] && grep -q '^vmtest: FAIL out of time' "$OUT/$rel/log" 2>/dev/null; then
		verdict="out of time"	# guest-init.sh's deadline
	elif [ "$rc" -eq 125 ]; then
		verdict="the guest's kernel hung (no heartbeat for $HANG_S s)"
		tail -n 20 "$log" | sed 's/^/  console: /'
	elif [ -z "$verdict" ]; then
		verdict="no result (QEMU status $rc)"
		tail -n 20 "$log" | sed 's/^/  console: /'
	fi
	said "vmtest: $name ($rel): FAIL, $verdict, $(($(date +%s) - t0)) s; logs in $OUT/$rel"
	# what failed, again in the summary: CI shows the end of the output
	grep -m 8 '^vmtest: FAIL ' "$OUT/$rel/log" 2>/dev/null |
		sed "s/^vmtest: /vmtest:   [$name] /" >>"$SUMMARY"
	[ -s "$OUT/$rel/log" ] || echo "vmtest:   [$name] no log; console: $(tail -n 1 "$log")" >>"$SUMMARY"
	# the guest kernel itself died or hung (seen under TCG with two
	# emulated CPUs: a double fault in kmalloc, an int3 in
	# ttwu_do_activate, minutes with no output): status 2
	[ "$rc" -eq 125 ] && return 2
	grep -qE 'Kernel panic|Oops:' "$log" && return 2
	return 1
}

# A guest whose kernel died or hung runs once more, as
# tests/integration/run.sh retries a failed test, and is named FLAKY with
# its first oops line.  The dead run's console and files stay in
# <kernel>.first/: the oops's backtrace is what says where it died.
run_kernel_retry() {	# NAME KDIR IMG
	local rc=0 oops dir
	dir=$OUT/$(basename "$2")${1#"${1%%@*}"}
	run_kernel "$@" || rc=$?
	[ "$rc" -eq 2 ] || return "$rc"
	oops=$(grep -m1 -E 'Oops:|Kernel panic' "$dir/console.log") ||
		oops="hung: no heartbeat for $HANG_S s"
	rm -rf "$dir.first"
	mv "$dir" "$dir.first"
	said "vmtest: $1: the guest's kernel stopped ($oops; its logs in $dir.first); once more"
	run_kernel "$@" || return 1
	echo "vmtest: FLAKY $1 (first run: $oops; its logs in $dir.first)" \
		>>"$OUT/flaky.$1"
}

# One kernel in the background: its lines to $OUT/out.NAME, its summary
# lines to $OUT/summary.NAME; the status is run_kernel_retry's.  Its
# architecture's emulator, binary and busybox are set here, in the
# lane's own shell.
lane() {	# NAME KDIR IMG
	local rc=0
	use_arch "$(spec_arch "$1")"
	SUMMARY=$OUT/summary.$1
	rm -f "$OUT/flaky.$1"
	: >"$SUMMARY"
	run_kernel_retry "$@" >"$OUT/out.$1" 2>&1 || rc=$?
	return "$rc"
}

# The guests, JOBS at once, each printed whole when it ends (lines of
# guests running side by side would interleave).  Sets PASS and FAILN.
run_all() {
	local k n=0
	local -A name_of=()
	for k in $KERNELS; do
		while [ "$n" -ge "$JOBS" ]; do
			reap
			n=$((n - 1))
		done
		echo "vmtest: $k: started"
		lane "$k" "${KDIR_OF[$k]}" "${IMG_OF[$(spec_arch "$k")]}" &
		name_of[$!]=$k
		n=$((n + 1))
	done
	while [ "$n" -gt 0 ]; do
		reap
		n=$((n - 1))
	done
}

# Wait for the next guest to end (run_all's name_of), print its lines.
reap() {
	local pid rc=0
	wait -n -p pid || rc=$?
	cat "$OUT/out.${name_of[$pid]}"
	if [ "$rc" -eq 0 ]; then
		PASS=$((PASS + 1))
	else
		FAILN=$((FAILN + 1))
	fi
}

# The emulator and its machine for ARCH.  arm64: QEMU's virt board (no
# firmware needed with -kernel), every feature QEMU emulates (-cpu max)
# but with the implementation-defined pointer authentication instead of
# QARMA, whose emulation costs Debian's kernels (built with in-kernel
# PAC) much time and changes no code path coldtrace takes.
use_arch() {	# ARCH
	local gcc=cc
	[ "$1" = "$HOST_ARCH" ] || gcc=$(cross_triple "$1")-gcc
	case "$1" in
	x86) QEMU=qemu-system-x86_64 QEMU_MACHINE="-cpu max"
		CONSOLE=console=ttyS0 ;;
	arm64) QEMU=qemu-system-aarch64
		QEMU_MACHINE="-machine virt -cpu ${VMTEST_CPU:-max,pauth-impdef=on}"
		CONSOLE=console=ttyAMA0 ;;
	*) die "unknown architecture '$1' (x86, arm64)" ;;
	esac
	ARCH=$1 GUEST_CC=$gcc COLDTRACE=${CT_OF[$1]:-} BUSYBOX=${BUSYBOX_OF[$1]:-}
}

cross_triple() {	# ARCH
	case "$1" in x86) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac
}

# The binary of ARCH: CT_OF[ARCH], given or the tree's; checked to be one.
binary_of() {	# ARCH
	local b=${CT_OF[$1]:-}
	if [ -z "$b" ]; then
		b=$TOP/.output-$1/coldtrace
		[ "$1" = "$HOST_ARCH" ] && b=$TOP/coldtrace
	fi
	b=$(readlink -f "$b")
	[ -x "$b" ] || die "no $1 coldtrace at $b (make ARCH=$1, or --coldtrace PATH)"
	[ "$(elf_arch "$b")" = "$1" ] || die "$b is not an $1 binary (make ARCH=$1)"
	CT_OF[$1]=$b
}

# x86 or arm64, from the ELF header's e_machine (62, 183)
elf_arch() {	# FILE
	case "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" in
	62) echo x86 ;; 183) echo arm64 ;; *) echo unknown ;;
	esac
}

# The static busybox of ARCH's guests (initramfs, bundles): the host's,
# or the one in the root disk's tar, taken out once.
busybox_of() {	# ARCH IMG
	local b=/bin/busybox
	if [ "$1" != "$HOST_ARCH" ]; then
		b=${2%.img}.busybox
		[ -s "$b" ] || { tar -xOf "${2%.img}.tar" ./usr/bin/busybox >"$b.tmp" &&
			chmod 0755 "$b.tmp" && mv "$b.tmp" "$b"; } ||
			die "no busybox in ${2%.img}.tar"
	fi
	BUSYBOX_OF[$1]=$b
}

# What the guests of ARCH share, made once before any boots: the binary,
# the root disk, the busybox, the kernels (KDIR_OF, by guest name).
prepare_arch() {	# ARCH
	local a=$1 k names=() specs=() kdirs list i
	for k in $KERNELS; do
		[ "$(spec_arch "$k")" = "$a" ] || continue
		specs+=("$k")
		names+=("$(spec_kernel "$k")")
	done
	use_arch "$a"
	command -v "$QEMU" >/dev/null || die "$QEMU missing (tools/install-deps.sh)"
	binary_of "$a"
	IMG_OF[$a]=$("$HERE/image.sh" "$a") || die "no $a root disk image"
	busybox_of "$a" "${IMG_OF[$a]}"
	list=$("$HERE/kernels.sh" --arch "$a" "${names[@]}") || die "no $a kernels"
	read -r -a kdirs <<<"$(tr "\n" " " <<<"$list")"
	[ "${#kdirs[@]}" -eq "${#specs[@]}" ] || die "no $a kernels"
	for i in "${!specs[@]}"; do
		KDIR_OF[${specs[$i]}]=${kdirs[$i]}
	done
}

main() {
	local cts=() c
	while [ $# -gt 0 ]; do
		case "$1" in
		--arch) GUESTS_ARCH=${2:?}; shift 2 ;;
		--coldtrace) cts+=("${2:?}"); shift 2 ;;
		--kernel) KERNELS=${2:?}; shift 2 ;;
		--docker) DOCKER_KERNELS=${2?}; shift 2 ;;
		-h | --help) usage ;;
		*) usage ;;
		esac
	done
	KERNELS=${KERNELS//,/ }
	DOCKER_KERNELS=${DOCKER_KERNELS//,/ }
	[ "$(id -u)" -eq 0 ] || die "must run as root (kernel packages, debootstrap)"
	# --arch's binary: the first --coldtrace, else $COLDTRACE
	[ -n "${cts[0]:-}" ] || cts=("$COLDTRACE")
	for c in "${cts[@]}"; do
		[ -f "$c" ] || die "no coldtrace binary at $c (make, or --coldtrace PATH)"
		CT_OF[$(elf_arch "$c")]=$c
	done
	local t0=$SECONDS a archs
	archs=$(for k in $KERNELS; do spec_arch "$k"; done | sort -u)
	for a in $archs; do
		prepare_arch "$a"
		echo "vmtest: coldtrace ${CT_OF[$a]} ($a)"
	done
	JOBS=$(lanes)
	echo "vmtest: kernels $KERNELS (docker on: $DOCKER_KERNELS); $JOBS at once"
	mkdir -p "$OUT"
	PASS=0
	FAILN=0
	run_all
	echo "vmtest: ---- summary"
	for k in $KERNELS; do
		cat "$OUT/summary.$k"
	done
	for k in $KERNELS; do
		cat "$OUT/flaky.$k" 2>/dev/null || true
	done
	echo "vmtest: $PASS passed, $FAILN failed ($((SECONDS - t0)) s)"
	[ "$FAILN" -eq 0 ]
}

main "$@"
