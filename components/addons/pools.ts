import { keyPath } from "../rules/errors";
import { AddonsRoots, STACK_ADDONS_ROOTS } from "./roots";
import { ADDRESS_BITS, Ip, ipToBigInt, parseIp, sameIp } from "../rules/address";
import { cidrProblem, parseCidr, splitCidrs } from "../rules/cidr";
import { MetallbConfig } from "./config";
import { ASSUMED_SEGMENT_PREFIX, segmentOf } from "../rules/layer2";

/** An inclusive address interval of one family. */
interface Interval {
  family: "ipv4" | "ipv6";
  first: bigint;
  last: bigint;
  text: string;
}

/** MetalLB trims the two ends of a `start-end` range before parsing them as IPs (Go net.ParseIP). */
function parseAddr(s: string): Ip | undefined {
  return parseIp(s.trim());
}

/** A CIDR or `start-end` range as an interval; undefined when it is neither or the range is backwards. */
export function parsePoolEntry(text: string): Interval | undefined {
  if (text.includes("-")) {
    const [a, b, ...rest] = text.split("-");
    const start = parseAddr(a);
    const end = parseAddr(b ?? "");
    if (rest.length > 0 || !start || !end || start.kind() !== end.kind()) return undefined;
    const first = ipToBigInt(start);
    const last = ipToBigInt(end);
    return first <= last ? { family: start.kind(), first, last, text } : undefined;
  }
  return cidrInterval(text);
}

function cidrInterval(text: string): Interval | undefined {
  const range = parseCidr(text);
  if (!range) return undefined;
  const [addr, prefix] = range;
  const family = addr.kind();
  const hostBits = BigInt(ADDRESS_BITS[family] - prefix);
  const first = (ipToBigInt(addr) >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n, text };
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** What pools must stay clear of. Node addresses not yet known (cloud outputs) are checked by nobody: say so in docs. */
export interface PoolContext {
  clusterCidr: string;
  serviceCidr: string;
  /** Node addresses known at config time (SSH, internal, external), by node name. */
  nodeAddresses: Record<string, string[]>;
  /**
   * Each node's address on its LAN (its node-ip: internalAddress, else an SSH address that is an IP),
   * by node name, for the layer-2 segment check; nodes known only by a DNS name are left out.
   */
  lanAddresses?: Record<string, string[]>;
}

/**
 * Why a layer-2 pool entry lies on no node's LAN segment, or undefined. MetalLB in layer 2 answers
 * ARP/NDP for a Service address from a node, and a client asks by ARP/NDP only for an address on its
 * own subnet ("only clients on the right network will know to look for the service IP", MetalLB FAQ):
 * an address off the nodes' subnet goes to the client's default router, which has no route to it.
 * The segment is `subnet` (loadBalancer.subnet) when given, else the assumed /24 or /64 around each
 * node's address (rules/layer2.ts), as for apiVip and host-gw. Nodes of another family are not judged.
 */
/** A free-looking range at the top of an IPv4 segment of /28 or wider (its last 16 addresses but the broadcast and a few), as an example. */
function exampleRange(segment: string): string {
  const iv = cidrInterval(segment);
  if (!iv || iv.family !== "ipv4" || iv.last - iv.first < 15n) return `, inside ${segment}`;
  const ip = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  return `, such as ${ip(iv.last - 15n)}-${ip(iv.last - 5n)} in ${segment}`;
}

function offSegmentProblem(iv: Interval, lan: Record<string, string[]>, subnet: string | undefined, subnetKey: string): string | undefined {
  const segments = new Set<string>();
  const subnetIv = subnet ? cidrInterval(subnet) : undefined;
  if (subnetIv && subnetIv.family === iv.family) segments.add(subnet!);
  else {
    for (const addrs of Object.values(lan)) {
      for (const a of addrs) {
        const ip = parseAddr(a);
        if (ip && ip.kind() === iv.family) segments.add(segmentOf(ip.toString()));
      }
    }
  }
  if (segments.size === 0) return undefined;
  const inside = [...segments].some((seg) => {
    const s = cidrInterval(seg);
    return s !== undefined && iv.first >= s.first && iv.last <= s.last;
  });
  if (inside) return undefined;
  const list = [...segments].join(", ");
  const assumed = subnetIv && subnetIv.family === iv.family ? `${subnetKey} ${subnet}` : `the nodes' LAN ${list} (taken as /${ASSUMED_SEGMENT_PREFIX[iv.family]} around each node's address)`;
  return `'${iv.text}' is not inside ${assumed}; MetalLB in layer 2 answers ARP/NDP for its addresses, and clients look up by ARP/NDP only addresses on their own subnet, so these would be unreachable. Fix: pick free addresses on the nodes' LAN (outside its DHCP range)${exampleRange([...segments][0])}; set ${subnetKey} to the LAN's CIDR when it is wider than /${ASSUMED_SEGMENT_PREFIX[iv.family]} (or set the nodes' internalAddress), or announce the pools over bgp.`;
}

/** Every problem with MetalLB's pools and BGP peers, one line each naming the setting and the fix. */
export function poolProblems(lb: MetallbConfig, ctx: PoolContext, at: AddonsRoots = STACK_ADDONS_ROOTS): string[] {
  const problems: string[] = [];
  const seen: Array<{ iv: Interval; where: string }> = [];
  // Dual-stack lists are checked range by range.
  const reserved = [
    ...splitCidrs(ctx.clusterCidr).map((r) => ({ name: `the cluster CIDR ${r} (${keyPath(at.clusterCidr, [])})`, iv: cidrInterval(r) })),
    ...splitCidrs(ctx.serviceCidr).map((r) => ({ name: `the service CIDR ${r} (${keyPath(at.serviceCidr, [])})`, iv: cidrInterval(r) })),
  ];
  // MetalLB gives a Service addresses of the Service's own IP families (metallb/metallb#466, the
  // allocator picks pools by family), and Services only get the families of the service range.
  const serviceFamilies = new Set(reserved.filter((r) => r.name.startsWith("the service CIDR")).map((r) => r.iv?.family));
  const familyName = (f: string) => (f === "ipv4" ? "IPv4" : "IPv6");
  const names = new Set<string>();
  lb.pools.forEach((pool, i) => {
    if (names.has(pool.name)) {
      problems.push(`${keyPath(at.addons, ["loadBalancer", "pools", i, "name"])}: pool name '${pool.name}' is used twice. Fix: give each pool its own name.`);
    }
    names.add(pool.name);
    pool.addresses.forEach((text, j) => {
      const where = keyPath(at.addons, ["loadBalancer", "pools", i, "addresses", j]);
      // A CIDR with host bits set names another network than it seems to (rules/cidr.ts).
      const cidrIssue = !text.includes("-") && parseCidr(text) ? cidrProblem(text, "192.168.1.240/28") : undefined;
      if (cidrIssue) {
        problems.push(`${where}: ${cidrIssue}`);
        return;
      }
      const iv = parsePoolEntry(text);
      if (!iv) {
        problems.push(`${where}: '${text}' is neither a CIDR (192.168.1.240/28) nor a start-end range of one IP family with start <= end (192.168.1.240-192.168.1.250). Fix: correct it.`);
        return;
      }
      if (!serviceFamilies.has(iv.family)) {
        const other = iv.family === "ipv4" ? "IPv6" : "IPv4";
        problems.push(`${where}: '${text}' is an ${familyName(iv.family)} range, but the cluster's Services are ${other} only (${keyPath(at.serviceCidr, [])}: ${ctx.serviceCidr}), and MetalLB gives a Service addresses of its own family, so no Service would ever get one of these. Fix: use ${other} addresses on the nodes' LAN, or build the cluster dual-stack (an ${familyName(iv.family)} range in serviceCidr and clusterCidr too).`);
        return;
      }
      const inReserved = reserved.filter((r) => r.iv && overlaps(iv, r.iv));
      for (const r of inReserved) problems.push(`${where}: '${text}' overlaps ${r.name}. Fix: pick addresses outside the pod and service networks, on the nodes' LAN.`);
      for (const [node, addrs] of Object.entries(ctx.nodeAddresses)) {
        // One line per address: a node's SSH and internal address are often the same.
        addrs.filter((addr, k) => addrs.findIndex((o) => sameIp(o, addr)) === k).forEach((addr) => {
          const a = parseAddr(addr);
          if (a && a.kind() === iv.family && ipToBigInt(a) >= iv.first && ipToBigInt(a) <= iv.last) {
            problems.push(`${where}: '${text}' contains ${addr}, the address of node '${node}'. Fix: exclude node addresses from the pool.`);
          }
        });
      }
      // Inside the pod or service range is the problem to fix first; it is off the LAN as a consequence.
      const offSegment = !lb.bgp && ctx.lanAddresses && inReserved.length === 0 ? offSegmentProblem(iv, ctx.lanAddresses, lb.subnet, keyPath(at.addons, ["loadBalancer", "subnet"])) : undefined;
      if (offSegment) problems.push(`${where}: ${offSegment}`);
      for (const prev of seen) {
        if (overlaps(iv, prev.iv)) problems.push(`${where}: '${text}' overlaps '${prev.iv.text}' (${prev.where}). Fix: make pools disjoint.`);
      }
      seen.push({ iv, where });
    });
  });
  lb.bgp?.peers.forEach((peer, i) => {
    if (!parseAddr(peer.address)) {
      problems.push(`${keyPath(at.addons, ["loadBalancer", "bgp", "peers", i, "address"])}: '${peer.address}' is not an IP address. Fix: give the router's IP.`);
    }
  });
  return problems;
}
