#!/usr/bin/env bash
# Runs the unit test binaries given as arguments, then every
# tests/integration/test_*.sh, and ends with one line: "N passed, N failed".
# Integration scripts print TAP-style lines: "ok - name", "not ok - name",
# "skip - name: reason".
set -u
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0
failures=()
log_dir=${BUILD:-build/release}/test-logs
mkdir -p "$log_dir"

count_cmocka() { # file: sums cmocka's closing lines
    local p f s
    p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
    f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
    s=$(grep -Eo '^\[  SKIPPED \] [0-9]+' "$1" | awk '{s+=$4} END {print s+0}')
    echo "$p $f $s"
}

for t in "$@"; do
    name=$(basename "$t")
    out="$log_dir/$name.log"
    "$t" >"$out" 2>&1
    rc=$?
    read -r p f s < <(count_cmocka "$out")
    grep -E '^\[  (FAILED|SKIPPED|ERROR)|^\[ +(SKIPPED|FAILED) +\]|skip:' "$out" | sed "s/^/  $name: /"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" -gt 0 ] && failures+=("$name (log: $out)")
    printf '%-34s %4d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
done

for script in tests/integration/test_*.sh; do
    [ -e "$script" ] || continue
    name=$(basename "$script" .sh)
    out="$log_dir/$name.log"
    bash "$script" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^ok - ' "$out"); f=$(grep -c '^not ok - ' "$out"); s=$(grep -c '^skip - ' "$out")
    grep -E '^(not ok|skip) - ' "$out" | sed "s/^/  $name: /"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" -gt 0 ] && failures+=("$name (log: $out)")
    printf '%-34s %4d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
done

if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "failing:"
    for f in "${failures[@]}"; do
        log=${f##*log: }; log=${log%)}
        echo "  $f"
        tail -n 30 "$log" | sed 's/^/    /'
    done
fi
echo
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
