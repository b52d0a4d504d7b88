#!/usr/bin/env bash
# Other government agencies and the AEO registry end to end, through the
# real server (real SQLite file, loopback port) and the command line:
#   - a declaration whose item a health agency's interest matches (a keyword
#     in Cyrillic capitals) is in that agency's queue, and only there;
#   - the agency sees the goods without the buyer's personal data; another
#     agency gets 404 for it and 403 for the first agency's queue;
#   - the agency holds it; the parcel arrives and stays held; customs
#     release is refused naming the agency, and nothing changes;
#   - the agency releases its hold; the parcel waits for payment, and the
#     payment releases it;
#   - an interest registered through the API queues the next declaration;
#     bad interests are refused with the member named;
#   - an AEO suspension posted through the API takes the AEO treatment from
#     the next declaration; a grant with carries_small_sellers carries a
#     small seller into it.
# Run by tests/run.sh (BW, BW_TMP and BW_TOP set there).
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/oga
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
export BREAKWATER_DATA="$DATA"
db="$T/oga.db"
SUITE=oga
. "$(dirname "$0")/lib.bash"

# mk.py ID SUBMITTER DESCRIPTION HS [SELLER]: the shared example declaration, varied
cat >"$T/mk.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['declaration_id'] = sys.argv[2]
d['submitter'] = {'id': sys.argv[3], 'role': 'express'}
d['transport']['master_id'] = None
serial = 4000000 + sum(ord(c) * 31 ** i for i, c in enumerate(sys.argv[2])) % 1000000
d['transport']['document_id'] = '176-%07d%d' % (serial, serial % 7)   # a valid AWB per id
d['items'][1]['description'] = sys.argv[4]
d['items'][1]['hs_code'] = sys.argv[5]
if len(sys.argv) > 6:
    d['seller']['id'] = sys.argv[6]
print(json.dumps(d))
EOF
EX="$TOP/tests/integration/oga-example.json"
[ -r "$EX" ] || EX=/work/shared/declaration-example.json
mk() { python3 "$T/mk.py" "$EX" "$@"; }

key express express --submitter EXPRESS-01
key health oga --agency HEALTH-ZZ
key other oga --agency OTHER-ZZ
key officer officer
key admin admin
start_server

# ---- the agency's queue ---------------------------------------------------------------
mk OGA-1 EXPRESS-01 'ПАРАЦЕТАМОЛ 500 mg tablets' 300490 >"$T/d1.json"
doc1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transport"]["document_id"])' "$T/d1.json")
mk OGA-2 EXPRESS-01 'Phone case, silicone' 392690 >"$T/d2.json"
post_json 200 "POST a declaration with a medicine" /v1/declarations "${K[express]}" "$T/d1.json"
post_json 200 "POST a declaration no agency wants" /v1/declarations "${K[express]}" "$T/d2.json"
expect 200 "the health agency reads its queue" GET /v1/agencies/HEALTH-ZZ/queue "${K[health]}"
keep q1
jeq "the medicine is in the queue, and nothing else" "$T/q1" "[q['declaration_id'] for q in d['queue']]" '["OGA-1"]'
jeq "matched by the keyword, on item 1" "$T/q1" "d['queue'][0]['matches'][0]['on']" "keyword paracetamol"
expect 403 "an agency key cannot read another agency's queue" GET /v1/agencies/HEALTH-ZZ/queue "${K[other]}"
expect 200 "the other agency's own queue" GET /v1/agencies/OTHER-ZZ/queue "${K[other]}"
keep q2
jeq "the other agency's queue is empty" "$T/q2" "len(d['queue'])" 0
expect 200 "the agency sees the matched declaration" GET /v1/declarations/EXPRESS-01/OGA-1/agency "${K[health]}"
keep v1
jeq "without the buyer's name" "$T/v1" "d['declaration']['buyer']['name']" null
jcheck "without customs' risk or revenue" "$T/v1" "'risk' not in d and 'revenue' not in d and 'settlement' not in d"
expect 404 "the agency cannot see a declaration its interests did not match" GET /v1/declarations/EXPRESS-01/OGA-2/agency "${K[health]}"
expect 404 "another agency cannot see it either" GET /v1/declarations/EXPRESS-01/OGA-1/agency "${K[other]}"
expect 403 "an agency key cannot read the full declaration" GET /v1/declarations/EXPRESS-01/OGA-1 "${K[health]}"

# ---- hold, arrival, refused release, agency release, payment ---------------------------
expect 404 "another agency cannot hold what it does not see" POST /v1/declarations/EXPRESS-01/OGA-1/oga_hold "${K[other]}"
expect 400 "a hold with a bad body" POST /v1/declarations/EXPRESS-01/OGA-1/oga_hold "${K[health]}" --data-binary '{"why":1}'
expect 200 "the agency holds it" POST /v1/declarations/EXPRESS-01/OGA-1/oga_hold "${K[health]}" --data-binary '{"note":"prescription check"}'
keep h1
jeq "held" "$T/h1" "d['to']" held
expect 409 "a second hold by the same agency is refused" POST /v1/declarations/EXPRESS-01/OGA-1/oga_hold "${K[health]}"
printf '{"carrier":"EXPRESS-01","master_id":"176-00000011","arrived_at":"2026-11-23T06:40:00Z","items":["%s"]}' "$doc1" >"$T/m.json"
post_json 201 "the parcel arrives" /v1/arrivals "${K[officer]}" "$T/m.json"
nev=$(sql "select count(*) from events")
expect 409 "customs release is refused while the agency holds" POST /v1/declarations/EXPRESS-01/OGA-1/release "${K[officer]}"
keep r1
jcheck "the refusal names the agency" "$T/r1" "'HEALTH-ZZ' in d['detail']"
check "the refusal changed nothing" eq "$(sql "select count(*) from events")" "$nev"
check "still held for the agency" eq "$(sql "select state||'/'||hold_reason from declarations where declaration_id='OGA-1'")" "held/oga"
expect 403 "an officer key cannot release an agency hold" POST /v1/declarations/EXPRESS-01/OGA-1/oga_release "${K[officer]}"
expect 200 "the agency releases its hold" POST /v1/declarations/EXPRESS-01/OGA-1/oga_release "${K[health]}"
keep h2
jeq "held again, now by customs' own arrival decision (lane, settlement)" "$T/h2" "d['to']" held
check "no longer held for the agencies" eq "$(sql "select hold_reason in ('inspection','payment') from declarations where declaration_id='OGA-1'")" 1
expect 409 "a second release by the agency is refused" POST /v1/declarations/EXPRESS-01/OGA-1/oga_release "${K[health]}"
req POST /v1/declarations/EXPRESS-01/OGA-1/release "${K[officer]}"
checks=$((checks + 1))
if [ "$code" = 200 ]; then
    check "customs release: released" eq "$(sql "select state from declarations where declaration_id='OGA-1'")" released
elif [ "$code" = 409 ]; then
    jcheck "customs release is no longer refused for the agencies (only for what customs itself needs)" "$T/body" "'agenc' not in d['detail']"
else
    fail "customs release after the agency: $code $(head -c 300 "$T/body")"
fi
check "the events say who held and released" eq "$(sql "select group_concat(kind, ',') from (select kind from events e join declarations d on d.id = e.declaration where d.declaration_id='OGA-1' and kind like 'oga%' order by e.id)")" "oga_hold,oga_release"

# ---- interests through the API --------------------------------------------------------
expect 400 "an interest without any list is refused" POST /v1/agencies/OTHER-ZZ/interests "${K[other]}" --data-binary '{"id":"x","valid_from":"2020-01-01"}'
keep e1
jcheck "the error names what is missing" "$T/e1" "'hs_prefixes' in d['detail']"
expect 400 "a bad HS prefix is refused" POST /v1/agencies/OTHER-ZZ/interests "${K[other]}" --data-binary '{"id":"x","hs_prefixes":["39a"],"valid_from":"2020-01-01"}'
expect 403 "an agency cannot register for another" POST /v1/agencies/HEALTH-ZZ/interests "${K[other]}" --data-binary '{"id":"x","hs_prefixes":["39"],"valid_from":"2020-01-01"}'
expect 409 "an id of the reference data cannot be reused" POST /v1/agencies/HEALTH-ZZ/interests "${K[admin]}" --data-binary '{"id":"medicines","hs_prefixes":["39"],"valid_from":"2020-01-01"}'
expect 201 "the product safety agency registers phone cases" POST /v1/agencies/OTHER-ZZ/interests "${K[other]}" --data-binary '{"id":"cases","hs_prefixes":["3926"],"keywords":["phone case"],"valid_from":"2020-01-01"}'
mk OGA-3 EXPRESS-01 'PHONE CASE, leather' 392690 >"$T/d3.json"
post_json 200 "POST the next phone case" /v1/declarations "${K[express]}" "$T/d3.json"
expect 200 "the other agency's queue" GET /v1/agencies/OTHER-ZZ/queue "${K[other]}"
keep q3
jeq "only the declaration stored after the interest" "$T/q3" "[q['declaration_id'] for q in d['queue']]" '["OGA-3"]'

# ---- AEO ----------------------------------------------------------------------------------
aeo_hits() { # ID: the party.aeo* hits of a stored declaration, as customs see them
    expect 200 "GET $1" GET "/v1/declarations/EXPRESS-01/$1" "${K[officer]}"
    jv "$T/body" "sorted(h['code'] for h in d['risk']['hits'] if h['code'].startswith('party.aeo'))"
}
mk AEO-1 EXPRESS-01 'Phone cover' 392690 >"$T/a1.json"
post_json 200 "POST a declaration of the AEO EXPRESS-01" /v1/declarations "${K[express]}" "$T/a1.json"
check "EXPRESS-01 is an AEO (data/aeo)" eq "$(aeo_hits AEO-1)" '["party.aeo"]'
expect 403 "an officer cannot change the registry" POST /v1/aeo "${K[officer]}" --data-binary '{"id":"EXPRESS-01","country":"EU","status":"suspended","valid_from":"2020-01-01"}'
expect 400 "a bad status is refused" POST /v1/aeo "${K[admin]}" --data-binary '{"id":"EXPRESS-01","country":"EU","status":"paused","valid_from":"2020-01-01"}'
expect 201 "the admin suspends EXPRESS-01" POST /v1/aeo "${K[admin]}" --data-binary '{"id":"EXPRESS-01","country":"EU","status":"suspended","valid_from":"2020-01-01"}'
mk AEO-2 EXPRESS-01 'Phone cover' 392690 >"$T/a2.json"
post_json 200 "POST the next declaration" /v1/declarations "${K[express]}" "$T/a2.json"
check "suspended: no AEO treatment" eq "$(aeo_hits AEO-2)" '[]'
check "suspended: no AEO queue priority" eq "$(sql "select aeo from declarations where declaration_id='AEO-2'")" 0
check "the earlier declaration keeps what it had" eq "$(aeo_hits AEO-1)" '["party.aeo"]'
key express2 express --submitter EXPRESS-09
expect 201 "the admin grants EXPRESS-09, carrying small sellers" POST /v1/aeo "${K[admin]}" --data-binary '{"id":"EXPRESS-09","name":"Carrier Nine","country":"EU","status":"granted","valid_from":"2020-01-01","carries_small_sellers":true}'
python3 "$T/mk.py" "$EX" AEO-3 EXPRESS-09 'Phone cover' 392690 SMALL-SELLER-1 >"$T/a3.json"
post_json 200 "POST a small seller's parcel through EXPRESS-09" /v1/declarations "${K[express2]}" "$T/a3.json"
expect 200 "GET it" GET /v1/declarations/EXPRESS-09/AEO-3 "${K[officer]}"
check "carried into AEO treatment" eq "$(jv "$T/body" "sorted(h['code'] for h in d['risk']['hits'] if h['code'].startswith('party.aeo'))")" '["party.aeo","party.aeo_carried"]'
expect 200 "GET /v1/aeo/EXPRESS-09" GET /v1/aeo/EXPRESS-09 "${K[officer]}"
jeq "one stored change" "$T/body" "len(d['changes'])" 1

summary
[ "$failures" -eq 0 ]
