// The planner's checks of the nodes against the cluster, run by K3sCluster too (one definition each):
// a library program's bad input throws a ConfigError naming the argument, with a fix for code, and
// registers nothing. The stack's wording of the same rules is guarded by test/plan and test/rules.
import { refusalProblems } from "./support/refusal";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { K3sCluster, NodeArgs } from "../../components";

const VERSION = "v1.33.4+k3s1";
const node = (name: string, host: string, role: NodeArgs["role"] = "server", extra: Partial<NodeArgs> = {}): NodeArgs =>
  ({ name, role, arch: "arm64", connection: { host }, ...extra });

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

/** The problems of a K3sCluster construction: a ConfigError, nothing registered, no stack words. */
const problemsOf = (args: ConstructorParameters<typeof K3sCluster>[1]): Promise<string[]> => refusalProblems(state, () => new K3sCluster("bad", args));

test("a node IP inside the cluster's pod or service range names the node and the range argument", async () => {
  expect(await problemsOf({ version: VERSION, nodes: [node("s1", "192.168.1.11", "server", { internalAddress: "10.42.0.7", externalAddress: "10.43.1.1" })] })).toEqual([
    "K3sCluster.args.nodes[0].internalAddress: 10.42.0.7 is inside K3sCluster.args.clusterCidr (pods) 10.42.0.0/16, so traffic to the node would be routed into the cluster instead. Fix: give the node's LAN address here, or move the cluster's ranges away from your LAN.",
    "K3sCluster.args.nodes[0].externalAddress: 10.43.1.1 is inside K3sCluster.args.serviceCidr 10.43.0.0/16, so traffic to the node would be routed into the cluster instead. Fix: give the node's LAN address here, or move the cluster's ranges away from your LAN.",
  ]);
});

test("a node-ip of another family than the cluster's is refused, as k3s would", async () => {
  expect(await problemsOf({ version: VERSION, nodes: [node("s1", "192.168.1.11", "server", { internalAddress: "fd00::11" })] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.nodes\[0\]\.internalAddress: fd00::11 is IPv6 but clusterCidr 10\.42\.0\.0\/16 is IPv4; k3s refuses a node-ip whose IP families differ from cluster-cidr's\. Fix: /),
  ]);
});

test("a loopback first server that the others would join names its connection.host and the apiEndpoint argument", async () => {
  expect(await problemsOf({ version: VERSION, nodes: [node("s1", "127.0.0.1"), node("a1", "192.168.1.12", "agent")] })).toEqual([
    "K3sCluster.args.nodes[0].connection.host: 127.0.0.1 is a loopback address, but it is the first server's address, which the other nodes join, so they would never reach it. Fix: set internalAddress to the node's LAN address (the address other nodes reach it on), or set `apiEndpoint` in K3sCluster's args.",
  ]);
});

test("flannel host-gw across LAN segments names flannelBackend", async () => {
  expect(await problemsOf({ version: VERSION, flannelBackend: "host-gw", nodes: [node("s1", "192.168.1.11"), node("a1", "192.168.2.12", "agent")] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.flannelBackend: host-gw needs every node on one layer-2 segment, but the node IPs fall in 2 segments .*Fix: use vxlan/),
  ]);
});

test("flannel-external-ip with a node lacking externalAddress, or with host-gw, is refused before anything is registered; an externalAddress Output is not judged", async () => {
  const { output } = await import("@pulumi/pulumi");
  const serverConfig = { "flannel-external-ip": true };
  expect(await problemsOf({ version: VERSION, flannelBackend: "host-gw", serverConfig, nodes: [node("s1", "192.168.1.11", "server", { externalAddress: "203.0.113.11" }), node("a1", "192.168.1.12", "agent")] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.serverConfig\.flannel-external-ip: sends flannel's traffic to the nodes' external addresses, but flannelBackend host-gw .*Fix: set flannelBackend: wireguard-native/),
    expect.stringMatching(/^K3sCluster\.args\.serverConfig\.flannel-external-ip: makes flannel send pod traffic to each node's externalAddress \(k3s node-external-ip\), but a1 has none.*Fix: set externalAddress on K3sCluster\.args\.nodes\[1\]/),
  ]);
  expect(() => new K3sCluster("ext", { version: VERSION, flannelBackend: "wireguard-native", serverConfig, nodes: [node("s1", "192.168.1.11", "server", { externalAddress: "203.0.113.11" }), node("a1", "10.0.0.12", "agent", { externalAddress: output("198.51.100.12") })] })).not.toThrow();
  await drain();
});

test("apiVip is checked against the nodes and the servers' segment, naming apiVip.address", async () => {
  expect(await problemsOf({ version: VERSION, apiVip: { address: "192.168.2.12" }, nodes: [node("s1", "192.168.1.11"), node("a1", "192.168.2.12", "agent")] })).toEqual([
    "K3sCluster.args.apiVip.address: 192.168.2.12 is the address of node 'a1'; kube-vip would take it over. Fix: pick an address no machine uses.",
    expect.stringMatching(/^K3sCluster\.args\.apiVip\.address: server 's1' \(192\.168\.1\.11\) is not in 192\.168\.2\.0\/24, and ARP announces the VIP only on the servers' own network segment\. Fix: /),
  ]);
});

test("an etcd-s3-endpoint with a path in a contribution names the contribution's key and k3s's own keys in the fix", async () => {
  expect(await problemsOf({ version: VERSION, datastore: "etcd", contributions: [{ server: { "etcd-s3": true, "etcd-s3-endpoint": "minio.lan:9000/backups" } }], nodes: [node("s1", "192.168.1.11")] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.server\.etcd-s3-endpoint: 'minio\.lan:9000\/backups' has a path after the host.*Fix: set the endpoint to 'minio\.lan:9000' and 'backups' in etcd-s3-folder \(a prefix inside the bucket\), or in etcd-s3-bucket when it names the bucket\.$/),
  ]);
});

test("nodes whose addresses are fine pass, and addresses not known yet (Outputs) are not judged", async () => {
  const { output } = await import("@pulumi/pulumi");
  expect(() => new K3sCluster("ok", { version: VERSION, flannelBackend: "host-gw", apiVip: { address: "192.168.1.250" }, nodes: [node("s1", "192.168.1.11"), node("a1", "a1.lan", "agent", { internalAddress: output("10.42.0.9") })] })).not.toThrow();
  await drain();
});

describe("Longhorn placement from addonsK3sConfig, checked by K3sCluster before anything is registered", () => {
  // Servers tainted for the control plane only: Longhorn's data lives on the two agents.
  const shape = [
    node("s1", "192.168.1.11", "server", { arch: "amd64", taints: ["CriticalAddonsOnly=true:NoExecute"] }),
    node("a1", "192.168.1.21", "agent", { arch: "amd64" }),
    node("a2", "192.168.1.22", "agent", { arch: "amd64" }),
  ];

  test("an agent batch that drains every Longhorn data node names rollout.agentBatchSize and ClusterAddons' storage.nodes", async () => {
    const { addonsK3sConfig } = await import("../../components");
    const contributions = [addonsK3sConfig({ storage: { type: "longhorn" } })];
    expect(await problemsOf({ version: VERSION, nodes: shape, contributions, rollout: { agentBatchSize: 2 } })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.rollout\.agentBatchSize: 2 agents drained at once can be every Longhorn data node \(a1, a2\);.* Fix: set agentBatchSize to at most 1, or let a server or another agent hold Longhorn data \(ClusterAddons\.args\.config\.storage\.nodes\)\.$/),
    ]);
  });

  test("replicas beyond the data nodes are refused here too, naming the contribution that carries them", async () => {
    const { addonsK3sConfig } = await import("../../components");
    const contributions = [addonsK3sConfig({ storage: { type: "longhorn", replicas: 3 } })];
    expect(await problemsOf({ version: VERSION, nodes: shape, contributions })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.longhorn\.replicas: 3 replicas need 3 eligible nodes, but only 2 can hold Longhorn data \(a1, a2\); not eligible: s1 \(tainted CriticalAddonsOnly=true:NoExecute\)\. Fix: /),
    ]);
  });

  test("one agent at a time, or no drain, passes", async () => {
    const { addonsK3sConfig } = await import("../../components");
    const contributions = [addonsK3sConfig({ storage: { type: "longhorn" } })];
    expect(() => new K3sCluster("one-at-a-time", { version: VERSION, nodes: shape, contributions })).not.toThrow();
    expect(() => new K3sCluster("no-drain", { version: VERSION, nodes: shape, contributions, rollout: { agentBatchSize: 2, drain: false } })).not.toThrow();
    await drain();
  });
});
