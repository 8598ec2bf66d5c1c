#!/usr/bin/env bash
# make install: binary, static and shared library with a soname, headers,
# wasmpack.pc; an embedding program builds against the installed copy.
SUITE=install
source "$(dirname "$0")/lib.sh"

ROOT=$WORK/root
PREFIX=/usr/local
cd "$REPO"
check "make install into a DESTDIR" make --no-print-directory -s install DESTDIR="$ROOT" PREFIX="$PREFIX" B="$BUILD" ${SANITIZE:+SANITIZE=$SANITIZE}
L=$ROOT$PREFIX/lib
check "the binary, both libraries, headers and wasmpack.pc are installed" bash -c "
	[[ -x '$ROOT$PREFIX/bin/wasmpack' && -f '$L/libwasmpack.a' && -f '$L/libwasmpack.so' &&
	   -f '$ROOT$PREFIX/include/wasmpack/wasmpack.h' && -f '$L/pkgconfig/wasmpack.pc' ]]"
check "the shared library has a soname" bash -c "
	readelf -d '$L/libwasmpack.so' | grep -q 'SONAME.*libwasmpack.so.0'"
check "the shared library exports only wasmpack_ symbols" bash -c "
	! nm -D --defined-only '$L/libwasmpack.so' | awk '\$2 ~ /[TDBR]/ {print \$3}' | grep -v '^wasmpack_'"
for h in "$ROOT$PREFIX"/include/wasmpack/*.h; do
	check "header $(basename "$h") compiles on its own" \
		cc -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$ROOT$PREFIX/include" -x c "$h"
done

export PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$ROOT
san=${SANITIZE:+-fsanitize=$SANITIZE}
check "an embedding program builds through pkg-config" bash -c "
	cc -std=c11 -Wall -Wextra -Werror $san -o '$WORK/embed' '$REPO/tests/example/embed.c' \$(pkg-config --cflags --libs wasmpack)"
check "the embedding program builds an image with the installed library" bash -c "
	LD_LIBRARY_PATH='$L' '$WORK/embed' '$WORK/store' '$TD/hello.wasm' demo/embed:1 | grep -Eq '^[0-9.]+ sha256:[0-9a-f]{64}$'"
check "the image it made is the one the CLI makes" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/store2' build -t demo/embed:1 '$TD/hello.wasm' 2>/dev/null | tail -n 1) == \$(LD_LIBRARY_PATH='$L' '$WORK/embed' '$WORK/store' '$TD/hello.wasm' demo/embed:1 | cut -d' ' -f2) ]]"

finish
