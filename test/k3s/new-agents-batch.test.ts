// Agents that the last successful update did not install (K3sClusterArgs.knownNodes) roll after the
// installed ones, all at once: their rollout steps are created, which runs nothing, so chaining them
// batch by batch only queued engine steps before the memberships (bench/e2e-bringup.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { installMocks } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { RecordedCommand, dependsOnNames, recorded } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";

const node = (name: string, role: "server" | "agent", i: number): NodeSpec => ({
  name, role, arch: "amd64", connection: { host: `10.9.0.${i + 1}`, user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false,
});
const res = (n: string, step: string) => `k3s-${n}-${step}`;
const deps = new Map<string, string[]>();
let cluster: K3sCluster;

beforeAll(async () => {
  await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  const nodes = [node("s1", "server", 0), node("s2", "server", 1), node("s3", "server", 2), ...["a1", "n1", "a2", "n2", "n3"].map((n, i) => node(n, "agent", 10 + i))];
  cluster = new K3sCluster("k3s", {
    version: "v1.36.3+k3s1",
    datastore: "etcd",
    nodes,
    rollout: { agentBatchSize: 1, drain: true, drainTimeout: "5m" },
    knownNodes: ["s1", "s2", "a1", "a2"],
  });
  await drain();
  recorded.forEach((c: RecordedCommand) => deps.set(c.name, dependsOnNames(c)));
});

test("installed agents keep their batches; the new ones follow together, each after the last installed agent's roll", () => {
  expect(cluster.rolloutOrder).toEqual([["s1"], ["s2"], ["s3"], ["a1"], ["a2"], ["n1", "n2", "n3"]]);
  expect(deps.get(res("a1", "cordon"))).toEqual([res("s3", "uncordon")]);
  expect(deps.get(res("a2", "cordon"))).toEqual([res("a1", "uncordon")]);
  // An added agent's cordon (nothing to do when created) also waits for its own install, so the
  // installs take the engine's slots first; an installed agent's does not.
  for (const n of ["n1", "n2", "n3"]) expect(deps.get(res(n, "cordon"))).toEqual([res(n, "install"), res("a2", "uncordon")]);
});

test("a new server still joins and rolls one at a time", () => {
  expect(deps.get(res("s3", "cordon"))).toEqual([res("s2", "uncordon")]);
  expect(deps.get(res("s3", "install"))).toContain(res("s2", "install"));
});

test("every agent's membership waits for the installed agents' roll, none for the added agents' (no dependency grows with their square)", () => {
  for (const a of ["a1", "a2", "n1", "n2", "n3"]) {
    const member = deps.get(res(a, "member")) ?? [];
    expect(member).toContain(res("a2", "uncordon"));
    expect(member.filter((d) => /^k3s-n\d-uncordon$/.test(d))).toEqual([]);
  }
  // an added agent's membership still follows its own restart (and so its install)
  for (const n of ["n1", "n2", "n3"]) expect(deps.get(res(n, "member"))).toContain(res(n, "restart"));
});
