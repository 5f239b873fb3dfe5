// The library's arguments: checked with the stack's rules before anything is registered, problems
// naming the argument path, and the same defaults as the stack config (one definition, not two).
import { refusalProblems } from "./support/refusal";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs, plainStrings } from "../stack/support/harness";
import { ClusterAddons, ConfigError, K3sCluster, NodeArgs, inventoryNodeSpecs, localNodeSpecs } from "../../components";
import { resolveK3sClusterArgs } from "../../components/cluster/args";
import { clusterArgs, parseClusterConfig } from "../../components/k3s/settings";

// The host is a valid DNS name even for a bad node name, so each case fails for its own reason only.
const node = (name: string, role: NodeArgs["role"] = "server"): NodeArgs => ({ name, role, arch: "arm64", connection: { host: `${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}.lan` } });
const VERSION = "v1.33.4+k3s1";

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

/** The problems a construction throws; it must be a ConfigError and register nothing. */
const problemsOf = (build: () => unknown): Promise<string[]> => refusalProblems(state, build, { allowStackWords: true });

test("a bad node names its element: K3sCluster.args.nodes[2].name", async () => {
  const problems = await problemsOf(() => new K3sCluster("bad", { version: VERSION, nodes: [node("a"), node("b", "agent"), node("Bad_Name", "agent")] }));
  expect(problems).toEqual([expect.stringMatching(/^K3sCluster\.args\.nodes\[2\]\.name: must be a lowercase DNS name.*Fix: /)]);
});

test("two nodes may not share a node IP, in any spelling and either half of a pair (the inventory's rule too)", async () => {
  const problems = await problemsOf(() => new K3sCluster("dup", {
    version: "v1.36.3+k3s1",
    datastore: "sqlite",
    clusterCidr: "10.42.0.0/16,fd00:42::/56",
    serviceCidr: "10.43.0.0/16,fd00:43::/112",
    nodes: [
      { ...node("s1"), internalAddress: "10.0.10.1,2001:db8::1" },
      { ...node("a1", "agent"), internalAddress: ["10.0.10.2", "2001:db8:0::1"] },
      { ...node("a2", "agent"), internalAddress: "10.0.10.1,2001:db8::3" },
    ],
  }));
  expect(problems).toEqual([
    "K3sCluster.args.nodes[1].internalAddress: 2001:db8:0::1 is also the address of K3sCluster.args.nodes[0].internalAddress; every node needs an IP of its own (a Node's InternalIP). Fix: give each node its own internalAddress.",
    "K3sCluster.args.nodes[2].internalAddress: 10.0.10.1 is also the address of K3sCluster.args.nodes[0].internalAddress; every node needs an IP of its own (a Node's InternalIP). Fix: give each node its own internalAddress.",
  ]);
});

test("every problem is reported at once, each with its argument path and a fix", async () => {
  const problems = await problemsOf(() => new K3sCluster("bad", {
    version: "stable",
    datastore: "etcd",
    nodes: [node("s1"), node("s2"), { ...node("s1", "agent"), taints: ["dedicated:Sometimes"] }],
  }));
  expect(problems).toEqual(expect.arrayContaining([
    expect.stringMatching(/^K3sCluster\.args\.version: is not a k3s release tag\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.nodes\[2\]\.taints\[0\]: is not a taint\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.nodes\[2\]\.name: 's1' is also the name of K3sCluster\.args\.nodes\[0\]\. Fix: /),
  ]));
  for (const p of problems) expect(p).toMatch(/^K3sCluster\.args[.:[].*Fix: /s);
  for (const p of problems) expect(p).not.toMatch(/k3s-stacks:|Pulumi\.<stack>\.yaml|stack file/);
});

test("flags the arguments manage are refused in serverConfig, naming the argument to use", async () => {
  expect(await problemsOf(() => new K3sCluster("bad", { version: VERSION, serverConfig: { "node-ip": ["10.0.0.1"], "cluster-cidr": ["10.9.0.0/16"] }, nodes: [node("s1")] }))).toEqual([
    "K3sCluster.args.serverConfig.node-ip: is managed by k3s-stacks. Fix: remove it here; set the host's internalAddress.",
    "K3sCluster.args.serverConfig.cluster-cidr: is managed by k3s-stacks. Fix: remove it here; set clusterCidr.",
  ]);
});

test("the datastore's topology is checked against the nodes, naming the arguments", async () => {
  expect(await problemsOf(() => new K3sCluster("bad", { version: VERSION, datastore: "etcd", nodes: [node("s1"), node("s2")] }))).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.datastore: etcd needs an odd number of servers.*Fix: list 3 or 1 servers; to swap the roles of a server and an agent, change both in the same pulumi up \(each alone leaves an even count\)\.$/),
  ]);
  expect(await problemsOf(() => new K3sCluster("bad", { version: VERSION, datastore: "postgres", nodes: [node("s1")] }))).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.datastoreEndpoint: is required for datastore: postgres\. Fix: pass K3sCluster\.args\.datastoreEndpoint/),
  ]);
  expect(await problemsOf(() => new K3sCluster("bad", { version: VERSION, datastore: "postgres", datastoreEndpoint: "mysql://db/k3s", nodes: [node("s1")] }))).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.datastoreEndpoint: must be a postgres:\/\/ or postgresql:\/\/ URL/),
  ]);
  expect(await problemsOf(() => new K3sCluster("bad", { version: VERSION, nodes: [node("a1", "agent")] }))).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.nodes: no node has role: server\. Fix: /),
  ]);
});

test("a misspelt or missing argument is named", async () => {
  const args = { versoin: VERSION, nodes: [node("s1")] } as unknown as ConstructorParameters<typeof K3sCluster>[1];
  expect(await problemsOf(() => new K3sCluster("bad", args))).toEqual([
    "K3sCluster.args.version: is required. Fix: pass the k3s release tag to install, such as v1.36.3+k3s1.",
    "K3sCluster.args: unknown key(s) 'versoin'. Fix: correct the spelling (did you mean 'version'?).",
  ]);
});

test("an endpoint still unknown (an Output) is accepted; its scheme cannot be checked before it resolves", () => {
  expect(() => resolveK3sClusterArgs({ version: VERSION, datastore: "postgres", datastoreEndpoint: pulumi.secret("postgres://u:p@db/k3s"), nodes: [node("s1"), node("s2")] })).not.toThrow();
});

test("optional arguments take the stack config's defaults", () => {
  const fromLibrary = resolveK3sClusterArgs({ version: VERSION, nodes: [node("s1")] });
  expect(fromLibrary.settings).toEqual(parseClusterConfig({ k3sVersion: VERSION }));
  expect(fromLibrary.rollout).toEqual({ agentBatchSize: 1, drain: true, drainTimeout: "5m" });
  expect(fromLibrary.nodes[0]).toMatchObject({ labels: {}, taints: [], allowReboot: false, fixCgroups: false, installPackages: false, firewall: "open" });
  expect(fromLibrary.sshRollout).toBe(true);
});

test("the stack's parsed settings pass through the library arguments unchanged", () => {
  const raw = {
    k3sVersion: VERSION, datastore: "etcd", disable: ["traefik"], tlsSans: ["k3s.example.com"], apiEndpoint: "10.0.0.5",
    clusterCidr: "10.52.0.0/16", serviceCidr: "10.53.0.0/16", clusterDomain: "lab.local", flannelBackend: "wireguard-native",
    secretsEncryption: false, serverConfig: { "kube-apiserver-arg": ["audit-log-maxage=7"] }, agentConfig: { "kubelet-arg": ["max-pods=150"] }, drainTimeout: "2m",
  };
  const settings = parseClusterConfig(raw);
  expect(resolveK3sClusterArgs({ ...clusterArgs(settings), nodes: [node("s1")] }).settings).toEqual(settings);
});

test("ClusterAddons names its arguments, for the addons schema and for the checks against the nodes", async () => {
  const base = { kubeconfig: "apiVersion: v1", nodes: [node("s1")], serverAddresses: ["10.0.0.1"] };
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, config: { monitoring: { enabled: true, retention: "ten days" } } }))).toEqual([
    expect.stringMatching(/^ClusterAddons\.args\.config\.monitoring\.retention: must be a duration/),
  ]);
  const longhorn = await problemsOf(() => new ClusterAddons("bad", { ...base, config: { storage: { type: "longhorn", replicas: 3 } } }));
  expect(longhorn).toEqual([expect.stringMatching(/^ClusterAddons\.args\.config\.storage\.replicas: 3 replicas need 3 eligible nodes.*Fix: /)]);
  const disabled = await problemsOf(() => new ClusterAddons("bad", { ...base, clusterDisable: ["servicelb"] }));
  expect(disabled).toEqual([expect.stringMatching(/^ClusterAddons\.args\.config\.loadBalancer\.type: servicelb is chosen but ClusterAddons\.args\.clusterDisable turns it off/)]);
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, kubeletRootDir: "data/kubelet" }))).toEqual([expect.stringMatching(/^ClusterAddons\.args\.kubeletRootDir: must be an absolute path\. Fix: /)]);
  const rook = { storage: { type: "rook-ceph" as const, nodes: [{ name: "s1", devices: ["sdb"] }], replicas: 1 as const } };
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, config: rook, kubeletRootDir: "/data/kubelet" }))).toEqual([
    expect.stringMatching(/^ClusterAddons\.args\.kubeletRootDir: 'root-dir=\/data\/kubelet' moves the kubelet's root directory, but Rook's Ceph CSI driver .*Fix: /),
  ]);
});

test("the inventory node source names its argument", () => {
  let error: unknown;
  try {
    inventoryNodeSpecs({ hosts: [{ name: "a", address: "10.0.0.1", role: "server", arch: "arm64" }, { name: "a", address: "10.0.0.2", role: "agent", arch: "arm64" }] });
  } catch (e) {
    error = e;
  }
  expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^inventoryNodeSpecs\.inventory\.hosts\[1\]\.name: 'a' is also used by hosts\[0\]\. Fix: /)]);
});

test("the inventory node source gives NodeSpecs with the inventory's defaults", () => {
  const { nodes, gone } = inventoryNodeSpecs({ user: "pi", hosts: [{ name: "a", address: "10.0.0.1", role: "server", arch: "aarch64" }, { name: "b", address: "10.0.0.2", role: "agent", arch: "armhf", gone: true }] });
  expect(nodes).toEqual([expect.objectContaining({ name: "a", arch: "arm64", connection: expect.objectContaining({ host: "10.0.0.1", user: "pi", port: 22 }), firewall: "open" })]);
  expect(gone.map((n) => n.name)).toEqual(["b"]);
});

test("the local node source: this machine as the one server, a bad name naming its argument", () => {
  expect(localNodeSpecs({ name: "dev-box" })).toEqual([expect.objectContaining({ name: "dev-box", role: "server", connection: expect.objectContaining({ local: true, host: "127.0.0.1" }) })]);
  let error: unknown;
  try {
    localNodeSpecs({ name: "Dev_Box" });
  } catch (e) {
    error = e;
  }
  expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^localNodeSpecs\.local\.name: must be a lowercase DNS name.*Fix: /)]);
});

test("a datastore URL passed as a plain string never reaches a resource input in plain text", async () => {
  new K3sCluster("pg", { version: VERSION, datastore: "postgres", datastoreEndpoint: "postgres://k3s:DB-PASS-PLAIN@db.lan:5432/k3s", nodes: [node("pg1"), node("pg2")] });
  await drain();
  const mine = state.resources.filter((r) => r.name.startsWith("pg-"));
  expect(mine.length).toBeGreaterThan(0);
  const leaks = mine.flatMap((r) => plainStrings(r.inputs).filter((s) => s.value.includes("DB-PASS-PLAIN")).map((s) => `${r.name}${s.path}`));
  expect(leaks).toEqual([]);
});

test("ClusterAddons wants cephExternal exactly with an existing Ceph cluster, and checks a plain one's shape", async () => {
  const base = { kubeconfig: "apiVersion: v1", nodes: [node("s1")], serverAddresses: ["10.0.0.1"] };
  const external = { storage: { type: "rook-ceph" as const, external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "rbd" } } };
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, config: external }))).toEqual([
    expect.stringMatching(/^ClusterAddons\.args\.cephExternal: is required for config\.storage\.external.*Fix: /),
  ]);
  const key = "A".repeat(38) + "==";
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, cephExternal: { monitors: ["10.0.0.5:6789"], userKey: key, rbdNodeKey: key, rbdProvisionerKey: key } }))).toEqual([
    expect.stringMatching(/^ClusterAddons\.args\.cephExternal: is given but config\.storage is not rook-ceph with external\. Fix: /),
  ]);
  expect(await problemsOf(() => new ClusterAddons("bad", { ...base, config: external, cephExternal: { monitors: ["10.0.0.5"], userKey: key, rbdNodeKey: key, rbdProvisionerKey: key } }))).toEqual([
    expect.stringMatching(/^ClusterAddons\.args\.cephExternal\.monitors\[0\]: is not a monitor address\. Fix: /),
  ]);
});

test("clusterInitServer names a server of nodes or gone; by default the first server starts the cluster", async () => {
  const servers = [node("s2"), node("s3"), node("s4")];
  const problems = await problemsOf(() => new K3sCluster("init", { version: VERSION, datastore: "etcd", nodes: servers, clusterInitServer: "s9" }));
  expect(problems).toEqual([expect.stringMatching(/^K3sCluster\.args\.clusterInitServer: 's9' is not a server in K3sCluster\.args\.nodes or K3sCluster\.args\.gone\. Fix: /)]);
  expect(resolveK3sClusterArgs({ version: VERSION, datastore: "etcd", nodes: servers }).clusterInit).toBe("s2");
  expect(resolveK3sClusterArgs({ version: VERSION, datastore: "etcd", nodes: servers, gone: [node("s1")], clusterInitServer: "s1" }).clusterInit).toBe("s1");
  expect(resolveK3sClusterArgs({ version: VERSION, datastore: "etcd", nodes: servers, clusterInitServer: null }).clusterInit).toBeUndefined();
});
