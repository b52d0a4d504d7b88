#!/usr/bin/env bash
# The learned risk model end to end (train, score, evaluate) on a
# time-split generated history, as NDJSON and as a CSV export mapped with
# --map/--const, plus the errors a user meets.  Run by tests/run.sh (BW,
# BW_TMP and BW_TOP set there; BREAKWATER_REFDATA from the environment: the
# exchange rates come from it).  Needs bash and awk only.
#
# The labels are made here, deterministically, with a signal a real one
# would have: sellers whose id ends in 3 commit fraud on 60% of their
# parcels and declare a third of the value; everyone else on 3%; 70% of the
# parcels are inspected (the others have no label).  Then the history is
# split by order date: training before 2026-11-01, validation to
# 2026-11-09, test after.  Bounds are loose on purpose (AUC well above 0.5,
# precision@10% above the base rate); the figures are printed.
#
# A failed check prints "FAIL: <check>" and the script goes on; it ends
# with "model: N checks, M failed" and exits 1 if any failed.
set -euo pipefail
BW=${BW:?set by tests/run.sh}
TOP=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/model
COUNT=${MODEL_TEST_COUNT:-20000}
rm -rf "$T"
mkdir -p "$T"
cd "$TOP"

checks=0 failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
check() { # DESCRIPTION command...
    local what=$1; shift
    checks=$((checks + 1))
    if ! "$@"; then fail "$what"; fi
}
has() { grep -q -- "$2" "$1" || { echo "     '$2' not in $1: $(head -c 400 "$1")" >&2; return 1; }; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }' || { echo "     $1 is not above $2" >&2; return 1; }; }
near() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(x <= d) }' ||
    { echo "     $1 and $2 differ by more than $3" >&2; return 1; }; }
json_num() { grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2; }
# precision at 10% from evaluate --format json
p10() { grep -o '{"percent":10,[^}]*' "$1" | grep -o '"precision":[0-9.]*' | cut -d: -f2; }

# ---- a labelled history -----------------------------------------------------------
cat > "$T/label.awk" <<'EOF'
function u(n) { return ((n * 2654435761 + 12345) % 1000003) / 1000003 }
function lower(s,   out) {
    out = ""
    while (match(s, /"amount":"[0-9.]+"/)) {
        out = out substr(s, 1, RSTART - 1) "\"amount\":\"" sprintf("%.2f", substr(s, RSTART + 10, RLENGTH - 11) / 3) "\""
        s = substr(s, RSTART + RLENGTH)
    }
    return out s
}
function total(s,   t) {
    t = 0
    while (match(s, /"amount":"[0-9.]+"/)) { t += substr(s, RSTART + 10, RLENGTH - 11); s = substr(s, RSTART + RLENGTH) }
    return t
}
{
    line = $0
    seller = ""
    if (match(line, /"seller":\{"id":"[^"]*"/))
        seller = substr(line, RSTART + 16, RLENGTH - 17)
    fraud = seller ~ /3$/ ? u(NR) < 0.6 : u(NR) < 0.03
    inspected = u(NR + 7777777) < 0.7
    rev = ""
    if (fraud && match(line, /"items":\[.*\],"gross_weight_g"/)) {
        head = substr(line, 1, RSTART - 1); items = substr(line, RSTART, RLENGTH); tail = substr(line, RSTART + RLENGTH)
        rev = sprintf(",\"revenue\":\"%.2f\"", total(items) * 0.2)
        line = head lower(items) tail
    }
    out = inspected ? "{\"inspected\":true,\"fraud\":" (fraud ? "true" rev : "false") "}" : "{\"inspected\":false}"
    sub(/}$/, ",\"outcome\":" out "}", line)
    print line
}
EOF
"$BW" gen --count "$COUNT" --seed 11 | awk -f "$T/label.awk" > "$T/history.ndjson"
awk -v dir="$T" '{
    d = ""
    if (match($0, /"date":"[0-9-]+/)) d = substr($0, RSTART + 8, 10)
    f = d < "2026-11-01" ? "train" : d < "2026-11-10" ? "valid" : "test"
    print > (dir "/" f ".ndjson")
}' "$T/history.ndjson"
for f in train valid test; do
    check "the $f period is not empty" test -s "$T/$f.ndjson"
done

# ---- NDJSON: train, score, evaluate ------------------------------------------------------
start=$(date +%s.%N)
check "train on NDJSON" "$BW" train --history "$T/train.ndjson" --validation "$T/valid.ndjson" --out "$T/m.bwm" \
    2> "$T/train.err"
end=$(date +%s.%N)
check "train reports its validation AUC" has "$T/train.err" "validation AUC"
check "train used the validation file" has "$T/train.err" "from --validation"
check "the model file starts with its signature" has <(head -c 8 "$T/m.bwm") "BWMODEL1"
check "training is deterministic" bash -c "'$BW' train --history '$T/train.ndjson' --validation '$T/valid.ndjson' \
    --out '$T/m2.bwm' 2>/dev/null && cmp -s '$T/m.bwm' '$T/m2.bwm'"

check "score the test period" "$BW" score --model "$T/m.bwm" "$T/test.ndjson" > "$T/scores.ndjson"
check "one line per input" test "$(wc -l < "$T/scores.ndjson")" -eq "$(wc -l < "$T/test.ndjson")"
check "score lines have the agreed members" has "$T/scores.ndjson" \
    '^{"declaration_id":"[^"]*","submitter":"[^"]*","score":[01]\.[0-9]\{4\},"lane":"\(green\|yellow\|red\)","hits":\['
check "hits are model features with evidence" has "$T/scores.ndjson" \
    '{"code":"model.feature","ref":"[a-z_]*","score":[0-9-]*,"evidence":{"feature":"[a-z_]*","value":'
check "red lanes are explained exactly" has <(grep '"lane":"red"' "$T/scores.ndjson") '"method":"treeshap"'
check "some declarations go red" has "$T/scores.ndjson" '"lane":"red"'
check "most go green" above "$(grep -c '"lane":"green"' "$T/scores.ndjson")" "$(($(wc -l < "$T/scores.ndjson") / 2))"

check "evaluate" "$BW" evaluate --scores "$T/scores.ndjson" --labels "$T/test.ndjson" --format json \
    > "$T/eval.json" 2> "$T/eval.err"
auc=$(json_num "$T/eval.json" auc)
rows=$(json_num "$T/eval.json" rows)
frauds=$(json_num "$T/eval.json" frauds)
base=$(awk -v f="$frauds" -v n="$rows" 'BEGIN { printf "%.4f", f / n }')
prec=$(p10 "$T/eval.json")
check "AUC well above 0.5" above "$auc" 0.75
check "precision at 10% beats the base rate" above "$prec" "$(awk -v b="$base" 'BEGIN { print 2 * b }')"
check "unlabelled scores are counted, not evaluated" has "$T/eval.err" "without a label"
check "the table form" bash -c "'$BW' evaluate --scores '$T/scores.ndjson' --labels '$T/test.ndjson' 2>/dev/null |
    grep -q '^   10%'"
# labels as plain lines give the same figures as the history
awk '/"inspected":true/ {
    id = ""; sub_ = ""
    if (match($0, /"declaration_id":"[^"]*"/)) id = substr($0, RSTART + 18, RLENGTH - 19)
    if (match($0, /"submitter":\{"id":"[^"]*"/)) sub_ = substr($0, RSTART + 19, RLENGTH - 20)
    fraud = $0 ~ /"fraud":true/ ? "true" : "false"
    print "{\"declaration_id\":\"" id "\",\"submitter\":\"" sub_ "\",\"fraud\":" fraud "}"
}' "$T/test.ndjson" > "$T/labels.ndjson"
"$BW" evaluate --scores "$T/scores.ndjson" --labels "$T/labels.ndjson" --format json > "$T/eval2.json" 2>/dev/null || true
check "plain labels give the same AUC" near "$(json_num "$T/eval2.json" auc)" "$auc" 0.000001
echo "model: NDJSON: $(grep -o 'train: [0-9]* labelled rows ([0-9]* fraud)' "$T/train.err"),"\
     "$(grep -o 'best round.*' "$T/train.err"); train $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
echo "model: test: rows $rows, frauds $frauds (base $base), AUC $auc, precision@10% $prec,"\
     "recall@10% $(grep -o '{"percent":10,[^}]*' "$T/eval.json" | grep -o '"recall":[0-9.]*' | cut -d: -f2)"

# ---- without --validation: the latest 20% by date --------------------------------------------
cat "$T/train.ndjson" "$T/valid.ndjson" > "$T/trainvalid.ndjson"
check "train with the split by date" "$BW" train --history "$T/trainvalid.ndjson" --out "$T/auto.bwm" \
    2> "$T/auto.err"
check "the split is reported" has "$T/auto.err" "the history from 2026-"

# ---- CSV through --map and --const ----------------------------------------------------------------
cat > "$T/csv.awk" <<'EOF'
function str(s, key,   re) {
    re = "\"" key "\":\"[^\"]*\""
    return match(s, re) ? substr(s, RSTART + length(key) + 4, RLENGTH - length(key) - 5) : ""
}
function num(s, key,   re) {
    re = "\"" key "\":[0-9.]+"
    return match(s, re) ? substr(s, RSTART + length(key) + 3, RLENGTH - length(key) - 3) : ""
}
function q(s) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
BEGIN {
    ORS = "\r\n"
    print "Entry No,Declarant,Importer ID,Supplier ID,Carrier,HS6 Code,Origin Country,Description,Qty,Net Mass (g)," \
          "Item Price,Currency,Entry Date,Office,Gross Mass,Inspected,Fraud,Recovered"
}
{
    line = $0
    items = substr(line, index(line, "\"items\":["))
    seller = substr(line, index(line, "\"seller\":{"))
    buyer = substr(line, index(line, "\"buyer\":{"))
    insp = line ~ /"inspected":true/ ? "Y" : "N"
    fraud = insp == "N" ? "" : line ~ /"fraud":true/ ? "1" : "0"
    print str(line, "declaration_id") "," str(line, "id") "," str(buyer, "id") "," str(seller, "id") "," \
          str(line, "carrier") "," str(items, "hs_code") "," str(items, "origin") "," q(str(items, "description")) "," \
          num(items, "quantity") "," num(items, "net_weight_g") "," str(items, "amount") "," str(items, "currency") "," \
          str(line, "date") "," str(line, "jurisdiction") "," num(line, "gross_weight_g") "," insp "," fraud "," \
          str(line, "revenue")
}
EOF
for f in train valid test; do awk -f "$T/csv.awk" "$T/$f.ndjson" > "$T/$f.csv"; done
MAP='Entry No=declaration_id,Declarant=submitter.id,Importer ID=buyer.id,Supplier ID=seller.id,Carrier=transport.carrier'
MAP2='HS6 Code=items[0].hs_code,Origin Country=items[0].origin,Description=items[0].description,Qty=items[0].quantity'
MAP3='Net Mass (g)=items[0].net_weight_g,Item Price=items[0].value.amount,Currency=items[0].value.currency'
MAP4='Entry Date=order.date,Inspected=outcome.inspected,Fraud=outcome.fraud,Recovered=outcome.revenue'
csvargs=(--map "$MAP" --map "$MAP2" --map "$MAP3" --map "$MAP4" --const type=import)
check "train on CSV" "$BW" train --history "$T/train.csv" --validation "$T/valid.csv" "${csvargs[@]}" \
    --out "$T/csv.bwm" 2> "$T/csv.err"
check "unmapped columns became features" test "$(grep -o '[0-9]* features' "$T/csv.err" | cut -d' ' -f1)" -eq \
    "$(($(grep -o '[0-9]* features' "$T/train.err" | cut -d' ' -f1) + 3))"
check "score CSV" "$BW" score --model "$T/csv.bwm" "${csvargs[@]}" "$T/test.csv" > "$T/csv_scores.ndjson"
check "one line per CSV row" test "$(wc -l < "$T/csv_scores.ndjson")" -eq "$(($(wc -l < "$T/test.csv") - 1))"
"$BW" evaluate --scores "$T/csv_scores.ndjson" --labels "$T/test.ndjson" --format json > "$T/csv_eval.json" 2>/dev/null ||
    fail "evaluate the CSV scores"
csv_auc=$(json_num "$T/csv_eval.json" auc)
check "CSV: AUC well above 0.5" above "$csv_auc" 0.75
check "CSV: AUC close to the NDJSON one" near "$csv_auc" "$auc" 0.06
check "CSV: precision at 10% beats the base rate" above "$(p10 "$T/csv_eval.json")" "$base"
echo "model: CSV: $(grep -o '[0-9]* features.*' "$T/csv.err"); test AUC $csv_auc, precision@10% $(p10 "$T/csv_eval.json")"

# ---- what a user gets wrong ---------------------------------------------------------------------
expect_error() { # DESCRIPTION MESSAGE command...: exit status 2 and the message on stderr
    local what=$1 msg=$2; shift 2
    checks=$((checks + 1))
    local rc=0
    "$@" > "$T/out" 2> "$T/err" || rc=$?
    if [ "$rc" -ne 2 ]; then fail "$what: exit $rc, expected 2"; return; fi
    grep -qF -- "$msg" "$T/err" || fail "$what: '$msg' not in: $(head -c 300 "$T/err")"
}
expect_error "evaluate without its flags" "evaluate: give --scores and --labels, or --truth and --db" \
    "$BW" evaluate --scores "$T/scores.ndjson"
expect_error "a history as the model" "not a breakwater model" "$BW" score --model "$T/test.ndjson" "$T/test.ndjson"
head -c 2000 "$T/m.bwm" > "$T/cut.bwm"
expect_error "a cut model file" "damaged or truncated" "$BW" score --model "$T/cut.bwm" "$T/test.ndjson"
expect_error "a column that is not there" "--map: the file has no column 'Importer'" \
    "$BW" train --history "$T/train.csv" --map 'Importer=buyer.id' --out "$T/x.bwm"
expect_error "a path that is not a field" "'idd' is not a field here" \
    "$BW" train --history "$T/train.csv" --map 'Importer ID=buyer.idd' --out "$T/x.bwm"
{ head -3 "$T/train.csv"; printf 'X1,X,B,S,C,610910,CN,"d",1,1,1.00,EUR,2026-10-01,EU,1,Y,maybe,\r\n'; } > "$T/bad.csv"
expect_error "a bad cell names file, line and column" "bad.csv:4: column 'Fraud' (outcome.fraud): 'maybe'" \
    "$BW" train --history "$T/bad.csv" "${csvargs[@]}" --out "$T/x.bwm"
{ head -3 "$T/train.csv"; printf 'X1,"open\r\n'; } > "$T/open.csv"
expect_error "an unclosed quote" "open.csv:4: a quoted field opened on this line never closes" \
    "$BW" train --history "$T/open.csv" "${csvargs[@]}" --out "$T/x.bwm"
"$BW" gen --count 50 --seed 4 > "$T/unlabelled.ndjson"
expect_error "a history without outcomes" "needs both fraud and compliant rows" \
    "$BW" train --history "$T/unlabelled.ndjson" --validation "$T/valid.ndjson" --out "$T/x.bwm"
if [ -n "${BREAKWATER_REFDATA:-}" ]; then
    expect_error "no exchange rates for a model trained with them" "was trained with values converted at ECB rates" \
        env BREAKWATER_REFDATA= "$BW" score --model "$T/m.bwm" "$T/test.ndjson"
fi
check "no model is left behind by failed runs" test ! -e "$T/x.bwm"
# an undecodable line is reported in place and the rest is scored
{ head -2 "$T/test.ndjson"; echo '{"declaration_id": "broken",,}'; sed -n 3p "$T/test.ndjson"; } > "$T/mixed.ndjson"
rc=0
"$BW" score --model "$T/m.bwm" "$T/mixed.ndjson" > "$T/mixed.out" 2>/dev/null || rc=$?
check "an undecodable record: exit 1" test "$rc" -eq 1
check "an undecodable record: its line, in place" has <(sed -n 3p "$T/mixed.out") '^{"declaration_id":null,"line":3,"error":'
check "an undecodable record: the others scored" test "$(grep -c '"score":' "$T/mixed.out")" -eq 3

# the model in the pipeline: every accepted declaration carries its score
# as a hit, and the ones over the model's thresholds get lane points
BREAKWATER_MODEL="$T/m.bwm" "$BW" validate "$T/test.ndjson" > "$T/with-model.ndjson" 2>/dev/null || true
accepted=$(grep -c '"status":"accepted"' "$T/with-model.ndjson" || true)
check "the model scores every accepted declaration in the pipeline" \
    test "$(grep -c '"code":"model.score"' "$T/with-model.ndjson")" -eq "$accepted"
check "some declarations get the model's points (40 or 70)" grep -q '"code":"model.score","score":[47]0' "$T/with-model.ndjson"
check "the model's evidence names its features" grep -q '"contributions":\[{"feature":' "$T/with-model.ndjson"
rc=0
BREAKWATER_MODEL="$T/mixed.ndjson" "$BW" validate "$T/test.ndjson" > /dev/null 2> "$T/badmodel.err" || rc=$?
check "a file that is not a model: usage error (exit 2)" test "$rc" -eq 2
check "a file that is not a model: said so" has "$T/badmodel.err" "not a breakwater model"

echo "model: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
