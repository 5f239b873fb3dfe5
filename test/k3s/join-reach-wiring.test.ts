// Which installs check their join URL, and how long they may wait (join-reach.ts joinWaitSeconds):
// every node but the first server; a short bound when the URL is the first server's own address, the
// waits the nodes had before when it is a fixed API host that may come up after the servers.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import { installMocks, valueOf } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { command } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";

function node(name: string, role: "server" | "agent", i: number): NodeSpec {
  return { name, role, arch: "arm64", connection: { host: `10.9.0.${i}`, user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };
}
const NODES = [node("s1", "server", 1), node("s2", "server", 2), node("s3", "server", 3), node("a1", "agent", 11)];

beforeAll(async () => {
  await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  for (const [name, extra] of [["direct", {}], ["fixed", { apiEndpoint: "k3s.example.com" }]] as const) {
    new K3sCluster(name, { version: "v1.36.3+k3s1", datastore: "etcd", nodes: NODES, rollout: { agentBatchSize: 1, drain: true, drainTimeout: "5m" }, ...extra });
  }
  await drain();
});

/** The bound the node's install waits for its join URL; undefined: no check. */
const waitOf = async (step: string) => {
  const script = unpackScript(await valueOf(command(step).args.stdin as string));
  return script.includes("join_reachable") ? Number(/deadline=\$\(\(SECONDS \+ (\d+)\)\)/.exec(script)?.[1]) : undefined;
};

test("the first server joins nobody: its install checks nothing", async () => {
  expect(await waitOf("direct-s1-install")).toBeUndefined();
  expect(await waitOf("fixed-s1-install")).toBeUndefined();
});

test("joins to the first server's address, which answers when they install: 30 s for servers and agents", async () => {
  expect([await waitOf("direct-s2-install"), await waitOf("direct-s3-install"), await waitOf("direct-a1-install")]).toEqual([30, 30, 30]);
});

test("joins to apiEndpoint/apiVip, which may come up later: as long as run_install waits for active (servers) and the membership for Ready (agents)", async () => {
  expect([await waitOf("fixed-s2-install"), await waitOf("fixed-a1-install")]).toEqual([240, 600]);
});
