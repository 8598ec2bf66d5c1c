#!/bin/sh
# Makes the committed component fixtures ONCE; build.sh does not run this
# (it needs the npm registry). Re-run only to refresh them:
#   testdata/make-component.sh
# hello.component.wasm: hello.c built as a WASI preview 1 command, then
#   wrapped by `jco new --wasi-command` (wasm-tools component new with the
#   preview 1 command adapter that jco bundles) into a preview 2 component
#   that imports wasi:cli/*, wasi:io/*, wasi:filesystem/* ... and exports
#   wasi:cli/run.
# kinds.component.wasm: kinds.component.wat through `jco parse`
#   (wasm-tools parse), one import/export of each extern kind.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
JCO_VERSION=1.35.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "@bytecodealliance/jco@$JCO_VERSION" >/dev/null
clang --target=wasm32-wasi -O2 -Wl,--strip-debug "$here/hello.c" -o hello.wasm
npx jco new hello.wasm --wasi-command -o "$here/hello.component.wasm"
npx jco parse "$here/kinds.component.wat" -o "$here/kinds.component.wasm"
npx jco wit "$here/hello.component.wasm"
