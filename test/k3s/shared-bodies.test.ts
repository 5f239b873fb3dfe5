// Every node's steps pass the node's own values (name, configuration hash) beside the compressed body
// (components/remote/packed-script.ts), so nodes with the same settings share one body: compressed once
// per evaluation instead of once per node (bench/cluster-eval.ts), and still decoded per node.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import { installMocks, valueOf } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { command } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";
import { longhornPrereqCommand } from "../../components/addons/longhorn-prereq";
import { disableHolds } from "../../components/addons/teardown";

function node(name: string, role: "server" | "agent", i: number): NodeSpec {
  return { name, role, arch: "arm64", connection: { host: `10.9.0.${i}`, user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };
}
// The agents name their node-ip (config.yaml), a per-node value too.
const NODES = [node("s1", "server", 1), node("s2", "server", 2), node("s3", "server", 3), { ...node("a1", "agent", 11), internalAddress: "10.9.1.11" }, { ...node("a2", "agent", 12), internalAddress: "10.9.1.12" }];
const GONE = [node("gone-1", "agent", 13), node("gone-2", "agent", 14)];

beforeAll(async () => {
  await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  const cluster = new K3sCluster("k3s", {
    version: "v1.36.3+k3s1",
    datastore: "etcd",
    nodes: NODES,
    gone: GONE,
    rollout: { agentBatchSize: 1, drain: true, drainTimeout: "5m" },
  });
  for (const n of NODES) longhornPrereqCommand(`lh-${n.name}`, n, "prepare", { parent: cluster });
  disableHolds("addons", "servicelb", NODES, { parent: cluster, after: [], etcd: true });
  await drain();
});

const stdinOf = async (name: string) => valueOf(command(name).args.stdin as string);
const payload = (stdin: string) => /\n(H4sI[A-Za-z0-9+/=]+)\n/.exec(stdin)?.[1];

test.each([
  ["k3s-a1-STEP", "k3s-a2-STEP", ["leave", "config", "install", "cordon", "restart", "uncordon", "member"]],
  ["k3s-s2-STEP", "k3s-s3-STEP", ["leave", "config", "install", "cordon", "restart", "uncordon", "member"]],
  ["k3s-gone-1-STEP", "k3s-gone-2-STEP", ["install"]],
  ["lh-a1STEP", "lh-a2STEP", [""]],
  ["addons-hold-servicelb-s2STEP", "addons-hold-servicelb-s3STEP", [""]],
] as Array<[string, string, string[]]>)("%s and %s carry one shared body, each decoding to its own node's script", async (a, b, steps) => {
  for (const step of steps) {
    const [one, two] = [await stdinOf(a.replace("STEP", step)), await stdinOf(b.replace("STEP", step))];
    const [nameOne, nameTwo] = [a, b].map((n) => /^(?:k3s-|lh-|addons-hold-servicelb-)([a-z0-9]+(?:-\d)?)/.exec(n)![1]);
    // A script too small to gain from packing travels plain in both (no body to share).
    expect({ step, packed: payload(one) !== undefined, shared: payload(one) === payload(two) }).toEqual({ step, packed: payload(two) !== undefined, shared: true });
    if (["config", "install", "restart", "member"].includes(step)) expect(payload(one)).toBeDefined();
    const word = (name: string) => new RegExp(`(?<!\\w)${name}(?!\\w)`, "g");
    expect(unpackScript(one)).toMatch(word(nameOne));
    expect(unpackScript(one)).not.toMatch(word(nameTwo));
    // Apart from the node's values, the decoded scripts are the same.
    const norm = (stdin: string, name: string) =>
      unpackScript(stdin).replace(word(name), "NODE").replace(/\b[0-9a-f]{12}\b/g, "HASH").replace(/10\.9\.1\.1[12]/g, "IP");
    expect(norm(two, nameTwo)).toBe(norm(one, nameOne));
  }
});
