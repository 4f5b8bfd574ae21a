#!/usr/bin/env bash
# make demo: the main job, start to finish, on a realistic cluster (fixtures/demo.xml:
# 3 brokers, 50 topics, 1,172 partitions, configs, quotas, SCRAM users, ACLs).
# Starts a throwaway ZooKeeper, loads the cluster, inspects, checks, diffs, migrates it into
# storage for three KRaft controllers, reads the result back, boots the three controllers from
# it in migration mode (each with a Kafka client listener; the leader claims ZooKeeper and mirrors
# every change into it), lists and creates topics through the Kafka API, shows the change in
# ZooKeeper and `verify` in sync, kills the leader, and ends with a change made after the
# failover, seen in ZooKeeper, verified in sync. Always kills every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/zk2kraft}
ZKS=tests/support/zk-server.sh
work=$(mktemp -d /tmp/zk2kraft-demo-XXXXXX)
ZK2KRAFT=$BIN CTL_DIR=$work/kraft CTL_IDS="3000 3001 3002"
. tests/support/controllers.sh
cleanup() { set +e; ctl_stop_all; "$ZKS" stop "$work/zk" >/dev/null 2>&1 || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
has() { "$BIN" "$1" --help >/dev/null 2>&1; }

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    echo "make demo needs ZooKeeper (Debian package zookeeper); run ./install-deps.sh" >&2
    exit 2
fi

step "Start a throwaway ZooKeeper 3.8 on a free loopback port" "tests/support/zk-server.sh start"
Z=$("$ZKS" start "$work/zk")
echo "$Z"

step "Load a realistic ZooKeeper-mode Kafka cluster into it" "zk2kraft load fixtures/demo.xml --zookeeper $Z/kafka"
"$BIN" load fixtures/demo.xml --zookeeper "$Z/kafka"

step "What is in ZooKeeper" "zk2kraft inspect --zookeeper $Z/kafka"
"$BIN" inspect --zookeeper "$Z/kafka"

if has check; then
    step "Preflight: is it safe to migrate?" "zk2kraft check --zookeeper $Z/kafka"
    "$BIN" check --zookeeper "$Z/kafka" || true
fi
if has diff; then
    step "What the migration would create (writes nothing)" "zk2kraft diff --zookeeper $Z/kafka"
    "$BIN" diff --zookeeper "$Z/kafka" || true
fi

ctl_ports # free loopback ports: a Raft and a Kafka client port per controller
voters=$CTL_VOTERS
step "Dry run: everything but the final rename" \
     "zk2kraft migrate --zookeeper $Z/kafka --controllers $voters --out kraft --dry-run"
"$BIN" migrate --zookeeper "$Z/kafka" --controllers "$voters" --out "$work/kraft" --dry-run

step "Migrate: storage for three KRaft controllers, in migration mode (ZooKeeper kept in step)" \
     "zk2kraft migrate --zookeeper $Z/kafka --controllers $voters --out kraft --dual-write"
"$BIN" migrate --zookeeper "$Z/kafka" --controllers "$voters" --out "$work/kraft" --dual-write
(cd "$work" && find kraft/node-3000 -type f | sort | xargs ls -l)
echo
cat "$work/kraft/node-3000/controller.properties"

step "The snapshot, batch by batch (first lines)" \
     "zk2kraft log dump kraft/node-3000/__cluster_metadata-0/*.checkpoint | head -12"
"$BIN" log dump "$work"/kraft/node-3000/__cluster_metadata-0/*.checkpoint | head -12 | cut -c1-220 || true

step "Fold it back into the metadata image" "zk2kraft log image --summary kraft/node-3000"
"$BIN" log image --summary "$work/kraft/node-3000"

step "CI: the fixture migrates to its expected image" "zk2kraft validate fixtures/demo.xml --zookeeper $Z"
"$BIN" validate fixtures/demo.xml --zookeeper "$Z"

KRAFT_PY=/usr/bin/python3 # Debian's python3-kafka and python3-kazoo live in the system python
zk_get() { # PATH: a znode as ZooKeeper-mode Kafka reads it, through kazoo (not zk2kraft)
    "$KRAFT_PY" tests/support/kazoo_cli.py "$Z/kafka" get "$1" 2>/dev/null | cut -c1-200
}
verify_in_sync() { # NODE: zk2kraft verify against the quorum, watching until ZooKeeper caught up
    "$BIN" verify --zookeeper "$Z/kafka" --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$1]}" \
        --watch 1 --until-in-sync --timeout 60
}
step "Boot the three controllers from the migrated storage (client listener added to each)" \
     "zk2kraft controller --config kraft/node-<id>/controller.properties   # x3"
ctl_add_client_listeners
grep -E '^(listeners|advertised.listeners)=' "$work/kraft/node-3000/controller.properties"
for i in $CTL_IDS; do ctl_start "$i"; done
if ! q=$(ctl_wait_leader 1 $CTL_IDS); then
    echo "no leader within ${CTL_WAIT_S}s; controller logs:" >&2
    tail -n 5 "$work"/kraft/node-*.log >&2
    exit 1
fi
read -r leader epoch _ <<<"$q"
any=${CTL_IDS%% *}
step "Who leads the quorum" "zk2kraft quorum describe --bootstrap-controller 127.0.0.1:${CTL_RAFT_PORT[$any]} --status"
"$BIN" quorum describe --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$any]}" --status

step "The leader claimed ZooKeeper like a Kafka 3.9 KRaft controller, and reconciled it" \
     "get /controller; get /migration   (kazoo)"
for _ in $(seq 100); do grep -q 'migration: reconciled' "$work/kraft/node-$leader.log" && break; sleep 0.2; done
grep -h 'migration: ' "$work/kraft/node-$leader.log" | head -4 | cut -c1-200
echo "/controller = $(zk_get /controller)"
echo "/migration  = $(zk_get /migration)"

client=0
if ctl_client_listening "$any"; then client=1; fi
kcat_list() { # the first lines of kcat -L, then its topic and partition counts
    kcat -L -m 15 -b "$CTL_BOOTSTRAP" >"$work/kcat.out" 2>&1 || { cat "$work/kcat.out"; return 0; }
    head -n 8 "$work/kcat.out"; echo "  ..."
    grep -E '^ *[0-9]+ (brokers|topics):' "$work/kcat.out"
    grep -c '^    partition ' "$work/kcat.out" | sed 's/$/ partitions listed/'
    grep -E 'topic "demo-created"' "$work/kcat.out" || true
}
if [ $client = 1 ] && command -v kcat >/dev/null; then
    step "An ordinary Kafka client sees the migrated metadata" "kcat -L -b $CTL_BOOTSTRAP"
    kcat_list
else
    echo; echo "(the controllers do not serve the Kafka client API in this build, or kcat is missing: skipping kcat -L)"
fi
created=0
if [ $client = 1 ] && "$KRAFT_PY" -c 'import kafka' 2>/dev/null; then
    step "Create a topic through the Kafka API (kafka-python's KafkaAdminClient)" \
         "create_topics([NewTopic('demo-created', num_partitions=6, replication_factor=3)])"
    if "$KRAFT_PY" - "$CTL_BOOTSTRAP" <<'PY'; then created=1; fi
import sys
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers=sys.argv[1].split(","), client_id="zk2kraft-demo",
                     request_timeout_ms=15000, api_version_auto_timeout_ms=10000)
r = a.create_topics([NewTopic("demo-created", num_partitions=6, replication_factor=3)], timeout_ms=15000)
print("created:", [(t[0], t[1]) for t in r.topic_errors])
a.close()
PY
fi
if [ $created = 1 ]; then
    step "Dual-write: the new topic is in ZooKeeper, in ZooKeeper-mode JSON" \
         "get /brokers/topics/demo-created; get /brokers/topics/demo-created/partitions/0/state"
    for _ in $(seq 50); do [ -n "$(zk_get /brokers/topics/demo-created/partitions/5/state)" ] && break; sleep 0.1; done
    zk_get /brokers/topics/demo-created
    zk_get /brokers/topics/demo-created/partitions/0/state
    step "Both sides agree" "zk2kraft verify --zookeeper $Z/kafka --bootstrap-controller 127.0.0.1:${CTL_RAFT_PORT[$any]} --watch 1 --until-in-sync"
    verify_in_sync "$any"
fi

step "Kill the leader (node $leader, epoch $epoch) with SIGKILL" "kill -9 <pid of controller $leader>"
ctl_kill "$leader" 9
rest=""
for i in $CTL_IDS; do [ "$i" != "$leader" ] && rest+=" $i"; done
if ! q=$(ctl_wait_leader $((epoch + 1)) $rest); then
    echo "no new leader within ${CTL_WAIT_S}s" >&2
    exit 1
fi
read -r leader2 epoch2 _ <<<"$q"
echo "node $leader2 now leads in epoch $epoch2 (was node $leader in epoch $epoch)"
any=${rest# }; any=${any%% *}
step "The new leader" "zk2kraft quorum describe --bootstrap-controller 127.0.0.1:${CTL_RAFT_PORT[$any]} --status"
"$BIN" quorum describe --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$any]}" --status
if [ $client = 1 ] && command -v kcat >/dev/null; then
    step "Still there after the failover" "kcat -L -b <the two live controllers>"
    CTL_BOOTSTRAP=""
    for i in $rest; do CTL_BOOTSTRAP+="${CTL_BOOTSTRAP:+,}127.0.0.1:${CTL_CLIENT_PORT[$i]}"; done
    kcat_list
    [ $created = 1 ] && echo "(demo-created was created before the failover)"
fi

if [ $client = 1 ]; then
    step "After the failover: a config change through the Kafka API (kafka-python alter_configs)" \
         "alter_configs([ConfigResource(TOPIC, 'demo-created', configs={'retention.ms': '3600000'})])"
    "$KRAFT_PY" tests/clients/kafka_python_changes.py "$CTL_BOOTSTRAP" alter-topic-config demo-created retention.ms 3600000
    step "The new leader claimed ZooKeeper and mirrored the change, with a config change notification" \
         "get /controller; get /config/topics/demo-created; ls /config/changes"
    for _ in $(seq 100); do zk_get /config/topics/demo-created | grep -q 3600000 && break; sleep 0.1; done
    echo "/controller = $(zk_get /controller)"
    echo "/config/topics/demo-created = $(zk_get /config/topics/demo-created)"
    "$KRAFT_PY" tests/support/kazoo_cli.py "$Z/kafka" children /config/changes 2>/dev/null | tail -1 |
        while read -r n; do echo "/config/changes/$n = $(zk_get "/config/changes/$n")"; done
    step "Both sides agree" "zk2kraft verify --zookeeper $Z/kafka --bootstrap-controller 127.0.0.1:${CTL_RAFT_PORT[$any]} --watch 1 --until-in-sync"
    verify_in_sync "$any"
fi

echo
echo "Next: docs/migration-runbook.md walks through a real cut-over (offline, or online in migration"
echo "mode with verify and rollback); 'zk2kraft --help' lists every command."
