// A node-cidr-mask-size that narrows each node's pod range below the kubelet's default max-pods (110),
// on nodes whose kubelet-arg sets none: the scheduler places up to 110 pods there and those past the
// range's addresses never get an IP. Whole stacks are planned, as the check needs the nodes' roles.
import { planStack } from "../../components/plan/plan-stack";
import { problem, problemsOf } from "../support/config";
import { inventoryStack } from "../stack/bad-input-cases";

const values = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^k3s-stacks:/, ""), JSON.stringify(v)]));
const plan = (cluster: Record<string, unknown>, hosts?: Array<Record<string, unknown>>) => planStack({ values: values(inventoryStack({ cluster, hosts })), secretKeys: new Set(), baseDir: "." }, undefined);
const MASK = "k3s-stacks:cluster.serverConfig.kube-controller-manager-arg[0]";
const mask = (entry: string) => ({ "kube-controller-manager-arg": [entry] });

test("a /26 per node (61 pods) with no max-pods is refused, naming the mask entry, max-pods=61 and a mask that holds 110", () => {
  expect(problemsOf(() => plan({ serverConfig: mask("node-cidr-mask-size=26") }))).toEqual([
    problem(MASK, /node-cidr-mask-size-ipv4=26 gives each node 61 pod addresses, but no kubelet-arg sets max-pods.*default 110 pods/, /add max-pods=61 to kubelet-arg in agentConfig.*node-cidr-mask-size-ipv4=25 \(125 pods/),
  ]);
});

test("max-pods on the servers only leaves the agents at 110: refused, pointing at agentConfig", () => {
  expect(problemsOf(() => plan({ serverConfig: { ...mask("node-cidr-mask-size-ipv4=26"), "kubelet-arg": ["max-pods=60"] } }))).toEqual([
    problem(MASK, "agentConfig's kubelet-arg sets no max-pods", "add max-pods=61 to kubelet-arg in agentConfig"),
  ]);
});

test("serverConfig's own kubelet-arg replaces agentConfig's on servers: the servers are named", () => {
  expect(problemsOf(() => plan({ serverConfig: { ...mask("node-cidr-mask-size=26"), "kubelet-arg": ["v=2"] }, agentConfig: { "kubelet-arg": ["max-pods=60"] } }))).toEqual([
    problem(MASK, /the servers' kubelet-arg .*sets no max-pods/, "add max-pods=61 to kubelet-arg in serverConfig"),
  ]);
});

test("IPv6 node ranges are counted the same way (/122: 62 pods)", () => {
  expect(problemsOf(() => plan({ clusterCidr: "fd00:42::/112", serviceCidr: "fd00:43::/112", serverConfig: mask("node-cidr-mask-size-ipv6=122") },
    [{ name: "s1", address: "192.168.1.11", internalAddress: "fd00:1::11", role: "server", arch: "amd64" }]))).toEqual([
    problem(MASK, "node-cidr-mask-size-ipv6=122 gives each node 62 pod addresses", /max-pods=62 .*node-cidr-mask-size-ipv6=121 \(126 pods/),
  ]);
});

test.each([
  ["max-pods in agentConfig, which servers read too", { serverConfig: mask("node-cidr-mask-size=26"), agentConfig: { "kubelet-arg": ["max-pods=61"] } }],
  ["a kubelet config file that may set maxPods", { serverConfig: mask("node-cidr-mask-size=26"), agentConfig: { "kubelet-arg": ["config-dir=/etc/k3s-kubelet.d"] } }],
  ["a /25 (125 pods) holds the default 110", { serverConfig: mask("node-cidr-mask-size=25") }],
  ["no mask: a /24 (253 pods)", {}],
])("accepted: %s", (_what, cluster) => {
  expect(plan(cluster).nodes.map((n) => n.name)).toEqual(["s1", "a1", "a2"]);
});

test("max-pods on the servers alone is enough when there are no agents", () => {
  const hosts = [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }];
  expect(plan({ serverConfig: { ...mask("node-cidr-mask-size=26"), "kubelet-arg": ["max-pods=61"] } }, hosts).nodes.map((n) => n.name)).toEqual(["s1"]);
});

test("a library contribution's mask counts, named by its entry", async () => {
  const { K3sCluster } = await import("../../components");
  const node = (name: string, role: "server" | "agent") => ({ name, role, arch: "amd64" as const, connection: { host: `192.168.1.${name.length + (role === "server" ? 10 : 20)}` } });
  expect(() => new K3sCluster("narrow", { version: "v1.36.3+k3s1", nodes: [node("s1", "server"), node("a1", "agent")], contributions: [{ server: { "kube-controller-manager-arg": ["node-cidr-mask-size=27"] } }] }))
    .toThrow(/K3sCluster\.args\.contributions\[0\]\.server\.kube-controller-manager-arg\[0\]: node-cidr-mask-size-ipv4=27 gives each node 29 pod addresses.*Fix: add max-pods=29/);
});
