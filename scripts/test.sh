#!/usr/bin/env bash
# Runs every test this project has: typecheck, lint, unit tests (mocks + real shells), then the
# end-to-end scenarios against SSH hosts in network namespaces with the real Pulumi engine.
#   scripts/test.sh            # everything (installs what it needs; root for Debian packages)
#   scripts/test.sh --unit     # skip the end-to-end scenarios
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
unit_only=0
# Help wherever it is asked for (scripts/test.sh --unit --help), before any check runs.
for arg in "$@"; do
  case "$arg" in -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
done
for arg in "$@"; do
  case "$arg" in
    --unit) unit_only=1 ;;
    *) { echo "test.sh: unknown option '$arg'. Fix: run scripts/test.sh or scripts/test.sh --unit"; sed -n '2,5s/^# \{0,1\}//p' "$0"; } >&2; exit 2 ;;
  esac
done

debs=(shellcheck)
# The end-to-end lab needs real sshd, network namespaces, sudo, the stand-ins' python and openssl (the etcd stand-in's certificates).
[ "$unit_only" = 0 ] && debs+=(openssh-server openssh-client iproute2 iptables sudo curl ca-certificates openssl python3 python3-yaml)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing Debian packages: ${missing[*]}. Fix: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -n "${CI:-}" ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

echo "== typecheck"; npx tsc --noEmit -p .
echo "== lint"; npx eslint .
echo "== unit tests"
status=0
npx jest --ci --json --outputFile="$results/unit.json" || status=1

if [ "$unit_only" = 0 ]; then
  echo "== Pulumi toolchain (built from Go modules unless on PATH; cached)"
  test/e2e/toolchain/build.sh >/dev/null
  echo "== end-to-end"
  npx jest --ci -c test/e2e/jest.config.js --runInBand --json --outputFile="$results/e2e.json" || status=1
fi

files=("$results/unit.json")
[ "$unit_only" = 0 ] && files+=("$results/e2e.json")
# Plain closing line, since CI reads 'N passed, N failed' whatever the runner.
# shellcheck disable=SC2016
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "${files[@]}"
exit "$status"
