import { DROP_IN_DIR } from "./dropins";
import { argEntries, lastArgValue } from "../../rules/component-args";

/** Where k3s looks for the resolv.conf it gives the kubelet, in order (K3S pkg/agent/config locateOrGenerateResolvConf). */
export const RESOLV_CONFS = ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"];

/** Whether the rendered config.yaml (its keys, parsed) names the pods' upstream resolv.conf itself (`resolv-conf`, or the kubelet's flag). */
export function setsResolvConf(config: Record<string, unknown>): boolean {
  return typeof config["resolv-conf"] === "string" || lastArgValue(argEntries(config, "kubelet-arg"), "resolv-conf") !== undefined;
}

/**
 * Bash for the config step: warns when k3s will give pods Google's resolvers instead of the host's.
 * Without `resolv-conf`, k3s hands the kubelet (and so CoreDNS, which forwards to it) the first of
 * RESOLV_CONFS whose nameservers are all global unicast addresses (Go net.IP.IsGlobalUnicast: no
 * loopback, link-local, multicast or unspecified address; GCP's metadata server 169.254.169.254 is
 * accepted since k3s-io/k3s#12692). When neither qualifies — a local dnsmasq, unbound or
 * NetworkManager resolver at 127.0.0.1 without systemd-resolved — it writes one with 8.8.8.8 and only
 * logs a warning (k3s-io/k3s#265). Pods then lose every name only the local network knows, and all
 * names where 8.8.8.8 is blocked. A warning, not a failure: for many hosts 8.8.8.8 serves; the fix is
 * named. `explicit`: the config sets it, so nothing is rendered; a user's drop-in may set it too.
 */
export function renderResolvConfCheck(node: string, explicit: boolean): string {
  if (explicit) return "";
  return `# k3s's rule for a usable resolv.conf: at least one nameserver, each a global unicast address.
resolv_usable() {
  [ -r "$1" ] || return 1
  found=0
  while read -r key ns _; do
    [ "$key" = nameserver ] || continue
    case "$ns" in
      169.254.169.254) ;;
      ''|*[!0-9a-fA-F.:]*|127.*|0.0.0.0|169.254.*|22[4-9].*|23[0-9].*|255.255.255.255|::|::1|[fF][eE][89aAbB]?:*|[fF][fF]*) return 1 ;;
    esac
    found=1
  done < "$1"
  [ "$found" = 1 ]
}
if ! grep -qsE "^['\\"]?resolv-conf['\\"]?[[:space:]]*:|resolv-conf=" ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml && ! resolv_usable ${RESOLV_CONFS[0]} && ! resolv_usable ${RESOLV_CONFS[1]}; then
  resolv_found=$(sed -n 's/^nameserver[[:space:]]*\\([^[:space:]]*\\).*/\\1/p' ${RESOLV_CONFS[0]} 2>/dev/null | paste -sd ' ' - || true)
  echo "k3s-stacks: ${node}: warning: neither ${RESOLV_CONFS[0]} (nameservers: \${resolv_found:-none}) nor systemd-resolved's ${RESOLV_CONFS[1]} lists only nameservers pods can reach (no loopback, link-local or multicast address); k3s then gives pods 8.8.8.8 instead of this host's resolvers, so names only your network knows do not resolve in pods, and none do where 8.8.8.8 is blocked. Fix: set resolv-conf in cluster.agentConfig to a file present on every node that lists your upstream nameservers (the ones your local resolver forwards to)."
fi`;
}
