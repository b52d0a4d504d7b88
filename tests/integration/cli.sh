#!/usr/bin/env bash
# The command line end to end, on the sanitizer build and a real SQLite file:
# generate, ingest, re-ingest (idempotency), show, conflicts, amendments,
# exit codes and --help.  Run by tests/run.sh (BW and BW_TMP set there).
set -euo pipefail
BW=${BW:?set by tests/run.sh}
T=${BW_TMP:-$(mktemp -d)}/cli
mkdir -p "$T"
db="$T/x.db"
N=${CLI_TEST_COUNT:-100000}

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-rc description command...
    local want=$1 what=$2; shift 2
    set +e; "$@" >"$T/out" 2>"$T/err"; local rc=$?; set -e
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "$what: exit $rc, expected $want"; }
}
rows() { sqlite3 "$db" "$1"; }

# --help everywhere, usage errors are exit 2
for c in validate ingest show gen; do
    expect_rc 0 "$c --help" "$BW" "$c" --help
    grep -q "usage: breakwater $c" "$T/out" || fail "$c --help prints no usage"
    expect_rc 2 "$c --bogus" "$BW" "$c" --bogus
done
expect_rc 0 "breakwater --help" "$BW" --help
expect_rc 2 "unknown command" "$BW" frobnicate
expect_rc 2 "validate without input" "$BW" validate
expect_rc 2 "missing input file" "$BW" validate "$T/does-not-exist.json"
expect_rc 2 "gen without --count" "$BW" gen

# gen is deterministic for a seed
"$BW" gen --count 300 --seed 7 > "$T/a.ndjson"
"$BW" gen --count 300 --seed 7 > "$T/b.ndjson"
"$BW" gen --count 300 --seed 8 > "$T/c.ndjson"
cmp -s "$T/a.ndjson" "$T/b.ndjson" || fail "gen is not deterministic"
cmp -s "$T/a.ndjson" "$T/c.ndjson" && fail "gen ignores the seed"
[ "$(wc -l < "$T/a.ndjson")" -eq 300 ] || fail "gen --count 300 did not print 300 lines"

# ingest N generated declarations: all accepted, all stored, results per record
"$BW" gen --count "$N" --seed 1 > "$T/gen.ndjson"
expect_rc 0 "first ingest" "$BW" ingest --db "$db" --results "$T/res1.ndjson" "$T/gen.ndjson"
grep -q "ingest: $N records: $N accepted, 0 rejected, 0 duplicates, 0 conflicts" "$T/err" ||
    fail "first ingest summary: $(cat "$T/err")"
[ "$(rows 'select count(*) from declarations where status = "accepted"')" -eq "$N" ] || fail "not all stored"
[ "$(rows 'select count(*) from events where kind = "received"')" -eq "$N" ] || fail "one received event per declaration expected"
events_after_first=$(rows 'select count(*) from events') # and what records comparisons added (CN)
[ "$(wc -l < "$T/res1.ndjson")" -eq "$N" ] || fail "one result line per record expected"
[ "$(grep -c '"outcome":"stored"' "$T/res1.ndjson")" -eq "$N" ] || fail "results do not say stored"

# again through stdin: nothing new, every record a duplicate answering the first result
expect_rc 0 "second ingest" sh -c "'$BW' ingest --db '$db' --results '$T/res2.ndjson' - < '$T/gen.ndjson'"
grep -q "ingest: $N records: 0 accepted, 0 rejected, $N duplicates, 0 conflicts" "$T/err" ||
    fail "second ingest summary: $(cat "$T/err")"
[ "$(rows 'select count(*) from declarations')" -eq "$N" ] || fail "duplicates were stored"
[ "$(rows 'select count(*) from events')" -eq "$events_after_first" ] || fail "duplicates added events"
[ "$(grep -c '"outcome":"duplicate","status":"accepted"\|"status":"accepted".*"outcome":"duplicate"' "$T/res2.ndjson")" -eq "$N" ] ||
    fail "duplicates do not answer with the first result"

# show any of them: the declaration, its status, category and history
line=$(sed -n '123p' "$T/gen.ndjson")
sub=$(echo "$line" | sed 's/^{"submitter":{"id":"\([^"]*\)".*/\1/')
id=$(echo "$line" | sed 's/.*"declaration_id":"\([^"]*\)".*/\1/')
expect_rc 0 "show" "$BW" show --db "$db" "$sub" "$id"
grep -q "\"declaration_id\":\"$id\"" "$T/out" || fail "show: wrong declaration"
grep -q '"status":"accepted"' "$T/out" || fail "show: no status"
grep -q '"category":[1-4]' "$T/out" || fail "show: no category"
grep -q '"history":\[{"at":"[0-9T:Z-]*","event":"received"' "$T/out" || fail "show: no history"
order_id=$(echo "$line" | sed 's/.*"order":{"id":\("[^"]*"\|null\).*/\1/')
grep -qF "\"order\":{\"id\":$order_id" "$T/out" || fail "show: the stored declaration differs from the input"
expect_rc 1 "show unknown" "$BW" show --db "$db" "$sub" "no-such-id"

# same id, other content: a conflict, the original stays
changed=$(echo "$line" | sed 's/"packages":1/"packages":2/; s/"packages":2,/"packages":3,/')
[ "$changed" != "$line" ] || fail "test setup: could not change the record"
echo "$changed" > "$T/conflict.ndjson"
expect_rc 1 "conflicting resubmission" "$BW" ingest --db "$db" --results "$T/res3.ndjson" "$T/conflict.ndjson"
grep -q '1 conflicts' "$T/err" || fail "conflict not counted: $(cat "$T/err")"
grep -q '"code":"declaration.conflict"' "$T/res3.ndjson" || fail "conflict not reported"
"$BW" show --db "$db" "$sub" "$id" > "$T/after.json"
grep -q '"packages":[23]' "$T/after.json" && fail "the conflicting content replaced the original"

# a rejected declaration is stored as rejected, then may be corrected
bad=$(echo "$line" | sed "s/\"declaration_id\":\"$id\"/\"declaration_id\":\"$id-FIX\"/; s/\"hs_code\":\"[0-9]*\"/\"hs_code\":\"12AB56\"/")
echo "$bad" > "$T/bad.ndjson"
expect_rc 1 "rejected declaration" "$BW" ingest --db "$db" "$T/bad.ndjson"
[ "$(rows "select status from declarations where declaration_id = '$id-FIX'")" = rejected ] ||
    fail "the rejected declaration was not stored as rejected"
"$BW" show --db "$db" "$sub" "$id-FIX" | grep -q '"code":"hs.format"' || fail "show: rejected errors missing"
echo "$line" | sed "s/\"declaration_id\":\"$id\"/\"declaration_id\":\"$id-FIX\"/" > "$T/fixed.ndjson"
expect_rc 0 "corrected declaration" "$BW" ingest --db "$db" "$T/fixed.ndjson"
grep -q '1 amended' "$T/err" || fail "amendment not counted: $(cat "$T/err")"
[ "$(rows "select status from declarations where declaration_id = '$id-FIX'")" = accepted ] || fail "not amended"
"$BW" show --db "$db" "$sub" "$id-FIX" | grep -q '"event":"resubmitted"' || fail "amendment not in the history"

# validate: errors as NDJSON, exit 1 when some are rejected, 0 when none
expect_rc 0 "validate good" "$BW" validate "$T/a.ndjson"
[ "$(wc -l < "$T/out")" -eq 300 ] || fail "validate: one line per record expected"
expect_rc 1 "validate bad" "$BW" validate "$T/bad.ndjson"
grep -q '"path":"items\[[0-9]*\].hs_code","code":"hs.format"' "$T/out" || fail "validate: no path/code"
expect_rc 1 "validate --errors-only" "$BW" validate --errors-only "$T/bad.ndjson"

# one object and a JSON array are inputs too
sed -n '1,3p' "$T/a.ndjson" | awk 'BEGIN{printf "["} NR>1{printf ","} {printf "%s", $0} END{print "]"}' > "$T/array.json"
expect_rc 0 "array input" "$BW" validate "$T/array.json"
[ "$(wc -l < "$T/out")" -eq 3 ] || fail "array: three records expected"
sed -n '5p' "$T/a.ndjson" > "$T/one.json"
expect_rc 0 "single object input" "$BW" validate "$T/one.json"

# two processes ingesting into one new database at once: both succeed, and
# every body reads back (one shared compression dictionary, not two)
db2="$T/two.db"
"$BW" gen --count 6000 --seed 21 > "$T/p1.ndjson"
"$BW" gen --count 6000 --seed 22 > "$T/p2.ndjson"
"$BW" ingest --quiet --db "$db2" "$T/p1.ndjson" 2> "$T/p1.err" & pid=$!
"$BW" ingest --quiet --db "$db2" "$T/p2.ndjson" 2> "$T/p2.err" || fail "second writer: $(cat "$T/p2.err")"
wait "$pid" || fail "first writer: $(cat "$T/p1.err")"
[ "$(sqlite3 "$db2" 'select count(*) from declarations')" -eq 12000 ] || fail "concurrent ingest lost rows"
[ "$(sqlite3 "$db2" 'select count(*) from body_dictionaries')" -le 1 ] || fail "two dictionaries made"
for f in p1 p2; do
    for n in 1 3000 6000; do
        l=$(sed -n "${n}p" "$T/$f.ndjson")
        s_=$(echo "$l" | sed 's/^{"submitter":{"id":"\([^"]*\)".*/\1/')
        i_=$(echo "$l" | sed 's/.*"declaration_id":"\([^"]*\)".*/\1/')
        "$BW" show --db "$db2" "$s_" "$i_" | grep -q "\"declaration_id\":\"$i_\"" || fail "unreadable after concurrent ingest: $i_"
    done
done

# vendor scheme registries: gen's numbers validate against the registry it writes
"$BW" gen --count 2000 --seed 5 --registry "$T/reg.tsv" > "$T/reg.ndjson"
expect_rc 0 "validate with gen's registry" env BREAKWATER_REGISTRY="$T/reg.tsv" "$BW" validate --as-of 2026-11-24 "$T/reg.ndjson"
grep -q '"code":"scheme\.' "$T/out" && fail "gen's numbers do not validate against its registry"
expect_rc 0 "validate without a registry" "$BW" validate --as-of 2026-11-24 "$T/reg.ndjson"
grep -q '"code":"scheme.unverified"' "$T/out" || fail "no scheme.unverified warning without a registry"
expect_rc 0 "gen --registry alone" "$BW" gen --registry "$T/reg2.tsv" --seed 5
cmp -s "$T/reg.tsv" "$T/reg2.tsv" || fail "the registry depends on --count"
num=$(grep -m 1 -o '"model":"vendor","scheme_number":"[^"]*"' "$T/reg.ndjson" | sed 's/.*:"//; s/"$//')
scheme=$(awk -F'\t' -v n="$num" '$2 == n { print $1; exit }' "$T/reg.tsv")
printf '%s\t%s\trevoked\t2026-01-01\t\t\ttest\n' "$scheme" "$num" >> "$T/reg.tsv"
expect_rc 1 "validate with a revoked number" env BREAKWATER_REGISTRY="$T/reg.tsv" "$BW" validate --as-of 2026-11-24 "$T/reg.ndjson"
grep -q '"code":"scheme.revoked"' "$T/out" || fail "revoked number not reported"
printf 'scheme\tnumber\tstatus\tfrom\tto\tname\tnote\nUK_VAT\tGB123456789\tvalid\t2021-01-01\t\t\t\n' > "$T/bad.tsv"
expect_rc 2 "bad registry" env BREAKWATER_REGISTRY="$T/bad.tsv" "$BW" validate "$T/reg.ndjson"
grep -q 'bad.tsv:2: scheme "UK_VAT" is not a vendor scheme' "$T/err" || fail "bad registry message: $(cat "$T/err")"

# an inspection outcome from the command line: an event, the seller and
# buyer proposed for the watchlist after a seizure, the learned state saved
idb="$T/inspect.db"
"$BW" gen --count 200 --seed 4 > "$T/insp.ndjson"
expect_rc 0 "ingest for inspections" "$BW" ingest --quiet --db "$idb" "$T/insp.ndjson"
read -r isub iid <<<"$(sqlite3 "$idb" "select submitter, declaration_id from declarations where status = 'accepted' limit 1" | tr '|' ' ')"
expect_rc 2 "inspect with an unknown result" "$BW" inspect --db "$idb" --result fine "$isub" "$iid"
grep -q "result: must be compliant, discrepancy or seized" "$T/err" || fail "bad result message: $(cat "$T/err")"
expect_rc 1 "inspect an unknown declaration" "$BW" inspect --db "$idb" --result compliant "$isub" NO-SUCH-ID
expect_rc 0 "inspect: seized" "$BW" inspect --db "$idb" --result seized --scan NII-1 --findings "fake watches" "$isub" "$iid"
[ "$(sqlite3 "$idb" "select count(*) from events where kind = 'inspected'")" -eq 1 ] || fail "no inspected event"
[ "$(sqlite3 "$idb" "select count(*) from watchlist_candidates where status = 'proposed'")" -eq 2 ] ||
    fail "a seizure proposes the seller and the buyer"
[ "$(sqlite3 "$idb" "select count(*) from risk_state where name = 'parties'")" -eq 1 ] || fail "party history not saved"
"$BW" show --db "$idb" "$isub" "$iid" | grep -q '"event":"inspected"' || fail "show has no inspected event"

echo "cli: all checks passed"
