import { ConfigRoot, keyPath } from "../rules/key-path";
import { nodeAddressProblems } from "../rules/cluster-network";
import { splitSegmentsProblem } from "../rules/layer2";
import { apiEndpointProblems } from "../rules/api-endpoint";
import { flannelExternalIpProblems } from "../rules/flannel-external-ip";
import { primaryNodeIp, splitNodeIps } from "../rules/node-ips";
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
  /** externalAddress is set to a value known only while the program runs (not judged). */
  externalAddressPending?: boolean;
  flannelIface?: string;
}

/**
 * The nodes against the cluster settings, for the stack program's planner and K3sCluster alike (one
 * definition): node IPs against the pod/service ranges and families, and the address the others join
 * (rules/cluster-network.ts nodeAddressProblems), apiEndpoint against them (rules/api-endpoint.ts),
 * flannel-external-ip against their externalAddress (rules/flannel-external-ip.ts); with flannel host-gw, every node-ip on one layer-2
 * segment per family (rules/layer2.ts). `cluster` names the settings (`"cluster"` for the stack, `{ arg: "K3sCluster.args" }`).
 * Returns "key: what is wrong. Fix: ..." lines; empty when all hold.
 */
export function clusterNodeProblems(c: ClusterSettings, nodes: ClusterNodeFacts[], cluster: ConfigRoot): string[] {
  // The other nodes join the first server's own address unless a fixed API address is set.
  const joinTarget = nodes.length > 1 && !apiHost(c) ? nodes.find((n) => n.role === "server") : undefined;
  const advertiseAddress = (c.serverConfig as Record<string, unknown> | undefined)?.["advertise-address"];
  const problems = nodeAddressProblems({ ...c, advertiseAddress }, nodes.map((n) => ({ ...n, joinTarget: n === joinTarget })), cluster);
  problems.push(...apiEndpointProblems(c.apiEndpoint, nodes, keyPath(cluster, ["apiEndpoint"])));
  problems.push(...flannelExternalIpProblems(c, nodes, cluster));
  if (c.flannelBackend !== "host-gw") return problems;
  // host-gw routes each family's pod range via the node's address of that family: the primary
  // node-ips (or SSH addresses) on one segment, and a dual-stack node's second addresses on another.
  const segments = (nodeIp: (n: ClusterNodeFacts) => string | undefined) =>
    splitSegmentsProblem(nodes.map((n) => ({ name: n.name, nodeIp: n.flannelIface ? undefined : nodeIp(n) })), c.apiVip?.subnet);
  const split = [
    segments((n) => (n.internalAddress !== undefined ? primaryNodeIp(n.internalAddress) : n.address)),
    segments((n) => (n.internalAddress !== undefined ? splitNodeIps(n.internalAddress)[1] : undefined)),
  ];
  for (const s of split) if (s) problems.push(`${keyPath(cluster, ["flannelBackend"])}: ${s}.`);
  return problems;
}
