#!/usr/bin/env bash
# Real Kafka client libraries against three `zk2kraft controller` processes booted
# from `zk2kraft migrate` output (fixtures/demo.xml: 50 topics, ACLs, quotas):
#   kafka-python 2.0.2 (Debian python3-kafka): tests/clients/kafka_python_admin.py
#   kafkajs 2.2.4 (npm, installed here into build/npm/): tests/clients/kafkajs_admin.js
# Each compares what the client sees with fixtures/demo.image.json and changes
# topics through the Kafka API. A step is skipped only when its external package is
# unavailable (python3-kafka not installed, npm registry unreachable). Every process
# started is killed on exit.
set -u
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIXTURE=$ROOT/fixtures/demo.xml
EXPECTED=$ROOT/fixtures/demo.image.json
SYS_PY=/usr/bin/python3 # Debian's python3-kafka is in the system python, not a pyenv one

CTL_DIR=$TMP/migrated CTL_IDS="1 2 3"
. "$ROOT/tests/support/controllers.sh"
cleanup() {
    ctl_stop_all
    if [ -n "${KEEP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

ctl_ports
check "migrate demo.xml for three controllers" "$ZK2KRAFT" migrate --fixture "$FIXTURE" --controllers "$CTL_VOTERS" --out "$CTL_DIR"
ctl_add_client_listeners
for i in $CTL_IDS; do ctl_start "$i"; done
if out=$(ctl_wait_leader 1 $CTL_IDS); then
    read -r LEADER EPOCH _ <<<"$out"
    ok "migrated controllers elect a leader (node $LEADER, epoch $EPOCH)"
else
    not_ok "migrated controllers elect a leader"; tail -n 20 "$CTL_DIR"/node-*.log | sed 's/^/#   /'
    finish
fi

# The client listener is the other branch's work (client-listener); until it is
# merged the controllers do not open it, and nothing below can run.
listening=0
for _ in $(seq 1 50); do
    n=0
    for i in $CTL_IDS; do ctl_client_listening "$i" && n=$((n + 1)); done
    [ $n = 3 ] && { listening=1; break; }
    sleep 0.2
done
if [ $listening = 0 ]; then
    skip "kafka-python and kafkajs" "this build's controllers do not open a client listener (PLAINTEXT in listeners)"
    finish
fi
ok "every controller accepts connections on its client listener"

# Two different controllers: changes made through one must be visible through the other.
A=127.0.0.1:${CTL_CLIENT_PORT[1]}
B=127.0.0.1:${CTL_CLIENT_PORT[2]}

run_client() { # NAME CMD...: relays the client's TAP lines; a crash or failure fails
    local name=$1 rc; shift
    timeout 150 "$@" >"$TMP/client.out" 2>"$TMP/client.err"
    rc=$?
    cat "$TMP/client.out"
    if grep -q '^not ok' "$TMP/client.out"; then _failed=1; fi
    if [ $rc != 0 ] && ! grep -q '^not ok' "$TMP/client.out"; then
        not_ok "$name exited $rc"; sed 's/^/#   /' "$TMP/client.err" | tail -n 15
    fi
    grep -q '^not ok' "$TMP/client.out" && sed 's/^/#   /' "$TMP/client.err" | tail -n 15
    return 0
}

# ---- kafka-python ----
if ! "$SYS_PY" -c 'import kafka' 2>/dev/null; then
    skip "kafka-python admin" "python3-kafka is not installed (./install-deps.sh)"
else
    echo "# kafka-python $("$SYS_PY" -c 'import kafka; print(kafka.__version__)') (no describe_client_quotas before 2.1: raw DescribeClientQuotas v0)"
    run_client "kafka-python admin" "$SYS_PY" "$ROOT/tests/clients/kafka_python_admin.py" "$A" "$B" "$EXPECTED"
fi

# ---- kafkajs (npm) ----
NPM_DIR=$ROOT/${BUILD:-build/release}/npm/kafkajs-2.2.4
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    skip "kafkajs admin" "node/npm not installed"
else
    if [ ! -e "$NPM_DIR/node_modules/kafkajs/package.json" ]; then
        mkdir -p "$NPM_DIR"
        timeout 90 npm install --no-save --no-audit --no-fund --fetch-retries=1 --fetch-timeout=20000 --prefix "$NPM_DIR" kafkajs@2.2.4 >"$TMP/npm.log" 2>&1
    fi
    if [ ! -e "$NPM_DIR/node_modules/kafkajs/package.json" ]; then
        skip "kafkajs admin" "npm install kafkajs@2.2.4 failed (registry unreachable?): $(tail -n 1 "$TMP/npm.log")"
    else
        NODE_PATH=$NPM_DIR/node_modules run_client "kafkajs admin" node "$ROOT/tests/clients/kafkajs_admin.js" "$A" "$EXPECTED"
    fi
fi

for i in $CTL_IDS; do
    if grep -qE "fatal|runtime error|Sanitizer" "$CTL_DIR/node-$i.log"; then
        not_ok "node $i logged no fatal or sanitizer error"; grep -E "fatal|runtime error|Sanitizer" "$CTL_DIR/node-$i.log" | head -5 | sed 's/^/#   /'
    else ok "node $i logged no fatal or sanitizer error"; fi
done
finish
