#!/usr/bin/env bash
# zk2kraft migrate and validate against a real ZooKeeper 3.8: every fixture migrates to its
# expected image (validate, JUnit), a wrong expected image fails, malformed trees are refused
# with nothing written, record versions per metadata.version, password decryption with a
# vector made outside zk2kraft, --write-topic-ids, --dry-run, and SIGKILL at random points never
# leaving a partial output directory.
set -u
cd "$(dirname "$0")/../.."
BIN=${ZK2KRAFT:-bin/zk2kraft}
ZKS=tests/support/zk-server.sh
WORK=$(mktemp -d /tmp/migrate-it.XXXXXX)
cleanup() { $ZKS stop "$WORK/zk" 2>/dev/null; chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -20 | sed 's/^/# /'; }
CTL=3000@127.0.0.1:19093,3001@127.0.0.1:19094,3002@127.0.0.1:19095

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    echo "skip - migrate integration: ZooKeeper (Debian package zookeeper) is not installed"
    exit 0
fi
Z=$($ZKS start "$WORK/zk") || { echo "not ok - start ZooKeeper"; exit 1; }
ok "ZooKeeper serving on $Z"

# ---- every fixture through validate (load, check, migrate, fold, compare) ----------------
"$BIN" validate fixtures/*.xml --zookeeper "$Z" --junit "$WORK/junit.xml" >"$WORK/v.out" 2>&1; rc=$?
n_fixtures=$(ls fixtures/*.xml | wc -l)
n_pass=$(grep -c '^PASS ' "$WORK/v.out")
if [ $rc = 0 ] && [ "$n_pass" = "$n_fixtures" ]; then ok "validate: all $n_fixtures fixtures match their expected images"
else not_ok "validate all fixtures (rc=$rc, $n_pass/$n_fixtures passed)" "$(grep -v '^PASS' "$WORK/v.out")"; fi
cases=$(python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(len(r.findall(".//testcase")), len(r.findall(".//failure")))' "$WORK/junit.xml" 2>&1)
if [ "$cases" = "$n_fixtures 0" ]; then ok "validate --junit: one testcase per fixture, no failures"
else not_ok "validate --junit testcases" "$cases"; fi

# a wrong expected image must fail, naming the field
mkdir -p "$WORK/fx"
cp fixtures/offline-partitions.xml "$WORK/fx/"
python3 - "$WORK/fx/offline-partitions.image.json" <<'PY'
import json, sys
d = json.load(open("fixtures/offline-partitions.image.json"))
d["topics"][0]["partitions"][1]["leader"] = 1
json.dump(d, open(sys.argv[1], "w"))
PY
"$BIN" validate "$WORK/fx/offline-partitions.xml" --zookeeper "$Z" --junit "$WORK/junit2.xml" >"$WORK/v2.out" 2>&1; rc=$?
if [ $rc = 1 ] && grep -q 'FAIL offline-partitions' "$WORK/v2.out" && grep -q 'leader' "$WORK/v2.out" &&
   grep -q '<failure' "$WORK/junit2.xml"; then ok "validate fails on a wrong expected image (exit 1, JUnit failure)"
else not_ok "validate with a wrong expected image (rc=$rc)" "$(cat "$WORK/v2.out")"; fi

# ---- migrate from a live ensemble ------------------------------------------------------
"$BIN" load fixtures/demo.xml --zookeeper "$Z/demo" >/dev/null 2>&1 || not_ok "load demo.xml"
"$BIN" migrate --zookeeper "$Z/demo" --controllers "$CTL" --out "$WORK/demo-out" >"$WORK/m.out" 2>&1; rc=$?
if [ $rc = 0 ] && grep -q 'result: *migrated' "$WORK/m.out"; then ok "migrate demo cluster from ZooKeeper"
else not_ok "migrate demo (rc=$rc)" "$(cat "$WORK/m.out")"; fi
snap=$(ls "$WORK"/demo-out/node-3000/__cluster_metadata-0/*.checkpoint 2>/dev/null | head -1)
if [ -n "$snap" ] && "$BIN" log dump "$snap" >"$WORK/dump.out" 2>&1 && grep -q 'PARTITION_RECORD' "$WORK/dump.out"; then
    ok "the snapshot dumps cleanly with log dump"
else not_ok "log dump of the snapshot" "$(tail -5 "$WORK/dump.out")"; fi
if "$BIN" log image --summary "$WORK/demo-out/node-3001" >"$WORK/img.out" 2>&1 &&
   grep -q 'partitions: 1172' "$WORK/img.out" && grep -q 'POST_MIGRATION' "$WORK/img.out"; then
    ok "every node folds with log image (1172 partitions, POST_MIGRATION)"
else not_ok "log image of node-3001" "$(cat "$WORK/img.out")"; fi
if grep -q '^cluster.id=RGVtby1jbHVzdGVyLTAwMQ$' "$WORK/demo-out/node-3002/meta.properties" &&
   grep -q '^node.id=3002$' "$WORK/demo-out/node-3002/meta.properties" &&
   grep -q '^controller.quorum.voters=3000@127.0.0.1:19093,3001@127.0.0.1:19094,3002@127.0.0.1:19095$' \
        "$WORK/demo-out/node-3002/controller.properties" &&
   grep -q "^metadata.log.dir=$WORK/demo-out/node-3002\$" "$WORK/demo-out/node-3002/controller.properties" &&
   [ "$(cat "$WORK/demo-out/node-3002/__cluster_metadata-0/partition.metadata")" = "$(printf 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ')" ]; then
    ok "meta.properties, controller.properties and partition.metadata per node"
else not_ok "node files" "$(cat "$WORK/demo-out/node-3002/meta.properties" "$WORK/demo-out/node-3002/controller.properties")"; fi
"$BIN" migrate --zookeeper "$Z/demo" --controllers "$CTL" --out "$WORK/dual-out" --dual-write >"$WORK/md.out" 2>&1; rc=$?
if [ $rc = 0 ] && "$BIN" log image --summary "$WORK/dual-out/node-3000" 2>&1 | grep -q 'MIGRATION' &&
   ! "$BIN" log image --summary "$WORK/dual-out/node-3000" 2>&1 | grep -q 'POST_MIGRATION' &&
   grep -q '^zookeeper.metadata.migration.enable=true$' "$WORK/dual-out/node-3001/controller.properties" &&
   grep -q "^zookeeper.connect=$Z/demo\$" "$WORK/dual-out/node-3001/controller.properties" &&
   ! grep -q '^zookeeper' "$WORK/demo-out/node-3001/controller.properties"; then
    ok "--dual-write: ZkMigrationState MIGRATION and controllers configured for migration mode"
else not_ok "--dual-write output (rc=$rc)" "$(cat "$WORK/md.out" "$WORK/dual-out/node-3001/controller.properties")"; fi
"$BIN" migrate --zookeeper "$Z/demo" --controllers "$CTL" --out "$WORK/demo-out" >"$WORK/m.out" 2>&1; rc=$?
if [ $rc = 2 ] && grep -q 'already exists' "$WORK/m.out"; then ok "an existing output directory is refused (exit 2)"
else not_ok "existing DIR (rc=$rc)" "$(cat "$WORK/m.out")"; fi
"$BIN" migrate --zookeeper "$Z/demo" --controllers "$CTL" --out "$WORK/dry" --dry-run --output json >"$WORK/m.json" 2>&1; rc=$?
if [ $rc = 0 ] && [ ! -e "$WORK/dry" ] && ! ls -a "$WORK" | grep -q partial &&
   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["result"]=="dry-run" and d["records"]["by_type"]["PartitionRecord"]==1172 else 1)' "$WORK/m.json"; then
    ok "--dry-run builds everything and leaves nothing (JSON summary)"
else not_ok "--dry-run (rc=$rc)" "$(cat "$WORK/m.json")"; fi

# ---- malformed trees are refused, nothing written ------------------------------------
"$BIN" load fixtures/malformed.xml --zookeeper "$Z/bad" >/dev/null 2>&1
"$BIN" migrate --zookeeper "$Z/bad" --controllers "$CTL" --out "$WORK/bad-out" >"$WORK/b.out" 2>&1; rc=$?
if [ $rc = 1 ] && [ ! -e "$WORK/bad-out" ] && ! ls -a "$WORK" | grep -q 'bad-out.partial' &&
   grep -q 'BLOCKER ZK101 /brokers/topics/good/partitions/3/state' "$WORK/b.out" && grep -q BLOCKED "$WORK/b.out"; then
    ok "malformed tree: migrate refuses (exit 1), names the znodes, writes nothing"
else not_ok "malformed refused (rc=$rc)" "$(cat "$WORK/b.out")"; fi

# ---- record versions per metadata.version -----------------------------------------------
"$BIN" load fixtures/kafka3-topic-ids.xml --zookeeper "$Z/k3" >/dev/null 2>&1
versions() { # dir -> "partition versions|token records|mv"
    "$BIN" log dump --output json "$1"/node-3000/__cluster_metadata-0/*.checkpoint | python3 -c '
import json,sys
recs=[json.loads(l) for l in sys.stdin if "\"record\"" in l]
pv=sorted({r["version"] for r in recs if r.get("type")=="PartitionRecord"})
tok=sum(1 for r in recs if r.get("type")=="DelegationTokenRecord")
mv=[r["FeatureLevel"] for r in recs if r.get("type")=="FeatureLevelRecord"]
dirs=all("Directories" in r for r in recs if r.get("type")=="PartitionRecord")
print(pv, tok, mv, dirs)'
}
# Delegation tokens need 3.6-IV2: at 3.4-IV0 the preflight blocks (ZK031) unless forced.
"$BIN" migrate --zookeeper "$Z/k3" --controllers "$CTL" --out "$WORK/mv34" --metadata-version 3.4-IV0 >"$WORK/mv34.out" 2>&1
if [ $? = 1 ] && [ ! -e "$WORK/mv34" ] && grep -q 'BLOCKER ZK031' "$WORK/mv34.out"; then
    ok "3.4-IV0 with delegation tokens is blocked (ZK031), nothing written"
else not_ok "3.4-IV0 with delegation tokens is blocked" "$(cat "$WORK/mv34.out")"; fi
"$BIN" migrate --zookeeper "$Z/k3" --controllers "$CTL" --out "$WORK/mv34" --metadata-version 3.4-IV0 --force >/dev/null 2>&1
"$BIN" migrate --zookeeper "$Z/k3" --controllers "$CTL" --out "$WORK/mv39" --metadata-version 3.9-IV0 >/dev/null 2>&1
a=$(versions "$WORK/mv34"); b=$(versions "$WORK/mv39")
if [ "$a" = "[0] 0 [8] False" ] && [ "$b" = "[1] 2 [21] True" ]; then
    ok "3.4-IV0: PartitionRecord v0, no tokens; 3.9-IV0: PartitionRecord v1 with directories, tokens"
else not_ok "record versions per metadata.version" "3.4: $a / 3.9: $b"; fi

# ---- passwords: a vector made by Python's hashlib + the openssl CLI ---------------------
secret="it-secret-$RANDOM"
enc=$(python3 tests/support/kafka_password_vector.py "$secret" 'jaas-pässword-42')
cat >"$WORK/pw.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<znodes format="1">
  <znode path="/cluster/id"><data>{"version":"1","id":"UGFzc3dvcmQtdGVzdC0xMg"}</data></znode>
  <znode path="/config/brokers/7"><data>{"version":1,"config":{"listener.name.sasl.sasl.jaas.config":"$enc"}}</data></znode>
</znodes>
XML
"$BIN" load "$WORK/pw.xml" --zookeeper "$Z/pw" >/dev/null 2>&1
"$BIN" migrate --zookeeper "$Z/pw" --controllers "$CTL" --out "$WORK/pw-none" >"$WORK/p.out" 2>&1; rc1=$?
"$BIN" migrate --zookeeper "$Z/pw" --controllers "$CTL" --out "$WORK/pw-bad" --password-encoder-secret wrong >"$WORK/p2.out" 2>&1; rc2=$?
printf 'password.encoder.secret=%s\n' "$secret" >"$WORK/cmd.properties"
"$BIN" migrate --zookeeper "$Z/pw" --controllers "$CTL" --out "$WORK/pw-ok" --command-config "$WORK/cmd.properties" >"$WORK/p3.out" 2>&1; rc3=$?
plain=$("$BIN" log image --output json --show-secrets "$WORK/pw-ok/node-3000" 2>/dev/null | python3 -c 'import json,sys; print([c["value"] for c in json.load(sys.stdin)["configs"]][0])' 2>/dev/null)
if [ $rc1 = 1 ] && [ ! -e "$WORK/pw-none" ] && grep -q 'BLOCKER ZK022 /config/brokers/7' "$WORK/p.out" &&
   [ $rc2 = 1 ] && [ ! -e "$WORK/pw-bad" ] && [ $rc3 = 0 ] && [ "$plain" = 'jaas-pässword-42' ] &&
   ! grep -q "$secret" "$WORK/p3.out" "$WORK/p.out"; then
    ok "password configs: blocked without / with a wrong secret, decrypted with the right one"
else not_ok "password decryption (rc $rc1 $rc2 $rc3, plain '$plain')" "$(cat "$WORK/p.out" "$WORK/p2.out" "$WORK/p3.out")"; fi

# ---- --write-topic-ids ------------------------------------------------------------------
"$BIN" load fixtures/legacy-2x-no-ids.xml --zookeeper "$Z/legacy" >/dev/null 2>&1
"$BIN" migrate --zookeeper "$Z/legacy" --controllers "$CTL" --out "$WORK/l0" --dry-run --write-topic-ids >/dev/null 2>&1
"$BIN" migrate --zookeeper "$Z/legacy" --controllers "$CTL" --out "$WORK/l1" --write-topic-ids --output json >"$WORK/l1.json" 2>&1; rc1=$?
"$BIN" migrate --zookeeper "$Z/legacy" --controllers "$CTL" --out "$WORK/l2" --output json >"$WORK/l2.json" 2>&1; rc2=$?
res=$(python3 - "$WORK/l1.json" "$WORK/l2.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
minted = {m["topic"]: m["topic_id"] for m in a["minted_topic_ids"]}
print(len(minted), a["topic_ids_written"], len(b["minted_topic_ids"]))
PY
)
ids2=$("$BIN" log image --output json "$WORK/l2/node-3000" | python3 -c 'import json,sys; print(sorted((t["name"],t["id"]) for t in json.load(sys.stdin)["topics"]))')
ids1=$(python3 -c 'import json,sys; print(sorted((m["topic"],m["topic_id"]) for m in json.load(open(sys.argv[1]))["minted_topic_ids"]))' "$WORK/l1.json")
"$BIN" dump --zookeeper "$Z/legacy" -o "$WORK/legacy-after.xml" >/dev/null 2>&1
v3=$(python3 -c '
import json, sys, xml.etree.ElementTree as E
n = 0
for z in E.parse(sys.argv[1]).getroot().iter("znode"):
    p = z.get("path")
    if p.count("/") == 3 and p.startswith("/brokers/topics/"):
        d = json.loads(z.find("data").text)
        n += d["version"] == 3 and "topic_id" in d and "partitions" in d
print(n)' "$WORK/legacy-after.xml")
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$res" = "2 2 0" ] && [ "$ids1" = "$ids2" ] && [ "$v3" = 2 ]; then
    ok "--write-topic-ids stores minted ids (JSON v3); the next run reads them (--dry-run wrote none)"
else not_ok "--write-topic-ids (rc $rc1 $rc2, $res)" "$ids1 / $ids2"; fi

# ---- SIGKILL at random points never leaves a partial DIR ---------------------------------
start_ns=$(date +%s%N)
"$BIN" migrate --fixture fixtures/demo.xml --controllers "$CTL" --out "$WORK/k-probe" >/dev/null 2>&1
span_us=$(( ($(date +%s%N) - start_ns) / 1000 ))
absent=0 complete=0 partial=0
for i in $(seq 1 24); do
    out="$WORK/k$i"
    "$BIN" migrate --fixture fixtures/demo.xml --controllers "$CTL" --out "$out" >/dev/null 2>&1 &
    pid=$!
    delay_us=$(( (RANDOM * 32768 + RANDOM) % (span_us + span_us / 5 + 1) ))
    sleep "$(awk -v us="$delay_us" 'BEGIN { printf "%.6f", us / 1e6 }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ ! -e "$out" ]; then absent=$((absent + 1)); continue; fi
    good=1
    for node in 3000 3001 3002; do
        [ -s "$out/node-$node/meta.properties" ] && [ -s "$out/node-$node/controller.properties" ] || good=0
        "$BIN" log image --summary "$out/node-$node" 2>/dev/null | grep -q 'partitions: 1172' || good=0
    done
    if [ $good = 1 ]; then complete=$((complete + 1)); else partial=$((partial + 1)); echo "# partial: $out"; ls -R "$out" | head; fi
done
if [ $partial = 0 ] && [ $((absent + complete)) -ge 20 ]; then
    ok "SIGKILL at 24 random points: $absent absent, $complete complete, 0 partial"
else not_ok "SIGKILL atomicity: $absent absent, $complete complete, $partial partial"; fi
