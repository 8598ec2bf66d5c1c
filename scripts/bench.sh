#!/usr/bin/env bash
# `make bench`: wasmpack's build, push and pull against peers measured side
# by side in the same run (interleaved, medians of BENCH_RUNS >= 5 runs),
# HTTP requests per operation, the same under 50 ms of round trip, peak RSS
# and start-up time. Prints one table, then notes.
#   scripts/bench.sh [SECTION...]    build push requests rtt startup (default: all)
# Environment: BENCH_RUNS (default 5), BUILD (default build).
# Installs what it lacks (as root: apt-get; `npm pack esbuild-wasm@0.24.0`
# for a real 12 MB module, cached in $BUILD/bench). Everything listens on
# 127.0.0.1; every registry and proxy started here is stopped on exit.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${BUILD:-build}
[[ $B == /* ]] || B=$ROOT/$B
WP=$B/wasmpack
N=${BENCH_RUNS:-5}
SECTIONS=${*:-build push requests rtt startup}
RTT_MS=50
ESBUILD=esbuild-wasm@0.24.0

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

(( N >= 5 )) || die "BENCH_RUNS must be at least 5"
[[ -x $WP ]] || die "$WP missing: run make first"

# ------------------------------------------------------------ tools ---

deps() {
	local pkgs=() c
	command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
	[[ -x /usr/bin/time ]] || pkgs+=(time)
	command -v taskset >/dev/null 2>&1 || pkgs+=(util-linux)
	command -v docker-registry >/dev/null 2>&1 || command -v registry >/dev/null 2>&1 ||
		pkgs+=(docker-registry)
	for c in skopeo umoci curl openssl gzip tar; do
		command -v "$c" >/dev/null 2>&1 || pkgs+=("$c")
	done
	[[ ${#pkgs[@]} -eq 0 ]] && return 0
	if [[ $(id -u) -ne 0 ]]; then
		say "missing tools; run: sudo apt-get install -y ${pkgs[*]}"
		exit 1
	fi
	say "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q "${pkgs[@]}" >/dev/null
}
deps

W=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-bench.XXXXXX")
REGDIR=""
PROXY_PID=""
stop_proxy() {
	if [[ -n $PROXY_PID ]]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
		PROXY_PID=""
	fi
}
cleanup() {
	stop_proxy
	if [[ -n $REGDIR ]]; then
		"$ROOT/registry/registry.sh" stop "$REGDIR" >/dev/null 2>&1 || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Keep the user's docker credentials out of it. (Not REGISTRY_AUTH_FILE
# for skopeo: the registry reads REGISTRY_* variables as its settings.)
mkdir -p "$W/docker"
export DOCKER_CONFIG=$W/docker

# ----------------------------------------------------------- inputs ---

declare -A MOD
MOD[hello]=$B/testdata/hello.wasm
if [[ ! -s ${MOD[hello]} ]]; then
	scripts/deps.sh # the wasm toolchain for testdata
	testdata/build.sh "$B/testdata" >/dev/null
fi
CACHE=$B/bench
mkdir -p "$CACHE"
if [[ ! -s $CACHE/esbuild.wasm ]]; then
	say "fetching $ESBUILD with npm pack"
	rm -rf "$CACHE/pack" && mkdir -p "$CACHE/pack"
	(cd "$CACHE/pack" && npm pack --silent "$ESBUILD" >/dev/null &&
		tar -xzf esbuild-wasm-*.tgz package/esbuild.wasm)
	mv "$CACHE/pack/package/esbuild.wasm" "$CACHE/esbuild.wasm"
	rm -rf "$CACHE/pack"
fi
MOD[esbuild]=$CACHE/esbuild.wasm
# 200 MiB: esbuild's bytes repeated in a custom section, so it compresses
# like real code.
MOD[synthetic]=$W/synthetic.wasm
node -e '
const fs = require("fs");
const src = fs.readFileSync(process.argv[1]);
const fill = 200 * 1024 * 1024 - 64, name = Buffer.from("bench");
const leb = n => { const b = []; do { let x = n & 0x7f; n = Math.floor(n / 128); if (n) x |= 0x80; b.push(x); } while (n); return Buffer.from(b); };
const fd = fs.openSync(process.argv[2], "w");
fs.writeSync(fd, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]));
fs.writeSync(fd, leb(1 + name.length + fill));
fs.writeSync(fd, Buffer.from([name.length]));
fs.writeSync(fd, name);
for (let left = fill; left > 0; left -= src.length) fs.writeSync(fd, src.subarray(0, Math.min(left, src.length)));
fs.closeSync(fd);' "${MOD[esbuild]}" "${MOD[synthetic]}"
MODULES=(hello esbuild synthetic)

# ---------------------------------------------------------- helpers ---

# timed FILE CMD...: appends the wall seconds of one run of CMD to FILE;
# with RSS=FILE2 set, also its peak RSS in KiB (through /usr/bin/time).
# A command that fails is run once more (and the failure noted: through
# the delay proxy a client can meet a connection the registry closed);
# failing twice stops the bench.
timed() {
	local out=$1 t0 t1 rc try
	shift
	for try in 1 2; do
		rc=0
		t0=$EPOCHREALTIME
		if [[ -n ${RSS:-} ]]; then
			/usr/bin/time -f %M -o "$W/rss.one" "$@" >"$W/cmd.out" 2>"$W/cmd.err" || rc=$?
		else
			"$@" >"$W/cmd.out" 2>"$W/cmd.err" || rc=$?
		fi
		t1=$EPOCHREALTIME
		((rc == 0)) && break
		say "failed ($rc): $*"
		sed 's/^/  /' "$W/cmd.err" >&2
		if [[ -n $PROXY_PID && -s $W/proxy.log ]]; then
			say "delay proxy log (last lines):"
			tail -n 12 "$W/proxy.log" | sed 's/^/  /' >&2
		fi
		((try == 2)) && exit 1
		note "retried once after a failure: $(basename "$1") ... ($(tail -n 1 "$W/cmd.err" | cut -c1-160))"
	done
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$out"
	if [[ -n ${RSS:-} ]]; then tail -n 1 "$W/rss.one" >>"$RSS"; fi
}
median() { sort -g "$1" | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "nan" }'; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
secs() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.0f ms", s * 1000; else printf "%.2f s", s }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# row WHAT MODULE WASMPACK PEER PEER_VALUE RATIO TARGET VERDICT
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$W/table"; }
note() { printf '%s\n' "$*" >>"$W/notes"; }
: >"$W/table"
: >"$W/notes"

# verdict VALUE OP LIMIT: "met" or "MISSED (by X)".
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" -v unit="${4:-x}" 'BEGIN {
		ok = (op == "<=") ? v <= l : v < l
		if (ok) { print "met"; exit }
		if (unit == "x") printf "MISSED by %.0f%%\n", (v / l - 1) * 100
		else printf "MISSED by %s %s\n", v - l, unit
	}'
}

# A timed row: wasmpack's median against a peer's, ratio = wasmpack / peer.
ratio_row() { # WHAT MODULE WFILE PEER PFILE TARGET_OP TARGET_LIMIT
	local a b r
	a=$(median "$3")
	b=$(median "$5")
	r=$(calc "$a / $b")
	if [[ -n ${6:-} ]]; then
		row "$1" "$2" "$(secs "$a")" "$4" "$(secs "$b")" "$r" "$6 $7" "$(verdict "$r" "$6" "$7")"
	else
		row "$1" "$2" "$(secs "$a")" "$4" "$(secs "$b")" "$r" "-" "-"
	fi
}

# Every request in the registry's access log (one line each).
ACCESS='^[0-9a-f.:]+ - .* "[A-Z]+ [^ ]+ HTTP/[0-9.]+" [0-9]{3} '
count_requests() {
	local n=-1 m i
	# A streamed answer can reach the client before its log line: wait
	# until the count settles.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		m=$(grep -cE "$ACCESS" "$REGISTRY_LOG" || true)
		[[ $m == "$n" ]] && break
		n=$m
		sleep 0.1
	done
	echo "$m"
}
# "GET /v2/ x1, HEAD manifests x1, ..." for the requests in the log.
request_kinds() {
	grep -E "$ACCESS" "$REGISTRY_LOG" | sed -E 's/.*"([A-Z]+) ([^ ]+) HTTP.*/\1 \2/' | awk '{
		p = $2
		if (p == "/v2/") k = "/v2/"
		else if (p ~ /\/blobs\/uploads\//) k = "uploads"
		else if (p ~ /\/blobs\//) k = "blobs"
		else if (p ~ /\/manifests\//) k = "manifests"
		else k = p
		key = $1 " " k
		if (!(key in n)) order[++c] = key
		n[key]++
	} END { for (i = 1; i <= c; i++) printf "%s%s x%d", (i > 1 ? ", " : ""), order[i], n[order[i]]; print "" }'
}

# A new, empty registry (the previous one stopped): every push is a cold
# push, and skopeo's blob info cache, which remembers blobs per registry
# host:port, has nothing to mount from.
fresh_registry() {
	local env
	if [[ -n $REGDIR ]]; then
		"$ROOT/registry/registry.sh" stop "$REGDIR" >/dev/null 2>&1 || true
		REGDIR=""
	fi
	REGISTRY_DIR="" REGISTRY_ADDR="" REGISTRY_LOG=""
	if ! env=$("$ROOT/registry/registry.sh" start open 2>"$W/registry.err"); then
		die "cannot start the registry: $(cat "$W/registry.err")"
	fi
	eval "$env"
	[[ -n $REGISTRY_DIR && -n $REGISTRY_ADDR ]] || die "the registry kit printed no address"
	REGDIR=$REGISTRY_DIR
	REGISTRY_BASE=http://$REGISTRY_ADDR
}

# umoci building the equivalent image: layout, image, one layer, config.
umoci_build() { # DIR FILE
	umoci init --layout "$1" && umoci new --image "$1:1" &&
		umoci insert --image "$1:1" "$2" "/$(basename "$2")" &&
		umoci config --image "$1:1" --os wasi --architecture wasm32 \
			--config.entrypoint "/$(basename "$2")"
}

# The curl floor for a push: the raw upload of the same layer bytes
# (POST, then PUT with the digest), no check, no manifest.
curl_push() { # REPO FILE DIGEST
	local loc
	loc=$(curl -sfS -X POST -H 'Content-Length: 0' -D - -o /dev/null "$REGISTRY_BASE/v2/$1/blobs/uploads/" |
		tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
	[[ -n $loc ]] || return 1
	[[ $loc == http* ]] || loc=$REGISTRY_BASE$loc
	curl -sfS -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' \
		-T "$2" -o /dev/null "$loc&digest=$3"
}
# The curl floor for a pull: one GET of the layer blob into a file.
curl_pull() { # REPO DIGEST OUT
	curl -sfS -o "$3" "$REGISTRY_BASE/v2/$1/blobs/$2"
}

# The layer of the only image in a store: "DIGEST PATH".
store_layer() { # STORE
	local m
	m=$(node -e 'const i = JSON.parse(require("fs").readFileSync(process.argv[1] + "/index.json"));
		console.log(i.manifests[0].digest.slice(7))' "$1")
	node -e 'const fs = require("fs"), m = JSON.parse(fs.readFileSync(process.argv[1]));
		const d = m.layers[0].digest; console.log(d, process.argv[2] + "/blobs/sha256/" + d.slice(7))' \
		"$1/blobs/sha256/$m" "$1"
}

# The share of the CPU other processes use over one second while the
# bench sleeps: the machine is shared, and parallel speed-ups need idle cores.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
others_cpu() {
	local b0 t0 b1 t1
	read -r b0 t0 < <(cpu_busy)
	sleep 1
	read -r b1 t1 < <(cpu_busy)
	awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f%%", t ? b / t * 100 : 0 }'
}
T_START=$EPOCHREALTIME
CORES=$(nproc)
OTHERS0=$(others_cpu)

# ------------------------------------------------------------ build ---

bench_build() {
	local m f i
	for m in "${MODULES[@]}"; do
		f=${MOD[$m]}
		say "build: $m ($N runs)"
		local big=""
		[[ $m == synthetic ]] && big=1
		for ((i = 1; i <= N; i++)); do
			rm -rf "$W/bs" "$W/um" "$W/bn" "$W/b1"
			RSS=${big:+$W/rss.build.wp} timed "$W/build.$m.wp" "$WP" -q --store "$W/bs" build -t "bench/$m:1" "$f"
			RSS=${big:+$W/rss.build.gz6} timed "$W/build.$m.gz6" gzip -6 -n -c "$f"
			timed "$W/build.$m.gz1" gzip -1 -n -c "$f"
			if [[ $m != hello ]]; then
				rm -rf "$W/b1"
				timed "$W/build.$m.one" taskset -c 0 "$WP" -q --store "$W/b1" build -t "bench/$m:1" "$f"
			fi
			timed "$W/build.$m.umoci" umoci_build "$W/um" "$f"
			timed "$W/build.$m.none" "$WP" -q --store "$W/bn" build --compression none -t "bench/$m:1" "$f"
			timed "$W/build.$m.sha" openssl sha256 "$f"
		done
		ratio_row build "$m" "$W/build.$m.wp" "gzip -6 -n" "$W/build.$m.gz6" "<=" 1.15
		ratio_row build "$m" "$W/build.$m.wp" "gzip -1 -n" "$W/build.$m.gz1"
		[[ $m == hello ]] ||
			ratio_row build "$m" "$W/build.$m.wp" "wasmpack, 1 core (taskset -c 0)" "$W/build.$m.one"
		ratio_row build "$m" "$W/build.$m.wp" "umoci init+new+insert+config" "$W/build.$m.umoci"
		ratio_row "build --compression none" "$m" "$W/build.$m.none" "openssl sha256" "$W/build.$m.sha" "<=" 1.5
	done
	# The same bytes whatever the cores, and readable by other readers.
	local d1 d2 layer path plain
	rm -rf "$W/bs" "$W/b1" "$W/bn"
	d2=$("$WP" -q --store "$W/bs" build -t bench/s:1 "${MOD[synthetic]}" | tail -n 1)
	d1=$(taskset -c 0 "$WP" -q --store "$W/b1" build -t bench/s:1 "${MOD[synthetic]}" | tail -n 1)
	read -r layer path < <(store_layer "$W/bs")
	plain=$("$WP" -q --store "$W/bn" build --compression none -t bench/s:1 "${MOD[synthetic]}" >/dev/null &&
		store_layer "$W/bn" | cut -d' ' -f1)
	local same=no gun=no tarok=no goreader=no
	[[ $d1 == "$d2" ]] && same=yes
	[[ "sha256:$(gunzip -c "$path" | sha256sum | cut -d' ' -f1)" == "$plain" ]] && gun=yes
	[[ $(tar -tzf "$path") == synthetic.wasm ]] && tarok=yes
	rm -rf "$W/rootfs"
	umoci raw unpack --image "$W/bs:1" "$W/rootfs" >/dev/null 2>&1 &&
		cmp -s "$W/rootfs/synthetic.wasm" "${MOD[synthetic]}" && goreader=yes
	rm -rf "$W/rootfs" "$W/b1" "$W/bn" "$W/bs" "$W/um"
	note "determinism (200 MiB): manifest with $CORES cores = with 1 core (taskset -c 0): $same ($d2)"
	note "readers (200 MiB layer): gunzip -c | sha256 = diff_id: $gun; GNU tar lists it: $tarok; umoci raw unpack (Go) gives the module back: $goreader"
}

# ------------------------------------------------------- push, pull ---

bench_push() {
	local m i store layer path
	for m in "${MODULES[@]}"; do
		say "push/pull: $m ($N runs, a new registry for each)"
		store=$W/push-$m
		rm -rf "$store"
		"$WP" -q --store "$store" build -t "bench/$m:1" "${MOD[$m]}" >/dev/null
		read -r layer path < <(store_layer "$store")
		local big=""
		[[ $m == synthetic ]] && big=1
		for ((i = 1; i <= N; i++)); do
			fresh_registry
			RSS=${big:+$W/rss.push.sk} timed "$W/push.$m.sk" skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$store:1" "docker://$REGISTRY_ADDR/sk/$m:1"
			RSS=${big:+$W/rss.push.wp} timed "$W/push.$m.wp" "$WP" -q --store "$store" push "bench/$m:1" "$REGISTRY_ADDR/wp/$m:1"
			timed "$W/push.$m.curl" curl_push "cu/$m" "$path" "$layer"
			rm -rf "$W/pw" "$W/ps" "$W/pc"
			RSS=${big:+$W/rss.pull.sk} timed "$W/pull.$m.sk" skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/wp/$m:1" "oci:$W/ps:1"
			RSS=${big:+$W/rss.pull.wp} timed "$W/pull.$m.wp" "$WP" -q --store "$W/pw" pull "$REGISTRY_ADDR/wp/$m:1"
			timed "$W/pull.$m.curl" curl_pull "wp/$m" "$layer" "$W/pc"
		done
		rm -rf "$W/pw" "$W/ps" "$W/pc" "$store"
		ratio_row push "$m" "$W/push.$m.wp" "curl POST+PUT of the layer" "$W/push.$m.curl" "<=" 1.25
		ratio_row push "$m" "$W/push.$m.wp" "skopeo copy oci: -> docker://" "$W/push.$m.sk" "<=" 0.5
		ratio_row pull "$m" "$W/pull.$m.wp" "curl GET of the layer" "$W/pull.$m.curl" "<=" 1.25
		ratio_row pull "$m" "$W/pull.$m.wp" "skopeo copy docker:// -> oci:" "$W/pull.$m.sk" "<=" 0.5
	done
}

# ---------------------------------------------------------- requests ---

bench_requests() {
	local store=$W/req tool kind
	fresh_registry
	say "requests per operation"
	rm -rf "$store"
	"$WP" -q --store "$store" build -t bench/hello:1 "${MOD[hello]}" >/dev/null
	declare -A C
	for tool in wasmpack skopeo; do
		for kind in cold re-push pull; do
			: >"$REGISTRY_LOG"
			case $tool/$kind in
			wasmpack/cold | wasmpack/re-push) "$WP" -q --store "$store" push bench/hello:1 "$REGISTRY_ADDR/rq/wp:1" >/dev/null ;;
			wasmpack/pull) rm -rf "$W/rp" && "$WP" -q --store "$W/rp" pull "$REGISTRY_ADDR/rq/wp:1" >/dev/null ;;
			skopeo/cold | skopeo/re-push) skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$store:1" "docker://$REGISTRY_ADDR/rq/sk:1" ;;
			skopeo/pull) rm -rf "$W/rp" && skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/rq/sk:1" "oci:$W/rp:1" ;;
			esac
			C[$tool/$kind]=$(count_requests)
			note "requests, $tool $kind: $(request_kinds)"
		done
	done
	rm -rf "$W/rp" "$store"
	# The least the protocol needs for one manifest with 2 blobs (config,
	# layer): per blob HEAD + POST + PUT, the manifest PUT, and the
	# manifest HEAD that makes a re-push one request.
	row "requests: cold push" hello "${C[wasmpack/cold]}" skopeo "${C[skopeo/cold]}" \
		"$(calc "${C[wasmpack/cold]} / ${C[skopeo/cold]}")" "<= 8" "$(verdict "${C[wasmpack/cold]}" "<=" 8 requests)"
	row "requests: re-push, unchanged" hello "${C[wasmpack/re-push]}" skopeo "${C[skopeo/re-push]}" \
		"$(calc "${C[wasmpack/re-push]} / ${C[skopeo/re-push]}")" "<= 1" "$(verdict "${C[wasmpack/re-push]}" "<=" 1 requests)"
	row "requests: pull" hello "${C[wasmpack/pull]}" skopeo "${C[skopeo/pull]}" \
		"$(calc "${C[wasmpack/pull]} / ${C[skopeo/pull]}")" "<= 3" "$(verdict "${C[wasmpack/pull]}" "<=" 3 requests)"
}

# ---------------------------------------------------- 50 ms round trip ---

start_proxy() {
	local i
	: >"$W/proxy.port"
	node "$ROOT/tests/servers/delay-proxy.mjs" --upstream "$REGISTRY_ADDR" --rtt-ms "$RTT_MS" \
		--port-file "$W/proxy.port" --log "$W/proxy.log" --trace >/dev/null 2>"$W/proxy.err" &
	PROXY_PID=$!
	for i in $(seq 50); do [[ -s $W/proxy.port ]] && break; sleep 0.1; done
	[[ -s $W/proxy.port ]] || die "delay proxy did not start: $(cat "$W/proxy.err")"
	FAR=127.0.0.1:$(<"$W/proxy.port")
}
conns() { grep -c '^connection ' "$W/proxy.log" || true; }

bench_rtt() {
	local i c0 store=$W/rtt layer path
	say "push/pull through a ${RTT_MS} ms round trip ($N runs, a new registry for each)"
	rm -rf "$store"
	"$WP" -q --store "$store" build -t bench/hello:1 "${MOD[hello]}" >/dev/null
	read -r layer path < <(store_layer "$store")
	declare -A CONN
	for ((i = 1; i <= N; i++)); do
		fresh_registry
		: >"$W/proxy.log"
		start_proxy
		REGISTRY_BASE=http://$FAR
		c0=$(conns); timed "$W/rtt.push.sk" skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$store:1" "docker://$FAR/rtt/sk:1"; CONN[push.sk]=$(($(conns) - c0))
		c0=$(conns); timed "$W/rtt.push.wp" "$WP" -q --store "$store" push bench/hello:1 "$FAR/rtt/wp:1"; CONN[push.wp]=$(($(conns) - c0))
		c0=$(conns); timed "$W/rtt.push.wph" "$WP" -q --store "$store" push --plain-http bench/hello:1 "$FAR/rtt/wph:1"; CONN[push.wph]=$(($(conns) - c0))
		timed "$W/rtt.push.curl" curl_push rtt/cu "$path" "$layer"
		rm -rf "$W/rw" "$W/rwh" "$W/rs"
		c0=$(conns); timed "$W/rtt.pull.sk" skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$FAR/rtt/wp:1" "oci:$W/rs:1"; CONN[pull.sk]=$(($(conns) - c0))
		c0=$(conns); timed "$W/rtt.pull.wp" "$WP" -q --store "$W/rw" pull "$FAR/rtt/wp:1"; CONN[pull.wp]=$(($(conns) - c0))
		c0=$(conns); timed "$W/rtt.pull.wph" "$WP" -q --store "$W/rwh" pull --plain-http "$FAR/rtt/wp:1"; CONN[pull.wph]=$(($(conns) - c0))
		timed "$W/rtt.pull.curl" curl_pull rtt/wp "$layer" "$W/rc"
		stop_proxy
	done
	rm -rf "$W/rw" "$W/rwh" "$W/rs" "$W/rc" "$store"
	REGISTRY_BASE=http://$REGISTRY_ADDR
	ratio_row "push @${RTT_MS}ms RTT" hello "$W/rtt.push.wp" "skopeo" "$W/rtt.push.sk" "<=" 0.5
	ratio_row "push @${RTT_MS}ms RTT, --plain-http" hello "$W/rtt.push.wph" "skopeo" "$W/rtt.push.sk" "<=" 0.5
	ratio_row "push @${RTT_MS}ms RTT" hello "$W/rtt.push.wp" "curl POST+PUT of the layer" "$W/rtt.push.curl"
	ratio_row "pull @${RTT_MS}ms RTT" hello "$W/rtt.pull.wp" "skopeo" "$W/rtt.pull.sk" "<=" 0.5
	ratio_row "pull @${RTT_MS}ms RTT, --plain-http" hello "$W/rtt.pull.wph" "skopeo" "$W/rtt.pull.sk" "<=" 0.5
	ratio_row "pull @${RTT_MS}ms RTT" hello "$W/rtt.pull.wp" "curl GET of the layer" "$W/rtt.pull.curl"
	note "TCP connections per operation @${RTT_MS}ms: wasmpack push ${CONN[push.wp]} (--plain-http ${CONN[push.wph]}), skopeo push ${CONN[push.sk]}; wasmpack pull ${CONN[pull.wp]} (--plain-http ${CONN[pull.wph]}), skopeo pull ${CONN[pull.sk]}"
}

# Peak RSS of the 200 MiB runs, from the timed runs themselves.
rss_rows() {
	local what w p f a b
	for what in build push pull; do
		w=$W/rss.$what.wp
		[[ -s $w ]] || continue
		case $what in build) p="gzip -6"; f=$W/rss.build.gz6 ;; *) p=skopeo; f=$W/rss.$what.sk ;; esac
		a=$(median "$w")
		b=$(median "$f")
		row "peak RSS $what" synthetic "$(mib "$a")" "$p" "$(mib "$b")" "$(calc "$a / $b")" "< 10 MiB" \
			"$(verdict "$(calc "$a / 1024" 1)" "<" 10 MiB)"
	done
}

# ----------------------------------------------------------- start-up ---

bench_startup() {
	local i a b c d
	say "start-up"
	# An empty main() linked against the same libraries: what loading
	# them costs by itself.
	printf 'int main(void) { return 0; }\n' >"$W/empty.c"
	# shellcheck disable=SC2046
	cc -O2 -o "$W/empty-libs" "$W/empty.c" -Wl,--no-as-needed \
		$(pkg-config --libs libcurl openssl jansson libarchive zlib)
	for ((i = 1; i <= 4 * N + 1; i++)); do
		timed "$W/start.wp" "$WP" --version
		timed "$W/start.true" /bin/true
		timed "$W/start.libs" "$W/empty-libs"
	done
	for ((i = 1; i <= N; i++)); do
		RSS=$W/rss.version timed "$W/rss.version.t" "$WP" --version
		RSS=$W/rss.libs timed "$W/rss.libs.t" "$W/empty-libs"
	done
	a=$(median "$W/start.wp")
	b=$(median "$W/start.true")
	c=$(median "$W/start.libs")
	d=$(calc "($a - $b) * 1000" 1)
	row "start-up: --version" - "$(secs "$a")" "/bin/true (exec floor)" "$(secs "$b")" "$(calc "$a / $b")" \
		"< 5 ms over exec" "$(verdict "$d" "<" 5 ms) ($d ms over)"
	row "start-up: --version" - "$(secs "$a")" "empty main() with the same libs" "$(secs "$c")" "$(calc "$a / $c")" "-" "-"
	note "wasmpack --version peak RSS: $(mib "$(median "$W/rss.version")"); an empty main() linked against the same $(ldd "$WP" | wc -l) shared libraries: $(mib "$(median "$W/rss.libs")")"
}

for s in $SECTIONS; do
	case $s in
	build) bench_build ;;
	push) bench_push ;;
	requests) bench_requests ;;
	rtt) bench_rtt ;;
	startup) bench_startup ;;
	*) die "unknown section '$s' (build push requests rtt startup)" ;;
	esac
done

# ------------------------------------------------------------- report ---

rss_rows
elapsed=$(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
OTHERS1=$(others_cpu)

echo
echo "wasmpack bench: medians of $N runs, peers run side by side in the same loop; ratio = wasmpack / peer (lower is better)"
printf 'machine: %s cores; other processes were using %s of the CPU before the bench and %s after it; %s s in all\n\n' \
	"$CORES" "$OTHERS0" "$OTHERS1" "$elapsed"
awk -F'\t' 'BEGIN { printf "%-34s %-10s %-12s %-32s %-12s %-7s %-17s %s\n", "what", "module", "wasmpack", "peer", "peer value", "ratio", "target", "verdict"
	printf "%-34s %-10s %-12s %-32s %-12s %-7s %-17s %s\n", "----", "------", "--------", "----", "----------", "-----", "------", "-------" }
	{ printf "%-34s %-10s %-12s %-32s %-12s %-7s %-17s %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$W/table"
if [[ -s $W/notes ]]; then
	echo
	sed 's/^/- /' "$W/notes"
fi
