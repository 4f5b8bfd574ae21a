#!/usr/bin/env bash
# zkread against real ZooKeeper 3.8 servers: load every fixture, read it back (inspect, dump),
# dump -> load -> dump round trips, malformed findings (strict and --lenient), digest auth and
# NoAuth, refusal of a non-empty target, a 3-server ensemble with one server down.
set -u
cd "$(dirname "$0")/../.."
BIN=${ZK2KRAFT:-bin/zk2kraft}
ZKS=tests/support/zk-server.sh
WORK=$(mktemp -d /tmp/zkread-it.XXXXXX)
cleanup() {
    $ZKS stop "$WORK/zk1" 2>/dev/null
    $ZKS stop "$WORK/zk3" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "# $2"; }
check() { # name, command...
    local name=$1; shift
    if "$@" >"$WORK/out" 2>&1; then ok "$name"; else not_ok "$name" "$(tail -n 5 "$WORK/out")"; fi
}

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    echo "skip - zkread integration: ZooKeeper (Debian package zookeeper) is not installed"
    exit 0
fi
if [ ! -x "$BIN" ]; then echo "not ok - zk2kraft binary $BIN missing"; exit 1; fi

Z=$($ZKS start "$WORK/zk1") || { echo "not ok - start ZooKeeper"; exit 1; }
ok "ZooKeeper 3.8 serving on $Z"

# Counts that must match between a fixture read offline and the same tree read live.
counts() { python3 -c '
import json,sys
d=json.load(sys.stdin)
print(" ".join(str(d[k]) for k in ["cluster_id","controller","brokers","topics","partitions","offline_partitions","configs","quotas","scram_users","acls","pending_deletions","reassignments","delegation_tokens","errors","warnings"]))'; }

for f in fixtures/*.xml; do
    name=$(basename "$f" .xml)
    [ "$name" = secured-acls ] && continue
    root="/it-$name"
    if ! "$BIN" load "$f" --zookeeper "$Z$root" >"$WORK/load.log" 2>&1; then
        not_ok "load $name" "$(cat "$WORK/load.log")"; continue
    fi
    ok "load $name"
    "$BIN" inspect --fixture "$f" --output json >"$WORK/offline.json" 2>/dev/null
    "$BIN" inspect --zookeeper "$Z$root" --output json >"$WORK/live.json" 2>"$WORK/live.err"
    rc=$?
    want_rc=0; [ "$name" = malformed ] && want_rc=1
    a=$(counts <"$WORK/offline.json"); b=$(counts <"$WORK/live.json")
    if [ "$rc" = "$want_rc" ] && [ -n "$a" ] && [ "$a" = "$b" ]; then
        ok "inspect $name live equals offline ($b)"
    else
        not_ok "inspect $name live equals offline" "rc=$rc offline=[$a] live=[$b] $(cat "$WORK/live.err")"
    fi
    # zxid is noted and non-zero
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["zxid"]>0 and d["zxid_exact"] else 1)' "$WORK/live.json"; then
        ok "inspect $name reports the start zxid"
    else
        not_ok "inspect $name reports the start zxid"
    fi
    # dump -> load -> dump is byte-identical
    if "$BIN" dump --zookeeper "$Z$root" -o "$WORK/d1.xml" 2>/dev/null &&
        "$BIN" load "$WORK/d1.xml" --zookeeper "$Z/rt-$name" 2>/dev/null &&
        "$BIN" dump --zookeeper "$Z/rt-$name" -o "$WORK/d2.xml" 2>/dev/null &&
        cmp -s "$WORK/d1.xml" "$WORK/d2.xml" && xmllint --noout --relaxng fixtures/znode-tree.rng "$WORK/d1.xml" 2>/dev/null; then
        ok "dump/load/dump round trip of $name is byte-identical and schema-valid"
    else
        not_ok "dump/load/dump round trip of $name"
    fi
done

# --all dumps every znode, data versions included
"$BIN" dump --all --zookeeper "$Z/it-kafka3-topic-ids" -o "$WORK/all1.xml" 2>/dev/null
"$BIN" load "$WORK/all1.xml" --zookeeper "$Z/rt-all" 2>/dev/null
"$BIN" dump --all --zookeeper "$Z/rt-all" -o "$WORK/all2.xml" 2>/dev/null
if cmp -s "$WORK/all1.xml" "$WORK/all2.xml" && grep -q 'path="/brokers/topics/orders/partitions/0/state" version="4"' "$WORK/all1.xml" &&
    grep -q 'path="/brokers/seqid"' "$WORK/all1.xml"; then
    ok "dump --all round trip keeps structural znodes and data versions"
else
    not_ok "dump --all round trip keeps structural znodes and data versions"
fi

# the partition epoch read live is the state znode's data version
"$BIN" inspect --zookeeper "$Z/it-kafka3-topic-ids" >"$WORK/k3.txt" 2>&1
if grep -q '^controller epoch:   17$' "$WORK/k3.txt" && grep -q '^next producer id:   5000$' "$WORK/k3.txt"; then
    ok "controller epoch and producer-id block read live"
else
    not_ok "controller epoch and producer-id block read live" "$(cat "$WORK/k3.txt")"
fi

# malformed: exact findings, strict and lenient
"$BIN" inspect --zookeeper "$Z/it-malformed" >"$WORK/m.txt" 2>&1; rc=$?
sed -n '/^findings:/,$p' "$WORK/m.txt" | tail -n +2 >"$WORK/m.findings"
if [ $rc = 1 ] && diff -u fixtures/malformed.findings "$WORK/m.findings" >"$WORK/diff"; then
    ok "malformed tree read live: exactly the findings in fixtures/malformed.findings, exit 1"
else
    not_ok "malformed tree strict findings (rc=$rc)" "$(head -20 "$WORK/diff")"
fi
"$BIN" inspect --lenient --zookeeper "$Z/it-malformed" >"$WORK/m.txt" 2>&1; rc=$?
sed -n '/^findings:/,$p' "$WORK/m.txt" | tail -n +2 >"$WORK/m.findings"
if [ $rc = 1 ] && diff -u fixtures/malformed.lenient.findings "$WORK/m.findings" >"$WORK/diff"; then
    ok "malformed tree with --lenient: substitutions become warnings (fixtures/malformed.lenient.findings)"
else
    not_ok "malformed tree lenient findings (rc=$rc)" "$(head -20 "$WORK/diff")"
fi

# load refuses a non-empty target, --force overwrites
"$BIN" load fixtures/acls.xml --zookeeper "$Z/it-kafka3-topic-ids" >"$WORK/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'not empty' "$WORK/out"; then ok "load refuses a non-empty target"; else not_ok "load refuses a non-empty target" "$(cat "$WORK/out")"; fi
check "load --force into a non-empty target" "$BIN" load fixtures/acls.xml --force --zookeeper "$Z/it-kafka3-topic-ids"
"$BIN" inspect --zookeeper "$Z/it-kafka3-topic-ids" --output json >"$WORK/f.json" 2>/dev/null
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["acls"]==16 and d["topics"]==2 else 1)' "$WORK/f.json"; then
    ok "forced load merged the trees"
else
    not_ok "forced load merged the trees"
fi

# digest auth and NoAuth
AUTH=digest:kafka:kafka-secret
check "load a tree with digest ACLs" "$BIN" load fixtures/secured-acls.xml --zookeeper "$Z/secure" --zk-auth $AUTH
"$BIN" inspect --zookeeper "$Z/secure" >"$WORK/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'NoAuth reading /config/users' "$WORK/out" && grep -q 'zk-auth' "$WORK/out" &&
    ! grep -q 'gjE7Mb' "$WORK/out"; then
    ok "NoAuth names the znode and the identity to use (no secret printed)"
else
    not_ok "NoAuth names the znode and the identity" "rc=$rc $(cat "$WORK/out")"
fi
"$BIN" inspect --zookeeper "$Z/secure" --zk-auth $AUTH --output json >"$WORK/s.json" 2>"$WORK/out"; rc=$?
if [ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["scram_users"]==1 else 1)' "$WORK/s.json" &&
    ! grep -q 'kafka-secret' "$WORK/s.json" "$WORK/out"; then
    ok "digest-authenticated read sees the protected SCRAM user"
else
    not_ok "digest-authenticated read" "$(cat "$WORK/out")"
fi
"$BIN" inspect --zookeeper "$Z" --zk-auth nonsense >"$WORK/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'digest:USER:PASSWORD' "$WORK/out"; then ok "malformed --zk-auth is a usage error"; else not_ok "malformed --zk-auth"; fi

# nothing listening: a clear error within the timeout
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" inspect --zookeeper "127.0.0.1:$port" --zk-session-timeout-ms 2000 >"$WORK/out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q "could not connect to ZooKeeper at 127.0.0.1:$port" "$WORK/out"; then
    ok "unreachable ensemble: clear error, exit 2"
else
    not_ok "unreachable ensemble" "rc=$rc $(cat "$WORK/out")"
fi

# connection loss mid-read: the server restarts within the retries -> the read completes;
# it stays down -> bounded retries, then a clear error. A slow read (one session, one request
# in flight) over 60,000 partitions makes sure the kill lands mid-read.
python3 -c '
print("<znodes format=\"1\">")
for t in range(600):
    print("<znode path=\"/brokers/topics/t%d\"><data>{\"version\":3,\"partitions\":{%s}}</data></znode>" % (t, ",".join("\"%d\":[1]" % p for p in range(100))))
    for p in range(100):
        print("<znode path=\"/brokers/topics/t%d/partitions/%d/state\"><data>{\"controller_epoch\":1,\"leader\":1,\"version\":1,\"leader_epoch\":0,\"isr\":[1]}</data></znode>" % (t, p))
print("</znodes>")' >"$WORK/mid.xml"
check "load 60,000 partitions" "$BIN" load "$WORK/mid.xml" --zookeeper "$Z/mid"
"$BIN" inspect --zookeeper "$Z/mid" --zk-sessions 1 --zk-window 1 --zk-retries 10 --zk-session-timeout-ms 30000 \
    --output json >"$WORK/mid.json" 2>"$WORK/mid.err" &
reader=$!
sleep 1
$ZKS kill-one "$WORK/zk1" 1
sleep 1
$ZKS start-one "$WORK/zk1" 1 >/dev/null || not_ok "restart ZooKeeper"
wait $reader; rc=$?
if [ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["partitions"]==60000 and d["errors"]==0 else 1)' "$WORK/mid.json"; then
    ok "server restarted mid-read: retries with backoff, the read completes"
else
    not_ok "server restarted mid-read" "rc=$rc $(cat "$WORK/mid.err")"
fi
"$BIN" inspect --zookeeper "$Z/mid" --zk-sessions 1 --zk-window 1 --zk-retries 3 --zk-session-timeout-ms 4000 \
    >"$WORK/mid.out" 2>&1 &
reader=$!
sleep 1
$ZKS kill-one "$WORK/zk1" 1
wait $reader; rc=$?
if [ $rc = 2 ] && grep -Eq 'lost the connection to ZooKeeper [0-9]+ times while reading /|could not send a request|session ended' "$WORK/mid.out"; then
    ok "server gone mid-read: bounded retries, then a clear error naming the znode"
else
    not_ok "server gone mid-read" "rc=$rc $(cat "$WORK/mid.out")"
fi
$ZKS start-one "$WORK/zk1" 1 >/dev/null || not_ok "restart ZooKeeper"

# a 3-server ensemble, then with one server down
if Z3=$($ZKS start "$WORK/zk3" --ensemble 3); then
    ok "3-server ensemble serving on $Z3"
    check "load into the ensemble" "$BIN" load fixtures/configs-all-levels.xml --zookeeper "$Z3/kafka"
    "$BIN" inspect --fixture fixtures/configs-all-levels.xml --output json 2>/dev/null | counts >"$WORK/a"
    "$BIN" inspect --zookeeper "$Z3/kafka" --output json 2>/dev/null | counts >"$WORK/b"
    if [ -s "$WORK/a" ] && cmp -s "$WORK/a" "$WORK/b"; then ok "ensemble read equals the fixture"; else not_ok "ensemble read equals the fixture"; fi
    $ZKS kill-one "$WORK/zk3" 1
    "$BIN" inspect --zookeeper "$Z3/kafka" --output json 2>"$WORK/out" | counts >"$WORK/c"
    if cmp -s "$WORK/a" "$WORK/c"; then ok "ensemble read with one server down"; else not_ok "ensemble read with one server down" "$(cat "$WORK/out")"; fi
    $ZKS stop "$WORK/zk3"
else
    not_ok "3-server ensemble"
fi
$ZKS stop "$WORK/zk1"
left=$(for d in "$WORK"/zk*/server-*; do [ -f "$d/pid" ] && cat "$d/pid"; done)
if [ -z "$left" ]; then ok "every ZooKeeper server stopped"; else not_ok "servers left running: $left"; fi
