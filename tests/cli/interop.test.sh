#!/usr/bin/env bash
# Interop with OCI tools nobody here wrote, both ways, against the real
# registry: every wasm image format in the wild (built by umoci, skopeo and
# by hand: tests/tools/fixtures.sh) pulled by wasmpack and its module
# compared and run; wasmpack's images read by skopeo and oci-image-tool;
# save and load against skopeo's oci-archive: and docker-archive:; copy
# between registries; tags; hostile layers refused.
SUITE=interop
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
RUN_WASI=$REPO/testdata/run-wasi.mjs
TOKEN=$$-$RANDOM
export DOCKER_CONFIG=$WORK/docker
at_exit 'rm -rf /tmp/wasmpack-evil-*-"$TOKEN"'

# start VAR: starts an open registry and sets VAR to its address.
start() {
	kit_start open || return 1
	printf -v "$1" %s "$REGISTRY_ADDR"
	printf -v "$1_LOG" %s "$REGISTRY_LOG"
}

S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# json FIELD: a top-level field of the JSON on stdin.
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(typeof v==="string"?v:JSON.stringify(v))})' "$1"; }
export -f json
# skopeo_digest REF: the digest of what a registry serves for REF.
skopeo_digest() { skopeo inspect -n --raw --tls-verify=false "docker://$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }

# run_as_config REF MODULE: runs MODULE under node:wasi with the arguments
# and environment REF's image config gives it (Entrypoint[1:] + Cmd, or
# Cmd[1:] when Cmd[0] names the module; Env as the guest's environment).
run_as_config() {
	wp inspect --json "$1" >"$WORK/cfg.json" || return 1
	node -e '
const fs = require("fs"), cp = require("child_process");
const o = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const ep = o.entrypoint || [], cmd = o.cmd || [];
const args = ep.length && ep[0] ? [...ep.slice(1), ...cmd] : cmd.slice(1);
const env = { ...process.env };
for (const e of o.env || []) { const i = e.indexOf("="); env["WASI_ENV_" + e.slice(0, i)] = e.slice(i + 1); }
const r = cp.spawnSync("node", [process.argv[2], process.argv[3], ...args], { env, encoding: "utf8" });
process.stdout.write(r.stdout || ""); process.stderr.write(r.stderr || "");
process.exit(r.status === null ? 1 : r.status);' "$WORK/cfg.json" "$RUN_WASI" "$2"
}

start R1 || { finish; exit 1; }
start R2 || { finish; exit 1; }

# ---- fixtures: every format, pushed by skopeo ---------------------------------
FX=$WORK/fx
check "fixtures: umoci, skopeo and hand-made layouts pushed for every format" \
	bash "$REPO/tests/tools/fixtures.sh" "$FX" "$TD" "$R1" "$TOKEN"
pushed() { grep -qx "$1" "$FX/pushed.list" 2>/dev/null; }

# ---- pull reads every format ----------------------------------------------------
# name | what wrote it | what the guest prints (grep -x patterns, ';'-separated)
formats=(
	"oci-targz|OCI image, tar+gzip layers (umoci), decoy in a lower layer|arg 1: from-config;GREETING=hi-from-config"
	"docker-v2s2|Docker schema2 (skopeo --format v2s2, as buildx pushes)|arg 1: from-config;GREETING=hi-from-config"
	"cmd-func|no Entrypoint: Cmd[0] 'bin/hello.wasm#_start' under WorkingDir|arg 1: from-cmd;GREETING=(unset)"
	"oci-tar|OCI image, uncompressed tar layer (by hand)|arg 1: from-tar;GREETING=uncompressed"
	"opaque|opaque directory replaced in a later layer (by hand)|GREETING=(unset)"
	"runwasi|runwasi oci-tar-builder: wasm component layer, empty entrypoint|GREETING=(unset)"
	"cncf|CNCF Wasm OCI artifact (application/wasm, wasm config v0)|GREETING=(unset)"
	"wasm-to-oci|wasm-to-oci (wasm config v1 '{}', content layer)|GREETING=(unset)"
	"oci-index|OCI index with linux/amd64 first, then wasi/wasm|arg 1: from-config"
	"docker-list|Docker manifest list, linux/amd64 + wasi/wasm32|arg 1: from-config"
)
for f in "${formats[@]}"; do
	IFS='|' read -r name what expect <<<"$f"
	mod=$WORK/mod-$name.wasm
	if ! pushed "$name"; then
		not_ok "pull reads $name ($what): the fixture was not pushed"
		continue
	fi
	check "pull reads $name ($what), the module byte for byte" bash -c "
		'$WASMPACK' --store '$S' -q pull -o '$mod' '$R1/fmt/$name:v1' >/dev/null && cmp '$mod' '$HELLO'"
	check "inspect --remote --raw shows $name's manifest as skopeo does" bash -c "
		cmp <('$WASMPACK' inspect --remote --raw '$R1/fmt/$name:v1') \
		    <(skopeo inspect -n --raw --tls-verify=false 'docker://$R1/fmt/$name:v1')"
	if [[ -s $mod ]] && [[ $("$WASMPACK" inspect --json "$mod" 2>/dev/null | json role) == command ]]; then
		run_as_config "$R1/fmt/$name:v1" "$mod" >"$WORK/run.out" 2>"$WORK/run.err"
		rc=$?
		good=1
		grep -qx 'hello from wasm' "$WORK/run.out" || good=0
		IFS=';' read -ra lines <<<"$expect"
		for l in "${lines[@]}"; do grep -qxF "$l" "$WORK/run.out" || good=0; done
		if [[ $rc -eq 0 && $good -eq 1 ]]; then
			ok "$name's module runs under node:wasi with its config's args and env"
		else
			not_ok "$name's module runs under node:wasi with its config's args and env (exit $rc)" \
				"$WORK/run.out" "$WORK/run.err"
		fi
	fi
done

# ---- platforms -------------------------------------------------------------------
wasm_child=$(skopeo_digest "$R1/fmt/oci-targz:v1")
check "the OCI index resolves to its wasi entry, not linux/amd64" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/p1' -q pull '$R1/fmt/oci-index:v1' | tail -n 1) == '$wasm_child' ]]"
check "the Docker manifest list resolves to its wasi/wasm32 entry" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/p1' -q pull '$R1/fmt/docker-list:v1' | tail -n 1) == \$(skopeo inspect -n --raw --tls-verify=false docker://$R1/fmt/docker-list:wasm | sha256sum | sed 's/^/sha256:/; s/ .*//') ]]"
check "--platform wasi/wasm32 takes the index's wasi/wasm entry" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/p1' -q pull --platform wasi/wasm32 '$R1/fmt/oci-index:v1' | tail -n 1) == '$wasm_child' ]]"
check_exit 0 "pull --platform wasi/wasm32 of a wasi/wasm index succeeds" \
	"$WASMPACK" --store "$WORK/p1" pull --platform wasi/wasm32 "$R1/fmt/oci-index:v1"
check "and says on stderr that wasm and wasm32 were taken as one architecture" \
	grep -q 'no wasi/wasm32 entry; took wasi/wasm (wasm and wasm32' "$LAST_ERR"
check "--platform wasi/wasm takes the Docker list's wasi/wasm32 entry" \
	"$WASMPACK" --store "$WORK/p1" -q pull --platform wasi/wasm "$R1/fmt/docker-list:v1"
check "copy --platform says wasm and wasm32 were taken as one architecture" bash -c "
	'$WASMPACK' copy --platform wasi/wasm32 '$R1/fmt/oci-index:v1' '$R1/copy/one:v1' 2>&1 >/dev/null |
	grep -q 'no wasi/wasm32 entry; took wasi/wasm'"
check_exit 6 "a linux/amd64 image is refused with exit 6" wp pull "$R1/fmt/linux:v1"
check "and the message says it is not wasm, and for what platform" grep -q 'not a wasm image.*linux/amd64' "$LAST_ERR"
check_exit 6 "an index of linux entries only is refused with exit 6" wp pull "$R1/fmt/linux-index:v1"
check "and the message lists the index's platforms" grep -q 'linux/amd64, linux/arm64' "$LAST_ERR"
check_exit 3 "refused images are not tagged in the store" wp inspect "$R1/fmt/linux:v1"

# ---- whiteouts -----------------------------------------------------------------------
check_exit 3 "a module removed by a whiteout in a later layer is not found" wp pull "$R1/fmt/whiteout:v1"
check "and the message says a later layer removed it" grep -q 'later layer removed it' "$LAST_ERR"
check_exit 3 "a module under a directory a later layer made opaque is not found" wp pull "$R1/fmt/opaque-gone:v1"

# ---- hostile layers ---------------------------------------------------------------------
for h in hostile-dotdot:"a '../' entry" hostile-abs:"an absolute entry" hostile-symlink:"a symlink out of the root" \
	module-link:"a module that is a symlink"; do
	name=${h%%:*}
	what=${h#*:}
	T=$WORK/target-$name
	mkdir -p "$T/out" "$T/cwd/a/b/c"
	(cd "$T/cwd/a/b/c" && "$WASMPACK" --store "$S" pull -o "$T/out/module.wasm" "$R1/fmt/$name:v1") \
		>"$OUT" 2>"$ERR"
	rc=$?
	cp "$ERR" "$LAST_ERR"
	if [[ $rc -eq 6 ]]; then ok "$name: a layer with $what is refused with exit 6"; else
		not_ok "$name: a layer with $what is refused with exit 6 (exit $rc)" "$OUT" "$ERR"; fi
	check "$name: not a byte written, in the target or around it" bash -c "
		[[ -z \$(ls -A '$T/out') && -z \$(find '$T' -type f) ]]"
	check_exit 3 "$name: the image is not tagged" wp inspect "$R1/fmt/$name:v1"
done
check "no file the hostile layers name exists anywhere" bash -c "! find '$WORK' /tmp -maxdepth 6 -name 'wasmpack-evil-*-$TOKEN' 2>/dev/null | grep -q ."

# ---- wasmpack's images, read by skopeo and oci-image-tool --------------------------------
wp build -t wp/image:v1 --env GREETING=built "$HELLO" -- from-wasmpack >/dev/null 2>&1
wp build --format artifact -t wp/art:a1 "$HELLO" >/dev/null 2>&1
check "push the image and the artifact" bash -c "
	'$WASMPACK' --store '$S' -q push wp/image:v1 '$R1/wp/image:v1' >/dev/null &&
	'$WASMPACK' --store '$S' -q push wp/art:a1 '$R1/wp/art:a1' >/dev/null"
SK=$WORK/skopeo-layout
check "skopeo copies wasmpack's image to an OCI layout" \
	skopeo copy -q --src-tls-verify=false "docker://$R1/wp/image:v1" "oci:$SK:image"
check "oci-image-tool validates it" oci-image-tool validate --type image --ref name=image "$SK"
check "skopeo kept the manifest digest" bash -c "
	[[ \$(node -e 'const i=require(\"$SK/index.json\");console.log(i.manifests.find(m=>m.annotations[\"org.opencontainers.image.ref.name\"]===\"image\").digest)') == \$('$WASMPACK' --store '$S' inspect --json wp/image:v1 | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).digest))') ]]"
check "skopeo copies wasmpack's artifact to an OCI layout" \
	skopeo copy -q --src-tls-verify=false "docker://$R1/wp/art:a1" "oci:$SK:art"
art_manifest=$(node -e 'const i=require(process.argv[1]);const d=i.manifests.find(m=>m.annotations["org.opencontainers.image.ref.name"]==="art").digest;console.log(d.slice(7))' "$SK/index.json" 2>/dev/null)
check "oci-image-tool validates the artifact's manifest" \
	oci-image-tool validate --type manifest "$SK/blobs/sha256/$art_manifest"

# ---- save ----------------------------------------------------------------------------------
A=$WORK/saved.tar
wp tag "$R1/fmt/docker-v2s2:v1" wp/docker:d1 >/dev/null 2>&1
check "save writes wasmpack's image and artifact and a pulled Docker image to one archive" \
	wp save -o "$A" wp/image:v1 wp/art:a1 wp/docker:d1
check "save is reproducible: the same images give the same bytes" bash -c "
	'$WASMPACK' --store '$S' -q save -o '$WORK/saved2.tar' wp/image:v1 wp/art:a1 wp/docker:d1 &&
	cmp '$A' '$WORK/saved2.tar'"
check "skopeo reads the archive as oci-archive: (the image)" bash -c "
	cmp <(skopeo inspect -n --raw oci-archive:'$A':a1) <('$WASMPACK' --store '$S' inspect --raw wp/art:a1)"
check "skopeo reads the archive's manifest.json as docker-archive: (what docker load reads)" bash -c "
	skopeo inspect -n docker-archive:'$A':wp/image:v1 | grep -q '\"Os\": \"wasi\"'"
check "an OCI layout copied out of the archive by skopeo validates" bash -c "
	skopeo copy -q oci-archive:'$A':v1 oci:'$WORK/from-archive':v1 &&
	oci-image-tool validate --type image --ref name=v1 '$WORK/from-archive'"
check "skopeo pushes the archive's docker-archive: view; wasmpack pulls the same module back" bash -c "
	skopeo copy -q --dest-tls-verify=false docker-archive:'$A':wp/image:v1 docker://$R2/from-docker-archive:v1 &&
	'$WASMPACK' --store '$WORK/s-da' -q pull -o '$WORK/da.wasm' $R2/from-docker-archive:v1 >/dev/null &&
	cmp '$WORK/da.wasm' '$HELLO'"
check "a failed save leaves no archive behind" bash -c "
	! '$WASMPACK' --store '$S' save -o '$WORK/none.tar' wp/image:v1 wp/missing:v1 2>/dev/null &&
	[[ -z \$(ls '$WORK' | grep none.tar) ]]"

# ---- load --------------------------------------------------------------------------------------
check "load takes wasmpack's own archive into an empty store" \
	"$WASMPACK" --store "$WORK/s-load" load -i "$A"
check "the loaded images keep their names and digests" bash -c "
	for r in wp/image:v1 wp/art:a1 wp/docker:d1; do
		[[ \$('$WASMPACK' --store '$WORK/s-load' inspect --json \$r | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).digest))') == \
		   \$('$WASMPACK' --store '$S' inspect --json \$r | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).digest))') ]] || exit 1
	done"
check "skopeo reads the loaded store (oci:DIR:TAG) and finds the same manifest" bash -c "
	cmp <(skopeo inspect -n --raw oci:'$WORK/s-load':v1) <('$WASMPACK' --store '$S' inspect --raw wp/image:v1)"
# oci-image-tool 1.0.0-rc1 mismatches refs in an index of three or more
# entries: validate a store holding one loaded image.
check "a store loaded from a one-image archive validates (oci-image-tool)" bash -c "
	'$WASMPACK' --store '$S' -q save -o '$WORK/one.tar' wp/image:v1 &&
	'$WASMPACK' --store '$WORK/s-one' -q load -i '$WORK/one.tar' >/dev/null &&
	oci-image-tool validate --type image --ref name=v1 '$WORK/s-one'"
skopeo copy -q --src-tls-verify=false "docker://$R1/fmt/oci-targz:v1" "oci-archive:$WORK/sk-oci.tar:v7" 2>"$ERR"
check_exit 6 "a skopeo oci-archive whose image carries only a tag needs a name" \
	"$WASMPACK" --store "$WORK/s-load" load -i "$WORK/sk-oci.tar"
check "and the message says how to give one" grep -q 'name it with -t' "$LAST_ERR"
check "load -t takes skopeo's oci-archive, with the registry's digest" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/s-load' load -i '$WORK/sk-oci.tar' -t sk/oci:v7 | cut -d' ' -f2) == '$wasm_child' ]]"
check "skopeo writes a docker-archive (docker save's format, layers behind symlinks)" \
	skopeo copy -q --src-tls-verify=false "docker://$R1/fmt/oci-targz:v1" "docker-archive:$WORK/sk-docker.tar:sk/docker:v1"
check "load takes it, checking every layer against the config's diff_ids" \
	"$WASMPACK" --store "$WORK/s-load" load -i "$WORK/sk-docker.tar"
check "the image loaded from docker-archive pushes, pulls and gives the module back" bash -c "
	'$WASMPACK' --store '$WORK/s-load' -q push sk/docker:v1 $R2/sk/docker:v1 >/dev/null &&
	'$WASMPACK' --store '$WORK/s-load2' -q pull -o '$WORK/dk.wasm' $R2/sk/docker:v1 >/dev/null &&
	cmp '$WORK/dk.wasm' '$HELLO'"
check "load reads an archive from stdin" bash -c "
	'$WASMPACK' --store '$WORK/s-stdin' -q load < '$A' | grep -q '^docker.io/wp/art:a1 '"
# An archive with one blob altered: the digest check must catch it.
node -e '
const fs = require("fs");
const b = fs.readFileSync(process.argv[1]);
// The last 512-byte block with data before the end of the tar: inside the last blob.
let i = b.length - 1024 - 1; while (i > 0 && b[i] === 0) i--;
b[i] ^= 0xff; fs.writeFileSync(process.argv[2], b);' "$A" "$WORK/tampered.tar"
check_exit 6 "an archive with an altered blob is refused with exit 6" \
	"$WASMPACK" --store "$WORK/s-tampered" load -i "$WORK/tampered.tar"
check "and nothing is named in the store" bash -c "
	[[ \$('$WASMPACK' --store '$WORK/s-tampered' images -q 2>/dev/null | wc -l) -eq 0 ]]"

# ---- copy --------------------------------------------------------------------------------------
check "copy within one registry mounts every blob (none sent)" bash -c "
	'$WASMPACK' --store '$WORK/never' --json copy $R1/fmt/oci-index:v1 $R1/copy/idx:v1 2>/dev/null > '$WORK/copy.json' &&
	[[ \$(json blobsMoved < '$WORK/copy.json') == 0 && \$(json blobsSkipped < '$WORK/copy.json') -ge 3 ]]"
check "the registry saw the cross-repository mounts" grep -q 'mount=sha256.*from=fmt' "$R1_LOG"
check "copy never touches the store" test ! -e "$WORK/never"
check "the copy is the same index, byte for byte (skopeo)" bash -c "
	cmp <(skopeo inspect -n --raw --tls-verify=false docker://$R1/fmt/oci-index:v1) \
	    <(skopeo inspect -n --raw --tls-verify=false docker://$R1/copy/idx:v1)"
check "copy to another registry streams the blobs" bash -c "
	'$WASMPACK' --json copy $R1/fmt/oci-index:v1 $R2/copy/idx:v1 2>/dev/null > '$WORK/copy2.json' &&
	[[ \$(json blobsMoved < '$WORK/copy2.json') -ge 3 ]]"
check "skopeo sees the same index on the other registry" bash -c "
	cmp <(skopeo inspect -n --raw --tls-verify=false docker://$R1/fmt/oci-index:v1) \
	    <(skopeo inspect -n --raw --tls-verify=false docker://$R2/copy/idx:v1)"
check "wasmpack pulls the copied index's module from the other registry" bash -c "
	'$WASMPACK' --store '$WORK/s-copy' -q pull -o '$WORK/copied.wasm' $R2/copy/idx:v1 >/dev/null &&
	cmp '$WORK/copied.wasm' '$HELLO'"
check "copying again sends nothing" bash -c "
	'$WASMPACK' --json copy $R1/fmt/oci-index:v1 $R2/copy/idx:v1 2>/dev/null | json blobsMoved | grep -qx 0"
check "copy carries an artifact across registries" bash -c "
	'$WASMPACK' -q copy $R1/fmt/cncf:v1 $R2/copy/cncf:v1 >/dev/null &&
	'$WASMPACK' --store '$WORK/s-copy' -q pull -o '$WORK/cncf.wasm' $R2/copy/cncf:v1 >/dev/null &&
	cmp '$WORK/cncf.wasm' '$HELLO'"
check_exit 3 "copying a missing tag exits 3" "$WASMPACK" copy "$R1/fmt/none:v1" "$R2/copy/none:v1"

# ---- tags ------------------------------------------------------------------------------------------
check "tags lists a repository's tags" bash -c "
	[[ \$('$WASMPACK' tags $R1/fmt/docker-list | sort | tr '\n' ' ') == 'linux v1 wasm ' ]]"
check "tags --json" bash -c "
	'$WASMPACK' --json tags $R2/copy/idx | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>{const o=JSON.parse(s);process.exit(o.tags.join()===\"v1\"&&o.name===\"$R2/copy/idx\"?0:1)})'"
check_exit 2 "tags refuses an image reference" "$WASMPACK" tags "$R1/fmt/docker-list:v1"

finish
