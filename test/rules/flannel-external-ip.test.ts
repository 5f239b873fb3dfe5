// flannel-external-ip against the nodes' externalAddress (rules/flannel-external-ip.ts), in the stack's words.
import { flannelExternalIpProblems } from "../../components/rules/flannel-external-ip";
import { problem } from "../support/config";

const hosts = [
  { key: "k3s-stacks:inventory.hosts[0]", name: "s1", externalAddress: "203.0.113.11" },
  { key: "k3s-stacks:inventory.hosts[1]", name: "a1" },
  { key: "k3s-stacks:inventory.hosts[2]", name: "a2" },
];
const on = { serverConfig: { "flannel-external-ip": true }, flannelBackend: "wireguard-native" };

test("every node needs an externalAddress once flannel-external-ip is on: the ones without are named, with their keys", () => {
  expect(flannelExternalIpProblems(on, hosts, "cluster")).toEqual([
    problem("k3s-stacks:cluster.serverConfig.flannel-external-ip", "but a1, a2 have none, so they are reached on their internal address", "set externalAddress on k3s-stacks:inventory.hosts[1], k3s-stacks:inventory.hosts[2]"),
  ]);
  expect(flannelExternalIpProblems({ ...on, serverConfig: { "flannel-external-ip": "true" } }, hosts, "cluster")).toHaveLength(1);
});

test("off, on a single node, or with every node's external address given, nothing is reported", () => {
  expect(flannelExternalIpProblems({ serverConfig: {} }, hosts, "cluster")).toEqual([]);
  expect(flannelExternalIpProblems({ serverConfig: { "flannel-external-ip": false } }, hosts, "cluster")).toEqual([]);
  expect(flannelExternalIpProblems(on, [hosts[1]], "cluster")).toEqual([]);
  expect(flannelExternalIpProblems(on, hosts.map((h, i) => ({ ...h, externalAddress: `203.0.113.${i + 11}` })), "cluster")).toEqual([]);
});
