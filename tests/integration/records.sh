#!/usr/bin/env bash
# Separate order, payment and logistics records end to end (the CN
# three-document comparison; docs/records.md), through the real server
# (sanitizer build, real SQLite file, loopback port) and the command line:
#   - a CN declaration (records_required: order, payment, logistics) stored
#     without records is held yellow, with the comparison and the hold in
#     its history;
#   - an order, a payment and a waybill that agree, each from its own
#     submitter, release it to the lane its stored decision had
#     (records_complete);
#   - a payment of another amount is a hit with evidence and raises the lane;
#   - records that arrive before the declaration work the same;
#   - idempotency (duplicate 200, other content 409), errors with their
#     paths (400), unknown kinds (404), roles and who may read what;
#   - the same through `breakwater ingest` and `breakwater records add|show`;
#   - an EU declaration (nothing required) is left alone.
# Run by tests/run.sh (BW, BW_TMP and BW_TOP set there).  Needs bash, curl
# and python3 (for reading JSON).  A failed check prints "FAIL: <check>"
# and the script goes on; it ends with "records: N checks, M failed" and
# exits 1 if any failed.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/records
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
export BREAKWATER_DATA="$DATA"   # the records' risk policy is the default data directory's
db="$T/rec.db"
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: records.sh needs $tool" >&2; echo "records: 0 checks, 1 failed"; exit 1; }
done

SUITE=records
. "$(dirname "$0")/lib.bash"

view() { # NAME ID: GET the declaration as customs, saved as $T/NAME
    expect 200 "GET declaration $2" GET "/v1/declarations/EXP-R/$2" "${K[officer]}"
    keep "$1"
}

# ---- declarations and their records ------------------------------------------------
bw gen --count 40 --seed 11 --jurisdiction CN >"$T/gen-cn.ndjson" || die "breakwater gen failed"
bw gen --count 5 --seed 12 --jurisdiction EU >"$T/gen-eu.ndjson" || die "breakwater gen failed"
# mk.py GEN N ID: the N-th generated declaration as submitter EXP-R's ID;
# rec.py DECL KIND [key=value...]: the record of KIND that agrees with DECL,
# with fields overridden (amount=, items=, payment_id=)
cat >"$T/mk.py" <<'EOF'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]
d['submitter'] = {'id': 'EXP-R', 'role': 'express'}
d['declaration_id'] = sys.argv[3]
print(json.dumps(d, separators=(',', ':')))
EOF
cat >"$T/rec.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
kind = sys.argv[2]
kv = dict(a.split('=', 1) for a in sys.argv[3:])
b, o = d['buyer'], d['order']
if kind == 'order':
    r = {'order_id': o['id'], 'platform': {'id': o['platform']['id']},
         'buyer': {'name': b['name'], 'national_id': b['national_id']},
         'total': dict(o['total']), 'items': int(kv.get('items', len(d['items']))), 'date': o['date']}
elif kind == 'payment':
    r = {'payment_id': kv.get('payment_id', d['payment']['id']), 'order_id': o['id'],
         'payer': {'name': b['name'], 'national_id': b['national_id']},
         'amount': {'amount': kv.get('amount', d['payment']['amount']['amount']), 'currency': d['payment']['amount']['currency']},
         'provider': d['payment']['provider']}
else:
    r = {'transport_document': d['transport']['document_id'], 'order_id': o['id'], 'carrier': d['transport']['carrier'],
         'consignee': {'name': b['name']}, 'packages': d['packages'], 'gross_weight_g': str(d['gross_weight_g']),
         'items': len(d['items'])}
print(json.dumps(r, separators=(',', ':')))
EOF
mk() { python3 "$T/mk.py" "$@"; }
rec() { python3 "$T/rec.py" "$@"; }

mk "$T/gen-cn.ndjson" 0 CN-HELD >"$T/held.json"       # declaration first, then agreeing records
mk "$T/gen-cn.ndjson" 1 CN-EARLY >"$T/early.json"     # agreeing records first
mk "$T/gen-cn.ndjson" 2 CN-PAYDIFF >"$T/paydiff.json" # records first, the payment differs
mk "$T/gen-cn.ndjson" 3 CN-CLI >"$T/cli.json"         # the command line
mk "$T/gen-eu.ndjson" 0 EU-1 >"$T/eu.json"
for f in held early paydiff cli eu; do
    run "validate.$f" bw validate "$T/$f.json"
    check "validate accepts $f.json (exit $rc: $(head -c 300 "$T/validate.$f"))" eq "$rc" 0
done
jcheck "test setup: four declarations, four orders, four waybills" /dev/null \
    "len({J('$T/'+f+'.json')['order']['id'] for f in ('held','early','paydiff','cli')}) == 4 and len({J('$T/'+f+'.json')['transport']['document_id'] for f in ('held','early','paydiff','cli')}) == 4"
for f in held early paydiff cli; do
    for k in order payment logistics; do rec "$T/$f.json" "$k" >"$T/$f.$k.json"; done
done
payment_amount=$(jv "$T/paydiff.json" 'd["payment"]["amount"]["amount"]')
rec "$T/paydiff.json" payment amount=1.00 >"$T/paydiff.payment.json"

# ---- keys and the server ------------------------------------------------------------
key officer officer
key analyst analyst
key sub express --submitter EXP-R          # declares
key platform platform --submitter MKT-CN    # the order
key payco platform --submitter PAYCO        # the payment (a payment company's submitter key)
key carrier express --submitter POST-CN     # the waybill

start_server

# ==== 1. stored without records: held ============================================================
post_json 200 "POST CN-HELD" /v1/declarations "${K[sub]}" "$T/held.json"
keep held.res
decided=$(jv "$T/held.res" 'd["risk"]["lane"]')
jcheck "CN-HELD: accepted with a decided lane ($decided)" "$T/held.res" 'd["status"] == "accepted" and d["risk"]["lane"] in ("green","blue","yellow","red")'
view held.0 CN-HELD
held_lane=$(python3 -c "L = ['green', 'blue', 'yellow', 'red']; print(L[max(L.index('$decided'), 2)])")
jeq "CN-HELD: held for missing records (at least yellow)" "$T/held.0" 'd["lane"]' "$held_lane"
jeq "CN-HELD: the stored decision is unchanged" "$T/held.0" 'd["risk"]["lane"]' "$decided"
jcheck "CN-HELD: a records_compared event naming every kind missing" "$T/held.0" \
    'detail(H(d,"records_compared")[-1])["hits"][0]["code"] == "reconciliation.records_missing" and detail(H(d,"records_compared")[-1])["hits"][0]["evidence"]["missing"] == ["order","payment","logistics"]'
if [ "$decided" = green ] || [ "$decided" = blue ]; then
    jcheck "CN-HELD: a records_missing lane event from $decided to yellow" "$T/held.0" \
        'len(H(d,"records_missing")) == 1 and detail(H(d,"records_missing")[0])["to"] == "yellow" and detail(H(d,"records_missing")[0])["from"] == "'"$decided"'"'
fi

# ==== 2. the three records arrive, each from its submitter =========================================
post_json 201 "POST the order (platform)" /v1/records/order "${K[platform]}" "$T/held.order.json"
keep order.res
jcheck "order: stored, compared with CN-HELD" "$T/order.res" \
    'd["outcome"] == "stored" and d["compared"] == 1 and d["kind"] == "order" and d["submitter"] == "MKT-CN"'
view held.1 CN-HELD
jeq "CN-HELD: still held with two records missing" "$T/held.1" 'detail(H(d,"records_compared")[-1])["hits"][0]["evidence"]["missing"]' '["payment","logistics"]'
post_json 201 "POST the payment (payment company)" /v1/records/payment "${K[payco]}" "$T/held.payment.json"
post_json 201 "POST the waybill (carrier)" /v1/records/logistics "${K[carrier]}" "$T/held.logistics.json"
view held.2 CN-HELD
jeq "CN-HELD: back to its decided lane" "$T/held.2" 'd["lane"]' "$decided"
jcheck "CN-HELD: the last comparison has no hits and lists the three records" "$T/held.2" \
    'detail(H(d,"records_compared")[-1])["hits"] == [] and sorted(r["kind"] for r in detail(H(d,"records_compared")[-1])["records"]) == ["logistics","order","payment"]'
if [ "$decided" = green ] || [ "$decided" = blue ]; then
    jcheck "CN-HELD: a records_complete event by the carrier" "$T/held.2" \
        'len(H(d,"records_complete")) == 1 and H(d,"records_complete")[0]["actor"] == "express:POST-CN"'
fi

# idempotency
post_json 200 "the same payment again" /v1/records/payment "${K[payco]}" "$T/held.payment.json"
jeq "the same payment again: duplicate" "$T/body" 'd["outcome"]' duplicate
rec "$T/held.json" payment amount=2.00 >"$T/held.payment2.json"
post_json 409 "the same payment id with another amount" /v1/records/payment "${K[payco]}" "$T/held.payment2.json"
view held.3 CN-HELD
jeq "CN-HELD: a refused record changes nothing" "$T/held.3" 'len(d["history"])' "$(jv "$T/held.2" 'len(d["history"])')"

# ==== 3. records before the declaration ============================================================
post_json 201 "POST CN-EARLY's order first" /v1/records/order "${K[platform]}" "$T/early.order.json"
jeq "an order nobody declared yet is compared with nothing" "$T/body" 'd["compared"]' 0
post_json 201 "POST CN-EARLY's payment first" /v1/records/payment "${K[payco]}" "$T/early.payment.json"
post_json 201 "POST CN-EARLY's waybill first" /v1/records/logistics "${K[carrier]}" "$T/early.logistics.json"
post_json 200 "POST CN-EARLY" /v1/declarations "${K[sub]}" "$T/early.json"
early_decided=$(jv "$T/body" 'd["risk"]["lane"]')
view early CN-EARLY
jeq "CN-EARLY: its decided lane stands" "$T/early" 'd["lane"]' "$early_decided"
jcheck "CN-EARLY: compared once, no hits, no lane event" "$T/early" \
    'len(H(d,"records_compared")) == 1 and detail(H(d,"records_compared")[0])["hits"] == [] and not H(d,"records_missing") and not H(d,"records_mismatch")'

# ==== 4. a payment of another amount ===============================================================
post_json 201 "POST CN-PAYDIFF's order" /v1/records/order "${K[platform]}" "$T/paydiff.order.json"
post_json 201 "POST CN-PAYDIFF's payment of 1.00" /v1/records/payment "${K[payco]}" "$T/paydiff.payment.json"
post_json 201 "POST CN-PAYDIFF's waybill" /v1/records/logistics "${K[carrier]}" "$T/paydiff.logistics.json"
post_json 200 "POST CN-PAYDIFF" /v1/declarations "${K[sub]}" "$T/paydiff.json"
view paydiff CN-PAYDIFF
jcheck "CN-PAYDIFF: at least yellow" "$T/paydiff" 'd["lane"] in ("yellow","red")'
jcheck "CN-PAYDIFF: a record_amount hit: which record, which field, declared vs recorded" "$T/paydiff" \
    '[h["evidence"] for h in detail(H(d,"records_compared")[-1])["hits"] if h["code"] == "reconciliation.record_amount"] == [{"record": {"kind": "payment", "key": J("'"$T/paydiff.payment.json"'")["payment_id"], "submitter": "PAYCO"}, "field": "amount.amount", "declared": "'"$payment_amount"'", "recorded": "1.00", "currency": "CNY", "tolerance": "0.00"}]'
# a second payment company disagrees with CN-EARLY, which had been released: raised
rec "$T/early.json" payment payment_id=PAY-OTHER amount=3.00 >"$T/early.payment2.json"
key payco2 platform --submitter PAYCO-2
post_json 201 "another payment company's payment for CN-EARLY" /v1/records/payment "${K[payco2]}" "$T/early.payment2.json"
view early.2 CN-EARLY
if [ "$early_decided" = green ] || [ "$early_decided" = blue ]; then
    jeq "CN-EARLY: raised to yellow by the mismatch" "$T/early.2" 'd["lane"]' yellow
    jcheck "CN-EARLY: a records_mismatch event naming the hit" "$T/early.2" \
        'detail(H(d,"records_mismatch")[-1])["codes"] == ["reconciliation.record_amount"]'
fi

# ==== 5. errors, roles, reading ====================================================================
printf '{"order_id": 5, "buyer": {}, "total": {"amount": "1.234", "currency": "CNY"}, "items": 1, "extra": true}' >"$T/bad.json"
post_json 400 "a record with errors" /v1/records/order "${K[platform]}" "$T/bad.json"
jcheck "400: every error with its path" "$T/body" \
    '{(e["path"], e["code"]) for e in d["errors"]} == {("order_id","type.string"), ("buyer","field.required"), ("total.amount","amount.precision"), ("extra","field.unknown")}'
printf 'not json' >"$T/notjson.json"
post_json 400 "not JSON" /v1/records/payment "${K[payco]}" "$T/notjson.json"
jeq "not JSON: json.syntax" "$T/body" 'd["errors"][0]["code"]' json.syntax
post_json 404 "an unknown kind of record" /v1/records/invoice "${K[platform]}" "$T/held.order.json"
post_json 403 "customs does not post records" /v1/records/order "${K[officer]}" "$T/held.order.json"
post_json 401 "no key" /v1/records/order "" "$T/held.order.json"
order_id=$(jv "$T/held.order.json" 'd["order_id"]')
expect 200 "GET the order (officer)" GET "/v1/records/order/$order_id" "${K[officer]}"
jcheck "GET order: the canonical record with who sent it" "$T/body" \
    'd["kind"] == "order" and d["key"] == "'"$order_id"'" and len(d["records"]) == 1 and d["records"][0]["submitter"] == "MKT-CN" and d["records"][0]["actor"] == "platform:MKT-CN" and d["records"][0]["record"]["total"] == J("'"$T/held.order.json"'")["total"]'
expect 200 "GET the order (analyst)" GET "/v1/records/order/$order_id" "${K[analyst]}"
expect 200 "GET the order (its submitter)" GET "/v1/records/order/$order_id" "${K[platform]}"
expect 404 "GET the order (another submitter)" GET "/v1/records/order/$order_id" "${K[payco]}"
expect 404 "GET an unknown order" GET "/v1/records/order/NO-SUCH" "${K[officer]}"
expect 404 "GET an unknown kind" GET "/v1/records/invoice/$order_id" "${K[officer]}"
expect 405 "DELETE a record" DELETE "/v1/records/order/$order_id" "${K[officer]}"

# ==== 6. EU: nothing required ======================================================================
post_json 200 "POST EU-1" /v1/declarations "${K[sub]}" "$T/eu.json"
eu_decided=$(jv "$T/body" 'd["risk"]["lane"]')
view eu EU-1
jeq "EU-1: its decided lane stands" "$T/eu" 'd["lane"]' "$eu_decided"
jcheck "EU-1: no records of its order: no records event at all" "$T/eu" 'not [e for e in d["history"] if e["event"].startswith("records_")]'

# ==== 7. the command line ==========================================================================
run ingest.cli bw ingest --db "$db" --data "$DATA" --results "$T/cli.res" "$T/cli.json"
check "ingest CN-CLI: exit 0 ($(head -c 300 "$T/ingest.cli.err"))" eq "$rc" 0
cli_decided=$(jv "$T/cli.res" 'L[0]["risk"]["lane"]')
run show.cli.0 bw show --db "$db" EXP-R CN-CLI
if [ "$cli_decided" = green ] || [ "$cli_decided" = blue ]; then
    jeq "CN-CLI: held yellow after ingest" "$T/show.cli.0" 'd["lane"]' yellow
fi
jcheck "CN-CLI: compared at ingest" "$T/show.cli.0" 'H(d,"records_compared")[0]["actor"] == "breakwater:records"'
cat "$T/cli.order.json" >"$T/cli.orders.ndjson"
printf '{"order_id": "X"}\n' >>"$T/cli.orders.ndjson"
run add.order bw records add --db "$db" --data "$DATA" --kind order --submitter MKT-CN "$T/cli.orders.ndjson"
check "records add with a bad line: exit 1" eq "$rc" 1
jcheck "records add: line 1 stored and compared, line 2 rejected with its errors" "$T/add.order" \
    'L[0]["line"] == 1 and L[0]["outcome"] == "stored" and L[0]["compared"] == 1 and L[1]["line"] == 2 and L[1]["outcome"] == "rejected" and {"buyer","total","items"} <= {e["path"] for e in L[1]["errors"]}'
run add.payment bw records add --db "$db" --data "$DATA" --kind payment --submitter PAYCO - <"$T/cli.payment.json"
check "records add payment from stdin: exit 0" eq "$rc" 0
run add.logistics bw records add --db "$db" --data "$DATA" --kind logistics --submitter POST-CN "$T/cli.logistics.json"
check "records add logistics: exit 0" eq "$rc" 0
if [ "$cli_decided" = green ] || [ "$cli_decided" = blue ]; then
    jeq "records add logistics: the lane changed" "$T/add.logistics" 'L[0]["lanes_changed"]' 1
fi
run show.cli.1 bw show --db "$db" EXP-R CN-CLI
jeq "CN-CLI: back to its decided lane" "$T/show.cli.1" 'd["lane"]' "$cli_decided"
run add.again bw records add --db "$db" --data "$DATA" --kind logistics --submitter POST-CN "$T/cli.logistics.json"
jeq "records add again: duplicate" "$T/add.again" 'L[0]["outcome"]' duplicate
run show.rec bw records show --db "$db" --kind logistics "$(jv "$T/cli.logistics.json" 'd["transport_document"]')"
check "records show: exit 0" eq "$rc" 0
jeq "records show: the waybill from POST-CN" "$T/show.rec" 'd["records"][0]["submitter"]' POST-CN
run show.none bw records show --db "$db" --kind logistics NO-SUCH
check "records show of nothing: exit 1" eq "$rc" 1
run add.usage bw records add --db "$db" --kind invoice "$T/cli.logistics.json"
check "records add --kind invoice: exit 2" eq "$rc" 2
# what the API stored is what the command line shows
run show.api bw records show --db "$db" --kind order "$order_id"
expect 200 "GET the order again" GET "/v1/records/order/$order_id" "${K[officer]}"
jcheck "records show = GET /v1/records" "$T/show.api" 'd == J("'"$T/body"'")'

# ==== the server ends cleanly ======================================================================
kill -TERM "$srv"
n=300
while alive "$srv" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
set +e; { wait "$srv"; } 2>/dev/null; src=$?; set -e
pids=()
check "the server stops on SIGTERM with exit 0 (got $src)" eq "$src" 0
check "the server logged no records failure" bash -c "! grep -q 'records:' '$T/serve.err'"
for f in "$T"/*.err; do
    if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$f"; then
        fail "sanitizer report in $(basename "$f"): $(grep -m 3 'ERROR\|runtime error' "$f" | tr '\n' ' ')"
    fi
done

summary
[ "$failures" -eq 0 ]
