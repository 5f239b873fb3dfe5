// Node-ip rules apply where k3s-stacks writes node-ip (an explicit internalAddress). Without one,
// k3s detects the node IPs itself, both families on a dual-stack node (k3s-io/k3s#5918, PR #5920),
// so a dual-stack cluster of hosts given only by SSH address is valid; the SSH address still must
// not sit in the pod/service ranges, and the first server's must be reachable when others join it.
import { parse } from "yaml";
import { renderConfigYaml, renderNodeConfig } from "../../components/k3s/node-config";
import { problem, problemsOf } from "../support/config";
import { inventoryStack } from "../stack/bad-input-cases";
import { planOf } from "./support-stack";

const DUAL = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const host = (name: string, address: string, role = "agent", extra: Record<string, unknown> = {}) => ({ name, address, role, arch: "amd64", ...extra });

test("a dual-stack cluster without internalAddress is accepted and its config.yaml leaves node-ip to k3s", () => {
  const plan = planOf(inventoryStack({ cluster: DUAL, hosts: [host("s1", "192.168.1.11", "server"), host("a1", "192.168.1.21"), host("a2", "fd00:1::22")] }));
  const s1 = plan.nodes[0];
  const cfg = parse(renderConfigYaml(renderNodeConfig(plan.cluster, { name: s1.name, role: "server", bootstrap: true, labels: {}, taints: [] }, "https://192.168.1.11:6443", { server: {}, all: {}, disable: [] })));
  expect(cfg["node-ip"]).toBeUndefined();
  expect(cfg["cluster-cidr"]).toEqual([DUAL.clusterCidr]);
  expect(cfg["service-cidr"]).toEqual([DUAL.serviceCidr]);
});

test("an SSH address of the other family is no node-ip: an IPv6 SSH address in an IPv4 cluster is accepted", () => {
  expect(planOf(inventoryStack({ hosts: [host("s1", "fd00:1::11", "server"), host("a1", "192.168.1.21")] })).nodes).toHaveLength(2);
});

test("an explicit internalAddress of one family in a dual-stack cluster is still refused (k3s writes it as node-ip)", () => {
  expect(problemsOf(() => planOf(inventoryStack({ cluster: DUAL, hosts: [host("s1", "192.168.1.11", "server", { internalAddress: "192.168.1.11" })] })))).toEqual([
    problem("k3s-stacks:inventory.hosts[0].internalAddress", "is dual-stack; k3s refuses a node-ip", "leave it out"),
  ]);
});

describe("loopback SSH addresses (port-forwarded machines)", () => {
  test("a single node reached on 127.0.0.1 is accepted: k3s detects its node IP itself", () => {
    expect(planOf(inventoryStack({ hosts: [host("s1", "127.0.0.1", "server", { port: 2222 })] })).nodes).toHaveLength(1);
  });

  test("nodes sharing 127.0.0.1 on different ports are no node-ip clash", () => {
    const hosts = [host("s1", "127.0.0.1", "server", { port: 2222, internalAddress: "10.0.2.11" }), host("a1", "127.0.0.1", "agent", { port: 2223 })];
    expect(planOf(inventoryStack({ hosts })).nodes).toHaveLength(2);
  });

  test("the first server's loopback address is refused when the others join it, accepted with apiEndpoint", () => {
    const hosts = [host("s1", "127.0.0.1", "server", { port: 2222 }), host("a1", "127.0.0.1", "agent", { port: 2223 })];
    expect(problemsOf(() => planOf(inventoryStack({ hosts })))).toEqual([problem("k3s-stacks:inventory.hosts[0].address", "the first server's address, which the other nodes join", "set internalAddress")]);
    expect(planOf(inventoryStack({ hosts, cluster: { apiEndpoint: "k3s.lan" } })).nodes).toHaveLength(2);
  });
});

test("an externalAddress that is another node's internalAddress is refused: a server would advertise that node as its API", () => {
  const hosts = [host("s1", "192.168.1.11", "server", { externalAddress: "192.168.1.21" }), host("a1", "192.168.1.22", "agent", { internalAddress: "192.168.1.21" })];
  expect(problemsOf(() => planOf(inventoryStack({ hosts })))).toEqual([
    problem("k3s-stacks:inventory.hosts[0].externalAddress", "192.168.1.21 is the address of k3s-stacks:inventory.hosts[1].internalAddress, another node; a node's external address is where others reach this node (and a server's API advertise address)", "give this node's own public address"),
  ]);
  // Its own address, a public address no node has, and one NAT address that nodes on different SSH ports share, are fine.
  expect(planOf(inventoryStack({ hosts: [host("s1", "192.168.1.11", "server", { externalAddress: "203.0.113.5" }), host("a1", "192.168.1.22", "agent", { externalAddress: "192.168.1.22" })] })).nodes).toHaveLength(2);
  const nat = [host("s1", "192.168.1.11", "server"), host("a1", "203.0.113.5", "agent", { port: 2201, externalAddress: "203.0.113.5" }), host("a2", "203.0.113.5", "agent", { port: 2202, externalAddress: "203.0.113.5" })];
  expect(planOf(inventoryStack({ hosts: nat })).nodes).toHaveLength(3);
});

test("an internalAddress that is another host's SSH address is refused wherever either is listed", () => {
  const hosts = [host("s1", "10.1.0.1", "server", { internalAddress: "10.1.0.2" }), host("a1", "10.1.0.2")];
  expect(problemsOf(() => planOf(inventoryStack({ hosts })))).toEqual([problem("k3s-stacks:inventory.hosts[0].internalAddress", "also the address of k3s-stacks:inventory.hosts[1].address", "set internalAddress on each")]);
});
