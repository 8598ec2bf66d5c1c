#!/usr/bin/env bash
# make install: binary, static and shared library with a soname, headers,
# wasmpack.pc, the man page and the shell completions; an embedding program
# builds against the installed copy and does build + push + pull through
# the API alone against the real registry.
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

if kit_start open; then
	check "the embedding program pushes and pulls through the API, and the module comes back intact" bash -c "
		LD_LIBRARY_PATH='$L' '$WORK/embed' '$WORK/store3' '$TD/hello.wasm' demo/embed:1 \
			'$REGISTRY_ADDR/demo/embed:1' '$WORK/pulled' > '$WORK/embed.out' &&
		grep -Eq '^pushed sha256:[0-9a-f]{64}' '$WORK/embed.out' &&
		grep -Eq '^pulled sha256:[0-9a-f]{64}' '$WORK/embed.out' &&
		grep -q '^module [0-9]* bytes, the same as' '$WORK/embed.out'"
	check "the CLI pulls what the embedding program pushed, to the same digest" bash -c "
		pushed=\$(sed -n 's/^pushed \\(sha256:[0-9a-f]*\\).*/\\1/p' '$WORK/embed.out')
		[[ -n \$pushed && \$('$WASMPACK' --store '$WORK/store4' pull $REGISTRY_ADDR/demo/embed:1 2>/dev/null | tail -n 1) == \$pushed ]]"
fi

# The man page and the completions, generated from the command tables.
MAN1=$ROOT$PREFIX/share/man/man1/wasmpack.1
check "the man page is installed and renders without groff warnings" bash -c "
	[[ -f '$MAN1' ]] && groff -man -Tutf8 -ww -z '$MAN1' 2>'$WORK/groff.err' && [[ ! -s '$WORK/groff.err' ]]"
check "the installed man page lists every command" bash -c "
	groff -man -Tutf8 '$MAN1' 2>/dev/null | sed 's/.\x08//g' > '$WORK/man.txt'
	n=0
	for c in \$('$WASMPACK' --help | sed -n '/^Commands:/,/^\$/s/^  \([a-z]\+\) .*/\1/p'); do
		grep -q \"wasmpack \$c\" '$WORK/man.txt' || { echo \"missing \$c\"; exit 1; }
		n=\$((n + 1))
	done
	[[ \$n -ge 10 ]]"
check "the bash completion is installed and registers itself" bash -c "
	source '$ROOT$PREFIX/share/bash-completion/completions/wasmpack' && complete -p wasmpack | grep -q _wasmpack"
check "the zsh completion is installed" test -f "$ROOT$PREFIX/share/zsh/site-functions/_wasmpack"

finish
