#!/usr/bin/env bash
# make demo: pack the sample module into an image, show it, and run the
# module the image carries under Node's WASI.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
WP=$B/wasmpack
testdata/build.sh "$B/testdata" >/dev/null
STORE=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-demo.XXXXXX")
trap 'rm -rf "$STORE"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "what the module is and can reach"
"$WP" inspect "$B/testdata/hello.wasm"

step "wasmpack build -t demo/hello:latest hello.wasm"
DIGEST=$("$WP" --store "$STORE" build -t demo/hello:latest "$B/testdata/hello.wasm" -- from-the-image | tail -n 1)
echo "$DIGEST"

step "the image in the store"
"$WP" --store "$STORE" images
"$WP" --store "$STORE" inspect demo/hello:latest

step "run the module the image carries (entrypoint and args from its config)"
LAYER=$("$WP" --store "$STORE" inspect --raw demo/hello:latest | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).layers[0].digest.slice(7)))')
tar -xzOf "$STORE/blobs/sha256/$LAYER" hello.wasm >"$STORE/hello.wasm"
node testdata/run-wasi.mjs "$STORE/hello.wasm" from-the-image
