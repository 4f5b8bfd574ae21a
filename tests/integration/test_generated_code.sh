#!/usr/bin/env bash
# The committed kraft/gen/ output must be what generate.py makes from Kafka's schemas.
set -u
cd "$(dirname "$0")/../.."
schemas="${SHARED:-../shared}/kafka-schemas"
if [ ! -d "$schemas" ]; then
    echo "skip - generated code matches schemas: $schemas is absent"
    exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gen" "$tmp/support"
python3 kraft/gen/generate.py "$schemas" "$tmp/gen" "$tmp/support"
ok=1
for f in "$tmp"/gen/*; do cmp -s "$f" "kraft/gen/$(basename "$f")" || { echo "# differs: kraft/gen/$(basename "$f")"; ok=0; }; done
for f in "$tmp"/support/*; do cmp -s "$f" "tests/support/$(basename "$f")" || { echo "# differs: tests/support/$(basename "$f")"; ok=0; }; done
if [ $ok = 1 ]; then echo "ok - generated code matches schemas"; else echo "not ok - generated code matches schemas (run: make gen)"; fi
