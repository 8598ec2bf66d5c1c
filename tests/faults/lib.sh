# Shared by the reliability suites (faults, concurrency, secrets, hostile):
# the registry kit, the fault proxy and the scripted responder as
# background processes that are always stopped, and store checks.
# Source it after tests/cli/lib.sh; it replaces lib.sh's EXIT trap.
KIT=$REPO/registry/registry.sh
kits=()    # registry kit dirs to stop
procs=()   # pids of helpers we started
holders=() # fds that keep a helper's stdin open

cleanup() {
	local p d
	for p in "${procs[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${procs[@]}"; do wait "$p" 2>/dev/null; done
	for d in "${kits[@]}"; do "$KIT" stop "$d" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# kit_start MODE [ARGS]: starts the registry kit and evals what it prints.
kit_start() {
	local out
	if ! out=$("$KIT" start "$@" 2>"$WORK/kit.err"); then
		not_ok "the registry kit starts in mode $*" "$WORK/kit.err"
		return 1
	fi
	eval "$out"
	kits+=("$REGISTRY_DIR")
}
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
