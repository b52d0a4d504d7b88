#!/usr/bin/env bash
# Statistics and KPIs at scale (docs/statistics.md): loads STATS_COUNT
# generated declarations (default 10,000,000) through `breakwater gen |
# breakwater ingest`, timing the load, then times a full group-by
# (`stats --by origin,chapter` over everything: goal < 1 s), a few other
# groupings and `kpis`, each the best of STATS_ROUNDS runs of the whole
# command.  Prints the rows and writes them into docs/PERFORMANCE.md
# between the "statistics" markers.  Not a test.  Heavy: 10 million
# declarations take minutes and ~12 GB of disk (STATS_DIR, default
# bench/out); STATS_KEEP=1 keeps the database for another run.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${STATS_COUNT:-10000000}
SEED=${STATS_SEED:-7}
ROUNDS=${STATS_ROUNDS:-3}
OUT=${STATS_DIR:-bench/out}
BW=./breakwater
mkdir -p "$OUT"
db="$OUT/stats-$N.db"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b - a}'; }

# the vendor scheme registry of this seed's sellers: their numbers check
$BW gen --seed "$SEED" --registry "$OUT/registry-$SEED.tsv"
export BREAKWATER_REGISTRY=$(cd "$OUT" && pwd)/registry-$SEED.tsv
load_s=""
if [ ! -s "$db" ]; then
    rm -f "$db"*
    echo "bench stats: loading $N declarations ..." >&2
    t0=$(now)
    # ingest exits 1 when some records are rejected (generated traffic has
    # some, as real traffic does): only other failures stop the bench
    set +e
    $BW gen --count "$N" --seed "$SEED" | $BW ingest --quiet --db "$db" -
    st=("${PIPESTATUS[@]}")
    set -e
    if [ "${st[0]}" != 0 ] || [ "${st[1]}" -gt 1 ]; then
        echo "bench stats: the load failed (gen ${st[0]}, ingest ${st[1]})" >&2
        exit 1
    fi
    load_s=$(secs "$t0" "$(now)")
    echo "$load_s" > "$db.load"   # a kept database remembers how long its load took
fi
[ -n "$load_s" ] || load_s=$(cat "$db.load" 2>/dev/null || true)
stored=$(sqlite3 "$db" "SELECT count(*) FROM declarations")
facts=$(sqlite3 "$db" "SELECT sum(n) FROM stats_chunks")
chunks=$(sqlite3 "$db" "SELECT count(*) FROM stats_chunks")
fact_bytes=$(sqlite3 "$db" "SELECT sum(length(bytes)) FROM stats_columns")
db_bytes=$(stat -c %s "$db")

best() { # command...: the fewest seconds of ROUNDS runs of the whole command
    local b="" s t0
    for _ in $(seq "$ROUNDS"); do
        t0=$(now)
        "$@" >/dev/null
        s=$(secs "$t0" "$(now)")
        if [ -z "$b" ] || awk -v a="$s" -v c="$b" 'BEGIN{exit !(a<c)}'; then b=$s; fi
    done
    echo "$b"
}
full=$(best $BW stats --db "$db" --by origin,chapter --format csv)
month=$(best $BW stats --db "$db" --by jurisdiction,month --format csv)
band=$(best $BW stats --db "$db" --by jurisdiction,band,flow --format csv)
heading=$(best $BW stats --db "$db" --by heading --jurisdiction EU --format csv)
kpis=$(best $BW kpis --db "$db")
rows=$($BW stats --db "$db" --by origin,chapter --format csv | tail -n +2 | wc -l)
# the de minimis simulator over the same store: the largest jurisdiction
big=$(sqlite3 "$db" "SELECT jurisdiction FROM revenue_basis GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
sim=$(SIM_ROUNDS=$ROUNDS bash bench/simulate.sh "$db" "$big" 2>/dev/null | grep "^simulate: $big:" || echo "simulate: failed")
sim_whole=$(echo "$sim" | sed -n 's/.*whole command \([0-9.]*\) s.*/\1/p')
sim_note=$(echo "$sim" | sed 's/^simulate: //; s/ (3 scenarios.*//')

rows_md=$(cat <<ROWS
| figure | seconds | note |
|---|---:|---|
| load: \`breakwater gen --count $N \| breakwater ingest\` | ${load_s:-(unknown)} | $(awk -v n="$N" -v s="${load_s:-0}" 'BEGIN{if (s > 0) printf "%.0f declarations/s, facts included", n/s; else print "database kept from an earlier run"}') |
| \`stats --by origin,chapter\`, everything | $full | goal < 1 s; $rows rows |
| \`stats --by jurisdiction,month\` | $month | |
| \`stats --by jurisdiction,band,flow\` | $band | bands looked up per fact |
| \`stats --by heading --jurisdiction EU\` | $heading | |
| \`kpis\`, everything | $kpis | |
| \`simulate --jurisdiction $big\`, three scenarios and current | ${sim_whole:-?} | $sim_note |
ROWS
)
note="$stored declarations stored, $facts facts in $chunks chunks: $(awk -v b="$fact_bytes" -v f="$facts" 'BEGIN{printf "%.1f", b/f}') bytes per fact, $(awk -v b="$fact_bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB of $(awk -v b="$db_bytes" 'BEGIN{printf "%.0f", b/1048576}') MiB in the database. Each time is the whole command (process start, reference data, store open), best of $ROUNDS."
echo "$rows_md"
echo "$note"

section=$(cat <<DOC
<!-- statistics: written by bench/stats.sh -->
## Statistics, KPIs and the simulator over $N declarations

Measured by bench/stats.sh on $(date -u +%Y-%m-%d).

$rows_md

$note
<!-- /statistics -->
DOC
)
doc=docs/PERFORMANCE.md
if grep -q '^<!-- statistics: ' "$doc"; then
    awk -v s="$section" '/^<!-- statistics: /{print s; skip=1} /^<!-- \/statistics -->/{skip=0; next} !skip' "$doc" > "$doc.tmp"
else
    { cat "$doc"; echo; echo "$section"; } > "$doc.tmp"
fi
mv "$doc.tmp" "$doc"
[ "${STATS_KEEP:-0}" = 1 ] || rm -f "$db"*
echo "bench stats: wrote docs/PERFORMANCE.md" >&2
