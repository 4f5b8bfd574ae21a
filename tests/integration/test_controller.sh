#!/usr/bin/env bash
# Three real `zk2kraft controller` processes on loopback, formatted with
# `zk2kraft format`: election, identical committed logs, SIGKILL failover,
# restart + catch-up by Fetch and by FetchSnapshot, SIGTERM failover, config
# errors. Timings are printed, never asserted. Every process started is killed
# on exit.
# Then a second cluster boots from `zk2kraft migrate` output (fixtures/demo.xml).
set -u
. "$(dirname "$0")/lib.sh"

WAIT_S=30 # generous: a loaded 2-core machine
PIDS=()
cleanup() {
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

now_ms() { date +%s%3N; }
# ms timestamp of the first log line after $2 (ms) matching $3 in file $1, or empty
log_time_after() {
    local f=$1 after=$2 pat=$3 line ts
    while IFS= read -r line; do
        ts=$(date -d "${line%% *}" +%s%3N 2>/dev/null) || continue
        if [ "$ts" -ge "$after" ]; then echo "$ts"; return; fi
    done < <(grep -E -- "$pat" "$f")
}

D=$TMP/cluster
mkdir -p "$D"
read -r -a PORT <<<"$(free_ports 3)"
CID=$("$ZK2KRAFT" random-uuid)
VOTERS="1@127.0.0.1:${PORT[0]},2@127.0.0.1:${PORT[1]},3@127.0.0.1:${PORT[2]}"
for i in 1 2 3; do
    cat >"$D/n$i.properties" <<EOF
process.roles=controller
node.id=$i
controller.quorum.voters=$VOTERS
listeners=CONTROLLER://127.0.0.1:${PORT[$((i - 1))]}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT
metadata.log.dir=$D/n$i
# small values so that snapshots, log cleaning and segment rolls happen in seconds
metadata.max.idle.interval.ms=50
metadata.log.max.record.bytes.between.snapshots=3000
metadata.log.segment.bytes=1500
some.unknown.key=ignored
EOF
done

for i in 1 2 3; do
    check "format node $i" "$ZK2KRAFT" format --config "$D/n$i.properties" --cluster-id "$CID"
done

declare -A NODE_PID
start_node() {
    "$ZK2KRAFT" controller --config "$D/n$1.properties" >>"$D/n$1.log" 2>&1 &
    NODE_PID[$1]=$!
    PIDS+=("$!")
}

# describe NODE -> "leader epoch hw" from that node's view (empty on failure)
describe() {
    "$ZK2KRAFT" quorum describe --bootstrap-controller "127.0.0.1:${PORT[$(($1 - 1))]}" --status --output json 2>/dev/null |
        python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["leaderId"], d["leaderEpoch"], d["highWatermark"])' 2>/dev/null
}

# wait_leader MIN_EPOCH [NODES...] -> "leader epoch hw" once a live node reports a leader with epoch >= MIN_EPOCH
wait_leader() {
    local min=$1; shift
    local deadline=$(($(date +%s) + WAIT_S)) n out
    while [ "$(date +%s)" -lt "$deadline" ]; do
        for n in "$@"; do
            out=$(describe "$n")
            if [ -n "$out" ]; then
                read -r l e h <<<"$out"
                if [ "$l" -ge 1 ] && [ "$e" -ge "$min" ]; then echo "$out"; return 0; fi
            fi
        done
        sleep 0.1
    done
    return 1
}

# replication NODE -> lines "id logEndOffset"
replication() {
    "$ZK2KRAFT" quorum describe --bootstrap-controller "127.0.0.1:${PORT[$(($1 - 1))]}" --replication --output json 2>/dev/null |
        python3 -c 'import json,sys
for r in json.load(sys.stdin)["replicas"]: print(r["nodeId"], r["logEndOffset"])' 2>/dev/null
}

# wait_caught_up LEADER NODE OFFSET: NODE's end offset (as the leader sees it) reaches OFFSET
wait_caught_up() {
    local deadline=$(($(date +%s) + WAIT_S)) leo
    while [ "$(date +%s)" -lt "$deadline" ]; do
        leo=$(replication "$1" | awk -v n="$2" '$1 == n {print $2}')
        if [ -n "$leo" ] && [ "$leo" -ge "$3" ]; then return 0; fi
        sleep 0.2
    done
    return 1
}

# Committed records of each node's segments in [max log start, HW) must be
# identical. Nodes clean their logs every few seconds here, so an attempt whose
# common range came out empty (a node cleaned between the HW read and its
# dump) is repeated.
compare_once() {
    local hw i
    read -r _ _ hw <<<"$(describe "$1")" # before the dumps: every offset below it is committed
    for i in 1 2 3; do
        "$ZK2KRAFT" log dump --output json "$D"/n$i/__cluster_metadata-0/*.log >"$TMP/dump$i.jsonl" 2>"$TMP/dump$i.err" || return 1
    done
    python3 - "$hw" "$TMP"/dump1.jsonl "$TMP"/dump2.jsonl "$TMP"/dump3.jsonl <<'PY'
import json, sys
hw = int(sys.argv[1])
logs = []
for p in sys.argv[2:]:
    recs = {}
    for line in open(p):
        r = json.loads(line)
        if r["kind"] == "record":
            r.pop("file", None)
            recs[r["offset"]] = json.dumps(r, sort_keys=True)
    logs.append(recs)
start = max(min(l) if l else hw for l in logs)
end = min([hw] + [max(l) + 1 for l in logs if l])
common = [o for o in range(start, end)]
for o in common:
    vals = {l.get(o) for l in logs}
    if len(vals) != 1 or None in vals:
        print("offset %d differs or is missing: %s" % (o, vals))
        sys.exit(1)
if len(common) < 1:
    print("no common committed records in [%d, %d)" % (start, end))
    sys.exit(3)
print("%d identical committed records in [%d, %d)" % (len(common), start, end))
PY
}

compare_logs() {
    local k rc
    for k in 1 2 3 4 5; do
        compare_once "$1"
        rc=$?
        [ $rc != 3 ] && return $rc
        sleep 0.3
    done
    return 1
}

# ---- configuration errors: exit 2 naming the key ----
sed 's/^node.id=1/node.id=x/' "$D/n1.properties" >"$TMP/bad.properties"
expect_exit "bad node.id exits 2" 2 "$ZK2KRAFT" controller --config "$TMP/bad.properties"
expect_grep "bad node.id is named" "node.id" "$TMP/err"
sed 's/^process.roles=controller/process.roles=broker/' "$D/n1.properties" >"$TMP/bad.properties"
expect_exit "process.roles without controller exits 2" 2 "$ZK2KRAFT" controller --config "$TMP/bad.properties"
expect_grep "process.roles is named" "process.roles" "$TMP/err"
sed 's/^node.id=1/node.id=2/' "$D/n1.properties" >"$TMP/bad.properties"
expect_exit "node.id not matching meta.properties exits 2" 2 "$ZK2KRAFT" controller --config "$TMP/bad.properties"
expect_grep "meta.properties mismatch is named" "meta.properties" "$TMP/err"

# ---- election ----
for i in 1 2 3; do start_node "$i"; done
if out=$(wait_leader 1 1 2 3); then
    read -r LEADER EPOCH HW <<<"$out"
    ok "three controllers elect a leader (node $LEADER, epoch $EPOCH)"
else
    not_ok "three controllers elect a leader"; tail -n 20 "$D"/n*.log | sed 's/^/#   /'
    finish
fi
expect_exit "a second process on the same dir is refused (.lock)" 2 "$ZK2KRAFT" controller --config "$D/n$LEADER.properties"
expect_grep "the lock is named" "\.lock" "$TMP/err"

# ---- identical committed logs ----
sleep 2
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
for i in 1 2 3; do wait_caught_up "$LEADER" "$i" "$HW" >/dev/null; done
check "committed logs are identical" compare_logs "$LEADER"
sed 's/^/# /' "$TMP/out"

# ---- SIGKILL the leader ----
OLD=$LEADER
OLD_EPOCH=$EPOCH
T0=$(now_ms)
kill -9 "${NODE_PID[$OLD]}"
wait "${NODE_PID[$OLD]}" 2>/dev/null
OTHERS=()
for i in 1 2 3; do [ "$i" != "$OLD" ] && OTHERS+=("$i"); done
if out=$(wait_leader $((OLD_EPOCH + 1)) "${OTHERS[@]}"); then
    read -r LEADER EPOCH HW <<<"$out"
    ok "SIGKILL of leader $OLD: node $LEADER leads epoch $EPOCH > $OLD_EPOCH"
    T1=$(log_time_after "$D/n$LEADER.log" "$T0" "Leader in epoch $EPOCH")
    echo "# failover after SIGKILL: $((T1 - T0)) ms (default timeouts; kill to the new leader's log line)"
else
    not_ok "SIGKILL of leader $OLD: a new leader with a higher epoch"
fi

# ---- restart: catch up by Fetch (after a crash that tore the last batch) ----
sleep 1
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
segs=("$D/n$OLD/__cluster_metadata-0/"*.log)
head -c 40 "${segs[0]}" >>"${segs[${#segs[@]} - 1]}" # the start of a batch that never finished
start_node "$OLD"
if wait_caught_up "$LEADER" "$OLD" "$HW"; then ok "restarted node $OLD catches up to $HW"; else
    not_ok "restarted node $OLD catches up to $HW"; tail -n 20 "$D/n$OLD.log" | sed 's/^/#   /'; fi
expect_grep "the restarted node cut the torn tail and said so" "truncated a torn tail of 40 bytes" "$D/n$OLD.log"

# ---- catch up by FetchSnapshot: the leader's log start moves past a stopped follower ----
F=${OTHERS[0]}
[ "$F" = "$LEADER" ] && F=${OTHERS[1]}
F_END=$(replication "$LEADER" | awk -v n="$F" '$1 == n {print $2}')
kill -9 "${NODE_PID[$F]}"
wait "${NODE_PID[$F]}" 2>/dev/null
moved=0
for _ in $(seq 1 $((WAIT_S * 5))); do
    first=$(ls "$D/n$LEADER/__cluster_metadata-0/" | grep -E '^[0-9]{20}\.log$' | head -1)
    snap=$(ls "$D/n$LEADER/__cluster_metadata-0/" | grep -E '\.checkpoint$' | tail -1)
    if [ -n "$first" ] && [ -n "$snap" ] && [ "$((10#${first:0:20}))" -gt "$((F_END + 50))" ]; then moved=1; break; fi
    sleep 0.2
done
if [ $moved = 1 ]; then ok "leader $LEADER's log start moved past follower $F's log (snapshot $snap)"; else
    not_ok "leader $LEADER's log start moved past follower $F's log"; fi
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
start_node "$F"
if wait_caught_up "$LEADER" "$F" "$HW"; then ok "node $F catches up to $HW after a FetchSnapshot"; else
    not_ok "node $F catches up to $HW after a FetchSnapshot"; tail -n 20 "$D/n$F.log" | sed 's/^/#   /'; fi
expect_grep "node $F installed the leader's snapshot" "installed snapshot" "$D/n$F.log"
expect_grep "node $F loaded it into its metadata image" "metadata: loaded snapshot" "$D/n$F.log"
expect_grep "the leader wrote snapshots and cleaned its log" "log start offset ->" "$D/n$LEADER.log"

# ---- SIGTERM the leader: graceful resignation ----
sleep 1
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
OLD=$LEADER
OTHERS=()
for i in 1 2 3; do [ "$i" != "$OLD" ] && OTHERS+=("$i"); done
T0=$(now_ms)
kill -TERM "${NODE_PID[$OLD]}"
wait "${NODE_PID[$OLD]}"
rc=$?
if [ $rc = 0 ]; then ok "SIGTERM: leader $OLD exits 0"; else not_ok "SIGTERM: leader $OLD exits 0 (exit $rc)"; fi
expect_grep "SIGTERM: leader $OLD resigned" "resigning leadership" "$D/n$OLD.log"
if out=$(wait_leader $((EPOCH + 1)) "${OTHERS[@]}"); then
    read -r LEADER E2 HW <<<"$out"
    ok "SIGTERM of leader $OLD: node $LEADER leads epoch $E2 > $EPOCH"
    T1=$(log_time_after "$D/n$LEADER.log" "$T0" "Leader in epoch $E2")
    echo "# failover after SIGTERM: $((T1 - T0)) ms (signal to the new leader's log line)"
else
    not_ok "SIGTERM of leader $OLD: a new leader"
fi

# ---- everything still agrees ----
start_node "$OLD"
sleep 1
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
for i in 1 2 3; do wait_caught_up "$LEADER" "$i" "$HW" >/dev/null; done
check "committed logs are identical after the failovers" compare_logs "$LEADER"
sed 's/^/# /' "$TMP/out"
check_clean_logs() {
    local i
    for i in 1 2 3; do
        if grep -qE "fatal|runtime error|Sanitizer" "$D/n$i.log"; then not_ok "$1: node $i logged no fatal or sanitizer error"; grep -E "fatal|runtime error|Sanitizer" "$D/n$i.log" | sed 's/^/#   /'; else ok "$1: node $i logged no fatal or sanitizer error"; fi
    done
}
check_clean_logs "formatted cluster"
for i in 1 2 3; do kill -9 "${NODE_PID[$i]}" 2>/dev/null; wait "${NODE_PID[$i]}" 2>/dev/null; done

# ---- a cluster booted from `zk2kraft migrate` output ----
M=$TMP/migrated
read -r -a PORT <<<"$(free_ports 3)"
check "migrate writes storage for three controllers" "$ZK2KRAFT" migrate --fixture "$(dirname "$0")/../../fixtures/demo.xml" \
    --controllers "1@127.0.0.1:${PORT[0]},2@127.0.0.1:${PORT[1]},3@127.0.0.1:${PORT[2]}" --out "$M"
D=$M # the helpers' names for migrate's node-<id>/ and its controller.properties
MIGRATED_SNAPSHOT=$(ls "$M"/node-1/__cluster_metadata-0/*.checkpoint)
"$ZK2KRAFT" log image --output json "$MIGRATED_SNAPSHOT" >"$TMP/migrated-image.json"
for i in 1 2 3; do
    ln -s "node-$i" "$M/n$i"
    ln -s "node-$i/controller.properties" "$M/n$i.properties"
    # snapshots of their own within seconds: they must hold the migrated image
    printf 'metadata.max.idle.interval.ms=50\nmetadata.log.max.record.bytes.between.snapshots=3000\n' >>"$M/node-$i/controller.properties"
done
for i in 1 2 3; do start_node "$i"; done
if out=$(wait_leader 1 1 2 3); then
    read -r LEADER EPOCH HW <<<"$out"
    ok "migrated controllers elect a leader (node $LEADER, epoch $EPOCH)"
else
    not_ok "migrated controllers elect a leader"; tail -n 20 "$D"/n*.log | sed 's/^/#   /'
fi
for i in 1 2 3; do
    expect_grep "node $i loaded the migrated snapshot into its image" "loaded snapshot [0-9]+-1 \([1-9][0-9]* partitions\)" "$D/n$i.log"
done
sleep 1
OLD=$LEADER
OTHERS=()
for i in 1 2 3; do [ "$i" != "$OLD" ] && OTHERS+=("$i"); done
kill -9 "${NODE_PID[$OLD]}"
wait "${NODE_PID[$OLD]}" 2>/dev/null
if out=$(wait_leader $((EPOCH + 1)) "${OTHERS[@]}"); then
    read -r LEADER EPOCH HW <<<"$out"
    ok "migrated cluster: SIGKILL of leader $OLD, node $LEADER leads epoch $EPOCH"
else
    not_ok "migrated cluster: a new leader after SIGKILL of $OLD"
fi
start_node "$OLD"
sleep 1
read -r LEADER EPOCH HW <<<"$(describe "$LEADER")"
if wait_caught_up "$LEADER" "$OLD" "$HW"; then ok "migrated cluster: node $OLD restarts and catches up"; else
    not_ok "migrated cluster: node $OLD restarts and catches up"; fi
check "migrated cluster: committed logs are identical" compare_logs "$LEADER"
sed 's/^/# /' "$TMP/out"
# The image each controller rebuilt (migrated snapshot + log, no-ops only) and
# wrote as its own snapshot is the migrated image.
for i in 1 2 3; do
    for _ in 1 2 3; do # the node may replace it (and delete this one) while we read it
        own=$(ls "$M/node-$i/__cluster_metadata-0/"*.checkpoint | tail -1)
        "$ZK2KRAFT" log image --output json "$own" >"$TMP/own$i.json" 2>/dev/null && break
    done
    if [ -z "$own" ] || [ "$(basename "$own")" = "$(basename "$MIGRATED_SNAPSHOT")" ]; then not_ok "node $i wrote a snapshot of its own"; continue; fi
    check "node $i's snapshot $(basename "$own") holds the migrated image" cmp "$TMP/own$i.json" "$TMP/migrated-image.json"
done
check_clean_logs "migrated cluster"
finish
