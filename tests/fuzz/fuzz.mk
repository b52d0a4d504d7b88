# Builds the libFuzzer targets (clang) against the library compiled with
# coverage, ASan and UBSan.  Included from the top Makefile's `fuzz` target.
FUZZ_CC   := clang
FUZZ_DIR  := build/fuzz
FUZZ_FLAGS = $(STD) $(WARN) $(DEFS) $(PKG_CFLAGS) -Isrc -MMD -MP -O1 -g \
             -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz-all: $(FUZZ_TARGETS)

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LIBS)
