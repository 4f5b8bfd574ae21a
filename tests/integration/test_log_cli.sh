#!/usr/bin/env bash
# `log dump`, `log image` and `format` on real files: Kafka-written vectors,
# corrupted copies, and directories formatted here.
set -u
. "$(dirname "$0")/lib.sh"

if [ -d "$VECTORS" ]; then
    for f in "$VECTORS"/kafka-3.9/log/*.log "$VECTORS"/kafka-3.9/snapshot-*/*.checkpoint \
             "$VECTORS"/kafka-3.9/files/bootstrap.checkpoint "$VECTORS"/kafka-3.7-combined/__cluster_metadata-0/*.log \
             "$VECTORS"/public-kafka-*/__cluster_metadata-0/*.checkpoint "$VECTORS"/trunk-2023-12/__cluster_metadata-0/*.log; do
        check "log dump ${f#$VECTORS/}" "$ZK2KRAFT" log dump --output json "$f"
    done

    # JSON lines: every line parses; record lines carry offset, type, version and schema field names.
    "$ZK2KRAFT" log dump --output json "$VECTORS/kafka-3.9/log/00000000000000000000.log" > "$TMP/log.jsonl"
    check "log dump json lines are well formed" python3 - "$TMP/log.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [x for x in recs if x["kind"] == "record"]
assert len(r) == 35, len(r)
assert [x["offset"] for x in r] == list(range(35))
t = [x for x in r if x["type"] == "TopicRecord"][0]
assert t["offset"] == 14 and t["version"] == 0 and t["Name"] == "foo" and t["TopicId"] == "aMxp0cUkQmqUzA7wZ0lBfA", t
lc = r[0]
assert lc["type"] == "LeaderChange" and lc["LeaderId"] == 3000, lc
b = [x for x in recs if x["kind"] == "batch"]
assert len(b) == 4 and all(x["crc_ok"] for x in b)
assert [x["epoch"] for x in b] == [1, 1, 1, 2]
pr2 = [x for x in r if x["type"] == "PartitionRecord" and x["version"] == 2][0]
assert pr2["EligibleLeaderReplicas"] == [3] and pr2["LastKnownElr"] == [], pr2
PY

    # Secrets: masked by default, shown on request.
    snap=$(ls "$VECTORS"/kafka-3.9/snapshot-mv21/*.checkpoint)
    "$ZK2KRAFT" log dump --output json "$snap" > "$TMP/snap.jsonl"
    expect_grep "SCRAM salt masked by default" '"Salt":"\*\*\*\*\*\*"' "$TMP/snap.jsonl"
    "$ZK2KRAFT" log dump --output json --show-secrets "$snap" > "$TMP/snap2.jsonl"
    if grep -q '"Salt":"\*\*\*\*\*\*"' "$TMP/snap2.jsonl"; then not_ok "--show-secrets shows the salt"; else ok "--show-secrets shows the salt"; fi

    # The pre-release segment must be rejected, naming file and byte.
    expect_exit "pre-release PartitionRecord v1 is rejected" 2 "$ZK2KRAFT" log dump "$VECTORS/trunk-2023-11-prerelease/00000000000000000000.log"
    expect_grep "rejection names file, byte and record" '00000000000000000000.log: byte [0-9]+ \(record at offset 24\): PartitionRecord v1' "$TMP/err"

    # A flipped byte inside the CRC-covered part: exit 2, file and byte named.
    cp "$VECTORS/kafka-3.9/log/00000000000000000000.log" "$TMP/bad.log"
    printf '\xff' | dd of="$TMP/bad.log" bs=1 seek=300 conv=notrunc status=none
    expect_exit "corrupt segment exits 2" 2 "$ZK2KRAFT" log dump "$TMP/bad.log"
    expect_grep "corruption names the file and byte offset" 'bad.log.*byte [0-9]+' "$TMP/err"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] && ok "corruption is one line" || not_ok "corruption is one line"
    head -c 1000 "$VECTORS/kafka-3.9/log/00000000000000000000.log" > "$TMP/torn.log"
    expect_exit "truncated segment exits 2" 2 "$ZK2KRAFT" log dump "$TMP/torn.log"
    expect_grep "truncation names the file and byte offset" 'torn.log.*byte [0-9]+' "$TMP/err"

    # The folded image of Kafka's snapshot.
    "$ZK2KRAFT" log image --output json "$snap" > "$TMP/image.json"
    check "log image of the 3.9 snapshot" python3 - "$TMP/image.json" <<'PY'
import json, sys
img = json.load(open(sys.argv[1]))
c = img["counts"]
assert (c["brokers"], c["controllers"], c["topics"], c["partitions"], c["configs"], c["client_quotas"],
        c["scram_credentials"], c["acls"], c["delegation_tokens"]) == (1, 1, 1, 2, 2, 1, 1, 1, 1), c
assert img["metadata_version"] == 21 and img["producer_ids"]["next_producer_id"] == 5000
assert img["topics"][0]["name"] == "foo" and img["topics"][0]["id"] == "aMxp0cUkQmqUzA7wZ0lBfA"
assert img["scram_credentials"][0]["salt"] == "******"
PY
    check "log image of a metadata directory (3.7 combined)" "$ZK2KRAFT" log image --summary "$VECTORS/kafka-3.7-combined"
    expect_grep "3.7 image has 5 topics and 54 partitions" 'topics: 5 .*partitions: 54' "$TMP/out"
else
    skip "Kafka-written vectors" "$VECTORS is absent"
fi

# format: meta.properties + bootstrap.checkpoint, atomically, once.
cat > "$TMP/c.properties" <<PROPS
process.roles=controller
node.id=3000
controller.quorum.voters=3000@127.0.0.1:19093
metadata.log.dir=$TMP/meta
PROPS
id=$("$ZK2KRAFT" random-uuid)
check "format a controller directory" "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id "$id"
expect_grep "meta.properties holds the cluster id" "^cluster.id=$id\$" "$TMP/meta/meta.properties"
expect_grep "meta.properties is version 1 with node.id" '^node.id=3000$' "$TMP/meta/meta.properties"
[ "$(stat -c %s "$TMP/meta/bootstrap.checkpoint")" -eq 249 ] && ok "bootstrap.checkpoint is 249 bytes" || not_ok "bootstrap.checkpoint is 249 bytes"
ls "$TMP/meta" | grep -q tmp && not_ok "no temporary files left" || ok "no temporary files left"
check "bootstrap image" "$ZK2KRAFT" log image --summary "$TMP/meta/bootstrap.checkpoint"
expect_grep "bootstrap image is metadata.version 21" 'metadata.version: 21 \(3.9-IV0\)' "$TMP/out"
expect_exit "format twice is refused" 2 "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id "$id"
expect_exit "--ignore-formatted succeeds" 0 "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id "$id" --ignore-formatted
sed -i "s#$TMP/meta#$TMP/meta37#" "$TMP/c.properties"
check "format at 3.7" "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id "$id" --release-version 3.7
"$ZK2KRAFT" log image --summary "$TMP/meta37/bootstrap.checkpoint" > "$TMP/out"
expect_grep "3.7 means 3.7-IV4" 'metadata.version: 19' "$TMP/out"

# Wrong input: exit 2 with a message.
expect_exit "bad cluster id" 2 "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id not-a-uuid
expect_exit "unknown release" 2 "$ZK2KRAFT" format --config "$TMP/c.properties" --cluster-id "$id" --release-version 9.9
printf 'process.roles=controller\nmetadata.log.dir=%s/x\n' "$TMP" > "$TMP/nonode.properties"
expect_exit "config without node.id" 2 "$ZK2KRAFT" format --config "$TMP/nonode.properties" --cluster-id "$id"
expect_grep "missing node.id is named" 'node.id' "$TMP/err"
expect_exit "unknown flag" 2 "$ZK2KRAFT" log dump --bogus x
expect_exit "no path" 2 "$ZK2KRAFT" log dump
expect_exit "missing file" 2 "$ZK2KRAFT" log image "$TMP/nope.log"
expect_exit "not a metadata file" 2 "$ZK2KRAFT" log dump "$TMP/c.properties"
expect_exit "unknown command" 2 "$ZK2KRAFT" frobnicate
finish
