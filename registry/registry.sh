#!/usr/bin/env bash
# registry.sh: start/stop the real CNCF distribution registry (2.8) for tests.
#
#   registry/registry.sh start MODE [--dir DIR] [--auth none|htpasswd|token]
#                                   [--tls] [--redirect] [--relative-urls]
#   registry/registry.sh stop [DIR]          (DIR defaults to $REGISTRY_DIR)
#
# MODE: open | htpasswd | token | tls | redirect. `tls` and `redirect` take
# --auth; --tls and --redirect can be added to any mode.
#
# `start` prints shell assignments on stdout (eval them) and saves the same
# lines to DIR/env. Messages go to stderr. See registry/README.md.
#
# Environment:
#   REGISTRY_RUNTIME  auto (default: docker when `docker info` works, else the
#                     native binary) | native | docker
#   REGISTRY_BIN      native binary (default: docker-registry, else registry)
#   REGISTRY_IMAGE    image for the docker runtime (default registry:2)
#   REGISTRY_USER     user for htpasswd/token (default wasmpack)
#   REGISTRY_PASS     password (default: random)
#   TOKEN_TTL         token lifetime in seconds (default 300)
#   TOKEN_EXP_SHIFT   seconds added to the JWT exp claim (default 0; -60
#                     cancels 2.8's 60 s leeway, see README)
#   TOKEN_PUBLIC_PREFIX  anonymous pull prefix for token mode (default public/;
#                     empty: anonymous gets nothing)
#   KIT_START_TIMEOUT seconds to wait for readiness (default 20, docker 120)
#
# Everything listens on 127.0.0.1 only, on free ports picked at start.

set -euo pipefail

KIT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MARKER=.wasmpack-registry-kit
TOKEN_SERVICE_NAME=wasmpack-registry
TOKEN_ISSUER_NAME=wasmpack-token-issuer

say() { printf 'registry.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found${2:+ ($2)}"; }

# A YAML single-quoted scalar.
yq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }

rand_hex() { openssl rand -hex "$1"; }

# Ask the kernel for a free loopback port (bind port 0, read it, close).
# The port can be taken again before the registry binds it: start_registry
# retries with a new one when that happens.
free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
  else
    echo $((20000 + RANDOM % 40000))
  fi
}

# Command line of a live (non-zombie) process, empty if none.
proc_cmdline() {
  local pid=$1
  if [[ -r /proc/$pid/cmdline ]]; then
    local state
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    [[ $state == Z || -z $state ]] && return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true
  else
    local stat
    stat=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [[ -z $stat || $stat == Z* ]] && return 0
    ps -o args= -p "$pid" 2>/dev/null || true
  fi
}

# True when PID is alive and its command line mentions DIR (so a recycled
# pid is never killed).
owned_alive() {
  local pid=$1 dir=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(proc_cmdline "$pid")
  [[ -n $cmd && $cmd == *"$dir"* ]]
}

wait_file() { # FILE PID SECONDS
  local file=$1 pid=$2 n=$(( $3 * 10 ))
  while (( n-- > 0 )); do
    [[ -s $file ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- start ---

STATE=""        # state dir being started
STARTED_OK=0
OUT_LINES=()

emit() { OUT_LINES+=("$(printf '%s=%q' "$1" "$2")"); }

on_start_exit() {
  if [[ $STARTED_OK != 1 && -n $STATE && -f $STATE/$MARKER ]]; then
    say "start failed; cleaning up $STATE"
    do_stop "$STATE" >&2 || true
  fi
}

make_tls() { # DIR -> DIR/tls/{ca.crt,server.crt,server.key}
  local d=$1/tls
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.crt" -days 7 \
    -subj "/CN=wasmpack registry-kit test CA" \
    -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' >/dev/null 2>&1 \
    || die "openssl: cannot make the CA"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/server.key" -out "$d/server.csr" \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1 || die "openssl: cannot make the server key"
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
    'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -set_serial "0x$(rand_hex 8)" -days 7 -extfile "$d/server.ext" \
    -out "$d/server.crt" >/dev/null 2>&1 || die "openssl: cannot sign the server cert"
  rm -f "$d/server.csr" "$d/ca.key"
}

start_token_server() { # DIR USER PASS
  local dir=$1 user=$2 pass=$3 t=$1/token
  mkdir -p "$t"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$t/signing.key" -out "$t/signing.crt" -days 7 \
    -subj "/CN=wasmpack token signer" >/dev/null 2>&1 \
    || die "openssl: cannot make the token signing key"
  local refresh
  refresh=$(rand_hex 24)
  : >"$dir/token.log"
  TOKEN_KEY=$t/signing.key TOKEN_CERT=$t/signing.crt \
  TOKEN_USER=$user TOKEN_PASS=$pass \
  TOKEN_SERVICE=$TOKEN_SERVICE_NAME TOKEN_ISSUER=$TOKEN_ISSUER_NAME \
  TOKEN_PUBLIC_PREFIX=${TOKEN_PUBLIC_PREFIX-public/} TOKEN_TTL=${TOKEN_TTL:-300} \
  TOKEN_EXP_SHIFT=${TOKEN_EXP_SHIFT:-0} \
  TOKEN_REFRESH=$refresh TOKEN_LOG=$dir/token.log TOKEN_PORT_FILE=$dir/token.port \
    node "$KIT_DIR/token-server.mjs" "$dir" </dev/null >"$dir/token.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/token.pid"
  wait_file "$dir/token.port" "$pid" 10 || die "token server did not start: $(tail -n 5 "$dir/token.out")"
  TOKEN_PORT=$(<"$dir/token.port")
  emit TOKEN_URL "http://127.0.0.1:$TOKEN_PORT/token"
  emit TOKEN_PID "$pid"
  emit TOKEN_LOG "$dir/token.log"
  emit TOKEN_SERVICE "$TOKEN_SERVICE_NAME"
  emit TOKEN_ISSUER "$TOKEN_ISSUER_NAME"
  emit TOKEN_REFRESH "$refresh"
}

start_blob_origin() { # DIR
  local dir=$1
  : >"$dir/redirect.log"
  ORIGIN_ROOT=$dir/storage ORIGIN_LOG=$dir/redirect.log ORIGIN_PORT_FILE=$dir/origin.port \
    node "$KIT_DIR/blob-origin.mjs" "$dir" </dev/null >"$dir/origin.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/origin.pid"
  wait_file "$dir/origin.port" "$pid" 10 || die "blob origin did not start: $(tail -n 5 "$dir/origin.out")"
  ORIGIN_PORT=$(<"$dir/origin.port")
  emit REDIRECT_URL "http://127.0.0.1:$ORIGIN_PORT"
  emit REDIRECT_PID "$pid"
  emit REDIRECT_LOG "$dir/redirect.log"
}

write_config() { # DIR PORT
  local dir=$1 port=$2
  {
    echo "# generated by registry/registry.sh; mode: $MODE_DESC"
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  formatter: text"
    echo "  accesslog:"
    echo "    disabled: false"
    echo "  fields:"
    echo "    service: registry"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $(yq "$dir/storage")"
    echo "  delete:"
    echo "    enabled: true"
    echo "  maintenance:"
    echo "    uploadpurging:"
    echo "      enabled: false"
    echo "http:"
    echo "  addr: $(yq "127.0.0.1:$port")"
    echo "  secret: $(yq "$HTTP_SECRET")"
    [[ $RELATIVE == 1 ]] && echo "  relativeurls: true"
    echo "  headers:"
    echo "    X-Content-Type-Options: [nosniff]"
    if [[ $TLS == 1 ]]; then
      echo "  tls:"
      echo "    certificate: $(yq "$dir/tls/server.crt")"
      echo "    key: $(yq "$dir/tls/server.key")"
    fi
    case $AUTH in
      htpasswd)
        echo "auth:"
        echo "  htpasswd:"
        echo "    realm: wasmpack-registry-kit"
        echo "    path: $(yq "$dir/htpasswd")"
        ;;
      token)
        echo "auth:"
        echo "  token:"
        echo "    realm: $(yq "http://127.0.0.1:$TOKEN_PORT/token")"
        echo "    service: $TOKEN_SERVICE_NAME"
        echo "    issuer: $TOKEN_ISSUER_NAME"
        echo "    rootcertbundle: $(yq "$dir/token/signing.crt")"
        ;;
    esac
    if [[ $REDIRECT == 1 ]]; then
      echo "middleware:"
      echo "  storage:"
      echo "    - name: redirect"
      echo "      options:"
      echo "        baseurl: $(yq "http://127.0.0.1:$ORIGIN_PORT")"
    fi
  } >"$dir/config.yml"
}

pick_runtime() {
  case ${REGISTRY_RUNTIME:-auto} in
    native | docker) echo "${REGISTRY_RUNTIME}" ;;
    auto)
      if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; then
        echo docker
      else
        echo native
      fi
      ;;
    *) die "REGISTRY_RUNTIME must be auto, native or docker" ;;
  esac
}

native_bin() {
  if [[ -n ${REGISTRY_BIN:-} ]]; then echo "$REGISTRY_BIN"; return; fi
  local b
  for b in docker-registry registry; do
    if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return; fi
  done
  die "no registry binary: apt-get install docker-registry (or set REGISTRY_BIN)"
}

# Start the registry on a free port; retry when the port was taken meanwhile.
start_registry() { # DIR
  local dir=$1 runtime attempt port pid code
  runtime=$(pick_runtime)
  local timeout=${KIT_START_TIMEOUT:-20}
  [[ $runtime == docker ]] && timeout=${KIT_START_TIMEOUT:-120}
  local scheme=http curl_tls=() bin=""
  if [[ $TLS == 1 ]]; then scheme=https; curl_tls=(--cacert "$dir/tls/ca.crt"); fi
  if [[ $runtime == native ]]; then bin=$(native_bin); fi

  for attempt in 1 2 3 4 5 6; do
    port=$(free_port)
    write_config "$dir" "$port"
    : >"$dir/registry.log"
    if [[ $runtime == docker ]]; then
      local name
      name="wasmpack-registry-$(basename "$dir" | tr -c 'a-zA-Z0-9_.\n-' '-')-$attempt"
      echo "$name" >"$dir/container"
      docker run --rm --name "$name" --user "$(id -u):$(id -g)" \
        -p "127.0.0.1:$port:$port" -v "$dir:$dir" \
        -e "REGISTRY_HTTP_ADDR=0.0.0.0:$port" \
        "${REGISTRY_IMAGE:-registry:2}" "$dir/config.yml" \
        </dev/null >>"$dir/registry.log" 2>&1 &
      pid=$!
    else
      "$bin" serve "$dir/config.yml" \
        </dev/null >>"$dir/registry.log" 2>&1 &
      pid=$!
    fi
    echo "$pid" >"$dir/registry.pid"

    local n=$(( timeout * 10 )) ready=0
    while (( n-- > 0 )); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if grep -q 'listening on' "$dir/registry.log" 2>/dev/null; then
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -A registry-kit-probe "${curl_tls[@]}" \
          "$scheme://127.0.0.1:$port/v2/" 2>/dev/null || true)
        if [[ $code == 200 || $code == 401 ]]; then ready=1; break; fi
      fi
      sleep 0.1
    done
    if [[ $ready == 1 ]] && kill -0 "$pid" 2>/dev/null; then
      # Keep the start-up lines, then start the log empty so tests count
      # only their own requests (the registry appends with O_APPEND, so
      # truncating under it is safe). Wait for the probe's own access line
      # first so it cannot land after the truncation.
      n=20
      while ! grep -q 'registry-kit-probe' "$dir/registry.log" && (( n-- > 0 )); do sleep 0.05; done
      cp "$dir/registry.log" "$dir/registry.startup.log"
      : >"$dir/registry.log"
      emit REGISTRY_ADDR "127.0.0.1:$port"
      emit REGISTRY_URL "$scheme://127.0.0.1:$port"
      emit REGISTRY_PID "$pid"
      [[ $runtime == docker ]] && emit REGISTRY_CONTAINER "$(<"$dir/container")"
      emit REGISTRY_RUNTIME "$runtime"
      return 0
    fi
    if grep -qiE 'address already in use|port is already allocated' "$dir/registry.log"; then
      say "port $port was taken, retrying"
      stop_registry "$dir"
      continue
    fi
    local status=running
    if ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" || status=$?
      status="exit status $status"
    fi
    stop_registry "$dir"
    die "registry did not start ($status): $(tail -n 5 "$dir/registry.log")"
  done
  die "registry did not start: no free port after several tries"
}

cmd_start() {
  local mode=${1:-}; [[ -n $mode ]] || usage
  shift
  AUTH=none TLS=0 REDIRECT=0 RELATIVE=0
  case $mode in
    open) ;;
    htpasswd) AUTH=htpasswd ;;
    token) AUTH=token ;;
    tls) TLS=1 ;;
    redirect) REDIRECT=1 ;;
    *) die "unknown mode '$mode' (open, htpasswd, token, tls, redirect)" ;;
  esac
  local dir=""
  while (( $# )); do
    case $1 in
      --dir) [[ $# -ge 2 ]] || usage; dir=$2; shift 2 ;;
      --dir=*) dir=${1#--dir=}; shift ;;
      --auth) [[ $# -ge 2 ]] || usage; AUTH=$2; shift 2 ;;
      --auth=*) AUTH=${1#--auth=}; shift ;;
      --tls) TLS=1; shift ;;
      --redirect) REDIRECT=1; shift ;;
      --relative-urls) RELATIVE=1; shift ;;
      -h | --help) usage ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  case $AUTH in none | htpasswd | token) ;; *) die "--auth must be none, htpasswd or token" ;; esac
  MODE_DESC="auth=$AUTH tls=$TLS redirect=$REDIRECT"

  need openssl; need curl
  [[ $AUTH == token || $REDIRECT == 1 ]] && need node "Node 18+ runs the token service and blob origin"
  [[ $AUTH == htpasswd ]] && need htpasswd "apt-get install apache2-utils"

  if [[ -z $dir ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/wasmpack-registry.XXXXXX")
  else
    [[ -e $dir/$MARKER ]] && die "$dir already holds a kit: stop it first"
    mkdir -p "$dir"
    [[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
  fi
  dir=$(cd "$dir" && pwd -P)
  : >"$dir/$MARKER"
  STATE=$dir
  trap on_start_exit EXIT
  mkdir -p "$dir/storage"
  HTTP_SECRET=$(rand_hex 16)

  emit REGISTRY_DIR "$dir"
  emit REGISTRY_LOG "$dir/registry.log"
  emit REGISTRY_CONFIG "$dir/config.yml"
  emit REGISTRY_MODE "$mode"

  local user=${REGISTRY_USER:-wasmpack} pass=${REGISTRY_PASS:-}
  [[ -n $pass ]] || pass=$(rand_hex 12)
  if [[ $AUTH == htpasswd ]]; then
    htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd" 2>/dev/null || die "htpasswd failed"
  fi
  if [[ $AUTH != none ]]; then
    emit REGISTRY_USER "$user"
    emit REGISTRY_PASS "$pass"
  fi
  if [[ $TLS == 1 ]]; then
    make_tls "$dir"
    emit REGISTRY_CA "$dir/tls/ca.crt"
  fi
  [[ $AUTH == token ]] && start_token_server "$dir" "$user" "$pass"
  [[ $REDIRECT == 1 ]] && start_blob_origin "$dir"
  start_registry "$dir"

  printf '%s\n' "${OUT_LINES[@]}" >"$dir/env"
  printf '%s\n' "${OUT_LINES[@]}"
  STARTED_OK=1
  say "started ($MODE_DESC) in $dir"
}

# ----------------------------------------------------------------- stop ---

# Stop the process in DIR/NAME.pid if it is still ours; wait for it to go.
stop_pidfile() { # DIR NAME
  local dir=$1 f=$1/$2.pid pid n
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  if owned_alive "$pid" "$dir"; then
    kill -TERM "$pid" 2>/dev/null || true
    n=50
    while (( n-- > 0 )) && owned_alive "$pid" "$dir"; do sleep 0.1; done
    if owned_alive "$pid" "$dir"; then
      say "$2 ($pid) ignored TERM, killing"
      kill -KILL "$pid" 2>/dev/null || true
      n=20
      while (( n-- > 0 )) && owned_alive "$pid" "$dir"; do sleep 0.1; done
    fi
  fi
  rm -f "$f"
}

stop_registry() { # DIR
  local dir=$1
  if [[ -f $dir/container ]]; then
    docker stop -t 5 "$(<"$dir/container")" >/dev/null 2>&1 || true
    rm -f "$dir/container"
  fi
  stop_pidfile "$dir" registry
}

do_stop() { # DIR
  local dir=$1
  stop_registry "$dir"
  stop_pidfile "$dir" token
  stop_pidfile "$dir" origin
  rm -rf -- "$dir"
}

cmd_stop() {
  local dir=${1:-${REGISTRY_DIR:-}}
  [[ -n $dir ]] || usage
  if [[ ! -e $dir ]]; then
    say "$dir does not exist; nothing to stop"
    return 0
  fi
  dir=$(cd "$dir" && pwd -P)
  [[ -f $dir/$MARKER ]] || die "$dir was not made by registry.sh start; refusing to touch it"
  do_stop "$dir"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
