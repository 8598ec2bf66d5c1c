#!/usr/bin/env bash
# Issue 13, first use of the store: images by the ID `images` shows,
# sorting, patterns and CREATED, prune; the store never appearing where a
# read looked; info; resumed pulls.
SUITE=first-store
source "$(dirname "$0")/lib.sh"

S=$WORK/store
HELLO=$TD/hello.wasm
wp() { "$WASMPACK" --store "$S" "$@"; }

# --- item 5: images by ID ---------------------------------------------
check "build two images" bash -c "
	'$WASMPACK' --store '$S' build -t demo/zeta:1 '$HELLO' &&
	'$WASMPACK' --store '$S' build -t demo/alpha:2 --created 2020-01-02T00:00:00Z '$HELLO' &&
	'$WASMPACK' --store '$S' build -t other/app:1 --label x=y '$HELLO'"
wp images --json >"$WORK/i.json"
ID=$(jget "$WORK/i.json" '.images.find(i=>i.name=="docker.io/demo/alpha:2").digest')
HEX=${ID#sha256:}
check "images sorts by repository and tag" bash -c "
	'$WASMPACK' --store '$S' images | awk 'NR>1{print \$1\":\"\$2}' > '$WORK/order' &&
	sort -c '$WORK/order' && [[ \$(wc -l <'$WORK/order') -eq 3 ]]"
check "images shows the ID column, as 12 hex" bash -c "
	'$WASMPACK' --store '$S' images | grep -E '^docker.io/demo/alpha +2 +sha256:${HEX:0:12} '"
check "images shows CREATED relative to now" bash -c "
	'$WASMPACK' --store '$S' images | grep -E '^docker.io/demo/alpha .* [0-9]+ years? ago '"
check "images --json has created" bash -c "
	[[ \$(jget '$WORK/i.json' '.images.find(i=>i.name==\"docker.io/demo/alpha:2\").created') == 2020-01-02T00:00:00Z ]]"
check "images PATTERN filters by repository (short form)" bash -c "
	'$WASMPACK' --store '$S' images 'demo/*' > '$WORK/f' && grep -q demo/alpha '$WORK/f' &&
	grep -q demo/zeta '$WORK/f' && ! grep -q other/app '$WORK/f'"
check "images PATTERN matches repository:tag" bash -c "
	[[ \$('$WASMPACK' --store '$S' images -q 'demo/*:2') == docker.io/demo/alpha:2 ]]"
check "inspect by a 12-hex prefix" bash -c "'$WASMPACK' --store '$S' inspect ${HEX:0:12} | grep -q alpha"
check "inspect by sha256:prefix" wp inspect "sha256:${HEX:0:16}"
check "tag by ID" wp tag "${HEX:0:12}" demo/copy:1
check "save by ID" wp save -o "$WORK/by-id.tar" "$ID"
check_exit 2 "a prefix shorter than 12 after sha256: is refused" wp inspect sha256:abc
check_exit 3 "a sha256: prefix no image has is not found" wp inspect sha256:000000000000
# Two index entries sharing a 12-digit prefix (hand-made: real digests
# almost never do) make that prefix ambiguous.
A=$WORK/amb
mkdir -p "$A" && cp -r "$S/." "$A/"
node -e '
	const fs=require("fs");const p=process.argv[1]+"/index.json";const o=JSON.parse(fs.readFileSync(p));
	const m=o.manifests[0];const fake=JSON.parse(JSON.stringify(m));
	fake.digest=m.digest.slice(0,7+12)+"f".repeat(52);fake.annotations={"io.containerd.image.name":"docker.io/fake/x:1"};
	o.manifests.push(fake);fs.writeFileSync(p,JSON.stringify(o))' "$A"
AMB=$(node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1]+"/index.json"));process.stdout.write(o.manifests[0].digest.slice(7,19))' "$A")
check_exit 2 "an ambiguous prefix is an error" "$WASMPACK" --store "$A" inspect "$AMB"
check "which lists the candidates" bash -c "grep -q 'ambiguous' '$LAST_ERR' && [[ \$(grep -o 'sha256:$AMB' '$LAST_ERR' | wc -l) -ge 2 ]]"

# An untagged (<none>) entry, as another tool writes it.
node -e '
	const fs=require("fs");const p=process.argv[1]+"/index.json";const o=JSON.parse(fs.readFileSync(p));
	const m=o.manifests.find(e=>e.annotations["io.containerd.image.name"]=="docker.io/other/app:1");
	const n=JSON.parse(JSON.stringify(m));delete n.annotations;o.manifests=o.manifests.filter(e=>e!==m);o.manifests.push(n);
	fs.writeFileSync(p,JSON.stringify(o))' "$S"
check "an untagged entry shows as <none>" bash -c "'$WASMPACK' --store '$S' images | grep -q '^<none> *<none>'"
NONE=$(wp images --json | node -e 'const o=JSON.parse(require("fs").readFileSync(0));process.stdout.write(o.images.find(i=>!i.name).digest.slice(7,19))')
check "rmi by ID removes the <none> entry" wp rmi "$NONE"
check "and it is gone" bash -c "! '$WASMPACK' --store '$S' images | grep -q '^<none>'"
check "rmi by ID removes every name of the image" bash -c "
	'$WASMPACK' --store '$S' rmi ${HEX:0:12} && ! '$WASMPACK' --store '$S' images | grep -Eq 'demo/(alpha|copy)'"

# --- prune ---------------------------------------------------------------
check "a named image to keep" wp build -t keep/me:1 --label keep=1 "$HELLO"
node -e '
	const fs=require("fs");const p=process.argv[1]+"/index.json";const o=JSON.parse(fs.readFileSync(p));
	const m=o.manifests.find(e=>e.annotations["io.containerd.image.name"]=="docker.io/demo/zeta:1");
	const n=JSON.parse(JSON.stringify(m));delete n.annotations;o.manifests=o.manifests.filter(e=>e!==m);o.manifests.push(n);
	fs.writeFileSync(p,JSON.stringify(o))' "$S"
ZETA=$(wp images --json | node -e 'const o=JSON.parse(require("fs").readFileSync(0));process.stdout.write(o.images.find(i=>!i.name).digest)')
check "prune removes untagged images and says which" bash -c "
	'$WASMPACK' --store '$S' prune > '$WORK/prune' && grep -q 'removed untagged $ZETA' '$WORK/prune' &&
	grep -q 'deleted [0-9]* unreferenced blob' '$WORK/prune'"
check "after prune no <none> is left and named images stay" bash -c "
	! '$WASMPACK' --store '$S' images | grep -q '^<none>' && '$WASMPACK' --store '$S' inspect keep/me:1 >/dev/null"
check "prune without a store creates none" bash -c "
	'$WASMPACK' --store '$WORK/nostore' prune && [[ ! -e '$WORK/nostore' ]]"

# --- item 6: the store never appears where a read looked -----------------
N=$WORK/nothing
check "images on a missing store lists nothing" bash -c "
	[[ \$('$WASMPACK' --store '$N' images -q | wc -l) -eq 0 ]] && [[ ! -e '$N' ]]"
check_exit 3 "inspect on a missing store: not in the store" wp --store "$N" inspect demo/app:1
check_exit 3 "save on a missing store: not in the store" wp --store "$N" save -o "$WORK/none.tar" demo/app:1
check "and creates nothing" bash -c "[[ ! -e '$N' && ! -e '$WORK/none.tar' ]]"
D=$WORK/documents
mkdir -p "$D" && echo letter >"$D/letter.txt"
check "images on a directory that is not a store: empty, with a note" bash -c "
	[[ \$('$WASMPACK' --store '$D' images 2>'$WORK/note' | wc -l) -eq 1 ]] &&
	grep -q 'not an image store' '$WORK/note' && [[ ! -e '$D/oci-layout' && ! -e '$D/.wasmpack' ]]"
check_exit 1 "build into a non-empty directory that is not a store is refused" \
	"$WASMPACK" --store "$D" build -t demo/app:1 "$HELLO"
check "with a clear message, and nothing written" bash -c "
	grep -q 'refusing to use .* as the store' '$LAST_ERR' && [[ ! -e '$D/oci-layout' && ! -e '$D/index.json' ]]"
check_exit 1 "load into it is refused too" "$WASMPACK" --store "$D" load -i "$WORK/by-id.tar"
E=$WORK/empty
mkdir -p "$E"
check "build into an empty directory makes a store there" "$WASMPACK" --store "$E" build -t demo/app:1 "$HELLO"
check "info shows the store, where it came from, config and libraries" bash -c "
	'$WASMPACK' --store '$E' info > '$WORK/info' && grep -q '^Store: *$E (--store; exists)' '$WORK/info' &&
	grep -q '^Config: ' '$WORK/info' && grep -q 'libcurl [0-9]' '$WORK/info' && grep -q '^wasmpack [0-9]' '$WORK/info'"
check "info names \$WASMPACK_STORE as the source" bash -c "
	WASMPACK_STORE='$N' '$WASMPACK' info | grep -q '^Store: *$N (\\\$WASMPACK_STORE; not created yet)'"
check "info --json" bash -c "
	DOCKER_CONFIG='$WORK/dc' '$WASMPACK' info --json > '$WORK/info.json' &&
	[[ \$(jget '$WORK/info.json' '.config.from') == '\$DOCKER_CONFIG' && -n \$(jget '$WORK/info.json' '.libraries.curl') ]]"
check "--help shows the store in use" bash -c "
	'$WASMPACK' --store '$E' --help | grep -q 'Store in use: $E (--store)'"

# --- item 8: an interrupted pull resumes --------------------------------
# A throttling HTTP proxy (250 kB/s towards wasmpack for requests without
# a Range, so only the first download is slow) that logs each request's
# method, path and Range header: kill a pull midway, rerun it.
cat >"$WORK/throttle.mjs" <<'JS'
import fs from 'node:fs';
import http from 'node:http';
const [up, log] = process.argv.slice(2);
const [host, port] = up.split(':');
const srv = http.createServer((req, res) => {
  fs.appendFileSync(log, `${req.method} ${req.url} range=${req.headers.range || '-'}\n`);
  const u = http.request({ host, port, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.on('data', (c) => {
      res.write(c);
      if (req.headers.range) return;
      r.pause();
      setTimeout(() => r.resume(), Math.ceil(c.length / 250));
    });
    r.on('end', () => res.end());
  });
  u.on('error', () => res.destroy());
  req.pipe(u);
});
srv.listen(0, '127.0.0.1', () => console.log(`PORT=${srv.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
JS
if kit_start open; then
	R=$REGISTRY_ADDR
	pad_wasm "$HELLO" "$WORK/pad3m.wasm" 3000000 7
	wp build -t "$R/big/mod:1" "$WORK/pad3m.wasm" >/dev/null 2>&1
	wp push "$R/big/mod:1" >/dev/null 2>&1
	BIG=$(wp images --json | node -e 'const o=JSON.parse(require("fs").readFileSync(0));process.stdout.write(o.images.find(i=>/big\/mod:1$/.test(i.name)).digest)')
	check "push by ID to a named destination" bash -c "
		[[ \$('$WASMPACK' --store '$S' push ${BIG:7:12} '$R/byid/mod:2' 2>/dev/null | tail -n 1) == '$BIG' ]]"
	check_exit 2 "push by ID without a destination is a usage error" wp push "${BIG:7:12}"
	helper_start throttle node "$WORK/throttle.mjs" "$R" "$WORK/throttle.log"
	TP=127.0.0.1:$HELPER_PORT
	P=$WORK/resume
	"$WASMPACK" --store "$P" --no-progress pull "$TP/big/mod:1" >/dev/null 2>&1 &
	pull_pid=$!
	for ((i = 0; i < 100; i++)); do
		part=$(ls "$P/.wasmpack/tmp"/partial-* 2>/dev/null | head -n 1)
		[[ -n $part && $(stat -c %s "$part" 2>/dev/null || echo 0) -gt 300000 ]] && break
		sleep 0.1
	done
	kill -9 "$pull_pid" 2>/dev/null
	wait "$pull_pid" 2>/dev/null
	got=$(stat -c %s "$part" 2>/dev/null || echo 0)
	check "the killed pull left a partial download named by its digest" bash -c "
		[[ '$part' =~ /partial-[0-9a-f]{64}\$ && $got -gt 300000 && $got -lt 3000000 ]]"
	: >"$WORK/throttle.log"
	check "the rerun succeeds" "$WASMPACK" --store "$P" --no-progress pull -o "$WORK/resumed.wasm" "$TP/big/mod:1"
	check "its blob GET carried a Range from where the first stopped" bash -c "
		grep -E '^GET /v2/big/mod/blobs/sha256:[0-9a-f]{64} range=bytes=$got-' '$WORK/throttle.log'"
	check "the module is right and the partial is gone" bash -c "
		cmp '$WORK/resumed.wasm' '$WORK/pad3m.wasm' && [[ -z \$(ls '$P/.wasmpack/tmp' | grep partial-) ]]"
	check "the resumed store is sound" store_sound "$P"
	# A partial nobody holds is kept by gc (so a rerun can resume) and
	# removed by prune.
	head -c 1000 "$WORK/pad3m.wasm" >"$P/.wasmpack/tmp/partial-$(printf 'a%.0s' {1..64})"
	check "gc (after rmi) keeps a recent partial download" bash -c "
		'$WASMPACK' --store '$P' rmi '$TP/big/mod:1' && ls '$P/.wasmpack/tmp' | grep -q partial-"
	check "prune removes leftover partial downloads" bash -c "
		'$WASMPACK' --store '$P' prune | grep -Eq 'deleted [1-9][0-9]* partial download' &&
		[[ -z \$(ls '$P/.wasmpack/tmp' | grep partial-) ]]"
fi

finish
