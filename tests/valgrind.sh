#!/usr/bin/env bash
# Memory safety under valgrind memcheck: the unit suite, and the CLI's
# everyday commands against a local registry, must run with no memcheck
# error and no definite or indirect leak. Uses the normal build (valgrind
# and the sanitizers do not mix). Prints one line per check, then
# "valgrind: N passed, N failed" (each unit test is a check).
#
#   BUILD=build tests/valgrind.sh
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD=${BUILD:-build}
case $BUILD in
/*) B=$BUILD ;;
*) B=$REPO/$BUILD ;;
esac
export WASMPACK_TESTDATA=${WASMPACK_TESTDATA:-$B/testdata}
UNIT=$B/unit-tests
WASMPACK=$B/wasmpack
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-valgrind.XXXXXX")
KIT=$REPO/registry/registry.sh
kit_dir=
cleanup() {
	[[ -n $kit_dir ]] && "$KIT" stop "$kit_dir" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

pass=0
fails=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - $1"
	shift
	for f in "$@"; do [[ -s $f ]] && sed 's/^/    /' "$f" | head -n 40; done
	fails=$((fails + 1))
}

if ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind is installed (scripts/deps.sh installs it)"
	echo "valgrind: $pass passed, $fails failed"
	exit 1
fi
if [[ ! -x $UNIT || ! -x $WASMPACK ]]; then
	not_ok "$UNIT and $WASMPACK are built (make all $BUILD/unit-tests)"
	echo "valgrind: $pass passed, $fails failed"
	exit 1
fi

# Exit 99 is memcheck's; any other non-zero is the program's own.
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect --num-callers=30)

# ---- the unit suite ----------------------------------------------------------
t0=$(date +%s)
"${VG[@]}" --log-file="$WORK/unit.vg" "$UNIT" >"$WORK/unit.out" 2>&1
rc=$?
while read -r status name; do
	case $status in
	ok) ok "unit: $name" ;;
	FAIL) not_ok "unit: $name" ;;
	esac
done < <(grep -E '^(ok  |FAIL) ' "$WORK/unit.out")
grep -E '^  check failed' "$WORK/unit.out" | sed 's/^/    /'
if [[ $rc -eq 99 || -s $WORK/unit.vg ]]; then
	not_ok "unit: memcheck finds no error and no leak" "$WORK/unit.vg"
else
	ok "unit: memcheck finds no error and no leak"
fi
if ! grep -qE '^unit: [0-9]+ passed' "$WORK/unit.out"; then
	not_ok "unit: the suite ran to its end (exit $rc)" "$WORK/unit.out"
fi
echo "# unit suite under memcheck: $(($(date +%s) - t0)) s"

# ---- the CLI ---------------------------------------------------------------------
# vg_check DESC ARGS...: wasmpack ARGS under memcheck must succeed cleanly.
n=0
vg_check() {
	local desc=$1
	shift
	n=$((n + 1))
	"${VG[@]}" --log-file="$WORK/cli$n.vg" "$WASMPACK" "$@" >"$WORK/cli$n.out" 2>"$WORK/cli$n.err"
	local rc=$?
	if [[ $rc -ne 0 || -s $WORK/cli$n.vg ]]; then
		not_ok "$desc (exit $rc)" "$WORK/cli$n.vg" "$WORK/cli$n.err"
	else
		ok "$desc"
	fi
}
# vg_fails DESC CODE ARGS...: must fail with CODE, still cleanly.
vg_fails() {
	local desc=$1 code=$2
	shift 2
	n=$((n + 1))
	"${VG[@]}" --log-file="$WORK/cli$n.vg" "$WASMPACK" "$@" >"$WORK/cli$n.out" 2>"$WORK/cli$n.err"
	local rc=$?
	if [[ $rc -ne $code || -s $WORK/cli$n.vg ]]; then
		not_ok "$desc (exit $rc, wanted $code)" "$WORK/cli$n.vg" "$WORK/cli$n.err"
	else
		ok "$desc"
	fi
}

t0=$(date +%s)
S=$WORK/store
export DOCKER_CONFIG=$WORK/docker
HELLO=$WASMPACK_TESTDATA/hello.wasm
vg_check "cli: build" --store "$S" build -t demo/vg:v1 --annotation a=b "$HELLO"
vg_check "cli: build an artifact" --store "$S" build --format artifact -t demo/vg:art "$HELLO"
vg_check "cli: inspect a module" inspect "$HELLO"
vg_check "cli: inspect an image" --store "$S" inspect demo/vg:v1
vg_check "cli: images --json" --store "$S" --json images
vg_check "cli: tag" --store "$S" tag demo/vg:v1 demo/vg:v2
vg_check "cli: save" --store "$S" save -o "$WORK/vg.tar" demo/vg:v1
vg_fails "cli: a file that is not wasm is refused" 6 --store "$S" build -t demo/vg:bad "$REPO/README.md"
if out=$("$KIT" start htpasswd 2>"$WORK/kit.err"); then
	eval "$out"
	kit_dir=$REGISTRY_DIR
	R=$REGISTRY_ADDR
	printf '%s\n' "$REGISTRY_PASS" >"$WORK/pw"
	vg_check "cli: login" login -u "$REGISTRY_USER" --password-stdin "$R" <"$WORK/pw"
	vg_check "cli: push" --store "$S" push demo/vg:v1 "$R/demo/vg:v1"
	vg_check "cli: pull" --store "$WORK/store2" pull -o "$WORK/vg.wasm" "$R/demo/vg:v1"
	vg_check "cli: inspect --remote" inspect --remote "$R/demo/vg:v1"
	vg_fails "cli: a missing tag is not found" 3 --store "$WORK/store2" pull "$R/demo/vg:nope"
	vg_check "cli: logout" logout "$R"
else
	not_ok "the registry kit starts" "$WORK/kit.err"
fi
vg_check "cli: rmi (and gc)" --store "$S" rmi demo/vg:v1 demo/vg:v2 demo/vg:art
echo "# CLI under memcheck: $(($(date +%s) - t0)) s"

echo "valgrind: $pass passed, $fails failed"
[[ $fails -eq 0 ]]
