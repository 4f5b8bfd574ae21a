#!/usr/bin/env bash
# Real Kafka clients against the client listener of three `zk2kraft controller`
# processes booted from `zk2kraft migrate --fixture fixtures/demo.xml`, every
# client listener SASL_PLAINTEXT (the demo's users log in with their ZooKeeper
# passwords, "pw-<user>", fixtures/make-demo.py):
#   kcat -L (SCRAM-SHA-512) lists the fixture's expected image on every node;
#   librdkafka's admin API (tests/clients/rdkafka_admin.c) creates, alters,
#   describes, extends and deletes topics, each visible on every controller;
#   a wrong password is refused; hostile bytes close only their connection.
# Timings are never asserted; every process started is killed on exit.
set -u
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ADMIN=$ROOT/${BUILD:-build/release}/tests/rdkafka_admin
if ! command -v kcat >/dev/null; then skip "client api" "kcat is not installed (install-deps.sh)"; exit 0; fi
if [ ! -x "$ADMIN" ]; then skip "client api" "$ADMIN is not built (make check builds it)"; exit 0; fi

WAIT_S=40 # generous: a loaded 2-core machine
PIDS=()
cleanup() {
    exec 2>/dev/null # no "Killed" job notices
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

free_ports() {
    python3 -c 'import socket
s=[socket.socket() for _ in range(int(__import__("sys").argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

read -r -a PORT <<<"$(free_ports 6)" # controller listeners 0-2, client listeners 3-5
M=$TMP/m
check "migrate the demo fixture for three controllers" "$ZK2KRAFT" migrate --fixture "$ROOT/fixtures/demo.xml" \
    --controllers "1@127.0.0.1:${PORT[0]},2@127.0.0.1:${PORT[1]},3@127.0.0.1:${PORT[2]}" --out "$M"
EPS="1@127.0.0.1:${PORT[3]},2@127.0.0.1:${PORT[4]},3@127.0.0.1:${PORT[5]}"
for i in 1 2 3; do
    f=$M/node-$i/controller.properties
    sed -i "s#^listeners=.*#&,CLIENT://127.0.0.1:${PORT[$((i + 2))]}#; s#^listener.security.protocol.map=.*#&,CLIENT:SASL_PLAINTEXT#" "$f"
    printf 'controller.client.endpoints=%s\nsasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN\n' "$EPS" >>"$f"
    # snapshots of their own within seconds (zk2kraft log image reads them)
    printf 'metadata.max.idle.interval.ms=100\nmetadata.log.max.record.bytes.between.snapshots=20000\n' >>"$f"
done
for i in 1 2 3; do
    "$ZK2KRAFT" controller --config "$M/node-$i/controller.properties" >>"$TMP/n$i.log" 2>&1 &
    PIDS+=("$!")
done
client() { echo "127.0.0.1:${PORT[$(($1 + 2))]}"; }
SASL=(-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=alice -X sasl.password=pw-alice)

# kcat_json NODE [kcat args] -> metadata as JSON (empty on failure)
kcat_json() {
    local n=$1; shift
    timeout 30 kcat -L -J -m 20 -b "$(client "$n")" "${SASL[@]}" "$@" 2>>"$TMP/kcat.err"
}

# Wait for a leader (Metadata's ControllerId) as node 1 sees it.
deadline=$(($(date +%s) + WAIT_S))
LEADER=-1
while [ "$(date +%s)" -lt "$deadline" ]; do
    LEADER=$(kcat_json 1 | python3 -c 'import json,sys; print(json.load(sys.stdin).get("controllerid", -1))' 2>/dev/null || echo -1)
    [ "${LEADER:--1}" -ge 1 ] 2>/dev/null && break
    sleep 0.3
done
if [ "${LEADER:--1}" -ge 1 ] 2>/dev/null; then ok "kcat (SCRAM-SHA-512 as a migrated user) sees controller $LEADER"; else
    not_ok "kcat sees a controller"; tail -n 20 "$TMP"/n*.log "$TMP/kcat.err" | sed 's/^/#   /'; exit 1; fi

# compare_topics JSON EXPECTED_IMAGE: names, partition counts, leaders, replicas, ISR
compare_topics() {
    python3 - "$1" "$2" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))
g = {t["topic"]: {p["partition"]: (p["leader"], [r["id"] for r in p["replicas"]], [r["id"] for r in p["isrs"]])
                  for p in t["partitions"]} for t in got["topics"]}
e = {t["name"]: {p["partition"]: (p["leader"], p["replicas"], p["isr"]) for p in t["partitions"]} for t in exp["topics"]}
if g != e:
    for name in sorted(set(g) | set(e)):
        if g.get(name) != e.get(name):
            print("# topic %s: got %s, expected %s" % (name, str(g.get(name))[:200], str(e.get(name))[:200]))
            break
    sys.exit(1)
print("# %d topics, %d partitions" % (len(g), sum(len(p) for p in g.values())))
PY
}
for i in 1 2 3; do
    kcat_json "$i" >"$TMP/meta$i.json"
    check "kcat -L on node $i lists every topic and partition of fixtures/demo.image.json" \
        compare_topics "$TMP/meta$i.json" "$ROOT/fixtures/demo.image.json"
done
brokers=$(python3 -c 'import json,sys; print(" ".join(sorted("%d@%s" % (b["id"], b["name"]) for b in json.load(open(sys.argv[1]))["brokers"])))' "$TMP/meta1.json")
check "Metadata lists the three advertised client listeners" test "$brokers" = "1@127.0.0.1:${PORT[3]} 2@127.0.0.1:${PORT[4]} 3@127.0.0.1:${PORT[5]}"

# ---- SASL ----
if timeout 30 kcat -L -m 10 -b "$(client 2)" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-512 \
    -X sasl.username=alice -X sasl.password=wrong >"$TMP/wrong.out" 2>&1; then
    not_ok "a wrong password is refused"
else
    expect_grep "a wrong password is refused (SCRAM-SHA-512)" "SASL authentication error" "$TMP/wrong.out"
fi
check "SCRAM-SHA-256 login as svc-orders" timeout 30 kcat -L -m 20 -b "$(client 3)" -X security.protocol=SASL_PLAINTEXT \
    -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=svc-orders -X sasl.password=pw-svc-orders -t __consumer_offsets
check "PLAIN login as bob (checked against his SCRAM credential)" timeout 30 kcat -L -m 20 -b "$(client 1)" \
    -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN -X sasl.username=bob -X sasl.password=pw-bob -t __consumer_offsets

# ---- writes through librdkafka's admin API ----
admin() { "$ADMIN" "${SASL[@]}" "$@"; }
# wait_topic NAME PARTITIONS: every node's Metadata shows NAME with PARTITIONS partitions (0 = absent)
wait_topic() {
    local deadline=$(($(date +%s) + WAIT_S)) i got all
    while [ "$(date +%s)" -lt "$deadline" ]; do
        all=1
        for i in 1 2 3; do
            got=$(kcat_json "$i" | python3 -c 'import json,sys
d=json.load(sys.stdin); print(sum(len(t["partitions"]) for t in d["topics"] if t["topic"]==sys.argv[1] and not t.get("err")))' "$1" 2>/dev/null)
            [ "$got" = "$2" ] || all=0
        done
        [ "$all" = 1 ] && return 0
        sleep 0.3
    done
    return 1
}
# Through a follower (forwarded to the leader) and through the leader.
FOLLOWER=$((LEADER % 3 + 1))
check "CreateTopics (3 partitions, RF 2), bootstrap follower $FOLLOWER" admin "$(client $FOLLOWER)" create-topic created 3 2
kcat_json "$LEADER" -t created >"$TMP/created-leader.json"
check "commit-then-respond: the leader's Metadata has the topic as soon as CreateTopics answered" python3 -c 'import json,sys
sys.exit(not any(t["topic"]=="created" and len(t["partitions"])==3 and not t.get("err") for t in json.load(open(sys.argv[1]))["topics"]))' "$TMP/created-leader.json"
check "the created topic is on every controller" wait_topic created 3
check "CreateTopics with an explicit assignment through leader $LEADER" admin "$(client "$LEADER")" create-topic-assign assigned "1,2;2,3;3,1"
check "the assigned topic is on every controller" wait_topic assigned 3
kcat_json 3 -t assigned >"$TMP/assigned.json"
check "the explicit assignment is kept" python3 -c 'import json,sys
t=[t for t in json.load(open(sys.argv[1]))["topics"] if t["topic"]=="assigned"][0]
r=sorted((p["partition"], [x["id"] for x in p["replicas"]]) for p in t["partitions"])
sys.exit(r != [(0,[1,2]),(1,[2,3]),(2,[3,1])])' "$TMP/assigned.json"
admin "$(client 1)" create-topic created 3 2 >"$TMP/dup.out" 2>&1
expect_grep "a second CreateTopics answers TOPIC_ALREADY_EXISTS" "TOPIC_ALREADY_EXISTS" "$TMP/dup.out"
check "AlterConfigs retention.ms on the created topic" admin "$(client $FOLLOWER)" alter-topic-config created retention.ms 123456
for i in 1 2 3; do
    deadline=$(($(date +%s) + WAIT_S))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        admin "$(client "$i")" describe-topic-config created retention.ms >"$TMP/dc$i.out" 2>&1
        grep -q "retention.ms=123456 DYNAMIC_TOPIC_CONFIG" "$TMP/dc$i.out" && break
        sleep 0.3
    done
    expect_grep "DescribeConfigs on node $i shows the altered retention.ms" "retention.ms=123456 DYNAMIC_TOPIC_CONFIG" "$TMP/dc$i.out"
done
admin "$(client 1)" describe-broker-config 2 metadata.log.max.record.bytes.between.snapshots >"$TMP/bc.out" 2>&1
expect_grep "DescribeConfigs of broker 2 lists its properties file (STATIC_BROKER_CONFIG)" \
    "metadata.log.max.record.bytes.between.snapshots=20000 STATIC_BROKER_CONFIG" "$TMP/bc.out"
check "CreatePartitions to 5" admin "$(client 2)" create-partitions created 5
check "the new partitions are on every controller" wait_topic created 5
check "DeleteTopics" admin "$(client 3)" delete-topic assigned
check "the deleted topic is gone from every controller" wait_topic assigned 0

# The changes are in each node's own snapshot (taken every 20 kB of log).
for i in 1 2 3; do
    deadline=$(($(date +%s) + WAIT_S))
    found=0
    while [ "$(date +%s)" -lt "$deadline" ] && [ $found = 0 ]; do
        snap=$(ls "$M/node-$i/__cluster_metadata-0/"*.checkpoint 2>/dev/null | sort | tail -n 1)
        if [ -n "$snap" ] && "$ZK2KRAFT" log image --output json "$snap" 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin); t={x["name"]: x for x in d["topics"]}
sys.exit(not ("created" in t and len(t["created"]["partitions"]) == 5 and "assigned" not in t))'; then found=1; else sleep 0.5; fi
    done
    if [ $found = 1 ]; then ok "node $i's snapshot holds the created topic (5 partitions) and not the deleted one"; else
        not_ok "node $i's snapshot holds the changes"; fi
done

# ---- hostile input on the client listener ----
# hostile NAME BYTES-PRINTF [hold]: sends raw bytes to node 1's client listener,
# then checks the server closed that connection and still serves kcat.
hostile() {
    local name=$1 bytes=$2
    python3 - "${PORT[3]}" "$bytes" <<'PY' >"$TMP/hostile.out" 2>&1
import socket, sys
port, data = int(sys.argv[1]), bytes.fromhex(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=60)
s.sendall(data)
s.settimeout(90)  # a half-sent frame ("hold") is closed after the server's partial-frame limit (30 s)
try:
    got = s.recv(65536)
    print("closed" if got == b"" else "answered %d bytes" % len(got))
except ConnectionResetError:
    print("closed")
except socket.timeout:
    print("still open")
PY
    if grep -q "^closed" "$TMP/hostile.out" && kcat_json 2 -t __consumer_offsets >/dev/null; then
        ok "hostile: $name closes that connection; others are served"
    else
        not_ok "hostile: $name ($(cat "$TMP/hostile.out"))"
    fi
}
hdr() { # api key, version, correlation id, client id "t" (header v1)
    printf '%04x%04x%08x0001%s' "$1" "$2" 7 74
}
frame() { local body=$1; printf '%08x%s' $((${#body} / 2)) "$body"; }
hostile "unknown api key 9999" "$(frame "$(hdr 9999 0)")"
hostile "an unadvertised version (Metadata v99)" "$(frame "$(hdr 3 99)00")"
hostile "a request before SASL authentication (Metadata v1)" "$(frame "$(hdr 3 1)00000000")"
hostile "a truncated frame body (SaslHandshake without its mechanism)" "$(frame "$(hdr 17 1)0005")"
hostile "an oversized frame (2 GiB announced)" "7fffffff00"
hostile "a negative frame size" "ffffffff00"
hostile "a slow client holding a half-sent frame" "00000064$(hdr 3 1)" hold
hostile "random bytes" "$(head -c 300 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# ---- SaslHandshake v0 + raw PLAIN token (kafka-python's path), by hand ----
# plain_v0 PASSWORD [NODE [TOPIC]] -> "served" when Metadata is answered after
# the raw token; with TOPIC, CreateTopics v0 (1 partition, RF 1) instead: the
# topic's error code, e.g. "created 0"
plain_v0() {
    python3 - "${PORT[$((${2:-1} + 2))]}" "$1" "${3:-}" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
def recv_frame():
    head = b""
    while len(head) < 4:
        b = s.recv(4 - len(head))
        if not b: return None
        head += b
    n = struct.unpack(">i", head)[0]; body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b: return None
        body += b
    return body
def request(key, version, corr, body):
    msg = struct.pack(">hhih", key, version, corr, 1) + b"t" + body
    s.sendall(struct.pack(">i", len(msg)) + msg)
try:
    request(17, 0, 1, struct.pack(">h", 5) + b"PLAIN")  # SaslHandshake v0
    r = recv_frame()
    assert r is not None and struct.unpack(">ih", r[:6]) == (1, 0), r
    token = b"\0bob\0" + sys.argv[2].encode()
    s.sendall(struct.pack(">i", len(token)) + token)  # raw token, no request header
    r = recv_frame()
    if r is None: print("closed"); sys.exit(0)
    if sys.argv[3]:  # CreateTopics v0: [name, partitions, rf, assignments, configs], timeout
        t = sys.argv[3].encode()
        request(19, 0, 2, struct.pack(">ih", 1, len(t)) + t + struct.pack(">ihiii", 1, 1, 0, 0, 30000))
        r = recv_frame()
        n = struct.unpack(">h", r[8:10])[0]
        print(r[10:10 + n].decode(), struct.unpack(">h", r[10 + n:12 + n])[0])
        sys.exit(0)
    request(3, 0, 2, struct.pack(">ih", 1, 18) + b"__consumer_offsets")  # Metadata v0
    r = recv_frame()
    print("served" if r is not None and struct.unpack(">i", r[:4])[0] == 2 else "closed")
except (ConnectionError, socket.timeout):
    print("closed")
PY
}
check "SaslHandshake v0 + a raw PLAIN token logs bob in; Metadata is served" test "$(plain_v0 pw-bob)" = served
check "SaslHandshake v0 + a raw PLAIN token with a wrong password is closed" test "$(plain_v0 wrong)" = closed
# librdkafka sends admin requests to the ControllerId; this one goes to a follower
check "CreateTopics v0 sent to follower $FOLLOWER is forwarded to the leader and committed" \
    test "$(plain_v0 pw-bob "$FOLLOWER" forwarded)" = "forwarded 0"
check "the forwarded topic is on every controller" wait_topic forwarded 1

# ---- the leader dies: writes go to the new leader ----
kill -9 "${PIDS[$((LEADER - 1))]}" 2>/dev/null; wait "${PIDS[$((LEADER - 1))]}" 2>/dev/null
SURVIVOR=$((LEADER % 3 + 1))
OTHER=$(((LEADER + 1) % 3 + 1))
# librdkafka waits for the controller it knows; a short metadata refresh lets it
# learn the new ControllerId (the survivors report the new Raft leader)
check "CreateTopics after SIGKILL of leader $LEADER (through node $SURVIVOR)" \
    admin -X topic.metadata.refresh.interval.ms=1000 "$(client "$SURVIVOR"),$(client "$OTHER")" \
    create-topic after-failover 2 2
deadline=$(($(date +%s) + WAIT_S))
seen=0
while [ "$(date +%s)" -lt "$deadline" ] && [ $seen = 0 ]; do
    seen=1
    for i in "$SURVIVOR" "$OTHER"; do
        kcat_json "$i" -t after-failover | python3 -c 'import json,sys
d=json.load(sys.stdin); sys.exit(not any(t["topic"]=="after-failover" and len(t["partitions"])==2 and not t.get("err") for t in d["topics"]))' 2>/dev/null || seen=0
    done
    [ $seen = 1 ] || sleep 0.3
done
if [ $seen = 1 ]; then ok "the topic created after failover is on both survivors"; else not_ok "the topic created after failover is on both survivors"; fi
# Two voters left: the commit of a write forwarded by the follower needs that
# follower's own Fetches (they must not queue behind the parked write).
NEW_LEADER=$(kcat_json "$SURVIVOR" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("controllerid", -1))' 2>/dev/null)
if [ "$NEW_LEADER" = "$SURVIVOR" ]; then NON_LEADER=$OTHER; else NON_LEADER=$SURVIVOR; fi
check "with two voters left, CreateTopics v0 forwarded by follower $NON_LEADER commits" \
    test "$(plain_v0 pw-bob "$NON_LEADER" two-voters)" = "two-voters 0"

# ---- a PLAINTEXT client listener on a single controller ----
read -r -a P1 <<<"$(free_ports 2)"
check "migrate the demo fixture for one controller" "$ZK2KRAFT" migrate --fixture "$ROOT/fixtures/demo.xml" \
    --controllers "1@127.0.0.1:${P1[0]}" --out "$TMP/single"
f=$TMP/single/node-1/controller.properties
sed -i "s#^listeners=.*#&,PLAINTEXT://127.0.0.1:${P1[1]}#" "$f" # PLAINTEXT maps to itself
"$ZK2KRAFT" controller --config "$f" >>"$TMP/single.log" 2>&1 &
PIDS+=("$!")
deadline=$(($(date +%s) + WAIT_S))
until timeout 20 kcat -L -J -m 10 -b "127.0.0.1:${P1[1]}" >"$TMP/single.json" 2>/dev/null &&
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("controllerid",-1) != 1)' "$TMP/single.json"; do
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 0.3
done
check "PLAINTEXT: kcat -L lists fixtures/demo.image.json" compare_topics "$TMP/single.json" "$ROOT/fixtures/demo.image.json"
check "PLAINTEXT: CreateTopics on a single voter" "$ADMIN" "127.0.0.1:${P1[1]}" create-topic plain 4 1
timeout 20 kcat -L -J -m 10 -b "127.0.0.1:${P1[1]}" -t plain >"$TMP/plain.json" 2>/dev/null
check "PLAINTEXT: the topic is answered right after its commit" python3 -c 'import json,sys
sys.exit(not any(t["topic"]=="plain" and len(t["partitions"])==4 for t in json.load(open(sys.argv[1]))["topics"]))' "$TMP/plain.json"
finish
