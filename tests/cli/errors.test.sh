#!/usr/bin/env bash
# Errors as a user meets them: the exit code comes from the error's reason
# (not from its wording), the message names the command's operation, a
# hint says what to do where there is something to do, -v adds the
# reason's name.
SUITE=errors
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
export DOCKER_CONFIG=$WORK/docker

S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# A loopback port nothing listens on (taken from the kernel, then let go).
free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# ---- local files ------------------------------------------------------------
mkdir -p "$WORK/dir.wasm"
check_exit 2 "a directory given as the module is a usage error (2), not integrity" \
	wp build -t demo/x:v1 "$WORK/dir.wasm"
check "and the message says it is not a regular file" grep -q "not a regular file" "$LAST_ERR"
check_exit 3 "a module file that does not exist is not found (3)" \
	wp build -t demo/x:v1 "$WORK/absent.wasm"
printf '#!/bin/sh\necho hi\n' >"$WORK/script.wasm"
check_exit 6 "a file that is not wasm is integrity (6)" wp build -t demo/x:v1 "$WORK/script.wasm"
check "-v adds the reason's name to the message line" bash -c "
	'$WASMPACK' --store '$S' -v build -t demo/x:v1 '$WORK/script.wasm' 2>&1 | grep -q '^wasmpack: .*\[not-wasm\]$'"
check "without -v there is no reason name" bash -c "! grep -q '\[not-wasm\]' '$LAST_ERR'"
check "build the image the pushes below use" wp build -t demo/hello:v1 "$HELLO"
check_exit 3 "pushing an image the store lacks is not found (3)" \
	wp push demo/nope:v1 "127.0.0.1:1/demo/nope:v1"
check "and the hint points at the store's list" grep -q '^hint: `wasmpack images`' "$LAST_ERR"

# ---- nothing listening ------------------------------------------------------
PORT=$(free_port)
check_exit 5 "a push to a port nothing listens on is network (5)" \
	wp push demo/hello:v1 "127.0.0.1:$PORT/demo/hello:v1"
check "the message says the push failed and where it was going" \
	grep -q "^wasmpack: cannot push '.*demo/hello:v1' to '127.0.0.1:$PORT/demo/hello:v1': " "$LAST_ERR"
check "and the hint says to check the address" grep -q "^hint: check the registry address" "$LAST_ERR"
check_exit 5 "a pull from there is network (5) too" \
	"$WASMPACK" --store "$WORK/s2" pull "127.0.0.1:$PORT/demo/hello:v1"
check "and its message says the pull failed" grep -q "^wasmpack: cannot pull '127.0.0.1:$PORT/demo/hello:v1': " "$LAST_ERR"
check_exit 5 "a copy from there is network (5) too" \
	"$WASMPACK" copy "127.0.0.1:$PORT/demo/hello:v1" "127.0.0.1:$PORT/demo/other:v1"
check "and its message says the copy failed" grep -q "^wasmpack: cannot copy '" "$LAST_ERR"

# ---- a registry that speaks TLS with its own CA -----------------------------
if kit_start tls; then
	R=$REGISTRY_ADDR
	check_exit 3 "a --ca-file that does not exist is not found (3), not network" \
		wp push --ca-file "$WORK/no-such-ca.pem" demo/hello:v1 "$R/demo/hello:v1"
	check "and the message names the file" grep -q "no-such-ca.pem" "$LAST_ERR"
	check "and there is no --ca-file hint for it" bash -c "! grep -q -- '^hint: .*--ca-file' '$LAST_ERR'"
	check_exit 5 "--plain-http to a TLS registry is network (5), not integrity" \
		wp push --plain-http demo/hello:v1 "$R/demo/hello:v1"
	check "and the hint says to drop --plain-http" grep -q -- "^hint: .*drop --plain-http" "$LAST_ERR"
	check_exit 5 "an untrusted certificate is network (5)" \
		wp -v push demo/hello:v1 "$R/demo/hello:v1"
	check "-v names the reason tls-verify" grep -q '\[tls-verify\]$' "$LAST_ERR"
	check "and the hint names --ca-file" grep -q -- "^hint: .*--ca-file" "$LAST_ERR"
	check "with the CA the push goes through" \
		wp push --ca-file "$REGISTRY_CA" demo/hello:v1 "$R/demo/hello:v1"
	check_exit 3 "a tag the registry lacks is not found (3)" \
		"$WASMPACK" --store "$WORK/s3" pull --ca-file "$REGISTRY_CA" "$R/demo/hello:nope"
	check "and --json failures still report on stderr only" bash -c "
		'$WASMPACK' --store '$WORK/s3' --json pull --ca-file '$REGISTRY_CA' '$R/demo/hello:nope' >'$WORK/j.out' 2>'$WORK/j.err';
		[[ \$? -eq 3 && ! -s '$WORK/j.out' ]] && grep -q '^wasmpack: cannot pull' '$WORK/j.err'"
fi

finish
