// Rules the stack applies to its inventory, secrets and serverConfig, applied by the library's
// components to the same input given as arguments (one definition each): a library program's bad
// input throws a ConfigError naming the argument as the program wrote it, with a fix for code, and
// registers nothing. Each case also goes through the stack's own check, which refuses it too.
import { refusalProblems } from "./support/refusal";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { ClusterAddons, K3sCluster, NodeArgs } from "../../components";
import { parseInventoryConfig } from "../../components/nodes/inventory";
import { parseClusterConfig } from "../../components/k3s/settings";
import { keyDir, sshKeygen } from "../support/ssh-keys";
import { problemsOf as stackProblemsOf } from "../support/config";

const VERSION = "v1.33.4+k3s1";
const node = (name: string, host: string, role: NodeArgs["role"] = "server", extra: Partial<NodeArgs> = {}): NodeArgs =>
  ({ name, role, arch: "arm64", ...extra, connection: { host, ...extra.connection } });
const KEYS = keyDir();
afterAll(() => KEYS.remove());

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

/** The problems of a construction: a ConfigError, nothing registered (not even the component), no stack words. */
const problemsOf = (build: () => unknown): Promise<string[]> => refusalProblems(state, build);

describe("one machine, one node: the inventory's SSH address rule", () => {
  const ONE_MACHINE = "every node needs its own connection.host, or another connection.port (one machine, one node).";

  test("two nodes on one SSH address and port, in any spelling, are refused by K3sCluster and ClusterAddons", async () => {
    const nodes = [
      node("s1", "192.168.1.11"),
      node("a1", "pi-1.lan", "agent"),
      node("a2", "192.168.1.11", "agent", { connection: { host: "192.168.1.11", port: 22 } }),
      node("a3", "PI-1.LAN", "agent"),
      node("a4", "fd00::11", "agent"),
      node("a5", "fd00:0::11", "agent"),
    ];
    const expected = [
      `K3sCluster.args.nodes[2].connection.host: '192.168.1.11' is also used by K3sCluster.args.nodes[0]. Fix: ${ONE_MACHINE}`,
      `K3sCluster.args.nodes[3].connection.host: 'PI-1.LAN' is also used by K3sCluster.args.nodes[1]. Fix: ${ONE_MACHINE}`,
      `K3sCluster.args.nodes[5].connection.host: 'fd00:0::11' is also used by K3sCluster.args.nodes[4]. Fix: ${ONE_MACHINE}`,
    ];
    expect(await problemsOf(() => new K3sCluster("dup", { version: VERSION, nodes }))).toEqual(expected);
    const addons = await problemsOf(() => new ClusterAddons("dup", { kubeconfig: "apiVersion: v1", nodes, serverAddresses: ["192.168.1.11"] }));
    expect(addons).toEqual(expected.map((p) => p.replace(/K3sCluster/g, "ClusterAddons")));
    // The stack's inventory refuses the same hosts.
    const hosts = nodes.map((n) => ({ name: n.name, address: n.connection.host as string, role: n.role, arch: n.arch }));
    expect(stackProblemsOf(() => parseInventoryConfig({ hosts }))).toEqual([
      "k3s-stacks:inventory.hosts[2].address: '192.168.1.11' is also used by hosts[0]. Fix: every host needs its own address.",
      "k3s-stacks:inventory.hosts[3].address: 'PI-1.LAN' is also used by hosts[1]. Fix: every host needs its own address.",
      "k3s-stacks:inventory.hosts[5].address: 'fd00:0::11' is also used by hosts[4]. Fix: every host needs its own address.",
    ]);
  });

  test("one address on different SSH ports (behind NAT) is accepted, as in the inventory; a gone host's address may be taken by its replacement", async () => {
    const nodes = [node("s1", "203.0.113.5", "server", { connection: { host: "203.0.113.5", port: 2201 }, internalAddress: "10.0.0.1" }), node("a1", "203.0.113.5", "agent", { connection: { host: "203.0.113.5", port: 2202 }, internalAddress: "10.0.0.2" })];
    expect(() => new K3sCluster("nat", { version: VERSION, nodes, gone: [node("old", "203.0.113.5", "agent", { connection: { host: "203.0.113.5", port: 2202 } })] })).not.toThrow();
    await drain();
  });
});

describe("SSH keys given per node: the stack's sshPrivateKey and sshPrivateKeyPassword rules", () => {
  test("an encrypted key without its passphrase, a wrong passphrase, a passphrase for a plain key and a passphrase without a key name the node's connection", async () => {
    const encrypted = sshKeygen(KEYS.dir, "ed25519", "right-pass").text;
    const plain = sshKeygen(KEYS.dir, "ed25519", "").text;
    const problems = await problemsOf(() => new K3sCluster("keys", {
      version: VERSION,
      datastore: "etcd",
      nodes: [
        node("s1", "192.168.1.11", "server", { connection: { host: "192.168.1.11", privateKey: encrypted } }),
        node("s2", "192.168.1.12", "server", { connection: { host: "192.168.1.12", privateKey: encrypted, privateKeyPassword: "wrong-pass" } }),
        node("s3", "192.168.1.13", "server", { connection: { host: "192.168.1.13", privateKey: plain, privateKeyPassword: "right-pass" } }),
        node("a1", "192.168.1.21", "agent", { connection: { host: "192.168.1.21", privateKeyPassword: "right-pass", bastion: { host: "203.0.113.1", privateKey: encrypted } } }),
      ],
    }));
    expect(problems).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.nodes\[0\]\.connection\.privateKey: the key is protected by a passphrase and `nodes\[0\]\.connection\.privateKeyPassword` in K3sCluster's args is not set.*Fix: pass the key's passphrase as `nodes\[0\]\.connection\.privateKeyPassword` in K3sCluster's args \(a secret\)/),
      expect.stringMatching(/^K3sCluster\.args\.nodes\[1\]\.connection\.privateKeyPassword: does not decrypt K3sCluster\.args\.nodes\[1\]\.connection\.privateKey \(wrong passphrase\)\. Fix: /),
      expect.stringMatching(/^K3sCluster\.args\.nodes\[2\]\.connection\.privateKeyPassword: is set, but K3sCluster\.args\.nodes\[2\]\.connection\.privateKey is not protected by a passphrase.*Fix: leave out /),
      expect.stringMatching(/^K3sCluster\.args\.nodes\[3\]\.connection\.privateKeyPassword: is set, but K3sCluster\.args\.nodes\[3\]\.connection\.privateKey is not given \(SSH uses the agent\).*Fix: leave out /),
      expect.stringMatching(/^K3sCluster\.args\.nodes\[3\]\.connection\.bastion\.privateKey: the key is protected by a passphrase and .* is not set/),
    ]);
    for (const p of problems) expect(p).not.toMatch(/right-pass|wrong-pass|PRIVATE KEY/);
  });

  test("the right passphrase, or a key still unknown (an Output), is accepted", async () => {
    const encrypted = sshKeygen(KEYS.dir, "ed25519", "right-pass").text;
    expect(() => new K3sCluster("key-ok", { version: VERSION, nodes: [
      node("s1", "192.168.1.11", "server", { connection: { host: "192.168.1.11", privateKey: encrypted, privateKeyPassword: "right-pass" } }),
      node("a1", "192.168.1.21", "agent", { connection: { host: "192.168.1.21", privateKey: pulumi.secret(encrypted), privateKeyPassword: pulumi.secret("x") } }),
    ] })).not.toThrow();
    await drain();
  });
});

describe("contributions are held to serverConfig's rules", () => {
  test("keys k3s-stacks manages are refused in a contribution as in serverConfig, naming the key and the argument to use", async () => {
    const contributions = [{ server: { token: "plain-token", "cluster-cidr": ["10.9.0.0/16"] }, all: { "node-ip": "10.0.0.9", "kubelet-arg": ["node-labels=a=b"] } }];
    expect(await problemsOf(() => new K3sCluster("managed", { version: VERSION, contributions, nodes: [node("s1", "192.168.1.11")] }))).toEqual([
      "K3sCluster.args.contributions[0].server.token: is managed by k3s-stacks. Fix: remove it here; the join token is generated and written to a root-only file by k3s-stacks.",
      "K3sCluster.args.contributions[0].server.cluster-cidr: is managed by k3s-stacks. Fix: remove it here; set clusterCidr.",
      "K3sCluster.args.contributions[0].all.node-ip: is managed by k3s-stacks. Fix: remove it here; set the host's internalAddress.",
      expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all\.kubelet-arg\[0\]: 'node-labels=a=b' sets the kubelet's --node-labels, .*Fix: remove it here; set the host's labels\.$/),
    ]);
    // serverConfig refuses the same keys, in a stack file too.
    expect(stackProblemsOf(() => parseClusterConfig({ k3sVersion: VERSION, serverConfig: { token: "plain-token", "node-ip": "10.0.0.9" } }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.token: is managed by k3s-stacks\. Fix: /),
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.node-ip: is managed by k3s-stacks\. Fix: /),
    ]);
  });

  test("credentials only in a contribution marked secret; a flag value k3s refuses is refused", async () => {
    const problems = await problemsOf(() => new K3sCluster("creds", { version: VERSION, datastore: "etcd", nodes: [node("s1", "192.168.1.11")], contributions: [
      { all: { "vpn-auth": "name=tailscale,joinKey=tskey-PLAIN" } },
      { server: { "etcd-s3": true, "etcd-s3-bucket": "snaps", "etcd-s3-secret-key": "S3-PLAIN", "egress-selector-mode": "Pod" } },
    ] }));
    expect(problems).toEqual([
      "K3sCluster.args.contributions[0].all.vpn-auth: holds the VPN's join key (joinKey), but K3sCluster.args.contributions[0] is not marked secret, so config.yaml would be stored in clear text in the Pulumi state. Fix: set secret: true on K3sCluster.args.contributions[0].",
      "K3sCluster.args.contributions[1].server.etcd-s3-secret-key: holds the S3 secret key, but K3sCluster.args.contributions[1] is not marked secret, so config.yaml would be stored in clear text in the Pulumi state. Fix: set secret: true on K3sCluster.args.contributions[1].",
      expect.stringMatching(/^K3sCluster\.args\.contributions\[1\]\.server\.egress-selector-mode: 'Pod' is not a value k3s takes for egress-selector-mode, so k3s would not start\. Fix: use 'pod'/),
    ]);
    for (const p of problems) expect(p).not.toMatch(/PLAIN/);
  });

  test("the snapshot families and credentials in a secret contribution are what a layer contributes: accepted", async () => {
    expect(() => new K3sCluster("layer-ok", { version: VERSION, datastore: "etcd", nodes: [node("s1", "192.168.1.11")], contributions: [
      { server: { "etcd-snapshot-retention": 7, "etcd-s3": true, "etcd-s3-bucket": "snaps", "etcd-s3-access-key": "AK", "etcd-s3-secret-key": "SK" }, secret: true },
      { all: { "vpn-auth": "name=tailscale,joinKey=tskey-x" }, secret: true },
    ] })).not.toThrow();
    await drain();
  });
});

describe("ClusterAddons against the cluster's settings, as the stack checks its addons against its cluster block", () => {
  const base = { kubeconfig: "apiVersion: v1", nodes: [node("s1", "192.168.1.11"), node("a1", "192.168.1.21", "agent")], serverAddresses: ["192.168.1.11"] };
  const metallb = { loadBalancer: { type: "metallb" as const, pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } };

  test("MetalLB in layer 2 with kube-proxy in IPVS mode without strict ARP names the cluster's agentConfig entry", async () => {
    const clusterAgentConfig = { "kube-proxy-arg": ["proxy-mode=ipvs"] };
    expect(await problemsOf(() => new ClusterAddons("ipvs", { ...base, config: metallb, clusterAgentConfig }))).toEqual([
      "ClusterAddons.args.clusterAgentConfig.kube-proxy-arg[0]: 'proxy-mode=ipvs' runs kube-proxy in IPVS mode, which puts every LoadBalancer address on each node's kube-ipvs0 interface, so without strict ARP every node answers ARP for the addresses MetalLB announces in layer 2 (ClusterAddons.args.config.loadBalancer) and clients switch between nodes. Fix: add ipvs-strict-arp=true to ClusterAddons.args.clusterAgentConfig.kube-proxy-arg, or announce the pools over BGP.",
    ]);
    expect(() => new ClusterAddons("ipvs-strict", { ...base, config: metallb, clusterAgentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "ipvs-strict-arp=true"] } })).not.toThrow();
    await drain();
  });

  test("the cluster's API VIP inside a MetalLB pool, and a kubelet root-dir Rook cannot follow, are refused naming the arguments", async () => {
    const rook = { storage: { type: "rook-ceph" as const, replicas: 1 as const, nodes: [{ name: "a1", devices: ["sdb"] }] } };
    expect(await problemsOf(() => new ClusterAddons("vip", { ...base, config: metallb, apiVip: { address: "192.168.1.230" } }))).toEqual([
      "ClusterAddons.args.apiVip.address: 192.168.1.230 is inside MetalLB pool 'lan' (ClusterAddons.args.config.loadBalancer.pools[0].addresses[0]: 192.168.1.224/28), so MetalLB could hand it to a Service. Fix: pick an address outside every pool.",
    ]);
    expect(await problemsOf(() => new ClusterAddons("rootdir", { ...base, config: rook, clusterAgentConfig: { "kubelet-arg": ["root-dir=/data/kubelet"] } }))).toEqual([
      expect.stringMatching(/^ClusterAddons\.args\.clusterAgentConfig\.kubelet-arg\[0\]: 'root-dir=\/data\/kubelet' moves the kubelet's root directory, but Rook's Ceph CSI driver .*Fix: remove root-dir here/),
    ]);
  });

  test("monitoring's metrics keys contradicted by the cluster's agentConfig are refused", async () => {
    const problems = await problemsOf(() => new ClusterAddons("metrics", { ...base, config: { monitoring: { enabled: true } }, clusterAgentConfig: { "kube-proxy-arg": ["metrics-bind-address=127.0.0.1:10249"] } }));
    expect(problems).toEqual([expect.stringMatching(/^ClusterAddons\.args\.clusterAgentConfig\.kube-proxy-arg\[0\]: .*Fix: .*ClusterAddons\.args\.config\.monitoring\.enabled: false/)]);
  });
});

test("kubeconfigHost and knownApiHosts name API hosts (the kubeconfig's server, the servers' tls-san) and are held to apiEndpoint's rule", async () => {
  expect(await problemsOf(() => new K3sCluster("hosts", { version: VERSION, nodes: [node("s1", "192.168.1.11")], kubeconfigHost: "https://k3s.example.com:6443", knownApiHosts: ["192.168.1.11:6443"] }))).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.kubeconfigHost: 'https:\/\/k3s\.example\.com:6443' is a URL .*Fix: write only the host, 'k3s\.example\.com'/),
    expect.stringMatching(/^K3sCluster\.args\.knownApiHosts\[0\]: '192\.168\.1\.11:6443' carries a port\. Fix: write '192\.168\.1\.11' without the port/),
  ]);
  // The stack's apiEndpoint refuses the same value.
  expect(stackProblemsOf(() => parseClusterConfig({ k3sVersion: VERSION, apiEndpoint: "https://k3s.example.com:6443" }))).toEqual([
    expect.stringMatching(/^k3s-stacks:cluster\.apiEndpoint: 'https:\/\/k3s\.example\.com:6443' is a URL .*Fix: write only the host, 'k3s\.example\.com'/),
  ]);
  expect(() => new K3sCluster("hosts-ok", { version: VERSION, nodes: [node("s1", "192.168.1.11")], kubeconfigHost: pulumi.output("lb.example.com"), knownApiHosts: ["192.168.1.11"] })).not.toThrow();
  await drain();
});
