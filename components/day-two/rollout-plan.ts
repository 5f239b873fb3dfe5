import { NodeSpec } from "../nodes/types";

/** Bootstrap and rollout order of a cluster's nodes. */
export interface RolloutPlan {
  /** Servers in inventory order; the first starts the cluster. */
  servers: NodeSpec[];
  /** Installed agents in upgrade batches, inventory order. */
  agentBatches: NodeSpec[][];
  /** Agents the last successful update did not install (see planRollout), inventory order. */
  addedAgents: NodeSpec[];
}

/**
 * Servers one at a time in inventory order, then agents in batches of `batchSize`.
 *
 * With `knownNodes` (the nodes the last successful update installed), agents not among it are added:
 * their rollout steps are created in this run, and a created step runs nothing (no k3s to restart
 * yet). They roll after the batches, all at once, instead of in batches of `batchSize`: each batch
 * waits for the one before, so twenty new agents in batches of one were sixty engine steps one after
 * another, each a state write, before any agent's membership could finish (bench/e2e-bringup.ts).
 * Without `knownNodes` every agent counts as installed.
 *
 * Errors: a batch size that is not a whole number ≥ 1, or no server.
 */
export function planRollout(nodes: NodeSpec[], batchSize: number, knownNodes?: ReadonlySet<string>): RolloutPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`agent batch size must be a whole number ≥ 1, got ${batchSize}`);
  const servers = nodes.filter((n) => n.role === "server");
  if (servers.length === 0) throw new Error("a cluster needs at least one server");
  const agents = nodes.filter((n) => n.role === "agent");
  const installed = knownNodes ? agents.filter((n) => knownNodes.has(n.name)) : agents;
  const addedAgents = knownNodes ? agents.filter((n) => !knownNodes.has(n.name)) : [];
  const agentBatches: NodeSpec[][] = [];
  for (let i = 0; i < installed.length; i += batchSize) agentBatches.push(installed.slice(i, i + batchSize));
  return { servers, agentBatches, addedAgents };
}
