#!/usr/bin/env bash
# Sets up this checkout and runs `pulumi up` for one stack, with no Pulumi account: state in a
# local file backend and secrets encrypted with a passphrase (scripts/lib/pulumi-env.sh).
#   scripts/up.sh local              # this machine as a single-node k3s (asks first)
#   scripts/up.sh homelab            # or dev, prod, a fleet site ...; extra args go to pulumi up
#   --no-kubeconfig                  # do not merge the kubeconfig into ~/.kube/config afterwards
# Installs what is missing: npm dependencies, and a pulumi CLI for this user (scripts/lib/install-pulumi.sh).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/up.sh STACK [--no-kubeconfig] [pulumi up options...]
  STACK            local (this machine as a one-node k3s; asks first), homelab, or any Pulumi.<stack>.yaml here
  --no-kubeconfig  do not merge the cluster into ~/.kube/config as context k3s-<stack> afterwards
  --yes            no questions (also passed to pulumi up)
Sets up what is missing (npm packages, a pulumi CLI for this user), keeps state in a local file
backend with a generated passphrase, and runs `pulumi up --stack STACK`.
USAGE
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") echo "up.sh: no stack named: using homelab (scripts/up.sh --help lists the choices)" >&2 ;;
  -*) echo "up.sh: the stack comes first, before '$1'." >&2; usage >&2; exit 2 ;;
esac
stack="${1:-homelab}"
shift || true
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ ! -f "Pulumi.${stack}.yaml" ]; then
  echo "up.sh: no Pulumi.${stack}.yaml here. Fix: pick one of: $(find . -maxdepth 1 -name 'Pulumi.*.yaml' | sed 's|./Pulumi.||; s|.yaml||' | sort | tr '\n' ' ')" >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1; then
  echo "up.sh: Node.js 20 or newer is needed. Fix: install it and run this again." >&2
  exit 2
fi

kubeconfig=1
yes=0
args=()
for arg in "$@"; do
  case "$arg" in
    --no-kubeconfig) kubeconfig=0; continue ;;
    --yes|-y) yes=1 ;;
  esac
  args+=("$arg")
done

[ -d node_modules ] || npm ci --no-audit --no-fund

# The local stack changes the machine this runs on: say what, and ask before anything else is set up.
if [ "$stack" = local ]; then
  version="$(node -e 'const c = require("yaml").parse(require("fs").readFileSync("Pulumi.local.yaml", "utf8")).config; process.stdout.write(c["k3s-stacks:cluster"].k3sVersion)')"
  cat <<EOF
up.sh: the 'local' stack installs k3s ${version} on THIS machine ($(hostname)) as a single-node server (sqlite):
  - host preparation: swap off (also in /etc/fstab), kernel modules br_netfilter and overlay, IP forwarding and bridge sysctls, inotify limits raised;
    where they run, NetworkManager, fapolicyd and ufw/firewalld are told to let k3s be (pod and service ranges trusted, no port opened)
  - k3s in /usr/local/bin, /etc/rancher/k3s and /var/lib/rancher/k3s, and its systemd service, as root
  'scripts/pulumi.sh destroy --stack local' uninstalls k3s and undoes the preparation.
EOF
  # From Kubernetes 1.35 the kubelet refuses a host booted with cgroup v1 (components/k3s/host/cgroup-v1.ts): said before asking.
  # The stack file is read as YAML by the program's own rule, so a commented-out opt-out is none.
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null || true)" != cgroup2fs ] \
    && [ "$(node_modules/.bin/ts-node --swc tools/kubelet-cgroup-v1.ts Pulumi.local.yaml || true)" = refuses ]; then
    echo "up.sh: this machine boots cgroup v1, which the kubelet of k3s ${version} refuses: host preparation will stop and name the kernel argument that boots cgroup v2 (or add fail-cgroupv1=false to kubelet-arg in Pulumi.local.yaml's serverConfig)." >&2
  fi
  if [ "$yes" = 0 ]; then
    if [ ! -t 0 ]; then
      echo "up.sh: no terminal to confirm installing k3s on this machine. Fix: run it in a terminal, or pass --yes." >&2
      exit 2
    fi
    read -r -p "Install k3s on this machine? [y/N] " answer
    case "$answer" in y|Y|yes|YES) ;; *) echo "up.sh: nothing installed."; exit 1 ;; esac
  fi
  # Not root: the scripts run through `sudo -n`; ask for the password once, now, on this terminal.
  if [ "$(id -u)" != 0 ] && ! sudo -v; then
    echo "up.sh: sudo is needed to install k3s here. Fix: run as a user with sudo rights, or set the secret k3s-stacks:sudoPassword (pulumi config set --secret k3s-stacks:sudoPassword --stack local)." >&2
    exit 2
  fi
fi

# shellcheck source=scripts/lib/install-pulumi.sh
. scripts/lib/install-pulumi.sh
ensure_pulumi
echo "up.sh: using pulumi $(pulumi version) ($(command -v pulumi))"

# shellcheck source=scripts/lib/pulumi-env.sh
. scripts/lib/pulumi-env.sh
pulumi stack select --create --secrets-provider passphrase "$stack"
# Agents install in parallel; the CLI's default of 4 x CPUs would queue them on a small laptop.
parallel=(--parallel 64)
for arg in "${args[@]}"; do
  case "$arg" in --parallel|--parallel=*|-p) parallel=() ;; esac
done
pulumi up --stack "$stack" "${parallel[@]}" "${args[@]}"

if [ "$kubeconfig" = 1 ]; then
  scripts/kubeconfig.sh "$stack" || echo "up.sh: the cluster is up, but merging its kubeconfig failed (above). Fix: run scripts/kubeconfig.sh ${stack} again." >&2
fi
