# Shared by the CLI test scripts: counters, checks, temp dirs, JSON reads.
# A script sets SUITE, sources this, calls checks, and ends with `finish`.
set -u
: "${WASMPACK:?run through tests/run.sh or set WASMPACK}"
: "${WASMPACK_TESTDATA:?}"
: "${REPO:?}"
TD=$WASMPACK_TESTDATA
pass=0
fails=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-${SUITE:-test}.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/out
ERR=$WORK/err
LAST_ERR=$WORK/last_err # stderr of the last check_exit, kept for later checks

ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - $1"
	shift
	for f in "$@"; do [[ -s $f ]] && sed 's/^/    /' "$f" | head -n 20; done
	fails=$((fails + 1))
}

# check DESC CMD...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@" >"$OUT" 2>"$ERR"; then ok "$desc"; else not_ok "$desc (exit $?)" "$OUT" "$ERR"; fi
}

# check_exit CODE DESC CMD...: the command must exit with CODE.
check_exit() {
	local code=$1 desc=$2
	shift 2
	"$@" >"$OUT" 2>"$ERR"
	local rc=$?
	cp "$ERR" "$LAST_ERR"
	if [[ $rc -eq $code ]]; then ok "$desc"; else not_ok "$desc (exit $rc, wanted $code)" "$OUT" "$ERR"; fi
}

# A field of a JSON file, by a JavaScript path: jget FILE '.config.os'
jget() { node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const v=eval("o"+process.argv[2]); process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"; }

# The path of a blob in a store.
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

export -f jget blob

finish() {
	echo "$SUITE: $pass passed, $fails failed"
	[[ $fails -eq 0 ]]
}
