import { FAMILY_NAME, Family, Ip } from "../rules/address";
import { ASSUMED_SEGMENT_PREFIX, segmentOf } from "../rules/layer2";
import { cidrInterval, holds, parseAddr } from "./pool-ranges";

/** The nodes as the subnet check sees them. */
export interface SubnetNodes {
  /** Each node's addresses known at config time (internal, external, SSH), by node name. */
  addresses: Record<string, string[]>;
  /**
   * Nodes with an address not known as an IP before they exist: a cloud VM's (a Pulumi Output) or a
   * DNS name and no IP. Any of them may be the one on the subnet, so then the subnet is not judged.
   */
  unread: string[];
}

/**
 * Why `loadBalancer.subnet` (the LAN the layer-2 pools are announced on) cannot be that LAN, one line
 * each; empty when it can, or when it is not set. MetalLB in layer 2 answers ARP (IPv4) or NDP (IPv6)
 * for a Service address from one node, on that node's own segments (MetalLB docs, "Advanced L2
 * configuration": "only a subset of the nodes are exposed to a given network", and only those can
 * serve its addresses), so the subnet must be one the nodes are on, of the family of the pools it
 * bounds; over BGP nothing reads it. `poolFamilies`: the families of the
 * pool entries that parse.
 */
export function subnetProblems(subnet: string | undefined, bgp: boolean, poolFamilies: Set<Family>, nodes: SubnetNodes, key: string): string[] {
  const net = subnet ? cidrInterval(subnet) : undefined;
  if (!subnet || !net) return [];
  const assumed = (f: Family) => `/${ASSUMED_SEGMENT_PREFIX[f]}`;
  if (bgp) {
    return [`${key}: ${subnet} bounds the pools announced in layer 2 (ARP/NDP), but bgp is set, so MetalLB routes the pools and nothing reads the subnet. Fix: remove ${key}, or remove bgp to announce the pools in layer 2 on ${subnet}.`];
  }
  const ips = Object.entries(nodes.addresses).flatMap(([node, addrs]) => addrs.map((a) => ({ node, ip: parseAddr(a) })).filter((x): x is { node: string; ip: Ip } => x.ip !== undefined));
  const ofFamily = (f: Family) => ips.filter((x) => x.ip.kind() === f);
  if (poolFamilies.size > 0 && !poolFamilies.has(net.family)) {
    const pools = [...poolFamilies];
    const lan = pools.map((f) => ofFamily(f)[0]).find((x) => x !== undefined);
    const instead = lan ? `set it to the nodes' ${FAMILY_NAME[lan.ip.kind()]} LAN, such as ${segmentOf(lan.ip.toString())} (the ${assumed(lan.ip.kind())} around ${lan.node}'s ${lan.ip.toString()}; wider if the LAN is), or remove it` : "remove it";
    return [`${key}: ${subnet} is an ${FAMILY_NAME[net.family]} network, but every layer-2 pool is ${pools.map((f) => FAMILY_NAME[f]).join(" or ")}; the subnet bounds only the pools of its own family, so it bounds none, and the pools are judged against the ${pools.map(assumed).join(" or ")} around each node instead. Fix: ${instead}.`];
  }
  // A cloud VM's address is known only once it exists: then a node on the subnet cannot be ruled out.
  if (nodes.unread.length > 0 || ips.some((x) => holds(net, x.ip))) return [];
  const listed = Object.entries(nodes.addresses).map(([node, addrs]) => `${node} (${[...new Set(addrs)].join(", ")})`).join(", ");
  const same = ofFamily(net.family);
  const prefix = Number(subnet.split("/")[1]);
  const fix = same.length
    ? `set it to the subnet the nodes are on, such as ${segmentOf(same[0].ip.toString(), prefix)} (holding ${same[0].node}'s ${same[0].ip.toString()}), or remove it to take the ${assumed(net.family)} around each node`
    : `give each node its ${FAMILY_NAME[net.family]} address on that LAN (internalAddress, dual-stack as "IPv4,IPv6"), or remove it`;
  return [`${key}: no node has an address in ${subnet} (the nodes: ${listed}); MetalLB in layer 2 answers ARP/NDP for a pool address from a node on that LAN, so pools on a subnet no node is attached to are never announced. Fix: ${fix}.`];
}
