#!/usr/bin/env bash
# The detection figures of issue 5, reproducibly: one time-ordered stream
# of generated declarations with labelled anomalies, ingested in order (the
# risk engine learns as it goes, as in production), then `breakwater
# evaluate` on the last third (after two thirds of history).  Prints the
# per-pattern table and the overall line.  Not a test; see docs/risk.md.
#
#   EVAL_COUNT  declarations in the stream (default 300,000)
#   EVAL_DAYS   days the stream spans (default 90)
#   EVAL_RATE   share of anomalies (default 0.05)
#   EVAL_SEED   generator seed (default 11)
#   BENCH_DIR   working directory (default bench/out)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${EVAL_COUNT:-300000}
DAYS=${EVAL_DAYS:-90}
RATE=${EVAL_RATE:-0.05}
SEED=${EVAL_SEED:-11}
OUT=${BENCH_DIR:-bench/out}/evaluate
BW=./breakwater
rm -rf "$OUT" && mkdir -p "$OUT"
$BW gen --count "$N" --seed "$SEED" --days "$DAYS" --anomalies "$RATE" --truth "$OUT/truth.ndjson" \
    --watchlist "$OUT/watchlist.tsv" --registry "$OUT/registry.tsv" > "$OUT/stream.ndjson"
# the watchlist the anomalies were drawn from, as customs would have it
export BREAKWATER_WATCHLIST="$OUT/watchlist.tsv" BREAKWATER_REGISTRY="$OUT/registry.tsv"
$BW ingest --quiet --db "$OUT/eval.db" "$OUT/stream.ndjson" || true # rejections (fake schemes) exit 1
tail -n "$((N / 3))" "$OUT/truth.ndjson" > "$OUT/truth-last.ndjson"
echo "evaluate: $N declarations over $DAYS days at $RATE anomalies (seed $SEED); the last $((N / 3)) measured"
$BW evaluate --truth "$OUT/truth-last.ndjson" --db "$OUT/eval.db"
