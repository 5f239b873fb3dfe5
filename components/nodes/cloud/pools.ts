import { Arch, NodeRole } from "../types";
import { awsInstanceArch } from "../aws/instance-types";
import { HETZNER_SERVER_TYPES } from "../hetzner/server-types";
import { CloudConfig, CloudPool } from "./config";
import { poolNodeName } from "../../rules/node-name";

/** Hetzner spread placement groups hold at most 10 servers. */
export const PLACEMENT_GROUP_SIZE = 10;

/** Architecture the provider's type implies, when a static table or the name can tell. */
export function typeArch(provider: CloudConfig["provider"], type: string): Arch | undefined {
  return provider === "hetzner" ? HETZNER_SERVER_TYPES[type]?.arch : awsInstanceArch(type);
}

/**
 * Which of `subnets` subnets a pool's VM of `index` goes into: round-robin, so each pool spreads
 * over the AWS availability zones (Hetzner has one subnet).
 */
export function subnetIndex(index: number, subnets: number): number {
  return index % subnets;
}

/** How many VMs go into each of `network.subnets` (created subnets only), plus the API load balancer's address in each. */
export function vmsPerSubnet(config: CloudConfig): number[] {
  const n = config.network.subnets.length;
  const counts = Array.from({ length: n }, () => (config.apiLoadBalancer ? 1 : 0));
  if (n === 0) return counts;
  for (const pool of config.pools) for (let i = 0; i < pool.count; i++) counts[subnetIndex(i, n)] += 1;
  return counts;
}

/** One VM to create, with a stable name and index inside its pool. */
export interface PlannedNode {
  /** `<pool>-<index>`: the Kubernetes node name and the base of every resource name. */
  name: string;
  pool: CloudPool;
  index: number;
  role: NodeRole;
  arch: Arch;
  /** Hetzner placement group of the node inside its pool: index / 10. */
  placementGroup: number;
  /** Kubernetes node labels: the pool's, plus `k3s-stacks/pool`. */
  labels: Record<string, string>;
  /** Kubernetes node taints: the pool's. */
  taints: string[];
}

/**
 * Every node of every pool, servers first (the first server bootstraps the cluster). Indexes are
 * 0..count-1, so lowering a count removes the highest-index nodes and keeps the others' names.
 * Call only on a validated config: the arch is known for every pool then.
 */
export function planNodes(config: CloudConfig): PlannedNode[] {
  const ordered = [...config.pools.filter((p) => p.role === "server"), ...config.pools.filter((p) => p.role === "agent")];
  return ordered.flatMap((pool) => {
    const arch = pool.image?.arch ?? pool.arch ?? typeArch(config.provider, pool.type);
    if (!arch) throw new Error(`pool ${pool.name}: architecture unknown; validate the config first`);
    return Array.from({ length: pool.count }, (_, index) => ({
      name: poolNodeName(pool.name, index),
      pool,
      index,
      role: pool.role,
      arch,
      placementGroup: Math.floor(index / PLACEMENT_GROUP_SIZE),
      labels: { "k3s-stacks/pool": pool.name, ...pool.labels },
      taints: pool.taints,
    }));
  });
}
