#!/usr/bin/env bash
# The HTTP figures of `make bench`, on loopback with keep-alive connections
# and a fresh declaration id in every request: single-declaration POSTs
# (wrk, bench/post.lua) and 1,000-declaration NDJSON POSTs (bench/http_load.c)
# against `breakwater serve`, and the same loads against bench/http_ceiling,
# the same library answering a fixed body.  Prints markdown table rows on
# stdout; called by bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_DIR:-bench/out}
SECS=${BENCH_HTTP_SECONDS:-10}
THREADS=${BENCH_HTTP_THREADS:-$(nproc)}
BW=./breakwater
mkdir -p "$OUT"
db="$OUT/http.db"
rm -f "$db"*

# templates: one submitter, ids marked for the lua script to make unique;
# their sellers' vendor numbers are in the registry of their seed
$BW gen --seed 7 --registry "$OUT/registry-7.tsv"
export BREAKWATER_REGISTRY=$(cd "$OUT" && pwd)/registry-7.tsv
$BW gen --count 1000 --seed 7 |
    sed 's/^{"submitter":{"id":"[^"]*","role":"[^"]*"}/{"submitter":{"id":"BENCH-01","role":"express"}/;
         s/"declaration_id":"/"declaration_id":"@@@@@@@@/' > "$OUT/templates.ndjson"
key=$($BW keys add --db "$db" --role express --submitter BENCH-01 --rate 0)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a server (command and log file); sets $port and $server_pid.
start() {
    local log=$1; shift
    "$@" > /dev/null 2> "$log" &
    server_pid=$!
    pids+=("$server_pid")
    port=""
    for _ in $(seq 100); do
        port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | sed 's/.*://') && [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "bench/http.sh: the server did not start: $(cat "$log")" >&2
    exit 2
}

# 1,000-declaration bodies: our client (wrk's Lua would spend more CPU
# rewriting 1.8 MB bodies than the server spends storing them)
load() { # port batch connections -> "requests_per_s p99_ms non200"
    build/release/http_load "$1" /v1/declarations "$key" "$OUT/templates.ndjson" "$2" "$3" "$SECS" |
        awk '{print $6, $10, $12}'
}

# single declarations: wrk, whose event loop costs the least per request
single_wrk() { # port connections -> "requests_per_s p99_ms non2xx"
    BODY_FILE="$OUT/templates.ndjson" BW_KEY=$key \
        wrk -t2 -c"$2" -d"${SECS}s" --latency -s bench/post.lua "http://127.0.0.1:$1/v1/declarations" \
        > "$OUT/wrk.txt" 2>&1 || true
    awk '/Requests\/sec/ {rps=$2}
         $1 == "99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) {sub("ms","",v)}
                      else if (v ~ /s$/) {sub("s","",v); v*=1000}; p99=v}
         /Non-2xx/ {bad=$5}
         END {print rps+0, p99+0, bad+0}' "$OUT/wrk.txt"
}

start "$OUT/serve.log" $BW serve --db "$db" --listen 127.0.0.1:0 --threads "$THREADS"
# like every figure of make bench: the best of ROUNDS runs (noise only slows)
ROUNDS=${BENCH_ROUNDS:-2}
best_of() { # command... -> the line with the highest first field
    local best="" line
    for _ in $(seq "$ROUNDS"); do
        line=$("$@")
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a>b)}'; then best=$line; fi
    done
    echo "$best"
}

SECS=2 load "$port" 1 32 > /dev/null   # warm-up: trains the body dictionary
single=$(best_of single_wrk "$port" 64)
batch=$(best_of load "$port" 1000 4)
stored=$(sqlite3 "$db" "select count(*) from declarations")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true

start "$OUT/ceiling.log" build/release/http_ceiling 0 "$THREADS"
cport=$port
ceil_single=$(best_of single_wrk "$cport" 64)
ceil_batch=$(best_of load "$cport" 1000 4)

f() { echo "$1" | awk -v i="$2" '{print $i}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.3f", a/b; else print "n/a"}'; }
s_rps=$(f "$single" 1); s_p99=$(f "$single" 2); s_bad=$(f "$single" 3)
b_rps=$(f "$batch" 1); b_dps=$(awk -v r="$b_rps" 'BEGIN{printf "%.0f", r*1000}'); b_bad=$(f "$batch" 3)
cs_rps=$(f "$ceil_single" 1); cb_rps=$(f "$ceil_batch" 1)
cb_dps=$(awk -v r="$cb_rps" 'BEGIN{printf "%.0f", r*1000}')
printf '| (http) single-declaration POST, keep-alive, 64 connections | %.0f | %s of the ceiling | p99 %s ms; goal >= 20,000/s with p99 <= 10 ms; non-2xx %s |\n' \
    "$s_rps" "$(ratio "$s_rps" "$cs_rps")" "$s_p99" "$s_bad"
printf '| (http) ceiling: libmicrohttpd answering a fixed body, same flags and threads | %.0f | 1.000 | requests/s |\n' "$cs_rps"
printf '| (http) 1,000-declaration NDJSON POSTs, 4 connections | %s | %s of the ceiling | declarations/s; goal >= 80,000; non-2xx %s |\n' \
    "$b_dps" "$(ratio "$b_dps" "$cb_dps")" "$b_bad"
printf '| (http) ceiling for 1.8 MB bodies | %s | 1.000 | declarations/s (requests/s x 1,000) |\n' "$cb_dps"
echo "stored over HTTP in this run: $stored declarations" >&2
