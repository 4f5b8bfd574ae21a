# zk2kraft — `make` builds bin/zk2kraft; `make check` runs every test;
# `make check SANITIZE=1` runs them under ASan+UBSan; `make fuzz` builds the
# libFuzzer targets; `make demo` shows the main job; `make bench` prints figures.

CC      ?= gcc
PYTHON  ?= python3
SHARED  ?= ../shared

PKGS     := jansson libuv libssl libcrypto libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/libxml2)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -luv -lssl -lcrypto -lxml2)
LIBS     := $(PKG_LIBS) -lzookeeper_mt -lrdkafka -lpthread -lm

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-format-truncation
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g $(WARN) -I. $(PKG_CFLAGS)

ifeq ($(SANITIZE),1)
BUILD    := build/asan
CFLAGS   := $(CFLAGS_BASE) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS  := -fsanitize=address,undefined
BIN      := $(BUILD)/bin/zk2kraft
else
BUILD    := build/release
CFLAGS   := $(CFLAGS_BASE) -O2
LDFLAGS  :=
BIN      := bin/zk2kraft
endif

KRAFT_SRC   := $(wildcard kraft/*.c kraft/gen/*.c)
ZKREAD_SRC  := $(wildcard zkread/*.c)
MIGRATE_SRC := $(wildcard migrate/*.c)
CMD_SRC     := $(wildcard cmd/*.c)
SUPPORT_SRC := $(wildcard tests/support/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
BENCH_SRC   := $(wildcard bench/bench_*.c)
CLIENT_SRC  := $(wildcard tests/clients/*.c)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_KRAFT   := $(BUILD)/libkraft.a
LIB_ZKREAD  := $(BUILD)/libzkread.a
LIB_MIGRATE := $(BUILD)/libmigrate.a
ALL_LIBS    := $(LIB_MIGRATE) $(LIB_ZKREAD) $(LIB_KRAFT)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCH_BINS  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
CLIENT_BINS := $(patsubst tests/clients/%.c,$(BUILD)/tests/%,$(CLIENT_SRC))
DEPS_STAMP  := build/.deps-installed

.PHONY: all deps check unit integration fuzz demo bench soak gen clean
all: $(BIN)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): install-deps.sh
	@./install-deps.sh
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_KRAFT): $(call obj,$(KRAFT_SRC))
	@mkdir -p $(dir $@) && rm -f $@ && ar rcs $@ $^
$(LIB_ZKREAD): $(call obj,$(ZKREAD_SRC))
	@mkdir -p $(dir $@) && rm -f $@ && ar rcs $@ $^
$(LIB_MIGRATE): $(call obj,$(MIGRATE_SRC))
	@mkdir -p $(dir $@) && rm -f $@ && ar rcs $@ $^

$(BIN): $(call obj,$(CMD_SRC)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(call obj,$(CMD_SRC)) $(ALL_LIBS) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(call obj,$(SUPPORT_SRC)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call obj,$(SUPPORT_SRC)) $(ALL_LIBS) $(LIBS) -lcmocka

# Real Kafka clients (librdkafka) driven by tests/integration/test_client_api.sh.
$(CLIENT_BINS): $(BUILD)/tests/%: tests/clients/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lrdkafka

# Raft simulator (tests/sim): the engine links into the replay/soak CLI and
# into tests/unit/test_raft_sim.c (the seeds make check runs).
SIM_OBJS    := $(call obj,tests/sim/sim.c)
SIM_BIN     := $(BUILD)/tests/raft_sim
SEEDS       ?= 10000
$(BUILD)/tests/test_raft_sim: tests/unit/test_raft_sim.c $(SIM_OBJS) $(call obj,$(SUPPORT_SRC)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SIM_OBJS) $(call obj,$(SUPPORT_SRC)) $(ALL_LIBS) $(LIBS) -lcmocka
$(SIM_BIN): tests/sim/raft_sim.c $(SIM_OBJS) $(LIB_KRAFT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SIM_OBJS) $(LIB_KRAFT) $(LIBS)

# make soak SEEDS=N: N more seeds (from 1001, past those make check runs).
soak: $(SIM_BIN)
	$(SIM_BIN) --seed 1001 --seeds $(SEEDS)

$(BUILD)/bench/%: bench/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LIBS)

# Unit tests, then integration tests (real ZooKeeper, real processes), then
# the simulator; one closing line "N passed, N failed".
check: $(BIN) $(UNIT_BINS) $(SIM_BIN) $(CLIENT_BINS)
	@ZK2KRAFT=$(abspath $(BIN)) BUILD=$(BUILD) SHARED=$(abspath $(SHARED)) \
	  tests/run-tests.sh $(UNIT_BINS)

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

# libFuzzer targets (clang). Each links the library sources compiled for fuzzing.
FUZZ_BUILD  := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. $(PKG_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_SRC := $(KRAFT_SRC) $(ZKREAD_SRC) $(MIGRATE_SRC) $(SUPPORT_SRC)
FUZZ_OBJS   := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRC))
$(FUZZ_BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LIBS)
fuzz: $(FUZZ_BINS)
	@echo "fuzz targets: $(FUZZ_BINS)"
	@echo "run one (new inputs go to the first dir): mkdir -p /tmp/corpus && $(FUZZ_BUILD)/fuzz_messages /tmp/corpus tests/fuzz/corpus/messages"

demo: $(BIN)
	@tests/demo.sh $(abspath $(BIN))

bench: $(BIN) $(BENCH_BINS)
	@for b in $(BENCH_BINS); do $$b || exit 1; done

# Regenerates kraft/gen/ from Kafka's JSON schemas (needs ../shared).
gen:
	$(PYTHON) kraft/gen/generate.py $(SHARED)/kafka-schemas kraft/gen

clean:
	rm -rf build bin

.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
