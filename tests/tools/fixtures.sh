#!/usr/bin/env bash
# Builds one image per wasm image format wasmpack must read, with tools
# nobody here wrote (umoci for tar-layer images; by hand, with tar and
# oci-layout.mjs, for the formats no tool here writes), and pushes each to
# a registry with skopeo.
#
#   tests/tools/fixtures.sh OUT TESTDATA ADDR [TOKEN]
#
# Every image lands at ADDR/fmt/NAME:v1. OUT/pushed.list gets one line per
# image pushed. TOKEN goes into the file names the hostile layers try to
# write outside their root (default: the script's pid).
set -uo pipefail
OUT=$1
TD=$2
ADDR=$3
TOKEN=${4:-$$}
HERE=$(cd "$(dirname "$0")" && pwd)
L=$OUT/layout
mkdir -p "$OUT/files"
: >"$OUT/pushed.list"
failed=0

say() { echo "fixtures: $*" >&2; }
hand() { node "$HERE/oci-layout.mjs" "$@" >/dev/null; }
# push TAG NAME [SKOPEO ARGS]: the layout's TAG to ADDR/fmt/NAME:v1.
push() {
	local tag=$1 name=$2
	shift 2
	if skopeo copy -q --dest-tls-verify=false "$@" "oci:$L:$tag" "docker://$ADDR/fmt/$name:v1" \
		>"$OUT/skopeo.log" 2>&1; then
		echo "$name" >>"$OUT/pushed.list"
	else
		say "skopeo could not push $name:"
		sed 's/^/    /' "$OUT/skopeo.log" >&2
		failed=1
	fi
}
# put_list NAME MEDIATYPE JSON: an index PUT by hand (skopeo would convert it).
put_list() {
	if curl -fsS -X PUT -H "Content-Type: $2" --data-binary "$3" \
		"http://$ADDR/v2/fmt/$1/manifests/v1" >"$OUT/curl.log" 2>&1; then
		echo "$1" >>"$OUT/pushed.list"
	else
		say "could not PUT the list $1:"
		sed 's/^/    /' "$OUT/curl.log" >&2
		failed=1
	fi
}
F=$OUT/files
cp "$TD/hello.wasm" "$F/hello.wasm"
cp "$TD/noimports.wasm" "$F/decoy.wasm"
umoci init --layout "$L" || exit 1

# ---- tar layers built by umoci (what buildx and buildah push) ------------
# Layers come from `umoci unpack` / `umoci repack` of a rootfs: this umoci's
# `insert` writes tars that end without padding, which no unpacker takes.
B=$OUT/bundle
unpack() { rm -rf "$B" && umoci unpack --rootless --image "$L:$1" "$B" >/dev/null; }
repack() { umoci repack --image "$L:$1" "$B" >/dev/null; }
# layer TAG PATH FILE: a new layer of TAG with FILE at PATH ("-" removes PATH).
layer() {
	unpack "$1" || return 1
	if [[ $3 == - ]]; then
		rm -rf "$B/rootfs$2"
	else
		mkdir -p "$(dirname "$B/rootfs$2")" && cp "$3" "$B/rootfs$2"
	fi && repack "$1"
}

# Two layers: a decoy at the module's path, then the module over it.
umoci new --image "$L:targz" &&
	layer targz /app/hello.wasm "$F/decoy.wasm" &&
	layer targz /app/hello.wasm "$F/hello.wasm" &&
	umoci config --image "$L:targz" --os wasi --architecture wasm \
		--config.entrypoint /app/hello.wasm --config.cmd from-config \
		--config.env GREETING=hi-from-config || failed=1
push targz oci-targz
# The same image as Docker schema2 (what docker buildx --platform wasi/wasm pushes).
push targz docker-v2s2 --format v2s2

# No Entrypoint: Cmd[0] names the module, with a #function, relative to WorkingDir.
umoci new --image "$L:cmd" &&
	layer cmd /srv/bin/hello.wasm "$F/hello.wasm" &&
	umoci config --image "$L:cmd" --os wasip1 --architecture wasm32 --config.workingdir /srv \
		--config.cmd 'bin/hello.wasm#_start' --config.cmd from-cmd || failed=1
push cmd cmd-func

# A whiteout: the module named is removed by a later layer.
umoci new --image "$L:whiteout" &&
	layer whiteout /app/gone.wasm "$F/hello.wasm" &&
	layer whiteout /app/gone.wasm - &&
	umoci config --image "$L:whiteout" --os wasi --architecture wasm \
		--config.entrypoint /app/gone.wasm || failed=1
push whiteout whiteout

# A Linux image: not wasm.
printf '#!/bin/sh\necho linux\n' >"$F/app.sh"
umoci new --image "$L:linux" &&
	layer linux /bin/app "$F/app.sh" &&
	umoci config --image "$L:linux" --os linux --architecture amd64 --config.entrypoint /bin/app ||
	failed=1
push linux linux

# ---- by hand -----------------------------------------------------------------
tar -C "$F" --owner=0 --group=0 --numeric-owner -cf "$F/plain.tar" hello.wasm
hand image '{"layout":"'"$L"'","tag":"tar","config":{"image":{"os":"wasi","architecture":"wasm32",
	"config":{"Entrypoint":["/hello.wasm"],"Cmd":["from-tar"],"Env":["GREETING=uncompressed"]}}},
	"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","file":"'"$F/plain.tar"'"}]}' ||
	failed=1
push tar oci-tar

# Opaque directories, as overlayfs-based builders write them: /mod is
# replaced whole in the second layer (the module is the new one), or
# emptied (the module below is hidden).
mkdir -p "$F/o1/mod" "$F/o2/mod" "$F/o3/mod"
cp "$F/decoy.wasm" "$F/o1/mod/hello.wasm"
cp "$F/hello.wasm" "$F/o2/mod/hello.wasm"
: >"$F/o2/mod/.wh..wh..opq"
: >"$F/o3/mod/.wh..wh..opq"
for d in o1 o2 o3; do
	tar -C "$F/$d" --owner=0 --group=0 --numeric-owner -czf "$F/$d.tar.gz" mod || failed=1
done
opaque() { # TAG LOWER UPPER
	hand image '{"layout":"'"$L"'","tag":"'"$1"'","config":{"image":{"os":"wasi","architecture":"wasm",
		"config":{"Entrypoint":["/mod/hello.wasm"]}}},
		"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","file":"'"$F/$2"'"},
		{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","file":"'"$F/$3"'"}]}' || failed=1
	push "$1" "$1"
}
opaque opaque o1.tar.gz o2.tar.gz
opaque opaque-gone o2.tar.gz o3.tar.gz

# runwasi (oci-tar-builder): an image config with an empty entrypoint and
# the module as a raw wasm layer.
hand image '{"layout":"'"$L"'","tag":"runwasi","config":{"image":{"os":"wasi","architecture":"wasm",
	"config":{"Entrypoint":[""]}}},
	"layers":[{"mediaType":"application/vnd.bytecodealliance.wasm.component.layer.v0+wasm","file":"'"$F/hello.wasm"'"}]}' ||
	failed=1
push runwasi runwasi

# The CNCF Wasm OCI artifact (wkg, wasmCloud, Spin).
digest=sha256:$(sha256sum "$F/hello.wasm" | cut -d' ' -f1)
hand image '{"layout":"'"$L"'","tag":"cncf","config":{"mediaType":"application/vnd.wasm.config.v0+json",
	"json":{"created":"2024-01-01T00:00:00Z","author":null,"architecture":"wasm","os":"wasip1",
	"layerDigests":["'"$digest"'"],"component":null}},
	"layers":[{"mediaType":"application/wasm","file":"'"$F/hello.wasm"'",
	"annotations":{"org.opencontainers.image.title":"hello.wasm"}}]}' || failed=1
push cncf cncf

# wasm-to-oci: an empty config of its own type, one content layer.
hand image '{"layout":"'"$L"'","tag":"w2o","config":{"mediaType":"application/vnd.wasm.config.v1+json","json":{}},
	"layers":[{"mediaType":"application/vnd.wasm.content.layer.v1+wasm","file":"'"$F/hello.wasm"'"}]}' ||
	failed=1
push w2o wasm-to-oci

# An OCI index: linux/amd64 first, then the wasm image (as wasi/wasm).
hand index '{"layout":"'"$L"'","tag":"index","mediaType":"application/vnd.oci.image.index.v1+json",
	"entries":[{"tag":"linux","platform":{"os":"linux","architecture":"amd64"}},
	{"tag":"targz","platform":{"os":"wasi","architecture":"wasm"}}]}' || failed=1
push index oci-index --all
# An index with Linux only.
hand index '{"layout":"'"$L"'","tag":"linux-index","mediaType":"application/vnd.oci.image.index.v1+json",
	"entries":[{"tag":"linux","platform":{"os":"linux","architecture":"amd64"}},
	{"tag":"linux","platform":{"os":"linux","architecture":"arm64"}}]}' || failed=1
push linux-index linux-index --all

# A Docker manifest list over Docker schema2 children (already pushed as
# linux and docker-v2s2 in schema2 form: copy them into the list's repo).
if skopeo copy -q --src-tls-verify=false --dest-tls-verify=false --format v2s2 "oci:$L:linux" \
	"docker://$ADDR/fmt/docker-list:linux" >"$OUT/skopeo.log" 2>&1 &&
	skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
		"docker://$ADDR/fmt/docker-v2s2:v1" "docker://$ADDR/fmt/docker-list:wasm" >>"$OUT/skopeo.log" 2>&1; then
	# digest and size as the registry serves them, by HEAD
	desc() {
		local h
		h=$(curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
			"http://$ADDR/v2/fmt/docker-list/manifests/$1" | tr -d '\r')
		printf '{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":%s,"platform":{"os":"%s","architecture":"%s"}}' \
			"$(sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p' <<<"$h")" \
			"$(sed -n 's/^[Cc]ontent-[Ll]ength: //p' <<<"$h")" "$2" "$3"
	}
	put_list docker-list application/vnd.docker.distribution.manifest.list.v2+json \
		'{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":['"$(desc linux linux amd64),$(desc wasm wasi wasm32)"']}'
else
	say "could not push the docker-list children:"
	sed 's/^/    /' "$OUT/skopeo.log" >&2
	failed=1
fi

# ---- hostile layers: each would write outside its root when unpacked ---------
H=$F/hostile
mkdir -p "$H"
cp "$F/hello.wasm" "$H/hello.wasm"
echo "written outside the root" >"$H/evil"
ln -sfn ../../../../../../../../../../tmp "$H/lnk"
ln -sfn hello.wasm "$H/inside-link.wasm"
hostile() { # NAME TAR-ARGS...: a wasi image whose one layer holds what the args add
	local name=$1
	shift
	tar -P -C "$H" --owner=0 --group=0 --numeric-owner -cf "$F/$name.tar" "$@" || failed=1
	hand image '{"layout":"'"$L"'","tag":"'"$name"'","config":{"image":{"os":"wasi","architecture":"wasm32",
		"config":{"Entrypoint":["/hello.wasm"]}}},
		"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","file":"'"$F/$name.tar"'"}]}' ||
		failed=1
	push "$name" "$name"
}
hostile hostile-dotdot --transform "s,^evil\$,../wasmpack-evil-dotdot-$TOKEN," hello.wasm evil
hostile hostile-abs --transform "s,^evil\$,/tmp/wasmpack-evil-abs-$TOKEN," hello.wasm evil
hostile hostile-symlink --transform "s,^evil\$,lnk/wasmpack-evil-link-$TOKEN," hello.wasm lnk evil
# The module itself a link (to a file inside): links are not followed.
tar -C "$H" --owner=0 --group=0 -cf "$F/module-link.tar" --transform 's,^inside-link.wasm$,app.wasm,' \
	hello.wasm inside-link.wasm || failed=1
hand image '{"layout":"'"$L"'","tag":"module-link","config":{"image":{"os":"wasi","architecture":"wasm32",
	"config":{"Entrypoint":["/app.wasm"]}}},
	"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","file":"'"$F/module-link.tar"'"}]}' ||
	failed=1
push module-link module-link

exit $failed
