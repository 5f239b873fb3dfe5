import { ConfigRoot, keyPath } from "../rules/key-path";
import { nodeAddressProblems } from "../rules/cluster-network";
import { splitSegmentsProblem } from "../rules/layer2";
import { ClusterSettings, apiHost } from "./settings";
import { NodeRole } from "../nodes/types";

/**
 * A node as the cluster's cross-checks read it: its addresses as written (plain strings; an address
 * known only once a VM exists is left out) and the key it is named by (`k3s-stacks:inventory.hosts[2]`,
 * `K3sCluster.args.nodes[2]`), `addressField` naming its SSH address under that key.
 */
export interface ClusterNodeFacts {
  key: string;
  name: string;
  role: NodeRole;
  address?: string;
  addressField?: string;
  internalAddress?: string;
  externalAddress?: string;
  flannelIface?: string;
}

/**
 * The nodes against the cluster settings, for the stack program's planner and K3sCluster alike (one
 * definition): node IPs against the pod/service ranges and families, and the address the others join
 * (rules/cluster-network.ts nodeAddressProblems); with flannel host-gw, every node-ip on one layer-2
 * segment (rules/layer2.ts). `cluster` names the settings (`"cluster"` for the stack, `{ arg: "K3sCluster.args" }`).
 * Returns "key: what is wrong. Fix: ..." lines; empty when all hold.
 */
export function clusterNodeProblems(c: ClusterSettings, nodes: ClusterNodeFacts[], cluster: ConfigRoot): string[] {
  // The other nodes join the first server's own address unless a fixed API address is set.
  const joinTarget = nodes.length > 1 && !apiHost(c) ? nodes.find((n) => n.role === "server") : undefined;
  const problems = nodeAddressProblems(c, nodes.map((n) => ({ ...n, joinTarget: n === joinTarget })), cluster);
  const split = c.flannelBackend === "host-gw"
    ? splitSegmentsProblem(nodes.map((n) => ({ name: n.name, nodeIp: n.flannelIface ? undefined : n.internalAddress ?? n.address })), c.apiVip?.subnet)
    : undefined;
  if (split) problems.push(`${keyPath(cluster, ["flannelBackend"])}: ${split}.`);
  return problems;
}
