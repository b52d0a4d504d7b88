#!/usr/bin/env bash
# Statistics and KPIs end to end (docs/statistics.md), on generated
# declarations stored by `breakwater ingest` on two assessment days:
#   - `breakwater stats` counts per jurisdiction and items per origin equal
#     an independent recount (SQL over the stored declarations, Python over
#     the input), the period filter keeps one day, the three formats agree
#     and say their unit;
#   - bad dimensions, dates, formats and statuses are refused (exit 2) with
#     a message naming what is wrong;
#   - GET /v1/stats and /v1/kpis on the real server answer the same as the
#     command line, CSV with its content type, 400 with the parameter's path
#     for bad queries, 401 without a key and 403 for a submitter's key;
#   - `breakwater kpis` reports data quality for every submitter and the
#     lifecycle KPIs as not available.
# Run by tests/run.sh (BW, BW_TMP and BW_TOP set there).  Needs bash, curl
# and python3.  Ends with "stats: N checks, M failed".
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/stats
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
export BREAKWATER_DATA="$DATA"
db="$T/stats.db"
for tool in curl python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "FAIL: stats.sh needs $tool" >&2; echo "stats: 0 checks, 1 failed"; exit 1; }
done

SUITE=stats
. "$(dirname "$0")/lib.bash"

# ---- data: 300 declarations on 2026-11-02, 100 on 2026-12-01 ---------------------------
bw gen --count 300 --seed 21 >"$T/a.ndjson" || die "breakwater gen failed"
bw gen --count 100 --seed 22 | sed 's/"declaration_id":"/"declaration_id":"B-/' >"$T/b.ndjson" || die "breakwater gen failed"
run ingest-a bw ingest --db "$db" --as-of 2026-11-02T10:00:00Z "$T/a.ndjson"
check "ingest of the first day" test "$rc" -le 1
run ingest-b bw ingest --db "$db" --as-of 2026-12-01T10:00:00Z "$T/b.ndjson"
check "ingest of the second day" test "$rc" -le 1

# ---- the command line against a recount ------------------------------------------------------
run by-jur bw stats --db "$db" --by jurisdiction --format csv
check "stats --by jurisdiction exits 0" eq "$rc" 0
sql "SELECT jurisdiction, count(*) FROM declarations WHERE status = 'accepted' GROUP BY jurisdiction ORDER BY 1" \
    | tr '|' ',' >"$T/want-jur"
cut -d, -f1,2 "$T/by-jur" | tail -n +2 | sort >"$T/got-jur"
check "the recount is not empty" test -s "$T/want-jur"
check "declarations per jurisdiction equal the stored ones" cmp -s "$T/want-jur" "$T/got-jur"
check "the CSV names its unit" eq "$(head -n 1 "$T/by-jur" | cut -d, -f2)" count_declarations

# items per origin: Python over the input, accepted declarations only
sql "SELECT declaration_id FROM declarations WHERE status = 'accepted'" >"$T/accepted"
python3 - "$T/accepted" "$T/a.ndjson" "$T/b.ndjson" >"$T/want-origin" <<'EOF'
import json, sys, collections
ok = set(l.strip() for l in open(sys.argv[1]))
n = collections.Counter()
for p in sys.argv[2:]:
    for l in open(p):
        d = json.loads(l)
        if d['declaration_id'] in ok:
            for it in d['items']:
                n[it.get('origin') or 'unknown'] += 1
for k in sorted(n): print('%s,%d' % (k, n[k]))
EOF
run by-origin bw stats --db "$db" --by origin --format csv
cut -d, -f1,2 "$T/by-origin" | tail -n +2 | sort >"$T/got-origin"
check "the origin recount is not empty" test -s "$T/want-origin"
check "items per origin equal a recount of the input" cmp -s "$T/want-origin" "$T/got-origin"
check "origin counts items" eq "$(head -n 1 "$T/by-origin" | cut -d, -f2)" count_items

run json bw stats --db "$db" --by jurisdiction,month --format json
jeq "json unit" "$T/json" 'd["unit"]' declaration
jeq "json months" "$T/json" 'sorted(set(r["month"] for r in d["rows"]))' '["2026-11","2026-12"]'
jeq "json total equals the stored accepted" "$T/json" 'd["total"]["declarations"]' \
    "$(sql "SELECT count(*) FROM declarations WHERE status = 'accepted'")"
jcheck "values are decimal strings" "$T/json" 'all("." in r["statistical_value"] for r in d["rows"])'
run day2 bw stats --db "$db" --by jurisdiction --from 2026-12-01 --to 2026-12-01 --format json
jeq "the period keeps the second day" "$T/day2" 'd["total"]["declarations"]' \
    "$(sql "SELECT count(*) FROM declarations WHERE status = 'accepted' AND declaration_id LIKE 'B-%'")"
run table bw stats --db "$db" --by flow,lane
check "table says its unit" grep -q '^unit of count: declarations' "$T/table"
check "table has a total" grep -q '^total ' "$T/table"
run eu bw stats --db "$db" --by chapter --jurisdiction EU --format json
jeq "one jurisdiction: one currency" "$T/eu" 'd["currency"]' EUR
jeq "chapter counts items" "$T/eu" 'd["unit"]' item

refuse() { # DESCRIPTION MESSAGE args...: exit 2 and MESSAGE on stderr
    local what=$1 msg=$2; shift 2
    run refused bw stats --db "$db" "$@"
    check "$what: exit 2" eq "$rc" 2
    check "$what: says why" grep -q -- "$msg" "$T/refused.err"
    check "$what: prints nothing" test ! -s "$T/refused"
}
refuse "unknown dimension" 'by: unknown dimension "colour"' --by origin,colour
refuse "no dimension" 'by: name one' --by ''
refuse "bad date" 'from: "2026-02-30" is not a date' --by day --from 2026-02-30
refuse "reversed period" 'is after to' --by day --from 2026-12-02 --to 2026-12-01
refuse "bad format" 'format: table, csv or json' --by day --format xml
refuse "bad status" 'status:' --by day --status maybe

run kpis bw kpis --db "$db"
check "kpis exits 0" eq "$rc" 0
jeq "kpis: every submitter's data quality" "$T/kpis" 'len(d["data_quality"])' \
    "$(sql "SELECT count(DISTINCT submitter) FROM declarations")"
jeq "kpis: rejections per submitter" "$T/kpis" 'sum(x["rejected"] for x in d["data_quality"])' \
    "$(sql "SELECT count(*) FROM declarations WHERE status = 'rejected'")"
jeq "kpis: lifecycle not available" "$T/kpis" 'd["release"]["available"]' false
jeq "kpis: four lanes" "$T/kpis" '[l["lane"] for l in d["lanes"]]' '["green","blue","yellow","red"]'
run kpis-bad bw kpis --db "$db" --to 2026-13-01
check "kpis refuses a bad date" eq "$rc" 2

# ---- the API --------------------------------------------------------------------------------------
key officer officer
key sub express --submitter EXP-1
start_server
expect 200 "GET /v1/stats" GET "/v1/stats?by=jurisdiction,month" "${K[officer]}"
keep api-json
jcheck "the API answers as the command line" "$T/api-json" 'd["rows"] == J("'"$T/json"'")["rows"]'
expect 200 "GET /v1/stats as CSV" GET "/v1/stats?by=origin&format=csv" "${K[officer]}"
header "CSV content type" '^content-type: text/csv'
check "CSV body as the command line" cmp -s "$T/body" "$T/by-origin"
expect 400 "bad dimension" GET "/v1/stats?by=colour" "${K[officer]}"
jeq "bad dimension: its path" "$T/body" 'd["errors"][0]["path"]' query.by
expect 400 "bad date" GET "/v1/stats?by=day&from=2026-99-01" "${K[officer]}"
jeq "bad date: its path" "$T/body" 'd["errors"][0]["path"]' query.from
expect 400 "no by" GET "/v1/stats" "${K[officer]}"
expect 400 "bad format" GET "/v1/stats?by=day&format=xml" "${K[officer]}"
expect 401 "no key" GET "/v1/stats?by=day" ""
expect 403 "a submitter's key" GET "/v1/stats?by=day" "${K[sub]}"
expect 200 "GET /v1/kpis" GET "/v1/kpis?jurisdiction=EU" "${K[officer]}"
keep api-kpis
jeq "kpis for one jurisdiction" "$T/api-kpis" 'd["jurisdiction"]' EU
jeq "kpis EU declarations" "$T/api-kpis" 'd["declarations"]' \
    "$(sql "SELECT count(*) FROM declarations WHERE jurisdiction = 'EU'")"
expect 400 "kpis: bad date" GET "/v1/kpis?from=x" "${K[officer]}"
# an inspection through the API is what the KPIs count next
read -r isub iid ilane <<<"$(sql "SELECT submitter, declaration_id, lane FROM declarations WHERE status = 'accepted' AND lane IS NOT NULL ORDER BY id LIMIT 1" | tr '|' ' ')"
expect 200 "GET /v1/kpis before" GET "/v1/kpis" "${K[officer]}"
keep kpis-before
expect 201 "inspection" POST "/v1/declarations/$isub/$iid/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' --data '{"result":"seized","findings":"test"}'
expect 200 "GET /v1/kpis after" GET "/v1/kpis" "${K[officer]}"
keep kpis-after
jeq "the inspected lane counts one more inspection" "$T/kpis-after" \
    '[l["inspected"] - [m for m in J("'"$T/kpis-before"'")["lanes"] if m["lane"] == l["lane"]][0]["inspected"] for l in d["lanes"] if l["lane"] == "'"$ilane"'"][0]' 1
jeq "and one more found" "$T/kpis-after" 'sum(l["found"] for l in d["lanes"]) - sum(l["found"] for l in J("'"$T/kpis-before"'")["lanes"])' 1
expect 403 "kpis: a submitter's key" GET "/v1/kpis" "${K[sub]}"

summary
[ "$failures" -eq 0 ]
