// kubelet max-pods against the pod range each node gets (node-cidr-mask-size, /24 by default):
// pods past the range's addresses would never get an IP.
import { parseClusterConfig } from "../../components/k3s/settings";
import { podAddressesPerNode } from "../../components/rules/cluster-network";
import { problem, problemsOf } from "../support/config";

const V = "v1.36.3+k3s1";

test("a /24 holds 253 pods: network, the cni0 gateway and broadcast are taken", () => {
  expect(podAddressesPerNode("ipv4", 24)).toBe(253);
  expect(podAddressesPerNode("ipv4", 23)).toBe(509);
  expect(podAddressesPerNode("ipv6", 120)).toBe(254);
});

test("max-pods=400 with the default /24 is refused; the fix names the limit and a mask that fits", () => {
  expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, agentConfig: { "kubelet-arg": ["max-pods=400"] } }))).toEqual([
    problem("k3s-stacks:cluster.agentConfig.kubelet-arg[0]", "max-pods=400 is more than the 253 pod addresses in each node's /24", /max-pods=253 or less, or .*node-cidr-mask-size-ipv4=23/),
  ]);
});

test("a scalar kubelet-arg and a server's list are checked too", () => {
  expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, serverConfig: { "kubelet-arg+": "max-pods=300" } }))).toEqual([problem("k3s-stacks:cluster.serverConfig.kubelet-arg+[0]", "max-pods=300", "max-pods=253")]);
});

test("the node mask in force counts: a /23 takes 400, a /25 refuses 200", () => {
  expect(parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=23"] }, agentConfig: { "kubelet-arg": ["max-pods=400"] } }).agentConfig).toEqual({ "kubelet-arg": ["max-pods=400"] });
  expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size=25"] }, agentConfig: { "kubelet-arg": ["max-pods=200"] } }))).toEqual([problem("k3s-stacks:cluster.agentConfig.kubelet-arg[0]", "/25", "max-pods=125")]);
});

test("max-pods within the range, and an IPv6-only cluster, are accepted", () => {
  expect(parseClusterConfig({ k3sVersion: V, agentConfig: { "kubelet-arg": ["max-pods=250"] } }).agentConfig["kubelet-arg"]).toEqual(["max-pods=250"]);
  expect(parseClusterConfig({ k3sVersion: V, clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/112", agentConfig: { "kubelet-arg": ["max-pods=500"] } }).clusterCidr).toBe("fd00:42::/56");
});
