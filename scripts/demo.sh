#!/usr/bin/env bash
# make demo: pack the sample module into an image, push it to a local
# registry (the real one, from registry/), pull it back into an empty store
# and run the module it carries under Node's WASI.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
WP=$PWD/$B/wasmpack
testdata/build.sh "$B/testdata" >/dev/null
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-demo.XXXXXX")
REGISTRY_DIR=
cleanup() {
	[[ -n $REGISTRY_DIR ]] && registry/registry.sh stop "$REGISTRY_DIR" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "what the module is and can reach"
"$WP" inspect "$B/testdata/hello.wasm"

step "start a local registry (distribution 2.8, registry/registry.sh)"
eval "$(registry/registry.sh start open)"
echo "registry at $REGISTRY_ADDR"
REF=$REGISTRY_ADDR/demo/hello:latest

step "wasmpack build -t $REF hello.wasm -- from-the-image"
"$WP" --store "$WORK/store" build -t "$REF" "$B/testdata/hello.wasm" -- from-the-image
"$WP" --store "$WORK/store" images

step "wasmpack push $REF"
"$WP" --store "$WORK/store" push "$REF"

step "wasmpack pull -o hello.wasm $REF (into an empty store)"
"$WP" --store "$WORK/pulled" pull -o "$WORK/hello.wasm" "$REF"
"$WP" --store "$WORK/pulled" inspect "$REF"

step "run the pulled module under node:wasi with the image's args"
ARGS=$("$WP" --store "$WORK/pulled" inspect --config "$REF" |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).config.Cmd||[]).join(" ")))')
# shellcheck disable=SC2086
WASI_ENV_GREETING="hello from the demo" node testdata/run-wasi.mjs "$WORK/hello.wasm" $ARGS
