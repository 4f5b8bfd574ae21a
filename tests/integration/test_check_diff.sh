#!/usr/bin/env bash
# check and diff against a real ZooKeeper 3.8: every seeded problem gives its code, severity
# and exit status; check and diff never write (dump --all before/after); JUnit reports
# validate with xmllint and carry the right counts; diff --against a migration's own output
# reports no difference, and each seeded change (ZooKeeper tree mutated after the migration)
# shows up as its own difference.
set -u
cd "$(dirname "$0")/../.."
BIN=${ZK2KRAFT:-bin/zk2kraft}
ZKS=tests/support/zk-server.sh
WORK=$(mktemp -d /tmp/check-diff-it.XXXXXX)
cleanup() { $ZKS stop "$WORK/zk" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/#   /' | head -20; }

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    echo "skip - check/diff integration: ZooKeeper (Debian package zookeeper) is not installed"
    exit 0
fi
Z=$($ZKS start "$WORK/zk") || { echo "not ok - start ZooKeeper"; exit 1; }
ok "ZooKeeper serving on $Z"

load() { # fixture chroot
    if "$BIN" load "$1" --zookeeper "$Z$2" >"$WORK/load.log" 2>&1; then return 0; fi
    not_ok "load $1 into $2" "$(cat "$WORK/load.log")"; return 1
}

# codes FILE: "CODE SEVERITY" lines (sorted, unique) from check's JSON
codes() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print("\n".join(sorted(set(f["code"]+" "+f["severity"] for f in d["findings"]))))' "$1"; }

# expect_check NAME FIXTURE WANT_RC "CODE SEV" ... [-- extra check args]
expect_check() {
    local name=$1 fixture=$2 want=$3; shift 3
    local wants=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do wants+=("$1"); shift; done
    [ "${1:-}" = -- ] && { shift; extra=("$@"); }
    local root="/check-$name"
    load "$fixture" "$root" || return
    "$BIN" dump --zookeeper "$Z$root" --all -o "$WORK/before.xml" >/dev/null 2>&1
    "$BIN" check --zookeeper "$Z$root" --output json --junit "$WORK/$name.junit.xml" "${extra[@]}" \
        >"$WORK/$name.json" 2>"$WORK/$name.err"
    local rc=$?
    "$BIN" dump --zookeeper "$Z$root" --all -o "$WORK/after.xml" >/dev/null 2>&1
    [ "$rc" = "$want" ] && ok "check $name exits $want" || not_ok "check $name exits $want (got $rc)" "$(cat "$WORK/$name.err")"
    local got; got=$(codes "$WORK/$name.json")
    local missing=""
    for w in "${wants[@]}"; do grep -qx "$w" <<<"$got" || missing="$missing [$w]"; done
    [ -z "$missing" ] && ok "check $name finds ${wants[*]}" || not_ok "check $name finds$missing" "$got"
    cmp -s "$WORK/before.xml" "$WORK/after.xml" && ok "check $name wrote nothing to ZooKeeper" ||
        not_ok "check $name wrote nothing to ZooKeeper" "$(diff "$WORK/before.xml" "$WORK/after.xml" | head)"
    if xmllint --noout "$WORK/$name.junit.xml" 2>"$WORK/xmllint.err"; then
        local counts; counts=$(python3 -c '
import json,sys,xml.etree.ElementTree as ET
d=json.load(open(sys.argv[1])); t=ET.parse(sys.argv[2]).getroot()
s=t.find("testsuite")
blocking=len(set(f["code"] for f in d["findings"] if f["severity"]=="BLOCKER"))
cases=len(s.findall("testcase")); fails=len(s.findall("testcase/failure"))
ok = cases==d["summary"]["checks"] and fails==blocking and int(s.get("failures"))==fails
print("ok" if ok else "cases=%d checks=%d failures=%d blocking_codes=%d" % (cases, d["summary"]["checks"], fails, blocking))' \
            "$WORK/$name.json" "$WORK/$name.junit.xml")
        [ "$counts" = ok ] && ok "check $name JUnit is valid XML with one testcase per check, failures = blocking codes" ||
            not_ok "check $name JUnit counts" "$counts"
    else
        not_ok "check $name JUnit is valid XML" "$(cat "$WORK/xmllint.err")"
    fi
}

expect_check clean fixtures/kafka3-topic-ids.xml 0 "ZK041 INFO"
expect_check offline fixtures/offline-partitions.xml 0 "ZK011 WARNING" "ZK015 WARNING" "ZK016 WARNING" \
    "ZK017 WARNING" "ZK018 WARNING" "ZK021 INFO"
# An online migration waits for every assigned broker to register (P7): there it blocks.
expect_check offline-online fixtures/offline-partitions.xml 1 "ZK011 BLOCKER" -- --online
expect_check migration fixtures/migration-in-progress.xml 1 "ZK003 BLOCKER" "ZK006 BLOCKER"
expect_check migration-null fixtures/check/migration-null.xml 1 "ZK004 BLOCKER" "ZK002 BLOCKER"
expect_check pending fixtures/pending-deletion.xml 0 "ZK012 WARNING"
expect_check reassign fixtures/reassignment-in-progress.xml 0 "ZK013 WARNING" "ZK014 WARNING"
expect_check legacy fixtures/legacy-2x-no-ids.xml 0 "ZK010 WARNING" "ZK024 WARNING" "ZK038 WARNING" "ZK034 INFO"
expect_check legacy-online fixtures/legacy-2x-no-ids.xml 1 "ZK024 BLOCKER" -- --online
expect_check malformed fixtures/malformed.xml 1 "ZK100 BLOCKER" "ZK101 BLOCKER" "ZK102 BLOCKER" "ZK103 BLOCKER" \
    "ZK104 BLOCKER" "ZK105 BLOCKER" "ZK106 BLOCKER" "ZK107 BLOCKER" "ZK108 BLOCKER" "ZK109 BLOCKER" "ZK004 BLOCKER"
expect_check malformed-lenient fixtures/malformed.xml 1 "ZK100 WARNING" "ZK101 WARNING" "ZK102 WARNING" -- --lenient
expect_check problems fixtures/check/problems.xml 1 "ZK005 INFO" "ZK011 BLOCKER" "ZK019 BLOCKER" "ZK020 WARNING" \
    "ZK022 BLOCKER" "ZK024 BLOCKER" "ZK028 WARNING" "ZK029 WARNING" "ZK032 WARNING" "ZK033 WARNING" "ZK035 WARNING" \
    "ZK036 WARNING" "ZK037 WARNING" "ZK038 WARNING" "ZK039 BLOCKER" "ZK040 WARNING" "ZK041 INFO" -- --online
expect_check old-target fixtures/check/problems.xml 1 "ZK001 BLOCKER" "ZK030 BLOCKER" "ZK031 BLOCKER" \
    -- --metadata-version 3.3-IV3
expect_check no-secret fixtures/configs-all-levels.xml 1 "ZK022 BLOCKER"
expect_check wrong-secret fixtures/configs-all-levels.xml 1 "ZK023 BLOCKER" -- --password-encoder-secret wrong
expect_check right-secret fixtures/configs-all-levels.xml 0 -- --command-config fixtures/configs-all-levels.migrate
python3 - "$WORK/many-topics.xml" <<'PY'
import sys
out = ['<?xml version="1.0" encoding="UTF-8"?>', '<znodes format="1">',
       '  <description>120 topics: /brokers/topics children list above a 1 KiB packet limit</description>',
       '  <znode path="/cluster/id"><data>{"version":"1","id":"TWFueS10b3BpY3MtY2x1cw"}</data></znode>',
       '  <znode path="/controller_epoch"><data>1</data></znode>',
       '  <znode path="/brokers/ids/1" ephemeral="true"><data>{"features":{},"endpoints":["PLAINTEXT://b:9092"],"jmx_port":-1,"port":9092,"host":"b","version":5,"timestamp":"1"}</data></znode>']
for i in range(120):
    out.append('  <znode path="/brokers/topics/topic-%04d"><data>{"partitions":{"0":[1]},"version":3}</data></znode>' % i)
    out.append('  <znode path="/brokers/topics/topic-%04d/partitions/0/state"><data>{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]}</data></znode>' % i)
out.append('</znodes>')
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
expect_check packet-limit "$WORK/many-topics.xml" 1 "ZK026 BLOCKER" -- --jute-maxbuffer 1024
expect_check packet-limit-default "$WORK/many-topics.xml" 0 "ZK010 WARNING"
if "$BIN" check --zookeeper "$Z/check-wrong-secret" --password-encoder-secret hunter22 2>&1 | grep -q hunter22; then
    not_ok "check never prints the secret"; else ok "check never prints the secret"; fi
printf 'broker.id=1\ninter.broker.protocol.version=3.6\nlog.dirs=/a,/b\n' >"$WORK/server.properties"
expect_check broker-config fixtures/kafka3-topic-ids.xml 1 "ZK024 BLOCKER" "ZK025 BLOCKER" \
    -- --broker-config "$WORK/server.properties" --metadata-version 3.7-IV1 --online

# --- diff -----------------------------------------------------------------------------
base=/diff-base
load fixtures/kafka3-topic-ids.xml $base
"$BIN" dump --zookeeper "$Z$base" --all -o "$WORK/before.xml" >/dev/null 2>&1
"$BIN" diff --zookeeper "$Z$base" --verbose >"$WORK/plan.txt" 2>&1
rc=$?
"$BIN" diff --zookeeper "$Z$base" --output json >"$WORK/plan.json" 2>&1
if [ $rc = 0 ] && grep -q "^  topics  *2$" "$WORK/plan.txt" && grep -q "^+ partitions orders-2$" "$WORK/plan.txt" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["would_create"]; sys.exit(0 if d["partitions"]==5 and d["tokens"]==2 else 1)' "$WORK/plan.json"; then
    ok "diff without --against: what the migration would create (counts, --verbose entities)"
else
    not_ok "diff without --against" "$(cat "$WORK/plan.txt")"
fi
if "$BIN" migrate --zookeeper "$Z$base" --controllers 3000@127.0.0.1:19093 --out "$WORK/out" >"$WORK/migrate.log" 2>&1; then
    ok "migrate the base tree"
else
    not_ok "migrate the base tree" "$(cat "$WORK/migrate.log")"
fi
"$BIN" diff --zookeeper "$Z$base" --against "$WORK/out/node-3000" --junit "$WORK/diff.junit.xml" >"$WORK/same.txt" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "images are the same" "$WORK/same.txt" && ok "diff --against the migration's own output: no difference" ||
    not_ok "diff --against the migration's own output (exit $rc)" "$(cat "$WORK/same.txt")"
"$BIN" dump --zookeeper "$Z$base" --all -o "$WORK/after.xml" >/dev/null 2>&1
cmp -s "$WORK/before.xml" "$WORK/after.xml" && ok "diff wrote nothing to ZooKeeper" || not_ok "diff wrote nothing to ZooKeeper"
if xmllint --noout "$WORK/diff.junit.xml" && [ "$(xmllint --xpath 'count(//testcase)' "$WORK/diff.junit.xml")" = 10 ] &&
    [ "$(xmllint --xpath 'count(//failure)' "$WORK/diff.junit.xml")" = 0 ]; then
    ok "diff JUnit: valid XML, one testcase per entity type, no failures"
else
    not_ok "diff JUnit" "$(cat "$WORK/diff.junit.xml")"
fi

# Seeded changes: a mutated copy of the tree in its own chroot, diffed against the base
# migration's output. Each sed script, then the line the diff must print.
n=0
seed() { # name, sed script, expected regex, [fixture]
    local name=$1 script=$2 want=$3 fixture=${4:-fixtures/kafka3-topic-ids.xml} against=${5:-$WORK/out/node-3000}
    n=$((n + 1))
    sed -e "$script" "$fixture" >"$WORK/mut$n.xml"
    load "$WORK/mut$n.xml" "/mut$n" || return
    "$BIN" diff --zookeeper "$Z/mut$n" --against "$against" --output json >"$WORK/mut$n.json" 2>&1
    local rc=$?
    "$BIN" diff --zookeeper "$Z/mut$n" --against "$against" >"$WORK/mut$n.txt" 2>&1
    if [ $rc = 1 ] && grep -qE -- "$want" "$WORK/mut$n.txt" &&
        [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["differences"]))' "$WORK/mut$n.json")" -ge 1 ]; then
        ok "diff finds seeded change: $name"
    else
        not_ok "diff finds seeded change: $name (exit $rc)" "$(cat "$WORK/mut$n.txt")"
    fi
}
seed "topic config value" 's/"retention.ms":"604800000"/"retention.ms":"1000"/' \
    '^~ configs topic:orders/retention.ms value: 1000 -> 604800000$'
seed "partition leader" 's|\("leader":\)1\(,"version":1,"leader_epoch":3\)|\12\2|' '^~ partitions orders-0 leader: 2 -> 1$'
seed "ISR" 's|"leader_epoch":3,"isr":\[1,2,3\]|"leader_epoch":3,"isr":[1,2]|' '^~ partitions orders-0 isr: \[1,2\] -> \[1,2,3\]$'
seed "partition epoch (state znode version)" 's|partitions/0/state" version="4"|partitions/0/state" version="6"|' \
    '^~ partitions orders-0 partition_epoch: 6 -> 4$'
seed "topic removed from ZooKeeper" '/payments\.v2/d' '^\+ topics payments.v2 \(only in kraft\)$'
seed "topic id" 's/kP6x3wKTQ8SR4Jr0L7dzvg/kP6x3wKTQ8SR4Jr0L7dzvA/' '^~ topics orders id: kP6x3wKTQ8SR4Jr0L7dzvA -> kP6x3wKTQ8SR4Jr0L7dzvg$'
seed "replica assignment" 's|"0":\[1,2,3\],"1"|"0":[1,3,2],"1"|' '^~ partitions orders-0 replicas: \[1,3,2\] -> \[1,2,3\]$'
seed "producer id block" 's/"block_end":"4999"/"block_end":"5999"/' '^~ producer_ids next_producer_id value: 6000 -> 5000$'
seed "delegation token removed" '/V2nq3b0jQ0y4lZ8xwJm5Ag/d' '^\+ tokens V2nq3b0jQ0y4lZ8xwJm5Ag'
seed "new topic config" 's/"min.insync.replicas":"2"/"min.insync.replicas":"2","segment.ms":"1"/' \
    '^- configs topic:orders/segment.ms \(only in zookeeper\)$'
# ACLs, SCRAM and quotas need their own base migrations
for f in acls scram-users; do
    load fixtures/$f.xml /base-$f && "$BIN" migrate --zookeeper "$Z/base-$f" --controllers 3000@127.0.0.1:19093 \
        --out "$WORK/out-$f" >/dev/null 2>&1 || not_ok "migrate base $f"
    "$BIN" diff --zookeeper "$Z/base-$f" --against "$WORK/out-$f/node-3000" >"$WORK/same-$f.txt" 2>&1 &&
        ok "diff --against the migration's own output: no difference ($f)" || not_ok "diff same $f" "$(cat "$WORK/same-$f.txt")"
done
seed "ACL operation" '0,/"operation":"Read"/s//"operation":"Write"/' '^- acls .*principal=User:alice host=\* operation=4' \
    fixtures/acls.xml "$WORK/out-acls/node-3000"
seed "SCRAM iterations" '0,/iterations=4096/s//iterations=8192/' '^~ scram alice/SCRAM-SHA-256 iterations: 8192 -> 4096$' \
    fixtures/scram-users.xml "$WORK/out-scram-users/node-3000"
seed "client quota" 's/"producer_byte_rate":"1048576"/"producer_byte_rate":"2048"/' \
    '^~ quotas user=alice/producer_byte_rate value: 2048 -> 1048576$' fixtures/scram-users.xml "$WORK/out-scram-users/node-3000"
if grep -hE "salt=|stored_key=|MWtxOXhlcmZ0dHBjaWx5eW9yNG9qMmFneA" "$WORK"/mut*.txt "$WORK"/mut*.json >/dev/null; then
    not_ok "diff output never holds SCRAM material"; else ok "diff output never holds SCRAM material"; fi
"$BIN" diff --zookeeper "$Z$base" --against "$WORK/nonexistent" >/dev/null 2>&1
[ $? = 2 ] && ok "diff --against a missing dir exits 2" || not_ok "diff --against a missing dir exits 2"
exit 0
