import * as pulumi from "@pulumi/pulumi";
import { ConfigRoot, isArgument, keyPath } from "../rules/key-path";
import { ConfigContribution, ConfigValue } from "../k3s/types";
import { mergeLayerKeys } from "../k3s/layer-keys";
import { flagType } from "../rules/flags";
import type { Family } from "../rules/address";
import { proxyModeProblems } from "../rules/kube-proxy";
import { exitingFlagProblems, featureGateProblems, kubeletFlagProblems } from "../rules/kubernetes-flags";
import { datastoreFlagProblems } from "../rules/flag-values";
import { ClusterNetwork, clusterNetworkProblems, maxPodsProblems } from "../rules/cluster-network";
import { kubeletValueProblems } from "../rules/kubelet-values";
import { kubeletScalarProblems } from "../rules/kubelet-scalars";
import { ClusterSettings, kubeletMaxPods, nodeCidrMaskEntries, nodeCidrMaskSize } from "../k3s/settings";

/**
 * Where each contribution is named in messages: a list (`K3sCluster.args.contributions`, entry i is
 * `K3sCluster.args.contributions[i]`), or a root per entry (the stack names the layer that adds it,
 * `k3s-stacks:registries`).
 */
export type ContributionRoots = ConfigRoot | ((index: number) => ConfigRoot);

/** The root contribution `i` is named by. */
export function contributionRoot(roots: ContributionRoots, i: number): ConfigRoot {
  if (typeof roots === "function") return roots(i);
  return isArgument(roots) ? { arg: keyPath(roots, [i]) } : keyPath(roots, [i]);
}

/** One mapping of config.yaml keys a node's config is merged from, and how its keys are named in a message. */
interface Source {
  config: Record<string, ConfigValue>;
  /** `K3sCluster.args.contributions[1].all.kubelet-arg[0]` for a key (and list entry) of this mapping. */
  name: (key: string, index?: number) => string;
}

/** The keys whose value is known now: an Output (a layer's value not resolved yet) is checked by its key alone (contributions.ts). */
function plain(config: Record<string, unknown> | undefined): Record<string, ConfigValue> {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => !pulumi.Output.isInstance(v) && !(v instanceof Promise))) as Record<string, ConfigValue>;
}

/**
 * Which source a merged key or list entry came from, as mergeLayerKeys folds them: a list joins the
 * list before it, anything else replaces it. The last replacement starts the chain of lists the
 * entry can come from; the first of them that has the entry named it (later copies are dropped).
 */
function originOf(sources: Source[], merged: Record<string, ConfigValue>, key: string, index?: number): string {
  const having = sources.filter((s) => key in s.config);
  let start = having.length - 1;
  while (start > 0 && Array.isArray(having[start].config[key]) && Array.isArray(having[start - 1].config[key])) start--;
  const value = merged[key];
  if (index !== undefined && Array.isArray(value)) {
    for (const s of having.slice(start)) {
      const own = s.config[key];
      const at = Array.isArray(own) ? own.indexOf(value[index]) : -1;
      if (at >= 0) return s.name(key, at);
    }
  }
  return having[start].name(key);
}

/** What roleProblems needs besides the sources: the settings, and the pod range each node gets (from the servers' merged keys). */
interface RoleContext {
  settings: ClusterSettings;
  role: "server" | "agent";
  nodeMask: ReturnType<typeof nodeCidrMaskSize>;
  datastoreKey: string;
}

/**
 * The problems of one role's merged config.yaml keys (the user's, then each contribution's, in the
 * order renderNodeConfig merges them) under the rules checkClusterSettings applies to serverConfig and
 * agentConfig alone: kubelet flag names and feature gates of the pinned Kubernetes release, entries
 * that stop a component (--version, --help), kube-proxy's proxy-mode (whose gate may sit in another
 * source's list), kubelet max-pods against each node's pod range, and for servers the flags of a
 * datastore the cluster does not use. Each problem names the source of the entry at fault.
 */
function roleProblems(sources: Source[], { settings, role, nodeMask, datastoreKey }: RoleContext): string[] {
  const merged = sources.map((s) => s.config).reduce(mergeLayerKeys, {});
  const where = (key: string) => {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(key) as RegExpExecArray;
    return originOf(sources, merged, m[1], m[2] === undefined ? undefined : Number(m[2]));
  };
  return [
    ...kubeletFlagProblems(merged, settings.k3sVersion, where),
    ...featureGateProblems(merged, settings.k3sVersion, where),
    ...exitingFlagProblems(merged, where),
    ...kubeletValueProblems(merged, where),
    ...kubeletScalarProblems(merged, where),
    ...proxyModeProblems(merged, settings.k3sVersion, where),
    ...maxPodsProblems({ clusterCidr: settings.clusterCidr, nodeCidrMaskSize: nodeMask }, kubeletMaxPods(merged, where)),
    ...(role === "server" ? datastoreFlagProblems(merged, settings.datastore, where, datastoreKey) : []),
  ];
}

/** The sources each role's config.yaml is merged from: the user's keys, then each contribution's, as renderNodeConfig merges them. */
function roleSources(list: ConfigContribution[], roots: ContributionRoots, cluster: ConfigRoot, settings: ClusterSettings) {
  const userName = (field: string) => (key: string, index?: number) => keyPath(cluster, index === undefined ? [field, key] : [field, key, index]);
  const layer = (i: number, part: "server" | "all") => (key: string, index?: number) => keyPath(contributionRoot(roots, i), index === undefined ? [part, key] : [part, key, index]);
  const agentConfig = plain(settings.agentConfig);
  const serverConfig = plain(settings.serverConfig);
  // Servers take agentConfig's server flags, serverConfig replacing a key both set (renderNodeConfig).
  const serverAgentKeys = Object.fromEntries(Object.entries(agentConfig).filter(([k]) => flagType("server", k.replace(/\+$/, "")) && !(k in serverConfig)));
  const user = {
    agent: [{ config: agentConfig, name: userName("agentConfig") }],
    server: [{ config: serverAgentKeys, name: userName("agentConfig") }, { config: serverConfig, name: userName("serverConfig") }],
  };
  const all = list.map((c, i) => ({ config: plain(c.all), name: layer(i, "all") }));
  const server = list.map((c, i) => ({ config: plain(c.server), name: layer(i, "server") }));
  return { user, merged: { agent: [...user.agent, ...all], server: [...user.server, ...all, ...server] } };
}

/** The pod range each node gets and where it is set: the mask per family, and the entry that sets it. */
export interface NodeMask {
  mask: Partial<Record<Family, number>>;
  from: Partial<Record<Family, string>>;
}

/** A NodeMask as the cluster-network checks take it. */
export function nodeMaskArgs(m: NodeMask): Pick<ClusterNetwork, "nodeCidrMaskSize" | "nodeCidrMaskFrom"> {
  return { nodeCidrMaskSize: m.mask, nodeCidrMaskFrom: m.from };
}

function nodeMaskOf(sources: Source[]): NodeMask {
  const merged = sources.map((s) => s.config).reduce(mergeLayerKeys, {});
  const out: NodeMask = { mask: {}, from: {} };
  for (const e of nodeCidrMaskEntries(merged)) {
    const m = /^(.*?)\[(\d+)\]$/.exec(e.key);
    const from = m ? originOf(sources, merged, m[1], Number(m[2])) : originOf(sources, merged, e.key);
    for (const f of e.families) {
      out.mask[f] = e.size;
      out.from[f] = from;
    }
  }
  return out;
}

/**
 * The node-cidr-mask-size in force once the contributions join the user's serverConfig: kube-controller-manager
 * runs on servers and cuts one pod range of this size per node out of cluster-cidr (Kubernetes
 * pkg/controller/nodeipam, range_allocator.go), so a layer's mask counts as the user's own would.
 */
/** The packaged components the servers' `disable` holds once the contributions join the cluster's own. */
export function mergedDisable(list: ConfigContribution[], settings: ClusterSettings): string[] {
  return [...new Set([...settings.disable, ...list.flatMap((c) => c.disable ?? [])])];
}

export function mergedNodeMask(list: ConfigContribution[], roots: ContributionRoots, cluster: ConfigRoot, settings: ClusterSettings): NodeMask {
  return nodeMaskOf(roleSources(list, roots, cluster, settings).merged.server);
}

/**
 * Problems a node's config.yaml would have once the contributions join the user's serverConfig and
 * agentConfig (k3s/layer-keys.ts): the checks of checkClusterSettings (k3s/settings.ts), run on what
 * each role's nodes receive, so a layer's key is held to the rules the user's own keys are, and the
 * cluster CIDR against the node-cidr-mask-size the servers' merged keys set (clusterNetworkProblems:
 * kube-controller-manager refuses a cluster CIDR smaller than one node range). What the user's keys
 * give alone is left out: checkClusterSettings reports it already. `roots` names the contributions,
 * `cluster` the component's arguments. Outputs are left out: their values are not known yet.
 */
export function mergedConfigProblems(list: ConfigContribution[], roots: ContributionRoots, cluster: ConfigRoot, settings: ClusterSettings): string[] {
  const { user, merged } = roleSources(list, roots, cluster, settings);
  const datastoreKey = keyPath(cluster, ["datastore"]);
  const nodeMask = nodeMaskOf(merged.server);
  const userMask = nodeCidrMaskSize(user.server[1].config);
  const problems = (role: "server" | "agent", sources: Source[], mask = nodeMask.mask) => roleProblems(sources, { settings, role, nodeMask: mask, datastoreKey });
  const network = (net: ReturnType<typeof nodeMaskArgs>) => clusterNetworkProblems(
    { clusterCidr: settings.clusterCidr, serviceCidr: settings.serviceCidr, ...net }, (field) => keyPath(cluster, field.split(".")));
  const alone = new Set([...problems("agent", user.agent, userMask), ...problems("server", user.server, userMask), ...network({ nodeCidrMaskSize: userMask })]);
  // The same checks again naming where the mask is set; a problem the user's mask gives alone is already reported.
  const plainNetwork = network({ nodeCidrMaskSize: nodeMask.mask });
  const maskProblems = network({ nodeCidrMaskSize: nodeMask.mask, nodeCidrMaskFrom: nodeMask.from }).filter((_, i) => !alone.has(plainNetwork[i]));
  // An `all` entry reaches both roles: one message.
  return [...[...new Set([...problems("agent", merged.agent), ...problems("server", merged.server)])].filter((p) => !alone.has(p)), ...maskProblems];
}
