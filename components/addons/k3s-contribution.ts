import { ConfigContribution, LayerPorts } from "../k3s/types";
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
 * - Ports: what the layers' host-network components take from other nodes (addonPorts), for an
 *   active firewalld/ufw.
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
  const ports = addonPorts(cfg, datastore);
  if (ports.server.length || ports.all.length) contribution.ports = ports;
  return contribution;
}

/**
 * Inbound ports the addons need on the nodes from the other nodes. Prometheus reaches a node's own
 * address from a pod, which flannel masquerades to the scraping node's address, so a firewall that
 * trusts only the pod and service CIDRs drops the scrape (targets down) unless the port is open:
 * - MetalLB: the speakers' memberlist, 7946 TCP and UDP (chart value speaker.memberlist.mlBindPort;
 *   MetalLB's installation requirements); blocked, speakers see each other as gone and several
 *   answer for one L2 address;
 * - monitoring: kube-controller-manager 10257 and kube-scheduler 10259 on servers, embedded etcd's
 *   metrics 2381 on servers (reference §11 table), kube-proxy's 10249 and the node exporter's 9100
 *   (host network, chart prometheus-node-exporter service.port) everywhere. These ports answer
 *   whoever reaches the node, as the bind addresses above already do without a firewall.
 */
export function addonPorts(cfg: AddonsConfig, datastore: Datastore): LayerPorts {
  const ports: LayerPorts = { server: [], all: [] };
  if (cfg.loadBalancer.type === "metallb") ports.all.push("7946/tcp", "7946/udp");
  if (cfg.monitoring.enabled) {
    ports.server.push("10257/tcp", "10259/tcp", ...(datastore === "etcd" ? ["2381/tcp"] : []));
    ports.all.push("10249/tcp", "9100/tcp");
  }
  return ports;
}
