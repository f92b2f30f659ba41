#!/usr/bin/env bash
# Installs what corridor needs to build, test and benchmark on Debian 12, then builds it.
# Usage: scripts/setup.sh            (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
# prometheus: promtool checks the hub's /metrics, and the tests start a server of their own on
# loopback (on a machine with systemd the package also starts one on :9090; the tests do not
# use it).
# clang-14 and libclang-rt-14-dev: the libFuzzer targets of the ISO 20022 readers (scripts/fuzz.sh).
# chromium: the console's browser test (tests/console) runs it headless.
PACKAGES=(g++ cmake ninja-build pkg-config libgtest-dev libgmock-dev libisal-dev libxxhash-dev
          libpq-dev postgresql-15 util-linux libboost1.74-dev libsimdjson-dev
          libtomlplusplus-dev tzdata libxml2-dev libxml2-utils libssl-dev openssl
          clang-14 libclang-rt-14-dev libbenchmark-dev prometheus chromium)
# Node.js and npm (the ISO 8583 interoperability tests): the machine's own when it has them (its
# Node.js ships npm, which Debian's npm package conflicts with), else Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The npm iso_8583 package the ISO 8583 interoperability tests run against, at the version
# pinned in tests/interop/package-lock.json.
(cd tests/interop && npm ci --no-audit --no-fund)
# The console's chart library (uPlot), at the version pinned in src/console/package-lock.json:
# the build embeds it into the binary.
(cd src/console && npm ci --no-audit --no-fund)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
