#!/usr/bin/env bash
# Proves the toolchain from build.sh runs `pulumi up` with no network: the CLI runs inside a fresh
# network namespace that has only loopback (when run as root), with a local file backend.
#   1. engine-only program (stack outputs, a component): CLI + language host + @pulumi/pulumi.
#   2. @pulumi/random RandomPassword + @pulumi/command remote.Command (no create command, so no SSH):
#      needs both provider plugins on PATH (real ones, or the stand-ins build.sh builds from
#      test/e2e/providers); skipped with a SKIPPED line when they are absent, unless
#      K3S_STACKS_E2E_REQUIRE_PROVIDERS=true. The SSH lifecycle is proven by
#      test/e2e/providers/providers.e2e.test.ts.
# usage: verify.sh [BIN_DIR]   (default: run build.sh)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
BIN=${1:-$("$HERE/build.sh")}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/k3s-toolchain-verify.XXXXXX")
NETNS=""

cleanup() {
  if [[ -n $NETNS ]]; then ip netns del "$NETNS" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

run_offline() {
  if [[ -n $NETNS ]]; then
    ip netns exec "$NETNS" "$@"
  else
    "$@"
  fi
}

if [[ $(id -u) -eq 0 ]]; then
  NETNS="k3everify$$"
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
fi

export PATH="$BIN:$PATH"
export PULUMI_HOME="$WORK/home"
export PULUMI_BACKEND_URL="file://$WORK/state"
export PULUMI_CONFIG_PASSPHRASE="verify-only"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$WORK/state" "$WORK/home"

make_project() {
  local dir=$1 name=$2 program=$3
  mkdir -p "$dir"
  ln -s "$REPO/node_modules" "$dir/node_modules"
  cat >"$dir/Pulumi.yaml" <<EOF
name: $name
runtime:
  name: nodejs
  options:
    typescript: false
main: index.js
EOF
  printf '%s\n' "$program" >"$dir/index.js"
}

up_and_check() {
  local dir=$1 expect=$2 out
  (
    cd "$dir"
    run_offline pulumi stack init verify --non-interactive >/dev/null
    run_offline pulumi up --yes --skip-preview --non-interactive >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; exit 1; }
    out=$(run_offline pulumi stack output --json)
    grep -q "$expect" <<<"$out" || { echo "unexpected outputs: $out" >&2; exit 1; }
    run_offline pulumi destroy --yes --skip-preview --non-interactive >/dev/null
  )
}

echo "verify: pulumi $(pulumi version) from $(command -v pulumi)"
start=$(date +%s)
make_project "$WORK/engine" verify-engine '
const pulumi = require("@pulumi/pulumi");
class Box extends pulumi.ComponentResource {
  constructor(name) { super("verify:index:Box", name, {}, {}); this.registerOutputs({}); }
}
new Box("box");
module.exports = { greeting: pulumi.output("hello-from-engine") };'
up_and_check "$WORK/engine" hello-from-engine
echo "verify: engine-only program: up/destroy OK offline ($(($(date +%s) - start))s)"

if command -v pulumi-resource-random >/dev/null && command -v pulumi-resource-command >/dev/null; then
  start=$(date +%s)
  # shellcheck disable=SC2016 # JavaScript template literal, not shell
  make_project "$WORK/providers" verify-providers '
const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");
const command = require("@pulumi/command");
const pw = new random.RandomPassword("pw", { length: 8, special: false });
// Without a create command remote.Command connects to nothing: only the plugin round trip runs.
const idle = new command.remote.Command("idle", { connection: { host: "127.0.0.1" }, triggers: [pw.id] });
module.exports = { out: pulumi.unsecret(pw.result.apply(r => `got-${r.length}`)), stdout: idle.stdout };'
  up_and_check "$WORK/providers" got-8
  echo "verify: random + command program: up/destroy OK offline ($(($(date +%s) - start))s)"
elif [[ ${K3S_STACKS_E2E_REQUIRE_PROVIDERS:-} == true ]]; then
  echo "verify: FAILED: pulumi-resource-random and pulumi-resource-command must be on PATH" >&2
  exit 1
else
  echo "verify: SKIPPED random + command program: provider plugins not on PATH (not buildable from the module proxy)"
fi
