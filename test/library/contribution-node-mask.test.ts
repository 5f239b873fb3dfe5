// A contribution's node-cidr-mask-size (kube-controller-manager-arg) counts like the user's own
// serverConfig: kube-controller-manager runs on the servers with their merged config.yaml and cuts one
// pod range of that size per node out of cluster-cidr (Kubernetes pkg/controller/nodeipam,
// range_allocator.go: "no remaining CIDRs left to allocate"; it refuses to start when cluster-cidr is
// smaller than one range). The capacity and size checks take the merged mask and name the entry.
import { refusalProblems } from "./support/refusal";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { K3sCluster, NodeArgs } from "../../components";

const VERSION = "v1.35.4+k3s1";
const node = (name: string, host: string, role: NodeArgs["role"] = "agent"): NodeArgs => ({ name, role, arch: "arm64", connection: { host } });
const nodes = (agents: number) => [node("s1", "192.168.1.10", "server"), ...Array.from({ length: agents }, (_, i) => node(`a${i}`, `192.168.1.${20 + i}`))];
const mask = (size: number, list = "kube-controller-manager-arg") => ({ server: { [list]: ["bind-address=0.0.0.0", `node-cidr-mask-size=${size}`] } });
type Args = Partial<ConstructorParameters<typeof K3sCluster>[1]>;

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

const problemsOf = (args: Args): Promise<string[]> => refusalProblems(state, () => new K3sCluster("bad", { version: VERSION, nodes: nodes(1), ...args }));

test("more nodes than the contribution's node ranges fit in clusterCidr: refused, naming the entry that sets the mask", async () => {
  // 10.42.0.0/16 at /18 holds 4 ranges; 5 nodes are listed. At the default /24 it would hold 256.
  expect(await problemsOf({ nodes: nodes(4), contributions: [mask(18)] })).toEqual([
    "K3sCluster.args.clusterCidr: 10.42.0.0/16 holds 4 pod ranges of /18 (node-cidr-mask-size-ipv4, set by K3sCluster.args.contributions[0].server.kube-controller-manager-arg[1]), one per node, but 5 nodes are planned; kube-controller-manager gives the others none, and they stay NotReady. Fix: use a /15 or larger range, such as 10.44.0.0/15, or a longer node-cidr-mask-size in K3sCluster.args.contributions[0].server.kube-controller-manager-arg[1].",
  ]);
});

test("a contribution's node range larger than clusterCidr: refused, as kube-controller-manager refuses to start", async () => {
  expect(await problemsOf({ clusterCidr: "10.42.0.0/24", contributions: [mask(22, "kube-controller-arg")] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.clusterCidr: 10\.42\.0\.0\/24 is smaller than the \/22 pod range each node gets \(node-cidr-mask-size-ipv4, set by K3sCluster\.args\.contributions\[0\]\.server\.kube-controller-arg\[1\]\), so kube-controller-manager refuses to start\. Fix: /),
  ]);
});

test("a contribution's longer mask makes room: a /24 at /26 holds 4 node ranges, enough for 3 nodes", async () => {
  // A /26 holds 61 pods, fewer than the kubelet's default max-pods: the nodes say so (default-max-pods.test.ts).
  expect(() => new K3sCluster("fits", { version: VERSION, clusterCidr: "10.42.0.0/24", nodes: nodes(2), agentConfig: { "kubelet-arg": ["max-pods=61"] }, contributions: [mask(26)] })).not.toThrow();
  await drain();
});

test("the user's own mask is named where it is set", async () => {
  expect(await problemsOf({ nodes: nodes(4), serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=18"] } })).toEqual([
    expect.stringContaining("of /18 (node-cidr-mask-size-ipv4, set by K3sCluster.args.serverConfig.kube-controller-manager-arg[0]), one per node, but 5 nodes are planned"),
  ]);
});

test("the user's mask under the alias kube-controller-arg still counts when a contribution adds kube-controller-manager-arg, as the monitoring layer does", async () => {
  expect(await problemsOf({
    nodes: nodes(4),
    serverConfig: { "kube-controller-arg": ["node-cidr-mask-size=18"] },
    contributions: [{ server: { "kube-controller-manager-arg": ["bind-address=0.0.0.0"] } }],
  })).toEqual([expect.stringContaining("of /18 (node-cidr-mask-size-ipv4, set by K3sCluster.args.serverConfig.kube-controller-arg[0]), one per node, but 5 nodes are planned")]);
});
