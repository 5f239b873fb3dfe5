#!/usr/bin/env bash
# Sets up this checkout and runs `pulumi up` for one stack, with no Pulumi account:
# state in a local file backend and secrets encrypted with a passphrase.
#   scripts/up.sh homelab            # or dev, prod, a fleet site ...; extra args go to pulumi up
# Override with PULUMI_BACKEND_URL (e.g. s3://bucket) and PULUMI_CONFIG_PASSPHRASE(_FILE).
set -euo pipefail

stack="${1:-homelab}"
shift || true
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ ! -f "Pulumi.${stack}.yaml" ]; then
  echo "up.sh: no Pulumi.${stack}.yaml here. Fix: pick one of: $(find . -maxdepth 1 -name 'Pulumi.*.yaml' | sed 's|./Pulumi.||; s|.yaml||' | sort | tr '\n' ' ')" >&2
  exit 2
fi
if ! command -v pulumi >/dev/null 2>&1; then
  echo "up.sh: the pulumi CLI is not on PATH. Fix: install it (https://www.pulumi.com/docs/install/) and run this again." >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1; then
  echo "up.sh: Node.js 20 or newer is needed. Fix: install it and run this again." >&2
  exit 2
fi

[ -d node_modules ] || npm ci --no-audit --no-fund

state_home="${XDG_STATE_HOME:-$HOME/.local/state}/k3s-stacks"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${state_home}/backend}"
mkdir -p "${state_home}/backend"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # A generated passphrase kept next to the state; back both up together.
  if [ ! -s "${state_home}/passphrase" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 > "${state_home}/passphrase")
    echo "up.sh: generated a secrets passphrase in ${state_home}/passphrase (back it up with the state)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="${state_home}/passphrase"
fi

pulumi stack select --create --secrets-provider passphrase "$stack"
# Agents install in parallel; the CLI's default of 4 x CPUs would queue them on a small laptop.
parallel=(--parallel 64)
for arg in "$@"; do
  case "$arg" in --parallel|--parallel=*|-p) parallel=() ;; esac
done
pulumi up --stack "$stack" "${parallel[@]}" "$@"
