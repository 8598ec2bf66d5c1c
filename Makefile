# wasmpack: plain Makefile. `make`, `make test`, `make demo`, `make install`.
#   SANITIZE=address,undefined   build everything with those sanitizers
#   DEVELOPER=1                  warnings are errors
#   PREFIX=/usr/local DESTDIR=   install locations

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

VERSION := $(shell sed -n 's/^\#define WASMPACK_VERSION "\(.*\)"/\1/p' lib/include/wasmpack/common.h)
SOMAJOR := 0

CC ?= cc
PKGS := libcurl openssl jansson libarchive zlib
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
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(SANFLAGS) -Ilib/include -Ilib $(PKG_CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

# Sanitized builds live apart so objects of both kinds never mix.
ifneq ($(SANITIZE),)
B ?= build/san
else
B ?= build
endif
LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CMD_SRC := $(sort $(wildcard cmd/*.c))
CMD_OBJ := $(CMD_SRC:cmd/%.c=$(B)/cmd/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%.o)
UNIT_SUITES := $(patsubst tests/unit/test_%.c,%,$(filter tests/unit/test_%.c,$(UNIT_SRC)))
HEADERS := $(wildcard lib/include/wasmpack/*.h)

STATIC := $(B)/libwasmpack.a
SHARED := $(B)/libwasmpack.so.$(VERSION)
BIN := $(B)/wasmpack
UNIT := $(B)/unit-tests

.PHONY: all clean test unit cli deps demo install check-headers
all: $(BIN) $(STATIC) $(SHARED) $(B)/wasmpack.pc

$(B)/lib/%.o: lib/%.c $(HEADERS) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/cmd/%.o: cmd/%.c $(HEADERS) $(wildcard cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Icmd $(CFLAGS) -c $< -o $@

$(B)/tests/unit/%.o: tests/unit/%.c $(HEADERS) $(wildcard lib/*.h) tests/unit/harness.h $(B)/tests/unit/suites.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -I$(B)/tests/unit $(CFLAGS) -c $< -o $@

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

$(B)/wasmpack.pc: Makefile
	@mkdir -p $(B)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: wasmpack' 'Description: pack WebAssembly modules as OCI images' \
	  'Version: $(VERSION)' 'Requires.private: $(PKGS)' \
	  'Libs: -L$${libdir} -lwasmpack' 'Cflags: -I$${includedir}' > $@

deps:
	@scripts/deps.sh

unit: $(UNIT)
	$(UNIT)

test: deps
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

clean:
	rm -rf $(B)

include tests/fuzz/fuzz.mk
