import { ConfigRoot, keyPath } from "../rules/errors";
import { Arch, archName, NodeFacts, NodeSpec } from "./types";

/** The Longhorn settings placement reads: `storage.nodes` and `storage.replicas` (addons/config.ts). */
export interface LonghornSelection {
  /** Nodes that hold data; every amd64/arm64 node without a NoSchedule/NoExecute taint when omitted. */
  nodes?: string[];
  /** Volume replicas; min(3, eligible nodes) when omitted. */
  replicas?: number;
}

/** Longhorn and Rook-Ceph publish amd64 and arm64 images only (k3s-reference.md §11). */
export const STORAGE_ARCHES: readonly Arch[] = ["amd64", "arm64"];

/** Label we put on nodes that may run Longhorn when not every node may (nodeSelector cannot say "amd64 or arm64"). */
export const LONGHORN_NODE_LABEL = "storage.k3s-stacks.io/longhorn";

/** A taint that keeps pods without a matching toleration off the node (NoSchedule, NoExecute). */
export function blocksScheduling(taint: string): boolean {
  return /:(NoSchedule|NoExecute)$/.test(taint);
}

function describeIneligible(n: NodeFacts): string {
  if (!STORAGE_ARCHES.includes(n.arch)) return `${n.name} (arch ${archName(n.arch)}: no Longhorn/Ceph images)`;
  return `${n.name} (tainted ${n.taints.filter(blocksScheduling).join(", ")})`;
}

/** The problem of a listed node whose arch `product` ships no images for, or undefined. */
export function archProblem(where: string, n: NodeFacts, product: string): string | undefined {
  if (STORAGE_ARCHES.includes(n.arch)) return undefined;
  return `${where}: node '${n.name}' is ${archName(n.arch)}; ${product} ships amd64 and arm64 images only. Fix: remove it from the list and keep its data on other nodes.`;
}

/** Where Longhorn runs and how many replicas volumes get. */
export interface LonghornPlacement<N extends NodeFacts = NodeSpec> {
  /** Nodes that hold data and run Longhorn (prerequisites are installed on these). */
  nodes: N[];
  replicas: number;
  /** True when some nodes must be kept free of Longhorn, so eligible nodes get LONGHORN_NODE_LABEL. */
  restricted: boolean;
}

/**
 * Eligible Longhorn nodes and replica count; every problem is returned, none thrown. Below the
 * addons layer because K3sCluster checks its rollout against the placement too (day-two/longhorn-drain.ts).
 * `root` names the addons settings (`k3s-stacks:addons` by default) and `storage` the Longhorn settings
 * in it (K3sCluster names a contribution's `longhorn` instead).
 */
export function longhornPlacement<N extends NodeFacts>(cfg: LonghornSelection, nodes: N[], root: ConfigRoot = "addons", storage = "storage"): { placement?: LonghornPlacement<N>; problems: string[] } {
  const problems: string[] = [];
  let eligible: N[];
  if (cfg.nodes) {
    eligible = [];
    cfg.nodes.forEach((name, i) => {
      const where = keyPath(root, [storage, "nodes", i]);
      const node = nodes.find((n) => n.name === name);
      if (!node) {
        problems.push(`${where}: no node named '${name}'. Fix: use one of ${nodes.map((n) => n.name).join(", ")}.`);
        return;
      }
      const p = archProblem(where, node, "Longhorn");
      if (p) problems.push(p);
      else if (!eligible.includes(node)) eligible.push(node);
    });
  } else {
    eligible = nodes.filter((n) => STORAGE_ARCHES.includes(n.arch) && !n.taints.some(blocksScheduling));
  }
  const excluded = nodes.filter((n) => !eligible.includes(n));
  const excludedText = excluded.length ? `; not eligible: ${excluded.map(describeIneligible).join(", ")}` : "";
  if (problems.length) return { problems };
  if (eligible.length === 0) {
    problems.push(`${keyPath(root, [storage])}: no node can hold Longhorn data${excludedText}. Fix: add an amd64 or arm64 node, or use storage type local-path.`);
    return { problems };
  }
  const replicas = cfg.replicas ?? Math.min(3, eligible.length);
  if (replicas > eligible.length) {
    problems.push(
      `${keyPath(root, [storage, "replicas"])}: ${replicas} replicas need ${replicas} eligible nodes, but only ${eligible.length} can hold Longhorn data (${eligible.map((n) => n.name).join(", ")})${excludedText}. Fix: set replicas to at most ${eligible.length} or add nodes.`,
    );
    return { problems };
  }
  return { placement: { nodes: eligible, replicas, restricted: excluded.length > 0 }, problems };
}
