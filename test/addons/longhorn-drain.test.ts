import { parseAddonsConfig } from "../../components/addons/config";
import { longhornPlacement } from "../../components/nodes/storage-eligibility";
import { AgentDrains, longhornDrainProblems } from "../../components/day-two/longhorn-drain";
import { NodeSpec } from "../../components/nodes/types";
import { node } from "./fixtures";

// A server tainted for control-plane only, so Longhorn data lives on the three agents.
const nodes = [node("s1", 10, { role: "server", taints: ["CriticalAddonsOnly=true:NoExecute"] }), node("a1", 11), node("a2", 12), node("a3", 13)];

function problemsFor(ns: NodeSpec[], upgrade: Partial<AgentDrains>, storage: object = {}): string[] {
  const cfg = parseAddonsConfig({ storage: { type: "longhorn", replicas: 1, ...storage } }).storage;
  if (cfg.type !== "longhorn") throw new Error("not longhorn");
  const { placement } = longhornPlacement(cfg, ns);
  return longhornDrainProblems(placement!, ns, { mode: "ssh", drain: true, agentBatchSize: 1, ...upgrade });
}

// Longhorn moves a volume's last healthy replica only to a node it may schedule on, and it schedules on
// no cordoned node by default ("Disable Scheduling On Cordoned Node", longhorn.io references/settings):
// an agent batch that cordons every data node leaves the drains nowhere to move it.
describe("longhornDrainProblems", () => {
  it("refuses an agent batch that drains every Longhorn data node at once, naming the key and the fix", () => {
    const problems = problemsFor(nodes, { agentBatchSize: 3 });
    expect(problems).toEqual([
      expect.stringMatching(/^k3s-stacks:upgrade\.agentBatchSize: 3 agents drained at once can be every Longhorn data node \(a1, a2, a3\);.* Fix: set agentBatchSize to at most 2, or let a server or another agent hold Longhorn data \(k3s-stacks:addons\.storage\.nodes\)\.$/),
    ]);
    // The controller may pick any agents together, whatever their order.
    expect(problemsFor(nodes, { mode: "system-upgrade-controller", agentBatchSize: 3 })).toHaveLength(1);
    expect(problemsFor(nodes, { mode: "system-upgrade-controller", agentBatchSize: 5 })).toHaveLength(1);
  });

  it("accepts batches that leave a data node schedulable, a server holding data, one data node, or no drain", () => {
    expect(problemsFor(nodes, { agentBatchSize: 2 })).toEqual([]);
    expect(problemsFor(nodes, { mode: "system-upgrade-controller", agentBatchSize: 2 })).toEqual([]);
    // ssh batches are inventory slices: [a1, a2] then [a3, a4] never hold a1..a3 together.
    const four = [...nodes, node("a4", 14)];
    expect(problemsFor(four, { agentBatchSize: 2 }, { nodes: ["a1", "a2", "a3"] })).toEqual([]);
    expect(problemsFor(four, { agentBatchSize: 3 }, { nodes: ["a1", "a2", "a3"] })).toHaveLength(1);
    // A server holding data stays uncordoned while agents roll (servers go one at a time, first).
    const untainted = [node("s1", 10, { role: "server" }), ...nodes.slice(1)];
    expect(problemsFor(untainted, { agentBatchSize: 3 })).toEqual([]);
    // One data node: its drain policy lets the drain end once the replicas stop.
    expect(problemsFor(nodes, { agentBatchSize: 3 }, { nodes: ["a1"] })).toEqual([]);
    expect(problemsFor(nodes, { agentBatchSize: 3, drain: false })).toEqual([]);
  });
});
