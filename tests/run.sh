#!/usr/bin/env bash
# Runs every check of the project: unit tests, then each tests/*/ script
# (CLI, store, interop with other OCI tools, the registry kit). Each suite
# ends with "NAME: N passed, N failed"; this adds them up into the last line.
set -uo pipefail
cd "$(dirname "$0")/.."

export BUILD=${BUILD:-build}
export WASMPACK="$PWD/$BUILD/wasmpack"
export WASMPACK_TESTDATA="$PWD/$BUILD/testdata"
export REPO="$PWD"

total_pass=0
total_fail=0
failed_suites=()

# Runs one suite, shows its output, and adds its closing counts.
run_suite() {
	local name=$1
	shift
	local log
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	local status=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [[ -z $line ]]; then
		echo "$name: no summary line (exit $status): counted as one failure"
		total_fail=$((total_fail + 1))
		failed_suites+=("$name")
		return
	fi
	local p f
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [[ $f -ne 0 || $status -ne 0 ]]; then
		[[ $f -eq 0 ]] && total_fail=$((total_fail + 1))
		failed_suites+=("$name")
	fi
}

if ! testdata/build.sh "$WASMPACK_TESTDATA" >/dev/null; then
	echo "testdata: could not build the test modules"
	echo "0 passed, 1 failed"
	exit 1
fi

run_suite unit "$BUILD/unit-tests"
for t in tests/cli/*.test.sh tests/registry-kit.sh; do
	[[ -f $t ]] || continue
	run_suite "$(basename "$t" .sh)" bash "$t"
done

echo
[[ ${#failed_suites[@]} -gt 0 ]] && echo "failing suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
