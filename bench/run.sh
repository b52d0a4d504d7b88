#!/usr/bin/env bash
# make bench: generates BENCH_COUNT declarations (default 1,000,000), measures
# each figure beside its ceiling in the same run, prints them and rewrites
# docs/PERFORMANCE.md.  Not a test: nothing here passes or fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_COUNT:-1000000}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_DIR:-bench/out}
BW=./breakwater
B=build/release/bench
mkdir -p "$OUT"
input="$OUT/decl-$N-$SEED.ndjson"

if [ ! -s "$input" ]; then
    echo "bench: generating $N declarations (seed $SEED) ..." >&2
    $BW gen --count "$N" --seed "$SEED" > "$input.tmp" && mv "$input.tmp" "$input"
fi
# the vendor scheme registry of the generated sellers: numbers are checked
$BW gen --seed "$SEED" --registry "$OUT/registry-$SEED.tsv"
export BREAKWATER_REGISTRY=$(cd "$OUT" && pwd)/registry-$SEED.tsv
bytes=$(stat -c %s "$input")
gen_line=$($B run sh -c "$BW gen --count $N --seed $SEED > /dev/null")

field() { echo "$1" | awk -v f="$2" '{print $f}'; }
# The machine is shared: each figure is the best of ROUNDS runs (fastest
# wins: noise only ever slows a run down).
ROUNDS=${BENCH_ROUNDS:-2}
best() { # column-of-the-rate command...: prints the fastest run's line
    local col=$1 line best_line="" best_v=0; shift
    for _ in $(seq "$ROUNDS"); do
        line=$("$@" 2>/dev/null)
        v=$(field "$line" "$col")
        if awk -v a="$v" -v b="$best_v" 'BEGIN{exit !(a>b)}'; then best_v=$v; best_line=$line; fi
    done
    echo "$best_line"
}
fresh_ingest() { rm -f "$OUT"/ingest.db*; $B run $BW ingest --quiet --db "$OUT/ingest.db" "$input"; }
scan=$(best 4 $B scan "$input")
jsonc=$(best 4 $B jsonc "$input")
decode=$(best 4 $B decode "$input")
raw=$(best 4 $B rawinsert "$input" "$OUT/raw.db")
assess=$(best 4 $B assess "$input")
# the same with a national tariff: the US HTS lines (../shared/data/us-hts,
# converted by scripts/hts2tariff.sh) on top of the sample's shorter prefixes
hts_dir="$OUT/data-hts" hts_lines=0
if [ -f "${BREAKWATER_REFDATA:-}/us-hts/products_raw.csv" ]; then
    rm -rf "$hts_dir" && cp -r data "$hts_dir"
    { cat data/tariffs/US.tsv
      bash scripts/hts2tariff.sh "$BREAKWATER_REFDATA/us-hts/products_raw.csv" 2>/dev/null | grep -v '^#' | tail -n +2
    } > "$hts_dir/tariffs/US.tsv"
    hts_lines=$(grep -vc '^#' "$hts_dir/tariffs/US.tsv")
    assess_hts=$(BREAKWATER_DATA="$hts_dir" best 4 $B assess "$input")
fi
ingest=""; ingest_best=0
for _ in $(seq "$ROUNDS"); do  # "run SECONDS RSS EXIT": fastest = fewest seconds
    line=$(fresh_ingest)
    s_=$(field "$line" 2)
    if [ -z "$ingest" ] || awk -v a="$s_" -v b="$ingest_best" 'BEGIN{exit !(a<b)}'; then ingest=$line; ingest_best=$s_; fi
done
again=$($B run $BW ingest --quiet --db "$OUT/ingest.db" "$input")
# the de minimis simulator over the stored declarations (SIM_DB: another store, e.g. the 10M one)
sim_lines=$(bash bench/simulate.sh "${SIM_DB:-$OUT/ingest.db}" 2>/dev/null || echo "simulate: failed")
rm -f "$OUT"/raw.db* "$OUT"/ingest.db*

echo "bench: risk figures ..." >&2
# The loaded lists of the goal: 1,000 synthetic profiles on top of the
# shipped ones, 10,000 screening terms (bench/screen.sh builds them), and
# 100,000 watchlist entries.
risk_dir="$OUT/risk" && rm -rf "$risk_dir" && mkdir -p "$risk_dir"
screen_lines=$(SCREEN_KEEP="$risk_dir" bash bench/screen.sh)
rm -rf "$OUT/data-risk" && cp -r data "$OUT/data-risk"
$BW profiles synth --synth 1000 > "$OUT/data-risk/profiles/zz-bench-synthetic.json"
watch_n=0
if $BW watchlist --help >/dev/null 2>&1; then
    $BW watchlist synth --count 100000 --seed 1 > "$risk_dir/watchlist.tsv" && watch_n=100000
fi
risk_shipped=$(best 4 $B risk "$input")
risk_loaded=$(BREAKWATER_DATA="$OUT/data-risk" BREAKWATER_SCREENING="$risk_dir/extra.tsv" \
    BREAKWATER_WATCHLIST=$([ "$watch_n" -gt 0 ] && echo "$risk_dir/watchlist.tsv") best 4 $B risk "$input")
profile_lines=$(bash bench/profiles.sh)
arrival_lines=$(bash bench/arrivals.sh)   # manifests of 1,000 items: rate and decision time
profile_rows=$(echo "$profile_lines" | awk '/^profiles: [0-9]+ profiles/ {
    printf "| risk profiles alone, %s profiles (indexed), one core | %s | | |\n", $2, $4 }')

echo "bench: HTTP figures ..." >&2
http_rows=$(bash bench/http.sh)

rate() { field "$1" 4; }
ingest_s=$(field "$ingest" 2); ingest_rss=$(field "$ingest" 3)
ingest_rate=$(awk -v n="$N" -v s="$ingest_s" 'BEGIN{printf "%.0f", n/s}')
again_s=$(field "$again" 2)
again_rate=$(awk -v n="$N" -v s="$again_s" 'BEGIN{printf "%.0f", n/s}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
sqlite_v=$(sqlite3 --version | cut -d' ' -f1)
cc_v=$(${CC:-cc} --version | head -1)

report=$(cat <<REP
| figure | declarations/s | ratio | note |
|---|---:|---:|---|
| (a) plain byte scan of the input (memory ceiling) | $(rate "$scan") | 1.000 | $(awk -v b="$bytes" -v n="$N" 'BEGIN{printf "%.0f", b/n}') bytes per declaration |
| (a) json-c parse only, per line (library reference) | $(rate "$jsonc") | $(ratio "$(rate "$jsonc")" "$(rate "$scan")") of scan | builds a tree, no mapping, no checks |
| (b) decode + validate + IRG category + revenue assessment, one core | $(rate "$decode") | $(ratio "$(rate "$decode")" "$(rate "$jsonc")") x json-c | goal >= 300,000 |
| (c) ingest into SQLite (\`breakwater ingest\`, WAL, synchronous=FULL) | $ingest_rate | $(ratio "$ingest_rate" "$(rate "$raw")") of raw insert | goal >= 100,000; whole command, fresh database |
| (c) raw SQLite insert of the same rows (store ceiling) | $(rate "$raw") | 1.000 | same table, pragmas and batch size, no pipeline |
| re-ingest of the same file (all duplicates) | $again_rate | | idempotency path |
| revenue assessment in memory, one core, sample tariffs | $(rate "$assess") | | goal >= 1,000,000; 4,096 distinct accepted declarations |
| revenue assessment in memory, one core, US tariff with the HTS loaded | $(rate "${assess_hts:-0 0 0 0}") | | goal >= 1,000,000; $hts_lines US tariff lines |
| risk assessment (every detector and the lane), shipped lists, one core | $(rate "$risk_shipped") | | each accepted declaration once, in order, learning as it goes |
| risk assessment with 1,000 more profiles, 10,000 screening terms, $watch_n watchlist entries | $(rate "$risk_loaded") | $(ratio "$(rate "$risk_loaded")" "$(rate "$risk_shipped")") of shipped | goal >= 200,000 |
$profile_rows
$http_rows
| \`breakwater gen\` of the input | $(awk -v n="$N" -v s="$(field "$gen_line" 2)" 'BEGIN{printf "%.0f", n/s}') | | demo and benchmark data |

$(echo "$screen_lines" | sed 's/^/    /')
$(echo "$profile_lines" | grep 'cost per declaration' | sed 's/^/    /')
$(echo "$arrival_lines" | sed 's/^/    /')

Peak RSS of \`breakwater ingest\` over the whole file: $(mib "$ingest_rss") MiB (input $(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB).
REP
)

echo "$report"
echo "$sim_lines"
{
cat <<DOC
# Performance

Measured by \`make bench\` (bench/run.sh, bench/bench.c) on $(date -u +%Y-%m-%d).
The machines are shared and noisy, so each figure stands beside a ceiling
measured in the same run, and each is the best of $ROUNDS runs; compare
ratios, not absolute rates, across runs.

Machine: $(nproc) cores ($cpu), $mem, $(uname -sr), $cc_v, SQLite $sqlite_v.
Input: $N declarations from \`breakwater gen --count $N --seed $SEED\`, $(awk -v b="$bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB of NDJSON.

$report

$(echo "$sim_lines" | sed 's/^/    /')

## What each figure is
- **scan**: every byte of the memory-mapped input read once (sum and line
  count). No decoder can beat it.
- **json-c parse**: \`json_tokener_parse_ex\` on every line, tree freed; no
  mapping into a declaration, no validation. This is what a general JSON
  library costs before any customs work.
- **decode + validate**: \`bench decode\`: the streaming reader, the
  schema-driven decoder, every validation check, FX conversion, the IRG
  category and the revenue assessment (as \`bw_pipeline_run\` does for every
  declaration), on one core, nothing stored.
- **ingest**: the real command, \`breakwater ingest --quiet --db fresh.db FILE\`,
  timed from outside: reference data loading, decode, validate, canonical
  encoding, XXH3 content hash, zstd compression with a trained dictionary,
  SQLite insert of the declaration and its first event, a commit every 5,000
  records with synchronous=FULL; two threads (see docs/ARCHITECTURE.md).
- **http**: \`breakwater serve --threads $(nproc)\` on a fresh database, the
  load on the same machine over loopback: single declarations from wrk with
  64 keep-alive connections (bench/post.lua), 1,000-declaration NDJSON
  bodies from bench/http_load.c with 4 connections, every request with fresh
  declaration ids (so every one is a real insert); each beside the same load
  against bench/http_ceiling, libmicrohttpd with the same flags answering a
  fixed body.  The client shares the 2 cores with the server.
- **risk assessment**: \`bench risk\`: every accepted declaration of the
  input once, in file order, through \`bw_risk_assess\` (party history,
  screening, watchlist, reconciliation, reference prices, the description
  model, splitting, profiles, lanes, and learning from it), timed on the
  thread's CPU clock around that call alone; decoding and revenue come
  first, untimed.  "Loaded" adds 1,000 synthetic profiles, the 10,000-term
  list of bench/screen.sh and a synthetic 100,000-entry watchlist.
- **screening**: bench/screen.sh: \`breakwater screen\` over every item
  description of the input against 10,000 terms, beside \`grep -F -f\` on the
  same descriptions and terms (grep neither transliterates nor undoes
  obfuscations: a floor, not the same work).
- **profiles**: bench/profiles.sh: \`bw_profiles_evaluate\` alone with 10,
  1,000 and 10,000 synthetic profiles on top of the shipped ones.
- **simulate**: bench/simulate.sh: \`breakwater simulate\` with three
  scenarios and \`current\` per jurisdiction over the stored revenue basis
  (docs/simulator.md); the replay is the whole command less the same
  command over an empty period (reference data, opening the store).
- **arrivals**: bench/arrivals.sh: 100,000 generated declarations ingested,
  then 30 manifests of 1,000 items (980 declared, 20 not) each recorded by
  \`breakwater arrive --quiet --stats\` in one transaction (arrived, then
  released or held, one event each; commit with fsync included in the
  rate); the decision time runs from reading an item to its release or
  hold, inside the transaction.
- **raw insert**: the same rows (bodies encoded and compressed beforehand,
  not timed) with one plain prepared INSERT each into a table of the same
  shape, same pragmas and batch size; no events table, no pipeline.
DOC
} > docs/PERFORMANCE.md
echo "bench: wrote docs/PERFORMANCE.md" >&2
STATS_DIR="$OUT" bash bench/stats.sh  # statistics over 10 million declarations (its own section)
