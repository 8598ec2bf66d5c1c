# Fuzzing the parsers with libFuzzer, and replaying the seed corpora as a
# test. Included from the top-level Makefile, whose B, LIB_SRC, BASE_CFLAGS,
# PKG_LIBS, STATIC, CFLAGS and LDFLAGS_ALL it uses.
#   make fuzz                  each target for FUZZ_SECONDS (60) with clang's
#                              libFuzzer + ASan + UBSan; a table at the end
#     FUZZ_TARGETS="wasm tar"  only those; FUZZ_JOBS=2 runs two at a time
#   make fuzz-build            only build $(B)/fuzz/fuzz_<target>
#   make fuzz-replay           $(B)/fuzz-replay/replay_<target>: the same
#                              targets under $(CC) and SANITIZE, run over a
#                              corpus directory by tests/fuzz/replay.test.sh
# Seeds live in testdata/fuzz/<target>/ and are only read: a run copies them
# into $(B)/fuzz/work/<target>/corpus, which grows from run to run (delete
# it to start over); crashes go to $(B)/fuzz/findings/<target>/.
ifndef WASMPACK_FUZZ_MK
WASMPACK_FUZZ_MK := 1

FUZZ_TARGETS ?= reference manifest www_authenticate docker_config wasm tar
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_CC ?= clang
FUZZ_DIR := $(B)/fuzz
FUZZ_REPLAY_DIR := $(B)/fuzz-replay

# The library's flags minus its own sanitizer choice and -Werror (clang's
# warnings differ from gcc's); -O1 -g as libFuzzer builds usually are.
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=% -Werror,$(BASE_CFLAGS)) \
	-g -O1 $(FUZZ_SANFLAGS)
FUZZ_DEPS := $(HEADERS) $(wildcard lib/*/*.h) tests/fuzz/fuzz.h

FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=$(FUZZ_DIR)/lib/%.o)
FUZZ_LIB := $(FUZZ_DIR)/libwasmpack-fuzz.a
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_REPLAY_OBJ := $(FUZZ_TARGETS:%=$(FUZZ_REPLAY_DIR)/fuzz_%.o)
FUZZ_REPLAY_BINS := $(FUZZ_TARGETS:%=$(FUZZ_REPLAY_DIR)/replay_%)

.PHONY: fuzz fuzz-build fuzz-replay

# Static pattern rules: every object is an explicit target, never an
# intermediate file make would delete.
$(FUZZ_LIB_OBJ): $(FUZZ_DIR)/lib/%.o: lib/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_DIR='$(FUZZ_DIR)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_JOBS='$(FUZZ_JOBS)' \
		tests/fuzz/run.sh $(FUZZ_TARGETS)

$(FUZZ_REPLAY_DIR)/replay_main.o: tests/fuzz/replay_main.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c $< -o $@

$(FUZZ_REPLAY_OBJ): $(FUZZ_REPLAY_DIR)/%.o: tests/fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c $< -o $@

$(FUZZ_REPLAY_BINS): $(FUZZ_REPLAY_DIR)/replay_%: $(FUZZ_REPLAY_DIR)/fuzz_%.o \
		$(FUZZ_REPLAY_DIR)/replay_main.o $(STATIC)
	$(CC) -o $@ $< $(FUZZ_REPLAY_DIR)/replay_main.o $(STATIC) $(LDFLAGS_ALL) $(PKG_LIBS)

fuzz-replay: $(FUZZ_REPLAY_BINS)

endif
