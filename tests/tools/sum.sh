# Sourced by tests/run.sh and .ci/run: runs suites and adds up the closing
# lines they print, "NAME: N passed, N failed" (or without "NAME: "), into
# one closing line of the same shape.
#   sum_run NAME CMD...   runs CMD, shows its output, adds its counts
#   sum_total             prints the failing names and "N passed, N failed";
#                         its status is 0 only when nothing failed
# SUM_PREFIX goes before sum's own lines ("=== " in .ci/run), SUM_WHAT
# names what failed ("suites", "runs").
sum_pass=0
sum_fail=0
sum_failed=() # names of the runs that failed
sum_times=()  # "NAME: N s" per run

sum_run() {
	local name=$1
	shift
	local log status line counts t0=$SECONDS
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	rm -f "$log"
	sum_times+=("$name: $((SECONDS - t0)) s")
	if [[ -z $line ]]; then
		# A run that dies before its summary must not pass unseen.
		echo "${SUM_PREFIX:-}$name: no summary line (exit $status): counted as one failure"
		sum_fail=$((sum_fail + 1))
		sum_failed+=("$name")
		return
	fi
	counts=$(sed -E 's/^([A-Za-z0-9_.-]+: )?([0-9]+) passed, ([0-9]+) failed$/\2 \3/' <<<"$line")
	local p=${counts% *} f=${counts#* }
	sum_pass=$((sum_pass + p))
	sum_fail=$((sum_fail + f))
	if [[ $f -ne 0 || $status -ne 0 ]]; then
		# A run that fails with every check passed still counts once.
		[[ $f -eq 0 ]] && sum_fail=$((sum_fail + 1))
		sum_failed+=("$name")
	fi
}

sum_total() {
	[[ ${#sum_failed[@]} -gt 0 ]] && echo "${SUM_PREFIX:-}failing ${SUM_WHAT:-suites}: ${sum_failed[*]}"
	echo "$sum_pass passed, $sum_fail failed"
	[[ $sum_fail -eq 0 ]]
}
