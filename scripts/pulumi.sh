#!/usr/bin/env bash
# The pulumi CLI with this checkout's state and secrets passphrase (as scripts/up.sh uses them), e.g.
#   scripts/pulumi.sh destroy --stack local
#   scripts/pulumi.sh stack output --stack homelab
set -euo pipefail
case "${1:-}" in
  -h|--help)
    echo "usage: scripts/pulumi.sh <pulumi command and options>   (e.g. destroy --stack local)
Runs the pulumi CLI with this checkout's local state backend and secrets passphrase, as scripts/up.sh
sets them up (installing the CLI first when it is missing). 'scripts/pulumi.sh help' is pulumi's own help."
    exit 0 ;;
esac
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/lib/install-pulumi.sh
. scripts/lib/install-pulumi.sh
ensure_pulumi
# shellcheck source=scripts/lib/pulumi-env.sh
. scripts/lib/pulumi-env.sh
exec pulumi "$@"
