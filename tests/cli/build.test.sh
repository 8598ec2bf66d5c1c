#!/usr/bin/env bash
# wasmpack build: reproducible images in a store that other OCI tools read.
SUITE=build
source "$(dirname "$0")/lib.sh"

S1=$WORK/store1
S2=$WORK/store2
HELLO=$TD/hello.wasm

# Same module and flags in two stores: the same digest, printed last.
"$WASMPACK" --store "$S1" build -t example.com/demo/hello:v1 "$HELLO" >"$WORK/d1" 2>"$ERR"
"$WASMPACK" --store "$S2" build -t example.com/demo/hello:v1 "$HELLO" >"$WORK/d2" 2>>"$ERR"
D1=$(tail -n 1 "$WORK/d1")
D2=$(tail -n 1 "$WORK/d2")
if [[ $D1 =~ ^sha256:[0-9a-f]{64}$ && $D1 == "$D2" ]]; then
	ok "build prints the same manifest digest in two stores"
else
	not_ok "build is reproducible ($D1 vs $D2)" "$ERR"
fi
check "the manifest blob hashes to the printed digest" \
	bash -c "[[ sha256:\$(sha256sum '$(blob "$S1" "$D1")' | cut -d' ' -f1) == '$D1' ]]"

# SOURCE_DATE_EPOCH and --created change the digest; --created wins.
D3=$(SOURCE_DATE_EPOCH=1700000000 "$WASMPACK" --store "$S2" build -t t/x:sde "$HELLO" 2>/dev/null | tail -n 1)
D4=$("$WASMPACK" --store "$S2" build --created 2023-11-14T22:13:20Z -t t/x:cr "$HELLO" 2>/dev/null | tail -n 1)
if [[ $D3 != "$D1" && $D3 == "$D4" ]]; then
	ok "SOURCE_DATE_EPOCH and --created set the time the same way"
else
	not_ok "created time (d1=$D1 sde=$D3 created=$D4)"
fi

# What is inside: manifest, config, layer.
"$WASMPACK" --store "$S1" inspect --raw example.com/demo/hello:v1 >"$WORK/manifest.json"
"$WASMPACK" --store "$S1" inspect --config example.com/demo/hello:v1 >"$WORK/config.json"
check "inspect --raw prints the exact manifest bytes" cmp "$WORK/manifest.json" "$(blob "$S1" "$D1")"
LAYER=$(jget "$WORK/manifest.json" '.layers[0].digest')
check "the manifest is a bare OCI image manifest with one gzip layer" bash -c "
	[[ \$(jget '$WORK/manifest.json' .mediaType) == application/vnd.oci.image.manifest.v1+json &&
	   \$(jget '$WORK/manifest.json' .layers.length) == 1 &&
	   \$(jget '$WORK/manifest.json' '.layers[0].mediaType') == application/vnd.oci.image.layer.v1.tar+gzip &&
	   \$(jget '$WORK/manifest.json' '.annotations[\"module.wasm.image/variant\"]') == compat-smart ]]"
check "the config says wasi/wasm32 and runs /hello.wasm" bash -c "
	[[ \$(jget '$WORK/config.json' .os) == wasi && \$(jget '$WORK/config.json' .architecture) == wasm32 &&
	   \$(jget '$WORK/config.json' .config.Entrypoint) == '[\"/hello.wasm\"]' &&
	   \$(jget '$WORK/config.json' .created) == 1970-01-01T00:00:00Z ]]"
check "the layer holds exactly the module at /hello.wasm" bash -c "tar -xzOf '$(blob "$S1" "$LAYER")' hello.wasm | cmp - '$HELLO'"
check "the layer's one entry is mode 0755, root-owned, epoch-dated" bash -c "
	[[ \$(tar -tvzf '$(blob "$S1" "$LAYER")' --numeric-owner | wc -l) == 1 ]] &&
	tar -tvzf '$(blob "$S1" "$LAYER")' --numeric-owner | grep -Eq '^-rwxr-xr-x 0/0 +[0-9]+ 1970-01-01 00:00 hello.wasm$'"
check "diff_id is the sha256 of the uncompressed layer" bash -c "
	[[ sha256:\$(gunzip -c '$(blob "$S1" "$LAYER")' | sha256sum | cut -d' ' -f1) == \$(jget '$WORK/config.json' '.rootfs.diff_ids[0]') ]]"
check "the gzip header carries no name and no time" bash -c "
	[[ \$(head -c 10 '$(blob "$S1" "$LAYER")' | od -An -tx1 | tr -d ' \n') == 1f8b08000000000000ff ]]"

# The module in the image runs under node:wasi with its args.
tar -xzOf "$(blob "$S1" "$LAYER")" hello.wasm >"$WORK/hello.wasm"
check "the packed module runs under node:wasi" bash -c "
	node '$REPO/testdata/run-wasi.mjs' '$WORK/hello.wasm' world 2>/dev/null | grep -qx 'arg 1: world'"

# Other tools read the store.
check "oci-image-tool validates the store and the tagged image" oci-image-tool validate --type image --ref name=v1 "$S1"
check "skopeo reads the image from the store" bash -c "
	skopeo inspect --raw oci:'$S1':v1 | cmp - '$WORK/manifest.json'"
check "umoci lists the tag" bash -c "umoci ls --layout '$S1' | grep -qx v1"
check "umoci stats the image" umoci stat --image "$S1:v1"

# Flags reach the config and the manifest.
"$WASMPACK" --store "$S1" build -t t/flags:1 --platform wasip1/wasm --env A=1 --env B=two \
	--label l=x --annotation org.opencontainers.image.version=9.9 --entrypoint /app.wasm \
	"$HELLO" -- one two >/dev/null 2>"$ERR"
"$WASMPACK" --store "$S1" inspect --config t/flags:1 >"$WORK/c2.json"
"$WASMPACK" --store "$S1" inspect --raw t/flags:1 >"$WORK/m2.json"
check "--platform, --env, --label, --entrypoint and args land in the config" bash -c "
	[[ \$(jget '$WORK/c2.json' .os) == wasip1 && \$(jget '$WORK/c2.json' .architecture) == wasm &&
	   \$(jget '$WORK/c2.json' .config.Env) == '[\"A=1\",\"B=two\"]' &&
	   \$(jget '$WORK/c2.json' .config.Cmd) == '[\"one\",\"two\"]' &&
	   \$(jget '$WORK/c2.json' .config.Labels.l) == x &&
	   \$(jget '$WORK/c2.json' .config.Entrypoint) == '[\"/app.wasm\"]' ]]"
check "--annotation lands in the manifest" bash -c "
	[[ \$(jget '$WORK/m2.json' '.annotations[\"org.opencontainers.image.version\"]') == 9.9 ]]"

# The module's own metadata becomes annotations.
if [[ -f $TD/metadata.wasm ]]; then
	"$WASMPACK" --store "$S1" build -t t/meta:1 "$TD/metadata.wasm" >/dev/null 2>"$ERR"
	"$WASMPACK" --store "$S1" inspect --raw t/meta:1 >"$WORK/m3.json"
	check "wasm-metadata sections become org.opencontainers.image annotations" bash -c "
		grep -q '\"org.opencontainers.image.description\"' '$WORK/m3.json' &&
		grep -q '\"org.opencontainers.image.licenses\"' '$WORK/m3.json' &&
		grep -q '\"org.opencontainers.image.source\"' '$WORK/m3.json'"
fi

# Artifact format: CNCF Wasm OCI artifact for a core module.
"$WASMPACK" --store "$S1" build --format artifact -t t/art:1 "$HELLO" >/dev/null 2>"$ERR"
"$WASMPACK" --store "$S1" inspect --raw t/art:1 >"$WORK/am.json"
"$WASMPACK" --store "$S1" inspect --config t/art:1 >"$WORK/ac.json"
ALAYER=$(jget "$WORK/am.json" '.layers[0].digest')
check "artifact: wasm config type, one application/wasm layer holding the raw module" bash -c "
	[[ \$(jget '$WORK/am.json' .config.mediaType) == application/vnd.wasm.config.v0+json &&
	   \$(jget '$WORK/am.json' '.layers[0].mediaType') == application/wasm &&
	   \$(jget '$WORK/am.json' '.layers[0].annotations[\"org.opencontainers.image.title\"]') == hello.wasm ]] &&
	cmp '$(blob "$S1" "$ALAYER")' '$HELLO'"
check "artifact config for a core module: wasip1/wasm, layerDigests, component null" bash -c "
	[[ \$(jget '$WORK/ac.json' .os) == wasip1 && \$(jget '$WORK/ac.json' .architecture) == wasm &&
	   \$(jget '$WORK/ac.json' .layerDigests) == '[\"$ALAYER\"]' &&
	   \$(jget '$WORK/ac.json' .component) == null && -n \$(jget '$WORK/ac.json' .created) ]]"
COMPONENT=$(ls "$TD"/*.component.wasm 2>/dev/null | head -n 1)
if [[ -n $COMPONENT ]]; then
	"$WASMPACK" --store "$S1" build --format artifact -t t/comp:1 "$COMPONENT" >/dev/null 2>"$ERR"
	"$WASMPACK" --store "$S1" inspect --config t/comp:1 >"$WORK/cc.json"
	check "artifact config for a component: wasip2 and its wasi: imports and exports" bash -c "
		[[ \$(jget '$WORK/cc.json' .os) == wasip2 ]] &&
		jget '$WORK/cc.json' .component.imports | grep -q 'wasi:' &&
		[[ \$(jget '$WORK/cc.json' .component.target) == null ]]"
	# oci-image-tool 1.0.0-rc1 knows no artifact config types: it checks the
	# manifest itself, skopeo reads the whole artifact.
	check "oci-image-tool validates the artifact manifest" oci-image-tool validate --type manifest \
		"$(blob "$S1" "$("$WASMPACK" --store "$S1" inspect --json t/comp:1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).digest))')")"
	check "skopeo reads the artifact from the store" skopeo inspect --raw "oci:$S1:1"
else
	not_ok "testdata has a component (*.component.wasm)"
fi
check "--compression none writes an uncompressed tar layer" bash -c "
	'$WASMPACK' --store '$S2' build --compression none -t t/plain:1 '$HELLO' >/dev/null 2>&1 &&
	'$WASMPACK' --store '$S2' inspect --raw t/plain:1 | grep -q 'application/vnd.oci.image.layer.v1.tar\"'"

finish
