#!/usr/bin/env bash
# The de minimis simulator and public information end to end
# (docs/simulator.md, docs/publication.md), through the command line and the
# real server (sanitizer build, real SQLite file, loopback port):
#   - `breakwater simulate`: table, CSV and JSON agree; `current` equals what
#     was assessed (the sums of the stored duty and tax columns); a lower
#     threshold never collects less duty than no relief on the same goods
#     above it...; bad scenarios refused with the scenario, field and why,
#     nothing stored; the SVG is well-formed XML;
#   - POST /v1/simulate: the CLI's figures, customs roles only (401, 403),
#     400 naming what is wrong, ?format=svg;
#   - every public page as JSON and HTML without a key; the prohibited list
#     without the screening terms; the estimator's answer and its form with
#     hostile text escaped; seizure notices after a seizure, aggregated, with
#     no personal data of the fixture (names, emails, ids);
#   - `breakwater publish --out DIR` writes the same pages.
# Run by tests/run.sh (BW, BW_TMP and BW_TOP set there).  Needs bash, curl
# and python3.  A failed check prints "FAIL: <check>"; the script ends with
# "publish: N checks, M failed" and exits 1 if any failed.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/publish
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
export BREAKWATER_DATA="$DATA"
db="$T/pub.db"
for tool in curl python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "FAIL: publish.sh needs $tool" >&2; echo "publish: 0 checks, 1 failed"; exit 1; }
done

SUITE=publish
. "$(dirname "$0")/lib.bash"

# ---- the fixture ----------------------------------------------------------------------
bw gen --count 400 --seed 21 --jurisdiction GB >"$T/gen.ndjson" || die "breakwater gen failed"
# one declaration screening flags (a handgun) whose buyer and seller are
# recognisable, with hostile text in its description
cat >"$T/mk.py" <<'EOF'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
d['submitter'] = {'id': 'EXP-P', 'role': 'express'}
d['declaration_id'] = 'SEIZE-ME-1'
d['buyer']['name'] = 'Zebulon Quixotehostile'
d['buyer']['email'] = 'zebulon.quixote@hostile.example'
d['seller']['name'] = 'Ygritte Sellerperson'
it = d['items'][0]
it['description'] = '<script>alert(1)</script> handgun "replica" & parts'
it['hs_code'] = '930200'
it['origin'] = 'VN'
d['items'] = [it]
total = it['value']
d['order']['total'] = dict(total)
d['payment']['amount'] = dict(total)
print(json.dumps(d, separators=(',', ':')))
EOF
python3 "$T/mk.py" "$T/gen.ndjson" >"$T/seize.ndjson"
run ingest bw ingest --db "$db" --data "$DATA" "$T/gen.ndjson"
check "ingest the generated declarations" eq "$rc" 0
run ingest2 bw ingest --db "$db" --data "$DATA" "$T/seize.ndjson"
check "ingest the declaration to seize (accepted)" eq "$rc" 0
run inspect bw inspect --db "$db" --result seized --findings "pistol found" EXP-P SEIZE-ME-1
check "inspect: seized ($(cat "$T/inspect.err"))" eq "$rc" 0
check "the seized declaration has a screening hit" eq \
    "$(bw show --db "$db" EXP-P SEIZE-ME-1 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(any(h["code"].startswith("screening.") for h in d["risk"]["hits"]))')" True
check "a revenue basis per assessed declaration" eq "$(sql "SELECT count(*) FROM revenue_basis")" \
    "$(sql "SELECT count(*) FROM declarations WHERE status = 'accepted' AND duty_minor IS NOT NULL")"

# ---- breakwater simulate --------------------------------------------------------------
S=(--scenario low:duty=0,tax=0 --scenario high:duty=500,tax=500,basis=cif --scenario vat:duty=135,tax=none)
run sim-json bw simulate --db "$db" --data "$DATA" --jurisdiction GB "${S[@]}" --format json --svg "$T/chart.svg"
check "simulate --format json ($(cat "$T/sim-json.err"))" eq "$rc" 0
jeq "four scenarios, current first" "$T/sim-json" "[s['name'] for s in d['scenarios']]" '["current","low","high","vat"]'
jeq "current matches what was assessed" "$T/sim-json" "d['scenarios'][0]['matches_assessed']" true
# the assessed sums, read from the store's own columns
duty=$(sql "SELECT printf('%.2f', sum(duty_minor) / 100.0) FROM declarations WHERE jurisdiction = 'GB' AND duty_minor IS NOT NULL")
tax=$(sql "SELECT printf('%.2f', sum(tax_minor) / 100.0) FROM declarations WHERE jurisdiction = 'GB' AND duty_minor IS NOT NULL")
jeq "current duty = stored duty" "$T/sim-json" "d['scenarios'][0]['revenue']['duty']" "$duty"
jeq "current tax = stored tax" "$T/sim-json" "d['scenarios'][0]['revenue']['tax']" "$tax"
jcheck "the vat scenario is current (GB: duty above 135, VAT always)" "$T/sim-json" \
    "d['scenarios'][3]['revenue'] == d['scenarios'][0]['revenue']"
jcheck "no relief collects at least the current duty and tax" "$T/sim-json" \
    "D(d['scenarios'][1]['revenue']['total']) >= D(d['scenarios'][0]['revenue']['total'])"
jcheck "a higher threshold collects less" "$T/sim-json" \
    "D(d['scenarios'][2]['revenue']['total']) < D(d['scenarios'][0]['revenue']['total'])"
jcheck "net = revenue - cost, per scenario" "$T/sim-json" \
    "all(D(s['net_revenue']) == D(s['revenue']['total']) - D(s['collection_cost']) for s in d['scenarios'])"
jcheck "declarations by kind add up to the consignments" "$T/sim-json" \
    "all(sum(s['declarations'].values()) == d['consignments'] for s in d['scenarios'])"
jcheck "origins add up to the consignments" "$T/sim-json" \
    "all(sum(o['consignments'] for o in s['origins']) == d['consignments'] for s in d['scenarios'])"
if command -v xmllint >/dev/null; then
    check "the SVG is well-formed XML" xmllint --noout "$T/chart.svg"
else
    check "the SVG opens and closes" grep -q '</svg>' "$T/chart.svg"
fi
check "the SVG has three bars per scenario" eq "$(grep -c '<rect x=.*<title>' "$T/chart.svg")" 12
run sim-csv bw simulate --db "$db" --data "$DATA" --jurisdiction GB "${S[@]}" --format csv
check "CSV: a column per scenario" eq "$(head -n 1 "$T/sim-csv")" "measure,current,low,high,vat"
check "CSV and JSON agree on the net revenue of high" eq "$(grep '^net_revenue,' "$T/sim-csv" | cut -d, -f4)" \
    "$(jv "$T/sim-json" "d['scenarios'][2]['net_revenue']")"
run sim-table bw simulate --db "$db" --data "$DATA" --jurisdiction GB "${S[@]}"
check "the table says current equals what was assessed" grep -q 'current scenario equals what was assessed' "$T/sim-table"
before=$(sql "SELECT count(*) FROM revenue_basis")
for bad in "x:duty=1" "x:duty=1,tax=1.001" "x:duty=1,tax=1,vat=2" "current:duty=1,tax=1" "x:duty=-5,tax=1"; do
    run sim-bad bw simulate --db "$db" --data "$DATA" --jurisdiction GB --scenario "$bad"
    check "refused: $bad" eq "$rc" 2
    check "the message names scenario and field ($bad): $(cat "$T/sim-bad.err")" grep -Eq 'scenario (x|current): ' "$T/sim-bad.err"
done
run sim-cn bw simulate --db "$db" --data "$DATA" --jurisdiction CN --scenario a:duty=1000,tax=2000
check "CN: split thresholds refused" eq "$rc" 2
check "CN: and why" grep -q 'one per-order limit' "$T/sim-cn.err"
run sim-j bw simulate --db "$db" --data "$DATA" --jurisdiction XX --scenario a:duty=1,tax=1
check "unknown jurisdiction refused" grep -q 'unknown "XX"' "$T/sim-j.err"
check "nothing stored by refused runs" eq "$(sql "SELECT count(*) FROM revenue_basis")" "$before"
# a store from before the simulator (no basis, no catch-up mark): the basis
# is rebuilt from the bodies, same figures
sql "DELETE FROM revenue_basis; DELETE FROM meta WHERE key = 'sim_basis_through'"
run sim-rebuilt bw simulate --db "$db" --data "$DATA" --jurisdiction GB "${S[@]}" --format json
check "rebuilt: same figures" eq "$(jv "$T/sim-rebuilt" "[s['revenue'] for s in d['scenarios']]")" \
    "$(jv "$T/sim-json" "[s['revenue'] for s in d['scenarios']]")"
check "rebuilt: every basis is back" eq "$(sql "SELECT count(*) FROM revenue_basis")" "$before"

# ---- the server ------------------------------------------------------------------------
key analyst analyst
key admin admin
key sub express --submitter EXP-P
start_server
cat >"$T/sim.json" <<'EOF'
{"jurisdiction": "GB", "scenarios": ["low:duty=0,tax=0", {"name": "high", "duty": "500", "tax": "500", "basis": "cif"},
 {"name": "vat", "duty": "135", "tax": null}]}
EOF
post_json 200 "POST /v1/simulate as analyst" /v1/simulate "${K[analyst]}" "$T/sim.json"
keep api-sim
check "API and CLI agree" eq "$(jv "$T/api-sim" "[(s['name'], s['revenue'], s['collection_cost'], s['owe_duty']) for s in d['scenarios']]")" \
    "$(jv "$T/sim-json" "[(s['name'], s['revenue'], s['collection_cost'], s['owe_duty']) for s in d['scenarios']]")"
post_json 401 "POST /v1/simulate without a key" /v1/simulate "" "$T/sim.json"
post_json 403 "POST /v1/simulate as a submitter" /v1/simulate "${K[sub]}" "$T/sim.json"
echo '{"jurisdiction":"GB","scenarios":["a:duty=1,tax=x"]}' >"$T/bad1.json"
post_json 400 "a bad amount" /v1/simulate "${K[analyst]}" "$T/bad1.json"
jcheck "400 names scenario and field" "$T/body" "'scenario a: tax=x' in d['detail']"
echo '{"jurisdiction":"GB","scenarios":[],"extra":1}' >"$T/bad2.json"
post_json 400 "an unknown member" /v1/simulate "${K[analyst]}" "$T/bad2.json"
jcheck "400 names the member" "$T/body" "d['detail'].startswith('extra')"
echo '{"jurisdiction":"GB","scenarios":[],"from":"2026-13-01"}' >"$T/bad3.json"
post_json 400 "a bad date" /v1/simulate "${K[analyst]}" "$T/bad3.json"
expect 200 "POST /v1/simulate?format=svg" POST "/v1/simulate?format=svg" "${K[admin]}" --data-binary "@$T/sim.json"
header "SVG content type" '^content-type: image/svg\+xml'
if command -v xmllint >/dev/null; then check "the API's SVG is well-formed" xmllint --noout "$T/body"; fi

for page in thresholds prohibited seizure-notices; do
    expect 200 "GET /public/$page.json without a key" GET "/public/$page.json" ""
    header "$page.json is JSON" '^content-type: application/json'
    keep "$page.json"
    jcheck "$page.json parses" "$T/$page.json" "d is not None"
    expect 200 "GET /public/$page.html without a key" GET "/public/$page.html" ""
    header "$page.html is HTML" '^content-type: text/html; charset=utf-8'
    keep "$page.html"
    check "$page.html is a page" grep -q '<!DOCTYPE html>' "$T/$page.html"
done
expect 200 "GET /public/index.html" GET /public/index.html ""
check "the index links every page" eq "$(grep -Eo 'href="[a-z-]+\.html"' "$T/body" | sort -u | wc -l)" 5
expect 404 "no other public page" GET /public/secrets.json ""
expect 405 "public pages are GET only" POST /public/thresholds.json ""
jeq "thresholds: GB duty threshold in force" "$T/thresholds.json" \
    "[j['in_force']['de_minimis'][0]['duty_threshold'] for j in d['jurisdictions'] if j['id'] == 'GB'][0]" "135.00"
jeq "thresholds: every jurisdiction" "$T/thresholds.json" "len(d['jurisdictions'])" "$(ls "$DATA"/jurisdictions/*.json | wc -l)"
jcheck "thresholds: the EU flat duty is in force (2026-07-01)" "$T/thresholds.json" \
    "[j['in_force']['flat_duty_per_subheading'] for j in d['jurisdictions'] if j['id'] == 'EU'][0] == '3.00'"
jcheck "prohibited: weapons with HS 93" "$T/prohibited.json" \
    "any(e['category'] == 'weapons' and any(h.startswith('93') for h in e['hs_prefixes']) for e in d['entries'])"
check "prohibited: no screening term in the JSON" bash -c "! grep -qi 'semi-automatic pistol' '$T/prohibited.json'"
check "prohibited: no screening term in the HTML" bash -c "! grep -qi 'handgun' '$T/prohibited.html'"
# "handgun" is a weapon, "replica" a counterfeit: one notice per category
jeq "seizure notices: one per category, aggregated" "$T/seizure-notices.json" \
    "[(n['jurisdiction'], n['hs_chapter'], n['category'], n['origin'], n['count']) for n in d['notices']]" \
    '[["GB","93","counterfeit","VN",1],["GB","93","weapons","VN",1]]'
for f in seizure-notices.json seizure-notices.html; do
    for secret in Zebulon Quixotehostile hostile.example Ygritte SEIZE-ME-1 EXP-P 'pistol found' script; do
        check "no '$secret' in $f" bash -c "! grep -qi -- '$secret' '$T/$f'"
    done
done

# the estimator: the quote pipeline, as JSON and as a form
expect 200 "estimate.json" GET "/public/estimate.json?jurisdiction=GB&hs=610910&value=200.00&origin=CN" ""
keep est.json
post_quote() { # the same purchase through POST /v1/quote
    printf '{"jurisdiction":"GB","buyer":{"address":{"country":"GB"}},"items":[{"hs_code":"610910","value":{"amount":"200.00","currency":"GBP"},"origin":"CN","quantity":1}]}' >"$T/q.json"
    post_json 200 "POST /v1/quote" /v1/quote "" "$T/q.json"
}
post_quote
check "estimate = POST /v1/quote" eq "$(jv "$T/est.json" "(d['duty'], d['tax'], d['landed_cost'])")" \
    "$(jv "$T/body" "(d['quotes'][0]['duty'], d['quotes'][0]['tax'], d['quotes'][0]['landed_cost'])")"
jcheck "estimate: duty above GBP 135" "$T/est.json" "D(d['duty']) > 0"
expect 400 "estimate without origin" GET "/public/estimate.json?jurisdiction=GB&hs=610910&value=20" ""
jcheck "400 names the parameter" "$T/body" "'origin is required' in d['detail']"
expect 422 "estimate with a bad value" GET "/public/estimate.json?jurisdiction=GB&hs=610910&value=abc&origin=CN" ""
jcheck "422 carries the decoder's errors" "$T/body" "len(d['errors']) > 0"
hostile='%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E'
expect 200 "estimate.html with hostile text" GET "/public/estimate.html?jurisdiction=GB&hs=$hostile&value=1&origin=CN" ""
keep est.html
check "hostile text is escaped" grep -q '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' "$T/est.html"
check "no raw script element" bash -c "! grep -q '<script>' '$T/est.html'"
expect 200 "estimate.html computes" GET "/public/estimate.html?jurisdiction=GB&hs=610910&value=200.00&origin=CN" ""
check "the estimate table" grep -q '<th>Landed cost</th>' "$T/body"

# ---- breakwater publish -----------------------------------------------------------------
run publish bw publish --out "$T/site" --db "$db" --data "$DATA"
check "publish ($(cat "$T/publish.err"))" eq "$rc" 0
for f in index.html thresholds.json thresholds.html prohibited.json prohibited.html estimate.html \
    seizure-notices.json seizure-notices.html; do
    check "publish wrote $f" test -s "$T/site/$f"
done
check "the published notices are the served ones" cmp -s "$T/site/seizure-notices.json" "$T/seizure-notices.json"
check "the published list is the served one" cmp -s "$T/site/prohibited.json" "$T/prohibited.json"
run publish-bad bw publish --db "$db"
check "publish without --out refused" eq "$rc" 2
run publish-nodb bw publish --out "$T/site2" --db "$T/missing.db"
check "publish with a missing store refused" eq "$rc" 2
check "and creates no store" test ! -e "$T/missing.db"

summary
[ "$failures" -eq 0 ]
