#!/usr/bin/env bash
# End to end: a real `corridor demo` (the hub as a process, simulated banks, payments both ways,
# card authorizations both ways with completions, a reversal, a timeout and stand-in, the
# settlement window closed and settled, a restart from the journal) writes a data directory;
# `corridor inspect` replays its journal twice and must print the same state hash both times,
# with the invariants holding.
set -euo pipefail
corridor="$1"
dir="$(mktemp -d /tmp/corridor-inspect-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
"$corridor" demo --data "$dir/data" --payments 400 --authorizations 600 > "$dir/demo.out"
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
# Cards: approvals both ways, the conversion's fields, the reversal acknowledged, the timeout's 91
# and its 0420, stand-in approving and declining, every advice delivered.
expect() { grep -Eq "$1" "$dir/demo.out" || { echo "expected: $2"; cat "$dir/demo.out"; exit 1; }; }
expect '^  Belkart cards at RU acquirers \(RUB -> BYN\) +[0-9]+: 00 [1-9]' "Belkart authorizations approved in Russia"
expect '^  Mir cards at BY acquirers \(BYN -> RUB\) +[0-9]+: 00 [1-9]' "Mir authorizations approved in Belarus"
expect '^card latency under load, .*p50 [0-9.]+ p99 [0-9.]+; BYN -> RUB p50 [0-9.]+ p99 [0-9.]+$' "card latency"
expect '^conversion: field 4 [0-9]{12} \(RUB [0-9.]+, 49=643\) -> field 6 [0-9]{12} \(BYN [0-9.]+, 51=933\) at field 10 [0-9]{8} ' "a conversion with fields 4, 6, 10, 51"
expect '^completions \(0220\) RUB -> BYN: [1-9][0-9]* acknowledged' "completions of Belkart authorizations"
expect '^reversal \(0420\) of an approved .*\(39=00\): 0430 39=00$' "a reversal acknowledged"
expect '^timeout: .*the acquirer got 39=91, Sberbank got [1-9][0-9]* 0420' "the timeout's 91 and 0420"
expect '^stand-in: Belarusbank signed off: RUB 1000.00 purchase 39=00, RUB 5000.00 purchase 39=61, .*signed on again: ok$' "stand-in approving and declining"
expect '^advices delivered to AKBBBY2X: 0220 [1-9][0-9]*, 0420 [1-9][0-9]*, 0120 stand-in 3 ' "the advices delivered to Belarusbank"
expect '^advices delivered to SABRRUMM: 0220 [1-9][0-9]*, 0420 [1-9][0-9]*, ' "the advices delivered to Sberbank"
# The end of the day: the window closed and settled in full, each currency's settlement agent
# collecting what it pays out, the windows the same after the restart.
expect '^window [0-9]+: closed, opened .*; net positions' "the window closed"
expect '^  RUB: CBRFRUMM collects ([0-9.]+) from the net debtors and pays \1 to the net creditors$' "the Bank of Russia's obligations"
expect '^  BYN: NBRBBY2X collects ([0-9.]+) from the net debtors and pays \1 to the net creditors$' "the National Bank's obligations"
expect '^window [0-9]+: settled, ([0-9]+) of \1 entries settled' "every entry settled"
expect '^restarted from the journal: settlement windows identical$' "the windows replayed"
# The reports: each bank's statement from the participant API, the rest by `corridor report`.
for f in window-*-SABRRUMM.xml window-*-PJCBBY2X.csv window-*-BPSBBY2X-RUB.xml agent-window-*.csv \
         reconciliation-window-*.txt clearing-window-*-ALFARUMM.txt fees-window-*-CRDRRUMMXXX.txt; do
  compgen -G "$dir/data/reports/$f" > /dev/null || { echo "no report $f"; ls "$dir/data/reports"; cat "$dir/demo.out"; exit 1; }
done
grep -q '<Stmt>' "$dir"/data/reports/window-*-SABRRUMM.xml || { echo "the statement is no camt.053"; exit 1; }
"$corridor" inspect --data "$dir/data/hub" > "$dir/first.out"
"$corridor" inspect --data "$dir/data/hub" > "$dir/second.out"
first="$(grep '^state hash: ' "$dir/first.out")"
second="$(grep '^state hash: ' "$dir/second.out")"
[ -n "$first" ] || { echo "no state hash printed"; cat "$dir/first.out"; exit 1; }
[ "$first" = "$second" ] || { echo "hash changed between replays: $first vs $second"; exit 1; }
grep -q '^invariants: ok$' "$dir/first.out" || { echo "invariants not ok"; cat "$dir/first.out"; exit 1; }
grep -q '^participants: 5$' "$dir/first.out" || { echo "expected the demo's 5 participants"; cat "$dir/first.out"; exit 1; }
echo "same hash on two replays: $first"
