import { ConfigError, keyPath } from "../rules/errors";
import { ClusterSettings } from "../k3s/settings";
import { RolloutSettings } from "../k3s/types";
import { UpgradeConfig } from "./config";
import { renderPreUpgradeSnapshotScript } from "./node-scripts";

/**
 * The K3sCluster `rollout` for the ssh mode: batch size, drain, and the pre-upgrade etcd snapshot
 * script (default on with etcd). An explicit preUpgradeSnapshot: true without etcd is an error.
 */
export function rolloutSettings(upgrade: UpgradeConfig, settings: ClusterSettings): RolloutSettings {
  const etcd = settings.datastore === "etcd";
  if (upgrade.preUpgradeSnapshot === true && !etcd) {
    throw new ConfigError([
      `${keyPath("upgrade", ["preUpgradeSnapshot"])}: needs the embedded etcd datastore but k3s-stacks:cluster.datastore is ${settings.datastore}. ` +
        "Fix: remove it (back up sqlite's state.db or the external database yourself before upgrading).",
    ]);
  }
  const snapshot = upgrade.preUpgradeSnapshot ?? etcd;
  return {
    agentBatchSize: upgrade.agentBatchSize,
    drain: upgrade.drain,
    drainTimeout: upgrade.drainTimeout ?? settings.drainTimeout,
    preUpgradeScript: snapshot ? renderPreUpgradeSnapshotScript(settings.k3sVersion) : undefined,
  };
}
