import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { required } from "../rules/required";
import { ConfigError, ConfigRoot, collectProblems, parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";
import { nonEmptyInput, stringListInput } from "../rules/inputs";
import { NodeArgs, NodeSpec } from "../nodes/types";
import { NODES_ARG, parseNodes } from "../nodes/spec";
import { ClusterArgs, clusterArgsSchema } from "../k3s/settings";
import { ConfigContribution } from "../k3s/types";
import { AddonsConfig, addonsSchema } from "./config";
import { CephExternalSecrets, cephExternalSchema } from "./rook-external";
import { CheckedAddons, checkAddons } from "./validate";
import type { AddonsRoots } from "./roots";
import type { Datastore } from "../rules/datastore";
import { addonK3sContribution } from "./k3s-contribution";
import { apiVipPoolProblems } from "./kube-vip";

/**
 * The layers to install, as the stack key `k3s-stacks:addons` takes them (same rules and defaults,
 * components/addons/config.ts): `{ storage?, loadBalancer?, monitoring?, charts? }`.
 * - `storage`: `{ type: "local-path" }` (default), `{ type: "longhorn", replicas?, nodes?, dataPath?,
 *   default? (true), prepareNodes? (true) }` or `{ type: "rook-ceph", nodes?: [{ name, devices }],
 *   replicas? (3), filesystem?, external?, default? (true) }`.
 * - `loadBalancer`: `{ type: "servicelb" }` (default, k3s's own) or `{ type: "metallb", pools:
 *   [{ name, addresses: ["192.168.1.224/28" | "a-b"], autoAssign?, avoidBuggyIPs? }], bgp?, subnet? }`
 *   (`subnet`: the nodes' LAN when wider than the /24 or /64 assumed, holding some node's address, of
 *   the pools' family, layer 2 only; layer-2 pools must lie inside it and hold neither its network nor
 *   its broadcast address).
 * - `monitoring`: `{ enabled (false), retention ("10d"), storageSize ("10Gi"), grafanaStorageSize ("1Gi") }`.
 * - `charts`: per chart key, `{ version?, repo? }` overrides of the pinned charts.
 */
export type AddonsArgs = z.input<typeof addonsSchema>;

/**
 * Arguments of {@link ClusterAddons}: plain data and Inputs of it. Checked before any resource is
 * registered; a problem throws a ConfigError naming the argument (`ClusterAddons.args.config.storage.replicas`).
 */
export interface ClusterAddonsArgs {
  /** Admin kubeconfig of the cluster (secret), e.g. `K3sCluster.kubeconfig`. */
  kubeconfig: pulumi.Input<string>;
  /** Every node of the cluster, as given to K3sCluster (storage placement and preparation use them). */
  nodes: NodeArgs[];
  /** Internal addresses of the servers, in the order of the server nodes (`K3sCluster.serverAddresses`). */
  serverAddresses: pulumi.Input<string[]>;
  /** The cluster's datastore (`sqlite` default, `etcd`, `postgres`): monitoring scrapes etcd only with etcd. */
  datastore?: Datastore;
  /** The cluster's pod and service CIDRs, which MetalLB pools must avoid; default k3s's `10.42.0.0/16` / `10.43.0.0/16`. */
  clusterCidr?: string;
  serviceCidr?: string;
  /** The cluster's `disable` list, to catch a disabled servicelb/local-storage that the addons rely on; default `[]`. */
  clusterDisable?: string[];
  /**
   * The cluster's `serverConfig` and `agentConfig`, as given to K3sCluster; default `{}`. The addons are
   * checked against them as the stack checks its cluster block: MetalLB in layer 2 needs
   * `ipvs-strict-arp=true` when kube-proxy runs in IPVS mode, monitoring's metrics keys must not
   * contradict them, and a `kubelet-arg` root-dir is the kubelets' root directory (unless `kubeletRootDir` is given).
   */
  clusterServerConfig?: Record<string, unknown>;
  clusterAgentConfig?: Record<string, unknown>;
  /** The cluster's `apiVip`, as given to K3sCluster: no MetalLB pool may hold its address. */
  apiVip?: ClusterArgs["apiVip"];
  /** What to install; default local-path storage, servicelb, no monitoring. */
  config?: AddonsArgs;
  /** Grafana's admin password (secret); generated (24 characters) when absent. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /** Directory of packaged charts (`<chart>-<version>.tgz`), e.g. from an airgap bundle; charts are fetched from their repositories when absent. */
  airgapChartDir?: string;
  /**
   * The default StorageClass the last update left (the stack's previous `storageClass` output);
   * unknown when absent. Monitoring (its volumes) is replaced only when this is known to differ.
   */
  previousStorageClass?: string;
  /** Monitor addresses and keys of an existing Ceph cluster (secret), for `storage.external`. */
  cephExternal?: pulumi.Input<CephExternalSecrets>;
  /**
   * The kubelets' root directory when a `kubelet-arg` moves it (`root-dir=`); default /var/lib/kubelet.
   * Longhorn's CSI plugin is told it; Rook's chart cannot be, so Rook refuses another directory.
   */
  kubeletRootDir?: string;
}

/**
 * What the stack program passes besides the public arguments: where `config` came from (its key
 * `addons`), so the messages nodes print at run time name the stack key, not ClusterAddons's argument.
 */
export interface ClusterAddonsProgramArgs extends ClusterAddonsArgs {
  configRoot?: ConfigRoot;
}

/** The arguments checked and completed with their defaults. */
export interface ResolvedClusterAddonsArgs extends Omit<ClusterAddonsArgs, "nodes" | "config"> {
  /** Names the addons settings in run-time messages (ClusterAddons.args.config unless the stack program says otherwise). */
  configRoot: ConfigRoot;
  nodes: NodeSpec[];
  config: AddonsConfig;
  datastore: Datastore;
  clusterCidr: string;
  serviceCidr: string;
  clusterDisable: string[];
  checked: CheckedAddons;
}

const ROOT = "ClusterAddons.args";

export const clusterAddonsArgsSchema = z
  .object({
    kubeconfig: required(nonEmptyInput, { description: "the cluster's kubeconfig, such as a K3sCluster's kubeconfig output" }),
    nodes: NODES_ARG,
    serverAddresses: required(stringListInput, { description: "the servers' addresses, such as a K3sCluster's serverAddresses output" }),
    datastore: clusterArgsSchema.shape.datastore,
    clusterCidr: clusterArgsSchema.shape.clusterCidr,
    serviceCidr: clusterArgsSchema.shape.serviceCidr,
    clusterDisable: clusterArgsSchema.shape.disable,
    clusterServerConfig: clusterArgsSchema.shape.serverConfig,
    clusterAgentConfig: clusterArgsSchema.shape.agentConfig,
    apiVip: clusterArgsSchema.shape.apiVip,
    config: addonsSchema.prefault({}),
    grafanaAdminPassword: nonEmptyInput.optional(),
    airgapChartDir: filled("the directory of packaged charts, such as an airgap bundle's charts directory").optional(),
    previousStorageClass: z.string().optional(),
    cephExternal: z.unknown().optional(),
    kubeletRootDir: z.string().regex(/^\//, { message: "must be an absolute path. Fix: write it like /var/lib/kubelet" }).optional(),
  })
  .strict();

/** The arguments the addons' cross-checks name, in place of the stack's keys. */
const ROOTS: AddonsRoots = {
  addons: { arg: `${ROOT}.config` },
  clusterCidr: { arg: `${ROOT}.clusterCidr` },
  serviceCidr: { arg: `${ROOT}.serviceCidr` },
  disable: { arg: `${ROOT}.clusterDisable` },
  serverConfig: { arg: `${ROOT}.clusterServerConfig` },
  agentConfig: { arg: `${ROOT}.clusterAgentConfig` },
  apiVip: { arg: `${ROOT}.apiVip` },
};

/**
 * Checks ClusterAddons' arguments with the stack's rules (the addons schema, nodes, and every cross-check
 * against the cluster) and applies the defaults. Throws one ConfigError naming each argument.
 */
export function resolveClusterAddonsArgs(programArgs: ClusterAddonsProgramArgs): ResolvedClusterAddonsArgs {
  // configRoot is the program's, not an argument: the rest is checked as given (even when not an object).
  const isObject = programArgs !== null && typeof programArgs === "object";
  const { configRoot = ROOTS.addons, ...args } = isObject ? programArgs : ({} as ClusterAddonsProgramArgs);
  let parsed!: z.output<typeof clusterAddonsArgsSchema>;
  let nodes: NodeSpec[] = [];
  collectProblems([
    () => { parsed = parseConfig(clusterAddonsArgsSchema, isObject ? args : programArgs, { arg: ROOT }); },
    () => { if (Array.isArray(args?.nodes)) [nodes] = parseNodes([{ nodes: args.nodes, root: { arg: `${ROOT}.nodes` } }]); },
  ]);
  checkCephExternal(parsed.config, parsed.cephExternal);
  const rootDir = parsed.kubeletRootDir === undefined ? undefined : { dir: parsed.kubeletRootDir.replace(/\/+$/, "") || "/", where: `${ROOT}.kubeletRootDir` };
  const context = {
    nodes, datastore: parsed.datastore, clusterCidr: parsed.clusterCidr, serviceCidr: parsed.serviceCidr, disable: parsed.clusterDisable,
    serverConfig: parsed.clusterServerConfig, agentConfig: parsed.clusterAgentConfig, apiVip: parsed.apiVip?.address,
    // The kubelets' root directory as given, else as the cluster's kubelet-arg lists set it.
    kubeletRootDirs: rootDir ? { server: rootDir, agent: rootDir } : undefined,
  };
  const lb = parsed.config.loadBalancer;
  let checked!: CheckedAddons;
  collectProblems([
    () => { checked = checkAddons(parsed.config, context, ROOTS); },
    () => {
      const problems = parsed.apiVip && lb.type === "metallb" ? apiVipPoolProblems(parsed.apiVip, lb, ROOTS) : [];
      if (problems.length) throw new ConfigError(problems);
    },
  ]);
  return {
    ...parsed,
    // Monitor addresses and cephx keys: secret whatever the caller passed.
    cephExternal: parsed.cephExternal === undefined ? undefined : pulumi.secret(parsed.cephExternal as pulumi.Input<CephExternalSecrets>),
    nodes,
    checked,
    configRoot,
  };
}

/**
 * `cephExternal` is given exactly when `config.storage` uses an existing Ceph cluster, and a plain value
 * has its shape (the stack's secret k3s-stacks:cephExternal has the same rules, rook-external.ts).
 * An Output is checked by what consumes it.
 */
function checkCephExternal(config: AddonsConfig, value: unknown): void {
  const where = `${ROOT}.cephExternal`;
  const external = config.storage.type === "rook-ceph" && config.storage.external !== undefined;
  if (external && value === undefined) {
    throw new ConfigError([`${where}: is required for config.storage.external (monitor addresses and cephx keys of the existing cluster). Fix: pass { monitors, userKey, rbdNodeKey, rbdProvisionerKey } as a secret (Rook's create-external-cluster-resources.py prints them).`]);
  }
  if (!external && value !== undefined) {
    throw new ConfigError([`${where}: is given but config.storage is not rook-ceph with external. Fix: leave it out, or set config.storage.external.`]);
  }
  if (value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise)) parseConfig(cephExternalSchema, value, { arg: where });
}

/**
 * The k3s config.yaml keys ClusterAddons needs on the cluster (MetalLB: servicelb off; Longhorn or
 * Rook as default class: local-storage off; monitoring: metrics endpoints bound beyond 127.0.0.1; the
 * ports MetalLB's speakers and the scrapes take from other nodes, opened in an active firewalld/ufw),
 * to pass as one of `K3sCluster.args.contributions`. Plain data. Throws a ConfigError for a bad `config`.
 */
export function addonsK3sConfig(config: AddonsArgs | undefined, datastore: Datastore = "sqlite"): ConfigContribution {
  return addonK3sContribution(parseConfig(addonsSchema, config ?? {}, { arg: `${ROOT}.config` }), datastore);
}
