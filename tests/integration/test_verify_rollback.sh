#!/usr/bin/env bash
# verify and rollback against a real ZooKeeper 3.8 and real controller processes:
# fixtures migrated with --dual-write are in sync with their metadata dirs; each znode tampered
# with kazoo (topic config value, ISR, ACL removed, topic deleted) is exactly one reported
# difference; JSON and JUnit output are valid; lag from /migration; --watch --until-in-sync
# returns once a tampered znode is repaired; a 3-controller quorum booted from the migrate
# output is in sync through --bootstrap-controller (Raft observer: FetchSnapshot + Fetch) and
# --bootstrap-server (librdkafka); rollback refuses a finalized (POST_MIGRATION) dir and a live
# quorum, removes a KRaft-held /controller and /migration from a MIGRATION dir, --dry-run
# changes nothing, a ZooKeeper broker's /controller is left alone, and a znode rewritten
# between rollback's read and its delete makes it remove nothing (tests/unit/test_rollback_zk).
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. tests/integration/lib.sh
BIN=$ZK2KRAFT
ZKS=tests/support/zk-server.sh
W=$(mktemp -d /tmp/verify-it.XXXXXX)
ZK2KRAFT=$BIN CTL_DIR=$W/ctl CTL_IDS="1 2 3"
. tests/support/controllers.sh
cleanup() { ctl_stop_all; [ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null; $ZKS stop "$W/zk" 2>/dev/null; rm -rf "$W" "$TMP"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! command -v java >/dev/null || [ ! -e /usr/share/java/zookeeper.jar ]; then
    skip "verify/rollback integration" "ZooKeeper (Debian package zookeeper) is not installed"; exit 0
fi
if ! /usr/bin/python3 -c 'import kazoo' 2>/dev/null; then
    skip "verify/rollback integration" "python3-kazoo (Debian) is not installed"; exit 0
fi
Z=$($ZKS start "$W/zk") || { not_ok "start ZooKeeper"; finish; }
ok "ZooKeeper serving on $Z"

# zk CHROOT ACTION ARGS...: small kazoo edits (Debian's python3-kazoo needs /usr/bin/python3)
zk() {
    /usr/bin/python3 - "$Z$1" "${@:2}" <<'PY'
import json, sys
from kazoo.client import KazooClient
hosts, action, args = sys.argv[1], sys.argv[2], sys.argv[3:]
zk = KazooClient(hosts=hosts); zk.start(timeout=30)
def edit(path, fn):
    data, st = zk.get(path); o = json.loads(data); fn(o)
    zk.set(path, json.dumps(o, separators=(",", ":")).encode(), version=st.version)
if action == "set-config":        # path key value
    def f(o): o["config"][args[1]] = args[2]
    edit(args[0], f)
elif action == "drop-isr":        # state path: drop the last ISR member
    def f(o): o["isr"] = o["isr"][:-1]
    edit(args[0], f)
elif action == "drop-acl":        # path principal operation
    def f(o): o["acls"] = [a for a in o["acls"] if not (a["principal"] == args[1] and a["operation"] == args[2])]
    edit(args[0], f)
elif action == "delete-topic":    # name
    zk.delete("/brokers/topics/" + args[0], recursive=True); zk.delete("/config/topics/" + args[0])
elif action == "put":             # path json (create or overwrite)
    if zk.exists(args[0]): zk.set(args[0], args[1].encode())
    else: zk.create(args[0], args[1].encode(), makepath=True)
elif action == "delete":
    if zk.exists(args[0]): zk.delete(args[0])
elif action == "exists":          # prints yes/no
    print("yes" if zk.exists(args[0]) else "no")
elif action == "get":
    print(zk.get(args[0])[0].decode())
zk.stop()
PY
}

load_migrate() { # FIXTURE CHROOT OUT [migrate args]
    "$BIN" load "$1" --zookeeper "$Z$2" >"$W/load.log" 2>&1 &&
        "$BIN" migrate --zookeeper "$Z$2" --controllers 3000@127.0.0.1:19093 --out "$3" "${@:4}" >"$W/migrate.log" 2>&1
}

# ---- in sync right after `migrate --dual-write`, for several fixtures -------------------
for f in kafka3-topic-ids acls scram-users demo configs-all-levels; do
    extra=()
    [ -e "fixtures/$f.migrate" ] && extra=(--command-config "fixtures/$f.migrate")
    if ! load_migrate "fixtures/$f.xml" "/$f" "$W/out-$f" --dual-write "${extra[@]}"; then
        not_ok "load + migrate --dual-write $f"; sed 's/^/#   /' "$W/load.log" "$W/migrate.log" | head; continue
    fi
    expect_exit "verify --metadata-dir: $f in sync (exit 0)" 0 \
        "$BIN" verify --zookeeper "$Z/$f" --metadata-dir "$W/out-$f/node-3000" "${extra[@]}"
    expect_grep "verify $f prints 'in sync'" '^in sync$' "$TMP/out"
done

# ---- tampered znodes: exactly that entity ------------------------------------------------
base=$W/out-kafka3-topic-ids/node-3000
tamper() { # NAME CHROOT FIXTURE AGAINST EXPECTED-LINE ACTION ARGS...
    local name=$1 root=$2 fixture=$3 against=$4 want=$5; shift 5
    "$BIN" load "$fixture" --zookeeper "$Z$root" >/dev/null 2>&1 || { not_ok "load $fixture into $root"; return; }
    zk "$root" "$@" || { not_ok "tamper $name"; return; }
    "$BIN" verify --zookeeper "$Z$root" --metadata-dir "$against" >"$W/t.out" 2>"$W/t.err"
    local rc=$?
    if [ $rc = 1 ] && grep -qxF -- "$want" "$W/t.out" && grep -qx "drift: 1 difference" "$W/t.out" &&
        [ "$(grep -c '^[-+~] ' "$W/t.out")" = 1 ]; then
        ok "verify finds tampered $name (exit 1, exactly: $want)"
    else
        not_ok "verify finds tampered $name (exit $rc)"; sed 's/^/#   /' "$W/t.out" "$W/t.err" | head -20
    fi
}
tamper "topic config value" /t-config fixtures/kafka3-topic-ids.xml "$base" \
    "~ configs topic:orders/retention.ms value: 1000 -> 604800000" set-config /config/topics/orders retention.ms 1000
tamper "partition ISR" /t-isr fixtures/kafka3-topic-ids.xml "$base" \
    "~ partitions orders-0 isr: [1,2] -> [1,2,3]" drop-isr /brokers/topics/orders/partitions/0/state
tamper "ACL removed" /t-acl fixtures/acls.xml "$W/out-acls/node-3000" \
    "+ acls resource_type=2 pattern=3 name=orders principal=User:alice host=* operation=3 permission=3 (only in kraft)" \
    drop-acl /kafka-acl/Topic/orders User:alice Read
# a deleted topic takes its partitions along: the topic line names it, nothing else differs
"$BIN" load fixtures/kafka3-topic-ids.xml --zookeeper "$Z/t-topic" >/dev/null 2>&1 && zk /t-topic delete-topic payments.v2
"$BIN" verify --zookeeper "$Z/t-topic" --metadata-dir "$base" --output json --junit "$W/t-topic.xml" >"$W/t-topic.json" 2>&1
rc=$?
"$BIN" verify --zookeeper "$Z/t-topic" --metadata-dir "$base" >"$W/t-topic.txt" 2>&1
others=$(grep '^[-+~] ' "$W/t-topic.txt" | grep -v ' payments\.v2' | wc -l)
if [ $rc = 1 ] && grep -qx "+ topics payments.v2 (only in kraft)" "$W/t-topic.txt" && [ "$others" = 0 ]; then
    ok "verify finds a deleted topic (exit 1, + topics payments.v2, nothing else)"
else not_ok "verify finds a deleted topic (exit $rc)"; sed 's/^/#   /' "$W/t-topic.txt" | head; fi
if /usr/bin/python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
keys={(x["entity"],x["key"]) for x in d["differences"]}
ok = d["in_sync"] is False and ("topics","payments.v2") in keys and d["kraft"]["source"]=="metadata-dir" \
     and "lag_offsets" in d and "migration" in d["zookeeper"] and all(k[1].startswith("payments.v2") for k in keys)
sys.exit(0 if ok else 1)' "$W/t-topic.json"; then ok "verify --output json: valid, in_sync false, names the topic"
else not_ok "verify --output json"; sed 's/^/#   /' "$W/t-topic.json" | head -30; fi
if xmllint --noout "$W/t-topic.xml" 2>/dev/null && [ "$(xmllint --xpath 'count(//testcase)' "$W/t-topic.xml")" = 10 ] &&
    [ "$(xmllint --xpath 'count(//testcase[@name="topics in sync between zookeeper and kraft"]/failure)' "$W/t-topic.xml")" = 1 ]; then
    ok "verify --junit: valid XML, one testcase per entity type, topics fails"
else not_ok "verify --junit"; sed 's/^/#   /' "$W/t-topic.xml" | head -30; fi

# ---- lag from /migration -------------------------------------------------------------
committed=$("$BIN" verify --zookeeper "$Z/kafka3-topic-ids" --metadata-dir "$base" --output json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["kraft"]["committed_offset"])')
zk /kafka3-topic-ids put /migration \
    "{\"version\":0,\"kraft_controller_id\":3000,\"kraft_controller_epoch\":1,\"kraft_metadata_offset\":$((committed - 3)),\"kraft_metadata_epoch\":1}"
expect_exit "verify with /migration 3 offsets behind: still in sync" 0 \
    "$BIN" verify --zookeeper "$Z/kafka3-topic-ids" --metadata-dir "$base"
expect_grep "verify reports 'lag: 3 offsets'" '^lag: 3 offsets$' "$TMP/out"
zk /kafka3-topic-ids delete /migration

# ---- --watch ------------------------------------------------------------------------------
"$BIN" load fixtures/kafka3-topic-ids.xml --zookeeper "$Z/w" >/dev/null 2>&1
zk /w set-config /config/topics/orders retention.ms 1000
: >"$W/watch.out"
"$BIN" verify --zookeeper "$Z/w" --metadata-dir "$base" --watch 0.5 --until-in-sync --timeout 120 >"$W/watch.out" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 200); do grep -q "drift: 1 difference," "$W/watch.out" && break; sleep 0.1; done
zk /w set-config /config/topics/orders retention.ms 604800000 # the repair dual-write would make
wait "$WATCH_PID"; rc=$?; WATCH_PID=
if [ $rc = 0 ] && grep -q "drift: 1 difference, lag" "$W/watch.out" && grep -qE '^converged after [0-9]+ ms' "$W/watch.out" &&
    tail -2 "$W/watch.out" | head -1 | grep -q " in sync, lag"; then
    ok "verify --watch --until-in-sync: drift, then converged, exit 0"
else not_ok "verify --watch --until-in-sync (exit $rc)"; sed 's/^/#   /' "$W/watch.out" | head; fi
expect_exit "verify --watch --timeout with lasting drift exits 1" 1 \
    "$BIN" verify --zookeeper "$Z/t-isr" --metadata-dir "$base" --watch 0.3 --timeout 1
expect_exit "verify without a KRaft side: usage error (exit 2)" 2 "$BIN" verify --zookeeper "$Z/w"
expect_exit "verify --bootstrap-controller unreachable: exit 2" 2 \
    "$BIN" verify --zookeeper "$Z/w" --bootstrap-controller 127.0.0.1:1 --timeout-ms 2000
expect_grep "the error names the controller" "bootstrap-controller 127.0.0.1:1" "$TMP/err"

# ---- rollback (stopped controllers) --------------------------------------------------------
if load_migrate fixtures/kafka3-topic-ids.xml /rb-post "$W/rb-post"; then ok "migrate (offline: POST_MIGRATION)"
else not_ok "migrate (offline)"; fi
zk /rb-post put /controller '{"version":2,"brokerid":3000,"timestamp":"1700000000000","kraftControllerEpoch":5}'
zk /rb-post put /migration '{"version":0,"kraft_controller_id":3000,"kraft_controller_epoch":5,"kraft_metadata_offset":14,"kraft_metadata_epoch":1}'
"$BIN" dump --zookeeper "$Z/rb-post" --all -o "$W/before.xml" >/dev/null 2>&1
expect_exit "rollback refuses a finalized migration (exit 1)" 1 \
    "$BIN" rollback --zookeeper "$Z/rb-post" --metadata-dir "$W/rb-post/node-3000" --force
expect_grep "rollback says finalized, rollback is impossible" "finalized: .*rollback is impossible" "$TMP/err"
expect_exit "rollback without evidence refuses (exit 1)" 1 "$BIN" rollback --zookeeper "$Z/rb-post"
expect_grep "rollback says why it needs evidence" "finalization is only recorded in the KRaft metadata log" "$TMP/err"
"$BIN" dump --zookeeper "$Z/rb-post" --all -o "$W/after.xml" >/dev/null 2>&1
cmp -s "$W/before.xml" "$W/after.xml" && ok "refused rollbacks changed nothing in ZooKeeper" ||
    not_ok "refused rollbacks changed nothing in ZooKeeper"

mig=$W/out-kafka3-topic-ids/node-3000 # migrate --dual-write: ZkMigrationState MIGRATION
"$BIN" load fixtures/kafka3-topic-ids.xml --zookeeper "$Z/rb" >/dev/null 2>&1
zk /rb delete /controller
zk /rb put /controller '{"version":2,"brokerid":3000,"timestamp":"1700000000000","kraftControllerEpoch":5}'
zk /rb put /migration '{"version":0,"kraft_controller_id":3000,"kraft_controller_epoch":5,"kraft_metadata_offset":14,"kraft_metadata_epoch":1}'
expect_exit "rollback --dry-run exits 0" 0 "$BIN" rollback --zookeeper "$Z/rb" --metadata-dir "$mig" --dry-run
expect_grep "rollback --dry-run lists /controller" '^would remove /controller \(version 0\)$' "$TMP/out"
[ "$(zk /rb exists /controller)$(zk /rb exists /migration)" = yesyes ] && ok "rollback --dry-run changed nothing" ||
    not_ok "rollback --dry-run changed nothing"
expect_exit "rollback of a MIGRATION dir exits 0" 0 "$BIN" rollback --zookeeper "$Z/rb" --metadata-dir "$mig"
cp "$TMP/out" "$W/rb.out"
expect_grep "rollback prints /controller's content" '^/controller \(version 0\): .*"kraftControllerEpoch":5' "$W/rb.out"
expect_grep "rollback prints /migration's content" '^/migration \(version 0\): .*"kraft_metadata_offset":14' "$W/rb.out"
expect_grep "rollback prints what it removed" '^removed /migration \(version 0\)$' "$W/rb.out"
expect_grep "rollback prints next steps for brokers already in KRaft mode" "already run in KRaft mode" "$W/rb.out"
[ "$(zk /rb exists /controller)$(zk /rb exists /migration)" = nono ] && ok "rollback removed /controller and /migration" ||
    not_ok "rollback removed /controller and /migration"
expect_exit "rollback again: nothing to do (exit 0)" 0 "$BIN" rollback --zookeeper "$Z/rb" --metadata-dir "$mig"
expect_grep "rollback again says nothing to do" "^nothing to do" "$TMP/out"
# a ZooKeeper broker already won the election: its /controller stays
zk /rb put /controller '{"version":2,"brokerid":1,"timestamp":"1700000000000","kraftControllerEpoch":-1}'
zk /rb put /migration '{"version":0,"kraft_controller_id":3000,"kraft_controller_epoch":5,"kraft_metadata_offset":14,"kraft_metadata_epoch":1}'
expect_exit "rollback with a ZooKeeper broker as controller exits 0" 0 "$BIN" rollback --zookeeper "$Z/rb" --metadata-dir "$mig"
expect_grep "rollback says the broker's /controller is left" "left in place" "$TMP/out"
[ "$(zk /rb exists /controller)$(zk /rb exists /migration)" = yesno ] && ok "rollback kept the broker's /controller, removed /migration" ||
    not_ok "rollback kept the broker's /controller, removed /migration"

# the conditional multi against a real ZooKeeper: a znode rewritten between read and delete
RACE=$ROOT/${BUILD:-build/release}/tests/test_rollback_zk
if [ -x "$RACE" ]; then
    if ZK2KRAFT_TEST_ZK=$Z "$RACE" >"$W/race.log" 2>&1 && grep -q '^\[  PASSED  \] 2 test' "$W/race.log"; then
        ok "rollback refuses when /controller or /migration was rewritten between read and delete (nothing removed)"
    else not_ok "rollback race (test_rollback_zk)"; sed 's/^/#   /' "$W/race.log" | head -20; fi
else skip "rollback race" "$RACE is not built"; fi

# ---- a running quorum: observer read, client view, rollback refusal -------------------------
ctl_ports
if "$BIN" migrate --zookeeper "$Z/demo" --controllers "$CTL_VOTERS" --out "$CTL_DIR" --dual-write >"$W/m.log" 2>&1; then
    ctl_add_client_listeners
    for i in $CTL_IDS; do ctl_start "$i"; done
    if out=$(ctl_wait_leader 1 $CTL_IDS); then
        ok "3 controllers from migrate --dual-write output elect a leader ($out)"
        for i in $CTL_IDS; do
            n=0; while [ $n -lt 100 ] && ! ctl_client_listening "$i"; do sleep 0.1; n=$((n + 1)); done
        done
        follower=1; read -r leader _ <<<"$out"; [ "$leader" = 1 ] && follower=2
        expect_exit "verify --bootstrap-controller (a follower's listener) in sync" 0 \
            "$BIN" verify --zookeeper "$Z/demo" --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$follower]}" --output json
        if python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); k=d["kraft"]
sys.exit(0 if d["in_sync"] and k["source"]=="bootstrap-controller" and k["snapshot"] and k["high_watermark"]>k["snapshot"]["end_offset"]
         and k["committed_offset"]==k["high_watermark"]-1 and k["zk_migration_state"]=="MIGRATION" else 1)' "$TMP/out"; then
            ok "observer read: snapshot fetched, log read up to the high watermark, committed = HW - 1"
        else not_ok "observer read details"; sed 's/^/#   /' "$TMP/out" | head -30; fi
        expect_exit "verify --bootstrap-server (librdkafka) in sync" 0 \
            "$BIN" verify --zookeeper "$Z/demo" --bootstrap-server "127.0.0.1:${CTL_CLIENT_PORT[1]}"
        expect_grep "verify --bootstrap-server names what it cannot compare" "not compared .*quotas, scram, tokens" "$TMP/out"
        "$BIN" load fixtures/demo.xml --zookeeper "$Z/demo-t" >/dev/null 2>&1
        topic=payments.commands # demo.xml sets its retention.ms
        zk /demo-t set-config "/config/topics/$topic" retention.ms 1234
        expect_exit "verify --bootstrap-server finds a changed topic config (exit 1)" 1 \
            "$BIN" verify --zookeeper "$Z/demo-t" --bootstrap-server "127.0.0.1:${CTL_CLIENT_PORT[2]}"
        expect_grep "the client-view difference names the config" "^~ configs topic:$topic/retention.ms value: 1234 -> " "$TMP/out"
        zk /demo put /controller '{"version":2,"brokerid":1,"timestamp":"1700000000000","kraftControllerEpoch":2}'
        expect_exit "rollback refuses while the quorum runs in MIGRATION (exit 1)" 1 \
            "$BIN" rollback --zookeeper "$Z/demo" --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[1]}"
        expect_grep "rollback says to stop the controllers first" "stop the controllers first" "$TMP/err"
        [ "$(zk /demo exists /controller)" = yes ] && ok "refused rollback kept /controller" || not_ok "refused rollback kept /controller"
        expect_exit "rollback --force with a running quorum exits 0" 0 \
            "$BIN" rollback --zookeeper "$Z/demo" --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[1]}" --force
    else
        not_ok "3 controllers elect a leader"; tail -5 "$CTL_DIR"/node-*.log | sed 's/^/#   /'
    fi
else
    not_ok "migrate --dual-write for the quorum"; sed 's/^/#   /' "$W/m.log" | head
fi
finish
