#!/usr/bin/env bash
# Build throughput only: the build section of scripts/bench.sh (wasmpack
# build against gzip -6/-1, umoci and wasmpack on one core, on hello.wasm,
# esbuild.wasm and a 200 MiB module), medians of N runs.
#   scripts/bench-build.sh [N]   (default 5, at least 5)
set -euo pipefail
BENCH_RUNS=${1:-${BENCH_RUNS:-5}} exec "$(dirname "$0")/bench.sh" build
