#!/usr/bin/env bash
# Arrivals: manifests of 1,000 items over a store of generated declarations
# (`breakwater ingest` of `breakwater gen`), each recorded by `breakwater
# arrive --quiet --stats` in its own transaction.  Prints the arrival rate
# (items per second over the whole transaction, commit and fsync included,
# best manifest and all manifests together) and the time from reading an
# item to its release decision (the median manifest's p50 and p99, and the
# worst manifest's p99: on a shared machine that one is the scheduler's).  Goal: p99 under 5 ms per item.  Standalone (bench/run.sh
# calls it); not a test.
#
#   BENCH_ARRIVALS_COUNT      declarations in the store (default 100,000)
#   BENCH_ARRIVALS_MANIFESTS  manifests of 1,000 items (default 30)
#   BENCH_SEED                generator seed (default 1)
#   BENCH_DIR                 where files are kept (default bench/out)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ARRIVALS_COUNT:-100000}
M=${BENCH_ARRIVALS_MANIFESTS:-30}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_DIR:-bench/out}
BW=./breakwater
mkdir -p "$OUT"
input="$OUT/decl-$N-$SEED.ndjson"
if [ ! -s "$input" ]; then
    echo "arrivals bench: generating $N declarations (seed $SEED) ..." >&2
    $BW gen --count "$N" --seed "$SEED" > "$input.tmp" && mv "$input.tmp" "$input"
fi
db="$OUT/arrivals.db"
rm -f "$db" "$db"-*
$BW ingest --quiet --db "$db" "$input" >/dev/null 2>&1 || true
dir="$OUT/manifests" && rm -rf "$dir" && mkdir -p "$dir"
# manifests of 1,000 distinct documents each, 2% of them undeclared
python3 - "$input" "$dir" "$M" "$SEED" <<'PY'
import json, random, sys
path, out, m, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
docs = []
for l in open(path):
    t = json.loads(l).get('transport') or {}
    if t.get('document_id'):
        docs.append(t['document_id'])
docs = sorted(set(docs))
random.Random(seed).shuffle(docs)
for i in range(m):
    items = docs[i * 980:(i + 1) * 980] + ['UNDECLARED-%d-%d' % (i, k) for k in range(20)]
    json.dump({'carrier': 'BENCH', 'master_id': 'MAWB-%05d' % i, 'arrived_at': '2026-11-25T04:00:00Z',
               'items': items}, open('%s/m%05d.json' % (out, i), 'w'))
PY
: >"$OUT/arrivals.stats"
start=$(date +%s.%N)
for f in "$dir"/m*.json; do
    $BW arrive --db "$db" --quiet --stats "$f" 2>>"$OUT/arrivals.stats" >/dev/null
done
end=$(date +%s.%N)
# "arrive: N item results in S s, R items/s, decision p50 A us p99 B us"
median() { sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }
p50=$(awk '/^arrive:/ {print $12}' "$OUT/arrivals.stats" | median)
p99m=$(awk '/^arrive:/ {print $15}' "$OUT/arrivals.stats" | median)
awk -v wall="$(awk -v a="$start" -v b="$end" 'BEGIN{print b - a}')" -v p50="${p50:-0}" -v p99m="${p99m:-0}" '
/^arrive:/ { n++; items += $2; secs += $6; if ($8 > best) best = $8; if ($15 > p99) p99 = $15 }
END {
    if (n == 0) { print "arrivals: no manifest was recorded"; exit 1 }
    printf "arrivals: %d manifests of 1,000 items: %.0f items/s in the transactions (best manifest %.0f), %.0f items/s with process start\n", n, items / secs, best, items / wall
    printf "arrivals: arrival to release decision per item: p50 %.1f us, p99 %.1f us (median manifest), p99 %.1f us (worst manifest); goal p99 < 5 ms\n", p50, p99m, p99
}' "$OUT/arrivals.stats"
rm -f "$db" "$db"-*
