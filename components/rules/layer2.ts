import * as ipaddr from "ipaddr.js";
import { Family } from "./address";

/**
 * Layer-2 networking: an address one machine announces by ARP/NDP for another (kube-vip in ARP mode,
 * MetalLB's L2 mode) and packets for pod addresses sent straight to a node's MAC (flannel host-gw)
 * need one LAN segment that delivers whatever its machines announce. Hetzner Cloud networks route
 * every server's assigned /32 through their gateway and AWS VPCs route by assigned ENI address (with
 * a source/destination check), so neither delivers an address it did not assign to a server: the
 * one rule behind every refusal of these features on cloud stacks.
 */
export const CLOUD_DELIVERS_ONLY_ASSIGNED = "Hetzner Cloud and AWS networks deliver only addresses they assigned to a server";

/**
 * The prefix a node's LAN segment is assumed to have when no subnet is given: /24 for IPv4 (the
 * usual home and office LAN), /64 for IPv6 (RFC 4291 §2.5.4: a subnet's interface identifiers are
 * 64 bits). The apiVip and host-gw checks take nodes outside one such segment as not adjacent.
 */
export const ASSUMED_SEGMENT_PREFIX: Record<Family, number> = { ipv4: 24, ipv6: 64 };

/** The network CIDR of `address` with `prefix` bits (default: the assumed segment), e.g. 192.168.1.0/24. */
export function segmentOf(address: string, prefix?: number): string {
  const addr = ipaddr.parse(address);
  const bits = prefix ?? ASSUMED_SEGMENT_PREFIX[addr.kind()];
  const bytes = addr.toByteArray().map((b, i) => b & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff));
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}

/** A node as the host-gw check sees it: its node-ip when known (internalAddress, else an SSH address that is an IP). */
export interface SegmentNode {
  name: string;
  nodeIp?: string;
}

/**
 * flannel host-gw installs, on every node, a route to each other node's pod range via that node's IP
 * as the next hop, which the kernel accepts only for a directly connected (same layer-2) network
 * (flannel docs "Backends": host-gw "requires direct layer2 connectivity between hosts"). Nodes whose
 * node-ips fall in different segments — the assumed /24 or /64, or `subnet`'s prefix when the LAN
 * is given (cluster.apiVip.subnet) — make it fail; undefined when all share one. Nodes without a
 * known IP (DNS names) are not judged.
 */
export function splitSegmentsProblem(nodes: SegmentNode[], subnet?: string): string | undefined {
  const prefix = subnet ? Number(subnet.split("/")[1]) : undefined;
  const bySegment = new Map<string, string[]>();
  for (const n of nodes) {
    if (!n.nodeIp || !ipaddr.isValid(n.nodeIp)) continue;
    const family = ipaddr.parse(n.nodeIp).kind();
    const segment = segmentOf(n.nodeIp, subnet && family === ipaddr.parse(subnet.split("/")[0]).kind() ? prefix : undefined);
    bySegment.set(segment, [...(bySegment.get(segment) ?? []), `${n.name} (${n.nodeIp})`]);
  }
  if (bySegment.size < 2) return undefined;
  const list = [...bySegment].map(([segment, names]) => `${segment}: ${names.join(", ")}`).join("; ");
  return `host-gw needs every node on one layer-2 segment, but the node IPs fall in ${bySegment.size} segments (${list})${subnet ? "" : ", taking a segment as /24 (IPv4) or /64 (IPv6)"}. Fix: use vxlan (k3s's default; or remove the key) or wireguard-native, which cross routed subnets, or put the nodes on one LAN segment`;
}
