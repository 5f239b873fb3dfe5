import * as ipaddr from "ipaddr.js";
import { Family, Ip, ipToBigInt } from "../rules/address";
import { ASSUMED_SEGMENT_PREFIX, segmentOf } from "../rules/layer2";
import { Interval, cidrInterval, holds, parseAddr, part } from "./pool-ranges";

/**
 * The LAN a layer-2 MetalLB pool of one family is announced on: `loadBalancer.subnet` when given, else
 * the assumed /24 or /64 around each node's address (rules/layer2.ts), as for apiVip and host-gw.
 */
export interface Lan {
  family: Family;
  segments: string[];
  /** The segments are the assumed ones around the nodes, not the subnet the user gave. */
  assumed: boolean;
  /** The key of `loadBalancer.subnet`, named in the fixes. */
  subnetKey: string;
}

/** The LAN of `family`, or undefined when no node has a known address of it (and no subnet is given). */
export function lanOf(family: Family, lanAddresses: Record<string, string[]>, subnet: string | undefined, subnetKey: string): Lan | undefined {
  const subnetIv = subnet ? cidrInterval(subnet) : undefined;
  if (subnet && subnetIv?.family === family) return { family, segments: [subnet], assumed: false, subnetKey };
  const segments = new Set<string>();
  for (const addrs of Object.values(lanAddresses)) {
    for (const a of addrs) {
      const ip = parseAddr(a);
      if (ip && ip.kind() === family) segments.add(segmentOf(ip.toString()));
    }
  }
  return segments.size ? { family, segments: [...segments], assumed: true, subnetKey } : undefined;
}

function lanName(lan: Lan, segment: string): string {
  return lan.assumed ? `the nodes' LAN ${segment} (taken as /${ASSUMED_SEGMENT_PREFIX[lan.family]} around each node's address)` : `${lan.subnetKey} ${segment}`;
}

/**
 * Why a layer-2 pool entry lies on no segment of the nodes' LAN, or undefined. MetalLB in layer 2
 * answers ARP/NDP for a Service address from a node, and a client asks by ARP/NDP only for an address
 * on its own subnet ("only clients on the right network will know to look for the service IP", MetalLB
 * FAQ): an address off the nodes' subnet goes to the client's default router, which has no route to it.
 */
export function offSegmentProblem(iv: Interval, lan: Lan, free: Interval | undefined): string | undefined {
  if (segmentHolding(iv, lan)) return undefined;
  const where = lan.assumed ? lanName(lan, lan.segments.join(", ")) : lanName(lan, lan.segments[0]);
  const prefix = ASSUMED_SEGMENT_PREFIX[iv.family];
  const example = free ? `, such as ${free.text}` : "";
  // A subnet given is one the nodes are on (pool-subnet.ts); only the assumed segment may be too narrow.
  const wider = lan.assumed ? `; set ${lan.subnetKey} to the LAN's CIDR when it is wider than /${prefix} (or set the nodes' internalAddress)` : "";
  return `'${iv.text}' is not inside ${where}; MetalLB in layer 2 answers ARP/NDP for its addresses, and clients look up by ARP/NDP only addresses on their own subnet, so these would be unreachable. Fix: pick free addresses on the nodes' LAN (outside its DHCP range)${example}${wider}, or announce the pools over bgp.`;
}

function segmentHolding(iv: Interval, lan: Lan): string | undefined {
  return lan.segments.find((seg) => {
    const s = cidrInterval(seg);
    return s !== undefined && s.family === iv.family && iv.first >= s.first && iv.last <= s.last;
  });
}

/**
 * The addresses of a segment that belong to no host: for IPv4 the network address (all-zero host
 * part, an obsolete broadcast form hosts still take as one, RFC 1122 §3.3.6) and the broadcast address
 * (RFC 919/922: sent to every host on the LAN); for IPv6 the Subnet-Router anycast address (all-zero
 * interface identifier, which the LAN's routers answer, RFC 4291 §2.6.1). Point-to-point /31 and /127
 * segments have none (RFC 3021, RFC 6164).
 */
function edgesOf(segment: string): Array<{ addr: Ip; what: string }> {
  const [net, prefix] = ipaddr.parseCIDR(segment);
  if (net.kind() === "ipv4") {
    if (prefix >= 31) return [];
    return [
      { addr: ipaddr.IPv4.networkAddressFromCIDR(segment), what: "network address" },
      { addr: ipaddr.IPv4.broadcastAddressFromCIDR(segment), what: "broadcast address" },
    ];
  }
  return prefix >= 127 ? [] : [{ addr: ipaddr.IPv6.networkAddressFromCIDR(segment), what: "Subnet-Router anycast address" }];
}

/** MetalLB's avoidBuggyIPs skips IPv4 addresses ending in .0 or .255 (metallb internal/allocator ipConfusesBuggyFirmwares). */
function skippedByAvoidBuggyIPs(addr: Ip): boolean {
  const bytes = addr.toByteArray();
  return addr.kind() === "ipv4" && (bytes[3] === 0 || bytes[3] === 255);
}

/** One layer-2 pool entry, the pool setting that can exclude addresses from it, and its fixes. */
export interface LanEdgeEntry {
  iv: Interval;
  avoidBuggyIPs: boolean;
  /** The key of the pool's avoidBuggyIPs, named in the fix. */
  avoidKey: string;
  /** The largest part of the entry every pool check accepts (pool-suggest.ts), if any. */
  within: Interval | undefined;
  /** Free addresses elsewhere on the LAN, for an entry with no such part. */
  free: Interval | undefined;
  /** Whether avoidBuggyIPs alone would clear the entry (nothing else refuses it). */
  avoidClears: boolean;
}

/** The network, broadcast and Subnet-Router anycast addresses of every segment of `lan`, which no pool may hold. */
export function lanEdges(lan: Lan): Interval[] {
  return lan.segments.flatMap((seg) => edgesOf(seg).map((e) => part(lan.family, ipToBigInt(e.addr), ipToBigInt(e.addr))));
}

/**
 * Why a layer-2 pool entry holds the network or broadcast address of the LAN segment it lies in, or
 * undefined. MetalLB hands out every address of a pool, the first and last included, skipping only
 * IPv4 addresses ending in .0 or .255 when the pool sets avoidBuggyIPs (metallb internal/allocator
 * getIPFromCIDR; IPAddressPool.spec.avoidBuggyIPs, default false). A Service given the broadcast
 * address is reached by nobody: clients send to it as a broadcast, never to the node answering ARP
 * for it. An entry off the LAN is offSegmentProblem's to report.
 */
export function lanEdgeProblem(entry: LanEdgeEntry, lan: Lan): string | undefined {
  const { iv } = entry;
  const segment = segmentHolding(iv, lan);
  if (!segment) return undefined;
  const hit = edgesOf(segment).filter((e) => holds(iv, e.addr) && !(entry.avoidBuggyIPs && skippedByAvoidBuggyIPs(e.addr)));
  if (hit.length === 0) return undefined;
  const held = hit.map((e) => `${e.addr.toString()} (its ${e.what})`).join(" and ");
  const fixes = [
    ...(entry.within ? [`write it as ${entry.within.text}`] : entry.free ? [`pick free addresses such as ${entry.free.text}`] : []),
    ...(entry.avoidClears && hit.every((e) => skippedByAvoidBuggyIPs(e.addr)) ? [`set ${entry.avoidKey}: true (MetalLB then skips addresses ending in .0 or .255)`] : []),
  ];
  const wider = lan.assumed ? `; if the LAN is wider than /${ASSUMED_SEGMENT_PREFIX[iv.family]}, set ${lan.subnetKey} to its CIDR instead` : "";
  return `'${iv.text}' holds ${held} of ${lanName(lan, segment)}, which is no host's address; MetalLB hands out every address of a pool, and a Service given it would be unreachable (clients send to it as ${iv.family === "ipv4" ? "a broadcast" : "anycast to the LAN's routers"}, not to the node announcing it). Fix: ${fixes.length ? fixes.join(", or ") : "pick host addresses inside the LAN"}${wider}.`;
}
