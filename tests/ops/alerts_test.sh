#!/usr/bin/env bash
# The hub's Prometheus alerting rules (config/alerts.yml, docs/OPERATIONS.md "Alerts"): promtool
# must accept them, and their unit tests (tests/ops/alerts_test.yml: input series, which alerts
# fire and which do not, with their labels and annotations) must pass. Skipped (exit 77) when
# promtool is missing; scripts/setup.sh installs it (Debian's prometheus). Every runbook_url
# must name a section of docs/OPERATIONS.md (its GitHub anchor), and so must every link of
# the runbook to itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
# GitHub's anchors: lower case, punctuation but '-' dropped, spaces as '-'.
anchors="$(sed -n 's/^#\{1,6\} //p' "$root/docs/OPERATIONS.md" | tr 'A-Z' 'a-z' |
           sed 's/[^a-z0-9 -]//g; s/ /-/g')"
missing=0
for url in $(sed -n 's/.*runbook_url: "docs\/OPERATIONS.md#\([^"]*\)".*/\1/p' "$root/config/alerts.yml") \
           $(grep -o '](#[^)]*)' "$root/docs/OPERATIONS.md" | sed 's/^](#//; s/)$//'); do
  grep -qx -- "$url" <<<"$anchors" || { echo "#$url: no such section in docs/OPERATIONS.md"; missing=1; }
done
[ "$(grep -c 'runbook_url:' "$root/config/alerts.yml")" -gt 0 ] || { echo "no runbook_url found"; exit 1; }
[ "$missing" = 0 ] || exit 1
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool is not installed (scripts/setup.sh installs Debian's prometheus): skipped"
  exit 77
fi
promtool check rules "$root/config/alerts.yml"
promtool test rules "$here/alerts_test.yml"
