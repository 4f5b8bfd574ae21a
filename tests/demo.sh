#!/usr/bin/env bash
# make demo: the main job, start to finish, on a realistic cluster (fixtures/demo.xml:
# 3 brokers, 50 topics, 1,172 partitions, configs, quotas, SCRAM users, ACLs).
# Starts a throwaway ZooKeeper, loads the cluster, inspects, checks, diffs, migrates it into
# storage for three KRaft controllers, and reads the result back. Always cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/zk2kraft}
ZKS=tests/support/zk-server.sh
work=$(mktemp -d /tmp/zk2kraft-demo-XXXXXX)
cleanup() { "$ZKS" stop "$work/zk" >/dev/null 2>&1 || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
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

voters=3000@127.0.0.1:19093,3001@127.0.0.1:19094,3002@127.0.0.1:19095
step "Dry run: everything but the final rename" \
     "zk2kraft migrate --zookeeper $Z/kafka --controllers $voters --out kraft --dry-run"
"$BIN" migrate --zookeeper "$Z/kafka" --controllers "$voters" --out "$work/kraft" --dry-run

step "Migrate: storage for three KRaft controllers" \
     "zk2kraft migrate --zookeeper $Z/kafka --controllers $voters --out kraft"
"$BIN" migrate --zookeeper "$Z/kafka" --controllers "$voters" --out "$work/kraft"
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

echo
echo "Next: docs/migration-runbook.md walks through a real cut-over; 'zk2kraft --help' lists every command."
