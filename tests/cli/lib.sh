# Shared by the CLI test scripts: counters, checks, temp dirs, JSON reads,
# and the background helpers (the registry kit, the fault proxy, the
# scripted responder) that one clean-up always stops.
# A script sets SUITE, sources this, calls checks, and ends with `finish`.
set -u
: "${WASMPACK:?run through tests/run.sh or set WASMPACK}"
: "${WASMPACK_TESTDATA:?}"
: "${REPO:?}"
TD=$WASMPACK_TESTDATA
pass=0
fails=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-${SUITE:-test}.XXXXXX")
KIT=$REPO/registry/registry.sh
kits=()     # registry kit dirs to stop
procs=()    # pids of helpers we started (a suite may add its own)
holders=()  # fds that keep a helper's stdin open
at_exits=() # commands a suite added with at_exit

# The one clean-up, on every exit: the suite's own commands, then the
# helpers, the kits, and the work directory.
cleanup() {
	local p d c
	for c in "${at_exits[@]}"; do eval "$c"; done
	for p in "${procs[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${procs[@]}"; do wait "$p" 2>/dev/null; done
	for d in "${kits[@]}"; do "$KIT" stop "$d" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# at_exit 'CMD': runs CMD (a string, evaluated) when the suite exits.
at_exit() { at_exits+=("$1"); }
OUT=$WORK/out
ERR=$WORK/err
LAST_ERR=$WORK/last_err # stderr of the last check_exit, kept for later checks

ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - $1"
	shift
	for f in "$@"; do [[ -s $f ]] && sed 's/^/    /' "$f" | head -n 20; done
	fails=$((fails + 1))
}

# check DESC CMD...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@" >"$OUT" 2>"$ERR"; then ok "$desc"; else not_ok "$desc (exit $?)" "$OUT" "$ERR"; fi
}

# check_exit CODE DESC CMD...: the command must exit with CODE.
check_exit() {
	local code=$1 desc=$2
	shift 2
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	cp "$ERR" "$LAST_ERR"
	if [[ $rc -eq $code ]]; then ok "$desc"; else not_ok "$desc (exit $rc, wanted $code)" "$OUT" "$ERR"; fi
}

# A field of a JSON file, by a JavaScript path: jget FILE '.config.os'
jget() { node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const v=eval("o"+process.argv[2]); process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"; }

# The path of a blob in a store.
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

export -f jget blob

finish() {
	echo "$SUITE: $pass passed, $fails failed"
	[[ $fails -eq 0 ]]
}

# ---- background helpers ---------------------------------------------------

# kit_start MODE [ARGS]: starts the registry kit (registry/registry.sh) and
# evals what it prints: REGISTRY_ADDR, REGISTRY_DIR, REGISTRY_LOG and, by
# mode, REGISTRY_USER, REGISTRY_PASS, REGISTRY_CA, TOKEN_*. Stopped at exit.
kit_start() {
	local out
	if ! out=$("$KIT" start "$@" 2>"$WORK/kit.err"); then
		not_ok "the registry kit starts in mode $*" "$WORK/kit.err"
		return 1
	fi
	eval "$out"
	kits+=("$REGISTRY_DIR")
}
# kit_stop DIR: stops a kit before the end (REGISTRY_DIR of its start).
kit_stop() { "$KIT" stop "$1" >/dev/null 2>&1; }

# helper_start NAME CMD...: runs CMD in the background with a stdin that
# stays open while this shell lives (the helpers exit when it closes),
# waits for its "PORT=<n>" line and sets HELPER_PORT and HELPER_PID.
helper_start() {
	local name=$1 fd i
	shift
	mkfifo "$WORK/$name.in"
	"$@" <"$WORK/$name.in" >"$WORK/$name.port" 2>"$WORK/$name.err" &
	HELPER_PID=$!
	procs+=("$HELPER_PID")
	exec {fd}>"$WORK/$name.in"
	holders+=("$fd")
	HELPER_PORT=
	for ((i = 0; i < 100; i++)); do
		HELPER_PORT=$(sed -n 's/^PORT=\([0-9]*\)$/\1/p' "$WORK/$name.port")
		[[ -n $HELPER_PORT ]] && return 0
		sleep 0.1
	done
	not_ok "$name starts" "$WORK/$name.err"
	return 1
}

# proxy_start NAME UPSTREAM_ADDR ARGS...: the fault proxy in front of
# UPSTREAM_ADDR (127.0.0.1:PORT); sets PROXY_ADDR and PROXY_LOG.
proxy_start() {
	local name=$1 up=$2
	shift 2
	PROXY_LOG=$WORK/$name.log
	helper_start "$name" node "$REPO/tests/servers/proxy.mjs" --upstream "http://$up" \
		--log "$PROXY_LOG" "$@" || return 1
	PROXY_ADDR=127.0.0.1:$HELPER_PORT
}

# responder_start NAME SCRIPT.json: the scripted responder (tests/servers);
# sets RESPONDER_ADDR and RESPONDER_LOG.
responder_start() {
	local name=$1 script=$2
	RESPONDER_LOG=$WORK/$name.log
	helper_start "$name" node "$REPO/tests/servers/scripted.mjs" "$script" --log "$RESPONDER_LOG" \
		--max-seconds 600 || return 1
	RESPONDER_ADDR=127.0.0.1:$HELPER_PORT
}

# helper_stop PID: stops one helper we started.
helper_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# store_sound DIR: every blob is named by the hash of its bytes, all that
# index.json reaches is there with its size and digest, no stray file sits
# in blobs/ (tests/tools/layout-check.mjs), and oci-image-tool validates
# the layout. oci-image-tool knows only image configs: for a store holding
# wasm artifacts its one complaint, that config media type, is let pass
# (layout-check.mjs has walked those images).
store_sound() {
	node "$REPO/tests/tools/layout-check.mjs" "$1" || return 1
	oci-image-tool validate --type image "$1" >/dev/null 2>"$WORK/validate.err" && return 0
	# Its errors come as one line: 'N errors detected: \nE1\nE2...'.
	local items
	items=$(grep -o 'errors detected: .*' "$WORK/validate.err" | sed 's/\\n/\n/g' | tail -n +2)
	if [[ -n $items ]] &&
		! grep -vq 'config validation failed: invalid descriptor MediaType \\"application/vnd.wasm.config.v0+json\\"' <<<"$items"; then
		return 0
	fi
	cat "$WORK/validate.err"
	return 1
}

# ms: milliseconds since the epoch.
ms() { echo $(($(date +%s%N) / 1000000)); }

# pad_wasm IN OUT BYTES SEED: IN with BYTES random bytes in a custom section.
pad_wasm() { node "$REPO/tests/tools/wasm-pad.mjs" "$@"; }

# digest_of FILE: sha256:<hex> of FILE.
digest_of() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"; }
