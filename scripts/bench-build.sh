#!/usr/bin/env bash
# Build throughput: wasmpack build against `gzip -6 -n` on the same bytes,
# medians of N runs each, measured side by side in one run.
#   scripts/bench-build.sh [N]   (default 5)
# Modules: esbuild.wasm from the esbuild-wasm npm package (a real 12 MB
# module) and a synthetic 200 MiB module (esbuild's bytes repeated in a
# custom section, so it compresses like real code).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
WP=$PWD/${BUILD:-build}/wasmpack
W=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

(cd "$W" && npm pack --silent esbuild-wasm@0.24.0 >/dev/null && tar -xzf esbuild-wasm-*.tgz package/esbuild.wasm)
mv "$W/package/esbuild.wasm" "$W/esbuild.wasm"
node -e '
const fs = require("fs");
const src = fs.readFileSync(process.argv[1]);
const fill = 200 * 1024 * 1024 - 64, name = Buffer.from("bench");
const leb = n => { const b = []; do { let x = n & 0x7f; n = Math.floor(n / 128); if (n) x |= 0x80; b.push(x); } while (n); return Buffer.from(b); };
const fd = fs.openSync(process.argv[2], "w");
fs.writeSync(fd, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]));
fs.writeSync(fd, leb(1 + name.length + fill));
fs.writeSync(fd, Buffer.from([name.length]));
fs.writeSync(fd, name);
for (let left = fill; left > 0; left -= src.length) fs.writeSync(fd, src.subarray(0, Math.min(left, src.length)));
fs.closeSync(fd);' "$W/esbuild.wasm" "$W/synthetic.wasm"

# Seconds of one run of a command, wall clock.
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-16s %10s %12s %12s %12s %8s\n' module MiB "wasmpack s" "gzip -6 s" "wasmpack MB/s" ratio
for m in esbuild synthetic; do
	f=$W/$m.wasm
	mib=$(echo "$(stat -c %s "$f") / 1048576" | bc -l)
	: >"$W/a"
	: >"$W/b"
	for _ in $(seq "$N"); do
		rm -rf "$W/store"
		secs "$WP" -q --store "$W/store" build -t bench/x:1 "$f" >>"$W/a"
		secs gzip -6 -n -c "$f" >>"$W/b"
	done
	a=$(median <"$W/a")
	b=$(median <"$W/b")
	printf '%-16s %10.1f %12.2f %12.2f %12.1f %8.2f\n' "$m" "$mib" "$a" "$b" "$(echo "$mib / $a" | bc -l)" "$(echo "$a / $b" | bc -l)"
done
echo "ratio = wasmpack time / gzip -6 time on the same bytes (lower is better)"
