#!/usr/bin/env bash
# The hub's Prometheus alerting rules (config/alerts.yml, docs/OPERATIONS.md "Alerts"): promtool
# must accept them, and their unit tests (tests/ops/alerts_test.yml: input series, which alerts
# fire and which do not, with their labels and annotations) must pass. Skipped (exit 77) when
# promtool is missing; scripts/setup.sh installs it (Debian's prometheus).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool is not installed (scripts/setup.sh installs Debian's prometheus): skipped"
  exit 77
fi
promtool check rules "$here/../../config/alerts.yml"
promtool test rules "$here/alerts_test.yml"
