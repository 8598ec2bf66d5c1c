#!/usr/bin/env bash
# First use, references and paths (issue 13, items 3, 4, 7, 9, 10): a bare
# registry as a push or copy destination, URLs and capitalised names given
# as references, inspect of a missing file, pull -o into a missing
# directory, and build --format artifact with what an artifact cannot hold.
SUITE=first-refs
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
export DOCKER_CONFIG=$WORK/docker

S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# err_has TEXT...: the last check_exit's stderr has every TEXT (fixed strings).
err_has() {
	local t
	for t in "$@"; do grep -qF -- "$t" "$LAST_ERR" || return 1; done
}
# err_lacks TEXT: the last check_exit's stderr does not have TEXT.
err_lacks() { ! grep -qF -- "$1" "$LAST_ERR"; }

wp build -t user/app:1.0 "$HELLO" >/dev/null 2>&1
BUILT=$(wp --json inspect user/app:1.0 | jget /dev/stdin .digest)

# ---- item 4: URLs and capitals -------------------------------------------------
for scheme in https:// http:// docker:// oci://; do
	check_exit 2 "push refuses a destination with $scheme (usage error)" \
		wp push user/app:1.0 "${scheme}ghcr.io/user/app:1.0"
	check "... and says to drop $scheme, showing the reference without it" \
		err_has "drop '$scheme'" "'ghcr.io/user/app:1.0'"
done
check_exit 2 "pull refuses https://HOST/REPO:TAG" wp pull https://ghcr.io/user/app:1.0
check "... with the reference to write instead" err_has "drop 'https://'" "'ghcr.io/user/app:1.0'"
check_exit 2 "copy refuses docker:// on its source" \
	"$WASMPACK" copy docker://ghcr.io/user/app:1.0 ghcr.io/user/app:2.0
check "... with the reference to write instead" err_has "drop 'docker://'" "'ghcr.io/user/app:1.0'"
check_exit 2 "tag refuses oci:// on its destination" wp tag user/app:1.0 oci://localhost/user/app:2
check "... with the reference to write instead" err_has "drop 'oci://'" "'localhost/user/app:2'"
check_exit 2 "build -t refuses http://" wp build -t http://localhost:5000/user/app:1.0 "$HELLO"
check "... with the reference to write instead" err_has "drop 'http://'" "'localhost:5000/user/app:1.0'"

check_exit 0 "build -t MyName/app:1.0 builds" wp build -t MyName/app:1.0 "$HELLO"
check "... and warns that MyName is taken as a registry host, showing the lowercase name" \
	err_has "warning:" "registry host 'MyName'" "'myname/app:1.0'"
check_exit 0 "tag user/app:1.0 Other/app:2 tags" wp tag user/app:1.0 Other/app:2
check "... and warns the same" err_has "warning:" "registry host 'Other'" "'other/app:2'"
check_exit 2 "inspect https://HOST/REPO:TAG says to drop the scheme" \
	wp inspect https://ghcr.io/user/app.wasm
check "... rather than calling it a missing file" err_has "drop 'https://'" "'ghcr.io/user/app.wasm'"
check_exit 0 "build -t myname/app:1.0 builds" wp build -t myname/app:1.0 "$HELLO"
check "... without a warning" err_lacks "warning:"
check_exit 0 "build -t Registry.Example/app:1 builds" wp build -t Registry.Example/app:1 "$HELLO"
check "... without a warning (the '.' makes it a host anyway)" err_lacks "warning:"

# ---- item 3: a bare registry as the destination ----------------------------------
if kit_start open; then
	R=$REGISTRY_ADDR
	PORT=${R##*:}
	check_exit 0 "push user/app:1.0 HOST:PORT pushes" wp push user/app:1.0 "$R"
	check "... to HOST:PORT/user/app:1.0, the source's repository and tag" \
		err_has "pushed $R/user/app:1.0"
	check "... where the registry has it" bash -c "
		[[ \$('$WASMPACK' --json inspect --remote '$R/user/app:1.0' | jget /dev/stdin .digest) == '$BUILT' ]]"
	check_exit 0 "push user/app:1.0 localhost:PORT pushes (not docker.io/library/localhost)" \
		wp push user/app:1.0 "localhost:$PORT"
	check "... to localhost:PORT/user/app:1.0" err_has "pushed localhost:$PORT/user/app:1.0"
	check_exit 0 "push user/app:1.0 HOST:PORT/ (a trailing '/') pushes" wp push user/app:1.0 "$R/"
	check "... to HOST:PORT/user/app:1.0" err_has "pushed $R/user/app:1.0"
	check_exit 0 "push by digest to a bare registry keeps the digest" \
		wp push "user/app@$BUILT" "$R"
	check "... as HOST:PORT/user/app@DIGEST" err_has "pushed $R/user/app@$BUILT"
	R1=$R
	if kit_start open; then
		R2=$REGISTRY_ADDR
		check_exit 0 "copy HOST1/user/app:1.0 HOST2:PORT copies" \
			"$WASMPACK" copy "$R1/user/app:1.0" "$R2"
		check "... to HOST2:PORT/user/app:1.0" err_has "copied to $R2/user/app:1.0"
		check "... where the second registry has it" bash -c "
			[[ \$('$WASMPACK' --json inspect --remote '$R2/user/app:1.0' | jget /dev/stdin .digest) == '$BUILT' ]]"
	fi

	# ---- item 9: pull -o checks its path first ------------------------------
	S2=$WORK/store2
	wp push user/app:1.0 "$R1/user/app:1.0" >/dev/null 2>&1 # whatever the above did
	check_exit 3 "pull -o DIR/missing/x.wasm fails (exit 3)" \
		"$WASMPACK" --store "$S2" pull -o "$WORK/missing/x.wasm" "$R1/user/app:1.0"
	check "... naming the path given and its missing directory, no temp file" bash -c "
		grep -qF \"'$WORK/missing/x.wasm'\" '$LAST_ERR' && grep -qF \"'$WORK/missing'\" '$LAST_ERR' &&
		! grep -q 'tmp-' '$LAST_ERR'"
	check "... before downloading anything (no blob in the store)" bash -c "
		[[ \$(find '$S2' -path '*/blobs/*' -type f 2>/dev/null | wc -l) -eq 0 ]]"
	check_exit 2 "pull -o DIR (a directory) fails as a usage error" \
		"$WASMPACK" --store "$S2" pull -o "$WORK" "$R1/user/app:1.0"
	check "... saying it is a directory, before downloading anything" bash -c "
		grep -qF \"'$WORK': it is a directory\" '$LAST_ERR' &&
		[[ \$(find '$S2' -path '*/blobs/*' -type f 2>/dev/null | wc -l) -eq 0 ]]"
	check_exit 0 "pull -o into an existing directory still writes the module" \
		"$WASMPACK" --store "$S2" pull -o "$WORK/got.wasm" "$R1/user/app:1.0"
	check "... byte for byte" cmp "$WORK/got.wasm" "$HELLO"
fi

# ---- item 7: inspect of a missing file -----------------------------------------
check_exit 3 "inspect nothere.wasm exits 3" wp -v inspect nothere.wasm
check "... as a missing file, not an image missing from the store" bash -c "
	grep -qF \"'nothere.wasm'\" '$LAST_ERR' && grep -qF '[file-not-found]' '$LAST_ERR' &&
	! grep -q 'not in the store' '$LAST_ERR'"
check_exit 3 "inspect DIR/nothere (a path with '/') exits 3" wp -v inspect "$WORK/nothere"
check "... as a missing file" err_has "[file-not-found]" "'$WORK/nothere'"
mkdir -p "$WORK/sub"
check_exit 3 "inspect sub/nothere, with sub a directory here, exits 3" \
	bash -c "cd '$WORK' && '$WASMPACK' --store '$S' -v inspect sub/nothere"
check "... as a missing file" err_has "[file-not-found]"
check_exit 3 "inspect user/none:1.0 (a reference) exits 3" wp -v inspect user/none:1.0
check "... as an image not in the store" err_has "[not-in-store]"

# ---- item 10: what an artifact cannot hold ---------------------------------------
for opt in "--env A=1" "--label a=b" "--entrypoint /x.wasm"; do
	check_exit 2 "build --format artifact $opt is a usage error" \
		wp build --format artifact -t user/art:1 $opt "$HELLO"
	check "... one line naming ${opt%% *}" bash -c "
		head -n 1 '$LAST_ERR' | grep -qF -- '${opt%% *}' && grep -q 'format image' '$LAST_ERR'"
done
check_exit 2 "build --format artifact with module arguments is a usage error" \
	wp build --format artifact -t user/art:1 "$HELLO" -- --flag
check "... naming the arguments" err_has "arguments after '--'"
check_exit 2 "--format given after --env is refused the same" \
	wp build --env A=1 -t user/art:1 "$HELLO" --label a=b --format artifact
check "... naming both flags" bash -c "head -n 1 '$LAST_ERR' | grep -qF -- '--env and --label'"
check "no artifact was tagged by the refused builds" bash -c "
	! '$WASMPACK' --store '$S' images | grep -q 'user/art'"
check_exit 0 "build --format artifact --annotation still builds" \
	wp build --format artifact --annotation a=b -t user/art:1 "$HELLO"

finish
