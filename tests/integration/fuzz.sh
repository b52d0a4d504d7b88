#!/usr/bin/env bash
# Runs each libFuzzer target for a short while (FUZZ_SECONDS, default 20)
# seeded with the malformed-input corpus and a few generated declarations.
# Any crash, sanitizer report or differential mismatch with json-c fails.
# Longer campaigns: make fuzz, then build/fuzz/fuzz_decode -max_total_time=N DIR
set -euo pipefail
top=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${BW_TMP:-$(mktemp -d)}/fuzz
secs=${FUZZ_SECONDS:-20}
mkdir -p "$T/seed"
cp "$top"/tests/corpus/*.json "$T/seed/"
"$BW" gen --count 20 --seed 3 | split -l 1 - "$T/seed/gen-"
for target in "$top"/build/fuzz/fuzz_*; do
    case $target in *.d) continue ;; esac  # the compiler's dependency files
    [ -x "$target" ] || continue
    name=$(basename "$target")
    mkdir -p "$T/$name"
    if ! "$target" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$T/$name-" \
            "$T/$name" "$T/seed" > "$T/$name.log" 2>&1; then
        grep -a -E "mismatch|ERROR|SUMMARY|input \(" "$T/$name.log" | head -20 >&2
        echo "$name: failed; artifacts in $T" >&2
        exit 1
    fi
    echo "$name: $(grep -a -o 'Done [0-9]* runs' "$T/$name.log")"
done
