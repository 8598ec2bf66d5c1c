#!/usr/bin/env bash
# Hostile registries: a scripted server (tests/servers/scripted.mjs) answers
# pulls with oversized manifests (with and without a length), a 100000-deep
# JSON nesting, a huge error body, huge headers, an oversized token,
# config and layer, a digest that names a path, and a redirect loop.
# wasmpack must refuse each with one clear line and exit 3 or 6, quickly,
# holding no more memory than the caps allow, and leave nothing in the
# store.
SUITE=hostile
source "$REPO/tests/cli/lib.sh"

MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
S=$WORK/store

# The script: one route per case, all on one responder.
node - "$WORK/script.json" <<'EOF'
const fs = require('fs');
const MT = 'application/vnd.oci.image.manifest.v1+json';
const hex = (c) => c.repeat(64);
const manifest = (config, layer) => JSON.stringify({ schemaVersion: 2, mediaType: MT,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }] });
const steps = [];
const route = (method, path, response) => steps.push({ match: { method, path }, times: 0, response });
// 5 MiB manifests, announced and not.
route('GET', '/v2/h/big/manifests/v1', { headers: { 'Content-Type': MT }, bodyBytes: 5 << 20 });
route('GET', '/v2/h/chunked/manifests/v1', { headers: { 'Content-Type': MT }, bodyBytes: 5 << 20, chunked: true });
// JSON nested 100000 deep, well under the size cap.
route('GET', '/v2/h/deep/manifests/v1', { headers: { 'Content-Type': MT },
  body: '{"schemaVersion":2,"x":' + '['.repeat(100000) + ']'.repeat(100000) + '}' });
// A 64 MiB error body.
route('GET', '/v2/h/errbody/manifests/v1', { status: 404, headers: { 'Content-Type': 'application/json' },
  bodyBytes: 64 << 20 });
// 300 KB of response headers.
route('GET', '/v2/h/headers/manifests/v1', { headers: { 'Content-Type': MT, 'X-Padding': 'p'.repeat(300000) },
  body: manifest({ digest: 'sha256:' + hex('1'), size: 2 }, { digest: 'sha256:' + hex('2'), size: 2 }) });
// A token service whose answer is 2 MiB.
route('GET', '/v2/h/token/manifests/v1', { status: 401,
  headers: { 'WWW-Authenticate': 'Bearer realm="{origin}/token",service="hostile"' } });
route('GET', '/token', { headers: { 'Content-Type': 'application/json' }, bodyBytes: 2 << 20 });
// A config of 9 MiB (over the 8 MiB cap) and a layer longer than its descriptor.
route('GET', '/v2/h/config/manifests/v1', { headers: { 'Content-Type': MT },
  body: manifest({ digest: 'sha256:' + hex('3'), size: 9 << 20 }, { digest: 'sha256:' + hex('4'), size: 10 }) });
route('GET', `/v2/h/config/blobs/sha256:${hex('3')}`, { bodyBytes: 9 << 20 });
const config = '{"architecture":"wasm32","os":"wasi"}';
const configDigest = require('crypto').createHash('sha256').update(config).digest('hex');
route('GET', '/v2/h/layer/manifests/v1', { headers: { 'Content-Type': MT },
  body: JSON.stringify({ schemaVersion: 2, mediaType: MT,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + configDigest, size: config.length },
    layers: [{ mediaType: 'application/wasm', digest: 'sha256:' + hex('6'), size: 100 }] }) });
route('GET', `/v2/h/layer/blobs/sha256:${configDigest}`, { body: config });
route('GET', `/v2/h/layer/blobs/sha256:${hex('6')}`, { bodyBytes: 4 << 20 });
// 300 response headers of 1 KB each.
const many = { 'Content-Type': MT };
for (let i = 0; i < 300; i++) many[`X-Padding-${i}`] = 'p'.repeat(1000);
route('GET', '/v2/h/manyheaders/manifests/v1', { headers: many, body: '{}' });
// A layer "digest" that is a path.
route('GET', '/v2/h/path/manifests/v1', { headers: { 'Content-Type': MT },
  body: manifest({ digest: 'sha256:' + hex('7'), size: 2 }, { digest: 'sha256:../../../../../etc/passwd', size: 10 }) });
// A redirect to itself.
route('GET', '/v2/h/loop/manifests/v1', { status: 302, redirect: '/v2/h/loop/manifests/v1' });
fs.writeFileSync(process.argv[2], JSON.stringify(steps));
EOF
responder_start responder "$WORK/script.json" || { finish; exit 1; }
H=$RESPONDER_ADDR

# pull_case NAME: pulls h/NAME:v1 with its peak memory (KiB) in $WORK/NAME.rss
pull_case() {
	local t0 rc
	t0=$(ms)
	/usr/bin/time -f '%M' -o "$WORK/$1.rss" timeout -k 5 60 \
		"$WASMPACK" --store "$S" pull --plain-http "$H/h/$1:v1"
	rc=$?
	echo "$1: $(($(ms) - t0)) ms" >>"$WORK/times"
	return $rc
}
peak() { tail -n 1 "$WORK/$1.rss"; }
one_line() {
	[[ $(grep -c . "$LAST_ERR") -le 2 && $(head -n 1 "$LAST_ERR") == wasmpack* && $(wc -c <"$LAST_ERR") -lt 1000 ]]
}

# A baseline for memory: a tiny refusal.
check_exit 6 "a redirect loop is refused" pull_case loop
check "the message says so in one line" bash -c "grep -q 'redirect' '$LAST_ERR' && [[ \$(grep -c . '$LAST_ERR') -le 2 ]]"
base=$(peak loop)
# Peak memory (KiB) a refusal may add: the caps are 4 MiB (manifests) and
# 64 KiB (error bodies); ASan keeps freed buffers in quarantine.
slack=$((12 * 1024))
[[ -n ${SANITIZE:-} ]] && slack=$((32 * 1024))

t0=$(ms)
check_exit 6 "a 5 MiB manifest is refused" pull_case big
check "the message names the 4 MiB cap, in one line" bash -c "grep -qE '4194304|4 MiB|too large|larger than' '$LAST_ERR' && [[ \$(grep -c . '$LAST_ERR') -le 2 ]]"
check_exit 6 "a 5 MiB manifest without Content-Length is refused" pull_case chunked
check "it stops reading at the cap: peak memory stays within $((slack / 1024)) MiB of a trivial pull" \
	test $(($(peak chunked) - base)) -lt "$slack"
check_exit 6 "a manifest nested 100000 deep is refused" pull_case deep
check "as invalid JSON, in one line" bash -c "grep -qiE 'invalid|depth|nest' '$LAST_ERR' && [[ \$(grep -c . '$LAST_ERR') -le 2 ]]"
check_exit 3 "a 404 with a 64 MiB body is a plain not-found" pull_case errbody
check "its message quotes little of the body" test "$(wc -c <"$LAST_ERR")" -lt 1000
check "and the body was not held: peak memory within $((slack / 1024)) MiB of a trivial pull" \
	test $(($(peak errbody) - base)) -lt "$slack"
check_exit 6 "a 300 KB response header is refused as too large" pull_case headers
check "the message names the headers" grep -qi 'header' "$LAST_ERR"
check_exit 6 "300 response headers of 1 KB are refused as too large" pull_case manyheaders
check "the message names the headers" grep -qi 'header' "$LAST_ERR"
check_exit 6 "a 2 MiB token answer is refused" pull_case token
check "the message names the token" grep -qi 'token' "$LAST_ERR"
check_exit 6 "a 9 MiB config is refused" pull_case config
check "the message names the cap" grep -qiE 'over|too large|larger' "$LAST_ERR"
check_exit 6 "a layer longer than its descriptor is refused" pull_case layer
check "the message names the blob" grep -q "sha256:6666" "$LAST_ERR"
check_exit 6 "a digest that names a path is refused" pull_case path
check "the message names the digest" grep -qi 'digest' "$LAST_ERR"
echo "# hostile cases took $(($(ms) - t0)) ms; peak memory (KiB): trivial $base, 5 MiB chunked manifest $(peak chunked), 64 MiB error body $(peak errbody)"
sed 's/^/#   /' "$WORK/times"
# (Sanitizers make a 9 MiB config, read into memory, much slower.)
limit=10000
[[ -n ${SANITIZE:-} ]] && limit=30000
check "each was refused within seconds" bash -c "! awk '\$2 > $limit' '$WORK/times' | grep ."
check "the store holds no tag, no temp file and nothing unverified" bash -c "
	[[ -z \$(ls -A '$S/.wasmpack/tmp') && ! -e '$S/blobs/sha256/$(printf '6%.0s' {1..64})' ]] &&
	grep -q '\"manifests\":\[\]' '$S/index.json'"
check "and validates" store_sound "$S"

finish
