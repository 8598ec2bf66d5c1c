#!/usr/bin/env bash
# Issue 13, item 11: the small things a new user meets in the first hour.
# Completion at the command position, decimal sizes, usage errors before
# the command, "did you mean", `version` in --help, the JSON of load and
# copy, the re-push line, Docker Hub's token hint, inspect's Producer and
# Imports lines, the README's embedding example against the kit, the login
# help, and help lines within 80 columns.
SUITE=first-small
source "$(dirname "$0")/lib.sh"

W=$WASMPACK
HELLO=$TD/hello.wasm
S=$WORK/store
export DOCKER_CONFIG=$WORK/docker
wp() { "$W" --store "$S" "$@"; }

# ---- bash completion: commands complete as words, files only where wanted --
"$W" __completion bash >"$WORK/wasmpack.bash"
mkdir -p "$WORK/cwd/build"
: >"$WORK/cwd/bundle.wasm"
# compopt works only inside a real completion: recorded instead.
cat >"$WORK/comp.sh" <<EOF
source '$WORK/wasmpack.bash'
cd '$WORK/cwd'
compopt() { echo "compopt \$*" >>'$WORK/compopt.log'; }
comp() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); rm -f '$WORK/compopt.log'; _wasmpack; }
EOF
check "the completion is not registered with -o filenames for every word" bash -c "
	source '$WORK/comp.sh'; ! complete -p wasmpack | grep -q -- '-o filenames'"
check "'bu' at the command position completes to the command build, not a file name" bash -c "
	source '$WORK/comp.sh'; comp wasmpack bu
	[[ \"\${COMPREPLY[*]}\" == build && ! -e '$WORK/compopt.log' ]]"
check "a file position completes files and names them as files (build/, bundle.wasm)" bash -c "
	source '$WORK/comp.sh'; comp wasmpack build -t x bu
	[[ \" \${COMPREPLY[*]} \" == *' build '* && \" \${COMPREPLY[*]} \" == *' bundle.wasm '* ]] &&
	grep -q 'compopt -o filenames' '$WORK/compopt.log'"
check "a command without file arguments offers no files" bash -c "
	source '$WORK/comp.sh'; comp wasmpack logout bu
	[[ \${#COMPREPLY[@]} == 0 && ! -e '$WORK/compopt.log' ]]"
check "a file option's value completes files" bash -c "
	source '$WORK/comp.sh'; comp wasmpack save -o bu
	[[ \" \${COMPREPLY[*]} \" == *' bundle.wasm '* ]] && grep -q 'compopt -o filenames' '$WORK/compopt.log'"
check "version is completed once, help at the command position" bash -c "
	source '$WORK/comp.sh'; comp wasmpack ver; [[ \"\${COMPREPLY[*]}\" == version ]] || exit 1
	comp wasmpack he; [[ \"\${COMPREPLY[*]}\" == help ]]"

# ---- sizes are decimal, as docker prints them -------------------------------
# About 1,500,000 bytes: 1.5MB in decimal units, 1.4MB (MiB) in binary.
pad_wasm "$HELLO" "$WORK/big.wasm" 1480000 7
# On a terminal, build shows the module's size while it packs.
check "build on a terminal says the module's size in decimal MB" bash -c "
	TERM=xterm script -qfec \"\$(printf '%q ' '$W' --store '$S' build -t demo/big:1 '$WORK/big.wasm')\" /dev/null \
		>'$WORK/big.out' 2>&1 </dev/null && grep -q '(1\\.5MB)' '$WORK/big.out'"
check "images shows the size in decimal MB" bash -c "
	'$W' --store '$S' images | grep -E '^docker.io/demo/big +1 .* 1\\.5MB\$'"

# ---- a usage error before the command: one line and the pointer -------------
check_exit 2 "--bogus before a command exits 2" "$W" --bogus images
check "--bogus before a command says so in one line and points to --help, no full help" bash -c "
	[[ \$(wc -l <'$LAST_ERR') == 2 ]] && grep -qx \"wasmpack: unknown option '--bogus'\" '$LAST_ERR' &&
	grep -qx \"Run 'wasmpack --help' for usage.\" '$LAST_ERR'"

# ---- did you mean ------------------------------------------------------------
check_exit 2 "a mistyped command exits 2" "$W" biuld
check "a mistyped command suggests the command" grep -q "Did you mean 'build'?" "$LAST_ERR"
check_exit 2 "a swapped-letters command exits 2" "$W" imgaes
check "... and suggests images" grep -q "Did you mean 'images'?" "$LAST_ERR"
check_exit 2 "'help pul' exits 2" "$W" help pul
check "... and suggests pull" grep -q "Did you mean 'pull'?" "$LAST_ERR"
check_exit 2 "a word far from every command exits 2" "$W" frobnicate
check "... with no suggestion, only the pointer" bash -c "
	! grep -qi 'did you mean' '$LAST_ERR' && grep -q \"Run 'wasmpack --help'\" '$LAST_ERR'"

# ---- version is listed ---------------------------------------------------------
check "--help lists the version command" bash -c "
	'$W' --help | sed -n '/^Commands:/,/^\$/p' | grep -q '^  version '"
check "'version --help' is the command's help, and 'version' prints the version" bash -c "
	'$W' version --help | head -n 1 | grep -qx 'usage: wasmpack version' &&
	[[ \$('$W' version) == \$('$W' --version) && \$('$W' version) == 'wasmpack '* ]]"
check_exit 2 "'version' takes no arguments" "$W" version extra

# ---- help lines fit in 80 columns ----------------------------------------------
check "no help line is wider than 80 columns" bash -c "
	{ '$W' --help; for c in \$('$W' --help | sed -n '/^Commands:/,/^\$/s/^  \\([a-z]\\+\\) .*/\\1/p'); do
		'$W' help \$c; done; } | awk 'length > 80 { print; bad = 1 } END { exit bad }'"
check "a wrapped option's help goes on under its column" bash -c "
	'$W' help build | grep -A1 -- '--deny CAPS' | tail -n 1 | grep -Eq '^ {31}[a-z]'"

# ---- the login help ------------------------------------------------------------
check "the login help says where the credentials go, in plain words" bash -c "
	'$W' help login >'$WORK/login.help' &&
	tr '\\n' ' ' <'$WORK/login.help' | grep -q 'with the credential helper that config.json names, else in config.json itself' &&
	! grep -q 'helper config.json names' '$WORK/login.help'"

# ---- inspect: Producer and Imports lines -----------------------------------------
# A module with no import and a producer without a version.
node -e '
	const str = (s) => [s.length, ...Buffer.from(s)];
	const body = [...str("producers"), 1, ...str("language"), 1, ...str("C"), 0];
	const wasm = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, body.length, ...body];
	require("fs").writeFileSync(process.argv[1], Buffer.from(wasm));' "$WORK/prod.wasm"
check "inspect FILE.wasm runs on a module with no imports" bash -c "
	'$W' --store '$S' inspect '$WORK/prod.wasm' >'$WORK/prod.out'"
check "a Producer line has no trailing space" bash -c "
	grep -qx 'Producer:   language C' '$WORK/prod.out' && ! grep -q ' \$' '$WORK/prod.out'"
check "no imports: 'Imports: none', not a header over nothing" bash -c "
	grep -qx 'Imports: none' '$WORK/prod.out' && ! grep -q 'Imports (0)' '$WORK/prod.out'"
check "a module with imports still lists them with their count" bash -c "
	'$W' --store '$S' inspect '$HELLO' | grep -Eq '^Imports \\([1-9][0-9]*\\):\$'"

# ---- load --json is one object ------------------------------------------------------
check "save an image to a tar" wp save -o "$WORK/a.tar" demo/big:1
check "load --json prints one object with an images list" bash -c "
	'$W' --store '$WORK/s-load' --json load -i '$WORK/a.tar' >'$WORK/load.json' &&
	node -e 'const o=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));
		const i=o.images; if(Array.isArray(o)||!Array.isArray(i)||i.length!==1) process.exit(1);
		for (const k of [\"name\",\"digest\",\"mediaType\",\"size\"]) if(!(k in i[0])) process.exit(1);
		if(i[0].name!==\"docker.io/demo/big:1\") process.exit(1)' '$WORK/load.json'"
check "the README documents the JSON of load and copy" bash -c "
	sed -n '/^## Machine-readable output/,/^## /p' '$REPO/README.md' >'$WORK/mro.md' &&
	grep -q '^| \`load\` | \`images\`' '$WORK/mro.md' && grep -q '^| \`copy\` |' '$WORK/mro.md'"

# ---- against the real registry ------------------------------------------------------
if kit_start open; then
	R=$REGISTRY_ADDR
	check "first push sends blobs" bash -c "
		'$W' --store '$S' --no-progress push demo/big:1 $R/demo/big:1 >/dev/null 2>'$WORK/push1.err' &&
		grep -Eq '^wasmpack: pushed $R/demo/big:1 \\([1-9][0-9]* blobs? sent' '$WORK/push1.err'"
	check "a re-push says the image is already up to date" bash -c "
		'$W' --store '$S' --no-progress push demo/big:1 $R/demo/big:1 >/dev/null 2>'$WORK/push2.err' &&
		grep -qx 'wasmpack: pushed $R/demo/big:1: already up to date' '$WORK/push2.err' &&
		! grep -q '0 blobs sent' '$WORK/push2.err'"
	check "copy --json has the documented keys" bash -c "
		'$W' --json copy $R/demo/big:1 $R/demo/copied:1 >'$WORK/copy.json' 2>/dev/null &&
		node -e 'const o=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));
			for (const k of [\"reference\",\"digest\",\"size\",\"mediaType\",\"blobsMoved\",\"blobsSkipped\",\"requests\"])
				if(!(k in o)) process.exit(1)' '$WORK/copy.json'"

	# The README's embedding example, as a user copies it, against the kit.
	sed -n '/^## Embedding the library/,/^## /p' "$REPO/README.md" |
		awk '/^```c$/ { on = 1; next } /^```$/ { on = 0 } on' >"$WORK/app.c"
	check "the README's embedding example compiles" \
		cc -std=c11 -Wall -Wextra -Werror ${SANITIZE:+-fsanitize=$SANITIZE} \
		-I"$REPO/lib/include" -o "$WORK/app" "$WORK/app.c" -L"$REPO/$BUILD" -lwasmpack
	mkdir -p "$WORK/app-run"
	cp "$HELLO" "$WORK/app-run/app.wasm"
	check "the README's embedding example pushes to the registry given as its argument" bash -c "
		cd '$WORK/app-run' && LD_LIBRARY_PATH='$REPO/$BUILD' '$WORK/app' '$R' >'$WORK/app.out' &&
		grep -Eqx 'sha256:[0-9a-f]{64}' '$WORK/app.out' &&
		[[ \$('$W' --store '$WORK/s-app' pull $R/user/app:1.0 2>/dev/null | tail -n 1) == \$(cat '$WORK/app.out') ]]"
	check "the README says how to run the example against the kit" bash -c "
		sed -n '/^## Embedding the library/,/^## /p' '$REPO/README.md' | grep -q 'REGISTRY_ADDR'"
fi

# ---- Docker Hub: a refused password is a token question ------------------------------
# A stand-in for registry-1.docker.io, reached as an HTTP proxy, refusing
# every credential as Docker Hub does.
cat >"$WORK/hub.mjs" <<'EOF'
import http from 'node:http';
const s = http.createServer((req, res) => {
	res.writeHead(401, { 'www-authenticate': 'Basic realm="hub"', 'content-type': 'application/json' });
	res.end('{"errors":[{"code":"UNAUTHORIZED","message":"incorrect username or password"}]}');
});
s.listen(0, '127.0.0.1', () => console.log('PORT=' + s.address().port));
process.stdin.on('end', () => process.exit(0)).resume();
setTimeout(() => process.exit(0), 300000);
EOF
if helper_start hub node "$WORK/hub.mjs"; then
	mkdir -p "$DOCKER_CONFIG"
	printf '{"auths":{"https://index.docker.io/v1/":{"auth":"%s"}}}\n' "$(printf 'me:wrong' | base64)" \
		>"$DOCKER_CONFIG/config.json"
	check_exit 4 "a pull from Docker Hub with a refused stored password exits 4" \
		env http_proxy=http://127.0.0.1:$HELPER_PORT "$W" --store "$S" pull --plain-http demo/x:1
	check "... and the hint says Docker Hub wants a personal access token" \
		grep -q '^hint: .*Docker Hub takes a personal access token' "$LAST_ERR"
	check_exit 4 "login to Docker Hub with a wrong password exits 4" \
		env http_proxy=http://127.0.0.1:$HELPER_PORT "$W" login --plain-http -u me -p wrong
	check "... and says Docker Hub takes a personal access token" \
		grep -q '^hint: Docker Hub takes a personal access token' "$LAST_ERR"
fi

finish
