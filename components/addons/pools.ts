import { keyPath } from "../rules/errors";
import { AddonsRoots, STACK_ADDONS_ROOTS } from "./roots";
import { cidrProblem, parseCidr, splitCidrs } from "../rules/cidr";
import { MetallbConfig } from "./config";
import { ADDRESS_BITS, FAMILY_NAME, Family, sameIp } from "../rules/address";
import { Interval, backwardsRange, cidrInterval, holds, overlaps, parseAddr, parsePoolEntry } from "./pool-ranges";
import { Lan, lanEdgeProblem, lanEdges, lanOf, offSegmentProblem } from "./pool-lan";
import { specialBlocks, specialHits } from "./pool-special";
import { subnetProblems } from "./pool-subnet";
import { PoolSuggestions } from "./pool-suggest";

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
  /** Nodes with an address not known as an IP yet (pool-subnet.ts SubnetNodes.unread). */
  unreadNodes?: string[];
  /** The cluster's API VIP, which no proposed range may hold. */
  apiVip?: string;
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

/** One pool entry as written, with where it is and the interval it means (undefined when unreadable). */
interface Entry {
  pool: MetallbConfig["pools"][number];
  i: number;
  text: string;
  where: string;
  iv: Interval | undefined;
}

/**
 * The interval an entry means: a CIDR (host bits ignored, spaces trimmed, a prefix's leading zeros
 * dropped), one address, or a range (start and end swapped when written backwards).
 */
function meant(text: string): Interval | undefined {
  const t = text.trim();
  const cidr = /^([^/]+)\/0*(\d+)$/.exec(t);
  if (cidr) return cidrInterval(`${cidr[1]}/${cidr[2]}`);
  const ip = t.includes("-") ? undefined : parseAddr(t);
  return ip ? cidrInterval(`${ip.toString()}/${ADDRESS_BITS[ip.kind()]}`) : parsePoolEntry(t) ?? backwardsRange(t);
}

/** `name` with the first numeric suffix no pool uses, cut to a DNS label's 63 characters. */
function freeName(name: string, names: Set<string>): string {
  for (let n = 2; ; n++) {
    const candidate = `${name.slice(0, 63 - `-${n}`.length)}-${n}`;
    if (!names.has(candidate)) return candidate;
  }
}

/**
 * Every problem with MetalLB's pools, their subnet and BGP peers, one line each naming the setting
 * and a fix; a range a fix proposes passes every check here (pool-suggest.ts).
 */
export function poolProblems(lb: MetallbConfig, ctx: PoolContext, at: AddonsRoots = STACK_ADDONS_ROOTS): string[] {
  const problems: string[] = [];
  // Dual-stack lists are checked range by range.
  const reserved = [
    ...splitCidrs(ctx.clusterCidr).map((r) => ({ name: `the cluster CIDR ${r} (${keyPath(at.clusterCidr, [])})`, iv: cidrInterval(r) })),
    ...splitCidrs(ctx.serviceCidr).map((r) => ({ name: `the service CIDR ${r} (${keyPath(at.serviceCidr, [])})`, iv: cidrInterval(r) })),
  ];
  // MetalLB gives a Service addresses of the Service's own IP families (metallb/metallb#466, the
  // allocator picks pools by family), and Services only get the families of the service range.
  const serviceFamilies = new Set(reserved.filter((r) => r.name.startsWith("the service CIDR")).map((r) => r.iv?.family));
  const taken = takenAddresses(lb, ctx, at);
  const names = new Set(lb.pools.map((p) => p.name));
  const named = new Set<string>();
  lb.pools.forEach((pool, i) => {
    if (named.has(pool.name)) {
      const other = freeName(pool.name, names);
      names.add(other);
      problems.push(`${keyPath(at.addons, ["loadBalancer", "pools", i, "name"])}: pool name '${pool.name}' is used twice, and MetalLB keeps one IPAddressPool per name. Fix: give each pool its own name, such as '${other}'.`);
    }
    named.add(pool.name);
  });
  const entries: Entry[] = lb.pools.flatMap((pool, i) => pool.addresses.map((text, j) => ({ pool, i, text, where: keyPath(at.addons, ["loadBalancer", "pools", i, "addresses", j]), iv: meant(text) })));
  const subnetKey = keyPath(at.addons, ["loadBalancer", "subnet"]);
  const families = new Set(entries.flatMap((e) => (e.iv ? [e.iv.family] : [])));
  const subnetIssues = subnetProblems(lb.subnet, lb.bgp !== undefined, families, { addresses: ctx.nodeAddresses, unread: ctx.unreadNodes ?? [] }, subnetKey);
  problems.push(...subnetIssues);
  // A subnet refused above is not the LAN: the pools are judged against the nodes' own segments.
  const subnet = subnetIssues.length ? undefined : lb.subnet;
  const lans = !lb.bgp && ctx.lanAddresses ? lansOf(ctx.lanAddresses, subnet, subnetKey) : undefined;
  const single = (addr: string) => {
    const a = parseAddr(addr);
    return a ? [cidrInterval(`${a.toString()}/${ADDRESS_BITS[a.kind()]}`)!] : [];
  };
  const blocked = [
    ...reserved.flatMap((r) => (r.iv ? [r.iv] : [])),
    ...taken.flatMap((t) => single(t.address)),
    // The API VIP is apiVipPoolProblems' to report (kube-vip.ts); a fix must still leave it out.
    ...(ctx.apiVip ? single(ctx.apiVip) : []),
    ...specialBlocks(lb.bgp !== undefined).map((b) => b.iv),
    ...Object.values(lans ?? {}).flatMap((lan) => lanEdges(lan)),
  ];
  const suggest = new PoolSuggestions(blocked, entries.map((e) => e.iv), lans);
  const bgp = lb.bgp !== undefined;
  entries.forEach((e, k) => {
    const { where, text } = e;
    // A CIDR with host bits set names another network than it seems to (rules/cidr.ts).
    const cidrIssue = !text.includes("-") && parseCidr(text) ? cidrProblem(text, "192.168.1.224/28") : undefined;
    if (cidrIssue) {
      problems.push(`${where}: ${cidrIssue.split(" Fix: ")[0]} Fix: ${suggest.fix(e.iv!, k) ?? "pick free addresses elsewhere"}.`);
      return;
    }
    let iv = parsePoolEntry(text);
    const back = iv ? undefined : backwardsRange(text);
    if (back) {
      problems.push(`${where}: '${text}' runs backwards: its start is after its end, which MetalLB refuses ("start IP … is after the end IP"); start first it is ${back.text}. Fix: ${suggest.fix(back, k) ?? `write it start first, ${back.text}`}.`);
      iv = back;
    }
    if (!iv) {
      problems.push(`${where}: '${text}' is neither a CIDR (192.168.1.224/28) nor a start-end range of one IP family (192.168.1.240-192.168.1.250). Fix: ${unreadableFix(e.iv, k, suggest, serviceFamilies)}.`);
      return;
    }
    if (!serviceFamilies.has(iv.family)) {
      const other: Family = iv.family === "ipv4" ? "ipv6" : "ipv4";
      const free = suggest.onLan(other, k);
      problems.push(`${where}: '${iv.text}' is an ${FAMILY_NAME[iv.family]} range, but the cluster's Services are ${FAMILY_NAME[other]} only (${keyPath(at.serviceCidr, [])}: ${ctx.serviceCidr}), and MetalLB gives a Service addresses of its own family, so no Service would ever get one of these. Fix: use ${FAMILY_NAME[other]} addresses on the nodes' LAN${free ? `, such as ${free.text}` : ""}, or build the cluster dual-stack (an ${FAMILY_NAME[iv.family]} range in serviceCidr and clusterCidr too).`);
      return;
    }
    const before = problems.length;
    // The reason first, then the range that meets it (and every other check), when one is known.
    const fix = (reason: string) => [reason, suggest.fix(iv, k)].filter((x) => x !== undefined).join(": ");
    const specials = specialHits(iv, bgp);
    for (const s of specials) problems.push(`${where}: '${iv.text}' overlaps ${s.iv.text}, ${s.what}, so a Service given one of these addresses is reached by nobody. Fix: ${fix(`pick addresses outside ${s.iv.text}`)}.`);
    const inReserved = reserved.filter((r) => r.iv && overlaps(iv, r.iv));
    for (const r of inReserved) problems.push(`${where}: '${iv.text}' overlaps ${r.name}. Fix: ${fix("pick addresses outside the pod and service networks, on the nodes' LAN")}.`);
    for (const t of taken) {
      const a = parseAddr(t.address);
      if (a && holds(iv, a)) problems.push(`${where}: '${iv.text}' contains ${t.address}, ${t.what}, and MetalLB could hand it to a Service. Fix: ${fix(t.fix)}.`);
    }
    entries.slice(0, k).forEach((prev) => {
      if (prev.iv && overlaps(iv, prev.iv)) problems.push(`${where}: '${iv.text}' overlaps '${prev.iv.text}' (${prev.where}), and MetalLB refuses overlapping pools. Fix: ${fix("make pools disjoint")}.`);
    });
    // Off limits for another reason is the problem to fix first; it is off the LAN as a consequence.
    const lan = lans?.[iv.family];
    if (!lan || inReserved.length > 0 || specials.length > 0) return;
    const free = suggest.onLan(iv.family, k);
    const edge = { iv, avoidBuggyIPs: e.pool.avoidBuggyIPs === true, avoidKey: keyPath(at.addons, ["loadBalancer", "pools", e.i, "avoidBuggyIPs"]), within: suggest.within(iv, k), free, avoidClears: !back && problems.length === before };
    const lanProblem = offSegmentProblem(iv, lan, free) ?? lanEdgeProblem(edge, lan);
    if (lanProblem) problems.push(`${where}: ${lanProblem}`);
  });
  lb.bgp?.peers.forEach((peer, i) => {
    if (!parseAddr(peer.address)) {
      problems.push(`${keyPath(at.addons, ["loadBalancer", "bgp", "peers", i, "address"])}: '${peer.address}' is not an IP address. Fix: give the router's IP.`);
    }
  });
  return problems;
}

/** Each family's LAN in layer 2 (pool-lan.ts), where known. */
function lansOf(lanAddresses: Record<string, string[]>, subnet: string | undefined, subnetKey: string): Partial<Record<Family, Lan>> {
  const out: Partial<Record<Family, Lan>> = {};
  for (const f of ["ipv4", "ipv6"] as const) {
    const lan = lanOf(f, lanAddresses, subnet, subnetKey);
    if (lan) out[f] = lan;
  }
  return out;
}

/**
 * The fix for an entry that is no CIDR or range: what it seems to mean, made free; else free
 * addresses on the nodes' LAN; else the two forms, as examples only where they are free too.
 */
function unreadableFix(meantIv: Interval | undefined, k: number, suggest: PoolSuggestions, serviceFamilies: Set<Family | undefined>): string {
  if (meantIv && serviceFamilies.has(meantIv.family)) {
    const clear = suggest.within(meantIv, k);
    if (clear) return `write it as ${clear.text}`;
  }
  const free = [...serviceFamilies].flatMap((f) => (f ? [suggest.onLan(f, k)] : [])).find((x) => x !== undefined);
  if (free) return `write free addresses on the nodes' LAN as a CIDR or a start-end range, such as ${free.text}`;
  const examples = ["192.168.1.224/28", "192.168.1.240-192.168.1.250"].filter((ex) => {
    const iv = parsePoolEntry(ex)!;
    const clear = serviceFamilies.has(iv.family) ? suggest.within(iv, k) : undefined;
    return clear?.first === iv.first && clear.last === iv.last;
  });
  return `write it as a CIDR or a start-end range of free addresses${examples.length ? `, such as ${examples.join(" or ")}` : " (an address, '/', a prefix length; or two addresses of one family joined by '-', the lower first)"}`;
}
