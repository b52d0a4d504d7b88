#!/usr/bin/env bash
# The clearance lifecycle end to end (docs/lifecycle.md), through the real
# server (sanitizer build, real SQLite file, loopback port) and the command
# line:
#   - pre-arrival ingest of generated traffic (`breakwater gen`, transport
#     dates moved ahead of now): timeliness recorded, every accepted
#     declaration `assessed`;
#   - an air parcel declaring a handgun before loading: red, a do-not-load
#     referral to its submitter (GET /v1/referrals, its own view), held;
#   - an arrival manifest with undeclared items: green or blue parcels that
#     owe nothing are released at once (actor auto), the others held with
#     the reason their lane and settlement give, computed here from each
#     declaration's own view; the undeclared items queued and cleared when
#     their declaration arrives; the same manifest again changes nothing,
#     other items under the same master id are refused;
#   - the officer's queue (AEO first, then lane, then age; filters; roles);
#   - officer actions: release, refusal of what the state or an unpaid
#     settlement forbids (409, nothing changed), bad bodies (400);
#   - an inspection with a seizure, then destruction; an inspection whose
#     corrected value reassesses the revenue; corrections the pipeline
#     refuses store nothing;
#   - `breakwater show --timeline`, `arrive`, `queue`, `act` on the CLI.
# Run by tests/run.sh (BW, BW_TMP and BW_TOP set there).  Needs bash, curl,
# sqlite3 and python3.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/lifecycle
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
export BREAKWATER_DATA="$DATA"
db="$T/lc.db"
for tool in curl python3 sqlite3; do
    command -v "$tool" >/dev/null || { echo "FAIL: lifecycle.sh needs $tool" >&2; echo "lifecycle: 0 checks, 1 failed"; exit 1; }
done

SUITE=lifecycle
. "$(dirname "$0")/lib.bash"

# ---- traffic: generated, one submitter, dated ahead of now --------------------------
bw gen --count 60 --seed 21 --jurisdiction EU >"$T/gen.ndjson" || die "breakwater gen failed"
cat >"$T/prep.py" <<'EOF2'
import json, sys, datetime as dt
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
iso = lambda t: t.strftime('%Y-%m-%dT%H:%M:%SZ')
out = open(sys.argv[2], 'w')
for i, l in enumerate(open(sys.argv[1])):
    d = json.loads(l)
    d['submitter'] = {'id': 'EXP-L', 'role': 'express'}
    d['declaration_id'] = 'L-%03d' % i
    t = d['transport']
    t['mode'] = 'air'
    t['document_id'] = 'HAWB-%03d' % i
    t['loaded_at'] = iso(now + dt.timedelta(hours=2))
    t['expected_arrival'] = iso(now + dt.timedelta(hours=14))
    out.write(json.dumps(d, separators=(',', ':')) + '\n')
EOF2
python3 "$T/prep.py" "$T/gen.ndjson" "$T/traffic.ndjson"
# the handgun: the first declaration again, another id and document
python3 - "$T/traffic.ndjson" "$T/gun.json" <<'EOF2'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
d['declaration_id'] = 'L-GUN'
d['transport']['document_id'] = 'HAWB-GUN'
d['items'] = d['items'][:1]
d['items'][0]['description'] = '9mm pistol, semi-automatic pistol with pistol magazine'
json.dump(d, open(sys.argv[2], 'w'))
EOF2

# one intermediary has an account (its parcels are debited), the others not (held for payment)
bw accounts add --db "$db" --account ACC-EXPRESS-01 --jurisdiction EU --guarantee 100000.00 >/dev/null ||
    die "accounts add failed"
key officer officer
key analyst analyst
key sub express --submitter EXP-L
key other express --submitter EXP-OTHER
key carrier postal --submitter POST-X
start_server

post_json 200 "pre-arrival traffic" /v1/declarations "${K[sub]}" "$T/traffic.ndjson"
expect 200 "POST the handgun" POST /v1/declarations "${K[sub]}" -H 'Content-Type: application/json' \
    --data-binary "@$T/gun.json"
check "every accepted declaration is assessed, every rejected one rejected" eq \
    "$(sql "SELECT count(*) FROM declarations WHERE (status = 'accepted' AND state NOT IN ('assessed', 'held')) OR (status = 'rejected' AND state <> 'rejected')")" 0
check "timeliness: data about 2 h before loading and 14 h before arrival" eq \
    "$(sql "SELECT count(*) FROM declarations WHERE status = 'accepted' AND NOT (lead_loading_s BETWEEN 7000 AND 7300 AND lead_arrival_s BETWEEN 50000 AND 50500)")" 0
check "schema version 4" eq "$(sql "SELECT value FROM meta WHERE key = 'schema_version'")" 4

# ---- do-not-load ----------------------------------------------------------------------
expect 200 "the handgun's view" GET /v1/declarations/EXP-L/L-GUN "${K[sub]}"
keep gun-view
jeq "the handgun is red" "$T/gun-view" 'd["lane"]' red
jeq "held: do not load" "$T/gun-view" 'd["lifecycle"]["state"] + "/" + d["lifecycle"]["hold_reason"]' held/do_not_load
jcheck "the referral is in its history, naming the weapons hit" "$T/gun-view" \
    'any(e["event"] == "do_not_load" and e["status"] == "held" and "weapons" in e["detail"] for e in d["history"])'
expect 200 "referrals as the submitter" GET /v1/referrals "${K[sub]}"
keep ref-sub
jeq "the submitter sees its referral" "$T/ref-sub" '[r["declaration_id"] for r in d["referrals"]]' '["L-GUN"]'
expect 200 "referrals as another submitter" GET /v1/referrals "${K[other]}"
keep ref-other
jeq "another submitter sees none" "$T/ref-other" 'len(d["referrals"])' 0
expect 200 "referrals as customs" GET /v1/referrals "${K[analyst]}"
keep ref-all
jeq "customs see it" "$T/ref-all" 'len(d["referrals"])' 1
check "only the handgun was referred" eq "$(sql "SELECT count(*) FROM events WHERE kind = 'do_not_load'")" 1

# ---- arrival ------------------------------------------------------------------------------
python3 - "$T/traffic.ndjson" "$T/manifest.json" <<'EOF2'
import json, sys
docs = [json.loads(l)['transport']['document_id'] for l in open(sys.argv[1])] + ['HAWB-GUN', 'NODATA-1', 'NODATA-2']
json.dump({'carrier': 'AIRCARGO-01', 'master_id': 'MAWB-777', 'arrived_at': '2026-11-25T04:00:00Z', 'items': docs},
          open(sys.argv[2], 'w'))
EOF2
# what each parcel should become, from its own view before arrival
sql "SELECT declaration_id || char(9) || coalesce(lane, '') || char(9) || coalesce(settlement, '') || char(9) || state
     FROM declarations ORDER BY id" >"$T/before.tsv"
post_json 201 "the manifest" /v1/arrivals "${K[carrier]}" "$T/manifest.json"
keep arrival
cat >"$T/expect.py" <<'EOF2'
import json, sys
a = json.load(open(sys.argv[2]))
got = {r['declaration_id']: r for r in a['results'] if r['declaration_id']}
bad = []
for line in open(sys.argv[1]):
    i, lane, settlement, state = line.rstrip('\n').split('\t')
    if state == 'rejected':
        want = ('unchanged', None)
    elif state == 'held':
        want = ('held', None)
    elif lane in ('yellow', 'red'):
        want = ('held', 'inspection')
    elif settlement in ('awaiting_payment', 'held'):
        want = ('held', 'payment')
    else:
        want = ('released', None)
    r = got.get(i)
    if not r or r['outcome'] != want[0] or (want[1] and r['hold_reason'] != want[1]):
        bad.append((i, lane, settlement, state, r and r['outcome'], r and r['hold_reason']))
print('ok' if not bad else bad)
EOF2
check "every parcel released or held as its lane and settlement say" eq "$(python3 "$T/expect.py" "$T/before.tsv" "$T/arrival")" ok
jeq "two items arrived without data" "$T/arrival" 'd["unmatched"]' 2
jcheck "some released, some held" "$T/arrival" 'd["released"] >= 3 and d["held"] >= 3 and d["matched"] == 61'
check "a debited parcel was released" eq "$(sql "SELECT count(*) FROM declarations WHERE settlement = 'debited' AND state = 'released'")" \
    "$(sql "SELECT count(*) FROM declarations WHERE settlement = 'debited' AND lane IN ('green', 'blue')")"
jeq "the handgun stays held" "$T/arrival" '[r["outcome"] for r in d["results"] if r["declaration_id"] == "L-GUN"]' '["held"]'
released=$(jv "$T/arrival" 'd["released"]')
check "immediate releases are events of actor auto" eq "$(sql "SELECT count(*) FROM events WHERE kind = 'released' AND actor = 'auto'")" "$released"
events=$(sql "SELECT count(*) FROM events")
post_json 200 "the same manifest again" /v1/arrivals "${K[carrier]}" "$T/manifest.json"
keep again
jeq "a duplicate" "$T/again" 'd["outcome"]' duplicate
check "a duplicate changes nothing" eq "$(sql "SELECT count(*) FROM events")" "$events"
python3 -c "
import json; m = json.load(open('$T/manifest.json')); m['items'] = m['items'][:3]; json.dump(m, open('$T/conflict.json', 'w'))"
post_json 409 "same master id, other items" /v1/arrivals "${K[carrier]}" "$T/conflict.json"
check "a conflict changes nothing" eq "$(sql "SELECT count(*) FROM events")" "$events"
echo '{"carrier":"C","master_id":"M","arrived_at":"2026-11-25T04:00:00Z","items":["A","A"]}' >"$T/dup-items.json"
post_json 400 "a document listed twice" /v1/arrivals "${K[carrier]}" "$T/dup-items.json"
jcheck "the error says which" "$T/body" '"more than once" in d["detail"]'
expect 403 "customs lists arrivals without data, not carriers" GET /v1/arrivals/unmatched "${K[carrier]}"
expect 200 "arrivals without data" GET /v1/arrivals/unmatched "${K[officer]}"
keep unmatched
jeq "both queued" "$T/unmatched" '[u["document_id"] for u in d["unmatched"]]' '["NODATA-1","NODATA-2"]'
# the data of NODATA-1 comes late: it arrives at once and the queue clears
python3 -c "
import json; d = json.loads(open('$T/traffic.ndjson').readline()); d['declaration_id'] = 'L-LATE'
d['transport']['document_id'] = 'NODATA-1'; json.dump(d, open('$T/late.json', 'w'))"
expect 200 "the late declaration" POST /v1/declarations "${K[sub]}" -H 'Content-Type: application/json' --data-binary "@$T/late.json"
expect 200 "arrivals without data, after" GET /v1/arrivals/unmatched "${K[officer]}"
keep unmatched2
jeq "only NODATA-2 waits" "$T/unmatched2" '[u["document_id"] for u in d["unmatched"]]' '["NODATA-2"]'
expect 200 "the late one's view" GET /v1/declarations/EXP-L/L-LATE "${K[officer]}"
keep late-view
jcheck "the late one has arrived" "$T/late-view" 'd["lifecycle"]["arrived_at"] is not None and d["lifecycle"]["state"] in ("released", "held")'

# ---- the officer's queue --------------------------------------------------------------
expect 200 "the queue" GET /v1/queue "${K[officer]}"
keep queue
check "the queue holds every held declaration" eq "$(jv "$T/queue" 'len(d["queue"])')" \
    "$(sql "SELECT count(*) FROM declarations WHERE state IN ('held', 'inspected', 'reassessed')")"
cat >"$T/order.py" <<'EOF2'
import json, sys
q = json.load(open(sys.argv[1]))['queue']
sev = {'red': 0, 'yellow': 1, 'blue': 2, 'green': 3}
keys = [(not e['aeo'], sev.get(e['lane'], 4), e['since']) for e in q]
print('ok' if keys == sorted(keys) else keys)
EOF2
check "AEO first, then lane, then age" eq "$(python3 "$T/order.py" "$T/queue")" ok
expect 200 "the red ones" GET '/v1/queue?lane=red' "${K[officer]}"
keep queue-red
jcheck "only red" "$T/queue-red" 'len(d["queue"]) >= 1 and all(e["lane"] == "red" for e in d["queue"])'
expect 200 "held for payment" GET '/v1/queue?reason=payment&older_than=0' "${K[officer]}"
keep queue-pay
jcheck "only payment holds" "$T/queue-pay" 'all(e["hold_reason"] == "payment" for e in d["queue"])'
expect 200 "older than a day" GET '/v1/queue?older_than=1d' "${K[officer]}"
keep queue-old
jeq "none older than a day" "$T/queue-old" 'len(d["queue"])' 0
expect 400 "a bad lane" GET '/v1/queue?lane=purple' "${K[officer]}"
expect 400 "a bad age" GET '/v1/queue?older_than=soon' "${K[officer]}"
expect 403 "submitters do not see the queue" GET /v1/queue "${K[sub]}"

# ---- officer actions ---------------------------------------------------------------------
inspect_one=$(jv "$T/queue" '[e["declaration_id"] for e in d["queue"] if e["hold_reason"] == "inspection" and e["settlement"] == "awaiting_payment"][0]')
pay_one=$(jv "$T/queue" '[e["declaration_id"] for e in d["queue"] if e["hold_reason"] == "payment"][0]')
seize_one=$(jv "$T/queue" '[e["declaration_id"] for e in d["queue"] if e["hold_reason"] == "inspection" and e["declaration_id"] != "'"$inspect_one"'"][0]')
[ -n "$inspect_one" ] && [ -n "$pay_one" ] && [ -n "$seize_one" ] || die "the queue lacks the parcels the actions need"
expect 409 "no release of an unpaid parcel held for inspection" POST "/v1/declarations/EXP-L/$inspect_one/release" "${K[officer]}"
due=$(sql "SELECT printf('%d.%02d', due_minor / 100, due_minor % 100) FROM declarations WHERE declaration_id = '$inspect_one'")
printf '{"payment_id":"PAY-L-0","payer":"a buyer","amount":{"amount":"%s","currency":"EUR"},"declaration":{"submitter":"EXP-L","declaration_id":"%s"}}' \
    "$due" "$inspect_one" >"$T/pay0.json"
post_json 201 "its buyer pays" /v1/payments "${K[sub]}" "$T/pay0.json"
check "a payment does not release a parcel held for inspection" eq \
    "$(sql "SELECT state || '/' || hold_reason FROM declarations WHERE declaration_id = '$inspect_one'")" held/inspection
expect 200 "release a parcel held for inspection" POST "/v1/declarations/EXP-L/$inspect_one/release" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"reason":"documents checked"}'
keep rel
jeq "released from held" "$T/rel" 'd["from"] + ">" + d["state"]' 'held>released'
n=$(sql "SELECT count(*) FROM events")
expect 409 "release twice" POST "/v1/declarations/EXP-L/$inspect_one/release" "${K[officer]}"
jcheck "the refusal names the state and the action" "$T/body" '"released" in d["detail"] and d["state"] == "released"'
expect 409 "release while unpaid" POST "/v1/declarations/EXP-L/$pay_one/release" "${K[officer]}"
jcheck "the refusal says what is unpaid" "$T/body" '"awaiting_payment" in d["detail"] or "held" in d["detail"]'
expect 400 "seize without a reason" POST "/v1/declarations/EXP-L/$pay_one/seize" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{}'
expect 400 "hold without hold_reason" POST "/v1/declarations/EXP-L/$pay_one/hold" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"reason":"x"}'
expect 403 "submitters cannot release" POST "/v1/declarations/EXP-L/$pay_one/release" "${K[sub]}"
expect 404 "no such declaration" POST "/v1/declarations/EXP-L/NOPE/release" "${K[officer]}"
expect 404 "no such action" POST "/v1/declarations/EXP-L/$pay_one/approve" "${K[officer]}"
check "refusals changed nothing" eq "$(sql "SELECT count(*) FROM events")" "$n"
check "the unpaid one is still held for payment" eq \
    "$(sql "SELECT state || '/' || hold_reason FROM declarations WHERE declaration_id = '$pay_one'")" held/payment

# a buyer pays: the parcel waiting at the border for it goes at once
buyer_one=$(jv "$T/queue" '[e["declaration_id"] for e in d["queue"] if e["hold_reason"] == "payment" and e["settlement"] == "awaiting_payment" and e["lane"] in ("green", "blue") and e["declaration_id"] != "'"$pay_one"'"][0]')
if [ -n "$buyer_one" ] && [ "${buyer_one:0:7}" != "<error:" ]; then
    due=$(sql "SELECT printf('%d.%02d', due_minor / 100, due_minor % 100) FROM declarations WHERE declaration_id = '$buyer_one'")
    printf '{"payment_id":"PAY-L-1","payer":"a buyer","amount":{"amount":"%s","currency":"EUR"},"declaration":{"submitter":"EXP-L","declaration_id":"%s"}}' \
        "$due" "$buyer_one" >"$T/pay.json"
    post_json 201 "the buyer pays" /v1/payments "${K[sub]}" "$T/pay.json"
    check "paid at the border: released by auto" eq \
        "$(sql "SELECT d.state || ':' || e.actor FROM declarations d JOIN events e ON e.declaration = d.id WHERE d.declaration_id = '$buyer_one' ORDER BY e.id DESC LIMIT 1")" released:auto
else
    fail "no green parcel held for the buyer's payment in the traffic"
fi

# ---- inspections: a seizure, a reassessment ---------------------------------------------------
expect 201 "an inspection that seizes" POST "/v1/declarations/EXP-L/$seize_one/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"result":"seized","scan_ref":"NII-1","findings":"counterfeit"}'
check "seized" eq "$(sql "SELECT state FROM declarations WHERE declaration_id = '$seize_one'")" seized
expect 200 "destroy the seized goods" POST "/v1/declarations/EXP-L/$seize_one/destroy" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"reason":"court order 12/2026"}'
expect 409 "nothing after destruction" POST "/v1/declarations/EXP-L/$seize_one/release" "${K[officer]}"
jcheck "a final state" "$T/body" '"final state" in d["detail"]'
expect 409 "no inspection after destruction" POST "/v1/declarations/EXP-L/$seize_one/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"result":"compliant"}'
# the reassessment: the first item's value ten times what was declared
re_one=$(jv "$T/queue" '[e["declaration_id"] for e in d["queue"] if e["hold_reason"] == "payment" and e["declaration_id"] not in ("'"$pay_one"'", "'"$buyer_one"'")][0]')
old_value=$(python3 -c "
import json
for l in open('$T/traffic.ndjson'):
    d = json.loads(l)
    if d['declaration_id'] == '$re_one': print(d['items'][0]['value']['amount'])")
new_value=$(python3 -c "from decimal import Decimal as D; print((D('$old_value') * 10).quantize(D('0.01')))")
n=$(sql "SELECT count(*) FROM events")
expect 400 "a correction the pipeline refuses" POST "/v1/declarations/EXP-L/$re_one/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"result":"discrepancy","corrections":[{"item":0,"value":"1.234"}]}'
expect 400 "a correction of an item that is not there" POST "/v1/declarations/EXP-L/$re_one/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"result":"discrepancy","corrections":[{"item":99,"value":"1.00"}]}'
jcheck "the error names the item" "$T/body" '"item" in d["detail"]'
check "refused corrections recorded nothing" eq "$(sql "SELECT count(*) FROM events")" "$n"
expect 201 "an inspection that corrects the value" POST "/v1/declarations/EXP-L/$re_one/inspection" "${K[officer]}" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"result\":\"discrepancy\",\"scan_ref\":\"NII-2\",\"findings\":\"invoice shows more\",\"corrections\":[{\"item\":0,\"value\":\"$new_value\"}]}"
keep reassess
jeq "reassessed" "$T/reassess" 'd["reassessed"]' true
jcheck "the new tax is above the old" "$T/reassess" 'D(d["reassessment"]["tax"]) > D(d["reassessment"]["old_tax"])'
jcheck "old amounts are the stored assessment" "$T/reassess" \
    'D(d["reassessment"]["old_due"]) * 100 == '"$(sql "SELECT due_minor FROM declarations WHERE declaration_id = '$re_one'")"
check "state reassessed, the new tax stored beside the old" eq \
    "$(sql "SELECT state || ':' || (reassessed_tax_minor > tax_minor) || ':' || tax_minor FROM declarations WHERE declaration_id = '$re_one'")" \
    "reassessed:1:$(jv "$T/reassess" 'int(D(d["reassessment"]["old_tax"]) * 100)')"

# ---- the command line ----------------------------------------------------------------------
run show bw show --db "$db" --timeline EXP-L "$re_one"
check "show --timeline exits 0" eq "$rc" 0
for ev in received arrived held inspected reassessed; do
    check "the timeline lists $ev" grep -Eq "^[0-9T:Z-]+ +[^ ]+ +$ev " "$T/show"
done
check "the timeline's head says the state" grep -q "state reassessed" "$T/show"
run showjson bw show --db "$db" EXP-L L-GUN
jeq "show as JSON carries the lifecycle" "$T/showjson" 'd["lifecycle"]["hold_reason"]' do_not_load
echo '{"carrier":"POST-X","master_id":"DISPATCH-9","arrived_at":"2026-11-25T05:00:00Z","items":["NODATA-2","NODATA-3"]}' >"$T/m2.json"
run arrive bw arrive --db "$db" "$T/m2.json"
check "arrive exits 0" eq "$rc" 0
jeq "arrive prints the summary last" "$T/arrive" 'L[-1]["unmatched"]' 2
run arrive2 bw arrive --db "$db" "$T/m2.json"
jeq "arrive again: a duplicate" "$T/arrive2" 'L[-1]["outcome"]' duplicate
run queue bw queue --db "$db" --reason payment
check "queue exits 0" eq "$rc" 0
check "queue lists the payment holds" eq "$(grep -c '"hold_reason":"payment"' "$T/queue")" \
    "$(sql "SELECT count(*) FROM declarations WHERE state = 'held' AND hold_reason = 'payment'")"
run act bw act --db "$db" --officer night release EXP-L "$inspect_one"
check "act refuses an illegal release (exit 1)" eq "$rc" 1
check "act says why" grep -q "state released cannot be released" "$T/act.err"
run act2 bw act --db "$db" --officer night --reason "x-ray: batteries" --hold-reason documents hold EXP-L L-GUN
check "act holds (exit 0)" eq "$rc" 0
check "the officer is the actor" eq "$(sql "SELECT actor FROM events WHERE kind = 'held' ORDER BY id DESC LIMIT 1")" officer:night
run act3 bw act --db "$db" approve EXP-L L-GUN
check "act: an unknown action is a usage error" eq "$rc" 2

summary
[ "$failures" -eq 0 ]
