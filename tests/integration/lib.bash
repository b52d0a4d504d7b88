# lib.bash - what the end-to-end scripts share (revenue.sh, records.sh):
# check bookkeeping, reading JSON answers, running commands, a real server
# on a loopback port and requests to it.  Sourced, not run (tests/run.sh
# runs *.sh only).  The script sets SUITE (its name in messages), T (its
# scratch folder), db and DATA before sourcing it.

# ---- bookkeeping -------------------------------------------------------------
checks=0 failures=0 summarized=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
summary() { summarized=1; echo "$SUITE: $checks checks, $failures failed"; }
die() { fail "$*"; summary; exit 1; }
check() { # DESCRIPTION command...: one check, passes when the command succeeds
    local what=$1; shift
    checks=$((checks + 1))
    if ! "$@"; then fail "$what"; fi
}
eq() { [ "$1" = "$2" ] || { echo "     got '$1', expected '$2'" >&2; return 1; }; }

# jv FILE EXPR: evaluates a Python expression over a JSON document.  d is the
# file as one JSON value (None if it is not one), L its lines as JSON values
# (NDJSON); J(path) and JL(path) read other files; D is Decimal, r2 rounds
# half away from zero to 2 decimals; H(d, kind) the events of that kind in a
# declaration view, detail(e) an event's detail as JSON.  Prints strings
# raw, booleans as true/false, other values as compact JSON; "<error: ...>"
# when it fails.
cat >"$T/jv.py" <<'EOF'
import json, sys
from decimal import Decimal as D, ROUND_HALF_UP
def r2(x): return D(x).quantize(D('0.01'), rounding=ROUND_HALF_UP)
def J(p):
    with open(p) as f: return json.load(f)
def JL(p):
    with open(p) as f: return [json.loads(l) for l in f if l.strip()]
def load(p):
    try: return J(p)
    except Exception: return None
def lines(p):
    out = []
    with open(p) as f:
        for l in f:
            try: out.append(json.loads(l))
            except Exception: pass
    return out
def H(d, kind): return [e for e in d["history"] if e["event"] == kind]
def detail(e): return json.loads(e["detail"])
path, expr = sys.argv[1], sys.argv[2]
env = {'d': load(path), 'L': lines(path), 'J': J, 'JL': JL, 'D': D, 'r2': r2, 'H': H, 'detail': detail, 'json': json}
try:
    v = eval(expr, env)
except Exception as e:
    print('<error: %s: %s>' % (type(e).__name__, e)); sys.exit(0)
if isinstance(v, bool): print('true' if v else 'false')
elif v is None: print('null')
elif isinstance(v, (str, int, D)): print(v)
else: print(json.dumps(v, sort_keys=True, separators=(',', ':')))
EOF
jv() { python3 "$T/jv.py" "$@"; }
jcheck() { # DESCRIPTION FILE EXPR: the expression is true on FILE
    local what=$1 file=$2 expr=$3 got
    checks=$((checks + 1))
    got=$(jv "$file" "$expr")
    [ "$got" = true ] || fail "$what: ($expr) is $got in $(basename "$file"): $(head -c 600 "$file")"
}
jeq() { # DESCRIPTION FILE EXPR WANT: the expression's value on FILE is WANT
    local what=$1 file=$2 expr=$3 want=$4 got
    checks=$((checks + 1))
    got=$(jv "$file" "$expr")
    [ "$got" = "$want" ] || fail "$what: ($expr) is '$got', expected '$want', in $(basename "$file"): $(head -c 600 "$file")"
}

# ---- commands and requests ------------------------------------------------------
CURL_MAX=${HTTP_TEST_CURL_MAX:-30}
START_MAX=${HTTP_TEST_START_MAX:-60}
bw() { timeout -k 5 120 "$BW" "$@"; }
run() { # NAME command...: stdout in $T/NAME, stderr in $T/NAME.err, exit status in rc
    local name=$1; shift
    set +e; "$@" >"$T/$name" 2>"$T/$name.err"; rc=$?; set -e
}
pids=()
cleanup() {
    local rc=$? p
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do { wait "$p"; } 2>/dev/null || true; done
    if [ "$summarized" -eq 0 ]; then # set -e stopped the script: say so, never pass
        fail "$SUITE.sh stopped early (exit $rc) after check $checks"
        summary
        exit 1
    fi
}
trap cleanup EXIT
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

declare -A K
key() { # NAME ROLE [keys add args...]: an API key of ROLE in K[NAME]
    local name=$1 role=$2 k; shift 2
    k=$(bw keys add --db "$db" --role "$role" "$@" 2>"$T/keys.err") || die "keys add --role $role: $(cat "$T/keys.err")"
    K[$name]=$k
}

# start_server: `breakwater serve` on $db and $DATA on a free loopback port;
# sets srv (its pid) and BASE.  Its stderr is $T/serve.err.
start_server() {
    : >"$T/serve.err"   # exists before the server's shell opens it: the loop below reads it at once
    "$BW" serve --db "$db" --data "$DATA" --listen 127.0.0.1:0 >"$T/serve.out" 2>>"$T/serve.err" &
    srv=$!
    pids+=("$srv")
    local port="" n=$((START_MAX * 10))
    while [ "$n" -gt 0 ]; do
        port=$(sed -n 's|^breakwater serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$T/serve.err" | head -n 1)
        [ -n "$port" ] && break
        alive "$srv" || die "the server exited before listening: $(tail -n 5 "$T/serve.err")"
        sleep 0.1
        n=$((n - 1))
    done
    [ -n "$port" ] || die "the server printed no 'listening on' line within ${START_MAX}s"
    BASE="http://127.0.0.1:$port"
}

req() { # METHOD PATH KEY [curl args...]: sets code; body in $T/body, headers in $T/hdr
    local method=$1 path=$2 key=$3; shift 3
    local auth=()
    [ -n "$key" ] && auth=(-H "Authorization: Bearer $key")
    : >"$T/body"; : >"$T/hdr"
    code=$(curl -sS --max-time "$CURL_MAX" -X "$method" "${auth[@]}" -o "$T/body" -D "$T/hdr" \
        -w '%{http_code}' "$@" "$BASE$path" 2>"$T/curl.err") || true
    [ -n "$code" ] || code=000
    last="$method $path"
}
expect() { # CODE DESCRIPTION METHOD PATH KEY [curl args...]: the request answers CODE
    local want=$1 what=$2; shift 2
    req "$@"
    checks=$((checks + 1))
    [ "$code" = "$want" ] ||
        fail "$what: $last -> $code, expected $want; body: $(head -c 400 "$T/body") $([ "$code" != 000 ] || cat "$T/curl.err")"
}
header() { # DESCRIPTION ERE: a header line of the last answer matches (case-insensitive)
    checks=$((checks + 1))
    tr -d '\r' <"$T/hdr" | grep -Eqi -- "$2" || fail "$1: $last: no header /$2/ in: $(tr '\r\n' '  ' <"$T/hdr")"
}
keep() { cp "$T/body" "$T/$1"; } # keep NAME: saves the last body as $T/NAME
post_json() { # CODE DESCRIPTION PATH KEY FILE
    expect "$1" "$2" POST "$3" "$4" -H 'Content-Type: application/json' --data-binary "@$5"
}
