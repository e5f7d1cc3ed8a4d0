# vigil - eBPF runtime security agent.
#
#   make            build build/vigil
#   make run        install deps, build, start `vigil run` (root)
#   make test       install deps, build, run every test (unit, sanitizers, root integration)
#   make fuzz       build the libFuzzer targets (clang)
#   make bench      run the benchmarks (root; see bench/README.md)

.DELETE_ON_ERROR:
.SUFFIXES:

VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)
BUILD      := build
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CFLAGS_COMMON := -g -O2 -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wshadow \
	-Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD) \
	-DVIGIL_VERSION='"$(VERSION)"'
CFLAGS     ?=
CFLAGS     += $(CFLAGS_COMMON)
LDLIBS     := -lbpf -lelf -lz -lcrypto -lyaml -lseccomp -lmicrohttpd -lncursesw
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(BUILD) -Ibpf -Iinclude

# bpf/<group>/ for a group in BPF_APART becomes its own object and skeleton
# (build/<group>.skel.h, struct vigil_<group>): programs whose state (pinned
# links and maps) outlives the agent, and the profiler, which only `vigil
# flame` loads.  Everything else is one object, build/vigil.skel.h (struct
# vigil_bpf).
BPF_APART  := xdp netctl flame
BPF_SRCS   := $(sort $(wildcard bpf/*/*.bpf.c))
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_MAIN   := $(filter-out $(foreach g,$(BPF_APART),$(BUILD)/bpf/$(g)/%),$(BPF_OBJS))
BPF_HDRS   := $(wildcard bpf/*.h bpf/lib/*.h include/vigil/*.h)
APART_SKELS := $(foreach g,$(BPF_APART),$(if $(wildcard bpf/$(g)/*.bpf.c),$(BUILD)/$(g).skel.h))
SKEL       := $(BUILD)/vigil.skel.h $(APART_SKELS)

# The default policy set (policies/*.yaml) is compiled into the binary.
POLICY_YAML := $(sort $(wildcard policies/*.yaml))
GEN_POLICIES := $(BUILD)/gen/default_policies.c

SRCS       := $(sort $(wildcard src/*.c))
OBJS       := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/default_policies.o
LIB_OBJS   := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
HDRS       := $(wildcard src/*.h include/vigil/*.h)
TEST_HDRS  := $(wildcard tests/common/*.h)

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
ASAN_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))
ASAN_OBJS  := $(patsubst src/%.c,$(BUILD)/asan/obj/%.o,$(filter-out src/main.c,$(SRCS))) \
	$(BUILD)/asan/obj/default_policies.o
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPFT_SRCS  := $(sort $(wildcard tests/bpf/test_*.c))
BPFT_BINS  := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(BPFT_SRCS))
# Workloads the integration tests run (build/tests/bpf/progs/NAME).
# tests/bpf/progs/lib*.c are shared libraries (build/tests/bpf/progs/lib*.so).
BPFT_PROG_SRCS := $(sort $(wildcard tests/bpf/progs/*.c))
BPFT_PROGS := $(patsubst tests/bpf/progs/%.c,$(BUILD)/tests/bpf/progs/%,\
	$(filter-out tests/bpf/progs/lib%,$(BPFT_PROG_SRCS)))
BPFT_LIBS  := $(patsubst tests/bpf/progs/%.c,$(BUILD)/tests/bpf/progs/%.so,\
	$(filter tests/bpf/progs/lib%,$(BPFT_PROG_SRCS)))
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS  := $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(filter-out src/main.c,$(SRCS))) \
	$(BUILD)/fuzz/obj/default_policies.o
FUZZ_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer

.PHONY: all deps run test unit asan integration fuzz bench clean
# The skeletons are named here so make never treats them as intermediate files.
all: $(SKEL) $(BUILD)/vigil

deps:
	@./scripts/install-deps

# --- kernel side ------------------------------------------------------------
# vmlinux.h is generated from the running kernel's BTF (see docs/building.md);
# CO-RE relocations make the resulting object portable to other kernels.
$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# exec hands out profile ids with an atomic fetch-and-add (BPF_FETCH, v3
# instructions, kernels 5.12+; lib/profile.bpf.h)
$(BUILD)/bpf/process/exec.bpf.o: BPF_CFLAGS += -mcpu=v3

# Link the programs into their objects, then generate the skeletons.
$(BUILD)/vigil.bpf.o: $(BPF_MAIN)
	$(BPFTOOL) gen object $@ $^

$(BUILD)/vigil.skel.h: $(BUILD)/vigil.bpf.o
	$(BPFTOOL) gen skeleton $< name vigil_bpf > $@

.SECONDEXPANSION:
# (no % inside the prerequisite: make would substitute the stem there too)
$(BUILD)/vigil_%.bpf.o: $$(subst .bpf.c,.bpf.o,$$(addprefix $(BUILD)/,$$(wildcard bpf/$$*/*.bpf.c)))
	$(BPFTOOL) gen object $@ $^

$(BUILD)/%.skel.h: $(BUILD)/vigil_%.bpf.o
	$(BPFTOOL) gen skeleton $< name vigil_$* > $@

# --- user space -------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(HDRS) $(SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(GEN_POLICIES): $(POLICY_YAML) scripts/embed-policies
	@mkdir -p $(@D)
	./scripts/embed-policies $(POLICY_YAML) > $@

$(BUILD)/obj/default_policies.o: $(GEN_POLICIES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vigil: $(OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD):
	@mkdir -p $@

# --- tests ------------------------------------------------------------------
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) $(HDRS) $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ -lcmocka $(LDLIBS)

$(BUILD)/asan/obj/%.o: src/%.c $(HDRS) $(SKEL)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(BUILD)/asan/obj/default_policies.o: $(GEN_POLICIES)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_OBJS) $(HDRS) $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(ASAN_FLAGS) $< $(ASAN_OBJS) -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(wildcard tests/bpf/*.h) $(LIB_OBJS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/bpf $< $(LIB_OBJS) -o $@ $(LDLIBS)

# Frame pointers in every function, so that a profiler unwinds their stacks
# (test_flame); clang, because gcc 12 leaves them out of leaf functions.
$(BUILD)/tests/bpf/progs/%: tests/bpf/progs/%.c
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -Wall -Wextra -Werror $< -o $@ $(PROG_LDLIBS)

# tls_peer calls OpenSSL's read/write functions (test_tls)
$(BUILD)/tests/bpf/progs/tls_peer: PROG_LDLIBS := -lssl -lcrypto

$(BUILD)/tests/bpf/progs/lib%.so: tests/bpf/progs/lib%.c
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -shared -fPIC -Wall -Wextra -Werror $(SO_LDFLAGS) $< -o $@

# the fake CUDA driver carries the real one's SONAME
$(BUILD)/tests/bpf/progs/libfakecuda.so: SO_LDFLAGS = -Wl,-soname,libcuda.so.1

$(BUILD)/tests/bpf/test_flame: | $(BPFT_PROGS)
$(BUILD)/tests/bpf/test_uprobe: | $(BPFT_PROGS) $(BPFT_LIBS)
$(BUILD)/tests/bpf/test_gpu: | $(BPFT_PROGS) $(BPFT_LIBS)
$(BUILD)/tests/bpf/test_tls: | $(BPFT_PROGS)

# Sources once with coverage instrumentation, each target linked against them.
$(BUILD)/fuzz/obj/%.o: src/%.c $(HDRS) $(SKEL)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS_COMMON) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/obj/default_policies.o: $(GEN_POLICIES)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS_COMMON) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS) $(HDRS) $(TEST_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS_COMMON) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) -o $@ $(LDLIBS)

unit: $(UNIT_BINS)
asan: $(ASAN_BINS)
integration: $(BUILD)/vigil $(BPFT_BINS) $(BPFT_PROGS) $(BPFT_LIBS)
fuzz: $(FUZZ_BINS)

run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/vigil run

test: deps
	@$(MAKE) --no-print-directory all unit asan integration fuzz
	@./tests/run-all $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	./bench/run-all.sh

clean:
	rm -rf $(BUILD)
