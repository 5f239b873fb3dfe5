import { keyPath } from "../config/errors";
import { Arch, NodeSpec } from "../nodes/types";
import { LonghornConfig, RookConfig } from "./config";

/** Longhorn and Rook-Ceph publish amd64 and arm64 images only (k3s-reference.md §11). */
export const STORAGE_ARCHES: readonly Arch[] = ["amd64", "arm64"];

/** Label we put on nodes that may run Longhorn when not every node may (nodeSelector cannot say "amd64 or arm64"). */
export const LONGHORN_NODE_LABEL = "storage.k3s-stacks.io/longhorn";

function blocksScheduling(taint: string): boolean {
  return /:(NoSchedule|NoExecute)$/.test(taint);
}

function describe(n: NodeSpec): string {
  if (!STORAGE_ARCHES.includes(n.arch)) return `${n.name} (arch ${n.arch}: no Longhorn/Ceph images)`;
  return `${n.name} (tainted ${n.taints.filter(blocksScheduling).join(", ")})`;
}

function archProblem(where: string, n: NodeSpec, product: string): string | undefined {
  if (STORAGE_ARCHES.includes(n.arch)) return undefined;
  return `${where}: node '${n.name}' is ${n.arch} (armhf); ${product} ships amd64 and arm64 images only. Fix: remove it from the list and keep its data on other nodes.`;
}

/** Where Longhorn runs and how many replicas volumes get. */
export interface LonghornPlacement {
  /** Nodes that hold data and run Longhorn (prerequisites are installed on these). */
  nodes: NodeSpec[];
  replicas: number;
  /** True when some nodes must be kept free of Longhorn, so eligible nodes get LONGHORN_NODE_LABEL. */
  restricted: boolean;
}

/** Eligible Longhorn nodes and replica count; every problem is returned, none thrown. */
export function longhornPlacement(cfg: LonghornConfig, nodes: NodeSpec[]): { placement?: LonghornPlacement; problems: string[] } {
  const problems: string[] = [];
  let eligible: NodeSpec[];
  if (cfg.nodes) {
    eligible = [];
    cfg.nodes.forEach((name, i) => {
      const where = keyPath("addons", ["storage", "nodes", i]);
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
  const excludedText = excluded.length ? `; not eligible: ${excluded.map(describe).join(", ")}` : "";
  if (problems.length) return { problems };
  if (eligible.length === 0) {
    problems.push(`${keyPath("addons", ["storage"])}: no node can hold Longhorn data${excludedText}. Fix: add an amd64 or arm64 node, or use storage type local-path.`);
    return { problems };
  }
  const replicas = cfg.replicas ?? Math.min(3, eligible.length);
  if (replicas > eligible.length) {
    problems.push(
      `${keyPath("addons", ["storage", "replicas"])}: ${replicas} replicas need ${replicas} eligible nodes, but only ${eligible.length} can hold Longhorn data (${eligible.map((n) => n.name).join(", ")})${excludedText}. Fix: set replicas to at most ${eligible.length} or add nodes.`,
    );
    return { problems };
  }
  return { placement: { nodes: eligible, replicas, restricted: excluded.length > 0 }, problems };
}

/** Rook-Ceph layout derived from the replica count. */
export interface RookLayout {
  replicas: 1 | 2 | 3;
  mons: 1 | 3;
  mgrs: 1 | 2;
  /** Arch the operator Deployment is pinned to (its nodeSelector can name one value only). */
  operatorArch: Arch;
  nodes: RookConfig["nodes"];
}

/** Checks the Rook node list against the nodes and the chosen layout. */
export function rookLayout(cfg: RookConfig, nodes: NodeSpec[]): { layout?: RookLayout; problems: string[] } {
  const problems: string[] = [];
  const seen = new Set<string>();
  cfg.nodes.forEach((entry, i) => {
    const where = keyPath("addons", ["storage", "nodes", i, "name"]);
    const node = nodes.find((n) => n.name === entry.name);
    if (!node) {
      problems.push(`${where}: no node named '${entry.name}'. Fix: use one of ${nodes.map((n) => n.name).join(", ")}.`);
      return;
    }
    if (seen.has(entry.name)) problems.push(`${where}: node '${entry.name}' is listed twice. Fix: list each node once with all its devices.`);
    seen.add(entry.name);
    const p = archProblem(where, node, "Rook-Ceph");
    if (p) problems.push(p);
  });
  if (problems.length) return { problems };
  if (seen.size < cfg.replicas) {
    const layout = cfg.replicas === 3 ? "the default layout (3 replicas on separate hosts, 3 monitors)" : `${cfg.replicas} replicas on separate hosts`;
    problems.push(
      `${keyPath("addons", ["storage", "nodes"])}: ${layout} needs ${cfg.replicas} nodes with an empty disk, but ${seen.size} ${seen.size === 1 ? "is" : "are"} listed (${[...seen].join(", ")}). Fix: list ${cfg.replicas} amd64/arm64 nodes with devices, or set storage.replicas to ${Math.max(1, seen.size)} for an explicit smaller layout.`,
    );
    return { problems };
  }
  const archs = cfg.nodes.map((e) => nodes.find((n) => n.name === e.name)!.arch);
  return {
    layout: {
      replicas: cfg.replicas,
      mons: cfg.replicas === 3 ? 3 : 1,
      mgrs: cfg.replicas === 1 ? 1 : 2,
      operatorArch: archs.includes("amd64") ? "amd64" : "arm64",
      nodes: cfg.nodes,
    },
    problems,
  };
}
