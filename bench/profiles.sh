#!/usr/bin/env bash
# Risk profile evaluation with 10, 1,000 and 10,000 synthetic profiles (on
# top of the shipped ones): `breakwater profiles bench` times only
# bw_profiles_evaluate, on generated declarations run through the pipeline
# first.  Prints one line per size and the cost at 10,000 over the cost at
# 10: the indexes should keep it far under the 1,000x of the profile count.
# Standalone (bench/run.sh may call it); not a test.
#
#   BENCH_PROFILES_COUNT  declarations (default 100,000)
#   BENCH_SEED            generator seed (default 1)
#   BENCH_DIR             where the declarations are kept (default bench/out)
#   BENCH_ROUNDS          runs per size, the fastest is kept (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_PROFILES_COUNT:-100000}
SEED=${BENCH_SEED:-1}
OUT=${BENCH_DIR:-bench/out}
ROUNDS=${BENCH_ROUNDS:-2}
BW=./breakwater
mkdir -p "$OUT"
input="$OUT/decl-$N-$SEED.ndjson"
if [ ! -s "$input" ]; then
    echo "profiles bench: generating $N declarations (seed $SEED) ..." >&2
    $BW gen --count "$N" --seed "$SEED" > "$input.tmp" && mv "$input.tmp" "$input"
fi

# "profiles: N profiles, X evaluations/s, ...": field 4 is the rate
best() {
    local best_line="" best_v=0 line v
    for _ in $(seq "$ROUNDS"); do
        line=$($BW profiles bench --synth "$1" "$input")
        v=$(echo "$line" | awk '{print $4}')
        if awk -v a="$v" -v b="$best_v" 'BEGIN{exit !(a>b)}'; then best_v=$v; best_line=$line; fi
    done
    echo "$best_line"
}

declare -A rate
for size in 10 1000 10000; do
    line=$(best "$size")
    echo "$line"
    rate[$size]=$(echo "$line" | awk '{print $4}')
done
awk -v a="${rate[10]}" -v b="${rate[1000]}" -v c="${rate[10000]}" 'BEGIN {
    printf "profiles: cost per declaration at 1,000 and 10,000 profiles = %.1fx and %.1fx the cost at 10\n", a / b, a / c
}'
