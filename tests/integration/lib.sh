# Shared helpers for integration scripts: TAP-style results and expectations.
# Scripts source this, then call check/expect_* and finally `finish`.
ZK2KRAFT=${ZK2KRAFT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/zk2kraft}
SHARED=${SHARED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/../shared}
VECTORS="$SHARED/kafka-vectors"
_failed=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; _failed=1; }
skip() { echo "skip - $1: $2"; }

# check NAME CMD...: ok when CMD exits 0.
check() {
    local name=$1; shift
    if "$@" >"$TMP/out" 2>"$TMP/err"; then ok "$name"; else
        not_ok "$name"; sed 's/^/#   /' "$TMP/out" "$TMP/err" | head -20; fi
}

# expect_exit NAME CODE CMD...: ok when CMD exits with CODE; output in $TMP/out, $TMP/err.
expect_exit() {
    local name=$1 code=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name"; else
        not_ok "$name (exit $rc, expected $code)"; sed 's/^/#   /' "$TMP/out" "$TMP/err" | head -20; fi
}

# expect_grep NAME PATTERN FILE
expect_grep() {
    if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no '$2' in $(basename "$3"))"; sed 's/^/#   /' "$3" | head -10; fi
}

finish() { exit $_failed; }
