# breakwater - customs clearance engine for cross-border e-commerce.
#
#   make          release build of ./breakwater (-O2, warnings are errors)
#   make run      install deps, build, load demo data, start the system
#   make test     install deps, build with ASan+UBSan, run every test
#   make bench    the figures of docs/PERFORMANCE.md
#   make fuzz     build the libFuzzer targets (clang)

CC      ?= cc
PKGS    := sqlite3 json-c icu-uc icu-i18n libzstd libxxhash libsodium libmicrohttpd libhs xgboost
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

STD     := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
DATADIR := $(CURDIR)/data
DEFS    := -DBW_DATADIR='"$(DATADIR)"'
CFLAGS_COMMON = $(STD) $(WARN) $(DEFS) $(PKG_CFLAGS) -Isrc -MMD -MP
LIBS    := $(PKG_LIBS) -lpthread -lm

# The library is every source file but the CLI's; the CLI is a thin shell.
LIB_SRC := $(sort $(wildcard src/core/*.c src/model/*.c src/reference/*.c \
            src/pipeline/*.c src/store/*.c src/gen/*.c src/view/*.c src/http/*.c src/revenue/*.c \
            src/risk/*.c src/lifecycle/*.c src/stats/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Release build
REL_DIR := build/release
REL_CFLAGS = $(CFLAGS_COMMON) -O2 -g
REL_LIB_OBJ := $(LIB_SRC:%.c=$(REL_DIR)/%.o)
REL_CLI_OBJ := $(CLI_SRC:%.c=$(REL_DIR)/%.o)

# Sanitizer build (tests)
ASAN_DIR := build/asan
ASAN_CFLAGS = $(CFLAGS_COMMON) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(ASAN_DIR)/%.o)
ASAN_CLI_OBJ := $(CLI_SRC:%.c=$(ASAN_DIR)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(ASAN_DIR)/tests/%)

.PHONY: all deps run test bench fuzz fuzz-all clean
.SECONDARY:
all: breakwater

deps:
	@bash scripts/deps.sh

breakwater: $(REL_LIB_OBJ) $(REL_CLI_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LIBS)

$(REL_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/breakwater: $(ASAN_LIB_OBJ) $(ASAN_CLI_OBJ)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

$(ASAN_DIR)/tests/%: tests/unit/%.c $(ASAN_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -o $@ $< $(ASAN_LIB_OBJ) $(LIBS) -lcmocka

REFDATA ?= $(firstword $(wildcard $(BREAKWATER_REFDATA) ../shared/data))
export BREAKWATER_REFDATA := $(abspath $(REFDATA))

test: deps
	@$(MAKE) --no-print-directory $(ASAN_DIR)/breakwater $(UNIT_BIN) fuzz-all
	@bash tests/run.sh $(ASAN_DIR)

DEMO_DB ?= breakwater.db
run: deps
	@$(MAKE) --no-print-directory breakwater
	@bash scripts/run.sh $(DEMO_DB)

bench: deps
	@$(MAKE) --no-print-directory breakwater build/release/bench build/release/http_ceiling build/release/http_load
	@bash bench/run.sh

include tests/fuzz/fuzz.mk
fuzz: fuzz-all

clean:
	rm -rf build breakwater

-include $(shell find build -name '*.d' 2>/dev/null)

# The benchmark driver links the release library.
build/release/bench: bench/bench.c $(REL_LIB_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $< $(REL_LIB_OBJ) $(LIBS)

build/release/http_ceiling: bench/http_ceiling.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< $(LIBS)

build/release/http_load: bench/http_load.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -o $@ $< -lpthread
