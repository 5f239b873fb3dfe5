import { LonghornConfig } from "../config";
import { LONGHORN_NODE_LABEL, LonghornPlacement, blocksScheduling } from "../../nodes/storage-eligibility";
import { Values } from "./types";
import { tolerationFor } from "../../rules/taints";

/**
 * The NoSchedule/NoExecute taints of the data nodes (listed in storage.nodes although tainted), which
 * Longhorn must tolerate to run there; deduplicated, in node order.
 */
function dataNodeTaints(p: LonghornPlacement): string[] {
  const taints = p.nodes.flatMap((n) => n.taints).filter(blocksScheduling);
  return [...new Set(taints)];
}

/** StorageClass the Longhorn chart creates. */
export const LONGHORN_STORAGE_CLASS = "longhorn";

/**
 * Longhorn's `node-drain-policy` for our rollouts, which cordon and `kubectl drain` each node before
 * upgrading k3s on it and bring the same node back (Longhorn's "in-place upgrade" case). Longhorn's
 * default, `block-if-contains-last-replica`, keeps the instance-manager pod (and so the drain) on a
 * node that holds the last healthy replica of any volume; with `numberOfReplicas` 1, or while other
 * replicas rebuild, the drain then waits until its --timeout, the roll stops and the node stays
 * cordoned (longhorn.io docs: references/settings "Node Drain Policy"; maintenance/maintenance
 * "Node Drain Policy Recommendations", which names automated upgrades of 1-replica volumes as the use
 * case of the eviction policies). So:
 *  - two or more data nodes: `block-for-eviction-if-contains-last-replica` — Longhorn moves only the
 *    replicas that have no healthy copy elsewhere to another node, then lets the drain finish; data
 *    stays protected, and with healthy copies elsewhere it acts like the default. It triggers on any
 *    cordon, which for us is always planned maintenance;
 *  - one data node: nothing can move, and every volume lives there (Longhorn runs on no other node,
 *    eligibility.ts), so `allow-if-replica-is-stopped` — the drain evicts the workloads, their volumes
 *    detach, their replicas stop, and the drain finishes; it still blocks on a replica that is running.
 *    The node comes back after its restart, so the docs' data-loss warning (a node removed after the
 *    drain) does not apply to a roll.
 */
export function nodeDrainPolicy(p: Pick<LonghornPlacement, "nodes">): string {
  return p.nodes.length > 1 ? "block-for-eviction-if-contains-last-replica" : "allow-if-replica-is-stopped";
}

/** Values for chart longhorn 1.12.1; `kubeletRootDir` when a kubelet-arg moved it from /var/lib/kubelet (addons/kubelet-dir.ts). */
export function longhornValues(cfg: LonghornConfig, p: LonghornPlacement, kubeletRootDir?: string): Values {
  const r = String(p.replicas);
  // CSI sidecars default to 3 replicas each; on a 1-2 node cluster the extra pods only cost memory.
  const sidecars = Math.min(3, p.nodes.length);
  const defaultSettings: Values = {
    // Per data engine, in the JSON-string form values.yaml documents.
    defaultReplicaCount: JSON.stringify({ v1: r, v2: r }),
    // The chart's pre-delete job refuses to uninstall unless this setting is true (Longhorn's
    // uninstall guide); set from the first install on, so `pulumi destroy` or a storage switch can
    // delete the release. Existing releases get it on their next `pulumi up`.
    deletingConfirmationFlag: true,
    // So that the rollouts' drains finish (see nodeDrainPolicy).
    nodeDrainPolicy: nodeDrainPolicy(p),
  };
  const values: Values = {
    persistence: { defaultClass: cfg.default, defaultClassReplicaCount: p.replicas },
    defaultSettings,
    longhornUI: { replicas: 1 },
    csi: {
      attacherReplicaCount: sidecars,
      provisionerReplicaCount: sidecars,
      resizerReplicaCount: sidecars,
      snapshotterReplicaCount: sidecars,
      // Longhorn cannot find it on k3s, whose kubelet runs inside k3s (kubelet-dir.ts).
      ...(kubeletRootDir ? { kubeletRootDir } : {}),
    },
  };
  if (cfg.dataPath) defaultSettings.defaultDataPath = cfg.dataPath;
  // A data node listed although tainted runs Longhorn only when every part tolerates its taints: the
  // chart's manager, driver deployer and UI, and (the setting) the pods Longhorn creates itself —
  // Longhorn's docs, "Taints and Tolerations"; its setting takes k3s's taint syntax, joined by "; ".
  const taints = dataNodeTaints(p);
  if (taints.length) {
    const tolerations = taints.map(tolerationFor);
    values.longhornManager = { tolerations };
    values.longhornDriver = { tolerations };
    values.longhornUI = { ...(values.longhornUI as Values), tolerations };
    defaultSettings.taintToleration = taints.join("; ");
  }
  if (p.restricted) {
    // global.nodeSelector covers manager, UI and driver deployer; the setting covers the pods
    // Longhorn itself creates (instance managers, engine images, CSI plugin).
    values.global = { nodeSelector: { [LONGHORN_NODE_LABEL]: "true" } };
    defaultSettings.systemManagedComponentsNodeSelector = `${LONGHORN_NODE_LABEL}:true`;
  }
  return values;
}
