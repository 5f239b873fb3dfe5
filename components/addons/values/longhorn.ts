import { LonghornConfig } from "../config";
import { LONGHORN_NODE_LABEL, LonghornPlacement } from "../eligibility";
import { Values } from "./types";

/** StorageClass the Longhorn chart creates. */
export const LONGHORN_STORAGE_CLASS = "longhorn";

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
  if (p.restricted) {
    // global.nodeSelector covers manager, UI and driver deployer; the setting covers the pods
    // Longhorn itself creates (instance managers, engine images, CSI plugin).
    values.global = { nodeSelector: { [LONGHORN_NODE_LABEL]: "true" } };
    defaultSettings.systemManagedComponentsNodeSelector = `${LONGHORN_NODE_LABEL}:true`;
  }
  return values;
}
