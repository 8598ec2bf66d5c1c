#!/usr/bin/env bash
# Replays every seed and reproducer of testdata/fuzz/<target>/ through the
# fuzz targets, built with the normal compiler and flags (so with
# SANITIZE=address,undefined under `make test SANITIZE=...`): no input may
# crash, leak, hit UB or break a round trip. Run by tests/run.sh through
# tests/cli/fuzz-replay.test.sh, or on its own from anywhere.
SUITE=fuzz-replay
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
# lib.sh wants the CLI's paths even though this suite does not use them.
export REPO WASMPACK=${WASMPACK:-$REPO/$BUILD/wasmpack}
export WASMPACK_TESTDATA=${WASMPACK_TESTDATA:-$REPO/$BUILD/testdata}
# shellcheck source=../cli/lib.sh
. "$REPO/tests/cli/lib.sh"
cd "$REPO" || exit 1

targets=(reference manifest www_authenticate docker_config wasm tar)

# The top-level Makefile includes fuzz.mk; until it does, name it here too
# (fuzz.mk guards against being read twice).
make_args=(-s B="$BUILD")
[[ -n ${SANITIZE:-} ]] && make_args+=(SANITIZE="$SANITIZE")
grep -q 'tests/fuzz/fuzz.mk' Makefile || make_args+=(-f Makefile -f tests/fuzz/fuzz.mk)
check "replay binaries build" make "${make_args[@]}" fuzz-replay

for t in "${targets[@]}"; do
	bin=$BUILD/fuzz-replay/replay_$t
	corpus=testdata/fuzz/$t
	if [[ ! -x $bin ]]; then
		not_ok "$t: $bin was not built"
		continue
	fi
	n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	if [[ $n -eq 0 ]]; then
		not_ok "$t: no inputs in $corpus"
		continue
	fi
	# Leak checks are ASan's default where it runs; keep them on.
	if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" "$corpus" >"$OUT" 2>"$ERR"; then
		ok "$t: $n inputs of $corpus replay cleanly"
	else
		not_ok "$t: replaying $corpus failed (exit $?)" "$OUT" "$ERR"
	fi
done

finish
