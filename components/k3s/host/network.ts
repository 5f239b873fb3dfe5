import { NodeRole } from "../../nodes/types";
import { renderFirewallRecord, renderStaleFirewallRules } from "./firewall-record";

/** k3s `flannel-backend` values we prepare hosts for. */
export type FlannelBackend = "vxlan" | "host-gw" | "wireguard-native" | "none";

/** What decides a node's inbound k3s traffic. */
export interface NodeNetwork {
  role: NodeRole;
  /** The server is an embedded etcd member. */
  etcd: boolean;
  backend: FlannelBackend;
  /** Pod CIDRs (k3s `cluster-cidr`), one per IP family. */
  clusterCidrs: string[];
  /** Service CIDRs (k3s `service-cidr`). */
  serviceCidrs: string[];
  /** The embedded distributed registry (Spegel) is on. */
  embeddedRegistry: boolean;
  /** kube-proxy's proxy-mode from the node's kube-proxy-arg (rules/kube-proxy.ts); iptables when absent. */
  proxyMode?: string;
  /**
   * The node is the machine running Pulumi (the local stack): the cluster's only node, reached over
   * loopback, so no port is opened to the network (default false).
   */
  local?: boolean;
  /**
   * Inbound ports (`port/proto`) a layer needs on this node from the other nodes, opened with k3s's
   * own (ConfigContribution.ports, such as MetalLB's memberlist); none when absent.
   */
  layerPorts?: string[];
}

/** Ports (`port/proto`) to open and source CIDRs to trust on one node. */
export interface FirewallRules {
  ports: string[];
  sources: string[];
}

/**
 * The inbound rules a node needs, from the k3s requirements' table (k3s-io/docs
 * `installation/requirements.md`, reference §13): 6443/tcp on servers; 2379-2380/tcp between etcd
 * servers; 10250/tcp (kubelet) everywhere; 8472/udp for VXLAN; 51820/udp (51821/udp with IPv6) for
 * WireGuard; 5001/tcp and 6443/tcp everywhere for the embedded registry. The pod and service CIDRs
 * are trusted as sources, as the firewalld and ufw notes there require (ufw's rules run before
 * kube-proxy's).
 */
export function firewallRules(n: NodeNetwork): FirewallRules {
  const sources = [...new Set([...n.clusterCidrs, ...n.serviceCidrs])];
  // No other node joins or reaches it, and kubectl uses loopback: opening 6443 or the kubelet's port
  // would expose them to whatever network a laptop is on.
  if (n.local) return { ports: [], sources };
  const ports = new Set<string>();
  if (n.role === "server" || n.embeddedRegistry) ports.add("6443/tcp");
  if (n.role === "server" && n.etcd) ports.add("2379-2380/tcp");
  ports.add("10250/tcp");
  if (n.backend === "vxlan") ports.add("8472/udp");
  if (n.backend === "wireguard-native") {
    ports.add("51820/udp");
    if ([...n.clusterCidrs, ...n.serviceCidrs].some((c) => c.includes(":"))) ports.add("51821/udp");
  }
  if (n.embeddedRegistry) ports.add("5001/tcp");
  for (const p of n.layerPorts ?? []) ports.add(p);
  return { ports: [...ports], sources };
}

/** One rule as each tool states it: how to ask whether it is there, and the command that adds it. */
interface ToolRule {
  present: string;
  add: string;
}

function firewalldRules(r: FirewallRules): ToolRule[] {
  return [
    ...r.ports.map((p) => ({ present: `firewall-cmd --permanent --query-port=${p}`, add: `firewall-cmd --permanent --add-port=${p}` })),
    ...r.sources.map((s) => ({ present: `firewall-cmd --permanent --zone=trusted --query-source=${s}`, add: `firewall-cmd --permanent --zone=trusted --add-source=${s}` })),
  ];
}

function ufwRules(r: FirewallRules): ToolRule[] {
  // ufw writes ranges as 2379:2380.
  const rule = (spec: string) => ({ present: `grep -qxF 'ufw ${spec}' <<<"$ufw_added"`, add: `ufw ${spec}` });
  return [...r.ports.map((p) => rule(`allow ${p.replace("-", ":")}`)), ...r.sources.map((s) => rule(`allow from ${s}`))];
}

/**
 * Shell, run after the facts and before any change: collects the rules the active firewall lacks in
 * the array fw_add (fw_want: all of this node's), and the rules k3s-stacks added earlier that no
 * longer are in fw_remove (host/firewall-record.ts). With `keep`, fails listing the exact commands
 * for what is missing, and only notes what could be closed; never disables a firewall.
 * `renderFirewallOpen` then adds and closes them.
 */
export function renderFirewallCheck(rules: FirewallRules, keep: boolean): string {
  const lines = (list: ToolRule[]) => list.map((t) => `    ${t.present} >/dev/null 2>&1 || fw_add+=(${JSON.stringify(t.add)})`).join("\n");
  const want = (list: ToolRule[]) => `    fw_want=(${list.map((t) => JSON.stringify(t.add)).join(" ")})`;
  return `firewall_keep=${keep ? 1 : 0}
fw_add=()
fw_want=()
fw_apply=""
ufw_added=""
case "$firewall" in
  firewalld)
${want(firewalldRules(rules))}
${lines(firewalldRules(rules))}
    fw_apply="firewall-cmd --reload" ;;
  ufw)
    ufw_added=$(ufw show added 2>/dev/null || true)
${want(ufwRules(rules))}
${lines(ufwRules(rules))}
    ;;
esac
${renderStaleFirewallRules()}
if [ \${#fw_add[@]} -gt 0 ] && [ "$firewall_keep" = 1 ]; then
  {
    echo "k3s-stacks: $node runs $firewall, which blocks traffic k3s needs, and firewall: keep says not to change it. Fix: run these on $node (or set firewall: open for this host), then pulumi up again:"
    printf '  %s\\n' "\${fw_add[@]}" \${fw_apply:+"$fw_apply"}
  } >&2
  exit 1
fi`;
}

/**
 * Shell that adds what `renderFirewallCheck` found missing and closes the rules it found k3s-stacks
 * no longer needs, reloads firewalld's runtime rules from the permanent ones, and records what
 * k3s-stacks added. No k3s restart: kube-proxy and flannel keep their own rules in their own chains.
 */
export function renderFirewallOpen(): string {
  return `if [ \${#fw_add[@]} -gt 0 ] || [ \${#fw_remove[@]} -gt 0 ]; then
  for rule in \${fw_add[@]+"\${fw_add[@]}"}; do
    read -r -a argv <<<"$rule"
    "\${argv[@]}" >/dev/null
  done
  for rule in \${fw_remove[@]+"\${fw_remove[@]}"}; do
    read -r -a argv <<<"$(fw_reverse "$rule")"
    "\${argv[@]}" >/dev/null
  done
  if [ -n "$fw_apply" ]; then read -r -a argv <<<"$fw_apply"; "\${argv[@]}" >/dev/null; fi
  if [ \${#fw_add[@]} -gt 0 ]; then echo "k3s-stacks: $node: $firewall now lets k3s traffic in (\${#fw_add[@]} rules added)"; fi
  if [ \${#fw_remove[@]} -gt 0 ]; then echo "k3s-stacks: $node: $firewall: closed what k3s-stacks opened and nothing needs now:$(printf ' %s' "\${fw_remove[@]##* }" | sed 's/--[a-z-]*=//g')"; fi
fi
${renderFirewallRecord()}`;
}
