#!/usr/bin/env bash
# Capabilities that tell the truth: every import of a module lands in a
# class (lib/wasm/imports.c), unknown host functions in `host`; inspect
# lists the imports behind each class; --deny and --allow refuse before
# anything is written, for build and for pull against the real registry.
SUITE=capabilities
source "$(dirname "$0")/lib.sh"

export DOCKER_CONFIG=$WORK/docker
S=$WORK/store
wp() { "$WASMPACK" --store "$S" "$@"; }
# caps FILE: the capability classes `inspect --json` gives FILE, as JSON.
caps() { "$WASMPACK" --json inspect "$1" >"$WORK/caps.json" && jget "$WORK/caps.json" .capabilities; }
export -f caps jget
export WASMPACK WORK
# snapshot DIR: every file of a store with its hash, to compare byte for byte.
snapshot() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# ---- each namespace in its class --------------------------------------------
check_caps() {
	local file=$1 want=$2 desc=$3
	check "$desc" bash -c "[[ \$(
		'$WASMPACK' --json inspect '$TD/$file' >'$WORK/c.json' && jget '$WORK/c.json' .capabilities
	) == '$want' ]] || { cat '$WORK/c.json'; exit 1; }"
}
check_caps imports-host.wasm '["host"]' "gojs and env functions are host; an imported memory reaches nothing"
check_caps imports-wasmedge.wasm '["network"]' "WasmEdge sockets and wasmedge_httpsreq are network"
check_caps imports-nn.wasm '["inference"]' "wasi_ephemeral_nn is inference, fd_write nothing"
check_caps imports-spin.wasm '["network","environment","storage","inference"]' \
	"Spin 1 outbound http/redis/pg/mysql are network, key-value and sqlite storage, llm inference, config environment"
check_caps imports-p2.wasm '["network","environment","storage","inference"]' \
	"wasi:http/outgoing-handler, wasi:config, wasi:keyvalue, wasi:nn in their classes, wasi:logging in none"
check_caps spin-http.component.wasm '["network"]' "a component importing fermyon:spin/outbound-http is network"
check_caps sockets.component.wasm '["network"]' "a component importing wasi:sockets is network"
check_caps unknown.component.wasm '["host"]' "a component importing an unknown interface is host"
check "a WASI command in C has no host import" bash -c "[[ \$(caps '$TD/hello.wasm') != *host* ]]"

"$WASMPACK" --json inspect "$TD/imports-host.wasm" >"$WORK/host.json"
check "inspect --json lists the imports behind each class" bash -c "
	[[ \$(jget '$WORK/host.json' .importsByCapability) == '{\"host\":[\"gojs.syscall/js.valueCall\",\"gojs.runtime.wasmExit\",\"env.abort\"]}' ]]"
check "inspect --json gives each import its class, null for none" bash -c "
	[[ \$(jget '$WORK/host.json' '.imports[0].capability') == host && \$(jget '$WORK/host.json' '.imports[3].capability') == null ]]"
check "inspect --json says a host-only module is not WASI" bash -c "
	[[ \$(jget '$WORK/host.json' .notWasi) == true && \$(jget '$WORK/host.json' .wasi) == none ]]"
check "and its reach never says 'no network' nor 'nothing outside the sandbox'" bash -c "
	r=\$(jget '$WORK/host.json' .reach); [[ \$r == host* && \$r != *'no network'* && \$r != *nothing* && \$r == *'may reach anything'* ]]"
"$WASMPACK" inspect "$TD/imports-host.wasm" >"$WORK/host.txt"
check "inspect lists the imports behind each class" bash -c "
	grep -q '^By capability:' '$WORK/host.txt' && grep -Eq '^  host +gojs\\.syscall/js\\.valueCall\$' '$WORK/host.txt'"
check "inspect says the module is not WASI" grep -q '^WASI: .*not a WASI module' "$WORK/host.txt"
check "inspect never says 'no network' for host imports" bash -c "! grep -q 'no network' '$WORK/host.txt'"
"$WASMPACK" --json inspect "$TD/imports-nn.wasm" >"$WORK/nn.json"
check "a WASI module with a known host API is WASI" bash -c "
	[[ \$(jget '$WORK/nn.json' .notWasi) == false && \$(jget '$WORK/nn.json' .wasi) == preview1 ]]"

# ---- esbuild.wasm, the module that reached anything while wasmpack said nothing
CACHE=${BUILD:-build}
[[ $CACHE == /* ]] || CACHE=$REPO/$CACHE
CACHE=$CACHE/cache
ESBUILD=$CACHE/esbuild-0.24.0.wasm
if [[ ! -s $ESBUILD ]]; then
	mkdir -p "$CACHE/npm"
	if (cd "$CACHE/npm" && npm pack --silent esbuild-wasm@0.24.0 >/dev/null 2>&1) &&
		tar -xzf "$CACHE/npm/esbuild-wasm-0.24.0.tgz" -C "$CACHE/npm" package/esbuild.wasm 2>/dev/null; then
		mv "$CACHE/npm/package/esbuild.wasm" "$ESBUILD"
	fi
fi
if [[ -s $ESBUILD ]]; then
	"$WASMPACK" --json inspect "$ESBUILD" >"$WORK/esbuild.json"
	check "esbuild.wasm is host, and not WASI" bash -c "
		[[ \$(jget '$WORK/esbuild.json' .capabilities) == '[\"host\"]' && \$(jget '$WORK/esbuild.json' .notWasi) == true ]]"
	check "every one of its gojs imports is listed under host, syscall/js.valueCall among them" bash -c "
		[[ \$(jget '$WORK/esbuild.json' '.importsByCapability.host.length') -ge 20 &&
		   \$(jget '$WORK/esbuild.json' '.importsByCapability.host.includes(\"gojs.syscall/js.valueCall\")') == true ]]"
	check_exit 6 "build --deny host refuses esbuild.wasm" \
		"$WASMPACK" --store "$S" build --deny host -t demo/esbuild:v1 "$ESBUILD"
	check "the refusal names the class and an import" grep -q 'denied capabilities: host (gojs ' "$LAST_ERR"
	check_exit 6 "build --allow of every class but host refuses esbuild.wasm" \
		"$WASMPACK" --store "$S" build --allow network,filesystem,environment,clocks,random,exit -t demo/esbuild:v1 "$ESBUILD"
	check "the --allow refusal says what is allowed" grep -q 'not allowed: host (gojs .*(allowed: filesystem, network' "$LAST_ERR"
	check "build warns that esbuild.wasm is not WASI before labelling it wasi/wasm32" bash -c "
		'$WASMPACK' --store '$S' build -t demo/esbuild:v1 '$ESBUILD' 2>'$WORK/esb.err' >/dev/null &&
		grep -q \"warning: '.*esbuild-0.24.0.wasm' is not a WASI module.*gojs.*labelling it wasi/wasm32\" '$WORK/esb.err'"
else
	echo "ok # skip esbuild.wasm: npm pack esbuild-wasm@0.24.0 failed (no npm registry?)"
fi

# ---- build: annotations, --deny, --allow ---------------------------------------
wp build -t demo/spin:v1 "$TD/imports-spin.wasm" >/dev/null 2>&1
wp --json inspect demo/spin:v1 >"$WORK/spin.json"
check "the capabilities annotation follows the same table" bash -c "
	[[ \$(jget '$WORK/spin.json' '.annotations[\"dev.wasmpack.wasi.capabilities\"]') == network,environment,storage,inference ]]"
check "inspect of an image lists the imports behind each class" bash -c "
	[[ \$(jget '$WORK/spin.json' '.importsByCapability.storage') == '[\"key-value.get\",\"sqlite.execute\"]' ]]"
wp build --format artifact -t demo/unknown:v1 "$TD/unknown.component.wasm" >/dev/null 2>&1
wp --json inspect demo/unknown:v1 >"$WORK/unknown.json"
check "an artifact's annotation says host for an unknown interface" bash -c "
	[[ \$(jget '$WORK/unknown.json' '.annotations[\"dev.wasmpack.wasi.capabilities\"]') == host ]]"
check "build without --platform warns for a host-only component too" bash -c "
	'$WASMPACK' --store '$S' build --format artifact -t demo/unknown:v2 '$TD/unknown.component.wasm' 2>&1 >/dev/null |
		grep -q 'not a WASI module.*acme:billing/charge@1.0.0.*labelling it wasip1/wasm'"
check "no warning with an explicit --platform" bash -c "
	! '$WASMPACK' --store '$S' build --platform js/wasm -t demo/host:js '$TD/imports-host.wasm' 2>&1 >/dev/null | grep -q warning"
check "no warning for a WASI module" bash -c "
	! '$WASMPACK' --store '$S' build -t demo/nn:v1 '$TD/imports-nn.wasm' 2>&1 >/dev/null | grep -q warning"

snapshot "$S" >"$WORK/before"
check_exit 6 "build --deny host refuses a module importing env and gojs functions" \
	wp build --deny host -t demo/host:v1 "$TD/imports-host.wasm"
check_exit 6 "build --deny storage refuses Spin's key-value" wp build --deny storage -t demo/x:1 "$TD/imports-spin.wasm"
check_exit 6 "build --deny inference refuses wasi_ephemeral_nn" wp build --deny inference -t demo/x:2 "$TD/imports-nn.wasm"
check_exit 6 "build --deny network refuses a component importing fermyon:spin/outbound-http" \
	wp build --format artifact --deny network -t demo/x:3 "$TD/spin-http.component.wasm"
check_exit 6 "build --allow none refuses a module that imports sockets" wp build --allow none -t demo/x:4 "$TD/network.wasm"
check "and says nothing is allowed" grep -q 'capabilities that are not allowed: network (wasi_snapshot_preview1 sock_accept) (allowed: none)' "$LAST_ERR"
check_exit 6 "build --allow network refuses an unknown component interface" \
	wp build --format artifact --allow network -t demo/x:5 "$TD/unknown.component.wasm"
check_exit 6 "--deny wins over --allow" wp build --allow network --deny network -t demo/x:6 "$TD/network.wasm"
snapshot "$S" >"$WORK/after"
check "the refusals wrote nothing: the store is byte-identical" cmp "$WORK/before" "$WORK/after"
check "build --allow none accepts a module without imports" wp build --allow none -t demo/noimports:v1 "$TD/noimports.wasm"
check "build --allow network accepts the sockets component" \
	wp build --format artifact --allow network -t demo/sockets:v1 "$TD/sockets.component.wasm"
check "build --deny host accepts a module without host imports" wp build --deny host -t demo/net:v1 "$TD/network.wasm"
check_exit 2 "an unknown class in --allow is a usage error" wp build --allow teleport -t demo/x:7 "$TD/network.wasm"
check "and the message lists the classes, host among them" grep -q 'exit, storage, inference, host' "$LAST_ERR"

# ---- pull: --deny and --allow against the real registry ----------------------
if kit_start open; then
	R=$REGISTRY_ADDR
	wp build -t demo/host:v1 "$TD/imports-host.wasm" >/dev/null 2>&1
	wp push demo/host:v1 "$R/demo/app:host" >/dev/null 2>&1
	wp push demo/noimports:v1 "$R/demo/app:pure" >/dev/null 2>&1
	wp push demo/net:v1 "$R/demo/app:net" >/dev/null 2>&1
	D=$WORK/pulled
	"$WASMPACK" --store "$D" pull "$R/demo/app:pure" >/dev/null 2>&1
	"$WASMPACK" --store "$D" tag "$R/demo/app:pure" "$R/demo/app:host" >/dev/null 2>&1
	snapshot "$D" >"$WORK/pull-before"
	check_exit 6 "pull --deny host refuses a module with host imports" \
		"$WASMPACK" --store "$D" pull --deny host -o "$WORK/host.wasm" "$R/demo/app:host"
	check "the refusal names the import and says the store is unchanged" bash -c "
		grep -q 'denied capabilities: host (gojs syscall/js.valueCall)' '$LAST_ERR' && grep -q 'left as it was' '$LAST_ERR'"
	check_exit 6 "pull --allow of every other class refuses it too" \
		"$WASMPACK" --store "$D" pull --allow filesystem,network,environment,clocks,random,exit,storage,inference "$R/demo/app:host"
	check "the refusal names host" grep -q 'not allowed: host (gojs ' "$LAST_ERR"
	check_exit 6 "pull --allow none refuses a module that imports sockets" \
		"$WASMPACK" --store "$D" pull --allow none "$R/demo/app:net"
	snapshot "$D" >"$WORK/pull-after"
	check "the store is byte-identical after the refusals, the old tag kept" \
		cmp "$WORK/pull-before" "$WORK/pull-after"
	check "and the module was not written" test ! -e "$WORK/host.wasm"
	check "pull --allow none accepts a module without imports" \
		"$WASMPACK" --store "$D" pull --allow none "$R/demo/app:pure"
	check "pull --allow network accepts a module that only reaches the network" \
		"$WASMPACK" --store "$D" pull --allow network "$R/demo/app:net"
	check_exit 6 "pull --deny host into an empty store refuses too" \
		"$WASMPACK" --store "$WORK/empty" pull --deny host "$R/demo/app:host"
	check "and leaves no blob behind" bash -c "[[ -z \$(find '$WORK/empty/blobs' -type f 2>/dev/null) ]]"
fi

finish
