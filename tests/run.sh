#!/usr/bin/env bash
# Runs every check of the project: unit tests, then each tests/*/ script
# (CLI, store, interop with other OCI tools, the registry kit). Each suite
# ends with "NAME: N passed, N failed"; tests/tools/sum.sh adds them up into
# the last line.
set -uo pipefail
cd "$(dirname "$0")/.."

export BUILD=${BUILD:-build}
export WASMPACK="$PWD/$BUILD/wasmpack"
export WASMPACK_TESTDATA="$PWD/$BUILD/testdata"
export REPO="$PWD"

source tests/tools/sum.sh
SUM_WHAT=suites

if ! testdata/build.sh "$WASMPACK_TESTDATA" >/dev/null; then
	echo "testdata: could not build the test modules"
	echo "0 passed, 1 failed"
	exit 1
fi

sum_run unit "$BUILD/unit-tests"
for t in tests/cli/*.test.sh tests/registry-kit.sh; do
	[[ -f $t ]] || continue
	sum_run "$(basename "$t" .sh)" bash "$t"
done

echo
sum_total
