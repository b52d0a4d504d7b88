#!/usr/bin/env bash
# make run: the system on its embedded default.  Generates demo declarations,
# ingests them into a SQLite database under the working directory, makes a
# demo API key for every role, and serves the HTTP API on 127.0.0.1:8080.
set -euo pipefail
db=${1:-breakwater.db}
count=${DEMO_COUNT:-20000}
BW=./breakwater
if [ -z "${BREAKWATER_REFDATA:-}" ] && [ -d ../shared/data ]; then
    export BREAKWATER_REFDATA=$(cd ../shared/data && pwd)
fi
echo "breakwater: reference data: ${BREAKWATER_REFDATA:-none (HS codes get shape checks only)}"
echo "breakwater: generating $count demo declarations (seed 1) into demo.ndjson"
$BW gen --count "$count" --seed 1 --registry demo-registry.tsv > demo.ndjson
# the vendor scheme registry the demo's sellers are in (IOSS, UK VAT, ARN)
export BREAKWATER_REGISTRY=$PWD/demo-registry.tsv
# the intermediaries' accounts the demo names, each with a guarantee; one
# small one (the US post's) so some parcels are held until it pays
echo "breakwater: registering the demo's intermediary accounts"
sed -n 's/.*"jurisdiction":"\([A-Z]*\)".*"account_id":"\([^"]*\)".*/\2 \1/p' demo.ndjson | sort -u |
while read -r acc jur; do
    guarantee=100000.00
    [ "$acc $jur" = "ACC-POST-US US" ] && guarantee=200.00
    $BW accounts add --db "$db" --account "$acc" --jurisdiction "$jur" --guarantee "$guarantee" >/dev/null
done
echo "breakwater: ingesting into $db"
$BW ingest --db "$db" --results demo-results.ndjson demo.ndjson || [ $? -eq 1 ]
first=$(grep -m1 '^{"submitter":{"id":"EXPRESS-01"' demo.ndjson)
id=$(echo "$first" | sed 's/.*"declaration_id":"\([^"]*\)".*/\1/')

# a demo key for every role (new ones each run; `breakwater keys list` shows them all)
echo
echo "Demo API keys (shown once; the database keeps only their hashes):"
declare -A key
for spec in platform:MKT-7 vendor:VENDOR-01 express:EXPRESS-01 postal:POST-CN forwarder:FWD-01 \
            broker:BRK-01 officer: analyst: admin: oga:FOOD-SAFETY; do
    role=${spec%%:*} who=${spec#*:}
    case $role in
        officer|analyst|admin) k=$($BW keys add --db "$db" --role "$role") ;;
        oga) k=$($BW keys add --db "$db" --role oga --agency "$who") ;;
        *) k=$($BW keys add --db "$db" --role "$role" --submitter "$who") ;;
    esac
    key[$role]=$k
    printf '  %-9s %-12s %s\n' "$role" "${who:--}" "$k"
done
listen=${LISTEN:-127.0.0.1:8080}
cat <<MSG

Starting the API on http://$listen (Ctrl-C stops it).  Try:
  curl http://$listen/v1/reference/jurisdictions/EU
  curl -H "Authorization: Bearer ${key[express]}" http://$listen/v1/declarations/EXPRESS-01/$id
  $BW gen --count 3 --seed 9 | sed 's/"id":"[^"]*","role":"[^"]*"/"id":"EXPRESS-01","role":"express"/' |
    curl -H "Authorization: Bearer ${key[express]}" -H 'Content-Type: application/x-ndjson' \\
         --data-binary @- http://$listen/v1/declarations
  curl -H "Authorization: Bearer ${key[officer]}" "http://$listen/v1/declarations?category=4&limit=5"
  curl -H "Authorization: Bearer ${key[officer]}" http://$listen/v1/accounts
  curl -H "Authorization: Bearer ${key[officer]}" "http://$listen/v1/accounts/US/ACC-POST-US/statement?period=$(date -u +%Y-%m)&format=csv"
  head -1 demo.ndjson | curl --data-binary @- http://$listen/v1/quote
  $BW show --db "$db" EXPRESS-01 $id | grep -o '"risk":{[^}]*'   # the lane, score and hits
  curl -H "Authorization: Bearer ${key[officer]}" http://$listen/v1/risk/profiles
MSG
exec $BW serve --db "$db" --listen "$listen"
