import { NodeSpec } from "../nodes/types";

/** Bootstrap and rollout order of a cluster's nodes. */
export interface RolloutPlan {
  /** Servers in inventory order; the first starts the cluster. */
  servers: NodeSpec[];
  /** Agents in upgrade batches, inventory order. */
  agentBatches: NodeSpec[][];
}

/** Servers one at a time in inventory order, then agents in batches of `batchSize`. */
export function planRollout(nodes: NodeSpec[], batchSize: number): RolloutPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`agent batch size must be a whole number ≥ 1, got ${batchSize}`);
  const servers = nodes.filter((n) => n.role === "server");
  if (servers.length === 0) throw new Error("a cluster needs at least one server");
  const agents = nodes.filter((n) => n.role === "agent");
  const agentBatches: NodeSpec[][] = [];
  for (let i = 0; i < agents.length; i += batchSize) agentBatches.push(agents.slice(i, i + batchSize));
  return { servers, agentBatches };
}
