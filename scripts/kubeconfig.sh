#!/usr/bin/env bash
# kubectl for a stack in one command: writes the stack's kubeconfig to ~/.kube/k3s-<stack>.yaml and
# merges it into ~/.kube/config as context k3s-<stack> (other contexts untouched, mode 0600).
# Running it again replaces only that context. scripts/up.sh runs it after a successful `pulumi up`.
#   scripts/kubeconfig.sh homelab             # then: kubectl get nodes
#   scripts/kubeconfig.sh homelab --remove    # after `pulumi destroy`: drop the context and the file
# The kubeconfig only ever goes through files (umask 077), never a command line.
set -euo pipefail

usage="usage: scripts/kubeconfig.sh STACK [--remove]
Merges the stack's kubeconfig output into ~/.kube/config (or \$KUBECONFIG) as context k3s-STACK;
--remove drops that context and its file again."
# Help wherever it is asked for (scripts/kubeconfig.sh homelab --help), before the stack is read.
for arg in "$@"; do
  case "$arg" in -h|--help) echo "$usage"; exit 0 ;; esac
done
stack="${1:-}"
case "$stack" in
  ""|-*) echo "$usage" >&2; exit 2 ;;
esac
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/lib/pulumi-env.sh
. scripts/lib/pulumi-env.sh

name="k3s-${stack}"
kube_dir="$HOME/.kube"
own="${kube_dir}/${name}.yaml"
target="${kube_dir}/config"
merge=(node -r ts-node/register/transpile-only scripts/kubeconfig/merge.ts --name "$name" --into "$target")
umask 077
mkdir -p "$kube_dir"

if [ "${2:-}" = "--remove" ]; then
  "${merge[@]}" --remove
  rm -f "$own"
  exit 0
fi

tmp="$(mktemp "${own}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
if ! pulumi stack output kubeconfig --show-secrets --stack "$stack" >"$tmp" || [ ! -s "$tmp" ]; then
  echo "kubeconfig.sh: stack ${stack} has no kubeconfig output. Fix: run scripts/up.sh ${stack} first." >&2
  exit 1
fi
mv -f "$tmp" "$own"
chmod 600 "$own"
"${merge[@]}" --from "$own"
echo "kubeconfig.sh: ${own} holds this cluster alone (KUBECONFIG=${own} kubectl ... uses only it)"
case ":${KUBECONFIG:-$target}:" in
  *":${target}:"*) ;;
  *) echo "kubeconfig.sh: note: KUBECONFIG is set and does not include ${target}; use --context ${name} with KUBECONFIG=${target}" >&2 ;;
esac
