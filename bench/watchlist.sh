#!/usr/bin/env bash
# The offender watchlist's cost per declaration: synthesizes a list of
# WATCH_ENTRIES entries (default 100,000), generates WATCH_DECLS declarations
# (default 200,000), and runs `breakwater watchlist check` on them, which
# measures the CPU time of the checks alone (declarations are decoded in
# batches of 64 first, then checked while they are still in the cache, as
# in the pipeline).  Prints the load time and
#   watchlist: N checks/s with M entries (...)
# best of WATCH_ROUNDS runs (default 3): the machine is shared, and noise
# only ever slows a run down.  Not a test: nothing here passes or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BW=${BW:-./breakwater}
ENTRIES=${WATCH_ENTRIES:-100000}
DECLS=${WATCH_DECLS:-200000}
ROUNDS=${WATCH_ROUNDS:-3}
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
list="$OUT/watchlist-$ENTRIES-1.tsv"
input="$OUT/decl-$DECLS-1.ndjson"

[ -x "$BW" ] || { echo "watchlist.sh: build $BW first (make breakwater)" >&2; exit 2; }
if [ ! -s "$list" ]; then
    "$BW" watchlist synth --count "$ENTRIES" --seed 1 > "$list.tmp" && mv "$list.tmp" "$list"
fi
if [ ! -s "$input" ]; then
    "$BW" gen --count "$DECLS" --seed 1 > "$input.tmp" && mv "$input.tmp" "$input"
fi

best_rate=0 best_line="" load_line=""
for _ in $(seq "$ROUNDS"); do
    # a fixed date, so that the same entries are in force on every run
    BREAKWATER_WATCHLIST="$list" "$BW" watchlist check --as-of 2026-11-24 "$input" \
        > "$OUT/watchlist-hits.ndjson" 2> "$OUT/watchlist.err"
    line=$(grep '^watchlist: [0-9]* checks/s' "$OUT/watchlist.err")
    rate=$(echo "$line" | awk '{print $2}')
    if [ "$rate" -gt "$best_rate" ]; then
        best_rate=$rate best_line=$line
        load_line=$(grep '^watchlist: loaded' "$OUT/watchlist.err")
    fi
done
echo "$load_line"
echo "$best_line"
awk -v r="$best_rate" 'BEGIN { if (r > 0) printf "watchlist: %.2f us per declaration\n", 1e6 / r }'
