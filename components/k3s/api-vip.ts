import * as ipaddr from "ipaddr.js";
import { ConfigRoot, keyPath } from "../rules/key-path";
import { splitCidrs } from "../rules/cidr";
import { nodeIpOfFamily, primaryNodeIp, splitNodeIps } from "../rules/node-ips";
import { ASSUMED_SEGMENT_PREFIX, segmentOf } from "../rules/layer2";
import { NodeFacts } from "../nodes/types";
import { ApiVip } from "./settings";

/** What the VIP is checked against in the cluster layer: the nodes and the pod/service ranges. */
export interface ApiVipNetwork {
  nodes: NodeFacts[];
  clusterCidr: string;
  serviceCidr: string;
}

/** Whether `addr` lies in `cidr` (same family only). */
function cidrHolds(cidr: string, addr: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const [net, prefix] = ipaddr.parseCIDR(cidr);
  return net.kind() === addr.kind() && addr.match(net, prefix);
}

/**
 * The problems of `apiVip` (kube-vip in ARP mode) against the nodes and the cluster's ranges, for the
 * stack program and K3sCluster alike: the VIP must be on the servers' layer-2 network (ARP reaches
 * only the local segment), must not be any node's address, nor inside the pod/service CIDRs (routed
 * inside the cluster). Node addresses not known yet (cloud outputs) are skipped. `root` names the
 * cluster settings (`"cluster"` → `k3s-stacks:cluster.apiVip.address`, `{ arg: "K3sCluster.args" }`).
 * The MetalLB pools are checked on top in the addons layer (addons/kube-vip.ts apiVipProblems).
 */
export function apiVipNetworkProblems(vip: ApiVip, ctx: ApiVipNetwork, root: ConfigRoot = "cluster"): string[] {
  const where = keyPath(root, ["apiVip", "address"]);
  const problems: string[] = [];
  const addr = ipaddr.parse(vip.address);
  const family = addr.kind();
  const host = family === "ipv4" ? 32 : 128;
  const assumed = ASSUMED_SEGMENT_PREFIX[family];
  const subnet = vip.subnet ?? segmentOf(vip.address);
  if (vip.subnet && !cidrHolds(vip.subnet, addr)) {
    problems.push(`${where}: ${vip.address} is outside apiVip.subnet ${vip.subnet}. Fix: pick a free address inside ${vip.subnet}, or correct the subnet.`);
  }
  const [, prefix] = ipaddr.parseCIDR(subnet);
  if (family === "ipv4" && prefix < host - 1) {
    const [net] = ipaddr.parseCIDR(subnet);
    const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(subnet).toString();
    if (vip.address === net.toString() || vip.address === broadcast) {
      problems.push(`${where}: ${vip.address} is the network or broadcast address of ${subnet}. Fix: pick a host address inside it.`);
    }
  }
  for (const n of ctx.nodes) {
    const written = [...[n.internalAddress, n.externalAddress].flatMap((a) => (typeof a === "string" ? splitNodeIps(a) : [])), n.connection.host].filter((a): a is string => typeof a === "string");
    const taken = written.some((a) => {
      if (!ipaddr.isValid(a)) return false;
      const na = ipaddr.parse(a);
      return na.kind() === family && na.toNormalizedString() === addr.toNormalizedString();
    });
    if (taken) problems.push(`${where}: ${vip.address} is the address of node '${n.name}'; kube-vip would take it over. Fix: pick an address no machine uses.`);
  }
  const servers = ctx.nodes.filter((n) => n.role === "server");
  for (const n of servers) {
    // A dual-stack server is judged by its node-ip of the VIP's family.
    const internal = typeof n.internalAddress === "string" ? nodeIpOfFamily(n.internalAddress, family) ?? primaryNodeIp(n.internalAddress) : n.internalAddress;
    const a = internal ?? n.connection.host;
    if (typeof a !== "string" || !ipaddr.isValid(a)) continue;
    const sa = ipaddr.parse(a);
    if (sa.kind() !== family || !cidrHolds(subnet, sa)) {
      const fix = vip.subnet
        ? `pick a VIP on the servers' LAN, or correct apiVip.subnet`
        : `pick a VIP in ${subnet}, or set apiVip.subnet to your LAN's CIDR (e.g. 192.168.0.0/16) when it is wider than /${assumed}`;
      problems.push(`${where}: server '${n.name}' (${a}) is not in ${subnet}, and ARP announces the VIP only on the servers' own network segment. Fix: ${fix}.`);
    }
  }
  // Dual-stack lists are checked range by range.
  const ranges = [...splitCidrs(ctx.clusterCidr).map((c) => ["clusterCidr", c] as const), ...splitCidrs(ctx.serviceCidr).map((c) => ["serviceCidr", c] as const)];
  for (const [key, cidr] of ranges) {
    if (cidrHolds(cidr, addr)) {
      problems.push(`${where}: ${vip.address} is inside ${keyPath(root, [key])} ${cidr}, which is routed inside the cluster. Fix: pick an address on the servers' LAN.`);
    }
  }
  return problems;
}
