// A dual-stack node given both of its addresses: internalAddress/externalAddress as an IPv4,IPv6 pair
// (a comma string as k3s's flag spells it, or a YAML list). Accepted when the families are the
// cluster's, primary first; every cross-check that reads a node's address reads the right one.
import { planOf } from "./support-stack";
import { problem, problemsOf } from "../support/config";
import { inventoryStack } from "../stack/bad-input-cases";
import { apiVipNetworkProblems } from "../../components/k3s/api-vip";
import { knownAddresses } from "../../components/addons/validate";
import { NodeFacts } from "../../components/nodes/types";

const DUAL = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const DUAL_V6_FIRST = { clusterCidr: "fd00:42::/56,10.42.0.0/16", serviceCidr: "fd00:43::/112,10.43.0.0/16" };
const host = (name: string, address: string, role: string, extra: Record<string, unknown> = {}) => ({ name, address, role, arch: "amd64", ...extra });
const hosts = [
  host("s1", "192.168.1.11", "server", { internalAddress: "10.0.10.11,2001:db8:10::11", externalAddress: ["203.0.113.11", "2001:db8:1::11"] }),
  host("a1", "192.168.1.21", "agent", { internalAddress: ["10.0.10.21", "2001:db8:10::21"] }),
  host("a2", "192.168.1.22", "agent"),
];

test("pairs in either spelling are accepted and carried in the comma form", () => {
  const plan = planOf(inventoryStack({ cluster: DUAL, hosts }));
  expect(plan.nodes.map((n) => [n.internalAddress, n.externalAddress])).toEqual([
    ["10.0.10.11,2001:db8:10::11", "203.0.113.11,2001:db8:1::11"],
    ["10.0.10.21,2001:db8:10::21", undefined],
    [undefined, undefined],
  ]);
});

test("an IPv6-primary cluster takes IPv6-first pairs and refuses IPv4-first ones", () => {
  const v6first = [host("s1", "192.168.1.11", "server", { internalAddress: "2001:db8:10::11,10.0.10.11" })];
  expect(planOf(inventoryStack({ cluster: DUAL_V6_FIRST, hosts: v6first })).nodes).toHaveLength(1);
  expect(problemsOf(() => planOf(inventoryStack({ cluster: DUAL_V6_FIRST, hosts: [host("s1", "192.168.1.11", "server", { internalAddress: "10.0.10.11,2001:db8:10::11" })] })))).toEqual([
    problem("k3s-stacks:inventory.hosts[0].internalAddress", "starts with an IPv4 address but clusterCidr fd00:42::/56,10.42.0.0/16 starts with IPv6", "write 2001:db8:10::11,10.0.10.11"),
  ]);
});

test("an agent's pair of external addresses may lead with either family only as the cluster does; a single secondary one is fine on an agent", () => {
  const agentExt = (externalAddress: string) => inventoryStack({ cluster: DUAL, hosts: [host("s1", "192.168.1.11", "server"), host("a1", "192.168.1.21", "agent", { externalAddress })] });
  expect(planOf(agentExt("2001:db8:1::21")).nodes).toHaveLength(2);
  expect(problemsOf(() => planOf(agentExt("2001:db8:1::21,203.0.113.21")))).toEqual([
    problem("k3s-stacks:inventory.hosts[1].externalAddress", "starts with an IPv6 address", "write 203.0.113.21,2001:db8:1::21"),
  ]);
});

test("a server's single secondary-family external address is refused unless advertise-address is set (k3s advertises the first node-external-ip only when it is not)", () => {
  const serverExt = (serverConfig: Record<string, unknown>) => inventoryStack({ cluster: { ...DUAL, serverConfig }, hosts: [host("s1", "192.168.1.11", "server", { externalAddress: "2001:db8:1::11" })] });
  expect(problemsOf(() => planOf(serverExt({})))).toEqual([
    problem("k3s-stacks:inventory.hosts[0].externalAddress", "starts with an IPv6 address but clusterCidr 10.42.0.0/16,fd00:42::/56 starts with IPv4", "put the server's public IPv4 address first"),
  ]);
  expect(planOf(serverExt({ "advertise-address": "192.168.1.11" })).nodes).toHaveLength(1);
});

test("the SSH address of one host and the IPv6 half of another's pair clash like single addresses do", () => {
  const clash = [host("s1", "2001:db8:10::21", "server"), host("a1", "192.168.1.21", "agent", { internalAddress: "10.0.10.21,2001:db8:10::21" })];
  expect(problemsOf(() => planOf(inventoryStack({ cluster: DUAL, hosts: clash })))).toEqual([
    problem("k3s-stacks:inventory.hosts[1].internalAddress", "2001:db8:10::21 is also the address of k3s-stacks:inventory.hosts[0].address", "set internalAddress on each"),
  ]);
});

test("host-gw: both families' node-ips on one segment each are accepted", () => {
  const cluster = { ...DUAL, flannelBackend: "host-gw" };
  expect(planOf(inventoryStack({ cluster, hosts: hosts.slice(0, 2) })).nodes).toHaveLength(2);
});

describe("kube-vip reads a dual-stack server's address of the VIP's family", () => {
  const nodes: NodeFacts[] = [{ name: "s1", role: "server", arch: "amd64", labels: {}, taints: [], connection: { host: "192.168.1.11" }, internalAddress: "10.0.10.11,2001:db8:10::11" }];
  test("an IPv6 VIP on the servers' IPv6 segment, an IPv4 VIP on their IPv4 one", () => {
    expect(apiVipNetworkProblems({ address: "2001:db8:10::250", mode: "arp" }, { nodes, ...DUAL })).toEqual([]);
    expect(apiVipNetworkProblems({ address: "10.0.10.250", mode: "arp" }, { nodes, ...DUAL })).toEqual([]);
  });
  test("a VIP that is the second address of a node is taken", () => {
    expect(apiVipNetworkProblems({ address: "2001:db8:10::11", mode: "arp" }, { nodes, ...DUAL })).toEqual([
      expect.stringContaining("is the address of node 's1'; kube-vip would take it over"),
    ]);
  });
  test("MetalLB pools are checked against both addresses of a pair", () => {
    expect(knownAddresses(nodes)).toEqual({ s1: ["10.0.10.11", "2001:db8:10::11", "192.168.1.11"] });
  });
});

test("two hosts' pairs sharing an IPv6 address written two ways are caught: addresses compare in one spelling", () => {
  const twice = [host("s1", "192.168.1.11", "server", { internalAddress: "10.0.10.11,2001:db8:10::11" }), host("a1", "192.168.1.21", "agent", { internalAddress: "10.0.10.21,2001:DB8:10:0::11" })];
  expect(problemsOf(() => planOf(inventoryStack({ cluster: DUAL, hosts: twice })))).toEqual([
    problem("k3s-stacks:inventory.hosts[1].internalAddress", "'2001:DB8:10:0::11' is also used by hosts[0]", "its own internalAddress"),
  ]);
});
