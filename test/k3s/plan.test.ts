import { planRollout } from "../../components/day-two/rollout-plan";
import { NodeSpec } from "../../components/nodes/types";

const n = (name: string, role: "server" | "agent"): NodeSpec => ({ name, role, arch: "arm64", connection: { host: name }, labels: {}, taints: [], allowReboot: false, fixCgroups: false });
const names = (ns: NodeSpec[]) => ns.map((x) => x.name);

test("servers in inventory order, wherever they appear; agents in batches", () => {
  const nodes = [n("a1", "agent"), n("s1", "server"), n("a2", "agent"), n("s2", "server"), n("a3", "agent"), n("a4", "agent"), n("a5", "agent")];
  const plan = planRollout(nodes, 2);
  expect(names(plan.servers)).toEqual(["s1", "s2"]);
  expect(plan.agentBatches.map(names)).toEqual([["a1", "a2"], ["a3", "a4"], ["a5"]]);
});

test("batch size 1 and a batch larger than the agent count", () => {
  const nodes = [n("s1", "server"), n("a1", "agent"), n("a2", "agent")];
  expect(planRollout(nodes, 1).agentBatches.map(names)).toEqual([["a1"], ["a2"]]);
  expect(planRollout(nodes, 10).agentBatches.map(names)).toEqual([["a1", "a2"]]);
  expect(planRollout([n("s1", "server")], 3).agentBatches).toEqual([]);
});

test("bad batch sizes and a cluster without servers are refused", () => {
  for (const size of [0, -1, 1.5, NaN]) expect(() => planRollout([n("s1", "server")], size)).toThrow(/batch size/);
  expect(() => planRollout([n("a1", "agent")], 1)).toThrow(/at least one server/);
});

test("agents the last update did not install are added, apart from the batches; without knownNodes every agent counts as installed", () => {
  const nodes = [n("s1", "server"), n("a1", "agent"), n("new1", "agent"), n("a2", "agent"), n("a3", "agent"), n("new2", "agent")];
  const plan = planRollout(nodes, 2, new Set(["s1", "a1", "a2", "a3"]));
  expect(plan.agentBatches.map(names)).toEqual([["a1", "a2"], ["a3"]]);
  expect(names(plan.addedAgents)).toEqual(["new1", "new2"]);
  // a first bring-up: no agent exists yet, so none waits for another
  expect(planRollout(nodes, 1, new Set()).agentBatches).toEqual([]);
  expect(names(planRollout(nodes, 1, new Set()).addedAgents)).toEqual(["a1", "new1", "a2", "a3", "new2"]);
  expect(planRollout(nodes, 1).agentBatches.map(names)).toEqual([["a1"], ["new1"], ["a2"], ["a3"], ["new2"]]);
  expect(planRollout(nodes, 1).addedAgents).toEqual([]);
  // a server is never batched, installed or not
  expect(names(planRollout(nodes, 1, new Set()).servers)).toEqual(["s1"]);
});
