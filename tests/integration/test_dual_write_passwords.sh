#!/usr/bin/env bash
# Password-type broker configs in migration mode (fixtures/configs-all-levels.xml: broker 1 holds
# two encrypted passwords). A broker config change made through the Kafka API rewrites the whole
# /config/brokers/1 znode:
#   - with password.encoder.secret, the passwords are re-encrypted (new ciphertext that decrypts
#     to the same value, checked with an independent decryption in Python + openssl);
#   - without it, the controller cannot encrypt, so it reconciles instead and ZooKeeper keeps its
#     ciphertext byte for byte; the new key is written either way.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh
BIN=$ZK2KRAFT
ZKS=tests/support/zk-server.sh
PY=/usr/bin/python3
W=$TMP/w
mkdir -p "$W"
CTL_IDS="3000" CTL_DIR=$W/kraft
. tests/support/controllers.sh
cleanup() { ctl_stop_all; "$ZKS" stop "$W/zk" >/dev/null 2>&1; chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
command -v java >/dev/null || { skip "dual-write passwords" "ZooKeeper is not installed"; exit 0; }
"$PY" -c 'import kafka, kazoo' 2>/dev/null || { skip "dual-write passwords" "python3-kafka / python3-kazoo missing"; exit 0; }

SECRET=zk2kraft-fixture-secret
KEY=listener.name.internal.ssl.keystore.password
Z=$("$ZKS" start "$W/zk") || { not_ok "start ZooKeeper"; finish; }

broker1() { "$PY" tests/support/kazoo_cli.py "$1" json /config/brokers/1 "$2" 2>/dev/null; }
alter_broker() { # BOOTSTRAP KEY VALUE: one key SET with IncrementalAlterConfigs v0 (raw: kafka-python
    "$PY" - "$@" <<'PY'   # 2.0.2 and librdkafka 2.0.2 only have AlterConfigs, which replaces the whole set)
import sys
from kafka.admin import KafkaAdminClient
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String

class IncrementalAlterConfigsResponse_v0(Response):
    API_KEY, API_VERSION = 44, 0
    SCHEMA = Schema(("throttle_time_ms", Int32),
                    ("responses", Array(("error_code", Int16), ("error_message", String("utf-8")),
                                        ("resource_type", Int8), ("resource_name", String("utf-8")))))

class IncrementalAlterConfigsRequest_v0(Request):
    API_KEY, API_VERSION, RESPONSE_TYPE = 44, 0, IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(("resources", Array(("resource_type", Int8), ("resource_name", String("utf-8")),
                                        ("configs", Array(("name", String("utf-8")), ("config_operation", Int8),
                                                          ("value", String("utf-8")))))),
                    ("validate_only", Boolean))

a = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=15000, api_version_auto_timeout_ms=10000)
req = IncrementalAlterConfigsRequest_v0(resources=[(4, "1", [(sys.argv[2], 0, sys.argv[3])])], validate_only=False)
fut = a._send_request_to_node(a._client.least_loaded_node(), req)
a._wait_for_futures([fut])
codes = [r[0] for r in fut.value.responses]
print("incremental_alter_configs:", codes)
sys.exit(0 if codes == [0] else 1)
PY
}

run_case() { # NAME WITH_SECRET(0|1)
    local name=$1 with=$2 zc="$Z/$1" i
    ctl_stop_all
    rm -rf "$CTL_DIR"
    check "$name: load configs-all-levels.xml" "$BIN" load fixtures/configs-all-levels.xml --zookeeper "$zc"
    ctl_ports
    check "$name: migrate --dual-write (with the brokers' secret)" "$BIN" migrate --zookeeper "$zc" \
        --controllers "$CTL_VOTERS" --out "$CTL_DIR" --dual-write --password-encoder-secret "$SECRET"
    ctl_add_client_listeners
    [ "$with" = 1 ] && echo "password.encoder.secret=$SECRET" >>"$CTL_DIR/node-3000/controller.properties"
    before=$(broker1 "$zc" "d['config']['$KEY']")
    ctl_start 3000
    ctl_wait_leader 1 3000 >/dev/null || { not_ok "$name: the controller leads"; return; }
    for i in $(seq 150); do grep -q 'migration: reconciled' "$CTL_DIR/node-3000.log" && break; sleep 0.2; done
    check "$name: IncrementalAlterConfigs on broker 1 (leader.replication.throttled.rate)" \
        alter_broker "$CTL_BOOTSTRAP" leader.replication.throttled.rate 20971520
    for i in $(seq 150); do
        [ "$(broker1 "$zc" "d['config'].get('leader.replication.throttled.rate')")" = 20971520 ] && break; sleep 0.2
    done
    [ "$(broker1 "$zc" "d['config'].get('leader.replication.throttled.rate')")" = 20971520 ] &&
        ok "$name: the new value is in /config/brokers/1" || not_ok "$name: /config/brokers/1 = $(broker1 "$zc" d)"
    after=$(broker1 "$zc" "d['config'].get('$KEY')")
    if [ "$with" = 1 ]; then
        plain=$("$PY" tests/support/kafka_password_vector.py --decrypt "$SECRET" "$after" 2>&1)
        [ "$after" != "$before" ] && [ "$plain" = "$("$PY" tests/support/kafka_password_vector.py --decrypt "$SECRET" "$before" 2>&1)" ] &&
            [ -n "$plain" ] && ok "$name: the password was re-encrypted and decrypts to the same value" ||
            not_ok "$name: re-encrypted password (before ${before:0:40}..., after ${after:0:40}..., plain '$plain')"
    else
        [ "$after" = "$before" ] && ok "$name: ZooKeeper keeps the password's ciphertext byte for byte" ||
            not_ok "$name: ciphertext changed or lost: '${after:0:60}'"
        expect_grep "$name: the controller says why it reconciled" 'password.encoder.secret is not set: reconciling' \
            "$CTL_DIR/node-3000.log"
    fi
    ctl_stop_all
}

run_case with-secret 1
run_case without-secret 0
finish
