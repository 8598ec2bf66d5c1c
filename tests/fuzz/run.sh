#!/usr/bin/env bash
# Runs the libFuzzer targets built by `make fuzz-build`, each for
# FUZZ_SECONDS, on a work copy of its seed corpus, then prints one table:
# executions, speed, corpus size and findings (crash, leak, timeout, oom
# reproducers written this run) per target. Exits 1 when anything was found.
#   FUZZ_DIR=build/fuzz FUZZ_SECONDS=60 tests/fuzz/run.sh wasm tar
set -uo pipefail
cd "$(dirname "$0")/../.."

FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
[[ $# -gt 0 ]] || set -- reference manifest www_authenticate docker_config wasm tar

run_one() {
	local t=$1
	local work=$FUZZ_DIR/work/$t findings=$FUZZ_DIR/findings/$t
	local bin=$FUZZ_DIR/fuzz_$t
	mkdir -p "$work/corpus" "$findings"
	# Seeds are copied, never written: libFuzzer adds to its first directory.
	cp -n testdata/fuzz/"$t"/* "$work/corpus"/ 2>/dev/null
	local args=(-max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$findings/")
	[[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
	echo "fuzz: $t for ${FUZZ_SECONDS}s (log: $work/log)"
	"$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1
	echo $? >"$work/status"
}

running=0
for t in "$@"; do
	if [[ ! -x $FUZZ_DIR/fuzz_$t ]]; then
		echo "fuzz: $FUZZ_DIR/fuzz_$t is not built (make fuzz-build)" >&2
		exit 2
	fi
	run_one "$t" &
	running=$((running + 1))
	if [[ $running -ge $FUZZ_JOBS ]]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

total_findings=0
echo
printf '%-18s %12s %9s %8s %9s\n' target executions exec/s corpus findings
for t in "$@"; do
	log=$FUZZ_DIR/work/$t/log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	corpus=$(find "$FUZZ_DIR/work/$t/corpus" -type f | wc -l)
	found=$(grep -c 'Test unit written to' "$log")
	total_findings=$((total_findings + found))
	printf '%-18s %12s %9s %8s %9s\n' "$t" "${execs:-?}" "${speed:-?}" "$corpus" "$found"
done
if [[ $total_findings -gt 0 ]]; then
	echo
	echo "fuzz: $total_findings finding(s):"
	for t in "$@"; do
		grep -h 'Test unit written to' "$FUZZ_DIR/work/$t/log" | sed "s/^/  $t: /"
		grep -h -m1 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz check failed|.*runtime error)' \
			"$FUZZ_DIR/work/$t/log" | sed "s/^/    /"
	done
	exit 1
fi
