#!/usr/bin/env bash
# make run: the system on its embedded default.  Generates demo declarations,
# ingests them into a SQLite database under the working directory, and shows
# what a user can do next.  (`breakwater serve` arrives with the API.)
set -euo pipefail
db=${1:-breakwater.db}
count=${DEMO_COUNT:-20000}
BW=./breakwater
if [ -z "${BREAKWATER_REFDATA:-}" ] && [ -d ../shared/data ]; then
    export BREAKWATER_REFDATA=$(cd ../shared/data && pwd)
fi
echo "breakwater: reference data: ${BREAKWATER_REFDATA:-none (HS codes get shape checks only)}"
echo "breakwater: generating $count demo declarations (seed 1) into demo.ndjson"
$BW gen --count "$count" --seed 1 > demo.ndjson
echo "breakwater: ingesting into $db"
$BW ingest --db "$db" --results demo-results.ndjson demo.ndjson || [ $? -eq 1 ]
first=$(head -1 demo.ndjson)
sub=$(echo "$first" | sed 's/^{"submitter":{"id":"\([^"]*\)".*/\1/')
id=$(echo "$first" | sed 's/.*"declaration_id":"\([^"]*\)".*/\1/')
cat <<MSG

Stored in $db; one result per record in demo-results.ndjson.  Try:
  $BW show --db $db $sub $id
  $BW validate ../shared/declaration-example.json
  $BW gen --count 5 --seed 2 --jurisdiction CN | $BW ingest --db $db --results - -
  sqlite3 $db "select jurisdiction, category, count(*) from declarations group by 1, 2"
MSG
