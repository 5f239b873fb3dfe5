import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { installCloudMocks, MOCK_HCLOUD_SSH_KEYS, Seen, settle, valueOf } from "./cloud-mocks";
import { hetznerKeyFingerprint } from "../../components/nodes/hetzner/ssh-key";
import type { CloudNodes } from "../../components/nodes/cloud/result";

/** Pulumi's marker for a secret value on the wire (sdk/nodejs/runtime/rpc.ts specialSigKey). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

let seen: Seen[];
let cloud: typeof import("../../components/nodes/cloud");

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const base = {
  provider: "hetzner",
  hetzner: { location: "nbg1" },
  adminCidrs: ["203.0.113.7/32", "2001:db8::/64"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
};

async function build(name: string, raw: Record<string, unknown>, extra: { sshPrivateKey?: pulumi.Input<string>; embeddedRegistry?: boolean } = {}) {
  const config = cloud.parseCloudConfig({ ...base, ...raw }, cluster);
  const nodes = await cloud.createCloudNodes(name, { config, cluster: { ...cluster, embeddedRegistry: extra.embeddedRegistry }, sshPrivateKey: extra.sshPrivateKey });
  await Promise.all(nodes.nodes.map((n) => valueOf(n.internalAddress as pulumi.Output<string>)));
  await valueOf(nodes.urn);
  await settle();
  return nodes;
}

const mine = (prefix: string, type: string) => seen.filter((s) => s.type === type && s.name.startsWith(`${prefix}-`));

beforeAll(async () => {
  seen = await installCloudMocks();
  cloud = await import("../../components/nodes/cloud");
});

describe("HetznerNodes: three etcd servers and a mixed-arch agent pool", () => {
  let result: CloudNodes;
  beforeAll(async () => {
    result = await build("prod", {
      pools: [
        { name: "agent", role: "agent", count: 12, type: "cax21", labels: { tier: "general" }, taints: ["dedicated=batch:NoSchedule"] },
        { name: "control", role: "server", count: 3, type: "cpx22" },
      ],
    });
  });

  test("creates the key, network, subnet, firewalls, placement groups and servers", () => {
    const count = (t: string) => mine("prod", t).length;
    expect(count("tls:index/privateKey:PrivateKey")).toBe(1);
    expect(count("hcloud:index/sshKey:SshKey")).toBe(1);
    expect(count("hcloud:index/network:Network")).toBe(1);
    expect(count("hcloud:index/networkSubnet:NetworkSubnet")).toBe(1);
    expect(count("hcloud:index/firewall:Firewall")).toBe(2);
    expect(count("hcloud:index/server:Server")).toBe(15);
    expect(count("command:remote:Command")).toBe(15);
    expect(count("hcloud:index/loadBalancer:LoadBalancer")).toBe(0);
    const net = mine("prod", "hcloud:index/network:Network")[0].inputs;
    expect(net.ipRange).toBe("10.0.0.0/16");
    const subnet = mine("prod", "hcloud:index/networkSubnet:NetworkSubnet")[0].inputs;
    expect(subnet).toMatchObject({ ipRange: "10.0.1.0/24", networkZone: "eu-central", type: "cloud" });
    expect(subnet.networkId).toEqual(expect.any(Number));
  });

  test("firewalls open SSH to admins on every node and 6443 to admins on servers, nothing else", () => {
    const fw = Object.fromEntries(mine("prod", "hcloud:index/firewall:Firewall").map((f) => [f.name, f.inputs.rules]));
    const sources = ["203.0.113.7/32", "2001:db8::/64"];
    expect(fw["prod-nodes"]).toEqual([{ direction: "in", protocol: "tcp", port: "22", sourceIps: sources, description: expect.any(String) }]);
    expect(fw["prod-servers"]).toEqual([{ direction: "in", protocol: "tcp", port: "6443", sourceIps: sources, description: expect.any(String) }]);
    const servers = mine("prod", "hcloud:index/server:Server");
    const ids = (name: string) => servers.find((s) => s.name === name)?.inputs.firewallIds;
    expect(ids("prod-control-0")).toHaveLength(2);
    expect(ids("prod-agent-0")).toHaveLength(1);
  });

  test("servers get their type, an arch-neutral image name, the private subnet and cloud-init", () => {
    const byName = Object.fromEntries(mine("prod", "hcloud:index/server:Server").map((s) => [s.name, s.inputs]));
    expect(byName["prod-control-0"]).toMatchObject({ name: "test-prod-control-0", serverType: "cpx22", image: "ubuntu-24.04", location: "nbg1", publicNets: [{ ipv4Enabled: true, ipv6Enabled: false }] });
    // Hetzner picks the arm64 build of the named image for a CAX type.
    expect(byName["prod-agent-11"]).toMatchObject({ serverType: "cax21", image: "ubuntu-24.04" });
    expect(byName["prod-agent-0"].networks).toEqual([{ networkId: expect.any(Number), subnetId: expect.any(String) }]);
    expect(byName["prod-agent-0"].userData).toMatch(/^#cloud-config\n/);
    expect(byName["prod-agent-0"].sshKeys).toHaveLength(1);
  });

  test("placement groups spread each pool, at most 10 servers per group", () => {
    const groups = mine("prod", "hcloud:index/placementGroup:PlacementGroup");
    expect(groups.map((g) => g.name).sort()).toEqual(["prod-agent-0", "prod-agent-1", "prod-control-0"]);
    expect(groups.every((g) => g.inputs.type === "spread")).toBe(true);
    const members = new Map<number, number>();
    for (const s of mine("prod", "hcloud:index/server:Server")) members.set(s.inputs.placementGroupId, (members.get(s.inputs.placementGroupId) ?? 0) + 1);
    expect([...members.values()].sort((a, b) => a - b)).toEqual([2, 3, 10]);
  });

  test("every Hetzner resource that takes labels carries the cluster labels", () => {
    const labelled = seen.filter((s) => s.name.startsWith("prod-") && s.type.startsWith("hcloud:") && s.type !== "hcloud:index/networkSubnet:NetworkSubnet");
    expect(labelled.length).toBeGreaterThan(0);
    for (const r of labelled) expect(r.inputs.labels).toMatchObject({ "managed-by": "k3s-stacks", "k3s-stacks-cluster": "test-prod" });
  });

  test("the generated private key is secret and reaches every node's connection", async () => {
    expect(result.privateKey).toBeDefined();
    expect(await pulumi.isSecret(result.privateKey!)).toBe(true);
    for (const n of result.nodes) expect(await pulumi.isSecret(pulumi.output(n.connection.privateKey!))).toBe(true);
    expect(await valueOf(result.nodes[0].connection.privateKey!)).toContain("generated");
    const key = mine("prod", "hcloud:index/sshKey:SshKey")[0].inputs;
    expect(key.publicKey).toBe("ssh-ed25519 AAAAgenerated");
  });

  test("nodes come out servers first with public SSH host, private node-ip and the private NIC for flannel", async () => {
    expect(result.nodes.map((n) => n.name).slice(0, 4)).toEqual(["control-0", "control-1", "control-2", "agent-0"]);
    const agent = result.nodes[3];
    expect(agent).toMatchObject({ role: "agent", arch: "arm64", flannelIface: "enp7s0", labels: { "k3s-stacks/pool": "agent", tier: "general" }, taints: ["dedicated=batch:NoSchedule"], allowReboot: true, fixCgroups: false });
    expect(result.nodes[0]).toMatchObject({ role: "server", arch: "amd64" });
    const host = await valueOf(agent.connection.host);
    expect(host).toMatch(/^198\.51\.100\.\d+$/);
    expect(await valueOf(agent.externalAddress!)).toBe(host);
    expect(await valueOf(agent.internalAddress!)).toMatch(/^10\.0\.1\.\d+$/);
    expect(agent.connection.user).toBe("root");
  });

  test("each node depends on its VM and an SSH wait that is bounded and names the host", async () => {
    const agent = result.nodes[3];
    // K3sNode steps depend on the VM, so scaling down drains and removes the node before deleting the VM.
    expect(agent.dependsOn).toHaveLength(2);
    expect(agent.dependsOn![0]).toBeInstanceOf(hcloud.Server);
    const wait = mine("prod", "command:remote:Command").find((c) => c.name === "prod-agent-0-wait-ssh")!;
    // The connection (with the key) reaches the engine as a secret: the mock sees the secret envelope.
    const connection = wait.inputs.connection;
    expect(connection[SECRET_SIG]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(connection.value).toMatchObject({ host: await valueOf(agent.connection.host), user: "root", dialErrorLimit: 36, perDialTimeout: 10 });
    expect(wait.inputs.create).toContain(`agent-0 (${await valueOf(agent.connection.host)})`);
    expect(wait.inputs.create).not.toContain("PRIVATE KEY");
  });
});

describe("HetznerNodes: user key, custom image, API load balancer", () => {
  let result: CloudNodes;
  const userKey = pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----user");
  beforeAll(async () => {
    result = await build("lb", {
      sshPublicKey: "ssh-ed25519 AAAAuser me@host",
      adminCidrs: [],
      allowWorldApi: true,
      apiLoadBalancer: true,
      os: "debian-12",
      hetzner: { location: "fsn1", privateInterface: "ens10" },
      pools: [{ name: "server", role: "server", count: 1, type: "cax11", image: { id: "987654", arch: "arm64" } }],
    }, { sshPrivateKey: userKey, embeddedRegistry: true });
  });

  test("uses the given key and generates none", async () => {
    expect(mine("lb", "tls:index/privateKey:PrivateKey")).toHaveLength(0);
    expect(mine("lb", "hcloud:index/sshKey:SshKey")[0].inputs.publicKey).toBe("ssh-ed25519 AAAAuser me@host");
    expect(result.privateKey).toBeUndefined();
    expect(await valueOf(result.nodes[0].connection.privateKey!)).toContain("user");
  });

  test("custom image and private NIC override the defaults", () => {
    expect(mine("lb", "hcloud:index/server:Server")[0].inputs).toMatchObject({ image: "987654", location: "fsn1" });
    expect(result.nodes[0].flannelIface).toBe("ens10");
  });

  test("world-open API is explicit: firewall sources are 0.0.0.0/0 and ::/0", () => {
    const rules = mine("lb", "hcloud:index/firewall:Firewall").flatMap((f) => f.inputs.rules);
    expect(rules.map((r: { port: string }) => r.port)).toEqual(["22", "6443"]);
    for (const r of rules) expect(r.sourceIps).toEqual(["0.0.0.0/0", "::/0"]);
  });

  test("the load balancer forwards 6443 to the servers' private addresses", async () => {
    expect(await valueOf(result.apiEndpoint!)).toBe("198.51.100.250");
    const service = mine("lb", "hcloud:index/loadBalancerService:LoadBalancerService")[0].inputs;
    expect(service).toMatchObject({ protocol: "tcp", listenPort: 6443, destinationPort: 6443 });
    const target = mine("lb", "hcloud:index/loadBalancerTarget:LoadBalancerTarget")[0].inputs;
    expect(target).toMatchObject({ type: "label_selector", labelSelector: "k3s-stacks-cluster=test-lb,role=server", usePrivateIp: true });
    expect(mine("lb", "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork")).toHaveLength(1);
    const server = mine("lb", "hcloud:index/server:Server")[0].inputs;
    expect(server.labels).toMatchObject({ "k3s-stacks-cluster": "test-lb", role: "server" });
  });
});

describe("HetznerNodes: the user's key is already in the Hetzner project", () => {
  // Hetzner refuses a second key of one fingerprint (uniqueness_error, kube-hetzner#963).
  const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGj2GbsMAHJ7RraTwJi6SBIGUZ/7XG3n3jip/SmBz0VJ ana@laptop";
  const pools = [{ name: "server", role: "server", count: 1, type: "cx23" }, { name: "agent", role: "agent", count: 2, type: "cx23" }];
  afterEach(() => MOCK_HCLOUD_SSH_KEYS.splice(0));

  test("uploaded under another name: no SSH key is created, the servers get the existing key's ID", async () => {
    MOCK_HCLOUD_SSH_KEYS.push({ id: 4711, name: "ana-laptop", fingerprint: hetznerKeyFingerprint(publicKey), publicKey, labels: {} });
    await build("reuse", { sshPublicKey: publicKey, pools });
    expect(mine("reuse", "hcloud:index/sshKey:SshKey")).toHaveLength(0);
    const servers = mine("reuse", "hcloud:index/server:Server");
    expect(servers).toHaveLength(3);
    for (const s of servers) expect(s.inputs.sshKeys).toEqual(["4711"]);
  });

  test("the key this cluster created on an earlier run stays its resource (not dropped, so not deleted)", async () => {
    MOCK_HCLOUD_SSH_KEYS.push({ id: 4712, name: "test-own-ssh", fingerprint: hetznerKeyFingerprint(publicKey), publicKey, labels: { "managed-by": "k3s-stacks", "k3s-stacks-cluster": "test-own" } });
    await build("own", { sshPublicKey: publicKey, pools });
    expect(mine("own", "hcloud:index/sshKey:SshKey").map((k) => k.inputs.publicKey)).toEqual([publicKey]);
  });
});

describe("HetznerNodes: a long component name and a long pool name", () => {
  test("every server name is a hostname Hetzner accepts (at most 63 characters), the node name unchanged", async () => {
    const component = "customer-platform-production-eu";
    const pool = "p".repeat(32);
    const result = await build(component, { pools: [{ name: pool, role: "server", count: 1, type: "cx23" }, { name: "w", role: "agent", count: 1, type: "cx23" }] });
    const names = mine(component, "hcloud:index/server:Server").map((s) => s.inputs.name as string);
    expect(names).toHaveLength(2);
    expect(`test-${component}-${pool}-0`.length).toBeGreaterThan(63);
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/);
    expect(names).toContain(`test-${component}-w-0`);
    expect(result.nodes.map((n) => n.name)).toEqual([`${pool}-0`, "w-0"]);
  });
});
