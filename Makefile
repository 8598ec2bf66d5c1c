# wasmpack: plain Makefile. `make`, `make test`, `make demo`, `make install`.
#   SANITIZE=address,undefined   build everything with those sanitizers
#   DEVELOPER=1                  warnings are errors
#   PREFIX=/usr/local DESTDIR=   install locations
#   CPPFLAGS, CFLAGS, LDFLAGS    honoured as usual
# Sources are found by globbing the subsystem folders of lib/ (layout.md);
# dependencies on headers come from the compiler (-MMD -MP).

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions

VERSION := $(shell sed -n 's/^\#define WASMPACK_VERSION "\(.*\)"/\1/p' lib/include/wasmpack/common.h)
SOMAJOR := 0

CC ?= cc
# libcrypto only: TLS is libcurl's business, we only hash and sign.
PKGS := libcurl libcrypto jansson libarchive zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla -Wno-missing-field-initializers
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# The library sees its own internal headers (-Ilib); the CLI sees only the
# public ones, as any other program would.
COMMON_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(SANFLAGS) -MMD -MP $(CPPFLAGS) \
	-Ilib/include $(PKG_CFLAGS)
BASE_CFLAGS := $(COMMON_CFLAGS) -Ilib
LDFLAGS_ALL := -pthread $(SANFLAGS) $(LDFLAGS)

# Sanitized builds live apart so objects of both kinds never mix.
ifneq ($(SANITIZE),)
B ?= build/san
else
B ?= build
endif
LIB_DIRS := lib lib/util lib/oci lib/wasm lib/image lib/store lib/registry
LIB_SRC := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CMD_SRC := $(sort $(wildcard cmd/*.c))
CMD_OBJ := $(CMD_SRC:cmd/%.c=$(B)/cmd/%.o)
# Unit suites mirror lib/ (tests/unit/<subsystem>/test_*.c); files still at
# tests/unit/test_*.c build too, until they are moved into their folder.
UNIT_SRC := $(sort $(wildcard tests/unit/harness/*.c tests/unit/*/test_*.c tests/unit/test_*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%.o)
UNIT_SUITES := $(patsubst test_%.c,%,$(filter test_%.c,$(notdir $(UNIT_SRC))))
HEADERS := $(wildcard lib/include/wasmpack/*.h)

STATIC := $(B)/libwasmpack.a
SHARED := $(B)/libwasmpack.so.$(VERSION)
BIN := $(B)/wasmpack
# The man page and completions come from the binary's own command tables.
DOCS := $(B)/wasmpack.1 $(B)/completion/wasmpack.bash $(B)/completion/_wasmpack
UNIT := $(B)/unit-tests

.PHONY: all clean test unit cli deps demo install uninstall check-headers
all: $(BIN) $(STATIC) $(SHARED) $(B)/wasmpack.pc $(DOCS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/cmd/%.o: cmd/%.c
	@mkdir -p $(dir $@)
	$(CC) $(COMMON_CFLAGS) -Icmd $(CFLAGS) -c $< -o $@

$(B)/tests/unit/%.o: tests/unit/%.c $(B)/tests/unit/suites.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Itests/unit/harness -I$(B)/tests/unit $(CFLAGS) -c $< -o $@

$(B)/tests/unit/suites.h: $(UNIT_SRC) Makefile
	@mkdir -p $(dir $@)
	@{ for s in $(UNIT_SUITES); do echo "extern const test_case $${s}_tests[];"; done; \
	   printf '#define SUITES_LIST'; for s in $(UNIT_SUITES); do printf ' %s_tests,' $$s; done; echo; } > $@

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libwasmpack.so.$(SOMAJOR) -o $@ $^ $(LDFLAGS_ALL) $(PKG_LIBS)
	ln -sf libwasmpack.so.$(VERSION) $(B)/libwasmpack.so.$(SOMAJOR)
	ln -sf libwasmpack.so.$(SOMAJOR) $(B)/libwasmpack.so

$(BIN): $(CMD_OBJ) $(STATIC)
	$(CC) -o $@ $(CMD_OBJ) $(STATIC) $(LDFLAGS_ALL) $(PKG_LIBS)

$(UNIT): $(UNIT_OBJ) $(STATIC)
	$(CC) -o $@ $(UNIT_OBJ) $(STATIC) $(LDFLAGS_ALL) $(PKG_LIBS)

# Rewritten only when its text changes, so `make install PREFIX=...` after
# `make` installs a .pc that names the prefix given.
$(B)/wasmpack.pc: FORCE
	@mkdir -p $(B)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: wasmpack' 'Description: pack WebAssembly modules as OCI images' \
	  'Version: $(VERSION)' 'Requires.private: $(PKGS)' \
	  'Libs: -L$${libdir} -lwasmpack' 'Cflags: -I$${includedir}' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

$(B)/wasmpack.1: doc/wasmpack.1.in $(BIN)
	$(BIN) __man < doc/wasmpack.1.in > $@.tmp && mv $@.tmp $@

$(B)/completion/wasmpack.bash $(B)/completion/_wasmpack: $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) __completion $(if $(filter %.bash,$@),bash,zsh) > $@.tmp && mv $@.tmp $@

deps:
	@scripts/deps.sh

# The unit suite alone: it needs the test modules built from testdata/.
unit: deps $(UNIT)
	@testdata/build.sh $(B)/testdata >/dev/null
	@WASMPACK_TESTDATA=$(CURDIR)/$(B)/testdata $(UNIT)

test: deps check-headers
	@$(MAKE) --no-print-directory all $(UNIT)
	@BUILD=$(B) SANITIZE=$(SANITIZE) tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/wasmpack $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/wasmpack
	install -m 0644 $(STATIC) $(DESTDIR)$(LIBDIR)/libwasmpack.a
	install -m 0755 $(SHARED) $(DESTDIR)$(LIBDIR)/libwasmpack.so.$(VERSION)
	ln -sf libwasmpack.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libwasmpack.so.$(SOMAJOR)
	ln -sf libwasmpack.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libwasmpack.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/wasmpack/
	install -m 0644 $(B)/wasmpack.pc $(DESTDIR)$(PKGCONFIGDIR)/wasmpack.pc
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(B)/wasmpack.1 $(DESTDIR)$(MANDIR)/man1/wasmpack.1
	install -m 0644 $(B)/completion/wasmpack.bash $(DESTDIR)$(BASHCOMPDIR)/wasmpack
	install -m 0644 $(B)/completion/_wasmpack $(DESTDIR)$(ZSHCOMPDIR)/_wasmpack

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wasmpack $(DESTDIR)$(LIBDIR)/libwasmpack.a \
	  $(DESTDIR)$(LIBDIR)/libwasmpack.so $(DESTDIR)$(LIBDIR)/libwasmpack.so.$(SOMAJOR) \
	  $(DESTDIR)$(LIBDIR)/libwasmpack.so.$(VERSION) $(DESTDIR)$(PKGCONFIGDIR)/wasmpack.pc \
	  $(DESTDIR)$(MANDIR)/man1/wasmpack.1 $(DESTDIR)$(BASHCOMPDIR)/wasmpack \
	  $(DESTDIR)$(ZSHCOMPDIR)/_wasmpack
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/wasmpack/,$(notdir $(HEADERS)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/wasmpack 2>/dev/null

# Every public header compiles alone, first in its translation unit, as
# C99 and as C++11, pedantic, warnings as errors; and every *_INIT macro
# is valid C++11 and C99 (positional, no designated initialisers) and
# names every field (quiet under -Wmissing-field-initializers).
CXX ?= c++
CHECK_HEADERS := $(HEADERS:lib/include/wasmpack/%.h=$(B)/check-headers/%.ok)
HEADER_CFLAGS := -Ilib/include -pedantic -Werror -Wall -Wextra -fsyntax-only

check-headers: $(CHECK_HEADERS) $(B)/check-headers/inits.ok

$(B)/check-headers/%.ok: lib/include/wasmpack/%.h $(HEADERS)
	@mkdir -p $(dir $@)
	@printf '#include <wasmpack/%s.h>\nint wp_check_%s;\n' $* $* > $(B)/check-headers/$*.c
	@cp $(B)/check-headers/$*.c $(B)/check-headers/$*.cc
	$(CC) -std=c99 $(HEADER_CFLAGS) $(B)/check-headers/$*.c
	$(CXX) -std=c++11 $(HEADER_CFLAGS) $(B)/check-headers/$*.cc
	@touch $@

$(B)/check-headers/inits.ok: $(HEADERS)
	@mkdir -p $(dir $@)
	@{ echo '#include <wasmpack/wasmpack.h>'; \
	   for m in $$(sed -n 's/^#define \(WASMPACK_[A-Z_]*_INIT\)\b.*/\1/p' $(HEADERS)); do \
	     t=$$(echo "$$m" | sed 's/^WASMPACK_\(.*\)_INIT$$/wasmpack_\1/' | tr A-Z a-z); \
	     echo "$$t check_$$t = $$m;"; done; } > $(B)/check-headers/inits.cc
	$(CXX) -std=c++11 $(HEADER_CFLAGS) $(B)/check-headers/inits.cc
	@cp $(B)/check-headers/inits.cc $(B)/check-headers/inits.c
	$(CC) -std=c99 $(HEADER_CFLAGS) $(B)/check-headers/inits.c
	@touch $@

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

include tests/fuzz/fuzz.mk

bench: all
	@scripts/bench.sh
