// MetalLB hands out every address of a pool (metallb internal/allocator getIPFromCIDR), skipping only
// IPv4 addresses ending in .0 or .255 with avoidBuggyIPs: a layer-2 pool must not hold its LAN's
// network or broadcast address, nor an address another machine holds.
import { parseAddonsConfig } from "../../components/addons/config";
import { metallbResources } from "../../components/addons/values/metallb";
import { addonsProblems as problems, node } from "./fixtures";
import { problem } from "../support/config";


const KEY = "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]";
const AVOID = "k3s-stacks:addons.loadBalancer.pools[0].avoidBuggyIPs: true";
const lb = (pool: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ loadBalancer: { type: "metallb", pools: [{ name: "lan", ...pool }], ...extra } });

describe("a layer-2 pool and the edges of the nodes' LAN", () => {
  test.each([
    ["a /28 ending at .255", "192.168.1.240/28", "192.168.1.255 (its broadcast address)", "192.168.1.240-192.168.1.254"],
    ["a range up to .255", "192.168.1.240-192.168.1.255", "192.168.1.255 (its broadcast address)", "192.168.1.240-192.168.1.254"],
    ["a range from .0", "192.168.1.0-192.168.1.5", "192.168.1.0 (its network address)", "192.168.1.1-192.168.1.5"],
    ["a /29 starting at .0", "192.168.1.0/29", "192.168.1.0 (its network address)", "192.168.1.1-192.168.1.7"],
  ])("%s on the assumed /24 is refused, naming the range without it and avoidBuggyIPs", (_what, entry, held, range) => {
    expect(problems(lb({ addresses: [entry] }))).toEqual([
      problem(KEY, `'${entry}' holds ${held} of the nodes' LAN 192.168.1.0/24 (taken as /24 around each node's address)`, `write it as ${range}, or set ${AVOID}`),
    ]);
    expect(problems(lb({ addresses: [entry] }))[0]).toContain("if the LAN is wider than /24, set k3s-stacks:addons.loadBalancer.subnet to its CIDR");
  });

  test("a pool of the whole /24 names both edges (and the nodes inside it); the fix leaves out both", () => {
    const p = problems(lb({ addresses: ["192.168.1.0/24"] }));
    expect(p).toContainEqual(problem(KEY, "holds 192.168.1.0 (its network address) and 192.168.1.255 (its broadcast address)", "write it as 192.168.1.15-192.168.1.254"));
    expect(p).toContainEqual(problem(KEY, "contains 192.168.1.10, the address of node 's1'", "exclude node addresses"));
  });

  test("pools clear of the edges, or with avoidBuggyIPs, pass; MetalLB then gets avoidBuggyIPs", () => {
    expect(problems(lb({ addresses: ["192.168.1.224/28", "192.168.1.240-192.168.1.254", "192.168.1.1-192.168.1.5"] }))).toEqual([]);
    expect(problems(lb({ addresses: ["192.168.1.240/28"], avoidBuggyIPs: true }))).toEqual([]);
    const parsed = parseAddonsConfig(lb({ addresses: ["192.168.1.240/28"], avoidBuggyIPs: true })).loadBalancer;
    if (parsed.type !== "metallb") throw new Error("not metallb");
    expect(metallbResources(parsed)[0].spec).toEqual({ addresses: ["192.168.1.240/28"], autoAssign: true, avoidBuggyIPs: true });
    // Unset, the pool's spec stays as before avoidBuggyIPs existed (no diff for existing stacks).
    const plain = parseAddonsConfig(lb({ addresses: ["192.168.1.224/28"] })).loadBalancer;
    if (plain.type !== "metallb") throw new Error("not metallb");
    expect(metallbResources(plain)[0].spec).toEqual({ addresses: ["192.168.1.224/28"], autoAssign: true });
  });

  test("the edges are loadBalancer.subnet's when given: .255 inside a /16 is a host, its last address is not", () => {
    expect(problems(lb({ addresses: ["192.168.1.240/28"] }, { subnet: "192.168.0.0/16" }))).toEqual([]);
    expect(problems(lb({ addresses: ["192.168.255.240/28"] }, { subnet: "192.168.0.0/16" }))).toEqual([
      problem(KEY, "holds 192.168.255.255 (its broadcast address) of k3s-stacks:addons.loadBalancer.subnet 192.168.0.0/16", `write it as 192.168.255.240-192.168.255.254, or set ${AVOID}`),
    ]);
  });

  test("on a LAN narrower than /24 avoidBuggyIPs does not help, and is not offered", () => {
    const narrow = { subnet: "192.168.1.0/26" };
    const p = problems(lb({ addresses: ["192.168.1.48/28"] }, narrow));
    expect(p).toEqual([problem(KEY, "holds 192.168.1.63 (its broadcast address) of k3s-stacks:addons.loadBalancer.subnet 192.168.1.0/26", "write it as 192.168.1.48-192.168.1.62.")]);
    expect(p[0]).not.toContain("avoidBuggyIPs");
    expect(problems(lb({ addresses: ["192.168.1.48/28"], avoidBuggyIPs: true }, narrow))).toHaveLength(1);
  });

  test("IPv6: the Subnet-Router anycast address of the node's /64 is refused", () => {
    const dual = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
    const nodes = [{ ...node("s1", 10, { role: "server" }), internalAddress: "192.168.1.10,2001:db8:1::1000" }];
    expect(problems(lb({ addresses: ["2001:db8:1::/120"] }), dual, nodes)).toEqual([
      problem(KEY, "holds 2001:db8:1:: (its Subnet-Router anycast address) of the nodes' LAN 2001:db8:1::/64", "write it as 2001:db8:1::1-2001:db8:1::ff"),
    ]);
    expect(problems(lb({ addresses: ["2001:db8:1::100/120"] }), dual, nodes)).toEqual([]);
  });

  test("over BGP the pools are routed, not on the LAN: no edge check", () => {
    expect(problems(lb({ addresses: ["192.168.1.240/28"] }, { bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } }))).toEqual([]);
  });
});

describe("a pool and the addresses other machines hold", () => {
  test("an SSH bastion's address is refused", () => {
    const nodes = [{ ...node("s1", 10, { role: "server" }), connection: { host: "192.168.1.10", user: "root", bastion: { host: "192.168.1.230", user: "root" } } }];
    expect(problems(lb({ addresses: ["192.168.1.224/28"] }), {}, nodes)).toEqual([
      problem(KEY, "contains 192.168.1.230, the address of the SSH bastion of node 's1'", "exclude the bastion's address"),
    ]);
  });

  test("the cluster's API endpoint is refused; a DNS name is not judged", () => {
    expect(problems(lb({ addresses: ["192.168.1.224/28"] }), { apiEndpoint: { address: "192.168.1.230", key: "k3s-stacks:cluster.apiEndpoint" } })).toEqual([
      problem(KEY, "contains 192.168.1.230, the cluster's API endpoint (k3s-stacks:cluster.apiEndpoint)", "exclude the API endpoint's address"),
    ]);
    expect(problems(lb({ addresses: ["192.168.1.224/28"] }), { apiEndpoint: { address: "k3s.lan", key: "k3s-stacks:cluster.apiEndpoint" } })).toEqual([]);
  });

  test("a BGP router's address is refused", () => {
    const bgp = { myASN: 64512, peers: [{ address: "10.10.10.5", asn: 64513 }] };
    expect(problems(lb({ addresses: ["10.10.10.0/28"] }, { bgp }))).toEqual([
      problem(KEY, "contains 10.10.10.5, the address of the BGP router k3s-stacks:addons.loadBalancer.bgp.peers[0].address", "exclude the router's address"),
    ]);
  });
});
