// The whole program on an AWS stack with k3s's embedded registry mirror on: the security group must
// open what the mirror needs between nodes (5001/tcp spegel, 6443/tcp on every node), as the hosts'
// own firewalls do (components/k3s/host/network.ts); so must the layers' ports (monitoring scrapes). The stack used to not tell the cloud layer; nor
// the datastore, so etcd's ports opened between servers with sqlite or postgres too.
// (Hetzner firewalls filter only the public interfaces; node-to-node traffic is on the private network.)
import { AWS_ONE_SERVER_ONE_AGENT as CLOUD, installCloudMocks, Seen, settle } from "./cloud-mocks";
import { setStackConfig } from "../support/stack";

async function ingressRules(registries?: Record<string, unknown>, serverConfig?: Record<string, unknown>, datastore?: string, addons?: Record<string, unknown>): Promise<string[]> {
  const seen: Seen[] = await installCloudMocks();
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", ...(serverConfig ? { serverConfig } : {}), ...(datastore ? { datastore } : {}) },
    "k3s-stacks:cloud": CLOUD,
    ...(registries ? { "k3s-stacks:registries": registries } : {}),
    ...(addons ? { "k3s-stacks:addons": addons } : {}),
  });
  const { main } = await import("../../stacks/main");
  await main();
  await settle();
  return seen.filter((s) => s.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => `${r.inputs.ipProtocol}/${r.inputs.fromPort} ${r.inputs.cidrIpv4 ?? "sg"} -> ${r.inputs.securityGroupId}`);
}

test("registries.embeddedMirror opens 5001 and 6443 between all nodes, from the VPC range only", async () => {
  const rules = await ingressRules({ mirrors: { "docker.io": {} }, embeddedMirror: true });
  expect(rules).toContain("tcp/5001 10.0.0.0/16 -> k3s-nodes-id");
  expect(rules).toContain("tcp/6443 10.0.0.0/16 -> k3s-nodes-id");
});

test("embedded-registry set in serverConfig (k3s reads it from config.yaml all the same) opens them too", async () => {
  jest.resetModules();
  const rules = await ingressRules(undefined, { "embedded-registry": true });
  expect(rules).toContain("tcp/5001 10.0.0.0/16 -> k3s-nodes-id");
  expect(rules).toContain("tcp/6443 10.0.0.0/16 -> k3s-nodes-id");
});

test("without the mirror, 5001 stays closed and 6443 is open to servers only", async () => {
  jest.resetModules();
  const rules = await ingressRules();
  expect(rules.filter((r) => r.startsWith("tcp/5001 "))).toEqual([]);
  expect(rules.filter((r) => r.startsWith("tcp/6443 10.0.0.0/16"))).toEqual(["tcp/6443 10.0.0.0/16 -> k3s-servers-id"]);
});

test("the datastore decides etcd's ports: none with sqlite (the default), 2379-2380 between servers with etcd", async () => {
  jest.resetModules();
  expect((await ingressRules()).filter((r) => r.startsWith("tcp/2379 "))).toEqual([]);
  jest.resetModules();
  expect((await ingressRules(undefined, undefined, "etcd")).filter((r) => r.startsWith("tcp/2379 "))).toEqual(["tcp/2379 sg -> k3s-servers-id"]);
});

test("monitoring opens its scrape ports from the VPC range, as host preparation does in the hosts' firewalls: kube-proxy and node-exporter everywhere, controller-manager, scheduler and etcd metrics on servers", async () => {
  jest.resetModules();
  const scrapes = ["tcp/10249", "tcp/9100", "tcp/10257", "tcp/10259", "tcp/2381"];
  const of = (rules: string[]) => rules.filter((r) => scrapes.some((p) => r.startsWith(`${p} `)));
  expect(of(await ingressRules(undefined, undefined, "etcd", { monitoring: { enabled: true } })).sort()).toEqual([
    "tcp/10249 10.0.0.0/16 -> k3s-nodes-id",
    "tcp/10257 10.0.0.0/16 -> k3s-servers-id",
    "tcp/10259 10.0.0.0/16 -> k3s-servers-id",
    "tcp/2381 10.0.0.0/16 -> k3s-servers-id",
    "tcp/9100 10.0.0.0/16 -> k3s-nodes-id",
  ]);
  jest.resetModules();
  expect(of(await ingressRules())).toEqual([]);
});
