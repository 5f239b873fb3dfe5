import { ConfigError, isArgument, keyPath, settingName } from "../rules/errors";
import { AddonsRoots, STACK_ADDONS_ROOTS } from "./roots";
import { NodeFacts, NodeSpec } from "../nodes/types";
import { AddonsConfig } from "./config";
import { RookLayout, rookLayout } from "./eligibility";
import { LonghornPlacement, longhornPlacement } from "../nodes/storage-eligibility";
import type { Datastore } from "../rules/datastore";
import { addonK3sContribution, replacesLocalPath } from "./k3s-contribution";
import { layerConflictProblems, layerKeyConflicts } from "../k3s/layer-keys";
import { RootDirArg, kubeletRootDirProblems, kubeletRootDirs } from "./kubelet-dir";
import { scrapeAddressProblem, scrapedOn } from "./values/monitoring";
import { primaryNodeIp } from "../rules/node-ips";
import { poolProblems } from "./pools";
import { CLOUD_DELIVERS_ONLY_ASSIGNED } from "../rules/layer2";
import { splitNodeIps } from "../rules/node-ips";
import { isIp } from "../rules/address";
import { strictArpProblems } from "./strict-arp";
import { speakerPlacementProblem } from "./daemonsets";

/** The cluster facts the addons are checked against (from `k3s-stacks:cluster` and the node list). */
export interface AddonsContext<N extends NodeFacts = NodeSpec> {
  nodes: N[];
  datastore: Datastore;
  clusterCidr: string;
  serviceCidr: string;
  /** The cluster's `disable` list as the user wrote it. */
  disable: string[];
  /** The cluster's serverConfig and agentConfig: the monitoring keys must not contradict them, MetalLB in layer 2 needs strict ARP under IPVS. */
  serverConfig?: Record<string, unknown>;
  agentConfig?: Record<string, unknown>;
  /** The kubelets' root-dir as a library caller gives it (the stack's comes from serverConfig/agentConfig). */
  kubeletRootDirs?: { server?: RootDirArg; agent?: RootDirArg };
  /** The cluster's apiEndpoint and its key, when set: a MetalLB pool holding it would hand the API's address to a Service. */
  apiEndpoint?: { address: string; key: string };
  /** The cluster's API VIP (cluster.apiVip.address), which no range a MetalLB pool fix proposes may hold. */
  apiVip?: string;
  /** The nodes are cloud VMs (Hetzner Cloud, AWS), whose networks carry no layer-2 announcements (rules/layer2.ts). */
  cloud?: boolean;
}

/** The addons config after cross-checks, with what they derived. */
export interface CheckedAddons<N extends NodeFacts = NodeSpec> {
  config: AddonsConfig;
  longhorn?: LonghornPlacement<N>;
  rook?: RookLayout;
  /** The kubelets' root directory when moved from /var/lib/kubelet (Longhorn's csi.kubeletRootDir). */
  kubeletRootDir?: string;
}

/** Every node address known now (plain strings), by node; Outputs (cloud VMs) cannot be checked before they exist. */
export function knownAddresses(nodes: NodeFacts[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of nodes) {
    const pairs = [n.internalAddress, n.externalAddress].flatMap((a) => (typeof a === "string" ? splitNodeIps(a) : []));
    out[n.name] = [...pairs, n.connection.host].filter((a): a is string => typeof a === "string");
  }
  return out;
}

/** Each node's node-ip as known before it exists (internalAddress, else its SSH address), by name: the LAN MetalLB's layer 2 announces on. */
function lanAddresses(nodes: NodeFacts[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of nodes) {
    const ips = typeof n.internalAddress === "string" ? splitNodeIps(n.internalAddress) : typeof n.connection.host === "string" ? [n.connection.host] : [];
    out[n.name] = ips;
  }
  return out;
}

/**
 * The nodes with an address not known as an IP before they exist: a Pulumi Output (cloud VMs), or
 * only a DNS name. Checks that need every node's address (pool-subnet.ts) do not judge then.
 */
function unreadNodes(nodes: NodeFacts[]): string[] {
  return nodes.filter((n) => {
    const fields = [n.internalAddress, n.externalAddress, n.connection.host].filter((a) => a !== undefined);
    return fields.some((a) => typeof a !== "string") || !fields.some((a) => typeof a === "string" && splitNodeIps(a).some(isIp));
  }).map((n) => n.name);
}

/** Each node's SSH bastion address when written as a plain string, by node. */
function bastionAddresses(nodes: NodeFacts[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of nodes) {
    const host = n.connection.bastion?.host;
    if (typeof host === "string") out[n.name] = [host];
  }
  return out;
}

/**
 * Every cross-check of the addons against the cluster; throws one ConfigError listing all problems,
 * each naming the settings as `at` says (the stack's keys by default).
 */
export function checkAddons<N extends NodeFacts>(cfg: AddonsConfig, ctx: AddonsContext<N>, at: AddonsRoots = STACK_ADDONS_ROOTS): CheckedAddons<N> {
  // The stack's fixes name the list by its key within the stack's own settings (`cluster.disable`).
  const disableList = isArgument(at.disable) ? settingName(at.disable) : keyPath(at.disable, []).replace(/^[^:]*:/, "");
  const problems: string[] = [];
  const out: CheckedAddons<N> = { config: cfg };
  if (cfg.storage.type === "longhorn") {
    const r = longhornPlacement(cfg.storage, ctx.nodes, at.addons);
    problems.push(...r.problems);
    out.longhorn = r.placement;
  } else if (cfg.storage.type === "rook-ceph") {
    const r = rookLayout(cfg.storage, ctx.nodes, at.addons);
    problems.push(...r.problems);
    out.rook = r.layout;
  }
  if (cfg.loadBalancer.type === "metallb" && ctx.cloud && !cfg.loadBalancer.bgp) {
    problems.push(`${keyPath(at.addons, ["loadBalancer"])}: MetalLB without bgp announces its pools by ARP/NDP (layer 2), but ${CLOUD_DELIVERS_ONLY_ASSIGNED}, so no pool address would be reachable. Fix: use type servicelb (k3s's ServiceLB serves LoadBalancer Services on the nodes' own addresses).`);
  }
  if (cfg.loadBalancer.type === "metallb") {
    const pools = { clusterCidr: ctx.clusterCidr, serviceCidr: ctx.serviceCidr, nodeAddresses: knownAddresses(ctx.nodes), lanAddresses: lanAddresses(ctx.nodes), bastionAddresses: bastionAddresses(ctx.nodes), apiEndpoint: ctx.apiEndpoint, unreadNodes: unreadNodes(ctx.nodes), apiVip: ctx.apiVip };
    problems.push(...poolProblems(cfg.loadBalancer, pools, at));
    const speakers = speakerPlacementProblem(ctx.nodes, at.addons);
    if (speakers) problems.push(speakers);
    if (!cfg.loadBalancer.bgp) {
      const server = { root: at.serverConfig, config: ctx.serverConfig ?? {} };
      const agent = { root: at.agentConfig, config: ctx.agentConfig ?? {} };
      problems.push(...strictArpProblems(server, agent, ctx.nodes.some((n) => n.role === "agent"), keyPath(at.addons, ["loadBalancer"])));
    }
  } else if (ctx.disable.includes("servicelb")) {
    problems.push(
      `${keyPath(at.addons, ["loadBalancer", "type"])}: servicelb is chosen but ${keyPath(at.disable, [])} turns it off, so LoadBalancer services would never get an address. Fix: remove servicelb from ${disableList} or use type metallb with pools.`,
    );
  }
  if (!replacesLocalPath(cfg) && ctx.disable.includes("local-storage")) {
    problems.push(
      `${keyPath(at.addons, ["storage"])}: ${keyPath(at.disable, [])} turns off local-storage but no other default StorageClass is configured, so claims without a class stay Pending. Fix: remove local-storage from ${disableList} or choose longhorn/rook-ceph with default: true.`,
    );
  }
  problems.push(...monitoringKeyProblems(cfg, ctx, at));
  if (cfg.monitoring.enabled) {
    // Found when the release was registered, after the cluster's steps had started on the machines.
    for (const n of ctx.nodes) {
      // The primary node-ip (the first of a dual-stack pair), as ClusterAddons scrapes it.
      const address = n.internalAddress ?? n.connection.host;
      const wrong = typeof address === "string" ? scrapeAddressProblem(at.addons, scrapedOn(n.role), n.name, primaryNodeIp(address)) : undefined;
      if (wrong) problems.push(wrong);
    }
  }
  const rootDir = kubeletRootDirProblems(cfg, ctx.kubeletRootDirs ?? kubeletRootDirs(ctx.serverConfig, ctx.agentConfig, { server: at.serverConfig, agent: at.agentConfig }), ctx.nodes.some((n) => n.role === "agent"), at.addons);
  problems.push(...rootDir.problems);
  if (rootDir.dir !== undefined) out.kubeletRootDir = rootDir.dir;
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/**
 * Monitoring binds the control plane's and kube-proxy's metrics beyond 127.0.0.1 (and exposes etcd's)
 * through config.yaml keys that join the user's own (k3s/layer-keys.ts); a serverConfig/agentConfig
 * entry setting one of them otherwise would leave Prometheus' targets down, or the user's value lost.
 */
function monitoringKeyProblems(cfg: AddonsConfig, ctx: AddonsContext<NodeFacts>, at: AddonsRoots): string[] {
  if (!cfg.monitoring.enabled) return [];
  const keys = addonK3sContribution(cfg, ctx.datastore);
  const layer = `${keyPath(at.addons, ["monitoring"])} (Prometheus scrapes these metrics from other nodes)`;
  const fix = `set ${keyPath(at.addons, ["monitoring", "enabled"])}: false`;
  return [
    ...layerConflictProblems(layerKeyConflicts(ctx.serverConfig ?? {}, { ...keys.all, ...keys.server }), at.serverConfig, layer, fix),
    ...layerConflictProblems(layerKeyConflicts(ctx.agentConfig ?? {}, { ...keys.all }), at.agentConfig, layer, fix),
  ];
}
