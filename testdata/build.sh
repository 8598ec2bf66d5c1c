#!/bin/sh
# Builds the wasm test fixtures into OUTDIR and copies the static ones
# (JSON, text, committed binaries, subdirectories) beside them.
#   testdata/build.sh build/testdata
# Needs clang with wasi-libc and the wasm32 compiler-rt (Debian: clang,
# wasi-libc, libclang-rt-14-dev-wasm32), wabt's wat2wasm, and node.
# Deterministic: the same tools give byte-identical outputs.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
CLANG=${CLANG:-clang}
WAT2WASM=${WAT2WASM:-wat2wasm}
NODE=${NODE:-node}

# Static fixtures: everything that is not a source or a script here.
(cd "$src" && find . -type f ! -name '*.c' ! -name '*.wat' ! -name '*.sh' \
	! -name 'add-metadata.mjs' ! -name 'import-components.mjs' -print) | while IFS= read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	cp "$src/$f" "$out/$f"
done

# WASI preview 1 commands written in C.
for name in hello files clock_random; do
	"$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug \
		"$src/$name.c" -o "$out/$name.wasm"
done

# Hand-written modules.
for name in network reactor noimports imports-host imports-wasmedge imports-nn \
	imports-spin imports-p2; do
	"$WAT2WASM" "$src/$name.wat" -o "$out/$name.wasm"
done
"$WAT2WASM" --enable-threads --enable-memory64 --enable-multi-memory \
	--enable-exceptions "$src/kinds.wat" -o "$out/kinds.wasm"
"$WAT2WASM" --debug-names "$src/metadata.wat" -o "$out/metadata.base.wasm"
"$NODE" "$src/add-metadata.mjs" "$out/metadata.base.wasm" "$out/metadata.wasm"
rm -f "$out/metadata.base.wasm"
"$NODE" "$src/import-components.mjs" "$out"
