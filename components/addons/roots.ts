import type { ConfigRoot } from "../rules/key-path";

/**
 * Where the addons' settings and the cluster settings they are checked against are named: the stack's
 * keys (`k3s-stacks:addons`, `k3s-stacks:cluster.disable`, ...) or ClusterAddons's arguments.
 */
export interface AddonsRoots {
  addons: ConfigRoot;
  clusterCidr: ConfigRoot;
  serviceCidr: ConfigRoot;
  /** The cluster's list of disabled packaged components. */
  disable: ConfigRoot;
  /** The cluster's extra k3s config of servers and of every node (kube-proxy's mode, the kubelet's root-dir, metrics keys). */
  serverConfig: ConfigRoot;
  agentConfig: ConfigRoot;
  /** The cluster's API VIP, which no MetalLB pool may hold. */
  apiVip: ConfigRoot;
}

export const STACK_ADDONS_ROOTS: AddonsRoots = {
  addons: "addons",
  clusterCidr: "cluster.clusterCidr",
  serviceCidr: "cluster.serviceCidr",
  disable: "cluster.disable",
  serverConfig: "cluster.serverConfig",
  agentConfig: "cluster.agentConfig",
  apiVip: "cluster.apiVip",
};
