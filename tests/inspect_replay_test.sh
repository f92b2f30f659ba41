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
# Five deposits and an FX provider's second one, four cap grants; five participants.
grep -q '^transfers: 10$' "$dir/first.out" || { echo "expected the demo's 10 transfers"; cat "$dir/first.out"; exit 1; }
grep -q '^participants: 5$' "$dir/first.out" || { echo "expected the demo's 5 participants"; cat "$dir/first.out"; exit 1; }
# The hash the demo's own restart reached is the one inspect replays to.
demo_hash="$(sed -n 's/^state hash unchanged (\([0-9]*\)).*/\1/p' "$dir/demo.out")"
[ "state hash: $demo_hash" = "$first" ] || { echo "demo reached $demo_hash, inspect $first"; exit 1; }
echo "same hash on two replays: $first"
