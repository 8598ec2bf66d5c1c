#!/usr/bin/env bash
# Resource limits a hostile input meets: inspect lists at most 10,000
# imports or exports and counts the rest; a module over 1 GiB in a small
# gzip layer is not unpacked to $TMPDIR; load refuses, before writing, an
# archive whose blobs add up to more than --max-size.
SUITE=limits
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm

# ---- inspect of a module with more imports than are listed ---------------
# gen N OUT: a core module importing N functions m.fI of type () -> ().
gen() {
	node -e '
const n = +process.argv[1];
const leb = (v) => { const o = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; o.push(b); } while (v); return o; };
const str = (s) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id, body) => [id, ...leb(body.length), ...body];
const imports = [...leb(n)];
for (let i = 0; i < n; i++) imports.push(...str("m"), ...str("f" + i), 0x00, 0x00);
require("fs").writeFileSync(process.argv[2], Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
	...section(1, [1, 0x60, 0, 0]), ...section(2, imports)]));' "$1" "$2"
}
gen 12345 "$WORK/many.wasm"
check "inspect --json lists 10,000 imports and counts the 2,345 left out" bash -c "
	'$WASMPACK' inspect --json '$WORK/many.wasm' > '$WORK/many.json' &&
	[[ \$(jget '$WORK/many.json' .imports.length) == 10000 &&
	   \$(jget '$WORK/many.json' .imports_omitted) == 2345 &&
	   \$(jget '$WORK/many.json' '.exports_omitted===undefined') == true ]]"
check "inspect says how many imports it did not list" bash -c "
	'$WASMPACK' inspect '$WORK/many.wasm' > '$WORK/many.txt' &&
	grep -q '^Imports (12345):' '$WORK/many.txt' &&
	grep -q '^  ... and 2345 more, not listed' '$WORK/many.txt' &&
	[[ \$(grep -c '^  m\\.f' '$WORK/many.txt') == 10000 ]]"
gen 3 "$WORK/few.wasm"
check "a module under the cap is listed whole, without a count" bash -c "
	'$WASMPACK' inspect --json '$WORK/few.wasm' > '$WORK/few.json' &&
	[[ \$(jget '$WORK/few.json' .imports.length) == 3 &&
	   \$(jget '$WORK/few.json' '.imports_omitted===undefined') == true ]]"

# ---- a module of more than 1 GiB in a 5 MB gzip layer --------------------
B=$WORK/bomb
# A read (images) no longer creates a store: a build does.
"$WASMPACK" --store "$B" build -t demo/small:1 "$TD/hello.wasm" >/dev/null 2>&1
node "$REPO/tests/tools/bomb-layer.mjs" "$B" docker.io/demo/big:1 $(((1 << 30) + 4096)) >/dev/null ||
	not_ok "the bomb image is made"
mkdir -p "$WORK/tmpdir"
# A file size limit of 64 MB: writing the module to $TMPDIR would meet
# SIGXFSZ and kill inspect.
check "inspect of an image whose module is over 1 GiB writes none of it to \$TMPDIR" \
	bash -c "ulimit -f 65536; TMPDIR='$WORK/tmpdir' timeout 60 '$WASMPACK' --store '$B' inspect demo/big:1"
check "and shows no reach it could not read" bash -c "! grep -q '^Can reach' '$OUT'"

# ---- load --max-size -----------------------------------------------------
S=$WORK/store
"$WASMPACK" --store "$S" build -t demo/app:1 "$HELLO" >/dev/null 2>&1
"$WASMPACK" --store "$S" save -o "$WORK/app.tar" demo/app:1 >/dev/null 2>&1
# The layer as a gzip bomb would make it: the archive compressed, small.
gzip -c "$WORK/app.tar" >"$WORK/app.tar.gz"
L=$WORK/loaded
check_exit 6 "load refuses an archive whose blobs exceed --max-size" \
	"$WASMPACK" --store "$L" load -i "$WORK/app.tar.gz" --max-size 1K
check "the refusal names the limit" grep -q "more than 1024 bytes" "$LAST_ERR"
check "nothing was written to the store" bash -c "[[ -z \$(ls -A '$L/blobs/sha256') && -z \$(ls -A '$L/.wasmpack/tmp') ]]"
check_exit 1 "load from stdin stops reading past --max-size" \
	bash -c "'$WASMPACK' --store '$L' load --max-size 2K < '$WORK/app.tar'"
check "that refusal says so" grep -q "larger than 2048 bytes" "$LAST_ERR"
check_exit 2 "a --max-size that is not a size is a usage error" \
	"$WASMPACK" --store "$L" load -i "$WORK/app.tar" --max-size 12Q
check "load under the limit works" "$WASMPACK" --store "$L" load -i "$WORK/app.tar.gz" --max-size 1M
check "--max-size 0 means no limit" "$WASMPACK" --store "$L" load -i "$WORK/app.tar" --max-size 0

finish
