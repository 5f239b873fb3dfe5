// Addresses and CIDRs in a local stack: the same cluster rules as inventory and cloud stacks
// (whose rows are in bad-input-cases.ts) stop the run before anything is registered.
import { MockState, installMocks } from "../support/mocks";
import { refusedProblems } from "./support/harness";
import { problem } from "../support/config";

let state: MockState;
beforeEach(async () => {
  state = await installMocks();
});

test.each([
  ["overlapping cluster and service CIDRs", { serviceCidr: "10.42.0.0/16" }, "k3s-stacks:cluster.serviceCidr", "overlaps clusterCidr", "disjoint"],
  ["host bits in a CIDR", { clusterCidr: "10.42.0.1/16" }, "k3s-stacks:cluster.clusterCidr", "host bits", "10.42.0.0/16"],
  ["a URL as apiEndpoint", { apiEndpoint: "https://k3s.lan" }, "k3s-stacks:cluster.apiEndpoint", "is a URL", "'k3s.lan'"],
  ["a tls-san with an octet above 255", { tlsSans: ["192.168.1.300"] }, "k3s-stacks:cluster.tlsSans[0]", "0-255", "correct it"],
])("local stack: %s", async (_, extra, key, what, fix) => {
  const config = { "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", ...extra }, "k3s-stacks:local": { name: "laptop" } };
  expect(await refusedProblems(state, config)).toEqual([problem(key, what, fix)]);
});
