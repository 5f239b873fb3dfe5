// CIDRs and the cluster's address plan against the rules of k3s and Kubernetes
// (components/rules/cidr.ts, components/rules/cluster-network.ts).
import { cidrProblem, indexedIp, networkForm, parseCidr } from "../../components/rules/cidr";
import { nodeAddressProblems, podRangeCapacityProblems } from "../../components/rules/cluster-network";
import { validateTopology } from "../../components/k3s/topology";
import { parseClusterConfig } from "../../components/k3s/settings";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { problem, problemsOf } from "../support/config";

const V = "v1.36.3+k3s1";
const clusterProblems = (extra: object) => problemsOf(() => parseClusterConfig({ k3sVersion: V, ...extra }));

describe("one CIDR", () => {
  test.each(["10.42.0.0/16", "0.0.0.0/0", "203.0.113.7/32", "fd00:42::/56", "::/0"])("%s is a CIDR", (v) => {
    expect(cidrProblem(v)).toBeUndefined();
  });
  test.each([
    ["10.42.0.1/16", "host bits are set", "write the network form, 10.42.0.0/16"],
    ["fd00:42::1/56", "host bits are set", "fd00:42::/56"],
    ["10.42.0.0", "no prefix length", "10.42.0.0/16"],
    ["10.42.0.0/33", "prefix length is above 32", "10.42.0.0/16"],
    ["10.42.0.256/16", "not a valid CIDR", "write it like"],
    ["10.42/16", "not a valid CIDR", "write it like"],
    ["10.42.0.0/016", "leading zero", "write 10.42.0.0/16"],
    [" 10.42.0.0/16", "spaces", "'10.42.0.0/16'"],
  ])("%j: %s", (v, what, fix) => {
    const message = cidrProblem(v)!;
    expect(message).toContain(what);
    expect(message.slice(message.indexOf("Fix:"))).toContain(fix);
  });
  test("an address without prefix whose /32 is the example itself names it once (adminCidrs: 203.0.113.7)", () => {
    expect(cidrProblem("203.0.113.7", "203.0.113.7/32")).toBe("'203.0.113.7' is not a valid CIDR: it has no prefix length. Fix: add one: 203.0.113.7/32 for this address alone.");
    expect(cidrProblem("192.168.1.5", "192.168.1.0/24")).toMatch(/Fix: add one: 192\.168\.1\.5\/32 for this address alone, or a network's prefix such as 192\.168\.1\.0\/24\.$/);
  });
  test("network form and the strict parse", () => {
    expect(networkForm("192.168.1.77/26")).toBe("192.168.1.64/26");
    expect(parseCidr("10.1/8")).toBeUndefined();
  });
});

describe("k3s-stacks:cluster clusterCidr and serviceCidr", () => {
  test("the k3s defaults and a dual-stack pair in the same order pass", () => {
    expect(parseClusterConfig({ k3sVersion: V }).clusterCidr).toBe("10.42.0.0/16");
    expect(parseClusterConfig({ k3sVersion: V, clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" }).serviceCidr).toBe("10.43.0.0/16,fd00:43::/112");
  });

  test("host bits, three ranges, two of one family", () => {
    expect(clusterProblems({ clusterCidr: "10.42.0.1/16", serviceCidr: "10.43.0.0/16,10.44.0.0/16" })).toEqual([
      problem("k3s-stacks:cluster.clusterCidr", "host bits are set", "10.42.0.0/16"),
      problem("k3s-stacks:cluster.serviceCidr", "two IPv4 ranges", "one IPv4 range"),
    ]);
    expect(clusterProblems({ clusterCidr: "10.42.0.0/16,fd00:42::/56,fd00:44::/56" })).toEqual([
      problem("k3s-stacks:cluster.clusterCidr", "lists 3 ranges", "at most one IPv4 and one IPv6"),
    ]);
  });

  test("cluster and service ranges overlap", () => {
    expect(clusterProblems({ clusterCidr: "10.42.0.0/16", serviceCidr: "10.42.128.0/17" })).toEqual([
      problem("k3s-stacks:cluster.serviceCidr", "10.42.128.0/17 overlaps clusterCidr 10.42.0.0/16", "10.42.0.0/16 (pods) and 10.43.0.0/16 (services)"),
    ]);
  });

  test("the cluster range must hold at least one node's range, and IPv6 at most 2^16 of them", () => {
    expect(clusterProblems({ clusterCidr: "10.42.0.0/25" })).toEqual([
      problem("k3s-stacks:cluster.clusterCidr", "smaller than the /24 pod range each node gets (node-cidr-mask-size-ipv4)", "/24 or larger"),
    ]);
    expect(clusterProblems({ clusterCidr: "fd00::/32", serviceCidr: "fd00:43::/112" })).toEqual([
      problem("k3s-stacks:cluster.clusterCidr", "2^32 node ranges of /64", "/48 or longer prefix, e.g. fd00::/48."),
    ]);
    // The example holds the mask in force, not the default's (a /56 example for a /124 node mask would fail again).
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/112", serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv6=124"] } }))).toEqual([
      problem("k3s-stacks:cluster.clusterCidr", "2^68 node ranges of /124", "/108 or longer prefix, e.g. fd00:42::/108, or a smaller node-cidr-mask-size-ipv6"),
    ]);
    // A node mask set through kube-controller-manager-arg is the one checked.
    expect(parseClusterConfig({ k3sVersion: V, clusterCidr: "10.42.0.0/25", serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=26"] } }).clusterCidr).toBe("10.42.0.0/25");
  });

  test("the service range cap of kube-apiserver holds before Kubernetes 1.34 only", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.33.5+k3s1", serviceCidr: "10.96.0.0/11" }))).toEqual([
      problem("k3s-stacks:cluster.serviceCidr", "larger than kube-apiserver of Kubernetes 1.33 accepts", "/12 or smaller"),
    ]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.33.5+k3s1", clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/100" }))).toEqual([
      problem("k3s-stacks:cluster.serviceCidr", "(/108 at most for IPv6)", "/108 or smaller"),
    ]);
    expect(parseClusterConfig({ k3sVersion: "v1.33.5+k3s1", serviceCidr: "10.96.0.0/12" }).serviceCidr).toBe("10.96.0.0/12");
    expect(parseClusterConfig({ k3sVersion: "v1.34.1+k3s1", serviceCidr: "10.96.0.0/11" }).serviceCidr).toBe("10.96.0.0/11");
  });

  test("dual-stack: families in the same order, no service family the pods lack", () => {
    expect(clusterProblems({ clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "fd00:43::/112,10.43.0.0/16" })).toEqual([
      problem("k3s-stacks:cluster.serviceCidr", "starts with an IPv6 range but clusterCidr starts with IPv4", "same order"),
    ]);
    expect(clusterProblems({ serviceCidr: "10.43.0.0/16,fd00:43::/112" })).toEqual([
      problem("k3s-stacks:cluster.serviceCidr", "has an IPv6 range but clusterCidr has none", "add an IPv6 range to clusterCidr"),
    ]);
  });

  test("the VIP's family must be one the cluster has, and the fix names it", () => {
    expect(clusterProblems({ apiVip: { address: "fd00:1::250" } })).toEqual([
      problem("k3s-stacks:cluster.apiVip.address", "IPv6 but the cluster is IPv4 only", "pick a free IPv4 address"),
    ]);
  });
});

describe("node addresses against the cluster's ranges", () => {
  const net = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
  const key = "k3s-stacks:inventory.hosts[0]";

  test("inside the pod or service range", () => {
    expect(nodeAddressProblems(net, [{ key, name: "pi-1", internalAddress: "10.42.0.7", externalAddress: "10.43.1.1" }])).toEqual([
      problem(`${key}.internalAddress`, "inside k3s-stacks:cluster.clusterCidr (pods) 10.42.0.0/16", "LAN address"),
      problem(`${key}.externalAddress`, "inside k3s-stacks:cluster.serviceCidr 10.43.0.0/16", "LAN address"),
    ]);
  });

  test("a node-ip family the cluster lacks, and a single node-ip in a dual-stack cluster", () => {
    expect(nodeAddressProblems(net, [{ key, name: "pi-1", internalAddress: "fd00::11" }])).toEqual([
      problem(`${key}.internalAddress`, "IPv6 but clusterCidr 10.42.0.0/16 is IPv4", "give the node's IPv4 address here"),
    ]);
    const dual = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
    expect(nodeAddressProblems(dual, [{ key, name: "pi-1", internalAddress: "192.168.1.11" }])).toEqual([
      problem(`${key}.internalAddress`, "is dual-stack; k3s refuses a node-ip whose IP families differ", "single-stack IPv4 cluster"),
    ]);
    expect(nodeAddressProblems(net, [{ key, name: "pi-1", internalAddress: "192.168.1.11", externalAddress: "203.0.113.9" }])).toEqual([]);
  });

  test("a first server the others join at localhost, a loopback name (RFC 6761), unless its internalAddress says where", () => {
    for (const address of ["localhost", "LOCALHOST", "pi.localhost"]) {
      expect(nodeAddressProblems(net, [{ key, name: "pi-1", address, joinTarget: true }])).toEqual([problem(`${key}.address`, "names the loopback address", "set internalAddress")]);
    }
    expect(nodeAddressProblems(net, [{ key, name: "pi-1", address: "localhost", internalAddress: "192.168.1.11", joinTarget: true }])).toEqual([]);
    expect(nodeAddressProblems(net, [{ key, name: "pi-1", address: "localhost" }])).toEqual([]);
  });
});

describe("cloud CIDR fields use the same rules", () => {
  test("host bits in network.cidr, subnets and adminCidrs", () => {
    const problems = problemsOf(() => parseCloudConfig({
      provider: "hetzner",
      hetzner: { location: "nbg1" },
      adminCidrs: ["203.0.113.7/24"],
      network: { cidr: "10.0.0.1/16", subnets: ["10.0.1.0"] },
      pools: [{ name: "control", role: "server", count: 1, type: "cpx22" }],
    }, { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" }));
    expect(problems).toEqual([
      problem("k3s-stacks:cloud.adminCidrs[0]", "host bits are set", "203.0.113.0/24"),
      problem("k3s-stacks:cloud.network.cidr", "host bits are set", "10.0.0.0/16"),
      problem("k3s-stacks:cloud.network.subnets[0]", "no prefix length", "10.0.0.0/16"),
    ]);
  });
});

describe("the cluster CIDR holds a pod range for every node (kube-controller-manager range allocator)", () => {
  const KEY = "k3s-stacks:cluster.clusterCidr";
  test.each([
    ["10.42.0.0/24", 1, undefined],
    ["10.42.0.0/22", 4, undefined],
    ["10.42.0.0/16", 256, undefined],
    ["fd00:42::/63", 2, undefined],
    ["10.42.0.0/16", 4, { ipv4: 18 }],
  ])("%s with %i nodes fits", (clusterCidr, n, mask) => {
    expect(podRangeCapacityProblems({ clusterCidr, nodeCidrMaskSize: mask }, n, KEY)).toEqual([]);
  });
  test.each([
    ["10.42.0.0/24", 2, undefined, "holds 1 pod range of /24", "/23 or larger range, such as 10.42.0.0/23."],
    ["10.42.0.0/22", 5, undefined, "holds 4 pod ranges", "/21 or larger range, such as 10.42.0.0/21."],
    ["10.42.0.0/16", 257, undefined, "holds 256 pod ranges", "/15 or larger"],
    ["10.42.0.0/16", 5, { ipv4: 18 }, "holds 4 pod ranges of /18", "/15 or larger range, such as 10.42.0.0/15, or a longer node-cidr-mask-size."],
    ["10.42.0.0/16,fd00:42::/64", 2, undefined, "fd00:42::/64 holds 1 pod range of /64", "/63 or larger range, such as fd00:42::/63."],
  ])("%s with %i nodes is refused", (clusterCidr, n, mask, what, fix) => {
    expect(podRangeCapacityProblems({ clusterCidr, nodeCidrMaskSize: mask }, n, KEY)).toEqual([problem(KEY, what, fix)]);
  });
  test.each([
    // 10.42.0.0/15 would take the default service range 10.43.0.0/16: the next free /15 is offered.
    ["10.42.0.0/16", "10.43.0.0/16", 257, "such as 10.44.0.0/15."],
    ["10.42.0.0/16", "10.44.0.0/16", 257, "such as 10.42.0.0/15."],
    ["10.42.0.0/16", "10.43.0.0/16", 1000, "such as 10.44.0.0/14."],
    ["10.42.0.0/16,fd00:42::/64", "10.43.0.0/16,fd00:42:1::/112", 300, "such as 10.44.0.0/15."],
  ])("%s (service %s) with %i nodes: the fix's example overlaps no service range", (clusterCidr, serviceCidr, n, example) => {
    const [message] = podRangeCapacityProblems({ clusterCidr, serviceCidr }, n, KEY);
    expect(message).toContain(example);
  });
  test("a range smaller than one node range is left to clusterNetworkProblems (one message)", () => {
    expect(podRangeCapacityProblems({ clusterCidr: "10.42.0.0/25" }, 3, KEY)).toEqual([]);
  });
  test("the stack's topology check counts the planned nodes, the library's too", () => {
    const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", clusterCidr: "10.42.0.0/24" });
    const nodes = [{ name: "s1", role: "server" as const }, { name: "a1", role: "agent" as const }];
    expect(problemsOf(() => validateTopology(settings, nodes, { present: false }, "inventory.hosts"))).toEqual([problem(KEY, "2 nodes are planned", "/23 or larger")]);
  });
});

describe("indexedIp (utilsnet.GetIndexedIP)", () => {
  test.each([
    ["10.43.0.0/16", 10, "10.43.0.10"],
    ["10.43.0.248/29", 10, "10.43.1.2"],
    ["fd00:43::/112", 10, "fd00:43::a"],
    ["fd00:43::ff:ffff/120", 1, "fd00:43::100:0"],
  ])("%s index %i is %s, carries included", (cidr, index, ip) => {
    expect(indexedIp(cidr, index)).toBe(ip);
  });
});
