#!/usr/bin/env bash
# A store someone else can write to: planted symbolic links (a tmp dir or
# blobs/sha256 pointing elsewhere, a blob replaced by a link to another
# file), FIFOs in place of blobs, dangling lock links. Nothing is deleted,
# created or read through a link, no command hangs, and push sends no byte
# of a blob that is not what its digest says.
SUITE=store-safety
source "$(dirname "$0")/lib.sh"

HELLO=$TD/hello.wasm
S0=$WORK/pristine
"$WASMPACK" --store "$S0" build -t demo/app:1 "$HELLO" >/dev/null 2>&1 ||
	not_ok "the pristine store is built"
MANIFEST=$("$WASMPACK" --store "$S0" inspect --json demo/app:1 |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).digest))')
LAYER=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(m.layers[0].digest)' "$(blob "$S0" "$MANIFEST")")
CONFIG=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(m.config.digest)' "$(blob "$S0" "$MANIFEST")")

# fresh NAME: a copy of the pristine store at $WORK/NAME.
fresh() { rm -rf "${WORK:?}/$1" && cp -a "$S0" "$WORK/$1" && echo "$WORK/$1"; }

# ---- a symlinked .wasmpack/tmp: gc deletes nothing there -------------------
S=$(fresh tmplink)
V=$WORK/victim
mkdir -p "$V"
echo keep >"$V/keep.txt"
echo keep >"$V/blob-abcdef" # a writer's temp name: still not ours
rm -rf "$S/.wasmpack/tmp"
ln -s "$V" "$S/.wasmpack/tmp"
check_exit 1 "rmi in a store whose .wasmpack/tmp is a link is refused" \
	"$WASMPACK" --store "$S" rmi demo/app:1
check "the refusal names the directory" grep -q "tmp' is not a directory" "$LAST_ERR"
check "nothing in the linked directory was deleted" test -f "$V/keep.txt" -a -f "$V/blob-abcdef"
check_exit 1 "build into it is refused too" "$WASMPACK" --store "$S" build -t demo/b:1 "$HELLO"
check "and writes nothing through the link" bash -c "[[ \$(ls -A '$V' | wc -l) == 2 ]]"

# ---- gc removes only its own temp names ------------------------------------
S=$(fresh tmpnames)
echo mine >"$S/.wasmpack/tmp/blob-0123456789abcdef"
echo notes >"$S/.wasmpack/tmp/notes.txt"
ln -s "$V/keep.txt" "$S/.wasmpack/tmp/blob-linkedlinked"
check "rmi collects garbage" "$WASMPACK" --store "$S" rmi demo/app:1
check "gc removed a dead writer's temp file" test ! -e "$S/.wasmpack/tmp/blob-0123456789abcdef"
check "gc left a file of another name" test -f "$S/.wasmpack/tmp/notes.txt"
check "gc left a link under a temp name, and its target" \
	test -L "$S/.wasmpack/tmp/blob-linkedlinked" -a -f "$V/keep.txt"

# ---- a symlinked blobs/sha256 is refused -----------------------------------
S=$(fresh bloblink)
mv "$S/blobs/sha256" "$WORK/elsewhere"
ln -s "$WORK/elsewhere" "$S/blobs/sha256"
before=$(ls "$WORK/elsewhere" | sort | sha256sum)
check_exit 1 "images refuses a store whose blobs/sha256 is a link" "$WASMPACK" --store "$S" images
check "the refusal names blobs/sha256" grep -q "blobs/sha256' is not a directory" "$LAST_ERR"
check_exit 1 "build refuses it" "$WASMPACK" --store "$S" build -t demo/b:1 "$TD/hello.wasm" -- x
check "nothing was written where the link points" \
	test "$(ls "$WORK/elsewhere" | sort | sha256sum)" == "$before"

# ---- dangling lock links ---------------------------------------------------
for lock in gc index; do
	S=$(fresh lock-$lock)
	rm -f "$S/.wasmpack/$lock.lock"
	ln -s "$WORK/made-by-$lock-link" "$S/.wasmpack/$lock.lock"
	check_exit 1 "a dangling $lock.lock link makes build fail" \
		"$WASMPACK" --store "$S" build -t demo/b:1 "$HELLO"
	check "nothing was created through the $lock.lock link" test ! -e "$WORK/made-by-$lock-link"
done

# ---- FIFOs in place of blobs: fail fast ------------------------------------
# timeout's 124 would mean a hang. fast: any other exit will do (images
# lists what it can); fast_fail: a failure.
fast() {
	local desc=$1
	shift
	timeout 10 "$@" >"$OUT" 2>"$ERR"
	local rc=$?
	if [[ $rc -ne 124 ]]; then ok "$desc"; else not_ok "$desc (timed out)" "$ERR"; fi
}
fast_fail() {
	local desc=$1
	shift
	timeout 10 "$@" >"$OUT" 2>"$ERR"
	local rc=$?
	cp "$ERR" "$LAST_ERR"
	if [[ $rc -ne 0 && $rc -ne 124 ]]; then ok "$desc"; else not_ok "$desc (exit $rc)" "$OUT" "$ERR"; fi
}
for which in CONFIG LAYER MANIFEST; do
	S=$(fresh fifo-$which)
	rm -f "$(blob "$S" "${!which}")"
	mkfifo "$(blob "$S" "${!which}")"
	if [[ $which != LAYER ]]; then
		fast "images finishes at once with a FIFO as the $which blob" \
			"$WASMPACK" --store "$S" images
	fi
	if [[ $which == LAYER ]]; then
		fast "inspect finishes at once with a FIFO as the LAYER blob" \
			"$WASMPACK" --store "$S" inspect demo/app:1
	else
		fast_fail "inspect fails at once with a FIFO as the $which blob" \
			"$WASMPACK" --store "$S" inspect demo/app:1
	fi
	fast_fail "save fails at once with a FIFO as the $which blob" \
		"$WASMPACK" --store "$S" save -o "$WORK/fifo-$which.tar" demo/app:1
done
check "the refusal says it is not a regular file" grep -q "not a regular file" "$LAST_ERR"

# ---- push: a blob that is not what its digest says never leaves ------------
# The replacement bytes carry a marker looked for in the registry's storage.
SIZE=$(stat -c %s "$(blob "$S0" "$LAYER")")
node -e 'const n=+process.argv[1];const b=Buffer.alloc(n,0x41);b.write("WPMARKER-SECRET-BYTES".slice(0,n));process.stdout.write(b)' \
	"$SIZE" >"$WORK/same-size"
if kit_start open; then
	R=$REGISTRY_ADDR
	S=$(fresh pushlink)
	rm -f "$(blob "$S" "$LAYER")"
	ln -s "$WORK/same-size" "$(blob "$S" "$LAYER")"
	fast_fail "push refuses a layer replaced by a link to a same-size file" \
		"$WASMPACK" --store "$S" push demo/app:1 "$R/demo/linked:1"
	S=$(fresh pushswap)
	cp "$WORK/same-size" "$(blob "$S" "$LAYER")"
	check_exit 6 "push refuses a layer whose bytes were swapped in place (exit 6)" \
		"$WASMPACK" --store "$S" push demo/app:1 "$R/demo/swapped:1"
	check "the refusal says nothing was sent" grep -q "nothing was sent" "$LAST_ERR"
	S=$(fresh pushfifo)
	rm -f "$(blob "$S" "$LAYER")"
	mkfifo "$(blob "$S" "$LAYER")"
	fast_fail "push fails at once with a FIFO as the layer" \
		"$WASMPACK" --store "$S" push demo/app:1 "$R/demo/fifo:1"
	sleep 0.3
	check "the registry's storage never received the replacement bytes" \
		bash -c "! grep -rqa WPMARKER '$REGISTRY_DIR/storage'"
	check "the registry never saw an upload of the layer" \
		bash -c "! grep -E '\"(PUT|PATCH) [^\"]*digest=${LAYER/:/%3A}' '$REGISTRY_LOG' | grep -q ."
	check "a pristine store still pushes" \
		"$WASMPACK" --store "$S0" push demo/app:1 "$R/demo/ok:1"
fi

finish
