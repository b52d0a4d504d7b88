#!/usr/bin/env bash
# Revenue end to end, through the command line and the real server (sanitizer
# build, real SQLite file, loopback port): landed-cost quotes (CLI and the
# public POST /v1/quote), an intermediary account with its guarantee (debited,
# held, released by a payment, monthly statements in JSON and CSV), the buyer
# collection model (awaiting payment, refused, paid, duplicate, not yours),
# the CN yearly per-buyer limit and the US daily limit before and after the
# 2025-08-29 suspension.  Run by tests/run.sh (BW, BW_TMP and BW_TOP set
# there; BREAKWATER_REFDATA from the environment: the EU VAT rates come from
# it).  Needs bash, curl, sqlite3 and python3 (for reading JSON and for
# decimal arithmetic).
#
# Every declaration is written here from a `breakwater gen` record with the
# fields that matter set explicitly (ids, items, values, buyer, collection),
# and `breakwater validate` must accept it.  A failed check prints
# "FAIL: <check>" with what came back, and the script goes on; it ends with
# "revenue: N checks, M failed" and exits 1 if any failed.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/revenue
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
db="$T/rev.db"
for tool in curl sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: revenue.sh needs $tool" >&2; echo "revenue: 0 checks, 1 failed"; exit 1; }
done

SUITE=revenue
. "$(dirname "$0")/lib.bash"

# ---- declarations -------------------------------------------------------------------
bw gen --count 50 --seed 3 >"$T/gen.ndjson" || die "breakwater gen failed"
# mk KEY=VALUE...: one declaration on stdout, from the first generated record
# of the jurisdiction (j=), with one item (hs_code 610910 unless hs=) of value=
# in the jurisdiction's currency, freight=, the buyer's country=, id= (buyer.id)
# and nid= (national_id), and collection model= (account= for intermediary)
cat >"$T/mk.py" <<'EOF'
import json, sys
from decimal import Decimal
kv = dict(a.split('=', 1) for a in sys.argv[2:])
j = kv['j']
cur = {'CN': 'CNY', 'US': 'USD', 'EU': 'EUR', 'GB': 'GBP', 'AU': 'AUD', 'CA': 'CAD'}[j]
d = next(x for x in map(json.loads, open(sys.argv[1])) if x['jurisdiction'] == j)
d['submitter'] = {'id': kv.get('submitter', 'EXP-R'), 'role': 'express'}
d['declaration_id'] = kv['decl']
item = dict(d['items'][0])
item.update({'description': 'Cotton T-shirt', 'hs_code': kv.get('hs', '610910'), 'quantity': 1, 'unit': 'pcs',
             'net_weight_g': 200, 'value': {'amount': kv['value'], 'currency': cur}, 'origin': kv.get('origin', 'VN')})
d['items'] = [item]
d['gross_weight_g'] = 260
freight = kv.get('freight', '0.00')
d['freight'] = {'amount': freight, 'currency': cur}
d['insurance'] = {'amount': '0.00', 'currency': cur}
total = {'amount': str(Decimal(kv['value']) + Decimal(freight)), 'currency': cur}
if d.get('order'): d['order']['total'] = total
if d.get('payment'): d['payment']['amount'] = dict(total)
b = d['buyer']
if 'country' in kv: b['address']['country'] = kv['country']
if 'buyer' in kv: b['id'] = kv['buyer']
if 'nid' in kv: b['national_id'] = kv['nid']
model = kv.get('model', 'buyer')
d['collection'] = {'model': model, 'scheme_number': None, 'account_id': kv.get('account') if model == 'intermediary' else None}
print(json.dumps(d, separators=(',', ':')))
EOF
mk() { python3 "$T/mk.py" "$T/gen.ndjson" "$@"; }

# the intermediary account (EU, destination DE), the buyer model (EU)
mk j=EU country=DE decl=ACC-1 value=500.00 model=intermediary account=ACC-R >"$T/acc1.json"
mk j=EU country=DE decl=ACC-2 value=500.00 model=intermediary account=ACC-R >"$T/acc2.json"
mk j=EU country=DE decl=ACC-3 value=500.00 model=intermediary account=ACC-R >"$T/acc3.json"
mk j=EU country=DE decl=BUY-1 value=500.00 model=buyer >"$T/buy1.json"
mk j=EU country=DE decl=BUY-2 value=300.00 model=buyer >"$T/buy2.json"
# CN: seven of CNY 4,000 for one buyer (the seventh over CNY 26,000 a year),
# then CNY 2,000 that still fits, one the next year, one for another buyer
for i in 1 2 3 4 5 6; do mk j=CN decl=CN-L$i value=4000.00 nid=110101199001011234; done >"$T/cn6.ndjson"
mk j=CN decl=CN-L7 value=4000.00 nid=110101199001011234 >"$T/cn7.json"
mk j=CN decl=CN-L8 value=2000.00 nid=110101199001011234 >"$T/cn8.json"
mk j=CN decl=CN-NEXT value=4000.00 nid=110101199001011234 >"$T/cn-next.json"
mk j=CN decl=CN-OTHER value=4000.00 nid=320102198505054321 >"$T/cn-other.json"
# US: USD 500 twice a day for one buyer, before and after 2025-08-29
for n in 1 2; do mk j=US decl=US-JUN-$n value=500.00 buyer=B-US-1 >"$T/us-jun-$n.json"; done
mk j=US decl=US-JUN-NEXTDAY value=500.00 buyer=B-US-1 >"$T/us-jun-nextday.json"
mk j=US decl=US-JUN-OTHER value=500.00 buyer=B-US-2 >"$T/us-jun-other.json"
for n in 1 2; do mk j=US decl=US-SEP-$n value=500.00 buyer=B-US-1 >"$T/us-sep-$n.json"; done

cat "$T"/acc?.json "$T"/buy?.json "$T/cn6.ndjson" "$T/cn7.json" "$T/cn8.json" "$T/cn-other.json" >"$T/now.ndjson"
run validate.now bw validate "$T/now.ndjson"
check "validate accepts the hand-made declarations (exit $rc: $(grep -v '"status":"accepted"' "$T/validate.now" | head -c 600))" eq "$rc" 0
jeq "validate: every hand-made declaration accepted" "$T/validate.now" 'sum(x["status"] == "accepted" for x in L)' 14
next_year=$(($(date -u +%Y) + 1))   # the CN running total is per calendar year of the assessment
for as_of in "$next_year-01-15:cn-next" 2025-06-01:us-jun-1 2025-06-01:us-jun-other 2025-06-02:us-jun-nextday 2025-09-01:us-sep-1; do
    run validate.one bw validate --as-of "${as_of%%:*}" "$T/${as_of#*:}.json"
    check "validate --as-of ${as_of%%:*} accepts ${as_of#*:} (exit $rc: $(head -c 400 "$T/validate.one"))" eq "$rc" 0
done

# ---- keys and the server ------------------------------------------------------------
key admin admin
key officer officer
key analyst analyst
key sub express --submitter EXP-R
key other express --submitter EXP-S

start_server

# ==== 1. quotes ================================================================================
# only what a quote needs: jurisdiction, the buyer's country, items, freight
cat >"$T/quote.json" <<'EOF'
{"jurisdiction": "EU", "buyer": {"address": {"country": "DE"}},
 "items": [{"hs_code": "610910", "quantity": 2, "value": {"amount": "200.00", "currency": "EUR"}, "origin": "CN"},
           {"hs_code": "420222", "quantity": 1, "value": {"amount": "35.50", "currency": "EUR"}, "origin": "CN"}],
 "freight": {"amount": "9.90", "currency": "EUR"}}
EOF
run quote.cli bw quote "$T/quote.json"
check "quote: exit 0 (stderr: $(head -c 300 "$T/quote.cli.err"))" eq "$rc" 0
q=$T/quote.cli
jeq "quote: one estimate" "$q" 'len(L)' 1
jeq "quote: an estimate" "$q" 'L[0]["estimate"]' true
jeq "quote: in the jurisdiction's currency" "$q" 'L[0]["currency"]' EUR
jeq "quote: goods = the items' values" "$q" 'L[0]["goods"]' 235.50
jeq "quote: transport = the freight" "$q" 'L[0]["transport"]' 9.90
jcheck "quote: duty owed above the de minimis" "$q" 'D(L[0]["duty"]) > 0'
jcheck "quote: tax owed" "$q" 'D(L[0]["tax"]) > 0'
jcheck "quote: landed_cost = goods + transport + duty + tax" "$q" \
    'D(L[0]["landed_cost"]) == D(L[0]["goods"]) + D(L[0]["transport"]) + D(L[0]["duty"]) + D(L[0]["tax"])'
jcheck "quote: due_at_border = duty + tax - tax_at_checkout" "$q" \
    'D(L[0]["due_at_border"]) == D(L[0]["duty"]) + D(L[0]["tax"]) - D(L[0]["tax_at_checkout"])'
jcheck "quote: duty and tax are the assessment's" "$q" \
    'L[0]["revenue"]["duty"] == L[0]["duty"] and L[0]["revenue"]["tax"] == L[0]["tax"]'
jcheck "quote: the items' duties add up to the duty" "$q" \
    'sum(D(i["duty"]) for i in L[0]["revenue"]["items"]) == D(L[0]["duty"])'
jcheck "quote: each tax is its rate on its base" "$q" \
    'all(D(t["amount"]) == r2(D(t["base"]) * D(t["rate_pct"]) / 100) for i in L[0]["revenue"]["items"] for t in i["taxes"])'
jcheck "quote: customs value (CIF) = goods + transport" "$q" \
    'D(L[0]["revenue"]["customs_value"]) == D(L[0]["goods"]) + D(L[0]["transport"])'
jeq "quote: no errors" "$q" 'L[0]["errors"]' '[]'
jcheck "quote: missing lodging fields are warnings (seller.name, declaration_id)" "$q" \
    '{"seller.name", "declaration_id"} <= {w["path"] for w in L[0]["warnings"] if w["code"] == "field.required"}'
# what a quote does need stays an error
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["items"][0]["hs_code"]; print(json.dumps(d))' \
    "$T/quote.json" >"$T/quote-nohs.json"
run quote.nohs bw quote "$T/quote-nohs.json"
check "quote without an item's hs_code: exit 1" eq "$rc" 1
jcheck "quote without hs_code: an error at items[0].hs_code, no estimate" "$T/quote.nohs" \
    'L[0]["estimate"] is False and any(e["path"] == "items[0].hs_code" for e in L[0]["errors"])'
sed 's/"EU"/"ZZ"/' "$T/quote.json" >"$T/quote-zz.json"
run quote.zz bw quote "$T/quote-zz.json"
check "quote for an unknown jurisdiction: exit 1" eq "$rc" 1
jcheck "quote for an unknown jurisdiction: jurisdiction.unknown" "$T/quote.zz" \
    'any(e["code"] == "jurisdiction.unknown" for e in L[0]["errors"])'

# the public API: no key needed, the same numbers
post_json 200 "POST /v1/quote without a key" /v1/quote "" "$T/quote.json"
header "POST /v1/quote: JSON" '^content-type: *application/json'
keep quote.http
jeq "POST /v1/quote: one quote" "$T/quote.http" 'len(d["quotes"])' 1
jcheck "POST /v1/quote: the same estimate as breakwater quote" "$T/quote.http" 'd["quotes"][0] == JL("'"$q"'")[0]'
post_json 200 "POST /v1/quote with a customs key" /v1/quote "${K[analyst]}" "$T/quote.json"
post_json 401 "POST /v1/quote with a malformed key" /v1/quote "bwk_not-a-key" "$T/quote.json"
post_json 422 "POST /v1/quote, unknown jurisdiction" /v1/quote "" "$T/quote-zz.json"
jcheck "422 quote: says why (jurisdiction.unknown), no estimate" "$T/body" \
    'd["quotes"][0]["estimate"] is False and d["quotes"][0]["errors"][0]["code"] == "jurisdiction.unknown"'
printf '%s\n%s\n' "$(tr -d '\n' <"$T/quote.json")" "$(tr -d '\n' <"$T/quote-zz.json")" >"$T/quote2.ndjson"
expect 422 "POST /v1/quote, NDJSON with one unknown jurisdiction" POST /v1/quote "" \
    -H 'Content-Type: application/x-ndjson' --data-binary "@$T/quote2.ndjson"
jcheck "422 quote NDJSON: both quotes, the good one estimated" "$T/body" \
    'len(d["quotes"]) == 2 and d["quotes"][0]["estimate"] is True and d["quotes"][1]["estimate"] is False'
expect 400 "POST /v1/quote, a body of white space" POST /v1/quote "" --data-binary ' '
expect 400 "POST /v1/quote, an empty body" POST /v1/quote "" -H 'Content-Length: 0'
header "400 quote: a problem" '^content-type: *application/problem\+json'

# ==== 2. an intermediary account with a guarantee ==============================================
due1=$(jv "$T/validate.now" '[x for x in L if x["declaration_id"] == "ACC-1"][0]["revenue"]["due"]')
guarantee=$(jv /dev/null "r2(D('$due1') * D('1.5'))")
jcheck "test setup: ACC-1 owes something ($due1)" /dev/null "D('$due1') > 0"
run acc.add bw accounts add --db "$db" --account ACC-R --jurisdiction EU --guarantee "$guarantee" --name "Express R"
check "accounts add: exit 0 ($(cat "$T/acc.add.err"))" eq "$rc" 0
jcheck "accounts add: the account, empty" "$T/acc.add" \
    'L[0]["id"] == "ACC-R" and L[0]["jurisdiction"] == "EU" and L[0]["currency"] == "EUR" and L[0]["guarantee"] == "'"$guarantee"'" and L[0]["balance"] == "0.00" and L[0]["held"] == 0'

# the first fits under the guarantee: debited (CLI)
run ingest.acc1 bw ingest --db "$db" --results "$T/acc1.res" "$T/acc1.json"
check "ingest ACC-1: exit 0" eq "$rc" 0
jeq "ACC-1: debited" "$T/acc1.res" 'L[0]["settlement"]' debited
jeq "ACC-1: the intermediary pays" "$T/acc1.res" 'L[0]["revenue"]["payer"]' intermediary
jeq "ACC-1: owes what validate said" "$T/acc1.res" 'L[0]["revenue"]["due"]' "$due1"
jcheck "ACC-1: due = duty + tax" "$T/acc1.res" \
    'D(L[0]["revenue"]["due"]) == D(L[0]["revenue"]["duty"]) + D(L[0]["revenue"]["tax"])'
# the second would exceed it: held (API)
post_json 200 "POST ACC-2 (over the guarantee)" /v1/declarations "${K[sub]}" "$T/acc2.json"
keep acc2.res
jeq "ACC-2: held" "$T/acc2.res" 'd["settlement"]' held
jcheck "ACC-2: settlement_detail says the guarantee would be exceeded" "$T/acc2.res" \
    '"exceed the guarantee" in d["settlement_detail"]'
jeq "ACC-2: outcome stored" "$T/acc2.res" 'd["outcome"]' stored
expect 200 "GET ACC-2" GET /v1/declarations/EXP-R/ACC-2 "${K[sub]}"
jcheck "GET ACC-2: settlement held on ACC-R, unsettled" "$T/body" \
    'd["settlement"]["state"] == "held" and d["settlement"]["account"] == "ACC-R" and d["settlement"]["settled_at"] is None and d["settlement"]["due"] == "'"$due1"'"'
jcheck "GET ACC-2: the stored assessment" "$T/body" 'd["revenue"]["due"] == "'"$due1"'" and d["revenue"]["computed"] is True'
expect 200 "GET /v1/accounts (officer)" GET /v1/accounts "${K[officer]}"
jcheck "GET /v1/accounts: balance = ACC-1's due, one held for ACC-2's" "$T/body" \
    'd["accounts"][0]["balance"] == "'"$due1"'" and d["accounts"][0]["held"] == 1 and d["accounts"][0]["held_due"] == "'"$due1"'"'
jcheck "GET /v1/accounts: available = guarantee - balance" "$T/body" \
    'D(d["accounts"][0]["available"]) == D(d["accounts"][0]["guarantee"]) - D(d["accounts"][0]["balance"])'
expect 403 "GET /v1/accounts (submitter)" GET /v1/accounts "${K[sub]}"
expect 401 "GET /v1/accounts (no key)" GET /v1/accounts ""

# a submitter may not credit an account; customs may, and that releases ACC-2
printf '{"payment_id":"PAY-ACC-1","payer":"Express R","amount":{"amount":"%s","currency":"EUR"},"account":{"id":"ACC-R","jurisdiction":"EU"}}' \
    "$due1" >"$T/pay-acc.json"
npay=$(sql 'select count(*) from payments')
post_json 403 "POST /v1/payments to an account (submitter key)" /v1/payments "${K[sub]}" "$T/pay-acc.json"
check "a refused account payment stores nothing" eq "$(sql 'select count(*) from payments')" "$npay"
post_json 403 "POST /v1/payments (analyst: not a payment role)" /v1/payments "${K[analyst]}" "$T/pay-acc.json"
post_json 201 "POST /v1/payments to the account (admin)" /v1/payments "${K[admin]}" "$T/pay-acc.json"
keep pay-acc.res
jcheck "account payment: recorded, released ACC-2" "$T/pay-acc.res" 'd["outcome"] == "recorded" and d["released"] >= 1'
jeq "account payment: balance = ACC-2's due" "$T/pay-acc.res" 'd["balance"]' "$due1"
post_json 200 "the same account payment again" /v1/payments "${K[admin]}" "$T/pay-acc.json"
jeq "the same account payment again: duplicate" "$T/body" 'd["outcome"]' duplicate
check "a duplicate payment is stored once" eq "$(sql "select count(*) from payments where payment_id = 'PAY-ACC-1'")" 1
expect 200 "GET ACC-2 after the payment" GET /v1/declarations/EXP-R/ACC-2 "${K[sub]}"
keep acc2.view
jcheck "ACC-2: debited now, with a time" "$T/acc2.view" \
    'd["settlement"]["state"] == "debited" and d["settlement"]["settled_at"] is not None'
jcheck "ACC-2: a released event" "$T/acc2.view" 'any(e["event"] == "released" for e in d["history"])'
expect 200 "GET ACC-1" GET /v1/declarations/EXP-R/ACC-1 "${K[officer]}"
keep acc1.view
jeq "ACC-1: debited" "$T/acc1.view" 'd["settlement"]["state"]' debited
period=$(jv "$T/acc1.view" 'd["settlement"]["settled_at"][:7]')
check "ACC-1 and ACC-2 debited in one month" eq "$(jv "$T/acc2.view" 'd["settlement"]["settled_at"][:7]')" "$period"

# the month's statement: CLI JSON and CSV, and the API
run stmt.json bw accounts statement --db "$db" --account ACC-R --period "$period" --format json
check "accounts statement --format json: exit 0" eq "$rc" 0
s=$T/stmt.json
jcheck "statement: opening + debits - credits = closing" "$s" \
    'D(L[0]["opening_balance"]) + D(L[0]["debits"]) - D(L[0]["credits"]) == D(L[0]["closing_balance"])'
jeq "statement: opening balance 0" "$s" 'L[0]["opening_balance"]' 0.00
jcheck "statement: debits = the debited declarations' due (ACC-1 + ACC-2)" "$s" \
    'D(L[0]["debits"]) == D(J("'"$T/acc1.view"'")["settlement"]["due"]) + D(J("'"$T/acc2.view"'")["settlement"]["due"])'
jeq "statement: credits = the payment" "$s" 'L[0]["credits"]' "$due1"
jcheck "statement: the lines add up to debits and credits" "$s" \
    'sum(D(l["amount"]) for l in L[0]["lines"] if l["kind"] == "debit") == D(L[0]["debits"]) and -sum(D(l["amount"]) for l in L[0]["lines"] if l["kind"] == "credit") == D(L[0]["credits"])'
jcheck "statement: two debits (ACC-1, ACC-2), one credit (PAY-ACC-1)" "$s" \
    'sorted(l["reference"] for l in L[0]["lines"]) == ["EXP-R/ACC-1", "EXP-R/ACC-2", "PAY-ACC-1"]'
jcheck "statement: a debit's duty + tax = its amount" "$s" \
    'all(D(l["duty"]) + D(l["tax"]) == D(l["amount"]) for l in L[0]["lines"] if l["kind"] == "debit")'
jcheck "statement: closing balance = the account's balance" "$s" 'L[0]["closing_balance"] == "'"$due1"'"'
run stmt.csv bw accounts statement --db "$db" --account ACC-R --period "$period" --format csv
check "accounts statement --format csv: exit 0" eq "$rc" 0
check "CSV: the header line" eq "$(head -n 1 "$T/stmt.csv")" "account,jurisdiction,period,at,kind,reference,duty,tax,amount,currency"
check "CSV: three lines after the header" eq "$(tail -n +2 "$T/stmt.csv" | wc -l | tr -d ' ')" 3
check "CSV: the amounts add up to debits - credits" eq \
    "$(python3 -c 'import csv,sys,decimal; print(sum(decimal.Decimal(r["amount"]) for r in csv.DictReader(open(sys.argv[1]))))' "$T/stmt.csv")" \
    "$(jv "$s" 'D(L[0]["debits"]) - D(L[0]["credits"])')"
run stmt.none bw accounts statement --db "$db" --account NO-SUCH --period "$period"
check "accounts statement for an unknown account: exit 1" eq "$rc" 1
expect 200 "GET statement (JSON)" GET "/v1/accounts/EU/ACC-R/statement?period=$period" "${K[analyst]}"
jcheck "GET statement: the same as the CLI's" "$T/body" 'd == JL("'"$s"'")[0]'
expect 200 "GET statement (CSV)" GET "/v1/accounts/EU/ACC-R/statement?period=$period&format=csv" "${K[analyst]}"
header "GET statement CSV: text/csv" '^content-type: *text/csv'
check "GET statement CSV: the same as the CLI's" cmp -s "$T/body" "$T/stmt.csv"
expect 404 "GET statement of an unknown account" GET "/v1/accounts/EU/NO-SUCH/statement?period=$period" "${K[analyst]}"
expect 400 "GET statement without a period" GET "/v1/accounts/EU/ACC-R/statement" "${K[analyst]}"
expect 400 "GET statement, period 2026-13" GET "/v1/accounts/EU/ACC-R/statement?period=2026-13" "${K[analyst]}"
expect 400 "GET statement, format xml" GET "/v1/accounts/EU/ACC-R/statement?period=$period&format=xml" "${K[analyst]}"
expect 403 "GET statement (submitter)" GET "/v1/accounts/EU/ACC-R/statement?period=$period" "${K[sub]}"

# a raised guarantee releases what it covers (POST /v1/accounts, admin only)
post_json 200 "POST ACC-3 (over the guarantee again)" /v1/declarations "${K[sub]}" "$T/acc3.json"
jeq "ACC-3: held" "$T/body" 'd["settlement"]' held
printf '{"id":"ACC-R","jurisdiction":"EU","guarantee":"%s"}' "$(jv /dev/null "D('$guarantee') * 3")" >"$T/acc-raise.json"
post_json 403 "POST /v1/accounts (officer)" /v1/accounts "${K[officer]}" "$T/acc-raise.json"
post_json 400 "POST /v1/accounts, unknown jurisdiction" /v1/accounts "${K[admin]}" <(echo '{"id":"X","jurisdiction":"ZZ","guarantee":"1.00"}')
post_json 200 "POST /v1/accounts raising the guarantee (admin)" /v1/accounts "${K[admin]}" "$T/acc-raise.json"
jcheck "raised guarantee: ACC-3 released, balance 2 x due" "$T/body" \
    'd["released"] == 1 and d["account"]["held"] == 0 and D(d["account"]["balance"]) == 2 * D("'"$due1"'")'
expect 200 "GET ACC-3" GET /v1/declarations/EXP-R/ACC-3 "${K[sub]}"
jcheck "ACC-3: debited, with a released event" "$T/body" \
    'd["settlement"]["state"] == "debited" and any(e["event"] == "released" for e in d["history"])'

# ==== 3. the buyer pays ======================================================================
post_json 200 "POST BUY-1 (buyer model)" /v1/declarations "${K[sub]}" "$T/buy1.json"
keep buy1.res
jeq "BUY-1: awaiting payment" "$T/buy1.res" 'd["settlement"]' awaiting_payment
jeq "BUY-1: the buyer pays" "$T/buy1.res" 'd["revenue"]["payer"]' buyer
due_b=$(jv "$T/buy1.res" 'd["revenue"]["due"]')
jcheck "test setup: BUY-1 owes something ($due_b)" /dev/null "D('$due_b') > 0"
payb() { # PAYMENT-ID AMOUNT CURRENCY SUBMITTER ID
    printf '{"payment_id":"%s","payer":"Erika Buyer","amount":{"amount":"%s","currency":"%s"},"declaration":{"submitter":"%s","declaration_id":"%s"}}' "$@"
}
npay=$(sql 'select count(*) from payments')
payb PAY-B-1 "$(jv /dev/null "D('$due_b') - D('0.01')")" EUR EXP-R BUY-1 >"$T/pay-wrong.json"
post_json 409 "a payment of the wrong amount" /v1/payments "${K[sub]}" "$T/pay-wrong.json"
jcheck "409: says the amount due" "$T/body" '"'"$due_b"'" in d["detail"]'
payb PAY-B-1 "$due_b" USD EXP-R BUY-1 >"$T/pay-cur.json"
post_json 409 "a payment in the wrong currency" /v1/payments "${K[sub]}" "$T/pay-cur.json"
run pay.wrong bw pay --db "$db" "$T/pay-wrong.json"
check "breakwater pay, wrong amount: exit 1" eq "$rc" 1
jeq "breakwater pay, wrong amount: refused" "$T/pay.wrong" 'L[0]["outcome"]' refused
payb PAY-B-1 "$due_b" EUR EXP-R BUY-1 >"$T/pay-b1.json"
post_json 404 "another submitter paying BUY-1" /v1/payments "${K[other]}" "$T/pay-b1.json"
check "refused payments store nothing" eq "$(sql 'select count(*) from payments')" "$npay"
expect 200 "GET BUY-1 after the refused payments" GET /v1/declarations/EXP-R/BUY-1 "${K[sub]}"
jcheck "BUY-1: still awaiting payment, no paid event" "$T/body" \
    'd["settlement"]["state"] == "awaiting_payment" and d["settlement"]["settled_at"] is None and not any(e["event"] == "paid" for e in d["history"])'
post_json 201 "the exact amount" /v1/payments "${K[sub]}" "$T/pay-b1.json"
jcheck "exact payment: recorded, paid" "$T/body" 'd["outcome"] == "recorded" and d["settlement"] == "paid"'
expect 200 "GET BUY-1 after the payment" GET /v1/declarations/EXP-R/BUY-1 "${K[sub]}"
jcheck "BUY-1: paid, with a time" "$T/body" 'd["settlement"]["state"] == "paid" and d["settlement"]["settled_at"] is not None'
jcheck "BUY-1: a paid event by express:EXP-R naming the payment" "$T/body" \
    'any(e["event"] == "paid" and e["actor"] == "express:EXP-R" and "PAY-B-1" in e["detail"] for e in d["history"])'
post_json 200 "the same payment again" /v1/payments "${K[sub]}" "$T/pay-b1.json"
jeq "the same payment again: duplicate" "$T/body" 'd["outcome"]' duplicate
payb PAY-B-1b "$due_b" EUR EXP-R BUY-1 >"$T/pay-b1b.json"
post_json 409 "another payment of a paid declaration" /v1/payments "${K[sub]}" "$T/pay-b1b.json"
payb PAY-B-1 "$due_b" EUR EXP-R BUY-2 >"$T/pay-reuse.json"
post_json 409 "a payment id reused for something else" /v1/payments "${K[sub]}" "$T/pay-reuse.json"
post_json 404 "a payment for a declaration that does not exist" /v1/payments "${K[sub]}" <(payb PAY-X 1.00 EUR EXP-R NO-SUCH)
# the command line: ingest, then pay the exact amount
run ingest.buy2 bw ingest --db "$db" --results "$T/buy2.res" "$T/buy2.json"
jeq "BUY-2 (CLI): awaiting payment" "$T/buy2.res" 'L[0]["settlement"]' awaiting_payment
payb PAY-B-2 "$(jv "$T/buy2.res" 'L[0]["revenue"]["due"]')" EUR EXP-R BUY-2 >"$T/pay-b2.json"
run pay.b2 bw pay --db "$db" "$T/pay-b2.json"
check "breakwater pay, exact amount: exit 0" eq "$rc" 0
jcheck "breakwater pay: recorded, paid" "$T/pay.b2" 'L[0]["outcome"] == "recorded" and L[0]["settlement"] == "paid"'
run show.b2 bw show --db "$db" EXP-R BUY-2
jcheck "show BUY-2: paid, with a paid event" "$T/show.b2" \
    'd["settlement"]["state"] == "paid" and any(e["event"] == "paid" for e in d["history"])'

# ==== 4. CN: CNY 26,000 per buyer per year ==========================================================
run ingest.cn6 bw ingest --db "$db" --results "$T/cn6.res" "$T/cn6.ndjson"
check "ingest six CN declarations: exit 0" eq "$rc" 0
c6=$T/cn6.res
jeq "CN 1-6: six results" "$c6" 'len(L)' 6
jcheck "CN 1-6: category 3, within the limit" "$c6" 'all(x["category"] == 3 and "over_buyer_limit" not in x for x in L)'
jcheck "CN 1-6: no duty" "$c6" 'all(x["revenue"]["duty"] == "0.00" for x in L)'
jcheck "CN 1-6: each tax at 70% of its rate" "$c6" \
    'all(D(t["amount"]) == r2(D(t["base"]) * D(t["rate_pct"]) / 100 * D("0.7")) for x in L for i in x["revenue"]["items"] for t in i["taxes"])'
jcheck "CN 1-6: due = tax > 0" "$c6" 'all(D(x["revenue"]["due"]) == D(x["revenue"]["tax"]) > 0 for x in L)'
post_json 200 "POST CN-L7 (over the yearly limit)" /v1/declarations "${K[sub]}" "$T/cn7.json"
keep cn7.res
c7=$T/cn7.res
jeq "CN-L7: over_buyer_limit, category 4" "$c7" 'd["over_buyer_limit"]["category"]' 4
jcheck "CN-L7: general trade: duty owed" "$c7" 'D(d["over_buyer_limit"]["revenue"]["duty"]) > 0'
jcheck "CN-L7: general trade: each tax at its full rate on customs value + duty" "$c7" \
    'all(D(t["base"]) == D(i["customs_value"]) + D(i["duty"]) and D(t["amount"]) == r2(D(t["base"]) * D(t["rate_pct"]) / 100) for i in d["over_buyer_limit"]["revenue"]["items"] for t in i["taxes"])'
jcheck "CN-L7: settlement_detail names the limit" "$c7" '"over the buyer" in d["settlement_detail"] and "26000.00 CNY" in d["settlement_detail"]'
expect 200 "GET CN-L7" GET /v1/declarations/EXP-R/CN-L7 "${K[officer]}"
keep cn7.view
jeq "CN-L7: stored as category 4" "$T/cn7.view" 'd["category"]' 4
check "CN-L7: stored category 4 in the database" eq "$(sql "select category from declarations where declaration_id = 'CN-L7'")" 4
jcheck "CN-L7: the stored assessment is the general-trade one" "$T/cn7.view" 'd["revenue"] == J("'"$c7"'")["over_buyer_limit"]["revenue"]'
jcheck "CN-L7: due is the general-trade due, more than within the limit" "$T/cn7.view" \
    'd["settlement"]["due"] == J("'"$c7"'")["over_buyer_limit"]["revenue"]["due"] and D(d["settlement"]["due"]) > D(JL("'"$c6"'")[0]["revenue"]["due"])'
# the seventh did not count: CNY 2,000 more still fits (24,000 + 2,000 = 26,000)
run ingest.cn8 bw ingest --db "$db" --results "$T/cn8.res" "$T/cn8.json"
jcheck "CN-L8 (CNY 2,000, reaching 26,000 exactly): within the limit" "$T/cn8.res" \
    'L[0]["category"] == 3 and "over_buyer_limit" not in L[0] and L[0]["revenue"]["duty"] == "0.00"'
run ingest.cn.next bw ingest --db "$db" --as-of "$next_year-01-15" --results "$T/cn-next.res" "$T/cn-next.json"
jcheck "CN, the same buyer the next year: counts from zero" "$T/cn-next.res" \
    'L[0]["category"] == 3 and "over_buyer_limit" not in L[0] and L[0]["revenue"]["duty"] == "0.00"'
run ingest.cn.other bw ingest --db "$db" --results "$T/cn-other.res" "$T/cn-other.json"
jcheck "CN, another buyer the same year: unaffected" "$T/cn-other.res" \
    'L[0]["category"] == 3 and "over_buyer_limit" not in L[0] and L[0]["revenue"]["duty"] == "0.00"'

# ==== 5. US: Section 321, USD 800 per person per day, suspended from 2025-08-29 =====================
run ingest.us.jun1 bw ingest --db "$db" --as-of 2025-06-01 --results "$T/us-jun-1.res" "$T/us-jun-1.json"
jcheck "US 2025-06-01 first USD 500: duty free under Section 321" "$T/us-jun-1.res" \
    'L[0]["revenue"]["duty"] == "0.00" and L[0]["duty_due"] is False and L[0]["de_minimis_rule"].startswith("Section 321") and "over_buyer_limit" not in L[0]'
jeq "US first: nothing to settle" "$T/us-jun-1.res" 'L[0]["settlement"]' none
run ingest.us.jun2 bw ingest --db "$db" --as-of 2025-06-01 --results "$T/us-jun-2.res" "$T/us-jun-2.json"
jcheck "US 2025-06-01 second USD 500: over USD 800, owes duty" "$T/us-jun-2.res" \
    'D(L[0]["over_buyer_limit"]["revenue"]["duty"]) > 0'
jeq "US second: awaiting the buyer's payment" "$T/us-jun-2.res" 'L[0]["settlement"]' awaiting_payment
run show.us2 bw show --db "$db" EXP-R US-JUN-2
jcheck "US second: the stored assessment owes the duty" "$T/show.us2" \
    'D(d["revenue"]["duty"]) > 0 and d["revenue"] == JL("'"$T/us-jun-2.res"'")[0]["over_buyer_limit"]["revenue"] and d["settlement"]["due"] == d["revenue"]["due"]'
run ingest.us.other bw ingest --db "$db" --as-of 2025-06-01 --results "$T/us-jun-other.res" "$T/us-jun-other.json"
jcheck "US 2025-06-01 another buyer: duty free" "$T/us-jun-other.res" \
    'L[0]["revenue"]["duty"] == "0.00" and "over_buyer_limit" not in L[0]'
run ingest.us.next bw ingest --db "$db" --as-of 2025-06-02 --results "$T/us-jun-nextday.res" "$T/us-jun-nextday.json"
jcheck "US 2025-06-02 the same buyer: a new day, duty free" "$T/us-jun-nextday.res" \
    'L[0]["revenue"]["duty"] == "0.00" and "over_buyer_limit" not in L[0]'
cat "$T/us-sep-1.json" "$T/us-sep-2.json" >"$T/us-sep.ndjson"
run ingest.us.sep bw ingest --db "$db" --as-of 2025-09-01 --results "$T/us-sep.res" "$T/us-sep.ndjson"
jcheck "US 2025-09-01 (suspended): both owe duty" "$T/us-sep.res" \
    'len(L) == 2 and all(D(x["revenue"]["duty"]) > 0 and x["duty_due"] is True and "over_buyer_limit" not in x for x in L)'
jcheck "US 2025-09-01: the duty is the tariff's (the same as over the limit in June)" "$T/us-sep.res" \
    'all(x["revenue"]["duty"] == JL("'"$T/us-jun-2.res"'")[0]["over_buyer_limit"]["revenue"]["duty"] for x in L)'

# ==== reference data reloads without a restart (SIGHUP) ======================================
cp -r "$DATA" "$T/data2"
: >"$T/serve2.err"
"$BW" serve --db "$T/reload.db" --data "$T/data2" --listen 127.0.0.1:0 >"$T/serve2.out" 2>>"$T/serve2.err" &
srv2=$!
pids+=("$srv2")
port2=""
for _ in $(seq 300); do
    port2=$(sed -n 's|^breakwater serve: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$T/serve2.err" | head -n 1)
    [ -n "$port2" ] && break
    sleep 0.1
done
[ -n "$port2" ] || die "the second server did not start: $(tail -n 5 "$T/serve2.err")"
duty_now() { curl -sS --max-time "$CURL_MAX" -H 'Content-Type: application/json' --data-binary "@$T/quote.json" \
    "http://127.0.0.1:$port2/v1/quote" | python3 -c 'import json,sys; print(json.load(sys.stdin)["quotes"][0]["duty"])'; }
d1=$(duty_now)
# T-shirts from 12 % to 20 %: the quote's first item (200.00) owes 16.00 more... once reloaded
sed -i 's/^610910\t2021-07-01\t\t12\t/610910\t2021-07-01\t\t20\t/' "$T/data2/tariffs/EU.tsv"
check "reload: the edited file is not read before SIGHUP" eq "$(duty_now)" "$d1"
kill -HUP "$srv2"
for _ in $(seq 100); do grep -q 'reference data reloaded' "$T/serve2.err" && break; sleep 0.1; done
d2=$(duty_now)
check "reload: after SIGHUP the new rate applies ($d1 -> $d2)" python3 -c "import sys; from decimal import Decimal as D; sys.exit(0 if D('$d2') > D('$d1') else 1)"
printf 'not a tariff\n' >"$T/data2/tariffs/EU.tsv"
kill -HUP "$srv2"
for _ in $(seq 100); do grep -q 'not reloaded' "$T/serve2.err" && break; sleep 0.1; done
check "reload: a broken file is refused and said so" grep -q 'not reloaded; the previous stays in force' "$T/serve2.err"
check "reload: the previous data stays in force" eq "$(duty_now)" "$d2"
kill -TERM "$srv2"
set +e; { wait "$srv2"; } 2>/dev/null; src2=$?; set -e
check "reload: the server stops cleanly after reloads (exit $src2)" eq "$src2" 0

# ==== the server ends cleanly ===============================================================
kill -TERM "$srv"
n=300
while alive "$srv" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
set +e; { wait "$srv"; } 2>/dev/null; src=$?; set -e
pids=()
check "the server stops on SIGTERM with exit 0 (got $src)" eq "$src" 0
check "no sanitizer report from the server ($(grep -m 3 'ERROR\|runtime error' "$T/serve.err" | tr '\n' ' '))" \
    bash -c "! grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' '$T/serve.err'"
for f in "$T"/*.err; do
    if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$f"; then
        fail "sanitizer report in $(basename "$f"): $(grep -m 3 'ERROR\|runtime error' "$f" | tr '\n' ' ')"
    fi
done

summary
[ "$failures" -eq 0 ]
