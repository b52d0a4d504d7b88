#!/usr/bin/env bash
# Runs every test: the cmocka unit binaries built with ASan+UBSan, then the
# integration scripts in tests/integration (real binary, real SQLite file).
# Prints one closing line "tests: N passed, M failed"; exits non-zero on any
# failure.
set -uo pipefail
build=${1:-build/asan}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export BW="$top/$build/breakwater"
export BW_TOP="$top"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export CMOCKA_MESSAGE_OUTPUT=stdout
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export BW_TMP="$out"

passed=0 failed=0 failures=()
run() { # name command...
    local name=$1; shift
    if "$@" >"$out/log" 2>&1; then
        passed=$((passed + 1)); printf 'ok   %s\n' "$name"
    else
        failed=$((failed + 1)); failures+=("$name"); printf 'FAIL %s\n' "$name"
        sed 's/^/     /' "$out/log" | tail -n 40
    fi
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run "unit/$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    run "integration/$(basename "$t" .sh)" bash "$t"
done

[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
