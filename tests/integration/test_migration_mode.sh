#!/usr/bin/env bash
# Migration mode end to end (issue: dual-write, verify, rollback), on a real ZooKeeper 3.8 and
# three `zk2kraft controller` processes booted from `migrate --dual-write` output over
# fixtures/demo.xml:
#   - the leader claims ZooKeeper like Kafka 3.9's KRaft controller (/controller, /controller_epoch,
#     /migration) and reconciles;
#   - changes made with librdkafka (tests/clients/rdkafka_admin) and kafka-python
#     (tests/clients/kafka_python_changes.py) appear in ZooKeeper, read independently with kazoo
#     (tests/support/kazoo_cli.py); kcat sees them; `verify --bootstrap-controller` says in sync;
#   - a new SCRAM user's znode is readable by the controller's identity only;
#   - a znode tampered with behind the controllers' back is reported exactly (exit 1) and
#     repaired by the reconciliation of the next leader;
#   - the leader SIGKILLed in the middle of a stream of topic creations: ZooKeeper converges and
#     every acknowledged creation is there.
#   - finalization: controllers restarted without the migration flag write POST_MIGRATION,
#     stop writing to ZooKeeper, and rollback refuses.
# (Fencing of a SIGSTOPped leader is in test_dual_write.sh.)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/integration/lib.sh
BIN=$ZK2KRAFT
ZKS=tests/support/zk-server.sh
PY=/usr/bin/python3 # Debian's python3-kafka and python3-kazoo live in the system python
ADMIN=$ROOT/${BUILD:-build/release}/tests/rdkafka_admin
W=$TMP/w
mkdir -p "$W"
CTL_IDS="3000 3001 3002" CTL_DIR=$W/kraft
. tests/support/controllers.sh
cleanup() { ctl_stop_all; "$ZKS" stop "$W/zk" >/dev/null 2>&1; chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

for need in "java:ZooKeeper" "kcat:kcat"; do
    command -v "${need%%:*}" >/dev/null || { skip "migration mode" "${need#*:} is not installed"; exit 0; }
done
if ! "$PY" -c 'import kafka, kazoo' 2>/dev/null; then skip "migration mode" "python3-kafka / python3-kazoo missing"; exit 0; fi
[ -x "$ADMIN" ] || { not_ok "the librdkafka test client $ADMIN is built"; finish; }

AUTH=kafka:kafka-zk-secret # the controllers' ZooKeeper identity (digest)
Z=$("$ZKS" start "$W/zk") || { not_ok "start ZooKeeper"; finish; }
ZC=$Z/kafka
kz() { "$PY" tests/support/kazoo_cli.py "$ZC" --auth "$AUTH" "$@" 2>>"$W/kazoo.err"; }
kz_anon() { "$PY" tests/support/kazoo_cli.py "$ZC" "$@" 2>>"$W/kazoo.err"; }
pyc() { "$PY" tests/clients/kafka_python_changes.py "$CTL_BOOTSTRAP" "$@"; }

check "load fixtures/demo.xml" "$BIN" load fixtures/demo.xml --zookeeper "$ZC"
epoch0=$(kz get /controller_epoch)
ctl_ports
check "migrate --dual-write" "$BIN" migrate --zookeeper "$ZC" --controllers "$CTL_VOTERS" --out "$CTL_DIR" --dual-write
ctl_add_client_listeners
for i in $CTL_IDS; do
    printf 'zookeeper.auth=digest:%s\n' "$AUTH" >>"$CTL_DIR/node-$i/controller.properties"
done
for i in $CTL_IDS; do ctl_start "$i"; done
if ! q=$(ctl_wait_leader 1 $CTL_IDS); then not_ok "a leader is elected"; tail -5 "$CTL_DIR"/node-*.log; finish; fi
read -r leader epoch _ <<<"$q"
ok "node $leader leads in epoch $epoch"

# verify until in sync: the first reconciliation and every later write are asynchronous
in_sync() { # [extra flags]: verify --bootstrap-controller watching until in sync (60 s)
    local any
    for any in $CTL_IDS; do [ -n "${CTL_PID[$any]:-}" ] && break; done
    "$BIN" verify --zookeeper "$ZC" --zk-auth "digest:$AUTH" --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$any]}" \
        --watch 1 --until-in-sync --timeout 60 "$@"
}

# ---- claim -----------------------------------------------------------------------------
deadline=$((SECONDS + 60))
until [ "$(kz json /migration 'd["kraft_metadata_offset"]' 2>/dev/null || echo -1)" -gt 0 ] 2>/dev/null ||
      [ $SECONDS -gt $deadline ]; do sleep 0.3; done
mig=$(kz get /migration)
if [ "$(kz json /migration 'd["kraft_controller_id"], d["kraft_controller_epoch"]')" = "($leader, $epoch)" ] &&
   [ "$(kz json /migration 'd["kraft_metadata_offset"] > 0')" = True ]; then
    ok "/migration names the leader and its epoch and records an offset: $mig"
else not_ok "/migration after the claim: $mig"; fi
ctl=$(kz get /controller)
if [ "$(kz json /controller 'd["brokerid"], d["kraftControllerEpoch"], d["version"]')" = "($leader, $epoch, 2)" ] &&
   [ "$(kz get /controller_epoch)" -gt "$epoch0" ]; then
    ok "/controller holds the KRaft leader ($ctl), /controller_epoch bumped from $epoch0 to $(kz get /controller_epoch)"
else not_ok "/controller after the claim: $ctl, /controller_epoch $(kz get /controller_epoch) (was $epoch0)"; fi
expect_grep "the leader logs the claim" 'migration: claimed ZooKeeper controllership' "$CTL_DIR/node-$leader.log"
expect_exit "verify: in sync after the first reconciliation" 0 in_sync

# ---- changes through librdkafka and kafka-python ---------------------------------------
check "librdkafka: create topic rd-orders (3 partitions, RF 3)" "$ADMIN" "$CTL_BOOTSTRAP" create-topic rd-orders 3 3
check "librdkafka: set retention.ms on rd-orders" "$ADMIN" "$CTL_BOOTSTRAP" alter-topic-config rd-orders retention.ms 86400000
check "librdkafka: create topic rd-doomed" "$ADMIN" "$CTL_BOOTSTRAP" create-topic rd-doomed 2 3
check "kafka-python: create topic py-events (4 partitions)" pyc create-topic py-events 4 3
check "kafka-python: grow py-events to 6 partitions" pyc create-partitions py-events 6
check "kafka-python: cleanup.policy on py-events" pyc alter-topic-config py-events cleanup.policy compact
check "kafka-python: allow User:bob to read py-events" pyc create-acl py-events User:bob READ
check "kafka-python: allow User:eve to write py-events" pyc create-acl py-events User:eve WRITE
check "kafka-python: quota producer_byte_rate for client-id app-1" pyc set-quota client-id app-1 producer_byte_rate 2048
check "kafka-python: SCRAM-SHA-256 credential for new user carol" pyc upsert-scram carol SCRAM-SHA-256 pw-carol 4096
check "kafka-python: revoke User:eve on py-events" pyc delete-acl py-events User:eve WRITE
check "librdkafka: delete topic rd-doomed" "$ADMIN" "$CTL_BOOTSTRAP" delete-topic rd-doomed
if timeout 30 kcat -L -m 15 -b "$CTL_BOOTSTRAP" >"$W/kcat.out" 2>&1 && grep -q 'topic "rd-orders" with 3 partitions' "$W/kcat.out" &&
   grep -q 'topic "py-events" with 6 partitions' "$W/kcat.out"; then ok "kcat -L sees rd-orders and py-events"
else not_ok "kcat -L"; grep topic "$W/kcat.out" | head -5; fi

expect_exit "verify: in sync after the changes" 0 in_sync
grep -E '^(converged|in sync)' "$TMP/out" | tail -1 | sed 's/^/# /'

# What ZooKeeper-mode Kafka would read, checked with kazoo (not zk2kraft):
t=$(kz json /brokers/topics/rd-orders 'd["version"], len(d["topic_id"]), sorted(d["partitions"]), all(len(r) == 3 for r in d["partitions"].values())')
[ "$t" = "(3, 22, ['0', '1', '2'], True)" ] && ok "ZooKeeper: /brokers/topics/rd-orders is v3 with a topic id and 3 partitions × 3 replicas" ||
    not_ok "ZooKeeper: /brokers/topics/rd-orders = $t"
s=$(kz json /brokers/topics/rd-orders/partitions/2/state 'd["leader"] in d["isr"], d["version"], d["controller_epoch"] >= 0')
[ "$s" = "(True, 1, True)" ] && ok "ZooKeeper: rd-orders-2 has a state znode with its leader in the ISR" ||
    not_ok "ZooKeeper: rd-orders-2 state = $s"
c=$(kz json /config/topics/rd-orders 'd["config"].get("retention.ms")')
[ "$c" = 86400000 ] && ok "ZooKeeper: /config/topics/rd-orders retention.ms=86400000" || not_ok "ZooKeeper: rd-orders config = $c"
n=$(for ch in $(kz children /config/changes); do kz get "/config/changes/$ch"; done | grep -c '"entity_path":"topics/rd-orders"')
[ "$n" -ge 1 ] && ok "ZooKeeper: a config change notification for topics/rd-orders" || not_ok "no config change notification for rd-orders"
p=$(kz json /brokers/topics/py-events 'len(d["partitions"])')
[ "$p" = 6 ] && [ "$(kz children /brokers/topics/py-events/partitions | wc -l)" = 6 ] &&
    ok "ZooKeeper: py-events has 6 partitions (topic znode and partition znodes)" || not_ok "ZooKeeper: py-events partitions = $p"
a=$(kz json /kafka-acl/Topic/py-events 'sorted((x["principal"], x["operation"], x["permissionType"]) for x in d["acls"])')
[ "$a" = "[('User:bob', 'Read', 'Allow')]" ] && ok "ZooKeeper: /kafka-acl/Topic/py-events holds bob's Read only (eve's Write revoked)" ||
    not_ok "ZooKeeper: py-events ACLs = $a"
q=$(kz json /config/clients/app-1 'd["config"]')
[ "$q" = "{'producer_byte_rate': '2048'}" ] && ok "ZooKeeper: /config/clients/app-1 producer_byte_rate=2048" || not_ok "ZooKeeper: app-1 quota = $q"
sc=$(kz json /config/users/carol '"SCRAM-SHA-256" in d["config"] and "iterations=4096" in d["config"]["SCRAM-SHA-256"]')
[ "$sc" = True ] && ok "ZooKeeper: /config/users/carol holds her SCRAM-SHA-256 credential" || not_ok "ZooKeeper: carol = $sc"
if kz_anon get /config/users/carol >/dev/null; then not_ok "an unauthenticated session can read carol's SCRAM credential"
else ok "an unauthenticated session cannot read /config/users/carol ($(kz acl /config/users/carol | tr '\n' ' '))"; fi
if kz exists /brokers/topics/rd-doomed || kz exists /config/topics/rd-doomed; then not_ok "ZooKeeper still has rd-doomed"
else ok "ZooKeeper: rd-doomed and its config are gone"; fi

# ---- a tampered znode: reported exactly, repaired by the next leader -------------------
kz set /config/topics/rd-orders '{"version":1,"config":{"retention.ms":"1"}}'
expect_exit "verify reports a tampered znode (exit 1)" 1 "$BIN" verify --zookeeper "$ZC" --zk-auth "digest:$AUTH" \
    --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$leader]}"
expect_grep "verify names the tampered entity and key" 'rd-orders.*retention\.ms' "$TMP/out"
ndiff=$(grep -cE '^[-+~] ' "$TMP/out")
[ "$ndiff" = 1 ] && ok "exactly one difference reported" || not_ok "$ndiff differences reported for one tampered key"
ctl_kill "$leader" TERM # a graceful resignation: the next leader reconciles the whole image
ctl_start "$leader"
expect_exit "the next leader's reconciliation repairs it (verify in sync)" 0 in_sync
c=$(kz json /config/topics/rd-orders 'd["config"].get("retention.ms")')
[ "$c" = 86400000 ] && ok "ZooKeeper: rd-orders retention.ms is 86400000 again" || not_ok "after reconciliation retention.ms = $c"
q=$(ctl_wait_leader 1 $CTL_IDS) && read -r leader epoch _ <<<"$q"

# ---- the leader killed in the middle of a stream of changes ----------------------------
pyc create-topics-stream stream 40 >"$W/stream.out" 2>"$W/stream.err" &
spid=$!
deadline=$((SECONDS + 60))
until [ "$(grep -c '^acked' "$W/stream.out")" -ge 8 ] || [ $SECONDS -gt $deadline ]; do sleep 0.1; done
ctl_kill "$leader" 9
wait "$spid"; src=$?
acked=$(grep -c '^acked' "$W/stream.out")
[ $src = 0 ] && [ "$acked" = 40 ] && ok "all 40 creations acknowledged across the SIGKILL of leader $leader" ||
    { not_ok "stream: exit $src, $acked acknowledged"; tail -n 3 "$W/stream.out" "$W/stream.err" | sed 's/^/#   /'
      for i in $CTL_IDS; do tail -n 12 "$CTL_DIR/node-$i.log" | sed "s/^/#   node $i: /"; done; }
ctl_start "$leader"
expect_exit "ZooKeeper converges after the failover (verify in sync)" 0 in_sync
missing=""
for tpc in $(sed -n 's/^acked //p' "$W/stream.out"); do
    [ "$(kz json "/brokers/topics/$tpc" 'len(d["partitions"])' 2>/dev/null)" = 2 ] &&
        kz exists "/brokers/topics/$tpc/partitions/1/state" || missing+=" $tpc"
done
[ -z "$missing" ] && ok "every acknowledged topic ($acked) is in ZooKeeper with its partition states" ||
    not_ok "acknowledged but missing in ZooKeeper:$missing"

# ---- finalization: the flag removed, the quorum writes POST_MIGRATION ------------------
for i in $CTL_IDS; do ctl_kill "$i" TERM; done
for i in $CTL_IDS; do sed -i '/^zookeeper\./d' "$CTL_DIR/node-$i/controller.properties"; done
mig_before=$(kz get /migration)
for i in $CTL_IDS; do ctl_start "$i"; done
q=$(ctl_wait_leader 1 $CTL_IDS) && read -r leader epoch _ <<<"$q"
deadline=$((SECONDS + 30))
until grep -q 'migration: finalizing' "$CTL_DIR/node-$leader.log" || [ $SECONDS -gt $deadline ]; do sleep 0.2; done
expect_grep "the leader without the migration flag finalizes (POST_MIGRATION)" 'migration: finalizing' "$CTL_DIR/node-$leader.log"
expect_exit "rollback refuses a finalized migration (exit 1)" 1 "$BIN" rollback --zookeeper "$ZC" --zk-auth "digest:$AUTH" \
    --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$leader]}"
expect_grep "rollback says why" "finalized" "$TMP/err"
check "kafka-python: create topic after-final" pyc create-topic after-final 1 3
sleep 2 # nothing is expected to happen; give a (wrong) dual-write the time to show up
if kz exists /brokers/topics/after-final; then not_ok "a finalized quorum still writes to ZooKeeper"
else ok "a finalized quorum no longer writes to ZooKeeper"; fi
[ "$(kz get /migration)" = "$mig_before" ] && ok "/migration is left as it was" || not_ok "/migration changed: $(kz get /migration)"
for i in $CTL_IDS; do ctl_kill "$i" TERM; done
"$BIN" log image --summary "$CTL_DIR/node-$leader" >"$W/final.out" 2>&1
expect_grep "the metadata log holds POST_MIGRATION" 'POST_MIGRATION' "$W/final.out"
finish
