#!/usr/bin/env bash
# Issue 13, items 1 and 2: a push shows its bytes moving on a terminal
# (through a throttled link), and retries are never silent: each says how
# long it waits and why, a spent rate limit fails at once saying when it
# resets, and --retry-max-time caps the waiting (a registry that dies
# mid-push is given up within it).
SUITE=first-progress
source "$(dirname "$0")/lib.sh"

export DOCKER_CONFIG=$WORK/docker
unset NO_COLOR
S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# tty FILE CMD...: runs CMD under a pseudo-terminal, everything it writes to FILE.
tty() {
	local file=$1
	shift
	TERM=xterm COLUMNS=120 script -qfec "$(printf '%q ' "$@")" /dev/null >"$file" 2>&1 </dev/null
}
# delay_start NAME UPSTREAM ARGS...: the delay proxy (tests/servers) in front
# of UPSTREAM; sets DELAY_ADDR and DELAY_PID.
delay_start() {
	local name=$1 up=$2 i
	shift 2
	node "$REPO/tests/servers/delay-proxy.mjs" --upstream "$up" --port-file "$WORK/$name.port" \
		"$@" >/dev/null 2>"$WORK/$name.err" &
	DELAY_PID=$!
	procs+=("$DELAY_PID")
	for ((i = 0; i < 100; i++)); do
		[[ -s $WORK/$name.port ]] && break
		sleep 0.1
	done
	DELAY_ADDR=127.0.0.1:$(cat "$WORK/$name.port")
}
# http_start NAME JS: a tiny node server whose handler is (q, r) => { JS };
# sets HTTP_ADDR.
http_start() {
	local name=$1 js=$2 i
	node -e "const s=require('http').createServer((q,r)=>{$js});
		s.listen(0,'127.0.0.1',()=>console.log(s.address().port));" >"$WORK/$name.port" &
	procs+=($!)
	for ((i = 0; i < 50; i++)); do
		[[ -s $WORK/$name.port ]] && break
		sleep 0.1
	done
	HTTP_ADDR=127.0.0.1:$(cat "$WORK/$name.port")
}

# 24 MB: loopback socket buffers swallow the first few MB at once, so the
# layer must be large enough for the rest to take seconds through the proxy.
pad_wasm "$TD/hello.wasm" "$WORK/big.wasm" $((24 * 1024 * 1024)) 13
wp build -t demo/big:v1 "$WORK/big.wasm" >/dev/null 2>"$ERR" || not_ok "a 24 MB image builds" "$ERR"

# ---- 1. upload progress ----------------------------------------------------
if kit_start open; then
	# 4 MB/s: the 24 MB layer takes about 6 s.
	delay_start slow "$REGISTRY_ADDR" --rtt-ms 2 --bytes-per-second 4000000
	tty "$WORK/push.tty" "$WASMPACK" --store "$S" push demo/big:v1 "$DELAY_ADDR/demo/big:v1"
	# The layer's line while uploading: "<id> layer [===>  ] 1.2MB/6.3MB 1.5MB/s ETA 0:03".
	tr '\r' '\n' <"$WORK/push.tty" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' |
		sed -n 's/.* layer .*\] \([0-9.]*[kMG]*B\)\/[0-9.]*[kMG]*B.*/\1/p' | uniq >"$WORK/sent"
	if [[ $(grep -cv '^0B$' "$WORK/sent") -ge 3 ]]; then
		ok "the push shows the layer's bytes growing on a terminal ($(paste -sd' ' "$WORK/sent" | cut -c1-80))"
	else
		not_ok "the push shows the layer's bytes growing on a terminal" "$WORK/push.tty"
	fi
	check "the push completed through the throttled link" grep -q "uploaded" "$WORK/push.tty"
	check "the progress line shows a rate and a time left" grep -q "B/s ETA " "$WORK/push.tty"

	# ---- 2c. a registry that dies mid-push ---------------------------------
	delay_start dying "$REGISTRY_ADDR" --rtt-ms 2 --bytes-per-second 1000000
	(sleep 2 && kill "$DELAY_PID" 2>/dev/null) &
	t0=$(ms)
	check_exit 5 "a push to a registry that dies midway fails with a network error" \
		"$WASMPACK" --store "$S" push --retry-max-time 4 demo/big:v1 "$DELAY_ADDR/demo/dead:v1"
	took=$(($(ms) - t0))
	if ((took < 12000)); then
		ok "it gives up within the --retry-max-time cap (${took} ms with a 4 s cap)"
	else
		not_ok "it gives up within the --retry-max-time cap (${took} ms with a 4 s cap)" "$LAST_ERR"
	fi
	check "each retry's wait was said on stderr" grep -q "^wasmpack: retrying in [0-9.]* s (" "$LAST_ERR"
fi

# ---- 2a. a spent rate limit ----------------------------------------------
http_start spent 'r.writeHead(429,{"content-type":"application/json",
	"ratelimit-limit":"100;w=21600","ratelimit-remaining":"0;w=21600","ratelimit-reset":"3600"});
	r.end(JSON.stringify({errors:[{code:"TOOMANYREQUESTS",message:"rate limit reached"}]}))'
t0=$(ms)
check_exit 5 "a pull meeting a spent rate limit exits 5" wp pull "$HTTP_ADDR/demo/hello:v1"
took=$(($(ms) - t0))
if ((took < 2000)); then ok "it fails at once (${took} ms)"; else not_ok "it fails at once (${took} ms)" "$LAST_ERR"; fi
check "the error says when the limit resets" grep -q "resets in 1 h 00 min, at 20" "$LAST_ERR"
check "no retry was made" bash -c "! grep -q 'retrying in' '$LAST_ERR'"

# ---- 2b. a 429 worth waiting for: said, and capped -----------------------
http_start busy 'r.writeHead(429,{"retry-after":"1"}); r.end()'
t0=$(ms)
check_exit 5 "a pull that stays rate limited exits 5" \
	wp pull --retry-max-time 2.5 "$HTTP_ADDR/demo/hello:v1"
took=$(($(ms) - t0))
check "the wait is said: retrying in 1.0 s (... 429 ...)" \
	grep -q "^wasmpack: retrying in 1.0 s (http://$HTTP_ADDR answered 429 Too Many Requests; retry 1 of 4)" "$LAST_ERR"
if ((took < 4500)); then
	ok "--retry-max-time 2.5 stops the retries (${took} ms)"
else
	not_ok "--retry-max-time 2.5 stops the retries (${took} ms)" "$LAST_ERR"
fi
check_exit 5 "-q keeps the notices quiet" wp -q pull --retry-max-time 1.5 "$HTTP_ADDR/demo/hello:v1"
check "nothing said under -q but the error" bash -c "! grep -q 'retrying in' '$LAST_ERR'"
check_exit 2 "--retry-max-time takes seconds" wp pull --retry-max-time soon "$HTTP_ADDR/demo/hello:v1"
for c in push pull copy; do
	check "$c --help lists --retry-max-time" bash -c "'$WASMPACK' $c --help | grep -q -- '--retry-max-time SECONDS'"
done

# ---- 2d. a refused connection ----------------------------------------------
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
check_exit 5 "a pull from a closed port exits 5" wp pull --retry-max-time 3 "127.0.0.1:$port/demo/hello:v1"
check "the retries are said (connection refused)" \
	grep -q "^wasmpack: retrying in [0-9.]* s (http://127.0.0.1:$port: connection refused; retry 1 of 4)" "$LAST_ERR"
check "the error gives the attempts and a time that is not zero" \
	grep -Eq "connection refused; [0-9]+ attempts in ([1-9][0-9.]* ms|[0-9.]+ s)\)" "$LAST_ERR"

finish
