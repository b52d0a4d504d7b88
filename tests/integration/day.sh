#!/usr/bin/env bash
# A day at the border, end to end, on the real server (sanitizer build, real
# SQLite file, loopback port) and the command line: a generated day of
# traffic submitted by each submitter with its own key (pre-arrival data,
# CN and EU among six jurisdictions); arrival manifests of the air
# consignments with some items nobody declared; inspections with seizures,
# compliant releases and refusals; a buyer-paid parcel held for payment and
# released when paid; returns with refunds (to an intermediary's account, to
# the buyer, a proof of re-export for vendor-collected tax), a return too
# late refused; an account's consolidated declaration.  It ends with every
# parcel in the state this script expects from what it did (compared parcel
# by parcel and counted by state) and revenue that reconciles to the cent:
# every account's balance = debits - payments - refunds = its statement, the
# consolidated totals = the statement, every refund = the rounding rule
# worked out here from the stored per-item assessment.
#
# The expected state of each parcel is kept here (day.py's ledger), from the
# lane and settlement stored at submission and the documented rules
# (docs/lifecycle.md), never read back from the answers it checks.
# Run by tests/run.sh (BW, BW_TMP, BW_TOP set there).  Needs curl, sqlite3,
# python3.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/day
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"
DATA="$TOP/data"
db="$T/day.db"
SUITE=day
. "$(dirname "$0")/lib.bash"
for tool in curl sqlite3 python3; do command -v "$tool" >/dev/null || die "day.sh needs $tool"; done

# ---- the planner: traffic, manifests, the ledger of expected states ------------------
cat >"$T/day.py" <<'EOF'
import json, sqlite3, sys, os
from decimal import Decimal as D
T = os.environ['T']; db = os.environ['db']
gen = [json.loads(l) for l in open(T + '/day.ndjson')]
def ledger(): return json.load(open(T + '/ledger.json'))
def save(l): json.dump(l, open(T + '/ledger.json', 'w'), sort_keys=True)
def rows(q, *a):
    c = sqlite3.connect(db); c.execute('PRAGMA busy_timeout=5000')
    r = c.execute(q, a).fetchall(); c.close(); return r
cmd = sys.argv[1]
if cmd == 'accounts':       # every (account, jurisdiction) the traffic names
    for a in sorted({(d['collection']['account_id'], d['jurisdiction']) for d in gen if d['collection'].get('account_id')}):
        print(*a)
elif cmd == 'submitters':   # submitter id, role; and their NDJSON
    subs = {}
    for d in gen: subs.setdefault((d['submitter']['id'], d['submitter']['role']), []).append(d)
    for (s, role), ds in sorted(subs.items()):
        with open('%s/sub-%s.ndjson' % (T, s), 'w') as f:
            for d in ds: f.write(json.dumps(d) + '\n')
        print(s, role)
elif cmd == 'start':        # the ledger after submission: rejected, assessed, or held before loading
    l = {}
    for s, i, status, state, reason in rows('SELECT submitter, declaration_id, status, state, hold_reason FROM declarations'):
        if status == 'rejected': l[s + '/' + i] = 'rejected'
        elif state == 'held' and reason == 'do_not_load': l[s + '/' + i] = 'held'
        else: l[s + '/' + i] = 'assessed'
    save(l); print(len(l))
elif cmd == 'manifests':    # one manifest per (carrier, master id) of the air parcels; the first gets undeclared items
    carrier = {(d['submitter']['id'], d['declaration_id']): d['transport'].get('carrier') or 'CARRIER' for d in gen}
    l = ledger(); groups = {}
    for s, i, doc, master, lane, settlement in rows(
            "SELECT submitter, declaration_id, transport_doc, master_id, lane, settlement FROM declarations"
            " WHERE status = 'accepted' AND master_id IS NOT NULL AND transport_doc IS NOT NULL ORDER BY id"):
        groups.setdefault((carrier[(s, i)], master), []).append(doc)
        k = s + '/' + i
        if l[k] == 'assessed':    # the release rule on arrival (src/lifecycle/release.c)
            l[k] = 'released' if lane in ('green', 'blue') and settlement in ('none', 'debited', 'paid') else 'held'
    n = 0
    for (c, m), docs in sorted(groups.items()):
        if n == 0: docs = docs + ['UNDECLARED-%d' % k for k in (1, 2, 3)]
        json.dump({'carrier': c, 'master_id': m, 'arrived_at': __import__('time').strftime('%Y-%m-%dT%H:%M:%SZ', __import__('time').gmtime()), 'items': docs},
                  open('%s/manifest-%03d.json' % (T, n), 'w'))
        n += 1
    save(l); print(n)
elif cmd == 'set':          # set KEY STATE
    l = ledger(); l[sys.argv[2]] = sys.argv[3]; save(l)
elif cmd == 'pick':         # pick N WHERE: parcels (sub id) matching an SQL condition, in id order
    for s, i in rows('SELECT submitter, declaration_id FROM declarations WHERE %s ORDER BY id LIMIT %d'
                     % (sys.argv[3], int(sys.argv[2]))):
        print(s, i)
elif cmd == 'vendor':       # an EU parcel whose tax the vendor collected, held for the duty's payment
    model = {(d['submitter']['id'], d['declaration_id']): d['collection']['model'] for d in gen}
    for s, i in rows("SELECT submitter, declaration_id FROM declarations WHERE jurisdiction = 'EU'"
                     " AND state = 'held' AND hold_reason = 'payment' AND settlement = 'awaiting_payment'"
                     " AND due_minor > 0 ORDER BY id"):
        if model[(s, i)] == 'vendor':
            print(s, i); break
elif cmd == 'compare':      # every parcel's state against the ledger; then the counts by state
    l = ledger(); got = {s + '/' + i: st for s, i, st in rows('SELECT submitter, declaration_id, state FROM declarations')}
    bad = ['%s: %s, expected %s' % (k, got.get(k), v) for k, v in sorted(l.items()) if got.get(k) != v]
    bad += ['%s: not in the ledger' % k for k in got if k not in l]
    want = {}; have = {}
    for v in l.values(): want[v] = want.get(v, 0) + 1
    for v in got.values(): have[v] = have.get(v, 0) + 1
    print(json.dumps({'mismatches': bad[:10], 'n_mismatches': len(bad), 'want': want, 'have': have}, sort_keys=True))
elif cmd == 'refund':       # refund KEY LINES_JSON: (duty, tax refunded by customs, vendor tax) by the rounding rule
    s, i = sys.argv[2].split('/', 1); ret = json.loads(sys.argv[3])
    view = json.load(open(sys.argv[4]))
    rev = view['revenue']; items = view['declaration']['items']
    prepaid = rev['tax_prepaid']
    cur_exp = len(rev['duty'].split('.')[1]) if '.' in rev['duty'] else 0
    m = lambda x: int(D(x).scaleb(cur_exp))
    duty = tax = vtax = 0
    for r in ret:
        it = rev['items'][r['line'] - 1]; q = D(str(items[r['line'] - 1]['quantity'] or 1)); k = D(str(r['quantity']))
        d = m(it['duty']) * k // q if k < q else m(it['duty'])
        t = sum(m(x['amount']) for x in it['taxes']); t = t * k // q if k < q else t
        duty += int(d)
        if prepaid: vtax += int(t)
        else: tax += int(t)
    print(duty, tax, vtax)
EOF
export T db
plan() { python3 "$T/day.py" "$@"; }

# ---- the day's traffic ------------------------------------------------------------------
bw gen --count 240 --seed 11 >"$T/day.ndjson" || die "gen failed"
jcheck "the day has CN and EU parcels" "$T/day.ndjson" \
    "sum(1 for x in L if x['jurisdiction'] == 'CN') >= 10 and sum(1 for x in L if x['jurisdiction'] == 'EU') >= 50"
# every intermediary account the traffic names, with a guarantee that covers the day
while read -r acc jur; do
    bw accounts add --db "$db" --account "$acc" --jurisdiction "$jur" --guarantee 1000000.00 >/dev/null ||
        die "accounts add $acc $jur"
done < <(plan accounts)
key admin admin
key officer officer
key analyst analyst
declare -A SUBROLE
while read -r sub role; do
    SUBROLE[$sub]=$role
    key "sub-$sub" "$role" --submitter "$sub"
done < <(plan submitters)
key agency oga --agency PRODSAFE-ZZ
start_server
# a product-safety agency watches the day's most common HS chapter (from
# now on: interests match declarations as they are stored)
chapter=$(python3 -c 'import json,sys,collections
c=collections.Counter(it["hs_code"][:2] for l in open(sys.argv[1]) for it in json.loads(l)["items"])
print(c.most_common(1)[0][0])' "$T/day.ndjson")
expect 201 "the agency registers its interest in chapter $chapter" POST /v1/agencies/PRODSAFE-ZZ/interests "${K[agency]}" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"id\":\"chapter-$chapter\",\"hs_prefixes\":[\"$chapter\"],\"valid_from\":\"2020-01-01\",\"note\":\"day test\"}"

# each submitter sends its pre-arrival data with its own key, as NDJSON
for sub in "${!SUBROLE[@]}"; do
    expect 200 "POST /v1/declarations for $sub" POST /v1/declarations "${K[sub-$sub]}" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$T/sub-$sub.ndjson"
done
check "every record of the day stored" eq "$(sql "select count(*) from declarations")" 240
check "pre-arrival: every accepted parcel assessed (or held before loading) before any arrival" \
    eq "$(sql "select count(*) from declarations where status = 'accepted' and state not in ('assessed', 'held')")" 0
check "timeliness recorded for the air parcels" test "$(sql "select count(*) from declarations where lead_arrival_s is not null")" -gt 100
plan start >/dev/null

# ---- OGA holds before arrival ----------------------------------------------------------------
expect 200 "the agency reads its queue" GET /v1/agencies/PRODSAFE-ZZ/queue "${K[agency]}"
jcheck "parcels of chapter $chapter wait in the agency's queue" "$T/body" "len(d['queue']) >= 2"
in_queue="id in (select declaration from oga_queue where agency = 'PRODSAFE-ZZ')"
mapfile -t oga < <(plan pick 2 "$in_queue and state = 'assessed' and lane = 'green'
                                and settlement in ('none', 'debited', 'paid') and master_id is not null")
check "two green, settled parcels the agency wants to see" eq "${#oga[@]}" 2
for p in "${oga[@]}"; do
    read -r s i <<<"$p"
    expect 200 "the agency holds $s/$i" POST "/v1/declarations/$s/$i/oga_hold" "${K[agency]}" \
        -H 'Content-Type: application/json' --data-binary '{"note":"battery safety check"}'
    plan set "$s/$i" held
done

# ---- arrivals ------------------------------------------------------------------------------
nman=$(plan manifests)
check "several manifests" test "$nman" -gt 5
for f in "$T"/manifest-*.json; do
    expect 201 "POST /v1/arrivals $(basename "$f")" POST /v1/arrivals "${K[officer]}" \
        -H 'Content-Type: application/json' --data-binary "@$f"
done
expect 200 "the first manifest again changes nothing" POST /v1/arrivals "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary "@$T/manifest-000.json"
expect 200 "GET /v1/arrivals/unmatched" GET /v1/arrivals/unmatched "${K[officer]}"
jeq "the three undeclared items wait in the queue" "$T/body" \
    "sorted(u['document_id'] for u in d['unmatched'])" '["UNDECLARED-1","UNDECLARED-2","UNDECLARED-3"]'

# ---- OGA holds after arrival: customs waits for the agency -------------------------------------
read -r s i <<<"${oga[0]}"
expect 409 "customs cannot release while the agency holds" POST "/v1/declarations/$s/$i/release" "${K[officer]}" \
    -H 'Content-Type: application/json' --data-binary '{"reason":"x"}'
jcheck "the refusal names the agency" "$T/body" "'PRODSAFE-ZZ' in d['detail']"
expect 200 "the agency releases its hold" POST "/v1/declarations/$s/$i/oga_release" "${K[agency]}" \
    -H 'Content-Type: application/json' --data-binary '{"note":"conforms"}'
jeq "arrived, green and settled: released at once" "$T/body" "d['to']" released
plan set "$s/$i" released   # the second stays held by the agency at the end of the day

# ---- inspections: seizures, compliant releases, refusals -----------------------------------
settled="settlement in ('none', 'debited', 'paid')"
mapfile -t seize < <(plan pick 3 "state = 'held' and hold_reason = 'inspection'")
check "parcels held for inspection" test "${#seize[@]}" -eq 3
for p in "${seize[@]}"; do
    read -r s i <<<"$p"
    bw inspect --db "$db" --result seized --scan "NII-$i" --findings "counterfeit goods" "$s" "$i" >/dev/null ||
        fail "inspect seized $s/$i"
    plan set "$s/$i" seized
done
mapfile -t clear < <(plan pick 1 "state = 'held' and hold_reason = 'inspection' and $settled and jurisdiction = 'CN'"
                     plan pick 2 "state = 'held' and hold_reason = 'inspection' and $settled and jurisdiction != 'CN'")
check "a CN parcel and two others to clear" eq "${#clear[@]}" 3
for p in "${clear[@]}"; do
    read -r s i <<<"$p"
    bw inspect --db "$db" --result compliant --scan "NII-$i" "$s" "$i" >/dev/null || fail "inspect compliant $s/$i"
    expect 200 "release after a compliant inspection" POST "/v1/declarations/$s/$i/release" "${K[officer]}" \
        -H 'Content-Type: application/json' --data-binary '{"reason":"compliant"}'
    plan set "$s/$i" released
done
mapfile -t refuse < <(plan pick 1 "state = 'held' and hold_reason = 'inspection'")
for p in "${refuse[@]}"; do
    read -r s i <<<"$p"
    expect 200 "refuse entry" POST "/v1/declarations/$s/$i/refuse" "${K[officer]}" \
        -H 'Content-Type: application/json' --data-binary '{"reason":"no import licence"}'
    plan set "$s/$i" returned_to_sender
done
expect 409 "a seized parcel cannot be released" POST "/v1/declarations/${seize[0]% *}/${seize[0]#* }/release" \
    "${K[officer]}" -H 'Content-Type: application/json' --data-binary '{"reason":"x"}'

# ---- the buyer pays: released at once --------------------------------------------------------
# pay PAYMENT_ID SUB ID: the buyer pays what is due, with the submitter's key; released at once
pay() {
    local pid=$1 s=$2 i=$3 due amt cur
    due=$(sql "select due_minor, currency from declarations where submitter = '$s' and declaration_id = '$i'")
    read -r amt cur <<<"$(python3 -c "m, c = '$due'.split('|'); print('%d.%02d' % divmod(int(m), 100), c)")"
    printf '{"payment_id":"%s","payer":"buyer","amount":{"amount":"%s","currency":"%s"},"declaration":{"submitter":"%s","declaration_id":"%s"}}' \
        "$pid" "$amt" "$cur" "$s" "$i" >"$T/pay-$pid.json"
    post_json 201 "the buyer pays $s/$i" /v1/payments "${K[sub-$s]}" "$T/pay-$pid.json"
    plan set "$s/$i" released
    check "$s/$i released on payment" eq "$(sql "select state from declarations where submitter = '$s' and declaration_id = '$i'")" released
}
read -r bs bi <<<"$(plan pick 1 "state = 'held' and hold_reason = 'payment' and settlement = 'awaiting_payment' and jurisdiction != 'EU'")"
check "a buyer-paid parcel waits for payment" test -n "${bi:-}"
pay PAY-DAY-1 "$bs" "$bi"
read -r vs vi <<<"$(plan vendor)"
check "an EU vendor-collected parcel waits for the duty's payment" test -n "${vi:-}"
pay PAY-DAY-2 "$vs" "$vi"

# ---- returns and refunds ----------------------------------------------------------------------
# do_return SUB ID LINES_JSON RETURN_ID CLAIMANT: declare (as the submitter), export (officer),
# check the refund against the rounding rule worked out from the stored assessment
do_return() {
    local s=$1 i=$2 lines=$3 rid=$4 claimant=$5 body want
    expect 200 "GET the original $s/$i" GET "/v1/declarations/$s/$i" "${K[officer]}"
    keep "orig-$i.json"
    printf '{"return_id":"%s","claimant":"%s","reason":"changed mind","items":%s}' "$rid" "$claimant" "$lines" >"$T/ret-$i.json"
    post_json 201 "declare return $rid of $s/$i" "/v1/declarations/$s/$i/returns" "${K[sub-$s]}" "$T/ret-$i.json"
    post_json 200 "the same return again" "/v1/declarations/$s/$i/returns" "${K[sub-$s]}" "$T/ret-$i.json"
    jeq "a duplicate" "$T/body" "d['outcome']" duplicate
    want=$(plan refund "$s/$i" "$lines" "$T/orig-$i.json")
    printf '{"return_id":"%s"}' "$rid" >"$T/exp-$i.json"
    post_json 201 "goods of $rid exported" "/v1/declarations/$s/$i/returns/exported" "${K[officer]}" "$T/exp-$i.json"
    keep "exported-$i.json"
    jeq "refund of $s/$i by the rounding rule (duty, tax, vendor tax)" "$T/exported-$i.json" \
        "' '.join(str(int(D(x) * 100)) for x in (d['return']['refund']['duty'], d['return']['refund']['tax'], d['return']['vendor_tax']))" \
        "$want"
    post_json 200 "the same export again refunds nothing more" "/v1/declarations/$s/$i/returns/exported" "${K[officer]}" "$T/exp-$i.json"
    plan set "$s/$i" returned
}
read -r as ai <<<"$(plan pick 1 "state = 'released' and settlement = 'debited' and due_minor > 0")"
check "a released parcel debited to an account" test -n "${ai:-}"
do_return "$as" "$ai" "$(jv "$T/sub-$as.ndjson" "[{'line': 1, 'hs_code': x['items'][0]['hs_code'], 'quantity': 1} for x in L if x['declaration_id'] == '$ai']")" R-ACC intermediary
jeq "credited to the account" "$T/exported-$ai.json" "d['return']['refund']['to']" account
do_return "$bs" "$bi" "$(jv "$T/sub-$bs.ndjson" "[{'line': n + 1, 'hs_code': it['hs_code'], 'quantity': it['quantity'] or 1} for x in L if x['declaration_id'] == '$bi' for n, it in enumerate(x['items'])]")" R-BUY buyer
jeq "refunded to the buyer" "$T/exported-$bi.json" "d['return']['refund']['to']" buyer
do_return "$vs" "$vi" "$(jv "$T/sub-$vs.ndjson" "[{'line': 1, 'hs_code': x['items'][0]['hs_code'], 'quantity': x['items'][0]['quantity'] or 1} for x in L if x['declaration_id'] == '$vi']")" R-VEN buyer
jcheck "a proof of re-export for the vendor, no tax refunded by customs" "$T/exported-$vi.json" \
    "d['return']['proof_of_re_export']['reference'].startswith('RX-EU-') and d['return']['refund']['tax'] == '0.00' and D(d['return']['vendor_tax']) > 0"
# a CN return 31 days after release is refused, nothing changes (the command line, as of a later day)
read -r cs ci <<<"${clear[0]}"
if [ "$(sql "select jurisdiction from declarations where submitter = '$cs' and declaration_id = '$ci'")" = CN ]; then
    late=$(python3 -c "import time; print(time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + 32 * 86400)))")
    jv "$T/sub-$cs.ndjson" "{'return_id': 'R-LATE', 'items': [{'line': n + 1, 'hs_code': it['hs_code'], 'quantity': it['quantity'] or 1} for x in L if x['declaration_id'] == '$ci' for n, it in enumerate(x['items'])]}" >"$T/late.json"
    run late bw return --db "$db" --data "$DATA" --as-of "$late" "$cs" "$ci" "$T/late.json"
    check "a CN return 32 days after release is refused (exit 1)" eq "$rc" 1
    jcheck "it says too late and the limit" "$T/late" "d['outcome'] == 'refused' and 'within 30 days' in d['why']"
    # within the limit, the whole parcel: the buyer's annual quota gets back exactly what it counted
    counted=$(sql "select coalesce(limit_counted, 0) || ' ' || coalesce(limit_key, '') || ' ' || coalesce(limit_period, '') from declarations where submitter = '$cs' and declaration_id = '$ci'")
    read -r lc lk lp <<<"$counted"
    used() { sql "select coalesce((select used_minor from buyer_limits where jurisdiction = 'CN' and buyer_key = '$lk' and period = '$lp'), 0)"; }
    before=$(used)
    do_return "$cs" "$ci" "$(jv "$T/late.json" "d['items']")" R-CN intermediary
    check "the CN buyer's quota restored by what the parcel counted" eq "$((before - $(used)))" "$lc"
    check "the CN parcel counted against the quota" test "$lc" -gt 0
else
    fail "no released CN parcel"
fi
# the returns API refuses clearly and changes nothing
other=$(for k in "${!SUBROLE[@]}"; do [ "$k" != "$as" ] && echo "$k" && break; done)
expect 200 "GET the returns of $as/$ai" GET "/v1/declarations/$as/$ai/returns" "${K[sub-$as]}"
jcheck "one return, refunded to the account" "$T/body" \
    "[(r['return_id'], r['refund']['status'], r['refund']['to']) for r in d['returns']] == [('R-ACC', 'refunded', 'account')]"
expect 404 "another submitter cannot see them" GET "/v1/declarations/$as/$ai/returns" "${K[sub-$other]}"
post_json 404 "nor declare a return of them" "/v1/declarations/$as/$ai/returns" "${K[sub-$other]}" "$T/ret-$ai.json"
post_json 409 "the same return id with other items" "/v1/declarations/$as/$ai/returns" "${K[sub-$as]}" \
    <(sed 's/"quantity":1/"quantity":2/' "$T/ret-$ai.json")
post_json 422 "more than was imported" "/v1/declarations/$as/$ai/returns" "${K[sub-$as]}" \
    <(sed 's/"quantity":1/"quantity":99999/; s/R-ACC/R-TOO-MANY/' "$T/ret-$ai.json")
jcheck "it says which item and why" "$T/body" "'items[0].quantity' in d['detail'] and 'more than item 1 can still return' in d['detail']"
read -r hs hi <<<"${seize[0]}"
printf '{"return_id":"R-S","items":[{"line":1,"hs_code":"000000","quantity":1}]}' >"$T/ret-seized.json"
post_json 422 "a seized parcel cannot be returned" "/v1/declarations/$hs/$hi/returns" "${K[officer]}" "$T/ret-seized.json"
jcheck "not released" "$T/body" "'seized, not released' in d['detail']"
post_json 400 "a return without items" "/v1/declarations/$as/$ai/returns" "${K[sub-$as]}" <(echo '{"return_id":"R-X"}')
post_json 403 "a submitter cannot confirm an export" "/v1/declarations/$as/$ai/returns/exported" "${K[sub-$as]}" "$T/exp-$ai.json"
post_json 404 "an unknown return cannot be exported" "/v1/declarations/$as/$ai/returns/exported" "${K[officer]}" \
    <(echo '{"return_id":"R-NONE"}')
post_json 400 "an export needs a return_id" "/v1/declarations/$as/$ai/returns/exported" "${K[officer]}" <(echo '{}')
check "one refund per exported return, however often confirmed" eq "$(sql "select count(*) from refunds")" \
    "$(sql "select count(*) from returns where exported_at is not null and duty_minor + tax_minor > 0")"
check "only the accepted returns are stored" eq "$(sql "select count(*) from returns")" 4

# ---- revenue reconciles to the cent ---------------------------------------------------------
period=$(date -u +%Y-%m)
check "every account: balance = debits - payments - refunds" eq "$(sql "
    select count(*) from accounts a where a.balance_minor !=
      coalesce((select sum(due_minor) from declarations d where d.account = a.id and d.jurisdiction = a.jurisdiction
                and d.settlement = 'debited'), 0)
    - coalesce((select sum(amount_minor) from payments p where p.account = a.id and p.jurisdiction = a.jurisdiction), 0)
    - coalesce((select sum(amount_minor) from refunds f where f.account = a.id and f.jurisdiction = a.jurisdiction), 0)")" 0
acc=$(sql "select account || ' ' || jurisdiction from declarations where submitter = '$as' and declaration_id = '$ai'")
read -r accid accjur <<<"$acc"
expect 200 "the statement of $accid" GET "/v1/accounts/$accjur/$accid/statement?period=$period" "${K[analyst]}"
keep statement.json
expect 200 "the consolidated declaration of $accid" GET "/v1/accounts/$accid/consolidated?jurisdiction=$accjur&period=$period" "${K[analyst]}"
keep consolidated.json
st="J('$T/statement.json')"
jcheck "statement: opening + debits - credits = closing" "$T/statement.json" \
    "D(d['opening_balance']) + D(d['debits']) - D(d['credits']) == D(d['closing_balance'])"
jcheck "statement closes on the account's balance" "$T/statement.json" \
    "int(D(d['closing_balance']) * 100) == $(sql "select balance_minor from accounts where id = '$accid' and jurisdiction = '$accjur'")"
jcheck "consolidated: debited = the statement's debits" "$T/consolidated.json" "D(d['totals']['debited']) == D($st['debits'])"
jcheck "consolidated: refunded + paid = the statement's credits" "$T/consolidated.json" \
    "D(d['totals']['refunded']) + D(d['totals']['paid']) == D($st['credits'])"
jcheck "consolidated: closing = the statement's" "$T/consolidated.json" "D(d['totals']['closing_balance']) == D($st['closing_balance'])"
jcheck "consolidated: the consignments add up to the debits" "$T/consolidated.json" \
    "sum(D(c['amount']) for c in d['consignments']) == D(d['totals']['debited']) and sum(D(c['duty']) + D(c['tax']) for c in d['consignments']) == D(d['totals']['duty']) + D(d['totals']['tax'])"
jcheck "consolidated: the refund is listed" "$T/consolidated.json" \
    "[f['return_id'] for f in d['refunds']] == ['R-ACC'] and D(d['totals']['net']) == D(d['totals']['debited']) - D(d['totals']['refunded'])"
jcheck "consolidated: a due date next month, guarantee use" "$T/consolidated.json" \
    "d['due_date'] is not None and D(d['guarantee']['peak_use']) >= D(d['guarantee']['end_use'])"
expect 403 "consolidated: not for a submitter" GET "/v1/accounts/$accid/consolidated?jurisdiction=$accjur&period=$period" "${K[sub-$as]}"
expect 400 "consolidated: a bad period" GET "/v1/accounts/$accid/consolidated?jurisdiction=$accjur&period=2026-13" "${K[analyst]}"
expect 404 "consolidated: an unknown account" GET "/v1/accounts/NO-SUCH/consolidated?jurisdiction=EU&period=$period" "${K[analyst]}"
run cons bw consolidated --db "$db" --data "$DATA" --account "$accid" --jurisdiction "$accjur" --period "$period" --format csv
check "the CLI's CSV has the same net" eq "$(awk -F, '$1 == "net" { print $10 }' "$T/cons")" "$(jv "$T/consolidated.json" "d['totals']['net']")"
check "buyer refunds recorded to the buyer" eq "$(sql "select count(*) from refunds where to_whom = 'buyer' and account is null")" \
    "$(sql "select count(*) from refunds f join declarations d on d.id = f.declaration where d.settlement = 'paid'")"

# ---- every parcel where this script put it ----------------------------------------------------
plan compare >"$T/compare.json"
jeq "every parcel in its expected state" "$T/compare.json" "d['n_mismatches']" 0
jcheck "the counts by state agree" "$T/compare.json" "d['want'] == d['have']"
jcheck "the day saw every kind of ending" "$T/compare.json" \
    "all(d['have'].get(k, 0) > 0 for k in ('released', 'held', 'seized', 'returned', 'returned_to_sender', 'assessed'))"
summary
[ "$failures" -eq 0 ]
