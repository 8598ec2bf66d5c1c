#!/usr/bin/env bash
# The command line: global options before or after the command, options
# anywhere among the positional arguments ("build app.wasm -t x", "pull REF
# -o x.wasm", "push SRC DST --plain-http"), every spelling of a value, "--",
# unknown options (exit 2, named), and -h anywhere.
SUITE=options
source "$(dirname "$0")/lib.sh"

KIT=$REPO/registry/registry.sh
HELLO=$TD/hello.wasm
export DOCKER_CONFIG=$WORK/docker
unset WASMPACK_STORE
export XDG_DATA_HOME=$WORK/xdg # a store named by neither: never used below
started=()
cleanup() {
	for d in "${started[@]}"; do "$KIT" stop "$d" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# start MODE [ARGS]: starts the kit and evals what it prints.
start() {
	local out
	if ! out=$("$KIT" start "$@" 2>"$WORK/kit.err"); then
		not_ok "registry kit starts in mode $*" "$WORK/kit.err"
		return 1
	fi
	eval "$out"
	started+=("$REGISTRY_DIR")
}

W=$WASMPACK
S=$WORK/store
# has NAME [STORE]: the store lists the image NAME.
has() { "$W" --store "${2:-$S}" images -q | grep -qx "docker.io/$1"; }
# err_has TEXT: the stderr of the last check_exit contains TEXT.
err_has() { grep -qF -- "$1" "$LAST_ERR"; }
export -f has err_has
export W S WORK LAST_ERR

# ---- build: options among and after the positional argument -------------------
check "build FILE -t REF (option after the module), the digest last" bash -c "
	[[ \$('$W' --store '$S' build '$HELLO' -t demo/a:1 | tail -n 1) =~ ^sha256:[0-9a-f]{64}\$ ]]"
check "build -tREF FILE (value attached to the short option)" "$W" --store "$S" build -tdemo/a:2 "$HELLO"
check "build --tag=REF FILE" "$W" --store "$S" build --tag=demo/a:3 "$HELLO"
check "build FILE --tag REF -e K=V --label=K=V" "$W" --store "$S" build "$HELLO" --tag demo/a:4 -e K=V --label=k=v
check "... the env and the label are in the config" bash -c "
	'$W' --store '$S' inspect --json demo/a:4 >'$WORK/a4.json' &&
	[[ \$(jget '$WORK/a4.json' '.env') == *K=V* ]]"
check "all four names are in the store" bash -c "has demo/a:1 && has demo/a:2 && has demo/a:3 && has demo/a:4"
check "build -qt REF FILE (a flag and a valued option in one group): nothing on stderr" bash -c "
	'$W' --store '$S' build -qt demo/a:5 '$HELLO' >/dev/null 2>'$WORK/q.err' && [[ ! -s '$WORK/q.err' ]] && has demo/a:5"
check "build FILE -t REF -- ARGS: what follows -- is the module's, options too" \
	"$W" --store "$S" build "$HELLO" -t demo/args:1 -- from-image -t demo/not:1 --json
check "... the config's Cmd is exactly the words after --" bash -c "
	'$W' --store '$S' inspect --json demo/args:1 >'$WORK/args.json' &&
	[[ \$(jget '$WORK/args.json' '.cmd') == '[\"from-image\",\"-t\",\"demo/not:1\",\"--json\"]' ]]"
check "... and -t after -- named no image" bash -c "! has demo/not:1"
check "build FILE -t REF -- -h: a -h after -- is the module's, not help" bash -c "
	'$W' --store '$S' build '$HELLO' -t demo/args:2 -- -h >'$WORK/h.out' && ! grep -q '^usage:' '$WORK/h.out' && has demo/args:2"
check_exit 2 "build -t REF -- FILE: after --, the file is an argument, so no module is given" \
	"$W" --store "$S" build -t demo/b:1 -- "$HELLO"
check "... and the error says a module is expected" err_has "expected a module file"
check_exit 2 "build FILE EXTRA -t REF: two positionals are two modules (exit 2)" \
	"$W" --store "$S" build "$HELLO" extra -t demo/b:2

# ---- global options before and after the command --------------------------------
check "--store DIR before the command" bash -c "'$W' --store '$S' images -q | grep -qx docker.io/demo/a:1"
check "--store DIR after the command" bash -c "'$W' images --store '$S' -q | grep -qx docker.io/demo/a:1"
check "--store=DIR after the command" bash -c "'$W' images -q --store='$S' | grep -qx docker.io/demo/a:1"
check "--verbose before the command" "$W" --verbose --store "$S" images
check "-v before the command" "$W" -v --store "$S" images
check "--verb (an unambiguous prefix) before the command, as after it" bash -c "
	'$W' --verb --store '$S' images >/dev/null && '$W' --store '$S' images --verb >/dev/null"
check "-qv after the command (grouped flags)" bash -c "
	'$W' --store '$S' images -qv | grep -qx docker.io/demo/a:1"
check "--json before the command" bash -c "'$W' --json --store '$S' images >'$WORK/j1.json' && jget '$WORK/j1.json' '.images.length' >/dev/null"
check "--json after the command's positional argument" bash -c "
	'$W' --store '$S' inspect demo/a:1 --json >'$WORK/j2.json' && [[ \$(jget '$WORK/j2.json' '.digest') == sha256:* ]]"
check "-q before the command: nothing on stderr" bash -c "
	'$W' -q --store '$S' tag demo/a:1 demo/q:1 2>'$WORK/q1.err' && [[ ! -s '$WORK/q1.err' ]]"
check "-q after the positionals: nothing on stderr" bash -c "
	'$W' --store '$S' tag demo/a:1 demo/q:2 -q 2>'$WORK/q2.err' && [[ ! -s '$WORK/q2.err' ]]"
check "-- before the command ends the global options" "$W" --store "$S" -- images
check "--version after the command" bash -c "'$W' images --version | grep -q '^wasmpack '"

# ---- inspect, tag, save, load: options among the positionals ----------------------
check "inspect --store DIR between the command and REF" bash -c "
	'$W' inspect --store '$S' demo/a:1 --json >'$WORK/i.json' && [[ \$(jget '$WORK/i.json' '.name') == *demo/a:1 ]]"
check "inspect -- FILE.wasm" bash -c "'$W' inspect -- '$HELLO' | grep -q 'core module\|component'"
check "tag SRC --store DIR DST" "$W" tag demo/a:1 --store "$S" demo/t:1
check "... the new name is there" has demo/t:1
check_exit 2 "tag -- SRC -bad: after --, '-bad' is a reference, and a bad one" \
	"$W" --store "$S" tag -- demo/a:1 -bad
check "... not an unknown option" bash -c "! err_has 'unknown option'"
check "save REF -o FILE REF (the option between two images)" \
	"$W" --store "$S" save demo/a:1 -o "$WORK/two.tar" demo/a:2
check "save --output=FILE REF" "$W" --store "$S" save --output="$WORK/one.tar" demo/a:3
check "load -i FILE --store DIR: both images come back" bash -c "
	'$W' load -i '$WORK/two.tar' --store '$WORK/store2' >/dev/null &&
	has demo/a:1 '$WORK/store2' && has demo/a:2 '$WORK/store2'"
check "load --input=FILE -q" "$W" --store "$WORK/store3" load --input="$WORK/one.tar" -q

# ---- unknown options, missing values, usage errors: exit 2 naming the option ------
check_exit 2 "an unknown long option after the positionals exits 2" \
	"$W" --store "$S" build "$HELLO" -t demo/x:1 --bogus
check "... and names it" err_has "unknown option '--bogus'"
check "... and no image was made" bash -c "! has demo/x:1"
check_exit 2 "an unknown option before the command exits 2" "$W" --bogus --store "$S" images
check "... and names it" err_has "unknown option '--bogus'"
check_exit 2 "an unknown short option exits 2" "$W" --store "$S" images -Z
check "... and names it" err_has "unknown option '-Z'"
check_exit 2 "a command's option before the command is unknown there" "$W" -t demo/x:1 build "$HELLO"
check "... and named" err_has "unknown option '-t'"
check_exit 2 "--bogus=value names the option without its value" "$W" --store "$S" images --bogus=1
check "... as '--bogus'" err_has "unknown option '--bogus'"
check_exit 2 "a value for a flag (--json=yes) exits 2" "$W" --store "$S" images --json=yes
check "... saying it takes none" err_has "takes no value"
check_exit 2 "a missing value (-t last) exits 2" "$W" --store "$S" build "$HELLO" -t
check "... saying which option needs one" err_has "option '-t' needs a value"
check_exit 2 "a missing value before the command (--store last) exits 2" "$W" --store
check_exit 2 "an ambiguous prefix exits 2" "$W" --store "$S" inspect --c demo/a:1
check "... listing what it could mean" err_has "ambiguous option '--c'"

# ---- -h anywhere --------------------------------------------------------------------
help_of() { # help_of CMD ARGS...: prints CMD's help on stdout and exits 0
	local cmd=$1
	shift
	"$W" --store "$S" "$@" >"$WORK/help.out" 2>"$WORK/help.err" &&
		head -n 1 "$WORK/help.out" | grep -q "^usage: wasmpack $cmd" && [[ ! -s $WORK/help.err ]]
}
export -f help_of
check "build FILE -t REF -h prints build's help" help_of build build "$HELLO" -t demo/h:1 -h
check "... and builds nothing" bash -c "! has demo/h:1"
check "-h before the command prints the command's help" help_of build -h build
check "--help before the command and its arguments" help_of tag --help tag a b
check "tag SRC DST --help" help_of tag tag demo/a:1 demo/h:2 --help
check "push SRC DST -h, no registry needed" help_of push push demo/a:1 localhost:1/x:1 -h
check "pull REF --help" help_of pull pull localhost:1/x:1 --help
check "save -o FILE -h REF" help_of save save -o "$WORK/h.tar" -h demo/a:1
check "-h among grouped flags (-qh)" help_of images images -qh
check "-h alone prints the tool's help" bash -c "'$W' -h | head -n 1 | grep -q '^usage: wasmpack \[GLOBAL OPTIONS\] COMMAND'"
check_exit 2 "no command prints the tool's help and exits 2" "$W"

# ---- push, pull, copy, tags against a registry: options anywhere ------------------
if start open; then
	R=$REGISTRY_ADDR
	BUILT=$("$W" --store "$S" inspect --json demo/a:1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).digest))')
	check "push SRC DST --plain-http prints the image's digest" bash -c "
		'$W' --store '$S' push demo/a:1 '$R/demo/o:1' --plain-http | tail -n 1 | grep -qx '$BUILT'"
	check "push --store DIR SRC DST -q, the store after the command" bash -c "
		'$W' push --store '$S' demo/a:1 '$R/demo/o:2' -q | tail -n 1 | grep -qx '$BUILT'"
	check "push SRC DST --json --plain-http" bash -c "
		'$W' --store '$S' push demo/a:1 '$R/demo/o:3' --json --plain-http >'$WORK/push.json' &&
		[[ \$(jget '$WORK/push.json' '.digest') == '$BUILT' ]]"
	check "pull REF -o FILE (the option after the reference)" \
		"$W" --store "$WORK/pstore" pull "$R/demo/o:1" -o "$WORK/pulled.wasm"
	check "... writes the module byte for byte" cmp "$WORK/pulled.wasm" "$HELLO"
	check "pull REF --output=FILE --store DIR --plain-http" bash -c "
		'$W' pull '$R/demo/o:2' --output='$WORK/p2.wasm' --store '$WORK/pstore2' --plain-http >/dev/null &&
		cmp '$WORK/p2.wasm' '$HELLO' && '$W' --store '$WORK/pstore2' images -q | grep -q '/demo/o:2\$'"
	check "pull -oFILE REF" bash -c "
		'$W' --store '$WORK/pstore3' pull -o'$WORK/p3.wasm' '$R/demo/o:3' >/dev/null && cmp '$WORK/p3.wasm' '$HELLO'"
	check "copy SRC DST --plain-http" bash -c "
		'$W' copy '$R/demo/o:1' '$R/demo/c:1' --plain-http | tail -n 1 | grep -qx '$BUILT'"
	check "tags REPO -q --plain-http lists the pushed tags" bash -c "
		'$W' tags '$R/demo/o' --plain-http -q | sort | tr '\n' ' ' | grep -qx '1 2 3 '"
	check_exit 2 "push SRC DST --bogus exits 2 before any request" "$W" --store "$S" push demo/a:1 "$R/demo/o:4" --bogus
	check "... naming the option" err_has "unknown option '--bogus'"
	check_exit 2 "push SRC DST EXTRA: three positionals are too many" "$W" --store "$S" push demo/a:1 "$R/demo/o:5" extra
fi

finish
