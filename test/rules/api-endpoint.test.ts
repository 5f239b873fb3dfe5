// cluster.apiEndpoint is every joining node's `server:` URL: it must name something that serves the
// API on 6443 to every node (rules/api-endpoint.ts, cluster-network.ts).
import { apiEndpointProblems } from "../../components/rules/api-endpoint";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";

const KEY = "k3s-stacks:cluster.apiEndpoint";
const nodes = [
  { name: "s1", role: "server" as const, address: "192.168.1.11" },
  { name: "a1", role: "agent" as const, address: "192.168.1.21" },
  { name: "a2", role: "agent" as const, address: "a2.lan", internalAddress: "10.0.0.22,2001:db8::22" },
];

test.each(["127.0.0.1", "127.0.1.1", "localhost", "::1"])("%s: each node would dial itself", (endpoint) => {
  expect(apiEndpointProblems(endpoint, nodes, KEY)).toEqual([problem(KEY, "that node itself", "put 127.0.0.1 first in tlsSans")]);
});

test("a loopback apiEndpoint on a single-node cluster joins nobody: accepted", () => {
  expect(apiEndpointProblems("127.0.0.1", nodes.slice(0, 1), KEY)).toEqual([]);
});

test.each([["192.168.1.21", "a1"], ["10.0.0.22", "a2"], ["2001:0db8::22", "a2"]])("%s is agent %s's address, which runs no API server", (endpoint, agent) => {
  expect(apiEndpointProblems(endpoint, nodes, KEY)).toEqual([problem(KEY, `the address of ${agent}, an agent`, "a load balancer")]);
});

test.each(["192.168.1.11", "192.168.1.250", "k3s.lan", undefined])("%s (a server, a load balancer, a name) is accepted", (endpoint) => {
  expect(apiEndpointProblems(endpoint, nodes, KEY)).toEqual([]);
});

test.each([["10.42.7.1", "clusterCidr (pods) 10.42.0.0/16"], ["10.43.0.1", "serviceCidr 10.43.0.0/16"]])("an apiEndpoint of %s, inside %s, is routed into the cluster on every node", (endpoint, range) => {
  expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", apiEndpoint: endpoint }))).toEqual([problem(KEY, `inside ${range}`, "LAN address")]);
});
