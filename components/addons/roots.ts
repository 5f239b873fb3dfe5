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
}

export const STACK_ADDONS_ROOTS: AddonsRoots = { addons: "addons", clusterCidr: "cluster.clusterCidr", serviceCidr: "cluster.serviceCidr", disable: "cluster.disable" };
