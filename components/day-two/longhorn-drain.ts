import { ConfigRoot, keyPath } from "../rules/errors";
import { NodeFacts } from "../nodes/types";
import { LonghornPlacement } from "../nodes/storage-eligibility";

/** How upgrades drain agents (k3s-stacks:upgrade). */
export interface AgentDrains {
  mode: "ssh" | "system-upgrade-controller";
  drain: boolean;
  agentBatchSize: number;
}

/** Where the settings a drain problem names live: the batch size's parent, and the addons settings. */
export interface DrainRoots {
  batch: ConfigRoot;
  addons: ConfigRoot;
}

/** The stack's keys: k3s-stacks:upgrade.agentBatchSize and k3s-stacks:addons.storage.nodes. */
const STACK_DRAIN_ROOTS: DrainRoots = { batch: "upgrade", addons: "addons" };

/**
 * Agent batches that may cordon every Longhorn data node at once. With two or more data nodes the
 * drain policy moves a volume's last healthy replica off a draining node (values/longhorn.ts
 * nodeDrainPolicy), but only onto a node Longhorn may schedule on, and by default it schedules on no
 * cordoned node (setting "Disable Scheduling On Cordoned Node", default true; longhorn.io docs
 * references/settings). A batch holding every data node leaves nowhere to go: those drains wait until
 * drainTimeout and the roll stops with the nodes cordoned. Longhorn's upgrade guide asks for fewer
 * nodes upgrading at a time than replicas for the same reason (maintenance, "In-place Upgrade").
 * Servers roll one at a time, so a data node that is a server is always free during agent batches.
 * ssh mode: batches are the inventory order's slices (day-two/rollout-plan.ts); the controller picks
 * any `agentBatchSize` agents at once. One data node uses a stop-based policy and needs no room.
 */
export function longhornDrainProblems<N extends NodeFacts>(placement: LonghornPlacement<N>, allNodes: N[], upgrade: AgentDrains, roots: DrainRoots = STACK_DRAIN_ROOTS): string[] {
  const data = placement.nodes;
  if (!upgrade.drain || data.length < 2 || data.some((n) => n.role === "server")) return [];
  const dataNames = new Set(data.map((n) => n.name));
  const agents = allNodes.filter((n) => n.role === "agent");
  const b = upgrade.agentBatchSize;
  let together: boolean;
  if (upgrade.mode === "ssh") {
    together = false;
    for (let i = 0; i < agents.length; i += b) {
      if (agents.slice(i, i + b).filter((n) => dataNames.has(n.name)).length === data.length) together = true;
    }
  } else {
    together = b >= data.length;
  }
  if (!together) return [];
  const names = data.map((n) => n.name).join(", ");
  return [
    `${keyPath(roots.batch, ["agentBatchSize"])}: ${b} agents drained at once can be every Longhorn data node (${names}); Longhorn moves a volume's last healthy replica only to a node that is not cordoned, so those drains would wait until drainTimeout and the upgrade stop with the nodes cordoned. ` +
      `Fix: set agentBatchSize to at most ${data.length - 1}, or let a server or another agent hold Longhorn data (${keyPath(roots.addons, ["storage", "nodes"])}).`,
  ];
}
