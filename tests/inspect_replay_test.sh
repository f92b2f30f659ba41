#!/usr/bin/env bash
# End to end: a real `corridor demo` writes a data directory; `corridor inspect` replays its
# journal twice and must print the same state hash both times, with the invariants holding.
set -euo pipefail
corridor="$1"
dir="$(mktemp -d /tmp/corridor-inspect-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
"$corridor" demo --data "$dir/data" > "$dir/demo.out"
"$corridor" inspect --data "$dir/data" > "$dir/first.out"
"$corridor" inspect --data "$dir/data" > "$dir/second.out"
first="$(grep '^state hash: ' "$dir/first.out")"
second="$(grep '^state hash: ' "$dir/second.out")"
[ -n "$first" ] || { echo "no state hash printed"; cat "$dir/first.out"; exit 1; }
[ "$first" = "$second" ] || { echo "hash changed between replays: $first vs $second"; exit 1; }
grep -q '^invariants: ok$' "$dir/first.out" || { echo "invariants not ok"; cat "$dir/first.out"; exit 1; }
grep -q '^transfers: 9$' "$dir/first.out" || { echo "expected the demo's 9 transfers"; cat "$dir/first.out"; exit 1; }
echo "same hash on two replays: $first"
