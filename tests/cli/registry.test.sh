#!/usr/bin/env bash
# push, pull, login and logout against the real registry (registry/ kit)
# in each of its modes: open, htpasswd, token, TLS, redirected blobs.
SUITE=registry
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
export DOCKER_CONFIG=$WORK/docker

wp() { "$WASMPACK" --store "$S" "$@"; }
# Every HTTP request the registry answered, from its access log.
requests() { grep -cE '^[0-9a-f.:]+ - .* "[A-Z]+ [^ ]+ HTTP/[0-9.]+" [0-9]{3} ' "$REGISTRY_LOG"; }
jfield() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(v)})' "$1"; }

S=$WORK/store
wp build -t demo/hello:v1 "$HELLO" -- from-image >/dev/null 2>&1
BUILT=$(wp inspect --json demo/hello:v1 | jfield digest)

# ---- open registry -------------------------------------------------------
if kit_start open; then
	R=$REGISTRY_ADDR
	before=$(requests)
	check "push to a loopback registry prints the built digest" bash -c "
		'$WASMPACK' --store '$S' push demo/hello:v1 '$R/demo/hello:v1' > '$WORK/push.out' &&
		[[ \$(tail -n 1 '$WORK/push.out') == '$BUILT' ]]"
	sleep 0.3
	cold=$(($(requests) - before))
	echo "# cold push: $cold requests in the registry's access log"
	check "a cold push sends at most 8 requests (HEAD manifest, 2x HEAD+POST+PUT blob, PUT manifest)" \
		test "$cold" -le 8
	before=$(requests)
	check "a re-push of an unchanged image reports one request" bash -c "
		[[ \$('$WASMPACK' --store '$S' --json push demo/hello:v1 '$R/demo/hello:v1' 2>/dev/null | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).requests))') == 1 ]]"
	sleep 0.3
	again=$(($(requests) - before))
	echo "# re-push: $again requests in the registry's access log"
	check "the registry's log shows one request for the re-push" test "$again" -eq 1
	check "skopeo sees the exact manifest bytes wasmpack shows" bash -c "
		cmp <(skopeo inspect --raw --tls-verify=false docker://$R/demo/hello:v1) <('$WASMPACK' --store '$S' inspect --raw demo/hello:v1)"
	check "inspect --remote --raw shows the same bytes" bash -c "
		cmp <('$WASMPACK' inspect --remote --raw $R/demo/hello:v1) <('$WASMPACK' --store '$S' inspect --raw demo/hello:v1)"
	S2=$WORK/store2
	check "pull into an empty store gives the same digest" bash -c "
		[[ \$('$WASMPACK' --store '$S2' pull -o '$WORK/pulled.wasm' $R/demo/hello:v1 | tail -n 1) == '$BUILT' ]]"
	check "pull -o writes the module byte for byte" cmp "$WORK/pulled.wasm" "$HELLO"
	check "the pulled store validates" oci-image-tool validate --type image "$S2"
	check "the pulled module runs under node:wasi" bash -c "
		node '$REPO/testdata/run-wasi.mjs' '$WORK/pulled.wasm' from-image | grep -qx 'arg 1: from-image'"
	check "pulling again moves no blob" bash -c "
		[[ \$('$WASMPACK' --store '$S2' --json pull $R/demo/hello:v1 2>/dev/null | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).blobsMoved))') == 0 ]]"
	wp build --format artifact -t demo/art:v1 "$HELLO" >/dev/null 2>&1
	check "an artifact round-trips" bash -c "
		'$WASMPACK' --store '$S' push demo/art:v1 $R/demo/art:v1 >/dev/null 2>&1 &&
		'$WASMPACK' --store '$WORK/store3' pull -o '$WORK/art.wasm' $R/demo/art:v1 >/dev/null 2>&1 &&
		cmp '$WORK/art.wasm' '$HELLO'"
	check_exit 3 "pulling a missing tag exits 3" "$WASMPACK" --store "$S2" pull "$R/demo/hello:nope"
	check "the not-found message names the image" grep -q 'demo/hello' "$LAST_ERR"
	check_exit 3 "pulling a missing repository exits 3" "$WASMPACK" --store "$S2" pull "$R/nobody/here:v1"
	check_exit 3 "pushing an image the store lacks exits 3" "$WASMPACK" --store "$S" push demo/none:v1 "$R/demo/none:v1"
	kit_stop "$REGISTRY_DIR"
	t0=$(date +%s)
	check_exit 5 "a registry that is down gives exit 5" "$WASMPACK" --store "$S2" pull "$R/demo/hello:v1"
	check "and within seconds" test $(($(date +%s) - t0)) -le 10
fi

# ---- htpasswd (Basic) ----------------------------------------------------
if kit_start htpasswd; then
	R=$REGISTRY_ADDR
	check_exit 4 "push without credentials exits 4" wp push demo/hello:v1 "$R/demo/hello:v1"
	check_exit 4 "login with a wrong password exits 4" bash -c "
		echo wrong | '$WASMPACK' login -u '$REGISTRY_USER' --password-stdin $R"
	check "the refusal is one clear line" bash -c "[[ \$(wc -l < '$LAST_ERR') == 1 ]] && grep -qi 'auth' '$LAST_ERR'"
	check "no config.json entry after a failed login" bash -c "! grep -qs '$R' '$DOCKER_CONFIG/config.json'"
	check "login with the right password" bash -c "
		printf '%s\n' '$REGISTRY_PASS' | '$WASMPACK' login -u '$REGISTRY_USER' --password-stdin $R"
	check "config.json holds the login, mode 0600" bash -c "
		grep -q '\"$R\"' '$DOCKER_CONFIG/config.json' && [[ \$(stat -c %a '$DOCKER_CONFIG/config.json') == 600 ]]"
	check "the password is not in the log of a verbose push" bash -c "
		'$WASMPACK' --store '$S' -v push demo/hello:v1 $R/demo/hello:v1 2> '$WORK/v.log' >/dev/null &&
		! grep -q '$REGISTRY_PASS' '$WORK/v.log' && ! grep -qi 'authorization: basic' '$WORK/v.log'"
	check "pull with the stored login: same digest, same bytes" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/store4' pull -o '$WORK/b.wasm' $R/demo/hello:v1 | tail -n 1) == '$BUILT' ]] && cmp '$WORK/b.wasm' '$HELLO'"
	check "logout removes the login" bash -c "
		'$WASMPACK' logout $R && ! grep -q '\"$R\"' '$DOCKER_CONFIG/config.json'"
	check_exit 4 "after logout, pull is refused with exit 4" wp pull "$R/demo/hello:v1"

	# A credential helper, as docker's credsStore names it.
	mkdir -p "$WORK/bin"
	cat >"$WORK/bin/docker-credential-wptest" <<'HELPER'
#!/usr/bin/env bash
# Test credential helper: keeps one secret per server in files.
dir=${WPTEST_STORE:?}
mkdir -p "$dir"
read -r input
case $1 in
store) server=$(node -e 'console.log(JSON.parse(process.argv[1]).ServerURL)' "$input")
       printf '%s' "$input" >"$dir/$(printf '%s' "$server" | sha256sum | cut -c1-16)" ;;
get) f=$dir/$(printf '%s' "$input" | sha256sum | cut -c1-16)
     if [[ -f $f ]]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
erase) rm -f "$dir/$(printf '%s' "$input" | sha256sum | cut -c1-16)" ;;
*) exit 1 ;;
esac
HELPER
	chmod +x "$WORK/bin/docker-credential-wptest"
	export WPTEST_STORE=$WORK/helper-store PATH="$WORK/bin:$PATH"
	echo '{"credsStore":"wptest"}' >"$DOCKER_CONFIG/config.json"
	check "login stores through the credential helper" bash -c "
		printf '%s\n' '$REGISTRY_PASS' | '$WASMPACK' login -u '$REGISTRY_USER' --password-stdin $R 2>/dev/null &&
		[[ \$(ls '$WPTEST_STORE' | wc -l) == 1 ]] && ! grep -q '$REGISTRY_PASS' '$DOCKER_CONFIG/config.json'"
	check "push uses the helper's login" wp push demo/hello:v1 "$R/demo/hello:helper"
	check "logout erases it from the helper" bash -c "
		'$WASMPACK' logout $R 2>/dev/null && [[ \$(ls '$WPTEST_STORE' | wc -l) == 0 ]]"
	rm -f "$DOCKER_CONFIG/config.json"
	kit_stop "$REGISTRY_DIR"
fi

# ---- token auth (Docker Hub style) ---------------------------------------
if kit_start token; then
	R=$REGISTRY_ADDR
	check_exit 4 "token mode: anonymous push is refused with exit 4" wp push demo/hello:v1 "$R/demo/hello:v1"
	check "token mode: login" bash -c "
		printf '%s\n' '$REGISTRY_PASS' | '$WASMPACK' login -u '$REGISTRY_USER' --password-stdin $R"
	before=$(requests)
	check "token mode: push" wp push demo/hello:v1 "$R/demo/hello:v1"
	echo "# token mode: cold push: $(($(requests) - before)) registry requests"
	before=$(requests)
	wp push demo/hello:v1 "$R/demo/hello:v1" >/dev/null 2>&1
	echo "# token mode: re-push: $(($(requests) - before)) registry requests"
	check "token mode: pull round trip: same digest, same bytes" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/store5' pull -o '$WORK/t.wasm' $R/demo/hello:v1 | tail -n 1) == '$BUILT' ]] && cmp '$WORK/t.wasm' '$HELLO'"
	check_exit 4 "token mode: a wrong password is refused by the token service" bash -c "
		echo nope | '$WASMPACK' --config '$WORK/other' login -u '$REGISTRY_USER' --password-stdin $R"
	"$WASMPACK" logout "$R" >/dev/null 2>&1
	kit_stop "$REGISTRY_DIR"
fi

# ---- TLS with a throw-away CA --------------------------------------------
if kit_start tls; then
	R=$REGISTRY_ADDR
	check_exit 5 "TLS: an unknown CA is refused (exit 5), not downgraded" wp push demo/hello:v1 "$R/demo/hello:v1"
	check "TLS: push with --ca-file" wp push --ca-file "$REGISTRY_CA" demo/hello:v1 "$R/demo/hello:v1"
	check "TLS: pull with --insecure: same digest, same bytes" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/store6' pull --insecure -o '$WORK/s.wasm' $R/demo/hello:v1 | tail -n 1) == '$BUILT' ]] && cmp '$WORK/s.wasm' '$HELLO'"
	kit_stop "$REGISTRY_DIR"
fi

# ---- blob reads redirected to another origin -----------------------------
if kit_start redirect --auth htpasswd; then
	R=$REGISTRY_ADDR
	printf '%s\n' "$REGISTRY_PASS" | "$WASMPACK" login -u "$REGISTRY_USER" --password-stdin "$R" >/dev/null 2>&1
	check "redirect: push" wp push demo/hello:v1 "$R/demo/hello:v1"
	check "redirect: pull follows the blob redirect: same digest, same bytes" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/store7' pull -o '$WORK/r.wasm' $R/demo/hello:v1 | tail -n 1) == '$BUILT' ]] && cmp '$WORK/r.wasm' '$HELLO'"
	check "redirect: the other origin served the blobs" test -s "$REDIRECT_LOG"
	check "redirect: Authorization never reached the other origin" bash -c "! grep -qi 'authorization' '$REDIRECT_LOG'"
	"$WASMPACK" logout "$R" >/dev/null 2>&1
	kit_stop "$REGISTRY_DIR"
fi

finish
