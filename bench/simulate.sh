#!/usr/bin/env bash
# The de minimis simulator over a stored database: `breakwater simulate`
# with three scenarios (and current) on every jurisdiction's stored revenue
# basis, timed from outside, best of SIM_ROUNDS runs (default 3: the
# machine is shared, noise only slows a run down).  The fixed cost of the
# command (loading reference data, opening the store) is the same command
# over an empty period; the rate is of the replay alone, the whole command
# is shown too.  The first run rebuilds the basis of declarations stored
# before the simulator, if any, and is reported apart.  Prints
#   simulate: J: N declarations, replay S s = R declarations/s (...)
# Usage: bench/simulate.sh DB [JURISDICTION...]  (default: every jurisdiction
# with stored declarations).  Not a test: nothing here passes or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BW=${BW:-./breakwater}
ROUNDS=${SIM_ROUNDS:-3}
db=${1:?usage: bench/simulate.sh DB [JURISDICTION...]}
shift
[ -s "$db" ] || { echo "simulate.sh: no database $db" >&2; exit 2; }
[ -x "$BW" ] || { echo "simulate.sh: build $BW first (make breakwater)" >&2; exit 2; }
S=(--scenario low:duty=0,tax=0 --scenario mid:duty=50,tax=50 --scenario high:duty=500,tax=500,basis=cif)
now() { date +%s.%N; }
t0=$(now)
"$BW" simulate --db "$db" --jurisdiction EU --format json >/dev/null 2>&1 || true
t1=$(now)
echo "simulate: first run (rebuilds any missing revenue basis): $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
jurs=("$@")
[ ${#jurs[@]} -gt 0 ] || mapfile -t jurs < <(sqlite3 "$db" "SELECT DISTINCT jurisdiction FROM revenue_basis ORDER BY 1")
timed() { # best wall seconds of ROUNDS runs of simulate with the arguments
    local best="" t0 t1 s
    for _ in $(seq "$ROUNDS"); do
        t0=$(now)
        "$BW" simulate --db "$db" "$@" --format json >"${TMPDIR:-/tmp}/sim-bench.json" || true
        t1=$(now)
        s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$s; fi
    done
    echo "$best"
}
for j in "${jurs[@]}"; do
    fixed=$(timed --jurisdiction "$j" "${S[@]}" --from 2999-01-01)
    whole=$(timed --jurisdiction "$j" "${S[@]}")
    n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["consignments"])' "${TMPDIR:-/tmp}/sim-bench.json")
    awk -v j="$j" -v n="$n" -v w="$whole" -v f="$fixed" 'BEGIN{r = w - f; if (r <= 0) r = 0.0001;
        printf "simulate: %s: %d declarations, replay %.3f s = %.0f declarations/s (3 scenarios + current; whole command %.3f s, of which %.3f s fixed)\n", j, n, r, n / r, w, f}'
done
rm -f "${TMPDIR:-/tmp}/sim-bench.json"
