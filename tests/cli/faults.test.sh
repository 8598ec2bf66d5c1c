#!/usr/bin/env bash
# Fault injection: wasmpack pushes and pulls through tests/servers/proxy.mjs,
# which stands between it and the real registry and, on a seeded schedule,
# resets connections (before the registry acts, after it acted, mid-body),
# answers 500/502/503 and 429 with Retry-After, stalls then hangs up,
# truncates bodies, shortens them behind a matching Content-Length and
# corrupts blob and manifest bytes. Every operation must succeed with the
# right digest or fail in bounded time with exit 5 or 6 and one clear
# line, and nothing corrupt may ever become visible in a store. Then:
# upload restarts, a lost final PUT answer, a download resumed after a
# reset, and a token that expires in the middle of an upload.
#
# FAULT_SEED (default 5) picks the schedule, FAULT_OPS (default 40) the
# number of operations, FAULT_RATE (default 0.3) the share of requests hit.
SUITE=faults
source "$REPO/tests/cli/lib.sh"

SEED=${FAULT_SEED:-5} # a seed whose run meets every kind of fault
OPS=${FAULT_OPS:-40}
RATE=${FAULT_RATE:-0.3}
JOBS=${FAULT_JOBS:-4} # operations at a time
OP_LIMIT=90 # seconds: the longest an operation may take, failing or not
S=$WORK/src

# ---- images: small and larger modules, both formats ----------------------
pad_wasm "$TD/hello.wasm" "$WORK/pad256k.wasm" $((256 * 1024)) 7
pad_wasm "$TD/hello.wasm" "$WORK/pad4m.wasm" $((4 * 1024 * 1024)) 11
mods=("$TD/hello.wasm" "$TD/files.wasm" "$WORK/pad256k.wasm" "$TD/hello.component.wasm" "$TD/clock_random.wasm")
fmts=(image artifact image image artifact)
declare -a built
for k in "${!mods[@]}"; do
	built[k]=$("$WASMPACK" --store "$S" build --format "${fmts[k]}" -t "src/img$k:v1" "${mods[k]}" 2>"$ERR" | tail -n 1)
	[[ ${built[k]} == sha256:* ]] || not_ok "build img$k" "$ERR"
done

kit_start open || { finish; exit 1; }
R=$REGISTRY_ADDR
running=()
# Every operation has a repository of its own (pushes to dst/opN, pulls
# from src/opN), so the proxy's schedule for it does not depend on what
# runs beside it, and its requests are told apart by path.
seed_op() {
	local i=$1 k=$(((i / 2) % ${#mods[@]}))
	"$WASMPACK" --store "$S" push "src/img$k:v1" "$R/src/op$i:v1" >/dev/null 2>"$WORK/seed$i.err" ||
		echo "seed op$i failed: $(cat "$WORK/seed$i.err")" >>"$WORK/seed.err"
}
for ((i = 1; i < OPS; i += 2)); do
	seed_op "$i" &
	running+=($!)
	(((i + 1) % 8 == 0)) && wait "${running[@]}" && running=()
done
wait "${running[@]}"
[[ -s $WORK/seed.err ]] && not_ok "the registry is seeded for the pulls" "$WORK/seed.err"

proxy_start proxy "$R" --seed "$SEED" --rate "$RATE" --stall-ms 1000 || { finish; exit 1; }
P=$PROXY_ADDR
echo "# fault proxy $P in front of $R: seed $SEED, rate $RATE, $OPS operations, $JOBS at a time"

# The error line of a run: the last line of stderr from wasmpack that is
# not the verbose log (a "hint:" line may follow it).
error_line() { grep '^wasmpack' "$1" | grep -v '^wasmpack: [<>*]' | tail -n 1; }

# ---- the run ----------------------------------------------------------------
# Operations alternate push (to a new repository, so every blob is sent)
# and pull (into a new store, so every blob is fetched).
run_op() {
	local i=$1 k=$(((i / 2) % ${#mods[@]})) t0 rc
	t0=$(ms)
	if ((i % 2 == 0)); then
		timeout -k 5 $((OP_LIMIT + 30)) "$WASMPACK" --store "$S" -v push "src/img$k:v1" "$P/dst/op$i:v1" \
			>"$WORK/op$i.out" 2>"$WORK/op$i.err"
	else
		timeout -k 5 $((OP_LIMIT + 30)) "$WASMPACK" --store "$WORK/pull$i" -v pull -o "$WORK/op$i.wasm" \
			"$P/src/op$i:v1" >"$WORK/op$i.out" 2>"$WORK/op$i.err"
	fi
	rc=$?
	echo "$rc $(($(ms) - t0))" >"$WORK/op$i.rc"
}
declare -a op_kind op_img op_rc op_ms
t_run=$(ms)
# (`wait` alone would also wait for the proxy: only ever wait for ops.)
running=()
for ((i = 0; i < OPS; i++)); do
	run_op "$i" &
	running+=($!)
	while ((${#running[@]} >= JOBS)); do
		wait -n "${running[@]}"
		alive=()
		for p in "${running[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
		running=("${alive[@]}")
	done
done
wait "${running[@]}"
t_run=$(($(ms) - t_run))
for ((i = 0; i < OPS; i++)); do
	op_img[i]=$(((i / 2) % ${#mods[@]}))
	((i % 2 == 0)) && op_kind[i]=push || op_kind[i]=pull
	read -r op_rc[i] op_ms[i] <"$WORK/op$i.rc"
	last=$(error_line "$WORK/op$i.err")
	echo "# op $i: ${op_kind[i]} img${op_img[i]}: exit ${op_rc[i]} in ${op_ms[i]} ms${last:+: ${last:0:160}}"
done

# The proxy's log lines of operation i (by its repository), as JSON.
op_faults() {
	local repo
	((${1} % 2 == 0)) && repo=dst/op$1 || repo=src/op$1
	grep -F "\"path\":\"/v2/$repo/" "$PROXY_LOG"
}

ok_ops=0 failed=0 slow=() bad_rc=() bad_msg=() bad_digest=() bad_store=() unexplained=()
restarts=0 lost_put=0 resumed=0
for ((i = 0; i < OPS; i++)); do
	k=${op_img[i]}
	err=$WORK/op$i.err
	((op_ms[i] > OP_LIMIT * 1000)) && slow+=("$i")
	restarts=$((restarts + $(grep -c 'starting over' "$err")))
	lost_put=$((lost_put + $(grep -c 'after all' "$err")))
	resumed=$((resumed + $(grep -c 'resuming at byte' "$err")))
	if [[ ${op_rc[i]} -eq 0 ]]; then
		ok_ops=$((ok_ops + 1))
		[[ $(tail -n 1 "$WORK/op$i.out") == "${built[k]}" ]] || bad_digest+=("$i")
		if [[ ${op_kind[i]} == pull ]] && ! cmp -s "$WORK/op$i.wasm" "${mods[k]}"; then
			bad_digest+=("$i")
		fi
	else
		failed=$((failed + 1))
		[[ ${op_rc[i]} -eq 5 || ${op_rc[i]} -eq 6 ]] || bad_rc+=("$i")
		# One line that says what could not be done, on what.
		last=$(error_line "$err")
		[[ $last =~ ^wasmpack(:| [a-z]+:).*(cannot|failed) && ${#last} -lt 1200 && $last != *'<html'* ]] ||
			bad_msg+=("$i")
		# An integrity failure needs damaged bytes to have been served;
		# a network failure needs faults.
		if [[ ${op_rc[i]} -eq 6 ]]; then
			op_faults "$i" | grep -qE '"fault":"(corrupt|short)"' || unexplained+=("$i")
		else
			op_faults "$i" | grep -qvE '"fault":"none"' || unexplained+=("$i")
		fi
	fi
	if [[ ${op_kind[i]} == pull ]]; then
		d=$WORK/pull$i
		if ! store_sound "$d" >"$WORK/sound.out"; then
			bad_store+=("$i")
			sed 's/^/#   /' "$WORK/sound.out" | head -n 5
		elif [[ ${op_rc[i]} -ne 0 ]] && grep -q '"manifests":\[{' "$d/index.json" 2>/dev/null; then
			bad_store+=("$i") # a failed pull tagged something
		elif [[ -n $(ls -A "$d/.wasmpack/tmp" 2>/dev/null) ]]; then
			bad_store+=("$i") # temporary files outlived the process
		fi
	fi
done
faulted_requests=$(grep -vc '"fault":"none"' "$PROXY_LOG")
requests=$(wc -l <"$PROXY_LOG")
echo "# $OPS operations ($((OPS / 2 + OPS % 2)) pushes, $((OPS / 2)) pulls) in $((t_run / 1000)) s: $ok_ops succeeded, $failed failed"
echo "# $requests requests through the proxy, $faulted_requests faulted; by kind:$(
	node -e '
		const c = {};
		for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n"))
			if (l) { const f = JSON.parse(l).fault; if (f !== "none") c[f] = (c[f] || 0) + 1; }
		process.stdout.write(Object.entries(c).sort().map(([k, v]) => ` ${k}=${v}`).join(""));
	' "$PROXY_LOG")"
longest=0
for ((i = 0; i < OPS; i++)); do ((op_ms[i] > longest)) && longest=${op_ms[i]}; done
echo "# longest operation: $longest ms; upload sessions restarted: $restarts; lost PUT answers found by HEAD: $lost_put; downloads resumed: $resumed"
for ((i = 0; i < OPS; i++)); do
	[[ ${op_rc[i]} -ne 0 ]] || continue
	echo "# failed op $i (${op_kind[i]}, exit ${op_rc[i]}): $(error_line "$WORK/op$i.err" | cut -c1-200)"
	echo "#   faults it met: $(op_faults "$i" | grep -v '"fault":"none"' | node -e '
		let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(s.split("\n").filter(Boolean)
			.map((l) => { const o = JSON.parse(l); return `${o.fault}@${o.method} ${o.path.replace(/sha256:(.{8}).*/, "sha256:$1…").replace(/uploads\/.*/, "uploads/…")}`; }).join(", ")))')"
done

check "faults were injected on a good share of the requests (${faulted_requests} of ${requests})" \
	test "$faulted_requests" -ge $((requests * 15 / 100))
missing_kinds=()
for kind in reset reset-after reset-mid 500 502 503 429 stall truncate short corrupt; do
	grep -q "\"fault\":\"$kind\"" "$PROXY_LOG" || missing_kinds+=("$kind")
done
check "every kind of fault was met (${missing_kinds[*]:-none missing})" test ${#missing_kinds[@]} -eq 0
check "every operation ended within ${OP_LIMIT}s (${slow[*]:-all did})" test ${#slow[@]} -eq 0
check "every failed operation exited 5 or 6 (${bad_rc[*]:-all did})" test ${#bad_rc[@]} -eq 0
check "every failure is one clear line of what could not be done (${bad_msg[*]:-all are})" test ${#bad_msg[@]} -eq 0
check "every failure is explained by the faults it met (${unexplained[*]:-all are})" test ${#unexplained[@]} -eq 0
check "every success printed the right digest; pulls wrote the module byte for byte (${bad_digest[*]:-all did})" \
	test ${#bad_digest[@]} -eq 0
check "every pull store validates, holds only intact blobs, tags nothing after a failure, keeps no temp file (${bad_store[*]:-all do})" \
	test ${#bad_store[@]} -eq 0
check "the source store is untouched by the run" store_sound "$S"
check "most operations succeed despite the faults ($ok_ops of $OPS)" test "$ok_ops" -ge $((OPS * 3 / 4))

# Every push that reported success left that image in the registry:
# pulled back directly, without faults, it has the built digest.
missing=()
for ((i = 0; i < OPS; i += 2)); do
	[[ ${op_rc[i]} -eq 0 ]] || continue
	k=${op_img[i]}
	got=$("$WASMPACK" --store "$WORK/verify" pull "$R/dst/op$i:v1" 2>"$ERR" | tail -n 1)
	[[ $got == "${built[k]}" ]] || missing+=("$i")
done
check "every successful push is in the registry with its digest (${missing[*]:-all are})" test ${#missing[@]} -eq 0
check "the store of those pulls validates" store_sound "$WORK/verify"
helper_stop "$HELPER_PID"

# ---- targeted faults: the paths the random run may or may not take ---------
# A blob PUT that reached the registry but whose answer was lost: the
# client asks the registry (HEAD) instead of failing or uploading again.
proxy_start lostput "$R" --seed 1 --rate 1 --kinds reset-after --only 'PUT,/blobs/uploads/' --max-faults 1
check "a push whose final PUT answer is lost succeeds" bash -c "
	'$WASMPACK' --store '$S' -v push src/img2:v1 '$PROXY_ADDR/lost/put:v1' >'$OUT.1' 2>'$WORK/lostput.err' &&
	[[ \$(tail -n 1 '$OUT.1') == '${built[2]}' ]]"
check "it found the blob with HEAD rather than failing" grep -q 'after all' "$WORK/lostput.err"
helper_stop "$HELPER_PID"

# PUTs refused twice: two new upload sessions, then success.
proxy_start restart "$R" --seed 2 --rate 1 --kinds 503 --only 'PUT,/blobs/uploads/' --max-faults 2
check "a push whose blob PUT fails twice restarts the upload and succeeds" bash -c "
	'$WASMPACK' --store '$S' -v push src/img0:v1 '$PROXY_ADDR/restart/put:v1' >'$OUT.1' 2>'$WORK/restart.err' &&
	[[ \$(tail -n 1 '$OUT.1') == '${built[0]}' ]]"
check "each failed session was dropped for a new POST" bash -c "
	[[ \$(grep -c 'starting over' '$WORK/restart.err') -eq 2 && \$(grep -c '\"method\":\"POST\"' '$PROXY_LOG') -ge 3 ]]"
check "the registry holds the image it was sent" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/verify' pull '$R/restart/put:v1' 2>/dev/null | tail -n 1) == '${built[0]}' ]]"
helper_stop "$HELPER_PID"

# A layer download reset midway is resumed with Range, not restarted.
proxy_start midway "$R" --seed 3 --rate 1 --kinds reset-mid --only 'GET,/blobs/sha256:' --max-faults 2
check "a pull whose blob downloads are cut midway succeeds" bash -c "
	'$WASMPACK' --store '$WORK/resume' -v pull -o '$WORK/resume.wasm' '$PROXY_ADDR/src/op5:v1' >'$OUT.1' 2>'$WORK/resume.err' &&
	[[ \$(tail -n 1 '$OUT.1') == '${built[2]}' ]] && cmp '$WORK/resume.wasm' '${mods[2]}'"
check "it resumed where the connection broke" grep -q 'resuming at byte' "$WORK/resume.err"
check "the resumed store validates with intact blobs" store_sound "$WORK/resume"
helper_stop "$HELPER_PID"

# Damaged bytes never become visible: a corrupted layer fails the pull
# with exit 6 and leaves no blob of it, no tag and no temp file.
proxy_start corrupt "$R" --seed 4 --rate 1 --kinds corrupt --only 'GET,/blobs/sha256:'
check_exit 6 "a pull of a corrupted blob exits 6" "$WASMPACK" --store "$WORK/corrupt" pull "$PROXY_ADDR/src/op5:v1"
check "the message names the digest mismatch" grep -qiE 'digest|hash' "$LAST_ERR"
check "nothing of it became visible" bash -c "
	[[ -z \$(ls -A '$WORK/corrupt/blobs/sha256') && -z \$(ls -A '$WORK/corrupt/.wasmpack/tmp') ]] &&
	grep -q '\"manifests\":\[\]' '$WORK/corrupt/index.json'"
helper_stop "$HELPER_PID"

# ---- a token that expires in the middle of an upload -----------------------
# The registry refuses tokens TOKEN_TTL seconds after issue; the proxy
# holds the first blob PUT longer than that, so the upload session that
# started with a good token must finish with a refreshed one.
export DOCKER_CONFIG=$WORK/docker
if TOKEN_TTL=2 TOKEN_EXP_SHIFT=-60 kit_start token; then
	T=$REGISTRY_ADDR
	proxy_start slow "$T" --rate 0 --delay 'PUT,/blobs/uploads/,3500,1'
	printf '%s\n' "$REGISTRY_PASS" | "$WASMPACK" login -u "$REGISTRY_USER" --password-stdin "$PROXY_ADDR" >/dev/null 2>&1
	big=$("$WASMPACK" --store "$S" build -t src/big:v1 "$WORK/pad4m.wasm" 2>/dev/null | tail -n 1)
	t0=$(ms)
	check "a push of a 4 MiB module through an expiring token succeeds" bash -c "
		'$WASMPACK' --store '$S' -v push src/big:v1 '$PROXY_ADDR/big/mod:v1' >'$OUT.1' 2>'$WORK/token.err' &&
		[[ \$(tail -n 1 '$OUT.1') == '$big' ]]"
	echo "# token push took $(($(ms) - t0)) ms"
	check "the registry refused the expired token on the upload's PUT" \
		grep -qE '"PUT /v2/big/mod/blobs/uploads/[^"]*" 401 ' "$REGISTRY_LOG"
	check "and took the same PUT with a fresh token" \
		grep -qE '"PUT /v2/big/mod/blobs/uploads/[^"]*" 201 ' "$REGISTRY_LOG"
	check "a new token was fetched for it" bash -c "
		[[ \$(grep -c '\"push' '$TOKEN_LOG') -ge 2 ]]"
	check "the image pulls back whole" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/tokpull' pull -o '$WORK/big.wasm' '$PROXY_ADDR/big/mod:v1' 2>/dev/null | tail -n 1) == '$big' ]] &&
		cmp '$WORK/big.wasm' '$WORK/pad4m.wasm'"
	helper_stop "$HELPER_PID"
fi

finish
