#!/usr/bin/env bash
# What a user meets: progress bars on a terminal and plain lines elsewhere,
# one JSON object per command with stable keys, -v, help, the man page and
# completions generated from the command tables, --deny on build and pull,
# what an image can reach, and hints on errors a user can act on.
SUITE=ux
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
NETWORK=$TD/network.wasm
export DOCKER_CONFIG=$WORK/docker
unset NO_COLOR

S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# tty FILE CMD...: runs CMD under a pseudo-terminal, everything it writes to FILE.
tty() {
	local file=$1
	shift
	TERM=xterm script -qfec "$(printf '%q ' "$@")" /dev/null >"$file" 2>&1 </dev/null
}
# keys FILE KEY...: the JSON object in FILE has every KEY.
keys() {
	local f=$1
	shift
	node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
		const miss=process.argv.slice(2).filter(k=>!(k in o));
		if(miss.length){console.error("missing keys: "+miss.join(", "));process.exit(1)}' "$f" "$@"
}

# ---- help, generated from the command tables -------------------------------
"$WASMPACK" --help >"$WORK/help.txt"
mapfile -t COMMANDS < <(sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p' "$WORK/help.txt")
check "--help lists the commands" test "${#COMMANDS[@]}" -ge 10
check "--help shows --no-progress and the exit codes" bash -c "
	grep -q -- '--no-progress' '$WORK/help.txt' && grep -q '^  6  integrity' '$WORK/help.txt'"
same=1
for c in "${COMMANDS[@]}"; do
	if ! cmp -s <("$WASMPACK" help "$c") <("$WASMPACK" "$c" --help) ||
		! "$WASMPACK" help "$c" | head -n 1 | grep -q "^usage: wasmpack $c"; then
		echo "# help $c differs from $c --help, or has no usage line"
		same=0
	fi
done
check "'help CMD' and 'CMD --help' print the same generated help for every command" test $same -eq 1
check_exit 2 "an unknown command exits 2" "$WASMPACK" frobnicate

# ---- man page and completions ------------------------------------------------
"$WASMPACK" __man <"$REPO/doc/wasmpack.1.in" >"$WORK/wasmpack.1"
check "the man page renders without groff warnings" bash -c "
	groff -man -Tutf8 -ww -z '$WORK/wasmpack.1' 2>'$WORK/groff.err' && [[ ! -s '$WORK/groff.err' ]]"
groff -man -Tutf8 "$WORK/wasmpack.1" 2>/dev/null | sed 's/.\x08//g' >"$WORK/man.txt"
missing=()
for c in "${COMMANDS[@]}"; do grep -q "^ *wasmpack $c" "$WORK/man.txt" || missing+=("$c"); done
check "the man page lists every command (${missing[*]:-none missing})" test ${#missing[@]} -eq 0
check "the man page carries every option of build" bash -c "
	for o in \$('$WASMPACK' help build | sed -n 's/^ *\\(-., \\)\\?--\\([a-z-]*\\).*/\\2/p'); do
		grep -q -- \"--\$o\" '$WORK/man.txt' || { echo \"missing --\$o\"; exit 1; }
	done"
if command -v man >/dev/null; then
	check "man -l shows the page" bash -c "MANWIDTH=80 man -l '$WORK/wasmpack.1' 2>/dev/null | grep -q 'EXIT STATUS'"
fi
"$WASMPACK" __completion bash >"$WORK/wasmpack.bash"
check "the bash completion loads and registers itself" bash -c "source '$WORK/wasmpack.bash'; complete -p wasmpack"
check "the bash completion offers commands and a command's options" bash -c "
	source '$WORK/wasmpack.bash'
	COMP_WORDS=(wasmpack pu); COMP_CWORD=1; _wasmpack; [[ \"\${COMPREPLY[*]}\" == 'push pull' ]] || exit 1
	COMP_WORDS=(wasmpack pull --de); COMP_CWORD=2; _wasmpack; [[ \"\${COMPREPLY[*]}\" == '--deny' ]]"
check "the bash completion offers a command's options after its positionals, and globals there" bash -c "
	source '$WORK/wasmpack.bash'
	COMP_WORDS=(wasmpack --store /tmp build app.wasm -t x --pla); COMP_CWORD=7; _wasmpack
	[[ \"\${COMPREPLY[*]}\" == '--platform' ]] || exit 1
	COMP_WORDS=(wasmpack push a b --no-p); COMP_CWORD=4; _wasmpack; [[ \"\${COMPREPLY[*]}\" == '--no-progress' ]]"
if command -v zsh >/dev/null; then
	mkdir -p "$WORK/zsh"
	"$WASMPACK" __completion zsh >"$WORK/zsh/_wasmpack"
	check "the zsh completion parses and compinit picks it up" bash -c "
		zsh -n '$WORK/zsh/_wasmpack' &&
		[[ \$(zsh -fc 'fpath=($WORK/zsh \$fpath); autoload -U compinit; compinit -u -D; print \${_comps[wasmpack]}') == _wasmpack ]]"
else
	echo "# zsh not installed: the zsh completion is not loaded here"
fi

# ---- build: progress line, --json, --deny, what an image can reach --------
tty "$WORK/build.tty" "$WASMPACK" --store "$S" build -t demo/hello:v1 "$HELLO"
check "build on a terminal draws a status line" bash -c "
	grep -q \$'\\e\\[' '$WORK/build.tty' && grep -q 'packing' '$WORK/build.tty'"
wp build -t demo/hello:v1 "$HELLO" >/dev/null 2>"$WORK/build.err"
check "build without a terminal writes no escape codes" bash -c "! grep -q \$'\\e' '$WORK/build.err'"
wp --json build -t demo/hello:v1 -t demo/hello:latest "$HELLO" >"$WORK/build.json" 2>/dev/null
check "build --json has the documented keys" keys "$WORK/build.json" digest size mediaType references \
	platform format manifest config layer diffId kind wasi capabilities reach
check "build --json: references, platform, wasi and reach" bash -c "
	[[ \$(jget '$WORK/build.json' .references) == '[\"docker.io/demo/hello:v1\",\"docker.io/demo/hello:latest\"]' &&
	   \$(jget '$WORK/build.json' .platform) == wasi/wasm32 && \$(jget '$WORK/build.json' .wasi) == preview1 &&
	   \$(jget '$WORK/build.json' .manifest.digest) == \$(jget '$WORK/build.json' .digest) &&
	   \$(jget '$WORK/build.json' .reach) == *'no network' ]]"
BUILT=$(jget "$WORK/build.json" .digest)
check_exit 6 "build --deny network refuses a module that imports sockets" \
	"$WASMPACK" --store "$S" build --deny network -t demo/net:v1 "$NETWORK"
check "the refusal names the capability and the import that reaches it" \
	grep -q 'denied capabilities: network (wasi_snapshot_preview1 sock_' "$LAST_ERR"
check_exit 3 "and nothing is tagged" "$WASMPACK" --store "$S" inspect demo/net:v1
check "build --deny network accepts a module that does not" \
	"$WASMPACK" --store "$S" build --deny network -t demo/ok:v1 "$HELLO"
check_exit 2 "an unknown capability is a usage error" "$WASMPACK" --store "$S" build --deny teleport -t x/y:1 "$HELLO"
wp build -t demo/net:v1 "$NETWORK" >/dev/null 2>&1
check "inspect of a stored image says what its module can reach" bash -c "
	'$WASMPACK' --store '$S' inspect demo/hello:v1 | grep -q '^Can reach: .*; no network' &&
	'$WASMPACK' --store '$S' inspect demo/net:v1 | grep -Eq '^Can reach: +network'"
wp --json inspect demo/net:v1 >"$WORK/inspect.json"
check "inspect --json of an image has the documented keys" keys "$WORK/inspect.json" name digest \
	mediaType size platform config layers annotations entrypoint wasi capabilities reach
check "inspect --json of an image lists its capabilities" bash -c "
	[[ \$(jget '$WORK/inspect.json' .capabilities) == '[\"network\"]' ]]"
wp --json inspect "$NETWORK" >"$WORK/inspect-mod.json"
check "inspect --json of a module file has the documented keys" keys "$WORK/inspect-mod.json" file \
	kind size wasi role capabilities reach imports exports metadata producers
wp --json images >"$WORK/images.json"
check "images --json is one object with an images array of the documented keys" bash -c "
	node -e '
		const o=JSON.parse(require(\"fs\").readFileSync(process.argv[1],\"utf8\"));
		if(!Array.isArray(o.images)||o.images.length<3) process.exit(1);
		for(const i of o.images) for(const k of [\"name\",\"repository\",\"tag\",\"digest\",\"mediaType\",\"platform\",\"size\"])
			if(!(k in i)) {console.error(\"missing \"+k); process.exit(1)}
		const h=o.images.find(i=>i.name===\"docker.io/demo/hello:v1\");
		if(!h||h.tag!==\"v1\"||h.repository!==\"docker.io/demo/hello\"||h.digest!==process.argv[2]) process.exit(1)' '$WORK/images.json' '$BUILT'"

# ---- push and pull: progress, --json, -v, --deny ----------------------------
if kit_start open; then
	R=$REGISTRY_ADDR
	tty "$WORK/push.tty" "$WASMPACK" --store "$S" push demo/hello:v1 "$R/demo/hello:v1"
	check "push on a terminal draws bars with escape codes and says what became of each blob" bash -c "
		grep -q \$'\\e\\[' '$WORK/push.tty' && grep -q 'uploaded' '$WORK/push.tty' && grep -q 'config' '$WORK/push.tty' &&
		grep -q 'layer' '$WORK/push.tty'"
	check "the digest is still the last line" bash -c "[[ \$(tr -d '\\r' < '$WORK/push.tty' | tail -n 1) == '$BUILT' ]]"
	check "push without a terminal succeeds" bash -c "
		'$WASMPACK' --store '$S' push demo/hello:v1 '$R/demo/hello:v2' >'$WORK/push.out' 2>'$WORK/push.err' ||
		{ cat '$WORK/push.err'; exit 1; }"
	check "push without a terminal prints plain lines, no escape codes" bash -c "
		! grep -q \$'\\e' '$WORK/push.err' && grep -Eq '^wasmpack: [0-9a-f]{12} (already there|uploaded|mounted)' '$WORK/push.err'"
	tty "$WORK/push-np.tty" "$WASMPACK" --no-progress --store "$S" push demo/hello:v1 "$R/demo/hello:v3"
	check "--no-progress on a terminal: plain lines, no escape codes" bash -c "
		! grep -q \$'\\e' '$WORK/push-np.tty' && grep -q '^wasmpack: pushed' '$WORK/push-np.tty'"
	NO_COLOR=1 tty "$WORK/push-nc.tty" "$WASMPACK" --store "$S" push demo/hello:v1 "$R/demo/hello:v4"
	check "NO_COLOR on a terminal: no escape codes" bash -c "! grep -q \$'\\e' '$WORK/push-nc.tty'"
	tty "$WORK/push-q.tty" "$WASMPACK" -q --store "$S" push demo/hello:v1 "$R/demo/hello:v5"
	check "-q on a terminal: only the digest" bash -c "
		! grep -q \$'\\e' '$WORK/push-q.tty' && [[ \$(tr -d '\\r' < '$WORK/push-q.tty') == '$BUILT' ]]"
	check "push --json succeeds" bash -c "
		'$WASMPACK' --store '$S' --json push demo/hello:v1 '$R/demo/hello:v6' >'$WORK/push.json' 2>'$WORK/push-json.err' ||
		{ cat '$WORK/push-json.err'; exit 1; }"
	check "push --json has the documented keys" keys "$WORK/push.json" reference references digest size \
		mediaType platform blobsMoved blobsSkipped bytesMoved requests
	check "push --json: the digest built, the full reference" bash -c "
		[[ \$(jget '$WORK/push.json' .digest) == '$BUILT' && \$(jget '$WORK/push.json' .reference) == '$R/demo/hello:v6' &&
		   \$(jget '$WORK/push.json' .platform) == wasi/wasm32 ]]"
	wp -v push demo/hello:v1 "$R/demo/hello:v7" >/dev/null 2>"$WORK/push-v.err"
	check "-v shows each HTTP request and its status" bash -c "
		grep -Eq '^wasmpack: > (HEAD|GET|PUT|POST) ' '$WORK/push-v.err' && grep -Eq '^wasmpack: < [0-9]{3} ' '$WORK/push-v.err'"

	S2=$WORK/pulled
	tty "$WORK/pull.tty" "$WASMPACK" --store "$S2" pull "$R/demo/hello:v1"
	check "pull on a terminal draws bars and says 'verified'" bash -c "
		grep -q \$'\\e\\[' '$WORK/pull.tty' && grep -q 'verified' '$WORK/pull.tty'"
	"$WASMPACK" --store "$WORK/pulled2" pull "$R/demo/hello:v1" >/dev/null 2>"$WORK/pull.err"
	check "pull without a terminal prints plain lines, no escape codes" bash -c "
		! grep -q \$'\\e' '$WORK/pull.err' && grep -q 'downloaded and verified' '$WORK/pull.err'"
	"$WASMPACK" --store "$WORK/pulled3" --json pull -o "$WORK/mod.wasm" "$R/demo/hello:v1" >"$WORK/pull.json" 2>/dev/null
	check "pull --json has the documented keys" keys "$WORK/pull.json" reference references digest size \
		mediaType platform blobsMoved blobsSkipped bytesMoved requests module
	check "pull --json: the digest pushed, the module written" bash -c "
		[[ \$(jget '$WORK/pull.json' .digest) == '$BUILT' && \$(jget '$WORK/pull.json' .module) == '$WORK/mod.wasm' ]] &&
		cmp '$WORK/mod.wasm' '$HELLO'"
	"$WASMPACK" --json inspect --remote "$R/demo/hello:v1" >"$WORK/remote.json"
	check "inspect --remote --json has the documented keys" keys "$WORK/remote.json" name digest mediaType size

	# --deny on pull: refused with exit 6, and the store left as it was.
	wp push demo/net:v1 "$R/demo/app:net" >/dev/null 2>&1
	wp push demo/hello:v1 "$R/demo/app:ok" >/dev/null 2>&1
	D=$WORK/deny
	"$WASMPACK" --store "$D" pull "$R/demo/hello:v1" >/dev/null 2>&1
	"$WASMPACK" --store "$D" tag "$R/demo/hello:v1" "$R/demo/app:net" >/dev/null 2>&1
	snapshot() { (cd "$D" && find blobs -type f | sort && cat index.json); }
	snapshot >"$WORK/before"
	check_exit 6 "pull --deny network refuses a module that imports sockets" \
		"$WASMPACK" --store "$D" pull --deny network -o "$WORK/net.wasm" "$R/demo/app:net"
	check "the refusal names the capability and says the store is unchanged" bash -c "
		grep -q 'denied capabilities: network' '$LAST_ERR' && grep -q 'left as it was' '$LAST_ERR'"
	check "and the import that reaches it" grep -q 'network (wasi_snapshot_preview1 sock_' "$LAST_ERR"
	snapshot >"$WORK/after"
	check "the store is as before the pull: the old tag back, no new blob" cmp "$WORK/before" "$WORK/after"
	check "and the module was not written" test ! -e "$WORK/net.wasm"
	check "pull --deny network accepts a module that does not import sockets" bash -c "
		[[ \$('$WASMPACK' --store '$D' pull --deny network,filesystem '$R/demo/app:ok' 2>/dev/null | tail -n 1) == '$BUILT' ]]"
	check_exit 6 "pull --deny into an empty store refuses too" \
		"$WASMPACK" --store "$WORK/deny2" pull --deny network "$R/demo/app:net"
	check "and leaves no image and no blob behind" bash -c "
		[[ -z \$(find '$WORK/deny2/blobs' -type f 2>/dev/null) ]] &&
		[[ \$('$WASMPACK' --store '$WORK/deny2' -q images) == '' ]]"
	kit_stop "$REGISTRY_DIR"
fi

# ---- hints on errors a user can act on ------------------------------------
if kit_start htpasswd; then
	check_exit 4 "pushing to a registry without a login exits 4" \
		"$WASMPACK" --store "$S" push demo/hello:v1 "$REGISTRY_ADDR/demo/hello:v1"
	check "and the hint says which login to run" grep -q "hint: run \`wasmpack login $REGISTRY_ADDR\` first" "$LAST_ERR"
	check "the hint is one line" test "$(grep -c '^hint:' "$LAST_ERR")" -eq 1
	printf '%s\n' "$REGISTRY_PASS" >"$WORK/pass"
	check "-v login logs its requests" bash -c "
		'$WASMPACK' -v login -u '$REGISTRY_USER' --password-stdin '$REGISTRY_ADDR' < '$WORK/pass' 2>'$WORK/login-v.err' &&
		grep -Eq '^wasmpack: > GET ' '$WORK/login-v.err'"
	wp -v push demo/hello:v1 "$REGISTRY_ADDR/demo/hello:v1" >/dev/null 2>>"$WORK/login-v.err"
	B64=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)
	check "-v never shows the password or the Basic credentials" bash -c "
		grep -q '< 201 ' '$WORK/login-v.err' && ! grep -qF -- '$REGISTRY_PASS' '$WORK/login-v.err' &&
		! grep -qF -- '$B64' '$WORK/login-v.err'"
	kit_stop "$REGISTRY_DIR"
fi
if kit_start tls; then
	check_exit 5 "pushing to a registry whose CA is not trusted exits 5" \
		"$WASMPACK" --store "$S" push demo/hello:v1 "$REGISTRY_ADDR/demo/hello:v1"
	check "and the hint names --ca-file" grep -q -- "hint: .*--ca-file" "$LAST_ERR"
	check "with --ca-file the push goes through" \
		"$WASMPACK" --store "$S" push --ca-file "$REGISTRY_CA" demo/hello:v1 "$REGISTRY_ADDR/demo/hello:v1"
	kit_stop "$REGISTRY_DIR"
fi
# A registry that rate-limits everything, as Docker Hub does past its limit.
node -e '
	const s=require("http").createServer((q,r)=>{r.writeHead(429,{"content-type":"application/json",
		"ratelimit-limit":"100;w=21600","ratelimit-remaining":"0;w=21600","retry-after":"0"});
		r.end(JSON.stringify({errors:[{code:"TOOMANYREQUESTS",message:"rate limit reached"}]}))});
	s.listen(0,"127.0.0.1",()=>console.log(s.address().port));' >"$WORK/429.port" &
procs+=($!)
for _ in $(seq 50); do [[ -s $WORK/429.port ]] && break; sleep 0.1; done
P429=$(cat "$WORK/429.port")
check_exit 5 "a rate-limited pull exits 5" "$WASMPACK" --store "$WORK/rl" pull "127.0.0.1:$P429/demo/hello:v1"
check "the message carries the rate-limit headers and a hint" bash -c "
	grep -q 'ratelimit-remaining' '$LAST_ERR' && grep -q '^hint: ' '$LAST_ERR'"

finish
