#!/usr/bin/env bash
# zk2kraft broker-config on sample broker configs: --dry-run changes nothing, the real run
# writes the KRaft keys, backups and meta.properties v1 (read back by `format`'s parser via
# a second dry run showing no change), refusals exit 2 and change nothing.
set -u
cd "$(dirname "$0")/../.."
BIN=${ZK2KRAFT:-bin/zk2kraft}
W=$(mktemp -d /tmp/broker-config-it.XXXXXX)
trap 'rm -rf "$W"' EXIT
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/#   /' | head -20; }
sums() { find "$W" -type f -name '*properties*' | sort | xargs md5sum; }

mkdir -p "$W/d1" "$W/d2"
cat >"$W/server.properties" <<EOT
# Broker 5, ZooKeeper mode
broker.id=5
listeners=PLAINTEXT://:9092,INTERNAL://:9094
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL
inter.broker.listener.name=INTERNAL
log.dirs=$W/d1,$W/d2
zookeeper.connect=zk1:2181,zk2:2181/kafka
zookeeper.session.timeout.ms=18000
zookeeper.metadata.migration.enable=true
inter.broker.protocol.version=3.9
authorizer.class.name=kafka.security.authorizer.AclAuthorizer
super.users=User:admin
EOT
for d in d1 d2; do printf '#\n#Tue May 21 10:00:00 UTC 2024\nbroker.id=5\nversion=0\ncluster.id=wR3Zq1xAQp2Qm5b8Kc0y_A\n' >"$W/$d/meta.properties"; done

before=$(sums)
"$BIN" broker-config --server-properties "$W/server.properties" --controllers 3000@c1:9093,3001@c2:9093 --dry-run >"$W/../bc-dry.$$" 2>&1
rc=$?
[ $rc = 0 ] && [ "$before" = "$(sums)" ] && ok "dry run exits 0 and changes nothing" || not_ok "dry run changes nothing (exit $rc)"
grep -q '^-zookeeper.connect=' "$W/../bc-dry.$$" && grep -q '^+process.roles=broker' "$W/../bc-dry.$$" &&
    grep -q '^+version=1' "$W/../bc-dry.$$" && ok "dry run shows the diff" || not_ok "dry run shows the diff" "$(cat "$W/../bc-dry.$$")"
rm -f "$W/../bc-dry.$$"

if "$BIN" broker-config --server-properties "$W/server.properties" --controllers 3000@c1:9093,3001@c2:9093 >"$W/run.log" 2>&1; then
    ok "broker-config exits 0"; else not_ok "broker-config exits 0" "$(cat "$W/run.log")"; fi
S="$W/server.properties"
want_ok=1
for k in "process.roles=broker" "node.id=5" "controller.quorum.voters=3000@c1:9093,3001@c2:9093" \
    "controller.listener.names=CONTROLLER" "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT" \
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer" "super.users=User:admin" \
    "inter.broker.listener.name=INTERNAL"; do
    grep -qx "$k" "$S" || { want_ok=0; not_ok "server.properties has $k" "$(cat "$S")"; }
done
[ $want_ok = 1 ] && ok "server.properties has the KRaft keys and keeps the others"
grep -qE '^(zookeeper\.|broker\.id|inter\.broker\.protocol)' "$S" && not_ok "ZooKeeper keys dropped" "$(cat "$S")" || ok "ZooKeeper keys dropped"
head -1 "$S" | grep -qx '# Broker 5, ZooKeeper mode' && ok "comments kept" || not_ok "comments kept"
[ -f "$S.zk-backup" ] && grep -qx 'broker.id=5' "$S.zk-backup" && [ -f "$W/d1/meta.properties.zk-backup" ] &&
    [ -f "$W/d2/meta.properties.zk-backup" ] && ok "backups of every changed file" || not_ok "backups"
if grep -qx version=1 "$W/d1/meta.properties" && grep -qx node.id=5 "$W/d1/meta.properties" &&
    grep -qx cluster.id=wR3Zq1xAQp2Qm5b8Kc0y_A "$W/d2/meta.properties" &&
    [ "$(grep directory.id "$W/d1/meta.properties")" != "$(grep directory.id "$W/d2/meta.properties")" ]; then
    ok "meta.properties v1 in every log dir, a distinct directory.id each"
else
    not_ok "meta.properties v1" "$(cat "$W"/d*/meta.properties)"
fi
after=$(sums)
"$BIN" broker-config --server-properties "$S" --controllers 3000@c1:9093,3001@c2:9093 >"$W/rerun.log" 2>&1
[ $? = 0 ] && [ "$after" = "$(sums)" ] && ok "a re-run parses the v1 files and changes nothing" || not_ok "re-run" "$(cat "$W/rerun.log")"

# refusals: exit 2, nothing changed
mkdir -p "$W/x1" "$W/x2"
printf 'broker.id=1\nversion=0\ncluster.id=wR3Zq1xAQp2Qm5b8Kc0y_A\n' >"$W/x1/meta.properties"
printf 'broker.id=1\nversion=0\ncluster.id=AAAAAAAAAAAAAAAAAAAAAB\n' >"$W/x2/meta.properties"
printf 'broker.id=1\nlog.dirs=%s,%s\nzookeeper.connect=zk:2181\n' "$W/x1" "$W/x2" >"$W/x.properties"
printf 'zookeeper.connect=zk:2181\nlog.dirs=%s\n' "$W/x1" >"$W/noid.properties"
printf 'broker.id=9\nlog.dirs=%s\n' "$W/x1" >"$W/mismatch.properties"
refuse() { # name, properties, want-in-stderr
    local before; before=$(sums)
    "$BIN" broker-config --server-properties "$2" --controllers 3000@c1:9093 >/dev/null 2>"$W/err"
    local rc=$?
    [ $rc = 2 ] && [ "$before" = "$(sums)" ] && grep -q "$3" "$W/err" && ok "refuses $1: exit 2, nothing changed" ||
        not_ok "refuses $1 (exit $rc)" "$(cat "$W/err")"
}
refuse "cluster id mismatch between dirs" "$W/x.properties" "cluster.id"
refuse "no broker.id" "$W/noid.properties" "broker.id"
refuse "broker.id mismatch with meta.properties" "$W/mismatch.properties" "differs from broker.id 9"
"$BIN" broker-config --server-properties "$W/x.properties" >/dev/null 2>&1
[ $? = 2 ] && ok "missing --controllers is a usage error" || not_ok "missing --controllers is a usage error"
exit 0
