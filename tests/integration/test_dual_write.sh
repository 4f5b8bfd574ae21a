#!/usr/bin/env bash
# Dual-write (docs/dual-write.md) end to end: a ZooKeeper-mode cluster (fixtures/demo.xml
# loaded into a real ZooKeeper 3.8), `zk2kraft migrate --dual-write`, three controllers
# in migration mode. Checks: the leader claims ZooKeeper (/controller, /controller_epoch,
# /migration) and reconciles; topics created, reconfigured and deleted through the Kafka
# API (kafka-python) appear in / vanish from ZooKeeper (read with kazoo); a leader
# SIGSTOPped with a write pending is fenced by ZooKeeper when it resumes after a new
# leader has claimed, and the znodes keep the new leader's content.
set -u
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ZKS=$ROOT/tests/support/zk-server.sh
SYS_PY=/usr/bin/python3 # Debian's python3-kafka / python3-kazoo live in the system python
WAIT_S=${DW_WAIT_S:-40}
FAULT_DELAY_MS=3000

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    skip "dual-write" "ZooKeeper (Debian package zookeeper) is not installed"; finish
fi
if ! "$SYS_PY" -c 'import kafka, kazoo' 2>/dev/null; then
    skip "dual-write" "python3-kafka and python3-kazoo are not installed (./install-deps.sh)"; finish
fi

CTL_DIR=$TMP/migrated CTL_IDS="1 2 3"
. "$ROOT/tests/support/controllers.sh"
cleanup() {
    ctl_stop_all
    "$ZKS" stop "$TMP/zk" >/dev/null 2>&1
    if [ -n "${KEEP:-}" ]; then echo "# kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# ---- a small client for ZooKeeper (kazoo) and the Kafka API (kafka-python) ----
cat >"$TMP/dw.py" <<'PY'
import json, sys, time
cmd, args = sys.argv[1], sys.argv[2:]
if cmd.startswith("zk"):
    import logging
    logging.basicConfig(level=logging.CRITICAL)
    from kazoo.client import KazooClient
    zk = KazooClient(hosts=args[0], timeout=15)
    zk.start(timeout=15)
    def get(path):
        if not zk.exists(path):
            return None
        data, st = zk.get(path)
        return data.decode() if data is not None else ""
    if cmd == "zkget":        # ZK PATH -> data, or exit 1 when absent
        v = get(args[1])
        if v is None:
            sys.exit(1)
        print(v)
    elif cmd == "zkstat":     # ZK PATH -> "version mzxid"
        st = zk.exists(args[1])
        if not st:
            sys.exit(1)
        print(st.version, st.mzxid)
    elif cmd == "zkwait":     # ZK PATH absent|present|PYTHON-EXPR-OVER-d TIMEOUT_S
        path, want, deadline = args[1], args[2], time.time() + float(args[3])
        while True:
            v = get(path)
            if want == "absent":
                okay = v is None
            elif want == "present":
                okay = v is not None
            else:
                try:
                    okay = bool(eval(want, {"d": json.loads(v)}))
                except Exception:
                    okay = False
            if okay:
                print(v if v is not None else "")
                sys.exit(0)
            if time.time() > deadline:
                print("timeout: %s is %r" % (path, v))
                sys.exit(1)
            time.sleep(0.05)
    elif cmd == "zkchanges":  # ZK ENTITY_PATH -> number of config_change znodes announcing it
        n = 0
        for c in zk.get_children("/config/changes"):
            data, _ = zk.get("/config/changes/" + c)
            try:
                if json.loads(data.decode()).get("entity_path") == args[1]:
                    n += 1
            except Exception:
                pass
        print(n)
    elif cmd == "zkset":      # ZK PATH DATA
        zk.set(args[1], args[2].encode())
    elif cmd == "zkdelete":   # ZK PATH
        zk.delete(args[1], recursive=True)
    elif cmd == "zkchildren":  # ZK PATH -> sorted children, one per line
        for c in sorted(zk.get_children(args[1])):
            print(c)
    zk.stop()
else:
    from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType
    a = KafkaAdminClient(bootstrap_servers=args[0].split(","), client_id="dual-write-test",
                         request_timeout_ms=30000, api_version_auto_timeout_ms=30000)
    if cmd == "create":       # BOOT NAME PARTITIONS REPLICAS
        r = a.create_topics([NewTopic(args[1], int(args[2]), int(args[3]))], timeout_ms=30000)
        errs = [t[1] for t in r.topic_errors]
        sys.exit(0 if errs == [0] else 1)
    elif cmd == "alter":      # BOOT NAME KEY=VALUE
        k, _, v = args[2].partition("=")
        r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, args[1], configs={k: v})])
        sys.exit(0 if [x[0] for x in r.resources] == [0] else 1)
    elif cmd == "createmany":  # BOOT PREFIX N: N one-topic requests, back to back
        for i in range(int(args[2])):
            r = a.create_topics([NewTopic("%s%d" % (args[1], i), 1, 3)], timeout_ms=30000)
            if [t[1] for t in r.topic_errors] != [0]:
                sys.exit(1)
    elif cmd == "delete":     # BOOT NAME
        r = a.delete_topics([args[1]], timeout_ms=30000)
        sys.exit(0 if [t[1] for t in r.topic_error_codes] == [0] else 1)
PY
dw() { timeout 90 "$SYS_PY" "$TMP/dw.py" "$@"; }

# ---- ZooKeeper with a ZooKeeper-mode cluster, migrated for dual-write ----
Z=$("$ZKS" start "$TMP/zk") || { not_ok "start ZooKeeper"; finish; }
ZC=$Z/dw
check "load demo.xml into ZooKeeper ($ZC)" "$ZK2KRAFT" load "$ROOT/fixtures/demo.xml" --zookeeper "$ZC"
ctl_ports
check "migrate --dual-write for three controllers" "$ZK2KRAFT" migrate --zookeeper "$ZC" --controllers "$CTL_VOTERS" --out "$CTL_DIR" --dual-write
ctl_add_client_listeners
ctl_add_migration "$ZC" "zookeeper.session.timeout.ms=18000"

# A bad config is refused before anything starts: migration without zookeeper.connect.
cp "$CTL_DIR/node-1/controller.properties" "$TMP/bad.properties"
sed -i '/^zookeeper.connect=/d' "$TMP/bad.properties"
expect_exit "migration enabled without zookeeper.connect exits 2" 2 "$ZK2KRAFT" controller --config "$TMP/bad.properties"
expect_grep "the error names zookeeper.connect" "zookeeper.connect" "$TMP/err"

for i in $CTL_IDS; do ctl_start "$i"; done
if out=$(ctl_wait_leader 1 $CTL_IDS); then
    read -r LEADER EPOCH _ <<<"$out"
    ok "controllers elect a leader (node $LEADER, epoch $EPOCH)"
else
    not_ok "controllers elect a leader"; tail -n 20 "$CTL_DIR"/node-*.log | sed 's/^/#   /'; finish
fi

# wait_log ID REGEX: node ID's log has a line matching REGEX within WAIT_S
wait_log() {
    local deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ]; do
        grep -qE -- "$2" "$CTL_DIR/node-$1.log" && return 0
        sleep 0.1
    done
    return 1
}

# ---- the claim and the first reconciliation ----
if wait_log "$LEADER" "migration: reconciled [0-9]+ ops in [0-9]+ ms"; then
    ok "the leader reconciles ZooKeeper ($(grep -oE 'migration: reconciled [0-9]+ ops in [0-9]+ ms' "$CTL_DIR/node-$LEADER.log" | head -1))"
else
    not_ok "the leader reconciles ZooKeeper"; grep -h "migration" "$CTL_DIR"/node-*.log | tail -n 20 | sed 's/^/#   /'
fi
# The claim may have happened in a later epoch than the one first seen (a re-election).
claim=$(grep -oE 'migration: claimed ZooKeeper controllership \(controller epoch [0-9]+, kraft epoch [0-9]+\)' "$CTL_DIR/node-$LEADER.log" | tail -1)
if [ -n "$claim" ]; then ok "the leader logs its claim: $claim"; else not_ok "the leader logs its claim"; fi
KEPOCH=$(sed -E 's/.*kraft epoch ([0-9]+).*/\1/' <<<"$claim")
ZEPOCH=$(sed -E 's/.*controller epoch ([0-9]+),.*/\1/' <<<"$claim")
ctl_json=$(dw zkget "$ZC" /controller)
if [ -n "$KEPOCH" ] && grep -q "\"brokerid\":$LEADER," <<<"$ctl_json" && grep -q "\"kraftControllerEpoch\":$KEPOCH}" <<<"$ctl_json"; then
    ok "/controller names the leader with kraftControllerEpoch $KEPOCH"
else not_ok "/controller after the claim" ; echo "#   $ctl_json"; fi
ce=$(dw zkget "$ZC" /controller_epoch)
if [ -n "$ZEPOCH" ] && [ "$ce" = "$ZEPOCH" ] && [ "$ce" -gt 12 ]; then ok "/controller_epoch bumped from 12 to $ce"
else not_ok "/controller_epoch bumped (is '$ce', claim said '$ZEPOCH')"; fi
mig=$(dw zkget "$ZC" /migration)
if "$SYS_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["kraft_controller_id"]==int(sys.argv[2]) and d["kraft_controller_epoch"]==int(sys.argv[3]) and d["kraft_metadata_offset"]>0 else 1)' "$mig" "$LEADER" "${KEPOCH:-0}"; then
    ok "/migration holds the leader's id, epoch and an offset > 0"
else not_ok "/migration after the first reconciliation"; echo "#   $mig"; fi

# ---- topics through the Kafka API appear in ZooKeeper ----
BOOT=127.0.0.1:${CTL_CLIENT_PORT[$LEADER]}
check "create topic dw.created (4 partitions, replication 3) with kafka-python" dw create "$BOOT" dw.created 4 3
if t=$(dw zkwait "$ZC" /brokers/topics/dw.created present "$WAIT_S"); then
    if "$SYS_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["version"]==3 and len(d["topic_id"])==22 and sorted(d["partitions"])==["0","1","2","3"] and all(len(r)==3 for r in d["partitions"].values()) else 1)' "$t"; then
        ok "/brokers/topics/dw.created: v3 with topic_id and 4 partitions of 3 replicas"
    else not_ok "/brokers/topics/dw.created content"; echo "#   $t"; fi
else not_ok "/brokers/topics/dw.created appears in ZooKeeper"; echo "#   $t"; fi
if s=$(dw zkwait "$ZC" /brokers/topics/dw.created/partitions/3/state present "$WAIT_S") &&
   "$SYS_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["version"]==1 and d["controller_epoch"]==int(sys.argv[2]) and len(d["isr"])==3 else 1)' "$s" "${KEPOCH:-0}"; then
    ok "partition state znodes carry the KRaft controller epoch $KEPOCH"
else not_ok "partition 3 state of dw.created"; echo "#   ${s:-}"; fi
if c=$(dw zkwait "$ZC" /config/topics/dw.created present "$WAIT_S"); then ok "/config/topics/dw.created exists ($c)"
else not_ok "/config/topics/dw.created exists"; fi

# ---- topic config ----
check "alter_configs dw.created retention.ms=4242" dw alter "$BOOT" dw.created retention.ms=4242
if c=$(dw zkwait "$ZC" /config/topics/dw.created 'd["version"]==1 and d["config"].get("retention.ms")=="4242"' "$WAIT_S"); then
    ok "/config/topics/dw.created has retention.ms=4242 ($c)"
else not_ok "/config/topics/dw.created has retention.ms=4242"; echo "#   $c"; fi
n=$(dw zkchanges "$ZC" topics/dw.created)
if [ "${n:-0}" -ge 1 ]; then ok "a config_change notification announces topics/dw.created ($n)"
else not_ok "a config_change notification for topics/dw.created"; fi

# ---- delete ----
check "delete topic dw.created with kafka-python" dw delete "$BOOT" dw.created
if dw zkwait "$ZC" /brokers/topics/dw.created absent "$WAIT_S" >/dev/null; then ok "/brokers/topics/dw.created is gone from ZooKeeper"
else not_ok "/brokers/topics/dw.created is gone from ZooKeeper"; fi
if dw zkwait "$ZC" /config/topics/dw.created absent "$WAIT_S" >/dev/null; then ok "/config/topics/dw.created is gone"
else not_ok "/config/topics/dw.created is gone"; fi
if dw zkget "$ZC" /brokers/topics/orders.events >/dev/null; then ok "other topics are untouched (orders.events)"
else not_ok "orders.events still in ZooKeeper"; fi

# ---- fencing: a stopped leader with a write pending, a new leader, the old one resumes ----
declare -A RECONCILED
for i in $CTL_IDS; do RECONCILED[$i]=$(grep -c "migration: reconciled" "$CTL_DIR/node-$i.log"); done
for i in $CTL_IDS; do ctl_kill "$i" 15; done
for i in $CTL_IDS; do ZK2KRAFT_FAULT_ZK_WRITE_DELAY_MS=$FAULT_DELAY_MS ctl_start "$i"; done
if out=$(ctl_wait_leader $((EPOCH + 1)) $CTL_IDS); then
    read -r OLD OLD_EPOCH _ <<<"$out"
    ok "restarted with ZK2KRAFT_FAULT_ZK_WRITE_DELAY_MS=$FAULT_DELAY_MS; leader $OLD in epoch $OLD_EPOCH"
else
    not_ok "restarted controllers elect a leader"; finish
fi
deadline=$((SECONDS + WAIT_S))
while [ $SECONDS -lt $deadline ] && [ "$(grep -c "migration: reconciled" "$CTL_DIR/node-$OLD.log")" -le "${RECONCILED[$OLD]}" ]; do sleep 0.1; done
if [ "$(grep -c "migration: reconciled" "$CTL_DIR/node-$OLD.log")" -gt "${RECONCILED[$OLD]}" ] && wait_log "$OLD" "kraft epoch $OLD_EPOCH\)"; then
    ok "leader $OLD claimed (kraft epoch $OLD_EPOCH) and reconciled again"
else
    not_ok "leader $OLD claimed and reconciled in epoch $OLD_EPOCH"; grep "migration" "$CTL_DIR/node-$OLD.log" | tail -5 | sed 's/^/#   /'
fi
check "create topic dw.fenced through leader $OLD" dw create "127.0.0.1:${CTL_CLIENT_PORT[$OLD]}" dw.fenced 2 3
kill -STOP "${CTL_PID[$OLD]}" # its driver sleeps FAULT_DELAY_MS before the multi that creates dw.fenced
ok "leader $OLD stopped (SIGSTOP) with the dw.fenced write pending"
others=""
for i in $CTL_IDS; do [ "$i" != "$OLD" ] && others+=" $i"; done
# shellcheck disable=SC2086
if out=$(ctl_wait_leader $((OLD_EPOCH + 1)) $others); then
    read -r NEW NEW_EPOCH _ <<<"$out"
    ok "node $NEW leads epoch $NEW_EPOCH"
else
    kill -CONT "${CTL_PID[$OLD]}"; not_ok "a new leader is elected while $OLD is stopped"; finish
fi
if wait_log "$NEW" "claimed ZooKeeper controllership \(controller epoch [0-9]+, kraft epoch $NEW_EPOCH\)" &&
   st=$(dw zkwait "$ZC" /brokers/topics/dw.fenced/partitions/0/state "d['controller_epoch']==$NEW_EPOCH" "$WAIT_S"); then
    ok "the new leader claimed and wrote dw.fenced (partition state controller_epoch $NEW_EPOCH)"
else
    not_ok "the new leader claims and writes dw.fenced"; grep "migration" "$CTL_DIR/node-$NEW.log" | tail -5 | sed 's/^/#   /'
fi
before=$(dw zkstat "$ZC" /brokers/topics/dw.fenced/partitions/0/state)
kill -CONT "${CTL_PID[$OLD]}"
if wait_log "$OLD" "migration: fenced: "; then
    ok "the resumed old leader is fenced: $(grep -oE 'migration: fenced: .*' "$CTL_DIR/node-$OLD.log" | head -1)"
else
    not_ok "the resumed old leader logs migration: fenced"; grep "migration" "$CTL_DIR/node-$OLD.log" | tail -8 | sed 's/^/#   /'
fi
sleep 1
after=$(dw zkstat "$ZC" /brokers/topics/dw.fenced/partitions/0/state)
st=$(dw zkget "$ZC" /brokers/topics/dw.fenced/partitions/0/state)
if [ -n "$before" ] && [ "$before" = "$after" ] && grep -q "\"controller_epoch\":$NEW_EPOCH" <<<"$st"; then
    ok "the znode keeps the new leader's write (version/mzxid $after, controller_epoch $NEW_EPOCH)"
else not_ok "the znode keeps the new leader's write (before '$before', after '$after', $st)"; fi
m=$(dw zkget "$ZC" /migration)
if grep -q "\"kraft_controller_id\":$NEW,\"kraft_controller_epoch\":$NEW_EPOCH," <<<"$m"; then ok "/migration still names leader $NEW epoch $NEW_EPOCH"
else not_ok "/migration names the new leader"; echo "#   $m"; fi

# ---- queue overflow: a tiny queue while writes are slow; the image is rebuilt from the log ----
for i in $CTL_IDS; do RECONCILED[$i]=$(grep -c "migration: reconciled" "$CTL_DIR/node-$i.log"); done
for i in $CTL_IDS; do ctl_kill "$i" 15; done
for i in $CTL_IDS; do echo "zookeeper.metadata.migration.reconcile.interval.ms=2000" >>"$CTL_DIR/node-$i/controller.properties"; done
for i in $CTL_IDS; do ZK2KRAFT_FAULT_ZK_WRITE_DELAY_MS=400 ZK2KRAFT_FAULT_DW_QUEUE_BATCHES=4 ctl_start "$i"; done
if out=$(ctl_wait_leader $((NEW_EPOCH + 1)) $CTL_IDS); then
    read -r L3 E3 _ <<<"$out"
    ok "restarted with a 4-batch queue and 400 ms writes; leader $L3 in epoch $E3"
    deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ] && [ "$(grep -c "migration: reconciled" "$CTL_DIR/node-$L3.log")" -le "${RECONCILED[$L3]}" ]; do sleep 0.1; done
    check "create 8 topics back to back through leader $L3" dw createmany "127.0.0.1:${CTL_CLIENT_PORT[$L3]}" dw.burst. 8
    if wait_log "$L3" "migration: the dual-write queue overflowed" && wait_log "$L3" "migration: image rebuilt from the metadata log up to offset [0-9]+"; then
        ok "the queue overflowed and the image was rebuilt from the metadata log"
    else
        not_ok "queue overflow and rebuild"; grep "migration" "$CTL_DIR/node-$L3.log" | tail -5 | sed 's/^/#   /'
    fi
    missing="" deadline=$((SECONDS + WAIT_S))
    for k in 7 6 5 4 3 2 1 0; do
        left=$((deadline - SECONDS)); [ $left -lt 1 ] && left=1
        dw zkwait "$ZC" "/brokers/topics/dw.burst.$k/partitions/0/state" present "$left" >/dev/null || missing+=" dw.burst.$k"
    done
    if [ -z "$missing" ]; then ok "after the overflow every burst topic reached ZooKeeper (full reconciliation)"
    else not_ok "burst topics missing from ZooKeeper:$missing"; fi
    # A znode damaged behind the driver's back is repaired by the periodic reconciliation
    # (zookeeper.metadata.migration.reconcile.interval.ms=2000) without any new write.
    P0=/brokers/topics/dw.burst.0/partitions/0/state
    dw zkset "$ZC" $P0 '{"controller_epoch":1,"leader":99,"version":1,"leader_epoch":77,"isr":[99]}'
    if dw zkwait "$ZC" $P0 "d['leader']!=99 and d['leader_epoch']!=77" "$WAIT_S" >/dev/null; then
        ok "a partition state rewritten behind the driver's back is repaired by the periodic reconciliation"
    else not_ok "periodic reconciliation repairs $P0"; fi
else
    not_ok "restarted controllers (small queue) elect a leader"
fi

# ---- a quorum not made for dual-write (POST_MIGRATION) never touches ZooKeeper ----
for i in $CTL_IDS; do ctl_kill "$i" 15; done
ce_before=$(dw zkstat "$ZC" /controller_epoch)
SOLO=$TMP/solo
sport=$(ctl_free_ports 1)
if "$ZK2KRAFT" migrate --fixture "$ROOT/fixtures/demo.xml" --controllers "9@127.0.0.1:$sport" --out "$SOLO" >"$TMP/solo.out" 2>&1; then
    printf 'zookeeper.metadata.migration.enable=true\nzookeeper.connect=%s\n' "$ZC" >>"$SOLO/node-9/controller.properties"
    "$ZK2KRAFT" controller --config "$SOLO/node-9/controller.properties" >"$TMP/solo.log" 2>&1 &
    solo_pid=$!
    deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ] && ! grep -q "ZkMigrationState is" "$TMP/solo.log"; do sleep 0.1; done
    if grep -q "migration: the metadata's ZkMigrationState is 3, not MIGRATION (1)" "$TMP/solo.log"; then
        ok "a POST_MIGRATION quorum with migration enabled logs an error and stays INACTIVE"
    else not_ok "POST_MIGRATION refused"; tail -5 "$TMP/solo.log" | sed 's/^/#   /'; fi
    sleep 1
    kill -TERM "$solo_pid"; wait "$solo_pid"
    if grep -qE "fatal|runtime error|Sanitizer" "$TMP/solo.log"; then not_ok "the single controller logged a fatal or sanitizer error"; fi
    if [ "$(dw zkstat "$ZC" /controller_epoch)" = "$ce_before" ] && ! grep -q "claimed ZooKeeper" "$TMP/solo.log"; then
        ok "it claimed nothing: /controller_epoch unchanged"
    else not_ok "a POST_MIGRATION quorum changed /controller_epoch"; fi
else
    not_ok "migrate (POST_MIGRATION) for one controller"; sed 's/^/#   /' "$TMP/solo.out" | tail -5
fi

# ---- a follower that installs a snapshot, then leads: the driver's image comes from the install ----
# Node 1 is down while 2 and 3 write enough to snapshot and clean their logs; node 1 then
# catches up by FetchSnapshot. 2 and 3 get long election timeouts so that node 1 leads next.
for i in $CTL_IDS; do echo "metadata.log.max.record.bytes.between.snapshots=4000" >>"$CTL_DIR/node-$i/controller.properties"; done
for i in 2 3; do echo "controller.quorum.election.timeout.ms=15000" >>"$CTL_DIR/node-$i/controller.properties"; done
for i in 2 3; do ctl_start "$i"; done
if out=$(ctl_wait_leader 1 2 3); then
    read -r L4 E4 _ <<<"$out"
    ok "nodes 2 and 3 elect a leader ($L4, epoch $E4) while node 1 is down"
    check "create 40 topics through leader $L4" dw createmany "127.0.0.1:${CTL_CLIENT_PORT[$L4]}" dw.snap. 40
    if wait_log "$L4" "snapshot [0-9]+-[0-9]+ written"; then ok "leader $L4 wrote a snapshot"; else not_ok "leader $L4 wrote a snapshot"; fi
    sleep 1
    loaded_before=$(grep -c "metadata: loaded snapshot" "$CTL_DIR/node-1.log")
    ctl_start 1
    deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ] && [ "$(grep -c "metadata: loaded snapshot" "$CTL_DIR/node-1.log")" -le $((loaded_before + 1)) ]; do sleep 0.1; done
    if [ "$(grep -c "metadata: loaded snapshot" "$CTL_DIR/node-1.log")" -gt $((loaded_before + 1)) ]; then
        ok "node 1 installed the leader's snapshot ($(grep -o 'metadata: loaded snapshot [0-9-]*' "$CTL_DIR/node-1.log" | tail -1))"
    else not_ok "node 1 installs a snapshot"; grep -E "snapshot|raft:" "$CTL_DIR/node-1.log" | tail -5 | sed 's/^/#   /'; fi
    sleep 1
    ctl_kill "$L4" 15 # resign: node 1 (1 s election timeout) stands first
    if out=$(ctl_wait_leader $((E4 + 1)) 1 2 3) && read -r L5 E5 _ <<<"$out" && [ "$L5" = 1 ]; then
        ok "node 1 leads epoch $E5"
        check "create dw.after-install through node 1" dw create "127.0.0.1:${CTL_CLIENT_PORT[1]}" dw.after-install 1 3
        if dw zkwait "$ZC" /brokers/topics/dw.after-install/partitions/0/state "d['controller_epoch']==$E5" "$WAIT_S" >/dev/null &&
           dw zkget "$ZC" /brokers/topics/dw.snap.39 >/dev/null; then
            ok "node 1 dual-writes from the installed image (dw.snap.39 reconciled, dw.after-install written)"
        else not_ok "node 1 dual-writes after the install"; grep migration "$CTL_DIR/node-1.log" | tail -5 | sed 's/^/#   /'; fi
    else
        not_ok "node 1 leads after $L4 resigns (${out:-no leader})"
    fi
else
    not_ok "nodes 2 and 3 elect a leader"
fi
for i in $CTL_IDS; do ctl_kill "$i" 15; done

# ---- a lower epoch is refused; a stale /migration offset makes the leader wait ----
DW1=$TMP/solo-dw
sport=$(ctl_free_ports 1)
if "$ZK2KRAFT" migrate --fixture "$ROOT/fixtures/demo.xml" --controllers "8@127.0.0.1:$sport" --out "$DW1" --dual-write >"$TMP/dw1.out" 2>&1; then
    printf 'zookeeper.metadata.migration.enable=true\nzookeeper.connect=%s\n' "$ZC" >>"$DW1/node-8/controller.properties"
    "$ZK2KRAFT" controller --config "$DW1/node-8/controller.properties" >"$TMP/dw1.log" 2>&1 &
    p8=$!
    deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ] && ! grep -q "migration: fenced" "$TMP/dw1.log"; do sleep 0.1; done
    if grep -qE "migration: fenced: /controller is held by KRaft controller [0-9]+ with kraftControllerEpoch [0-9]+ >= our epoch" "$TMP/dw1.log"; then
        ok "a leader whose epoch is below /controller's kraftControllerEpoch does not claim"
    else not_ok "claim refused for a lower epoch"; grep migration "$TMP/dw1.log" | tail -3 | sed 's/^/#   /'; fi
    kill -TERM $p8; wait $p8
    # as a rollback would: /controller removed; /migration left by "another cluster"
    dw zkdelete "$ZC" /controller
    dw zkset "$ZC" /migration '{"version":0,"kraft_controller_id":77,"kraft_controller_epoch":77,"kraft_metadata_offset":1000000000,"kraft_metadata_epoch":77}'
    "$ZK2KRAFT" controller --config "$DW1/node-8/controller.properties" >>"$TMP/dw1.log" 2>&1 &
    p8=$!
    deadline=$((SECONDS + WAIT_S))
    while [ $SECONDS -lt $deadline ] && ! grep -q "migration: waiting" "$TMP/dw1.log"; do sleep 0.1; done
    if grep -qE "migration: waiting: the image is at offset [0-9]+ but /migration says ZooKeeper reflects offset 1000000000" "$TMP/dw1.log" &&
       ! grep -q "migration: reconciled" "$TMP/dw1.log"; then
        ok "a stale /migration offset: the leader claims, then waits (logged) and reconciles nothing"
    else not_ok "stale /migration offset"; grep migration "$TMP/dw1.log" | tail -3 | sed 's/^/#   /'; fi
    kill -TERM $p8; wait $p8
    if grep -qE "fatal|runtime error|Sanitizer" "$TMP/dw1.log"; then not_ok "the single controller logged a fatal or sanitizer error"; fi
else
    not_ok "migrate --dual-write for one controller"; sed 's/^/#   /' "$TMP/dw1.out" | tail -5
fi

for i in $CTL_IDS; do
    if grep -qE "fatal|runtime error|Sanitizer" "$CTL_DIR/node-$i.log"; then
        not_ok "node $i logged no fatal or sanitizer error"; grep -E "fatal|runtime error|Sanitizer" "$CTL_DIR/node-$i.log" | head -5 | sed 's/^/#   /'
    else ok "node $i logged no fatal or sanitizer error"; fi
done
finish
