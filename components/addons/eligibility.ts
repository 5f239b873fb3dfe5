import * as path from "path";
import { ConfigRoot, keyPath } from "../rules/errors";
import { Arch, NodeFacts } from "../nodes/types";
import { STORAGE_ARCHES, archProblem, blocksScheduling } from "../nodes/storage-eligibility";
import { RookConfig } from "./config";

/** The CephFS filesystem a layout adds. */
export interface RookFilesystemLayout {
  name: string;
  replicas: 1 | 2 | 3;
  activeMDS: number;
  /** A standby MDS per active one; only when there is a node for it besides the active ones. */
  activeStandby: boolean;
}

/** Rook-Ceph layout derived from the config. */
export interface RookLayout {
  /** `external`: an existing Ceph cluster, no monitors or OSDs here. */
  mode: "internal" | "external";
  replicas: 1 | 2 | 3;
  mons: 1 | 3;
  mgrs: 1 | 2;
  /** Arch the operator Deployment is pinned to (its nodeSelector can name one value only). */
  operatorArch: Arch;
  nodes: NonNullable<RookConfig["nodes"]>;
  /** NoSchedule/NoExecute taints of the listed OSD nodes, which Ceph's daemons tolerate to run there. */
  taints: string[];
  filesystem?: RookFilesystemLayout;
  external?: RookConfig["external"];
}

/**
 * The device a listed name means on the node: Rook reads a bare name as /dev/<name> and a path as
 * written (CephCluster storage.nodes[].devices[].name), so sdb, /dev/sdb and /dev//sdb are one device.
 */
function deviceOnNode(name: string): string {
  const p = path.posix.normalize(name.trim());
  return p.startsWith("/") ? p : `/dev/${p}`;
}

/**
 * A device listed twice on one node: Rook makes one OSD of a device, so the second entry adds no
 * OSD and the node would have fewer OSDs than its list says.
 */
function duplicateDeviceProblems(devices: string[], where: (j: number) => string, node: string): string[] {
  const first = new Map<string, number>();
  return devices.flatMap((d, j) => {
    const dev = deviceOnNode(d);
    const i = first.get(dev);
    if (i === undefined) {
      first.set(dev, j);
      return [];
    }
    const same = devices[i] === d ? "" : ` ('${devices[i]}' and '${d}' both name ${dev}: Rook reads a bare name as /dev/<name>)`;
    return [`${where(j)}: ${dev} on node '${node}' is already listed at devices[${i}]${same}, and Rook makes one OSD of a device, so this entry adds none. Fix: remove devices[${j}], or list another empty device of ${node}.`];
  });
}

/** Checks the Rook config against the nodes: OSD nodes and replicas, or external mode's exclusions. */
export function rookLayout(cfg: RookConfig, nodes: NodeFacts[], root: ConfigRoot = "addons"): { layout?: RookLayout; problems: string[] } {
  const rookKey = (...path: Array<string | number>) => keyPath(root, ["storage", ...path]);
  const problems: string[] = [];
  const capable = nodes.filter((n) => STORAGE_ARCHES.includes(n.arch));
  if (capable.length === 0) {
    return { problems: [`${rookKey()}: no node is amd64 or arm64, and Rook-Ceph ships no other images. Fix: add an amd64/arm64 node, or use storage type local-path.`] };
  }
  const operatorArch: Arch = capable.some((n) => n.arch === "amd64") ? "amd64" : "arm64";
  if (cfg.external) {
    // External mode builds no Ceph daemons: node, replica and filesystem settings would be ignored.
    if (cfg.nodes) problems.push(`${rookKey("nodes")}: external mode creates no OSDs, so no node devices are used. Fix: remove storage.nodes, or remove storage.external to build a cluster on them.`);
    if (cfg.replicas !== undefined) problems.push(`${rookKey("replicas")}: replication is the external cluster's pool setting. Fix: remove storage.replicas with external.`);
    if (cfg.filesystem) problems.push(`${rookKey("filesystem")}: external mode uses an existing CephFS. Fix: replace it with storage.external.cephfs: { filesystem, dataPool }.`);
    if (problems.length) return { problems };
    return { layout: { mode: "external", replicas: 3, mons: 1, mgrs: 1, operatorArch, nodes: [], taints: [], external: cfg.external }, problems };
  }
  if (!cfg.nodes) {
    return { problems: [`${rookKey("nodes")}: is required: Rook needs nodes with empty disks for its OSDs. Fix: list nodes with devices, or set storage.external to use an existing Ceph cluster.`] };
  }
  const replicas = cfg.replicas ?? 3;
  const seen = new Set<string>();
  cfg.nodes.forEach((entry, i) => {
    const where = rookKey("nodes", i, "name");
    const node = nodes.find((n) => n.name === entry.name);
    if (!node) {
      problems.push(`${where}: no node named '${entry.name}'. Fix: use one of ${nodes.map((n) => n.name).join(", ")}.`);
      return;
    }
    if (seen.has(entry.name)) problems.push(`${where}: node '${entry.name}' is listed twice. Fix: list each node once with all its devices.`);
    seen.add(entry.name);
    problems.push(...duplicateDeviceProblems(entry.devices, (j) => rookKey("nodes", i, "devices", j), entry.name));
    const p = archProblem(where, node, "Rook-Ceph");
    if (p) problems.push(p);
  });
  if (problems.length) return { problems };
  const hosts = (n: number) => `${n} ${n === 1 ? "is" : "are"} listed (${[...seen].join(", ")})`;
  if (seen.size < replicas) {
    const layout = replicas === 3 ? "the default layout (3 replicas on separate hosts, 3 monitors)" : `${replicas} replicas on separate hosts`;
    problems.push(
      `${rookKey("nodes")}: ${layout} needs ${replicas} nodes with an empty disk, but ${hosts(seen.size)}. Fix: list ${replicas} amd64/arm64 nodes with devices, or set storage.replicas to ${Math.max(1, seen.size)} for an explicit smaller layout.`,
    );
  }
  let filesystem: RookFilesystemLayout | undefined;
  if (cfg.filesystem) {
    const fsReplicas = cfg.filesystem.replicas ?? replicas;
    if (fsReplicas > seen.size) {
      problems.push(`${rookKey("filesystem", "replicas")}: ${fsReplicas} copies on separate hosts need ${fsReplicas} OSD nodes, but ${hosts(seen.size)}. Fix: set filesystem.replicas to at most ${seen.size}, or list more nodes.`);
    }
    if (cfg.filesystem.activeMDS > capable.length) {
      problems.push(`${rookKey("filesystem", "activeMDS")}: ${cfg.filesystem.activeMDS} active metadata servers need as many amd64/arm64 nodes, but there are ${capable.length}. Fix: lower activeMDS.`);
    }
    filesystem = { name: cfg.filesystem.name, replicas: fsReplicas, activeMDS: cfg.filesystem.activeMDS, activeStandby: capable.length > cfg.filesystem.activeMDS };
  }
  if (problems.length) return { problems };
  // The operator goes where the OSDs are when it can.
  const osdNodes = cfg.nodes.map((e) => nodes.find((n) => n.name === e.name)!);
  const osdArchs = osdNodes.map((n) => n.arch);
  const taints = [...new Set(osdNodes.flatMap((n) => n.taints).filter(blocksScheduling))];
  return {
    layout: { mode: "internal", replicas, mons: replicas === 3 ? 3 : 1, mgrs: replicas === 1 ? 1 : 2, operatorArch: osdArchs.includes("amd64") ? "amd64" : "arm64", nodes: cfg.nodes, taints, filesystem },
    problems,
  };
}
