import { keyPath } from "../rules/errors";
import { AddonsRoots, STACK_ADDONS_ROOTS } from "./roots";
import { sameIp } from "../rules/address";
import { cidrProblem, parseCidr, splitCidrs } from "../rules/cidr";
import { MetallbConfig } from "./config";
import { Interval, cidrInterval, holds, overlaps, parseAddr, parsePoolEntry } from "./pool-ranges";
import { lanEdgeProblem, lanOf, offSegmentProblem } from "./pool-lan";

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
  /** Other machines known at config time by address, such as the nodes' SSH bastions, by node name. */
  bastionAddresses?: Record<string, string[]>;
  /** The cluster's API endpoint (a load balancer, VIP or DNS name) and the key that sets it; a name is not judged. */
  apiEndpoint?: { address: string; key: string };
}

/** An address some machine holds already, which no pool may hand to a Service. */
interface Taken {
  address: string;
  what: string;
  fix: string;
}

/**
 * The addresses machines hold that a pool could hand out again: the nodes' own (SSH, internal,
 * external), their bastions, the API endpoint and the BGP routers. Two machines answering for one address break both
 * ("ensure the addresses field specifies only IPs ... not in use by other network devices",
 * OpenShift's MetalLB IPAddressPool docs).
 */
function takenAddresses(lb: MetallbConfig, ctx: PoolContext, at: AddonsRoots): Taken[] {
  // One line per address: a node's SSH and internal address are often the same.
  const once = (addrs: string[]) => addrs.filter((addr, k) => addrs.findIndex((o) => sameIp(o, addr)) === k);
  return [
    ...Object.entries(ctx.nodeAddresses).flatMap(([node, addrs]) => once(addrs).map((address) => ({ address, what: `the address of node '${node}'`, fix: "exclude node addresses from the pool" }))),
    ...Object.entries(ctx.bastionAddresses ?? {}).flatMap(([node, addrs]) => once(addrs).map((address) => ({ address, what: `the address of the SSH bastion of node '${node}'`, fix: "exclude the bastion's address from the pool" }))),
    ...(ctx.apiEndpoint ? [{ address: ctx.apiEndpoint.address, what: `the cluster's API endpoint (${ctx.apiEndpoint.key})`, fix: "exclude the API endpoint's address from the pool" }] : []),
    ...(lb.bgp?.peers ?? []).map((peer, i) => ({ address: peer.address, what: `the address of the BGP router ${keyPath(at.addons, ["loadBalancer", "bgp", "peers", i, "address"])}`, fix: "exclude the router's address from the pool" })),
  ];
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
  const taken = takenAddresses(lb, ctx, at);
  const names = new Set<string>();
  lb.pools.forEach((pool, i) => {
    if (names.has(pool.name)) {
      problems.push(`${keyPath(at.addons, ["loadBalancer", "pools", i, "name"])}: pool name '${pool.name}' is used twice. Fix: give each pool its own name.`);
    }
    names.add(pool.name);
    pool.addresses.forEach((text, j) => {
      const where = keyPath(at.addons, ["loadBalancer", "pools", i, "addresses", j]);
      // A CIDR with host bits set names another network than it seems to (rules/cidr.ts).
      const cidrIssue = !text.includes("-") && parseCidr(text) ? cidrProblem(text, "192.168.1.224/28") : undefined;
      if (cidrIssue) {
        problems.push(`${where}: ${cidrIssue}`);
        return;
      }
      const iv = parsePoolEntry(text);
      if (!iv) {
        problems.push(`${where}: '${text}' is neither a CIDR (192.168.1.224/28) nor a start-end range of one IP family with start <= end (192.168.1.240-192.168.1.250). Fix: correct it.`);
        return;
      }
      if (!serviceFamilies.has(iv.family)) {
        const other = iv.family === "ipv4" ? "IPv6" : "IPv4";
        problems.push(`${where}: '${text}' is an ${familyName(iv.family)} range, but the cluster's Services are ${other} only (${keyPath(at.serviceCidr, [])}: ${ctx.serviceCidr}), and MetalLB gives a Service addresses of its own family, so no Service would ever get one of these. Fix: use ${other} addresses on the nodes' LAN, or build the cluster dual-stack (an ${familyName(iv.family)} range in serviceCidr and clusterCidr too).`);
        return;
      }
      const inReserved = reserved.filter((r) => r.iv && overlaps(iv, r.iv));
      for (const r of inReserved) problems.push(`${where}: '${text}' overlaps ${r.name}. Fix: pick addresses outside the pod and service networks, on the nodes' LAN.`);
      for (const t of taken) {
        const a = parseAddr(t.address);
        if (a && holds(iv, a)) problems.push(`${where}: '${text}' contains ${t.address}, ${t.what}, and MetalLB could hand it to a Service. Fix: ${t.fix}.`);
      }
      // Inside the pod or service range is the problem to fix first; it is off the LAN as a consequence.
      const lan = !lb.bgp && ctx.lanAddresses && inReserved.length === 0 ? lanOf(iv.family, ctx.lanAddresses, lb.subnet, keyPath(at.addons, ["loadBalancer", "subnet"])) : undefined;
      const lanProblem = lan && (offSegmentProblem(iv, lan) ?? lanEdgeProblem({ iv, avoidBuggyIPs: pool.avoidBuggyIPs === true, avoidKey: keyPath(at.addons, ["loadBalancer", "pools", i, "avoidBuggyIPs"]) }, lan));
      if (lanProblem) problems.push(`${where}: ${lanProblem}`);
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
