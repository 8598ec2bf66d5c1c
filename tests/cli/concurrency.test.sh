#!/usr/bin/env bash
# Concurrency and crashes in one store. Several wasmpack processes build,
# pull, tag, inspect and remove images in one store at once (each rmi runs
# gc): every tag a process reported added is there at the end unless that
# process removed it later, nothing removed comes back, and the layout
# validates. Then kill -9 at seeded random points of builds and pulls:
# after each kill the store validates and the same command succeeds, and
# the next rmi clears what the killed processes left in .wasmpack/tmp.
#
# CONC_SEED (default 1) seeds the choices; CONC_WORKERS (4), CONC_OPS (14
# per worker) and CRASH_ROUNDS (24) size the runs.
SUITE=concurrency
source "$REPO/tests/cli/lib.sh"

SEED=${CONC_SEED:-1}
WORKERS=${CONC_WORKERS:-4}
OPS=${CONC_OPS:-20}
ROUNDS=${CRASH_ROUNDS:-24}
S=$WORK/store # shared by every worker; created by them, all at once

pad_wasm "$TD/hello.wasm" "$WORK/pad1m.wasm" $((1024 * 1024)) 3
pad_wasm "$TD/hello.wasm" "$WORK/pad4m.wasm" $((4 * 1024 * 1024)) 5
pad_wasm "$TD/hello.wasm" "$WORK/pad4m-pulled.wasm" $((4 * 1024 * 1024)) 6
mods=("$TD/hello.wasm" "$TD/files.wasm" "$TD/clock_random.wasm" "$WORK/pad1m.wasm")

t_all=$(ms)
kit_start open || { finish; exit 1; }
R=$REGISTRY_ADDR
# Per worker, images to pull: pub/wN/imgK (K < 3), from a separate store.
for ((w = 0; w < WORKERS; w++)); do
	for k in 0 1 2; do
		"$WASMPACK" --store "$WORK/pubstore" build -t "pub/w$w/img$k:v1" --label "worker=$w" "${mods[k]}" >/dev/null 2>&1 &&
			"$WASMPACK" --store "$WORK/pubstore" push "pub/w$w/img$k:v1" "$R/pub/w$w/img$k:v1" >/dev/null 2>&1 ||
			not_ok "seed pub/w$w/img$k"
	done
done

echo "# set-up took $(($(ms) - t_all)) ms"

# ---- several processes, one store ----------------------------------------
# A worker keeps the set of its own tags (names under w<N>/ and
# pub/w<N>/, so no two workers share one) and logs each operation:
#   "<exit> <op> <ref>" in its log, its final tag set in its .tags file.
worker() {
	local w=$1 j op ref src k rc
	local -a mine=()
	RANDOM=$((SEED * 1000 + w))
	for ((j = 0; j < OPS; j++)); do
		op=$((RANDOM % 10))
		((${#mine[@]} == 0)) && op=0
		case $op in
		0 | 1 | 2) # build
			ref=w$w/b:$j
			"$WASMPACK" --store "$S" build -t "$ref" "${mods[RANDOM % ${#mods[@]}]}" >/dev/null 2>"$WORK/w$w.err"
			rc=$?
			echo "$rc build $ref" >>"$WORK/w$w.log"
			((rc == 0)) && mine+=("docker.io/$ref")
			;;
		3 | 4) # pull
			k=$((RANDOM % 3))
			ref=$R/pub/w$w/img$k:v1
			"$WASMPACK" --store "$S" pull "$ref" >/dev/null 2>"$WORK/w$w.err"
			rc=$?
			echo "$rc pull $ref" >>"$WORK/w$w.log"
			((rc == 0)) && [[ " ${mine[*]} " != *" $ref "* ]] && mine+=("$ref")
			;;
		5 | 6) # tag one of its own
			src=${mine[RANDOM % ${#mine[@]}]}
			ref=w$w/t:$j
			"$WASMPACK" --store "$S" tag "$src" "$ref" >/dev/null 2>"$WORK/w$w.err"
			rc=$?
			echo "$rc tag $src $ref" >>"$WORK/w$w.log"
			((rc == 0)) && mine+=("docker.io/$ref")
			;;
		7 | 8) # remove one of its own (and collect garbage)
			k=$((RANDOM % ${#mine[@]}))
			ref=${mine[k]}
			"$WASMPACK" --store "$S" rmi "$ref" >/dev/null 2>"$WORK/w$w.err"
			rc=$?
			echo "$rc rmi $ref" >>"$WORK/w$w.log"
			((rc == 0)) && unset 'mine[k]' && mine=("${mine[@]}")
			;;
		9) # read one of its own back: manifest, config and layer
			ref=${mine[RANDOM % ${#mine[@]}]}
			"$WASMPACK" --store "$S" inspect "$ref" >/dev/null 2>"$WORK/w$w.err"
			rc=$?
			echo "$rc inspect $ref" >>"$WORK/w$w.log"
			;;
		esac
		((rc == 0)) || sed "s/^/    w$w: /" "$WORK/w$w.err" >>"$WORK/w$w.log"
	done
	printf '%s\n' "${mine[@]}" >"$WORK/w$w.tags"
}

t0=$(ms)
pids=()
for ((w = 0; w < WORKERS; w++)); do
	worker "$w" &
	pids+=($!)
done
wait "${pids[@]}"
t_conc=$(($(ms) - t0))

cat "$WORK"/w*.log >"$WORK/all.log"
ops_run=$(grep -c '^[0-9]' "$WORK/all.log")
ops_failed=$(grep -c '^[1-9]' "$WORK/all.log")
echo "# $WORKERS processes, $ops_run operations in $((t_conc / 1000)) s on one store:$(
	for op in build pull tag rmi inspect; do printf ' %s=%s' "$op" "$(grep -c "^[0-9]* $op " "$WORK/all.log")"; done)"
grep -E '^[1-9]|^    ' "$WORK/all.log" | head -n 20 | sed 's/^/# /'
check "every operation of every process succeeded ($ops_failed of $ops_run failed)" test "$ops_failed" -eq 0
cat "$WORK"/w*.tags | grep . | sort >"$WORK/expected"
"$WASMPACK" --store "$S" images --json >"$WORK/images.json" 2>"$ERR"
node -e 'for (const i of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).images) console.log(i.name)' \
	"$WORK/images.json" | sort >"$WORK/actual"
check "no tag was lost: every tag a process added and kept is there ($(wc -l <"$WORK/expected") tags)" \
	bash -c "! comm -23 '$WORK/expected' '$WORK/actual' | grep ."
check "no removed tag came back" bash -c "! comm -13 '$WORK/expected' '$WORK/actual' | grep ."
check "the shared store validates, every blob intact" store_sound "$S"
bad=0
while read -r ref; do
	"$WASMPACK" --store "$S" inspect "$ref" >/dev/null 2>&1 || { echo "# cannot inspect $ref"; bad=$((bad + 1)); }
done <"$WORK/expected"
check "every remaining image reads back whole" test "$bad" -eq 0

# ---- one image, pulled and removed at once --------------------------------
# A pull that finds blobs present skips them, and then tags; an rmi in
# another process collects garbage meanwhile. The pull must not lose the
# blobs it counted on, and the store must stay whole.
"$WASMPACK" --store "$WORK/pubstore" build -t pub/shared:v1 "$WORK/pad1m.wasm" >/dev/null 2>&1 &&
	"$WASMPACK" --store "$WORK/pubstore" push pub/shared:v1 "$R/pub/shared:v1" >/dev/null 2>&1 ||
	not_ok "seed pub/shared"
X=$WORK/contended
"$WASMPACK" --store "$X" pull "$R/pub/shared:v1" >/dev/null 2>&1
(for ((i = 0; i < 20; i++)); do "$WASMPACK" --store "$X" rmi "$R/pub/shared:v1" >/dev/null 2>&1; done) &
remover=$!
pull_fails=0
for ((i = 0; i < 20; i++)); do
	"$WASMPACK" --store "$X" pull "$R/pub/shared:v1" >/dev/null 2>"$ERR" ||
		{ pull_fails=$((pull_fails + 1)); sed 's/^/# /' "$ERR" | tail -n 1; }
done
wait "$remover"
check "20 pulls of an image another process keeps removing all succeed ($pull_fails failed)" test "$pull_fails" -eq 0
check "and the store is whole" store_sound "$X"

# ---- kill -9 during builds and pulls --------------------------------------
C=$WORK/crash
"$WASMPACK" --store "$WORK/pubstore" build -t crash/pull:v1 "$WORK/pad4m-pulled.wasm" >/dev/null 2>&1
pulled=$("$WASMPACK" --store "$WORK/pubstore" push crash/pull:v1 "$R/crash/pull:v1" 2>/dev/null | tail -n 1)
pulled_layer=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(m.layers[0].digest.slice(7))' \
	"$WORK/pubstore/blobs/sha256/${pulled#sha256:}")
built=$("$WASMPACK" --store "$WORK/probe0" build -t crash/b:probe "$WORK/pad4m.wasm" 2>/dev/null | tail -n 1)
# How long each takes when left alone (the faster of two runs, as the
# rounds will see it): kills land anywhere in the first 90% of that.
span_of() {
	local best=999999 t0 d i
	for i in 1 2; do
		rm -rf "$WORK/probe"
		t0=$(ms)
		"$@" >/dev/null 2>&1
		d=$(($(ms) - t0))
		((d < best)) && best=$d
	done
	echo $((best * 9 / 10 + 1))
}
build_ms=$(span_of "$WASMPACK" --store "$WORK/probe" build -t crash/b:probe "$WORK/pad4m.wasm")
pull_ms=$(span_of "$WASMPACK" --store "$WORK/probe" pull "$R/crash/pull:v1")
echo "# crash rounds: kills land within the first $build_ms ms of a build, $pull_ms ms of a pull"

t_crash=$(ms)
RANDOM=$SEED
interrupted=0 completed_first=0 leftovers=0 bad_after=() bad_rerun=() bad_clean=()
for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 2 == 0)); then
		span=$build_ms want=$built
		cmd=("$WASMPACK" --store "$C" build -t "crash/b:$r" "$WORK/pad4m.wasm")
	else
		span=$pull_ms want=$pulled
		cmd=("$WASMPACK" --store "$C" pull "$R/crash/pull:v1")
	fi
	delay=$(((RANDOM * 32768 + RANDOM) % span))
	"${cmd[@]}" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$delay")"
	if kill -9 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		[[ $? -eq 137 ]] && interrupted=$((interrupted + 1)) || completed_first=$((completed_first + 1))
	else
		wait "$pid" 2>/dev/null
		completed_first=$((completed_first + 1))
	fi
	left=$(ls -A "$C/.wasmpack/tmp" 2>/dev/null | wc -l)
	leftovers=$((leftovers + left))
	# A store that was killed while being created may not exist yet.
	if [[ -e $C/index.json ]] && ! store_sound "$C" >"$WORK/sound.out"; then
		bad_after+=("$r")
		sed 's/^/#   /' "$WORK/sound.out" | head -n 3
	fi
	got=$("${cmd[@]}" 2>"$ERR" | tail -n 1)
	[[ $got == "$want" ]] || { bad_rerun+=("$r"); sed 's/^/#   /' "$ERR" | head -n 3; }
	if ((r % 2 == 1)); then
		# Drop the pulled image, so the next pull downloads it again;
		# its gc must also clear what killed processes left behind.
		"$WASMPACK" --store "$C" rmi "$R/crash/pull:v1" >/dev/null 2>&1 || bad_clean+=("$r")
		[[ -z $(ls -A "$C/.wasmpack/tmp") ]] || bad_clean+=("$r")
		ls "$C" | grep -q '^index.json.tmp-' && bad_clean+=("$r")
		[[ -e $C/blobs/sha256/${pulled#sha256:} || -e $C/blobs/sha256/$pulled_layer ]] && bad_clean+=("$r")
	fi
done
echo "# crash rounds took $(($(ms) - t_crash)) ms"
echo "# $ROUNDS kill -9 rounds ($((ROUNDS / 2)) builds, $((ROUNDS / 2)) pulls): $interrupted interrupted mid-way, $completed_first had finished; $leftovers temporary files left by them"
check "kills interrupted many rounds mid-way ($interrupted of $ROUNDS)" test "$interrupted" -ge $((ROUNDS / 3))
check "after every kill the store validates with intact blobs (${bad_after[*]:-all do})" test ${#bad_after[@]} -eq 0
check "after every kill the same command succeeds with the right digest (${bad_rerun[*]:-all do})" \
	test ${#bad_rerun[@]} -eq 0
check "every rmi cleared the temporary files and the removed image (${bad_clean[*]:-all did})" \
	test ${#bad_clean[@]} -eq 0
check "the crash store validates at the end" store_sound "$C"
check "and lists every build that was re-run" bash -c "
	[[ \$('$WASMPACK' --store '$C' images | grep -c 'crash/b ') -eq $((ROUNDS / 2)) ]]"

finish
