#!/usr/bin/env bash
# End to end: a real `corridor demo` (the hub as a process, simulated banks, payments both ways,
# a restart from the journal) writes a data directory; `corridor inspect` replays its journal
# twice and must print the same state hash both times, with the invariants holding.
set -euo pipefail
corridor="$1"
dir="$(mktemp -d /tmp/corridor-inspect-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
"$corridor" demo --data "$dir/data" --payments 400 > "$dir/demo.out"
grep -q 'restarted from the journal: positions identical, ledger check {"ok":true}' "$dir/demo.out" ||
  { echo "the demo's restart did not check out"; cat "$dir/demo.out"; exit 1; }
# Every payment final: settled, or refused with its reason (the demo's own rules).
grep -Eq '^  payments: 400 sent, 400 final in' <(tr '\r' '\n' < "$dir/demo.out") ||
  { echo "not every payment reached a final status"; cat "$dir/demo.out"; exit 1; }
grep -Eq '^  RJCT RC07 \(hub, at submission\) +[1-9]' "$dir/demo.out" ||
  { echo "expected refusals RC07"; cat "$dir/demo.out"; exit 1; }
grep -Eq '^return: [A-Z0-9]+ returns 100.00 RUB of .*: ACSC$' "$dir/demo.out" ||
  { echo "the partial return was not settled"; cat "$dir/demo.out"; exit 1; }
grep -Eq '^recall: .*camt.029 PDCR; [A-Z0-9]+ accepts, returns it in full: returned' "$dir/demo.out" ||
  { echo "the recall did not end in a return"; cat "$dir/demo.out"; exit 1; }
grep -Eq '^  RJCT AM02 \(payee' "$dir/demo.out" ||
  { echo "expected rejections AM02 by a payee's bank"; cat "$dir/demo.out"; exit 1; }
"$corridor" inspect --data "$dir/data/hub" > "$dir/first.out"
"$corridor" inspect --data "$dir/data/hub" > "$dir/second.out"
first="$(grep '^state hash: ' "$dir/first.out")"
second="$(grep '^state hash: ' "$dir/second.out")"
[ -n "$first" ] || { echo "no state hash printed"; cat "$dir/first.out"; exit 1; }
[ "$first" = "$second" ] || { echo "hash changed between replays: $first vs $second"; exit 1; }
grep -q '^invariants: ok$' "$dir/first.out" || { echo "invariants not ok"; cat "$dir/first.out"; exit 1; }
grep -q '^participants: 5$' "$dir/first.out" || { echo "expected the demo's 5 participants"; cat "$dir/first.out"; exit 1; }
echo "same hash on two replays: $first"
