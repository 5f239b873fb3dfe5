// A contribution's `disable` (a layer switching a packaged component off) counts like the user's own
// in the checks that depend on what k3s deploys: here, taints that leave k3s's packaged pods no node.
import { refusalProblems } from "./support/refusal";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { K3sCluster, NodeArgs } from "../../components";

const VERSION = "v1.35.4+k3s1";
const node = (name: string, host: string, role: NodeArgs["role"]): NodeArgs => ({ name, role, arch: "arm64", connection: { host }, taints: ["x=y:NoSchedule"] });
const nodes = [node("s1", "192.168.1.10", "server"), node("a1", "192.168.1.20", "agent")];

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

test("every node tainted, the rest switched off by the user and local-storage by a contribution: accepted", async () => {
  expect(() => new K3sCluster("ok", { version: VERSION, nodes, disable: ["coredns", "metrics-server", "traefik"], contributions: [{ disable: ["local-storage"] }] })).not.toThrow();
  await drain();
});

test("without the contribution's disable, local-path-provisioner would stay Pending: refused", async () => {
  const problems = await refusalProblems(state, () => new K3sCluster("bad", { version: VERSION, nodes, disable: ["coredns", "metrics-server", "traefik"] }));
  expect(problems).toEqual([expect.stringMatching(/^K3sCluster\.args\.nodes: every node has .*local-path-provisioner .*stay Pending/)]);
});
