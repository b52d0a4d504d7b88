#!/usr/bin/env bash
# The HTTP API end to end, against the real server (sanitizer build, real
# SQLite file, loopback port): every endpoint, every error status, the access
# matrix of roles x endpoints, personal-data redaction, durability across
# kill -9, and graceful shutdown, as the HTTP API contract says (serve, keys,
# routes; docs/openapi.yaml).  Run by tests/run.sh (BW, BW_TMP, BW_TOP and
# BREAKWATER_REFDATA set there).  Needs only bash, curl and sqlite3.
#
# A failed check prints "FAIL: <check>: <what was sent> -> <what came back>"
# and the script goes on; it ends with one line "http: N checks, M failed"
# and exits 1 if any failed.  Nothing can hang: every curl has --max-time,
# every wait is bounded, and every server started here is killed on exit.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/http
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
db="$T/api.db"
pool="$T/pool.ndjson"
CURL_MAX=${HTTP_TEST_CURL_MAX:-30}     # seconds, any single request
START_MAX=${HTTP_TEST_START_MAX:-60}   # seconds until "listening on"

# ---- bookkeeping -------------------------------------------------------------
checks=0 failures=0 notes=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
note() { notes=$((notes + 1)); echo "NOTE: $*" >&2; }
summary() { echo "http: $checks checks, $failures failed$([ "$notes" -eq 0 ] || echo ", $notes notes")"; }
die() { fail "$*"; summary; exit 1; }
# check DESCRIPTION command...: one check, passes when the command succeeds
check() {
    local what=$1; shift
    checks=$((checks + 1))
    if ! "$@"; then fail "$what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "     got '$1', expected '$2'" >&2; return 1; }; }

# ---- servers -----------------------------------------------------------------
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do { wait "$p"; } 2>/dev/null || true; done
}
trap cleanup EXIT

alive() { # pid: running (not a zombie)
    [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
# start_server NAME DB [serve args...]: sets srv_pid, BASE; NAME.err is its stderr
start_server() {
    local name=$1 sdb=$2; shift 2
: >"$T/$name.err" # exists before anything reads it
    "$BW" serve --db "$sdb" --data "$DATA" --listen 127.0.0.1:0 "$@" >"$T/$name.out" 2>"$T/$name.err" &
    srv_pid=$!
    pids+=("$srv_pid")
    local port="" n=$((START_MAX * 10))
    while [ "$n" -gt 0 ]; do
        port=$(sed -n 's|^breakwater serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$T/$name.err" | head -n 1)
        [ -n "$port" ] && break
        alive "$srv_pid" || die "server $name exited before listening: $(tail -n 5 "$T/$name.err")"
        sleep 0.1
        n=$((n - 1))
    done
    [ -n "$port" ] || die "server $name: no 'breakwater serve: listening on http://127.0.0.1:PORT' line on stderr within ${START_MAX}s: $(tail -n 5 "$T/$name.err")"
    [ "$port" != 0 ] || die "server $name reports port 0, not the real port"
    BASE="http://127.0.0.1:$port"
}
# wait_exit PID SECONDS: sets rc (exit status, or "timeout") and took (s)
wait_exit() {
    local pid=$1 n=$(($2 * 10)) t0=$SECONDS
    while alive "$pid" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    took=$((SECONDS - t0))
    if alive "$pid"; then rc=timeout; return 0; fi
    set +e; { wait "$pid"; } 2>/dev/null; rc=$?; set -e
    local keep=() q   # reaped: never signal that pid again (it may be reused)
    for q in "${pids[@]}"; do [ "$q" = "$pid" ] || keep+=("$q"); done
    pids=("${keep[@]}")
}
sanitizer_clean() { # NAME: no sanitizer report in the server's stderr
    ! grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$T/$1.err" ||
        { grep -m 5 'ERROR\|runtime error' "$T/$1.err" >&2; return 1; }
}

bw() { timeout -k 5 120 "$BW" "$@"; }   # every command but serve: bounded too

# ---- requests ----------------------------------------------------------------
# req METHOD PATH KEY [curl args...]: sets code; body in $T/body (raw) and
# $T/body.n (JSON with the whitespace between tokens squeezed), headers in $T/hdr
req() {
    local method=$1 path=$2 key=$3; shift 3
    local auth=()
    [ -n "$key" ] && auth=(-H "Authorization: Bearer $key")
    : >"$T/body"; : >"$T/hdr"
    code=$(curl -sS --max-time "$CURL_MAX" -X "$method" "${auth[@]}" -o "$T/body" -D "$T/hdr" \
        -w '%{http_code}' "$@" "$BASE$path" 2>"$T/curl.err") || true
    [ -n "$code" ] || code=000
    tr '\n\r' '  ' <"$T/body" | sed -E 's/"[[:space:]]*:[[:space:]]*/":/g; s/[[:space:]]*,[[:space:]]*"/,"/g; s/([[{])[[:space:]]+/\1/g; s/[[:space:]]+([]}])/\1/g' >"$T/body.n"
    last="$method $path${key:+ (key ${key:0:10}...)}"
}
show_body() { head -c 400 "$T/body"; [ "$code" != 000 ] || cat "$T/curl.err"; }
# expect CODE DESCRIPTION METHOD PATH KEY [curl args...]: the request answers CODE
expect() {
    local want=$1 what=$2; shift 2
    req "$@"
    checks=$((checks + 1))
    if [ "$code" != "$want" ]; then
        fail "$what: $last -> $code, expected $want; body: $(show_body)"
        return 0
    fi
}
has() { # DESCRIPTION ERE: the last JSON body matches
    checks=$((checks + 1))
    grep -Eq -- "$2" "$T/body.n" || fail "$1: $last -> $code, body lacks /$2/: $(show_body)"
}
hasnt() { # DESCRIPTION ERE: the last JSON body does not match
    checks=$((checks + 1))
    ! grep -Eq -- "$2" "$T/body.n" || fail "$1: $last -> $code, body has /$2/: $(show_body)"
}
hasnt_text() { # DESCRIPTION TEXT: the last body does not contain TEXT (literally)
    checks=$((checks + 1))
    ! grep -qF -- "$2" "$T/body" || fail "$1: $last -> $code, body has '$2': $(show_body)"
}
header() { # DESCRIPTION ERE (case-insensitive, on "name: value" lines)
    checks=$((checks + 1))
    tr -d '\r' <"$T/hdr" >"$T/hdr.n"
    grep -Eqi -- "$2" "$T/hdr.n" || fail "$1: $last -> $code, no header /$2/ in: $(tr '\n' '|' <"$T/hdr.n")"
}
problem() { # DESCRIPTION STATUS SLUG: the last answer is an RFC 9457 problem
    has "$1: problem type" "\"type\":\"/problems/$3\""
    has "$1: problem status" "\"status\":$2[,}]"
    has "$1: problem title" '"title":"[^"]+"'
    has "$1: problem detail" '"detail":'
    header "$1: problem content type" '^content-type: *application/problem\+json'
}
count() { { grep -oE -- "$1" "$T/body.n" || true; } | wc -l | tr -d ' '; }
post() { # DESCRIPTION CODE KEY CONTENT-TYPE FILE
    expect "$2" "$1" POST /v1/declarations "$3" -H "Content-Type: $4" --data-binary "@$5"
}
sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

# ---- data --------------------------------------------------------------------
bw gen --count 600 --seed 42 >"$pool"
# recs FIRST LAST SUBMITTER ROLE IDPREFIX: pool lines, owned by SUBMITTER, ids IDPREFIX-1..
recs() {
    sed -n "${1},${2}p" "$pool" |
        sed -E "s/^\{\"submitter\":\{\"id\":\"[^\"]*\",\"role\":\"[^\"]*\"\}/{\"submitter\":{\"id\":\"$3\",\"role\":\"$4\"}/" |
        awk -v p="$5" '{ if (match($0, /"declaration_id":"[^"]*"/))
                             $0 = substr($0, 1, RSTART - 1) "\"declaration_id\":\"" p "-" NR "\"" substr($0, RSTART + RLENGTH)
                         print }'
}
to_array() { awk 'BEGIN{printf "["} NR>1{printf ","} {printf "%s", $0} END{print "]"}'; }
accepted_by_cli() { bw validate "$1" | grep -c '"status":"accepted"' || true; }

# ---- the command line around the server: routes, keys, --help -----------------
check "serve --help exits 0 with usage" bash -c "timeout -k 5 20 '$BW' serve --help | grep -q 'usage: breakwater serve'"
check "keys --help exits 0" bash -c "timeout -k 5 20 '$BW' keys --help >/dev/null"
set +e; timeout -k 5 20 "$BW" serve --bogus >/dev/null 2>&1; r=$?; set -e
check "serve --bogus is a usage error (exit 2)" eq "$r" 2
bw routes >"$T/routes" 2>"$T/routes.err" || fail "breakwater routes failed: $(cat "$T/routes.err")"
sort "$T/routes" >"$T/routes.sorted"
printf '%s\n' 'GET /healthz' 'GET /metrics' 'GET /v1/declarations' 'GET /v1/declarations/{submitter}/{id}' \
    'GET /v1/reference/jurisdictions' 'GET /v1/reference/jurisdictions/{id}' 'POST /v1/declarations' \
    'POST /v1/quote' 'POST /v1/payments' 'GET /v1/accounts' 'POST /v1/accounts' \
    'GET /v1/accounts/{jurisdiction}/{id}/statement' \
    'POST /v1/declarations/{submitter}/{id}/inspection' 'GET /v1/risk/watchlist/candidates' \
    'POST /v1/risk/watchlist/candidates/{id}' 'POST /v1/records/{kind}' 'GET /v1/records/{kind}/{key}' \
    'GET /v1/risk/profiles' 'POST /v1/risk/profiles' 'GET /v1/risk/profiles/{id}' 'DELETE /v1/risk/profiles/{id}' \
    'POST /v1/simulate' 'GET /public/index.html' 'GET /public/thresholds.json' 'GET /public/thresholds.html' \
    'GET /public/prohibited.json' 'GET /public/prohibited.html' 'GET /public/estimate.json' 'GET /public/estimate.html' \
    'GET /public/seizure-notices.json' 'GET /public/seizure-notices.html' \
    'POST /v1/arrivals' 'GET /v1/arrivals/unmatched' 'GET /v1/queue' 'GET /v1/referrals' \
    'POST /v1/declarations/{submitter}/{id}/release' 'POST /v1/declarations/{submitter}/{id}/refuse' \
    'POST /v1/declarations/{submitter}/{id}/seize' 'POST /v1/declarations/{submitter}/{id}/return' \
    'POST /v1/declarations/{submitter}/{id}/destroy' 'POST /v1/declarations/{submitter}/{id}/hold' \
    'GET /v1/aeo' 'GET /v1/aeo/{id}' 'POST /v1/aeo' 'GET /v1/agencies/{agency}/interests' \
    'POST /v1/agencies/{agency}/interests' 'GET /v1/agencies/{agency}/queue' \
    'GET /v1/declarations/{submitter}/{id}/agency' 'POST /v1/declarations/{submitter}/{id}/oga_hold' \
    'POST /v1/declarations/{submitter}/{id}/oga_release' 'GET /v1/stats' 'GET /v1/kpis' |
    sort >"$T/routes.want"
# returns, refunds, consolidated declarations (tests/integration/day.sh checks them)
printf '%s\n' 'POST /v1/declarations/{submitter}/{id}/returns' 'GET /v1/declarations/{submitter}/{id}/returns' \
    'POST /v1/declarations/{submitter}/{id}/returns/exported' 'GET /v1/accounts/{id}/consolidated' >>"$T/routes.want"
sort -o "$T/routes.want" "$T/routes.want"
check "breakwater routes lists exactly the contract's routes (diff: $(diff "$T/routes.want" "$T/routes.sorted" | grep "^[<>]" | tr "\n" " " || true))" cmp -s "$T/routes.sorted" "$T/routes.want"

declare -A K SUB ROLE
key() { # NAME ROLE [keys add args...]
    local name=$1 role=$2; shift 2
    local k
    k=$(bw keys add --db "$db" --role "$role" "$@" 2>"$T/keys.err") ||
        die "keys add --role $role $*: exit $?: $(cat "$T/keys.err")"
    [[ $k =~ ^bwk_[A-Za-z0-9_-]{43}$ ]] || die "keys add --role $role $*: printed '$k', not bwk_ + 43 base64url chars"
    K[$name]=$k
    ROLE[$name]=$role
}
key express-A express --submitter EXP-A;   SUB[express-A]=EXP-A
key express-B express --submitter EXP-B;   SUB[express-B]=EXP-B
key postal    postal --submitter POST-ZZ;  SUB[postal]=POST-ZZ
key platform  platform --submitter MKT-ZZ; SUB[platform]=MKT-ZZ
key vendor    vendor --submitter VND-ZZ;   SUB[vendor]=VND-ZZ
key forwarder forwarder --submitter FWD-ZZ; SUB[forwarder]=FWD-ZZ
key broker    broker --submitter BRK-ZZ;   SUB[broker]=BRK-ZZ
key officer   officer
key analyst   analyst
key admin     admin
key oga       oga --agency FDA-ZZ
key walker    officer --rate 0     # unlimited: walks every page
key slow      analyst --rate 2
key revoked   analyst
key later     officer              # revoked while the server runs
K[public]=""
for bad in "express" "oga" "no-such-role"; do
    set +e; out=$(bw keys add --db "$db" --role $bad 2>/dev/null); r=$?; set -e
    check "keys add --role $bad (without --submitter/--agency or unknown role) fails and prints no key" \
        bash -c "[ $r -ne 0 ] && ! grep -q bwk_ <<<'$out'"
done
bw keys list --db "$db" >"$T/keys.list"
check "keys list: one line per key (15)" eq "$(wc -l <"$T/keys.list" | tr -d ' ')" 15
for n in "${!K[@]}"; do
    [ -n "${K[$n]}" ] || continue
    check "keys list never prints a key ($n)" bash -c "! grep -qF -- '${K[$n]}' '$T/keys.list'"
done
check "keys list shows role, submitter, rate" grep -q '"role":"express".*"submitter":"EXP-A"' "$T/keys.list"
check "keys list shows the --rate" grep -q '"rate_per_s":2[,}]' "$T/keys.list"
# key_field NAME FIELD: FIELD of the keys list line whose prefix begins the key NAME
key_field() {
    local l p
    while IFS= read -r l; do
        p=$(grep -oE '"prefix":"[^"]*"' <<<"$l" | cut -d'"' -f4 || true)
        if [ -n "$p" ] && [[ ${K[$1]} == "$p"* ]]; then
            grep -oE "\"$2\":(\"[^\"]*\"|[0-9]+)" <<<"$l" | head -n 1 | cut -d: -f2 | tr -d '"'
            return 0
        fi
    done <"$T/keys.list"
}
revoked_id=$(key_field revoked id)
[ -n "$revoked_id" ] || die "keys list: no line whose prefix begins the key to revoke: $(head -n 2 "$T/keys.list")"
bw keys revoke --db "$db" "$revoked_id" >/dev/null 2>"$T/keys.err" || fail "keys revoke $revoked_id: $(cat "$T/keys.err")"
bw keys list --db "$db" >"$T/keys.list"
check "keys list shows the revocation" grep -q "\"id\":$revoked_id,.*\"revoked_at\":\"\?[0-9]" "$T/keys.list"

# ---- start the server ----------------------------------------------------------
start_server s1 "$db"
s1=$srv_pid
expect 200 "healthz" GET /healthz ""
has "healthz body" '^\{"status":"ok"\}'
header "healthz is JSON" '^content-type: *application/json'

# ---- 1. every endpoint for an allowed role ---------------------------------------
# POST one object: accepted, stored
recs 1 1 EXP-A express EXP-A-ONE >"$T/one.json"
post "POST one object" 200 "${K[express-A]}" application/json "$T/one.json"
has "POST one: result names the declaration" '"declaration_id":"EXP-A-ONE-1"'
has "POST one: submitter" '"submitter":"EXP-A"'
has "POST one: status accepted" '"status":"accepted"'
has "POST one: outcome stored" '"outcome":"stored"'
has "POST one: category" '"category":[1-4]'
has "POST one: value" '"value":\{"amount":"[0-9]+(\.[0-9]+)?","currency":"[A-Z]{3}"\}'
has "POST one: duty_due, tax_due" '"duty_due":(true|false).*"tax_due":(true|false)|"tax_due":(true|false).*"duty_due":(true|false)'
has "POST one: errors, warnings" '"errors":\[\]'
has "POST one: record and line" '"record":1[,}].*"line":1[,}]|"line":1[,}].*"record":1[,}]'
header "POST one: JSON" '^content-type: *application/json'
check "POST one: stored in the db" eq "$(sql "select status from declarations where submitter='EXP-A' and declaration_id='EXP-A-ONE-1'")" accepted

# the same again: a duplicate, 200 with the first result
post "POST one again (duplicate)" 200 "${K[express-A]}" application/json "$T/one.json"
has "duplicate: outcome" '"outcome":"duplicate"'
has "duplicate: first result's status" '"status":"accepted"'
# Content-Type with parameters is still JSON
recs 2 2 EXP-A express EXP-A-CHARSET >"$T/charset.json"
post "POST with Content-Type application/json; charset=utf-8" 200 "${K[express-A]}" "application/json; charset=utf-8" "$T/charset.json"

# POST an array
recs 3 8 EXP-A express EXP-A-ARR | to_array >"$T/arr.json"
want=$(accepted_by_cli "$T/arr.json")
post "POST array" 200 "${K[express-A]}" application/json "$T/arr.json"
has "array: accepted count" "\"accepted\":$want[,}]"
has "array: rejected count" "\"rejected\":$((6 - want))[,}]"
has "array: duplicates count" '"duplicates":0[,}]'
has "array: conflicts count" '"conflicts":0[,}]'
check "array: six results" eq "$(count '"outcome":"')" 6
has "array: results in order" '"results":\[\{.*"declaration_id":"EXP-A-ARR-1".*"declaration_id":"EXP-A-ARR-6"'
check "array: all stored" eq "$(sql "select count(*) from declarations where declaration_id like 'EXP-A-ARR-%'")" 6

# POST NDJSON, for both express submitters
recs 10 139 EXP-A express EXP-A-ND >"$T/a.ndjson"
want=$(accepted_by_cli "$T/a.ndjson")
post "POST NDJSON (EXP-A, 130 records)" 200 "${K[express-A]}" application/x-ndjson "$T/a.ndjson"
has "NDJSON: accepted count" "\"accepted\":$want[,}]"
check "NDJSON: 130 results" eq "$(count '"outcome":"')" 130
has "NDJSON: line numbers" '"line":130[,}]'
check "NDJSON: all stored" eq "$(sql "select count(*) from declarations where declaration_id like 'EXP-A-ND-%'")" 130
recs 140 179 EXP-B express EXP-B-ND >"$T/b.ndjson"
post "POST NDJSON (EXP-B, 40 records)" 200 "${K[express-B]}" application/x-ndjson "$T/b.ndjson"
has "NDJSON B: accepted" "\"accepted\":$(accepted_by_cli "$T/b.ndjson")[,}]"
recs 180 180 EXP-B express EXP-B-ONE >"$T/b-one.json"
post "POST one (EXP-B)" 200 "${K[express-B]}" application/json "$T/b-one.json"

# a time boundary between what was loaded before and after (received_at has seconds)
sleep 1.2
boundary=$(date -u +%Y-%m-%dT%H:%M:%SZ)
boundary_s=$(date -u -d "$boundary" +%s)
sleep 1.2

# GET one, as the owner and as customs
expect 200 "GET one (owner)" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[express-A]}"
for f in submitter declaration_id jurisdiction type status category value received_at errors warnings declaration history; do
    has "GET one: field $f" "\"$f\":"
done
has "GET one: the declaration" '"declaration_id":"EXP-A-ONE-1"'
has "GET one: status" '"status":"accepted"'
has "GET one: received_at ISO 8601" '"received_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'
has "GET one: history with the received event" '"history":\[\{"at":"[^"]+","event":"received"'
has "GET one: full declaration" '"declaration":\{"submitter":\{"id":"EXP-A","role":"express"\}'
has "GET one: history entry fields" '"history":\[\{"at":"[^"]+","event":"[a-z]+","status":"[a-z]+","actor":[^,]+,"detail":'
has "GET one: type" '"type":"import"'
has "GET one: items" '"items":\[\{"description":'

# GET list: default page, filters, cursor paging
total=$(sql "select count(*) from declarations")
expect 200 "GET list (default limit)" GET /v1/declarations "${K[walker]}"
has "list: items and next_cursor" '"items":\[.*"next_cursor":'
check "list: default limit is 100 ($total stored)" eq "$(count '"declaration_id":"')" 100
has "list: next_cursor is a string when more remain" '"next_cursor":"[^"]+"'
for f in submitter declaration_id jurisdiction type status category value received_at; do
    check "list items have field $f" eq "$(count "\"$f\":")" 100
done
hasnt "list items carry no declaration body" '"buyer"'
expect 200 "GET list limit=1000" GET '/v1/declarations?limit=1000' "${K[walker]}"
check "list limit=1000: everything on one page" eq "$(count '"declaration_id":"')" "$total"
has "list limit=1000: next_cursor null at the end" '"next_cursor":null'

# walk KEY PAGE-LIMIT [query params...]: all pages; walked = items, pages = pages,
# ids in $T/walk.ids, submitters in $T/walk.subs
walk() {
    local key=$1 limit=$2; shift 2
    local cursor="" q args n
    pages=0 walked=0
    : >"$T/walk.ids"; : >"$T/walk.subs"
    while :; do
        args=(-G --data-urlencode "limit=$limit")
        for q in "$@"; do args+=(--data-urlencode "$q"); done
        [ -n "$cursor" ] && args+=(--data-urlencode "cursor=$cursor")
        req GET /v1/declarations "$key" "${args[@]}"
        if [ "$code" != 200 ]; then walked=-1; fail "walk ($*) page $((pages + 1)): $last -> $code: $(show_body)"; return 0; fi
        pages=$((pages + 1))
        n=$(count '"declaration_id":"')
        [ "$n" -le "$limit" ] || fail "walk ($*): page $pages has $n items, limit $limit"
        grep -oE '"declaration_id":"[^"]*"' "$T/body.n" >>"$T/walk.ids" || true
        grep -oE '"submitter":"[^"]*"' "$T/body.n" >>"$T/walk.subs" || true
        grep -q '"next_cursor":null' "$T/body.n" && break
        cursor=$(grep -oE '"next_cursor":"[^"]*"' "$T/body.n" | head -n 1 | sed 's/^"next_cursor":"//; s/"$//' || true)
        [ -n "$cursor" ] || { fail "walk ($*): page $pages has neither a next_cursor nor null: $(show_body)"; break; }
        [ "$pages" -lt 500 ] || { fail "walk ($*): paging does not end"; break; }
    done
    walked=$(wc -l <"$T/walk.ids" | tr -d ' ')
    [ "$(sort "$T/walk.ids" | uniq -d | wc -l)" -eq 0 ] || fail "walk ($*): an item appears on two pages"
}
walk "${K[walker]}" 7
check "list walk (limit 7): total equals the db ($total)" eq "$walked" "$total"
check "list walk (limit 7): $(( (total + 6) / 7 )) pages" eq "$pages" "$(( (total + 6) / 7 ))"
walk "${K[walker]}" 5 status=accepted
check "list status=accepted: count equals the db" eq "$walked" "$(sql "select count(*) from declarations where status='accepted'")"
walk "${K[walker]}" 50 category=2
check "list category=2: count equals the db" eq "$walked" "$(sql "select count(*) from declarations where category=2")"
check "list category=2: only category 2" bash -c "! grep -q '\"category\":[^2]' '$T/body.n'"

# submitters see their own only: the walk of EXP-A never shows EXP-B
walk "${K[express-A]}" 25
check "list as EXP-A: count equals EXP-A's rows" eq "$walked" "$(sql "select count(*) from declarations where submitter='EXP-A'")"
check "list as EXP-A: only EXP-A items" eq "$(sort -u "$T/walk.subs")" '"submitter":"EXP-A"'
walk "${K[express-B]}" 25
check "list as EXP-B: count equals EXP-B's rows" eq "$walked" "$(sql "select count(*) from declarations where submitter='EXP-B'")"
check "list as EXP-B: never another submitter's id" bash -c "! grep -q 'EXP-A' '$T/walk.ids' '$T/walk.subs'"

# reference data
expect 200 "GET reference list (public)" GET /v1/reference/jurisdictions ""
for j in AU CA CN EU GB US; do has "reference list has $j" "\"id\":\"$j\""; done
has "reference list shape" '^\{"jurisdictions":\[\{'
has "reference list: currency, destinations, versions" '"currency":"[A-Z]{3}".*"destinations":\[.*"versions":\['
expect 200 "GET reference one (public)" GET /v1/reference/jurisdictions/EU ""
has "reference one: EU" '^\{.*"id":"EU"'
has "reference one: EUR" '"currency":"EUR"'
has "reference one: name, destinations, versions" '"name":"[^"]+".*"destinations":\[.*"versions":\[\{'
expect 404 "GET reference one unknown" GET /v1/reference/jurisdictions/XX ""
problem "reference unknown" 404 not-found

# ---- 2. every error status ---------------------------------------------------------
# 400: undecodable bodies
printf '{"submitter":' >"$T/broken.json"
post "400: undecodable single object" 400 "${K[express-A]}" application/json "$T/broken.json"
problem "400 undecodable" 400 bad-request
: >"$T/empty"
post "400: empty JSON body" 400 "${K[express-A]}" application/json "$T/empty"
problem "400 empty JSON" 400 bad-request
post "400: empty NDJSON body" 400 "${K[express-A]}" application/x-ndjson "$T/empty"
problem "400 empty NDJSON" 400 bad-request
echo 'this is not JSON at all' >"$T/text"
post "400: NDJSON body that is not JSON at all" 400 "${K[express-A]}" application/x-ndjson "$T/text"
# 400: bad query parameters, with the parameter's path
for qp in limit=0 limit=1001 limit=abc since=yesterday until=2026-13-45T99:00:00Z category=7 status=bogus cursor=%21%21not-a-cursor; do
    name=${qp%%=*}
    expect 400 "400: bad query parameter $qp" GET "/v1/declarations?$qp" "${K[officer]}"
    problem "400 $qp" 400 bad-request
    has "400 $qp: errors name query.$name" "\"errors\":\\[.*\"path\":\"query\\.$name\""
done
# 401
recs 190 190 EXP-A express EXP-A-NOKEY >"$T/nokey.json"
post "401: POST without a key" 401 "" application/json "$T/nokey.json"
problem "401 no key" 401 unauthorized
check "401 without key: nothing stored" eq "$(sql "select count(*) from declarations where declaration_id like 'EXP-A-NOKEY%'")" 0
expect 401 "401: GET one without a key" GET /v1/declarations/EXP-A/EXP-A-ONE-1 ""
expect 401 "401: GET list without a key" GET /v1/declarations ""
expect 401 "401: metrics without a key" GET /metrics ""
unknown="bwk_$(printf 'A%.0s' $(seq 1 43))"
expect 401 "401: unknown (well-formed) key" GET /v1/declarations "$unknown"
problem "401 unknown key" 401 unauthorized
expect 401 "401: unknown key on a public endpoint (reference)" GET /v1/reference/jurisdictions "$unknown"
expect 401 "401: malformed key on a public endpoint (healthz)" GET /healthz "not-a-key"
expect 401 "401: revoked key" GET /v1/declarations "${K[revoked]}"
problem "401 revoked" 401 unauthorized
expect 401 "401: revoked key on a public endpoint" GET /healthz "${K[revoked]}"
expect 401 "401: Authorization that is not Bearer" GET /v1/declarations "" -H "Authorization: Basic ${K[officer]}"
# 403
post "403: officer may not POST" 403 "${K[officer]}" application/json "$T/nokey.json"
problem "403 officer POST" 403 forbidden
recs 191 191 EXP-B express EXP-B-STOLEN >"$T/stolen.json"
post "403: EXP-A posts EXP-B's declaration" 403 "${K[express-A]}" application/json "$T/stolen.json"
problem "403 other submitter" 403 forbidden
{ recs 192 192 EXP-A express EXP-A-MIXOWN; recs 193 193 EXP-B express EXP-B-MIXOTHER; } >"$T/mixed.ndjson"
post "403: NDJSON with one record of another submitter" 403 "${K[express-A]}" application/x-ndjson "$T/mixed.ndjson"
to_array <"$T/mixed.ndjson" >"$T/mixed.json"
post "403: array with one record of another submitter" 403 "${K[express-A]}" application/json "$T/mixed.json"
check "403: nothing of those requests stored" eq "$(sql "select count(*) from declarations where declaration_id in ('EXP-B-STOLEN-1','EXP-A-MIXOWN-1','EXP-B-MIXOTHER-1')")" 0
expect 403 "403: oga may not read a declaration" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[oga]}"
problem "403 oga" 403 forbidden
expect 403 "403: officer may not read metrics" GET /metrics "${K[officer]}"
# 404
expect 404 "404: unknown path" GET /v1/nope "${K[officer]}"
problem "404 unknown path" 404 not-found
expect 404 "404: unknown path (public)" GET /nope ""
expect 404 "404: path with a missing segment" GET /v1/declarations/EXP-A "${K[officer]}"
expect 404 "404: path with an extra segment" GET /v1/declarations/EXP-A/EXP-A-ONE-1/x "${K[officer]}"
expect 404 "404: unknown declaration" GET /v1/declarations/EXP-A/no-such-id "${K[officer]}"
problem "404 unknown declaration" 404 not-found
expect 404 "404: EXP-B reads EXP-A's declaration (not 403)" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[express-B]}"
problem "404 other submitter" 404 not-found
hasnt "404 other submitter: nothing of it leaks" '"buyer"|"declaration":\{|"history"'
expect 404 "404: EXP-A reads its own id under EXP-B" GET /v1/declarations/EXP-B/EXP-A-ONE-1 "${K[express-A]}"
# 405 + Allow
expect 405 "405: DELETE /v1/declarations" DELETE /v1/declarations "${K[admin]}"
problem "405" 405 method-not-allowed
header "405 DELETE /v1/declarations: Allow has GET" '^allow:.*\bGET\b'
header "405 DELETE /v1/declarations: Allow has POST" '^allow:.*\bPOST\b'
expect 405 "405: PUT one declaration" PUT /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[admin]}" -H 'Content-Type: application/json' --data-binary @"$T/one.json"
header "405 PUT one: Allow GET" '^allow:.*\bGET\b'
check "405 PUT one: Allow does not list POST" bash -c "! grep -qi '^allow:.*POST' '$T/hdr'"
expect 405 "405: POST /healthz" POST /healthz "${K[admin]}" -H 'Content-Type: application/json' --data-binary '{}'
header "405 POST /healthz: Allow GET" '^allow:.*\bGET\b'
expect 405 "405: DELETE reference list" DELETE /v1/reference/jurisdictions "${K[admin]}"
header "405 DELETE reference: Allow GET" '^allow:.*\bGET\b'
# 409: same id, other content; the original stays
recs 1 1 EXP-A express EXP-A-ONE | sed -E 's/"gross_weight_g":([0-9]+)/"gross_weight_g":\10/' >"$T/conflict.json"
check "409 setup: the record changed" bash -c "! cmp -s '$T/one.json' '$T/conflict.json'"
post "409: same id, other content" 409 "${K[express-A]}" application/json "$T/conflict.json"
problem "409" 409 conflict
orig_weight=$(grep -oE '"gross_weight_g":[0-9]+' "$T/one.json")
expect 200 "409: GET after the conflict" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[officer]}"
has "409: the original stays" "$orig_weight[,}]"
# 413 is checked below on a server with a small max body
# 415
post "415: text/plain" 415 "${K[express-A]}" text/plain "$T/nokey.json"
problem "415" 415 unsupported-media-type
post "415: application/xml" 415 "${K[express-A]}" application/xml "$T/nokey.json"
expect 415 "415: form-urlencoded (curl's default)" POST /v1/declarations "${K[express-A]}" --data-binary @"$T/nokey.json"
check "415: nothing stored" eq "$(sql "select count(*) from declarations where declaration_id like 'EXP-A-NOKEY%'")" 0
# 422: rejected by validation, stored as rejected, then corrected (amended)
recs 185 185 EXP-A express EXP-A-BAD | sed -E 's/"hs_code":"[0-9]*"/"hs_code":"12AB56"/' >"$T/bad.json"
post "422: a rejected single object" 422 "${K[express-A]}" application/json "$T/bad.json"
problem "422" 422 validation
has "422: errors with hs.format" '"errors":\[.*"code":"hs\.format"'
has "422: errors with a path" '"path":"items\[0\]\.hs_code"'
has "422: result" '"result":\{.*"status":"rejected"'
expect 200 "422: GET the rejected declaration" GET /v1/declarations/EXP-A/EXP-A-BAD-1 "${K[express-A]}"
has "422: stored as rejected" '^\{[^{]*"status":"rejected"'
has "422: stored with its errors" '"code":"hs\.format"'
check "422: db row is rejected" eq "$(sql "select status from declarations where declaration_id='EXP-A-BAD-1'")" rejected
recs 185 185 EXP-A express EXP-A-BAD >"$T/fixed.json"
post "a corrected resubmission" 200 "${K[express-A]}" application/json "$T/fixed.json"
has "corrected: outcome amended" '"outcome":"amended"'
expect 200 "GET the amended declaration" GET /v1/declarations/EXP-A/EXP-A-BAD-1 "${K[officer]}"
has "amended: accepted now" '^\{[^{]*"status":"accepted"'
has "amended: history has both" '"event":"received".*"event":"resubmitted"'
# an array with one of each outcome: 200 with the counts
{ recs 186 186 EXP-A express EXP-A-MIXNEW; cat "$T/one.json"; echo; cat "$T/conflict.json"; echo
  recs 187 187 EXP-A express EXP-A-MIXBAD | sed -E 's/"hs_code":"[0-9]*"/"hs_code":"12AB56"/'; } | grep -v '^$' | to_array >"$T/outcomes.json"
post "array with new, duplicate, conflict, rejected" 200 "${K[express-A]}" application/json "$T/outcomes.json"
has "outcomes: accepted 1" '"accepted":1[,}]'
has "outcomes: rejected 1" '"rejected":1[,}]'
has "outcomes: duplicates 1" '"duplicates":1[,}]'
has "outcomes: conflicts 1" '"conflicts":1[,}]'
has "outcomes: conflict result" '"outcome":"conflict"'

# NDJSON with one broken line among good ones: 200, that record rejected, the others stored
{ recs 194 194 EXP-A express EXP-A-PART; echo '{"broken" x}'; recs 195 195 EXP-A express EXP-A-PARTB; } >"$T/part.ndjson"
post "NDJSON with one undecodable line" 200 "${K[express-A]}" application/x-ndjson "$T/part.ndjson"
has "undecodable line: accepted 2" '"accepted":2[,}]'
has "undecodable line: rejected 1" '"rejected":1[,}]'
check "undecodable line: three results" eq "$(count '"status":"')" 3
check "undecodable line: the good ones stored" eq "$(sql "select count(*) from declarations where declaration_id in ('EXP-A-PART-1','EXP-A-PARTB-1')")" 2

# since/until against the boundary taken between the loads
walk "${K[walker]}" 50 "since=$boundary"
check "list since=$boundary: count equals the db" eq "$walked" "$(sql "select count(*) from declarations where received_at >= $boundary_s")"
check "list since: something after the boundary" bash -c "[ $walked -gt 0 ]"
walk "${K[walker]}" 50 "until=$boundary"
check "list until=$boundary: count equals the db" eq "$walked" "$(sql "select count(*) from declarations where received_at < $boundary_s")"
check "list until: EXP-A's 130 NDJSON records are before the boundary" bash -c "[ \$(grep -c 'EXP-A-ND-' '$T/walk.ids') -eq 130 ]"
walk "${K[walker]}" 50 "since=$boundary" status=rejected
check "list since + status=rejected: count equals the db" eq "$walked" "$(sql "select count(*) from declarations where received_at >= $boundary_s and status='rejected'")"
walk "${K[walker]}" 50 since=2999-01-01T00:00:00Z
check "list since the future: empty" eq "$walked" 0

# 429: a key with --rate 2, a burst of requests
ok=0 limited=0 t0=$(date +%s%N)
for i in $(seq 1 12); do
    req GET /v1/reference/jurisdictions/EU "${K[slow]}"
    case $code in
        200) ok=$((ok + 1)) ;;
        429) limited=$((limited + 1)); cp "$T/hdr" "$T/hdr.429"; cp "$T/body" "$T/body.429"; cp "$T/body.n" "$T/body.429.n" ;;
        *) fail "429 burst: $last -> $code: $(show_body)" ;;
    esac
done
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
check "429: a burst of 12 in ${elapsed_ms} ms at --rate 2 gets some 429 ($ok ok, $limited limited)" bash -c "[ $limited -gt 0 ]"
check "429: some of the burst passes" bash -c "[ $ok -gt 0 ]"
check "429: at most ~2/s pass ($ok in ${elapsed_ms} ms)" bash -c "[ $ok -le $((3 + 2 * elapsed_ms / 1000)) ]"
if [ "$limited" -gt 0 ]; then
    cp "$T/hdr.429" "$T/hdr"; cp "$T/body.429" "$T/body"; cp "$T/body.429.n" "$T/body.n"; code=429; last="burst with the --rate 2 key"
    problem "429" 429 rate-limited
    header "429: Retry-After in seconds" '^retry-after: *[1-9][0-9]*$'
fi
sleep 1.5
expect 200 "429: the key works again after a pause" GET /v1/reference/jurisdictions/EU "${K[slow]}"
# --rate 0 = unlimited: 150 requests on one connection, none limited
urls=(); for i in $(seq 1 150); do urls+=(-o /dev/null "$BASE/healthz"); done
curl -sS --max-time 60 -H "Authorization: Bearer ${K[walker]}" -w '%{http_code}\n' "${urls[@]}" >"$T/unlimited" 2>/dev/null || true
check "--rate 0: 150 quick requests all 200 ($(sort "$T/unlimited" | uniq -c | tr -s ' \n' ' '))" \
    eq "$(grep -c '^200$' "$T/unlimited" || true)" 150

# concurrent submitters: six NDJSON posts at once, every answer 200, every row stored
conc=(express-A express-B postal platform vendor forwarder)
cpids=()
for r in "${conc[@]}"; do
    recs 260 299 "${SUB[$r]}" "${ROLE[$r]}" "${SUB[$r]}-CONC" >"$T/conc-$r.ndjson"
    curl -sS --max-time "$CURL_MAX" -H "Authorization: Bearer ${K[$r]}" -H 'Content-Type: application/x-ndjson' \
        --data-binary @"$T/conc-$r.ndjson" -o "$T/conc-$r.body" -w '%{http_code}' "$BASE/v1/declarations" \
        >"$T/conc-$r.code" 2>/dev/null &
    cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p" || true; done
for r in "${conc[@]}"; do
    check "concurrent POST by $r: 200" eq "$(cat "$T/conc-$r.code")" 200
    check "concurrent POST by $r: its 40 results" eq "$(grep -o '"outcome":"' "$T/conc-$r.body" | wc -l | tr -d ' ')" 40
    check "concurrent POST by $r: 40 rows of its own" eq "$(sql "select count(*) from declarations where submitter='${SUB[$r]}' and declaration_id like '${SUB[$r]}-CONC-%'")" 40
done

# ---- 3. the access matrix ---------------------------------------------------------
# expected status per role and endpoint, from the contract
endpoints=(POST GET-one GET-list ref-list ref-one healthz metrics)
declare -A WANT
for r in public express-A express-B postal platform vendor forwarder broker officer analyst admin oga; do
    case $r in
        public) w=(401 401 401 200 200 200 401) ;;
        express-A) w=(200 200 200 200 200 200 403) ;;               # GET-one is EXP-A's own
        express-B | postal | platform | vendor | forwarder | broker) w=(200 404 200 200 200 200 403) ;;
        officer | analyst) w=(403 200 200 200 200 200 403) ;;
        admin) w=(403 200 200 200 200 200 200) ;;
        oga) w=(403 403 403 200 200 200 403) ;;
    esac
    for i in "${!endpoints[@]}"; do WANT[$r.${endpoints[$i]}]=${w[$i]}; done
done
rows=(public express-A express-B postal platform vendor forwarder broker officer analyst admin oga)
line=200
matrix="$T/matrix"
printf '%-10s' role >"$matrix"; printf ' %-9s' "${endpoints[@]}" >>"$matrix"; echo >>"$matrix"
for r in "${rows[@]}"; do
    k=${K[$r]}
    line=$((line + 1))
    if [ -n "${SUB[$r]:-}" ]; then
        recs $line $line "${SUB[$r]}" "${ROLE[$r]}" "${SUB[$r]}-MATRIX" >"$T/m.json"
    else
        recs $line $line EXP-A express "EXP-A-BY-$r" >"$T/m.json"   # someone else's: must be refused
    fi
    printf '%-10s' "$r" >>"$matrix"
    for e in "${endpoints[@]}"; do
        case $e in
            POST) args=(POST /v1/declarations "$k" -H 'Content-Type: application/json' --data-binary @"$T/m.json") ;;
            GET-one) args=(GET /v1/declarations/EXP-A/EXP-A-ONE-1 "$k") ;;
            GET-list) args=(GET '/v1/declarations?limit=1000' "$k") ;;
            ref-list) args=(GET /v1/reference/jurisdictions "$k") ;;
            ref-one) args=(GET /v1/reference/jurisdictions/GB "$k") ;;
            healthz) args=(GET /healthz "$k") ;;
            metrics) args=(GET /metrics "$k") ;;
        esac
        want=${WANT[$r.$e]}
        expect "$want" "access matrix: $r x $e" "${args[@]}"
        mark=$code; [ "$code" = "$want" ] || mark="$code!=$want"
        printf ' %-9s' "$mark" >>"$matrix"
        # what each allowed answer may show
        if [ "$e" = GET-list ] && [ "$code" = 200 ] && [ -n "${SUB[$r]:-}" ]; then
            check "access matrix: $r's list shows only ${SUB[$r]}" \
                eq "$(grep -oE '"submitter":"[^"]*"' "$T/body.n" | sort -u)" "\"submitter\":\"${SUB[$r]}\""
        fi
        if [ "$e" = POST ] && [ -z "${SUB[$r]:-}" ]; then
            check "access matrix: $r's refused POST stored nothing" \
                eq "$(sql "select count(*) from declarations where declaration_id='EXP-A-BY-$r-1'")" 0
        fi
    done
    echo >>"$matrix"
    if [ -n "${SUB[$r]:-}" ] && [ "$r" != express-A ]; then
        expect 200 "access matrix: $r reads its own declaration" GET "/v1/declarations/${SUB[$r]}/${SUB[$r]}-MATRIX-1" "$k"
        has "access matrix: $r's own declaration" "\"declaration_id\":\"${SUB[$r]}-MATRIX-1\""
    fi
done
echo "access matrix (status; got!=expected where they differ):"
cat "$matrix"

# personal data: customs see the buyer; the owning submitter sees nulls
buyer_name=$(sed -n '1p' "$pool" | grep -oE '"buyer":\{"id":("[^"]*"|null),"name":"[^"]*"' | sed 's/.*"name":"//; s/"$//' || true)
buyer_email=$(sed -n '1p' "$pool" | grep -oE '"buyer":\{.*' | grep -oE '"email":"[^"]*"' | head -n 1 | sed 's/"email":"//; s/"$//' || true)
buyer_phone=$(sed -n '1p' "$pool" | grep -oE '"buyer":\{.*' | grep -oE '"phone":"[^"]*"' | head -n 1 | sed 's/"phone":"//; s/"$//' || true)
[ -n "$buyer_name" ] || die "test setup: pool line 1 has no buyer name"
for r in officer analyst admin; do
    expect 200 "personal data: $r reads" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[$r]}"
    has "personal data: $r sees the buyer's name" "\"name\":\"$buyer_name\""
    [ -z "$buyer_email" ] || has "personal data: $r sees the buyer's e-mail" "\"email\":\"$buyer_email\""
done
expect 200 "personal data: the owning submitter reads" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[express-A]}"
has "personal data: owner sees buyer name null" '"buyer":\{"id":("[^"]*"|null),"name":null'
hasnt_text "personal data: owner never sees the buyer's name" "$buyer_name"
[ -z "$buyer_email" ] || hasnt_text "personal data: owner never sees the buyer's e-mail" "$buyer_email"
[ -z "$buyer_phone" ] || hasnt_text "personal data: owner never sees the buyer's phone" "$buyer_phone"
has "personal data: owner sees buyer address null" '"buyer":\{[^}]*"address":null'
has "personal data: owner sees buyer e-mail null" '"buyer":\{[^}]*"email":null'
has "personal data: owner sees buyer phone null" '"buyer":\{[^}]*"phone":null'
has "personal data: owner sees buyer national_id null" '"buyer":\{[^}]*"national_id":null'
has "personal data: owner still sees the seller" '"seller":\{"id":"[^"]+","name":"[^"]+"'
expect 403 "personal data: oga is refused" GET /v1/declarations/EXP-A/EXP-A-ONE-1 "${K[oga]}"
hasnt_text "personal data: nothing in oga's 403" "$buyer_name"

# revocation while the server runs (the contract says revoked -> 401; keys live in the db)
expect 200 "a key works before its revocation" GET /v1/declarations?limit=1 "${K[later]}"
bw keys revoke --db "$db" "$(key_field later prefix)" \
    >/dev/null 2>"$T/keys.err" || fail "keys revoke by prefix while serving: $(cat "$T/keys.err")"
req GET /v1/declarations?limit=1 "${K[later]}"
[ "$code" = 401 ] || note "a key revoked while the server runs still answers $code (401 after a restart?)"

# metrics, after all that traffic
expect 200 "metrics (admin)" GET /metrics "${K[admin]}"
header "metrics content type" '^content-type: *text/plain; *version=0\.0\.4'
m="$T/body"
mcheck() { check "metrics: $1" grep -Eq -- "$2" "$m"; }
mcheck "TYPE http_requests_total counter" '^# TYPE breakwater_http_requests_total counter$'
mcheck "http_requests_total{route,code}" '^breakwater_http_requests_total\{([^}]*,)?route="[^"]+"[^}]*\} [0-9]+'
mcheck "http_requests_total has code" '^breakwater_http_requests_total\{[^}]*code="[0-9]{3}"[^}]*\} [0-9]+'
for c in 200 400 401 403 404 405 409 415 422 429; do
    mcheck "http_requests_total counts code $c" "^breakwater_http_requests_total\\{[^}]*code=\"$c\"[^}]*\\} [1-9][0-9]*\$"
done
mcheck "TYPE request_duration histogram" '^# TYPE breakwater_http_request_duration_seconds histogram$'
mcheck "request_duration buckets with route" '^breakwater_http_request_duration_seconds_bucket\{([^}]*,)?route="[^"]+"[^}]*le="[^"]+"[^}]*\} [0-9]+'
mcheck "request_duration +Inf bucket" '^breakwater_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} [1-9]'
mcheck "request_duration _sum" '^breakwater_http_request_duration_seconds_sum\{[^}]*route="[^"]+"[^}]*\} [0-9.e+-]+'
mcheck "request_duration _count" '^breakwater_http_request_duration_seconds_count\{[^}]*route="[^"]+"[^}]*\} [0-9]+'
for o in accepted rejected duplicate conflict; do
    mcheck "declarations_total{outcome=\"$o\"} > 0" "^breakwater_declarations_total\\{outcome=\"$o\"\\} [1-9][0-9]*\$"
done
mcheck "TYPE store_commit_duration histogram" '^# TYPE breakwater_store_commit_duration_seconds histogram$'
mcheck "store_commit_duration +Inf bucket > 0" '^breakwater_store_commit_duration_seconds_bucket\{le="\+Inf"\} [1-9]'
mcheck "store_commit_duration _sum" '^breakwater_store_commit_duration_seconds_sum(\{\})? [0-9.e+-]+$'
mcheck "store_commit_duration _count > 0" '^breakwater_store_commit_duration_seconds_count(\{\})? [1-9]'
mcheck "store_commit_rows_total > 0" '^breakwater_store_commit_rows_total [1-9][0-9]*$'
check "metrics: route labels are routes, not request paths (no declaration ids)" bash -c "! grep -q 'EXP-A' '$m'"
# (the amended declaration may be counted apart: allow one less)
accepted_metric=$(grep -E '^breakwater_declarations_total\{outcome="accepted"\}' "$m" | awk '{print $2}' || true)
check "metrics: accepted counter covers what this server stored ($(sql "select count(*) from declarations where status='accepted'") accepted rows)" \
    bash -c "[ '${accepted_metric:-0}' -ge $(($(sql "select count(*) from declarations where status='accepted'") - 1)) ]"

# 413 at the default limit (16 MiB): a 17 MiB body to the main server
{ printf '['; head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' '; printf '%s]' "$(cat "$T/one.json")"; } >"$T/huge.json"
expect 413 "413: a 17 MiB body at the default max body" POST /v1/declarations "${K[express-A]}" -H 'Content-Type: application/json' --data-binary @"$T/huge.json"
rm -f "$T/huge.json"

# ---- 4. durability: 200, kill -9, restart, still there ----------------------------
recs 250 250 EXP-A express EXP-A-DUR >"$T/dur.json"
post "durability: POST before kill -9" 200 "${K[express-A]}" application/json "$T/dur.json"
has "durability: stored" '"outcome":"stored"'
kill -9 "$s1"
wait_exit "$s1" 10
check "durability: killed server gone" bash -c "[ '$rc' != timeout ]"
check "durability: the row is in the db after kill -9" eq "$(sql "select count(*) from declarations where submitter='EXP-A' and declaration_id='EXP-A-DUR-1' and status='accepted'")" 1
check "durability: its received event is in the db" eq "$(sql "select count(*) from events e join declarations d on d.id=e.declaration where d.declaration_id='EXP-A-DUR-1' and e.kind='received'")" 1
total=$(sql "select count(*) from declarations")
start_server s2 "$db"
s2=$srv_pid
expect 200 "durability: GET after restart" GET /v1/declarations/EXP-A/EXP-A-DUR-1 "${K[express-A]}"
has "durability: same declaration" '"declaration_id":"EXP-A-DUR-1"'
has "durability: accepted" '^\{[^{]*"status":"accepted"'
walk "${K[walker]}" 1000
check "durability: the list after restart equals the db ($total)" eq "$walked" "$total"
post "durability: resubmission after restart is a duplicate" 200 "${K[express-A]}" application/json "$T/dur.json"
has "durability: duplicate after restart" '"outcome":"duplicate"'

# ---- 5a. shutdown with a request in flight: new requests 503, the in-flight one finishes
recs 300 599 EXP-B express EXP-B-SLOW >"$T/slow.ndjson"
slow_bytes=$(wc -c <"$T/slow.ndjson")
# about 4 s of upload: the request is in flight when SIGTERM comes
curl -sS --max-time 60 --limit-rate $((slow_bytes / 4)) -H "Authorization: Bearer ${K[express-B]}" \
    -H 'Content-Type: application/x-ndjson' --data-binary @"$T/slow.ndjson" \
    -o "$T/slow.body" -w '%{http_code}' "$BASE/v1/declarations" >"$T/slow.code" 2>"$T/slow.err" &
slow=$!
sleep 1
alive "$slow" || note "the slow upload ended within 1 s; the in-flight part of the shutdown test is void"
expect 200 "shutdown: healthz 200 before SIGTERM" GET /healthz ""
kill -TERM "$s2"
sleep 0.5
expect 503 "shutdown: healthz during shutdown" GET /healthz ""
has "shutdown: healthz says shutting down" '^\{"status":"shutting down"\}'
expect 503 "shutdown: a new API request during shutdown" GET /v1/reference/jurisdictions ""
problem "shutdown 503" 503 shutting-down
recs 251 251 EXP-B express EXP-B-LATE >"$T/late.json"
post "shutdown: a new POST during shutdown" 503 "${K[express-B]}" application/json "$T/late.json"
set +e; wait "$slow"; set -e
check "shutdown: the in-flight POST finishes with 200 ($(cat "$T/slow.err"))" eq "$(cat "$T/slow.code")" 200
check "shutdown: the in-flight POST's result counts 300 records" grep -Eq '"(accepted|rejected)":' "$T/slow.body"
check "shutdown: the in-flight POST is durable (300 rows)" eq "$(sql "select count(*) from declarations where declaration_id like 'EXP-B-SLOW-%'")" 300
wait_exit "$s2" 30
check "shutdown: SIGTERM with a request in flight exits 0 (rc $rc after ${took}s)" eq "$rc" 0
check "shutdown: the POST refused with 503 stored nothing" eq "$(sql "select count(*) from declarations where declaration_id='EXP-B-LATE-1'")" 0
check "shutdown: integrity_check" eq "$(sql 'pragma integrity_check')" ok

# ---- 5b. SIGTERM while idle: exit 0 within a few seconds, consistent db ---------------
total_before_s3=$(sql "select count(*) from declarations")
start_server s3 "$db"
s3=$srv_pid
expect 200 "idle shutdown: healthz before" GET /healthz ""
expect 200 "idle shutdown: the slow batch reads back" GET /v1/declarations/EXP-B/EXP-B-SLOW-300 "${K[express-B]}"
kill -TERM "$s3"
wait_exit "$s3" 10
check "idle shutdown: SIGTERM exits 0 within 10 s (rc $rc after ${took}s)" eq "$rc" 0
check "idle shutdown: integrity_check" eq "$(sql 'pragma integrity_check')" ok
check "idle shutdown: nothing lost ($total_before_s3 rows)" eq "$(sql "select count(*) from declarations")" "$total_before_s3"
expect 000 "idle shutdown: the port is closed afterwards" GET /healthz ""

# ---- 2 (cont). 413 on a server with a small max body (--config) -----------------------
db413="$T/small.db"
printf '{"max_body_bytes": 4096, "max_connections": 32, "request_timeout_s": 30, "threads": 2}\n' >"$T/small.json"
k413=$(bw keys add --db "$db413" --role express --submitter EXP-A)
start_server s4 "$db413" --config "$T/small.json"
s4=$srv_pid
recs 1 6 EXP-A express EXP-A-BIG | to_array >"$T/big.json"
check "413 setup: body over 4096 bytes ($(wc -c <"$T/big.json"))" bash -c "[ $(wc -c <"$T/big.json") -gt 4096 ]"
post "413: body over max_body_bytes" 413 "$k413" application/json "$T/big.json"
problem "413" 413 payload-too-large
recs 1 6 EXP-A express EXP-A-BIG >"$T/big.ndjson"
post "413: NDJSON over max_body_bytes" 413 "$k413" application/x-ndjson "$T/big.ndjson"
check "413: nothing stored" eq "$(sqlite3 "$db413" "select count(*) from declarations")" 0
check "413 setup: one record under 4096 bytes" bash -c "[ $(wc -c <"$T/one.json") -lt 4096 ]"
post "413 server: a body under the limit" 200 "$k413" application/json "$T/one.json"
kill -TERM "$s4"
wait_exit "$s4" 10
check "413 server: SIGTERM exits 0 (rc $rc)" eq "$rc" 0
# a bad config file is refused at start
printf '{"max_body_bytes": "lots"}\n' >"$T/badcfg.json"
set +e; timeout -k 5 20 "$BW" serve --db "$T/bad.db" --data "$DATA" --listen 127.0.0.1:0 --config "$T/badcfg.json" >/dev/null 2>"$T/badcfg.err"; r=$?; set -e
check "a bad --config is refused at start (exit $r): $(head -c 200 "$T/badcfg.err")" bash -c "[ $r -ne 0 ] && [ $r -ne 124 ]"
[ "$r" = 2 ] || [ "$r" = 124 ] || note "a bad --config exits $r, not 2 (usage or I/O error)"

for s in s1 s2 s3 s4; do check "server $s: no sanitizer report" sanitizer_clean "$s"; done

summary
[ "$failures" -eq 0 ]
