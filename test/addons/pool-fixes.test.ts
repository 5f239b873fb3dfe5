// The fixes of the MetalLB pool checks: loadBalancer.subnet must be a LAN the nodes are on, of the
// pools' family (MetalLB in layer 2 answers ARP/NDP from a node on that LAN); every range a fix
// proposes passes every pool check when written in; a backwards range names the range it means.
import * as pulumi from "@pulumi/pulumi";
import { parseAddonsConfig } from "../../components/addons/config";
import { apiVipPoolProblems } from "../../components/addons/kube-vip";
import { AddonsContext } from "../../components/addons/validate";
import { NodeSpec } from "../../components/nodes/types";
import { addonsProblems as problems, mixedNodes, node } from "./fixtures";
import { problem } from "../support/config";

const SUBNET = "k3s-stacks:addons.loadBalancer.subnet";
const ENTRY = "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]";
const BGP = { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] };
const DUAL = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const dualNodes = [{ ...node("s1", 10, { role: "server" }), internalAddress: "192.168.1.10,2001:db8:1::1000" }];
const lb = (addresses: string[], extra: Record<string, unknown> = {}) => ({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses }], ...extra } });

/** Every problem of an addons config, the API VIP's pool check included (as the stack runs both). */
function allProblems(raw: object, ctx: Partial<AddonsContext>, nodes: NodeSpec[]): string[] {
  const vip = ctx.apiVip;
  const cfg = parseAddonsConfig(raw).loadBalancer;
  const vipProblems = vip && cfg.type === "metallb" ? apiVipPoolProblems({ address: vip, mode: "arp" }, cfg, { apiVip: "cluster.apiVip", addons: "addons" }) : [];
  return [...problems(raw, ctx, nodes), ...vipProblems];
}

describe("loadBalancer.subnet is the LAN the nodes are on", () => {
  test("a subnet no node is on is refused, naming the nodes' addresses and the subnet that holds them", () => {
    const p = problems(lb(["10.0.0.240-10.0.0.250"], { subnet: "10.0.0.0/16" }));
    expect(p[0]).toEqual(problem(SUBNET, "no node has an address in 10.0.0.0/16 (the nodes: s1 (192.168.1.10), a1 (192.168.1.11), a2 (192.168.1.12)", "such as 192.168.0.0/16 (holding s1's 192.168.1.10)"));
    // The pools are then judged against the nodes' own /24, not the subnet refused.
    expect(p[1]).toEqual(problem(ENTRY, "is not inside the nodes' LAN 192.168.1.0/24", "such as 192.168.1.240-192.168.1.250"));
    expect(p).toHaveLength(2);
  });

  test("a subnet of a family no pool has is refused, with the nodes' LAN of the pools' family", () => {
    expect(problems(lb(["192.168.1.240-192.168.1.250"], { subnet: "2001:db8:1::/64" }))).toEqual([
      problem(SUBNET, "2001:db8:1::/64 is an IPv6 network, but every layer-2 pool is IPv4", "set it to the nodes' IPv4 LAN, such as 192.168.1.0/24"),
    ]);
    // Dual-stack: an IPv4 subnet bounds the IPv4 pools; the IPv6 ones keep the /64 around each node.
    expect(problems(lb(["192.168.7.240-192.168.7.250", "2001:db8:1::100/120"], { subnet: "192.168.0.0/16" }), DUAL, dualNodes)).toEqual([]);
  });

  test("an IPv6 subnet on nodes without IPv6 addresses asks for their addresses", () => {
    expect(problems(lb(["2001:db8:1::100/120"], { subnet: "2001:db8:1::/64" }), DUAL)).toEqual([
      problem(SUBNET, "no node has an address in 2001:db8:1::/64", "give each node its IPv6 address on that LAN (internalAddress"),
    ]);
  });

  test("any address of a node counts (a second NIC given as its SSH or external address)", () => {
    const twoNics = [{ ...node("s1", 10, { role: "server" }), internalAddress: "10.0.0.10" }];
    expect(problems(lb(["192.168.1.240-192.168.1.250"], { subnet: "192.168.1.0/24" }), {}, twoNics)).toEqual([]);
  });

  test("nodes whose addresses are not known yet (cloud Outputs, DNS names only) leave the subnet unjudged", () => {
    const cloudLike = [{ ...node("s1", 10, { role: "server" }), connection: { host: pulumi.output("10.0.0.10"), user: "root" }, internalAddress: pulumi.output("10.0.0.10") }];
    expect(problems(lb(["172.16.0.240-172.16.0.250"], { subnet: "172.16.0.0/24" }), {}, cloudLike)).toEqual([]);
    const named = [...mixedNodes, { ...node("n1", 20), connection: { host: "n1.lan", user: "root" }, internalAddress: undefined }];
    expect(problems(lb(["172.16.0.240-172.16.0.250"], { subnet: "172.16.0.0/24" }), {}, named).join("\n")).not.toMatch(/no node has an address/);
  });

  test("over bgp nothing reads the subnet: it is refused", () => {
    expect(problems(lb(["10.10.10.0/28"], { subnet: "192.168.0.0/16", bgp: BGP }))).toEqual([problem(SUBNET, "bgp is set, so MetalLB routes the pools and nothing reads the subnet", `remove ${SUBNET}`)]);
  });
});

describe("a backwards range and the addresses no Service can use", () => {
  test("a backwards range names the range it means, and is checked as that", () => {
    expect(problems(lb(["192.168.1.250-192.168.1.240"]))).toEqual([
      problem(ENTRY, "'192.168.1.250-192.168.1.240' runs backwards: its start is after its end, which MetalLB refuses", "write it as 192.168.1.240-192.168.1.250."),
    ]);
    expect(problems(lb(["192.168.1.255-192.168.1.240"]))).toEqual([
      problem(ENTRY, "start first it is 192.168.1.240-192.168.1.255", "write it as 192.168.1.240-192.168.1.254."),
      problem(ENTRY, "'192.168.1.240-192.168.1.255' holds 192.168.1.255 (its broadcast address)", "write it as 192.168.1.240-192.168.1.254"),
    ]);
  });

  test.each([
    ["multicast over bgp", "224.0.0.0/28", "overlaps 224.0.0.0/4, multicast", "pick addresses outside 224.0.0.0/4."],
    ["loopback over bgp", "127.0.0.0/28", "overlaps 127.0.0.0/8, loopback", "pick addresses outside 127.0.0.0/8."],
    ["link-local over bgp", "169.254.10.0/28", "overlaps 169.254.0.0/16, link-local", "pick addresses outside 169.254.0.0/16."],
    ["reserved class E over bgp", "240.0.0.0/28", "overlaps 240.0.0.0/4, reserved", "pick addresses outside 240.0.0.0/4."],
    ["partly multicast over bgp", "223.255.255.248-224.0.0.7", "overlaps 224.0.0.0/4, multicast", "write it as 223.255.255.248/29."],
  ])("%s is refused (no Service can use it)", (_what, entry, what, fix) => {
    expect(problems(lb([entry], { bgp: BGP }))).toEqual([problem(ENTRY, what, fix)]);
  });

  test("IPv6 multicast and loopback are refused; layer 2 leaves link-local to the LAN check", () => {
    expect(problems(lb(["ff02::/120"], { bgp: BGP }), DUAL, dualNodes)).toEqual([problem(ENTRY, "overlaps ff00::/8, multicast", "pick addresses outside ff00::/8")]);
    expect(problems(lb(["::1/128"], { bgp: BGP }), DUAL, dualNodes)).toEqual([problem(ENTRY, "overlaps ::1/128, loopback", "pick addresses outside ::1/128")]);
    expect(problems(lb(["169.254.10.0/28"]))).toEqual([problem(ENTRY, "is not inside the nodes' LAN 192.168.1.0/24", "such as 192.168.1.240-192.168.1.250")]);
  });

  test("avoidBuggyIPs is offered only when it alone clears the entry", () => {
    const nodes = [node("s1", 10, { role: "server" }), node("a1", 241)];
    const p = problems(lb(["192.168.1.240/28"]), {}, nodes);
    expect(p).toContainEqual(problem(ENTRY, "holds 192.168.1.255 (its broadcast address)", "write it as 192.168.1.242-192.168.1.254"));
    expect(p.join("\n")).not.toMatch(/avoidBuggyIPs/);
  });

  test("a duplicate pool name gets a free one", () => {
    const pools = [{ name: "lan", addresses: ["192.168.1.224/28"] }, { name: "lan-2", addresses: ["192.168.1.200-192.168.1.210"] }, { name: "lan", addresses: ["192.168.1.240-192.168.1.250"] }];
    expect(problems({ loadBalancer: { type: "metallb", pools } })).toEqual([problem("k3s-stacks:addons.loadBalancer.pools[2].name", "pool name 'lan' is used twice", "such as 'lan-3'")]);
  });
});

/** The values a problem's fix proposes: ranges, subnets and names after `write it as` or `such as`. */
function proposals(p: string): string[] {
  const fix = p.slice(p.indexOf(" Fix: "));
  return [...fix.matchAll(/(?:write it as|such as) '?([0-9A-Za-z.:/-]*[0-9A-Za-z])/g)].map((m) => m[1]);
}

// Each case: the config with one value set by `at`, the faulty value, then the cluster and nodes.
type Case = [string, (value: string) => object, string, Partial<AddonsContext>?, NodeSpec[]?];
const entry = (extra: Record<string, unknown> = {}, others: string[] = []) => (v: string) => lb([...others, v], extra);
const cases: Case[] = [
  ["off the LAN, on a /28 subnet (network address and a node at its start)", entry({ subnet: "192.168.1.0/28" }), "10.0.0.0/28"],
  ["off the LAN, the API VIP on the free-looking range", entry(), "10.0.0.0/28", { apiVip: "192.168.1.245" }],
  ["off the LAN, the API endpoint on the free-looking range", entry(), "10.0.0.0/28", { apiEndpoint: { address: "192.168.1.240", key: "k3s-stacks:cluster.apiEndpoint" } }],
  ["a /28 over the broadcast address", entry(), "192.168.1.240/28"],
  ["a /28 over the broadcast address, nodes inside it", entry(), "192.168.1.240/28", {}, [node("s1", 250, { role: "server" }), node("a1", 241)]],
  ["a /29 from the network address", entry(), "192.168.1.0/29"],
  ["host bits set, the network form over the broadcast address", entry(), "192.168.1.241/28"],
  ["host bits set on a /26 subnet", entry({ subnet: "192.168.1.0/26" }), "192.168.1.50/28"],
  ["the whole /24", entry(), "192.168.1.0/24"],
  ["a backwards range", entry(), "192.168.1.250-192.168.1.240"],
  ["a backwards range over the broadcast address", entry(), "192.168.1.255-192.168.1.240"],
  ["a node's address", entry(), "192.168.1.8-192.168.1.12"],
  ["the service CIDR", entry(), "10.43.0.100-10.43.0.120"],
  ["the service CIDR over bgp", entry({ bgp: BGP }), "10.43.255.240-10.44.0.20"],
  ["an IPv6 range on an IPv4 cluster", entry(), "2001:db8:1::240/124"],
  ["overlapping another pool", entry({}, ["192.168.1.224/28"]), "192.168.1.230-192.168.1.250"],
  ["no prefix length", entry(), "192.168.1.240"],
  ["not an address", entry(), "lan-pool"],
  ["partly multicast over bgp", entry({ bgp: BGP }), "223.255.255.248-224.0.0.7"],
  ["IPv6 over the Subnet-Router anycast address", entry(), "2001:db8:1::/120", DUAL, dualNodes],
  ["IPv6 off the LAN", entry(), "2001:db8:9::/120", DUAL, dualNodes],
  ["a subnet no node is on", (v) => lb(["192.168.1.240-192.168.1.250"], { subnet: v }), "10.0.0.0/16"],
  ["a subnet of the wrong family", (v) => lb(["192.168.1.240-192.168.1.250"], { subnet: v }), "2001:db8:1::/64"],
  ["a duplicate name", (v) => ({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }, { name: v, addresses: ["192.168.1.240-192.168.1.250"] }] } }), "lan"],
];

describe("every value a fix proposes passes every pool check", () => {
  test.each(cases)("%s", (_what, build, faulty, ctx = {}, nodes = mixedNodes) => {
    const before = allProblems(build(faulty), ctx, nodes);
    const proposed = [...new Set(before.flatMap(proposals))];
    expect(proposed.length).toBeGreaterThan(0);
    for (const value of proposed) expect({ value, problems: allProblems(build(value), ctx, nodes) }).toEqual({ value, problems: [] });
  });
});
