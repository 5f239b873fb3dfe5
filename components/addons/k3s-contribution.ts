import { ConfigContribution } from "../k3s/types";
import { AddonsConfig } from "./config";

import type { Datastore } from "../rules/datastore";

/** True when the addons make another StorageClass the default, so k3s's local-path must go. */
export function replacesLocalPath(cfg: AddonsConfig): boolean {
  return cfg.storage.type !== "local-path" && cfg.storage.default;
}

/**
 * k3s config.yaml keys the addons need.
 * - MetalLB: k3s's servicelb (Klipper) must not answer for LoadBalancer services too.
 * - Longhorn/Rook as default class: `disable: [local-storage]`. k3s rewrites its packaged
 *   local-storage manifest (is-default-class "true") on every start, so patching the annotation
 *   would be undone at the next restart and leave two defaults; disabling is the only stable way.
 * - Monitoring: controller-manager and scheduler listen on 127.0.0.1 and kube-proxy's metrics on
 *   127.0.0.1:10249 by default; embedded etcd exposes metrics on the node address only when asked.
 */
export function addonK3sContribution(cfg: AddonsConfig, datastore: Datastore): ConfigContribution {
  const disable: string[] = [];
  if (cfg.loadBalancer.type === "metallb") disable.push("servicelb");
  if (replacesLocalPath(cfg)) disable.push("local-storage");
  const contribution: ConfigContribution = {};
  if (disable.length) contribution.disable = disable;
  // Where Longhorn keeps data, for K3sCluster's rollout check (day-two/longhorn-drain.ts).
  if (cfg.storage.type === "longhorn") {
    const { nodes, replicas } = cfg.storage;
    contribution.longhorn = { ...(nodes ? { nodes } : {}), ...(replicas !== undefined ? { replicas } : {}) };
  }
  if (cfg.monitoring.enabled) {
    contribution.server = {
      "kube-controller-manager-arg": ["bind-address=0.0.0.0"],
      "kube-scheduler-arg": ["bind-address=0.0.0.0"],
      ...(datastore === "etcd" ? { "etcd-expose-metrics": true } : {}),
    };
    contribution.all = { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] };
  }
  return contribution;
}
