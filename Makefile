# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# coldtrace build, libbpf-bootstrap style.
#   make            coldtrace (BPF objects -> skeletons -> user objects)
#   make test       Criterion unit tests (no root, no BPF), the docs' and
#                   options' checks, `coldtrace compare` held to R and SciPy
#   make test-san   the same, every recording replayed and compare's
#                   tests, under ASan+UBSan
#   make fuzz       libFuzzer target of the replay path (clang)
#   make fuzz-run   run it FUZZ_SECONDS (60) on the seed corpus
#   make check      deps + build + unit tests + the floors of user/
#                   (tools/layers.py) + integration tests (root)
#   make demo       deps + build + tools/demo.sh
#   make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h (tools/gen-vmlinux.sh)
#   make vmtest     coldtrace on Debian's kernels under QEMU (root;
#                   tools/vmtest/README.md): COLDTRACE=PATH tests another
#                   build, VMTEST_KERNELS="6.12 7.2" a subset
#   make ARCH=arm64 ...  for arm64: cross-built on x86-64 (the binary is
#                   .output-arm64/coldtrace), as `make` on an arm64 host;
#                   `make vmtest ARCH=arm64` boots arm64 guests
#   make V=1 ...    show the commands
#
# New bpf/X.bpf.c and user/<stage>/*.c files are picked up by wildcard: adding
# one needs no change here.

# The target architecture, chosen here only (the BPF programs' syscall
# numbers and functions follow from it: include/syscalls.h): this
# machine's unless ARCH=x86|arm64 says otherwise.  Another architecture
# than this machine's is cross-built, into an OUTPUT of its own, with
# Debian's cross compiler and the libraries of SYSROOT
# (tools/install-deps.sh installs both).
HOST_ARCH	:= $(patsubst aarch64,arm64,$(patsubst x86_64,x86,$(shell uname -m)))
ARCH	?= $(HOST_ARCH)
ifeq ($(filter x86 arm64,$(ARCH)),)
$(error ARCH=$(ARCH): coldtrace builds for x86 (x86-64) and arm64)
endif
TRIPLE_x86	:= x86_64-linux-gnu
TRIPLE_arm64	:= aarch64-linux-gnu
ifeq ($(ARCH),$(HOST_ARCH))
OUTPUT	:= .output
else
OUTPUT	:= .output-$(ARCH)
BIN	?= $(OUTPUT)/coldtrace
SYSROOT	?= /opt/coldtrace/sysroot-$(ARCH)
ifeq ($(origin CC),default)
CC	:= $(TRIPLE_$(ARCH))-gcc
endif
SYSLIB	:= $(SYSROOT)/usr/lib/$(TRIPLE_$(ARCH))
export PKG_CONFIG_SYSROOT_DIR := $(SYSROOT)
export PKG_CONFIG_LIBDIR := $(SYSLIB)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig
# the libraries' own dependencies (libbpf's libelf and libz), found there
LDFLAGS	+= -L$(SYSLIB) -Wl,-rpath-link,$(SYSLIB) \
	-Wl,-rpath-link,$(SYSROOT)/lib/$(TRIPLE_$(ARCH))
endif
CC	?= cc
CLANG	?= clang
BPFTOOL	?= bpftool
PKG_CONFIG ?= pkg-config

LIBBPF_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS	:= $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
# The pipeline's own (unit tests and the fuzzer link it without libbpf):
# zlib for --record files, jansson to read the engines' JSON files,
# -pthread for --otlp's sending thread (user/sinks/otlp_push.c).
PIPELINE_LIBS	:= -ljansson -lz -lm -pthread
LIBS		:= $(LIBBPF_LIBS) -lelf $(PIPELINE_LIBS)

WARN	:= -Wall -Wextra -Werror
CFLAGS	?= -O2 -g
CFLAGS	+= $(WARN)
# EXTRA_CFLAGS (make test-san, make fuzz: the sanitizers) are added even
# to a CFLAGS given on the command line.
override CFLAGS += $(EXTRA_CFLAGS)
# user/'s folders: the pipeline's stages (HACKING.md, "Layout"); a header
# is included by its name alone, wherever it lives.
USER_DIRS	:= $(patsubst %/,%,$(sort $(dir $(wildcard user/*/*.[ch]))))
CPPFLAGS += -Iinclude $(addprefix -I,$(USER_DIRS)) -I$(OUTPUT) $(LIBBPF_CFLAGS)
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

# clang -target bpf does not search the host's multiarch include dirs;
# borrow them from the host compiler (as libbpf-bootstrap does).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
# libbpf's BPF_PROG() always declares ctx, used or not.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Wno-unused-parameter \
	-Ivmlinux/$(ARCH) -Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

USER_SRCS	:= $(wildcard user/*/*.c)
USER_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS))
# User files that include a skeleton (found by grep, so new ones need no
# change here) wait for, and are rebuilt with, every skeleton.  Nothing
# else depends on BPF: `make test` needs neither clang nor bpftool.
# Include skeletons from .c files only, never from headers.
SKEL_USERS	:= $(patsubst %.c,$(OUTPUT)/%.o,\
	$(shell grep -l '\.skel\.h' $(USER_SRCS) /dev/null 2>/dev/null))

# The pipeline (records in, results out) is tested without BPF: leave
# out the loader, the skeleton users, main() and its live loop.
PIPELINE_SRCS	:= $(filter-out user/core/main.c user/core/live%.c user/kern/loader.c user/%_bpf.c,$(USER_SRCS))
PIPELINE_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(PIPELINE_SRCS))
TEST_SRCS	:= $(wildcard tests/unit/*.c)
TEST_OBJS	:= $(patsubst %.c,$(OUTPUT)/%.o,$(TEST_SRCS))
UNIT_TESTS	:= $(OUTPUT)/unit_tests
# The binary: ./coldtrace, or a sanitized one inside its own OUTPUT.
BIN		?= coldtrace

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep the BPF objects: they are inspected (bpftool, llvm-objdump).
.SECONDARY: $(BPF_OBJS)
.PHONY: all test check demo clean vmlinux deps netdelay install uninstall \
	test-san san-build fuzz fuzz-run distclean-state vmtest bench-scrape
.SUFFIXES:

all: $(BIN)

$(BIN): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(SKEL_USERS): $(SKELS)

$(OUTPUT)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# Each architecture's syscall table as the kernel's uapi headers give it
# (<asm/unistd.h> through that architecture's compiler, its macros as
# text), the truth tests/unit/test_syscalls.c holds include/syscalls.h to.
UNISTD_CC_x86	:= $(if $(filter x86,$(HOST_ARCH)),cc,$(TRIPLE_x86)-gcc)
UNISTD_CC_arm64	:= $(if $(filter arm64,$(HOST_ARCH)),cc,$(TRIPLE_arm64)-gcc)
UNISTD_FILES	:= $(OUTPUT)/unistd-x86.h $(OUTPUT)/unistd-arm64.h

$(OUTPUT)/unistd-%.h: | $(OUTPUT)
	$(call msg,UNISTD,$@)
	$(Q)echo '#include <asm/unistd.h>' | $(UNISTD_CC_$*) -E -dM -x c - >$@

$(OUTPUT)/tests/unit/test_syscalls.o: CPPFLAGS += -DCT_UNISTD_DIR='"$(OUTPUT)"'
$(OUTPUT)/tests/unit/test_syscalls.o: $(UNISTD_FILES)

$(UNIT_TESTS): $(TEST_OBJS) $(PIPELINE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -lcriterion $(PIPELINE_LIBS) -o $@

# the man page's OPTIONS and the completion's words from cli.c's rows
# (tools/cli-doc.sh)
CLI_DOC		:= $(OUTPUT)/cli_doc

$(CLI_DOC): $(OUTPUT)/tests/cli_doc.o $(PIPELINE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PIPELINE_LIBS) -o $@

test: $(UNIT_TESTS) $(CLI_DOC)
	$(call msg,TEST,$<)
	$(Q)$(abspath $(UNIT_TESTS))
	$(Q)python3 tests/unit/test_check_podman.py
	$(Q)$(MAKE) --no-print-directory -C tools/netdelay test
	$(Q)python3 tests/integration/cri/test_check_cri.py -q
	$(Q)tests/install.sh
	$(Q)tests/plot.sh
	$(Q)CLI_DOC=$(CLI_DOC) tests/man.sh
	$(Q)tests/counters.sh
	$(Q)tests/figures.sh
	$(Q)CLI_DOC=$(CLI_DOC) tests/completion.sh
	$(Q)tests/compare_cli.sh
	$(Q)/usr/bin/python3 tests/compare_truth.py ./$(BIN)
	$(Q)python3 tests/docs.py
	$(Q)python3 tests/engines.py

# ---- sanitizers and fuzzing (tools/README.md) ----
# Each build has an OUTPUT of its own: .output/ stays plain.
SAN_OUTPUT	?= .output-san
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
# Every report is fatal: abort, so that neither Criterion nor the replay
# script can take it for an ordinary exit status; leaks are reports too.
SAN_ENV		:= ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
		   UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1
# Recordings of reported bugs, kept whole (tests/fixtures/README.md).
CT_REPRO_DIR	?= tests/fixtures/repro

# san-build alone: .ci/run builds it beside make check.
san-build:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(SAN_OUTPUT) \
		BIN=$(SAN_OUTPUT)/coldtrace EXTRA_CFLAGS="$(SAN_FLAGS)" \
		$(SAN_OUTPUT)/unit_tests $(SAN_OUTPUT)/coldtrace

test-san: san-build
	$(call msg,TEST-SAN,$(SAN_OUTPUT)/unit_tests)
	$(Q)$(SAN_ENV) tests/fuzz/san-run.sh $(abspath $(SAN_OUTPUT)/unit_tests)
	$(call msg,TEST-SAN,$(SAN_OUTPUT)/coldtrace --replay)
	$(Q)$(SAN_ENV) tests/fuzz/replay-all.sh $(SAN_OUTPUT)/coldtrace \
		tests/fixtures $(wildcard $(CT_REPRO_DIR))
	$(call msg,TEST-SAN,$(SAN_OUTPUT)/coldtrace compare)
	$(Q)$(SAN_ENV) tests/compare_cli.sh $(SAN_OUTPUT)/coldtrace
	$(Q)$(SAN_ENV) /usr/bin/python3 tests/compare_truth.py $(SAN_OUTPUT)/coldtrace

# libFuzzer needs clang; the engine is built with its coverage hooks.
FUZZ_OUTPUT	?= .output-fuzz
FUZZ_FLAGS	:= -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZER		:= $(FUZZ_OUTPUT)/fuzz_replay
FUZZ_SECONDS	?= 60
# Seeds longer than this are cut (most recordings are smaller): long
# inputs only slow each run down.
FUZZ_MAX_LEN	?= 131072
FUZZ_ARGS	?=

fuzz:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(FUZZ_OUTPUT) CC=$(CLANG) \
		EXTRA_CFLAGS="$(FUZZ_FLAGS)" $(FUZZER)

$(OUTPUT)/fuzz_replay: $(OUTPUT)/tests/fuzz/fuzz_replay.o $(PIPELINE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) $^ $(PIPELINE_LIBS) -o $@

# New inputs go to $(FUZZ_OUTPUT)/corpus, crashes to tests/fuzz/crashes/.
fuzz-run: fuzz
	$(Q)tests/fuzz/run.sh $(FUZZER) $(FUZZ_OUTPUT) tests/fixtures \
		$(wildcard $(CT_REPRO_DIR)) -- -max_total_time=$(FUZZ_SECONDS) \
		-max_len=$(FUZZ_MAX_LEN) $(FUZZ_ARGS)

# tests/gosym/: user/lib/gosym.c as `go tool addr2line`, sanitized
# (tests/integration/gosym.sh)
$(OUTPUT)/gosym_addr2line: tests/gosym/addr2line.c user/lib/gosym.c user/lib/gosym.h | $(OUTPUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) tests/gosym/addr2line.c \
		user/lib/gosym.c -o $@

# ... and user/lib/ustack.c naming a live process's addresses
$(OUTPUT)/gosym_ustack: tests/gosym/ustack.c user/lib/ustack.c user/lib/ustack.h \
		user/lib/gosym.c user/lib/gosym.h user/lib/wallclock.c \
		user/lib/util.c | $(OUTPUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) tests/gosym/ustack.c \
		user/lib/ustack.c user/lib/gosym.c user/lib/wallclock.c \
		user/lib/util.c -o $@

# tools/bench/scrape's renderer: /metrics of sessions of N label sets,
# built from a replay by the session's own code, timed
BENCH_SCRAPE	:= $(OUTPUT)/bench_scrape
bench-scrape: $(BENCH_SCRAPE)

$(BENCH_SCRAPE): $(OUTPUT)/tools/bench/scrape.o $(PIPELINE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -lz -o $@

# the pull experiments' NFQUEUE delayer (own Makefile, needs libnetfilter-queue)
netdelay:
	$(Q)$(MAKE) --no-print-directory -C tools/netdelay

$(OUTPUT):
	$(Q)mkdir -p $@

deps:
	$(Q)tools/install-deps.sh

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory test
	$(Q)tools/layers.py $(OUTPUT)
	$(Q)tests/integration/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh

vmlinux:
	$(Q)ARCH=$(ARCH) tools/gen-vmlinux.sh

# The binary under test: this tree's (built first), or COLDTRACE=PATH.
# VMTEST_KERNELS and the other VMTEST_* knobs reach run.sh from the
# environment or the command line; a guest of another architecture
# (VMTEST_KERNELS="6.1 arm64:6.12") is given this tree's build for it,
# made first (make ARCH=arm64).
COLDTRACE	?=
VMTEST_KERNELS	?= 5.10 6.1 6.12 7.2
export VMTEST_KERNELS
VMTEST_OTHER	:= $(filter-out $(ARCH),$(sort $(foreach k,$(VMTEST_KERNELS),\
	$(if $(findstring :,$(k)),$(firstword $(subst :, ,$(k)))))))
vmtest: $(if $(COLDTRACE),,$(BIN))
	$(Q)$(foreach a,$(VMTEST_OTHER),$(MAKE) --no-print-directory ARCH=$(a) all &&) true
	$(Q)tools/vmtest/run.sh --arch $(ARCH) --coldtrace $(if $(COLDTRACE),$(COLDTRACE),$(BIN))

# make install PREFIX=/usr/local DESTDIR=/tmp/stage; make uninstall with
# the same PREFIX and DESTDIR removes the same files.  The binary is
# stripped (its debug info stays in ./coldtrace); paths under /usr/local
# in the unit and the man page become PREFIX's.
PREFIX	?= /usr/local
INSTALL_FILES := sbin/coldtrace bin/coldtrace-plot share/man/man8/coldtrace.8 \
	lib/systemd/system/coldtrace.service \
	share/bash-completion/completions/coldtrace
install: coldtrace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 -s coldtrace $(DESTDIR)$(PREFIX)/sbin/coldtrace
	$(Q)install -D -m 0755 tools/plot $(DESTDIR)$(PREFIX)/bin/coldtrace-plot
	$(Q)install -D -m 0644 bash-completion/coldtrace \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/coldtrace
	$(Q)sed 's|/usr/local/|$(PREFIX)/|g' docs/man/coldtrace.8 | \
		install -D -m 0644 /dev/stdin $(DESTDIR)$(PREFIX)/share/man/man8/coldtrace.8
	$(Q)sed 's|/usr/local/|$(PREFIX)/|g' deploy/systemd/coldtrace.service | \
		install -D -m 0644 /dev/stdin $(DESTDIR)$(PREFIX)/lib/systemd/system/coldtrace.service

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALL_FILES))
# What earlier runs of the tests, demo, benchmarks and experiments left on
# this host (daemons, containers, images, netns, bridges, mounts, state
# files; tools/distclean-state.sh): `make check` after it starts as on a
# new machine.  STATE="DIR|FILE ...": only those harnesses or registries.
distclean-state:
	$(Q)tools/distclean-state.sh $(STATE)

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) coldtrace $(SAN_OUTPUT) $(FUZZ_OUTPUT)
	$(Q)$(MAKE) --no-print-directory -C tools/netdelay clean

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/unit/*.d \
	$(OUTPUT)/tools/bench/*.d \
	$(OUTPUT)/tests/fuzz/*.d)
