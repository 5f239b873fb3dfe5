// Addresses, CIDRs and their cross-checks through the whole program: for inventory, local and cloud
// stacks a bad value stops the run before any resource is registered, naming the key and the fix.
import { MockState, installMocks } from "../support/mocks";
import { refusedProblems } from "./support/harness";
import { problem } from "../support/config";

const cluster = { k3sVersion: "v1.36.3+k3s1" };
const pi = (extra: object = {}) => ({ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64", ...extra });
const cloud = {
  provider: "hetzner",
  hetzner: { location: "nbg1" },
  adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
  pools: [{ name: "control", role: "server", count: 1, type: "cpx22" }],
};

let state: MockState;
beforeEach(async () => {
  state = await installMocks();
});

const mainProblems = (config: Record<string, unknown>) => refusedProblems(state, config);

test.each([
  ["an address with a port", { hosts: [pi({ address: "192.168.1.11:22" })] }, "k3s-stacks:inventory.hosts[0].address", "carries a port", "22 in port"],
  ["a URL", { hosts: [pi({ address: "ssh://pi-1.lan" })] }, "k3s-stacks:inventory.hosts[0].address", "is a URL", "'pi-1.lan'"],
  ["an octet above 255", { hosts: [pi({ internalAddress: "192.168.1.256" })] }, "k3s-stacks:inventory.hosts[0].internalAddress", "0-255", "correct it"],
  ["a host name as node-ip", { hosts: [pi({ internalAddress: "pi-1.lan" })] }, "k3s-stacks:inventory.hosts[0].internalAddress", "k3s node-ip", "IP address"],
  ["user@host in user", { user: "pi@192.168.1.11", hosts: [pi()] }, "k3s-stacks:inventory.user", "carries a host", "'pi' here"],
  ["a public key as privateKeyPath", { privateKeyPath: "~/.ssh/id_ed25519.pub", hosts: [pi()] }, "k3s-stacks:inventory.privateKeyPath", "is a public key", "~/.ssh/id_ed25519"],
  ["a node IP inside the pod range", { hosts: [pi({ internalAddress: "10.42.0.11" })] }, "k3s-stacks:inventory.hosts[0].internalAddress", "inside k3s-stacks:cluster.clusterCidr", "LAN address"],
  ["a node IP of a family the cluster lacks", { hosts: [pi({ internalAddress: "fd00::11" })] }, "k3s-stacks:inventory.hosts[0].internalAddress", "IPv6 but clusterCidr", "IPv4 address"],
  ["two hosts with one internalAddress", { hosts: [pi({ internalAddress: "192.168.2.11" }), pi({ name: "pi-2", address: "192.168.1.12", role: "agent", internalAddress: "192.168.2.11" })] }, "k3s-stacks:inventory.hosts[1].internalAddress", "also used by hosts[0]", "its own internalAddress"],
])("inventory: %s", async (_, inventory, key, what, fix) => {
  expect(await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:inventory": inventory })).toEqual([problem(key, what, fix)]);
});

test.each([
  ["overlapping cluster and service CIDRs", { serviceCidr: "10.42.0.0/16" }, "k3s-stacks:cluster.serviceCidr", "overlaps clusterCidr", "disjoint"],
  ["host bits in a CIDR", { clusterCidr: "10.42.0.1/16" }, "k3s-stacks:cluster.clusterCidr", "host bits", "10.42.0.0/16"],
  ["a URL as apiEndpoint", { apiEndpoint: "https://k3s.lan" }, "k3s-stacks:cluster.apiEndpoint", "is a URL", "'k3s.lan'"],
])("cluster, in a cloud stack and a local stack alike: %s", async (_, extra, key, what, fix) => {
  expect(await mainProblems({ "k3s-stacks:cluster": { ...cluster, ...extra }, "k3s-stacks:cloud": cloud })).toEqual([problem(key, what, fix)]);
  expect(await mainProblems({ "k3s-stacks:cluster": { ...cluster, ...extra }, "k3s-stacks:local": { name: "laptop" } })).toEqual([problem(key, what, fix)]);
});

test("cloud: a network CIDR with host bits set", async () => {
  expect(await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:cloud": { ...cloud, network: { cidr: "10.0.0.1/16", subnets: ["10.0.1.0/24"] } } })).toEqual([
    problem("k3s-stacks:cloud.network.cidr", "host bits", "10.0.0.0/16"),
  ]);
});

test("MetalLB: a pool holding a node address or the VIP", async () => {
  const problems = await mainProblems({
    "k3s-stacks:cluster": { ...cluster, apiVip: { address: "192.168.1.245" } },
    "k3s-stacks:inventory": { hosts: [pi({ externalAddress: "192.168.1.241" })] },
    "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.240/28"] }] } },
  });
  expect(problems).toEqual([
    problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "contains 192.168.1.241, the address of node 'pi-1'", "exclude node addresses"),
    problem("k3s-stacks:cluster.apiVip.address", "inside MetalLB pool 'lan'", "outside every pool"),
  ]);
});
