#!/usr/bin/env bash
# Secrets stay secret: the verbose log of a token-mode session holds no
# password, no Basic value, no token, no refresh token and no upload
# state; Authorization never reaches the origin that redirected blobs
# live on; config.json is 0600 in a 0700 directory whatever was there
# before; a password comes only from the terminal, standard input or -p
# (with a warning); and a registry that is not loopback is never spoken
# to over plain HTTP unless --plain-http says so.
SUITE=secrets
source "$REPO/tests/cli/lib.sh"

export DOCKER_CONFIG=$WORK/docker
S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
BUILT=$(wp build -t demo/sec:v1 "$TD/hello.wasm" 2>/dev/null | tail -n 1)

# no_secrets LOG: none of the session's secrets is in LOG (prints what is).
no_secrets() {
	local log=$1 bad=0 s
	for s in "${secrets[@]}"; do
		if grep -qF -- "$s" "$log"; then
			echo "found '${s:0:12}...' in $log"
			bad=1
		fi
	done
	# JWTs start with the base64 of '{"': no token of any kind.
	grep -q 'eyJ' "$log" && { echo "a JWT in $log"; bad=1; }
	grep -qiE 'authorization|bearer [^*]|basic [a-z0-9+/=]{8}' "$log" && { echo "a credential header in $log"; bad=1; }
	grep -qE '_state=[^*&]' "$log" && { echo "upload state in $log"; bad=1; }
	return $bad
}

# ---- token mode: what -v shows ---------------------------------------------
if kit_start token; then
	R=$REGISTRY_ADDR
	# The JWT header this service signs with: every token it issues starts so.
	jwt_head=$(curl -s -u "$REGISTRY_USER:$REGISTRY_PASS" "$TOKEN_URL?service=$TOKEN_SERVICE&scope=repository:demo/sec:pull" |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).token.split(".")[0]))')
	secrets=("$REGISTRY_PASS" "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASS" | base64 -w0)" "$TOKEN_REFRESH")
	[[ -n $jwt_head ]] && secrets+=("$jwt_head")
	check "the token service signs tokens we can recognise" test -n "$jwt_head"

	mkdir -p "$DOCKER_CONFIG"
	chmod 0755 "$DOCKER_CONFIG"
	echo '{"psFormat":"table","auths":{}}' >"$DOCKER_CONFIG/config.json"
	chmod 0644 "$DOCKER_CONFIG/config.json"
	check "login with --password-stdin (verbose)" bash -c "
		printf '%s\n' '$REGISTRY_PASS' | '$WASMPACK' -v login -u '$REGISTRY_USER' --password-stdin $R 2>'$WORK/login.log'"
	check "config.json is 0600 after login, though it was 0644" \
		test "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600
	check "login kept the file's other settings" grep -q '"psFormat"' "$DOCKER_CONFIG/config.json"
	check "the verbose login log holds no secret" no_secrets "$WORK/login.log"
	check "a verbose push works" bash -c "
		'$WASMPACK' --store '$S' -v push demo/sec:v1 $R/demo/sec:v1 >'$OUT.1' 2>'$WORK/push.log' &&
		[[ \$(tail -n 1 '$OUT.1') == '$BUILT' ]]"
	check "the push log shows the upload, with its state redacted" grep -q '_state=\*\*\*' "$WORK/push.log"
	check "the verbose push log holds no secret" no_secrets "$WORK/push.log"
	check "a verbose pull works" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/s2' -v pull $R/demo/sec:v1 2>'$WORK/pull.log' | tail -n 1) == '$BUILT' ]]"
	check "the verbose pull log holds no secret" no_secrets "$WORK/pull.log"
	check "inspect --remote -v works" bash -c "
		'$WASMPACK' -v inspect --remote $R/demo/sec:v1 >/dev/null 2>'$WORK/inspect.log'"
	check "the verbose inspect --remote log holds no secret" no_secrets "$WORK/inspect.log"
	check "config.json is still 0600 after use" test "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600

	# An identity (refresh) token as docker's credential helpers hand out.
	check "login with an identity token" bash -c "
		printf '%s\n' '$TOKEN_REFRESH' | '$WASMPACK' -v login -u '<token>' --password-stdin $R 2>'$WORK/idlogin.log'"
	check "a verbose pull with the identity token works" bash -c "
		[[ \$('$WASMPACK' --store '$WORK/s3' -v pull $R/demo/sec:v1 2>'$WORK/idpull.log' | tail -n 1) == '$BUILT' ]]"
	check "the config holds it as an identity token" grep -q '"identitytoken"' "$DOCKER_CONFIG/config.json"
	check "the identity-token login log holds no secret" no_secrets "$WORK/idlogin.log"
	check "the identity-token pull log holds no secret" no_secrets "$WORK/idpull.log"
	check_exit 4 "a wrong password is refused" bash -c "
		printf 'not-%s\n' '$REGISTRY_PASS' | '$WASMPACK' -v --config '$WORK/other' login -u '$REGISTRY_USER' --password-stdin $R"
	check "and the refusal does not echo it" bash -c "! grep -q 'not-$REGISTRY_PASS' '$LAST_ERR'"
	check "config.json is 0600 after logout" bash -c "
		'$WASMPACK' logout $R 2>/dev/null && [[ \$(stat -c %a '$DOCKER_CONFIG/config.json') == 600 ]]"
	check "the config directory is not open to others" bash -c "
		rm -rf '$WORK/fresh' && printf '%s\n' '$REGISTRY_PASS' |
		'$WASMPACK' --config '$WORK/fresh/docker' login -u '$REGISTRY_USER' --password-stdin $R 2>/dev/null &&
		[[ \$(stat -c %a '$WORK/fresh/docker') == 700 && \$(stat -c %a '$WORK/fresh/docker/config.json') == 600 ]]"

	# ---- where a password may come from --------------------------------
	before=$(wc -l <"$TOKEN_LOG")
	printf '%s\n' "$REGISTRY_PASS" >"$WORK/pw"
	# setsid: no controlling terminal, as in CI, so no prompt either.
	check_exit 2 "without --password-stdin, a password on stdin is not read" \
		env DOCKER_PASSWORD="$REGISTRY_PASS" WASMPACK_PASSWORD="$REGISTRY_PASS" REGISTRY_PASSWORD="$REGISTRY_PASS" \
		setsid -w "$WASMPACK" --config "$WORK/nopw" login -u "$REGISTRY_USER" "$R" <"$WORK/pw"
	check "the refusal says how to give one" grep -q -- '--password-stdin' "$LAST_ERR"
	check "nothing reached the token service, nothing was stored" bash -c "
		[[ \$(wc -l <'$TOKEN_LOG') -eq $before && ! -e '$WORK/nopw/config.json' ]]"
	check_exit 0 "-p works" "$WASMPACK" --config "$WORK/withp" login -u "$REGISTRY_USER" -p "$REGISTRY_PASS" "$R"
	check "and warns that others can see it" grep -qi 'warning.*visible' "$LAST_ERR"
	check_exit 2 "-p and --password-stdin together are refused" bash -c "
		echo x | '$WASMPACK' --config '$WORK/both' login -u u -p y --password-stdin $R"
fi

# ---- redirected blobs: the token stays with the registry -------------------
if kit_start redirect --auth token; then
	R=$REGISTRY_ADDR
	printf '%s\n' "$REGISTRY_PASS" | "$WASMPACK" --config "$WORK/redir" login -u "$REGISTRY_USER" --password-stdin "$R" >/dev/null 2>&1
	check "redirect+token: push" "$WASMPACK" --config "$WORK/redir" --store "$S" push demo/sec:v1 "$R/demo/sec:v1"
	check "redirect+token: pull follows the redirect: same digest" bash -c "
		[[ \$('$WASMPACK' --config '$WORK/redir' --store '$WORK/s4' -v pull -o '$WORK/r.wasm' $R/demo/sec:v1 2>'$WORK/redir.log' | tail -n 1) == '$BUILT' ]] &&
		cmp '$WORK/r.wasm' '$TD/hello.wasm'"
	check "redirect+token: the blob origin was used" test -s "$REDIRECT_LOG"
	check "redirect+token: no Authorization reached the blob origin" bash -c "! grep -qi 'authorization' '$REDIRECT_LOG'"
	check "redirect+token: the log says the credentials were dropped" grep -q 'authorization dropped' "$WORK/redir.log"
fi

# ---- no plain HTTP for a registry that is not loopback -----------------------
# registry.invalid resolves nowhere (RFC 6761), so nothing leaves the machine.
check_exit 5 "a non-loopback registry that cannot be reached exits 5" \
	"$WASMPACK" --store "$S" -v pull registry.invalid/demo/sec:v1
check "the error names the https URL it tried" grep -q 'https://registry.invalid' "$LAST_ERR"
check "-v shows no plain-http attempt" bash -c "! grep -q 'http://registry.invalid' '$LAST_ERR'"
check_exit 5 "push to it: exit 5, https only" "$WASMPACK" --store "$S" -v push demo/sec:v1 registry.invalid/demo/sec:v1
check "push tried https and never http" bash -c "
	grep -q 'https://registry.invalid' '$LAST_ERR' && ! grep -q 'http://registry.invalid' '$LAST_ERR'"
check_exit 5 "login to it: exit 5, https only" bash -c "
	echo pw | '$WASMPACK' --config '$WORK/inv' -v login -u u --password-stdin registry.invalid"
check "login tried https and never http" bash -c "
	grep -q 'https://registry.invalid' '$LAST_ERR' && ! grep -q 'http://registry.invalid' '$LAST_ERR'"
check_exit 5 "with --plain-http, plain http is what was asked" \
	"$WASMPACK" --store "$S" -v pull --plain-http registry.invalid/demo/sec:v1
check "and the log shows it" grep -q '> GET http://registry.invalid' "$LAST_ERR"

finish
