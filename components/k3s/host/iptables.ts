import { DROP_IN_DIR } from "./dropins";
import { failNewNodeOrWarn } from "./k3s-unit";

/**
 * Bash for the config step, before anything changes, about the host's iptables in nf_tables mode,
 * which k3s runs unless the node sets `prefer-bundled-bin` (k3s's own is a fixed release). Releases
 * 1.8.0 to 1.8.4 have bugs that make the rules k3s, flannel and kube-proxy keep ensuring pile up as
 * duplicates until the node slows down (shared/reference §6 "iptables", k3s docs known issues;
 * k3s-io/k3s#3117). k3s's own check-config flags nf_tables mode only below 1.8.4 (k3s-io/k3s#3425),
 * and RHEL 8 and its rebuilds, which k3s supports, ship 1.8.4 with the fixes backported. So:
 *  - 1.8.0 to 1.8.3 (Debian 10 ships 1.8.2) on a node where k3s does not run yet: fails, naming the fix;
 *  - the same where k3s already runs: a warning naming the fix, so that a day-two run of a working
 *    cluster is not stopped by it;
 *  - 1.8.4: a warning.
 * A host without iptables, a legacy-mode one and 1.8.5 or newer pass. `preferBundled`: the node's
 * config.yaml sets `prefer-bundled-bin: true`, so nothing is checked.
 */
export function renderIptablesCheck(node: string, preferBundled: boolean): string {
  if (preferBundled) return "";
  const why = `iptables 1.8.0 to 1.8.4 in nf_tables mode has bugs that make the rules k3s keeps ensuring pile up as duplicates until the node slows down (k3s known issues, k3s-io/k3s#3117), and k3s runs the host's iptables unless prefer-bundled-bin is set`;
  const fix = "set prefer-bundled-bin: true in cluster.agentConfig (servers read it too; nodes restart once, rolled), or upgrade iptables to 1.8.5 or newer (Debian 10: buster-backports)";
  // A drop-in of the user's may set it too (host/dropins.ts lets keys k3s-stacks does not write be).
  return `ipt_version=$(iptables --version 2>/dev/null || true)
if grep -qsE '^prefer-bundled-bin:[[:space:]]*"?true' ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml; then ipt_version=bundled; fi
case "$ipt_version" in
  *"v1.8."[0-3]" (nf_tables)"*)
    ${failNewNodeOrWarn(`k3s-stacks: ${node}: warning: the host's iptables is \${ipt_version#iptables }; ${why}. k3s already runs here, so this run goes on. Fix: ${fix}.`, `k3s-stacks: ${node}: the host's iptables is \${ipt_version#iptables }; ${why}. Fix: ${fix}, then run pulumi up again.`, 4)} ;;
  *"v1.8.4 (nf_tables)"*)
    echo "k3s-stacks: ${node}: warning: the host's iptables is \${ipt_version#iptables }; ${why} (RHEL 8 and its rebuilds ship 1.8.4 with fixes backported, and k3s's check-config accepts it). Fix, if rules pile up ('iptables-save | sort | uniq -d'): ${fix}." ;;
esac`;
}
