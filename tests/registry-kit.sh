#!/usr/bin/env bash
# Self-test of the local registry kit (registry/): starts each mode, checks it
# with curl, stops it and checks that nothing is left behind.
# Prints `ok - ...` / `not ok - ...` per check, then
# `registry-kit: N passed, N failed`; exits 1 on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$ROOT/registry/registry.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/registry-kit-test.XXXXXX")
passed=0
failed=0
started=() # state dirs to stop on exit

cleanup() {
  local d
  wait 2>/dev/null || true # kits still starting in the background
  for d in "${started[@]}"; do
    if [[ -d $d ]]; then "$KIT" stop "$d" >/dev/null 2>&1 || rmdir "$d" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
  echo "not ok - $1"
  local f
  for f in "${@:2}"; do [[ -s $f ]] && sed 's/^/    /' "$f" | head -n 15; done
  failed=$((failed + 1))
}

# check DESC CMD...: CMD must succeed.
check() {
  local desc=$1
  shift
  if "$@" >"$WORK/check.out" 2>"$WORK/check.err"; then
    ok "$desc"
  else
    not_ok "$desc" "$WORK/check.out" "$WORK/check.err"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# req METHOD URL [CURL ARGS...]: sets CODE; headers in $WORK/h, body in $WORK/b.
req() {
  local method=$1 url=$2
  shift 2
  local head=()
  [[ $method == HEAD ]] && head=(-I)
  CODE=$(curl -s -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' --max-time 10 \
    -X "$method" "${head[@]}" "$@" "$url" || true)
}

# header NAME: the value of a response header from the last req.
header() {
  tr -d '\r' <"$WORK/h" | awk -v n="$1" 'BEGIN{n=tolower(n)}
    { i=index($0,":"); if (i && tolower(substr($0,1,i-1))==n) { v=substr($0,i+1); sub(/^ +/,"",v); print v; exit } }'
}

code_is() { [[ $CODE == "$1" ]] || { echo "HTTP $CODE, wanted $1"; cat "$WORK/h" "$WORK/b" 2>/dev/null; return 1; }; }

# A JSON field of a file via node: json FILE EXPR (EXPR in terms of `o`).
json() { node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const v=eval(process.argv[2]); process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"; }

# push_blob BASEURL REPO FILE [CURL ARGS...]: monolithic upload POST + PUT.
push_blob() {
  local base=$1 repo=$2 file=$3
  shift 3
  local digest loc
  digest=sha256:$(sha256 "$file")
  req POST "$base/v2/$repo/blobs/uploads/" -H 'Content-Length: 0' "$@"
  code_is 202 || return 1
  loc=$(header Location)
  [[ -n $loc ]] || { echo "no Location"; return 1; }
  [[ $loc == /* ]] && loc=$base$loc
  if [[ $loc == *\?* ]]; then loc="$loc&digest=$digest"; else loc="$loc?digest=$digest"; fi
  req PUT "$loc" -H 'Content-Type: application/octet-stream' --data-binary "@$file" "$@"
  code_is 201 || return 1
  [[ $(header Docker-Content-Digest) == "$digest" ]] || { echo "digest header $(header Docker-Content-Digest)"; return 1; }
}

# Alive and not a zombie.
proc_alive() {
  local pid=$1 state
  [[ -n $pid ]] || return 1
  if [[ -d /proc ]]; then
    [[ -r /proc/$pid/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  else
    state=$(ps -o stat= -p "$pid" 2>/dev/null || true)
  fi
  [[ -n $state && $state != Z* ]]
}

reset_env() {
  unset REGISTRY_ADDR REGISTRY_URL REGISTRY_DIR REGISTRY_PID REGISTRY_LOG REGISTRY_CA \
    REGISTRY_USER REGISTRY_PASS TOKEN_URL TOKEN_PID TOKEN_LOG TOKEN_SERVICE TOKEN_ISSUER \
    TOKEN_REFRESH REDIRECT_URL REDIRECT_PID REDIRECT_LOG
}

# new_dir: a fresh state dir, known to cleanup before anything runs in it.
new_dir() { NEW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/registry-kit-state.XXXXXX"); started+=("$NEW_DIR"); }

# kit_start LABEL ARGS...: start the kit and eval what it prints.
kit_start() {
  local label=$1 out
  shift
  reset_env
  new_dir
  if out=$("$KIT" start "$@" --dir "$NEW_DIR" 2>"$WORK/start.err"); then
    eval "$out"
    [[ $REGISTRY_DIR == "$(cd "$NEW_DIR" && pwd -P)" ]] || { not_ok "$label: REGISTRY_DIR is the --dir given"; return 1; }
    ok "$label: start $* (registry at ${REGISTRY_URL:-?})"
    return 0
  fi
  not_ok "$label: start $*" "$WORK/start.err"
  return 1
}

# kit_stop LABEL: stop the kit and check its processes and state dir are gone.
kit_stop() {
  local label=$1 dir=$REGISTRY_DIR pids=() p n
  for p in "${REGISTRY_PID:-}" "${TOKEN_PID:-}" "${REDIRECT_PID:-}"; do
    [[ -n $p ]] && pids+=("$p")
  done
  check "$label: stop" "$KIT" stop "$dir"
  gone() {
    for p in "${pids[@]}"; do
      n=20
      while proc_alive "$p" && ((n-- > 0)); do sleep 0.1; done
      if proc_alive "$p"; then echo "pid $p still running"; return 1; fi
    done
  }
  check "$label: processes ${pids[*]} are gone" gone
  check "$label: state dir removed" test ! -e "$dir"
}

count_access() { grep -cE '^[0-9a-f.:]+ - .* "[A-Z]+ [^ ]+ HTTP/[0-9.]+" [0-9]{3} ' "$REGISTRY_LOG" || true; }

printf 'hello from the registry kit self-test\n' >"$WORK/blob.bin"
printf '{"architecture":"wasm","os":"wasip1"}' >"$WORK/config.json"
BLOB_D=sha256:$(sha256 "$WORK/blob.bin")
CONFIG_D=sha256:$(sha256 "$WORK/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
  "$CONFIG_D" "$(wc -c <"$WORK/config.json")" "$BLOB_D" "$(wc -c <"$WORK/blob.bin")" >"$WORK/manifest.json"
MANIFEST_D=sha256:$(sha256 "$WORK/manifest.json")
ACCEPT='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

# ---- open -----------------------------------------------------------------
t_open_ping() {
  req GET "$REGISTRY_URL/v2/"
  code_is 200 && [[ $(header Docker-Distribution-Api-Version) == registry/2.0 ]]
}
t_open_loopback() { [[ $REGISTRY_ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]]; }
t_open_log_empty() { [[ $(count_access) == 0 ]] || { cat "$REGISTRY_LOG"; return 1; }; }
t_open_blob() {
  push_blob "$REGISTRY_URL" kit/test "$WORK/blob.bin" || return 1
  req HEAD "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D"
  code_is 200 && [[ $(header Docker-Content-Digest) == "$BLOB_D" ]] || return 1
  req GET "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D"
  code_is 200 && cmp "$WORK/b" "$WORK/blob.bin"
}
t_open_manifest() {
  push_blob "$REGISTRY_URL" kit/test "$WORK/config.json" || return 1
  req PUT "$REGISTRY_URL/v2/kit/test/manifests/v1" \
    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$WORK/manifest.json"
  code_is 201 && [[ $(header Docker-Content-Digest) == "$MANIFEST_D" ]] || return 1
  req GET "$REGISTRY_URL/v2/kit/test/manifests/v1" -H "Accept: $ACCEPT"
  code_is 200 && cmp "$WORK/b" "$WORK/manifest.json" &&
    [[ $(header Content-Type) == application/vnd.oci.image.manifest.v1+json ]]
}
t_open_count() {
  local before after n=20
  before=$(count_access)
  req GET "$REGISTRY_URL/v2/"
  req HEAD "$REGISTRY_URL/v2/kit/test/manifests/v1" -H "Accept: $ACCEPT"
  req GET "$REGISTRY_URL/v2/kit/none/manifests/v1" -H "Accept: $ACCEPT"
  while after=$(count_access) && ((after - before < 3 && n-- > 0)); do sleep 0.05; done
  [[ $((after - before)) == 3 ]] || { echo "counted $((after - before)) access lines, wanted 3"; return 1; }
  grep -q '"HEAD /v2/kit/test/manifests/v1 HTTP/1.1" 200 ' "$REGISTRY_LOG" &&
    grep -q '"GET /v2/kit/none/manifests/v1 HTTP/1.1" 404 ' "$REGISTRY_LOG"
}
t_open_delete() {
  req DELETE "$REGISTRY_URL/v2/kit/test/manifests/$MANIFEST_D"
  code_is 202 || return 1
  req GET "$REGISTRY_URL/v2/kit/test/manifests/$MANIFEST_D" -H "Accept: $ACCEPT"
  code_is 404
}

if kit_start open open; then
  check "open: the log starts empty (the readiness probe is not in it)" t_open_log_empty
  check "open: GET /v2/ is 200 with the API version header" t_open_ping
  check "open: listens on 127.0.0.1" t_open_loopback
  check "open: monolithic blob upload (POST 202, PUT 201), then HEAD 200 and GET the bytes" t_open_blob
  check "open: manifest PUT 201 with its digest, GET returns the exact bytes" t_open_manifest
  check "open: every request is one access-log line with method, path and status" t_open_count
  check "open: DELETE by digest works (storage.delete.enabled)" t_open_delete
  kit_stop open
fi

# ---- several kits at once ---------------------------------------------------
t_parallel() {
  local i pids=() dirs=() ports=() rc=0
  for i in 1 2 3; do
    new_dir
    "$KIT" start open --dir "$NEW_DIR" >"$WORK/par$i.env" 2>"$WORK/par$i.err" &
    pids+=($!)
  done
  for i in 0 1 2; do wait "${pids[$i]}" || rc=1; done
  for i in 1 2 3; do
    local d a
    d=$(sed -n 's/^REGISTRY_DIR=//p' "$WORK/par$i.env")
    a=$(sed -n 's/^REGISTRY_ADDR=//p' "$WORK/par$i.env")
    [[ -n $d ]] && dirs+=("$d")
    [[ -n $a ]] && ports+=("$a")
    if [[ -z $a || $(curl -s -o /dev/null -w '%{http_code}' "http://$a/v2/") != 200 ]]; then
      echo "kit $i: not answering"
      cat "$WORK/par$i.err"
      rc=1
    fi
  done
  [[ $(printf '%s\n' "${ports[@]}" | sort -u | wc -l) == 3 ]] || { echo "ports: ${ports[*]}"; rc=1; }
  for d in "${dirs[@]}"; do "$KIT" stop "$d" || rc=1; done
  return $rc
}
check "parallel: three kits started at once get three ports and all answer" t_parallel

# ---- htpasswd ---------------------------------------------------------------
t_ht_anon() {
  req GET "$REGISTRY_URL/v2/"
  code_is 401 && [[ $(header WWW-Authenticate) == Basic\ realm=* ]]
}
t_ht_wrong() { req GET "$REGISTRY_URL/v2/" -u "$REGISTRY_USER:wrong"; code_is 401; }
t_ht_right() { req GET "$REGISTRY_URL/v2/" -u "$REGISTRY_USER:$REGISTRY_PASS"; code_is 200; }
t_ht_bcrypt() { [[ $(<"$REGISTRY_DIR/htpasswd") == "$REGISTRY_USER:\$2y\$"* ]]; }
t_ht_push() { push_blob "$REGISTRY_URL" kit/test "$WORK/blob.bin" -u "$REGISTRY_USER:$REGISTRY_PASS"; }

if kit_start htpasswd htpasswd; then
  check "htpasswd: GET /v2/ without credentials is 401 with a Basic challenge" t_ht_anon
  check "htpasswd: a wrong password is 401" t_ht_wrong
  check "htpasswd: the generated user and password give 200" t_ht_right
  check "htpasswd: the password file is bcrypt" t_ht_bcrypt
  check "htpasswd: push a blob with Basic credentials" t_ht_push
  kit_stop htpasswd
fi

# ---- token ------------------------------------------------------------------
# token_get FILE SCOPE... (curl args in TOKEN_ARGS): GET realm, body to FILE.
token_get() {
  local file=$1 q="service=$TOKEN_SERVICE" s
  shift
  for s in "$@"; do q="$q&scope=$s"; done
  CODE=$(curl -s -o "$file" -w '%{http_code}' "${TOKEN_ARGS[@]}" "$REALM?$q" || true)
}
t_tok_challenge() {
  req GET "$REGISTRY_URL/v2/"
  code_is 401 || return 1
  local c
  c=$(header WWW-Authenticate)
  [[ $c == Bearer\ * ]] || { echo "challenge: $c"; return 1; }
  REALM=$(sed -n 's/.*realm="\([^"]*\)".*/\1/p' <<<"$c")
  [[ $REALM == "$TOKEN_URL" && $c == *service=\""$TOKEN_SERVICE"\"* ]] || { echo "challenge: $c"; return 1; }
}
t_tok_fetch() {
  TOKEN_ARGS=(-u "$REGISTRY_USER:$REGISTRY_PASS")
  token_get "$WORK/tok.json" "repository:kit/test:pull,push"
  code_is 200 || return 1
  [[ $(json "$WORK/tok.json" '[typeof o.token, o.access_token===o.token, typeof o.expires_in, typeof o.issued_at].join()') == string,true,number,string ]]
}
t_tok_jwt() {
  local t
  t=$(json "$WORK/tok.json" o.token)
  node -e '
    const [h, c, s] = process.argv[1].split(".");
    const d = (x) => JSON.parse(Buffer.from(x, "base64url").toString());
    const H = d(h), C = d(c), ok = H.typ === "JWT" && H.alg === "ES256" && Array.isArray(H.x5c) &&
      Buffer.from(s, "base64url").length === 64 && typeof C.aud === "string" && C.aud === process.argv[2] &&
      C.iss === process.argv[3] && C.exp > C.iat && typeof C.jti === "string" && C.sub === process.argv[4] &&
      JSON.stringify(C.access) === JSON.stringify([{type: "repository", name: "kit/test", actions: ["pull", "push"]}]);
    if (!ok) { console.log(JSON.stringify({H, C})); process.exit(1); }' "$t" "$TOKEN_SERVICE" "$TOKEN_ISSUER" "$REGISTRY_USER"
}
t_tok_ping() {
  req GET "$REGISTRY_URL/v2/" -H "Authorization: Bearer $(json "$WORK/tok.json" o.token)"
  code_is 200
}
t_tok_push() {
  push_blob "$REGISTRY_URL" kit/test "$WORK/blob.bin" -H "Authorization: Bearer $(json "$WORK/tok.json" o.token)"
}
t_tok_pullonly() {
  token_get "$WORK/pull.json" "repository:kit/test:pull"
  code_is 200 || return 1
  req POST "$REGISTRY_URL/v2/kit/test/blobs/uploads/" -H 'Content-Length: 0' \
    -H "Authorization: Bearer $(json "$WORK/pull.json" o.token)"
  code_is 401 && [[ $(header WWW-Authenticate) == *'error="insufficient_scope"'* ]]
}
t_tok_wrongpass() {
  TOKEN_ARGS=(-u "$REGISTRY_USER:wrong")
  token_get "$WORK/bad.json" "repository:kit/test:pull"
  code_is 401 && json "$WORK/bad.json" 'o.details' | grep -q 'incorrect'
}
t_tok_anon() {
  TOKEN_ARGS=()
  token_get "$WORK/anon.json" "repository:public/x:pull,push" "repository:kit/test:pull"
  code_is 200 || return 1
  local access
  access=$(node -e 'console.log(JSON.stringify(JSON.parse(Buffer.from(process.argv[1].split(".")[1],"base64url")).access))' \
    "$(json "$WORK/anon.json" o.token)")
  [[ $access == '[{"type":"repository","name":"public/x","actions":["pull"]}]' ]] || { echo "anonymous got $access"; return 1; }
}
t_tok_oauth() {
  CODE=$(curl -s -o "$WORK/pw.json" -w '%{http_code}' -X POST \
    --data-urlencode grant_type=password --data-urlencode "username=$REGISTRY_USER" \
    --data-urlencode "password=$REGISTRY_PASS" --data-urlencode "service=$TOKEN_SERVICE" \
    --data-urlencode client_id=registry-kit-test --data-urlencode "scope=repository:kit/test:pull" "$TOKEN_URL")
  code_is 200 || return 1
  local rt
  rt=$(json "$WORK/pw.json" o.refresh_token)
  [[ -n $rt && -n $(json "$WORK/pw.json" o.access_token) ]] || return 1
  CODE=$(curl -s -o "$WORK/rt.json" -w '%{http_code}' -X POST \
    --data-urlencode grant_type=refresh_token --data-urlencode "refresh_token=$rt" \
    --data-urlencode "service=$TOKEN_SERVICE" --data-urlencode client_id=registry-kit-test \
    --data-urlencode "scope=repository:kit/test:pull" "$TOKEN_URL")
  code_is 200 || return 1
  req GET "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D" -H "Authorization: Bearer $(json "$WORK/rt.json" o.access_token)"
  code_is 200
}
t_tok_catalog() {
  TOKEN_ARGS=(-u "$REGISTRY_USER:$REGISTRY_PASS")
  token_get "$WORK/cat.json" "registry:catalog:*"
  req GET "$REGISTRY_URL/v2/_catalog" -H "Authorization: Bearer $(json "$WORK/cat.json" o.token)"
  code_is 200 && grep -q 'kit/test' "$WORK/b"
}
t_tok_log() {
  grep -q '"auth_header":true' "$TOKEN_LOG" && grep -q '"auth_header":false' "$TOKEN_LOG" &&
    grep -q '"method":"POST"' "$TOKEN_LOG"
}

if kit_start token token; then
  REALM=$TOKEN_URL
  TOKEN_ARGS=()
  check "token: GET /v2/ is 401 with a Bearer challenge naming realm and service" t_tok_challenge
  check "token: the realm gives a token for the user (token, access_token, expires_in, issued_at)" t_tok_fetch
  check "token: the JWT is ES256 with x5c, aud string, iss, exp, jti and the granted access" t_tok_jwt
  check "token: GET /v2/ with the token is 200" t_tok_ping
  check "token: push a blob with a push-scoped token" t_tok_push
  check "token: a pull-only token cannot start an upload (401 insufficient_scope)" t_tok_pullonly
  check "token: a wrong password gets 401 with a JSON error" t_tok_wrongpass
  check "token: anonymous gets pull on public/ only" t_tok_anon
  check "token: POST /token password grant, then refresh_token grant, works on the registry" t_tok_oauth
  check "token: registry:catalog:* opens /v2/_catalog" t_tok_catalog
  check "token: the token log records requests and whether Authorization was sent" t_tok_log
  kit_stop token
fi

# Short-lived tokens: TOKEN_TTL, with TOKEN_EXP_SHIFT=-60 cancelling 2.8's leeway.
t_tok_expiry() {
  TOKEN_ARGS=(-u "$REGISTRY_USER:$REGISTRY_PASS")
  token_get "$WORK/short.json" "repository:kit/test:pull"
  code_is 200 && [[ $(json "$WORK/short.json" o.expires_in) == 2 ]] || return 1
  local t
  t=$(json "$WORK/short.json" o.token)
  req GET "$REGISTRY_URL/v2/" -H "Authorization: Bearer $t"
  code_is 200 || return 1
  sleep 2.5
  req GET "$REGISTRY_URL/v2/" -H "Authorization: Bearer $t"
  code_is 401
}
if TOKEN_TTL=2 TOKEN_EXP_SHIFT=-60 kit_start token-ttl token; then
  REALM=$TOKEN_URL
  check "token-ttl: expires_in is TOKEN_TTL and the registry refuses the token after it" t_tok_expiry
  kit_stop token-ttl
fi

# ---- tls --------------------------------------------------------------------
t_tls_ca() { req GET "$REGISTRY_URL/v2/" --cacert "$REGISTRY_CA"; code_is 200; }
t_tls_noca() {
  local rc=0
  curl -s -o /dev/null --max-time 10 "$REGISTRY_URL/v2/" || rc=$?
  [[ $rc != 0 ]] || { echo "curl without the CA succeeded"; return 1; }
}
t_tls_localhost() {
  req GET "https://localhost:${REGISTRY_ADDR##*:}/v2/" --cacert "$REGISTRY_CA"
  code_is 200
}
t_tls_push() { push_blob "$REGISTRY_URL" kit/test "$WORK/blob.bin" --cacert "$REGISTRY_CA"; }

if kit_start tls tls; then
  check "tls: REGISTRY_URL is https" test "${REGISTRY_URL%%://*}" = https
  check "tls: curl --cacert REGISTRY_CA gets 200" t_tls_ca
  check "tls: curl without the CA fails verification" t_tls_noca
  check "tls: the cert is also valid for localhost" t_tls_localhost
  check "tls: push a blob over https" t_tls_push
  kit_stop tls
fi

if kit_start tls+htpasswd tls --auth htpasswd; then
  t_tls_ht() {
    req GET "$REGISTRY_URL/v2/" --cacert "$REGISTRY_CA"
    code_is 401 || return 1
    req GET "$REGISTRY_URL/v2/" --cacert "$REGISTRY_CA" -u "$REGISTRY_USER:$REGISTRY_PASS"
    code_is 200
  }
  check "tls+htpasswd: 401 without, 200 with credentials" t_tls_ht
  kit_stop tls+htpasswd
fi

# ---- redirect ---------------------------------------------------------------
t_rd_get() {
  push_blob "$REGISTRY_URL" kit/test "$WORK/blob.bin" -u "$REGISTRY_USER:$REGISTRY_PASS" || return 1
  req GET "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D" -u "$REGISTRY_USER:$REGISTRY_PASS"
  code_is 307 || return 1
  local hex=${BLOB_D#sha256:}
  [[ $(header Location) == "$REDIRECT_URL/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data" ]] ||
    { echo "Location: $(header Location)"; return 1; }
}
t_rd_head() {
  req HEAD "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D" -u "$REGISTRY_USER:$REGISTRY_PASS"
  code_is 307 && [[ $(header Location) == "$REDIRECT_URL/"* ]]
}
t_rd_follow() {
  req GET "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D" -L -u "$REGISTRY_USER:$REGISTRY_PASS"
  code_is 200 && cmp "$WORK/b" "$WORK/blob.bin"
}
t_rd_noauth() {
  grep -q '"method":"GET"' "$REDIRECT_LOG" || { echo "the origin saw no GET"; return 1; }
  ! grep -qi authorization "$REDIRECT_LOG"
}
t_rd_control() {
  # --location-trusted deliberately forwards credentials: the log must show it.
  curl -s -o /dev/null -L --location-trusted -u "$REGISTRY_USER:$REGISTRY_PASS" \
    "$REGISTRY_URL/v2/kit/test/blobs/$BLOB_D"
  grep -qi '"authorization":"Basic ' "$REDIRECT_LOG"
}
t_rd_escape() {
  CODE=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$REDIRECT_URL/docker/../../../etc/passwd")
  code_is 400 || return 1
  CODE=$(curl -s -o /dev/null -w '%{http_code}' "$REDIRECT_URL/docker/%2e%2e/%2e%2e/%2e%2e/etc/passwd")
  code_is 400
}
t_rd_manifest() {
  push_blob "$REGISTRY_URL" kit/test "$WORK/config.json" -u "$REGISTRY_USER:$REGISTRY_PASS" || return 1
  req PUT "$REGISTRY_URL/v2/kit/test/manifests/v1" -u "$REGISTRY_USER:$REGISTRY_PASS" \
    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$WORK/manifest.json"
  code_is 201 || return 1
  req GET "$REGISTRY_URL/v2/kit/test/manifests/v1" -u "$REGISTRY_USER:$REGISTRY_PASS" -H "Accept: $ACCEPT"
  code_is 200 && cmp "$WORK/b" "$WORK/manifest.json"
}

if kit_start redirect redirect --auth htpasswd; then
  check "redirect: blob GET answers 307 to the second origin's storage path" t_rd_get
  check "redirect: blob HEAD answers 307 too" t_rd_head
  check "redirect: following it (curl -L) returns the bytes" t_rd_follow
  check "redirect: the origin's log shows the GET and no Authorization" t_rd_noauth
  check "redirect: control: a forwarded Authorization does show in the origin's log" t_rd_control
  check "redirect: the origin refuses paths with .." t_rd_escape
  check "redirect: manifests are served by the registry itself (200, not 307)" t_rd_manifest
  kit_stop redirect
fi

# ---- misuse -----------------------------------------------------------------
t_stop_refuses() {
  mkdir -p "$WORK/not-a-kit"
  ! "$KIT" stop "$WORK/not-a-kit" 2>/dev/null && test -d "$WORK/not-a-kit"
}
check "stop refuses a directory the kit did not make" t_stop_refuses
t_bad_mode() { ! "$KIT" start nonsense >/dev/null 2>&1; }
check "start refuses an unknown mode" t_bad_mode

echo "registry-kit: $passed passed, $failed failed"
[[ $failed == 0 ]]
