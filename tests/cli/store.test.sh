#!/usr/bin/env bash
# The store and the commands around it: images, inspect, tag, rmi, errors
# that leave the store as it was, exit codes.
SUITE=store
source "$(dirname "$0")/lib.sh"

S=$WORK/store
HELLO=$TD/hello.wasm
wp() { "$WASMPACK" --store "$S" "$@"; }

# A snapshot of the store: index.json and the blob names.
snapshot() { { cat "$S/index.json"; ls "$S/blobs/sha256"; } | sha256sum; }

check "build tags the image" wp build -t demo/app:1 "$HELLO"
check "images lists it by repository and tag" bash -c "
	'$WASMPACK' --store '$S' images | grep -E '^docker.io/demo/app +1 +sha256:[0-9a-f]{12} +wasi/wasm32 '"
check "index.json names it as containerd and docker do" bash -c "
	grep -q '\"io.containerd.image.name\":\"docker.io/demo/app:1\"' '$S/index.json' &&
	grep -q '\"org.opencontainers.image.ref.name\":\"1\"' '$S/index.json'"
check "images --json is parseable and complete" bash -c "
	'$WASMPACK' --store '$S' images --json > '$WORK/images.json' &&
	[[ \$(jget '$WORK/images.json' '.images[0].name') == docker.io/demo/app:1 &&
	   \$(jget '$WORK/images.json' '.images[0].platform') == wasi/wasm32 ]]"

# Failed builds leave the store exactly as it was.
before=$(snapshot)
head -c 100 "$HELLO" >"$WORK/truncated.wasm"
check_exit 6 "a truncated module is refused with exit 6" wp build -t demo/bad:1 "$WORK/truncated.wasm"
check "the refusal is one line naming the file and the offset" bash -c "
	[[ \$(wc -l < '$LAST_ERR') == 1 ]] && grep -q 'truncated.wasm' '$LAST_ERR' && grep -q 'offset' '$LAST_ERR'"
printf 'not wasm at all' >"$WORK/text.wasm"
check_exit 6 "a file without the wasm magic is refused with exit 6" wp build -t demo/bad:1 "$WORK/text.wasm"
check_exit 3 "a missing module file exits 3" wp build -t demo/bad:1 "$WORK/nope.wasm"
check_exit 2 "a build without -t is a usage error" wp build "$HELLO"
check_exit 2 "an invalid reference is a usage error" wp build -t 'Demo/UPPER:1' "$HELLO"
check_exit 2 "an unknown option is a usage error" wp build --bogus -t a/b:1 "$HELLO"
if [[ -f $TD/network.wasm ]]; then
	check_exit 6 "--deny network refuses a module importing sockets" \
		wp build --deny network -t demo/net:1 "$TD/network.wasm"
	check "--deny network accepts a module that cannot reach the network" \
		wp build --deny network -t demo/nonet:1 "$HELLO"
	wp rmi demo/nonet:1 >/dev/null 2>&1
else
	not_ok "testdata has network.wasm"
fi
[[ $(snapshot) == "$before" ]] && ok "failed builds left index.json and blobs unchanged" ||
	not_ok "failed builds changed the store"
check "no temporary files are left behind" bash -c "[[ -z \$(ls -A '$S/.wasmpack/tmp') ]]"

# inspect
check "inspect shows a stored image" bash -c "
	'$WASMPACK' --store '$S' inspect demo/app:1 | grep -q '^Platform: *wasi/wasm32'"
check "inspect --json of an image" bash -c "
	'$WASMPACK' --store '$S' inspect --json demo/app:1 > '$WORK/i.json' &&
	[[ \$(jget '$WORK/i.json' .name) == docker.io/demo/app:1 && \$(jget '$WORK/i.json' .entrypoint) == '[\"/hello.wasm\"]' ]]"
check "inspect of a .wasm file shows kind, WASI and reach" bash -c "
	'$WASMPACK' inspect '$HELLO' > '$WORK/mod.txt' &&
	grep -q '^Kind: *core module' '$WORK/mod.txt' &&
	grep -q '^WASI: *preview1 (command)' '$WORK/mod.txt' &&
	grep -q 'no network' '$WORK/mod.txt' && grep -q 'wasi_snapshot_preview1.fd_write' '$WORK/mod.txt'"
check "inspect --json of a .wasm file" bash -c "
	'$WASMPACK' inspect --json '$HELLO' > '$WORK/mod.json' &&
	[[ \$(jget '$WORK/mod.json' .kind) == module && \$(jget '$WORK/mod.json' .wasi) == preview1 ]]"
check_exit 3 "inspect of an unknown image exits 3" wp inspect demo/none:1
check_exit 6 "inspect of a broken .wasm exits 6" wp inspect "$WORK/truncated.wasm"

# tag and rmi
D=$(wp inspect --json demo/app:1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).digest))')
check "tag gives a second name" wp tag demo/app:1 localhost:5000/other/app:2
check "the second name resolves to the same digest" bash -c "
	'$WASMPACK' --store '$S' inspect --json localhost:5000/other/app:2 | grep -q '$D'"
check "tag by digest works" wp tag "demo/app@$D" demo/app:bydigest
check_exit 3 "tag of an unknown image exits 3" wp tag demo/none:1 demo/x:1
nblobs=$(ls "$S/blobs/sha256" | wc -l)
check "rmi of one name keeps the blobs another name uses" bash -c "
	'$WASMPACK' --store '$S' rmi demo/app:1 demo/app:bydigest && [[ \$(ls '$S/blobs/sha256' | wc -l) == $nblobs ]]"
check_exit 3 "rmi of a name that is gone exits 3" wp rmi demo/app:1
check "rmi of the last name deletes the image's blobs" bash -c "
	'$WASMPACK' --store '$S' rmi localhost:5000/other/app:2 && [[ -z \$(ls -A '$S/blobs/sha256') ]]"
check "the emptied store is still a valid layout" oci-image-tool validate --type image "$S"

# A corrupted blob is caught, not trusted.
wp build -t demo/app:1 "$HELLO" >/dev/null 2>&1
MD=$(wp inspect --json demo/app:1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).config.digest))')
chmod u+w "$(blob "$S" "$MD")"
printf 'x' >>"$(blob "$S" "$MD")"
check_exit 6 "inspect of an image with a corrupted config exits 6" wp inspect demo/app:1
check "the corruption is named" grep -q 'corrupt' "$LAST_ERR"

# Help comes from the command table.
check "wasmpack --help lists the commands" bash -c "'$WASMPACK' --help | grep -q '^  build '"
check "wasmpack help build lists its options" bash -c "'$WASMPACK' help build | grep -q -- '--format FMT'"
check "build --help matches wasmpack help build" bash -c "diff <('$WASMPACK' build --help) <('$WASMPACK' help build)"
check "--version prints the version" bash -c "'$WASMPACK' --version | grep -Eq '^wasmpack [0-9]+\.[0-9]+\.[0-9]+$'"

finish
