import type { ClusterSettings } from "../k3s/settings";
import type { RolloutSettings } from "../k3s/types";
import type { Arch, NodeFacts, NodeRole } from "../nodes/types";
import type { InventoryConfig } from "../nodes/inventory/schema";
import type { LocalConfig } from "../nodes/local";
import type { CloudConfig } from "../nodes/cloud/config";
import type { SnapshotConfig, UpgradeConfig } from "../day-two/config";
import type { PreviousState } from "../day-two/previous";
import type { RegistriesSettings } from "../registries/config";
import type { LoadedBundle } from "../airgap/bundle";
import type { AddonsConfig } from "../addons/config";
import type { CephExternalSecrets } from "../addons/rook-external";

/** Where a stack's nodes come from, parsed and checked. */
export type NodeSource =
  | { kind: "inventory"; inventory: InventoryConfig }
  | { kind: "cloud"; cloud: CloudConfig }
  | { kind: "local"; local: LocalConfig & { name: string; arch: Arch } };

/** An SSH endpoint as planned: address and login, never a key or password. */
export interface PlannedEndpoint {
  /** Address or DNS name; undefined for a cloud VM until it exists. */
  host?: string;
  port?: number;
  user?: string;
}

/**
 * One node as the plan sees it, before anything exists. Addresses are plain strings when the config
 * gives them (inventory, local); a cloud VM's addresses are assigned by the provider at creation,
 * so they are undefined here and every address check skips them.
 */
export interface NodePlan extends NodeFacts {
  role: NodeRole;
  arch: Arch;
  /** SSH settings without secret values (keys and sudo passwords come from secret config at wiring). */
  connection: PlannedEndpoint & { bastion?: PlannedEndpoint; local?: boolean };
  internalAddress?: string;
  externalAddress?: string;
  /** The cloud pool the node belongs to. */
  pool?: string;
}

/** Secret keys the stack sets (values stay in config; the program wraps them in pulumi.secret). */
export type SecretName = "datastoreEndpoint" | "sshPrivateKey" | "sshPrivateKeyPassword" | "sudoPassword" | "etcdS3SecretKey" | "etcdS3AccessKey" | "grafanaAdminPassword";

/**
 * Everything a stack will build, checked as a whole: the result of `planStack`. Wiring it creates
 * resources; nothing in it is checked again.
 */
export interface StackPlan {
  cluster: ClusterSettings;
  source: NodeSource;
  /** Nodes that run k3s, servers in bootstrap order as the source lists them. */
  nodes: NodePlan[];
  /** Inventory hosts marked `gone: true` (removed without SSH to them). */
  gone: NodePlan[];
  serverNames: string[];
  /** The server that started the cluster, live or gone, or null (K3sClusterArgs.clusterInitServer). */
  clusterInitServer: string | null;
  /** Node name → role/arch identity (day-two/replace-chain.ts). */
  nodeIdentities: Record<string, string>;
  /** Cloud node → its VM's machine (nodes/cloud/machines.ts), exported as `cloudMachines`; absent for other sources. */
  machines?: Record<string, string>;
  upgrade: UpgradeConfig;
  /** K3sCluster's rollout settings (ssh mode), checked against the datastore. */
  rollout: RolloutSettings;
  snapshots: SnapshotConfig;
  addons?: AddonsConfig;
  /** Plain here; wrap in pulumi.secret at wiring. */
  cephExternal?: CephExternalSecrets;
  registries?: RegistriesSettings;
  /** The airgap bundle, loaded and checked against the version, arches, charts and images. */
  bundle?: LoadedBundle;
  /** Which secret keys are set. */
  secrets: Record<SecretName, boolean>;
  /** The previous outputs the plan was checked against; undefined when checkPreviousOutputs is false. */
  previous?: PreviousState;
  /** Refusals a setting overrides (upgrade.forceServerRemoval), to log as warnings: only a plan that holds has them. */
  warnings: string[];
}
