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
pulumi up's own options: scripts/pulumi.sh up --help.
USAGE
}
# Help wherever it is asked for (scripts/up.sh local --help): before anything is checked, asked or set up.
# pulumi up's own help is scripts/pulumi.sh up --help.
for arg in "$@"; do
  case "$arg" in -h|--help) usage; exit 0 ;; esac
done
case "${1:-}" in
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
# The project's packages need Node.js 20 or newer (README); an older one fails inside npm or ts-node instead.
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [ "$node_major" = none ] || [ "$node_major" -lt 20 ]; then
  echo "up.sh: Node.js 20 or newer is needed ($( [ "$node_major" = none ] && echo "there is no node on PATH" || echo "node is $(node --version)")). Fix: install Node.js 20 or newer and run this again." >&2
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
  # k3s-stacks runs k3s as a systemd service (k3s's install.sh sets up systemd or openrc; host preparation
  # refuses a host without /run/systemd/system, components/k3s/host/facts.ts), so a machine without
  # systemd (a container, WSL without systemd) stops here, before anything is asked or set up.
  if [ "$(stat -c %F /run/systemd/system 2>/dev/null || true)" != directory ]; then
    echo "up.sh: this machine does not run systemd (no /run/systemd/system), and k3s-stacks runs k3s as a systemd service (k3s's install.sh knows only systemd and openrc), so nothing is installed. Fix: run scripts/up.sh local on a Linux machine booted with systemd (on WSL: set systemd=true under [boot] in /etc/wsl.conf and restart it), or install on such a machine over SSH with an inventory stack (README)." >&2
    exit 2
  fi
  # What this script needs from the stack file, read as YAML as the program reads it: the version, and
  # whether a sudo password is stored (the program then runs sudo with it, and nothing is asked here).
  # A file without them is named here rather than failing with a Node.js stack trace.
  # shellcheck disable=SC2016 # JavaScript, not shell: its template literals are not for bash to expand
  facts="$(node -e '
    let config;
    try { config = (require("yaml").parse(require("fs").readFileSync("Pulumi.local.yaml", "utf8")) ?? {}).config ?? {}; }
    catch (e) { console.error(`up.sh: Pulumi.local.yaml is not YAML that can be read (${String(e.message).split("\n")[0]}). Fix: correct it; README "Try it on this machine" shows the file.`); process.exit(2); }
    const version = (config["k3s-stacks:cluster"] ?? {}).k3sVersion;
    if (typeof version !== "string" || version === "") {
      console.error("up.sh: Pulumi.local.yaml sets no k3s version. Fix: put it under config: -> k3s-stacks:cluster: -> k3sVersion:, e.g. k3sVersion: v1.36.3+k3s1");
      process.exit(2);
    }
    process.stdout.write(`${version} ${"k3s-stacks:sudoPassword" in config ? 1 : 0}`);
  ')" || exit 2
  version="${facts% *}"
  sudo_password_set="${facts##* }"
  # From Kubernetes 1.35 the kubelet refuses a host booted with cgroup v1 (components/k3s/host/cgroup-v1.ts):
  # the install could only stop at host preparation, so it stops here, before asking or setting anything
  # up, with --yes too. The stack file is read as YAML by the program's own rule (tools/kubelet-cgroup-v1.ts),
  # so a commented-out opt-out is none. The YAML below is what that rule reads as the opt-out. A k3s or
  # kubelet drop-in on this machine that names the setting may opt out too: host preparation reads those
  # exactly (README "Host operating systems"), so it decides then.
  if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null || true)" != cgroup2fs ] \
    && [ "$(node_modules/.bin/ts-node --swc tools/kubelet-cgroup-v1.ts Pulumi.local.yaml || true)" = refuses ] \
    && ! grep -qs -e failCgroupV1 -e fail-cgroupv1 /var/lib/rancher/k3s/agent/etc/kubelet.conf.d/*.conf /etc/rancher/k3s/config.yaml.d/*; then
    boot="boot this machine with cgroup v2: add systemd.unified_cgroup_hierarchy=1 to its kernel command line and remove any systemd.unified_cgroup_hierarchy=0 (GRUB: GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub or grub2-mkconfig -o /boot/grub2/grub.cfg; RHEL family: grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1), then reboot"
    grep -qw cgroup2 /proc/filesystems 2>/dev/null || boot="boot a kernel with cgroup v2 (this one, $(uname -r), has none; Kubernetes needs Linux 5.8 or newer for it: Debian 11+, Ubuntu 21.10+, RHEL 9+)"
    cat >&2 <<EOF
up.sh: this machine boots cgroup v1 (/sys/fs/cgroup is not cgroup2fs), and the kubelet of k3s ${version} refuses to start on it (from Kubernetes 1.35 its failCgroupV1 defaults to true, KEP-5573), so nothing is installed. Fix, one of:
  - ${boot}, and run scripts/up.sh local again;
  - or keep the deprecated cgroup v1 by telling the kubelet to run on it: in Pulumi.local.yaml, add the entry to serverConfig's kubelet-arg list (create the keys that are missing), then run scripts/up.sh local again:
      config:
        k3s-stacks:cluster:
          serverConfig:
            kubelet-arg:
              - fail-cgroupv1=false
  - or set k3s-stacks:cluster.k3sVersion in Pulumi.local.yaml to a release before v1.35, e.g. v1.34.6+k3s1.
EOF
    exit 2
  fi
  cat <<EOF
up.sh: the 'local' stack installs k3s ${version} on THIS machine ($(hostname)) as a single-node server (sqlite):
  - host preparation: swap off (also in /etc/fstab), kernel modules br_netfilter and overlay, IP forwarding and bridge sysctls, inotify limits raised;
    where they run, NetworkManager, fapolicyd and ufw/firewalld are told to let k3s be (pod and service ranges trusted, no port opened)
  - k3s in /usr/local/bin, /etc/rancher/k3s and /var/lib/rancher/k3s, and its systemd service, as root
  'scripts/pulumi.sh destroy --stack local' uninstalls k3s and undoes the preparation.
EOF
  if [ "$yes" = 0 ]; then
    if [ ! -t 0 ]; then
      echo "up.sh: no terminal to ask whether to install k3s on this machine, and nothing is installed without a yes. Fix: run it in a terminal and answer, or run 'scripts/up.sh local --yes' to install without asking." >&2
      exit 2
    fi
    read -r -p "Install k3s on this machine? [y/N] " answer
    case "$answer" in y|Y|yes|YES) ;; *) echo "up.sh: nothing installed."; exit 1 ;; esac
  fi
  # Not root and no stored sudo password: the scripts run through `sudo -n`; ask for the password once,
  # now, on this terminal (without one, sudo -n tells whether none is needed). With the secret
  # k3s-stacks:sudoPassword the program passes it to sudo itself.
  if [ "$(id -u)" != 0 ] && [ "$sudo_password_set" = 0 ]; then
    sudo_check=(sudo -v)
    [ -t 0 ] || sudo_check=(sudo -n -v)
    if ! "${sudo_check[@]}"; then
      echo "up.sh: installing k3s here needs sudo, and sudo did not let $(id -un) in. Fix: run as a user with sudo rights in a terminal, or store the sudo password as a secret of the stack with up.sh's state and passphrase: scripts/pulumi.sh stack select --create --secrets-provider passphrase local && scripts/pulumi.sh config set --secret k3s-stacks:sudoPassword --stack local (it asks for the password), then run scripts/up.sh local again." >&2
      exit 2
    fi
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
