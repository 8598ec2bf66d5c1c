#!/usr/bin/env bash
# Untrusted text never reaches the terminal raw: a module's import and
# export names, an image's annotations, a store's image names, a
# registry's tags and error messages. Their control bytes (ESC, CR, LF,
# BEL, DEL, C1) show as \xNN, so none can move the cursor, clear a line or
# fake a row; --json keeps the exact strings (jansson escapes them). Also:
# the files `save -o` and `pull -o` write honour the umask.
SUITE=escape
source "$REPO/tests/cli/lib.sh"

W=$WASMPACK
S=$WORK/store

# raw_free FILE: FILE holds none of ESC, CR, BEL, DEL, or a C1 control
# (U+0080..U+009F in UTF-8, or a lone byte 0x80..0x9f).
raw_free() {
	! od -An -v -tx1 "$1" | tr -s ' \n' '\n\n' | grep -qxE '1b|0d|07|7f|8[0-9a-f]|9[0-9a-f]'
}
export -f raw_free

# A module that imports sock_accept (it reaches the network), then an
# import whose name moves up a line, clears it, returns the cursor and
# writes a reassuring "Can reach" line, then sets the window title; an
# export name that clears the screen; a C1 CSI (U+009B).
cat >"$WORK/forge.wat" <<'EOF'
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "x\1b[1A\1b[2K\0dCan reach:  nothing outside the sandbox; no network\1b]0;pwned\07" (func))
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "\1b[2J\c2\9bclear\7f")))
EOF
check "the hostile module builds from wat" wat2wasm "$WORK/forge.wat" -o "$WORK/forge.wasm"

check "inspect FILE prints the module" bash -c "'$W' inspect '$WORK/forge.wasm' >'$WORK/mod.out' 2>'$WORK/mod.err'"
check "no ESC, CR, BEL, DEL or C1 byte of the module reaches stdout or stderr" \
	bash -c "raw_free '$WORK/mod.out' && raw_free '$WORK/mod.err'"
check "one 'Can reach' line, and it says network" bash -c "
	[[ \$(grep -c '^Can reach' '$WORK/mod.out') == 1 ]] &&
	grep -q '^Can reach:  network' '$WORK/mod.out' &&
	grep -qF 'x\\x1b[1A\\x1b[2K\\x0dCan reach:' '$WORK/mod.out'"
check "the export names show their escapes" \
	grep -qF '\x1b[2J\xc2\x9bclear\x7f (func)' "$WORK/mod.out"
check "inspect --json keeps the exact names" bash -c "
	'$W' inspect --json '$WORK/forge.wasm' >'$WORK/mod.json' &&
	[[ \$(jget '$WORK/mod.json' '.imports[1].name') == \$'x\e[1A\e[2K\rCan reach:  nothing outside the sandbox; no network\e]0;pwned\a' ]] &&
	[[ \$(jget '$WORK/mod.json' '.exports[2].name') == \$'\e[2J\u009bclear\x7f' ]]"

# An image whose annotation holds a newline and a line-clearing sequence.
check "build with an annotation that holds a newline and ESC" \
	"$W" --store "$S" build -t demo/esc:1 --annotation $'org.example.note=line1\n\e[2KCan reach:  nothing' \
	"$WORK/forge.wasm"
check "inspect IMAGE shows the annotation on one line, escaped" bash -c "
	'$W' --store '$S' inspect demo/esc:1 >'$WORK/img.out' 2>&1 && raw_free '$WORK/img.out' &&
	grep -qF '  org.example.note: line1\\x0a\\x1b[2KCan reach:  nothing' '$WORK/img.out' &&
	[[ \$(grep -c '^Can reach' '$WORK/img.out') == 1 ]]"
check "inspect --json IMAGE keeps the annotation exact" bash -c "
	'$W' --store '$S' inspect --json demo/esc:1 >'$WORK/img.json' &&
	node -e 'const o=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));
		const v=JSON.stringify(o); process.exit(v.includes(\"line1\\\\n\\\\u001b[2K\") ? 0 : 1)' '$WORK/img.json'"

# A store whose index names an image with a newline (a shared store, or
# one edited by hand): `images` must not print a forged row.
check "plant an image name with a newline and ESC in the store's index" node -e '
	const fs = require("fs"), p = process.argv[1], j = JSON.parse(fs.readFileSync(p));
	j.manifests[0].annotations["io.containerd.image.name"] =
		"docker.io/demo/esc:1\nevil/fake                                latest  sha256:000000000000 wasi/wasm32    1kB\u001b[1A";
	fs.writeFileSync(p, JSON.stringify(j));' "$S/index.json"
check "images prints the header and one row, escaped" bash -c "
	'$W' --store '$S' images >'$WORK/images.out' 2>&1 && raw_free '$WORK/images.out' &&
	[[ \$(wc -l <'$WORK/images.out') == 2 ]] && ! grep -q '^evil/fake' '$WORK/images.out' &&
	grep -qF 'docker.io/demo/esc:1\\x0aevil/fake' '$WORK/images.out'"
check "images -q prints one line" bash -c "
	'$W' --store '$S' images -q >'$WORK/images.q' 2>&1 && raw_free '$WORK/images.q' &&
	[[ \$(wc -l <'$WORK/images.q') == 1 ]]"
check "images --json keeps the name exact" bash -c "
	'$W' --store '$S' images --json >'$WORK/images.json' &&
	[[ \$(jget '$WORK/images.json' '.images[0].name') == *$'\nevil/fake'* ]]"

# A registry whose tags and error messages hold control bytes.
node - "$WORK/script.json" <<'EOF'
const fs = require('fs');
const steps = [];
const route = (method, path, response) => steps.push({ match: { method, path }, times: 0, response });
route('GET', '/v2/', { json: {} });
route('GET', '/v2/h/tags/tags/list', { headers: { 'Docker-Content-Digest': 'sha256:\u009b2J' },
  json: { name: 'h/tags',
  tags: ['v1', 'v2\u001b[2K\rv3-fake\nv4-fake', 'v5\u009b31m'] } });
route('GET', '/v2/h/err/manifests/v1', { status: 404, json: { errors: [{ code: 'MANIFEST_UNKNOWN',
  message: 'gone\u001b[2K\rwasmpack: pulled h/err:v1\u001b]8;;http://evil.test/\u0007' }] } });
// A manifest whose config "digest" holds ESC and CR: quoted in the error.
route('GET', '/v2/h/digest/manifests/v1', { headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
  json: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:\u001b[2K\rwasmpack: ok', size: 2 },
    layers: [] } });
fs.writeFileSync(process.argv[2], JSON.stringify(steps));
EOF
responder_start responder "$WORK/script.json" || { finish; exit 1; }
H=$RESPONDER_ADDR

check "tags lists the registry's tags" bash -c "'$W' tags --plain-http '$H/h/tags' >'$WORK/tags.out' 2>'$WORK/tags.err'"
check "each tag on its own line, escaped: no forged line" bash -c "
	raw_free '$WORK/tags.out' && raw_free '$WORK/tags.err' && [[ \$(wc -l <'$WORK/tags.out') == 3 ]] &&
	grep -qxF 'v2\\x1b[2K\\x0dv3-fake\\x0av4-fake' '$WORK/tags.out' &&
	grep -qxF 'v5\\xc2\\x9b31m' '$WORK/tags.out'"
check "tags --json keeps the tags exact" bash -c "
	'$W' tags --json --plain-http '$H/h/tags' >'$WORK/tags.json' &&
	[[ \$(jget '$WORK/tags.json' '.tags[1]') == \$'v2\e[2K\rv3-fake\nv4-fake' ]]"
check_exit 3 "a 404 whose message holds control bytes is a not-found" \
	"$W" --store "$S" pull --plain-http "$H/h/err:v1"
check "its message reaches stderr without a control byte, on one line" bash -c "
	raw_free '$LAST_ERR' && grep -q 'gone' '$LAST_ERR' && [[ \$(grep -c '^wasmpack:' '$LAST_ERR') == 1 ]]"
check_exit 6 "a manifest with ESC and CR in a digest is refused" \
	"$W" --store "$S" pull --plain-http "$H/h/digest:v1"
check "the digest is quoted escaped" bash -c "
	raw_free '$LAST_ERR' && grep -qF \"'sha256:\\x1b[2K\" '$LAST_ERR'"
check "-v lines quote the registry's headers escaped" bash -c "
	'$W' -v tags --plain-http '$H/h/tags' >/dev/null 2>'$WORK/v.err' &&
	raw_free '$WORK/v.err' && grep -qE 'docker-content-digest=sha256:(\\\\xc2)?\\\\x9b2J' '$WORK/v.err'"

# Files written for the user honour the umask (a store of their own: the
# image of the first one was renamed above).
S=$WORK/store2
check "build an image to save and push" "$W" --store "$S" -q build -t demo/esc:1 "$WORK/forge.wasm"
check "save -o under umask 077 writes a 0600 archive" bash -c "
	umask 077 && '$W' --store '$S' -q save -o '$WORK/private.tar' demo/esc:1 &&
	[[ \$(stat -c %a '$WORK/private.tar') == 600 ]]"
check "save -o under umask 022 writes a 0644 archive" bash -c "
	umask 022 && '$W' --store '$S' -q save -o '$WORK/public.tar' demo/esc:1 &&
	[[ \$(stat -c %a '$WORK/public.tar') == 644 ]]"
if kit_start open; then
	R=$REGISTRY_ADDR
	check "push the image to the registry kit" "$W" --store "$S" -q push demo/esc:1 "$R/demo/esc:1"
	check "pull -o under umask 077 writes a 0700 module" bash -c "
		umask 077 && '$W' --store '$WORK/p1' -q pull -o '$WORK/private.wasm' '$R/demo/esc:1' >/dev/null &&
		[[ \$(stat -c %a '$WORK/private.wasm') == 700 ]] && cmp '$WORK/private.wasm' '$WORK/forge.wasm'"
	check "pull -o under umask 022 writes a 0755 module" bash -c "
		umask 022 && '$W' --store '$WORK/p2' -q pull -o '$WORK/public.wasm' '$R/demo/esc:1' >/dev/null &&
		[[ \$(stat -c %a '$WORK/public.wasm') == 755 ]]"
	check "the store's own files keep their modes under umask 077" bash -c "
		[[ \$(stat -c %a '$WORK/p1/index.json') == 644 ]]"
fi

finish
