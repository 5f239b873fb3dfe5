import { DROP_IN_DIR } from "./dropins";

/**
 * Bash for the config step, before anything changes: fails when the host's iptables is 1.8.0 to 1.8.4
 * in nf_tables mode and the node does not set `prefer-bundled-bin`. k3s runs the host's iptables when
 * there is one and its own (a fixed release) only with that flag; those releases have bugs that make
 * the rules k3s, flannel and kube-proxy keep ensuring pile up as duplicates until the node slows down
 * (shared/reference §6 "iptables", k3s docs known issues; k3s-io/k3s#3117; k3s check-config flags
 * nf_tables mode below 1.8.4, k3s-io/k3s#3425). Debian 10 ships 1.8.2 in nf_tables mode. A host
 * without iptables, a legacy-mode one and 1.8.5 or newer pass. `preferBundled`: the node's
 * config.yaml sets `prefer-bundled-bin: true`, so nothing is checked.
 */
export function renderIptablesCheck(node: string, preferBundled: boolean): string {
  if (preferBundled) return "";
  // A drop-in of the user's may set it too (host/dropins.ts lets keys k3s-stacks does not write be).
  return `ipt_version=$(iptables --version 2>/dev/null || true)
if grep -qsE '^prefer-bundled-bin:[[:space:]]*"?true' ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml; then ipt_version=bundled; fi
case "$ipt_version" in
  *"v1.8."[0-4]" (nf_tables)"*)
    echo "k3s-stacks: ${node}: the host's iptables is \${ipt_version#iptables }; iptables 1.8.0 to 1.8.4 in nf_tables mode has bugs that make the rules k3s keeps ensuring pile up as duplicates until the node slows down (k3s known issues, k3s-io/k3s#3117), and k3s runs the host's iptables unless prefer-bundled-bin is set. Fix: set prefer-bundled-bin: true in cluster.agentConfig (servers read it too), or upgrade iptables to 1.8.5 or newer (Debian 10: buster-backports), then run pulumi up again." >&2
    exit 1 ;;
esac`;
}
