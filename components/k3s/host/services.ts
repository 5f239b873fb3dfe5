import { shq, writeFileSnippet } from "../../remote/shell";

/** Rancher's RPM repository for k3s-selinux (install.sh's `rpm_site`). */
export const DEFAULT_SELINUX_REPO = "https://rpm.rancher.io";
/** config.yaml.d drop-in the config step writes when SELinux is on (k3s merges config.yaml.d after config.yaml). */
export const SELINUX_DROPIN = "/etc/rancher/k3s/config.yaml.d/50-k3s-stacks-selinux.yaml";
/** NetworkManager drop-in that keeps it off the interfaces flannel and the CNI create. */
export const NM_DROPIN = "/etc/NetworkManager/conf.d/k3s-stacks.conf";

/**
 * Shell: fail before any change when SELinux enforces on a family without k3s's policy package
 * (k3s-selinux is built as RPMs only, for the RHEL and SUSE families).
 */
export function renderSelinuxCheck(): string {
  return `if [ "$selinux" = enforcing ] && [ "$family" != rhel ] && [ "$family" != suse ]; then
  echo "k3s-stacks: $node enforces SELinux, but k3s's SELinux policy (k3s-selinux) exists only as RPMs for the RHEL and SUSE families. Fix: 'setenforce 0' and SELINUX=permissive in /etc/selinux/config on $node, then run pulumi up again." >&2
  exit 1
fi`;
}

/**
 * Shell: `selinux: true` for k3s while SELinux is on (k3s --selinux: the embedded containerd labels
 * containers), removed when it is off; install.sh installs the k3s-selinux policy RPM itself online
 * (reference §13). Sets changed=1 when the drop-in changed: k3s restarts with it at the node's next
 * restart step (renderConfigScript).
 */
export function renderSelinuxConfig(): string {
  // Snippets are not indented: their heredoc terminators must start a line.
  return `case "$selinux" in
  enforcing|permissive)
${writeFileSnippet(SELINUX_DROPIN, "# Managed by k3s-stacks: SELinux is on on this host.\nselinux: true", "0600")}
    ;;
  *) if [ -f ${SELINUX_DROPIN} ]; then rm -f ${SELINUX_DROPIN}; changed=1; fi ;;
esac`;
}

/**
 * Shell: where NetworkManager runs, tell it to leave cni0 and flannel* alone (k3s docs, known issues),
 * and disable nm-cloud-setup, whose enabled service the k3s unit refuses to start with (reference §13).
 */
export function renderNetworkManager(): string {
  const conf = "# Managed by k3s-stacks: interfaces k3s's CNI and flannel own.\n[keyfile]\nunmanaged-devices=interface-name:cni0;interface-name:flannel*";
  return `if [ -d /etc/NetworkManager ]; then
  nm_changed=$changed
  changed=0
${writeFileSnippet(NM_DROPIN, conf, "0644")}
  if [ "$changed" = 1 ]; then
    nmcli general reload >/dev/null 2>&1 || systemctl reload NetworkManager >/dev/null 2>&1 || true
    echo "k3s-stacks: $node: NetworkManager leaves cni0 and flannel* alone ($NM_DROPIN_PATH)"
  fi
  changed=$nm_changed
fi
for unit in nm-cloud-setup.service nm-cloud-setup.timer; do
  if systemctl is-enabled --quiet "$unit" 2>/dev/null; then
    systemctl disable --now "$unit" >/dev/null 2>&1
    echo "k3s-stacks: $node: disabled $unit (the k3s unit does not start while it is enabled; on RHEL before 8.4 reboot once)"
  fi
done`.replace("$NM_DROPIN_PATH", NM_DROPIN);
}

/**
 * Shell run right after install.sh, before k3s is started: on an image-based system with SELinux on
 * — SUSE MicroOS or SLE Micro (transactional-update present), or an rpm-ostree system (ostree's
 * /run/ostree-booted: Fedora CoreOS, IoT) — install.sh installs k3s-selinux into the next snapshot or
 * deployment, which only the next boot runs, and therefore leaves k3s stopped (INSTALL_K3S_SKIP_START)
 * with "Please reboot your machine to activate the changes and avoid data loss" (K3S:install.sh
 * setup_selinux, install_selinux_rpm: `transactional-update ... run zypper` or `rpm-ostree install`).
 * While the running system still lacks the policy, k3s must not be started: fail asking for the reboot.
 * The same when k3s-selinux is installed but its module `k3s` is not in the running policy: to upgrade
 * an installed k3s-selinux while container-selinux has an upgrade too, install.sh first removes the
 * module from the running system (`semodule -X <priority> -r k3s`), then installs the new package into
 * the next snapshot (install_selinux_rpm, check_available_upgrades; zypper's search finds upgrades on
 * SUSE, rpm-ostree has none), so `rpm -q` still sees the old package while the policy is gone until
 * the reboot, and k3s's upgrade restart would run without it. Checked where semodule exists.
 */
export function renderSelinuxSnapshotCheck(node: string): string {
  return `if { command -v transactional-update >/dev/null 2>&1 || [ -e /run/ostree-booted ]; } && [ "$(getenforce 2>/dev/null || echo Disabled)" != Disabled ]; then
  if ! rpm -q k3s-selinux >/dev/null 2>&1; then
    echo ${shq(`k3s-stacks: ${node} runs a read-only system image (transactional-update or rpm-ostree) with SELinux on, and k3s-selinux is only in the new snapshot or deployment install.sh installed it into: k3s must not start before that runs (install.sh left it stopped). Fix: reboot ${node} ('systemctl reboot'), then run pulumi up again.`)} >&2
    exit 1
  fi
  if command -v semodule >/dev/null 2>&1 && ! semodule -l 2>/dev/null | awk '$1 == "k3s" { found = 1 } END { exit !found }'; then
    echo ${shq(`k3s-stacks: ${node} runs a read-only system image (transactional-update or rpm-ostree) with SELinux on, and k3s-selinux is installed but its policy module k3s is not loaded in the running system ('semodule -l' does not list it): install.sh removes it before it upgrades k3s-selinux into the new snapshot or deployment, so k3s must not (re)start before that runs. Fix: drain and reboot ${node} ('systemctl reboot'), then run pulumi up again.`)} >&2
    exit 1
  fi
fi`;
}
