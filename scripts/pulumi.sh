#!/usr/bin/env bash
# The pulumi CLI with this checkout's state and secrets passphrase (as scripts/up.sh uses them), e.g.
#   scripts/pulumi.sh destroy --stack local
#   scripts/pulumi.sh stack output --stack homelab
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/lib/install-pulumi.sh
. scripts/lib/install-pulumi.sh
ensure_pulumi
# shellcheck source=scripts/lib/pulumi-env.sh
. scripts/lib/pulumi-env.sh
exec pulumi "$@"
