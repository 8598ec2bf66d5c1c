#!/usr/bin/env bash
# Installs what building and testing wasmpack needs on Debian, when missing.
# As root it runs apt-get; otherwise it prints the exact command to run.
set -euo pipefail

packages=(
	# build
	gcc make pkg-config libcurl4-openssl-dev libssl-dev libjansson-dev
	libarchive-dev zlib1g-dev
	# test modules: C -> wasm32-wasi, .wat -> wasm
	clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt
	# make fuzz: libFuzzer for clang-14
	libclang-rt-14-dev
	# the real registry, and OCI tools nobody here wrote, to check our output
	docker-registry apache2-utils skopeo umoci oci-image-tool
	# test helpers (groff-base renders the man page; bsdutils has `script`;
	# time is /usr/bin/time, for peak memory in tests/cli/hostile.test.sh)
	openssl curl valgrind groff-base bsdutils time
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
# npm fetches esbuild-wasm for the capability tests (a Go module with host imports).
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q "${missing[@]}" >/dev/null
else
	echo "deps: missing Debian packages; run:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
