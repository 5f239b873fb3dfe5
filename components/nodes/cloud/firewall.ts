import { Datastore } from "../../rules/datastore";
import { parsePortSpec } from "../../rules/ports";
/** Who a rule lets in. */
export type RuleSource =
  /** The admin CIDRs (workstation, CI runner) on the public side. */
  | "admin"
  /** Any node, over the private network / VPC range. */
  | "network"
  /** Only the k3s servers. */
  | "servers";

/** One inbound opening a cloud firewall or security group gets. Everything else stays closed. */
export interface FirewallRule {
  /** Stable id; resource names derive from it. */
  id: string;
  description: string;
  protocol: "tcp" | "udp";
  fromPort: number;
  toPort: number;
  source: RuleSource;
  /** Nodes the port is opened on. */
  target: "all" | "servers";
}

/** Cluster facts that change which ports k3s uses. */
export interface FirewallOptions {
  /** The embedded registry (spegel): 5001 and the supervisor port 6443 between all nodes. */
  embeddedRegistry?: boolean;
  /** k3s flannel-backend; vxlan when absent. */
  flannelBackend?: string;
  /** Where k3s keeps the cluster state; etcd's ports open only for `etcd`, and (unknown) when absent. */
  datastore?: Datastore;
  /**
   * Ports the layers need between nodes, as host preparation opens them (`7946/udp`, `2379-2380/tcp`;
   * addons/k3s-contribution.ts addonPorts): `server` on servers, `all` on every node.
   */
  layerPorts?: { server?: string[]; all?: string[] };
}

/** A layer's port spec (`7946/udp`, `10257-10259/tcp`) as a node-to-node rule on `target`. */
function layerRule(spec: string, target: "all" | "servers"): FirewallRule {
  // Specs were checked where the layers declared them (rules/ports.ts layerPortsSchema).
  const port = parsePortSpec(spec);
  if (!port) throw new Error(`k3s-stacks: not a port spec: ${spec}`);
  return { id: `layer-${spec.replace("/", "-")}`, description: "a layer's port between nodes (MetalLB memberlist, monitoring scrapes)", ...port, source: "network", target };
}

/**
 * The ports k3s needs, after the k3s requirements page (k3s-io/docs installation/requirements.md,
 * summarised in shared/reference/k3s-reference.md §13): 6443 API/supervisor, 10250 kubelet, flannel
 * (8472/udp VXLAN or 51820-51821/udp WireGuard), 2379-2380 between servers only with embedded etcd
 * (sqlite and an external datastore listen on neither), 5001 spegel.
 * SSH and the API are the only openings towards the admin CIDRs.
 */
export function k3sFirewallRules(opts: FirewallOptions = {}): FirewallRule[] {
  const rules: FirewallRule[] = [
    { id: "ssh", description: "SSH from admins (Pulumi runs every node step over it)", protocol: "tcp", fromPort: 22, toPort: 22, source: "admin", target: "all" },
    { id: "api-admin", description: "Kubernetes API from admins", protocol: "tcp", fromPort: 6443, toPort: 6443, source: "admin", target: "servers" },
    {
      id: "api-nodes",
      description: opts.embeddedRegistry ? "k3s supervisor/API and embedded registry API between nodes" : "k3s supervisor/API from the other nodes",
      protocol: "tcp", fromPort: 6443, toPort: 6443, source: "network", target: opts.embeddedRegistry ? "all" : "servers",
    },
    { id: "kubelet", description: "kubelet metrics/exec between nodes", protocol: "tcp", fromPort: 10250, toPort: 10250, source: "network", target: "all" },
  ];
  if (opts.datastore === undefined || opts.datastore === "etcd") {
    rules.push({ id: "etcd", description: "embedded etcd client and peer between servers", protocol: "tcp", fromPort: 2379, toPort: 2380, source: "servers", target: "servers" });
  }
  const backend = opts.flannelBackend ?? "vxlan";
  if (backend === "vxlan") {
    rules.push({ id: "flannel-vxlan", description: "flannel VXLAN between nodes", protocol: "udp", fromPort: 8472, toPort: 8472, source: "network", target: "all" });
  } else if (backend === "wireguard-native") {
    rules.push({ id: "flannel-wireguard", description: "flannel WireGuard (IPv4 and IPv6) between nodes", protocol: "udp", fromPort: 51820, toPort: 51821, source: "network", target: "all" });
  }
  if (opts.embeddedRegistry) {
    rules.push({ id: "registry-p2p", description: "embedded registry (spegel) p2p between nodes", protocol: "tcp", fromPort: 5001, toPort: 5001, source: "network", target: "all" });
  }
  // Prometheus scrapes another node from that node's address (flannel masquerades pod traffic leaving
  // the pod network), and MetalLB's speakers talk node to node: the VPC range, like k3s's own ports.
  const all = opts.layerPorts?.all ?? [];
  rules.push(...all.map((p) => layerRule(p, "all")));
  rules.push(...(opts.layerPorts?.server ?? []).filter((p) => !all.includes(p)).map((p) => layerRule(p, "servers")));
  return rules;
}

/** Port field as Hetzner writes it: `22` or `2379-2380`. */
export function portRange(rule: FirewallRule): string {
  return rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
}

/** Source ranges for admin rules: the admin CIDRs, or the whole internet when explicitly allowed. */
export function adminSources(adminCidrs: string[], allowWorldApi: boolean): string[] {
  if (adminCidrs.length > 0) return adminCidrs;
  return allowWorldApi ? ["0.0.0.0/0", "::/0"] : [];
}
