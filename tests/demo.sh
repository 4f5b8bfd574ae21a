#!/usr/bin/env bash
# make demo: what zk2kraft does today, on an embedded default, start to finish.
# Formats a controller's metadata directory like kafka-storage format, then reads
# what it wrote back through the same codecs every other part uses.
set -euo pipefail
BIN=${1:-bin/zk2kraft}
work=$(mktemp -d /tmp/zk2kraft-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

cluster_id=$("$BIN" random-uuid)
cat > "$work/controller.properties" <<PROPS
process.roles=controller
node.id=3000
controller.quorum.voters=3000@127.0.0.1:19093
listeners=CONTROLLER://127.0.0.1:19093
controller.listener.names=CONTROLLER
metadata.log.dir=$work/metadata
PROPS

step "A fresh cluster id" "zk2kraft random-uuid"
echo "$cluster_id"

step "Format the controller's metadata directory (like kafka-storage format)" \
     "zk2kraft format --config controller.properties --cluster-id $cluster_id"
"$BIN" format --config "$work/controller.properties" --cluster-id "$cluster_id"
ls -l "$work/metadata"
cat "$work/metadata/meta.properties"

step "Dump bootstrap.checkpoint, batch by batch" "zk2kraft log dump metadata/bootstrap.checkpoint"
"$BIN" log dump "$work/metadata/bootstrap.checkpoint"

step "The same as JSON lines, for scripts" "zk2kraft log dump --output json metadata/bootstrap.checkpoint"
"$BIN" log dump --output json "$work/metadata/bootstrap.checkpoint"

step "Fold it into the metadata image" "zk2kraft log image metadata/bootstrap.checkpoint"
"$BIN" log image "$work/metadata/bootstrap.checkpoint"

echo
echo "Next: 'zk2kraft --help' lists every command; docs/ explains the formats."
